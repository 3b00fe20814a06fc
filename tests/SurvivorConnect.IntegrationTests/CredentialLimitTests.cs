using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;

namespace SurvivorConnect.IntegrationTests;

/// <summary>
/// A flood on one credential is refused before anything is read for it: finding who a token or a portal cookie is costs a
/// store read, which a flood would otherwise spend on every request before the per-person limit refused it.
/// </summary>
public sealed class CredentialLimitTests(CredentialLimitTests.Factory api) : IClassFixture<CredentialLimitTests.Factory>
{
    public sealed class Factory : CountingApiFactory
    {
        protected override IDictionary<string, string?> Settings => new Dictionary<string, string?>(base.Settings)
        {
            ["Api:PermitsPerMinutePerUser"] = "5",
        };
    }

    [Fact]
    public async Task A_flood_on_the_token_of_someone_deactivated_is_refused_without_a_read_and_everyone_else_goes_on()
    {
        var kept = api.Anonymous();
        kept.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", await DeactivatedTokenAsync());
        for (var i = 0; i < 40; i++)
        {
            await kept.GetAsync("/api/me");
        }

        // A one-minute window may roll over once while measuring: at most ten more requests get as far as a read.
        var refusedUnread = 0;
        for (var i = 0; i < 20; i++)
        {
            HttpResponseMessage? answer = null;
            var use = await api.Counter.MeasureAsync(async () => answer = await kept.GetAsync("/api/me"));
            if (answer!.StatusCode == HttpStatusCode.TooManyRequests && use.Calls == 0)
            {
                refusedUnread++;
                await HttpAssert.Problem(answer, 429);
            }
        }

        Assert.True(refusedUnread >= 10, $"only {refusedUnread} of 20 were refused before a read");
        Assert.Equal(HttpStatusCode.OK, (await api.As("demo-casemanager").GetAsync("/api/me")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await api.Anonymous().GetAsync("/health/live")).StatusCode);
    }

    [Fact]
    public async Task The_same_token_spelt_another_way_shares_its_budget()
    {
        var token = await DeactivatedTokenAsync();
        string[] spellings = [$"Bearer {token}", $"BEARER {token}", $"bearer   {token}", $"Bearer {token}  "];

        var refusedUnread = 0;
        for (var i = 0; i < 40; i++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/api/me");
            request.Headers.TryAddWithoutValidation("Authorization", spellings[i % spellings.Length]);
            HttpResponseMessage? answer = null;
            var use = await api.Counter.MeasureAsync(async () => answer = await api.Anonymous().SendAsync(request));
            refusedUnread += answer!.StatusCode == HttpStatusCode.TooManyRequests && use.Calls == 0 ? 1 : 0;
        }

        Assert.True(refusedUnread >= 20, $"only {refusedUnread} of 40 were refused before a read");
    }

    [Fact]
    public async Task A_flood_on_the_portal_cookie_of_someone_deactivated_is_refused_without_a_read()
    {
        // Another agency's admin: each admin here has five requests a minute.
        var id = await NewPersonAsync("north-admin");
        var cookie = await PortalSession.SessionCookieAsync(api, id);
        await DeactivateAsync(id, "north-admin");
        var refusedUnread = 0;
        for (var i = 0; i < 40; i++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/notifications");
            request.Headers.Add("Cookie", cookie);
            HttpResponseMessage? answer = null;
            var use = await api.Counter.MeasureAsync(async () => answer = await api.Anonymous().SendAsync(request));
            refusedUnread += answer!.StatusCode == HttpStatusCode.TooManyRequests && use.Calls == 0 ? 1 : 0;
        }

        Assert.True(refusedUnread >= 20, $"only {refusedUnread} of 40 were refused before a read");
    }

    [Fact]
    public async Task A_flood_on_a_taken_phone_s_ended_token_does_not_refuse_its_person_s_new_sign_in()
    {
        // The phone was taken; its person ended all their sign-ins and signed in again elsewhere. Whoever has the phone
        // floods with its token. Another agency's admin sets it up: each admin here has five requests a minute.
        var id = await NewPersonAsync("north-admin");
        var taken = api.TokenFor(id, "demo-north", DateTimeOffset.UtcNow.AddMinutes(-10));
        Assert.True((await api.AsSubject(id, "demo-north").PostAsync("/api/me/end-sign-ins", null)).IsSuccessStatusCode);
        var theirs = api.TokenFor(id, "demo-north");
        var flood = api.Anonymous();
        flood.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", taken);
        for (var i = 0; i < 15; i++)
        {
            await flood.GetAsync("/api/me");
        }

        Assert.Equal(HttpStatusCode.TooManyRequests, (await flood.GetAsync("/api/me")).StatusCode);
        var own = api.Anonymous();
        own.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", theirs);
        Assert.Equal(HttpStatusCode.OK, (await own.GetAsync("/api/me")).StatusCode);
    }

