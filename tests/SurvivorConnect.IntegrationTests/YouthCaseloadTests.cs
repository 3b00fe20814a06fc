using System.Net;
using System.Net.Http.Json;
using SurvivorConnect.Api.Infrastructure.Auth;

namespace SurvivorConnect.IntegrationTests;

/// <summary>
/// A youth's sign-in belongs to one referral, which no other case manager can take over, and a youth moves to
/// another case manager only by a handover that takes the former one's access away at once.
/// </summary>
[Collection(SharedApi.Name)]
public sealed class YouthCaseloadTests(ApiFactory api)
{
    private readonly MentoringWorld _world = new(api);

    private static object Referral(string? personId) => new { displayName = "Youth", age = 16, stage = "contemplation", personId };

    [Fact]
    public async Task Another_case_manager_cannot_attach_a_youth_of_someone_elses_caseload_and_learns_nothing_about_it()
    {
        var (youthId, youthClient) = await _world.YouthAsync();
        var youthPerson = (await HttpAssert.Ok<MeDto>(await youthClient.GetAsync("/api/me"))).Id;
        var (_, stranger) = await _world.PersonAsync(Roles.CaseManager);

        var response = await stranger.PostJson("/api/youth", Referral(youthPerson));
        var body = await response.Content.ReadAsStringAsync();
        var strangerList = (await HttpAssert.Ok<PageDto<YouthDto>>(await stranger.GetAsync("/api/youth"))).Items;

        await HttpAssert.Problem(response, 409);
        Assert.DoesNotContain(youthId, body, StringComparison.Ordinal);
        Assert.DoesNotContain("demo-casemanager", body, StringComparison.Ordinal);
        Assert.Empty(strangerList);
        await HttpAssert.Ok<YouthDto>(await _world.CaseManager.GetAsync($"/api/youth/{youthId}"));
    }

    [Fact]
    public async Task A_stranger_cannot_move_a_youths_sign_in_onto_their_own_referral_by_updating_it()
    {
        var (_, youthClient) = await _world.YouthAsync();
        var youthPerson = (await HttpAssert.Ok<MeDto>(await youthClient.GetAsync("/api/me"))).Id;
        var (_, stranger) = await _world.PersonAsync(Roles.CaseManager);
        var own = await stranger.PostJson("/api/youth", Referral(null));
        var ownId = (await HttpAssert.Ok<YouthDto>(own)).Id;

        var update = new HttpRequestMessage(HttpMethod.Put, $"/api/youth/{ownId}") { Content = JsonContent.Create(new { displayName = "Youth", age = 16, personId = youthPerson }) };
        update.Headers.TryAddWithoutValidation("If-Match", own.Headers.ETag!.Tag);

        await HttpAssert.Problem(await stranger.SendAsync(update), 409);
        Assert.Empty((await HttpAssert.Ok<PageDto<MatchDto>>(await youthClient.GetAsync("/api/matches"))).Items);
    }

    [Fact]
    public async Task Two_referrals_of_one_unclaimed_sign_in_at_once_one_wins_and_the_other_is_a_conflict()
    {
        var (personId, _) = await _world.PersonAsync(Roles.Youth);
        var (_, other) = await _world.PersonAsync(Roles.CaseManager);

        var results = await Task.WhenAll(_world.CaseManager.PostJson("/api/youth", Referral(personId)), other.PostJson("/api/youth", Referral(personId)));

        Assert.Equal([HttpStatusCode.Created, HttpStatusCode.Conflict], results.Select(r => r.StatusCode).Order());
    }

