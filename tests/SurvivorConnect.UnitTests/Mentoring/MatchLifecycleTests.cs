using SurvivorConnect.Api.Features.Mentoring;
using SurvivorConnect.Api.Features.Mentoring.Rules;
using SurvivorConnect.Api.Infrastructure.Errors;
using SurvivorConnect.Api.Infrastructure.Pipeline;

namespace SurvivorConnect.UnitTests.Mentoring;

public sealed class MatchLifecycleTests
{
    [Theory]
    [InlineData(MatchState.Proposed, MatchAction.MentorAccept, true, MatchState.AwaitingYouth)]
    [InlineData(MatchState.Proposed, MatchAction.MentorDecline, true, MatchState.Declined)]
    [InlineData(MatchState.AwaitingYouth, MatchAction.MentorDecline, true, MatchState.Declined)]
    [InlineData(MatchState.AwaitingCaseManager, MatchAction.MentorDecline, true, MatchState.Declined)]
    [InlineData(MatchState.AwaitingCaseManager, MatchAction.PutToYouth, true, MatchState.AwaitingYouth)]
    [InlineData(MatchState.AwaitingCaseManager, MatchAction.Close, true, MatchState.Closed)]
    [InlineData(MatchState.AwaitingYouth, MatchAction.YouthAgree, true, MatchState.Active)]
    [InlineData(MatchState.AwaitingYouth, MatchAction.YouthAgree, false, MatchState.AwaitingConsent)]
    [InlineData(MatchState.AwaitingConsent, MatchAction.YouthDecline, true, MatchState.Declined)]
    [InlineData(MatchState.AwaitingConsent, MatchAction.Activate, true, MatchState.Active)]
    [InlineData(MatchState.Active, MatchAction.Pause, true, MatchState.Paused)]
    [InlineData(MatchState.Paused, MatchAction.Resume, true, MatchState.Active)]
    [InlineData(MatchState.Paused, MatchAction.Close, true, MatchState.Closed)]
    [InlineData(MatchState.Proposed, MatchAction.Close, true, MatchState.Closed)]
    [InlineData(MatchState.Active, MatchAction.YouthEnd, true, MatchState.Closed)]
    public void Legal_moves(MatchState from, MatchAction action, bool consentsComplete, MatchState to)
    {
        Assert.Equal(to, MatchLifecycle.Next(from, action, consentsComplete));
    }

    [Fact]
    public void A_mentor_s_yes_to_a_pair_that_no_longer_fits_waits_for_the_case_manager()
    {
        Assert.Equal(MatchState.AwaitingCaseManager, MatchLifecycle.Next(MatchState.Proposed, MatchAction.MentorAccept, pairFits: false));
    }

    [Theory]
    [InlineData(MatchState.AwaitingYouth, MatchAction.MentorAccept)]
    [InlineData(MatchState.Proposed, MatchAction.YouthAgree)]
    [InlineData(MatchState.AwaitingCaseManager, MatchAction.YouthAgree)]
    [InlineData(MatchState.AwaitingCaseManager, MatchAction.YouthDecline)]
    [InlineData(MatchState.AwaitingYouth, MatchAction.PutToYouth)]
    [InlineData(MatchState.Proposed, MatchAction.PutToYouth)]
    [InlineData(MatchState.Proposed, MatchAction.Activate)]
    [InlineData(MatchState.Active, MatchAction.MentorDecline)]
    [InlineData(MatchState.Active, MatchAction.Resume)]
    [InlineData(MatchState.Closed, MatchAction.Close)]
    [InlineData(MatchState.Declined, MatchAction.MentorAccept)]
    [InlineData(MatchState.Closed, MatchAction.Resume)]
    public void Illegal_moves_are_conflicts(MatchState from, MatchAction action)
    {
        var error = Assert.Throws<ConflictException>(() => MatchLifecycle.Next(from, action));

        Assert.StartsWith("A match that is", error.Message, StringComparison.Ordinal);
        Assert.False(MatchLifecycle.CanMove(from, action));
    }

