using System.Net;
using System.Net.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using SurvivorConnect.Api.Features.Chat;
using SurvivorConnect.Api.Features.Development;
using SurvivorConnect.Storage;
using SurvivorConnect.Testing;

namespace SurvivorConnect.IntegrationTests;

/// <summary>The API on Cosmos DB (the test server on 127.0.0.1), including an outage of the server.</summary>
public sealed class CosmosApiTests : IAsyncLifetime
{
    private CosmosTestServer _server = null!;
    private CosmosApiFactory _api = null!;

    public async Task InitializeAsync()
    {
        _server = await CosmosTestServer.StartAsync();
        _api = new CosmosApiFactory(_server);
    }

    public async Task DisposeAsync()
    {
        await _api.DisposeAsync();
        await _server.DisposeAsync();
    }

    [Fact]
    public async Task People_and_their_ETags_work_the_same_on_Cosmos_DB()
    {
        var admin = _api.As("demo-admin");
        var created = await admin.PostJson("/api/people", new { displayName = "On Cosmos", roles = new[] { "Mentor" }, subjectId = "cosmos-person" });
        var etag = created.Headers.ETag!.Tag;

        var first = await admin.SendAsync(SetRoles("cosmos-person", etag, "Supervisor"));
        var stale = await admin.SendAsync(SetRoles("cosmos-person", etag, "Youth"));

        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        await HttpAssert.Problem(stale, 412);
        Assert.Equal(["Supervisor"], (await HttpAssert.Ok<PersonDto>(await admin.GetAsync("/api/people/cosmos-person"))).Roles);
    }

    [Fact]
    public async Task Sharing_with_a_partner_agency_and_its_revocation_work_the_same_on_Cosmos_DB()
    {
        var world = new TeamingWorld(_api);
        var team = await world.SharedTeamAsync();

        var shared = await HttpAssert.Ok<System.Text.Json.JsonElement>(await TeamingWorld.ReadAsync(team));
        Assert.Equal("Stable housing by spring", shared.GetProperty("casePlan")[0].GetProperty("text").GetString());
        Assert.Equal(System.Text.Json.JsonValueKind.Null, shared.GetProperty("casePlan")[0].GetProperty("youthWords").ValueKind);
        var plans = await HttpAssert.Ok<System.Text.Json.JsonElement>(await world.CaseManager.GetAsync($"/api/teams/{team.YouthId}/plans"));
        Assert.Equal(2, plans.GetProperty("history").GetArrayLength());

        await MentoringWorld.Ok(await team.Youth.PostAsync($"/api/consents/{team.ConsentId}/revoke", null));

        await HttpAssert.Problem(await TeamingWorld.ReadAsync(team), 403);
        Assert.NotEmpty(await TeamingWorld.AuditAsync(_api.As("demo-admin"), "shared.read"));
    }

    [Fact]
    public async Task When_Cosmos_DB_goes_down_the_API_answers_503_and_recovers_when_it_is_back()
    {
        var admin = _api.As("demo-admin");
        var anonymous = _api.Anonymous();
        Assert.Equal(HttpStatusCode.OK, (await admin.GetAsync("/api/me")).StatusCode);

        await _server.KillAsync();
        var write = await admin.PostJson("/api/people", new { displayName = "During outage", roles = Array.Empty<string>(), subjectId = "during-outage" });
        var ready = await anonymous.GetAsync("/health/ready");

        var problem = await HttpAssert.Problem(write, 503);
        Assert.Contains("may not have been done", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.NotNull(write.Headers.RetryAfter);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync("/health/live")).StatusCode);

        // The test server keeps its data in memory, so it comes back empty: restore the demo data as a
        // restore from backup would, then the same running API must serve again without a restart.
        await _server.RestartAsync();
        await DemoData.SeedAsync(_api.Services.GetRequiredService<IDocumentStore>(), TimeProvider.System, CancellationToken.None);

        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync("/health/ready")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await admin.GetAsync("/api/me")).StatusCode);
        await HttpAssert.Problem(await admin.GetAsync("/api/people/during-outage"), 404);
    }

    [Fact]
    public async Task Chat_runs_on_Cosmos_DB_each_send_one_transactional_batch()
    {
        var chat = await new MentoringWorld(_api).OpenChatAsync();

        var sent = new List<SendResult>();
        for (var i = 0; i < 5; i++)
        {
            sent.Add(await chat.Mentor.SendAsync(chat.Id, $"on cosmos {i}", $"cosmos-{i}"));
        }

        var again = await chat.Mentor.SendAsync(chat.Id, "on cosmos 0", "cosmos-0");
        var caughtUp = await chat.Youth.SinceAsync(chat.Id, 0);
        var history = await chat.CaseManager.HistoryAsync(chat.Id, null, 3);

        Assert.Equal([2L, 3L, 4L, 5L, 6L], sent.Select(s => s.Message.Sequence));
        Assert.True(again.Duplicate);
        Assert.Equal(2, again.Message.Sequence);
        Assert.Equal(["system", "mentor", "mentor", "mentor", "mentor", "mentor"], caughtUp.Select(m => m.SenderRole));
        Assert.Equal(Enumerable.Range(0, 5).Select(i => $"on cosmos {i}"), caughtUp.Skip(1).Select(m => m.Text));
        Assert.Equal([4L, 5L, 6L], history.Select(m => m.Sequence));
        await ChatClient.EventuallyAsync(() => chat.Youth.Received.Where(m => m.Text.StartsWith("on cosmos", StringComparison.Ordinal)).Select(m => m.Sequence).Distinct().Count() == 5, "every message arrives live");
    }

    private static HttpRequestMessage SetRoles(string id, string etag, params string[] roles)
    {
        var request = new HttpRequestMessage(HttpMethod.Put, $"/api/people/{id}/roles") { Content = JsonContent.Create(new { roles }) };
        request.Headers.TryAddWithoutValidation("If-Match", etag);
        return request;
    }

    private sealed class CosmosApiFactory(CosmosTestServer server) : ApiFactory
    {
        protected override IDictionary<string, string?> Settings => new Dictionary<string, string?>
        {
            ["Storage:Provider"] = "Cosmos",
            ["Storage:Cosmos:Endpoint"] = server.Endpoint,
            ["Storage:Cosmos:Key"] = CosmosTestServer.Key,
            ["Storage:Cosmos:Database"] = "api-tests",
            ["Storage:Cosmos:ConnectionMode"] = "Gateway",
            ["Storage:Cosmos:LimitToEndpoint"] = "true",
            ["Storage:Cosmos:CreateIfMissing"] = "true",
            ["Storage:Cosmos:RequestTimeoutSeconds"] = "3",
        };
    }
}
