using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace SurvivorConnect.BrowserTests;

/// <summary>The second step of an action that tells people something at once, as a person meets it.</summary>
public static class ConfirmSteps
{
    /// <summary>
    /// Presses <paramref name="button"/> within <paramref name="scope"/>, checks the question it asks says
    /// <paramref name="says"/>, holds the focus (so a screen reader hears it) and passes axe, then answers <paramref name="answer"/>.
    /// </summary>
    public static async Task AnswerAsync(IPage page, ILocator scope, string button, string says, string answer)
    {
        ArgumentNullException.ThrowIfNull(page);
        ArgumentNullException.ThrowIfNull(scope);
        await scope.GetByRole(AriaRole.Button, new() { Name = button }).ClickAsync();
        var question = page.Locator("[data-confirm]");
        await Expect(question).ToContainTextAsync(says);
        await Expect(question).ToBeFocusedAsync();
        await Accessibility.AssertNoSeriousViolationsAsync(page);
        await question.GetByRole(AriaRole.Button, new() { Name = answer }).ClickAsync();
    }
}
