using SurvivorConnect.Api.Features.Mentoring;
using SurvivorConnect.Api.Features.Mentoring.Rules;

namespace SurvivorConnect.UnitTests.Mentoring;

public sealed class MatchScorerTests
{
    private readonly MatchScorer _scorer = new(new MatchingWeights());

    [Fact]
    public void Reasons_say_in_words_why_a_mentor_fits()
    {
        var scored = _scorer.Score(Make.Youth(), Make.ReadyMentor(), openMatches: 0);

        Assert.Equal(
            ["speaks Spanish and English", "shares interests: music, art", "experienced with youth in contemplation stage", "within 8 miles", "lived experience relevant to: housing"],
            scored.Reasons);
    }

    [Fact]
    public void A_mentor_who_speaks_the_youths_first_language_scores_higher()
    {
        var first = _scorer.Score(Make.Youth(), Make.ReadyMentor() with { Languages = ["Spanish"] }, 0);
        var second = _scorer.Score(Make.Youth(), Make.ReadyMentor() with { Languages = ["English"] }, 0);

        Assert.True(first.Score > second.Score);
    }

    [Fact]
    public void Experience_with_the_youths_stage_of_change_counts()
    {
        var experienced = _scorer.Score(Make.Youth(StageOfChange.Contemplation), Make.ReadyMentor(), 0);
        var other = _scorer.Score(Make.Youth(StageOfChange.Action), Make.ReadyMentor(), 0);

        Assert.Equal(new MatchingWeights().StageExperience, experienced.Score - other.Score, 1);
    }

    [Fact]
    public void Weights_come_from_configuration()
    {
        var noStage = new MatchScorer(new MatchingWeights { StageExperience = 0 });

        Assert.Equal(_scorer.Score(Make.Youth(), Make.ReadyMentor(), 0).Score - new MatchingWeights().StageExperience,
            noStage.Score(Make.Youth(), Make.ReadyMentor(), 0).Score, 1);
    }

    [Fact]
    public void Recommendations_rank_eligible_mentors_and_count_exclusions_without_naming_anyone()
    {
        var candidates = new List<MentorCandidate>
        {
            new(Make.ReadyMentor("close") with { Location = Make.Clovis }, 0, true),
            new(Make.ReadyMentor("far-ish"), 1, true),
            new(Make.ReadyMentor("held") with { Hold = new SupervisorHold(DateTimeOffset.UnixEpoch, "s", "rest", false) }, 0, true),
            new(Make.ReadyMentor("full"), 2, true),
            new(Make.ReadyMentor("unwilling"), 0, false),
            new(Make.ReadyMentor("listed"), 0, true),
        };
        var youth = Make.Youth() with { DoNotMatch = ["listed"] };

        var result = Recommender.Recommend(youth, candidates, _scorer, top: 5);

        Assert.Equal(["close", "far-ish"], result.Mentors.Select(m => m.MentorId));
        Assert.Equal(6, result.Considered);
        Assert.Equal(4, result.Excluded);
        Assert.Equal(1, result.ExcludedBy[MentorEligibility.OnHold]);
        Assert.Equal(1, result.ExcludedBy[MentorEligibility.AtCapacity]);
        Assert.Equal(1, result.ExcludedBy[MentorEligibility.NoConsent]);
        Assert.Equal(1, result.ExcludedBy[PairConstraints.DoNotMatch]);
    }

    [Fact]
    public void Only_the_top_N_are_returned_and_ties_order_by_id()
    {
        var candidates = Enumerable.Range(0, 10).Select(i => new MentorCandidate(Make.ReadyMentor($"m{i}"), 0, true)).ToList();

        var result = Recommender.Recommend(Make.Youth(), candidates, _scorer, top: 3);

        Assert.Equal(["m0", "m1", "m2"], result.Mentors.Select(m => m.MentorId));
    }

    [Fact]
    public void A_mentor_no_longer_active_or_whose_supervisor_left_is_excluded_and_counted()
    {
        var candidates = new List<MentorCandidate>
        {
            new(Make.ReadyMentor("left"), 0, true, Active: false),
            new(Make.ReadyMentor("unsupervised"), 0, true, SupervisorActive: false),
            new(Make.ReadyMentor("able"), 0, true),
        };

        var result = Recommender.Recommend(Make.Youth(), candidates, _scorer, top: 10);

        Assert.Equal(["able"], result.Mentors.Select(m => m.MentorId));
        Assert.Equal(1, result.ExcludedBy[MentorEligibility.NotActive]);
        Assert.Equal(1, result.ExcludedBy[MentorEligibility.NoSupervisor]);
    }

    [Fact]
    public void A_mentor_already_in_an_open_match_with_the_youth_is_not_offered_again()
    {
        var candidates = new List<MentorCandidate> { new(Make.ReadyMentor("matched"), 1, true), new(Make.ReadyMentor("free"), 0, true) };

        var result = Recommender.Recommend(Make.Youth(), candidates, _scorer, top: 10, pairHistory: new Dictionary<string, string> { ["matched"] = PairConstraints.AlreadyMatched });

        Assert.Equal(["free"], result.Mentors.Select(m => m.MentorId));
        Assert.Equal(1, result.ExcludedBy[PairConstraints.AlreadyMatched]);
    }

    [Fact]
    public void The_youths_matches_rule_out_a_mentor_in_one_still_open_or_whose_last_they_ended_or_declined()
    {
        static Match Pair(string mentor, int day, MatchState state, string? lastAction = null, ClosureReason? closedAs = null) => new()
        {
            Id = $"{mentor}-{day}", PartitionKey = "agency", YouthId = "y1", MentorId = mentor, CaseManagerId = "cm", State = state,
            ProposedAt = new DateTimeOffset(2026, 1, day, 0, 0, 0, TimeSpan.Zero),
            History = lastAction is null ? [] : [new MatchTransition(MatchState.Active, state, lastAction, new DateTimeOffset(2026, 2, day, 0, 0, 0, TimeSpan.Zero), mentor)],
            Closure = closedAs is { } reason ? new MatchClosure(reason, false, null, new DateTimeOffset(2026, 2, day, 0, 0, 0, TimeSpan.Zero), "cm") : null,
        };

        var said = PairConstraints.FromHistory(
        [
            Pair("open", 1, MatchState.Active),
            Pair("stepped", 1, MatchState.Closed, nameof(MatchAction.MentorEnd), ClosureReason.MentorChoice),
            Pair("declined", 1, MatchState.Declined, nameof(MatchAction.MentorDecline)),
            Pair("asked-to-close", 1, MatchState.Closed, nameof(MatchAction.Close), ClosureReason.MentorChoice),
            Pair("youth-ended", 1, MatchState.Closed, nameof(MatchAction.YouthEnd), ClosureReason.YouthChoice),
            Pair("back-again", 1, MatchState.Declined, nameof(MatchAction.MentorDecline)),
            Pair("back-again", 2, MatchState.Closed, nameof(MatchAction.Close), ClosureReason.GoalsMet),
        ]);

        Assert.Equal(PairConstraints.AlreadyMatched, said["open"]);
        Assert.Equal(PairConstraints.MentorSaidNo, said["stepped"]);
        Assert.Equal(PairConstraints.MentorSaidNo, said["declined"]);
        Assert.Equal(PairConstraints.MentorSaidNo, said["asked-to-close"]);
        Assert.False(said.ContainsKey("youth-ended"));
        Assert.False(said.ContainsKey("back-again"));
    }
}