    [Fact]
    public async Task Moving_a_referral_to_another_sign_in_frees_the_first_one()
    {
        var (first, _) = await _world.PersonAsync(Roles.Youth);
        var (second, _) = await _world.PersonAsync(Roles.Youth);
        var created = await _world.CaseManager.PostJson("/api/youth", Referral(first));
        var id = (await HttpAssert.Ok<YouthDto>(created)).Id;

        var update = new HttpRequestMessage(HttpMethod.Put, $"/api/youth/{id}") { Content = JsonContent.Create(new { displayName = "Youth", age = 16, personId = second }) };
        update.Headers.TryAddWithoutValidation("If-Match", created.Headers.ETag!.Tag);
        await MentoringWorld.Ok(await _world.CaseManager.SendAsync(update));

        await MentoringWorld.Created(await _world.CaseManager.PostJson("/api/youth", Referral(first)));
        await HttpAssert.Problem(await _world.CaseManager.PostJson("/api/youth", Referral(second)), 409);
    }

    [Fact]
    public async Task A_stale_update_of_a_referral_is_still_a_412()
    {
        var created = await _world.CaseManager.PostJson("/api/youth", Referral(null));
        var id = (await HttpAssert.Ok<YouthDto>(created)).Id;
        var first = new HttpRequestMessage(HttpMethod.Put, $"/api/youth/{id}") { Content = JsonContent.Create(new { displayName = "One", age = 16 }) };
        first.Headers.TryAddWithoutValidation("If-Match", created.Headers.ETag!.Tag);
        await MentoringWorld.Ok(await _world.CaseManager.SendAsync(first));

        var stale = new HttpRequestMessage(HttpMethod.Put, $"/api/youth/{id}") { Content = JsonContent.Create(new { displayName = "Two", age = 16 }) };
        stale.Headers.TryAddWithoutValidation("If-Match", created.Headers.ETag!.Tag);

        await HttpAssert.Problem(await _world.CaseManager.SendAsync(stale), 412);
    }

    [Fact]
    public async Task A_handover_moves_the_youth_record_matches_and_flags_to_the_new_case_manager_at_once()
    {
        var chat = await _world.OpenChatAsync();
        await chat.Youth.SendAsync(chat.Id, "text me at 559-555-0134");
        await ChatClient.EventuallyAsync(() => !chat.CaseManager.Flags.IsEmpty, "the flag");
        var (successorId, successor) = await _world.PersonAsync(Roles.CaseManager);

        var handedOver = await HandOverAsync(_world.CaseManager, chat.YouthId, successorId);

        Assert.Equal([successorId], handedOver.CaseManagerIds);
        await HttpAssert.Problem(await _world.CaseManager.GetAsync($"/api/youth/{chat.YouthId}"), 404);
        Assert.DoesNotContain((await HttpAssert.Ok<PageDto<MatchDto>>(await _world.CaseManager.GetAsync("/api/matches?pageSize=200"))).Items, m => m.Id == chat.Id);
        Assert.DoesNotContain(await HttpAssert.Ok<List<ChatTests.FlagDto>>(await _world.CaseManager.GetAsync("/api/flags")), f => f.ConversationId == chat.Id);
        await HttpAssert.Problem(await _world.CaseManager.PostAsync($"/api/flags/{chat.CaseManager.Flags.First().Id}/release", null), 404);
        await HttpAssert.Ok<YouthDto>(await successor.GetAsync($"/api/youth/{chat.YouthId}"));
        Assert.Contains(await HttpAssert.Ok<List<ChatTests.FlagDto>>(await successor.GetAsync("/api/flags")), f => f.ConversationId == chat.Id);
        Assert.Contains((await HttpAssert.Ok<PageDto<NotificationDto>>(await successor.GetAsync("/api/notifications"))).Items, n => n.Kind == "caseload-added");
    }

    [Fact]
    public async Task Someone_still_on_the_youths_list_who_is_no_longer_a_case_manager_hears_nothing_of_the_youths_matches()
    {
        var (match, _, youth, _, youthId) = await _world.ActiveMatchAsync();
        var (formerId, former) = await _world.PersonAsync(Roles.CaseManager);
        await HandOverAsync(_world.CaseManager, youthId, "demo-casemanager", formerId);
        await _world.SetRolesAsync(formerId, Roles.Mentor);

        await MentoringWorld.Ok(await youth.PostAsync($"/api/matches/{match.Id}/end", null));

        Assert.Contains((await HttpAssert.Ok<PageDto<NotificationDto>>(await _world.CaseManager.GetAsync("/api/notifications?pageSize=200"))).Items, n => n.Kind == "match-closed" && n.MatchId == match.Id);
        Assert.DoesNotContain((await HttpAssert.Ok<PageDto<NotificationDto>>(await former.GetAsync("/api/notifications"))).Items, n => n.MatchId == match.Id);
    }

