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
}
