using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using SurvivorConnect.Api.Features.Teaming;
using SurvivorConnect.Storage;

namespace SurvivorConnect.IntegrationTests;

/// <summary>Bad input to teaming is a clear 4xx with nothing shared; a partner reaches nothing beyond what a youth shares.</summary>
[Collection(SharedApi.Name)]
public sealed class TeamingRefusalTests(ApiFactory api)
{
    private readonly TeamingWorld _world = new(api);

    public static TheoryData<string, object> BadPartnerships => new()
    {
        { "partnerAgencyId", new { partnerAgencyId = "demo", kinds = new[] { "CasePlan" }, legalBasis = "x", expiresAt = DateTimeOffset.UtcNow.AddMonths(1) } },
        { "partnerAgencyId", new { partnerAgencyId = "no-such-agency", kinds = new[] { "CasePlan" }, legalBasis = "x", expiresAt = DateTimeOffset.UtcNow.AddMonths(1) } },
        { "kinds", new { partnerAgencyId = "demo-north", kinds = new[] { "Chat" }, legalBasis = "x", expiresAt = DateTimeOffset.UtcNow.AddMonths(1) } },
        { "kinds", new { partnerAgencyId = "demo-north", kinds = new[] { "CheckIns" }, legalBasis = "x", expiresAt = DateTimeOffset.UtcNow.AddMonths(1) } },
        { "kinds", new { partnerAgencyId = "demo-north", kinds = new[] { "Payouts" }, legalBasis = "x", expiresAt = DateTimeOffset.UtcNow.AddMonths(1) } },
        { "kinds", new { partnerAgencyId = "demo-north", kinds = Array.Empty<string>(), legalBasis = "x", expiresAt = DateTimeOffset.UtcNow.AddMonths(1) } },
        { "legalBasis", new { partnerAgencyId = "demo-north", kinds = new[] { "CasePlan" }, expiresAt = DateTimeOffset.UtcNow.AddMonths(1) } },
        { "expiresAt", new { partnerAgencyId = "demo-north", kinds = new[] { "CasePlan" }, legalBasis = "x" } },
        { "expiresAt", new { partnerAgencyId = "demo-north", kinds = new[] { "CasePlan" }, legalBasis = "x", expiresAt = DateTimeOffset.UtcNow.AddDays(-1) } },
        { "expiresAt", new { partnerAgencyId = "demo-north", kinds = new[] { "CasePlan" }, legalBasis = "x", expiresAt = DateTimeOffset.UtcNow.AddHours(1) } },
        { "professionals", new { partnerAgencyId = "demo-north", kinds = new[] { "CasePlan" }, legalBasis = "x", expiresAt = DateTimeOffset.UtcNow.AddMonths(1), professionals = new[] { new { personId = "north-casemanager", title = "Not ours" } } } },
    };

