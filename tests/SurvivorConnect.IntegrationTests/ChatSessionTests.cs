using System.Net;
using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.AspNetCore.SignalR.Client;
using SurvivorConnect.Api.Infrastructure.Auth;
using static SurvivorConnect.IntegrationTests.PortalSession;

namespace SurvivorConnect.IntegrationTests;

/// <summary>
/// A portal page's live connections last as long as its session: a chat left open on a shared phone goes quiet when
/// the session idles out or is left (in any tab), and someone still at work keeps their session.
/// </summary>
public sealed class ChatSessionTests(ClockedCountingApiFactory api) : IClassFixture<ClockedCountingApiFactory>
{
    private static readonly TimeSpan Idle = TimeSpan.FromMinutes(new AuthOptions().Portal.IdleMinutes);

    private readonly MentoringWorld _world = new(api);

    [Fact]
    public async Task A_chat_left_open_in_the_portal_stops_showing_new_messages_once_the_session_has_idled_out()
    {
        var chat = await _world.OpenChatAsync();
        await using var page = await ChatClient.ConnectWithCookieAsync(() => api.Server, await SessionCookieAsync(api, chat.MentorId));
        await page.JoinAsync(chat.Id);
        var before = await chat.Youth.SendAsync(chat.Id, "are you there");
        await ChatClient.EventuallyAsync(() => page.Received.Any(m => m.Sequence == before.Message.Sequence), "a message arrives while the session lasts");

        api.Time.Advance(Idle + TimeSpan.FromSeconds(1));

        await ChatClient.EventuallyAsync(() => page.Connection.State == HubConnectionState.Disconnected, "the page's connection closes and cannot reconnect");
        var after = await chat.Youth.SendAsync(chat.Id, "sent after the phone was put down");
        Assert.Contains(await chat.Mentor.SinceAsync(chat.Id, before.Message.Sequence), m => m.Sequence == after.Message.Sequence);
    }

    [Fact]
    public async Task Someone_still_at_work_keeps_their_session_past_the_idle_time_and_someone_who_is_not_does_not()
    {
        var working = await SignedInAsync(api, "demo-youth");
        var away = await SignedInAsync(api, "demo-youth");

        api.Time.Advance(Idle * 2 / 3);
        Assert.Equal(HttpStatusCode.NoContent, (await working.PostAsync(PortalSignIn.KeepAlivePath, null)).StatusCode);
        api.Time.Advance(Idle * 2 / 3);

        Assert.Equal(HttpStatusCode.OK, (await working.GetAsync("/notifications")).StatusCode);
        var ended = await away.GetAsync("/notifications");
        Assert.Equal(HttpStatusCode.Redirect, ended.StatusCode);
        Assert.Equal(PortalSignIn.SignInPath, ended.Headers.Location?.OriginalString);
    }

    [Fact]
    public async Task Something_done_early_in_the_idle_time_moves_its_end_on_as_the_pages_own_count_does()
    {
        // The page asks "Are you still here?" a minute before its count from the last tap runs out: the session must not
        // end before that, as it would if only something done in the second half of the idle time moved it on.
        var page = await SignedInAsync(api, "demo-youth");
        api.Time.Advance(Idle / 3);
        Assert.Equal(HttpStatusCode.NoContent, (await page.PostAsync(PortalSignIn.KeepAlivePath, null)).StatusCode);

        api.Time.Advance(Idle - TimeSpan.FromMinutes(1));

        Assert.Equal(HttpStatusCode.NoContent, (await page.GetAsync(PortalSignIn.StatusPath)).StatusCode);
    }

