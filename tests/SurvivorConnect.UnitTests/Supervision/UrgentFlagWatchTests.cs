using SurvivorConnect.Api.Features.Supervision;

namespace SurvivorConnect.UnitTests.Supervision;

public sealed class UrgentFlagWatchTests
{
    private static readonly DateTimeOffset Raised = new(2026, 12, 4, 22, 0, 0, TimeSpan.Zero);

    [Theory]
    [InlineData(119, null, false)]
    [InlineData(120, null, true)]
    [InlineData(120, -60, true)]
    [InlineData(180, 90, false)]
    [InlineData(210, 90, true)]
    public void A_supervisor_has_two_hours_to_see_an_urgent_answer_from_when_it_came_or_from_when_they_were_given_the_mentor(int minutesSinceRaised, int? supervisorGivenMinutesAfter, bool hadTime)
    {
        var since = supervisorGivenMinutesAfter is { } after ? Raised.AddMinutes(after) : (DateTimeOffset?)null;

        Assert.Equal(hadTime, UrgentFlagWatch.SupervisorHadTime(Raised, since, Raised.AddMinutes(minutesSinceRaised)));
    }
}
