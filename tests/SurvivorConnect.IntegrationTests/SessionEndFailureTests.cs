using System.Net;
using Microsoft.AspNetCore.Mvc.Testing;
using SurvivorConnect.Api.Infrastructure.Auth;
using SurvivorConnect.Storage;
using static SurvivorConnect.IntegrationTests.PortalSession;

namespace SurvivorConnect.IntegrationTests;

/// <summary>The quick exit leaves, and clears the browser's session, even when the session's end cannot be recorded.</summary>
public sealed class SessionEndFailureTests(CountingApiFactory api) : IClassFixture<CountingApiFactory>
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
}
