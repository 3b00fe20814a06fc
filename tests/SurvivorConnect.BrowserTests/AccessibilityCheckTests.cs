using Microsoft.Playwright;
using Xunit.Sdk;
using static Microsoft.Playwright.Assertions;

namespace SurvivorConnect.BrowserTests;

/// <summary>The check every page passes does find what it is there to find, on a real portal page.</summary>
[Collection(Portal.Name)]
public sealed class AccessibilityCheckTests(PortalServer server)
{
    [Fact]
    public async Task The_accessibility_check_fails_a_page_with_an_unnamed_button_and_unreadable_text()
    {
        var page = await server.SignInAsync("Riley (demo youth)");
        await page.GotoAsync("/help");
        await Expect(page.Locator("main h1")).ToBeVisibleAsync();
        await Accessibility.AssertNoSeriousViolationsAsync(page);

        await page.EvaluateAsync(
            """
            () => {
              const main = document.querySelector('main');
              main.insertAdjacentHTML('beforeend', '<button id="unnamed"></button><p id="faint">Faint words</p>');
              // Through the CSS object model: the portal's content security policy refuses inline style attributes.
              Object.assign(document.getElementById('faint').style, { color: '#eeeeee', background: '#ffffff' });
            }
            """);
        var failure = await Assert.ThrowsAsync<TrueException>(() => Accessibility.AssertNoSeriousViolationsAsync(page));
        Assert.Contains("button-name", failure.Message, StringComparison.Ordinal);
        Assert.Contains("#unnamed", failure.Message, StringComparison.Ordinal);
        Assert.Contains("color-contrast", failure.Message, StringComparison.Ordinal);
        Assert.Contains("#faint", failure.Message, StringComparison.Ordinal);
        await page.Context.CloseAsync();
    }
}
