using System.Text.Json;
using static SurvivorConnect.IntegrationTests.WellbeingOverviewTests;

namespace SurvivorConnect.IntegrationTests;

/// <summary>
/// The overview counts people: one mentor who answered urgently eleven times in a month is one mentor, under the
/// smallest group shown, not a count of eleven that stands for them alone. Its own API: no other mentor is flagged.
/// </summary>
public sealed class WellbeingOverviewPeopleTests(WellbeingOverviewPeopleTests.Api api) : IClassFixture<WellbeingOverviewPeopleTests.Api>
{
    public sealed class Api : ClockedApiFactory;

    private readonly MentoringWorld _world = new(api);

    [Fact]
    public async Task A_mentor_flagged_eleven_times_in_a_month_is_one_mentor_and_not_shown()
    {
        var (mentorId, mentor) = await _world.ReadyMentorAsync();
        for (var i = 0; i < 11; i++)
        {
            await HttpAssert.Ok<JsonElement>(await SupervisionTests.CheckInAsync(mentor, SupervisionTests.Answers(1, urgent: 3)));
        }

        var month = Month(api.Time.GetUtcNow());
        ToNextMonth(api);
        var overview = await HttpAssert.Ok<JsonElement>(await _world.Admin.GetAsync("/api/supervision/overview"));
        var flags = await HttpAssert.Ok<JsonElement>(await _world.Supervisor.GetAsync($"/api/supervision/mentors/{mentorId}"));

        Assert.Equal(11, flags.GetProperty("flags").GetArrayLength());
        var raised = Months(overview).Single(m => m.GetProperty("month").GetString() == month).GetProperty("raised");
        Assert.Equal(JsonValueKind.Null, raised.GetProperty("count").ValueKind);
        Assert.Equal("fewer than 11", raised.GetProperty("words").GetString());
    }
}
