using System.Net.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using SurvivorConnect.Api.Features.Mentoring;
using SurvivorConnect.Api.Features.Mentoring.Rules;
using SurvivorConnect.Api.Infrastructure.Auth;

namespace SurvivorConnect.IntegrationTests;

/// <summary>
/// The mentor pool recommendations rank: read once, kept current by the writes made here, and read again before it is too
/// old rather than while a case manager waits. The clock moves only when a test moves it, so no pool ages (and no
/// background read lands in a count) behind a test's back.
/// </summary>
public sealed class MentorPoolTests(ClockedCountingApiFactory api) : IClassFixture<ClockedCountingApiFactory>
{
    /// <summary>Reading the pool is five queries: mentors, open matches, mentoring consents, active mentors and supervisors.</summary>
    private const int PoolQueries = 5;

    private readonly MentoringWorld _world = new(api);

    [Fact]
    public async Task A_pool_in_use_is_read_again_in_the_background_so_no_ranking_waits_for_the_whole_read()
    {
        var (youthId, _) = await _world.YouthAsync();
        await _world.ReadyMentorAsync(interests: ["music"]);
        var pool = api.Services.GetRequiredService<MentorPool>();
        await RecommendedAsync(youthId);
        var cached = await api.Counter.MeasureAsync(() => RecommendedAsync(youthId));

        api.Time.Advance(MentorPool.RefreshAfter);
        var aging = await api.Counter.MeasureAsync(async () =>
        {
            await RecommendedAsync(youthId);
            await pool.Refreshing("demo");
        });

        // The first read is now past its lifetime; the one made in the background is not.
        api.Time.Advance(MentorPool.Lifetime - MentorPool.RefreshAfter + TimeSpan.FromSeconds(1));
        var later = await api.Counter.MeasureAsync(() => RecommendedAsync(youthId));

        Assert.Equal(cached.Queries + PoolQueries, aging.Queries);
        Assert.Equal(cached.Queries, later.Queries);
    }

    [Fact]
    public async Task Recommendations_read_the_mentor_pool_once_and_again_after_a_mentor_changes()
    {
        var (youthId, _) = await _world.YouthAsync();
        var (mentorId, _) = await _world.ReadyMentorAsync(interests: ["music", "cooking"]);
        await RecommendedAsync(youthId);

        MentoringTests.RecommendationsDto? again = null;
        var use = await api.Counter.MeasureAsync(async () => again = await RecommendedAsync(youthId));
        await MentoringWorld.Ok(await _world.Supervisor.PostAsJsonAsync($"/api/mentors/{mentorId}/hold", new { reason = "Resting" }));
        var afterHold = await RecommendedAsync(youthId);

        Assert.Contains(again!.Mentors, m => m.MentorId == mentorId);
        Assert.True(use.Documents <= 3, $"a second ranking read {use.Documents} documents");
        Assert.DoesNotContain(afterHold.Mentors, m => m.MentorId == mentorId);
    }

    [Fact]
    public async Task After_writes_recommendations_read_only_the_records_written_and_show_what_changed()
    {
        var (youthId, _) = await _world.YouthAsync();
        var (otherYouthId, _) = await _world.YouthAsync();
        var (filling, _) = await _world.ReadyMentorAsync(interests: ["music"], capacity: 1);
        var (resting, _) = await _world.ReadyMentorAsync(interests: ["music"]);
        await RecommendedAsync(youthId);
        var cached = await api.Counter.MeasureAsync(() => RecommendedAsync(youthId));

        await _world.ProposeAsync(otherYouthId, filling);
        await MentoringWorld.Ok(await _world.Supervisor.PostAsJsonAsync($"/api/mentors/{resting}/hold", new { reason = "Resting" }));
        MentoringTests.RecommendationsDto? after = null;
        var use = await api.Counter.MeasureAsync(async () => after = await RecommendedAsync(youthId));

        Assert.DoesNotContain(after!.Mentors, m => m.MentorId == filling);
        Assert.DoesNotContain(after.Mentors, m => m.MentorId == resting);
        Assert.Equal(cached.Queries, use.Queries);
        Assert.True(use.Documents <= cached.Documents + 3, $"after two writes a ranking read {use.Documents} documents, {cached.Documents} when nothing was written");
    }

    [Fact]
    public async Task A_mentor_who_was_deactivated_or_whose_supervisor_left_is_recommended_no_more()
    {
        var (youthId, _) = await _world.YouthAsync();
        var (leaving, _) = await _world.ReadyMentorAsync(interests: ["music"]);
        var (unsupervised, _) = await _world.ReadyMentorAsync(interests: ["music"]);
        var (supervisorId, _) = await _world.PersonAsync(Roles.Supervisor);
        await MentoringWorld.Ok(await _world.Admin.PutAsJsonAsync($"/api/mentors/{unsupervised}/supervisor", new { supervisorId }));
        var before = await RecommendedAsync(youthId);

        await MentoringWorld.Ok(await _world.Admin.PostAsync($"/api/people/{leaving}/deactivate", null));
        await MentoringWorld.Ok(await _world.Admin.PostAsync($"/api/people/{supervisorId}/deactivate", null));
        var after = await RecommendedAsync(youthId);

        Assert.Contains(before.Mentors, m => m.MentorId == leaving);
        Assert.Contains(before.Mentors, m => m.MentorId == unsupervised);
        Assert.DoesNotContain(after.Mentors, m => m.MentorId == leaving);
        Assert.DoesNotContain(after.Mentors, m => m.MentorId == unsupervised);
        Assert.True(after.ExcludedBy.GetValueOrDefault(MentorEligibility.NotActive) > before.ExcludedBy.GetValueOrDefault(MentorEligibility.NotActive));
        Assert.True(after.ExcludedBy.GetValueOrDefault(MentorEligibility.NoSupervisor) > before.ExcludedBy.GetValueOrDefault(MentorEligibility.NoSupervisor));
    }

    [Fact]
    public async Task A_mentor_proposed_to_the_youth_or_who_declined_them_is_not_offered_to_them_again()
    {
        var (youthId, _) = await _world.YouthAsync();
        var (proposed, mentor) = await _world.ReadyMentorAsync(interests: ["music"], capacity: 3);
        Assert.Contains((await RecommendedAsync(youthId)).Mentors, m => m.MentorId == proposed);

        var match = await _world.ProposeAsync(youthId, proposed);
        var after = await RecommendedAsync(youthId);
        await MentoringWorld.Ok(await mentor.PostAsync($"/api/matches/{match.Id}/decline", null));
        var declined = await RecommendedAsync(youthId);

        Assert.DoesNotContain(after.Mentors, m => m.MentorId == proposed);
        Assert.Equal(1, after.ExcludedBy.GetValueOrDefault(PairConstraints.AlreadyMatched));
        Assert.DoesNotContain(declined.Mentors, m => m.MentorId == proposed);
        Assert.Equal(1, declined.ExcludedBy.GetValueOrDefault(PairConstraints.MentorSaidNo));
    }

    private async Task<MentoringTests.RecommendationsDto> RecommendedAsync(string youthId) =>
        await HttpAssert.Ok<MentoringTests.RecommendationsDto>(await _world.CaseManager.GetAsync($"/api/youth/{youthId}/recommendations?top=50"));
}
