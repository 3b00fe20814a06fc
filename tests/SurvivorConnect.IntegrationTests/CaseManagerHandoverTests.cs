using System.Net.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using SurvivorConnect.Api.Features.Mentoring;
using SurvivorConnect.Api.Features.Mentoring.Rules;
using SurvivorConnect.Api.Infrastructure.Auth;
using SurvivorConnect.Storage;

namespace SurvivorConnect.IntegrationTests;

/// <summary>
/// A youth whose case managers all left is not left with nobody: the admins are told at once, find the youth listed,
/// and hand them to an active case manager, who can then open the record.
/// </summary>
[Collection(SharedApi.Name)]
public sealed class CaseManagerHandoverTests(ApiFactory api)
{
    public sealed record NeedingDto(string Id, string DisplayName, string Version);

    public sealed record CaseManagerDto(string Id, string DisplayName);

    private readonly MentoringWorld _world = new(api);

    [Fact]
    public async Task Youth_left_with_no_active_case_manager_are_told_to_the_admins_listed_for_them_and_handed_over()
    {
        var (leavingId, leaving) = await _world.PersonAsync(Roles.CaseManager);
        var youth = await MentoringWorld.Created<YouthDto>(await leaving.PostJson("/api/youth", new { displayName = "Handover youth", age = 15, stage = "preparation" }));
        var since = DateTimeOffset.UtcNow;

        await MentoringWorld.Ok(await _world.Admin.PostAsync($"/api/people/{leavingId}/deactivate", null));

        var entry = Assert.Single(await NeedingAsync(), y => y.Id == youth.Id);
        Assert.Equal("Handover youth", entry.DisplayName);
        Assert.Single(await NeedNoticesSinceAsync(since));
        await HttpAssert.Problem(await _world.CaseManager.GetAsync("/api/youth/needing-case-manager"), 403);

        var handOver = new HttpRequestMessage(HttpMethod.Put, $"/api/youth/{youth.Id}/case-managers") { Content = JsonContent.Create(new { caseManagerIds = new[] { "demo-casemanager" } }) };
        handOver.Headers.TryAddWithoutValidation("If-Match", entry.Version);
        await MentoringWorld.Ok(await _world.Admin.SendAsync(handOver));

        Assert.DoesNotContain(await NeedingAsync(), y => y.Id == youth.Id);
        await HttpAssert.Ok<YouthDto>(await _world.CaseManager.GetAsync($"/api/youth/{youth.Id}"));
    }

    [Fact]
    public async Task A_case_manager_who_leaves_again_after_being_brought_back_is_told_again_but_each_leaving_once()
    {
        var (leavingId, leaving) = await _world.PersonAsync(Roles.CaseManager);
        await MentoringWorld.Created<YouthDto>(await leaving.PostJson("/api/youth", new { displayName = "Twice left youth", age = 15, stage = "preparation" }));
        var since = DateTimeOffset.UtcNow;

        await MentoringWorld.Ok(await _world.Admin.PostAsync($"/api/people/{leavingId}/deactivate", null));
        await MentoringWorld.Ok(await _world.Admin.PostAsync($"/api/people/{leavingId}/deactivate", null));
        Assert.Single(await NeedNoticesSinceAsync(since));

        await MentoringWorld.Ok(await _world.Admin.ReactivateAsync(leavingId));
        await MentoringWorld.Ok(await _world.Admin.PostAsync($"/api/people/{leavingId}/deactivate", null));

        Assert.Equal(2, (await NeedNoticesSinceAsync(since)).Count);
    }

    [Fact]
    public async Task A_case_manager_brought_back_hears_of_the_message_held_in_their_youth_s_chat_while_they_were_away()
    {
        var chat = await _world.OpenChatAsync();
        var (awayId, _) = await _world.PersonAsync(Roles.CaseManager);
        await _world.HandOverAsync(chat.YouthId, awayId);
        await MentoringWorld.Ok(await _world.Admin.PostAsync($"/api/people/{awayId}/deactivate", null));

        await chat.Mentor.SendAsync(chat.Id, "text me at 559-555-0177", "away-held-1");
        await MentoringWorld.Ok(await _world.Admin.ReactivateAsync(awayId));

        // Signed in afresh: a sign-in from before the deactivation opens nothing.
        Assert.Single(await api.AsSubject(awayId, "demo").NoticesAsync(), n => n.Kind == "chat-held");
    }