    [Fact]
    public async Task After_a_handover_the_youth_ending_the_match_is_told_to_the_case_managers_they_have_now()
    {
        var (match, _, youth, _, youthId) = await _world.ActiveMatchAsync();
        var (successorId, successor) = await _world.PersonAsync(Roles.CaseManager);
        await HandOverAsync(_world.CaseManager, youthId, successorId, "demo-casemanager");
        await HandOverAsync(_world.CaseManager, youthId, successorId);

        await MentoringWorld.Ok(await youth.PostAsync($"/api/matches/{match.Id}/end", null));

        Assert.Contains((await HttpAssert.Ok<PageDto<NotificationDto>>(await successor.GetAsync("/api/notifications"))).Items, n => n.Kind == "match-closed");
        Assert.DoesNotContain((await HttpAssert.Ok<PageDto<NotificationDto>>(await _world.CaseManager.GetAsync("/api/notifications?pageSize=200"))).Items, n => n.Kind == "match-closed" && n.MatchId == match.Id);
    }

    [Fact]
    public async Task Only_a_current_case_manager_or_the_admin_hands_a_youth_over_and_only_to_active_case_managers()
    {
        var (youthId, _) = await _world.YouthAsync();
        var (otherId, other) = await _world.PersonAsync(Roles.CaseManager);
        var (mentorId, _) = await _world.PersonAsync(Roles.Mentor);
        var youth = await _world.CaseManager.GetAsync($"/api/youth/{youthId}");
        var etag = youth.Headers.ETag!.Tag;

        await HttpAssert.Problem(await PutCaseManagersAsync(other, youthId, etag, otherId), 404);
        await HttpAssert.Problem(await PutCaseManagersAsync(api.As("north-casemanager"), youthId, etag, "north-casemanager"), 404);
        await HttpAssert.Problem(await PutCaseManagersAsync(_world.CaseManager, youthId, etag, mentorId), 400);
        await HttpAssert.Problem(await PutCaseManagersAsync(_world.CaseManager, youthId, etag, "north-casemanager"), 400);
        await HttpAssert.Problem(await PutCaseManagersAsync(_world.CaseManager, youthId, etag), 400);
        await HttpAssert.Problem(await PutCaseManagersAsync(_world.CaseManager, youthId, null, otherId), 428);
        var byAdmin = await PutCaseManagersAsync(_world.Admin, youthId, etag, "demo-casemanager", otherId);

        Assert.Equal(["demo-casemanager", otherId], (await HttpAssert.Ok<YouthViewDto>(byAdmin)).CaseManagerIds);
        await HttpAssert.Ok<YouthDto>(await other.GetAsync($"/api/youth/{youthId}"));
    }

    public sealed record YouthViewDto(string Id, List<string> CaseManagerIds);

    private static async Task<YouthViewDto> HandOverAsync(HttpClient by, string youthId, params string[] to)
    {
        var youth = await by.GetAsync($"/api/youth/{youthId}");
        return await HttpAssert.Ok<YouthViewDto>(await PutCaseManagersAsync(by, youthId, youth.Headers.ETag!.Tag, to));
    }

    private static Task<HttpResponseMessage> PutCaseManagersAsync(HttpClient by, string youthId, string? etag, params string[] ids)
    {
        var request = new HttpRequestMessage(HttpMethod.Put, $"/api/youth/{youthId}/case-managers") { Content = JsonContent.Create(new { caseManagerIds = ids }) };
        if (etag is not null)
        {
            request.Headers.TryAddWithoutValidation("If-Match", etag);
        }

        return by.SendAsync(request);
    }
}
