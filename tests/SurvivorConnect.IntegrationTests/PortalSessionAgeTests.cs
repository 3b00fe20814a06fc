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
        var client = api.CreateClient(new Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = false });
        using var request = new HttpRequestMessage(HttpMethod.Get, PortalSignIn.StatusPath);
        request.Headers.Add("Cookie", $"{PortalSignIn.CookieName}={cookies.TicketDataFormat.Protect(ticket)}");

        Assert.Equal(HttpStatusCode.Unauthorized, (await client.SendAsync(request)).StatusCode);
    }
}