    [Fact]
    public async Task A_youth_whose_only_case_manager_lost_the_role_is_listed_and_the_admins_are_told_once()
    {
        var (formerId, former) = await _world.PersonAsync(Roles.CaseManager);
        var youth = await MentoringWorld.Created<YouthDto>(await former.PostJson("/api/youth", new { displayName = "Role change youth", age = 16, stage = "action" }));
        var since = DateTimeOffset.UtcNow;

        await _world.SetRolesAsync(formerId, Roles.Mentor);
        await _world.SetRolesAsync(formerId, Roles.Mentor, Roles.Advisor);

        Assert.Single(await NeedingAsync(), y => y.Id == youth.Id);
        Assert.Single(await NeedNoticesSinceAsync(since));
    }

    [Fact]
    public async Task A_youth_s_own_sign_in_given_a_staff_role_is_never_made_their_case_manager()
    {
        // A survivor hired later as a case manager, their youth record still linked to their sign-in.
        var own = "youth-own-" + Guid.NewGuid().ToString("N")[..8];
        var (youthId, _) = await _world.YouthAsync(age: 19, personId: own);
        await _world.SetRolesAsync(own, Roles.CaseManager);

        await HttpAssert.Problem(await SetCaseManagersAsync(youthId, "demo-casemanager", own), 400);
        await HttpAssert.Problem(await api.AsSubject(own, "demo").GetAsync($"/api/youth/{youthId}"), 404);
    }

