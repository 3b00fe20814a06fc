using SurvivorConnect.Api.Features.Engagements;
using SurvivorConnect.Api.Features.Engagements.Rules;

namespace SurvivorConnect.UnitTests.Engagements;

public sealed class SessionChangesTests
{
    private const string Zone = "America/Los_Angeles";
    private static readonly DateTimeOffset Now = new(2027, 3, 1, 12, 0, 0, TimeSpan.Zero);
    private static readonly HashSet<string> NoClaims = [];

    private static DateTime Day(int day, int hour = 18) => new(2027, 3, day, hour, 0, 0, DateTimeKind.Unspecified);

    private static EngagementSession Stored(string id, int day) => new(id, Day(day), Day(day, 20), Zone, true, "Harbor Light", null);

    private static SessionDraft Draft(string? id, int day, int hour = 18) => new(id, Day(day, hour), Day(day, hour + 2), Zone, true, "Harbor Light", null);

    [Fact]
    public void A_new_opportunity_numbers_its_sessions_from_one()
    {
        var result = SessionChanges.Apply([], 0, [Draft(null, 10), Draft(null, 11)], Now, NoClaims);

        Assert.Null(result.Refusal);
        Assert.Equal(["s1", "s2"], result.Sessions.Select(s => s.Id));
        Assert.Equal(2, result.LastSessionNumber);
    }

    [Fact]
    public void A_session_named_by_id_keeps_it_when_an_earlier_one_is_taken_off_and_a_new_one_gets_a_number_never_used()
    {
        var before = new[] { Stored("s1", 10), Stored("s2", 11), Stored("s3", 12) };

        var result = SessionChanges.Apply(before, 3, [Draft("s3", 12, hour: 17), Draft(null, 20)], Now, NoClaims);

        Assert.Null(result.Refusal);
        Assert.Equal(["s3", "s4"], result.Sessions.Select(s => s.Id));
        Assert.Equal(Day(12, 17), result.Sessions[0].Start);
        Assert.Equal(["s5"], SessionChanges.Apply(result.Sessions, result.LastSessionNumber, [Draft("s3", 12, hour: 17), Draft(null, 21)], Now, NoClaims).Sessions.Skip(1).Select(s => s.Id));
    }

    [Fact]
    public void Without_ids_a_session_at_the_same_times_is_the_same_session_and_keeps_its_cancellation()
    {
        var cancelled = Stored("s1", 10) with { CancelledAt = Now.AddDays(-1) };

        var result = SessionChanges.Apply([cancelled, Stored("s2", 11)], 2, [Draft(null, 10), Draft(null, 11)], Now, NoClaims);

        Assert.Null(result.Refusal);
        Assert.Equal(cancelled, result.Sessions[0]);
        Assert.Equal("s2", result.Sessions[1].Id);
    }

    [Theory]
    [InlineData("cancelled", "was cancelled")]
    [InlineData("claims", "has attendance or a cancelled place recorded")]
    [InlineData("begun", "has begun")]
    public void A_session_that_was_cancelled_has_claims_or_began_can_be_neither_moved_nor_taken_off(string why, string words)
    {
        var kept = why switch
        {
            "cancelled" => Stored("s1", 10) with { CancelledAt = Now },
            "begun" => new EngagementSession("s1", new DateTime(2027, 3, 1, 3, 0, 0, DateTimeKind.Unspecified), new DateTime(2027, 3, 1, 5, 0, 0, DateTimeKind.Unspecified), Zone, true, "Harbor Light", null),
            _ => Stored("s1", 10),
        };
        HashSet<string> claims = why == "claims" ? ["s1"] : [];
        var before = new[] { kept, Stored("s2", 11) };

        var moved = SessionChanges.Apply(before, 2, [Draft("s1", 15), Draft("s2", 11)], Now, claims);
        var takenOff = SessionChanges.Apply(before, 2, [Draft("s2", 11)], Now, claims);
        var unchanged = SessionChanges.Apply(before, 2, [new SessionDraft("s1", kept.Start, kept.End, Zone, true, "Harbor Light", null), Draft("s2", 11, hour: 19)], Now, claims);

        Assert.Contains(words, moved.Refusal, StringComparison.Ordinal);
        Assert.Contains("cannot be taken off", takenOff.Refusal, StringComparison.Ordinal);
        Assert.Same(before, moved.Sessions);
        Assert.Null(unchanged.Refusal);
        Assert.Equal(kept, unchanged.Sessions[0]);
    }

