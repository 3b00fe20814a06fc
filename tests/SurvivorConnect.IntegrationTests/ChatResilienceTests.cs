using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.AspNetCore.TestHost;

namespace SurvivorConnect.IntegrationTests;

/// <summary>No lost and no doubled messages through socket drops and a server restart.</summary>
public sealed class ChatResilienceTests
{
    private const int Messages = 1000;

    private sealed class RestartableFactory(string folder) : ApiFactory(folder)
    {
        protected override IDictionary<string, string?> Settings => new Dictionary<string, string?>(base.Settings)
        {
            ["Chat:SendsPerSecond"] = "100000",
            ["Chat:SendBurst"] = "100000",
            ["Chat:CallsPerSecond"] = "100000",
            ["Chat:CallBurst"] = "100000",
        };
    }

    [Fact]
    public async Task Dropping_the_socket_every_50_messages_and_restarting_the_server_loses_and_doubles_nothing()
    {
        var folder = Path.Combine(Path.GetTempPath(), "sc-restart-" + Guid.NewGuid().ToString("N"));
        var api = new RestartableFactory(folder);
        try
        {
            var world = new MentoringWorld(api);
            var (match, _, youthHttp, mentorId, _) = await world.ActiveMatchAsync();
            var youthId = (await HttpAssert.Ok<MeDto>(await youthHttp.GetAsync("/api/me"))).Id;
            TestServer Server() => api.Server;

            var received = new SortedDictionary<long, string>();
            var gate = new SemaphoreSlim(1, 1);
            long lastSeen = 0;
            async Task AddAsync(IEnumerable<Api.Features.Chat.ChatMessageView> messages)
            {
                await gate.WaitAsync();
                try
                {
                    foreach (var m in messages.Where(m => m.SenderRole == "mentor"))
                    {
                        Assert.True(received.TryAdd(m.Sequence, m.Text) || received[m.Sequence] == m.Text, "one sequence number, two texts");
                        lastSeen = Math.Max(lastSeen, m.Sequence);
                    }
                }
                finally
                {
                    gate.Release();
                }
            }

            await using var receiver = await ChatClient.ConnectAsync(Server, api.TokenFor(youthId));
            receiver.Connection.On<Api.Features.Chat.ChatMessageView>("MessageReceived", m => AddAsync([m]));
            var receiverReconnects = 0;
            var senderReconnects = 0;
            receiver.Connection.Reconnected += async _ =>
            {
                Interlocked.Increment(ref receiverReconnects);
                await receiver.JoinAsync(match.Id);
                await AddAsync(await receiver.SinceAsync(match.Id, lastSeen));
            };
            await receiver.JoinAsync(match.Id);

            await using var sender = await ChatClient.ConnectAsync(Server, api.TokenFor(mentorId));
            sender.Connection.Reconnected += _ =>
            {
                Interlocked.Increment(ref senderReconnects);
                return sender.JoinAsync(match.Id);
            };
            await sender.JoinAsync(match.Id);

            for (var i = 1; i <= Messages; i++)
            {
                if (i % 50 == 0)
                {
                    receiver.DropSocket();
                }

                if (i == Messages / 2)
                {
                    // A restart: the same store, a new server; every socket to the old one dies.
                    var old = api;
                    api = new RestartableFactory(folder);
                    _ = api.Server;
                    await old.DisposeAsync();
                }

                await SendUntilStoredAsync(sender, match.Id, i);
            }

            var (current, caughtUp) = await CatchUpAsync(receiver, match.Id);
            await AddAsync(caughtUp);

            Assert.Equal(current, caughtUp[^1].Sequence);

            Assert.Equal(Enumerable.Range(1, Messages).Select(i => $"message {i}"), received.Values);
            Assert.True(receiverReconnects >= 10, $"the receiver reconnected only {receiverReconnects} times");
            Assert.True(senderReconnects >= 1, "the sender never had to reconnect to the restarted server");
        }
        finally
        {
            await api.DisposeAsync();
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(folder, recursive: true);
        }
    }

    /// <summary>What a real client does: resend with the same client id until the server acknowledges.</summary>
    private static async Task SendUntilStoredAsync(ChatClient sender, string conversationId, int i)
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                await WaitConnectedAsync(sender);
                await sender.SendAsync(conversationId, $"message {i}", $"msg-{i}");
                return;
            }
            catch (Exception) when (attempt < 50)
            {
                await Task.Delay(50);
            }
        }
    }

    /// <summary>
    /// What a real client does to catch up completely: join for the current sequence, then page from the start
    /// up to it, whatever the reconnect handler's own catch-up is doing, and again if the connection drops
    /// meanwhile (the last drop comes just before the last message, and may not have been noticed yet).
    /// </summary>
    private static async Task<(long Current, IReadOnlyList<Api.Features.Chat.ChatMessageView> Messages)> CatchUpAsync(ChatClient client, string conversationId)
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                await WaitConnectedAsync(client);
                var current = (await client.JoinAsync(conversationId)).LastSequence;
                return (current, await client.SinceAsync(conversationId, 0));
            }
            catch (Exception) when (attempt < 50)
            {
                await Task.Delay(50);
            }
        }
    }

    private static async Task WaitConnectedAsync(ChatClient client)
    {
        for (var i = 0; i < 200 && client.Connection.State != HubConnectionState.Connected; i++)
        {
            await Task.Delay(25);
        }

        Assert.Equal(HubConnectionState.Connected, client.Connection.State);
    }
}
