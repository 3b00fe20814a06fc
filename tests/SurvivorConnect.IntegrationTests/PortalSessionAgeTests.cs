using System.Net;
using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using SurvivorConnect.Api.Infrastructure.Auth;
using static SurvivorConnect.IntegrationTests.PortalSession;

namespace SurvivorConnect.IntegrationTests;

/// <summary>
/// A portal session has a longest life as well as an idle time-out: a phone kept busy, or left where something on it
/// polls, is not signed in for good. Its own server, as the clock runs on by half a day and would outlast others' tokens.
/// </summary>
public sealed class PortalSessionAgeTests(ClockedApiFactory api) : IClassFixture<ClockedApiFactory>
{
    private static readonly TimeSpan Idle = TimeSpan.FromMinutes(new AuthOptions().Portal.IdleMinutes);

    [Fact]
    public async Task A_session_kept_busy_still_ends_a_fixed_time_after_sign_in()
    {
        var busy = await SignedInAsync(api, "demo-youth");
        var signedInAt = api.Time.GetUtcNow();
        var maxAge = TimeSpan.FromHours(new AuthOptions().Portal.MaxHours);

        while (api.Time.GetUtcNow() + Idle / 2 < signedInAt + maxAge)
        {
            Assert.Equal(HttpStatusCode.NoContent, (await busy.PostAsync(PortalSignIn.KeepAlivePath, null)).StatusCode);
            api.Time.Advance(Idle / 2);
        }

        Assert.Equal(HttpStatusCode.OK, (await busy.GetAsync("/notifications")).StatusCode);
        api.Time.Advance(Idle / 2);

        var ended = await busy.GetAsync("/notifications");
        Assert.Equal(HttpStatusCode.Redirect, ended.StatusCode);
        Assert.Equal(PortalSignIn.SignInPath, ended.Headers.Location?.OriginalString);
        Assert.Equal(HttpStatusCode.Unauthorized, (await busy.GetAsync(PortalSignIn.StatusPath)).StatusCode);
    }

    [Fact]
    public async Task A_session_cookie_that_does_not_say_when_it_began_is_refused_as_it_could_last_for_good()
    {
        var options = api.Services.GetRequiredService<IOptions<AuthOptions>>().Value;
        var cookies = api.Services.GetRequiredService<IOptionsMonitor<CookieAuthenticationOptions>>().Get(PortalSignIn.CookieScheme);
        var undated = new ClaimsPrincipal(new ClaimsIdentity(
            [new Claim(options.UserIdClaim, "demo-mentor"), new Claim(options.AgencyClaim, "demo"), new Claim(ScClaims.Session, PortalSessions.NewId())], PortalSignIn.CookieScheme));
        var ticket = new AuthenticationTicket(undated, new AuthenticationProperties { ExpiresUtc = api.Time.GetUtcNow().AddMinutes(10) }, PortalSignIn.CookieScheme);

        Assert.Equal(HttpStatusCode.Unauthorized, (await WithCookieAsync(HttpMethod.Get, PortalSignIn.StatusPath, $"{PortalSignIn.CookieName}={cookies.TicketDataFormat.Protect(ticket)}")).StatusCode);
    }

    [Fact]
    public async Task A_copy_of_a_cookie_whose_session_was_left_is_never_renewed_into_a_live_one()
    {
        var cookie = await SessionCookieAsync(api, "demo-youth");
        Assert.Equal(HttpStatusCode.NoContent, (await WithCookieAsync(HttpMethod.Post, "/exit", cookie)).StatusCode);

        // Whoever kept a copy asks now and then, taking every cookie an answer sets, past the time the end is kept.
        for (var asked = 0; asked < 6; asked++)
        {
            api.Time.Advance(Idle * 2 / 3);
            var answer = await WithCookieAsync(HttpMethod.Get, "/notifications", cookie);

            Assert.Equal(HttpStatusCode.Redirect, answer.StatusCode);
            var renewed = answer.Headers.TryGetValues("Set-Cookie", out var set)
                ? set.Select(c => c.Split(';')[0]).FirstOrDefault(c => c.StartsWith(PortalSignIn.CookieName + "=", StringComparison.Ordinal))
                : null;
            cookie = renewed ?? cookie;
        }
    }

    private async Task<HttpResponseMessage> WithCookieAsync(HttpMethod method, string path, string cookie)
    {
        var client = api.CreateClient(new Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = false });
        using var request = new HttpRequestMessage(method, path);
        request.Headers.Add("Cookie", cookie);
        return await client.SendAsync(request);
    }
}
