using System.Net.Http.Json;
using Microsoft.AspNetCore.SignalR.Client;
using SurvivorConnect.Api.Features.Chat;
using SurvivorConnect.Storage;

namespace SurvivorConnect.IntegrationTests;

/// <summary>
/// What one send costs the store: an ordinary message is one batch (the conversation's next number, the client-id key
/// and the message), and one point read of the conversation (with who may send on it) only when this instance has no
/// current copy of it. On Cosmos DB each is a billed request and a round trip.
/// </summary>
public sealed class ChatSendStoreUseTests(ChatSendStoreUseTests.Factory api) : IClassFixture<ChatSendStoreUseTests.Factory>
{
    /// <summary>
    /// On a clock that stands still: a send whose connection's last check is 10 s old reads its person's record, and on a
    /// loaded machine the sends measured here could reach that by the real clock.
    /// </summary>
    public sealed class Factory : ClockedCountingApiFactory
    {
        protected override IDictionary<string, string?> Settings => new Dictionary<string, string?>(base.Settings)
        {
            ["Chat:SendsPerSecond"] = "100",
            ["Chat:SendBurst"] = "100",
        };
    }

    private const int Sends = 10;

    private readonly MentoringWorld _world = new(api);

    [Fact]
    public async Task An_ordinary_send_writes_one_batch_and_reads_nothing_once_the_instance_knows_the_conversation()
    {
        var chat = await _world.OpenChatAsync();
        await chat.Mentor.SendAsync(chat.Id, "hello");

        var use = await api.Counter.MeasureAsync(async () =>
        {
            for (var i = 0; i < Sends; i++)
            {
                await (i % 2 == 0 ? chat.Mentor : chat.Youth).SendAsync(chat.Id, $"message {i}");
            }
        });

        Assert.Equal(new StoreUse(Reads: 0, Queries: 0, Documents: 0, Writes: Sends), use);
    }

    [Fact]
    public async Task Words_of_danger_sent_as_the_page_goes_away_are_stored_and_flagged_all_the_same()
    {
        var chat = await _world.OpenChatAsync();
        var reached = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        api.Counter.BeforeBatch = async operations =>
        {
            if (operations.Any(o => o is BatchOperation.Create { Document: ChatMessage }))
            {
                api.Counter.BeforeBatch = null;
                reached.SetResult();
                await release.Task;
            }
        };

        // The youth sends, and the quick exit closes the page's connection before the message is stored.
        _ = chat.Youth.Connection.InvokeAsync<HubReply<SendResult>>("Send", chat.Id, Guid.NewGuid().ToString("N"), "he is going to hurt me tonight");
        await reached.Task.WaitAsync(TimeSpan.FromSeconds(10));
        await chat.Youth.Connection.StopAsync();
        await Task.Delay(TimeSpan.FromMilliseconds(300));
        release.SetResult();

        await ChatClient.EventuallyAsync(() => chat.CaseManager.Received.Any(m => m.Text == "he is going to hurt me tonight"), "the message reaches the case manager");
        // The message is pushed before its flag is written.
        async Task<bool> FlaggedAsync() => (await HttpAssert.Ok<List<ChatTests.FlagDto>>(await _world.CaseManager.GetAsync("/api/flags?status=Open"))).Any(f => f.ConversationId == chat.Id && f.Urgent);
        await Settle.UntilAsync(FlaggedAsync);
        Assert.True(await FlaggedAsync());
    }

    [Fact]
    public async Task Words_of_danger_flooded_into_a_stopped_chat_keep_one_flag_that_stops_growing()
    {
        var chat = await _world.OpenChatAsync();
        await HttpAssert.Ok<System.Text.Json.JsonElement>(await _world.Supervisor.PostAsJsonAsync($"/api/mentors/{chat.MentorId}/hold", new { reason = "Talk first", stopsChat = true }));

        for (var i = 0; i < SafetyFlag.MostNotSentWords + 5; i++)
        {
            await Assert.ThrowsAsync<ChatRefusalException>(() => chat.Mentor.SendAsync(chat.Id, "honestly I want to die", $"flood-{i}"));
        }

        var flag = Assert.Single(await api.Counter.QueryAllAsync<SafetyFlag>(SafetyFlag.Container, "demo", [Filter.Eq("conversationId", chat.Id)], CancellationToken.None));
        Assert.True(flag.NotSent);
        Assert.Equal((SafetyFlag.MostNotSentWords, true), (flag.NotSentWords.Count, flag.NotSentWordsLetGo));
        Assert.Contains(SafetyFlag.NotSentWordsOf(chat.MentorId, $"flood-{SafetyFlag.MostNotSentWords + 4}"), flag.NotSentWords);
    }

    [Fact]
    public async Task A_conversation_changed_behind_the_instance_costs_one_read_and_the_message_still_gets_the_next_number()
    {
        var chat = await _world.OpenChatAsync();
        var before = await chat.Mentor.SendAsync(chat.Id, "hello");

        // As another instance would: the conversation moves on (here, rewritten as it is) without this instance's copy.
        var conversation = (await api.Counter.ReadAsync<Conversation>(Conversation.Container, Conversation.DocumentId, chat.Id, CancellationToken.None))!;
        await api.Counter.ReplaceAsync(Conversation.Container, conversation, conversation.ETag!, CancellationToken.None);

        SendResult? sent = null;
        var use = await api.Counter.MeasureAsync(async () => sent = await chat.Youth.SendAsync(chat.Id, "after the change"));

        Assert.Equal(before.Message.Sequence + 1, sent!.Message.Sequence);
        Assert.Equal(new StoreUse(Reads: 1, Queries: 0, Documents: 1, Writes: 2), use);
    }

    [Fact]
    public async Task A_resend_of_a_stored_message_reads_its_key_and_the_message_and_stores_nothing_new()
    {
        var chat = await _world.OpenChatAsync();
        var first = await chat.Mentor.SendAsync(chat.Id, "once", "resend-1");

        SendResult? again = null;
        var use = await api.Counter.MeasureAsync(async () => again = await chat.Mentor.SendAsync(chat.Id, "once", "resend-1"));

        Assert.True(again!.Duplicate);
        Assert.Equal(first.Message.Sequence, again.Message.Sequence);
        Assert.Equal(new StoreUse(Reads: 2, Queries: 0, Documents: 2, Writes: 1), use);
    }
}
