using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace SurvivorConnect.BrowserTests;

/// <summary>
/// Every page of every role, on a phone (390 px) and a desktop (1280 px): no serious axe-core violation, and at
/// 320 px (what 1280 px looks like at 400% zoom, so 200% is covered too) nothing runs off the side of the screen.
/// Each role's main page is saved as a screenshot at both widths.
/// </summary>
[Collection(Portal.Name)]
public sealed class PortalPagesTests(PortalServer server)
{
    public static TheoryData<string, string, string> Pages => new()
    {
        { "Riley (demo youth)", "/matches", "youth" },
        { "Riley (demo youth)", "/chat", "" },
        { "Riley (demo youth)", "/notifications", "" },
        { "Riley (demo youth)", "/help", "" },
        { "Sam (demo mentor)", "/profile", "mentor" },
        { "Sam (demo mentor)", "/matches", "" },
        { "Sam (demo mentor)", "/chat", "" },
        { "Alex (demo case manager)", "/caseload", "case-manager" },
        { "Alex (demo case manager)", "/matches", "" },
        { "Alex (demo case manager)", "/chat", "" },
        { "Alex (demo case manager)", "/flags", "" },
        { "Taylor (demo agency admin)", "/people", "admin" },
        { "Taylor (demo agency admin)", "/audit", "" },
        { "Taylor (demo agency admin)", "/notifications", "" },
        { "Taylor (demo agency admin)", "/pay-rates", "" },
        { "Jordan (demo advisor)", "/paid-work", "advisor" },
        { "Sam (demo mentor)", "/paid-work", "" },
        { "Jamie (demo recruiter)", "/opportunities", "recruiter" },
        { "Jamie (demo recruiter)", "/claims-to-pay", "" },
        { "Jordan (demo advisor)", "/payments", "" },
        { "Sam (demo mentor)", "/payments", "" },
        { "Casey (demo finance approver)", "/finance", "" },
        { "Casey (demo finance approver)", "/claims-to-pay", "" },
        { "Casey (demo finance approver)", "/notifications", "" },
        { "Taylor (demo agency admin)", "/payout-policy", "" },
        { "Taylor (demo agency admin)", "/wellbeing-overview", "" },
        { "Sam (demo mentor)", "/wellbeing", "" },
        { "Morgan (demo supervisor)", "/supervision", "supervisor" },
        { "Taylor (demo agency admin)", "/partnerships", "" },
        { "Taylor (demo agency admin)", "/agency", "" },
        { "Alex (demo case manager)", "/teams", "" },
        { "Alex (demo case manager)", "/teams/demo-youth-referral", "" },
        { "Alex (demo case manager)", "/teams/demo-youth-referral/plans", "" },
        { "Alex (demo case manager)", "/teams/demo-youth-referral/meetings", "" },
        { "Quinn (northstar case manager)", "/shared", "" },
        { "Kai (demo partner professional)", "/shared", "" },
        { "Kai (demo partner professional)", "/teams", "" },
        { "Riley (demo youth)", "/my-team", "" },
        { "Riley (demo youth)", "/my-plan", "" },
        { "Riley (demo youth)", "/my-consents", "" },
        { "Harper (demo outcomes analyst)", "/outcomes", "analyst" },
        { "Alex (demo case manager)", "/outcomes", "" },
        { "Taylor (demo agency admin)", "/outcomes", "" },
        { "", "/signin", "signin" },
        { "", "/not-available", "" },
    };

    /// <summary>Each person's sign-in, made once for all their pages here (nothing here moves the app's clock or signs out).</summary>
    private static readonly Dictionary<string, string> SignedIn = new(StringComparer.Ordinal);

