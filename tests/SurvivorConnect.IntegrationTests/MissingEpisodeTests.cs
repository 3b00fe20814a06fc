using System.Net.Http.Json;
using System.Text.Json;
using SurvivorConnect.Api.Infrastructure.Auth;

namespace SurvivorConnect.IntegrationTests;

/// <summary>
/// A youth's time missing from care is an event in their history, recorded by their case manager: never a failure,
/// never the end of a match, and kept to what a report may count (no free text).
/// </summary>
[Collection(SharedApi.Name)]
public sealed class MissingEpisodeTests(ApiFactory api)
{
    private readonly MentoringWorld _world = new(api);

    private HttpClient CaseManager => _world.CaseManager;

    public sealed record EpisodeDto(string Id, DateTimeOffset StartedAt, DateTimeOffset? EndedAt, bool? StayedInContact, string? HowReturned, string RecordedBy, string? UpdatedBy);

    public sealed record EpisodesDto(string YouthId, List<EpisodeDto> Episodes, string? Version);

    private Task<HttpResponseMessage> Put(string youthId, string episodeId, string? version, object body, HttpClient? client = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Put, $"/api/youth/{youthId}/missing-episodes/{episodeId}") { Content = JsonContent.Create(body) };
        if (version is not null)
        {
            request.Headers.TryAddWithoutValidation("If-Match", version);
        }

