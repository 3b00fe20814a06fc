using System.Net;
using Microsoft.AspNetCore.Mvc.Testing;
using SurvivorConnect.Api.Infrastructure.Auth;
using SurvivorConnect.Storage;
using static SurvivorConnect.IntegrationTests.PortalSession;

namespace SurvivorConnect.IntegrationTests;

/// <summary>
/// The quick exit leaves, and clears the browser's session, even when the session's end cannot be recorded; a session
/// that cannot be checked for a moment is refused for that moment only.
/// </summary>
public sealed partial class SessionEndFailureTests(CountingApiFactory api) : IClassFixture<CountingApiFactory>
{
    [Theory]
    [InlineData("POST")]
    [InlineData("GET")]
    public async Task The_quick_exit_still_clears_the_session_cookie_and_leaves_when_the_store_is_down(string method)
    {
        var cookie = await SessionCookieAsync(api, "demo-youth");
        api.Counter.BeforeUpsert = document =>
        {
            if (document.Type == "ended-session")
            {
                throw new StoreException(StoreErrorKind.Unavailable, "The store is down.");
            }
        };
        try
        {
            var client = api.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = false });
            using var exit = new HttpRequestMessage(new HttpMethod(method), "/exit");
            exit.Headers.Add("Cookie", cookie);

            var left = await client.SendAsync(exit);

