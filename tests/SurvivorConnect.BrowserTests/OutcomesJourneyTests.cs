using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using SurvivorConnect.Api.Features.Mentoring;
using SurvivorConnect.Storage;
using static Microsoft.Playwright.Assertions;

namespace SurvivorConnect.BrowserTests;

/// <summary>
/// A case manager records a youth's time missing from care and their return; the agency's analyst reads the
/// outcome report (counted, suppressed, with a chart that does not need colour), splits it at a practice change
/// and downloads a table as CSV; an admin raises the smallest number shown.
/// </summary>
[Collection(Portal.Name)]
public sealed class OutcomesJourneyTests(PortalServer server)
{
    private static readonly SemaphoreSlim Seeding = new(1, 1);
    private static bool _seeded;

    /// <summary>Thirty youth of another case manager, referred a year ago and away once a month for the last six months, and thirty never away.</summary>
    private async Task SeedAsync()
    {
        await Seeding.WaitAsync();
        try
        {
            if (_seeded)
            {
                return;
            }

            var store = server.Services.GetRequiredService<IDocumentStore>();
            var now = server.Time.GetUtcNow();
            var thisMonth = new DateTimeOffset(now.Year, now.Month, 1, 12, 0, 0, TimeSpan.Zero);
            for (var i = 0; i < 30; i++)
            {
                await store.UpsertAsync(YouthReferral.Container, AwayMonthly($"outcomes-youth-{i}", "demo", thisMonth, months: 6, inContact: e => e % 2 == 0 || i % 3 == 0), CancellationToken.None);
            }

            // And thirty who were never away, known to the agency all year: a report where everyone was away would say so of each.
            for (var i = 0; i < 30; i++)
            {
                await store.UpsertAsync(YouthReferral.Container, new YouthReferral
                {
                    Id = $"outcomes-steady-{i}", PartitionKey = "demo", AgencyId = "demo", DisplayName = $"Seeded steady youth {i}", Age = 16,
                    CaseManagerIds = ["demo-outcomes-cm"], Stage = StageOfChange.Preparation, ReferredAt = thisMonth.AddMonths(-12),
                    StageHistory =
                    [
                        new StageEvent("referral", StageOfChange.Contemplation, null, thisMonth.AddMonths(-12), "demo-outcomes-cm", null),
                        new StageEvent("transition", StageOfChange.Preparation, StageOfChange.Contemplation, thisMonth.AddMonths(-1), "demo-outcomes-cm", null),
                    ],
                }, CancellationToken.None);
            }

            _seeded = true;
        }
        finally
        {
            Seeding.Release();
        }
    }

    /// <summary>A youth referred a year ago and away for two days early in each of the last <paramref name="months"/> months.</summary>
    private static YouthReferral AwayMonthly(string id, string agencyId, DateTimeOffset thisMonth, int months, Func<int, bool> inContact) => new()
    {
        Id = id, PartitionKey = agencyId, AgencyId = agencyId, DisplayName = $"Seeded youth {id}", Age = 16, CaseManagerIds = ["demo-outcomes-cm"],
        Stage = StageOfChange.Contemplation, ReferredAt = thisMonth.AddMonths(-12),
        StageHistory = [new StageEvent("referral", StageOfChange.Contemplation, null, thisMonth.AddMonths(-12), "demo-outcomes-cm", null)],
        MissingEpisodes = Enumerable.Range(1, months).Select(m => thisMonth.AddMonths(-m).AddDays(4))
            .Select((start, e) => new MissingEpisode($"{id}-{e}", start, start.AddDays(2), inContact(e), ReturnRoute.OnTheirOwn, start, "demo-outcomes-cm"))
            .OrderBy(e => e.StartedAt).ToList(),
    };

