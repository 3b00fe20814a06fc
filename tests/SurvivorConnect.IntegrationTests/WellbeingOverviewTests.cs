using System.Text.Json;

namespace SurvivorConnect.IntegrationTests;

/// <summary>The agency's wellbeing overview counts its twelve months from the flags of those months only, and still counts every one.</summary>
public sealed class WellbeingOverviewTests(WellbeingOverviewTests.Api api) : IClassFixture<WellbeingOverviewTests.Api>
{
    public sealed class Api : ClockedApiFactory;

    private readonly MentoringWorld _world = new(api);

    [Fact]
    public async Task Flags_raised_over_a_year_ago_and_resolved_this_month_count_as_resolved_this_month()
    {
        var flags = new List<string>();
        for (var i = 0; i < 11; i++)
        {
            var (mentorId, mentor) = await _world.ReadyMentorAsync();
            await HttpAssert.Ok<JsonElement>(await SupervisionTests.CheckInAsync(mentor, SupervisionTests.Answers(3)));
            var detail = await HttpAssert.Ok<JsonElement>(await _world.Supervisor.GetAsync($"/api/supervision/mentors/{mentorId}"));
            flags.Add(detail.GetProperty("flags")[0].GetProperty("id").GetString()!);
        }

        var raisedIn = Month(api.Time.GetUtcNow());
        Assert.True(Raised(await OverviewAsync(), raisedIn) >= 11);

        api.Time.Advance(TimeSpan.FromDays(400));
        foreach (var flag in flags)
        {
            await HttpAssert.Ok<JsonElement>(await _world.Supervisor.PostAsync($"/api/supervision/flags/{flag}/resolve", null));
        }

        var overview = await OverviewAsync();
        var now = Month(api.Time.GetUtcNow());
        var months = overview.GetProperty("flagsByMonth").EnumerateArray().ToList();
        Assert.Equal(11, months.Single(m => m.GetProperty("month").GetString() == now).GetProperty("resolved").GetProperty("count").GetInt32());
        Assert.DoesNotContain(months, m => m.GetProperty("month").GetString() == raisedIn);
    }

    private async Task<JsonElement> OverviewAsync() => await HttpAssert.Ok<JsonElement>(await _world.Admin.GetAsync("/api/supervision/overview"));

    private static int Raised(JsonElement overview, string month) =>
        overview.GetProperty("flagsByMonth").EnumerateArray().Single(m => m.GetProperty("month").GetString() == month)
            .GetProperty("raised").GetProperty("count") is { ValueKind: JsonValueKind.Number } count ? count.GetInt32() : 0;

    private static string Month(DateTimeOffset at) => at.ToString("yyyy-MM", System.Globalization.CultureInfo.InvariantCulture);
}
