using SurvivorConnect.Api.Features.Chat;
using SurvivorConnect.Testing;

namespace SurvivorConnect.IntegrationTests;

/// <summary>
/// Redis still connected but not answering, as when it is overloaded or failing over: what is stored is done. A youth's
/// crisis message is delivered with its crisis lines and its urgent flag is raised at once, not left to a worker a
/// minute later, and a withdrawn consent is withdrawn, though nothing can be pushed live meanwhile.
/// </summary>
public sealed class RedisStallTests : IAsyncLifetime
{
    private RedisTestServer _redis = null!;
    private Factory _api = null!;

    private sealed class Factory(string redis) : ApiFactory
    {
        protected override IDictionary<string, string?> Settings => new Dictionary<string, string?>(base.Settings) { ["Chat:Redis"] = redis };
    }

    public async Task InitializeAsync()
    {
        _redis = await RedisTestServer.StartAsync();
        _api = new Factory(_redis.Configuration + ",asyncTimeout=1000");
    }

    public async Task DisposeAsync()
    {
        await _api.DisposeAsync();
        await _redis.DisposeAsync();
    }

    [Fact]
    public async Task A_crisis_message_sent_while_Redis_stalls_is_delivered_with_crisis_lines_and_flagged_and_a_revocation_still_stops_the_chat()
    {
        var world = new MentoringWorld(_api);
        var chat = await world.OpenChatAsync();
        var consents = await HttpAssert.Ok<List<MentoringTests.ConsentDto>>(await chat.MentorHttp.GetAsync($"/api/consents?subjectId={chat.MentorId}"));

        await using (await _redis.StallAsync())
        {
            var sent = await chat.Youth.SendAsync(chat.Id, "honestly I want to die");

            Assert.Equal(MessageStatus.Delivered, sent.Message.Status);
            Assert.Contains(sent.CrisisResources!, r => r.Contact.Contains("988", StringComparison.Ordinal));
            var flags = await HttpAssert.Ok<List<ChatTests.FlagDto>>(await world.CaseManager.GetAsync("/api/flags"));
            Assert.Contains(flags, f => f.ConversationId == chat.Id && f.MessageSequence == sent.Message.Sequence && f.Urgent);

            await HttpAssert.Ok<MentoringTests.ConsentDto>(await chat.MentorHttp.PostAsync($"/api/consents/{consents.Single(c => c.MatchId == chat.Id).Id}/revoke", null));
            var refused = await Assert.ThrowsAsync<ChatRefusalException>(() => chat.Youth.SendAsync(chat.Id, "hello?"));
            Assert.Contains("Consent for this chat has been withdrawn", refused.Message, StringComparison.Ordinal);
        }
    }
}
