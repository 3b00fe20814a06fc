using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace SurvivorConnect.BrowserTests;

/// <summary>"Exit this page": the button and Shift pressed three times leave a neutral site, no way Back, and no session.</summary>
[Collection(Portal.Name)]
public sealed class QuickExitTests(PortalServer server)
{
    [Fact]
    public async Task The_exit_button_leaves_no_way_back_and_ends_the_session()
    {
        var youth = await server.SignInAsync("Riley (demo youth)", phone: true);
        // Moving around the portal as a person does, by its own links, leaves no trail of entries.
        await youth.GetByRole(AriaRole.Link, new() { Name = "Notices" }).ClickAsync();
        await youth.WaitForURLAsync(server.BaseUrl + "/notifications");
        await youth.GetByRole(AriaRole.Link, new() { Name = "Matches" }).ClickAsync();
        await youth.WaitForURLAsync(server.BaseUrl + "/matches");

        await youth.GetByRole(AriaRole.Button, new() { Name = "Exit this page" }).ClickAsync();

        await LeftForGoodAsync(youth);
    }

    [Fact]
    public async Task The_exit_button_leaves_on_an_older_phone_whose_browser_lacks_newer_page_functions()
    {
        var youth = await server.SignInAsync("Riley (demo youth)", phone: true);
        // Safari before 14 and Chrome before 86 have no replaceChildren: the exit must not stop on what a browser lacks.
        await youth.AddInitScriptAsync("delete Element.prototype.replaceChildren; delete Document.prototype.replaceChildren;");
        await youth.GetByRole(AriaRole.Link, new() { Name = "Matches" }).ClickAsync();
        await youth.WaitForURLAsync(server.BaseUrl + "/matches");

        await youth.GetByRole(AriaRole.Button, new() { Name = "Exit this page" }).ClickAsync();

        await LeftForGoodAsync(youth);
    }

    [Fact]
    public async Task Choosing_a_year_of_payments_leaves_no_entry_to_come_back_to()
    {
        // A filter is a form sent by GET, which the browser would keep as an entry of its own.
        var mentor = await server.SignInAsync("Sam (demo mentor)", phone: true);
        await mentor.GetByRole(AriaRole.Link, new() { Name = "Payments" }).ClickAsync();
        await mentor.WaitForURLAsync(server.BaseUrl + "/payments");
        var lastYear = (server.Time.GetUtcNow().Year - 1).ToString(System.Globalization.CultureInfo.InvariantCulture);
        await mentor.GetByLabel("Year", new() { Exact = true }).SelectOptionAsync(lastYear);
        await mentor.GetByRole(AriaRole.Button, new() { Name = "Show" }).ClickAsync();
        await mentor.WaitForURLAsync(server.BaseUrl + "/payments?year=" + lastYear);
        await Expect(mentor.GetByRole(AriaRole.Heading, new() { Name = "Statement for " + lastYear })).ToBeVisibleAsync();

        await mentor.GetByRole(AriaRole.Button, new() { Name = "Exit this page" }).ClickAsync();

        await LeftForGoodAsync(mentor);
    }

    [Fact]
    public async Task Skipping_to_the_main_content_moves_focus_and_leaves_no_entry_to_come_back_to()
    {
        var youth = await server.SignInAsync("Riley (demo youth)", phone: true);
        await youth.GetByRole(AriaRole.Link, new() { Name = "Matches" }).ClickAsync();
        await youth.WaitForURLAsync(server.BaseUrl + "/matches");

        var skip = youth.GetByRole(AriaRole.Link, new() { Name = "Skip to main content" });
        await skip.FocusAsync();
        await skip.PressAsync("Enter");

        await Expect(youth.Locator("main")).ToBeFocusedAsync();
        Assert.Equal(server.BaseUrl + "/matches", youth.Url);
        await youth.GetByRole(AriaRole.Button, new() { Name = "Exit this page" }).ClickAsync();
        await LeftForGoodAsync(youth);
    }

