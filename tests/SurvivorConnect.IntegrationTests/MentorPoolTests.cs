using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using SurvivorConnect.Api.Features.Mentoring;

namespace SurvivorConnect.IntegrationTests;

/// <summary>The mentor pool recommendations rank is read again before it is too old, not while a case manager waits.</summary>
public sealed class MentorPoolTests(MentorPoolTests.Factory api) : IClassFixture<MentorPoolTests.Factory>
{
    public sealed class Factory : CountingApiFactory
    {
        public FakeTimeProvider Time { get; } = new(DateTimeOffset.UtcNow);

        protected override TimeProvider? Clock => Time;

        // No background workers: moving the clock would start their rounds, whose queries the counts would take in.
        protected override bool Quiet => true;
    }

    /// <summary>Reading the pool is three queries: mentors, open matches, mentoring consents.</summary>
    private const int PoolQueries = 3;

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

    private async Task RecommendedAsync(string youthId) =>
        await HttpAssert.Ok<MentoringTests.RecommendationsDto>(await _world.CaseManager.GetAsync($"/api/youth/{youthId}/recommendations?top=50"));
}
