using SurvivorConnect.Api.Features.Mentoring;
using SurvivorConnect.Api.Features.Mentoring.Rules;
using SurvivorConnect.Api.Infrastructure.Errors;

namespace SurvivorConnect.UnitTests.Mentoring;

public sealed class MatchNoticesTests
{
    private static readonly YouthReferral Youth = Make.Youth() with { PersonId = "youth-person" };

    private static Match MatchIn(MatchState state) => new()
    {
        Id = "x", PartitionKey = "a", AgencyId = "a", YouthId = Youth.Id, MentorId = "mentor", CaseManagerId = "cm",
        State = state, ProposedAt = DateTimeOffset.UnixEpoch, History = [],
    };

    public static TheoryData<MatchState, MatchAction, bool> Moves()
    {
        var moves = new TheoryData<MatchState, MatchAction, bool>();
        foreach (var state in Enum.GetValues<MatchState>())
        {
            foreach (var action in Enum.GetValues<MatchAction>())
            {
                foreach (var complete in new[] { true, false })
                {
                    try
                    {
                        MatchLifecycle.Next(state, action, complete);
                        moves.Add(state, action, complete);
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
    public void Every_move_tells_someone_with_notices_of_the_state_it_reached(MatchState from, MatchAction action, bool consentsComplete)
    {
        var moved = MatchIn(MatchLifecycle.Next(from, action, consentsComplete));

        var notices = MatchNotices.For(action, moved, Youth);

        Assert.NotEmpty(notices);
        Assert.All(notices, n => Assert.Equal("match-" + moved.State.ToString().ToLowerInvariant(), n.Notice.Kind));
        Assert.All(notices, n => Assert.Contains(n.To, new[] { "mentor", "cm", "youth-person" }));
    }
}
