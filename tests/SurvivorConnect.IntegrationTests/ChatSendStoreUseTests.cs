using SurvivorConnect.Api.Features.Chat;

namespace SurvivorConnect.IntegrationTests;

/// <summary>
/// What one send costs the store: an ordinary message is one point read (the conversation, with who may send on it)
/// and one batch (the conversation's next number, the client-id key and the message). On Cosmos DB each is a billed
/// request and a round trip.
/// </summary>
public sealed class ChatSendStoreUseTests(ChatSendStoreUseTests.Factory api) : IClassFixture<ChatSendStoreUseTests.Factory>
{
    public sealed class Factory : CountingApiFactory
    {
        protected override bool Quiet => true;

        protected override IDictionary<string, string?> Settings => new Dictionary<string, string?>(base.Settings)
        {
            ["Chat:SendsPerSecond"] = "100",
            ["Chat:SendBurst"] = "100",
        };
    }

    private const int Sends = 10;

    private readonly MentoringWorld _world = new(api);

    [Fact]
    public async Task An_ordinary_send_reads_one_document_and_writes_one_batch()
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

        Assert.Equal(new StoreUse(Reads: Sends, Queries: 0, Documents: Sends, Writes: Sends), use);
    }

    [Fact]
    public async Task A_resend_of_a_stored_message_costs_one_more_read_and_stores_nothing_new()
    {
        var chat = await _world.OpenChatAsync();
        var first = await chat.Mentor.SendAsync(chat.Id, "once", "resend-1");

        SendResult? again = null;
        var use = await api.Counter.MeasureAsync(async () => again = await chat.Mentor.SendAsync(chat.Id, "once", "resend-1"));

        Assert.True(again!.Duplicate);
        Assert.Equal(first.Message.Sequence, again.Message.Sequence);
        Assert.Equal(3, use.Reads);
    }
}
