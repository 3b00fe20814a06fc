using SurvivorConnect.Api.Features.Chat;
using System.Text.Json;
using SurvivorConnect.Api.Features.Consent;
using SurvivorConnect.Api.Infrastructure.Auth;
using SurvivorConnect.Storage;

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

    [Fact]
    public async Task A_deactivation_saved_while_what_follows_it_fails_is_told_as_saved_and_finished_when_sent_again()
    {
        var (youthId, _) = await _world.YouthAsync();
        var (leavingId, _) = await _world.PersonAsync(Roles.CaseManager);
        await _world.HandOverAsync(youthId, leavingId);
        var since = DateTimeOffset.UtcNow.AddSeconds(-5);
        var reads = 0;
        // The store fails the first read of the person after the deactivation is written: one of the things that follow it.
        api.Counter.BeforeRead = id => id == leavingId && Interlocked.Increment(ref reads) == 2 ? throw StoreException.Unavailable("The store is busy.") : Task.CompletedTask;
        HttpResponseMessage first;
        try
        {
            first = await _world.Admin.PostAsync($"/api/people/{leavingId}/deactivate", null);
        }
        finally
        {
            api.Counter.BeforeRead = null;
        }

        var problem = await HttpAssert.Problem(first, 503);
        Assert.Contains("The change is saved", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.False((await HttpAssert.Ok<JsonElement>(await _world.Admin.GetAsync($"/api/people/{leavingId}"))).GetProperty("active").GetBoolean());
        var audited = await HttpAssert.Ok<PageDto<AuditDto>>(await _world.Admin.GetAsync($"/api/audit?action=person.deactivate&recordId={leavingId}"));
        Assert.Equal("Succeeded", Assert.Single(audited.Items).Outcome);

        await MentoringWorld.Ok(await _world.Admin.PostAsync($"/api/people/{leavingId}/deactivate", null));

        var notices = await HttpAssert.Ok<PageDto<NotificationDto>>(await _world.Admin.GetAsync("/api/notifications?pageSize=100"));
        Assert.Contains(notices.Items, n => n.Kind == "youth-need-case-manager" && n.At >= since);
    }
}
