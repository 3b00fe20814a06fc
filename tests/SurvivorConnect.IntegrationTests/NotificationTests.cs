using System.Collections.Concurrent;
using Microsoft.AspNetCore.SignalR.Client;
using SurvivorConnect.Api.Features.Notifications;
using SurvivorConnect.Api.Infrastructure.Auth;

namespace SurvivorConnect.IntegrationTests;

/// <summary>Notices are stored and pushed live to the person they are for, and to nobody else.</summary>
[Collection(SharedApi.Name)]
public sealed class NotificationTests(ApiFactory api)
{
    private readonly MentoringWorld _world = new(api);

    private Task<(HubConnection Connection, ConcurrentQueue<NotificationView> Received)> ListenAsync(string subject, string agency = "demo") =>
        NoticeListener.ListenAsync(api, subject, agency);

    [Fact]
    public async Task A_proposed_match_reaches_the_mentor_live_in_plain_words_and_is_stored()
    {
        var (mentorId, mentorHttp) = await _world.ReadyMentorAsync();
        var (supervisorId, _) = await _world.PersonAsync(Roles.Supervisor);
        var (mentor, received) = await ListenAsync(mentorId);
        var (bystander, bystanderReceived) = await ListenAsync(supervisorId);
        await using var _ = mentor;
        await using var __ = bystander;
        var (youthId, _) = await _world.YouthAsync();

        var match = await _world.ProposeAsync(youthId, mentorId);

        await ChatClient.EventuallyAsync(() => received.Any(n => n.MatchId == match.Id), "the mentor is told at once");
        var live = received.Single(n => n.MatchId == match.Id);
        var stored = await HttpAssert.Ok<PageDto<NotificationDto>>(await mentorHttp.GetAsync("/api/notifications"));
        Assert.Equal(Notices.MatchProposedToMentor.Kind, live.Kind);
        Assert.Contains("declining needs no reason", live.Text, StringComparison.Ordinal);
        Assert.Contains(stored.Items, n => n.Id == live.Id && n.Kind == "match-proposed");
        Assert.Empty(bystanderReceived);
    }

    [Fact]
    public async Task A_notice_sent_once_is_marked_read_by_its_recipient_and_by_nobody_else()
    {
        var (mentorId, mentor) = await _world.ReadyMentorAsync();
        var (youthId, youth) = await _world.YouthAsync();
        var match = await _world.AcceptedAsync(youthId, mentorId, mentor);
        await HttpAssert.Ok<MatchDto>(await _world.CaseManager.PostAsync($"/api/matches/{match.Id}/agree", null));
        var once = (await HttpAssert.Ok<PageDto<NotificationDto>>(await youth.GetAsync("/api/notifications"))).Items.First(n => n.Id.Contains('~', StringComparison.Ordinal));
        var path = $"/api/notifications/{Uri.EscapeDataString(once.Id)}/read";

        await HttpAssert.Problem(await mentor.PostAsync(path, null), 404);
        await HttpAssert.Ok<NotificationDto>(await youth.PostAsync(path, null));

        Assert.DoesNotContain((await HttpAssert.Ok<PageDto<NotificationDto>>(await youth.GetAsync("/api/notifications?unreadOnly=true"))).Items, n => n.Id == once.Id);
    }

    [Fact]
    public async Task Unread_notices_older_than_a_page_of_read_ones_are_on_the_first_unread_page()
    {
        var (mentorId, mentor) = await _world.ReadyMentorAsync(capacity: 3);
        var proposals = new List<MatchDto>();
        for (var i = 0; i < 3; i++)
        {
            proposals.Add(await _world.ProposeAsync((await _world.YouthAsync()).Id, mentorId));
        }

        var all = (await HttpAssert.Ok<PageDto<NotificationDto>>(await mentor.GetAsync("/api/notifications"))).Items;
        var oldest = all.Single(n => n.MatchId == proposals[0].Id);
        foreach (var newer in all.Where(n => n.Id != oldest.Id))
        {
            await HttpAssert.Ok<NotificationDto>(await mentor.PostAsync($"/api/notifications/{Uri.EscapeDataString(newer.Id)}/read", null));
        }

        var unread = await HttpAssert.Ok<PageDto<NotificationDto>>(await mentor.GetAsync("/api/notifications?unreadOnly=true&pageSize=2"));

        Assert.Equal([oldest.Id], unread.Items.Select(n => n.Id));
        Assert.Null(unread.ContinuationToken);
    }

    [Fact]
    public async Task A_person_of_another_agency_with_the_same_id_hears_nothing()
    {
        var (mentorId, _) = await _world.ReadyMentorAsync();
        await MentoringWorld.Created(await api.As("north-admin").PostJson("/api/people", new { displayName = "Namesake", roles = new[] { Roles.Mentor }, subjectId = mentorId }));
        var (namesake, namesakeReceived) = await ListenAsync(mentorId, "demo-north");
        await using var _ = namesake;
        var (youthId, _) = await _world.YouthAsync();

        await _world.ProposeAsync(youthId, mentorId);
        await Task.Delay(200);

        Assert.Empty(namesakeReceived);
    }
}
