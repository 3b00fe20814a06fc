using Deque.AxeCore.Commons;
using Microsoft.Playwright;

namespace SurvivorConnect.BrowserTests;

/// <summary>What every page must pass: no serious or critical axe-core violation (WCAG 2.2 AA rules).</summary>
public static class Accessibility
{
    private static readonly string AxeSource = new BundledAxeScriptProvider().GetScript();

    public static async Task AssertNoSeriousViolationsAsync(IPage page)
    {
        ArgumentNullException.ThrowIfNull(page);

        // From the top of the page: scrolled, a link passing under the sticky exit bar is half hidden for that moment,
        // and whether the check found it would hang on where the last click left the page.
        await page.EvaluateAsync("() => window.scrollTo(0, 0)");

        // axe-core run in the page itself, once loaded into it: the Playwright binding's run across frames opens a
        // page of its own to finish each check, seconds a check where the portal (which has no frames) needs a fifth of one.
        if (!await page.EvaluateAsync<bool>("() => typeof window.axe === 'object'"))
        {
            await page.EvaluateAsync(AxeSource);
        }

        var serious = await page.EvaluateAsync<string[]>(
            """
            async () => (await axe.run(document, {
                runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'] },
                resultTypes: ['violations'],
              })).violations
              .filter(v => v.impact === 'serious' || v.impact === 'critical')
              .map(v => `${v.id}: ${v.help} (${v.nodes.map(n => n.target.join(' ')).join(', ')})`)
            """);
        Assert.True(serious.Length == 0, $"{page.Url}: " + string.Join("; ", serious));
    }

    /// <summary>Nothing on the page runs off the side of the screen, and the page does not scroll sideways (a table may, in its own frame).</summary>
    public static async Task AssertFitsAsync(IPage page)
    {
        ArgumentNullException.ThrowIfNull(page);
        var overflowing = await page.EvaluateAsync<string[]>(
            """
            () => [...document.querySelectorAll('body *')]
              .filter(e => !e.parentElement.closest('.table-wrap') && !e.closest('.visually-hidden, .skip-link') && e.getBoundingClientRect().right > document.documentElement.clientWidth + 1)
              .map(e => e.tagName + (e.id ? '#' + e.id : '') + '.' + e.className)
              .concat(document.documentElement.scrollWidth > document.documentElement.clientWidth ? ['the page scrolls sideways'] : [])
            """);
        Assert.True(overflowing.Length == 0, $"{page.Url} runs off a {page.ViewportSize?.Width} px screen: {string.Join(", ", overflowing)}");
    }

    /// <summary>A screenshot for the test's artifacts (and docs/screenshots when asked).</summary>
    public static async Task ScreenshotAsync(IPage page, string name)
    {
        ArgumentNullException.ThrowIfNull(page);
        var file = Path.Combine(PortalServer.Artifacts, name + ".png");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = file, FullPage = true });
        if (Environment.GetEnvironmentVariable("SC_UPDATE_SCREENSHOTS") == "1")
        {
            var docs = Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "../../../../../docs/screenshots"));
            Directory.CreateDirectory(docs);
            File.Copy(file, Path.Combine(docs, name + ".png"), overwrite: true);
        }
    }
}