    [Fact]
    public async Task An_address_that_is_no_page_still_has_the_exit_button()
    {
        // An old link or a mistyped address must not be the one screen with no way out.
        var youth = await server.SignInAsync("Riley (demo youth)", phone: true);
        var response = await youth.GotoAsync(server.BaseUrl + "/matches/no-such-match");

        Assert.Equal(404, response!.Status);
        await Expect(youth.GetByRole(AriaRole.Heading, new() { Name = "This page is not here", Level = 1 })).ToBeVisibleAsync();
        await Accessibility.AssertNoSeriousViolationsAsync(youth);
        await youth.GetByRole(AriaRole.Button, new() { Name = "Exit this page" }).ClickAsync();
        await Expect(youth).ToHaveURLAsync(PortalServer.ExitUrl);
    }

    [Fact]
    public async Task Leaving_from_one_tab_leaves_every_other_portal_tab_too()
    {
        // A chat or notices left open in another tab would stay live for whoever picks the phone up next.
        var youth = await server.SignInAsync("Riley (demo youth)", phone: true);
        var other = await youth.Context.NewPageAsync();
        await other.GotoAsync(server.BaseUrl + "/notifications");
        await Expect(other.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToBeVisibleAsync();

        await youth.GetByRole(AriaRole.Button, new() { Name = "Exit this page" }).ClickAsync();

        await Expect(other).ToHaveURLAsync(PortalServer.ExitUrl);
        await LeftForGoodAsync(youth);
    }

    [Fact]
    public async Task Space_on_the_focused_exit_button_leaves_as_a_click_does()
    {
        // A keyboard or switch user who reaches a button presses Space; the exit is a link underneath, which Space would only scroll.
        var youth = await server.SignInAsync("Riley (demo youth)");
        await youth.GetByRole(AriaRole.Button, new() { Name = "Exit this page" }).FocusAsync();

        await youth.Keyboard.PressAsync("Space");

        await LeftForGoodAsync(youth);
    }

    [Fact]
    public async Task Without_the_pages_script_the_exit_still_ends_the_session()
    {
        // A slow phone may not have run the script yet, or scripts may be off: the link itself signs out on its way.
        var youth = await server.SignInAsync("Riley (demo youth)", phone: true, script: false);

        // Sent on to the neutral site by the server's redirect (which the headless shell does not let a test's route
        // answer, so the request itself is what shows it).
        var leaving = youth.WaitForRequestAsync(PortalServer.ExitUrl);
        await youth.GetByRole(AriaRole.Button, new() { Name = "Exit this page" }).ClickAsync();

        Assert.True((await leaving).IsNavigationRequest);
        var again = await youth.Context.NewPageAsync();
        await again.GotoAsync(server.BaseUrl + "/matches");
        await Expect(again).ToHaveURLAsync(server.BaseUrl + "/signin");
    }

    [Fact]
    public async Task Leaving_with_no_signal_ends_the_session_at_the_next_visit_whoever_makes_it()
    {
        var youth = await server.SignInAsync("Riley (demo youth)", phone: true);
        await youth.GotoAsync("/notifications");
        await youth.Context.SetOfflineAsync(true);
        try
        {
            await youth.GetByRole(AriaRole.Button, new() { Name = "Exit this page" }).ClickAsync();
            await Expect(youth.GetByText("Exit this page")).ToHaveCountAsync(0);
        }
        finally
        {
            await youth.Context.SetOfflineAsync(false);
        }

        // Whoever picks the phone up later finds the portal signed out, its history of no use.
        var later = await youth.Context.NewPageAsync();
        await later.GotoAsync(server.BaseUrl + "/notifications");
        await Expect(later).ToHaveURLAsync(server.BaseUrl + "/signin");
        await Expect(later.GetByRole(AriaRole.Link, new() { Name = "Notices" })).ToHaveCountAsync(0);
    }

    [Fact]
    public async Task A_form_answered_after_the_exit_does_not_bring_the_portal_back()
    {
        // On a slow phone: "Yes, I agree" is still on its way when the youth panics and exits. Its answer (by then the
        // sign-in page, the session being over) must not take the phone there instead of the neutral site.
        var youth = await server.SignInAsync("Riley (demo youth)", phone: true);
        var posted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var answer = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var neutralSiteComes = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await youth.RouteAsync("**/notifications", async route =>
        {
            if (route.Request.Method != "POST")
            {
                await route.FallbackAsync();
                return;
            }

            posted.TrySetResult();
            await answer.Task;
            try
            {
                await route.ContinueAsync();
            }
            catch (PlaywrightException)
            {
                // The page gave up on the form as it left: nothing more of it reaches the browser.
            }
        });
        await youth.RouteAsync(PortalServer.ExitUrl + "**", async route =>
        {
            await neutralSiteComes.Task;
            await route.FallbackAsync();
        });
        await youth.EvaluateAsync("""
            () => {
              const form = document.createElement('form');
              form.method = 'post';
              form.action = '/notifications';
              form.innerHTML = '<button type="submit">Send</button>';
              document.querySelector('main').append(form);
            }
            """);
        await youth.GetByRole(AriaRole.Button, new() { Name = "Send" }).ClickAsync();
        await posted.Task.WaitAsync(TimeSpan.FromSeconds(10));

        // Clicked from the page itself: Playwright's own click would wait for the neutral site, held back above.
        await youth.EvaluateAsync("() => document.querySelector('[data-exit]').click()");
        // The exit's own request ends the session first, as on a phone where the form's answer is the slower one; the
        // answer (the sign-in page) then has time to arrive before the neutral site does.
        await Task.Delay(1000);
        answer.SetResult();
        await Task.Delay(1000);
        neutralSiteComes.SetResult();

        await LeftForGoodAsync(youth);
    }

    [Fact]
    public async Task On_a_phone_that_cannot_say_which_button_sent_a_form_its_answers_still_leave_nothing_in_the_history()
    {
        var caseManager = await server.SignInAsync("Alex (demo case manager)", phone: true);
        // As Safari before 15.4: a submit event does not say which button sent it.
        await caseManager.AddInitScriptAsync("delete SubmitEvent.prototype.submitter;");
        await caseManager.GotoAsync("/caseload");
        Assert.False(await caseManager.EvaluateAsync<bool>("'submitter' in SubmitEvent.prototype"));
        var before = await caseManager.EvaluateAsync<int>("history.length");

        await PortalServer.OpenYouthAsync(caseManager, "Riley");

        await Expect(caseManager.GetByRole(AriaRole.Heading, new() { Name = "Recommended mentors" })).ToBeVisibleAsync();
        Assert.Equal(before, await caseManager.EvaluateAsync<int>("history.length"));
    }

    /// <summary>The neutral site is showing, Back does not bring the portal back, and the session is over.</summary>
    private async Task LeftForGoodAsync(IPage youth)
    {
        await Expect(youth).ToHaveURLAsync(PortalServer.ExitUrl);
        // Nothing of the portal stays in the browser's site data (the exit's request may still be on its way).
        for (var tries = 0; (await youth.Context.CookiesAsync([server.BaseUrl])).Count > 0 && tries < 50; tries++)
        {
            await Task.Delay(100);
        }

        Assert.Empty((await youth.Context.CookiesAsync([server.BaseUrl])).Select(c => c.Name));
        await youth.GoBackAsync();
        Assert.DoesNotContain(server.BaseUrl, youth.Url, StringComparison.Ordinal);
        var again = await youth.Context.NewPageAsync();
        await again.GotoAsync(server.BaseUrl + "/matches");
        await Expect(again).ToHaveURLAsync(server.BaseUrl + "/signin");
    }

    [Fact]
    public async Task Shift_pressed_three_times_exits_and_titles_never_name_anyone()
    {
        var youth = await server.SignInAsync("Riley (demo youth)", phone: true);
        Assert.DoesNotContain("Riley", await youth.TitleAsync(), StringComparison.Ordinal);
        Assert.DoesNotContain("Riley", youth.Url, StringComparison.Ordinal);

        // Capitals and Shift+Tab are typing: they neither count towards the exit nor are announced.
        foreach (var typed in new[] { "Shift+R", "Shift+Tab", "Shift+I" })
        {
            await youth.Keyboard.PressAsync(typed);
        }

        await Expect(youth.Locator("[data-exit-status]")).ToHaveTextAsync("");
        Assert.NotEqual(PortalServer.ExitUrl, youth.Url);

        await youth.Keyboard.PressAsync("Shift");
        await Expect(youth.Locator("[data-exit-status]")).ToHaveTextAsync("Shift, press 2 more times to exit.");
        await youth.Keyboard.PressAsync("Shift");
        await youth.Keyboard.PressAsync("Shift");

        await Expect(youth).ToHaveURLAsync(PortalServer.ExitUrl);
    }
}