    [Fact]
    public async Task A_case_manager_records_a_time_away_and_the_return_and_the_match_goes_on()
    {
        var caseManager = await server.SignInAsync("Alex (demo case manager)");
        var name = "Kai " + Guid.NewGuid().ToString("N")[..6];
        await caseManager.Locator("#refer-name").FillAsync(name);
        await caseManager.Locator("#refer-age").FillAsync("15");
        await caseManager.GetByRole(AriaRole.Button, new() { Name = "Add referral" }).ClickAsync();
        await PortalServer.OpenYouthAsync(caseManager, name);

        var yesterday = server.Time.GetUtcNow().AddDays(-1).UtcDateTime;
        await caseManager.Locator("#missing-started").FillAsync(yesterday.ToString("yyyy-MM-ddTHH:mm", System.Globalization.CultureInfo.InvariantCulture));
        await caseManager.Locator("#missing-contact").SelectOptionAsync("yes");
        // The same form sent twice (its first answer lost on a slow phone, say) records one episode.
        Assert.Equal(200, await caseManager.Locator("form:has(#missing-started)").EvaluateAsync<int>(
            "async form => (await fetch(location.href, { method: 'POST', body: new FormData(form) })).status"));
        await caseManager.GetByRole(AriaRole.Button, new() { Name = "Record the episode" }).ClickAsync();
        await Expect(caseManager.Locator("[data-outcome]")).ToContainTextAsync("The episode is recorded");
        await Expect(caseManager.Locator("[data-missing-episodes]")).ToContainTextAsync("still away");
        await Expect(caseManager.Locator("[data-missing-episodes] li")).ToHaveCountAsync(1);
        await Expect(caseManager.Locator("[data-missing-episodes]")).ToContainTextAsync("In contact with a trusted adult: yes");

        // Ended before it started: refused with the reason, nothing changed.
        await caseManager.Locator("#returned-ended").FillAsync(yesterday.AddDays(-2).ToString("yyyy-MM-ddTHH:mm", System.Globalization.CultureInfo.InvariantCulture));
        await caseManager.Locator("#returned-how").SelectOptionAsync("WithTrustedAdult");
        await caseManager.GetByRole(AriaRole.Button, new() { Name = "Record the return" }).ClickAsync();
        await Expect(caseManager.Locator("[data-outcome]")).ToContainTextAsync("cannot end before it starts");
        // What was typed and chosen stays, and the reason is beside the return's form only, not the new episode's too.
        await Expect(caseManager.Locator("#returned-ended")).ToHaveValueAsync(yesterday.AddDays(-2).ToString("yyyy-MM-ddTHH:mm", System.Globalization.CultureInfo.InvariantCulture));
        await Expect(caseManager.Locator("#returned-how")).ToHaveValueAsync("WithTrustedAdult");
        await Expect(caseManager.Locator("#missing-ended-error")).ToHaveCountAsync(0);

        await caseManager.Locator("#returned-ended").FillAsync(yesterday.AddHours(20).ToString("yyyy-MM-ddTHH:mm", System.Globalization.CultureInfo.InvariantCulture));
        await caseManager.GetByRole(AriaRole.Button, new() { Name = "Record the return" }).ClickAsync();
        await Expect(caseManager.Locator("[data-outcome]")).ToContainTextAsync("The return is recorded");
        await Expect(caseManager.Locator("[data-missing-episodes]")).ToContainTextAsync("Returned: with a trusted adult");
        await Expect(caseManager.Locator("[data-missing-episodes]")).Not.ToContainTextAsync("still away");
        await Accessibility.AssertNoSeriousViolationsAsync(caseManager);

        await caseManager.GotoAsync("/outcomes");
        await Expect(caseManager.Locator("[data-report-scope]")).ToContainTextAsync("Your caseload");
        await Expect(caseManager.Locator("[data-table=engagements]")).ToHaveCountAsync(0);
    }