            Assert.Equal(method == "GET" ? HttpStatusCode.Redirect : HttpStatusCode.NoContent, left.StatusCode);
            Assert.Contains(left.Headers.GetValues("Set-Cookie"), c => c.StartsWith(PortalSignIn.CookieName + "=;", StringComparison.Ordinal));
            Assert.DoesNotContain(api.Logs.GetSnapshot(), l => l.Message.Contains(cookie[(PortalSignIn.CookieName.Length + 1)..], StringComparison.Ordinal));
        }
        finally
        {
            api.Counter.BeforeUpsert = null;
        }
    }

    [Fact]
    public async Task A_page_whose_session_ended_takes_the_cookie_after_all_when_that_end_cannot_be_recorded()
    {
        // A page gives up asking after minutes of a store that does not answer; left, the cookie would open the
        // person's pages again once the store is back, on a shared phone.
        var cookie = await SessionCookieAsync(api, "demo-youth");
        var client = api.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = false });
        var tag = System.Text.RegularExpressions.Regex.Match(await (await client.SendAsync(WithCookie("/notifications", cookie))).Content.ReadAsStringAsync(), "data-session=\"([0-9a-f]+)\"").Groups[1].Value;
        api.Counter.BeforeUpsert = document =>
        {
            if (document.Type == "ended-session")
            {
                throw new StoreException(StoreErrorKind.Unavailable, "The store is down.");
            }
        };
        HttpResponseMessage left;
        try
        {
            var beacon = WithCookie("/exit?session=" + tag, cookie);
            beacon.Method = HttpMethod.Post;
            left = await client.SendAsync(beacon);
        }
        finally
        {
            api.Counter.BeforeUpsert = null;
        }

        Assert.Equal(HttpStatusCode.NoContent, left.StatusCode);
        Assert.Contains(left.Headers.GetValues("Set-Cookie"), c => c.StartsWith(PortalSignIn.CookieName + "=;", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("POST")]
    [InlineData("GET")]
    public async Task The_quick_exit_ends_the_session_when_the_person_s_record_cannot_be_read(string method)
    {
        var cookie = await SessionCookieAsync(api, "demo-youth");
        var client = api.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = false });
        api.Counter.BeforeRead = id => id == "demo-youth" ? throw new StoreException(StoreErrorKind.Unavailable, "The store is down.") : Task.CompletedTask;
        HttpResponseMessage left;
        try
        {
            var exit = WithCookie("/exit", cookie);
            exit.Method = new HttpMethod(method);
            left = await client.SendAsync(exit);
        }
        finally
        {
            api.Counter.BeforeRead = null;
        }

        Assert.Equal(method == "GET" ? HttpStatusCode.Redirect : HttpStatusCode.NoContent, left.StatusCode);
        Assert.Contains(left.Headers.GetValues("Set-Cookie"), c => c.StartsWith(PortalSignIn.CookieName + "=;", StringComparison.Ordinal));
        // A copy of the cookie kept elsewhere (another tab's, or one taken from the phone) no longer opens anything.
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.SendAsync(WithCookie(PortalSignIn.StatusPath, cookie))).StatusCode);
    }

    [Fact]
    public async Task A_session_that_cannot_be_checked_is_refused_for_now_and_goes_on_once_it_can_be()
    {
        var cookie = await SessionCookieAsync(api, "demo-youth");
        var client = api.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = false });
        api.Counter.BeforeRead = id => SessionId().IsMatch(id) ? throw new StoreException(StoreErrorKind.Unavailable, "The store is down.") : Task.CompletedTask;
        HttpResponseMessage refused;
        HttpResponseMessage page;
        try
        {
            refused = await client.SendAsync(WithCookie(PortalSignIn.StatusPath, cookie));
            page = await client.SendAsync(WithCookie("/notifications", cookie));
        }
        finally
        {
            api.Counter.BeforeRead = null;
        }

        // Not 401 or 403, on which the page's script clears itself and signs out: "try again".
        Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, page.StatusCode);
        HttpAssert.MayNotBeFramedOrSniffed(page);
        Assert.False(refused.Headers.TryGetValues("Set-Cookie", out var set) && set.Any(c => c.StartsWith(PortalSignIn.CookieName + "=;", StringComparison.Ordinal)));
        // Nor renewed: a copy of a cookie whose session ended would otherwise get a new lease that outlives the record of its end.
        Assert.Empty(SessionCookiesSet(page));
        Assert.Equal(HttpStatusCode.NoContent, (await client.SendAsync(WithCookie(PortalSignIn.StatusPath, cookie))).StatusCode);
        Assert.NotEmpty(SessionCookiesSet(await client.SendAsync(WithCookie("/notifications", cookie))));
    }

    [Fact]
    public async Task Signing_out_while_the_session_cannot_be_checked_still_ends_it_for_every_copy_of_the_cookie()
    {
        var cookie = await SessionCookieAsync(api, "demo-youth");
        var client = api.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = false });
        api.Counter.BeforeRead = id => SessionId().IsMatch(id) ? throw new StoreException(StoreErrorKind.Unavailable, "The store is slow.") : Task.CompletedTask;
        HttpResponseMessage signedOut;
        try
        {
            using var signOut = WithCookie("/signout", cookie);
            signOut.Method = HttpMethod.Post;
            signOut.Content = new FormUrlEncodedContent([]);
            signOut.Headers.Add("Sec-Fetch-Site", "same-origin");
            signedOut = await client.SendAsync(signOut);
        }
        finally
        {
            api.Counter.BeforeRead = null;
        }

        Assert.Equal("/signin?signedout=1", signedOut.Headers.Location?.OriginalString);
        // A copy of the cookie (another tab's, or one taken from the phone) opens nothing once the store answers again.
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.SendAsync(WithCookie(PortalSignIn.StatusPath, cookie))).StatusCode);
    }

    private static IEnumerable<string> SessionCookiesSet(HttpResponseMessage response) =>
        response.Headers.TryGetValues("Set-Cookie", out var set) ? set.Where(c => c.StartsWith(PortalSignIn.CookieName + "=", StringComparison.Ordinal)) : [];

    private static HttpRequestMessage WithCookie(string path, string cookie)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Add("Cookie", cookie);
        return request;
    }

    [System.Text.RegularExpressions.GeneratedRegex("^[0-9a-f]{32}$")]
    private static partial System.Text.RegularExpressions.Regex SessionId();
}
