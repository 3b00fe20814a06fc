using SurvivorConnect.Api.Features.Consent;
using SurvivorConnect.Api.Features.Mentoring;
using SurvivorConnect.Api.Features.Mentoring.Rules;

namespace SurvivorConnect.UnitTests.Mentoring;

public sealed class YouthsOwnAnswerTests
{
    private const string Youth = "youth-person";
    private static readonly DateTimeOffset Start = new(2026, 11, 1, 12, 0, 0, TimeSpan.Zero);

    private static Match MatchWith(string id, params (MatchAction Action, int Day, string By)[] moves) => new()
    {
        Id = id, PartitionKey = "a", AgencyId = "a", YouthId = "youth", MentorId = "mentor", CaseManagerId = "cm", State = MatchState.Proposed,
        ProposedAt = Start, History = [.. moves.Select(m => new MatchTransition(MatchState.Proposed, MatchState.Proposed, m.Action.ToString(), Start.AddDays(m.Day), m.By))],
    };

    private static ConsentRecord Consent(string matchId, int grantedDay, string recordedBy, int? withdrawnDay = null, bool bySubject = true, bool inError = false) => new()
    {
        Id = $"c-{matchId}-{grantedDay}", PartitionKey = "a", AgencyId = "a", SubjectId = "youth", Grantor = ConsentGrantor.Youth,
        Scope = MentoringScopes.MentoringMatch, MatchId = matchId, GrantedAt = Start.AddDays(grantedDay), RecordedBy = recordedBy,
        RevokedAt = withdrawnDay is { } day ? Start.AddDays(day) : null, WithdrawnBySubject = withdrawnDay is not null && bySubject,
        RecordedInError = inError,
        WithdrawnForSubject = withdrawnDay is not null && !bySubject && !inError,
    };

    [Fact]
    public void Withdrawing_consent_to_one_match_is_a_no_to_the_mentor()
    {
        Assert.True(YouthsOwnAnswer.SaidNo(Youth, [MatchWith("m1", (MatchAction.YouthAgree, 1, Youth)), MatchWith("m2")], [Consent("m1", 1, Youth, withdrawnDay: 5)]));
    }

    [Theory]
    [InlineData(MatchAction.YouthDecline)]
    [InlineData(MatchAction.YouthEnd)]
    public void Declining_or_ending_a_match_themselves_is_a_no(MatchAction action)
    {
        Assert.True(YouthsOwnAnswer.SaidNo(Youth, [MatchWith("m1", (action, 2, Youth))], []));
    }

    [Fact]
    public void A_no_staff_recorded_for_the_youth_counts_and_a_yes_staff_took_back_as_recorded_in_error_does_not()
    {
        Assert.True(YouthsOwnAnswer.SaidNo(Youth, [MatchWith("m1", (MatchAction.YouthDecline, 2, "cm"))], []));
        Assert.True(YouthsOwnAnswer.SaidNo(Youth, [MatchWith("m1", (MatchAction.Close, 2, "cm")) with { Closure = new MatchClosure(ClosureReason.YouthChoice, false, null, Start, "cm") }], []));
        Assert.False(YouthsOwnAnswer.SaidNo(Youth, [MatchWith("m1", (MatchAction.Close, 2, "cm")) with { Closure = new MatchClosure(ClosureReason.GoalsMet, true, null, Start, "cm") }], []));
        Assert.True(YouthsOwnAnswer.SaidNo(Youth, [MatchWith("m1")], [Consent("m1", 1, "cm", withdrawnDay: 3, bySubject: false)]));
        Assert.False(YouthsOwnAnswer.SaidNo(Youth, [MatchWith("m1")], [Consent("m1", 1, "cm", withdrawnDay: 3, bySubject: false, inError: true)]));

        // Withdrawn by staff before a withdrawal said whether it was the youth's word: counted as theirs, the safe side.
        Assert.True(YouthsOwnAnswer.SaidNo(Youth, [MatchWith("m1")], [Consent("m1", 1, "cm", withdrawnDay: 3, bySubject: false) with { WithdrawnForSubject = false }]));
    }

    [Fact]
    public void The_youths_later_yes_ends_their_no()
    {
        Assert.False(YouthsOwnAnswer.SaidNo(Youth, [MatchWith("m1", (MatchAction.YouthDecline, 1, Youth)), MatchWith("m2", (MatchAction.YouthAgree, 4, Youth))], [Consent("m2", 4, Youth)]));
        Assert.False(YouthsOwnAnswer.SaidNo(Youth, [MatchWith("m1", (MatchAction.YouthEnd, 1, Youth))], [Consent("m1", 3, Youth)]));
    }

    [Fact]
    public void A_yes_staff_recorded_after_the_youths_no_does_not_end_it()
    {
        Assert.True(YouthsOwnAnswer.SaidNo(Youth, [MatchWith("m1", (MatchAction.YouthDecline, 1, Youth)), MatchWith("m2", (MatchAction.YouthAgree, 3, "cm"))], [Consent("m2", 3, "cm")]));
    }

    [Fact]
    public void The_youths_no_stands_when_their_sign_in_is_taken_away_or_changed()
    {
        var declined = MatchWith("m1") with { History = [new MatchTransition(MatchState.AwaitingYouth, MatchState.Declined, nameof(MatchAction.YouthDecline), Start, Youth, ByYouth: true)] };

        Assert.True(YouthsOwnAnswer.SaidNo(null, [declined], []));
        Assert.True(YouthsOwnAnswer.SaidNo("another-sign-in", [declined], [Consent("m1", 0, Youth, withdrawnDay: 1)]));
    }
}
