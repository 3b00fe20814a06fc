using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using SurvivorConnect.Api.Features.Teaming;
using SurvivorConnect.Api.Features.Teaming.Rules;
using SurvivorConnect.Api.Infrastructure.Auth;
using SurvivorConnect.Storage;

namespace SurvivorConnect.IntegrationTests;

/// <summary>Partnerships, teams, plans and meetings, and sharing with a partner agency only under a current partnership and consent.</summary>
[Collection(SharedApi.Name)]
public sealed class TeamingTests(ApiFactory api)
{
    private readonly TeamingWorld _world = new(api);

    [Fact]
    public async Task A_youth_whose_role_was_changed_still_finds_their_sharing_and_stops_it_and_the_partner_reads_nothing_more()
    {
        // Served as an adult, they take paid work here now.
        var team = await _world.SharedTeamAsync(kinds: ["CasePlan"], youthAge: 19);
        await MentoringWorld.Ok(await TeamingWorld.ReadAsync(team));
        await _world.Mentoring.SetRolesAsync(team.YouthPersonId, Roles.Advisor);

        var (_, stranger) = await _world.Mentoring.PersonAsync(Roles.Advisor);
        Assert.Empty(await HttpAssert.Ok<List<JsonElement>>(await stranger.GetAsync("/api/consents/mine")));
        await HttpAssert.Problem(await stranger.PostAsync($"/api/consents/{team.ConsentId}/revoke", null), 404);

        var sharing = Assert.Single(await HttpAssert.Ok<List<JsonElement>>(await team.Youth.GetAsync("/api/consents/mine")), c => c.GetProperty("scope").GetString() == "mdt-sharing");
        Assert.Equal(team.ConsentId, sharing.GetProperty("id").GetString());
        Assert.Equal($"To share your plan with {team.Partner.Name}", sharing.GetProperty("what").GetString());

        await MentoringWorld.Ok(await team.Youth.PostAsync($"/api/consents/{team.ConsentId}/revoke", null));

        await TeamingWorld.RefusedAsync(await TeamingWorld.ReadAsync(team), HttpStatusCode.Forbidden);
        Assert.DoesNotContain(await HttpAssert.Ok<List<JsonElement>>(await team.Youth.GetAsync("/api/consents/mine")), c => c.GetProperty("scope").GetString() == "mdt-sharing");
        // Their own no: staff cannot say yes again for them.
        await HttpAssert.Problem(await _world.CaseManager.PostJson("/api/consents", new
        {
            subjectId = team.YouthId, grantor = "Youth", scope = "mdt-sharing", partnerAgencyId = team.Partner.Id, kinds = new[] { "CasePlan" },
        }), 409);
    }

    [Fact]
    public async Task Ending_a_partnership_in_force_on_the_partnerships_page_is_asked_about_once_and_nothing_ends_until_the_admin_says_yes()
    {
        var partner = await _world.AgencyAsync();
        var id = await _world.PartnershipAsync(partner);
        var page = await PortalSession.SignedInAsync(api, "demo-admin");
        await page.GetStringAsync("/partnerships");

        var asked = await PortalSession.PostFormAsync(page, "/partnerships", $"end-{id}");
        var kept = await PortalSession.PostFormAsync(page, "/partnerships", $"end-{id}", ("Confirmed", "no"));
        var stateAfterNo = await StateAsync();
        var ended = await PortalSession.PostFormAsync(page, "/partnerships", $"end-{id}", ("Confirmed", "yes"));

        Assert.Contains("Every youth&#x27;s sharing with them stops at once", asked, StringComparison.Ordinal);
        Assert.Contains("Nothing has changed. The partnership goes on.", kept, StringComparison.Ordinal);
        Assert.Equal("Active", stateAfterNo);
        Assert.Contains("Ended. Nothing is shared under it from now on.", ended, StringComparison.Ordinal);
        Assert.Equal("Ended", await StateAsync());

        async Task<string?> StateAsync() =>
            (await HttpAssert.Ok<List<JsonElement>>(await _world.Admin.GetAsync("/api/partnerships"))).Single(p => p.GetProperty("id").GetString() == id).GetProperty("state").GetString();
    }

    [Fact]
    public async Task On_the_team_page_taking_someone_off_is_asked_about_first_and_a_consent_not_yet_agreed_keeps_what_was_ticked()
    {
        var team = await _world.SharedTeamAsync();
        var path = $"/teams/{team.YouthId}";
        var page = await PortalSession.SignedInAsync(api, "demo-casemanager");
        var memberId = System.Text.RegularExpressions.Regex.Match(await page.GetStringAsync(path), "name=\"_handler\" value=\"remove-([^\"]+)\"").Groups[1].Value;
        Assert.NotEmpty(memberId);

        var asked = await PortalSession.PostFormAsync(page, path, $"remove-{memberId}");
        var membersAfterAsking = await MembersAsync();
        var kept = await PortalSession.PostFormAsync(page, path, $"remove-{memberId}", ("Confirmed", "no"));
        var notAgreed = await PortalSession.PostFormAsync(page, path, "share", ("PartnerAgencyId", team.Partner.Id), ("Kinds", "SafetyPlan"));
        var removed = await PortalSession.PostFormAsync(page, path, $"remove-{memberId}", ("Confirmed", "yes"));

        Assert.Contains("Yes, take them off", asked, StringComparison.Ordinal);
        Assert.Contains(membersAfterAsking, m => m == memberId);
        Assert.Contains("Nothing has changed.", kept, StringComparison.Ordinal);
        Assert.Contains("Record a consent only once the youth has told you they agree.", notAgreed, StringComparison.Ordinal);
        Assert.Matches("value=\"SafetyPlan\" checked", notAgreed);
        Assert.Contains("Taken off the team.", removed, StringComparison.Ordinal);
        Assert.DoesNotContain(await MembersAsync(), m => m == memberId);

        async Task<List<string?>> MembersAsync() =>
            [.. (await HttpAssert.Ok<JsonElement>(await _world.CaseManager.GetAsync($"/api/teams/{team.YouthId}"))).GetProperty("members").EnumerateArray().Select(m => m.GetProperty("id").GetString())];
    }

    [Fact]
    public async Task A_partnership_is_proposed_by_one_admin_accepted_by_the_other_and_ended_by_either_at_once()
    {
        var partner = await _world.AgencyAsync();
        var proposed = await MentoringWorld.Created<JsonElement>(await _world.Admin.PostJson("/api/partnerships", new
        {
            partnerAgencyId = partner.Id, kinds = new[] { "CasePlan" }, legalBasis = "Information-sharing agreement", expiresAt = DateTimeOffset.UtcNow.AddMonths(6),
        }));
        var id = proposed.GetProperty("id").GetString()!;
        Assert.Equal("Proposed", proposed.GetProperty("state").GetString());
        Assert.False(proposed.GetProperty("current").GetBoolean());

        var theirs = (await HttpAssert.Ok<List<JsonElement>>(await partner.Admin.GetAsync("/api/partnerships"))).Single();
        Assert.True(theirs.GetProperty("awaitingUs").GetBoolean());
        Assert.Equal("demo", theirs.GetProperty("otherAgencyId").GetString());
        await HttpAssert.Problem(await _world.Admin.PostJson($"/api/partnerships/{id}/accept", new { }), 403);

        var accepted = await HttpAssert.Ok<JsonElement>(await partner.Admin.PostJson($"/api/partnerships/{id}/accept", new
        {
            professionals = new[] { new { personId = partner.ProfessionalId, title = "Advocate" } },
        }));
        Assert.True(accepted.GetProperty("current").GetBoolean());
        var ours = (await HttpAssert.Ok<List<JsonElement>>(await _world.Admin.GetAsync("/api/partnerships"))).Single(p => p.GetProperty("id").GetString() == id);
        Assert.True(ours.GetProperty("current").GetBoolean());
        Assert.Equal(partner.ProfessionalId, ours.GetProperty("theirProfessionals")[0].GetProperty("personId").GetString());

        var ended = await HttpAssert.Ok<JsonElement>(await partner.Admin.PostAsync($"/api/partnerships/{id}/end", null));
        Assert.Equal("Ended", ended.GetProperty("state").GetString());
        ours = (await HttpAssert.Ok<List<JsonElement>>(await _world.Admin.GetAsync("/api/partnerships"))).Single(p => p.GetProperty("id").GetString() == id);
        Assert.Equal("Ended", ours.GetProperty("state").GetString());
        Assert.False(ours.GetProperty("current").GetBoolean());
    }

    [Fact]
    public async Task The_other_agencys_admins_the_seated_professional_and_the_youth_are_told_without_names()
    {
        var team = await _world.SharedTeamAsync();
        await MentoringWorld.Ok(await _world.CaseManager.PostJson($"/api/teams/{team.YouthId}/members", new { role = "Support", name = "Coach Dana" }));

        Assert.Contains("partnership-proposed", await KindsAsync(team.Partner.Admin));
        Assert.Contains("team-partner", await KindsAsync(team.Partner.Professional));
        Assert.Contains("partnership-accepted", await KindsAsync(_world.Admin));
        Assert.Contains("team-support", await KindsAsync(team.Youth));
        Assert.Contains("team-partner-joined", await KindsAsync(team.Youth));
        Assert.Contains("sharing-recorded", await KindsAsync(team.Youth));
        var texts = (await HttpAssert.Ok<PageDto<NotificationDto>>(await team.Partner.Professional.GetAsync("/api/notifications"))).Items.Select(n => n.Text);
        Assert.DoesNotContain(texts, t => t.Contains("Youth ", StringComparison.Ordinal) || t.Contains("Coach", StringComparison.Ordinal));

        await MentoringWorld.Ok(await _world.Admin.PostAsync($"/api/partnerships/{team.PartnershipId}/end", null));
        Assert.Contains("partnership-ended", await KindsAsync(team.Partner.Admin));
    }

    [Fact]
    public async Task Someone_named_as_a_support_does_not_join_as_a_professional_and_a_support_is_asked_about_once_and_not_again_soon_after_a_no()
    {
        var team = await _world.SharedTeamAsync();
        var (auntId, _) = await _world.Mentoring.PersonAsync(Roles.Supervisor);
        var members = $"/api/teams/{team.YouthId}/members";
        var asked = await HttpAssert.Ok<JsonElement>(await _world.CaseManager.PostJson(members, new { role = "Support", personId = auntId, title = "Aunt" }));
        var supportId = asked.GetProperty("members").EnumerateArray().Single(m => m.GetProperty("role").GetString() == "Support").GetProperty("id").GetString();
        await HttpAssert.Ok<JsonElement>(await team.Youth.PostAsync($"/api/my-team/supports/{supportId}/decline", null));

        var refused = await HttpAssert.Problem(await _world.CaseManager.PostJson(members, new { role = "Professional", personId = auntId }), 409);

        // The youth's "no" is not worn down by asking again, by sign-in or by the name the youth knows them by.
        var again = await HttpAssert.Problem(await _world.CaseManager.PostJson(members, new { role = "Support", personId = auntId, title = "Aunt" }), 409);
        Assert.Contains("The youth said no to them", again.GetProperty("detail").GetString(), StringComparison.Ordinal);
        var auntName = asked.GetProperty("members").EnumerateArray().Single(m => m.GetProperty("id").GetString() == supportId).GetProperty("displayName").GetString();
        await HttpAssert.Problem(await _world.CaseManager.PostJson(members, new { role = "Support", name = auntName!.ToUpperInvariant() }), 409);
        await HttpAssert.Ok<JsonElement>(await _world.CaseManager.PostJson(members, new { role = "Support", name = "Gran" }));
        await HttpAssert.Problem(await _world.CaseManager.PostJson(members, new { role = "Support", name = " gran " }), 409);

        Assert.Contains("do not join the team as a professional", refused.GetProperty("detail").GetString(), StringComparison.Ordinal);

        // Another professional on the team does not see whom the youth has been asked about and not yet agreed to.
        var (colleagueId, colleague) = await _world.Mentoring.PersonAsync(Roles.Supervisor);
        await HttpAssert.Ok<JsonElement>(await _world.CaseManager.PostJson(members, new { role = "Professional", personId = colleagueId }));
        var seen = await HttpAssert.Ok<JsonElement>(await colleague.GetAsync($"/api/teams/{team.YouthId}"));
        Assert.DoesNotContain(seen.GetProperty("members").EnumerateArray(), m => m.GetProperty("displayName").GetString() == "Gran");
        var lead = await HttpAssert.Ok<JsonElement>(await _world.CaseManager.GetAsync($"/api/teams/{team.YouthId}"));
        Assert.Contains(lead.GetProperty("members").EnumerateArray(), m => m.GetProperty("displayName").GetString() == "Gran");
    }

    [Fact]
    public async Task A_youths_sign_in_of_before_given_a_staff_role_is_not_offered_for_their_team_nor_joins_it()
    {
        var team = await _world.SharedTeamAsync();
        var former = team.YouthPersonId;
        var (newSignIn, _) = await _world.Mentoring.PersonAsync(Roles.Youth);
        await _world.Mentoring.LinkSignInAsync(team.YouthId, newSignIn);
        await _world.Mentoring.SetRolesAsync(former, Roles.Supervisor);

        var lead = await HttpAssert.Ok<JsonElement>(await _world.CaseManager.GetAsync($"/api/teams/{team.YouthId}"));
        Assert.DoesNotContain(lead.GetProperty("colleagues").EnumerateArray(), c => c.GetProperty("id").GetString() == former);
        await HttpAssert.Problem(await _world.CaseManager.PostJson($"/api/teams/{team.YouthId}/members", new { role = "Professional", personId = former }), 400);
        await HttpAssert.Problem(await api.AsSubject(former, "demo").GetAsync($"/api/teams/{team.YouthId}"), 404);

        // Listed as a case manager before that was refused, they are not shown to the team as one either.
        var store = api.Services.GetRequiredService<IDocumentStore>();
        var record = (await store.ReadAsync<SurvivorConnect.Api.Features.Mentoring.YouthReferral>(SurvivorConnect.Api.Features.Mentoring.YouthReferral.Container, team.YouthId, "demo", CancellationToken.None))!;
        await store.ReplaceAsync(SurvivorConnect.Api.Features.Mentoring.YouthReferral.Container, record with { CaseManagerIds = [.. record.CaseManagerIds, former] }, record.ETag!, CancellationToken.None);
        var shown = await HttpAssert.Ok<JsonElement>(await _world.CaseManager.GetAsync($"/api/teams/{team.YouthId}"));
        Assert.DoesNotContain(shown.GetProperty("members").EnumerateArray(), m => m.GetProperty("id").GetString() == "lead~" + former);
    }

