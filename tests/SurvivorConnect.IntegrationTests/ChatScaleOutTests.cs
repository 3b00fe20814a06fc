using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using StackExchange.Redis;
using SurvivorConnect.Api.Features.Chat;
using SurvivorConnect.Testing;

namespace SurvivorConnect.IntegrationTests;

/// <summary>Two API instances on one store, joined by the Redis backplane, as in a scaled-out deployment.</summary>
public sealed class ChatScaleOutTests : IAsyncLifetime
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "sc-scale-" + Guid.NewGuid().ToString("N"));
    private RedisTestServer _redis = null!;
    private InstanceFactory _first = null!;
    private InstanceFactory _second = null!;

    private sealed class InstanceFactory(string folder, string redis) : ApiFactory(folder)
    {
        public CountingStore Store { get; private set; } = null!;

        protected override IDictionary<string, string?> Settings => new Dictionary<string, string?>(base.Settings)
        {
            ["Chat:Redis"] = redis,
            ["Chat:SendsPerSecond"] = "1000",
            ["Chat:SendBurst"] = "1000",

            // Not within a test: what reaches an instance does so as a change, not by the periodic recheck.
            ["Chat:RecheckSeconds"] = "3600",
        };

        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            base.ConfigureWebHost(builder);
            builder.ConfigureTestServices(services => CountingStore.Decorate(services, store => Store = store));
        }
    }

    public async Task InitializeAsync()
    {
        _redis = await RedisTestServer.StartAsync();
        _first = new InstanceFactory(_folder, _redis.Configuration);
        _ = _first.Server;
        _second = new InstanceFactory(_folder, _redis.Configuration);
        _ = _second.Server;
    }

    public async Task DisposeAsync()
    {
        await _first.DisposeAsync();
        await _second.DisposeAsync();
        await _redis.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_folder, recursive: true);
    }

    [Fact]
    public async Task An_instance_hears_access_changes_from_the_moment_it_has_started()
    {
        // Redis can answer an instance before its subscription connection is open; one that served meanwhile would
        // not hear a revocation until its recheck. Started a few times, as that connection's timing varies.
        await using var watcher = await ConnectionMultiplexer.ConnectAsync(_redis.Configuration);
        var redis = watcher.GetServer(watcher.GetEndPoints().Single());
        var changes = RedisChannel.Literal("survivorconnect:chat-access");
        var running = await redis.SubscriptionSubscriberCountAsync(changes);
        for (var i = 0; i < 3; i++)
        {
            // Redis counts the instance stopped last time until it has seen its connection close.
            for (var wait = 0; wait < 200 && await redis.SubscriptionSubscriberCountAsync(changes) != running; wait++)
            {
                await Task.Delay(25);
            }

            await using var started = new InstanceFactory(_folder, _redis.Configuration);
            _ = started.Server;

            Assert.Equal(running + 1, await redis.SubscriptionSubscriberCountAsync(changes));
        }
    }

    [Fact]
    public async Task A_message_sent_through_one_instance_reaches_a_client_on_the_other()
    {
        var (match, _, youthHttp, mentorId, _) = await new MentoringWorld(_first).ActiveMatchAsync();
        var youthId = (await HttpAssert.Ok<MeDto>(await youthHttp.GetAsync("/api/me"))).Id;
        await using var mentor = await ChatClient.ConnectAsync(() => _first.Server, _first.TokenFor(mentorId));
        await using var youth = await ChatClient.ConnectAsync(() => _second.Server, _second.TokenFor(youthId));
        await using var caseManager = await ChatClient.ConnectAsync(() => _second.Server, _second.TokenFor("demo-casemanager"));
        await mentor.JoinAsync(match.Id);
        await youth.JoinAsync(match.Id);
        await caseManager.JoinAsync(match.Id);

        var sent = await mentor.SendAsync(match.Id, "across instances");
        var crisis = await youth.SendAsync(match.Id, "I'm not safe here");

        await ChatClient.EventuallyAsync(() => youth.Received.Any(m => m.Sequence == sent.Message.Sequence), "the youth on the second instance receives it");
        await ChatClient.EventuallyAsync(() => mentor.Received.Any(m => m.Sequence == crisis.Message.Sequence), "the mentor on the first instance receives the reply");
        await ChatClient.EventuallyAsync(() => caseManager.Flags.Any(f => f.Urgent), "the urgent flag reaches the case manager on the second instance");
    }

    [Fact]
    public async Task A_client_that_reconnects_to_the_other_instance_catches_up_with_nothing_lost()
    {
        var (match, _, youthHttp, mentorId, _) = await new MentoringWorld(_first).ActiveMatchAsync();
        var youthId = (await HttpAssert.Ok<MeDto>(await youthHttp.GetAsync("/api/me"))).Id;
        await using var mentor = await ChatClient.ConnectAsync(() => _first.Server, _first.TokenFor(mentorId));
        await mentor.JoinAsync(match.Id);
        long last;
        await using (var onFirst = await ChatClient.ConnectAsync(() => _first.Server, _first.TokenFor(youthId)))
        {
            await onFirst.JoinAsync(match.Id);
            await mentor.SendAsync(match.Id, "seen on the first instance");
            await ChatClient.EventuallyAsync(() => !onFirst.Received.IsEmpty, "the first message");
            last = onFirst.Received.Max(m => m.Sequence);
        }

        for (var i = 0; i < 10; i++)
        {
            await mentor.SendAsync(match.Id, $"while moving {i}");
        }

        await using var onSecond = await ChatClient.ConnectAsync(() => _second.Server, _second.TokenFor(youthId));
        await onSecond.JoinAsync(match.Id);
        var missed = await onSecond.SinceAsync(match.Id, last);
        var live = await mentor.SendAsync(match.Id, "live again");

        Assert.Equal(Enumerable.Range(0, 10).Select(i => $"while moving {i}"), missed.Select(m => m.Text));
        await ChatClient.EventuallyAsync(() => onSecond.Received.Any(m => m.Sequence == live.Message.Sequence), "live delivery on the second instance");
    }

    [Fact]
    public async Task Deactivating_a_mentor_through_one_instance_closes_their_connection_on_the_other()
    {
        var world = new MentoringWorld(_first);
        var (match, _, youthHttp, mentorId, _) = await world.ActiveMatchAsync();
        var youthId = (await HttpAssert.Ok<MeDto>(await youthHttp.GetAsync("/api/me"))).Id;
        await using var mentor = await ChatClient.ConnectAsync(() => _second.Server, _second.TokenFor(mentorId));
        await using var youth = await ChatClient.ConnectAsync(() => _first.Server, _first.TokenFor(youthId));
        await using var caseManager = await ChatClient.ConnectAsync(() => _second.Server, _second.TokenFor("demo-casemanager"));
        await mentor.JoinAsync(match.Id);
        await youth.JoinAsync(match.Id);
        await caseManager.JoinAsync(match.Id);

        // The other instance is slow to read the mentor's record; the deactivation answers once it has applied it, so
        // the mentor is in no conversation there by then, and a message sent next cannot reach them.
        _second.Store.BeforeRead = id => id == mentorId ? Task.Delay(TimeSpan.FromMilliseconds(300)) : Task.CompletedTask;
        await MentoringWorld.Ok(await world.Admin.PostAsync($"/api/people/{mentorId}/deactivate", null));
        Assert.DoesNotContain(_second.Services.GetRequiredService<ChatConnections>().All, c => c.UserId == mentorId && !c.Joined.IsEmpty);
        var sent = await youth.SendAsync(match.Id, "only for my mentor");

        await ChatClient.EventuallyAsync(() => mentor.Connection.State != Microsoft.AspNetCore.SignalR.Client.HubConnectionState.Connected, "the mentor's connection on the other instance closes");
        await ChatClient.EventuallyAsync(() => caseManager.Received.Any(m => m.Sequence == sent.Message.Sequence), "the case manager on the other instance still receives");
        Assert.DoesNotContain(mentor.Received, m => m.Sequence == sent.Message.Sequence);
    }

    [Fact]
    public async Task A_deactivation_made_while_Redis_is_down_closes_the_connection_on_the_other_instance_as_soon_as_Redis_is_back()
    {
        var world = new MentoringWorld(_first);
        var (match, _, _, mentorId, _) = await world.ActiveMatchAsync();
        await using var mentor = await ChatClient.ConnectAsync(() => _second.Server, _second.TokenFor(mentorId));
        await mentor.JoinAsync(match.Id);

        // The change is told to nobody: Redis is away, and comes back empty.
        await using (await _redis.DownAsync())
        {
            await MentoringWorld.Ok(await world.Admin.PostAsync($"/api/people/{mentorId}/deactivate", null));
            Assert.Equal(Microsoft.AspNetCore.SignalR.Client.HubConnectionState.Connected, mentor.Connection.State);
        }

        // Not left to the recheck (a minute, in production): reconnecting takes the instance a few seconds.
        var waited = System.Diagnostics.Stopwatch.StartNew();
        while (mentor.Connection.State == Microsoft.AspNetCore.SignalR.Client.HubConnectionState.Connected && waited.Elapsed < TimeSpan.FromSeconds(30))
        {
            await Task.Delay(100);
        }

        Assert.NotEqual(Microsoft.AspNetCore.SignalR.Client.HubConnectionState.Connected, mentor.Connection.State);
    }

    [Fact]
    public async Task An_instance_slow_to_apply_one_change_is_waited_for_again_once_it_answers()
    {
        var world = new MentoringWorld(_first);
        var (match, _, _, mentorId, _) = await world.ActiveMatchAsync();
        var (slowId, _) = await world.PersonAsync("Mentor");
        await using var slow = await ChatClient.ConnectAsync(() => _second.Server, _second.TokenFor(slowId));
        await using var mentor = await ChatClient.ConnectAsync(() => _second.Server, _second.TokenFor(mentorId));
        await mentor.JoinAsync(match.Id);

        // A pause on the other instance outlasts one change's wait; it applies the change and says so late.
        _second.Store.BeforeRead = id =>
            id == slowId ? Task.Delay(ChatAccessBus.WaitForOthers + TimeSpan.FromSeconds(1))
            : id == mentorId ? Task.Delay(TimeSpan.FromMilliseconds(300))
            : Task.CompletedTask;
        await MentoringWorld.Ok(await world.Admin.PostAsync($"/api/people/{slowId}/deactivate", null));
        await ChatClient.EventuallyAsync(() => _first.Logs.GetSnapshot().Any(r => r.Message.Contains("answers chat access changes again", StringComparison.Ordinal)), "the late answer reaches the first instance");
        await MentoringWorld.Ok(await world.Admin.PostAsync($"/api/people/{mentorId}/deactivate", null));

        Assert.DoesNotContain(_second.Services.GetRequiredService<ChatConnections>().All, c => c.UserId == mentorId && !c.Joined.IsEmpty);
    }

    [Fact]
    public async Task An_instance_that_never_answers_holds_one_change_a_few_seconds_and_the_next_changes_not_at_all()
    {
        var world = new MentoringWorld(_first);
        await using var silent = await ConnectionMultiplexer.ConnectAsync(_redis.Configuration);
        await silent.GetSubscriber().SubscribeAsync(RedisChannel.Literal("survivorconnect:chat-access"));
        var people = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            var id = "silent-" + Guid.NewGuid().ToString("N")[..8];
            await MentoringWorld.Created(await world.Admin.PostJson("/api/people", new { subjectId = id, displayName = "Mentor " + id[^4..], roles = new[] { "Mentor" } }));
            people.Add(id);
        }

        var first = System.Diagnostics.Stopwatch.StartNew();
        await MentoringWorld.Ok(await world.Admin.PostAsync($"/api/people/{people[0]}/deactivate", null));
        first.Stop();
        var next = System.Diagnostics.Stopwatch.StartNew();
        await MentoringWorld.Ok(await world.Admin.PostAsync($"/api/people/{people[1]}/deactivate", null));
        await MentoringWorld.Ok(await world.Admin.PostAsync($"/api/people/{people[2]}/deactivate", null));
        next.Stop();

        Assert.InRange(first.Elapsed, ChatAccessBus.WaitForOthers - TimeSpan.FromMilliseconds(200), ChatAccessBus.WaitForOthers * 3);
        Assert.True(next.Elapsed < ChatAccessBus.WaitForOthers, $"The next two changes took {next.Elapsed}.");
    }

    [Fact]
    public async Task After_a_silent_instance_goes_away_a_change_still_waits_for_the_instance_that_answers()
    {
        var world = new MentoringWorld(_first);
        var (someoneId, _) = await world.PersonAsync("Mentor");
        await using (var silent = await ConnectionMultiplexer.ConnectAsync(_redis.Configuration))
        {
            await silent.GetSubscriber().SubscribeAsync(RedisChannel.Literal("survivorconnect:chat-access"));
            await MentoringWorld.Ok(await world.Admin.PostAsync($"/api/people/{someoneId}/deactivate", null));
        }

        var (match, _, _, mentorId, _) = await world.ActiveMatchAsync();
        await using var mentor = await ChatClient.ConnectAsync(() => _second.Server, _second.TokenFor(mentorId));
        await mentor.JoinAsync(match.Id);
        _second.Store.BeforeRead = id => id == mentorId ? Task.Delay(TimeSpan.FromMilliseconds(300)) : Task.CompletedTask;
        await MentoringWorld.Ok(await world.Admin.PostAsync($"/api/people/{mentorId}/deactivate", null));

        Assert.DoesNotContain(_second.Services.GetRequiredService<ChatConnections>().All, c => c.UserId == mentorId && !c.Joined.IsEmpty);
    }

    [Fact]
    public async Task Pausing_a_match_through_one_instance_takes_the_youth_on_the_other_out_of_the_live_conversation()
    {
        var world = new MentoringWorld(_first);
        var (match, _, youthHttp, mentorId, _) = await world.ActiveMatchAsync();
        var youthId = (await HttpAssert.Ok<MeDto>(await youthHttp.GetAsync("/api/me"))).Id;
        await using var mentor = await ChatClient.ConnectAsync(() => _first.Server, _first.TokenFor(mentorId));
        await using var youth = await ChatClient.ConnectAsync(() => _second.Server, _second.TokenFor(youthId));
        await mentor.JoinAsync(match.Id);
        await youth.JoinAsync(match.Id);
        var held = await mentor.SendAsync(match.Id, "call me on 559-555-0134");

        await MentoringWorld.Ok(await MentoringWorld.StepAsync(world.CaseManager, match.Id, "pause"));
        // Told by the broadcast to the conversation, by their own instance as it takes them out of it, or both: the
        // two travel by different Redis connections, and the broadcast finds them gone when the change arrives first.
        var youthsInstance = _second.Services.GetRequiredService<ChatConnections>();
        await ChatClient.EventuallyAsync(
            () => youthsInstance.All.Any(c => c.UserId == youthId && c.Joined.TryGetValue(match.Id, out var role) && role is null),
            "the youth's instance takes them out of the paused conversation");
        await ChatClient.EventuallyAsync(() => youth.Statuses.Any(s => !s.CanSend), "the youth is told they cannot send");
        var flags = await HttpAssert.Ok<List<ChatTests.FlagDto>>(await world.CaseManager.GetAsync("/api/flags?status=Open"));
        await HttpAssert.Problem(await world.CaseManager.PostAsync($"/api/flags/{flags.Single(f => f.ConversationId == match.Id).Id}/release", null), 409);
        await Task.Delay(300);

        Assert.DoesNotContain(youth.Received, m => m.Text == held.Message.Text);
    }
}
