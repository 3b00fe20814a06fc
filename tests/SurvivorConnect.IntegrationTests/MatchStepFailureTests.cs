using System.Text.Json;
using SurvivorConnect.Api.Features.Consent;
using SurvivorConnect.Api.Features.Mentoring;
using SurvivorConnect.Api.Features.Notifications;

namespace SurvivorConnect.IntegrationTests;

/// <summary>A step of a match that gives consent records it through a blip of the store, so the match can go on.</summary>
public sealed class MatchStepFailureTests(CountingApiFactory api) : IClassFixture<CountingApiFactory>
{
    private readonly MentoringWorld _world = new(api);

    [Fact]
    public async Task A_mentors_yes_is_recorded_once_through_a_blip_and_the_youths_yes_then_starts_the_match()
    {
        var (mentorId, mentor) = await _world.ReadyMentorAsync();
        var (youthId, youth) = await _world.YouthAsync();
        var match = await _world.ProposeAsync(youthId, mentorId);
        await api.FailingWriteOnceAsync(
            d => d is ConsentRecord { Scope: MentoringScopes.MentoringMatch }, async () => await MentoringWorld.Ok<MatchDto>(await mentor.PostAsync($"/api/matches/{match.Id}/accept", null)));

        var active = await MentoringWorld.Ok<MatchDto>(await youth.PostAsync($"/api/matches/{match.Id}/agree", null));

        Assert.Equal("Active", active.State);
    }

    [Fact]
    public async Task A_withdrawal_whose_follow_up_the_store_fails_part_way_still_stops_the_chat_at_once()
    {
        var chat = await _world.OpenChatAsync();
        await chat.Youth.SendAsync(chat.Id, "before");
        var consents = await HttpAssert.Ok<List<MentoringTests.ConsentDto>>(await chat.MentorHttp.GetAsync($"/api/consents?subjectId={chat.MentorId}"));

        await api.FailingWriteOnceAsync(d => d is MatchFence,
            () => chat.MentorHttp.PostAsync($"/api/consents/{consents.Single(c => c.MatchId == chat.Id).Id}/revoke", null), FailedWrite.Upsert);

        var refused = await Assert.ThrowsAsync<ChatRefusalException>(() => chat.Youth.SendAsync(chat.Id, "after"));
        Assert.Contains("withdrawn", refused.Message, StringComparison.Ordinal);
        var told = await HttpAssert.Ok<PageDto<NotificationDto>>(await _world.CaseManager.GetAsync("/api/notifications?pageSize=100"));
        Assert.Contains(told.Items, n => n.MatchId == chat.Id && n.Kind == Notices.ConsentRevokedToCaseManager.Kind);
    }

    [Fact]
    public async Task A_step_whose_follow_ups_the_store_fails_is_finished_when_sent_again_which_records_and_tells_each_once()
    {
        var (mentorId, mentor) = await _world.ReadyMentorAsync();
        var (youthId, youth) = await _world.YouthAsync();
        var match = await _world.AcceptedAsync(youthId, mentorId, mentor);

        var first = await api.FailingWriteOnceAsync(d => d is Notification, () => youth.PostAsync($"/api/matches/{match.Id}/agree", null));
        var problem = await HttpAssert.Problem(first, 503);
        await HttpAssert.Problem(await youth.PostAsync($"/api/matches/{match.Id}/agree", null), 409);
        await HttpAssert.Problem(await youth.PostAsync($"/api/matches/{match.Id}/agree", null), 409);

        Assert.Contains("Send it again", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal("Active", (await MentoringWorld.Ok<MatchDto>(await youth.GetAsync($"/api/matches/{match.Id}"))).State);
        Assert.Single(await NoticesAsync(_world.CaseManager, match.Id), n => n.Kind == Notices.YouthAgreedActiveToCaseManager.Kind);
        Assert.Single(await NoticesAsync(mentor, match.Id), n => n.Kind == Notices.MatchActive.Kind);
        Assert.Single(await NoticesAsync(youth, match.Id), n => n.Kind == Notices.MatchActive.Kind);
        var consents = await HttpAssert.Ok<List<MentoringTests.ConsentDto>>(await _world.CaseManager.GetAsync($"/api/consents?subjectId={youthId}"));
        Assert.Single(consents, c => c.MatchId == match.Id);
        await HttpAssert.Problem(await _world.CaseManager.PostAsync($"/api/matches/{match.Id}/agree", null), 409);
    }

    [Fact]
    public async Task A_case_manager_s_pause_sent_again_from_its_page_after_its_follow_ups_failed_finishes_them()
    {
        var chat = await _world.OpenChatAsync();
        var version = (await MentoringWorld.Ok<JsonElement>(await _world.CaseManager.GetAsync($"/api/matches/{chat.Id}"))).GetProperty("version").GetString();

        var first = await api.FailingWriteOnceAsync(d => d is Notification, () => PauseAsync(chat.Id, version));
        await HttpAssert.Problem(first, 503);
        await HttpAssert.Problem(await PauseAsync(chat.Id, version), 409);

        Assert.Single(await NoticesAsync(chat.MentorHttp, chat.Id), n => n.Kind == Notices.MatchPaused.Kind);
        Assert.Single(await NoticesAsync(chat.YouthHttp, chat.Id), n => n.Kind == Notices.MatchPaused.Kind);
        await Assert.ThrowsAsync<ChatRefusalException>(() => chat.Youth.SendAsync(chat.Id, "still open?"));
    }

    [Fact]
    public async Task A_mentor_asking_to_revoke_a_youth_s_consent_is_told_no_such_consent_as_for_an_id_nobody_gave()
    {
        var chat = await _world.OpenChatAsync();
        var youths = await HttpAssert.Ok<List<MentoringTests.ConsentDto>>(await _world.CaseManager.GetAsync($"/api/consents?subjectId={chat.YouthId}"));

        var real = await HttpAssert.Problem(await chat.MentorHttp.PostAsync($"/api/consents/{youths.First(c => c.MatchId == chat.Id).Id}/revoke", null), 404);
        var none = await HttpAssert.Problem(await chat.MentorHttp.PostAsync("/api/consents/no-such-consent/revoke", null), 404);

        Assert.Equal(none.GetProperty("detail").GetString(), real.GetProperty("detail").GetString());
    }

    /// <summary>The case manager's pause, from a page that read the match at <paramref name="version"/>.</summary>
    private async Task<HttpResponseMessage> PauseAsync(string matchId, string? version)
    {
        using var pause = new HttpRequestMessage(HttpMethod.Post, $"/api/matches/{matchId}/pause");
        pause.Headers.TryAddWithoutValidation("If-Match", version);
        return await _world.CaseManager.SendAsync(pause);
    }

    private static async Task<List<NotificationDto>> NoticesAsync(HttpClient reader, string matchId) =>
        [.. (await reader.NoticesAsync()).Where(n => n.MatchId == matchId)];
}