    [Fact]
    public async Task The_youth_is_told_when_someone_from_their_own_agency_joins_their_team_once_while_unread()
    {
        var team = await _world.SharedTeamAsync();
        var members = $"/api/teams/{team.YouthId}/members";
        var (firstId, _) = await _world.Mentoring.PersonAsync(Roles.Supervisor);
        var (secondId, _) = await _world.Mentoring.PersonAsync(Roles.Supervisor);

        await HttpAssert.Ok<JsonElement>(await _world.CaseManager.PostJson(members, new { role = "Professional", personId = firstId }));
        await HttpAssert.Ok<JsonElement>(await _world.CaseManager.PostJson(members, new { role = "Professional", personId = secondId }));

        var told = Assert.Single(await team.Youth.NoticesAsync(), n => n.Kind == "team-professional-joined");
        Assert.Contains("tell your case manager", told.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_youth_who_took_a_support_off_their_team_can_put_them_back_themselves_while_their_no_keeps_others_from_asking()
    {
        var team = await _world.SharedTeamAsync();
        var members = $"/api/teams/{team.YouthId}/members";
        var asked = await HttpAssert.Ok<JsonElement>(await _world.CaseManager.PostJson(members, new { role = "Support", name = "Grandma Rose" }));
        var supportId = asked.GetProperty("members").EnumerateArray().Single(m => m.GetProperty("displayName").GetString() == "Grandma Rose").GetProperty("id").GetString();
        await HttpAssert.Ok<JsonElement>(await team.Youth.PostAsync($"/api/my-team/supports/{supportId}/agree", null));

        // A tap on "Take off my team", meant or not.
        var off = await HttpAssert.Ok<JsonElement>(await team.Youth.PostAsync($"/api/my-team/supports/{supportId}/decline", null));
        Assert.DoesNotContain(off.GetProperty("members").EnumerateArray(), m => m.GetProperty("id").GetString() == supportId);
        var saidNo = Assert.Single(off.GetProperty("saidNoTo").EnumerateArray());
        Assert.Equal("Grandma Rose", saidNo.GetProperty("displayName").GetString());
        await HttpAssert.Problem(await _world.CaseManager.PostJson(members, new { role = "Support", name = "Grandma Rose" }), 409);

        // Nobody else takes back the youth's no: not another youth, not the lead.
        var (_, other) = await _world.Mentoring.YouthAsync();
        await HttpAssert.Problem(await other.PostAsync($"/api/my-team/supports/{supportId}/put-back", null), 404);

        var back = await HttpAssert.Ok<JsonElement>(await team.Youth.PostAsync($"/api/my-team/supports/{supportId}/put-back", null));

        Assert.Contains(back.GetProperty("members").EnumerateArray(), m => m.GetProperty("id").GetString() == supportId && m.GetProperty("youthAgreed").GetBoolean());
        Assert.Empty(back.GetProperty("saidNoTo").EnumerateArray());
        var lead = await HttpAssert.Ok<JsonElement>(await _world.CaseManager.GetAsync($"/api/teams/{team.YouthId}"));
        Assert.Contains(lead.GetProperty("members").EnumerateArray(), m => m.GetProperty("displayName").GetString() == "Grandma Rose");
        Assert.Contains(await TeamingWorld.AuditAsync(_world.Admin, "team.support-put-back"), e => e.GetProperty("recordId").GetString() == supportId);
        await HttpAssert.Problem(await team.Youth.PostAsync($"/api/my-team/supports/{supportId}/put-back", null), 404);

        // Taken off and put back again and again (from a phone in someone else's hands, say), the lead has one notice.
        await HttpAssert.Ok<JsonElement>(await team.Youth.PostAsync($"/api/my-team/supports/{supportId}/decline", null));
        await HttpAssert.Ok<JsonElement>(await team.Youth.PostAsync($"/api/my-team/supports/{supportId}/put-back", null));
        Assert.Single(await _world.CaseManager.NoticesAsync(), n => n.Kind == "team-support-put-back" && n.ReadAt is null);
    }

    [Fact]
    public async Task Someone_on_the_youths_do_not_match_list_is_neither_offered_nor_added_as_a_support_the_youth_is_asked_about()
    {
        // Staff who mentor too, so they would be offered: one of them linked to whoever harmed the youth.
        var keptId = await StaffMentorAsync();
        var otherMentorId = await StaffMentorAsync();
        var (youthId, _) = await _world.Mentoring.YouthAsync(doNotMatch: [keptId]);
        await MentoringWorld.Created(await _world.CaseManager.PostAsync($"/api/teams/{youthId}", null));

        var offered = (await HttpAssert.Ok<JsonElement>(await _world.CaseManager.GetAsync($"/api/teams/{youthId}"))).GetProperty("colleagues").EnumerateArray().Select(c => c.GetProperty("id").GetString()).ToList();
        var refused = await HttpAssert.Problem(await _world.CaseManager.PostJson($"/api/teams/{youthId}/members", new { role = "Support", personId = keptId, title = "Friend" }), 400);

        Assert.DoesNotContain(keptId, offered);
        Assert.Contains(otherMentorId, offered);
        Assert.Contains("do-not-match", refused.GetProperty("errors").GetProperty("personId")[0].GetString(), StringComparison.Ordinal);
        var team = await HttpAssert.Ok<JsonElement>(await _world.CaseManager.GetAsync($"/api/teams/{youthId}"));
        Assert.DoesNotContain(team.GetProperty("members").EnumerateArray(), m => m.GetProperty("role").GetString() == "Support");
    }

    [Fact]
    public async Task A_support_put_on_the_youths_do_not_match_list_after_being_named_is_no_longer_shown_or_asked_about()
    {
        var (namedId, youthId, youth, supportId) = await SupportNamedAsync();
        async Task<string> MyTeamAsync() => (await HttpAssert.Ok<JsonElement>(await youth.GetAsync("/api/my-team"))).ToString();
        Assert.Contains(supportId, await MyTeamAsync(), StringComparison.Ordinal);

        await NeverToMeetAsync(youthId, namedId);

        Assert.DoesNotContain(supportId, await MyTeamAsync(), StringComparison.Ordinal);
        await HttpAssert.Problem(await youth.PostAsync($"/api/my-team/supports/{supportId}/agree", null), 404);
        var lead = await HttpAssert.Ok<JsonElement>(await _world.CaseManager.GetAsync($"/api/teams/{youthId}"));
        Assert.Contains(lead.GetProperty("members").EnumerateArray(), m => m.GetProperty("id").GetString() == supportId && !m.GetProperty("youthAgreed").GetBoolean()
            && m.GetProperty("keptFromYouth").GetBoolean());

        // The lead is told why the youth is not asked, not left waiting for an answer that cannot come.
        var page = await (await PortalSession.SignedInAsync(api, "demo-casemanager")).GetStringAsync($"/teams/{youthId}");
        Assert.Contains("do-not-match list. Take them off the team.", page, StringComparison.Ordinal);
        Assert.DoesNotContain("Waiting for", page, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Someone_put_on_the_youths_do_not_match_list_after_the_youth_agreed_to_them_is_not_written_into_a_meeting_the_youth_reads()
    {
        var (namedId, youthId, youth, supportId) = await SupportNamedAsync();
        await HttpAssert.Ok<JsonElement>(await youth.PostAsync($"/api/my-team/supports/{supportId}/agree", null));
        await NeverToMeetAsync(youthId, namedId);
        var scheduled = await HttpAssert.Ok<JsonElement>(await _world.CaseManager.PostJson($"/api/teams/{youthId}/meetings",
            new { scheduledFor = DateTimeOffset.UtcNow.AddHours(1), agenda = new[] { "School" }, requestId = "kept-1" }));
        var recordUrl = $"/api/teams/{youthId}/meetings/{scheduled.GetProperty("meetings")[0].GetProperty("id").GetString()}/record";

        var refused = await HttpAssert.Problem(await _world.CaseManager.RecordMeetingAsync(recordUrl, new { attended = new[] { "youth", supportId }, youthParticipation = "InPerson" }), 400);
        var owner = await HttpAssert.Problem(await _world.CaseManager.RecordMeetingAsync(recordUrl, new
        {
            attended = new[] { "youth" }, youthParticipation = "InPerson",
            actions = new[] { new { text = "Call the school", ownerMemberId = supportId, due = DateOnly.FromDateTime(DateTime.UtcNow.AddDays(7)) } },
        }), 400);

        Assert.True(refused.GetProperty("errors").TryGetProperty("attended", out _));
        Assert.True(owner.GetProperty("errors").TryGetProperty("attended", out _));
        await HttpAssert.Ok<JsonElement>(await _world.CaseManager.RecordMeetingAsync(recordUrl, new { attended = new[] { "youth" }, youthParticipation = "InPerson" }));
    }

    /// <summary>A youth with a team, and a staff mentor named as someone who supports them, whom the youth is asked about.</summary>
    private async Task<(string NamedId, string YouthId, HttpClient Youth, string SupportId)> SupportNamedAsync()
    {
        var namedId = await StaffMentorAsync();
        var (youthId, youth) = await _world.Mentoring.YouthAsync();
        await MentoringWorld.Created(await _world.CaseManager.PostAsync($"/api/teams/{youthId}", null));
        var asked = await HttpAssert.Ok<JsonElement>(await _world.CaseManager.PostJson($"/api/teams/{youthId}/members", new { role = "Support", personId = namedId, title = "Friend" }));
        return (namedId, youthId, youth, asked.GetProperty("members").EnumerateArray().Single(m => m.GetProperty("role").GetString() == "Support").GetProperty("id").GetString()!);
    }

    /// <summary>The youth's case manager puts <paramref name="personId"/> on the youth's do-not-match list.</summary>
    private async Task NeverToMeetAsync(string youthId, string personId)
    {
        var record = await _world.CaseManager.GetAsync($"/api/youth/{youthId}");
        var before = await HttpAssert.Ok<JsonElement>(record);
        await HttpAssert.Ok<JsonElement>(await _world.CaseManager.PutJson($"/api/youth/{youthId}", new
        {
            displayName = before.GetProperty("displayName").GetString(), age = 16, personId = before.GetProperty("personId").GetString(), doNotMatch = new[] { personId },
        }, record.Headers.ETag!.Tag));
    }

    /// <summary>A mentor who supervises too: staff, so offered for a team.</summary>
    private async Task<string> StaffMentorAsync()
    {
        var (id, _) = await _world.Mentoring.ReadyMentorAsync();
        await _world.Mentoring.SetRolesAsync(id, Roles.Mentor, Roles.Supervisor);
        return id;
    }

    [Fact]
    public async Task A_partner_s_professional_taken_off_and_added_again_and_again_is_one_notice_to_the_youth_and_to_them()
    {
        var team = await _world.SharedTeamAsync();
        for (var i = 0; i < 3; i++)
        {
            var view = await HttpAssert.Ok<JsonElement>(await _world.CaseManager.GetAsync($"/api/teams/{team.YouthId}"));
            var member = view.GetProperty("members").EnumerateArray().Single(m => m.GetProperty("fromPartner").GetBoolean());
            await MentoringWorld.Ok(await _world.CaseManager.PostAsync($"/api/teams/{team.YouthId}/members/{member.GetProperty("id").GetString()}/remove", null));
            await MentoringWorld.Ok(await _world.CaseManager.PostJson($"/api/teams/{team.YouthId}/members", new { role = "Professional", personId = team.Partner.ProfessionalId, agencyId = team.Partner.Id }));
        }

        Assert.Single(await KindsAsync(team.Youth), kind => kind == "team-partner-joined");
        Assert.Single(await KindsAsync(team.Partner.Professional), kind => kind == "team-partner");
    }

    private static async Task<List<string>> KindsAsync(HttpClient client) =>
        [.. (await HttpAssert.Ok<PageDto<NotificationDto>>(await client.GetAsync("/api/notifications"))).Items.Select(n => n.Kind)];

    [Fact]
    public async Task A_new_plan_item_sent_twice_from_one_form_is_added_once_and_the_next_form_adds_another()
    {
        var team = await _world.SharedTeamAsync();
        var portal = await PortalSession.SignedInAsync(api, "demo-casemanager");
        var plans = $"/teams/{team.YouthId}/plans";
        var key = PortalSession.Hidden(await portal.GetStringAsync(plans), "ItemKey");

        await PortalSession.PostFormAsync(portal, plans, "new-item", ("Kind", "Goal"), ("Text", "Find a quiet place to study"), ("Status", "Open"), ("ItemKey", key));
        var again = await PortalSession.PostFormAsync(portal, plans, "new-item", ("Kind", "Goal"), ("Text", "Find a quiet place to study"), ("Status", "Open"), ("ItemKey", key));
        var nextKey = PortalSession.Hidden(again, "ItemKey");
        await PortalSession.PostFormAsync(portal, plans, "new-item", ("Kind", "Goal"), ("Text", "Find a quiet place to study"), ("Status", "Open"), ("ItemKey", nextKey));

        var changed = await PortalSession.PostFormAsync(portal, plans, "new-item", ("Kind", "Goal"), ("Text", "Find a quiet place to read"), ("Status", "Open"), ("ItemKey", key));
        Assert.Contains("This was added to the plan already", changed, StringComparison.Ordinal);
        Assert.Equal(32, key.Length);
        Assert.NotEqual(key, nextKey);
        var plan = await HttpAssert.Ok<JsonElement>(await _world.CaseManager.GetAsync($"/api/teams/{team.YouthId}/plans"));
        Assert.Equal(2, plan.GetProperty("casePlan").EnumerateArray().Count(i => i.GetProperty("text").GetString() == "Find a quiet place to study"));
    }

    [Fact]
    public async Task A_due_date_typed_wrong_in_the_plan_form_is_named_beside_it_and_what_was_typed_stays()
    {
        var team = await _world.SharedTeamAsync();
        var portal = await PortalSession.SignedInAsync(api, "demo-casemanager");

        var answer = await PortalSession.PostFormAsync(portal, $"/teams/{team.YouthId}/plans", "new-item",
            ("Kind", "Goal"), ("Text", "Typed in a hurry"), ("Status", "Open"), ("Due", "0202-03-01"));

        Assert.Contains("A date between 2000 and 2100.", answer, StringComparison.Ordinal);
        Assert.Contains("new-item-due-error", answer, StringComparison.Ordinal);
        Assert.Contains("Typed in a hurry", answer, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_partner_professional_sits_on_a_partner_agency_s_team_and_reads_what_the_youth_shares_and_nothing_else()
    {
        var partner = await _world.AgencyAsync();
        var proId = $"{partner.Id}-probation";
        await api.Services.GetRequiredService<IDocumentStore>().CreateAsync(SurvivorConnect.Api.Features.People.Person.Container, new SurvivorConnect.Api.Features.People.Person
        {
            Id = proId, PartitionKey = partner.Id, AgencyId = partner.Id, DisplayName = "Probation officer", Roles = [Roles.PartnerProfessional], CreatedAt = DateTimeOffset.UtcNow,
        }, CancellationToken.None);
        var pro = api.AsSubject(proId, partner.Id);
        var proposed = await MentoringWorld.Created<JsonElement>(await _world.Admin.PostJson("/api/partnerships", new
        {
            partnerAgencyId = partner.Id, kinds = new[] { "CasePlan" }, legalBasis = "Written agreement and the youth's consent", expiresAt = DateTimeOffset.UtcNow.AddYears(1),
        }));
        await MentoringWorld.Ok(await partner.Admin.PostJson($"/api/partnerships/{proposed.GetProperty("id").GetString()}/accept", new
        {
            professionals = new[] { new { personId = proId, title = "Probation officer" } },
        }));
        var (youthId, _) = await _world.Mentoring.YouthAsync();
        await MentoringWorld.Created(await _world.CaseManager.PostAsync($"/api/teams/{youthId}", null));
        await MentoringWorld.Ok(await _world.CaseManager.PostJson($"/api/teams/{youthId}/members", new { role = "Professional", personId = proId, agencyId = partner.Id }));
        await MentoringWorld.Created<JsonElement>(await _world.CaseManager.PostJson("/api/consents", new
        {
            subjectId = youthId, grantor = "Youth", scope = "mdt-sharing", partnerAgencyId = partner.Id, kinds = new[] { "CasePlan" },
        }));

        var seats = await HttpAssert.Ok<List<JsonElement>>(await pro.GetAsync("/api/shared"));
        pro.DefaultRequestHeaders.Add("X-Access-Purpose", "Court report due");
        await HttpAssert.Ok<JsonElement>(await pro.GetAsync($"/api/shared/{Uri.EscapeDataString(seats.Single().GetProperty("seatId").GetString()!)}"));

        // Why they read it is in the youth's agency's log, as any professional's reason is.
        var log = await HttpAssert.Ok<PageDto<AuditDto>>(await _world.Admin.GetAsync("/api/audit?action=shared.read"));
        Assert.Contains(log.Items, e => e.ActorId == proId && e.Purpose == "Court report due");

        // A caseload, matching, mentors and chats are not theirs, in their own agency either.
        foreach (var url in new[] { "/api/youth", "/api/matches", "/api/mentors", "/api/flags" })
        {
            Assert.Equal(HttpStatusCode.Forbidden, (await pro.GetAsync(url)).StatusCode);
        }
    }

    [Fact]
    public async Task The_youth_hears_of_a_meeting_to_come_once_and_their_own_words_reach_the_team_until_it_is_held()
    {
        var team = await _world.SharedTeamAsync();
        // An hour from now: still to come, and near enough to be written up once held.
        var at = DateTimeOffset.UtcNow.AddHours(1);
        object Meeting(string requestId, string agenda = "School") => new { scheduledFor = at, agenda = new[] { agenda }, requestId };
        await HttpAssert.Ok<JsonElement>(await _world.CaseManager.PostJson($"/api/teams/{team.YouthId}/meetings", Meeting("views-1")));
        await HttpAssert.Ok<JsonElement>(await _world.CaseManager.PostJson($"/api/teams/{team.YouthId}/meetings", Meeting("views-1")));

        // The same form sent with another agenda is not answered as scheduled: the meeting keeps the one it has.
        await HttpAssert.Problem(await _world.CaseManager.PostJson($"/api/teams/{team.YouthId}/meetings", Meeting("views-1", "Housing")), 409);
        var notices = (await HttpAssert.Ok<PageDto<NotificationDto>>(await team.Youth.GetAsync("/api/notifications"))).Items;
        Assert.Single(notices, n => n.Kind == "team-meeting");

        var readByLead = (await HttpAssert.Ok<JsonElement>(await _world.CaseManager.GetAsync($"/api/teams/{team.YouthId}/meetings"))).GetProperty("meetings")[0];
        var mine = await HttpAssert.Ok<JsonElement>(await team.Youth.GetAsync("/api/my-team"));
        var meeting = mine.GetProperty("meetings")[0];
        var url = $"/api/my-team/meetings/{meeting.GetProperty("id").GetString()}/views";
        await HttpAssert.Problem(await team.Youth.PutAsJsonAsync(url, new { views = "No version" }), 428);
        var sent = await HttpAssert.Ok<JsonElement>(await team.Youth.PutJson(url, new { views = "I want to stay at my school." }, meeting.GetProperty("version").GetString()));
        Assert.Equal("I want to stay at my school.", sent.GetProperty("meetings")[0].GetProperty("yourViews").GetString());
        // From a page made before that, a second send does not overwrite it.
        await HttpAssert.Problem(await team.Youth.PutJson(url, new { views = "Older words" }, meeting.GetProperty("version").GetString()), 412);

        var staff = await HttpAssert.Ok<JsonElement>(await _world.CaseManager.GetAsync($"/api/teams/{team.YouthId}/meetings"));
        Assert.Equal("I want to stay at my school.", staff.GetProperty("meetings")[0].GetProperty("youthViews").GetString());

        // The agency's own team plans with the youth's stage of change in mind.
        var own = await HttpAssert.Ok<JsonElement>(await _world.CaseManager.GetAsync($"/api/teams/{team.YouthId}"));
        Assert.Equal(JsonValueKind.String, own.GetProperty("stage").ValueKind);

        // The partner agency the youth shares meeting notes with reads the team's notes, not the youth's own words.
        var shared = await HttpAssert.Ok<JsonElement>(await TeamingWorld.ReadAsync(team));
        var sharedMeeting = Assert.Single(shared.GetProperty("meetings").EnumerateArray());
        Assert.Equal(JsonValueKind.Null, sharedMeeting.GetProperty("youthViews").ValueKind);

        // Another youth reaches no meeting of this one's.
        var (_, other) = await _world.Mentoring.YouthAsync();
        await HttpAssert.Problem(await other.PutJson(url, new { views = "Not mine" }, "\"x\""), 404);

        // Written up on the meeting as the lead read it before the youth's words came, it is refused: they are read first.
        var recordUrl = $"/api/teams/{team.YouthId}/meetings/{meeting.GetProperty("id").GetString()}/record";
        object Record() => new { attended = new[] { "youth" }, youthParticipation = "InPerson" };
        await HttpAssert.Problem(await _world.CaseManager.PostJson(recordUrl, Record()), 428);
        await HttpAssert.Problem(await _world.CaseManager.PostJson(recordUrl, Record(), readByLead.GetProperty("version").GetString()), 412);

        // Once held and written up, what was said stands as it was.
        await HttpAssert.Ok<JsonElement>(await _world.CaseManager.RecordMeetingAsync(recordUrl, Record()));
        var held = (await HttpAssert.Ok<JsonElement>(await team.Youth.GetAsync("/api/my-team"))).GetProperty("meetings")[0];
        await HttpAssert.Problem(await team.Youth.PutJson(url, new { views = "Too late" }, held.GetProperty("version").GetString()), 409);
        Assert.Equal("I want to stay at my school.", held.GetProperty("yourViews").GetString());
    }

    [Fact]
    public async Task A_meeting_moved_before_it_is_held_keeps_the_youths_words_and_the_youth_is_told_once_for_each_change_they_have_not_read()
    {
        var team = await _world.SharedTeamAsync();
        var meetings = $"/api/teams/{team.YouthId}/meetings";
        var scheduled = (await HttpAssert.Ok<JsonElement>(await _world.CaseManager.PostJson(meetings, new
        {
            scheduledFor = DateTimeOffset.UtcNow.AddDays(2), agenda = new[] { "School" },
        }))).GetProperty("meetings")[0];
        var url = $"{meetings}/{scheduled.GetProperty("id").GetString()}";
        var mine = (await HttpAssert.Ok<JsonElement>(await team.Youth.GetAsync("/api/my-team"))).GetProperty("meetings")[0];
        await HttpAssert.Ok<JsonElement>(await team.Youth.PutJson($"/api/my-team/meetings/{mine.GetProperty("id").GetString()}/views",
            new { views = "I want to stay at my school." }, mine.GetProperty("version").GetString()));
        var later = DateTimeOffset.UtcNow.AddDays(5);
        object Move(DateTimeOffset at) => new { scheduledFor = at, agenda = new[] { "School", "Housing" } };
        // Saved with nothing changed, it tells the youth of nothing.
        await HttpAssert.Ok<JsonElement>(await _world.CaseManager.PutJson(url, new { scheduledFor = scheduled.GetProperty("scheduledFor").GetDateTimeOffset(), agenda = new[] { "School" } },
            scheduled.GetProperty("version").GetString()));
        Assert.DoesNotContain(await team.Youth.NoticesAsync(), n => n.Kind == "team-meeting-changed");

        await HttpAssert.Problem(await _world.CaseManager.PutAsJsonAsync(url, Move(later)), 428);
        // From a page drawn before the youth wrote, the move would be made over a meeting the case manager has not seen.
        await HttpAssert.Problem(await _world.CaseManager.PutJson(url, Move(later), scheduled.GetProperty("version").GetString()), 412);
        var (_, otherCaseManager) = await _world.Mentoring.PersonAsync(Roles.CaseManager);
        await HttpAssert.Problem(await otherCaseManager.PutJson(url, Move(later), "\"x\""), 404);
        var current = (await HttpAssert.Ok<JsonElement>(await _world.CaseManager.GetAsync(meetings))).GetProperty("meetings")[0];
        var moved = (await HttpAssert.Ok<JsonElement>(await _world.CaseManager.PutJson(url, Move(later), current.GetProperty("version").GetString()))).GetProperty("meetings")[0];
        // A second tap of the same form, now out of date, changes nothing and is not told of twice.
        await HttpAssert.Ok<JsonElement>(await _world.CaseManager.PutJson(url, Move(later), current.GetProperty("version").GetString()));

        Assert.Equal(later.ToUnixTimeSeconds(), moved.GetProperty("scheduledFor").GetDateTimeOffset().ToUnixTimeSeconds());
        Assert.Equal(["School", "Housing"], moved.GetProperty("agenda").EnumerateArray().Select(a => a.GetString()));
        var told = Assert.Single(await team.Youth.NoticesAsync(), n => n.Kind == "team-meeting-changed");
        var seen = (await HttpAssert.Ok<JsonElement>(await team.Youth.GetAsync("/api/my-team"))).GetProperty("meetings")[0];
        Assert.Equal(later.ToUnixTimeSeconds(), seen.GetProperty("scheduledFor").GetDateTimeOffset().ToUnixTimeSeconds());
        Assert.Equal("I want to stay at my school.", seen.GetProperty("yourViews").GetString());
        Assert.True(seen.GetProperty("takesViews").GetBoolean());

        // Moved again before they read of it: still the one notice, back at the top. Once read, a new change is news.
        var again = (await HttpAssert.Ok<JsonElement>(await _world.CaseManager.PutJson(url, Move(later.AddDays(1)), moved.GetProperty("version").GetString()))).GetProperty("meetings")[0];
        Assert.Single(await team.Youth.NoticesAsync(), n => n.Kind == "team-meeting-changed" && n.ReadAt is null);
        await MentoringWorld.Ok(await team.Youth.PostAsync($"/api/notifications/{told.Id}/read", null));
        await HttpAssert.Ok<JsonElement>(await _world.CaseManager.PutJson(url, Move(later.AddDays(2)), again.GetProperty("version").GetString()));
        Assert.Single(await team.Youth.NoticesAsync(), n => n.Kind == "team-meeting-changed" && n.ReadAt is null);

        Assert.Contains(await TeamingWorld.AuditAsync(_world.Admin, "team-meeting.change"), e => e.GetProperty("recordId").GetString() == team.YouthId);
    }

    [Fact]
    public async Task A_cancelled_meeting_stays_on_the_record_as_cancelled_and_can_be_neither_held_moved_nor_written_to_and_the_youth_is_told_once()
    {
        var team = await _world.SharedTeamAsync();
        var meetings = $"/api/teams/{team.YouthId}/meetings";
        var scheduled = (await HttpAssert.Ok<JsonElement>(await _world.CaseManager.PostJson(meetings, new
        {
            scheduledFor = DateTimeOffset.UtcNow.AddHours(1), agenda = new[] { "School" },
        }))).GetProperty("meetings")[0];
        var url = $"{meetings}/{scheduled.GetProperty("id").GetString()}";
        var version = scheduled.GetProperty("version").GetString();

        await HttpAssert.Problem(await _world.CaseManager.PostAsync($"{url}/cancel", null), 428);
        await HttpAssert.Problem(await team.Youth.PostJson($"{url}/cancel", null, version), 403);
        var cancelled = (await HttpAssert.Ok<JsonElement>(await _world.CaseManager.PostJson($"{url}/cancel", null, version))).GetProperty("meetings")[0];
        // Tapped twice, the second finds it cancelled already: the same answer, and the youth is told once.
        await HttpAssert.Ok<JsonElement>(await _world.CaseManager.PostJson($"{url}/cancel", null, version));

        Assert.Equal(JsonValueKind.String, cancelled.GetProperty("cancelledAt").ValueKind);
        Assert.Single(await team.Youth.NoticesAsync(), n => n.Kind == "team-meeting-cancelled");
        var mine = (await HttpAssert.Ok<JsonElement>(await team.Youth.GetAsync("/api/my-team"))).GetProperty("meetings")[0];
        Assert.True(mine.GetProperty("cancelled").GetBoolean());
        Assert.False(mine.GetProperty("takesViews").GetBoolean());
        var refused = await HttpAssert.Problem(await team.Youth.PutJson($"/api/my-team/meetings/{mine.GetProperty("id").GetString()}/views",
            new { views = "Still coming?" }, mine.GetProperty("version").GetString()), 409);
        Assert.Contains("cancelled", refused.GetProperty("detail").GetString(), StringComparison.Ordinal);

        await HttpAssert.Problem(await _world.CaseManager.PutJson(url, new { scheduledFor = DateTimeOffset.UtcNow.AddDays(3), agenda = new[] { "School" } },
            cancelled.GetProperty("version").GetString()), 409);
        // An hour on it could be recorded, were it held.
        await HttpAssert.Problem(await _world.CaseManager.RecordMeetingAsync($"{url}/record", new { attended = new[] { "youth" }, youthParticipation = "InPerson" }), 409);

        var shared = (await HttpAssert.Ok<JsonElement>(await TeamingWorld.ReadAsync(team))).GetProperty("meetings")[0];
        Assert.Equal(JsonValueKind.String, shared.GetProperty("cancelledAt").ValueKind);
        Assert.Contains(await TeamingWorld.AuditAsync(_world.Admin, "team-meeting.cancel"), e => e.GetProperty("recordId").GetString() == team.YouthId);
    }

    [Fact]
    public async Task A_move_refused_for_its_time_keeps_what_was_typed_and_says_so_beside_that_meetings_form_only()
    {
        var team = await _world.SharedTeamAsync();
        var meetingId = (await HttpAssert.Ok<JsonElement>(await _world.CaseManager.PostJson($"/api/teams/{team.YouthId}/meetings", new
        {
            scheduledFor = DateTimeOffset.UtcNow.AddDays(2), agenda = new[] { "School" },
        }))).GetProperty("meetings")[0].GetProperty("id").GetString();
        var portal = await PortalSession.SignedInAsync(api, "demo-casemanager");
        var page = await portal.GetStringAsync($"/teams/{team.YouthId}/meetings");

        var answer = await PortalSession.PostFormAsync(portal, $"/teams/{team.YouthId}/meetings", $"change-{meetingId}",
            ("Version", PortalSession.Hidden(page, "Version")), ("When", "not a time"), ("Agenda", "School\nA new item"));

        Assert.Contains($"id=\"move-{meetingId}-error\"><span class=\"visually-hidden\">Error:</span> Required.", answer, StringComparison.Ordinal);
        Assert.DoesNotContain("id=\"when-error\"", answer, StringComparison.Ordinal);
        Assert.Contains("School&#xA;A new item</textarea>", answer, StringComparison.Ordinal);
        var meeting = (await HttpAssert.Ok<JsonElement>(await _world.CaseManager.GetAsync($"/api/teams/{team.YouthId}/meetings"))).GetProperty("meetings")[0];
        Assert.Equal(["School"], meeting.GetProperty("agenda").EnumerateArray().Select(a => a.GetString()));
    }

    [Fact]
    public async Task A_meeting_the_youth_was_told_is_coming_that_is_moved_into_the_past_is_news_to_them()
    {
        var team = await _world.SharedTeamAsync();
        var meetings = $"/api/teams/{team.YouthId}/meetings";
        var scheduled = (await HttpAssert.Ok<JsonElement>(await _world.CaseManager.PostJson(meetings, new
        {
            scheduledFor = DateTimeOffset.UtcNow.AddDays(1), agenda = new[] { "School" },
        }))).GetProperty("meetings")[0];

        await HttpAssert.Ok<JsonElement>(await _world.CaseManager.PutJson($"{meetings}/{scheduled.GetProperty("id").GetString()}",
            new { scheduledFor = DateTimeOffset.UtcNow.AddDays(-1), agenda = new[] { "School" } }, scheduled.GetProperty("version").GetString()));

        Assert.Single(await team.Youth.NoticesAsync(), n => n.Kind == "team-meeting-changed");
    }

    [Fact]
    public async Task A_page_drawn_before_a_meeting_was_cancelled_elsewhere_is_answered_in_words_when_sent_again()
    {
        var team = await _world.SharedTeamAsync();
        var meetings = $"/api/teams/{team.YouthId}/meetings";
        var scheduled = (await HttpAssert.Ok<JsonElement>(await _world.CaseManager.PostJson(meetings, new
        {
            scheduledFor = DateTimeOffset.UtcNow.AddHours(1), agenda = new[] { "School" },
        }))).GetProperty("meetings")[0];
        var id = scheduled.GetProperty("id").GetString();
        var version = scheduled.GetProperty("version").GetString()!;
        var portal = await PortalSession.SignedInAsync(api, "demo-casemanager");
        var page = $"/teams/{team.YouthId}/meetings";

        var cancelled = await PortalSession.PostFormAsync(portal, page, $"cancel-{id}", ("Version", version), ("Confirmed", "yes"));
        var tappedAgain = await PortalSession.PostFormAsync(portal, page, $"cancel-{id}", ("Version", version), ("Confirmed", "yes"));
        var moved = await PortalSession.PostFormAsync(portal, page, $"change-{id}", ("Version", version), ("When", DateTime.UtcNow.AddDays(3).ToString("yyyy-MM-dd'T'10:00", System.Globalization.CultureInfo.InvariantCulture)), ("Agenda", "School"));
        var recorded = await PortalSession.PostFormAsync(portal, page, $"record-{id}", ("Attended", "youth"), ("Participation", "InPerson"));

        Assert.Contains("The meeting is cancelled.", cancelled, StringComparison.Ordinal);
        Assert.Contains("The meeting is cancelled.", tappedAgain, StringComparison.Ordinal);
        Assert.Contains("This meeting was cancelled.", moved, StringComparison.Ordinal);
        Assert.Contains("This meeting was cancelled.", recorded, StringComparison.Ordinal);
        Assert.Single(await team.Youth.NoticesAsync(), n => n.Kind == "team-meeting-cancelled");
    }

    [Fact]
    public async Task A_meeting_already_recorded_can_be_neither_moved_nor_cancelled()
    {
        var team = await _world.SharedTeamAsync();
        var meetings = $"/api/teams/{team.YouthId}/meetings";
        var id = (await HttpAssert.Ok<JsonElement>(await _world.CaseManager.PostJson(meetings, new
        {
            scheduledFor = DateTimeOffset.UtcNow.AddDays(-1), agenda = new[] { "School" },
        }))).GetProperty("meetings")[0].GetProperty("id").GetString();
        var held = (await HttpAssert.Ok<JsonElement>(await _world.CaseManager.RecordMeetingAsync($"{meetings}/{id}/record", new
        {
            attended = new[] { "youth" }, youthParticipation = "InPerson",
        }))).GetProperty("meetings")[0];
        var version = held.GetProperty("version").GetString();

        await HttpAssert.Problem(await _world.CaseManager.PutJson($"{meetings}/{id}", new { scheduledFor = held.GetProperty("scheduledFor").GetDateTimeOffset(), agenda = new[] { "School" } }, version), 409);
        await HttpAssert.Problem(await _world.CaseManager.PostJson($"{meetings}/{id}/cancel", null, version), 409);
        var after = (await HttpAssert.Ok<JsonElement>(await _world.CaseManager.GetAsync(meetings))).GetProperty("meetings")[0];
        Assert.True(after.GetProperty("held").GetBoolean());
        Assert.Equal(JsonValueKind.Null, after.GetProperty("cancelledAt").ValueKind);
        Assert.DoesNotContain(await team.Youth.NoticesAsync(), n => n.Kind is "team-meeting-changed" or "team-meeting-cancelled");
    }

    [Fact]
    public async Task A_meeting_scheduled_twice_with_the_same_request_id_is_one_meeting()
    {
        var team = await _world.SharedTeamAsync();
        var at = DateTimeOffset.UtcNow.AddDays(2);
        object Meeting(string requestId) => new { scheduledFor = at, agenda = new[] { "School" }, requestId };

        await HttpAssert.Ok<JsonElement>(await _world.CaseManager.PostJson($"/api/teams/{team.YouthId}/meetings", Meeting("retry-1")));
        var again = await HttpAssert.Ok<JsonElement>(await _world.CaseManager.PostJson($"/api/teams/{team.YouthId}/meetings", Meeting("retry-1")));
        var refused = await HttpAssert.Problem(await _world.CaseManager.PostJson($"/api/teams/{team.YouthId}/meetings", Meeting("not an id!")), 400);

        Assert.Single(again.GetProperty("meetings").EnumerateArray());
        Assert.True(refused.GetProperty("errors").TryGetProperty("requestId", out _));
    }

    [Fact]
    public async Task A_meeting_record_refused_for_one_field_keeps_everything_else_that_was_typed()
    {
        var team = await _world.SharedTeamAsync();
        var meetings = await HttpAssert.Ok<JsonElement>(await _world.CaseManager.PostJson($"/api/teams/{team.YouthId}/meetings", new
        {
            scheduledFor = DateTimeOffset.UtcNow.AddDays(-1), agenda = new[] { "Housing" },
        }));
        var meetingId = meetings.GetProperty("meetings")[0].GetProperty("id").GetString();
        var portal = await PortalSession.SignedInAsync(api, "demo-casemanager");

        var answer = await PortalSession.PostFormAsync(portal, $"/teams/{team.YouthId}/meetings", $"record-{meetingId}",
            ("Attended", "youth"), ("Participation", "Remotely"), ("Decision1", "Look at the flat on Elm Street"), ("View1", "Only with my sister"),
            ("Action1", "Call the landlord"), ("Owner1", "youth"), ("Due1", "0202-03-01"), ("Notes", "A long careful note\nover two lines"));

        Assert.Contains("A date between 2000 and 2100.", answer, StringComparison.Ordinal);
        Assert.Contains("value=\"Look at the flat on Elm Street\"", answer, StringComparison.Ordinal);
        Assert.Contains("value=\"Only with my sister\"", answer, StringComparison.Ordinal);
        Assert.Contains("value=\"Call the landlord\"", answer, StringComparison.Ordinal);
        Assert.Contains("value=\"0202-03-01\"", answer, StringComparison.Ordinal);
        Assert.Contains("A long careful note&#xA;over two lines</textarea>", answer, StringComparison.Ordinal);
        Assert.Matches("name=\"Participation\" value=\"Remotely\" checked", answer);
        Assert.Matches("name=\"Attended\" value=\"youth\" checked", answer);
        Assert.Matches("<option value=\"youth\" selected", answer);
    }

    [Fact]
    public async Task A_meeting_scheduled_twice_by_a_second_tap_is_scheduled_once()
    {
        var team = await _world.SharedTeamAsync();
        var portal = await PortalSession.SignedInAsync(api, "demo-casemanager");
        var page = await portal.GetStringAsync($"/teams/{team.YouthId}/meetings");
        var meetingId = PortalSession.Hidden(page, "MeetingId");
        var when = DateTime.UtcNow.AddDays(5).ToString("yyyy-MM-dd'T'10:00", System.Globalization.CultureInfo.InvariantCulture);

        var first = await PortalSession.PostFormAsync(portal, $"/teams/{team.YouthId}/meetings", "schedule", ("MeetingId", meetingId), ("When", when), ("Agenda", "Tapped twice"));
        var second = await PortalSession.PostFormAsync(portal, $"/teams/{team.YouthId}/meetings", "schedule", ("MeetingId", meetingId), ("When", when), ("Agenda", "Tapped twice"));

        Assert.Contains("The meeting is scheduled.", first, StringComparison.Ordinal);
        Assert.Contains("The meeting is scheduled.", second, StringComparison.Ordinal);
        var meetings = (await HttpAssert.Ok<JsonElement>(await _world.CaseManager.GetAsync($"/api/teams/{team.YouthId}/meetings"))).GetProperty("meetings").EnumerateArray();
        Assert.Single(meetings, m => m.GetProperty("agenda")[0].GetString() == "Tapped twice");
        Assert.NotEqual(meetingId, PortalSession.Hidden(first, "MeetingId"));
    }

    [Fact]
    public async Task A_youths_view_without_its_decision_and_an_action_without_an_owner_are_refused_not_saved_as_nothing_or_given_to_the_youth()
    {
        var team = await _world.SharedTeamAsync();
        var meetingId = (await HttpAssert.Ok<JsonElement>(await _world.CaseManager.PostJson($"/api/teams/{team.YouthId}/meetings", new
        {
            scheduledFor = DateTimeOffset.UtcNow.AddDays(-1), agenda = new[] { "Housing" },
        }))).GetProperty("meetings")[0].GetProperty("id").GetString();
        var portal = await PortalSession.SignedInAsync(api, "demo-casemanager");
        var page = await portal.GetStringAsync($"/teams/{team.YouthId}/meetings");

        var viewAlone = await PortalSession.PostFormAsync(portal, $"/teams/{team.YouthId}/meetings", $"record-{meetingId}",
            ("Attended", "youth"), ("Participation", "InPerson"), ("View1", "I want to stay near my sister"), ("Owner1", ""));
        var noOwner = await PortalSession.PostFormAsync(portal, $"/teams/{team.YouthId}/meetings", $"record-{meetingId}",
            ("Attended", "youth"), ("Participation", "InPerson"), ("Action1", "Call the landlord"), ("Owner1", ""), ("Due1", DateTime.UtcNow.AddDays(3).ToString("yyyy-MM-dd")));

        Assert.Contains("<option value>Choose who</option>", page, StringComparison.Ordinal);
        Assert.Contains("Write what was decided beside each view of the youth&#x27;s.", viewAlone, StringComparison.Ordinal);
        Assert.Contains("value=\"I want to stay near my sister\"", viewAlone, StringComparison.Ordinal);
        Assert.Contains("Choose who does each action.", noOwner, StringComparison.Ordinal);
        var meeting = (await HttpAssert.Ok<JsonElement>(await _world.CaseManager.GetAsync($"/api/teams/{team.YouthId}/meetings"))).GetProperty("meetings").EnumerateArray()
            .Single(m => m.GetProperty("id").GetString() == meetingId);
        Assert.False(meeting.GetProperty("held").GetBoolean());
    }

    [Fact]
    public async Task A_proposal_sent_twice_by_a_second_tap_is_sent_once_and_crossed_proposals_make_one_partnership()
    {
        var partner = await _world.AgencyAsync();
        var portal = await PortalSession.SignedInAsync(api, "demo-admin");
        var proposalId = PortalSession.Hidden(await portal.GetStringAsync("/partnerships"), "ProposalId");
        var expires = DateTime.UtcNow.AddMonths(6).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
        (string, string)[] fields = [("ProposalId", proposalId), ("PartnerAgencyId", partner.Id), ("Kinds", "CasePlan"), ("LegalBasis", "Our written agreement"), ("ExpiresOn", expires)];

        var first = await PortalSession.PostFormAsync(portal, "/partnerships", "propose", fields);
        var second = await PortalSession.PostFormAsync(portal, "/partnerships", "propose", fields);

        Assert.Contains("Proposed.", first, StringComparison.Ordinal);
        Assert.Contains("This proposal has been sent.", second, StringComparison.Ordinal);
        var theirs = await HttpAssert.Ok<List<JsonElement>>(await partner.Admin.GetAsync("/api/partnerships"));
        Assert.Equal(proposalId, Assert.Single(theirs).GetProperty("id").GetString());

        // The partner proposed too at the same moment, before either proposal was written (as two proposals that
        // crossed leave them): once one is accepted, the other cannot be.
        var crossedId = await _world.CrossedProposalAsync(partner, proposalId);

        await MentoringWorld.Ok(await partner.Admin.PostJson($"/api/partnerships/{proposalId}/accept", new { professionals = Array.Empty<object>() }));
        var refused = await HttpAssert.Problem(await _world.Admin.PostJson($"/api/partnerships/{crossedId}/accept", new { professionals = Array.Empty<object>() }), 409);
        Assert.Contains("already a partnership in force", refused.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_partner_professional_reads_only_what_the_partnership_and_the_youths_consent_both_name()
    {
        var team = await _world.SharedTeamAsync(kinds: ["CasePlan"], partnershipKinds: ["CasePlan", "SafetyPlan"]);

        var shared = await HttpAssert.Ok<JsonElement>(await TeamingWorld.ReadAsync(team));
        Assert.Equal(["CasePlan"], shared.GetProperty("kinds").EnumerateArray().Select(k => k.GetString()));
        var goal = shared.GetProperty("casePlan")[0];
        Assert.Equal("Stable housing by spring", goal.GetProperty("text").GetString());
        Assert.Equal(JsonValueKind.Null, goal.GetProperty("youthWords").ValueKind);
        Assert.Equal(JsonValueKind.Null, goal.GetProperty("owner").ValueKind);
        Assert.Equal(JsonValueKind.Null, shared.GetProperty("safetyPlan").ValueKind);
        Assert.Equal(JsonValueKind.Null, shared.GetProperty("meetings").ValueKind);
    }

    [Fact]
    public async Task A_partner_reads_the_shared_plans_without_the_youths_own_words_which_their_team_still_reads()
    {
        var team = await _world.SharedTeamAsync();

        var shared = await HttpAssert.Ok<JsonElement>(await TeamingWorld.ReadAsync(team));
        Assert.Equal("Stable housing by spring", shared.GetProperty("casePlan")[0].GetProperty("text").GetString());
        Assert.Equal(JsonValueKind.Null, shared.GetProperty("casePlan")[0].GetProperty("youthWords").ValueKind);
        Assert.Equal(["Call my sister"], shared.GetProperty("safetyPlan").GetProperty("copingSteps").EnumerateArray().Select(s => s.GetString()));
        Assert.Equal(JsonValueKind.Null, shared.GetProperty("safetyPlan").GetProperty("youthWords").ValueKind);
        Assert.DoesNotContain("own room", shared.GetRawText(), StringComparison.Ordinal);
        Assert.DoesNotContain("followed", shared.GetRawText(), StringComparison.Ordinal);

        var plans = await HttpAssert.Ok<JsonElement>(await _world.CaseManager.GetAsync($"/api/teams/{team.YouthId}/plans"));
        Assert.Equal("I want my own room, near my sister", plans.GetProperty("casePlan")[0].GetProperty("youthWords").GetString());
        Assert.Equal("When I feel followed I go where there are people", plans.GetProperty("safetyPlan").GetProperty("youthWords").GetString());
    }

    [Fact]
    public async Task A_consent_to_share_keeps_the_kinds_as_the_partnership_names_them()
    {
        var partner = await _world.AgencyAsync();
        await _world.PartnershipAsync(partner, kinds: ["CasePlan"]);
        var (youthId, _) = await _world.Mentoring.YouthAsync();

        var consent = await MentoringWorld.Created<JsonElement>(await _world.CaseManager.PostJson("/api/consents", new
        {
            subjectId = youthId, grantor = "Youth", scope = "mdt-sharing", partnerAgencyId = partner.Id, kinds = new[] { " caseplan ", "CASEPLAN" },
        }));

        Assert.Equal(["CasePlan"], consent.GetProperty("kinds").EnumerateArray().Select(k => k.GetString()));
        Assert.Equal(partner.Id, consent.GetProperty("partnerAgencyId").GetString());
    }

    [Fact]
    public async Task When_the_youth_stops_sharing_the_partners_next_read_is_refused_and_both_agencies_audit_every_read()
    {
        var team = await _world.SharedTeamAsync();
        await MentoringWorld.Ok(await TeamingWorld.ReadAsync(team));

        var mine = await HttpAssert.Ok<JsonElement>(await team.Youth.GetAsync("/api/my-team"));
        var sharing = mine.GetProperty("sharing").EnumerateArray().Single();
        Assert.Equal(team.Partner.Id, sharing.GetProperty("partnerAgencyId").GetString());
        await MentoringWorld.Ok(await team.Youth.PostAsync($"/api/consents/{sharing.GetProperty("consentId").GetString()}/revoke", null));

        var refused = await HttpAssert.Problem(await TeamingWorld.ReadAsync(team), 403);
        Assert.Contains("no longer shared", refused.GetProperty("detail").GetString(), StringComparison.Ordinal);
        var list = await HttpAssert.Ok<List<JsonElement>>(await team.Partner.Professional.GetAsync("/api/shared"));
        Assert.False(list.Single().GetProperty("shared").GetBoolean());
        Assert.Equal(JsonValueKind.Null, list.Single().GetProperty("youthName").ValueKind);

        var youthAgencyLog = (await TeamingWorld.AuditAsync(_world.Admin, "shared.read")).Where(e => e.GetProperty("recordId").GetString() == team.YouthId).ToList();
        Assert.Contains(youthAgencyLog, e => e.GetProperty("outcome").GetString() == "Succeeded" && e.GetProperty("actorId").GetString() == team.Partner.ProfessionalId
            && e.GetProperty("actorAgencyId").GetString() == team.Partner.Id);
        Assert.Contains(youthAgencyLog, e => e.GetProperty("outcome").GetString() == "Denied");
        var partnerLog = await TeamingWorld.AuditAsync(team.Partner.Admin, "shared.read");
        Assert.Contains(partnerLog, e => e.GetProperty("outcome").GetString() == "Succeeded" && e.GetProperty("recordId").GetString() == team.SeatId);
        Assert.Contains(partnerLog, e => e.GetProperty("outcome").GetString() == "Denied");

        // Asked again and again, the refusal is in the youth's agency's log once: another agency cannot bury it.
        for (var i = 0; i < 5; i++)
        {
            await HttpAssert.Problem(await TeamingWorld.ReadAsync(team), 403);
        }

        var denied = (await TeamingWorld.AuditAsync(_world.Admin, "shared.read")).Where(e => e.GetProperty("recordId").GetString() == team.YouthId && e.GetProperty("outcome").GetString() == "Denied");
        Assert.Single(denied);
    }

    [Fact]
    public async Task A_partner_listing_what_is_shared_with_them_over_and_over_is_in_the_youth_s_agency_s_log_once_a_minute_and_each_read_every_time()
    {
        var team = await _world.SharedTeamAsync();
        for (var i = 0; i < 5; i++)
        {
            await HttpAssert.Ok<List<JsonElement>>(await team.Partner.Professional.GetAsync("/api/shared"));
            await MentoringWorld.Ok(await TeamingWorld.ReadAsync(team));
        }

        bool OfThisYouth(JsonElement e) => e.GetProperty("recordId").GetString() == team.YouthId && e.GetProperty("outcome").GetString() == "Succeeded";
        Assert.Single(await TeamingWorld.AuditAsync(_world.Admin, "shared.list"), OfThisYouth);
        Assert.Equal(5, (await TeamingWorld.AuditAsync(_world.Admin, "shared.read")).Count(OfThisYouth));
    }

    [Fact]
    public async Task A_newer_consent_to_share_with_a_partner_replaces_the_older_so_the_youths_one_stop_stops_all_of_it_for_good()
    {
        var team = await _world.SharedTeamAsync(kinds: ["CasePlan"]);
        object Share(params string[] kinds) => new { subjectId = team.YouthId, grantor = "Youth", scope = "mdt-sharing", partnerAgencyId = team.Partner.Id, kinds };
        var wider = await MentoringWorld.Created<MentoringTests.ConsentDto>(await _world.CaseManager.PostJson("/api/consents", Share("CasePlan", "SafetyPlan")));

        var consents = await HttpAssert.Ok<List<MentoringTests.ConsentDto>>(await _world.CaseManager.GetAsync($"/api/consents?subjectId={team.YouthId}"));
        Assert.Equal([wider.Id], consents.Where(c => c.Scope == "mdt-sharing" && c.Current).Select(c => c.Id));
        await MentoringWorld.Ok(await team.Youth.PostAsync($"/api/consents/{wider.Id}/revoke", null));

        await TeamingWorld.RefusedAsync(await TeamingWorld.ReadAsync(team), HttpStatusCode.Forbidden);
        // Whichever of their consents the youth said no to, and whatever staff did with another since, staff do not say yes for them.
        await HttpAssert.Problem(await _world.CaseManager.PostJson("/api/consents", Share("CasePlan")), 409);
        await TeamingWorld.RefusedAsync(await TeamingWorld.ReadAsync(team), HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task The_youth_stopping_the_card_their_page_showed_stops_a_newer_consent_staff_recorded_since()
    {
        var team = await _world.SharedTeamAsync(kinds: ["CasePlan"]);
        object Share(params string[] kinds) => new { subjectId = team.YouthId, grantor = "Youth", scope = "mdt-sharing", partnerAgencyId = team.Partner.Id, kinds };
        await MentoringWorld.Created<MentoringTests.ConsentDto>(await _world.CaseManager.PostJson("/api/consents", Share("CasePlan", "SafetyPlan")));

        await MentoringWorld.Ok(await team.Youth.PostAsync($"/api/consents/{team.ConsentId}/revoke", null));

        await TeamingWorld.RefusedAsync(await TeamingWorld.ReadAsync(team), HttpStatusCode.Forbidden);
        var consents = await HttpAssert.Ok<List<MentoringTests.ConsentDto>>(await _world.CaseManager.GetAsync($"/api/consents?subjectId={team.YouthId}"));
        Assert.DoesNotContain(consents, c => c.Scope == "mdt-sharing" && c.Current);
        await HttpAssert.Problem(await _world.CaseManager.PostJson("/api/consents", Share("CasePlan")), 409);
    }

    [Fact]
    public async Task A_consent_staff_recorded_after_the_youth_withdrew_does_not_let_staff_share_again_for_them()
    {
        var team = await _world.SharedTeamAsync(kinds: ["CasePlan"]);
        await MentoringWorld.Ok(await team.Youth.PostAsync($"/api/consents/{team.ConsentId}/revoke", null));

        // As a record written before the rule, or one whose check raced the withdrawal, would be.
        var store = api.Services.GetRequiredService<IDocumentStore>();
        var staffs = await store.CreateAsync(SurvivorConnect.Api.Features.Consent.ConsentRecord.Container, new SurvivorConnect.Api.Features.Consent.ConsentRecord
        {
            Id = Guid.NewGuid().ToString("N"), PartitionKey = "demo", AgencyId = "demo", SubjectId = team.YouthId, Grantor = SurvivorConnect.Api.Features.Consent.ConsentGrantor.Youth,
            Scope = "mdt-sharing", PartnerAgencyId = team.Partner.Id, Kinds = ["CasePlan"], GrantedAt = DateTimeOffset.UtcNow.AddMinutes(1), RecordedBy = "demo-casemanager",
        }, CancellationToken.None);
        await MentoringWorld.Ok(await _world.CaseManager.PostAsync($"/api/consents/{staffs.Id}/revoke", null));

        var again = await HttpAssert.Problem(await _world.CaseManager.PostJson("/api/consents", new
        {
            subjectId = team.YouthId, grantor = "Youth", scope = "mdt-sharing", partnerAgencyId = team.Partner.Id, kinds = new[] { "CasePlan" },
        }), 409);
        Assert.Contains("only they", again.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_admin_reading_whom_a_youth_shares_with_is_audited_with_why()
    {
        var team = await _world.SharedTeamAsync(kinds: ["CasePlan"]);

        await HttpAssert.Ok<List<MentoringTests.ConsentDto>>(await _world.Admin.GetAsync($"/api/consents?subjectId={team.YouthId}"));

        var read = (await TeamingWorld.AuditAsync(_world.Admin, "consent.list")).First(e => e.GetProperty("recordId").GetString() == team.YouthId);
        Assert.Equal("agency administration", read.GetProperty("basis").GetString());
    }

    [Fact]
    public async Task After_the_youth_shares_again_themselves_staff_may_record_sharing_again_once_they_withdrew_their_own()
    {
        var team = await _world.SharedTeamAsync(kinds: ["CasePlan"]);
        object Share(params string[] kinds) => new { subjectId = team.YouthId, grantor = "Youth", scope = "mdt-sharing", partnerAgencyId = team.Partner.Id, kinds };
        await MentoringWorld.Ok(await team.Youth.PostAsync($"/api/consents/{team.ConsentId}/revoke", null));
        await HttpAssert.Problem(await _world.CaseManager.PostJson("/api/consents", Share("CasePlan")), 409);

        // The youth gives it again themselves; staff replace it and then withdraw theirs as a mistake.
        await MentoringWorld.Created<MentoringTests.ConsentDto>(await team.Youth.PostJson("/api/consents", Share("CasePlan")));
        var staffs = await MentoringWorld.Created<MentoringTests.ConsentDto>(await _world.CaseManager.PostJson("/api/consents", Share("CasePlan")));
        await MentoringWorld.Ok(await _world.CaseManager.PostAsync($"/api/consents/{staffs.Id}/correct", null));

        // Staff may give back what staff took back as a mistake, since the youth's own yes.
        await MentoringWorld.Created<MentoringTests.ConsentDto>(await _world.CaseManager.PostJson("/api/consents", Share("CasePlan")));
    }

    [Fact]
    public async Task Sharing_the_youth_gave_themselves_is_shown_to_staff_as_theirs_also_when_written_before_records_said_so()
    {
        var team = await _world.SharedTeamAsync(kinds: ["CasePlan"]);
        var store = api.Services.GetRequiredService<IDocumentStore>();
        var theirs = await store.CreateAsync(SurvivorConnect.Api.Features.Consent.ConsentRecord.Container, new SurvivorConnect.Api.Features.Consent.ConsentRecord
        {
            Id = Guid.NewGuid().ToString("N"), PartitionKey = "demo", AgencyId = "demo", SubjectId = team.YouthId, Grantor = SurvivorConnect.Api.Features.Consent.ConsentGrantor.Youth,
            Scope = "mdt-sharing", PartnerAgencyId = team.Partner.Id, Kinds = ["CasePlan"], GrantedAt = DateTimeOffset.UtcNow.AddMinutes(1), RecordedBy = team.YouthPersonId,
        }, CancellationToken.None);

        var sharing = (await HttpAssert.Ok<JsonElement>(await _world.CaseManager.GetAsync($"/api/teams/{team.YouthId}"))).GetProperty("sharing").EnumerateArray();

        // So staff are offered only to stop it at the youth's word, never to take it back as their own mistake (refused).
        Assert.True(sharing.Single(s => s.GetProperty("consentId").GetString() == theirs.Id).GetProperty("givenBySubject").GetBoolean());
        await HttpAssert.Problem(await _world.CaseManager.PostAsync($"/api/consents/{theirs.Id}/correct", null), 409);
    }

    [Fact]
    public async Task A_case_manager_stopping_sharing_at_the_youths_word_keeps_it_stopped_until_the_youth_shares_again_themselves()
    {
        var team = await _world.SharedTeamAsync(kinds: ["CasePlan"]);
        object Share(params string[] kinds) => new { subjectId = team.YouthId, grantor = "Youth", scope = "mdt-sharing", partnerAgencyId = team.Partner.Id, kinds };

        // The youth, with no sign-in to do it themselves, tells their case manager to stop sharing with the partner.
        await MentoringWorld.Ok(await _world.CaseManager.PostAsync($"/api/consents/{team.ConsentId}/revoke", null));

        // Asked by the partner, neither that case manager nor another on the youth's caseload can share again for them.
        var again = await HttpAssert.Problem(await _world.CaseManager.PostJson("/api/consents", Share("CasePlan")), 409);
        Assert.Contains("only they", again.GetProperty("detail").GetString(), StringComparison.Ordinal);
        await HttpAssert.Problem(await TeamingWorld.ReadAsync(team), 403);

        // The youth saying yes again themselves is theirs to say.
        await MentoringWorld.Created<MentoringTests.ConsentDto>(await team.Youth.PostJson("/api/consents", Share("CasePlan")));
    }

    [Fact]
    public async Task Staff_do_not_share_more_than_the_youth_chose_to_share_themselves()
    {
        var team = await _world.SharedTeamAsync(kinds: ["CasePlan", "SafetyPlan", "MdtNotes"]);
        object Share(params string[] kinds) => new { subjectId = team.YouthId, grantor = "Youth", scope = "mdt-sharing", partnerAgencyId = team.Partner.Id, kinds };

        // The youth narrows it themselves: their newer consent replaces the wider one staff recorded.
        await MentoringWorld.Created<MentoringTests.ConsentDto>(await team.Youth.PostJson("/api/consents", Share("CasePlan")));

        var refused = await HttpAssert.Problem(await _world.CaseManager.PostJson("/api/consents", Share("CasePlan", "SafetyPlan", "MdtNotes")), 409);
        Assert.Contains("chose themselves not to share", refused.GetProperty("detail").GetString(), StringComparison.Ordinal);
        var current = (await HttpAssert.Ok<List<JsonElement>>(await _world.CaseManager.GetAsync($"/api/consents?subjectId={team.YouthId}")))
            .Single(c => c.GetProperty("scope").GetString() == "mdt-sharing" && c.GetProperty("current").GetBoolean());
        Assert.Equal(["CasePlan"], current.GetProperty("kinds").EnumerateArray().Select(k => k.GetString()));
        await MentoringWorld.Created<MentoringTests.ConsentDto>(await _world.CaseManager.PostJson("/api/consents", Share("CasePlan")));
    }

    [Fact]
    public async Task Staff_do_not_share_for_longer_than_the_youth_chose_to_share_themselves()
    {
        var team = await _world.SharedTeamAsync(kinds: ["CasePlan"]);
        var end = DateTimeOffset.UtcNow.AddDays(30);
        object Share(DateTimeOffset? until) => new { subjectId = team.YouthId, grantor = "Youth", scope = "mdt-sharing", partnerAgencyId = team.Partner.Id, kinds = new[] { "CasePlan" }, expiresAt = until };
        await MentoringWorld.Created<MentoringTests.ConsentDto>(await team.Youth.PostJson("/api/consents", Share(end)));

        var forEver = await HttpAssert.Problem(await _world.CaseManager.PostJson("/api/consents", Share(null)), 409);
        await HttpAssert.Problem(await _world.CaseManager.PostJson("/api/consents", Share(end.AddDays(1))), 409);

        Assert.Contains("only they can share it for longer", forEver.GetProperty("detail").GetString(), StringComparison.Ordinal);
        await MentoringWorld.Created<MentoringTests.ConsentDto>(await _world.CaseManager.PostJson("/api/consents", Share(end.AddDays(-1))));
    }

    [Fact]
    public async Task Once_the_youth_stops_sharing_their_case_manager_cannot_share_again_for_them_by_naming_a_match()
    {
        var team = await _world.SharedTeamAsync();
        var (mentorId, _) = await _world.Mentoring.ReadyMentorAsync();
        var match = await _world.Mentoring.ProposeAsync(team.YouthId, mentorId);
        await MentoringWorld.Ok(await team.Youth.PostAsync($"/api/consents/{team.ConsentId}/revoke", null));

        var refused = await HttpAssert.Problem(await _world.CaseManager.PostJson("/api/consents", new
        {
            subjectId = team.YouthId, grantor = "Youth", scope = "mdt-sharing", partnerAgencyId = team.Partner.Id, kinds = new[] { "CasePlan", "SafetyPlan", "MdtNotes" }, matchId = match.Id,
        }), 400);
        var again = await HttpAssert.Problem(await _world.CaseManager.PostJson("/api/consents", new
        {
            subjectId = team.YouthId, grantor = "Youth", scope = "mdt-sharing", partnerAgencyId = team.Partner.Id, kinds = new[] { "SafetyPlan" },
        }), 409);

        Assert.True(refused.GetProperty("errors").TryGetProperty("matchId", out _));
        Assert.Contains("only they", again.GetProperty("detail").GetString(), StringComparison.Ordinal);
        await HttpAssert.Problem(await TeamingWorld.ReadAsync(team), 403);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Ending_the_partnership_from_either_side_stops_the_next_read_and_a_new_one_reads_nothing_until_a_case_manager_adds_them_again(bool byYouthsAgency)
    {
        var team = await _world.SharedTeamAsync();
        await MentoringWorld.Ok(await TeamingWorld.ReadAsync(team));
        var store = api.Services.GetRequiredService<IDocumentStore>();
        var seat = (await store.ReadAsync<TeamSeat>(TeamingData.Container, team.SeatId, team.Partner.Id, default))!;

        var admin = byYouthsAgency ? _world.Admin : team.Partner.Admin;
        await MentoringWorld.Ok(await admin.PostAsync($"/api/partnerships/{team.PartnershipId}/end", null));

        await HttpAssert.Problem(await TeamingWorld.ReadAsync(team), 404);
        Assert.Empty(await HttpAssert.Ok<List<JsonElement>>(await team.Partner.Professional.GetAsync("/api/shared")));
        var members = (await HttpAssert.Ok<JsonElement>(await _world.CaseManager.GetAsync($"/api/teams/{team.YouthId}"))).GetProperty("members").EnumerateArray();
        Assert.DoesNotContain(members, m => m.GetProperty("fromPartner").GetBoolean());
        var partnersLog = (await HttpAssert.Ok<PageDto<AuditDto>>(await _world.Admin.GetAsync($"/api/audit?recordId={team.YouthId}"))).Items;
        Assert.Equal(!byYouthsAgency, partnersLog.Any(e => e.Action == "team.remove-member" && e.ActorId == team.Partner.AdminId));

        // The agencies agree again and the youth shares again, as before (a new yes, under the new partnership): a seat
        // left behind (a race, an older record) reads nothing.
        await _world.PartnershipAgainAsync(team.Partner, team.PartnershipId);
        await MentoringWorld.Created<JsonElement>(await _world.CaseManager.PostJson("/api/consents", new
        {
            subjectId = team.YouthId, grantor = "Youth", scope = "mdt-sharing", partnerAgencyId = team.Partner.Id, kinds = new[] { "CasePlan", "SafetyPlan", "MdtNotes" },
        }));
        await store.UpsertAsync(TeamingData.Container, seat with { ETag = null }, default);
        await HttpAssert.Problem(await TeamingWorld.ReadAsync(team), 403);

        await MentoringWorld.Ok(await _world.CaseManager.PostJson($"/api/teams/{team.YouthId}/members", new { role = "Professional", personId = team.Partner.ProfessionalId, agencyId = team.Partner.Id }));
        var seatId = (await HttpAssert.Ok<List<JsonElement>>(await team.Partner.Professional.GetAsync("/api/shared"))).Single().GetProperty("seatId").GetString();
        await MentoringWorld.Ok(await team.Partner.Professional.GetAsync($"/api/shared/{Uri.EscapeDataString(seatId!)}"));
    }

    [Fact]
    public async Task A_partner_reads_what_a_meeting_decided_but_not_whether_the_youth_took_part_nor_how_their_own_actions_are_going()
    {
        var team = await _world.SharedTeamAsync();
        var view = await HttpAssert.Ok<JsonElement>(await _world.CaseManager.GetAsync($"/api/teams/{team.YouthId}"));
        var partnerMember = view.GetProperty("members").EnumerateArray().Single(m => m.GetProperty("fromPartner").GetBoolean()).GetProperty("id").GetString()!;
        var meetingId = (await HttpAssert.Ok<JsonElement>(await _world.CaseManager.PostJson($"/api/teams/{team.YouthId}/meetings", new
        {
            scheduledFor = DateTimeOffset.UtcNow.AddHours(1), agenda = new[] { "Court date" },
        }))).GetProperty("meetings")[0].GetProperty("id").GetString();
        var lastWeek = DateOnly.FromDateTime(DateTime.UtcNow.AddDays(-7));
        await HttpAssert.Ok<JsonElement>(await _world.CaseManager.RecordMeetingAsync($"/api/teams/{team.YouthId}/meetings/{meetingId}/record", new
        {
            attended = new[] { partnerMember }, youthParticipation = "ChoseNotToTakePart",
            decisions = new[] { new { text = "Ask the court to move the date" } },
            actions = new[]
            {
                new { text = "Go to the appointment with the counsellor", ownerMemberId = "youth", due = lastWeek },
                new { text = "Write to the court", ownerMemberId = partnerMember, due = lastWeek },
            },
        }));

        var shared = Assert.Single((await HttpAssert.Ok<JsonElement>(await TeamingWorld.ReadAsync(team))).GetProperty("meetings").EnumerateArray(),
            m => m.GetProperty("id").GetString() == meetingId);

        Assert.Equal("Ask the court to move the date", shared.GetProperty("decisions")[0].GetProperty("text").GetString());
        Assert.Equal(["Write to the court"], shared.GetProperty("actions").EnumerateArray().Select(a => a.GetProperty("text").GetString()));
        Assert.True(shared.GetProperty("actions")[0].GetProperty("overdue").GetBoolean());
        Assert.Equal(JsonValueKind.Null, shared.GetProperty("youthParticipation").ValueKind);
        Assert.Equal("", shared.GetProperty("version").GetString());
        Assert.DoesNotContain("counsellor", shared.GetRawText(), StringComparison.Ordinal);

        // The youth's own team reads all of it.
        var own = Assert.Single((await HttpAssert.Ok<JsonElement>(await _world.CaseManager.GetAsync($"/api/teams/{team.YouthId}/meetings"))).GetProperty("meetings").EnumerateArray(),
            m => m.GetProperty("id").GetString() == meetingId);
        Assert.Equal("ChoseNotToTakePart", own.GetProperty("youthParticipation").GetString());
        Assert.Equal(2, own.GetProperty("actions").GetArrayLength());
    }

    [Fact]
    public async Task A_partner_reads_the_plan_items_the_youth_sees_and_no_meeting_held_before_they_joined()
    {
        var team = await _world.SharedTeamAsync();
        var stopped = await HttpAssert.Ok<JsonElement>(await _world.CaseManager.PostJson($"/api/teams/{team.YouthId}/case-plan/items", new { kind = "Service", text = "Substance-use programme" }));
        var stoppedId = stopped.GetProperty("casePlan").EnumerateArray().Single(i => i.GetProperty("text").GetString() == "Substance-use programme").GetProperty("id").GetString();
        await HttpAssert.Ok<JsonElement>(await _world.CaseManager.PutJson($"/api/teams/{team.YouthId}/case-plan/items/{stoppedId}",
            new { kind = "Service", text = "Substance-use programme", status = "Stopped" }, stopped.GetProperty("casePlanVersion").GetString()));

        // Recorded early, an hour before it was due, and before the professional was taken off and added again.
        var meetingId = (await HttpAssert.Ok<JsonElement>(await _world.CaseManager.PostJson($"/api/teams/{team.YouthId}/meetings", new
        {
            scheduledFor = DateTimeOffset.UtcNow.AddHours(1), agenda = new[] { "School" },
        }))).GetProperty("meetings")[0].GetProperty("id").GetString();
        await HttpAssert.Ok<JsonElement>(await _world.CaseManager.RecordMeetingAsync($"/api/teams/{team.YouthId}/meetings/{meetingId}/record", new
        {
            attended = new[] { "youth" }, youthParticipation = "InPerson", notes = "Said before the partner was on the team.",
        }));
        var view = await HttpAssert.Ok<JsonElement>(await _world.CaseManager.GetAsync($"/api/teams/{team.YouthId}"));
        var member = view.GetProperty("members").EnumerateArray().Single(m => m.GetProperty("fromPartner").GetBoolean());
        await MentoringWorld.Ok(await _world.CaseManager.PostAsync($"/api/teams/{team.YouthId}/members/{member.GetProperty("id").GetString()}/remove", null));
        await MentoringWorld.Ok(await _world.CaseManager.PostJson($"/api/teams/{team.YouthId}/members", new { role = "Professional", personId = team.Partner.ProfessionalId, agencyId = team.Partner.Id }));
        var seatId = (await HttpAssert.Ok<List<JsonElement>>(await team.Partner.Professional.GetAsync("/api/shared"))).Single().GetProperty("seatId").GetString();
        // The partner agency's log has their professional's seat taken away and given again, by whom and from which agency.
        Assert.Contains(await TeamingWorld.AuditAsync(team.Partner.Admin, "team-seat.remove"),
            e => e.GetProperty("recordId").GetString() == seatId && e.GetProperty("actorId").GetString() == "demo-casemanager" && e.GetProperty("actorAgencyId").GetString() == "demo");

        var shared = await HttpAssert.Ok<JsonElement>(await team.Partner.Professional.GetAsync($"/api/shared/{Uri.EscapeDataString(seatId!)}"));
        var youthSees = await HttpAssert.Ok<JsonElement>(await team.Youth.GetAsync("/api/my-team"));

        Assert.Equal(
            youthSees.GetProperty("plan").EnumerateArray().Select(i => i.GetProperty("text").GetString()),
            shared.GetProperty("casePlan").EnumerateArray().Select(i => i.GetProperty("text").GetString()));
        Assert.DoesNotContain("Substance-use programme", shared.GetRawText(), StringComparison.Ordinal);
        Assert.DoesNotContain(shared.GetProperty("meetings").EnumerateArray(), m => m.GetProperty("id").GetString() == meetingId);
        Assert.DoesNotContain("Said before the partner", shared.GetRawText(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_professional_taken_off_the_team_no_longer_finds_the_youth()
    {
        var team = await _world.SharedTeamAsync();
        var view = await HttpAssert.Ok<JsonElement>(await _world.CaseManager.GetAsync($"/api/teams/{team.YouthId}"));
        var member = view.GetProperty("members").EnumerateArray().Single(m => m.GetProperty("fromPartner").GetBoolean());

        await MentoringWorld.Ok(await _world.CaseManager.PostAsync($"/api/teams/{team.YouthId}/members/{member.GetProperty("id").GetString()}/remove", null));

        await HttpAssert.Problem(await TeamingWorld.ReadAsync(team), 404);
        Assert.Empty(await HttpAssert.Ok<List<JsonElement>>(await team.Partner.Professional.GetAsync("/api/shared")));
    }

    [Fact]
    public async Task A_professional_of_the_youths_agency_on_the_team_reads_it_and_only_the_youths_case_manager_writes_it()
    {
        var (youthId, _) = await _world.Mentoring.YouthAsync();
        await MentoringWorld.Created(await _world.CaseManager.PostAsync($"/api/teams/{youthId}", null));
        var (otherId, other) = await _world.Mentoring.PersonAsync("CaseManager");
        await HttpAssert.Problem(await other.GetAsync($"/api/teams/{youthId}"), 404);
        await HttpAssert.Problem(await _world.Mentoring.Supervisor.GetAsync($"/api/teams/{youthId}/plans"), 404);

        await MentoringWorld.Ok(await _world.CaseManager.PostJson($"/api/teams/{youthId}/members", new { role = "Professional", personId = otherId, title = "Housing worker" }));
        await MentoringWorld.Ok(await _world.CaseManager.PostJson($"/api/teams/{youthId}/members", new { role = "Professional", personId = "demo-supervisor" }));

        var team = await HttpAssert.Ok<JsonElement>(await other.GetAsync($"/api/teams/{youthId}"));
        Assert.Equal("Professional", team.GetProperty("myRole").GetString());
        Assert.Empty(team.GetProperty("sharing").EnumerateArray());
        var plans = await HttpAssert.Ok<JsonElement>(await _world.Mentoring.Supervisor.GetAsync($"/api/teams/{youthId}/plans"));
        Assert.False(plans.GetProperty("mayEdit").GetBoolean());
        Assert.Contains(await HttpAssert.Ok<List<JsonElement>>(await other.GetAsync("/api/teams")), t => t.GetProperty("youthId").GetString() == youthId);
        await HttpAssert.Problem(await other.PostJson($"/api/teams/{youthId}/case-plan/items", new { kind = "Goal", text = "Not theirs to write" }), 404);
        await HttpAssert.Problem(await _world.Mentoring.Supervisor.PostJson($"/api/teams/{youthId}/case-plan/items", new { kind = "Goal", text = "x" }), 403);
    }

    [Fact]
    public async Task A_partner_professional_of_the_youths_own_agency_never_reads_its_team_nor_does_a_member_whose_staff_role_was_taken_away()
    {
        var (youthId, _) = await _world.Mentoring.YouthAsync();
        await MentoringWorld.Created(await _world.CaseManager.PostAsync($"/api/teams/{youthId}", null));

        // A youth shares with another agency, never within their own: there a seat would read everything, unconsented.
        var refused = await HttpAssert.Problem(await _world.CaseManager.PostJson($"/api/teams/{youthId}/members", new { role = "Professional", personId = "demo-partner-pro" }), 400);
        Assert.True(refused.GetProperty("errors").TryGetProperty("personId", out _));
        var offered = await HttpAssert.Ok<JsonElement>(await _world.CaseManager.GetAsync($"/api/teams/{youthId}"));
        Assert.DoesNotContain(offered.GetProperty("colleagues").EnumerateArray(), c => c.GetProperty("id").GetString() == "demo-partner-pro");

        // Seated as a supervisor, then a partner professional only: the seat reads nothing from then on.
        var (memberId, member) = await _world.Mentoring.PersonAsync(Roles.Supervisor);
        await MentoringWorld.Ok(await _world.CaseManager.PostJson($"/api/teams/{youthId}/members", new { role = "Professional", personId = memberId }));
        await HttpAssert.Ok<JsonElement>(await member.GetAsync($"/api/teams/{youthId}/plans"));

        await _world.Mentoring.SetRolesAsync(memberId, Roles.PartnerProfessional);

        foreach (var url in new[] { $"/api/teams/{youthId}", $"/api/teams/{youthId}/plans", $"/api/teams/{youthId}/meetings" })
        {
            await HttpAssert.Problem(await member.GetAsync(url), 404);
        }

        Assert.DoesNotContain(await HttpAssert.Ok<List<JsonElement>>(await member.GetAsync("/api/teams")), t => t.GetProperty("youthId").GetString() == youthId);
    }

    [Fact]
    public async Task A_mentor_who_also_supervises_does_not_read_as_staff_the_team_of_a_youth_they_mentor_or_are_not_to_be_matched_with()
    {
        // Holding a staff role too, they would read the safety plan (safe places, warning signs) and the team's notes.
        var (staffMentorId, staffMentor) = await _world.Mentoring.ReadyMentorAsync();
        await _world.Mentoring.SetRolesAsync(staffMentorId, Roles.Mentor, Roles.Supervisor);
        var (keptFromId, _) = await _world.Mentoring.YouthAsync(doNotMatch: [staffMentorId]);
        await MentoringWorld.Created(await _world.CaseManager.PostAsync($"/api/teams/{keptFromId}", null));

        var offered = await HttpAssert.Ok<JsonElement>(await _world.CaseManager.GetAsync($"/api/teams/{keptFromId}"));
        Assert.DoesNotContain(offered.GetProperty("colleagues").EnumerateArray(), c => c.GetProperty("id").GetString() == staffMentorId);
        Assert.True(offered.GetProperty("colleagues").EnumerateArray().Single(c => c.GetProperty("id").GetString() == "demo-supervisor").GetProperty("mayBeProfessional").GetBoolean());
        var refused = await HttpAssert.Problem(await _world.CaseManager.PostJson($"/api/teams/{keptFromId}/members", new { role = "Professional", personId = staffMentorId }), 400);
        Assert.True(refused.GetProperty("errors").TryGetProperty("personId", out _));

        // Seated before they were matched with the youth: the match ends their reading at once.
        var (youthId, _) = await _world.Mentoring.YouthAsync();
        await MentoringWorld.Created(await _world.CaseManager.PostAsync($"/api/teams/{youthId}", null));
        await MentoringWorld.Ok(await _world.CaseManager.PostJson($"/api/teams/{youthId}/members", new { role = "Professional", personId = staffMentorId }));
        await HttpAssert.Ok<JsonElement>(await staffMentor.GetAsync($"/api/teams/{youthId}/plans"));

        await _world.Mentoring.ProposeAsync(youthId, staffMentorId);

        foreach (var url in new[] { $"/api/teams/{youthId}", $"/api/teams/{youthId}/plans", $"/api/teams/{youthId}/meetings" })
        {
            await HttpAssert.Problem(await staffMentor.GetAsync(url), 404);
        }

        Assert.DoesNotContain(await HttpAssert.Ok<List<JsonElement>>(await staffMentor.GetAsync("/api/teams")), t => t.GetProperty("youthId").GetString() == youthId);
    }

    [Fact]
    public async Task A_mentor_who_also_supervises_stays_off_the_team_of_a_youth_who_turned_them_down()
    {
        var (staffMentorId, staffMentor) = await _world.Mentoring.ReadyMentorAsync();
        await _world.Mentoring.SetRolesAsync(staffMentorId, Roles.Mentor, Roles.Supervisor);
        var (youthId, youth) = await _world.Mentoring.YouthAsync();
        await MentoringWorld.Created(await _world.CaseManager.PostAsync($"/api/teams/{youthId}", null));
        await MentoringWorld.Ok(await _world.CaseManager.PostJson($"/api/teams/{youthId}/members", new { role = "Professional", personId = staffMentorId }));
        var match = await _world.Mentoring.AcceptedAsync(youthId, staffMentorId, staffMentor);

        await MentoringWorld.Ok(await youth.PostAsync($"/api/matches/{match.Id}/decline", null));

        // They met the youth as a mentor; the safety plan and the team's notes are not a mentor's to read, then or after.
        foreach (var url in new[] { $"/api/teams/{youthId}", $"/api/teams/{youthId}/plans", $"/api/teams/{youthId}/meetings" })
        {
            await HttpAssert.Problem(await staffMentor.GetAsync(url), 404);
        }

        var offered = await HttpAssert.Ok<JsonElement>(await _world.CaseManager.GetAsync($"/api/teams/{youthId}"));
        Assert.False(offered.GetProperty("colleagues").EnumerateArray().Single(c => c.GetProperty("id").GetString() == staffMentorId).GetProperty("mayBeProfessional").GetBoolean());
        await HttpAssert.Problem(await _world.CaseManager.PostJson($"/api/teams/{youthId}/members", new { role = "Professional", personId = staffMentorId }), 400);
    }

    [Fact]
    public async Task A_case_plan_keeps_the_youths_words_beside_each_decision_and_every_change_in_its_history()
    {
        var (youthId, _) = await _world.Mentoring.YouthAsync();
        await MentoringWorld.Created(await _world.CaseManager.PostAsync($"/api/teams/{youthId}", null));
        var plans = await HttpAssert.Ok<JsonElement>(await _world.CaseManager.PostJson($"/api/teams/{youthId}/case-plan/items", new
        {
            kind = "Referral", text = "Referral to counselling", owner = "Alex", due = "2027-01-15", youthWords = "Only a woman counsellor, please",
        }));
        var itemId = plans.GetProperty("casePlan")[0].GetProperty("id").GetString();
        plans = await HttpAssert.Ok<JsonElement>(await _world.CaseManager.PutJson($"/api/teams/{youthId}/case-plan/items/{itemId}", new
        {
            kind = "Referral", text = "Referral to counselling", owner = "Alex", status = "Done", due = "2027-01-15", youthWords = "Only a woman counsellor, please",
        }, plans.GetProperty("casePlanVersion").GetString()));

        Assert.Equal("Done", plans.GetProperty("casePlan")[0].GetProperty("status").GetString());
        var history = plans.GetProperty("history").EnumerateArray().ToList();
        Assert.Equal(2, history.Count);
        Assert.Equal("Changed status to Done", history[0].GetProperty("change").GetString());
        Assert.Equal("Open", history[0].GetProperty("itemBefore").GetProperty("status").GetString());
        Assert.Equal(JsonValueKind.Null, history[1].GetProperty("itemBefore").ValueKind);
    }

    [Fact]
    public async Task A_plan_item_added_through_the_api_and_sent_again_after_a_lost_answer_is_added_once()
    {
        var (youthId, _) = await _world.Mentoring.YouthAsync();
        await MentoringWorld.Created(await _world.CaseManager.PostAsync($"/api/teams/{youthId}", null));
        var item = new { kind = "Goal", text = "Finish the school year", requestId = "goal-7f3a" };

        await HttpAssert.Ok<JsonElement>(await _world.CaseManager.PostJson($"/api/teams/{youthId}/case-plan/items", item));
        var again = await HttpAssert.Ok<JsonElement>(await _world.CaseManager.PostJson($"/api/teams/{youthId}/case-plan/items", item));

        Assert.Single(again.GetProperty("casePlan").EnumerateArray());
        await HttpAssert.Problem(await _world.CaseManager.PostJson($"/api/teams/{youthId}/case-plan/items", item with { text = "Something else" }), 409);
        await HttpAssert.Problem(await _world.CaseManager.PostJson($"/api/teams/{youthId}/case-plan/items", new { kind = "Goal", text = "x", requestId = "no spaces" }), 400);
    }

    [Fact]
    public async Task A_plan_saved_as_it_was_adds_nothing_to_its_history_and_the_history_shown_is_the_latest_changes()
    {
        // A case manager of their own: the shared demo case manager's requests a minute are every test's.
        var (caseManagerId, caseManager) = await _world.Mentoring.PersonAsync(Roles.CaseManager);
        var youthId = (await MentoringWorld.Created<YouthDto>(await caseManager.PostJson("/api/youth", new { displayName = "Youth with a long plan", age = 16, stage = "contemplation" }))).Id;
        await MentoringWorld.Created(await caseManager.PostAsync($"/api/teams/{youthId}", null));
        object Safety(int step) => new { copingSteps = new[] { $"Breathe and count to {step}" } };
        var plans = await HttpAssert.Ok<JsonElement>(await caseManager.PutJson($"/api/teams/{youthId}/safety-plan", Safety(1), null));
        plans = await HttpAssert.Ok<JsonElement>(await caseManager.PutJson($"/api/teams/{youthId}/safety-plan", Safety(1), plans.GetProperty("safetyPlanVersion").GetString()));
        plans = await HttpAssert.Ok<JsonElement>(await caseManager.PostJson($"/api/teams/{youthId}/case-plan/items", new { kind = "Goal", text = "Stable housing" }));
        var item = plans.GetProperty("casePlan")[0];
        plans = await HttpAssert.Ok<JsonElement>(await caseManager.PutJson($"/api/teams/{youthId}/case-plan/items/{item.GetProperty("id").GetString()}",
            new { kind = "Goal", text = "Stable housing", status = "Open" }, plans.GetProperty("casePlanVersion").GetString()));

        Assert.Equal(2, plans.GetProperty("history").GetArrayLength());

        for (var step = 2; step <= 52; step++)
        {
            plans = await HttpAssert.Ok<JsonElement>(await caseManager.PutJson($"/api/teams/{youthId}/safety-plan", Safety(step), plans.GetProperty("safetyPlanVersion").GetString()));
        }

        var shown = plans.GetProperty("history").EnumerateArray().ToList();
        Assert.Equal(50, shown.Count);
        Assert.Equal("Breathe and count to 51", shown[0].GetProperty("safetyBefore").GetProperty("copingSteps")[0].GetString());
        var older = await HttpAssert.Ok<JsonElement>(await caseManager.GetAsync($"/api/teams/{youthId}/plans?historyAfter={Uri.EscapeDataString(plans.GetProperty("olderHistory").GetString()!)}"));
        Assert.Equal(3, older.GetProperty("history").GetArrayLength());
        Assert.Equal(JsonValueKind.Null, older.GetProperty("olderHistory").ValueKind);
        Assert.Equal("Added a goal", older.GetProperty("history")[1].GetProperty("change").GetString());
        await HttpAssert.Problem(await caseManager.GetAsync($"/api/teams/{youthId}/plans?historyAfter=made-up"), 400);
        var page = await PortalSession.SignedInAsync(api, caseManagerId);
        var latest = await page.GetStringAsync($"/teams/{youthId}/plans");
        Assert.Contains("Older changes", latest, StringComparison.Ordinal);
        var olderPage = await PortalSession.PostFormAsync(page, $"/teams/{youthId}/plans", "history-page", ("HistoryAfter", plans.GetProperty("olderHistory").GetString()!));
        Assert.Contains("Added a goal", olderPage, StringComparison.Ordinal);
        Assert.Contains("Latest changes", olderPage, StringComparison.Ordinal);
        Assert.DoesNotContain("Added a goal", latest, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_plan_form_opened_before_another_case_manager_s_change_cannot_undo_it()
    {
        var (youthId, _) = await _world.Mentoring.YouthAsync();
        await MentoringWorld.Created(await _world.CaseManager.PostAsync($"/api/teams/{youthId}", null));
        object Safety(params string[] people) => new { safePeople = people.Select(p => new { name = p, contact = "555-0100" }).ToArray(), copingSteps = new[] { "Call my sister" } };
        var first = await HttpAssert.Ok<JsonElement>(await _world.CaseManager.PutJson($"/api/teams/{youthId}/safety-plan", Safety("My sister", "Uncle Joe"), null));
        var seenByBoth = first.GetProperty("safetyPlanVersion").GetString();
        var added = await HttpAssert.Ok<JsonElement>(await _world.CaseManager.PostJson($"/api/teams/{youthId}/case-plan/items", new { kind = "Goal", text = "Stable housing" }));
        var itemId = added.GetProperty("casePlan")[0].GetProperty("id").GetString();
        var itemSeenByBoth = added.GetProperty("casePlanVersion").GetString();

        // One case manager takes out a person found to be unsafe, and marks the goal stopped.
        await HttpAssert.Ok<JsonElement>(await _world.CaseManager.PutJson($"/api/teams/{youthId}/safety-plan", Safety("My sister"), seenByBoth));
        await HttpAssert.Ok<JsonElement>(await _world.CaseManager.PutJson($"/api/teams/{youthId}/case-plan/items/{itemId}", new { kind = "Goal", text = "Stable housing", status = "Stopped" }, itemSeenByBoth));

        // The other's forms, opened before, are refused, as is a change that names no version.
        await HttpAssert.Problem(await _world.CaseManager.PutJson($"/api/teams/{youthId}/safety-plan", Safety("My sister", "Uncle Joe"), seenByBoth), 412);
        await HttpAssert.Problem(await _world.CaseManager.PutJson($"/api/teams/{youthId}/safety-plan", Safety("My sister", "Uncle Joe"), null), 428);
        await HttpAssert.Problem(await _world.CaseManager.PutJson($"/api/teams/{youthId}/case-plan/items/{itemId}", new { kind = "Goal", text = "Stable housing", status = "Open" }, itemSeenByBoth), 412);
        await HttpAssert.Problem(await _world.CaseManager.PutJson($"/api/teams/{youthId}/case-plan/items/{itemId}", new { kind = "Goal", text = "Stable housing", status = "Open" }, null), 428);

        var plans = await HttpAssert.Ok<JsonElement>(await _world.CaseManager.GetAsync($"/api/teams/{youthId}/plans"));
        Assert.Equal(["My sister"], plans.GetProperty("safetyPlan").GetProperty("safePeople").EnumerateArray().Select(p => p.GetProperty("name").GetString()));
        Assert.Equal("Stopped", plans.GetProperty("casePlan")[0].GetProperty("status").GetString());
    }

    [Fact]
    public async Task The_youth_reads_their_team_plan_and_safety_plan_with_the_crisis_lines_and_agrees_to_a_support()
    {
        var team = await _world.SharedTeamAsync();
        await MentoringWorld.Ok(await _world.CaseManager.PostJson($"/api/teams/{team.YouthId}/members", new { role = "Support", name = "Aunt Rosa", title = "Aunt" }));

        var mine = await HttpAssert.Ok<JsonElement>(await team.Youth.GetAsync("/api/my-team"));
        var waiting = mine.GetProperty("supportsToConfirm").EnumerateArray().Single();
        Assert.Equal("Aunt Rosa", waiting.GetProperty("displayName").GetString());
        Assert.DoesNotContain(mine.GetProperty("members").EnumerateArray(), m => m.GetProperty("displayName").GetString() == "Aunt Rosa");
        Assert.Contains(mine.GetProperty("members").EnumerateArray(), m => m.GetProperty("role").GetString() == "Youth");
        Assert.Contains(mine.GetProperty("members").EnumerateArray(), m => m.GetProperty("fromPartner").GetBoolean());
        Assert.Equal("I want my own room, near my sister", mine.GetProperty("plan")[0].GetProperty("youthWords").GetString());

        // Until the youth agrees, the support is not at the team's meetings, nor owns its actions.
        var supportId = waiting.GetProperty("id").GetString()!;
        var meetingId = (await HttpAssert.Ok<JsonElement>(await _world.CaseManager.PostJson($"/api/teams/{team.YouthId}/meetings", new
        {
            scheduledFor = DateTimeOffset.UtcNow.AddDays(-1), agenda = new[] { "Housing" },
        }))).GetProperty("meetings")[0].GetProperty("id").GetString();
        var withSupport = (object[] attended, string owner) => _world.CaseManager.RecordMeetingAsync($"/api/teams/{team.YouthId}/meetings/{meetingId}/record", new
        {
            attended, youthParticipation = "InPerson",
            actions = new[] { new { text = "Drive to the appointment", ownerMemberId = owner, due = DateOnly.FromDateTime(DateTime.UtcNow.AddDays(3)) } },
        });
        await HttpAssert.Problem(await withSupport(["youth", supportId], "youth"), 400);
        await HttpAssert.Problem(await withSupport(["youth"], supportId), 400);

        // A meeting recorded with them before that was refused is read by the partner without their name.
        var oldId = (await HttpAssert.Ok<JsonElement>(await _world.CaseManager.PostJson($"/api/teams/{team.YouthId}/meetings", new
        {
            scheduledFor = DateTimeOffset.UtcNow.AddHours(1), agenda = new[] { "School" },
        }))).GetProperty("meetings").EnumerateArray().Single(m => m.GetProperty("id").GetString() != meetingId).GetProperty("id").GetString()!;
        var store = api.Services.GetRequiredService<IDocumentStore>();
        var meeting = (await store.ReadAsync<TeamMeeting>(TeamingData.Container, oldId, "demo", default))!;
        await store.ReplaceAsync(TeamingData.Container, meeting with { HeldAt = meeting.ScheduledFor, Attended = ["youth", supportId] }, meeting.ETag!, default);
        var attended = (await HttpAssert.Ok<JsonElement>(await TeamingWorld.ReadAsync(team))).GetProperty("meetings").EnumerateArray()
            .Single(m => m.GetProperty("id").GetString() == oldId).GetProperty("attended").EnumerateArray().Select(a => a.GetString()).ToList();
        Assert.DoesNotContain("Aunt Rosa", attended);
        Assert.Contains("A former member", attended);

        mine = await HttpAssert.Ok<JsonElement>(await team.Youth.PostAsync($"/api/my-team/supports/{supportId}/agree", null));
        Assert.Contains(mine.GetProperty("members").EnumerateArray(), m => m.GetProperty("displayName").GetString() == "Aunt Rosa");
        await HttpAssert.Ok<JsonElement>(await withSupport(["youth", supportId], supportId));

        // Agreed to, the support is still not named to the partner: they read that a support came, not who the youth's
        // family or friends are.
        var withThem = (await HttpAssert.Ok<JsonElement>(await TeamingWorld.ReadAsync(team))).GetProperty("meetings").EnumerateArray()
            .Single(m => m.GetProperty("id").GetString() == oldId);
        Assert.DoesNotContain("Aunt Rosa", withThem.GetRawText(), StringComparison.Ordinal);
        Assert.Contains(SharingRules.SupportToPartner, withThem.GetProperty("attended").EnumerateArray().Select(a => a.GetString()));

        var safety = await HttpAssert.Ok<JsonElement>(await team.Youth.GetAsync("/api/my-team/safety-plan"));
        Assert.Equal("Call my sister", safety.GetProperty("plan").GetProperty("copingSteps")[0].GetString());
        Assert.NotEmpty(safety.GetProperty("crisisResources").EnumerateArray());
    }

    [Fact]
    public async Task A_meeting_records_the_youths_part_and_view_and_its_overdue_actions_reach_the_case_manager()
    {
        var team = await _world.SharedTeamAsync();
        var meetings = await HttpAssert.Ok<JsonElement>(await _world.CaseManager.PostJson($"/api/teams/{team.YouthId}/meetings", new
        {
            scheduledFor = DateTimeOffset.UtcNow.AddDays(-2), agenda = new[] { "Housing", "School" },
        }));
        var meetingId = meetings.GetProperty("meetings")[0].GetProperty("id").GetString();
        var partnerMember = meetings.GetProperty("members").EnumerateArray().Single(m => m.GetProperty("fromPartner").GetBoolean()).GetProperty("id").GetString()!;
        meetings = await HttpAssert.Ok<JsonElement>(await _world.CaseManager.RecordMeetingAsync($"/api/teams/{team.YouthId}/meetings/{meetingId}/record", new
        {
            attended = new[] { "youth", "lead~demo-casemanager", partnerMember },
            youthParticipation = "InPerson",
            decisions = new[] { new { text = "Apply for the youth housing programme", youthView = "Yes, if my sister can visit" } },
            actions = new[]
            {
                new { text = "Send the housing application", ownerMemberId = partnerMember, due = DateOnly.FromDateTime(DateTime.UtcNow.AddDays(-1)) },
                new { text = "Visit the school", ownerMemberId = "youth", due = DateOnly.FromDateTime(DateTime.UtcNow.AddDays(10)) },
                new { text = "Book the next meeting", ownerMemberId = "lead~demo-casemanager", due = DateOnly.FromDateTime(DateTime.UtcNow.AddDays(20)) },
            },
            notes = "Good meeting.",
        }));
        var held = meetings.GetProperty("meetings")[0];
        Assert.Equal("InPerson", held.GetProperty("youthParticipation").GetString());
        Assert.Equal("Yes, if my sister can visit", held.GetProperty("decisions")[0].GetProperty("youthView").GetString());

        await HttpAssert.Problem(await _world.CaseManager.RecordMeetingAsync($"/api/teams/{team.YouthId}/meetings/{meetingId}/record", new
        {
            attended = Array.Empty<string>(), youthParticipation = "ChoseNotToTakePart", notes = "Rewritten",
        }), 409);
        var next = await HttpAssert.Ok<JsonElement>(await _world.CaseManager.PostJson($"/api/teams/{team.YouthId}/meetings", new
        {
            scheduledFor = DateTimeOffset.UtcNow.AddDays(7), agenda = new[] { "Follow-up" },
        }));
        var nextId = next.GetProperty("meetings")[0].GetProperty("id").GetString();
        await HttpAssert.Problem(await _world.CaseManager.RecordMeetingAsync($"/api/teams/{team.YouthId}/meetings/{nextId}/record", new
        {
            youthParticipation = "InPerson", actions = new[] { new { text = "x", ownerMemberId = "not-a-member", due = "2027-01-01" } },
        }), 400);
        var early = await HttpAssert.Problem(await _world.CaseManager.RecordMeetingAsync($"/api/teams/{team.YouthId}/meetings/{nextId}/record", new { youthParticipation = "InPerson" }), 409);
        Assert.Contains("still to come", early.GetProperty("detail").GetString(), StringComparison.Ordinal);
        await HttpAssert.Problem(await _world.CaseManager.PostJson($"/api/teams/{team.YouthId}/case-plan/items", new { kind = "Goal", text = "Typed in a hurry", due = "0202-03-01" }), 400);

        var overdue = await HttpAssert.Ok<List<JsonElement>>(await _world.CaseManager.GetAsync("/api/teams/overdue-actions"));
        var mineOverdue = overdue.Where(a => a.GetProperty("youthId").GetString() == team.YouthId).ToList();
        Assert.Equal("Send the housing application", Assert.Single(mineOverdue).GetProperty("text").GetString());

        // The partner reads the notes of meetings held once the youth agreed to share them, not of those before.
        var afterId = (await HttpAssert.Ok<JsonElement>(await _world.CaseManager.PostJson($"/api/teams/{team.YouthId}/meetings", new
        {
            scheduledFor = DateTimeOffset.UtcNow.AddHours(1), agenda = new[] { "Housing again" },
        }))).GetProperty("meetings").EnumerateArray().Single(m => m.GetProperty("agenda")[0].GetString() == "Housing again").GetProperty("id").GetString();
        await HttpAssert.Ok<JsonElement>(await _world.CaseManager.RecordMeetingAsync($"/api/teams/{team.YouthId}/meetings/{afterId}/record", new
        {
            attended = new[] { "lead~demo-casemanager", partnerMember },
            youthParticipation = "Remotely",
            decisions = new[] { new { text = "Ask about a room", youthView = "Only near my sister" } },
            actions = new[] { new { text = "Call the housing office", ownerMemberId = "lead~demo-casemanager", due = DateOnly.FromDateTime(DateTime.UtcNow.AddDays(3)) } },
            notes = "After the youth agreed.",
        }));
        var shared = await HttpAssert.Ok<JsonElement>(await TeamingWorld.ReadAsync(team));
        var sharedMeetings = shared.GetProperty("meetings").EnumerateArray().ToList();
        Assert.DoesNotContain(sharedMeetings, m => m.GetProperty("id").GetString() == meetingId);
        var after = Assert.Single(sharedMeetings, m => m.GetProperty("id").GetString() == afterId);
        Assert.Equal("After the youth agreed.", after.GetProperty("notes").GetString());
        Assert.Equal("Ask about a room", after.GetProperty("decisions")[0].GetProperty("text").GetString());
        Assert.DoesNotContain("Only near my sister", shared.GetRawText(), StringComparison.Ordinal);
        Assert.Contains("The youth's case manager", after.GetProperty("attended").EnumerateArray().Select(a => a.GetString()));
        Assert.Equal("The youth's case manager", after.GetProperty("actions")[0].GetProperty("owner").GetString());
        Assert.DoesNotContain("lead~", shared.GetRawText(), StringComparison.Ordinal);
        Assert.DoesNotContain("Good meeting.", shared.GetRawText(), StringComparison.Ordinal);

        var youthsOwn = (await HttpAssert.Ok<JsonElement>(await team.Youth.GetAsync("/api/my-team"))).GetProperty("meetings").EnumerateArray().Single(m => m.GetProperty("id").GetString() == meetingId);
        Assert.Equal("Yes, if my sister can visit", youthsOwn.GetProperty("decisions")[0].GetProperty("youthView").GetString());
        Assert.True(youthsOwn.GetProperty("youCame").GetBoolean());
        Assert.Equal(2, youthsOwn.GetProperty("othersWhoCame").GetArrayLength());
        Assert.Contains(youthsOwn.GetProperty("actions").EnumerateArray(), a => a.GetProperty("text").GetString() == "Visit the school" && a.GetProperty("owner").ValueKind == JsonValueKind.Null);
        Assert.DoesNotContain("Good meeting.", youthsOwn.GetRawText(), StringComparison.Ordinal);
        Assert.DoesNotContain(partnerMember, youthsOwn.GetRawText(), StringComparison.Ordinal);

        var actionId = mineOverdue[0].GetProperty("id").GetString();
        await MentoringWorld.Ok(await _world.CaseManager.PostAsync($"/api/teams/{team.YouthId}/meetings/{meetingId}/actions/{actionId}/done", null));
        overdue = await HttpAssert.Ok<List<JsonElement>>(await _world.CaseManager.GetAsync("/api/teams/overdue-actions"));
        Assert.DoesNotContain(overdue, a => a.GetProperty("youthId").GetString() == team.YouthId);
    }

    [Fact]
    public async Task A_youth_given_a_sign_in_later_hears_of_sharing_staff_recorded_for_them()
    {
        var partner = await _world.AgencyAsync();
        await _world.PartnershipAsync(partner, kinds: ["CasePlan"]);
        var youthId = await _world.Mentoring.YouthWithoutSignInAsync();
        await MentoringWorld.Created<JsonElement>(await _world.CaseManager.PostJson("/api/consents", new
        {
            subjectId = youthId, grantor = "Youth", scope = "mdt-sharing", partnerAgencyId = partner.Id, kinds = new[] { "CasePlan" },
        }));
        var (personId, youth) = await _world.Mentoring.PersonAsync(Roles.Youth);

        await _world.Mentoring.LinkSignInAsync(youthId, personId);

        var told = (await HttpAssert.Ok<PageDto<NotificationDto>>(await youth.GetAsync("/api/notifications"))).Items;
        Assert.Single(told, n => n.Kind == "sharing-recorded");
    }

    [Fact]
    public async Task A_youths_sharing_recorded_by_staff_and_sent_again_is_told_to_the_youth_once()
    {
        var team = await _world.SharedTeamAsync(kinds: ["CasePlan"]);
        var before = (await team.Youth.NoticesAsync()).Count(n => n.Kind == "sharing-recorded");
        var portal = await PortalSession.SignedInAsync(api, "demo-casemanager");
        var consentId = Guid.NewGuid().ToString("N");
        (string, string)[] share = [("ConsentId", consentId), ("Agreed", "yes"), ("PartnerAgencyId", team.Partner.Id), ("Kinds", "CasePlan")];

        // The case manager's form, tapped twice (or sent again after its telling failed): one consent.
        await PortalSession.PostFormAsync(portal, $"/teams/{team.YouthId}", "share", share);
        var again = await PortalSession.PostFormAsync(portal, $"/teams/{team.YouthId}", "share", share);

        Assert.Contains("Recorded.", again, StringComparison.Ordinal);
        Assert.Equal(before + 1, (await team.Youth.NoticesAsync()).Count(n => n.Kind == "sharing-recorded"));
    }

    [Fact]
    public async Task A_youth_whose_sign_in_changes_hears_of_sharing_agreed_from_the_earlier_one()
    {
        var partner = await _world.AgencyAsync();
        await _world.PartnershipAsync(partner, kinds: ["CasePlan"]);
        var (youthId, earlier) = await _world.Mentoring.YouthAsync();
        await MentoringWorld.Created<JsonElement>(await earlier.PostJson("/api/consents", new
        {
            subjectId = youthId, grantor = "Youth", scope = "mdt-sharing", partnerAgencyId = partner.Id, kinds = new[] { "CasePlan" },
        }));
        var (personId, youth) = await _world.Mentoring.PersonAsync(Roles.Youth);

        await _world.Mentoring.LinkSignInAsync(youthId, personId);

        var told = (await HttpAssert.Ok<PageDto<NotificationDto>>(await youth.GetAsync("/api/notifications"))).Items;
        Assert.Equal(["sharing-earlier-sign-in"], told.Select(n => n.Kind));
    }
}
