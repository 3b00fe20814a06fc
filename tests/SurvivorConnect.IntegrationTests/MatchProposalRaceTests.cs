using Microsoft.Extensions.DependencyInjection;
using SurvivorConnect.Api.Features.Mentoring;
using SurvivorConnect.Storage;

namespace SurvivorConnect.IntegrationTests;

/// <summary>
/// A youth and a mentor have one open match, even when a second proposal of them is written between a first one's
/// check for an open match and its own write, and even when an open match of theirs predates the pair's record.
/// </summary>
public sealed class MatchProposalRaceTests(CountingApiFactory api) : IClassFixture<CountingApiFactory>
{
    private readonly MentoringWorld _world = new(api);

    [Fact]
    public async Task A_proposal_written_between_another_ones_check_and_its_write_stands_and_the_other_is_refused()
    {
        var (mentorId, mentor) = await _world.ReadyMentorAsync();
        var (youthId, _) = await _world.YouthAsync();

        // First for a pair never proposed, then for one whose earlier match the youth declined (told to their case manager).
        var first = await ProposeWithAnotherInBetweenAsync(youthId, mentorId);
        await MentoringWorld.Ok(await mentor.PostAsync($"/api/matches/{first}/accept", null));
        await MentoringWorld.Ok(await _world.RecordYouthsNoAsync(first));
        var second = await ProposeWithAnotherInBetweenAsync(youthId, mentorId);

        var open = await HttpAssert.Ok<PageDto<MatchDto>>(await mentor.GetAsync("/api/matches"));
        Assert.Equal([second], open.Items.Where(m => m.State == "Proposed").Select(m => m.Id));
    }

    [Fact]
    public async Task An_open_match_written_before_pairs_were_kept_still_stops_a_second()
    {
        var (mentorId, _) = await _world.ReadyMentorAsync();
        var (youthId, _) = await _world.YouthAsync();
        await api.Services.GetRequiredService<IDocumentStore>().CreateAsync(Match.Container, new Match
        {
            Id = Guid.NewGuid().ToString("N"), PartitionKey = "demo", AgencyId = "demo", YouthId = youthId, MentorId = mentorId,
            CaseManagerId = "demo-casemanager", State = MatchState.Proposed, ProposedAt = DateTimeOffset.UtcNow,
        }, CancellationToken.None);

        var refused = await HttpAssert.Problem(await _world.CaseManager.PostJson("/api/matches", new { youthId, mentorId }), 409);

        Assert.Contains("already have an open match", refused.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    /// <summary>Proposes the pair while, just before its write, another proposal of the same pair is made and written.</summary>
    private async Task<string> ProposeWithAnotherInBetweenAsync(string youthId, string mentorId)
    {
        HttpResponseMessage? between = null;
        api.Counter.BeforeBatch = async operations =>
        {
            if (operations.Any(o => o.Target.Id == MatchPair.IdFor(youthId, mentorId)))
            {
                api.Counter.BeforeBatch = null;
                between = await _world.CaseManager.PostJson("/api/matches", new { youthId, mentorId });
            }
        };

        var refused = await HttpAssert.Problem(await _world.CaseManager.PostJson("/api/matches", new { youthId, mentorId }), 409);

        Assert.Contains("already have an open match", refused.GetProperty("detail").GetString(), StringComparison.Ordinal);
        return (await MentoringWorld.Created<MatchDto>(between!)).Id;
    }
}