    [Theory]
    [InlineData(MatchState.AwaitingYouth, MatchAction.YouthAgree)]
    [InlineData(MatchState.AwaitingConsent, MatchAction.YouthDecline)]
    [InlineData(MatchState.Paused, MatchAction.MentorEnd)]
    public void A_legal_move_is_one_the_match_can_make(MatchState from, MatchAction action) =>
        Assert.True(MatchLifecycle.CanMove(from, action));

    [Fact]
    public void A_stage_transition_moves_and_remembers_where_it_came_from()
    {
        var recorded = StageRules.Transition(StageOfChange.Contemplation, StageOfChange.Preparation, DateTimeOffset.UnixEpoch, "cm", null);

        Assert.Equal(("transition", StageOfChange.Preparation, (StageOfChange?)StageOfChange.Contemplation), (recorded.Kind, recorded.Stage, recorded.From));
        Assert.Throws<ConflictException>(() => StageRules.Transition(StageOfChange.Action, StageOfChange.Action, DateTimeOffset.UnixEpoch, "cm", null));
    }

    [Fact]
    public void A_youths_stage_history_takes_events_up_to_its_bound_and_refuses_more()
    {
        var one = StageRules.Relapse(StageOfChange.Action, StageOfChange.Action, DateTimeOffset.UnixEpoch, "cm", new string('n', 1000));
        var nearlyFull = Enumerable.Repeat(one, StageRules.MostEvents - 1).ToList();

        var full = StageRules.Add(nearlyFull, one);

        Assert.Equal(StageRules.MostEvents, full.Count);
        Assert.Throws<ConflictException>(() => StageRules.Add(full, one));
    }

    [Fact]
    public void A_relapse_is_an_event_at_the_same_or_an_earlier_stage()
    {
        var relapse = StageRules.Relapse(StageOfChange.Action, StageOfChange.Contemplation, DateTimeOffset.UnixEpoch, "cm", "back to thinking it over");
        var inPlace = StageRules.Relapse(StageOfChange.Action, StageOfChange.Action, DateTimeOffset.UnixEpoch, "cm", null);

        Assert.Equal("relapse", relapse.Kind);
        Assert.Equal(StageOfChange.Contemplation, relapse.Stage);
        Assert.Equal(StageOfChange.Action, inPlace.Stage);
        Assert.Throws<ConflictException>(() => StageRules.Relapse(StageOfChange.Contemplation, StageOfChange.Maintenance, DateTimeOffset.UnixEpoch, "cm", null));
    }

    [Theory]
    [InlineData("contemplation", true)]
    [InlineData("Maintenance", true)]
    [InlineData("relapsed", false)]
    [InlineData("2", false)]
    [InlineData("", false)]
    public void Only_named_stages_parse(string value, bool parses)
    {
        Assert.Equal(parses, EnumNames.TryParse(value, out StageOfChange _));
    }

    [Fact]
    public void A_match_full_of_steps_takes_no_more_pauses_or_resumes_but_can_always_be_closed()
    {
        var at = DateTimeOffset.UnixEpoch;
        IReadOnlyList<MatchTransition> history = [.. Enumerable.Range(0, MatchLifecycle.MostTransitions)
            .Select(i => new MatchTransition(MatchState.Active, MatchState.Paused, "Pause", at.AddMinutes(i), "cm"))];

        Assert.Throws<ConflictException>(() => MatchLifecycle.Add(history, new MatchTransition(MatchState.Paused, MatchState.Active, "Resume", at, "cm")));
        Assert.Equal(MatchLifecycle.MostTransitions + 1, MatchLifecycle.Add(history, new MatchTransition(MatchState.Paused, MatchState.Closed, "Close", at, "cm")).Count);
        Assert.Equal(MatchLifecycle.MostTransitions, MatchLifecycle.Add(history.Take(MatchLifecycle.MostTransitions - 1).ToList(), new MatchTransition(MatchState.Paused, MatchState.Active, "Resume", at, "cm")).Count);
    }
}
