using System.Globalization;
using System.Text.Json;
using static SurvivorConnect.IntegrationTests.OutcomeReportTests;
using static SurvivorConnect.IntegrationTests.OutcomesWorld;

namespace SurvivorConnect.IntegrationTests;

/// <summary>
/// A report's months are the agency's: an episode that began on the last evening of February in Los Angeles is
/// February's there, though UTC had turned to March, and the month a Los Angeles agency is still living through is
/// not reported. Its own API: the clock moves to a month's turn.
/// </summary>
public sealed class OutcomeMonthsTests(OutcomeMonthsTests.Api api) : IClassFixture<OutcomeMonthsTests.Api>
{
    public sealed class Api : ClockedApiFactory;

    private const string Episodes = "missing-episodes";

    [Fact]
    public async Task An_episode_on_the_last_evening_of_february_in_los_angeles_is_counted_in_february_there_and_in_march_by_utc()
    {
        var losAngeles = await CreateAsync(api, "America/Los_Angeles");
        var utc = await CreateAsync(api);
        var lastEvening = new DateTimeOffset(2026, 3, 1, 4, 0, 0, TimeSpan.Zero);
        foreach (var world in new[] { losAngeles, utc })
        {
            for (var i = 0; i < 12; i++)
            {
                await world.YouthAsync(In(2026, 2), null, lastEvening);
            }
        }

        var february = "from=2026-02&to=2026-02";
        var march = "from=2026-03&to=2026-03";

        Assert.Equal("12", await YouthAwayAsync(losAngeles, february));
        Assert.Equal("withheld", await YouthAwayAsync(losAngeles, march));
        Assert.Equal("12", await YouthAwayAsync(utc, march));
        Assert.Equal("withheld", await YouthAwayAsync(utc, february));
        Assert.Equal("Los Angeles time", (await ReportAsync(losAngeles.Analyst, february)).Clock);
        Assert.Contains("months by Los Angeles time", await losAngeles.Analyst.GetStringAsync($"/api/outcomes/{Episodes}.csv?{february}"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_change_of_the_agencys_zone_moves_no_month_already_over_so_two_reads_of_it_cannot_be_subtracted()
    {
        var world = await CreateAsync(api, "America/Los_Angeles");
        var lastEvening = new DateTimeOffset(2026, 3, 1, 4, 0, 0, TimeSpan.Zero);
        for (var i = 0; i < 12; i++)
        {
            await world.YouthAsync(In(2026, 2), null, lastEvening);
        }

        var february = "from=2026-02&to=2026-02";
        Assert.Equal("12", await YouthAwayAsync(world, february));

        // On Kiritimati's clock that evening was already 1 March; to UTC's and back, and there.
        foreach (var zone in new[] { "UTC", "America/Los_Angeles", "Pacific/Kiritimati" })
        {
            await HttpAssert.Ok<JsonElement>(await world.Admin.PutAgencySetting("/api/agency/time-zone", new { timeZone = zone }));
            Assert.Equal("12", await YouthAwayAsync(world, february));
            Assert.Equal("withheld", await YouthAwayAsync(world, "from=2026-03&to=2026-03"));
        }
    }

    private static async Task<string> YouthAwayAsync(OutcomesWorld world, string months) =>
        (await ReportAsync(world.Analyst, months)).Cell(Episodes, "Whole period", "Youth with an episode").Shown;

    [Fact]
    public async Task The_month_los_angeles_is_still_living_through_is_not_reported_though_utc_has_finished_it()
    {
        var losAngeles = await CreateAsync(api, "America/Los_Angeles");
        var utc = await CreateAsync(api);

        // 05:00 UTC on the first of next month is the evening before in Los Angeles.
        var now = api.Time.GetUtcNow();
        var turn = new DateTimeOffset(now.Year, now.Month, 1, 5, 0, 0, TimeSpan.Zero).AddMonths(1);
        api.Time.Advance(turn - now);
        var finishedByUtc = turn.AddMonths(-1).ToString("yyyy-MM", CultureInfo.InvariantCulture);
        var query = $"/api/outcomes?from={finishedByUtc}&to={finishedByUtc}";

        await HttpAssert.Ok<ReportDto>(await utc.Analyst.GetAsync(query));
        var refused = await HttpAssert.Problem(await losAngeles.Analyst.GetAsync(query), 400);
        Assert.Contains("still under way", refused.GetRawText(), StringComparison.Ordinal);

        api.Time.Advance(TimeSpan.FromHours(8));
        await HttpAssert.Ok<ReportDto>(await losAngeles.Analyst.GetAsync(query));
    }
}