    [Theory]
    [MemberData(nameof(BadPartnerships))]
    public async Task A_partnership_with_ones_own_agency_an_unknown_one_or_a_kind_never_shared_is_refused(string field, object body)
    {
        var problem = await HttpAssert.Problem(await _world.Admin.PostJson("/api/partnerships", body), 400);
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), problem.ToString());
        Assert.DoesNotContain(await HttpAssert.Ok<List<JsonElement>>(await _world.Admin.GetAsync("/api/partnerships")),
            p => p.GetProperty("otherAgencyId").GetString() is "demo" or "no-such-agency");
    }

    [Fact]
    public async Task Consent_to_share_with_an_agency_without_a_partnership_or_a_kind_outside_it_is_refused_and_nothing_is_recorded()
    {
        var partner = await _world.AgencyAsync();
        var (youthId, _) = await _world.Mentoring.YouthAsync();
        var none = await HttpAssert.Problem(await _world.CaseManager.PostJson("/api/consents", new
        {
            subjectId = youthId, grantor = "Youth", scope = "mdt-sharing", partnerAgencyId = partner.Id, kinds = new[] { "CasePlan" },
        }), 400);
        Assert.True(none.GetProperty("errors").TryGetProperty("partnerAgencyId", out _));

        await _world.PartnershipAsync(partner, kinds: ["CasePlan"]);
        var outside = await HttpAssert.Problem(await _world.CaseManager.PostJson("/api/consents", new
        {
            subjectId = youthId, grantor = "Youth", scope = "mdt-sharing", partnerAgencyId = partner.Id, kinds = new[] { "CasePlan", "SafetyPlan" },
        }), 400);
        Assert.True(outside.GetProperty("errors").TryGetProperty("kinds", out _));
        await HttpAssert.Problem(await _world.CaseManager.PostJson("/api/consents", new { subjectId = youthId, grantor = "Youth", scope = "mdt-sharing" }), 400);
        await HttpAssert.Problem(await _world.CaseManager.PostJson("/api/consents", new
        {
            subjectId = youthId, grantor = "Guardian", scope = "mdt-sharing", partnerAgencyId = partner.Id, kinds = new[] { "CasePlan" },
        }), 400);

        Assert.Empty(await HttpAssert.Ok<List<JsonElement>>(await _world.CaseManager.GetAsync($"/api/consents?subjectId={youthId}")));
    }

    [Fact]
    public async Task A_team_member_who_is_not_a_person_of_either_agency_or_not_offered_is_refused()
    {
        var partner = await _world.AgencyAsync();
        await _world.PartnershipAsync(partner);
        var (youthId, _) = await _world.Mentoring.YouthAsync();
        await MentoringWorld.Created(await _world.CaseManager.PostAsync($"/api/teams/{youthId}", null));
        object[] bodies =
        [
            new { role = "Professional", personId = "nobody-at-all" },
            new { role = "Professional", personId = partner.ProfessionalId },
            new { role = "Professional", personId = partner.OtherStaffId, agencyId = partner.Id },
            new { role = "Professional", personId = "north-casemanager", agencyId = "demo-north" },
            new { role = "Support", personId = partner.ProfessionalId, agencyId = partner.Id },
            new { role = "Professional", personId = "demo-youth" },
            new { role = "Lead", personId = "demo-supervisor" },
            new { role = "Support" },
        ];
        foreach (var body in bodies)
        {
            await HttpAssert.Problem(await _world.CaseManager.PostJson($"/api/teams/{youthId}/members", body), 400);
        }

        var team = await HttpAssert.Ok<JsonElement>(await _world.CaseManager.GetAsync($"/api/teams/{youthId}"));
        Assert.Equal(2, team.GetProperty("members").GetArrayLength());
        Assert.Empty(await HttpAssert.Ok<List<JsonElement>>(await partner.OtherStaff.GetAsync("/api/shared")));
    }

    [Fact]
    public async Task A_team_added_to_and_taken_from_without_end_stops_taking_new_members_but_still_lets_them_go()
    {
        var team = await _world.SharedTeamAsync();
        var store = api.Services.GetRequiredService<IDocumentStore>();
        var stored = (await store.ReadAsync<Team>(TeamingData.Container, Team.IdFor(team.YouthId), "demo", CancellationToken.None))!;
        var gone = stored.Members[^1] with { RemovedAt = DateTimeOffset.UtcNow };
        await store.ReplaceAsync(TeamingData.Container, stored with
        {
            Members = [.. stored.Members, .. Enumerable.Range(0, MemberRequest.MaxMemberRecords - stored.Members.Count).Select(i => gone with { Id = $"gone-{i}" })],
        }, stored.ETag!, CancellationToken.None);

        var refused = await HttpAssert.Problem(await _world.CaseManager.PostJson($"/api/teams/{team.YouthId}/members", new { role = "Support", name = "Coach Dana" }), 409);
        Assert.Contains("no one more can be added", refused.GetProperty("detail").GetString(), StringComparison.Ordinal);

        var professional = stored.Members.First(m => m.PersonId == team.Partner.ProfessionalId && m.RemovedAt is null);
        await HttpAssert.Ok<JsonElement>(await _world.CaseManager.PostAsync($"/api/teams/{team.YouthId}/members/{professional.Id}/remove", null));
        await HttpAssert.Problem(await TeamingWorld.ReadAsync(team), 404);
    }

    [Fact]
    public async Task An_expired_partnership_cannot_be_accepted_and_shares_nothing_once_past_its_date()
    {
        var partner = await _world.AgencyAsync();
        var proposed = await MentoringWorld.Created<JsonElement>(await _world.Admin.PostJson("/api/partnerships", new
        {
            partnerAgencyId = partner.Id, kinds = new[] { "CasePlan" }, legalBasis = "x", expiresAt = DateTimeOffset.UtcNow.AddDays(30),
        }));
        var id = proposed.GetProperty("id").GetString()!;
        await ExpireAsync(id, "demo", partner.Id);
        await HttpAssert.Problem(await partner.Admin.PostJson($"/api/partnerships/{id}/accept", new { }), 409);

        // A proposal left to run out is followed by the same pause as one ended, so its admins are not flooded.
        var again = await HttpAssert.Problem(await _world.Admin.PostJson("/api/partnerships", new
        {
            partnerAgencyId = partner.Id, kinds = new[] { "CasePlan" }, legalBasis = "x", expiresAt = DateTimeOffset.UtcNow.AddDays(30),
        }), 409);
        Assert.Contains("You can propose a new one from", again.GetProperty("detail").GetString(), StringComparison.Ordinal);

        var team = await _world.SharedTeamAsync();
        await MentoringWorld.Ok(await TeamingWorld.ReadAsync(team));
        await ExpireAsync(team.PartnershipId, "demo", team.Partner.Id);

        await HttpAssert.Problem(await TeamingWorld.ReadAsync(team), 403);
        var (youthId, _) = await _world.Mentoring.YouthAsync();
        await HttpAssert.Problem(await _world.CaseManager.PostJson("/api/consents", new
        {
            subjectId = youthId, grantor = "Youth", scope = "mdt-sharing", partnerAgencyId = team.Partner.Id, kinds = new[] { "CasePlan" },
        }), 400);
        var listed = (await HttpAssert.Ok<List<JsonElement>>(await _world.Admin.GetAsync("/api/partnerships"))).Single(p => p.GetProperty("id").GetString() == team.PartnershipId);
        Assert.False(listed.GetProperty("current").GetBoolean());
    }

    [Fact]
    public async Task Staff_not_on_a_team_cannot_tell_a_youths_id_from_an_id_that_is_no_youth()
    {
        var team = await _world.SharedTeamAsync();

        foreach (var path in new[] { "", "/plans", "/meetings" })
        {
            var real = await HttpAssert.Problem(await _world.Mentoring.Supervisor.GetAsync($"/api/teams/{team.YouthId}{path}"), 404);
            var none = await HttpAssert.Problem(await _world.Mentoring.Supervisor.GetAsync($"/api/teams/no-such-youth{path}"), 404);
            Assert.Equal(real.GetProperty("detail").GetString(), none.GetProperty("detail").GetString());
        }
    }

    [Fact]
    public async Task A_partner_professional_reaches_no_other_record_of_the_youths_agency_by_editing_ids()
    {
        var team = await _world.SharedTeamAsync();
        var other = await _world.SharedTeamAsync();
        var pro = team.Partner.Professional;

        await HttpAssert.Problem(await pro.GetAsync($"/api/shared/{Uri.EscapeDataString(other.SeatId)}"), 404);
        var forged = TeamSeat.IdFor("demo", other.YouthId, team.Partner.ProfessionalId);
        await HttpAssert.Problem(await pro.GetAsync($"/api/shared/{Uri.EscapeDataString(forged)}"), 404);
        await HttpAssert.Problem(await team.Partner.OtherStaff.GetAsync($"/api/shared/{Uri.EscapeDataString(team.SeatId)}"), 404);

        // Even a seat written into the partner's own partition by hand opens nothing the youth's agency did not grant.
        var store = api.Services.GetRequiredService<IDocumentStore>();
        await store.UpsertAsync(Partnership.Container, new TeamSeat
        {
            Id = forged, PartitionKey = team.Partner.Id, AgencyId = team.Partner.Id, PersonId = team.Partner.ProfessionalId,
            SourceAgencyId = "demo", SourceAgencyName = "x", YouthId = other.YouthId, MemberId = "any", AddedAt = DateTimeOffset.UtcNow,
        }, CancellationToken.None);
        await HttpAssert.Problem(await pro.GetAsync($"/api/shared/{Uri.EscapeDataString(forged)}"), 403);
    }

    [Fact]
    public async Task An_end_sent_again_after_the_other_agency_s_copy_was_not_written_ends_it_there_too_and_tells_its_admins()
    {
        var team = await _world.SharedTeamAsync();
        var store = api.Services.GetRequiredService<IDocumentStore>();
        var theirsBefore = (await store.ReadAsync<Partnership>(Partnership.Container, team.PartnershipId, team.Partner.Id, CancellationToken.None))!;
        await MentoringWorld.Ok(await _world.Admin.PostAsync($"/api/partnerships/{team.PartnershipId}/end", null));

        // As if the write to the partner's copy had been lost.
        var theirs = (await store.ReadAsync<Partnership>(Partnership.Container, team.PartnershipId, team.Partner.Id, CancellationToken.None))!;
        await store.ReplaceAsync(Partnership.Container, theirsBefore with { ETag = null }, theirs.ETag!, CancellationToken.None);

        await HttpAssert.Problem(await _world.Admin.PostAsync($"/api/partnerships/{team.PartnershipId}/end", null), 409);

        theirs = (await store.ReadAsync<Partnership>(Partnership.Container, team.PartnershipId, team.Partner.Id, CancellationToken.None))!;
        Assert.Equal((SurvivorConnect.Api.Features.Teaming.Rules.PartnershipState.Ended, "demo"), (theirs.State, theirs.EndedByAgencyId));
        var listed = (await HttpAssert.Ok<List<JsonElement>>(await team.Partner.Admin.GetAsync("/api/partnerships"))).Single(p => p.GetProperty("id").GetString() == team.PartnershipId);
        Assert.False(listed.GetProperty("current").GetBoolean());
        var told = await HttpAssert.Ok<PageDto<NotificationDto>>(await team.Partner.Admin.GetAsync("/api/notifications?pageSize=100"));
        Assert.Contains(told.Items, n => n.Kind == "partnership-ended");
    }

    [Fact]
    public async Task A_partnership_ended_on_one_side_is_never_brought_back_by_the_other_sides_change()
    {
        var team = await _world.SharedTeamAsync();
        var store = api.Services.GetRequiredService<IDocumentStore>();
        var seat = (await store.ReadAsync<TeamSeat>(Partnership.Container, team.SeatId, team.Partner.Id, CancellationToken.None))!;
        await MentoringWorld.Ok(await team.Partner.Admin.PostAsync($"/api/partnerships/{team.PartnershipId}/end", null));

        // As if the write to the youth's agency's copy had been lost: it still says it is in force, and the seat is
        // back as if the partner's end had not removed it.
        var ours = (await store.ReadAsync<Partnership>(Partnership.Container, team.PartnershipId, "demo", CancellationToken.None))!;
        await store.ReplaceAsync(Partnership.Container, ours with { State = SurvivorConnect.Api.Features.Teaming.Rules.PartnershipState.Active, EndedAt = null }, ours.ETag!, CancellationToken.None);
        await store.UpsertAsync(Partnership.Container, seat with { ETag = null }, CancellationToken.None);

        await HttpAssert.Problem(await TeamingWorld.ReadAsync(team), 403);
        await HttpAssert.Problem(await _world.Admin.PutAsJsonAsync($"/api/partnerships/{team.PartnershipId}/professionals", new
        {
            professionals = Array.Empty<object>(),
        }), 409);
        var theirs = (await store.ReadAsync<Partnership>(Partnership.Container, team.PartnershipId, team.Partner.Id, CancellationToken.None))!;
        Assert.Equal(SurvivorConnect.Api.Features.Teaming.Rules.PartnershipState.Ended, theirs.State);
        await HttpAssert.Problem(await TeamingWorld.ReadAsync(team), 403);
    }

    [Fact]
    public async Task A_professional_their_agency_no_longer_offers_reads_nothing()
    {
        var team = await _world.SharedTeamAsync();
        await MentoringWorld.Ok(await TeamingWorld.ReadAsync(team));

        var seen = (await HttpAssert.Ok<List<JsonElement>>(await team.Partner.Admin.GetAsync("/api/partnerships"))).Single(p => p.GetProperty("id").GetString() == team.PartnershipId);
        var offered = new { professionals = new[] { new { personId = team.Partner.ProfessionalId, title = "Advocate" } } };
        await MentoringWorld.Ok(await team.Partner.Admin.PutJson($"/api/partnerships/{team.PartnershipId}/professionals", new { professionals = Array.Empty<object>() }, seen.GetProperty("version").GetString()));

        // Another admin's list, read before, does not put them back; nor does a list sent without saying which it changes.
        await HttpAssert.Problem(await team.Partner.Admin.PutJson($"/api/partnerships/{team.PartnershipId}/professionals", offered, seen.GetProperty("version").GetString()), 412);
        await HttpAssert.Problem(await team.Partner.Admin.PutJson($"/api/partnerships/{team.PartnershipId}/professionals", offered, null), 428);
        await HttpAssert.Problem(await TeamingWorld.ReadAsync(team), 404);
        var ours = (await HttpAssert.Ok<List<JsonElement>>(await _world.Admin.GetAsync("/api/partnerships"))).Single(p => p.GetProperty("id").GetString() == team.PartnershipId);
        Assert.Equal(0, ours.GetProperty("theirProfessionals").GetArrayLength());
        Assert.True(ours.GetProperty("current").GetBoolean());

        // Nor are they listed on the youth's team as if they were on it, or shown the youth on their own list.
        var members = (await HttpAssert.Ok<JsonElement>(await _world.CaseManager.GetAsync($"/api/teams/{team.YouthId}"))).GetProperty("members").EnumerateArray();
        Assert.DoesNotContain(members, m => m.GetProperty("fromPartner").GetBoolean());
        Assert.Empty(await HttpAssert.Ok<List<JsonElement>>(await team.Partner.Professional.GetAsync("/api/shared")));
        Assert.Contains(await TeamingWorld.AuditAsync(_world.Admin, "team.remove-member"),
            e => e.GetProperty("recordId").GetString() == team.YouthId && e.GetProperty("purpose").GetString() == "no longer offered by their agency");

        // What one agency writes into the other's records is in that agency's log, and its admins hear of a changed offer.
        Assert.Contains(await TeamingWorld.AuditAsync(_world.Admin, "partnership.changed-by-partner"),
            e => e.GetProperty("recordId").GetString() == team.PartnershipId && e.GetProperty("actorAgencyId").GetString() == team.Partner.Id);
        Assert.Contains(await TeamingWorld.AuditAsync(team.Partner.Admin, "team-seat.add"), e => e.GetProperty("recordId").GetString() == team.SeatId);
        var told = await HttpAssert.Ok<PageDto<NotificationDto>>(await _world.Admin.GetAsync("/api/notifications?pageSize=100"));
        Assert.Contains(told.Items, n => n.Kind == "partnership-offer-changed");
    }

    [Fact]
    public async Task Another_agency_changing_its_offer_again_and_again_is_one_notice_to_the_admins_while_they_have_not_read_it()
    {
        var partner = await _world.AgencyAsync();
        var partnershipId = await _world.PartnershipAsync(partner);
        async Task OfferAsync(string title)
        {
            var ours = (await HttpAssert.Ok<List<JsonElement>>(await _world.Admin.GetAsync("/api/partnerships"))).Single(p => p.GetProperty("id").GetString() == partnershipId);
            var offered = new { professionals = new[] { new { personId = "demo-casemanager", title } } };
            await MentoringWorld.Ok(await _world.Admin.PutJson($"/api/partnerships/{partnershipId}/professionals", offered, ours.GetProperty("version").GetString()));
        }

        async Task<List<NotificationDto>> ToldAsync() =>
            [.. (await HttpAssert.Ok<PageDto<NotificationDto>>(await partner.Admin.GetAsync("/api/notifications?pageSize=100"))).Items.Where(n => n.Kind == "partnership-offer-changed")];

        foreach (var title in new[] { "Advocate", "Case manager", "Advocate", "Case manager" })
        {
            await OfferAsync(title);
        }

        var told = Assert.Single(await ToldAsync());
        Assert.Null(told.ReadAt);

        // Read, the next change is news again, in the same place.
        await HttpAssert.Ok<NotificationDto>(await partner.Admin.PostAsync($"/api/notifications/{told.Id}/read", null));
        await OfferAsync("Advocate");
        var again = Assert.Single(await ToldAsync());
        Assert.Null(again.ReadAt);
    }

    [Fact]
    public async Task When_only_one_agencys_copy_still_offers_the_professional_or_shares_a_kind_the_narrower_copy_wins()
    {
        var team = await _world.SharedTeamAsync(kinds: ["CasePlan", "SafetyPlan"], partnershipKinds: ["CasePlan", "SafetyPlan"]);
        var store = api.Services.GetRequiredService<IDocumentStore>();
        var theirs = (await store.ReadAsync<Partnership>(Partnership.Container, team.PartnershipId, team.Partner.Id, CancellationToken.None))!;

        // As if a later change had reached only the partner's copy.
        theirs = await store.ReplaceAsync(Partnership.Container, theirs with { Kinds = [SurvivorConnect.Api.Features.Teaming.Rules.RecordKind.CasePlan] }, theirs.ETag!, CancellationToken.None);
        var shared = await HttpAssert.Ok<JsonElement>(await TeamingWorld.ReadAsync(team));
        Assert.Equal(["CasePlan"], shared.GetProperty("kinds").EnumerateArray().Select(k => k.GetString()));

        await store.ReplaceAsync(Partnership.Container, theirs with { Professionals = [] }, theirs.ETag!, CancellationToken.None);
        await HttpAssert.Problem(await TeamingWorld.ReadAsync(team), 403);
    }

    [Fact]
    public async Task An_id_of_another_kind_of_record_is_not_found_never_a_failure()
    {
        var team = await _world.SharedTeamAsync();
        var meetings = await HttpAssert.Ok<JsonElement>(await _world.CaseManager.PostJson($"/api/teams/{team.YouthId}/meetings", new
        {
            scheduledFor = DateTimeOffset.UtcNow.AddDays(3), agenda = new[] { "Check-in" },
        }));
        var meetingId = meetings.GetProperty("meetings")[0].GetProperty("id").GetString();

        await HttpAssert.Problem(await team.Partner.Professional.GetAsync($"/api/shared/{team.PartnershipId}"), 404);
        await HttpAssert.Problem(await _world.CaseManager.RecordMeetingAsync($"/api/teams/{team.YouthId}/meetings/{team.PartnershipId}/record", new { youthParticipation = "InPerson" }), 404);
        await HttpAssert.Problem(await _world.Admin.PostAsync($"/api/partnerships/{meetingId}/end", null), 404);
        await HttpAssert.Problem(await team.Partner.Admin.PostAsync($"/api/partnerships/{team.SeatId}/accept", null), 404);
    }

    [Fact]
    public async Task After_a_partnership_ends_a_new_one_waits_a_week_and_the_old_consent_does_not_count_under_it()
    {
        var team = await _world.SharedTeamAsync();
        await MentoringWorld.Ok(await team.Partner.Admin.PostAsync($"/api/partnerships/{team.PartnershipId}/end", null));

        var again = new { partnerAgencyId = team.Partner.Id, kinds = new[] { "CasePlan" }, legalBasis = "New agreement", expiresAt = DateTimeOffset.UtcNow.AddMonths(6) };
        var paused = await HttpAssert.Problem(await _world.Admin.PostJson("/api/partnerships", again), 409);
        Assert.Contains("You can propose a new one from", paused.GetProperty("detail").GetString(), StringComparison.Ordinal);

        // A week on, the agencies agree again, and a case manager adds their professional to the team again.
        await _world.PartnershipAgainAsync(team.Partner, team.PartnershipId, kinds: ["CasePlan"]);
        await MentoringWorld.Ok(await _world.CaseManager.PostJson($"/api/teams/{team.YouthId}/members", new { role = "Professional", personId = team.Partner.ProfessionalId, agencyId = team.Partner.Id }));
        await HttpAssert.Problem(await TeamingWorld.ReadAsync(team), 403);
        var mine = await HttpAssert.Ok<JsonElement>(await team.Youth.GetAsync("/api/my-team"));
        var old = mine.GetProperty("sharing").EnumerateArray().Single();
        Assert.True(old.GetProperty("current").GetBoolean());
        Assert.False(old.GetProperty("inForce").GetBoolean());

        await MentoringWorld.Created(await _world.CaseManager.PostJson("/api/consents", new
        {
            subjectId = team.YouthId, grantor = "Youth", scope = "mdt-sharing", partnerAgencyId = team.Partner.Id, kinds = new[] { "CasePlan" },
        }));
        var shared = await HttpAssert.Ok<JsonElement>(await TeamingWorld.ReadAsync(team));
        Assert.Equal(["CasePlan"], shared.GetProperty("kinds").EnumerateArray().Select(k => k.GetString()));
    }

    [Fact]
    public async Task Ending_a_partnership_that_ran_out_after_a_new_one_was_agreed_leaves_the_new_ones_team_members_reading()
    {
        var team = await _world.SharedTeamAsync();
        await ExpireAsync(team.PartnershipId, "demo", team.Partner.Id);
        await _world.PartnershipAsync(team.Partner);
        await MentoringWorld.Created(await _world.CaseManager.PostJson("/api/consents", new
        {
            subjectId = team.YouthId, grantor = "Youth", scope = "mdt-sharing", partnerAgencyId = team.Partner.Id, kinds = new[] { "CasePlan" },
        }));
        var before = (await HttpAssert.Ok<JsonElement>(await _world.CaseManager.GetAsync($"/api/teams/{team.YouthId}"))).GetProperty("members").EnumerateArray()
            .Single(m => m.GetProperty("fromPartner").GetBoolean()).GetProperty("id").GetString();
        await HttpAssert.Problem(await TeamingWorld.ReadAsync(team), 403);

        // Added under the old partnership, the professional reads nothing under the new one: adding them again takes that place.
        var added = await MentoringWorld.Ok<JsonElement>(await _world.CaseManager.PostJson($"/api/teams/{team.YouthId}/members", new { role = "Professional", personId = team.Partner.ProfessionalId, agencyId = team.Partner.Id }));
        var now = Assert.Single(added.GetProperty("members").EnumerateArray(), m => m.GetProperty("fromPartner").GetBoolean());
        Assert.NotEqual(before, now.GetProperty("id").GetString());
        await MentoringWorld.Ok(await TeamingWorld.ReadAsync(team));
        var again = await MentoringWorld.Ok<JsonElement>(await _world.CaseManager.PostJson($"/api/teams/{team.YouthId}/members", new { role = "Professional", personId = team.Partner.ProfessionalId, agencyId = team.Partner.Id }));
        Assert.Equal(now.GetProperty("id").GetString(), Assert.Single(again.GetProperty("members").EnumerateArray(), m => m.GetProperty("fromPartner").GetBoolean()).GetProperty("id").GetString());

        // The old one, still shown as in force though it ran out, is ended to tidy up.
        await MentoringWorld.Ok(await _world.Admin.PostAsync($"/api/partnerships/{team.PartnershipId}/end", null));

        await MentoringWorld.Ok(await TeamingWorld.ReadAsync(team));
        Assert.Single(await HttpAssert.Ok<List<JsonElement>>(await team.Partner.Professional.GetAsync("/api/shared")));
    }

    private async Task ExpireAsync(string partnershipId, params string[] agencies)
    {
        var store = api.Services.GetRequiredService<IDocumentStore>();
        foreach (var agency in agencies)
        {
            var copy = (await store.ReadAsync<Partnership>(Partnership.Container, partnershipId, agency, CancellationToken.None))!;
            await store.ReplaceAsync(Partnership.Container, copy with { ExpiresAt = DateTimeOffset.UtcNow.AddSeconds(-1) }, copy.ETag!, CancellationToken.None);
        }
    }
}
