using System.Net;
using Microsoft.AspNetCore.Authentication.OpenIdConnect;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.AspNetCore.TestHost;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;
using SurvivorConnect.Api.Infrastructure.Auth;
using SurvivorConnect.Api.Portal;
using static SurvivorConnect.IntegrationTests.PortalSession;

namespace SurvivorConnect.IntegrationTests;

/// <summary>The portal's demo sign-in exists only in Development; elsewhere sign-in is Entra ID.</summary>
public sealed class PortalSignInTests
{
    [Fact]
    public async Task Outside_Development_the_sign_in_page_offers_only_Entra_ID_and_the_demo_sign_in_is_not_there()
    {
        await using var staging = new StagingFactory();
        var client = staging.Anonymous();

        var page = await client.GetStringAsync("/signin");

        Assert.Contains("/signin/entra", page, StringComparison.Ordinal);
        Assert.DoesNotContain("demo", page, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(HttpStatusCode.NotFound, (await client.PostAsync("/signin/demo", new FormUrlEncodedContent([new("personId", "demo-admin")]))).StatusCode);
    }

    [Fact]
    public async Task Outside_Development_every_sign_in_asks_Entra_ID_to_sign_the_person_in_afresh()
    {
        // Entra ID's own session outlives the portal's (quick exit, idle time-out): the next person on a shared
        // phone who taps "Sign in" must be asked who they are, not let in as whoever used it last.
        await using var staging = new StagingFactory();
        using var entra = staging.WithWebHostBuilder(builder => builder.ConfigureTestServices(services =>
            services.Configure<OpenIdConnectOptions>(PortalSignIn.EntraScheme, o => o.Configuration = new OpenIdConnectConfiguration
            {
                AuthorizationEndpoint = "https://login.microsoftonline.com/tenant/oauth2/v2.0/authorize",
            })));
        var client = entra.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });

        var signIn = await client.GetAsync("/signin/entra");

        Assert.Equal(HttpStatusCode.Redirect, signIn.StatusCode);
        var authorize = signIn.Headers.Location!;
        Assert.StartsWith("https://login.microsoftonline.com/tenant/oauth2/v2.0/authorize?", authorize.AbsoluteUri, StringComparison.Ordinal);
        Assert.Equal("login", QueryHelpers.ParseQuery(authorize.Query)["prompt"]);

        // What the sign-in's answer is checked against cannot be planted by a sibling subdomain.
        var kept = signIn.Headers.GetValues("Set-Cookie").Where(c => c.Contains("Correlation", StringComparison.Ordinal) || c.Contains("Nonce", StringComparison.Ordinal)).ToList();
        Assert.Equal(2, kept.Count);
        Assert.All(kept, cookie =>
        {
            Assert.StartsWith("__Host-", cookie, StringComparison.Ordinal);
            Assert.Contains("path=/;", cookie + ";", StringComparison.OrdinalIgnoreCase);
            Assert.Contains("secure", cookie, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain("domain=", cookie, StringComparison.OrdinalIgnoreCase);
        });
    }