    [Fact]
    public async Task Nothing_a_page_does_by_itself_keeps_its_session_alive()
    {
        // A page's status check and its hubs' (re)connections happen with nobody at the phone.
        var page = await SignedInAsync(api, "demo-youth");
        api.Time.Advance(Idle * 2 / 3);

        var status = await page.GetAsync(PortalSignIn.StatusPath);
        var handshake = await page.PostAsync("/hubs/notifications/negotiate?negotiateVersion=1", null);

        Assert.Equal(HttpStatusCode.NoContent, status.StatusCode);
        Assert.Equal(HttpStatusCode.OK, handshake.StatusCode);
        Assert.False(status.Headers.Contains("Set-Cookie"));
        Assert.False(handshake.Headers.Contains("Set-Cookie"));
        api.Time.Advance(Idle / 3 + TimeSpan.FromSeconds(1));
        Assert.Equal(HttpStatusCode.Unauthorized, (await page.GetAsync(PortalSignIn.StatusPath)).StatusCode);
    }

    [Fact]
    public async Task A_page_its_script_draws_again_by_itself_does_not_keep_its_session_alive()
    {
        // What the person may see changed, or a shared record's time came, with nobody at the office computer.
        var page = await SignedInAsync(api, "demo-casemanager");
        api.Time.Advance(Idle * 2 / 3);

        var redrawn = await page.GetAsync($"/notifications?{PortalSignIn.RedrawnQuery}=60000");
        // One it may no longer open (a role taken away) sends it on to say so, as nobody's doing still.
        var refused = await page.GetAsync($"/opportunities?{PortalSignIn.RedrawnQuery}=60000");
        var saidSo = await page.GetAsync(refused.Headers.Location!.OriginalString);

        Assert.Equal(HttpStatusCode.OK, redrawn.StatusCode);
        Assert.False(redrawn.Headers.Contains("Set-Cookie"));
        Assert.Equal($"/not-available?{PortalSignIn.RedrawnQuery}=60000", refused.Headers.Location!.OriginalString);
        Assert.Equal(HttpStatusCode.OK, saidSo.StatusCode);
        Assert.False(saidSo.Headers.Contains("Set-Cookie"));
        api.Time.Advance(Idle / 3 + TimeSpan.FromSeconds(1));
        Assert.Equal(HttpStatusCode.Unauthorized, (await page.GetAsync(PortalSignIn.StatusPath)).StatusCode);
    }

    [Fact]
    public async Task A_page_of_another_site_under_the_same_domain_cannot_keep_a_shared_phones_session_alive()
    {
        // SameSite cookies go with requests from a sibling subdomain's page (any page of the agency's domain).
        var page = await SignedInAsync(api, "demo-youth");
        api.Time.Advance(Idle * 2 / 3);

        foreach (var (method, path) in new[] { (HttpMethod.Post, PortalSignIn.KeepAlivePath), (HttpMethod.Get, "/notifications") })
        {
            using var fromSibling = new HttpRequestMessage(method, path);
            fromSibling.Headers.Add("Sec-Fetch-Site", "same-site");
            using var answer = await page.SendAsync(fromSibling);
            Assert.False(answer.Headers.Contains("Set-Cookie"), $"{path} moved the session's end on");
        }

        api.Time.Advance(Idle / 3 + TimeSpan.FromSeconds(1));
        Assert.Equal(HttpStatusCode.Unauthorized, (await page.GetAsync(PortalSignIn.StatusPath)).StatusCode);
    }

    [Fact]
    public async Task A_page_drawn_in_another_session_is_told_so_by_the_keep_alive_and_does_not_keep_the_browsers_session_alive()
    {
        // Someone signed in over the page's session in another tab: taps on the page left open are not their work.
        var page = await SignedInAsync(api, "demo-youth");
        var drawnIn = System.Text.RegularExpressions.Regex.Match(await (await page.GetAsync("/notifications")).Content.ReadAsStringAsync(), "data-session=\"([^\"]+)\"").Groups[1].Value;
        Assert.NotEmpty(drawnIn);
        api.Time.Advance(Idle * 2 / 3);

        var other = await page.PostAsync(PortalSignIn.KeepAlivePath + "?tag=0123456789abcdef", null);
        Assert.Equal(HttpStatusCode.Conflict, other.StatusCode);
        Assert.False(other.Headers.Contains("Set-Cookie"));

        var own = await page.PostAsync(PortalSignIn.KeepAlivePath + "?tag=" + drawnIn, null);
        Assert.Equal(HttpStatusCode.NoContent, own.StatusCode);
        Assert.True(own.Headers.Contains("Set-Cookie"));
    }

