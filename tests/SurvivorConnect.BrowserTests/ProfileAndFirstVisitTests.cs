using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace SurvivorConnect.BrowserTests;

/// <summary>A mentor's own profile and hold, and what a youth is told on their first visit.</summary>
[Collection(Portal.Name)]
public sealed class ProfileAndFirstVisitTests(PortalServer server)
{
    [Fact]
    public async Task A_mentor_edits_their_profile_and_sees_a_hold_kindly_without_the_supervisors_reason()
    {
        var mentor = await server.SignInAsync("Sam (demo mentor)", phone: true);
        await mentor.GotoAsync("/profile");
        await Expect(mentor.GetByLabel("Languages")).ToHaveValueAsync("English, Spanish");

        await mentor.GetByLabel("How many youth you can mentor at once").FillAsync("20");
        await mentor.GetByLabel("Interests").FillAsync("art, music, cooking, chess");
        await mentor.GetByRole(AriaRole.Button, new() { Name = "Save my profile" }).ClickAsync();
        await Expect(mentor.Locator("#profile-capacity-error")).ToContainTextAsync("Between 1 and 10");
        await Expect(mentor.GetByLabel("Interests")).ToHaveValueAsync("art, music, cooking, chess");

        await mentor.GetByLabel("How many youth you can mentor at once").FillAsync("3");
        await mentor.GetByLabel("Interests").FillAsync("art, music, cooking, hiking");
        await mentor.GetByRole(AriaRole.Button, new() { Name = "Save my profile" }).ClickAsync();
        await Expect(mentor.Locator("[data-outcome]")).ToContainTextAsync("Your profile is saved");
        await mentor.GotoAsync("/profile");
        await Expect(mentor.GetByLabel("Interests")).ToHaveValueAsync("art, music, cooking, hiking");
        await Expect(mentor.Locator("[data-readiness]")).ToContainTextAsync("of 3");

        const string reason = "Flagged in check-in: private supervision note";
        using var supervisor = await server.ApiAsAsync("demo-supervisor");
        var held = await supervisor.PostAsJsonAsync("/api/mentors/demo-mentor/hold", new { reason, stopsChat = false });
        var since = (await held.EnsureSuccessStatusCode().Content.ReadFromJsonAsync<JsonElement>()).GetProperty("hold").GetProperty("since").GetString();
        try
        {
            await mentor.GotoAsync("/profile");
            await Expect(mentor.Locator("[data-hold]")).ToContainTextAsync("New matches are paused for now");
            await Expect(mentor.Locator("[data-hold]")).ToContainTextAsync("Your current chats carry on");
            Assert.DoesNotContain("private supervision note", await mentor.ContentAsync(), StringComparison.Ordinal);
            await Accessibility.AssertNoSeriousViolationsAsync(mentor);
            await Accessibility.ScreenshotAsync(mentor, "mentor-hold-phone");
        }
        finally
        {
            (await supervisor.PostAsJsonAsync("/api/mentors/demo-mentor/hold/release", new { since })).EnsureSuccessStatusCode();
        }
    }

