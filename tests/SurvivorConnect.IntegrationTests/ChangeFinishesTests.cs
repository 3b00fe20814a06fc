using SurvivorConnect.Api.Features.Chat;
using SurvivorConnect.Api.Features.Consent;

namespace SurvivorConnect.IntegrationTests;

/// <summary>A change the person asked for is carried through with what follows it, even when their connection drops part way.</summary>
public sealed class ChangeFinishesTests(CountingApiFactory api) : IClassFixture<CountingApiFactory>
{
    private readonly MentoringWorld _world = new(api);

    [Fact]
    public async Task A_consent_withdrawn_on_a_connection_that_drops_as_it_is_written_still_stops_the_chat_at_once()
    {
        var chat = await _world.OpenChatAsync();
        var consents = await HttpAssert.Ok<List<MentoringTests.ConsentDto>>(await chat.MentorHttp.GetAsync($"/api/consents?subjectId={chat.MentorId}"));
        var consentId = consents.Single(c => c.MatchId == chat.Id).Id;
        using var dropped = new CancellationTokenSource();
        api.Counter.BeforeReplace = (_, document) =>
        {
            if (document is ConsentRecord { RevokedAt: not null } revoked && revoked.Id == consentId)
            {
                // The phone loses its connection just as the withdrawal is written.
                dropped.Cancel();
            }

            return Task.CompletedTask;
        };

        try
        {
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => chat.MentorHttp.PostAsync($"/api/consents/{consentId}/revoke", null, dropped.Token));
        }
        finally
        {
            api.Counter.BeforeReplace = null;
        }

        await Settle.UntilAsync(async () => (await HttpAssert.Ok<List<MentoringTests.ConsentDto>>(await chat.MentorHttp.GetAsync($"/api/consents?subjectId={chat.MentorId}"))).Single(c => c.Id == consentId).Current == false);
        var refused = await Assert.ThrowsAsync<ChatRefusalException>(() => chat.Mentor.SendAsync(chat.Id, "are you still there?"));
        Assert.Equal(ChatErrorCodes.CannotSend, refused.Code);
    }
}
