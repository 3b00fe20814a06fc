using SurvivorConnect.Api.Features.Mentoring;
using SurvivorConnect.Api.Features.Mentoring.Rules;
using SurvivorConnect.Api.Infrastructure.Errors;

namespace SurvivorConnect.UnitTests.Mentoring;

public sealed class MatchNoticesTests
{
    private static readonly YouthReferral Youth = Make.Youth() with { PersonId = "youth-person", CaseManagerIds = ["cm", "cm2"] };

    // Proposed by a case manager who has since handed the youth over; put to the youth when it moved on from the proposal.
    private static Match MatchIn(MatchState state, MatchState from = MatchState.Proposed) => new()
    {
        Id = "x", PartitionKey = "a", AgencyId = "a", YouthId = Youth.Id, MentorId = "mentor", CaseManagerId = "former-cm",
        State = state, ProposedAt = DateTimeOffset.UnixEpoch,
        History = from == MatchState.Proposed && state is MatchState.Proposed or MatchState.Declined or MatchState.Closed
            ? []
            : [new MatchTransition(MatchState.Proposed, MatchState.AwaitingYouth, "MentorAccept", DateTimeOffset.UnixEpoch, "mentor")],
    };

    public static TheoryData<MatchState, MatchAction, bool, bool> Moves()
    {
        var moves = new TheoryData<MatchState, MatchAction, bool, bool>();
        foreach (var state in Enum.GetValues<MatchState>())
        {
            foreach (var action in Enum.GetValues<MatchAction>())
            {
                foreach (var (complete, fits) in new[] { (true, true), (false, true), (true, false) })
                {
                    try
                    {
                        MatchLifecycle.Next(state, action, complete, fits);
                        moves.Add(state, action, complete, fits);
                    }
                    catch (ConflictException)
                    {
                        // Not a move a match can make.
                    }
                }
            }
        }

        return moves;
    }

    [Theory]
    [MemberData(nameof(Moves))]
    public void Every_move_tells_someone_with_notices_of_the_state_it_reached(MatchState from, MatchAction action, bool consentsComplete, bool pairFits)
    {
        var moved = MatchIn(MatchLifecycle.Next(from, action, consentsComplete, pairFits), from);

        var notices = MatchNotices.For(action, moved, Youth, Youth.CaseManagerIds);

        Assert.NotEmpty(notices);
        Assert.All(notices, n => Assert.Equal("match-" + moved.State.ToString().ToLowerInvariant(), n.Notice.Kind));
        Assert.All(notices, n => Assert.Contains(n.To, new[] { "mentor", "cm", "cm2", "youth-person" }));
    }

    [Fact]
    public void A_proposal_closed_before_its_mentor_said_yes_is_news_to_the_mentor_and_never_to_the_youth()
    {
        var notices = MatchNotices.For(MatchAction.Close, MatchIn(MatchState.Closed), Youth, Youth.CaseManagerIds);

        Assert.Equal(["mentor"], notices.Select(n => n.To));
    }

    [Fact]
    public void A_mentor_s_yes_to_a_pair_that_no_longer_fits_is_news_to_the_case_managers_only_until_they_put_it_to_the_youth()
    {
        var held = MatchNotices.For(MatchAction.MentorAccept, MatchIn(MatchState.AwaitingCaseManager), Youth, Youth.CaseManagerIds);
        var put = MatchNotices.For(MatchAction.PutToYouth, MatchIn(MatchState.AwaitingYouth), Youth, Youth.CaseManagerIds);

        Assert.Equal(["cm", "cm2"], held.Select(n => n.To));
        Assert.Equal(["youth-person"], put.Select(n => n.To));
    }

    [Theory]
    [InlineData(MatchState.Active, MatchAction.YouthEnd)]
    [InlineData(MatchState.Proposed, MatchAction.YouthDecline)]
    [InlineData(MatchState.AwaitingYouth, MatchAction.YouthAgree)]
    public void News_for_staff_goes_to_every_case_manager_who_can_act_for_the_youth_now(MatchState from, MatchAction action)
    {
        // cm2 is still on the youth's list, but no longer a case manager.
        var notices = MatchNotices.For(action, MatchIn(MatchLifecycle.Next(from, action)), Youth, ["cm"]);

        Assert.Contains(notices, n => n.To == "cm");
        Assert.DoesNotContain(notices, n => n.To == "cm2");
        Assert.DoesNotContain(notices, n => n.To == "former-cm");
    }
}