    [Fact]
    public async Task Someone_whose_role_changed_still_finds_what_they_said_yes_to_from_help_and_says_no()
    {
        var id = "former-mentor-" + Guid.NewGuid().ToString("N")[..8];
        using var admin = await server.ApiAsAsync("demo-admin");
        (await admin.PostAsJsonAsync("/api/people", new { subjectId = id, displayName = "Dana (was a mentor)", roles = new[] { "Mentor" } })).EnsureSuccessStatusCode();
        using (var asThemselves = await server.ApiAsAsync(id, "demo"))
        {
            (await asThemselves.PostAsJsonAsync("/api/consents", new { subjectId = id, grantor = "Mentor", scope = "mentoring" })).EnsureSuccessStatusCode();
        }

        var person = await admin.GetAsync($"/api/people/{id}");
        using (var change = new HttpRequestMessage(HttpMethod.Put, $"/api/people/{id}/roles") { Content = JsonContent.Create(new { roles = new[] { "Advisor" } }) })
        {
            change.Headers.TryAddWithoutValidation("If-Match", person.Headers.ETag!.Tag);
            (await admin.SendAsync(change)).EnsureSuccessStatusCode();
        }

        var page = await server.SignInAsAddedAsync(id, phone: true);
        await page.GotoAsync("/help");
        await page.GetByRole(AriaRole.Link, new() { Name = "See what you said yes to" }).ClickAsync();
        var consent = page.Locator("[data-my-consents] li", new() { HasText = "To mentor youth" });
        await Expect(consent).ToBeVisibleAsync();
        await Accessibility.AssertNoSeriousViolationsAsync(page);
        await Accessibility.AssertFitsAsync(page);

        // Saying no to mentoring stops every chat: asked first, as on the profile page, with a way out as plain.
        await consent.GetByRole(AriaRole.Button, new() { Name = "Say no" }).ClickAsync();
        await Expect(page.Locator("[data-confirm]")).ToContainTextAsync("Stop mentoring? Every chat you are in stops now");
        await Expect(page.Locator("[data-confirm]")).ToBeFocusedAsync();
        await Accessibility.AssertNoSeriousViolationsAsync(page);
        await page.GetByRole(AriaRole.Button, new() { Name = "No, keep my yes" }).ClickAsync();
        await Expect(page.Locator("[data-outcome]")).ToContainTextAsync("Nothing changed. Your yes still stands.");
        await Expect(consent).ToBeVisibleAsync();
        await consent.GetByRole(AriaRole.Button, new() { Name = "Say no" }).ClickAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Yes, say no" }).ClickAsync();

        await Expect(page.Locator("[data-outcome]")).ToContainTextAsync("Your no counts from now: your chats have stopped");
        await Expect(page.Locator("[data-nothing-agreed]")).ToBeVisibleAsync();
        await page.ReloadAsync();
        await Expect(page.Locator("[data-nothing-agreed]")).ToBeVisibleAsync();
    }

    [Fact]
    public async Task A_youth_is_told_about_quick_exit_and_clearing_history_once_and_nothing_is_kept_in_the_browser()
    {
        var youth = await server.SignInAsync("Riley (demo youth)", phone: true);
        var notice = youth.Locator("[data-safety-notice]");
        await Expect(notice).ToContainTextAsync("Exit this page");
        await Expect(notice).ToContainTextAsync("clear your browsing history");
        // Not that Back shows nothing at all: the sign-in page they came through is not the portal's to take away.
        await Expect(notice).ToContainTextAsync("may show your account's name");
        await youth.GotoAsync("/notifications");
        await Expect(notice).ToBeVisibleAsync();

        await youth.GetByRole(AriaRole.Button, new() { Name = "Got it" }).ClickAsync();
        await Expect(notice).ToHaveCountAsync(0);
        Assert.Equal(0, await youth.EvaluateAsync<int>("() => localStorage.length + sessionStorage.length"));
        Assert.Empty(await youth.EvaluateAsync<string>("() => document.cookie"));

        // The answer is kept with the youth's record, so another device does not ask again.
        var elsewhere = await server.SignInAsync("Riley (demo youth)", phone: true);
        await Expect(elsewhere.Locator("main h1")).ToBeVisibleAsync();
        await Expect(elsewhere.Locator("[data-safety-notice]")).ToHaveCountAsync(0);
    }

    [Fact]
    public async Task A_survivor_who_only_takes_paid_work_is_told_about_quick_exit_too()
    {
        var personId = "advisor-" + Guid.NewGuid().ToString("N")[..8];
        using (var admin = await server.ApiAsAsync("demo-admin"))
        {
            (await admin.PostAsJsonAsync("/api/people", new { subjectId = personId, displayName = "Advisor " + personId[^4..], roles = new[] { "Advisor" } })).EnsureSuccessStatusCode();
        }

        var advisor = await server.SignInAsAddedAsync(personId, phone: true);

        await Expect(advisor.Locator("[data-safety-notice]")).ToContainTextAsync("Exit this page");
    }
}
