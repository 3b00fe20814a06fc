using System.Diagnostics;
using System.Net;

namespace SurvivorConnect.IntegrationTests;

/// <summary>
/// An instance that starts while Redis is down still starts and serves: matches are proposed (their notices stored,
/// not pushed), and a revocation applies at once here without waiting on Redis.
/// </summary>
public sealed class RedisDownTests
{
    private sealed class NoRedisFactory : ApiFactory
    {
        // Nothing listens on port 1.
        protected override IDictionary<string, string?> Settings => new Dictionary<string, string?>(base.Settings) { ["Chat:Redis"] = "127.0.0.1:1,connectTimeout=200" };
    }

    [Fact]
    public async Task An_instance_starts_and_serves_while_Redis_is_down_and_a_revocation_is_not_held_up()
    {
        await using var api = new NoRedisFactory();
        var world = new MentoringWorld(api);

        Assert.Equal(HttpStatusCode.OK, (await api.Anonymous().GetAsync("/health/live")).StatusCode);
        var (match, mentor, _, mentorId, _) = await world.ActiveMatchAsync();
        var consents = await HttpAssert.Ok<List<System.Text.Json.JsonElement>>(await mentor.GetAsync($"/api/consents?subjectId={mentorId}"));
        var matchConsent = consents.First(c => c.GetProperty("matchId").GetString() == match.Id);

        var clock = Stopwatch.StartNew();
        await MentoringWorld.Ok(await mentor.PostAsync($"/api/consents/{matchConsent.GetProperty("id").GetString()}/revoke", null));

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(3), $"The revocation took {clock.Elapsed}.");
        Assert.NotEmpty((await HttpAssert.Ok<MatchDto>(await world.CaseManager.GetAsync($"/api/matches/{match.Id}"))).MissingConsents!);
    }
}
