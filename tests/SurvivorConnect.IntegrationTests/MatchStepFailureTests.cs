using SurvivorConnect.Api.Features.Consent;
using SurvivorConnect.Api.Features.Mentoring;

namespace SurvivorConnect.IntegrationTests;

/// <summary>A step of a match that gives consent records it through a blip of the store, so the match can go on.</summary>
public sealed class MatchStepFailureTests(CountingApiFactory api) : IClassFixture<CountingApiFactory>
{
    private readonly MentoringWorld _world = new(api);

    [Fact]
    public async Task A_mentors_yes_is_recorded_once_through_a_blip_and_the_youths_yes_then_starts_the_match()
    {
        var (mentorId, mentor) = await _world.ReadyMentorAsync();
        var (youthId, youth) = await _world.YouthAsync();
        var match = await _world.ProposeAsync(youthId, mentorId);
        await api.FailingWriteOnceAsync(
            d => d is ConsentRecord { Scope: MentoringScopes.MentoringMatch }, async () => await MentoringWorld.Ok<MatchDto>(await mentor.PostAsync($"/api/matches/{match.Id}/accept", null)));

        var active = await MentoringWorld.Ok<MatchDto>(await youth.PostAsync($"/api/matches/{match.Id}/agree", null));

        Assert.Equal("Active", active.State);
    }
}