    [Fact]
    public async Task A_discreet_portal_name_is_the_one_in_the_header_and_on_the_page_Entra_ID_sign_in_lands_on()
    {
        // An agency may call the portal something plain, so that a glance at a youth's phone says nothing.
        static void Named(IWebHostBuilder builder) => builder.UseSetting("Portal:Title", "Weekly planner");
        await using var api = new ApiFactory();
        await using var staging = new StagingFactory();

        var portal = await SignedInAsync(api.WithWebHostBuilder(Named), "demo-youth");
        var page = await portal.GetStringAsync("/notifications");
        var landing = await staging.WithWebHostBuilder(Named).CreateClient().GetStringAsync("/signin/complete");
        var script = await portal.GetStringAsync("/portal-assets/portal.js");
        var style = await portal.GetStringAsync("/portal-assets/portal.css");

        Assert.Contains("<div class=\"brand\">Weekly planner</div>", page, StringComparison.Ordinal);
        Assert.Contains("<title>Sign in · Weekly planner</title>", landing, StringComparison.Ordinal);
        Assert.All(new[] { page, landing, script, style }, text => Assert.DoesNotContain("SurvivorConnect", text, StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public async Task Signing_out_ends_the_session_and_clears_what_the_browser_kept_of_the_site()
    {
        await using var api = new ApiFactory();
        var client = await SignedInAsync(api, "demo-youth");
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/notifications")).StatusCode);

        var signedOut = await client.PostAsync("/signout", new FormUrlEncodedContent([new("__RequestVerificationToken", await FormTokenAsync(client, "/notifications"))]));

        Assert.Equal(HttpStatusCode.Redirect, signedOut.StatusCode);
        Assert.Equal("/signin?signedout=1", signedOut.Headers.Location?.OriginalString);
        Assert.Equal(HttpStatusCode.Redirect, (await client.GetAsync("/notifications")).StatusCode);

        // The browser's cache of the site (its scripts and styles: a record of the visit) goes too, as on the quick exit.
        Assert.Equal("\"cache\", \"storage\"", Assert.Single(signedOut.Headers.GetValues("Clear-Site-Data")));
        var left = await (await SignedInAsync(api, "demo-youth")).PostAsync("/exit", null);
        Assert.Equal("\"cache\", \"storage\"", Assert.Single(left.Headers.GetValues("Clear-Site-Data")));
    }

    [Fact]
    public async Task Signing_out_from_a_page_made_before_signing_in_again_elsewhere_signs_out_not_an_error_page()
    {
        await using var api = new ApiFactory();
        var client = await SignedInAsync(api, "demo-youth");
        var oldPageToken = await FormTokenAsync(client, "/notifications");
        var again = await client.PostAsync("/signin/demo", new FormUrlEncodedContent([new("personId", "demo-youth"), new("__RequestVerificationToken", await FormTokenAsync(client, "/signin"))]));
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/notifications")).StatusCode);

        var signedOut = await client.PostAsync("/signout", new FormUrlEncodedContent([new("__RequestVerificationToken", oldPageToken)]));

        Assert.Equal(HttpStatusCode.Redirect, again.StatusCode);
        Assert.Equal(HttpStatusCode.Redirect, signedOut.StatusCode);
        Assert.Equal("/signin", (await client.GetAsync("/notifications")).Headers.Location?.OriginalString);
    }

    [Theory]
    [InlineData("back", "/payments?stripe=back")]
    [InlineData("again", "/payments?stripe=again")]
    [InlineData("javascript:alert(1)", "/payments")]
    [InlineData("https://elsewhere.example.org", "/payments")]
    public async Task Back_from_Stripe_a_page_showing_nothing_moves_on_to_payments_and_nowhere_else(string stripe, string to)
    {
        // Stripe's site sends the payee back, so the browser withholds the session cookie; the move on from here is the site's own.
        await using var api = new ApiFactory();

        var step = await api.Anonymous().GetAsync("/payments/from-stripe?stripe=" + Uri.EscapeDataString(stripe));
        var page = await step.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, step.StatusCode);
        Assert.Contains($"content=\"0;url={System.Net.WebUtility.HtmlEncode(to)}\"", page, StringComparison.Ordinal);
        Assert.DoesNotContain("elsewhere", page, StringComparison.Ordinal);
        Assert.DoesNotContain("javascript", page, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("demo-supervisor", "/supervision")]
    [InlineData("demo-finance", "/finance")]
    [InlineData("demo-casemanager", "/caseload")]
    [InlineData("demo-youth", "/matches")]
    public async Task Each_role_lands_where_its_work_waits(string personId, string landing)
    {
        await using var api = new ApiFactory();
        var client = await SignedInAsync(api, personId);

        var home = await client.GetAsync("/");

        Assert.Equal(landing, home.Headers.Location?.AbsolutePath);
    }

    [Theory]
    [InlineData("Sec-Fetch-Site", "cross-site")]
    [InlineData("Sec-Fetch-Site", "same-site")]
    [InlineData("Origin", "https://elsewhere.example.org")]
    public async Task Another_site_s_page_cannot_sign_anyone_out(string header, string value)
    {
        await using var api = new ApiFactory();
        var client = await SignedInAsync(api, "demo-youth");
        using var forged = new HttpRequestMessage(HttpMethod.Post, "/signout") { Content = new FormUrlEncodedContent([]) };
        forged.Headers.Add(header, value);

        var answered = await client.SendAsync(forged);

        Assert.Equal("/", answered.Headers.Location?.OriginalString);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/notifications")).StatusCode);
    }

    [Theory]
    [InlineData("POST", HttpStatusCode.NoContent)]
    [InlineData("GET", HttpStatusCode.Redirect)]
    public async Task A_page_of_a_sibling_site_cannot_end_a_session_by_the_quick_exit_which_still_leads_away(string method, HttpStatusCode answer)
    {
        await using var api = new ApiFactory();
        var client = await SignedInAsync(api, "demo-youth");
        using var fromSibling = new HttpRequestMessage(new HttpMethod(method), "/exit");
        fromSibling.Headers.Add("Sec-Fetch-Site", "same-site");

        Assert.Equal(answer, (await client.SendAsync(fromSibling)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/notifications")).StatusCode);

        using var fromPortal = new HttpRequestMessage(new HttpMethod(method), "/exit");
        fromPortal.Headers.Add("Sec-Fetch-Site", "same-origin");
        Assert.Equal(answer, (await client.SendAsync(fromPortal)).StatusCode);
        Assert.Equal(HttpStatusCode.Redirect, (await client.GetAsync("/notifications")).StatusCode);
    }

    [Fact]
    public async Task An_older_browser_without_fetch_metadata_signs_out_from_the_portals_own_page()
    {
        await using var api = new ApiFactory();
        var client = await SignedInAsync(api, "demo-youth");
        using var signOut = new HttpRequestMessage(HttpMethod.Post, "/signout") { Content = new FormUrlEncodedContent([]) };
        signOut.Headers.Add("Origin", "null");

        var answered = await client.SendAsync(signOut);

        Assert.Equal("/signin?signedout=1", answered.Headers.Location?.OriginalString);
        Assert.Equal(HttpStatusCode.Redirect, (await client.GetAsync("/notifications")).StatusCode);
    }

    [Fact]
    public async Task Signing_out_from_a_page_whose_session_has_already_ended_leads_to_sign_in_not_an_error()
    {
        await using var api = new ApiFactory();
        var client = await SignedInAsync(api, "demo-youth");
        var pageToken = await FormTokenAsync(client, "/notifications");
        await client.PostAsync("/exit", null);

        var signedOut = await client.PostAsync("/signout", new FormUrlEncodedContent([new("__RequestVerificationToken", pageToken)]));

        Assert.Equal(HttpStatusCode.Redirect, signedOut.StatusCode);
        Assert.Equal("/signin?signedout=1", signedOut.Headers.Location?.OriginalString);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync(signedOut.Headers.Location)).StatusCode);
    }

    [Fact]
    public async Task Outside_Development_Entra_IDs_callbacks_reach_the_sign_in_handler_not_the_unknown_route_404()
    {
        await using var staging = new StagingFactory();
        var client = staging.Anonymous();

        var callback = await client.PostAsync("/signin-oidc", new FormUrlEncodedContent([new("state", "forged"), new("code", "forged")]));

        // The handler refuses a callback it did not start, and sends the browser back to sign-in to try again.
        Assert.Equal(HttpStatusCode.Redirect, callback.StatusCode);
        Assert.Equal("/signin?failed=1", callback.Headers.Location?.OriginalString);
    }

    [Fact]
    public async Task Outside_Development_a_sign_out_from_Entra_ID_s_front_channel_address_is_an_unknown_address_not_a_sign_out()
    {
        // Any page (a sibling subdomain's image) could ask for it, past the checks /signout makes of where a request came from.
        await using var staging = new StagingFactory();

        await HttpAssert.Problem(await staging.Anonymous().GetAsync("/signout-oidc"), 404);
    }

    [Fact]
    public async Task A_deactivated_or_demoted_persons_open_portal_session_reaches_no_page_on_their_very_next_request()
    {
        await using var api = new ApiFactory();
        var admin = api.As("demo-admin");
        var id = "cm-" + Guid.NewGuid().ToString("N")[..8];
        var created = await admin.PostJson("/api/people", new { subjectId = id, displayName = "Case manager to remove", roles = new[] { "CaseManager" } });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var client = await SignedInAsync(api, id);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/caseload")).StatusCode);

        var demoted = new HttpRequestMessage(HttpMethod.Put, $"/api/people/{id}/roles") { Content = System.Net.Http.Json.JsonContent.Create(new { roles = new[] { "Mentor" } }) };
        demoted.Headers.TryAddWithoutValidation("If-Match", created.Headers.ETag!.Tag);
        Assert.Equal(HttpStatusCode.OK, (await admin.SendAsync(demoted)).StatusCode);
        var caseload = await client.GetAsync("/caseload");
        Assert.Equal("/not-available", caseload.Headers.Location?.OriginalString);

        Assert.Equal(HttpStatusCode.OK, (await admin.PostAsync($"/api/people/{id}/deactivate", null)).StatusCode);
        Assert.Equal(HttpStatusCode.Redirect, (await client.GetAsync("/notifications")).StatusCode);
        Assert.Equal(HttpStatusCode.Redirect, (await client.GetAsync("/profile")).StatusCode);
    }

    [Fact]
    public async Task A_portal_session_from_before_a_deactivation_stays_closed_when_the_person_is_reactivated()
    {
        await using var api = new ClockedApiFactory();
        var admin = api.As("demo-admin");
        var id = "yt-" + Guid.NewGuid().ToString("N")[..8];
        Assert.Equal(HttpStatusCode.Created, (await admin.PostJson("/api/people", new { subjectId = id, displayName = "Youth whose phone was taken", roles = new[] { "Youth" } })).StatusCode);
        var kept = await SignedInAsync(api, id);
        Assert.Equal(HttpStatusCode.OK, (await kept.GetAsync("/notifications")).StatusCode);

        // A while on, so the session plainly began before the deactivation.
        api.Time.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(HttpStatusCode.OK, (await admin.PostAsync($"/api/people/{id}/deactivate", null)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await admin.ReactivateAsync(id)).StatusCode);

        Assert.Equal(HttpStatusCode.Redirect, (await kept.GetAsync("/notifications")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await (await SignedInAsync(api, id)).GetAsync("/notifications")).StatusCode);
    }

    [Fact]
    public async Task Signing_out_everywhere_from_the_help_page_ends_every_earlier_sign_in_of_the_person_and_their_open_chat_and_they_sign_in_again()
    {
        // A youth's phone was taken while signed in: from another device they sign out everywhere.
        await using var api = new ClockedApiFactory();
        var chat = await new MentoringWorld(api).OpenChatAsync();
        var takenPhone = await SignedInAsync(api, chat.YouthPersonId);
        api.Time.Advance(TimeSpan.FromMinutes(3));
        var otherDevice = await SignedInAsync(api, chat.YouthPersonId);
        Assert.Contains("Sign out everywhere", await otherDevice.GetStringAsync("/help"), StringComparison.Ordinal);

        // Past the five minutes by which a token's issue may be dated early, so the chat's token plainly came before.
        api.Time.Advance(TimeSpan.FromMinutes(3));

        using var fromSibling = new HttpRequestMessage(HttpMethod.Post, PortalModule.SignOutEverywherePath);
        fromSibling.Headers.Add("Sec-Fetch-Site", "same-site");
        Assert.Equal("/", (await otherDevice.SendAsync(fromSibling)).Headers.Location?.OriginalString);
        // An old browser sends no Fetch Metadata, and Origin "null" from a sibling's page with a no-referrer policy.
        using var fromOldBrowser = new HttpRequestMessage(HttpMethod.Post, PortalModule.SignOutEverywherePath);
        fromOldBrowser.Headers.Add("Origin", "null");
        Assert.Equal("/help?stale=1", (await otherDevice.SendAsync(fromOldBrowser)).Headers.Location?.OriginalString);
        Assert.Contains("Nothing was done", await otherDevice.GetStringAsync("/help?stale=1"), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, (await takenPhone.GetAsync("/notifications")).StatusCode);

        var answered = await otherDevice.PostAsync(PortalModule.SignOutEverywherePath,
            new FormUrlEncodedContent([new("__RequestVerificationToken", await FormTokenAsync(otherDevice, "/help"))]));

        Assert.Equal("/signin?signedout=everywhere", answered.Headers.Location?.OriginalString);
        await ChatClient.EventuallyAsync(() => chat.Youth.Connection.State != HubConnectionState.Connected, "the youth's open chat closes");
        Assert.Equal(HttpStatusCode.Redirect, (await takenPhone.GetAsync("/notifications")).StatusCode);
        Assert.Equal(HttpStatusCode.Redirect, (await otherDevice.GetAsync("/notifications")).StatusCode);
        Assert.Contains("You are signed out on every device.", await api.Anonymous().GetStringAsync("/signin?signedout=everywhere"), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, (await (await SignedInAsync(api, chat.YouthPersonId)).GetAsync("/notifications")).StatusCode);
        Assert.Equal(HubConnectionState.Connected, chat.Mentor.Connection.State);
    }

    [Fact]
    public async Task Asked_with_the_session_a_page_was_drawn_in_the_status_says_when_the_browser_is_in_another_one_now()
    {
        await using var api = new ApiFactory();
        var client = await SignedInAsync(api, "demo-youth");
        var tag = System.Text.RegularExpressions.Regex.Match(await client.GetStringAsync("/notifications"), "data-session=\"([0-9a-f]+)\"").Groups[1].Value;
        Assert.Equal(16, tag.Length);

        Assert.Equal(HttpStatusCode.NoContent, (await client.GetAsync($"/session?tag={tag}")).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await client.GetAsync("/session")).StatusCode);

        // Someone signs in over it on the same browser: a page of the first session is told, and no session is ended.
        await client.PostAsync("/signin/demo", new FormUrlEncodedContent([new("personId", "demo-advisor"), new("__RequestVerificationToken", await FormTokenAsync(client, "/signin"))]));
        await HttpAssert.Problem(await client.GetAsync($"/session?tag={tag}"), 409);
        Assert.Equal(HttpStatusCode.NoContent, (await client.GetAsync("/session")).StatusCode);
    }

    [Fact]
    public async Task A_page_whose_session_ended_ends_only_that_session_not_one_signed_in_since_in_another_tab()
    {
        await using var api = new ApiFactory();
        var client = await SignedInAsync(api, "demo-youth");
        var first = System.Text.RegularExpressions.Regex.Match(await client.GetStringAsync("/notifications"), "data-session=\"([0-9a-f]+)\"").Groups[1].Value;
        await client.PostAsync("/signin/demo", new FormUrlEncodedContent([new("personId", "demo-advisor"), new("__RequestVerificationToken", await FormTokenAsync(client, "/signin"))]));
        var second = System.Text.RegularExpressions.Regex.Match(await client.GetStringAsync("/notifications"), "data-session=\"([0-9a-f]+)\"").Groups[1].Value;

        // The first session's page idles out in a tab left behind: its beacon names that session.
        await client.PostAsync($"/exit?session={first}", null);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/notifications")).StatusCode);

        await client.PostAsync($"/exit?session={second}", null);
        Assert.Equal(HttpStatusCode.Redirect, (await client.GetAsync("/notifications")).StatusCode);
    }

    [Fact]
    public async Task A_page_whose_session_idled_out_still_clears_what_the_browser_keeps_with_its_beacon()
    {
        await using var api = new ClockedApiFactory();
        var client = await SignedInAsync(api, "demo-youth");
        var tag = System.Text.RegularExpressions.Regex.Match(await client.GetStringAsync("/notifications"), "data-session=\"([0-9a-f]+)\"").Groups[1].Value;
        api.Time.Advance(TimeSpan.FromMinutes(new AuthOptions().Portal.IdleMinutes + 1));

        var left = await client.PostAsync($"/exit?session={tag}", null);

        Assert.Equal("\"cache\", \"storage\"", Assert.Single(left.Headers.GetValues("Clear-Site-Data")));
    }

    [Fact]
    public async Task An_admin_signs_someone_out_everywhere_from_their_panel_on_the_people_page()
    {
        await using var api = new ClockedApiFactory();
        var id = "ms-" + Guid.NewGuid().ToString("N")[..8];
        Assert.Equal(HttpStatusCode.Created, (await api.As("demo-admin").PostJson("/api/people", new { subjectId = id, displayName = "Mentor left signed in", roles = new[] { "Mentor" } })).StatusCode);
        var leftSignedIn = await SignedInAsync(api, id);
        api.Time.Advance(TimeSpan.FromMinutes(1));
        var admin = await SignedInAsync(api, "demo-admin");

        var done = await PostFormAsync(admin, "/people", "end-sign-ins", ("PersonId", id));

        Assert.Contains("Signed out everywhere.", done, StringComparison.Ordinal);
        Assert.Contains("· Active", done, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Redirect, (await leftSignedIn.GetAsync("/notifications")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await admin.GetAsync("/people")).StatusCode);
    }

    [Theory]
    [InlineData(null, "/signin?ended=yes&failed=%00&signedout=99999999999")]
    [InlineData("demo-advisor", "/payments?year=abc")]
    [InlineData("demo-advisor", "/payments?year=-1")]
    [InlineData("demo-finance", "/finance?year=%E2%80%AE2026")]
    public async Task A_page_asked_for_with_a_number_that_is_not_one_is_shown_as_if_none_was_asked_not_an_error(string? personId, string page)
    {
        await using var api = new ApiFactory();
        var client = personId is null ? api.CreateClient(new() { AllowAutoRedirect = false }) : await SignedInAsync(api, personId);

        var answer = await client.GetAsync(page);

        Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
        Assert.Contains("<main", await answer.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.DoesNotContain(api.Logs.GetSnapshot(), l => l.Level >= Microsoft.Extensions.Logging.LogLevel.Error);
    }

    [Theory]
    [InlineData("/audit", "audit")]
    [InlineData("/people", "filter")]
    public async Task A_forged_or_stale_page_token_is_answered_with_plain_words_not_an_error(string page, string form)
    {
        await using var api = new ApiFactory();
        var client = await SignedInAsync(api, "demo-admin");

        var answer = await client.PostAsync(page, new FormUrlEncodedContent(
            [new("_handler", form), new("After", "not-a-page-token"), new("__RequestVerificationToken", await FormTokenAsync(client, page))]));

        Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
        Assert.Contains("That page of the list is no longer there.", await answer.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Recording_a_stage_from_the_caseload_reads_the_youth_once_and_the_audit_log_says_so()
    {
        await using var api = new ApiFactory();
        var client = await SignedInAsync(api, "demo-casemanager");
        async Task<int> ReadsAsync() =>
            (await HttpAssert.Ok<PageDto<AuditDto>>(await api.As("demo-admin").GetAsync("/api/audit?recordId=demo-youth-referral&action=youth.read&actorId=demo-casemanager&pageSize=200"))).Items.Count;
        var shown = (await HttpAssert.Ok<System.Text.Json.JsonElement>(await api.As("demo-casemanager").GetAsync("/api/youth/demo-youth-referral/stages"))).GetProperty("version").GetString()!;
        var before = await ReadsAsync();

        var answer = await client.PostAsync("/caseload", new FormUrlEncodedContent(
        [
            new("_handler", "stage"), new("YouthId", "demo-youth-referral"), new("Stage", "Preparation"), new("Kind", "stage"), new("Version", shown),
            new("__RequestVerificationToken", await FormTokenAsync(client, "/caseload")),
        ]));

        Assert.Contains("The stage is recorded.", await answer.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(before + 1, await ReadsAsync());
    }


    [Fact]
    public async Task A_page_sends_someone_not_signed_in_to_sign_in_without_naming_the_page()
    {
        await using var api = new ApiFactory();

        var response = await api.Anonymous().GetAsync("/chat");

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal("/signin", response.Headers.Location?.OriginalString);
    }

    [Fact]
    public async Task The_portal_cookie_never_opens_the_API()
    {
        await using var api = new ApiFactory();
        var client = api.Anonymous();
        var signIn = await client.GetStringAsync("/signin");
        var token = System.Text.RegularExpressions.Regex.Match(signIn, "name=\"__RequestVerificationToken\" value=\"([^\"]+)\"").Groups[1].Value;

        var signedIn = await client.PostAsync("/signin/demo", new FormUrlEncodedContent([new("personId", "demo-admin"), new("__RequestVerificationToken", token)]));
        Assert.Equal(HttpStatusCode.Redirect, signedIn.StatusCode);

        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/notifications")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("/api/me")).StatusCode);
    }
}
