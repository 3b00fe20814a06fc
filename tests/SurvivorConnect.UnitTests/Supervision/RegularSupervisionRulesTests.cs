using SurvivorConnect.Api.Features.Supervision.Rules;

namespace SurvivorConnect.UnitTests.Supervision;

public sealed class RegularSupervisionRulesTests
{
    private static readonly DateOnly Today = new(2026, 12, 4);

    [Fact]
    public void The_last_meeting_is_the_latest_of_regular_sessions_and_sessions_about_flags()
    {
        Assert.Equal(new DateOnly(2026, 11, 20), RegularSupervisionRules.LastMet([new(2026, 10, 1), new(2026, 11, 20)], [new(2026, 11, 2)]));
        Assert.Equal(new DateOnly(2026, 11, 2), RegularSupervisionRules.LastMet([], [new(2026, 11, 2)]));
        Assert.Null(RegularSupervisionRules.LastMet([], []));
    }

    [Theory]
    [InlineData(null, 1, true)]
    [InlineData(null, 0, false)]
    [InlineData(30, 1, false)]
    [InlineData(31, 1, true)]
    [InlineData(31, 0, false)]
    public void A_mentor_with_an_active_match_who_has_not_met_a_supervisor_in_30_days_is_overdue(int? daysAgo, int activeMatches, bool overdue)
    {
        DateOnly? last = daysAgo is { } days ? Today.AddDays(-days) : null;

        Assert.Equal(overdue, RegularSupervisionRules.Overdue(last, Today, activeMatches));
    }
}
