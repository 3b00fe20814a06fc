using SurvivorConnect.Api.Features.Mentoring;
using SurvivorConnect.Api.Features.Outcomes.Rules;

namespace SurvivorConnect.UnitTests.Outcomes;

public sealed class OutcomeCalculatorTests
{
    private static readonly DateTimeOffset Now = new(2026, 7, 15, 0, 0, 0, TimeSpan.Zero);
    private static readonly ReportPeriod FirstHalf = new(new DateOnly(2026, 1, 1), 6);

    private static DateTimeOffset On(int month, int day) => new(2026, month, day, 12, 0, 0, TimeSpan.Zero);

    private static YouthReferral Youth(string id, string? person, DateTimeOffset referred, IReadOnlyList<StageEvent>? stages = null, IReadOnlyList<MissingEpisode>? episodes = null) => new()
    {
        Id = id,
        PersonId = person,
        DisplayName = "Youth " + id,
        Age = 16,
        CaseManagerIds = ["cm"],
        Stage = stages is [.., var last] ? last.Stage : StageOfChange.Contemplation,
        StageHistory = stages ?? [new StageEvent("referral", StageOfChange.Contemplation, null, referred, "cm", "private note")],
        MissingEpisodes = episodes ?? [],
        ReferredAt = referred,
    };

    private static MissingEpisode Episode(DateTimeOffset start, int days, bool? contact) =>
        new(Guid.NewGuid().ToString("N"), start, start.AddDays(days), contact, ReturnRoute.OnTheirOwn, start, "cm");

    private static decimal? Value(DraftTable table, int row, int column) => table.Cells[row, column] is DraftCell.Of of ? of.Measure.Value : null;

    private static DraftTable Table(IReadOnlyList<YouthReferral> youth, string key, int? change = null) =>
        OutcomeCalculator.Tables(new OutcomeInputs(youth, [], [], null), FirstHalf, change, Now).Single(t => t.Key == key);

    [Fact]
    public void A_youth_with_two_referrals_is_served_once()
    {
        var youth = new[] { Youth("a", "person-1", On(1, 5)), Youth("b", "person-1", On(3, 5)), Youth("c", null, On(2, 1)) };

        var served = Table(youth, "youth-served");

        Assert.Equal(2, Value(served, 0, 0));
    }

    [Fact]
    public void Stage_moves_are_counted_from_and_to_with_totals_and_a_relapse_counts_as_a_move_back()
    {
        var youth = Youth("a", null, On(1, 2),
        [
            new StageEvent("referral", StageOfChange.Contemplation, null, On(1, 2), "cm", null),
            new StageEvent("transition", StageOfChange.Preparation, StageOfChange.Contemplation, On(2, 2), "cm", "note"),
            new StageEvent("relapse", StageOfChange.Contemplation, StageOfChange.Preparation, On(4, 2), "cm", null),
        ]);

        var moves = Table([youth], "stage-transitions");

        Assert.Equal(1, Value(moves, (int)StageOfChange.Contemplation, (int)StageOfChange.Preparation));
        Assert.Equal(1, Value(moves, (int)StageOfChange.Preparation, (int)StageOfChange.Contemplation));
        Assert.Equal(2, Value(moves, 5, 5));
        Assert.Equal(59, Table([youth], "time-in-stage").Cells[(int)StageOfChange.Preparation, 1] is DraftCell.Of days ? days.Measure.Value : null);
    }

    [Fact]
    public void Episodes_split_at_the_practice_change_with_their_length_and_contact()
    {
        var youth = new[]
        {
            Youth("a", null, On(1, 1), episodes: [Episode(On(1, 10), 6, true), Episode(On(5, 10), 2, false)]),
            Youth("b", null, On(1, 1), episodes: [Episode(On(2, 10), 4, null)]),
        };

        var missing = Table(youth, "missing-episodes", change: 3);

        Assert.Equal(["Before the practice change", "From the practice change", "Whole period"], missing.Rows);
        Assert.Equal(2, Value(missing, 0, 2));
        Assert.Equal(1, Value(missing, 1, 2));
        Assert.Equal(3, Value(missing, 2, 2));
        Assert.Equal(5, Value(missing, 0, 4));
        Assert.Equal(2, Value(missing, 1, 4));
        Assert.Equal(1, Value(missing, 2, 5));
        Assert.Equal(2, Value(missing, 2, 6));
    }

    [Fact]
    public void A_referral_served_across_months_counts_in_each_month_it_was_known()
    {
        var youth = Youth("a", null, On(2, 1), episodes: [Episode(On(4, 3), 1, true)]);

        var byMonth = Table([youth], "youth-served-by-month");

        Assert.Equal([0m, 1m, 1m, 1m, 0m, 0m], Enumerable.Range(0, 6).Select(m => Value(byMonth, m, 0)!.Value));
    }
}
