using System.Net.Http.Json;
using Microsoft.Playwright;
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
        var mentorId = "mt-" + Guid.NewGuid().ToString("N")[..10];
        var name = "Aaa Mentor " + mentorId[^6..];
        (await admin.PostAsJsonAsync("/api/people", new { displayName = name, roles = new[] { "Mentor" }, subjectId = mentorId })).EnsureSuccessStatusCode();
        using (var mentor = await server.ApiAsAsync(mentorId, "demo"))
        {
            (await mentor.PutAsJsonAsync("/api/mentors/me", new { displayName = name, languages = new[] { "English" }, travelRadiusMiles = 10, capacity = 1 })).EnsureSuccessStatusCode();
        }

        (await admin.PutAsJsonAsync($"/api/mentors/{mentorId}/supervisor", new { supervisorId = leaving })).EnsureSuccessStatusCode();
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
}