    [Fact]
    public async Task The_status_check_says_403_for_someone_deactivated_so_their_open_page_clears_itself()
    {
        var (personId, _) = await _world.PersonAsync("Mentor");
        var page = await SignedInAsync(api, personId);
        Assert.Equal(HttpStatusCode.NoContent, (await page.GetAsync(PortalSignIn.StatusPath)).StatusCode);

        await HttpAssert.Ok<System.Text.Json.JsonElement>(await _world.Admin.PostAsync($"/api/people/{personId}/deactivate", null));

        Assert.Equal(HttpStatusCode.Forbidden, (await page.GetAsync(PortalSignIn.StatusPath)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await page.PostAsync(PortalSignIn.KeepAlivePath, null)).StatusCode);
    }

    [Fact]
    public async Task Leaving_closes_the_live_connections_of_that_session_in_every_tab_and_refuses_every_copy_of_its_cookie()
    {
        var chat = await _world.OpenChatAsync();
        var leaving = await SessionCookieAsync(api, chat.MentorId);
        var otherDevice = await SessionCookieAsync(api, chat.MentorId);
        await using var otherTab = await ChatClient.ConnectWithCookieAsync(() => api.Server, leaving);
        await using var elsewhere = await ChatClient.ConnectWithCookieAsync(() => api.Server, otherDevice);
        await otherTab.JoinAsync(chat.Id);
        await elsewhere.JoinAsync(chat.Id);

        Assert.Equal(HttpStatusCode.NoContent, (await WithCookie(HttpMethod.Post, "/exit", leaving)).StatusCode);

        await ChatClient.EventuallyAsync(() => otherTab.Connection.State == HubConnectionState.Disconnected, "the other tab's connection closes at once");
        var after = await chat.Youth.SendAsync(chat.Id, "sent after they left");
        await ChatClient.EventuallyAsync(() => elsewhere.Received.Any(m => m.Sequence == after.Message.Sequence), "their other session goes on");
        Assert.Equal(HttpStatusCode.Unauthorized, (await WithCookie(HttpMethod.Get, PortalSignIn.StatusPath, leaving)).StatusCode);
        var page = await WithCookie(HttpMethod.Get, "/notifications", leaving);
        Assert.Equal(HttpStatusCode.Redirect, page.StatusCode);
        await Assert.ThrowsAnyAsync<Exception>(() => ChatClient.ConnectWithCookieAsync(() => api.Server, leaving));
        Assert.Equal(HttpStatusCode.NoContent, (await WithCookie(HttpMethod.Get, PortalSignIn.StatusPath, otherDevice)).StatusCode);
    }

    [Fact]
    public async Task A_quick_exit_made_without_a_signal_ends_the_session_for_every_copy_of_its_cookie_at_the_next_visit()
    {
        var chat = await _world.OpenChatAsync();
        var left = await SessionCookieAsync(api, chat.MentorId);
        var copy = left;
        await using var otherTab = await ChatClient.ConnectWithCookieAsync(() => api.Server, copy);
        await otherTab.JoinAsync(chat.Id);

        // The page set its mark as it left; the beacon never went. Whoever opens the site next brings the mark back.
        var next = await WithCookie(HttpMethod.Get, "/notifications", left + $"; {PortalSignIn.LeftCookie}=1");

        Assert.Equal(HttpStatusCode.Redirect, next.StatusCode);
        Assert.Contains(next.Headers.GetValues("Set-Cookie"), c => c.StartsWith(PortalSignIn.LeftCookie + "=;", StringComparison.Ordinal));
        Assert.Equal(HttpStatusCode.Unauthorized, (await WithCookie(HttpMethod.Get, PortalSignIn.StatusPath, copy)).StatusCode);
        await ChatClient.EventuallyAsync(() => otherTab.Connection.State == HubConnectionState.Disconnected, "the session's live connections close");
    }

