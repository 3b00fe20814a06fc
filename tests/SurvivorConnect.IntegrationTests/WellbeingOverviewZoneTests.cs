using System.Text.Json;
using static SurvivorConnect.IntegrationTests.WellbeingOverviewTests;

namespace SurvivorConnect.IntegrationTests;

/// <summary>
/// A change of the agency's zone moves no month of the wellbeing overview already shown, so two reads either side of it
/// cannot be subtracted to find the mentors flagged in the hours between two month edges. Its own API: the zone changes.
/// </summary>
public sealed class WellbeingOverviewZoneTests(WellbeingOverviewZoneTests.Api api) : IClassFixture<WellbeingOverviewZoneTests.Api>
{
    public sealed class Api : ClockedApiFactory;

    private readonly MentoringWorld _world = new(api);

    [Fact]
    public async Task Flags_raised_on_the_last_evening_of_a_month_in_los_angeles_stay_in_that_month_when_the_zone_changes()
    {
        await HttpAssert.Ok<JsonElement>(await _world.Admin.PutAgencySetting("/api/agency/time-zone", new { timeZone = "America/Los_Angeles" }));
        var now = api.Time.GetUtcNow();
        var lastEvening = new DateTimeOffset(now.Year, now.Month, 1, 4, 0, 0, TimeSpan.Zero).AddMonths(1);
        api.Time.Advance(lastEvening - now);
        for (var i = 0; i < 11; i++)
        {
            var (_, mentor) = await _world.ReadyMentorAsync();
            await HttpAssert.Ok<JsonElement>(await SupervisionTests.CheckInAsync(mentor, SupervisionTests.Answers(3)));
        }

        var month = Month(lastEvening.AddDays(-1));
        api.Time.Advance(TimeSpan.FromDays(2));
        Assert.Equal(11, Raised(await OverviewAsync(), month));

        // On Kiritimati's clock that evening was already the next month.
        await HttpAssert.Ok<JsonElement>(await _world.Admin.PutAgencySetting("/api/agency/time-zone", new { timeZone = "Pacific/Kiritimati" }));

        Assert.Equal(11, Raised(await OverviewAsync(), month));
    }

    private async Task<JsonElement> OverviewAsync() => await HttpAssert.Ok<JsonElement>(await _world.Admin.GetAsync("/api/supervision/overview"));
}