    [Fact]
    public void A_session_added_or_moved_to_begin_in_the_past_is_refused_but_a_draft_may_hold_one()
    {
        var before = new[] { Stored("s1", 10) };

        var added = SessionChanges.Apply(before, 1, [Draft("s1", 10), new SessionDraft(null, Day(1, 3), Day(1, 5), Zone, true, "Harbor Light", null)], Now, NoClaims);
        var moved = SessionChanges.Apply(before, 1, [new SessionDraft("s1", Day(1, 3), Day(1, 5), Zone, true, "Harbor Light", null)], Now, NoClaims);
        var draft = SessionChanges.Apply(before, 1, [new SessionDraft("s1", Day(1, 3), Day(1, 5), Zone, true, "Harbor Light", null)], DateTimeOffset.MinValue, NoClaims);

        Assert.Contains("would begin in the past", added.Refusal, StringComparison.Ordinal);
        Assert.Contains("would begin in the past", moved.Refusal, StringComparison.Ordinal);
        Assert.Null(draft.Refusal);
    }

    [Fact]
    public void With_people_confirmed_a_session_is_cancelled_not_taken_off_nor_moved_within_the_late_window()
    {
        var tomorrow = new EngagementSession("s1", new DateTime(2027, 3, 2, 2, 0, 0, DateTimeKind.Unspecified), new DateTime(2027, 3, 2, 4, 0, 0, DateTimeKind.Unspecified), Zone, true, "Harbor Light", null);
        var later = Stored("s2", 20);
        var terms = new LateCancellationTerms(Pays: true, Hours: 24);
        EngagementSession[] before = [tomorrow, later];

        var takenOff = SessionChanges.WhyNotWhileConfirmed(before, [tomorrow], Now, terms);
        var movedLate = SessionChanges.WhyNotWhileConfirmed(before, [tomorrow with { Start = tomorrow.Start.AddDays(7), End = tomorrow.End.AddDays(7) }, later], Now, terms);
        var movedEarly = SessionChanges.WhyNotWhileConfirmed(before, [tomorrow, later with { Start = later.Start.AddHours(1), End = later.End.AddHours(1) }], Now, terms);
        var placeChanged = SessionChanges.WhyNotWhileConfirmed(before, [tomorrow with { Location = "Library" }, later], Now, terms);
        var movedIntoWindow = SessionChanges.WhyNotWhileConfirmed(before, [tomorrow, later with { Start = tomorrow.Start, End = tomorrow.End }], Now, terms);
        var madeOnlineLate = SessionChanges.WhyNotWhileConfirmed(before, [tomorrow with { InPerson = !tomorrow.InPerson }, later], Now, terms);
        var madeOnlineEarly = SessionChanges.WhyNotWhileConfirmed(before, [tomorrow, later with { InPerson = !later.InPerson }], Now, terms);

        Assert.Contains("Cancel it instead", takenOff, StringComparison.Ordinal);
        Assert.Contains("begins within 24 hours", movedLate, StringComparison.Ordinal);
        Assert.Contains("would then begin within 24 hours", movedIntoWindow, StringComparison.Ordinal);
        Assert.Contains("begins within 24 hours", madeOnlineLate, StringComparison.Ordinal);
        Assert.Null(madeOnlineEarly);
        Assert.Null(movedEarly);
        Assert.Null(placeChanged);
    }

    [Fact]
    public void An_unknown_id_or_one_named_twice_is_refused()
    {
        var before = new[] { Stored("s1", 10) };

        Assert.Contains("no session 's9'", SessionChanges.Apply(before, 1, [Draft("s9", 10)], Now, NoClaims).Refusal, StringComparison.Ordinal);
        Assert.Contains("named twice", SessionChanges.Apply(before, 1, [Draft("s1", 10), Draft("s1", 11)], Now, NoClaims).Refusal, StringComparison.Ordinal);
    }

    [Fact]
    public void A_session_stored_with_its_zone_spelt_another_way_is_the_same_session_and_stays_as_it_was()
    {
        var begun = Stored("s1", 1) with { TimeZone = "america/los_angeles", Start = Day(1, 3), End = Day(1, 5) };

        var named = SessionChanges.Apply([begun], 1, [Draft("s1", 1, hour: 3)], Now, NoClaims);
        var unnamed = SessionChanges.Apply([begun], 1, [Draft(null, 1, hour: 3)], Now, NoClaims);

        Assert.Null(named.Refusal);
        Assert.Equal([begun], named.Sessions);
        Assert.Null(unnamed.Refusal);
        Assert.Equal([begun], unnamed.Sessions);
    }
}