    [Fact]
    public async Task A_youth_s_sign_in_of_before_is_neither_made_their_case_manager_nor_proposed_as_their_mentor()
    {
        // The survivor's old sign-in, replaced by a new one, is still theirs (or a phone someone else has).
        var former = "youth-old-" + Guid.NewGuid().ToString("N")[..8];
        var (youthId, _) = await _world.YouthAsync(age: 19, personId: former);
        var (newSignIn, _) = await _world.PersonAsync(Roles.Youth);
        await _world.LinkSignInAsync(youthId, newSignIn);
        await _world.SetRolesAsync(former, Roles.CaseManager);

        await HttpAssert.Problem(await SetCaseManagersAsync(youthId, "demo-casemanager", former), 400);
        await HttpAssert.Problem(await api.AsSubject(former, "demo").GetAsync($"/api/youth/{youthId}"), 404);

        // Listed as a case manager before this was refused, they still read nothing of the youth as one.
        var store = api.Services.GetRequiredService<IDocumentStore>();
        var record = (await store.ReadAsync<YouthReferral>(YouthReferral.Container, youthId, "demo", CancellationToken.None))!;
        await store.ReplaceAsync(YouthReferral.Container, record with { CaseManagerIds = [.. record.CaseManagerIds, former] }, record.ETag!, CancellationToken.None);
        await HttpAssert.Problem(await api.AsSubject(former, "demo").GetAsync($"/api/youth/{youthId}"), 404);

        // Nor, made a mentor instead, are they proposed to themselves.
        await _world.SetRolesAsync(former, Roles.Mentor);
        await _world.ReadyMentorAsync(id: former, existing: true);
        var refused = await HttpAssert.Problem(await _world.CaseManager.PostJson("/api/matches", new { youthId, mentorId = former }), 409);
        Assert.Contains(PairConstraints.TheYouthThemselves, refused.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_youth_is_handed_only_to_the_active_case_managers_listed()
    {
        var (goneId, _) = await _world.PersonAsync(Roles.CaseManager);
        await MentoringWorld.Ok(await _world.Admin.PostAsync($"/api/people/{goneId}/deactivate", null));

        var listed = await HttpAssert.Ok<List<CaseManagerDto>>(await _world.CaseManager.GetAsync("/api/case-managers"));

        Assert.Contains(listed, c => c.Id == "demo-casemanager");
        Assert.DoesNotContain(listed, c => c.Id == goneId);
    }

    [Fact]
    public async Task A_youth_s_yes_while_none_of_their_case_managers_can_act_waits_for_one_to_start_the_match()
    {
        var (mentorId, mentor) = await _world.ReadyMentorAsync();
        var (youthId, youth) = await _world.YouthAsync();
        var match = await _world.AcceptedAsync(youthId, mentorId, mentor);
        var (leavingId, _) = await _world.PersonAsync(Roles.CaseManager);
        await _world.HandOverAsync(youthId, leavingId);
        await MentoringWorld.Ok(await _world.Admin.PostAsync($"/api/people/{leavingId}/deactivate", null));

        // No chat opens with nobody to oversee it.
        var agreed = await MentoringWorld.Ok<MatchDto>(await youth.PostAsync($"/api/matches/{match.Id}/agree", null));
        Assert.Equal("AwaitingConsent", agreed.State);

        var entry = Assert.Single(await NeedingAsync(), y => y.Id == youthId);
        var handOver = new HttpRequestMessage(HttpMethod.Put, $"/api/youth/{youthId}/case-managers") { Content = JsonContent.Create(new { caseManagerIds = new[] { "demo-casemanager" } }) };
        handOver.Headers.TryAddWithoutValidation("If-Match", entry.Version);
        await MentoringWorld.Ok(await _world.Admin.SendAsync(handOver));
        var started = await MentoringWorld.Ok<MatchDto>(await MentoringWorld.StepAsync(_world.CaseManager, match.Id, "activate"));
        Assert.Equal("Active", started.State);
    }

    [Fact]
    public async Task An_admin_kept_from_every_youth_a_departing_case_manager_leaves_is_not_told_of_them()
    {
        var (keptAdminId, keptAdmin) = await _world.AdminMentorAsync();
        var (youthId, _) = await _world.YouthAsync(doNotMatch: [keptAdminId]);
        var (leavingId, _) = await _world.PersonAsync(Roles.CaseManager);
        await _world.HandOverAsync(youthId, leavingId);
        var since = DateTimeOffset.UtcNow;

        await MentoringWorld.Ok(await _world.Admin.PostAsync($"/api/people/{leavingId}/deactivate", null));

        Assert.Single(await NeedNoticesSinceAsync(since));
        Assert.Contains(await NeedingAsync(), y => y.Id == youthId);
        Assert.DoesNotContain(await keptAdmin.NoticesAsync(), n => n.Kind is "youth-need-case-manager" or "youth-needs-an-admin");
        Assert.DoesNotContain(await HttpAssert.Ok<List<NeedingDto>>(await keptAdmin.GetAsync("/api/youth/needing-case-manager")), y => y.Id == youthId);
    }

    /// <summary>The admin's notices that youth need a case manager, sent since <paramref name="since"/> (this collection's tests run one at a time).</summary>
    private async Task<List<NotificationDto>> NeedNoticesSinceAsync(DateTimeOffset since) =>
        [.. (await HttpAssert.Ok<PageDto<NotificationDto>>(await _world.Admin.GetAsync("/api/notifications?pageSize=100"))).Items
            .Where(n => n.Kind == "youth-need-case-manager" && n.At >= since)];

    private async Task<List<NeedingDto>> NeedingAsync() =>
        await HttpAssert.Ok<List<NeedingDto>>(await _world.Admin.GetAsync("/api/youth/needing-case-manager"));

    /// <summary>The youth's case managers set to <paramref name="ids"/> by demo-casemanager, from the record as it is now.</summary>
    private async Task<HttpResponseMessage> SetCaseManagersAsync(string youthId, params string[] ids)
    {
        var youth = await _world.CaseManager.GetAsync($"/api/youth/{youthId}");
        using var request = new HttpRequestMessage(HttpMethod.Put, $"/api/youth/{youthId}/case-managers") { Content = JsonContent.Create(new { caseManagerIds = ids }) };
        request.Headers.TryAddWithoutValidation("If-Match", youth.Headers.ETag!.Tag);
        return await _world.CaseManager.SendAsync(request);
    }
}
