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

        await youth.GetByRole(AriaRole.Button, new() { Name = "Exit this page" }).ClickAsync();

        await Expect(youth).ToHaveURLAsync(PortalServer.ExitUrl);
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