    [Theory]
    [MemberData(nameof(Pages))]
    public async Task Every_page_is_accessible_and_fits_a_phone_a_desktop_and_a_zoomed_screen(string person, string path, string screenshot)
    {
        // The phone, the desktop and the zoomed screen are the same person's browsers.
        if (person.Length > 0 && !SignedIn.ContainsKey(person))
        {
            var signedIn = await server.SignInAsync(person);
            SignedIn[person] = await signedIn.Context.StorageStateAsync();
            await signedIn.Context.CloseAsync();
        }

        var cookies = person.Length == 0 ? null : SignedIn[person];
        Task<IPage> OpenAsync(bool phone) => cookies is null ? server.OpenAsync(phone) : server.OpenAsAsync(cookies, phone);
        foreach (var phone in new[] { true, false })
        {
            var page = await OpenAsync(phone);
            await page.GotoAsync(path);
            await Expect(page.Locator("main h1")).ToBeVisibleAsync();
            await Accessibility.AssertNoSeriousViolationsAsync(page);

            // On a shared or watched phone, a youth's tab titles and history say nothing about what the site is for.
            if (person.Contains("youth", StringComparison.Ordinal))
            {
                Assert.DoesNotMatch("(?i)safety|danger|traffick|exploit|abuse|crisis", await page.TitleAsync());
                Assert.DoesNotMatch("(?i)safety|danger|traffick|exploit|abuse|crisis", page.Url);
            }
            if (screenshot.Length > 0)
            {
                await Accessibility.ScreenshotAsync(page, $"{screenshot}-{(phone ? "phone" : "desktop")}");
            }

            await page.Context.CloseAsync();
        }

        var zoomed = await OpenAsync(phone: false);
        await zoomed.SetViewportSizeAsync(320, 640);
        await zoomed.GotoAsync(path);
        await Accessibility.AssertFitsAsync(zoomed);
        await zoomed.Context.CloseAsync();
    }

    [Fact]
    public async Task The_crisis_lines_stand_one_under_another_across_a_phone_each_with_its_buttons()
    {
        var youth = await server.SignInAsync("Riley (demo youth)", phone: true);
        await youth.GotoAsync("/my-plan");
        var list = youth.Locator("main [data-crisis]").First;
        var lines = list.Locator("li");
        Assert.True(await lines.CountAsync() >= 2);

        var across = (await list.BoundingBoxAsync())!;
        LocatorBoundingBoxResult? above = null;
        for (var i = 0; i < await lines.CountAsync(); i++)
        {
            var line = (await lines.Nth(i).BoundingBoxAsync())!;
            Assert.True(line.Width >= across.Width * 0.95, $"line {i} is {line.Width}px of the list's {across.Width}px");
            Assert.True(above is null || line.Y >= above.Y + above.Height, $"line {i} sits beside the one before it");
            Assert.True(line.X + line.Width <= youth.ViewportSize!.Width, $"line {i} runs off the screen");
            above = line;
        }

        await youth.Context.CloseAsync();
    }

    [Fact]
    public async Task Every_control_can_be_reached_by_keyboard_and_shows_where_the_focus_is()
    {
        var admin = await server.SignInAsync("Taylor (demo agency admin)");
        await admin.GotoAsync("/people");

        // Tab from the top of the page to "Add person", checking each stop is visibly marked.
        var stops = new List<string>();
        for (var i = 0; i < 80; i++)
        {
            await admin.Keyboard.PressAsync("Tab");
            var focused = await admin.EvaluateAsync<string[]>(
                "() => { const e = document.activeElement; const s = getComputedStyle(e); return [e.id || e.textContent.trim(), s.outlineStyle, s.outlineWidth, s.boxShadow]; }");
            Assert.True(focused[1] != "none" && focused[2] != "0px" || focused[3] != "none", $"No visible focus on '{focused[0]}'.");
            stops.Add(focused[0]);
            if (focused[0] == "Add person")
            {
                break;
            }
        }

        Assert.Equal("Exit this page", stops[0].Replace("Emergency", "", StringComparison.Ordinal).Trim());
        Assert.Contains("add-id", stops);
        Assert.Equal("Add person", stops[^1]);

        // Add a person with the keyboard alone.
        await admin.FocusAsync("#add-id");
        await admin.Keyboard.TypeAsync("kb-" + Guid.NewGuid().ToString("N")[..8]);
        await admin.Keyboard.PressAsync("Tab");
        await admin.Keyboard.TypeAsync("Kit (keyboard test)");
        await admin.Keyboard.PressAsync("Tab");
        await admin.Keyboard.PressAsync("Space");
        await admin.GetByRole(AriaRole.Button, new() { Name = "Add person" }).FocusAsync();
        await admin.Keyboard.PressAsync("Enter");
        await Expect(admin.Locator("[data-outcome]")).ToContainTextAsync("Added");
        await Expect(admin.Locator("[data-people]")).ToContainTextAsync("Kit (keyboard test)");
    }
}