        return (client ?? CaseManager).SendAsync(request);
    }

    [Fact]
    public async Task An_episode_is_recorded_then_its_return_and_the_match_goes_on()
    {
        var (match, mentor, _, _, youthId) = await _world.ActiveMatchAsync();
        var started = DateTimeOffset.UtcNow.AddDays(-3);

        var recorded = await MentoringWorld.Created<EpisodesDto>(await CaseManager.PostJson($"/api/youth/{youthId}/missing-episodes", new { startedAt = started, stayedInContact = true }));
        var episode = Assert.Single(recorded.Episodes);
        var returned = await MentoringWorld.Ok<EpisodesDto>(await Put(youthId, episode.Id, recorded.Version,
            new { startedAt = started, endedAt = started.AddDays(2), stayedInContact = true, howReturned = "withTrustedAdult" }));
        var after = await MentoringWorld.Ok<MatchDto>(await mentor.GetAsync($"/api/matches/{match.Id}"));
        var read = await MentoringWorld.Ok<EpisodesDto>(await _world.Admin.GetAsync($"/api/youth/{youthId}/missing-episodes"));

        Assert.Null(episode.EndedAt);
        Assert.Equal("WithTrustedAdult", Assert.Single(returned.Episodes).HowReturned);
        Assert.Equal("Active", after.State);
        Assert.Equal(started.AddDays(2), Assert.Single(read.Episodes).EndedAt);
        Assert.Equal("demo-casemanager", read.Episodes[0].RecordedBy);
    }

    [Fact]
    public async Task Episodes_that_overlap_end_before_they_start_or_lie_in_the_future_are_refused()
    {
        var (youthId, _) = await _world.YouthAsync();
        var now = DateTimeOffset.UtcNow;
        await MentoringWorld.Created(await CaseManager.PostJson($"/api/youth/{youthId}/missing-episodes",
            new { startedAt = now.AddDays(-10), endedAt = now.AddDays(-5), howReturned = "onTheirOwn" }));

        await HttpAssert.Problem(await CaseManager.PostJson($"/api/youth/{youthId}/missing-episodes", new { startedAt = now.AddDays(-6), endedAt = now.AddDays(-4), howReturned = "other" }), 409);
        await HttpAssert.Problem(await CaseManager.PostJson($"/api/youth/{youthId}/missing-episodes", new { startedAt = now.AddDays(-2), endedAt = now.AddDays(-3), howReturned = "other" }), 409);
        await HttpAssert.Problem(await CaseManager.PostJson($"/api/youth/{youthId}/missing-episodes", new { startedAt = now.AddDays(2) }), 409);
        await MentoringWorld.Created(await CaseManager.PostJson($"/api/youth/{youthId}/missing-episodes", new { startedAt = now.AddDays(-1) }));
        await HttpAssert.Problem(await CaseManager.PostJson($"/api/youth/{youthId}/missing-episodes", new { startedAt = now.AddHours(-1) }), 409);
        var read = await MentoringWorld.Ok<EpisodesDto>(await CaseManager.GetAsync($"/api/youth/{youthId}/missing-episodes"));
        Assert.Equal(2, read.Episodes.Count);
    }

    [Theory]
    [InlineData("{}", "startedAt")]
    [InlineData("{\"startedAt\":\"2026-01-01T00:00:00Z\",\"howReturned\":\"onTheirOwn\"}", "howReturned")]
    [InlineData("{\"startedAt\":\"2026-01-01T00:00:00Z\",\"endedAt\":\"2026-01-02T00:00:00Z\"}", "howReturned")]
    [InlineData("{\"startedAt\":\"2026-01-01T00:00:00Z\",\"endedAt\":\"2026-01-02T00:00:00Z\",\"howReturned\":\"ran back, told nobody\"}", "howReturned")]
    [InlineData("{\"startedAt\":\"2026-01-01T00:00:00Z\",\"endedAt\":\"2026-01-02T00:00:00Z\",\"howReturned\":\"3\"}", "howReturned")]
    public async Task An_episode_without_a_start_or_with_a_return_that_is_not_one_of_the_choices_is_a_400(string body, string field)
    {
        var (youthId, _) = await _world.YouthAsync();

        var problem = await HttpAssert.Problem(await CaseManager.PostAsync($"/api/youth/{youthId}/missing-episodes",
            new StringContent(body, System.Text.Encoding.UTF8, "application/json")), 400);

        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _));
    }

    [Fact]
    public async Task Only_the_youths_case_manager_records_episodes_and_others_learn_nothing()
    {
        var (youthId, _) = await _world.YouthAsync();
        var (_, stranger) = await _world.PersonAsync(Roles.CaseManager);
        var episode = new { startedAt = DateTimeOffset.UtcNow.AddDays(-1) };

        await HttpAssert.Problem(await stranger.PostJson($"/api/youth/{youthId}/missing-episodes", episode), 404);
        await HttpAssert.Problem(await stranger.GetAsync($"/api/youth/{youthId}/missing-episodes"), 404);
        await HttpAssert.Problem(await _world.Admin.PostJson($"/api/youth/{youthId}/missing-episodes", episode), 403);
        var recorded = await MentoringWorld.Created<EpisodesDto>(await CaseManager.PostJson($"/api/youth/{youthId}/missing-episodes", episode));
        await HttpAssert.Problem(await Put(youthId, recorded.Episodes[0].Id, recorded.Version, episode, stranger), 404);
        await HttpAssert.Problem(await Put(youthId, "nothing-here", recorded.Version, episode), 404);
    }

    [Fact]
    public async Task Recording_an_episode_is_audited_by_youth_id_without_what_was_recorded()
    {
        var (youthId, _) = await _world.YouthAsync();
        await MentoringWorld.Created(await CaseManager.PostJson($"/api/youth/{youthId}/missing-episodes", new { startedAt = DateTimeOffset.UtcNow.AddDays(-1), stayedInContact = false }));

        var audit = await HttpAssert.Ok<JsonElement>(await _world.Admin.GetAsync($"/api/audit?recordId={youthId}"));

        Assert.Contains("youth.record-missing-episode", audit.GetRawText(), StringComparison.Ordinal);
        Assert.DoesNotContain("stayedInContact", audit.GetRawText(), StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Two_case_managers_correcting_one_episode_cannot_lose_a_change_and_who_recorded_it_first_is_kept()
    {
        var (youthId, _) = await _world.YouthAsync();
        var started = DateTimeOffset.UtcNow.AddDays(-4);
        var recorded = await MentoringWorld.Created<EpisodesDto>(await CaseManager.PostJson($"/api/youth/{youthId}/missing-episodes", new { startedAt = started }));
        var id = recorded.Episodes[0].Id;

        await HttpAssert.Problem(await Put(youthId, id, null, new { startedAt = started }), 428);
        var first = await MentoringWorld.Ok<EpisodesDto>(await Put(youthId, id, recorded.Version, new { startedAt = started, stayedInContact = true }));
        await HttpAssert.Problem(await Put(youthId, id, recorded.Version, new { startedAt = started, stayedInContact = false }), 412);

        Assert.True(first.Episodes[0].StayedInContact);
        Assert.Equal("demo-casemanager", first.Episodes[0].RecordedBy);
        Assert.Equal("demo-casemanager", first.Episodes[0].UpdatedBy);
        var read = await MentoringWorld.Ok<EpisodesDto>(await CaseManager.GetAsync($"/api/youth/{youthId}/missing-episodes"));
        Assert.True(read.Episodes[0].StayedInContact);
    }
}
