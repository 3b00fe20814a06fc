using System.Net.Http.Json;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace SurvivorConnect.BrowserTests;

/// <summary>
/// A page put down on a shared phone clears itself when the session idles out, or at once when its person is
/// deactivated; someone still tapping and typing, as in a long chat, keeps theirs, though nothing they do there is a
/// page load.
/// </summary>
[Collection(Portal.Name)]
public sealed class SessionEndTests(PortalServer server)
{
    private static readonly TimeSpan Idle = TimeSpan.FromMinutes(new SurvivorConnect.Api.Infrastructure.Auth.AuthOptions().Portal.IdleMinutes);

    [Fact]
    public async Task A_page_left_open_clears_itself_and_says_why_once_the_session_has_idled_out()
    {
        var youth = await server.SignInAsync("Riley (demo youth)", phone: true);
        await youth.RunAndWaitForWebSocketAsync(() => youth.GotoAsync("/notifications"));
        await Expect(youth.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToBeVisibleAsync();

        server.Time.Advance(Idle + TimeSpan.FromSeconds(1));

        await Expect(youth).ToHaveURLAsync(server.BaseUrl + "/signin?ended=1");
        // In the page itself: the empty toast is a status too until the stylesheet hides it, which under load can be late.
        await Expect(youth.Locator("main").GetByRole(AriaRole.Status)).ToContainTextAsync("Your session ended, so the page was cleared.");
        await Expect(youth.GetByRole(AriaRole.Link, new() { Name = "Notices" })).ToHaveCountAsync(0);
        await Accessibility.AssertNoSeriousViolationsAsync(youth);
    }

    [Fact]
    public async Task A_page_left_open_on_a_phone_that_lost_its_signal_clears_itself_once_the_idle_time_has_passed()
    {
        var youth = await server.SignInAsync("Riley (demo youth)", phone: true);
        await youth.Clock.InstallAsync();
        await youth.GotoAsync("/notifications");
        await Expect(youth.GetByRole(AriaRole.Link, new() { Name = "Notices" })).ToBeVisibleAsync();
        await youth.Context.SetOfflineAsync(true);
        try
        {
            await youth.Clock.RunForAsync((long)(Idle - TimeSpan.FromMinutes(1)).TotalMilliseconds);
            await Expect(youth.GetByRole(AriaRole.Link, new() { Name = "Notices" })).ToBeVisibleAsync();

            await youth.Clock.RunForAsync((long)TimeSpan.FromMinutes(2).TotalMilliseconds);

            // Cleared, and on its way to sign-in (which, offline, the browser cannot show yet).
            await Expect(youth.GetByRole(AriaRole.Link, new() { Name = "Notices" })).ToHaveCountAsync(0);
            await Expect(youth.GetByText("Exit this page")).ToHaveCountAsync(0);
        }
        finally
        {
            await youth.Context.SetOfflineAsync(false);
        }
    }

    [Fact]
    public async Task A_phone_unlocked_after_the_idle_time_shows_nothing_of_the_page_until_the_server_says_the_session_lives()
    {
        var youth = await server.SignInAsync("Riley (demo youth)", phone: true);
        await youth.Clock.InstallAsync();
        await youth.GotoAsync("/notifications");
        var heading = youth.GetByRole(AriaRole.Heading, new() { Level = 1 });
        await Expect(heading).ToBeVisibleAsync();
        var answer = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        await youth.RouteAsync(new System.Text.RegularExpressions.Regex("/session(\\?|$)"), async route =>
        {
            if (await answer.Task)
            {
                await route.ContinueAsync();
            }
            else
            {
                await route.FulfillAsync(new() { Status = 401 });
            }
        });

        // Locked for longer than the idle time: the page's timers have not woken yet when the phone is unlocked.
        await youth.Clock.SetSystemTimeAsync(DateTime.UtcNow + Idle + TimeSpan.FromMinutes(5));
        await youth.EvaluateAsync("document.dispatchEvent(new Event('visibilitychange'))");

        await Expect(heading).ToBeHiddenAsync();
        // The way out stays within reach while the server is asked.
        await Expect(youth.GetByRole(AriaRole.Button, new() { Name = "Exit this page" })).ToBeVisibleAsync();
        answer.SetResult(true);
        await Expect(heading).ToBeVisibleAsync();
        Assert.Equal(server.BaseUrl + "/notifications", youth.Url);

        // Put down again, and this time the session has ended: the page clears without showing itself.
        answer = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        await youth.Clock.SetSystemTimeAsync(DateTime.UtcNow + 2 * (Idle + TimeSpan.FromMinutes(5)));
        await youth.EvaluateAsync("document.dispatchEvent(new Event('visibilitychange'))");
        await Expect(heading).ToBeHiddenAsync();
        answer.SetResult(false);
        await Expect(youth).ToHaveURLAsync(server.BaseUrl + "/signin?ended=1");
    }

    [Fact]
    public async Task A_safety_plan_come_back_to_with_no_signal_shows_the_crisis_lines_and_coping_steps_but_not_where_or_to_whom_the_youth_would_go()
    {
        // Nobody can say with no signal whether the phone is still the youth's (taken, and signed out everywhere since).
        var youthId = "offline-plan-" + Guid.NewGuid().ToString("N")[..8];
        using (var admin = await server.ApiAsAsync("demo-admin"))
        {
            (await admin.PostAsJsonAsync("/api/people", new { subjectId = youthId, displayName = "Sky (offline plan)", roles = new[] { "Youth" } })).EnsureSuccessStatusCode();
        }

        using (var caseManager = await server.ApiAsAsync("demo-casemanager"))
        {
            var referred = await caseManager.PostAsJsonAsync("/api/youth", new { displayName = "Sky (offline plan)", age = 17, stage = "preparation", personId = youthId });
            var recordId = (await referred.EnsureSuccessStatusCode().Content.ReadFromJsonAsync<System.Text.Json.JsonElement>()).GetProperty("id").GetString();
            (await caseManager.PostAsync($"/api/teams/{recordId}", null)).EnsureSuccessStatusCode();
            (await caseManager.PutAsJsonAsync($"/api/teams/{recordId}/safety-plan", new
            {
                warningSigns = new[] { "When he texts me late" }, copingSteps = new[] { "Breathe slowly" }, safePeople = new[] { new { name = "My cousin", contact = "555-0123" } }, safePlaces = new[] { "The youth centre on 5th" },
            })).EnsureSuccessStatusCode();
        }

        var youth = await server.SignInAsAddedAsync(youthId, phone: true);
        await youth.Clock.InstallAsync();
        await youth.GotoAsync("/my-plan");
        var place = youth.GetByText("The youth centre on 5th");
        await Expect(place).ToBeVisibleAsync();
        Task Put(string visibility) => youth.EvaluateAsync(
            "state => { Object.defineProperty(document, 'visibilityState', { value: state, configurable: true }); document.dispatchEvent(new Event('visibilitychange')); }", visibility);

        await Put("hidden");
        await youth.RouteAsync(new System.Text.RegularExpressions.Regex("/session(\\?|$)"), route => route.AbortAsync());
        await youth.Clock.SetSystemTimeAsync(DateTime.UtcNow + TimeSpan.FromMinutes(1));
        await Put("visible");

        await Expect(youth.GetByText("Breathe slowly")).ToBeVisibleAsync();
        await Expect(youth.Locator("main [data-crisis] li").First).ToBeVisibleAsync();
        await Expect(youth.Locator("[data-offline-note]")).ToBeVisibleAsync();
        await Expect(place).ToBeHiddenAsync();
        await Expect(youth.GetByText("My cousin: 555-0123")).ToBeHiddenAsync();
        await Expect(youth.GetByText("When he texts me late")).ToBeHiddenAsync();

        // The signal back, and the server saying the session lives: the rest shows again.
        await youth.UnrouteAllAsync();
        await youth.EvaluateAsync("window.dispatchEvent(new Event('online'))");
        await Expect(place).ToBeVisibleAsync();
        await Expect(youth.GetByText("When he texts me late")).ToBeVisibleAsync();
        await Expect(youth.Locator("[data-offline-note]")).ToBeHiddenAsync();
        await Accessibility.AssertNoSeriousViolationsAsync(youth);
    }

    [Fact]
    public async Task A_page_brought_back_whole_by_Back_shows_nothing_until_the_server_says_the_session_lives_however_recent()
    {
        // Some phone browsers keep a page whole for Back, even one the server said not to keep: signed out since (or
        // signed out everywhere from another device), it must not show itself again.
        var youth = await server.SignInAsync("Riley (demo youth)", phone: true);
        await youth.GotoAsync("/notifications");
        var heading = youth.GetByRole(AriaRole.Heading, new() { Level = 1 });
        await Expect(heading).ToBeVisibleAsync();
        await youth.RouteAsync(new System.Text.RegularExpressions.Regex("/session(\\?|$)"), route => route.FulfillAsync(new() { Status = 401 }));

        await youth.EvaluateAsync("window.dispatchEvent(new PageTransitionEvent('pageshow', { persisted: true }))");

        await Expect(youth).ToHaveURLAsync(server.BaseUrl + "/signin?ended=1");
        await Expect(youth.GetByRole(AriaRole.Link, new() { Name = "Notices" })).ToHaveCountAsync(0);
    }

    [Fact]
    public async Task A_page_put_away_is_covered_at_once_so_the_app_switcher_keeps_no_picture_of_it_and_shows_again_when_come_back_to()
    {
        var youth = await server.SignInAsync("Riley (demo youth)", phone: true);
        await youth.Clock.InstallAsync();
        await youth.GotoAsync("/notifications");
        var heading = youth.GetByRole(AriaRole.Heading, new() { Level = 1 });
        await Expect(heading).ToBeVisibleAsync();
        Task Put(string visibility) => youth.EvaluateAsync(
            "state => { Object.defineProperty(document, 'visibilityState', { value: state, configurable: true }); document.dispatchEvent(new Event('visibilitychange')); }", visibility);

        await Put("hidden");

        await Expect(heading).ToBeHiddenAsync();
        await Expect(youth.GetByRole(AriaRole.Button, new() { Name = "Exit this page" })).ToBeVisibleAsync();
        await Put("visible");
        await Expect(heading).ToBeVisibleAsync();
        Assert.Equal(server.BaseUrl + "/notifications", youth.Url);

        // Put away for a minute, and meanwhile signed out everywhere from another device (the phone taken): nothing of
        // the page shows again before the server has said so.
        await Put("hidden");
        await youth.RouteAsync(new System.Text.RegularExpressions.Regex("/session(\\?|$)"), route => route.FulfillAsync(new() { Status = 401 }));
        await youth.Clock.SetSystemTimeAsync(DateTime.UtcNow + TimeSpan.FromMinutes(1));
        await Put("visible");
        await Expect(youth).ToHaveURLAsync(server.BaseUrl + "/signin?ended=1");
    }

    [Fact]
    public async Task A_minute_before_an_idle_page_clears_it_asks_whether_they_are_still_here_and_one_tap_or_reading_on_keeps_it()
    {
        var youth = await server.SignInAsync("Riley (demo youth)");
        await youth.Clock.InstallAsync();
        await youth.GotoAsync("/notifications");
        var notices = youth.GetByRole(AriaRole.Link, new() { Name = "Notices" });
        await Expect(notices).ToBeVisibleAsync();
        var question = youth.GetByRole(AriaRole.Alertdialog, new() { Name = "Are you still here?" });

        await youth.Clock.RunForAsync((long)(Idle - TimeSpan.FromMinutes(2)).TotalMilliseconds);
        await Expect(question).ToBeHiddenAsync();
        await youth.Clock.RunForAsync((long)TimeSpan.FromSeconds(90).TotalMilliseconds);

        await Expect(question).ToBeVisibleAsync();
        var stay = question.GetByRole(AriaRole.Button, new() { Name = "Stay on this page" });
        await Expect(stay).ToBeFocusedAsync();
        await Accessibility.AssertNoSeriousViolationsAsync(youth);
        // The answer itself keeps the session (nothing else was done on the page, so no regular keep-alive is due).
        var keptAlive = youth.WaitForRequestAsync(r => r.Method == "POST" && KeepAlive().IsMatch(r.Url), new() { Timeout = 5000 });
        await stay.ClickAsync();
        await keptAlive;
        await Expect(question).ToBeHiddenAsync();

        // Reading on, scrolling by hand, is being here too: 90 seconds after the scroll nothing is asked, where without
        // it the page would have been idle for all but half a minute of its time.
        await youth.Clock.RunForAsync((long)(Idle - TimeSpan.FromMinutes(2)).TotalMilliseconds);
        await youth.Mouse.WheelAsync(0, 200);
        await youth.Clock.RunForAsync((long)TimeSpan.FromSeconds(90).TotalMilliseconds);
        await Expect(question).ToBeHiddenAsync();
        await Expect(notices).ToBeVisibleAsync();
        Assert.Equal(server.BaseUrl + "/notifications", youth.Url);
    }

    [Fact]
    public async Task Focus_the_page_moves_back_by_itself_after_the_question_keeps_nothing_alive_with_nobody_there()
    {
        var youth = await server.SignInAsync("Riley (demo youth)");
        await youth.Clock.InstallAsync();
        await youth.GotoAsync("/notifications");
        var notices = youth.GetByRole(AriaRole.Link, new() { Name = "Notices" });
        // Someone at the page (the focus they moved) keeps it alive once; that answer is awaited before counting, as its
        // request may reach the browser's network only after the clock has run on.
        var aliveWhileThere = youth.WaitForResponseAsync(r => r.Request.Method == "POST" && KeepAlive().IsMatch(r.Url), new() { Timeout = 10000 });
        await notices.FocusAsync();
        await youth.Clock.RunForAsync((long)TimeSpan.FromSeconds(15).TotalMilliseconds);
        await aliveWhileThere;
        var keptAlive = 0;
        youth.Request += (_, request) =>
        {
            if (request.Method == "POST" && KeepAlive().IsMatch(request.Url))
            {
                Interlocked.Increment(ref keptAlive);
            }
        };

        // Put down: the question takes the focus, and at the idle time the server says the session still lives (work in
        // another tab; a store that could not say is the same), so the question goes and the focus goes back to the link.
        await youth.RouteAsync(new System.Text.RegularExpressions.Regex("/session(\\?|$)"), route =>
            route.Request.Method == "GET" ? route.FulfillAsync(new() { Status = 204 }) : route.ContinueAsync());
        await youth.Clock.RunForAsync((long)(Idle - TimeSpan.FromSeconds(30)).TotalMilliseconds);
        await Expect(youth.GetByRole(AriaRole.Alertdialog, new() { Name = "Are you still here?" })).ToBeVisibleAsync();
        var asked = youth.WaitForResponseAsync(r => r.Request.Method == "GET" && new Uri(r.Url).AbsolutePath == "/session", new() { Timeout = 10000 });
        // A few seconds at a time, so the check's own ten-second limit is not run past while its answer is on its way.
        for (var step = 0; step < 12 && !asked.IsCompleted; step++)
        {
            await youth.Clock.RunForAsync((long)TimeSpan.FromSeconds(5).TotalMilliseconds);
            await Task.WhenAny(asked, Task.Delay(300));
        }

        await asked;
        await youth.Clock.RunForAsync((long)TimeSpan.FromSeconds(30).TotalMilliseconds);
        await Expect(notices).ToBeFocusedAsync();

        Assert.Equal(0, Volatile.Read(ref keptAlive));
    }

    [Fact]
    public async Task Reading_with_a_screen_reader_which_moves_focus_and_sends_no_key_is_being_there_too()
    {
        var youth = await server.SignInAsync("Riley (demo youth)");
        await youth.Clock.InstallAsync();
        await youth.GotoAsync("/notifications");
        var notices = youth.GetByRole(AriaRole.Link, new() { Name = "Notices" });
        await Expect(notices).ToBeVisibleAsync();

        await youth.Clock.RunForAsync((long)(Idle - TimeSpan.FromMinutes(2)).TotalMilliseconds);
        await notices.FocusAsync();
        await youth.Clock.RunForAsync((long)TimeSpan.FromSeconds(90).TotalMilliseconds);

        await Expect(youth.GetByRole(AriaRole.Alertdialog, new() { Name = "Are you still here?" })).ToBeHiddenAsync();
        await Expect(notices).ToBeVisibleAsync();
    }

    [Fact]
    public async Task Work_in_one_tab_keeps_a_tab_left_in_the_background_from_ending_the_session()
    {
        var mentor = await server.SignInAsync("Sam (demo mentor)");
        await mentor.Clock.InstallAsync();
        await mentor.GotoAsync("/notifications");
        var background = await mentor.Context.NewPageAsync();
        await background.GotoAsync(server.BaseUrl + "/matches");
        await Expect(background.GetByRole(AriaRole.Link, new() { Name = "Notices" })).ToBeVisibleAsync();
        // The background tab cannot ask the server (as on a flaky signal): only the other tab's word keeps it.
        await background.RouteAsync(new System.Text.RegularExpressions.Regex("/session(\\?|$)"), route => route.AbortAsync());

        // Longer than the idle time at work in the first tab, a key every four minutes; the background tab sees none of it.
        for (var worked = TimeSpan.Zero; worked < Idle + TimeSpan.FromMinutes(4); worked += TimeSpan.FromMinutes(4))
        {
            await mentor.Keyboard.PressAsync("ArrowDown");
            await mentor.Clock.RunForAsync((long)TimeSpan.FromMinutes(4).TotalMilliseconds);
        }

        await Expect(background.GetByRole(AriaRole.Link, new() { Name = "Notices" })).ToBeVisibleAsync();
        Assert.Equal(server.BaseUrl + "/matches", background.Url);
        await mentor.GetByRole(AriaRole.Link, new() { Name = "Matches" }).ClickAsync();
        await Expect(mentor).ToHaveURLAsync(server.BaseUrl + "/matches");
    }

    [Fact]
    public async Task A_page_left_open_by_someone_deactivated_clears_itself_at_once()
    {
        using var admin = await server.ApiAsAsync("demo-admin");
        var personId = "leaving-" + Guid.NewGuid().ToString("N")[..8];
        (await admin.PostAsJsonAsync("/api/people", new { subjectId = personId, displayName = "Leaving " + personId[^4..], roles = new[] { "Recruiter" } })).EnsureSuccessStatusCode();
        var page = await server.SignInAsAddedAsync(personId, phone: true);
        await page.RunAndWaitForWebSocketAsync(() => page.GotoAsync("/notifications"));
        await Expect(page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToBeVisibleAsync();

        (await admin.PostAsync($"/api/people/{personId}/deactivate", null)).EnsureSuccessStatusCode();

        await Expect(page).ToHaveURLAsync(server.BaseUrl + "/signin?ended=1");
        await Expect(page.GetByRole(AriaRole.Link, new() { Name = "Notices" })).ToHaveCountAsync(0);
    }

    [Fact]
    public async Task A_phone_signed_out_everywhere_while_no_page_was_open_says_its_session_ended_when_it_comes_back_and_signs_out_from_there()
    {
        using var admin = await server.ApiAsAsync("demo-admin");
        var personId = "away-" + Guid.NewGuid().ToString("N")[..8];
        (await admin.PostAsJsonAsync("/api/people", new { subjectId = personId, displayName = "Away " + personId[^4..], roles = new[] { "Youth" } })).EnsureSuccessStatusCode();
        var phone = await server.SignInAsAddedAsync(personId, phone: true);
        await phone.GotoAsync("/my-team");
        await Expect(phone.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToBeVisibleAsync();
        await phone.GotoAsync("about:blank");
        server.Time.Advance(TimeSpan.FromMinutes(1));

        (await admin.PostAsync($"/api/people/{personId}/end-sign-ins", null)).EnsureSuccessStatusCode();
        await phone.GotoAsync("/my-team");

        await Expect(phone).ToHaveURLAsync(server.BaseUrl + "/not-available");
        await Expect(phone.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToHaveTextAsync("Your session has ended");
        await Expect(phone.Locator("main")).Not.ToContainTextAsync("everywhere");
        await Expect(phone.GetByRole(AriaRole.Link, new() { Name = "My team" })).ToHaveCountAsync(0);
        await Accessibility.AssertNoSeriousViolationsAsync(phone);
        await phone.Locator("main").GetByRole(AriaRole.Button, new() { Name = "Sign out" }).ClickAsync();
        await Expect(phone).ToHaveURLAsync(server.BaseUrl + "/signin?signedout=1");
        await phone.GotoAsync("/my-team");
        await Expect(phone).ToHaveURLAsync(server.BaseUrl + "/signin");
    }

    [Fact]
    public async Task Someone_whose_phone_was_taken_signs_out_everywhere_from_help_on_another_device_and_the_phone_s_page_clears_at_once()
    {
        using var admin = await server.ApiAsAsync("demo-admin");
        var personId = "taken-" + Guid.NewGuid().ToString("N")[..8];
        (await admin.PostAsJsonAsync("/api/people", new { subjectId = personId, displayName = "Taken " + personId[^4..], roles = new[] { "Youth" } })).EnsureSuccessStatusCode();
        var phone = await server.SignInAsAddedAsync(personId, phone: true);
        await phone.RunAndWaitForWebSocketAsync(() => phone.GotoAsync("/notifications"));
        await Expect(phone.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToBeVisibleAsync();
        server.Time.Advance(TimeSpan.FromMinutes(1));

        var other = await server.SignInAsAddedAsync(personId);
        await other.GotoAsync("/help");
        await Expect(other.GetByRole(AriaRole.Heading, new() { Name = "If someone else has your phone or computer" })).ToBeVisibleAsync();
        await Accessibility.AssertNoSeriousViolationsAsync(other);
        await other.GetByRole(AriaRole.Button, new() { Name = "Sign out everywhere" }).ClickAsync();

        await Expect(other).ToHaveURLAsync(server.BaseUrl + "/signin?signedout=everywhere");
        await Expect(other.Locator("main").GetByRole(AriaRole.Status)).ToContainTextAsync("You are signed out on every device.");
        await Expect(phone).ToHaveURLAsync(server.BaseUrl + "/signin?ended=1");
        await Expect(phone.GetByRole(AriaRole.Link, new() { Name = "Notices" })).ToHaveCountAsync(0);
    }

    [Fact]
    public async Task A_page_left_open_when_someone_else_signs_in_on_the_same_browser_clears_itself_and_leaves_their_session_on()
    {
        // A shared computer: the first person walked away from a tab; the next signs in as themselves in another tab.
        var (first, next) = await TwoPeopleAsync();

        var leftOpen = await server.SignInAsAddedAsync(first);
        await leftOpen.RunAndWaitForWebSocketAsync(() => leftOpen.GotoAsync("/notifications"));
        await Expect(leftOpen.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToBeVisibleAsync();

        var other = await PortalServer.SignInAsAddedAsync(next, leftOpen.Context);

        await Expect(leftOpen).Not.ToHaveURLAsync(server.BaseUrl + "/notifications");
        await Expect(leftOpen).Not.ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/signin"));
        await other.ReloadAsync();
        await Expect(other).Not.ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/signin"));
    }

    [Fact]
    public async Task A_page_told_its_session_ended_just_as_someone_else_signed_in_on_the_same_browser_leaves_their_session_on()
    {
        // The answer "ended" came for the first person's session a moment before the next person's sign-in replaced the
        // cookie: the page's way out must end only its own session, not whichever the browser holds when it goes.
        var (first, next) = await TwoPeopleAsync();

        var leftOpen = await server.SignInAsAddedAsync(first);
        // Its live connection is one that never closes, so only the keep-alive's answer (held back here) says the session is over.
        await NeverClosingConnectionsAsync(leftOpen);
        await leftOpen.GotoAsync("/notifications");
        await Expect(leftOpen.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToBeVisibleAsync();
        await leftOpen.RouteAsync(KeepAlive(), route => route.FulfillAsync(new() { Status = 401 }));

        var other = await PortalServer.SignInAsAddedAsync(next, leftOpen.Context);
        // The page's way out is a beacon, which the browser sends on its own after the page has gone (and so need not
        // report to the test): its answer is awaited at the server.
        var exitHandled = server.HandledAsync(request => request.Path == "/exit");
        await leftOpen.Keyboard.PressAsync("ArrowDown");

        await Expect(leftOpen).ToHaveURLAsync(server.BaseUrl + "/signin?ended=1", new() { Timeout = 20000 });
        await exitHandled.WaitAsync(TimeSpan.FromSeconds(20));
        await other.ReloadAsync();
        await Expect(other).Not.ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/signin"));
        await Expect(other.GetByRole(AriaRole.Link, new() { Name = "Notices" })).ToBeVisibleAsync();
    }

    [Fact]
    public async Task A_form_sent_from_a_page_someone_else_has_signed_in_over_takes_that_page_away_rather_than_saying_it_changed()
    {
        var (first, next) = await TwoPeopleAsync();

        var leftOpen = await server.SignInAsAddedAsync(first);
        // Its live connection never closes, and brings a notice to mark as read: only the form's answer finds the change.
        await NeverClosingConnectionsAsync(leftOpen, pushed: """{"type":1,"target":"NotificationReceived","arguments":[{"id":"held","kind":"chat-flagged","matchId":null,"text":"News","at":"2026-12-04T21:00:00Z","readAt":null}]}""");
        await leftOpen.GotoAsync("/notifications");
        var markRead = leftOpen.Locator("[data-notices] li[data-notice-id=held]").GetByRole(AriaRole.Button, new() { Name = "Mark as read" });
        await Expect(markRead).ToBeVisibleAsync();

        // Nor does the keep-alive the click sets off find it: it is never answered.
        await leftOpen.RouteAsync(KeepAlive(), _ => Task.CompletedTask);

        var other = await PortalServer.SignInAsAddedAsync(next, leftOpen.Context);
        var asked = await leftOpen.RunAndWaitForResponseAsync(() => markRead.ClickAsync(), response => response.Url.Contains("/session?tag=", StringComparison.Ordinal));

        Assert.Equal(409, asked.Status);
        // Home, as whoever is signed in now (an advisor's home is their paid work).
        await Expect(leftOpen).ToHaveURLAsync(server.BaseUrl + "/paid-work");
        await other.ReloadAsync();
        await Expect(other.GetByRole(AriaRole.Link, new() { Name = "Notices" })).ToBeVisibleAsync();
    }

    [Fact]
    public async Task A_tap_on_a_page_someone_else_has_signed_in_over_takes_that_page_away_and_keeps_nothing_of_theirs_alive()
    {
        var (first, next) = await TwoPeopleAsync();

        var leftOpen = await server.SignInAsAddedAsync(first);
        await NeverClosingConnectionsAsync(leftOpen);
        await leftOpen.GotoAsync("/notifications");
        await Expect(leftOpen.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToBeVisibleAsync();
        await PortalServer.SignInAsAddedAsync(next, leftOpen.Context);

        var told = await leftOpen.RunAndWaitForResponseAsync(
            () => leftOpen.Keyboard.PressAsync("ArrowDown"), response => KeepAlive().IsMatch(response.Url), new() { Timeout = 20000 });

        Assert.Equal(409, told.Status);
        await Expect(leftOpen).ToHaveURLAsync(server.BaseUrl + "/paid-work");
    }

    /// <summary>Two new people (advisors) to sign in one after the other on one browser, as on a shared computer.</summary>
    private async Task<(string First, string Next)> TwoPeopleAsync()
    {
        using var admin = await server.ApiAsAsync("demo-admin");
        var first = "first-" + Guid.NewGuid().ToString("N")[..8];
        var next = "next-" + Guid.NewGuid().ToString("N")[..8];
        foreach (var id in new[] { first, next })
        {
            (await admin.PostAsJsonAsync("/api/people", new { subjectId = id, displayName = "Person " + id[^4..], roles = new[] { "Advisor" } })).EnsureSuccessStatusCode();
        }

        return (first, next);
    }

    /// <summary>The page's live connections are answered here and never closed (by a session's end, or anything else).</summary>
    private static Task NeverClosingConnectionsAsync(IPage page, string? pushed = null) =>
        page.RouteWebSocketAsync("**/hubs/**", hub => hub.OnMessage(frame =>
        {
            if (frame.Text?.Contains("\"protocol\"", StringComparison.Ordinal) == true)
            {
                hub.Send("{}\u001e" + (pushed is null ? "" : pushed + "\u001e"));
            }
        }));

    [Fact]
    public async Task Signing_out_in_one_tab_clears_the_page_left_open_in_another_at_once()
    {
        var signingOut = await server.SignInAsync("Morgan (demo supervisor)");
        var otherTab = await signingOut.Context.NewPageAsync();
        await otherTab.RunAndWaitForWebSocketAsync(() => otherTab.GotoAsync("/notifications"));
        await Expect(otherTab.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToBeVisibleAsync();

        await signingOut.GetByRole(AriaRole.Button, new() { Name = "Sign out" }).ClickAsync();
        await Expect(signingOut).ToHaveURLAsync(server.BaseUrl + "/signin?signedout=1");

        await Expect(otherTab).ToHaveURLAsync(server.BaseUrl + "/signin?ended=1");
        await Expect(otherTab.GetByRole(AriaRole.Link, new() { Name = "Notices" })).ToHaveCountAsync(0);
    }

    [Fact]
    public async Task Someone_still_at_work_on_a_page_keeps_their_session_and_its_live_connection()
    {
        var mentor = await server.SignInAsync("Sam (demo mentor)");
        await mentor.RunAndWaitForWebSocketAsync(() => mentor.GotoAsync("/notifications"));
        server.Time.Advance(Idle * 2 / 3);

        var kept = await mentor.RunAndWaitForResponseAsync(
            () => mentor.Keyboard.PressAsync("ArrowDown"), response => KeepAlive().IsMatch(response.Url), new() { Timeout = 20000 });
        Assert.Equal(204, kept.Status);

        // The connection opened with the session as it was then ends on time; the page opens a new one at once.
        await mentor.RunAndWaitForWebSocketAsync(() =>
        {
            server.Time.Advance(Idle / 2);
            return Task.CompletedTask;
        });
        await Expect(mentor.Locator("[data-connection]")).ToBeHiddenAsync();
        Assert.Equal(server.BaseUrl + "/notifications", mentor.Url);
        await mentor.GetByRole(AriaRole.Link, new() { Name = "Matches" }).ClickAsync();
        await Expect(mentor).ToHaveURLAsync(server.BaseUrl + "/matches");
    }

    /// <summary>The keep-alive, with or without the session its page was drawn in.</summary>
    private static System.Text.RegularExpressions.Regex KeepAlive() => new("/session/alive(\\?|$)");
}