    [Fact]
    public async Task An_analyst_reads_the_report_splits_it_at_a_practice_change_and_downloads_a_table()
    {
        await SeedAsync();
        var analyst = await server.SignInAsync("Harper (demo outcomes analyst)", phone: true);

        await Expect(analyst).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/outcomes$"));
        var nav = analyst.GetByRole(AriaRole.Navigation, new() { Name = "Main" });
        await Expect(nav.GetByRole(AriaRole.Link)).ToHaveTextAsync(["Outcomes", "Notices"]);
        await Expect(analyst.Locator("[data-report-scope]")).ToContainTextAsync("The whole agency");
        await Expect(analyst.Locator("[data-report-scope]")).ToContainTextAsync("months by UTC");
        var served = analyst.Locator("[data-table=youth-served] tbody td").First;
        await Expect(served).Not.ToHaveTextAsync("withheld");
        await Expect(analyst.Locator("[data-table=missing-by-month] .bars li").First).ToContainTextAsync("withheld");
        // Every bar carries its number or why it has none, in words; a bar without a number is striped, not coloured.
        var bars = analyst.Locator("[data-table=missing-by-month] .bars li");
        await Expect(bars).ToHaveCountAsync(13);
        await Expect(bars.Filter(new() { HasTextRegex = new System.Text.RegularExpressions.Regex("\\s\\d+\\s*$") }).First).ToBeVisibleAsync();
        var unnumbered = bars.Filter(new() { HasTextRegex = new System.Text.RegularExpressions.Regex("withheld\\s*$") });
        Assert.Equal(await unnumbered.CountAsync(), await bars.Locator(".bar-withheld").CountAsync());
        Assert.True(await unnumbered.CountAsync() >= 1, "the months before the youth were away have no number");
        await Expect(analyst.Locator("main")).Not.ToContainTextAsync("Seeded");
        await Accessibility.AssertNoSeriousViolationsAsync(analyst);
        await Accessibility.ScreenshotAsync(analyst, "analyst-outcomes-phone");

        // Practice changed three months ago: episodes before and after.
        var now = server.Time.GetUtcNow();
        var change = new DateOnly(now.Year, now.Month, 1).AddMonths(-3).ToString("yyyy-MM", System.Globalization.CultureInfo.InvariantCulture);
        await analyst.Locator("#report-change").FillAsync(change);
        await analyst.GetByRole(AriaRole.Button, new() { Name = "Show" }).ClickAsync();
        var missing = analyst.Locator("[data-table=missing-episodes]");
        await Expect(missing.Locator("tbody th")).ToHaveTextAsync(["Before the practice change", "From the practice change", "Whole period"]);
        // Which numbers are shown depends on everything else the agency recorded; some of the split always is.
        await Expect(missing.Locator("tbody tr").Nth(1).Locator("td").Filter(new() { HasTextRegex = new System.Text.RegularExpressions.Regex("^\\d") }).First).ToBeVisibleAsync();
        await Accessibility.AssertNoSeriousViolationsAsync(analyst);

        var download = await analyst.RunAndWaitForDownloadAsync(() => missing.GetByRole(AriaRole.Link, new() { NameString = "as CSV" }).ClickAsync());
        var csv = await File.ReadAllTextAsync(await download.PathAsync());
        var lines = csv.TrimStart('\uFEFF').Split("\r\n");
        Assert.Contains("Missing-from-care episodes", lines[0], StringComparison.Ordinal);
        Assert.Contains("fewer than 11 people", lines[0], StringComparison.Ordinal);
        Assert.StartsWith("From the practice change,", lines[3], StringComparison.Ordinal);

        // Nothing else is the analyst's: the youth list is refused.
        await analyst.GotoAsync("/caseload");
        await Expect(analyst.Locator("main")).Not.ToContainTextAsync("Riley");
    }

    [Fact]
    public async Task Each_bar_of_a_trend_is_as_long_as_its_number()
    {
        // In the other demo agency, so no other test's youth are counted: 35 youth away in each of the last three months, 20 in the three before.
        var store = server.Services.GetRequiredService<IDocumentStore>();
        var now = server.Time.GetUtcNow();
        var thisMonth = new DateTimeOffset(now.Year, now.Month, 1, 12, 0, 0, TimeSpan.Zero);
        for (var i = 0; i < 35; i++)
        {
            await store.UpsertAsync(YouthReferral.Container, AwayMonthly($"trend-youth-{i}", "demo-north", thisMonth, months: i < 20 ? 6 : 3, inContact: _ => true), CancellationToken.None);
        }

        var admin = await server.SignInAsync("Reese (northstar agency admin)");
        await admin.GotoAsync("/outcomes");

        var bars = admin.Locator("[data-table=missing-by-month] .bars li");
        var twenty = await bars.Filter(new() { HasTextRegex = new System.Text.RegularExpressions.Regex("\\s20\\s*$") }).First.Locator(".bar").BoundingBoxAsync();
        var thirtyFive = await bars.Filter(new() { HasTextRegex = new System.Text.RegularExpressions.Regex("\\s35\\s*$") }).First.Locator(".bar").BoundingBoxAsync();
        Assert.InRange(twenty!.Width / thirtyFive!.Width, 20 / 35f - 0.03, 20 / 35f + 0.03);
    }

    [Fact]
    public async Task An_admin_raises_the_smallest_number_shown_and_the_report_follows()
    {
        await SeedAsync();
        var admin = await server.SignInAsync("Taylor (demo agency admin)");
        await admin.GotoAsync("/outcomes");

        await admin.Locator("#threshold").FillAsync("5");
        await admin.GetByRole(AriaRole.Button, new() { Name = "Save" }).ClickAsync();
        await Expect(admin.Locator("#threshold-error")).ToBeVisibleAsync();

        await admin.Locator("#threshold").FillAsync("100");
        await admin.GetByRole(AriaRole.Button, new() { Name = "Save" }).ClickAsync();
        await Expect(admin.Locator("[data-outcome]")).ToContainTextAsync("Saved");
        await Expect(admin.Locator("[data-table=youth-served] tbody td").First).ToHaveTextAsync("withheld");

        await admin.Locator("#threshold").FillAsync("11");
        await admin.GetByRole(AriaRole.Button, new() { Name = "Save" }).ClickAsync();
        await Expect(admin.Locator("[data-table=youth-served] tbody td").First).Not.ToHaveTextAsync("withheld");
        await Accessibility.AssertNoSeriousViolationsAsync(admin);
    }
}