    [Fact]
    public async Task A_flood_from_a_device_still_signed_in_does_not_keep_its_person_from_signing_out_there_or_everywhere()
    {
        // Whoever holds a device still signed in spends the person's budget; the person, on another device, signs out.
        var id = await NewPersonAsync("north-admin");
        var taken = await PortalSession.SignedInAsync(api, id);
        var own = await PortalSession.SignedInAsync(api, id);
        var shared = await PortalSession.SignedInAsync(api, id);
        var token = await PortalSession.FormTokenAsync(own, "/help");
        for (var i = 0; i < 15; i++)
        {
            await taken.GetAsync("/notifications");
        }

        Assert.Equal(HttpStatusCode.TooManyRequests, (await own.GetAsync("/notifications")).StatusCode);
        // A page's form refused for it is answered with a page that still has the exit, not a line of JSON.
        var form = await own.PostAsync("/notifications", new FormUrlEncodedContent([new("__RequestVerificationToken", token)]));
        Assert.Equal(HttpStatusCode.TooManyRequests, form.StatusCode);
        Assert.Contains("Please wait a moment", await form.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        using var signOut = new HttpRequestMessage(HttpMethod.Post, "/signout");
        signOut.Headers.Add("Sec-Fetch-Site", "same-origin");
        Assert.Equal(HttpStatusCode.Redirect, (await shared.SendAsync(signOut)).StatusCode);

        var answered = await own.PostAsync(Api.Portal.PortalModule.SignOutEverywherePath, new FormUrlEncodedContent([new("__RequestVerificationToken", token)]));

        Assert.Equal("/signin?signedout=everywhere", answered.Headers.Location?.OriginalString);
    }

    [Fact]
    public async Task A_flood_on_a_copy_of_a_session_s_cookie_does_not_keep_its_owner_from_signing_it_out()
    {
        var id = await NewPersonAsync("north-admin");
        var cookie = await PortalSession.SessionCookieAsync(api, id);
        HttpRequestMessage WithCookie(HttpMethod method, string path)
        {
            var request = new HttpRequestMessage(method, path);
            request.Headers.Add("Cookie", cookie);
            return request;
        }

        var client = api.CreateClient(new Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = false });
        for (var i = 0; i < 15; i++)
        {
            using var flood = WithCookie(HttpMethod.Get, "/notifications");
            await client.SendAsync(flood);
        }

        using var spent = WithCookie(HttpMethod.Get, "/notifications");
        Assert.Equal(HttpStatusCode.TooManyRequests, (await client.SendAsync(spent)).StatusCode);
        using var signOut = WithCookie(HttpMethod.Post, "/signout");
        signOut.Headers.Add("Sec-Fetch-Site", "same-origin");

        var answered = await client.SendAsync(signOut);

        Assert.Equal(HttpStatusCode.Redirect, answered.StatusCode);
        Assert.Contains("signedout", answered.Headers.Location?.OriginalString, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_made_up_token_or_cookie_gets_no_budget_of_its_own_and_is_refused_as_none()
    {
        // Each made-up credential would otherwise be a budget kept for a minute: a stream of them fills memory.
        var madeUp = api.Anonymous();
        madeUp.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", "made.up.token");
        for (var i = 0; i < 15; i++)
        {
            Assert.Equal(HttpStatusCode.Unauthorized, (await madeUp.GetAsync("/api/me")).StatusCode);
            using var request = new HttpRequestMessage(HttpMethod.Get, "/notifications");
            request.Headers.Add("Cookie", Api.Infrastructure.Auth.PortalSignIn.CookieName + "=made-up");
            Assert.Equal(HttpStatusCode.Redirect, (await api.Anonymous().SendAsync(request)).StatusCode);
        }
    }

    /// <summary>A token of someone deactivated since it was issued (a phone taken, say).</summary>
    private async Task<string> DeactivatedTokenAsync()
    {
        var id = await NewPersonAsync("demo-admin");
        var token = api.TokenFor(id);
        await DeactivateAsync(id, "demo-admin");
        return token;
    }

    private async Task<string> NewPersonAsync(string admin)
    {
        var id = "taken-" + Guid.NewGuid().ToString("N")[..8];
        Assert.Equal(HttpStatusCode.Created, (await api.As(admin).PostAsJsonAsync("/api/people", new { subjectId = id, displayName = "Phone taken", roles = new[] { "CaseManager" } })).StatusCode);
        return id;
    }

    private async Task DeactivateAsync(string id, string admin) =>
        Assert.Equal(HttpStatusCode.OK, (await api.As(admin).PostAsync($"/api/people/{id}/deactivate", null)).StatusCode);
}
