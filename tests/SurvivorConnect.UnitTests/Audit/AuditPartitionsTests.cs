using SurvivorConnect.Api.Features.Audit;
using SurvivorConnect.Storage;

namespace SurvivorConnect.UnitTests.Audit;

public sealed class AuditPartitionsTests
{
    private static readonly DateTimeOffset Now = new(2027, 3, 10, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Entries_are_filed_by_utc_month_from_the_first_month_and_in_the_agencys_partition_before_it()
    {
        Assert.Equal("north~2026-12", AuditPartitions.Of("north", new DateTimeOffset(2026, 12, 1, 0, 0, 0, TimeSpan.Zero)));
        Assert.Equal("north~2027-02", AuditPartitions.Of("north", new DateTimeOffset(2027, 1, 31, 23, 30, 0, TimeSpan.FromHours(-5))));
        Assert.Equal("north", AuditPartitions.Of("north", new DateTimeOffset(2026, 11, 30, 23, 59, 59, TimeSpan.Zero)));
    }

    [Fact]
    public void A_list_walks_every_month_newest_first_then_the_entries_from_before()
    {
        var months = new AuditPartitions("north", null, null, Now);

        Assert.Equal(["north~2027-03", "north~2027-02", "north~2027-01", "north~2026-12", "north"], Walk(months));
    }

    [Fact]
    public void A_range_reads_only_its_own_months_then_the_earlier_partition_whose_entries_reach_into_the_first_month()
    {
        var within = new AuditPartitions("north", new DateTimeOffset(2027, 1, 15, 0, 0, 0, TimeSpan.Zero), new DateTimeOffset(2027, 3, 1, 0, 0, 0, TimeSpan.Zero), Now);
        var reachingBack = new AuditPartitions("north", new DateTimeOffset(2026, 6, 1, 0, 0, 0, TimeSpan.Zero), new DateTimeOffset(2027, 1, 2, 0, 0, 0, TimeSpan.Zero), Now);
        var allBefore = new AuditPartitions("north", null, new DateTimeOffset(2026, 12, 1, 0, 0, 0, TimeSpan.Zero), Now);

        Assert.Equal(["north~2027-02", "north~2027-01", "north"], Walk(within));
        Assert.Equal(["north~2027-01", "north~2026-12", "north"], Walk(reachingBack));
        Assert.Equal(["north"], Walk(allBefore));
    }

    [Fact]
    public void A_list_starts_a_day_ahead_so_another_instances_clock_running_fast_loses_no_entry()
    {
        var lastEvening = new DateTimeOffset(2027, 3, 31, 18, 0, 0, TimeSpan.Zero);

        Assert.Equal("north~2027-04", new AuditPartitions("north", null, null, lastEvening).Newest);
    }

    [Fact]
    public void A_token_resumes_in_its_month_one_from_before_months_in_the_agencys_partition_and_one_naming_a_month_outside_the_range_is_refused()
    {
        var months = new AuditPartitions("north", null, null, Now);
        var narrower = new AuditPartitions("north", new DateTimeOffset(2027, 2, 1, 0, 0, 0, TimeSpan.Zero), null, Now);

        Assert.Equal(("north~2027-01", "abc|def"), months.Resume(months.Token("north~2027-01", "abc|def")));
        Assert.Equal(("north~2026-12", null), months.Resume(months.Token("north~2026-12", null)));
        Assert.Equal(("north", "x"), months.Resume(months.Token("north", "x")));
        Assert.Equal(("north", "x"), narrower.Resume("earlier|x"));
        Assert.Equal(("north", "made-before-months"), narrower.Resume("made-before-months"));
        foreach (var token in new[] { "2027-01|x", "2099-01|", "garbage|", "|" })
        {
            Assert.Equal(StoreErrorKind.InvalidQuery, Assert.Throws<StoreException>(() => narrower.Resume(token)).Kind);
        }
    }

    private static List<string> Walk(AuditPartitions months)
    {
        List<string> walked = [months.Newest];
        while (months.Before(walked[^1]) is { } older)
        {
            walked.Add(older);
        }

        return walked;
    }
}
