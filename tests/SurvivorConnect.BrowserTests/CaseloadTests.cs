using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace SurvivorConnect.BrowserTests;

/// <summary>A case manager refers a youth, edits the referral (a concurrent edit is caught), records consents, and pages through a long caseload.</summary>
[Collection(Portal.Name)]
public sealed class CaseloadTests(PortalServer server)
{
    /// <summary>How many youth the caseload shows at once (the API's default page).</summary>
    private const int PageSize = 50;

    [Fact]
    public async Task A_referral_is_added_edited_without_losing_anyones_change_and_given_consents()
    {
        var caseManager = await server.SignInAsync("Alex (demo case manager)");
        var name = "Jo " + Guid.NewGuid().ToString("N")[..6];

        await caseManager.Locator("#refer-age").FillAsync("16");
        await caseManager.GetByRole(AriaRole.Button, new() { Name = "Add referral" }).ClickAsync();
        await Expect(caseManager.Locator("#refer-name-error")).ToContainTextAsync("Required");

        await caseManager.Locator("#refer-name").FillAsync(name);
        await caseManager.Locator("#refer-age").FillAsync("16");
        await caseManager.Locator("#refer-languages").FillAsync("English");
        await caseManager.GetByRole(AriaRole.Button, new() { Name = "Add referral" }).ClickAsync();
        await Expect(caseManager.Locator("[data-outcome]")).ToContainTextAsync("The referral is added");

        // Two case managers' screens open the same record; the second save is refused, not silently lost.
        var second = await server.SignInAsync("Alex (demo case manager)");
        await PortalServer.OpenYouthAsync(caseManager, name);
        await PortalServer.OpenYouthAsync(second, name);
        // The second screen must hold the record as it was before the first one saves.
        await Expect(second.Locator("#youth-heading")).ToContainTextAsync(name);
        await caseManager.Locator("#edit-interests").FillAsync("football");
        await caseManager.GetByRole(AriaRole.Button, new() { Name = "Save details" }).ClickAsync();
        await Expect(caseManager.Locator("[data-outcome]")).ToContainTextAsync("The details are saved");
        await second.Locator("#edit-age").FillAsync("17");
        await second.GetByRole(AriaRole.Button, new() { Name = "Save details" }).ClickAsync();
        await Expect(second.Locator("[data-outcome]")).ToContainTextAsync("Someone else changed this");
        await Expect(second.Locator("#edit-interests")).ToHaveValueAsync("football");
        await Expect(second.Locator("#edit-age")).ToHaveValueAsync("16");

        // Consent is given to a match: with none open, the form says so and recording names the match.
        await Expect(caseManager.GetByText("This youth has no open match to consent to yet.")).ToBeVisibleAsync();
        await caseManager.Locator("#consent-grantor").SelectOptionAsync("Guardian");
        await caseManager.GetByRole(AriaRole.Button, new() { Name = "Record consent" }).ClickAsync();
        await Expect(caseManager.Locator("#consent-match-error")).ToContainTextAsync("names the match");
        await Expect(caseManager.Locator("#consent-grantor")).ToHaveValueAsync("Guardian");
        await Expect(caseManager.Locator("#edit-interests")).ToHaveValueAsync("football");

        using var api = await server.ApiAsAsync("demo-casemanager");
        var youthId = await caseManager.Locator("form[aria-labelledby=record-consent-heading] input[name=YouthId]").GetAttributeAsync("value");
        var proposed = await api.PostAsJsonAsync("/api/matches", new { youthId, mentorId = "demo-mentor" });
        proposed.EnsureSuccessStatusCode();
        var matchId = (await proposed.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString();
        try
        {
            // Consent goes to a match put to the youth, once its mentor said yes.
            using (var mentor = await server.ApiAsAsync("demo-mentor"))
            {
                (await mentor.PostAsync($"/api/matches/{matchId}/accept", null)).EnsureSuccessStatusCode();
            }

            // The record is open already: wait for the one showing the new match before choosing in it.
            await PortalServer.OpenYouthAsync(caseManager, name);
            await Expect(caseManager.Locator($"#consent-match option[value='{matchId}']")).ToHaveCountAsync(1);
            await caseManager.Locator("#consent-grantor").SelectOptionAsync("Guardian");
            await caseManager.Locator("#consent-match").SelectOptionAsync(matchId!);
            await Expect(caseManager.Locator("#consent-grantor")).ToHaveValueAsync("Guardian");
            await caseManager.GetByRole(AriaRole.Button, new() { Name = "Record consent" }).ClickAsync();
            await Expect(caseManager.Locator("[data-outcome]")).ToContainTextAsync("The consent is recorded");
            await Expect(caseManager.Locator("[data-consents]")).ToContainTextAsync("Guardian · Agreeing to a mentoring match · current");
        }
        finally
        {
            // Closed, so the demo mentor keeps room for the other journeys' proposals.
            (await api.PostAsJsonAsync($"/api/matches/{matchId}/close", new { reason = "AgencyDecision", planned = true })).EnsureSuccessStatusCode();
        }

        await Accessibility.AssertNoSeriousViolationsAsync(caseManager);
    }

    [Fact]
    public async Task A_caseload_longer_than_a_page_shows_the_rest_after_more_youth()
    {
        using var api = await server.ApiAsAsync("demo-casemanager");
        var last = "Zz " + Guid.NewGuid().ToString("N")[..4];
        for (var i = 0; i <= PageSize; i++)
        {
            (await api.PostAsJsonAsync("/api/youth", new { displayName = $"{last} {i:00}", age = 16, stage = "contemplation" })).EnsureSuccessStatusCode();
        }

        var caseManager = await server.SignInAsync("Alex (demo case manager)");
        var lastCard = caseManager.Locator("li.card", new() { HasText = $"{last} {PageSize}" });
        await Expect(lastCard).ToHaveCountAsync(0);
        await Expect(caseManager.Locator("li.card", new() { HasText = "Riley" })).ToBeVisibleAsync();

        // Other tests' youth on this caseload sort among these (names are ordered ignoring case), so the last may be
        // more than one page on.
        // Each page is given a moment to show the last one before the next is asked for: counted the instant the first
        // card changed, a page still being drawn was passed over.
        var cards = caseManager.Locator("li.card");
        for (var page = 0; page < 10 && !await ShownSoonAsync(lastCard); page++)
        {
            var first = await cards.First.InnerTextAsync();
            await caseManager.GetByRole(AriaRole.Button, new() { Name = "More youth" }).ClickAsync();
            await Expect(cards.First).Not.ToHaveTextAsync(first);
        }

        await Expect(lastCard).ToBeVisibleAsync();
        await Expect(caseManager.Locator("li.card", new() { HasText = "Riley" })).ToHaveCountAsync(0);
        await Accessibility.AssertNoSeriousViolationsAsync(caseManager);
    }

    [Fact]
    public async Task Another_agencys_youth_cannot_be_opened_or_changed_by_forging_a_form()
    {
        var north = await server.SignInAsync("Quinn (northstar case manager)");
        await Expect(north.Locator("main")).Not.ToContainTextAsync("Riley");

        var caseManager = await server.SignInAsync("Alex (demo case manager)");
        await PortalServer.OpenYouthAsync(caseManager, "Riley");
        var riley = await caseManager.Locator("form input[name=YouthId]").First.InputValueAsync();

        // Quinn's own "Open" form, and the form for recording a stage, posted by hand with Riley's id.
        var opened = await PortalServer.ForgePostAsync(north, "/caseload", new Dictionary<string, string> { ["_handler"] = "open-youth", ["YouthId"] = riley });
        Assert.Contains("not available to you", opened, StringComparison.Ordinal);
        Assert.DoesNotContain("Riley", opened, StringComparison.Ordinal);
        var forged = await PortalServer.ForgePostAsync(north, "/caseload", new Dictionary<string, string>
        {
            ["_handler"] = "stage", ["YouthId"] = riley, ["Stage"] = "Action", ["Kind"] = "stage",
        });
        Assert.DoesNotContain("Riley", forged, StringComparison.Ordinal);
        await caseManager.GotoAsync("/caseload");
        await PortalServer.OpenYouthAsync(caseManager, "Riley");
        await Expect(caseManager.Locator("#youth-heading")).ToContainTextAsync("Riley");
        await Expect(caseManager.Locator("[data-outcome]")).ToHaveCountAsync(0);
        await Expect(caseManager.GetByText("Stage Making changes")).ToHaveCountAsync(0);
    }

    [Fact]
    public async Task A_case_manager_gives_a_referral_the_youth_s_sign_in_and_the_youth_then_sees_their_own_team()
    {
        using var admin = await server.ApiAsAsync("demo-admin");
        var signIn = "yt-" + Guid.NewGuid().ToString("N")[..10];
        (await admin.PostAsJsonAsync("/api/people", new { displayName = "Aaa Youth " + signIn[^6..], roles = new[] { "Youth" }, subjectId = signIn })).EnsureSuccessStatusCode();
        var youth = await server.SignInAsAddedAsync(signIn, phone: true);
        await youth.GotoAsync("/my-team");
        await Expect(youth.GetByText("Your case manager has not set up your team yet.")).ToBeVisibleAsync();
        await Expect(youth.GetByRole(AriaRole.Heading, new() { Name = "Who is on my team" })).ToHaveCountAsync(0);

        // A sign-in that is not a youth of the agency is refused beside its field, on this form only, with all typed kept.
        var caseManager = await server.SignInAsync("Alex (demo case manager)");
        var name = "Kit " + signIn[^6..];
        await caseManager.Locator("#refer-name").FillAsync(name);
        await caseManager.Locator("#refer-age").FillAsync("15");
        await caseManager.GetByLabel("The youth's sign-in id, if they have one").FillAsync("demo-mentor");
        await caseManager.GetByRole(AriaRole.Button, new() { Name = "Add referral" }).ClickAsync();
        await Expect(caseManager.Locator("#refer-person-error")).ToContainTextAsync("Not a youth of your agency.");
        await Expect(caseManager.Locator("#refer-name")).ToHaveValueAsync(name);
        await Expect(caseManager.Locator("#refer-person")).ToHaveValueAsync("demo-mentor");
        await Accessibility.AssertNoSeriousViolationsAsync(caseManager);

        await caseManager.Locator("#refer-person").FillAsync(signIn);
        await caseManager.GetByRole(AriaRole.Button, new() { Name = "Add referral" }).ClickAsync();
        await Expect(caseManager.Locator("[data-outcome]")).ToContainTextAsync("The referral is added");
        await Expect(caseManager.GetByRole(AriaRole.Heading, new() { Level = 3, Name = name, Exact = true })).ToHaveCountAsync(1);
        await PortalServer.OpenYouthAsync(caseManager, name);
        await Expect(caseManager.Locator("#edit-person")).ToHaveValueAsync(signIn);

        // The same sign-in cannot belong to a second referral; a refused edit shows its error on the edit form, not on
        // the referral form below it.
        await caseManager.Locator("#refer-name").FillAsync(name + " again");
        await caseManager.Locator("#refer-age").FillAsync("15");
        await caseManager.Locator("#refer-person").FillAsync(signIn);
        await caseManager.GetByRole(AriaRole.Button, new() { Name = "Add referral" }).ClickAsync();
        await Expect(caseManager.Locator("main")).ToContainTextAsync("This sign-in can't be linked to this referral.");
        await PortalServer.OpenYouthAsync(caseManager, name);
        await caseManager.Locator("#edit-age").FillAsync("");
        await caseManager.GetByRole(AriaRole.Button, new() { Name = "Save details" }).ClickAsync();
        await Expect(caseManager.Locator("#edit-age-error")).ToBeVisibleAsync();
        await Expect(caseManager.Locator("#refer-age-error")).ToHaveCountAsync(0);

        await youth.ReloadAsync();
        await Expect(youth.GetByRole(AriaRole.Heading, new() { Name = "Who is on my team" })).ToBeVisibleAsync();
        await Accessibility.AssertNoSeriousViolationsAsync(youth);
    }

    [Fact]
    public async Task A_case_manager_records_what_the_youth_asked_for_in_a_mentor_and_keeps_a_mentor_away_by_name()
    {
        using var api = await server.ApiAsAsync("demo-casemanager");
        var name = "Dn " + Guid.NewGuid().ToString("N")[..6];
        (await api.PostAsJsonAsync("/api/youth", new { displayName = name, age = 16, languages = new[] { "English" }, stage = "contemplation" })).EnsureSuccessStatusCode();
        var caseManager = await server.SignInAsync("Alex (demo case manager)", phone: true);
        await PortalServer.OpenYouthAsync(caseManager, name);

        await caseManager.GetByLabel("Mentor's gender, as mentors write it in their profile (for example: woman)").FillAsync("male");
        await caseManager.GetByLabel("An LGBTQ+ affirming mentor").CheckAsync();
        await caseManager.GetByRole(AriaRole.Button, new() { Name = "Save details" }).ClickAsync();
        await Expect(caseManager.Locator("[data-outcome]")).ToContainTextAsync("The details are saved");
        await Expect(caseManager.Locator("#edit-mentor-gender")).ToHaveValueAsync("male");
        await Expect(caseManager.GetByLabel("An LGBTQ+ affirming mentor")).ToBeCheckedAsync();
        await Expect(caseManager.Locator("[data-left-out]")).ToContainTextAsync("not the mentor gender the youth asked for");

        // Enter in the name field looks. The mentor found is added by their button, whatever is typed in the box by then.
        var finder = caseManager.GetByLabel("Mentor's name, or part of it");
        await finder.FillAsync("sam");
        await finder.PressAsync("Enter");
        await finder.FillAsync("someone else");
        await caseManager.GetByRole(AriaRole.Button, new() { Name = "Never match Sam (demo mentor)" }).ClickAsync();
        await Expect(caseManager.Locator("[data-outcome]")).ToContainTextAsync("Sam (demo mentor) is on the list");
        await Expect(caseManager.Locator("[data-do-not-match]")).ToContainTextAsync("Sam (demo mentor)");
        await Expect(finder).ToHaveValueAsync("");

        // Enter never takes anyone off the list above the field.
        await finder.FillAsync("nobody by this name");
        await finder.PressAsync("Enter");
        await Expect(caseManager.GetByText("No mentor with that name who is not listed already.")).ToBeVisibleAsync();
        await Expect(caseManager.Locator("[data-do-not-match]")).ToContainTextAsync("Sam (demo mentor)");
        await Accessibility.AssertNoSeriousViolationsAsync(caseManager);

        // Taking someone off is asked about first; "no" leaves them listed.
        var takeOff = caseManager.GetByRole(AriaRole.Button, new() { Name = "Take off Sam (demo mentor)" });
        await takeOff.ClickAsync();
        await caseManager.GetByRole(AriaRole.Button, new() { Name = "No, keep them listed" }).ClickAsync();
        await Expect(caseManager.Locator("[data-outcome]")).ToContainTextAsync("stays on the list");
        await Expect(caseManager.Locator("[data-do-not-match]")).ToContainTextAsync("Sam (demo mentor)");
        await takeOff.ClickAsync();
        await caseManager.GetByRole(AriaRole.Button, new() { Name = "Yes, take them off" }).ClickAsync();
        await Expect(caseManager.Locator("[data-outcome]")).ToContainTextAsync("Sam (demo mentor) is taken off the list");
        await Expect(caseManager.GetByText("Nobody is listed.")).ToBeVisibleAsync();
        await Expect(caseManager.Locator("#edit-mentor-gender")).ToHaveValueAsync("male");
    }

    private static async Task<bool> ShownSoonAsync(ILocator locator)
    {
        try
        {
            await locator.WaitForAsync(new() { State = WaitForSelectorState.Visible, Timeout = 2000 });
            return true;
        }
        catch (TimeoutException)
        {
            return false;
        }
    }
}
