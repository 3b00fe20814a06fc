using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace SurvivorConnect.BrowserTests;

/// <summary>A youth's first visit on a phone (sign-in, matches, chat) stays light for a slow or capped data plan.</summary>
[Collection(Portal.Name)]
public sealed class FirstVisitWeightTests(PortalServer server)
{
    private const long Budget = 500 * 1024;

    [Fact]
    public async Task A_youths_first_visit_transfers_under_500_KB()
    {
        var page = await server.OpenAsync(phone: true);
        var finished = new List<IRequest>();
        page.RequestFinished += (_, request) => finished.Add(request);

        await page.GotoAsync("/signin");
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in as Riley (demo youth)" }).ClickAsync();
        await Expect(page.Locator("main h1")).ToHaveTextAsync("Matches");
        await page.GetByRole(AriaRole.Link, new() { Name = "Chat", Exact = true }).ClickAsync();
        await Expect(page.Locator("main h1")).ToHaveTextAsync("Chat");
        await page.WaitForLoadStateAsync(LoadState.NetworkIdle);

        long total = 0;
        foreach (var request in finished)
        {
            var sizes = await request.SizesAsync();
            total += sizes.ResponseBodySize + sizes.ResponseHeadersSize;
        }

        await File.WriteAllTextAsync(
            Path.Combine(PortalServer.Artifacts, "first-visit-weight.txt"),
            $"{total} bytes in {finished.Count} requests (uncompressed): {string.Join(", ", finished.Select(r => new Uri(r.Url).AbsolutePath))}{Environment.NewLine}");
        Assert.True(total < Budget, $"A youth's first visit transferred {total} bytes; the budget is {Budget}.");
    }
}
