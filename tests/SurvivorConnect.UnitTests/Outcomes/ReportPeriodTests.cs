using SurvivorConnect.Api.Features.Outcomes.Rules;

namespace SurvivorConnect.UnitTests.Outcomes;

public sealed class ReportPeriodTests
{
    private static readonly TimeZoneInfo LosAngeles = TimeZoneInfo.FindSystemTimeZoneById("America/Los_Angeles");

    [Fact]
    public void A_los_angeles_month_runs_from_midnight_there_so_its_last_evening_is_still_in_it()
    {
        var january = new ReportPeriod(new DateOnly(2026, 1, 1), 1) { Zone = LosAngeles };

        Assert.Equal(new DateTimeOffset(2026, 1, 1, 8, 0, 0, TimeSpan.Zero), january.Start);
        Assert.Equal(new DateTimeOffset(2026, 2, 1, 8, 0, 0, TimeSpan.Zero), january.End);
        Assert.Equal(0, january.MonthOf(new DateTimeOffset(2026, 2, 1, 7, 59, 0, TimeSpan.Zero)));
        Assert.Null(january.MonthOf(new DateTimeOffset(2026, 2, 1, 8, 0, 0, TimeSpan.Zero)));
        Assert.Null(january.MonthOf(new DateTimeOffset(2026, 1, 1, 7, 59, 0, TimeSpan.Zero)));
    }

    [Theory]
    [InlineData("UTC")]
    [InlineData("America/Los_Angeles")]
    [InlineData("America/Santiago")]
    [InlineData("Australia/Lord_Howe")]
    [InlineData("Pacific/Kiritimati")]
    public void Every_month_starts_where_the_one_before_ends_through_three_years_of_clock_changes(string zone)
    {
        var period = new ReportPeriod(new DateOnly(2025, 1, 1), ReportPeriod.MaxMonths) { Zone = TimeZoneInfo.FindSystemTimeZoneById(zone) };

        for (var month = 0; month < period.Months; month++)
        {
            Assert.Equal(month, period.MonthOf(period.At(month)));
            Assert.Equal(month, period.MonthOf(period.At(month + 1).AddTicks(-1)));
            Assert.Equal([month], period.MonthsBetween(period.At(month), period.At(month + 1).AddTicks(-1)));
        }
    }
}
