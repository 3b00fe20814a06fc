using System.Net.Http.Json;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace SurvivorConnect.BrowserTests;

/// <summary>A case manager with more matches than a page pages back to the oldest.</summary>
[Collection(Portal.Name)]
public sealed class MatchesPagingTests(PortalServer server)
{
    /// <summary>How many matches the page shows at once (the API's default page).</summary>
    private const int PageSize = 50;

    [Fact]
    public async Task More_matches_than_a_page_show_the_older_ones_after_older_matches()
    {
        using var api = await server.ApiAsAsync("demo-casemanager");
        // Lower case sorts after every other name, so these youth never push anyone off the caseload's first page.
        var name = "zz " + Guid.NewGuid().ToString("N")[..4];
        for (var i = 0; i <= PageSize; i++)
        {
            var youth = await Created(await api.PostAsJsonAsync("/api/youth", new { displayName = $"{name} {i:00}", age = 16, stage = "contemplation" }));
            var match = await Created(await api.PostAsJsonAsync("/api/matches", new { youthId = youth, mentorId = "demo-mentor" }));

            // Closed at once, so the demo mentor keeps room for the other journeys' proposals.
            (await api.PostAsJsonAsync($"/api/matches/{match}/close", new { reason = "AgencyDecision", planned = true })).EnsureSuccessStatusCode();
        }

        var caseManager = await server.SignInAsync("Alex (demo case manager)");
        await caseManager.GotoAsync("/matches");
        var ours = caseManager.Locator("li.card", new() { HasText = name });
        await Expect(ours.First).ToBeVisibleAsync();

        // Page by page to the oldest: every match shows exactly once, and no page holds more than a page's worth.
        var seen = new List<string>();
        var older = caseManager.GetByRole(AriaRole.Button, new() { Name = "Older matches" });
        for (var pages = 1; ; pages++)
        {
            Assert.True(await caseManager.Locator("li.card").CountAsync() <= PageSize);
            seen.AddRange(await ours.Locator("h2").AllInnerTextsAsync());
            await Accessibility.AssertNoSeriousViolationsAsync(caseManager);
            if (await older.CountAsync() == 0)
            {
                Assert.True(pages > 1, "more matches than a page fitted on one page");
                break;
            }

            // The older page is awaited as a request, not by how long its page takes to look different: on a busy machine
            // its answer (the case manager's whole page of matches) can take longer than a look waits.
            var first = await caseManager.Locator("li.card h2").First.InnerTextAsync();
            await caseManager.RunAndWaitForResponseAsync(() => older.ClickAsync(),
                response => response.Request.Method == "POST" && response.Url.Contains("/matches", StringComparison.Ordinal));
            await Expect(caseManager.Locator("li.card h2").First).Not.ToHaveTextAsync(first);
        }

        Assert.Equal(PageSize + 1, seen.Count);
        Assert.Equal(PageSize + 1, seen.Distinct().Count());
    }

    [Fact]
    public async Task A_case_manager_withdraws_a_proposal_as_the_agencys_decision_without_recording_a_no_for_the_youth()
    {
        using var api = await server.ApiAsAsync("demo-casemanager");
        var name = "zw " + Guid.NewGuid().ToString("N")[..4];
        var youth = await Created(await api.PostAsJsonAsync("/api/youth", new { displayName = name, age = 16, stage = "contemplation" }));
        var match = await Created(await api.PostAsJsonAsync("/api/matches", new { youthId = youth, mentorId = "demo-mentor" }));

        var caseManager = await server.SignInAsync("Alex (demo case manager)");
        await caseManager.GotoAsync("/matches");
        var card = caseManager.Locator("li.card", new() { HasText = name });
        await Expect(card).ToContainTextAsync("To withdraw the proposal, close it as the agency's decision.");
        await card.GetByRole(AriaRole.Button, new() { Name = "Close…" }).ClickAsync();
        await caseManager.GetByLabel("Reason").SelectOptionAsync("AgencyDecision");
        await caseManager.GetByLabel("Yes, planned").CheckAsync();
        await Accessibility.AssertNoSeriousViolationsAsync(caseManager);
        await caseManager.GetByRole(AriaRole.Button, new() { Name = "Close match" }).ClickAsync();

        await Expect(caseManager.Locator("[data-outcome]")).ToContainTextAsync("The match is closed.");
        await Expect(card).ToContainTextAsync("This match has ended.");
        var closed = await (await api.GetAsync($"/api/matches/{match}")).Content.ReadFromJsonAsync<System.Text.Json.JsonElement>();
        Assert.Equal("AgencyDecision", closed.GetProperty("closure").GetProperty("reason").GetString());
    }

    private static async Task<string> Created(HttpResponseMessage response)
    {
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<Identified>())!.Id;
    }

    private sealed record Identified(string Id);
}
