using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Playwright;
using SurvivorConnect.Api.Features.Mentoring.Rules;
using static Microsoft.Playwright.Assertions;

namespace SurvivorConnect.BrowserTests;

/// <summary>A mentor is never left without a supervisor: an admin gives the mentors of a supervisor who left to one who can act.</summary>
[Collection(Portal.Name)]
public sealed class SupervisorAssignmentTests(PortalServer server)
{
    [Fact]
    public async Task An_admin_gives_the_mentor_of_a_supervisor_who_left_to_one_who_can_act()
    {
        using var admin = await server.ApiAsAsync("demo-admin");
        var leaving = "sv-" + Guid.NewGuid().ToString("N")[..10];
        (await admin.PostAsJsonAsync("/api/people", new { displayName = $"Leaving {leaving[^6..]}", roles = new[] { "Supervisor" }, subjectId = leaving })).EnsureSuccessStatusCode();
        var (mentorId, name) = await server.NewMentorAsync(supervisorId: leaving);
        (await admin.PostAsync($"/api/people/{leaving}/deactivate", null)).EnsureSuccessStatusCode();

        var page = await server.SignInAsync("Taylor (demo agency admin)");
        await page.GetByRole(AriaRole.Link, new() { Name = "Supervisors" }).ClickAsync();
        var card = page.Locator("[data-needing] li.card", new() { HasText = name });
        await Expect(card).ToBeVisibleAsync();
        await Accessibility.AssertNoSeriousViolationsAsync(page);
        await card.GetByRole(AriaRole.Button, new() { Name = $"Choose a supervisor for {name}" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = $"Give {name} a supervisor" })).ToBeVisibleAsync();
        await Expect(page.GetByLabel($"Leaving {leaving[^6..]}")).ToHaveCountAsync(0);
        await Accessibility.AssertNoSeriousViolationsAsync(page);

        await page.GetByLabel("Morgan (demo supervisor)").CheckAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Give them this supervisor" }).ClickAsync();
        await Expect(page.Locator("[data-outcome]")).ToContainTextAsync("The mentor has a supervisor now.");
        await Expect(card).ToHaveCountAsync(0);
        using var supervisor = await server.ApiAsAsync("demo-supervisor");
        (await supervisor.GetAsync($"/api/supervision/mentors/{mentorId}")).EnsureSuccessStatusCode();
    }

    [Fact]
    public async Task A_supervisor_records_a_new_mentor_s_screening_training_and_clearance_on_the_supervision_page()
    {
        var (mentorId, name) = await server.NewMentorAsync(supervisorId: "demo-supervisor");
        using var supervisorApi = await server.ApiAsAsync("demo-supervisor");
        Assert.Contains(MentorEligibility.NoScreening, await BlockersAsync(supervisorApi, mentorId));

        var page = await server.SignInAsync("Morgan (demo supervisor)", phone: true);
        await page.GotoAsync("/supervision");
        await page.GetByRole(AriaRole.Button, new() { Name = $"Open {name}" }).ClickAsync();
        var readiness = page.Locator("[data-readiness]");
        await Expect(readiness.GetByLabel("Background screening passed on")).ToHaveValueAsync("");
        await Accessibility.AssertNoSeriousViolationsAsync(page);

        // A check dated ahead is refused: by the browser, and (where the browser does not check) beside its field, with
        // what was typed kept.
        var today = DateOnly.FromDateTime(DateTime.UtcNow);
        var ahead = today.AddDays(2).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        await readiness.GetByLabel("Background screening passed on").FillAsync(ahead);
        Assert.False(await readiness.GetByLabel("Background screening passed on").EvaluateAsync<bool>("input => input.checkValidity()"));
        await readiness.GetByLabel("Background screening passed on").EvaluateAsync("input => input.removeAttribute('max')");
        await readiness.GetByLabel("Training completed on").FillAsync(today.AddDays(-20).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
        await readiness.GetByRole(AriaRole.Button, new() { Name = "Save what has passed" }).ClickAsync();
        await Expect(page.Locator("#ready-screeningPassedOn-error")).ToContainTextAsync("Today or earlier");
        await Expect(page.Locator("[data-readiness]").GetByLabel("Training completed on")).ToHaveValueAsync(today.AddDays(-20).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
        await Accessibility.AssertNoSeriousViolationsAsync(page);
        Assert.Contains(MentorEligibility.NoTraining, await BlockersAsync(supervisorApi, mentorId));

        var passed = today.AddDays(-30).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        readiness = page.Locator("[data-readiness]");
        await readiness.GetByLabel("Background screening passed on").FillAsync(passed);
        await readiness.GetByLabel("Cleared by a supervisor on").FillAsync(passed);
        await readiness.GetByRole(AriaRole.Button, new() { Name = "Save what has passed" }).ClickAsync();
        await Expect(page.Locator("[data-outcome]")).ToContainTextAsync("Saved.");
        await Expect(page.Locator("[data-readiness]").GetByLabel("Background screening passed on")).ToHaveValueAsync(passed);

        var blockers = await BlockersAsync(supervisorApi, mentorId);
        Assert.DoesNotContain(MentorEligibility.NoScreening, blockers);
        Assert.DoesNotContain(MentorEligibility.NoTraining, blockers);
        Assert.DoesNotContain(MentorEligibility.NoClearance, blockers);

        // A clearance emptied is taken back, and said so: not saved as it stood.
        await page.Locator("[data-readiness]").GetByLabel("Cleared by a supervisor on").FillAsync("");
        await page.Locator("[data-readiness]").GetByRole(AriaRole.Button, new() { Name = "Save what has passed" }).ClickAsync();
        await Expect(page.Locator("[data-outcome]")).ToContainTextAsync("A check taken back keeps them from being offered to youth");
        await Expect(page.Locator("[data-readiness]").GetByLabel("Cleared by a supervisor on")).ToHaveValueAsync("");
        await Expect(page.Locator("[data-readiness]").GetByLabel("Background screening passed on")).ToHaveValueAsync(passed);
        Assert.Contains(MentorEligibility.NoClearance, await BlockersAsync(supervisorApi, mentorId));

        // Another supervisor's page has no form for a mentor who is not theirs.
        var (otherId, _) = await server.NewMentorAsync(supervisorId: null);
        var forged = await PortalServer.ForgePostAsync(page, "/supervision", new Dictionary<string, string>
        {
            ["_handler"] = "readiness", ["MentorId"] = otherId, ["screeningPassedOn"] = passed, ["trainingCompletedOn"] = passed, ["supervisorClearedOn"] = passed,
        });
        Assert.DoesNotContain("Saved.", forged, StringComparison.Ordinal);
        using var admin = await server.ApiAsAsync("demo-admin");
        Assert.Contains(MentorEligibility.NoScreening, await BlockersAsync(admin, otherId));
    }

    private static async Task<List<string>> BlockersAsync(HttpClient staff, string mentorId)
    {
        var mentor = await (await staff.GetAsync($"/api/mentors/{mentorId}")).EnsureSuccessStatusCode().Content.ReadFromJsonAsync<JsonElement>();
        return [.. mentor.GetProperty("matchBlockers").EnumerateArray().Select(b => b.GetString()!)];
    }
}
