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
    public async Task A_consent_policy_saved_while_the_open_chats_could_not_follow_it_is_told_as_saved_and_finished_when_sent_again()
    {
        var chat = await _world.OpenChatAsync();
        var version = (await HttpAssert.Ok<JsonElement>(await _world.Admin.GetAsync("/api/agency"))).GetProperty("version").GetString();
        var stricter = new { adultAge = 18, minorMatchNeeds = new[] { "Guardian" } };
        var failing = 1;
        // The store fails the read of the agency's open matches, which the open chats follow the new policy from.
        api.Counter.BeforeQuery = query => query.Type == DocumentTypes.Of<SurvivorConnect.Api.Features.Mentoring.Match>() && Interlocked.Exchange(ref failing, 0) == 1
            ? throw StoreException.Unavailable("The store is busy.")
            : Task.CompletedTask;
        try
        {
            var first = await HttpAssert.Problem(await _world.Admin.PutJson("/api/agency/match-consent-policy", stricter, version), 503);
            Assert.Equal("Saved, not yet finished.", first.GetProperty("title").GetString());
            var saved = (await HttpAssert.Ok<JsonElement>(await _world.Admin.GetAsync("/api/agency"))).GetProperty("matchConsentPolicy");
            Assert.Equal(["Guardian"], saved.GetProperty("minorMatchNeeds").EnumerateArray().Select(n => n.GetString()));

            // Sent again from the same page, which has not seen its own change's version: finished, not refused as overtaken.
            await HttpAssert.Ok<JsonElement>(await _world.Admin.PutJson("/api/agency/match-consent-policy", stricter, version));
            var refused = await Assert.ThrowsAsync<ChatRefusalException>(() => chat.Mentor.SendAsync(chat.Id, "are you there?"));
            Assert.Equal(ChatErrorCodes.CannotSend, refused.Code);

            // The case manager learns the policy stopped the chat, once, however often it is saved; the mentor only sees it stopped.
            await HttpAssert.Ok<JsonElement>(await _world.Admin.PutJson("/api/agency/match-consent-policy", stricter, version));
            Assert.Single(await _world.CaseManager.NoticesAsync(), n => n.Kind == "consent-policy-stopped-chat" && n.MatchId == chat.Id);
            Assert.DoesNotContain(await chat.MentorHttp.NoticesAsync(), n => n.Kind == "consent-policy-stopped-chat");
        }
        finally
        {
            api.Counter.BeforeQuery = null;
            await MentoringWorld.SetConsentPolicyAsync(_world.Admin, new { adultAge = 18, minorMatchNeeds = Array.Empty<string>() });
        }
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
        Assert.DoesNotContain(await NeedNoticesAsync(), n => n.At >= since);

        await MentoringWorld.Ok(await _world.Admin.PostAsync($"/api/people/{leavingId}/deactivate", null));

        Assert.Contains(await NeedNoticesAsync(), n => n.At >= since);
    }

    [Fact]
    public async Task The_same_roles_sent_again_from_a_page_that_has_not_seen_its_own_change_finish_what_followed_it()
    {
        var (personId, _) = await _world.PersonAsync(Roles.CaseManager);
        var read = await _world.Admin.GetAsync($"/api/people/{personId}");
        var before = read.Headers.ETag!.Tag;
        await MentoringWorld.Ok(await _world.Admin.PutJson($"/api/people/{personId}/roles", new { roles = new[] { "Supervisor" } }, before));

        // Sent again as the page had it, with the version from before its own change.
        var again = await HttpAssert.Ok<JsonElement>(await _world.Admin.PutJson($"/api/people/{personId}/roles", new { roles = new[] { "Supervisor" } }, before));

        Assert.Equal(["Supervisor"], again.GetProperty("roles").EnumerateArray().Select(r => r.GetString()));
        await HttpAssert.Problem(await _world.Admin.PutJson($"/api/people/{personId}/roles", new { roles = new[] { "Mentor" } }, before), 412);
    }

    private async Task<List<NotificationDto>> NeedNoticesAsync() =>
        [.. (await HttpAssert.Ok<PageDto<NotificationDto>>(await _world.Admin.GetAsync("/api/notifications?pageSize=100"))).Items.Where(n => n.Kind == "youth-need-case-manager")];
}
