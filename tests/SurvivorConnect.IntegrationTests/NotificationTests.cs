using System.Collections.Concurrent;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;
using SurvivorConnect.Api.Features.Notifications;
using SurvivorConnect.Api.Infrastructure.Auth;
using SurvivorConnect.Api.Infrastructure.Pipeline;
using SurvivorConnect.Storage;

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
    public async Task The_notices_page_goes_back_a_page_at_a_time_and_marking_an_older_one_read_stays_on_its_page()
    {
        var (personId, _) = await _world.PersonAsync(Roles.Advisor);
        var store = api.Services.GetRequiredService<IDocumentStore>();
        var start = DateTimeOffset.UtcNow.AddDays(-30);
        for (var i = 0; i < 55; i++)
        {
            await store.CreateAsync(Notification.Container, new Notification
            {
                Id = $"{personId}-n{i:00}", PartitionKey = "demo", AgencyId = "demo", RecipientId = personId, Kind = "engagement-invited",
                Text = $"Notice number {i:00}.", At = start.AddMinutes(i),
            }, CancellationToken.None);
        }

        var portal = await PortalSession.SignedInAsync(api, personId);
        var newest = await portal.GetStringAsync("/notifications");
        var after = System.Net.WebUtility.HtmlDecode(System.Text.RegularExpressions.Regex.Match(newest, "name=\"After\" value=\"([^\"]+)\"").Groups[1].Value);
        var older = await PortalSession.PostFormAsync(portal, "/notifications", "page", ("After", after));
        var from = System.Net.WebUtility.HtmlDecode(System.Text.RegularExpressions.Regex.Match(older, "name=\"From\" value=\"([^\"]+)\"").Groups[1].Value);
        var marked = await PortalSession.PostFormAsync(portal, "/notifications", "read", ("Id", $"{personId}-n02"), ("From", from));

        Assert.Contains("Notice number 54.", newest, StringComparison.Ordinal);
        Assert.Contains($"<p id=\"notice-{personId}-n54\">Notice number 54.</p>", newest, StringComparison.Ordinal);
        Assert.Contains($"aria-describedby=\"notice-{personId}-n54\">Mark as read</button>", newest, StringComparison.Ordinal);
        Assert.DoesNotContain("Notice number 04.", newest, StringComparison.Ordinal);
        Assert.Contains("Notice number 04.", older, StringComparison.Ordinal);
        Assert.Contains("Notice number 00.", older, StringComparison.Ordinal);
        Assert.DoesNotContain("Notice number 54.", older, StringComparison.Ordinal);
        Assert.Contains("Marked as read.", marked, StringComparison.Ordinal);
        Assert.Contains("Notice number 00.", marked, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_notice_sent_again_after_the_page_was_drawn_is_not_marked_read_from_that_page()
    {
        // A notice that stands for a run of flags is sent again under its id with the newer news; a page drawn before it
        // that marks it read would mark the news never seen.
        var (personId, _) = await _world.PersonAsync(Roles.CaseManager);
        var store = api.Services.GetRequiredService<IDocumentStore>();
        var id = $"{personId}-standing";
        var notice = await store.CreateAsync(Notification.Container, new Notification
        {
            Id = id, PartitionKey = "demo", AgencyId = "demo", RecipientId = personId, Kind = "chat-flag", Text = "A message was flagged.",
            At = DateTimeOffset.UtcNow.AddMinutes(-5),
        }, CancellationToken.None);
        var portal = await PortalSession.SignedInAsync(api, personId);
        var shown = PortalSession.Hidden(await portal.GetStringAsync("/notifications"), "Id", after: $"notice-{id}");
        var drawnBefore = await PortalSession.FormTokenAsync(portal, "/notifications");
        await store.ReplaceAsync(Notification.Container, notice with { At = DateTimeOffset.UtcNow }, notice.ETag!, CancellationToken.None);

        var answer = await (await portal.PostAsync("/notifications", new FormUrlEncodedContent(
            [new("_handler", "read"), new("__RequestVerificationToken", drawnBefore), new("Id", shown)]))).Content.ReadAsStringAsync();

        Assert.Contains("This notice has news since you saw it.", answer, StringComparison.Ordinal);
        Assert.Contains((await HttpAssert.Ok<PageDto<NotificationDto>>(await api.As(personId).GetAsync("/api/notifications?unreadOnly=true"))).Items, n => n.Id == id);
        var now = PortalSession.Hidden(answer, "Id", after: $"notice-{id}");
        Assert.Contains("Marked as read.", await PortalSession.PostFormAsync(portal, "/notifications", "read", ("Id", now)), StringComparison.Ordinal);
        Assert.DoesNotContain((await HttpAssert.Ok<PageDto<NotificationDto>>(await api.As(personId).GetAsync("/api/notifications?unreadOnly=true"))).Items, n => n.Id == id);
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
    public async Task A_notice_sent_once_has_an_id_made_with_its_agency_s_own_kept_secret_that_no_notice_list_or_read_reaches()
    {
        var (_, mentor) = await _world.ReadyMentorAsync();
        var id = await api.NoticeIdAsync("reminder~opportunity~session~24h", "demo-mentor");

        // Not a plain hash of its key, which anyone who can guess the key could test; nor another agency's id for it.
        Assert.NotEqual($"{Digest.Of("reminder~opportunity~session~24h", 32)}~demo-mentor", id);
        Assert.NotEqual(id, await api.NoticeIdAsync("reminder~opportunity~session~24h", "demo-mentor", "demo-north"));
        // The secret is kept, so another instance (or this one after a restart) makes the same id and sends nothing twice.
        Assert.Equal(id, await new NoticeIds(api.Services.GetRequiredService<IDocumentStore>(), TimeProvider.System).OfAsync("demo", "reminder~opportunity~session~24h", "demo-mentor", CancellationToken.None));

        await HttpAssert.Problem(await mentor.PostAsync($"/api/notifications/{NoticeKey.DocumentId}/read", null), 404);
        await HttpAssert.Problem(await _world.Admin.PostAsync($"/api/notifications/{NoticeKey.DocumentId}/read", null), 404);
        Assert.DoesNotContain(await _world.Admin.NoticesAsync(), n => n.Id == NoticeKey.DocumentId);
    }

    [Fact]
    public async Task A_notice_sent_under_its_id_of_before_the_agency_s_secret_counts_as_sent_and_one_standing_goes_on_standing()
    {
        var (personId, person) = await _world.PersonAsync(Roles.CaseManager);
        var once = "former-once~" + Guid.NewGuid().ToString("N");
        var standing = "former-standing~" + Guid.NewGuid().ToString("N");
        var raw = api.Services.GetRequiredService<IDocumentStore>();
        foreach (var (key, about) in new[] { (once, (string?)null), (standing, "flag-1") })
        {
            await raw.CreateAsync(Notification.Container, new Notification
            {
                Id = $"{Digest.Of(key, 32)}~{personId}", AgencyId = "demo", PartitionKey = "demo", RecipientId = personId, Kind = "test",
                Text = "Told before.", At = DateTimeOffset.UtcNow.AddHours(-1), About = about,
            }, CancellationToken.None);
        }

        await using var scope = api.Services.GetRequiredService<IServiceScopeFactory>().CreateAgencyScope("demo", "system-test");
        var notifier = scope.ServiceProvider.GetRequiredService<Notifier>();
        Assert.False(await notifier.SendOnceAsync(personId, new Notice("test", "Told again."), once, CancellationToken.None));
        Assert.False(await notifier.SendStandingAsync(personId, new Notice("test", "Told again."), standing, "flag-2", _ => Task.FromResult(true), CancellationToken.None));

        var told = await person.NoticesAsync();
        Assert.Equal(2, told.Count);
        Assert.All(told, n => Assert.Equal("Told before.", n.Text));
        Assert.True(told.Single(n => n.Id.StartsWith(Digest.Of(standing, 32), StringComparison.Ordinal)).At > DateTimeOffset.UtcNow.AddMinutes(-1));

        // What it told of is dealt with: the news is told anew, and the notice of before is not left unread beside it.
        Assert.True(await notifier.SendStandingAsync(personId, new Notice("test", "Told anew."), standing, "flag-3", _ => Task.FromResult(false), CancellationToken.None));
        var unread = (await person.NoticesAsync()).Where(n => n.ReadAt is null && n.Kind == "test").ToList();
        Assert.Equal(["Told anew.", "Told before."], unread.Select(n => n.Text).Order());
        Assert.DoesNotContain(unread, n => n.Id.StartsWith(Digest.Of(standing, 32), StringComparison.Ordinal));
    }

    [Fact]
    public async Task An_agency_secret_kept_before_it_said_when_it_was_made_still_makes_ids_and_looks_for_no_ids_of_before()
    {
        var agency = "older-" + Guid.NewGuid().ToString("N")[..8];
        var raw = api.Services.GetRequiredService<IDocumentStore>();
        await raw.CreateAsync(Notification.Container, new NoticeKey
        {
            Id = NoticeKey.DocumentId, AgencyId = agency, PartitionKey = agency, Key = Convert.ToBase64String(new byte[32]),
        }, CancellationToken.None);
        var ids = new NoticeIds(raw, TimeProvider.System);

        Assert.EndsWith("~someone", await ids.OfAsync(agency, "a-key", "someone", CancellationToken.None), StringComparison.Ordinal);
        Assert.Null(await ids.FormerOfAsync(agency, "a-key", "someone", CancellationToken.None));
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
