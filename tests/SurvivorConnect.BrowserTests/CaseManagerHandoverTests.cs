using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using SurvivorConnect.Api.Features.Notifications;
using static Microsoft.Playwright.Assertions;

namespace SurvivorConnect.BrowserTests;

/// <summary>
/// A youth is never left with nobody: an admin hands the youth of a case manager who left to one who can act, and a
/// case manager hands a youth on from the youth's record.
/// </summary>
[Collection(Portal.Name)]
public sealed class CaseManagerHandoverTests(PortalServer server)
{
    [Fact]
    public async Task An_admin_hands_the_youth_of_a_case_manager_who_left_to_one_who_can_act()
    {
        using var admin = await server.ApiAsAsync("demo-admin");
        var leaving = await AddCaseManagerAsync(admin);
        using var asLeaving = await server.ApiAsAsync(leaving, "demo");
        var name = "Aaa Left " + Guid.NewGuid().ToString("N")[..6];
        var youthId = await ReferAsync(asLeaving, name);
        (await admin.PostAsync($"/api/people/{leaving}/deactivate", null)).EnsureSuccessStatusCode();

        var page = await server.SignInAsync("Taylor (demo agency admin)");
        await page.GetByRole(AriaRole.Link, new() { Name = "Case managers" }).ClickAsync();
        var card = page.Locator("[data-needing] li.card", new() { HasText = name });
        await Expect(card).ToBeVisibleAsync();
        await card.GetByRole(AriaRole.Button, new() { Name = "Choose a case manager" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = $"Hand {name} to" })).ToBeVisibleAsync();
        await Accessibility.AssertNoSeriousViolationsAsync(page);

        // Nobody chosen is answered next to the choice, and the youth is still waiting.
        await page.GetByRole(AriaRole.Button, new() { Name = "Hand over" }).ClickAsync();
        await Expect(page.Locator("#case-managers-error")).ToContainTextAsync("Name 1 to 5 case managers");

        await page.GetByLabel("Alex (demo case manager)").CheckAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Hand over" }).ClickAsync();
        await Expect(page.Locator("[data-outcome]")).ToContainTextAsync("The youth is handed over");
        await Expect(card).ToHaveCountAsync(0);
        using var alex = await server.ApiAsAsync("demo-casemanager");
        (await alex.GetAsync($"/api/youth/{youthId}")).EnsureSuccessStatusCode();
    }

    [Fact]
    public async Task A_case_manager_hands_a_youth_on_from_the_record_and_no_longer_sees_it()
    {
        using var admin = await server.ApiAsAsync("demo-admin");
        var successor = await AddCaseManagerAsync(admin);
        using var alex = await server.ApiAsAsync("demo-casemanager");
        var name = "Aaa On " + Guid.NewGuid().ToString("N")[..6];
        var youthId = await ReferAsync(alex, name);

        var page = await server.SignInAsync("Alex (demo case manager)");
        await PortalServer.OpenYouthAsync(page, name);
        var panel = page.Locator("form:has(#case-managers-heading)");
        await Expect(panel.GetByLabel("Alex (demo case manager)")).ToBeCheckedAsync();
        await panel.GetByLabel("Alex (demo case manager)").UncheckAsync();
        await panel.GetByLabel($"Successor {successor[^6..]}").CheckAsync();
        await panel.GetByRole(AriaRole.Button, new() { Name = "Save case managers" }).ClickAsync();

        await Expect(page.Locator("[data-outcome]")).ToContainTextAsync("The case managers are saved");
        await Expect(page.Locator("#case-managers-heading")).ToHaveCountAsync(0);
        await Expect(page.Locator("li.card", new() { HasText = name })).ToHaveCountAsync(0);
        await Accessibility.AssertNoSeriousViolationsAsync(page);
        Assert.Equal(System.Net.HttpStatusCode.NotFound, (await alex.GetAsync($"/api/youth/{youthId}")).StatusCode);
        using var asSuccessor = await server.ApiAsAsync(successor, "demo");
        (await asSuccessor.GetAsync($"/api/youth/{youthId}")).EnsureSuccessStatusCode();
    }

    [Fact]
    public async Task A_case_manager_s_open_page_drops_a_youth_handed_to_someone_else_and_their_flags_page_goes_once_the_role_is_taken_away()
    {
        using var admin = await server.ApiAsAsync("demo-admin");
        var first = await AddCaseManagerAsync(admin);
        var successor = await AddCaseManagerAsync(admin);
        using var asFirst = await server.ApiAsAsync(first, "demo");
        var name = "Aaa Moved " + Guid.NewGuid().ToString("N")[..6];
        var youthId = await ReferAsync(asFirst, name);
        var page = await server.SignInAsAddedAsync(first);
        await OpenWithNoticesAsync(page, "/caseload", first);
        var card = page.Locator("li.card", new() { HasText = name });
        await Expect(card).ToBeVisibleAsync();

        var youth = await admin.GetAsync($"/api/youth/{youthId}");
        using (var handOver = new HttpRequestMessage(HttpMethod.Put, $"/api/youth/{youthId}/case-managers") { Content = JsonContent.Create(new { caseManagerIds = new[] { successor } }) })
        {
            handOver.Headers.TryAddWithoutValidation("If-Match", youth.Headers.ETag!.Tag);
            (await admin.SendAsync(handOver)).EnsureSuccessStatusCode();
        }

        await Expect(card).ToHaveCountAsync(0);
        await Expect(page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToBeVisibleAsync();

        await OpenWithNoticesAsync(page, "/flags", first);
        var person = await admin.GetAsync($"/api/people/{first}");
        using (var demote = new HttpRequestMessage(HttpMethod.Put, $"/api/people/{first}/roles") { Content = JsonContent.Create(new { roles = new[] { "Recruiter" } }) })
        {
            demote.Headers.TryAddWithoutValidation("If-Match", person.Headers.ETag!.Tag);
            (await admin.SendAsync(demote)).EnsureSuccessStatusCode();
        }

        await Expect(page).ToHaveURLAsync(server.BaseUrl + "/not-available");
        await Accessibility.AssertNoSeriousViolationsAsync(page);
    }

    /// <summary>Opens a page and waits until the server holds its notice connection, on which every page hears that its person's access changed.</summary>
    private async Task OpenWithNoticesAsync(IPage page, string path, string personId)
    {
        var connections = server.Services.GetRequiredService<NoticeConnections>();
        var before = connections.Of("demo", personId).Select(c => c.ConnectionId).ToHashSet(StringComparer.Ordinal);
        await page.GotoAsync(path);
        for (var waited = 0; !connections.Of("demo", personId).Any(c => !before.Contains(c.ConnectionId)); waited += 50)
        {
            Assert.True(waited < 10000, $"{path} opened no notice connection.");
            await Task.Delay(50);
        }
    }

    private static async Task<string> AddCaseManagerAsync(HttpClient admin)
    {
        var id = "cm-" + Guid.NewGuid().ToString("N")[..10];
        (await admin.PostAsJsonAsync("/api/people", new { displayName = $"Successor {id[^6..]}", roles = new[] { "CaseManager" }, subjectId = id })).EnsureSuccessStatusCode();
        return id;
    }

    private static async Task<string> ReferAsync(HttpClient caseManager, string name)
    {
        var referred = await caseManager.PostAsJsonAsync("/api/youth", new { displayName = name, age = 16, stage = "contemplation" });
        referred.EnsureSuccessStatusCode();
        return (await referred.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
    }
}
