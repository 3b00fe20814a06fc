using SurvivorConnect.Api.Infrastructure.Tenancy;
using SurvivorConnect.Storage;

namespace SurvivorConnect.UnitTests.Infrastructure;

public sealed class AgencyWritesTests
{
    private static readonly ContainerSpec Watched = new("watched");
    private static readonly ContainerSpec Other = new("other");

    private readonly AgencyWrites _writes = new([new WatchedContainer(Watched)]);

    [Fact]
    public void The_ids_written_since_a_position_are_given_once_each_and_only_for_that_agency()
    {
        _writes.Note("a", Watched, ["m1"]);
        var position = _writes.Position("a", Watched);
        _writes.Note("a", Watched, ["m2", "m3"]);
        _writes.Note("a", Watched, ["m2"]);
        _writes.Note("b", Watched, ["m9"]);

        var (now, ids) = _writes.WrittenSince("a", Watched, position);

        Assert.Equal(["m2", "m3"], ids!.Order());
        Assert.Empty(_writes.WrittenSince("a", Watched, now).Ids!);
        Assert.Equal(["m9"], _writes.WrittenSince("b", Watched, 0).Ids!);
    }

    [Fact]
    public void More_written_than_the_journal_holds_gives_no_ids_so_everything_is_read_again()
    {
        var position = _writes.Position("a", Watched);
        _writes.Note("a", Watched, Enumerable.Range(0, AgencyWrites.JournalLength + 1).Select(i => $"m{i}"));

        Assert.Null(_writes.WrittenSince("a", Watched, position).Ids);
        Assert.Equal(AgencyWrites.JournalLength, _writes.WrittenSince("a", Watched, 1).Ids!.Count);
    }

    [Fact]
    public void Writes_to_a_container_nobody_watches_are_not_kept()
    {
        _writes.Note("a", Other, ["c1"]);

        Assert.Equal(0, _writes.Position("a", Other));
        Assert.Empty(_writes.WrittenSince("a", Other, 0).Ids!);
    }
}
