using SurvivorConnect.Api.Features.Notifications;

namespace SurvivorConnect.IntegrationTests;

/// <summary>What follows a consent (notices, the match and its chat) is done even when its first telling failed: sent again, it is finished, once.</summary>
public sealed class ConsentFollowUpTests(CountingApiFactory api) : IClassFixture<CountingApiFactory>
{
    private readonly MentoringWorld _world = new(api);

    [Fact]
    public async Task A_yes_recorded_for_a_youth_whose_telling_failed_is_told_when_sent_again_and_only_once()
    {
        var (mentorId, mentor) = await _world.ReadyMentorAsync();
        var (youthId, youth) = await _world.YouthAsync();
        var match = await _world.AcceptedAsync(youthId, mentorId, mentor);
        var yes = new { subjectId = youthId, grantor = "Youth", scope = "mentoring-match", matchId = match.Id };

        var first = await api.FailingWriteOnceAsync(d => d is Notification, () => _world.CaseManager.PostJson("/api/consents", yes));
        await HttpAssert.Problem(first, 503);
        await HttpAssert.Ok<System.Text.Json.JsonElement>(await _world.CaseManager.PostJson("/api/consents", yes));
        await HttpAssert.Ok<System.Text.Json.JsonElement>(await _world.CaseManager.PostJson("/api/consents", yes));

        var told = (await HttpAssert.Ok<PageDto<NotificationDto>>(await youth.GetAsync("/api/notifications"))).Items;
        Assert.Single(told, n => n.Kind == "match-agreed-for-you" && n.MatchId == match.Id);
    }
}
