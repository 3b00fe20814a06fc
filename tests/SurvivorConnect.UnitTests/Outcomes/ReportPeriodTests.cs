using SurvivorConnect.Api.Features.Agencies;
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

    private static readonly TimeZoneInfo Kiritimati = TimeZoneInfo.FindSystemTimeZoneById("Pacific/Kiritimati");

    [Fact]
    public void A_month_over_before_the_zone_changed_keeps_its_start_and_end_and_later_months_take_the_new_zone()
    {
        var changed = new DateTimeOffset(2026, 4, 15, 0, 0, 0, TimeSpan.Zero);
        var march = new ReportPeriod(new DateOnly(2026, 3, 1), 3) { Zone = Kiritimati, FormerZones = [(LosAngeles, changed)] };
        var lastEveningThere = new DateTimeOffset(2026, 4, 1, 4, 0, 0, TimeSpan.Zero);

        Assert.Equal(new DateTimeOffset(2026, 3, 1, 8, 0, 0, TimeSpan.Zero), march.Start);
        Assert.Equal(new DateTimeOffset(2026, 4, 1, 7, 0, 0, TimeSpan.Zero), march.At(1));
        Assert.Equal(0, march.MonthOf(lastEveningThere));
        Assert.Equal(new DateTimeOffset(2026, 4, 30, 10, 0, 0, TimeSpan.Zero), march.At(2));
        Assert.Equal(1, march.MonthOf(new DateTimeOffset(2026, 4, 30, 9, 59, 0, TimeSpan.Zero)));
        Assert.Equal(2, march.MonthOf(new DateTimeOffset(2026, 4, 30, 10, 0, 0, TimeSpan.Zero)));
        Assert.Null(march.MonthOf(new DateTimeOffset(2026, 3, 1, 7, 59, 0, TimeSpan.Zero)));
    }

    [Fact]
    public void A_change_of_zone_in_the_hours_before_a_month_begins_somewhere_moves_no_start_a_report_could_have_used()
    {
        // 10:00 UTC on 30 April is midnight of 1 May on Kiritimati, the first wall to reach it.
        var justBefore = new ReportPeriod(new DateOnly(2026, 4, 1), 2) { Zone = Kiritimati, FormerZones = [(LosAngeles, new DateTimeOffset(2026, 4, 30, 9, 59, 0, TimeSpan.Zero))] };
        var justAfter = justBefore with { FormerZones = [(LosAngeles, new DateTimeOffset(2026, 4, 30, 10, 0, 1, TimeSpan.Zero))] };

        Assert.Equal(new DateTimeOffset(2026, 4, 30, 10, 0, 0, TimeSpan.Zero), justBefore.At(1));
        Assert.Equal(new DateTimeOffset(2026, 5, 1, 7, 0, 0, TimeSpan.Zero), justAfter.At(1));
    }

    [Fact]
    public void Every_month_starts_where_the_one_before_ends_across_changes_of_zone()
    {
        var period = new ReportPeriod(new DateOnly(2025, 1, 1), ReportPeriod.MaxMonths)
        {
            Zone = LosAngeles,
            FormerZones = [(Kiritimati, new DateTimeOffset(2025, 5, 10, 0, 0, 0, TimeSpan.Zero)), (TimeZoneInfo.Utc, new DateTimeOffset(2026, 2, 3, 0, 0, 0, TimeSpan.Zero))],
        };

        for (var month = 0; month < period.Months; month++)
        {
            Assert.Equal(month, period.MonthOf(period.At(month)));
            Assert.Equal(month, period.MonthOf(period.At(month + 1).AddTicks(-1)));
        }
    }

    [Fact]
    public void Zones_changed_again_before_any_month_began_are_not_kept_so_the_history_grows_by_at_most_one_a_month()
    {
        var start = new DateTimeOffset(2026, 4, 10, 0, 0, 0, TimeSpan.Zero);
        IReadOnlyList<FormerTimeZone> former = [];
        string? zone = null;
        foreach (var (next, day) in new[] { ("America/Los_Angeles", 0), ("Pacific/Kiritimati", 1), ("UTC", 2), ("America/Los_Angeles", 3) })
        {
            former = AgencyCalendar.ZoneLeft(former, zone, start.AddDays(day));
            zone = next;
        }

        Assert.Equal([new FormerTimeZone(null, start)], former);

        // Los Angeles was in force as May began (10:00 UTC on 30 April): kept, on a change after it.
        former = AgencyCalendar.ZoneLeft(former, zone, new DateTimeOffset(2026, 5, 2, 0, 0, 0, TimeSpan.Zero));
        Assert.Equal([new FormerTimeZone(null, start), new FormerTimeZone("America/Los_Angeles", new DateTimeOffset(2026, 5, 2, 0, 0, 0, TimeSpan.Zero))], former);
    }
}
