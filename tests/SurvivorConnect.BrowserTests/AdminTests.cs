using System.Net.Http.Json;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using SurvivorConnect.Storage;
using static Microsoft.Playwright.Assertions;

namespace SurvivorConnect.BrowserTests;

/// <summary>An agency admin adds people, changes their roles and deactivates them, and reads the audit log.</summary>
[Collection(Portal.Name)]
public sealed class AdminTests(PortalServer server)
{
    [Fact]
    public async Task An_admin_adds_a_person_changes_roles_deactivates_and_finds_it_all_in_the_audit_log()
    {
        var admin = await server.SignInAsync("Taylor (demo agency admin)");
        var id = "new-" + Guid.NewGuid().ToString("N")[..10];

        // Bad input is answered next to the field.
        await admin.GetByLabel("Sign-in id").FillAsync("not valid!");
        await admin.GetByLabel("Name to show").FillAsync("Robin (new mentor)");
        await admin.GetByRole(AriaRole.Button, new() { Name = "Add person" }).ClickAsync();
        await Expect(admin.Locator("#add-id-error")).ToContainTextAsync("sign-in subject id");

        await admin.GetByLabel("Sign-in id").FillAsync(id);
        await admin.GetByLabel("Name to show").FillAsync("Robin (new mentor)");
        await admin.Locator("form:has(#add-id)").GetByLabel("Mentor").CheckAsync();
        await admin.GetByRole(AriaRole.Button, new() { Name = "Add person" }).ClickAsync();
        await Expect(admin.Locator("[data-outcome]")).ToContainTextAsync("Added");

        // Two admins open the same person; the second to save is told someone else changed it.
        var other = await server.SignInAsync("Taylor (demo agency admin)");
        await ManageAsync(admin, "Robin (new mentor)");
        await ManageAsync(other, "Robin (new mentor)");

        // A refused change is answered on the person's form, not on the "Add a person" form below it too.
        await admin.Locator("[data-person]").GetByLabel("Analyst").CheckAsync();
        await admin.GetByRole(AriaRole.Button, new() { Name = "Save roles" }).ClickAsync();
        await Expect(admin.Locator("#roles-error")).ToContainTextAsync("An analyst reads reports only");
        await Expect(admin.Locator("#add-roles-error")).ToHaveCountAsync(0);
        await admin.Locator("[data-person]").GetByLabel("Analyst").UncheckAsync();
        await admin.Locator("[data-person]").GetByLabel("Case manager").CheckAsync();
        await admin.GetByRole(AriaRole.Button, new() { Name = "Save roles" }).ClickAsync();
        await Expect(admin.Locator("[data-outcome]")).ToContainTextAsync("Roles saved");
        await other.Locator("[data-person]").GetByLabel("Supervisor").CheckAsync();
        await other.GetByRole(AriaRole.Button, new() { Name = "Save roles" }).ClickAsync();
        await Expect(other.Locator("[data-outcome]")).ToContainTextAsync("Someone else changed this");
        await Expect(other.Locator("[data-person]").GetByLabel("Case manager")).ToBeCheckedAsync();
        await Accessibility.AssertNoSeriousViolationsAsync(other);

        await ConfirmSteps.AnswerAsync(admin, admin.Locator("main"), "Deactivate", "Their access ends at once, on every device", "Yes, deactivate");
        await Expect(admin.Locator("[data-outcome]")).ToContainTextAsync("Their access has ended");
        await admin.GetByLabel("Status").SelectOptionAsync("false");
        await admin.GetByRole(AriaRole.Button, new() { Name = "Show", Exact = true }).ClickAsync();
        await Expect(admin.Locator("[data-people] tbody td:nth-child(3)", new() { HasTextRegex = new Regex("^Active$") })).ToHaveCountAsync(0);
        await Expect(admin.Locator("[data-people] tbody tr")).ToContainTextAsync(["Robin (new mentor)"]);

        // The audit log, filtered by person, action and date.
        await admin.GotoAsync("/audit");
        await admin.GetByLabel("Person").SelectOptionAsync(new SelectOptionValue { Label = "Taylor (demo agency admin)" });
        await admin.GetByLabel("Action").FillAsync("person.set-roles");
        var today = server.Time.GetUtcNow().ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
        await admin.GetByLabel("From (UTC date)").FillAsync(today);
        await admin.GetByLabel("To (UTC date)").FillAsync(today);
        await admin.GetByRole(AriaRole.Button, new() { Name = "Show", Exact = true }).ClickAsync();
        var rows = admin.Locator("[data-audit] tbody tr");
        await Expect(rows.First).ToContainTextAsync("person.set-roles");
        Assert.All(await rows.AllInnerTextsAsync(), row => Assert.Contains("person.set-roles", row, StringComparison.Ordinal));
        Assert.Contains(await rows.AllInnerTextsAsync(), row => row.Contains("Conflict", StringComparison.Ordinal) || row.Contains("Failed", StringComparison.Ordinal));

        await admin.GetByLabel("From (UTC date)").FillAsync(server.Time.GetUtcNow().AddDays(1).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture));
        await admin.GetByRole(AriaRole.Button, new() { Name = "Show", Exact = true }).ClickAsync();
        await Expect(admin.Locator("#audit-to-error")).ToContainTextAsync("On or after the start date");
        await Accessibility.AssertNoSeriousViolationsAsync(admin);
    }

    [Fact]
    public async Task The_audit_log_says_why_a_case_manager_read_a_youths_record_in_the_portal()
    {
        var caseManager = await server.SignInAsync("Alex (demo case manager)");
        await PortalServer.OpenYouthAsync(caseManager, "Riley");
        await Expect(caseManager.GetByRole(AriaRole.Heading, new() { Name = "Recommended mentors" })).ToBeVisibleAsync();
        var riley = await caseManager.Locator("form[aria-labelledby=record-consent-heading] input[name=YouthId]").GetAttributeAsync("value");

        var admin = await server.SignInAsync("Taylor (demo agency admin)");
        await admin.GotoAsync("/audit");
        await admin.GetByLabel("Person").SelectOptionAsync(new SelectOptionValue { Label = "Alex (demo case manager)" });
        await admin.GetByLabel("Action").FillAsync("youth.read");
        await admin.GetByRole(AriaRole.Button, new() { Name = "Show", Exact = true }).ClickAsync();

        // Other journeys read youth as this case manager at the same time: the row is the one about Riley.
        var read = admin.Locator("[data-audit] tbody tr").Filter(new() { HasText = riley }).First;
        await Expect(read).ToContainTextAsync("youth.read");
        await Expect(read).ToContainTextAsync("case management: the youth is on their caseload");
        await Expect(admin.Locator("[data-audit] thead")).ToContainTextAsync("Why");
        await Accessibility.AssertNoSeriousViolationsAsync(admin);
    }

    [Fact]
    public async Task An_admin_says_where_the_agency_works_and_whose_consent_a_minors_match_needs()
    {
        // Northstar's admin: the demo agency's days and consents are what the other journeys count on.
        var admin = await server.SignInAsync("Reese (northstar agency admin)");
        await admin.GetByRole(AriaRole.Link, new() { Name = "Agency settings" }).ClickAsync();
        await Expect(admin.GetByRole(AriaRole.Heading, new() { Name = "Agency settings", Level = 1 })).ToBeVisibleAsync();

        await admin.GetByLabel("Time zone").FillAsync("Pacific Standard Time");
        await admin.GetByRole(AriaRole.Button, new() { Name = "Save the time zone" }).ClickAsync();
        await Expect(admin.Locator("#zone-error")).ToContainTextAsync("America/Los_Angeles");
        await Expect(admin.GetByLabel("Time zone")).ToHaveValueAsync("Pacific Standard Time");
        await Accessibility.AssertNoSeriousViolationsAsync(admin);

        // The store is away as the zone is sent: what was typed stays on the page, which says it may not have gone through.
        await admin.GetByLabel("Time zone").FillAsync("America/Los_Angeles");
        server.Store.BeforeRead = id => id == "demo-north" ? throw StoreException.Unavailable("The store went away.") : Task.CompletedTask;
        try
        {
            await admin.GetByRole(AriaRole.Button, new() { Name = "Save the time zone" }).ClickAsync();
            await Expect(admin.Locator("[data-connection]")).ToContainTextAsync("may not have gone through");
            await Expect(admin.GetByLabel("Time zone")).ToHaveValueAsync("America/Los_Angeles");
        }
        finally
        {
            server.Store.BeforeRead = null;
        }

        await admin.GetByRole(AriaRole.Button, new() { Name = "Save the time zone" }).ClickAsync();
        await Expect(admin.Locator("[data-outcome]")).ToContainTextAsync("Saved");

        await admin.GetByLabel("a parent's or guardian's consent").CheckAsync();
        // Asking more of open matches stops the chats missing it: asked about first, and the answer keeps what was ticked.
        await ConfirmSteps.AnswerAsync(admin, admin.Locator("[data-consent-policy]"), "Save the consent policy", "stops its chat at once", "No, keep the policy as it is");
        await Expect(admin.Locator("[data-outcome]")).ToContainTextAsync("The policy stays as it was.");
        await Expect(admin.GetByLabel("a parent's or guardian's consent")).Not.ToBeCheckedAsync();
        await admin.GetByLabel("a parent's or guardian's consent").CheckAsync();
        await ConfirmSteps.AnswerAsync(admin, admin.Locator("[data-consent-policy]"), "Save the consent policy", "stops its chat at once", "Yes, save it");
        await Expect(admin.Locator("[data-outcome]")).ToContainTextAsync("Open matches follow the new policy");

        await admin.ReloadAsync();
        await Expect(admin.GetByLabel("Time zone")).ToHaveValueAsync("America/Los_Angeles");
        await Expect(admin.GetByLabel("a parent's or guardian's consent")).ToBeCheckedAsync();
        await Expect(admin.GetByLabel("the agency's consent, recorded by a case manager")).Not.ToBeCheckedAsync();
        await Accessibility.AssertNoSeriousViolationsAsync(admin);

        await admin.GetByLabel("a parent's or guardian's consent").UncheckAsync();
        await admin.GetByRole(AriaRole.Button, new() { Name = "Save the consent policy" }).ClickAsync();
        await Expect(admin.Locator("[data-outcome]")).ToContainTextAsync("Saved");
        await Expect(admin.GetByLabel("a parent's or guardian's consent")).Not.ToBeCheckedAsync();
    }

    [Fact]
    public async Task An_admin_adds_a_crisis_line_of_their_own_area_and_their_young_people_see_it_first()
    {
        const string NightLine = "Northstar Night Line";
        var admin = await server.SignInAsync("Reese (northstar agency admin)");
        await admin.GotoAsync("/agency");
        var lines = admin.Locator("[data-crisis-lines]");
        var newLine = lines.GetByRole(AriaRole.Group, new() { Name = "A new line" });
        await newLine.GetByLabel("Name").FillAsync(NightLine);
        await newLine.GetByLabel("How to reach it, in words").FillAsync("Call or text 555 010 2030, any night");
        await newLine.GetByLabel("Number to call (if any)").FillAsync("call us");
        await lines.GetByRole(AriaRole.Button, new() { Name = "Save the crisis lines" }).ClickAsync();

        // Refused beside the number, with everything typed still there.
        await Expect(admin.Locator("#line-0-call-error")).ToContainTextAsync("A phone number");
        var first = lines.GetByRole(AriaRole.Group, new() { Name = "Line 1" });
        await Expect(first.GetByLabel("Name")).ToHaveValueAsync(NightLine);
        await Accessibility.AssertNoSeriousViolationsAsync(admin);

        await first.GetByLabel("Number to call (if any)").FillAsync("555 010 2030");
        await first.GetByLabel("Number to text (if any)").FillAsync("555-010-2030");
        await lines.GetByRole(AriaRole.Button, new() { Name = "Save the crisis lines" }).ClickAsync();
        await Expect(admin.Locator("[data-outcome]")).ToContainTextAsync("Your people see these lines first now");
        await Expect(lines.GetByRole(AriaRole.Group, new() { Name = "Line 1" }).GetByLabel("Number to call (if any)")).ToHaveValueAsync("5550102030");
        await Expect(lines.GetByRole(AriaRole.Group, new() { Name = "A new line" })).ToBeVisibleAsync();

        try
        {
            var youth = await server.SignInAsync("Avery (northstar youth)");
            await youth.GetByRole(AriaRole.Link, new() { Name = "Get help now" }).ClickAsync();
            var help = youth.Locator("[data-crisis] li, [data-crisis] .card");
            await Expect(help.First).ToContainTextAsync(NightLine);
            await Expect(youth.GetByRole(AriaRole.Link, new() { Name = $"Call {NightLine}" })).ToHaveAttributeAsync("href", "tel:5550102030");
            await Expect(youth.GetByRole(AriaRole.Link, new() { Name = $"Text {NightLine}" })).ToHaveAttributeAsync("href", "sms:5550102030");
            await Expect(youth.Locator("[data-crisis]")).ToContainTextAsync("988 Suicide & Crisis Lifeline");

            // Another agency's young person sees only the national lines.
            var other = await server.SignInAsync("Riley (demo youth)");
            await other.GotoAsync("/help");
            await Expect(other.Locator("[data-crisis]")).ToContainTextAsync("988 Suicide & Crisis Lifeline");
            await Expect(other.Locator("[data-crisis]")).Not.ToContainTextAsync(NightLine);
        }
        finally
        {
            // Emptied, the line is taken off, and other journeys see Northstar as it was.
            var saved = lines.GetByRole(AriaRole.Group, new() { Name = "Line 1" });
            foreach (var label in new[] { "Name", "How to reach it, in words", "Number to call (if any)", "Number to text (if any)" })
            {
                await saved.GetByLabel(label).FillAsync("");
            }

            await lines.GetByRole(AriaRole.Button, new() { Name = "Save the crisis lines" }).ClickAsync();
            await Expect(admin.Locator("[data-outcome]")).ToContainTextAsync("Saved");
        }

        await Expect(lines.GetByRole(AriaRole.Group, new() { Name = "Line 1" })).ToHaveCountAsync(0);
    }

    [Fact]
    public async Task An_admin_never_sees_or_changes_another_agencys_people_by_forging_a_form()
    {
        var admin = await server.SignInAsync("Taylor (demo agency admin)");
        await Expect(admin.Locator("[data-people]")).Not.ToContainTextAsync("northstar");

        // The "Manage" button, forged to name a person of another agency, opens nothing.
        await admin.EvaluateAsync("() => document.querySelector('[data-people] button[name=PersonId]').value = 'north-youth'");
        await admin.Locator("[data-people] button[name=PersonId]").First.ClickAsync();
        await Expect(admin.Locator("[data-outcome]")).ToContainTextAsync("not available to you");
        await Expect(admin.Locator("[data-person]")).ToHaveCountAsync(0);
    }

    [Fact]
    public async Task A_deactivation_saved_while_what_follows_it_fails_is_finished_from_the_page_not_undone()
    {
        var id = "unfinished-" + Guid.NewGuid().ToString("N")[..8];
        var name = $"Dale {id[^4..]}";
        using (var api = await server.ApiAsAsync("demo-admin"))
        {
            (await api.PostAsJsonAsync("/api/people", new { subjectId = id, displayName = name, roles = new[] { "Mentor" } })).EnsureSuccessStatusCode();
        }

        var admin = await server.SignInAsync("Taylor (demo agency admin)");
        await ManageAsync(admin, name);
        // The store is busy just as what follows the deactivation is written (a match step's fence for this mentor).
        server.Store.BeforeUpsert = document =>
        {
            if (document.Type == "match-fence" && document.Id.EndsWith(id, StringComparison.Ordinal))
            {
                throw StoreException.Unavailable("The store is busy.");
            }
        };
        try
        {
            await ConfirmSteps.AnswerAsync(admin, admin.Locator("main"), "Deactivate", "Their access ends at once, on every device", "Yes, deactivate");
            await Expect(admin.Locator("[data-outcome]")).ToContainTextAsync("The change is saved");
            await Expect(admin.Locator("[data-unfinished]")).ToContainTextAsync("They are deactivated.");
            await Expect(admin.GetByRole(AriaRole.Button, new() { Name = "Reactivate" })).ToHaveCountAsync(0);
            await Accessibility.AssertNoSeriousViolationsAsync(admin);
        }
        finally
        {
            server.Store.BeforeUpsert = null;
        }

        await admin.GetByRole(AriaRole.Button, new() { Name = "Finish deactivating" }).ClickAsync();
        await Expect(admin.Locator("[data-outcome]")).ToContainTextAsync("Their access has ended");
        await Expect(admin.GetByRole(AriaRole.Button, new() { Name = "Reactivate" })).ToBeVisibleAsync();
    }

    private static async Task ManageAsync(IPage admin, string name)
    {
        await admin.GotoAsync("/people");
        await admin.Locator("[data-people] tr", new() { HasText = name }).GetByRole(AriaRole.Button).ClickAsync();
        await Expect(admin.Locator("[data-person]")).ToBeVisibleAsync();
    }
}