    [Fact]
    public async Task Signing_in_over_a_session_on_the_same_phone_ends_that_session()
    {
        var first = await SessionCookieAsync(api, "demo-mentor");
        var client = api.CreateClient(new Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = false });
        using var page = new HttpRequestMessage(HttpMethod.Get, "/signin");
        page.Headers.Add("Cookie", first);
        var signInPage = await client.SendAsync(page);
        var token = System.Text.RegularExpressions.Regex.Match(await signInPage.Content.ReadAsStringAsync(), "name=\"__RequestVerificationToken\" value=\"([^\"]+)\"").Groups[1].Value;
        using var signIn = new HttpRequestMessage(HttpMethod.Post, "/signin/demo")
        {
            Content = new FormUrlEncodedContent([new("personId", "demo-youth"), new("__RequestVerificationToken", token)]),
        };
        signIn.Headers.Add("Cookie", string.Join("; ", signInPage.Headers.GetValues("Set-Cookie").Select(c => c.Split(';')[0]).Append(first)));

        Assert.Equal(HttpStatusCode.Redirect, (await client.SendAsync(signIn)).StatusCode);

        Assert.Equal(HttpStatusCode.Unauthorized, (await WithCookie(HttpMethod.Get, PortalSignIn.StatusPath, first)).StatusCode);
    }

    [Fact]
    public async Task A_chat_page_whose_sessions_end_was_recorded_elsewhere_but_whose_close_was_lost_reads_nothing_more()
    {
        var chat = await _world.OpenChatAsync();
        var cookie = await SessionCookieAsync(api, chat.MentorId);
        await using var page = await ChatClient.ConnectWithCookieAsync(() => api.Server, cookie);
        await page.JoinAsync(chat.Id);

        await EndedElsewhereAsync(cookie);

        var refused = await Assert.ThrowsAsync<ChatRefusalException>(() => page.HistoryAsync(chat.Id, null, 50));
        Assert.Equal("session-expired", refused.Code);

        // Nothing more is sent from it, even before its next check falls due; what is written from then on is not
        // pushed to it either, and it is closed a moment later.
        var notSent = await Assert.ThrowsAsync<ChatRefusalException>(() => page.SendAsync(chat.Id, "from the phone left behind"));
        Assert.Equal("session-expired", notSent.Code);
        await chat.Youth.SendAsync(chat.Id, "said after the phone was left");
        await ChatClient.EventuallyAsync(() => chat.Mentor.Received.Any(m => m.Text == "said after the phone was left"), "the mentor's own connection hears it");
        Assert.DoesNotContain(page.Received, m => m.Text == "said after the phone was left");
        api.Time.Advance(SurvivorConnect.Api.Features.Chat.ChatHubFilter.ShutOutGrace);
        await ChatClient.EventuallyAsync(() => page.Connection.State == Microsoft.AspNetCore.SignalR.Client.HubConnectionState.Disconnected, "the page's connection is closed");
    }

    [Fact]
    public async Task A_chat_page_whose_sessions_end_was_recorded_elsewhere_but_whose_close_was_lost_sends_nothing_more_within_seconds()
    {
        var chat = await _world.OpenChatAsync();
        var cookie = await SessionCookieAsync(api, chat.MentorId);
        await using var page = await ChatClient.ConnectWithCookieAsync(() => api.Server, cookie);
        await page.JoinAsync(chat.Id);
        await page.SendAsync(chat.Id, "before I left");

        await EndedElsewhereAsync(cookie);
        api.Time.Advance(SurvivorConnect.Api.Features.Chat.ChatHubFilter.SendSessionCheckEvery);

        var refused = await Assert.ThrowsAsync<ChatRefusalException>(() => page.SendAsync(chat.Id, "someone else, on the phone left behind"));
        Assert.Equal("session-expired", refused.Code);
        Assert.DoesNotContain(await chat.Youth.SinceAsync(chat.Id, 0), m => m.Text == "someone else, on the phone left behind");
    }

    [Fact]
    public async Task A_chat_page_whose_persons_sign_ins_were_ended_elsewhere_but_whose_close_was_lost_sends_nothing_more_within_seconds()
    {
        var chat = await _world.OpenChatAsync();
        await using var page = await ChatClient.ConnectWithCookieAsync(() => api.Server, await SessionCookieAsync(api, chat.YouthPersonId));
        await page.JoinAsync(chat.Id);
        await page.SendAsync(chat.Id, "before my phone was taken");

        await SignInsEndedElsewhereAsync(chat.YouthPersonId);

        var refused = await Assert.ThrowsAsync<ChatRefusalException>(() => page.SendAsync(chat.Id, "whoever took the phone"));
        Assert.Equal("not-allowed", refused.Code);
        Assert.DoesNotContain(await chat.Mentor.SinceAsync(chat.Id, 0), m => m.Text == "whoever took the phone");
    }

    [Fact]
    public async Task Words_of_danger_from_a_youth_whose_session_ended_elsewhere_show_the_crisis_lines_and_tell_the_case_manager()
    {
        var chat = await _world.OpenChatAsync();
        var cookie = await SessionCookieAsync(api, chat.YouthPersonId);
        await using var page = await ChatClient.ConnectWithCookieAsync(() => api.Server, cookie);
        await page.JoinAsync(chat.Id);

        await EndedElsewhereAsync(cookie);
        api.Time.Advance(SurvivorConnect.Api.Features.Chat.ChatHubFilter.SendSessionCheckEvery);

        var refused = await Assert.ThrowsAsync<ChatRefusalException>(() => page.SendAsync(chat.Id, "he's outside, I'm not safe", "late-1"));
        Assert.Equal("session-expired", refused.Code);
        Assert.NotEmpty(refused.CrisisResources!);
        Assert.Single(await UnsentNoticesAsync(chat.Id));
        var ordinary = await Assert.ThrowsAsync<ChatRefusalException>(() => page.SendAsync(chat.Id, "see you next week"));
        Assert.Null(ordinary.CrisisResources);
    }

    [Fact]
    public async Task Words_of_danger_from_a_phone_whose_sign_ins_were_ended_but_whose_close_was_lost_tell_the_case_manager()
    {
        var chat = await _world.OpenChatAsync();
        await using var page = await ChatClient.ConnectWithCookieAsync(() => api.Server, await SessionCookieAsync(api, chat.YouthPersonId));
        await page.JoinAsync(chat.Id);
        await page.SendAsync(chat.Id, "before my phone was taken");

        await SignInsEndedElsewhereAsync(chat.YouthPersonId);

        // The store blips as the words are first recorded: the page could not send them again (its connection closes a
        // moment later, and cannot open again), so they are tried again at once.
        var refused = await api.FailingWriteOnceAsync(d => d is SurvivorConnect.Api.Features.Chat.ChatFlagFollowUp,
            () => Assert.ThrowsAsync<ChatRefusalException>(() => page.SendAsync(chat.Id, "they took my phone, help me", "taken-1")), FailedWrite.Upsert);
        Assert.Equal("not-allowed", refused.Code);
        Assert.NotEmpty(refused.CrisisResources!);
        Assert.Single(await UnsentNoticesAsync(chat.Id));
        Assert.DoesNotContain(await chat.Mentor.SinceAsync(chat.Id, 0), m => m.Text.Contains("help me", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Words_of_danger_sent_into_another_chat_by_someone_refused_raise_nothing_there()
    {
        var mine = await _world.OpenChatAsync();
        var other = await _world.OpenChatAsync();
        var cookie = await SessionCookieAsync(api, mine.MentorId);
        await using var page = await ChatClient.ConnectWithCookieAsync(() => api.Server, cookie);
        await page.JoinAsync(mine.Id);

        await EndedElsewhereAsync(cookie);
        api.Time.Advance(SurvivorConnect.Api.Features.Chat.ChatHubFilter.SendSessionCheckEvery);

        var refused = await Assert.ThrowsAsync<ChatRefusalException>(() => page.SendAsync(other.Id, "I want to die", "elsewhere-1"));
        Assert.Equal("session-expired", refused.Code);
        Assert.NotEmpty(refused.CrisisResources!);
        Assert.Empty(await UnsentNoticesAsync(other.Id));
    }

    private async Task<List<NotificationDto>> UnsentNoticesAsync(string matchId) =>
        [.. (await _world.CaseManager.NoticesAsync()).Where(n => n.Kind == "chat-urgent-unsent" && n.MatchId == matchId)];

    /// <summary>As another instance ends a person's sign-ins (their phone taken), its close to this one lost.</summary>
    private async Task SignInsEndedElsewhereAsync(string personId)
    {
        api.Time.Advance(SurvivorConnect.Api.Features.Chat.ChatHubFilter.ShutOutGrace);
        var store = api.Services.GetRequiredService<SurvivorConnect.Storage.IDocumentStore>();
        var person = (await store.ReadAsync<SurvivorConnect.Api.Features.People.Person>(SurvivorConnect.Api.Features.People.Person.Container, personId, "demo", default))!;
        await store.ReplaceAsync(SurvivorConnect.Api.Features.People.Person.Container, person with { SignInsValidFrom = api.Time.GetUtcNow() }, person.ETag!, default);
        api.Time.Advance(SurvivorConnect.Api.Features.Chat.ChatHubFilter.SendSessionCheckEvery);
    }

    /// <summary>Another instance recorded the end of the cookie's session; its close never reached this one.</summary>
    private async Task EndedElsewhereAsync(string cookie)
    {
        var cookies = api.Services.GetRequiredService<IOptionsMonitor<CookieAuthenticationOptions>>().Get(PortalSignIn.CookieScheme);
        var ticket = cookies.TicketDataFormat.Unprotect(cookie[(PortalSignIn.CookieName.Length + 1)..])!;
        await api.Services.GetRequiredService<SurvivorConnect.Storage.IDocumentStore>().UpsertAsync(PortalSessions.Container, new EndedSession
        {
            Id = ticket.Principal.FindFirstValue(ScClaims.Session)!, PartitionKey = "demo", AgencyId = "demo", TimeToLive = 3600,
        }, default);
    }

    [Fact]
    public async Task A_session_cookie_made_before_sessions_had_an_id_is_refused_since_it_could_never_be_ended()
    {
        var options = api.Services.GetRequiredService<IOptions<AuthOptions>>().Value;
        var cookies = api.Services.GetRequiredService<IOptionsMonitor<CookieAuthenticationOptions>>().Get(PortalSignIn.CookieScheme);
        var old = new ClaimsPrincipal(new ClaimsIdentity([new Claim(options.UserIdClaim, "demo-mentor"), new Claim(options.AgencyClaim, "demo")], PortalSignIn.CookieScheme));
        var ticket = new AuthenticationTicket(old, new AuthenticationProperties { ExpiresUtc = api.Time.GetUtcNow().AddMinutes(10) }, PortalSignIn.CookieScheme);

        var status = await WithCookie(HttpMethod.Get, PortalSignIn.StatusPath, $"{PortalSignIn.CookieName}={cookies.TicketDataFormat.Protect(ticket)}");

        Assert.Equal(HttpStatusCode.Unauthorized, status.StatusCode);
    }

    [Fact]
    public async Task The_quick_exit_with_no_session_or_an_unreadable_cookie_ends_no_other_session()
    {
        var (mentorId, _) = await _world.PersonAsync("Mentor");
        var cookie = await SessionCookieAsync(api, mentorId);

        Assert.Equal(HttpStatusCode.NoContent, (await api.Anonymous().PostAsync("/exit", null)).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await WithCookie(HttpMethod.Post, "/exit", PortalSignIn.CookieName + "=forged")).StatusCode);

        Assert.Equal(HttpStatusCode.NoContent, (await WithCookie(HttpMethod.Get, PortalSignIn.StatusPath, cookie)).StatusCode);
    }

    [Fact]
    public async Task An_ended_sessions_cookie_is_taken_off_by_a_page_opened_with_it_never_by_an_answer_that_could_land_after_a_new_sign_in()
    {
        // Signing in in one tab closes the old session's live connection in another, whose page then asks about it with
        // the old cookie: an answer deleting the cookie could come after the new one was set, and sign the new person out.
        var ended = await SessionCookieAsync(api, "demo-mentor");
        Assert.Equal(HttpStatusCode.NoContent, (await WithCookie(HttpMethod.Post, "/exit", ended)).StatusCode);

        foreach (var (method, path) in new[] { (HttpMethod.Get, PortalSignIn.StatusPath + "?tag=x"), (HttpMethod.Post, PortalSignIn.KeepAlivePath) })
        {
            var answer = await WithCookie(method, path, ended, fetchMode: "cors");
            Assert.Equal(HttpStatusCode.Unauthorized, answer.StatusCode);
            Assert.False(answer.Headers.Contains("Set-Cookie"), $"{path} deleted a cookie");
        }

        // Nor does the way out of a page whose session ended, with its cookie or none: it still clears what the browser keeps.
        var live = await SessionCookieAsync(api, "demo-mentor");
        var tag = System.Text.RegularExpressions.Regex.Match(await (await WithCookie(HttpMethod.Get, "/notifications", live)).Content.ReadAsStringAsync(), "data-session=\"([0-9a-f]+)\"").Groups[1].Value;
        foreach (var beacon in new[]
        {
            await WithCookie(HttpMethod.Post, "/exit?session=" + tag, live, fetchMode: "no-cors"),
            await api.CreateClient(new Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactoryClientOptions { HandleCookies = false }).PostAsync("/exit?session=x", null),
        })
        {
            Assert.Equal(HttpStatusCode.NoContent, beacon.StatusCode);
            Assert.False(beacon.Headers.Contains("Set-Cookie"));
            Assert.Equal("\"cache\", \"storage\"", Assert.Single(beacon.Headers.GetValues("Clear-Site-Data")));
        }

        Assert.Equal(HttpStatusCode.Unauthorized, (await WithCookie(HttpMethod.Get, PortalSignIn.StatusPath, live)).StatusCode);

        var page = await WithCookie(HttpMethod.Get, "/notifications", ended, fetchMode: "navigate");
        Assert.Equal(HttpStatusCode.Redirect, page.StatusCode);
        Assert.Contains(page.Headers.GetValues("Set-Cookie"), c => c.StartsWith(PortalSignIn.CookieName + "=;", StringComparison.Ordinal));
    }

    private async Task<HttpResponseMessage> WithCookie(HttpMethod method, string path, string cookie, string? fetchMode = null)
    {
        var client = api.CreateClient(new Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = false });
        using var request = new HttpRequestMessage(method, path);
        request.Headers.Add("Cookie", cookie);
        if (fetchMode is not null)
        {
            request.Headers.Add("Sec-Fetch-Mode", fetchMode);
            request.Headers.Add("Sec-Fetch-Site", "same-origin");
        }

        return await client.SendAsync(request);
    }

    [Fact]
    public async Task The_keep_alive_says_401_once_the_session_has_ended_so_the_page_can_clear_itself()
    {
        var client = await SignedInAsync(api, "demo-mentor");
        api.Time.Advance(Idle + TimeSpan.FromSeconds(1));

        var ended = await client.PostAsync(PortalSignIn.KeepAlivePath, null);

        Assert.Equal(HttpStatusCode.Unauthorized, ended.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await api.Anonymous().PostAsync(PortalSignIn.KeepAlivePath, null)).StatusCode);
    }
}
