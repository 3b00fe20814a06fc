using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using SurvivorConnect.Api.Features.Agencies;
using SurvivorConnect.Api.Features.Mentoring;
using SurvivorConnect.Api.Features.People;
using SurvivorConnect.Api.Infrastructure.Auth;
using SurvivorConnect.Storage;

namespace SurvivorConnect.IntegrationTests;

/// <summary>Who sees what in mentoring: each party its own view, everyone else "not found".</summary>
public sealed class MentoringVisibilityTests(MentoringTests.Factory api) : IClassFixture<MentoringTests.Factory>
{
    private readonly MentoringWorld _world = new(api);

    [Fact]
    public async Task A_youth_not_theirs_named_in_the_match_list_is_not_found_and_not_audited_as_a_read_of_that_youth()
    {
        var (youthId, _) = await _world.YouthAsync();
        var (otherId, _) = await _world.PersonAsync(Roles.CaseManager);

        await HttpAssert.Problem(await api.As(otherId).GetAsync($"/api/matches?youthId={youthId}"), 404);
        await HttpAssert.Problem(await api.As(otherId).GetAsync("/api/matches?youthId=no-such-youth"), 404);

        var trail = (await HttpAssert.Ok<PageDto<AuditDto>>(await _world.Admin.GetAsync($"/api/audit?actorId={otherId}&pageSize=100"))).Items;
        Assert.DoesNotContain(trail, e => e.Action == "match.list" && e.Outcome == "Succeeded");
        Assert.Contains(trail, e => e.Action == "match.list" && e.Outcome == "NotFound");
    }

    [Fact]
    public async Task A_mentor_sees_the_youths_display_name_and_shared_interests_only()
    {
        var (match, mentor, _, _, youthId) = await _world.ActiveMatchAsync();

        var raw = await (await mentor.GetAsync($"/api/matches/{match.Id}")).Content.ReadAsStringAsync();
        var view = await MentoringWorld.Ok<MatchDto>(await mentor.GetAsync($"/api/matches/{match.Id}"));

        Assert.StartsWith("Youth ", view.Youth!.Value.GetProperty("displayName").GetString(), StringComparison.Ordinal);
        Assert.Equal(["music"], view.Youth.Value.GetProperty("interests").EnumerateArray().Select(e => e.GetString()));
        Assert.DoesNotContain(youthId, raw, StringComparison.Ordinal);
        Assert.DoesNotContain("cooking", raw, StringComparison.Ordinal);
        Assert.DoesNotContain("housing", raw, StringComparison.Ordinal);
        Assert.DoesNotContain("contemplation", raw, StringComparison.OrdinalIgnoreCase);
        Assert.Null(view.History);
        Assert.Contains("case manager can read", raw, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_agency_admin_who_mentors_a_youth_reads_them_only_as_their_mentor_not_their_record()
    {
        var (match, mentor, _, mentorId, youthId) = await _world.ActiveMatchAsync();
        var (otherYouthId, _) = await _world.YouthAsync();
        var (anotherMentorId, _) = await _world.ReadyMentorAsync();
        var theirOtherMatch = await _world.ProposeAsync(youthId, anotherMentorId);
        await _world.SetRolesAsync(mentorId, Roles.Mentor, Roles.AgencyAdmin);

        foreach (var path in new[] { $"/api/youth/{youthId}", $"/api/youth/{youthId}/stages", $"/api/youth/{youthId}/missing-episodes", $"/api/matches/{theirOtherMatch.Id}" })
        {
            await HttpAssert.Problem(await mentor.GetAsync(path), 404);
        }

        Assert.Empty(await HttpAssert.Ok<List<JsonElement>>(await mentor.GetAsync($"/api/consents?subjectId={youthId}")));

        // Nor in the agency's lists: the youth's matches show only their own, and the youth is not on the list of youth.
        var theirs = await HttpAssert.Ok<PageDto<MatchDto>>(await mentor.GetAsync($"/api/matches?youthId={youthId}&pageSize=100"));
        Assert.Equal([match.Id], theirs.Items.Select(m => m.Id));
        var youthListed = (await HttpAssert.PagesAsync<JsonElement>(mentor, "/api/youth?pageSize=100")).SelectMany(p => p.Items).Select(y => y.GetProperty("id").GetString()).ToList();
        Assert.DoesNotContain(youthId, youthListed);
        Assert.Contains(otherYouthId, youthListed);

        await MentoringWorld.Ok<MatchDto>(await mentor.GetAsync($"/api/matches/{match.Id}"));
        await HttpAssert.Ok<JsonElement>(await mentor.GetAsync($"/api/youth/{otherYouthId}"));
        await HttpAssert.Ok<JsonElement>(await mentor.GetAsync($"/api/consents?subjectId={otherYouthId}"));

        // Mentoring no more (the role given up), they mentored the youth all the same.
        await _world.SetRolesAsync(mentorId, Roles.AgencyAdmin);
        await HttpAssert.Problem(await mentor.GetAsync($"/api/youth/{youthId}"), 404);
    }

    [Fact]
    public async Task An_agency_admin_a_youth_is_never_to_be_matched_with_or_proposed_as_their_mentor_reads_neither_their_record_nor_their_matches()
    {
        var (adminMentorId, adminMentor) = await _world.AdminMentorAsync();
        var (keptFromId, _) = await _world.YouthAsync(doNotMatch: [adminMentorId]);
        var (proposedToId, _) = await _world.YouthAsync();
        await _world.ProposeAsync(proposedToId, adminMentorId);
        var (anotherMentorId, _) = await _world.ReadyMentorAsync();
        var keptFromMatch = await _world.ProposeAsync(keptFromId, anotherMentorId);

        foreach (var youthId in new[] { keptFromId, proposedToId })
        {
            foreach (var path in new[] { $"/api/youth/{youthId}", $"/api/youth/{youthId}/stages", $"/api/youth/{youthId}/missing-episodes" })
            {
                await HttpAssert.Problem(await adminMentor.GetAsync(path), 404);
            }

            // Their consents answer as an id with none does, not as someone the admin may not read.
            Assert.Empty(await HttpAssert.Ok<List<JsonElement>>(await adminMentor.GetAsync($"/api/consents?subjectId={youthId}")));

            var listed = (await HttpAssert.PagesAsync<JsonElement>(adminMentor, "/api/youth?pageSize=100")).SelectMany(p => p.Items).Select(y => y.GetProperty("id").GetString());
            Assert.DoesNotContain(youthId, listed);
        }

        await HttpAssert.Problem(await adminMentor.GetAsync($"/api/matches/{keptFromMatch.Id}"), 404);
        // Their matches are a read of their record: not found, as a youth with no record is, and audited so.
        await HttpAssert.Problem(await adminMentor.GetAsync($"/api/matches?youthId={keptFromId}&pageSize=100"), 404);
        await HttpAssert.Problem(await adminMentor.GetAsync("/api/matches?youthId=no-such-youth"), 404);
        Assert.DoesNotContain((await HttpAssert.Ok<PageDto<AuditDto>>(await _world.Admin.GetAsync($"/api/audit?actorId={adminMentorId}&action=match.list&pageSize=100"))).Items,
            e => e.RecordId == keptFromId && e.Outcome == "Succeeded");
        await HttpAssert.Ok<PageDto<MatchDto>>(await _world.Admin.GetAsync($"/api/matches?youthId={keptFromId}"));
        await HttpAssert.Ok<JsonElement>(await _world.Admin.GetAsync($"/api/youth/{keptFromId}"));
    }

    [Fact]
    public async Task An_agency_admin_a_youth_is_never_to_be_matched_with_finds_no_gap_in_the_lists_of_youth_and_matches_to_date_them_by()
    {
        var (adminMentorId, adminMentor) = await _world.AdminMentorAsync();
        var (keptId, _) = await _world.YouthAsync(doNotMatch: [adminMentorId]);
        var (anotherMentorId, _) = await _world.ReadyMentorAsync();
        var keptMatch = await _world.ProposeAsync(keptId, anotherMentorId);
        var (otherId, _) = await _world.YouthAsync();
        var otherMatch = await _world.ProposeAsync(otherId, anotherMentorId);

        // Page by page, no page comes back short with more to come.
        var youthPages = await HttpAssert.PagesAsync<JsonElement>(adminMentor, "/api/youth?pageSize=1");
        var matchPages = await HttpAssert.PagesAsync<MatchDto>(adminMentor, "/api/matches?pageSize=1");

        Assert.All(youthPages.Where(p => p.ContinuationToken is not null), p => Assert.Single(p.Items));
        Assert.All(matchPages.Where(p => p.ContinuationToken is not null), p => Assert.Single(p.Items));
        var youthListed = youthPages.SelectMany(p => p.Items).Select(y => y.GetProperty("id").GetString()).ToList();
        var matchesListed = matchPages.SelectMany(p => p.Items).Select(m => m.Id).ToList();
        Assert.DoesNotContain(keptId, youthListed);
        Assert.Contains(otherId, youthListed);
        Assert.DoesNotContain(keptMatch.Id, matchesListed);
        Assert.Contains(otherMatch.Id, matchesListed);
    }

    [Fact]
    public async Task An_agency_admin_a_youth_is_never_to_be_matched_with_does_not_learn_their_mentor_from_the_mentors_consents()
    {
        var (adminMentorId, adminMentor) = await _world.AdminMentorAsync();
        var (keptId, _) = await _world.YouthAsync(doNotMatch: [adminMentorId]);
        var (otherId, _) = await _world.YouthAsync();
        var (mentorId, mentor) = await _world.ReadyMentorAsync();
        var keptMatch = await _world.AcceptedAsync(keptId, mentorId, mentor);
        var otherMatch = await _world.AcceptedAsync(otherId, mentorId, mentor);

        var consents = await HttpAssert.Ok<List<JsonElement>>(await adminMentor.GetAsync($"/api/consents?subjectId={mentorId}"));
        var unknown = await HttpAssert.Ok<List<JsonElement>>(await adminMentor.GetAsync($"/api/consents?subjectId=nobody-{Guid.NewGuid():N}"));

        var matchIds = consents.Where(c => c.TryGetProperty("matchId", out var m) && m.ValueKind == JsonValueKind.String).Select(c => c.GetProperty("matchId").GetString()).ToList();
        Assert.DoesNotContain(keptMatch.Id, matchIds);
        Assert.Contains(otherMatch.Id, matchIds);
        Assert.Empty(unknown);
        Assert.Contains((await HttpAssert.Ok<List<JsonElement>>(await _world.Admin.GetAsync($"/api/consents?subjectId={mentorId}"))), c => c.TryGetProperty("matchId", out var m) && m.GetString() == keptMatch.Id);

        // Their own yes as a mentor, to a youth kept from them as admin because they mentor them, they still read.
        var (mentoredId, _) = await _world.YouthAsync();
        var ownMatch = await _world.AcceptedAsync(mentoredId, adminMentorId, adminMentor);
        Assert.Contains(await HttpAssert.Ok<List<JsonElement>>(await adminMentor.GetAsync($"/api/consents?subjectId={adminMentorId}")), c => c.TryGetProperty("matchId", out var m) && m.GetString() == ownMatch.Id);
    }

    [Fact]
    public async Task An_agency_admin_a_youth_is_never_to_be_matched_with_neither_finds_nor_ends_nor_changes_the_youths_sign_in()
    {
        var (adminMentorId, adminMentor) = await _world.AdminMentorAsync();
        var keptSignIn = "kept-" + Guid.NewGuid().ToString("N")[..12];
        var (_, youth) = await _world.YouthAsync(doNotMatch: [adminMentorId], personId: keptSignIn);
        var otherSignIn = "other-" + Guid.NewGuid().ToString("N")[..12];
        await _world.YouthAsync(personId: otherSignIn);

        var listed = (await HttpAssert.PagesAsync<JsonElement>(adminMentor, "/api/people?role=Youth&pageSize=200")).SelectMany(p => p.Items).Select(p => p.GetProperty("id").GetString()).ToList();
        Assert.DoesNotContain(keptSignIn, listed);
        Assert.Contains(otherSignIn, listed);

        // Page by page, no page comes back short with more to come: the kept youth leaves no gap to find them by.
        var onePerPage = await HttpAssert.PagesAsync<JsonElement>(adminMentor, "/api/people?role=Youth&pageSize=1");
        Assert.All(onePerPage.Where(p => p.ContinuationToken is not null), p => Assert.Single(p.Items));
        Assert.DoesNotContain(keptSignIn, onePerPage.SelectMany(p => p.Items).Select(p => p.GetProperty("id").GetString()));
        var version = (await _world.Admin.GetAsync($"/api/people/{keptSignIn}")).Headers.ETag!.Tag;
        await HttpAssert.Problem(await adminMentor.GetAsync($"/api/people/{keptSignIn}"), 404);
        await HttpAssert.Problem(await adminMentor.PostJson($"/api/people/{keptSignIn}/deactivate", new { }), 404);
        await HttpAssert.Problem(await adminMentor.PostJson($"/api/people/{keptSignIn}/end-sign-ins", new { }), 404);
        await HttpAssert.Problem(await adminMentor.PutJson($"/api/people/{keptSignIn}/roles", new { roles = Array.Empty<string>() }, version), 404);

        await HttpAssert.Ok<JsonElement>(await youth.GetAsync("/api/me"));
        Assert.Equal(version, (await _world.Admin.GetAsync($"/api/people/{keptSignIn}")).Headers.ETag!.Tag);
        await HttpAssert.Ok<JsonElement>(await adminMentor.GetAsync($"/api/people/{otherSignIn}"));
    }

    [Fact]
    public async Task An_agency_admin_kept_from_a_youth_who_tries_to_add_the_youths_sign_in_is_refused_and_those_who_act_for_the_youth_hear_of_it_once()
    {
        const string Kind = "kept-sign-in-sought";
        var (adminMentorId, adminMentor) = await _world.AdminMentorAsync();
        var (alsoKeptId, alsoKept) = await _world.AdminMentorAsync();
        var keptSignIn = "kept-" + Guid.NewGuid().ToString("N")[..12];
        await _world.YouthAsync(doNotMatch: [adminMentorId, alsoKeptId], personId: keptSignIn);
        var otherSignIn = "other-" + Guid.NewGuid().ToString("N")[..12];
        await _world.YouthAsync(personId: otherSignIn);
        async Task<int> ToldAsync(HttpClient reader) =>
            (await HttpAssert.PagesAsync<NotificationDto>(reader, "/api/notifications?pageSize=100")).SelectMany(p => p.Items).Count(n => n.Kind == Kind);
        var (admin, caseManager) = (await ToldAsync(_world.Admin), await ToldAsync(_world.CaseManager));

        foreach (var signIn in new[] { keptSignIn, keptSignIn, otherSignIn })
        {
            var refused = await HttpAssert.Problem(await adminMentor.PostJson("/api/people", new { subjectId = signIn, displayName = "Someone", roles = Array.Empty<string>() }), 409);
            Assert.Equal("A person with this subject id already exists in your agency.", refused.GetProperty("detail").GetString());
        }

        Assert.Equal(admin + 1, await ToldAsync(_world.Admin));
        Assert.Equal(caseManager + 1, await ToldAsync(_world.CaseManager));
        Assert.Equal(0, await ToldAsync(adminMentor));
        Assert.Equal(0, await ToldAsync(alsoKept));
        await HttpAssert.Problem(await _world.Admin.PostJson("/api/people", new { subjectId = keptSignIn, displayName = "Someone", roles = Array.Empty<string>() }), 409);
        Assert.Equal(admin + 1, await ToldAsync(_world.Admin));
    }

    [Fact]
    public async Task An_agency_admin_a_youth_is_never_to_be_matched_with_does_not_read_the_youths_trail_in_the_audit_log()
    {
        var (adminMentorId, adminMentor) = await _world.AdminMentorAsync();
        var keptSignIn = "kept-" + Guid.NewGuid().ToString("N")[..12];
        var (keptId, youth) = await _world.YouthAsync(doNotMatch: [adminMentorId], personId: keptSignIn);
        var (mentorId, _) = await _world.ReadyMentorAsync();
        var match = await _world.ProposeAsync(keptId, mentorId);
        var (otherId, _) = await _world.YouthAsync();
        await HttpAssert.Ok<JsonElement>(await youth.GetAsync("/api/consents/mine"));
        await HttpAssert.Ok<JsonElement>(await _world.Admin.GetAsync($"/api/youth/{keptId}"));
        await HttpAssert.Ok<JsonElement>(await _world.Admin.GetAsync($"/api/youth/{otherId}"));

        async Task<List<JsonElement>> TrailAsync(HttpClient reader, string filter) =>
            [.. (await HttpAssert.PagesAsync<JsonElement>(reader, $"/api/audit?{filter}&pageSize=200")).SelectMany(p => p.Items)];
        foreach (var filter in new[] { $"recordId={keptId}", $"actorId={keptSignIn}", $"recordId={match.Id}" })
        {
            Assert.NotEmpty(await TrailAsync(_world.Admin, filter));
            Assert.Empty(await TrailAsync(adminMentor, filter));
        }

        var everything = (await TrailAsync(adminMentor, "from=2000-01-01")).Select(e => e.ToString()).ToList();
        Assert.DoesNotContain(everything, e => e.Contains(keptId, StringComparison.Ordinal) || e.Contains(keptSignIn, StringComparison.Ordinal) || e.Contains(match.Id, StringComparison.Ordinal));
        Assert.NotEmpty(await TrailAsync(adminMentor, $"recordId={otherId}"));

        // Nor where it lies: no page comes back short, with more to come, where a kept entry was left out.
        var pages = await HttpAssert.PagesAsync<JsonElement>(adminMentor, $"/api/audit?recordType=youth&from={DateTime.UtcNow:yyyy-MM-dd}&pageSize=1");
        Assert.All(pages.Where(p => p.ContinuationToken is not null), p => Assert.Single(p.Items));
    }

    [Fact]
    public async Task An_adult_served_here_who_became_an_agency_admin_does_not_read_or_hand_over_their_own_record_as_staff()
    {
        var signIn = "served-" + Guid.NewGuid().ToString("N")[..12];
        var (youthId, _) = await _world.YouthAsync(age: 22, personId: signIn);
        await _world.SetRolesAsync(signIn, Roles.AgencyAdmin);
        var admin = api.AsSubject(signIn, "demo");
        var version = (await _world.Admin.GetAsync($"/api/youth/{youthId}")).Headers.ETag!.Tag;

        await HttpAssert.Problem(await admin.GetAsync($"/api/youth/{youthId}"), 404);
        await HttpAssert.Problem(await admin.PutJson($"/api/youth/{youthId}/case-managers", new { caseManagerIds = new[] { "demo-casemanager" } }, version), 404);
        Assert.Empty((await HttpAssert.Ok<PageDto<JsonElement>>(await admin.GetAsync($"/api/audit?recordId={youthId}&pageSize=200"))).Items);

        // Their own sign-in, and what they do with it, stays theirs to see.
        await HttpAssert.Ok<JsonElement>(await admin.GetAsync($"/api/people/{signIn}"));
        Assert.NotEmpty((await HttpAssert.Ok<PageDto<JsonElement>>(await admin.GetAsync($"/api/audit?actorId={signIn}&pageSize=200"))).Items);
    }

    [Fact]
    public async Task A_full_page_of_the_audit_log_says_there_is_more_only_when_there_is_more_the_admin_may_see()
    {
        var (adminMentorId, adminMentor) = await _world.AdminMentorAsync();
        var (keptId, _) = await _world.YouthAsync(doNotMatch: [adminMentorId]);
        var (otherId, _) = await _world.YouthAsync();
        var (readerId, reader) = await _world.PersonAsync(Roles.CaseManager);
        await _world.HandOverAsync(keptId, readerId);
        await _world.HandOverAsync(otherId, readerId);
        await HttpAssert.Ok<JsonElement>(await reader.GetAsync($"/api/youth/{keptId}"));
        await HttpAssert.Ok<JsonElement>(await reader.GetAsync($"/api/youth/{otherId}"));
        var trail = $"/api/audit?actorId={readerId}&recordType=youth";
        var seen = (await HttpAssert.Ok<PageDto<JsonElement>>(await adminMentor.GetAsync($"{trail}&pageSize=200"))).Items;
        Assert.Contains(seen, e => e.GetProperty("recordId").GetString() == otherId);

        var full = await HttpAssert.Ok<PageDto<JsonElement>>(await adminMentor.GetAsync($"{trail}&pageSize={seen.Count}"));

        Assert.Equal(seen.Count, full.Items.Count);
        Assert.Null(full.ContinuationToken);
        Assert.NotNull((await HttpAssert.Ok<PageDto<JsonElement>>(await _world.Admin.GetAsync($"{trail}&pageSize={seen.Count}"))).ContinuationToken);
    }

    [Fact]
    public async Task A_mentor_s_yes_to_a_match_with_a_youth_kept_from_an_admin_is_not_in_the_mentor_s_trail_that_admin_reads()
    {
        var (adminMentorId, adminMentor) = await _world.AdminMentorAsync();
        var (keptId, _) = await _world.YouthAsync(doNotMatch: [adminMentorId]);
        var (mentorId, mentor) = await _world.ReadyMentorAsync();
        var match = await _world.ProposeAsync(keptId, mentorId);

        await MentoringWorld.Created(await mentor.PostJson("/api/consents", new { subjectId = mentorId, grantor = "Mentor", scope = "mentoring-match", matchId = match.Id }));

        static bool Grant(JsonElement e) => e.GetProperty("action").GetString() == "consent.grant";
        Assert.Contains((await HttpAssert.Ok<PageDto<JsonElement>>(await _world.Admin.GetAsync($"/api/audit?recordId={match.Id}&pageSize=200"))).Items, Grant);
        // Only their yes to mentoring at all, said when they became ready.
        Assert.Single((await HttpAssert.Ok<PageDto<JsonElement>>(await adminMentor.GetAsync($"/api/audit?recordId={mentorId}&pageSize=200"))).Items, Grant);
    }

    [Fact]
    public async Task A_kept_youth_s_sign_in_of_before_a_phone_was_taken_stays_kept_with_what_they_did_with_it()
    {
        var (adminMentorId, adminMentor) = await _world.AdminMentorAsync();
        var takenSignIn = "taken-" + Guid.NewGuid().ToString("N")[..12];
        var (keptId, youth) = await _world.YouthAsync(doNotMatch: [adminMentorId], personId: takenSignIn);
        await HttpAssert.Ok<JsonElement>(await youth.GetAsync("/api/consents/mine"));

        // The phone is taken: their case manager gives the youth a new sign-in.
        var (newSignIn, _) = await _world.PersonAsync(Roles.Youth);
        await _world.LinkSignInAsync(keptId, newSignIn);

        async Task<List<JsonElement>> TrailAsync(HttpClient reader) =>
            [.. (await HttpAssert.PagesAsync<JsonElement>(reader, $"/api/audit?actorId={takenSignIn}&pageSize=200")).SelectMany(p => p.Items)];
        Assert.NotEmpty(await TrailAsync(_world.Admin));
        Assert.Empty(await TrailAsync(adminMentor));
        var listed = (await HttpAssert.PagesAsync<JsonElement>(adminMentor, "/api/people?role=Youth&pageSize=200")).SelectMany(p => p.Items).Select(p => p.GetProperty("id").GetString()).ToList();
        Assert.DoesNotContain(takenSignIn, listed);
        Assert.DoesNotContain(newSignIn, listed);
        await HttpAssert.Problem(await adminMentor.GetAsync($"/api/people/{takenSignIn}"), 404);
    }

    [Fact]
    public async Task An_admin_kept_from_a_youth_who_seeks_the_youths_sign_in_of_before_is_heard_of_by_their_case_manager()
    {
        var (adminMentorId, adminMentor) = await _world.AdminMentorAsync();
        var takenSignIn = "taken-" + Guid.NewGuid().ToString("N")[..12];
        var (keptId, _) = await _world.YouthAsync(doNotMatch: [adminMentorId], personId: takenSignIn);
        var (newSignIn, _) = await _world.PersonAsync(Roles.Youth);
        await _world.LinkSignInAsync(keptId, newSignIn);
        async Task<int> ToldAsync() =>
            (await HttpAssert.PagesAsync<NotificationDto>(_world.CaseManager, "/api/notifications?pageSize=100")).SelectMany(p => p.Items).Count(n => n.Kind == "kept-sign-in-sought");
        var before = await ToldAsync();

        await HttpAssert.Problem(await adminMentor.PostJson("/api/people", new { subjectId = takenSignIn, displayName = "Someone", roles = Array.Empty<string>() }), 409);

        Assert.Equal(before + 1, await ToldAsync());
    }

    [Fact]
    public async Task A_youth_every_admin_is_kept_from_is_still_read_by_them_and_one_never_to_be_matched_with_yields_even_to_the_mentor()
    {
        // An agency whose only admins both mentor too, and a youth never to be matched with either.
        var agencyId = "k-" + Guid.NewGuid().ToString("N")[..12];
        var store = api.Services.GetRequiredService<IDocumentStore>();
        await store.CreateAsync(Agency.Container, new Agency { Id = agencyId, PartitionKey = agencyId, AgencyId = agencyId, Name = "Kept", CreatedAt = DateTimeOffset.UtcNow }, CancellationToken.None);
        async Task<string> PersonAsync(string name, params string[] roles)
        {
            var id = $"{agencyId}-{name}";
            await store.CreateAsync(Person.Container, new Person
            {
                Id = id, PartitionKey = agencyId, AgencyId = agencyId, DisplayName = name, Roles = roles, CreatedAt = DateTimeOffset.UtcNow,
            }, CancellationToken.None);
            return id;
        }

        var (firstId, secondId) = (await PersonAsync("first", Roles.AgencyAdmin, Roles.Mentor), await PersonAsync("second", Roles.AgencyAdmin, Roles.Mentor));
        var caseManager = api.AsSubject(await PersonAsync("cm", Roles.CaseManager), agencyId);
        async Task<string> ReferAsync(string displayName, params string[] doNotMatch) => (await MentoringWorld.Created<YouthDto>(await caseManager.PostJson("/api/youth", new
        {
            displayName, age = 16, languages = new[] { "English" }, location = new { latitude = 36.8252, longitude = -119.7029 },
            interests = new[] { "music" }, needs = new[] { "housing" }, stage = "contemplation", doNotMatch,
        }))).Id;

        var youthId = await ReferAsync("Kept from both", firstId, secondId);

        await HttpAssert.Ok<JsonElement>(await api.AsSubject(firstId, agencyId).GetAsync($"/api/youth/{youthId}"));
        await HttpAssert.Ok<JsonElement>(await api.AsSubject(secondId, agencyId).GetAsync($"/api/youth/{youthId}"));

        // One never to be matched with a youth yields to any other admin, even the youth's mentor, never the other way round.
        var otherId = await ReferAsync("Kept from the first", firstId);
        await store.CreateAsync(Match.Container, new Match
        {
            Id = Guid.NewGuid().ToString("N"), PartitionKey = agencyId, AgencyId = agencyId, YouthId = otherId, MentorId = secondId, CaseManagerId = $"{agencyId}-cm",
            State = MatchState.Active, ProposedAt = DateTimeOffset.UtcNow,
        }, CancellationToken.None);

        await HttpAssert.Problem(await api.AsSubject(firstId, agencyId).GetAsync($"/api/youth/{otherId}"), 404);
        await HttpAssert.Ok<JsonElement>(await api.AsSubject(secondId, agencyId).GetAsync($"/api/youth/{otherId}"));
    }

    [Fact]
    public async Task A_youth_sees_their_mentors_display_name_and_shared_profile()
    {
        var (match, _, youth, mentorId, youthId) = await _world.ActiveMatchAsync();

        var raw = await (await youth.GetAsync($"/api/matches/{match.Id}")).Content.ReadAsStringAsync();
        var view = await MentoringWorld.Ok<MatchDto>(await youth.GetAsync($"/api/matches/{match.Id}"));

        Assert.StartsWith("Mentor ", view.Mentor!.Value.GetProperty("displayName").GetString(), StringComparison.Ordinal);
        // Of themselves, only what their own yes to the match is about.
        Assert.Equal(youthId, view.Youth!.Value.GetProperty("id").GetString());
        Assert.Empty(view.Youth!.Value.GetProperty("interests").EnumerateArray());
        Assert.DoesNotContain(mentorId, raw, StringComparison.Ordinal);
        Assert.DoesNotContain("screening", raw, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task A_youth_learns_of_a_mentor_only_once_the_mentor_has_said_yes_to_them_and_never_of_one_who_said_no()
    {
        var (mentorId, mentor) = await _world.ReadyMentorAsync();
        var (otherMentorId, otherMentor) = await _world.ReadyMentorAsync();
        var (thirdMentorId, _) = await _world.ReadyMentorAsync();
        var (youthId, youth) = await _world.YouthAsync();
        var match = await _world.ProposeAsync(youthId, mentorId);
        var declined = await _world.ProposeAsync(youthId, otherMentorId);
        var withdrawn = await _world.ProposeAsync(youthId, thirdMentorId);

        var proposed = await youth.GetAsync($"/api/matches/{match.Id}");
        var listedWhileProposed = (await HttpAssert.Ok<PageDto<MatchDto>>(await youth.GetAsync("/api/matches"))).Items;
        var declineBeforeAsked = await youth.PostAsync($"/api/matches/{match.Id}/decline", null);
        var staffNoBeforeAsked = await _world.CaseManager.PostAsync($"/api/matches/{match.Id}/decline", null);
        var closedAsYouthsChoiceBeforeAsked = await _world.CloseAsYouthsChoiceAsync(match.Id);
        var guardianBeforeAsked = await _world.CaseManager.PostJson("/api/consents", new { subjectId = youthId, grantor = "Guardian", scope = "mentoring-match", matchId = match.Id });
        var ownYesBeforeAsked = await youth.PostJson("/api/consents", new { subjectId = youthId, grantor = "Youth", scope = "mentoring-match", matchId = match.Id });
        await MentoringWorld.Ok(await otherMentor.PostAsync($"/api/matches/{declined.Id}/decline", null));
        await MentoringWorld.Ok(await _world.CaseManager.PostJson($"/api/matches/{withdrawn.Id}/close", new { reason = "AgencyDecision", planned = false }));
        await MentoringWorld.Ok(await mentor.PostAsync($"/api/matches/{match.Id}/accept", null));
        var accepted = await MentoringWorld.Ok<MatchDto>(await youth.GetAsync($"/api/matches/{match.Id}"));
        var listed = (await HttpAssert.Ok<PageDto<MatchDto>>(await youth.GetAsync("/api/matches"))).Items;
        var notices = (await MentoringWorld.Ok<PageDto<NotificationDto>>(await youth.GetAsync("/api/notifications?pageSize=100"))).Items;

        await HttpAssert.Problem(proposed, 404);
        Assert.Empty(listedWhileProposed);
        await HttpAssert.Problem(declineBeforeAsked, 404);
        Assert.Contains("close it as the agency's decision", (await HttpAssert.Problem(staffNoBeforeAsked, 409)).GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Contains("close it as the agency's decision", (await HttpAssert.Problem(closedAsYouthsChoiceBeforeAsked, 409)).GetProperty("detail").GetString(), StringComparison.Ordinal);
        await HttpAssert.Problem(guardianBeforeAsked, 409);
        await HttpAssert.Problem(ownYesBeforeAsked, 404);
        // Of the mentor, the youth is given what their page shows: the name and interests, not what the mentor shares for
        // case managers finding a mentor (lived experience, languages).
        Assert.Contains("music", accepted.Mentor!.Value.GetProperty("interests").EnumerateArray().Select(t => t.GetString()));
        Assert.All(new[] { "livedExperienceTags", "languages" }, field =>
            Assert.True(!accepted.Mentor!.Value.TryGetProperty(field, out var value) || value.ValueKind == JsonValueKind.Null, field));
        Assert.Equal([match.Id], listed.Select(m => m.Id));
        await HttpAssert.Problem(await youth.GetAsync($"/api/matches/{declined.Id}"), 404);
        Assert.DoesNotContain(notices, n => n.MatchId == declined.Id || n.MatchId == withdrawn.Id);
    }

    [Fact]
    public async Task Once_a_match_is_over_the_youth_keeps_the_mentors_name_they_knew_and_not_their_profile_as_it_is_now()
    {
        var (match, mentor, youth, mentorId, _) = await _world.ActiveMatchAsync();
        var knownAs = (await MentoringWorld.Ok<MatchDto>(await youth.GetAsync($"/api/matches/{match.Id}"))).Mentor!.Value.GetProperty("displayName").GetString();
        await MentoringWorld.Ok(await youth.PostAsync($"/api/matches/{match.Id}/end", null));

        // The mentor takes another name, for their own safety.
        await MentoringWorld.Ok(await mentor.PutAsJsonAsync("/api/mentors/me", new
        {
            displayName = "Renamed " + mentorId[^6..], languages = new[] { "English", "Spanish" }, gender = "female",
            location = new { latitude = 36.7378, longitude = -119.7871 }, travelRadiusMiles = 25, interests = new[] { "art", "music" },
            livedExperienceTags = new[] { "housing" }, experiencedStages = new[] { "contemplation" }, capacity = 2,
        }));

        var raw = await (await youth.GetAsync($"/api/matches/{match.Id}")).Content.ReadAsStringAsync();
        var ended = await MentoringWorld.Ok<MatchDto>(await youth.GetAsync($"/api/matches/{match.Id}"));

        Assert.Equal(knownAs, ended.Mentor!.Value.GetProperty("displayName").GetString());
        Assert.DoesNotContain("Renamed", raw, StringComparison.Ordinal);
        Assert.DoesNotContain("music", raw, StringComparison.Ordinal);
        Assert.DoesNotContain("housing", raw, StringComparison.Ordinal);
        Assert.DoesNotContain("Spanish", raw, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Nobody_outside_a_match_can_see_or_move_it()
    {
        var (match, _, _, _, _) = await _world.ActiveMatchAsync();
        var (_, otherMentor) = await _world.ReadyMentorAsync();
        var (_, otherYouth) = await _world.YouthAsync();
        var (_, otherCaseManager) = await _world.PersonAsync(Roles.CaseManager);
        var northCaseManager = api.As("north-casemanager");

        foreach (var outsider in new[] { otherMentor, otherYouth, otherCaseManager, northCaseManager })
        {
            await HttpAssert.Problem(await outsider.GetAsync($"/api/matches/{match.Id}"), 404);
            await HttpAssert.Problem(await outsider.PostAsync($"/api/matches/{match.Id}/decline", null), 404);
            Assert.DoesNotContain((await HttpAssert.Ok<PageDto<MatchDto>>(await outsider.GetAsync("/api/matches?pageSize=200"))).Items, m => m.Id == match.Id);
        }

        await HttpAssert.Problem(await otherMentor.PostAsync($"/api/matches/{match.Id}/accept", null), 404);
        await HttpAssert.Problem(await MentoringWorld.StepAsync(otherCaseManager, match.Id, "pause"), 404);
        Assert.Equal(HttpStatusCode.Forbidden, (await _world.Supervisor.GetAsync($"/api/matches/{match.Id}")).StatusCode);
    }

    [Fact]
    public async Task A_youths_record_is_for_their_case_managers_and_the_admin_and_every_read_is_audited()
    {
        var (youthId, youth) = await _world.YouthAsync();
        var (otherCmId, otherCaseManager) = await _world.PersonAsync(Roles.CaseManager);

        await MentoringWorld.Ok(await _world.CaseManager.GetAsync($"/api/youth/{youthId}"));
        await MentoringWorld.Ok(await _world.Admin.GetAsync($"/api/youth/{youthId}"));
        await HttpAssert.Problem(await otherCaseManager.GetAsync($"/api/youth/{youthId}"), 404);
        await HttpAssert.Problem(await otherCaseManager.GetAsync($"/api/youth/{youthId}/stages"), 404);
        await HttpAssert.Problem(await otherCaseManager.GetAsync($"/api/youth/{youthId}/recommendations"), 404);
        await HttpAssert.Problem(await api.As("north-casemanager").GetAsync($"/api/youth/{youthId}"), 404);
        Assert.Equal(HttpStatusCode.Forbidden, (await youth.GetAsync($"/api/youth/{youthId}")).StatusCode);
        Assert.DoesNotContain((await HttpAssert.Ok<PageDto<YouthDto>>(await otherCaseManager.GetAsync("/api/youth"))).Items, y => y.Id == youthId);

        var audit = await HttpAssert.Ok<PageDto<AuditDto>>(await _world.Admin.GetAsync($"/api/audit?recordId={youthId}&recordType=youth"));
        Assert.Contains(audit.Items, e => e is { Action: "youth.read", ActorId: "demo-casemanager", Outcome: "Succeeded" });
        Assert.Contains(audit.Items, e => e is { Action: "youth.read", ActorId: "demo-admin", Outcome: "Succeeded" });
        Assert.Contains(audit.Items, e => e.Action == "youth.read" && e.ActorId == otherCmId && e.Outcome == "NotFound");
    }

    [Fact]
    public async Task A_supervisor_sees_their_mentors_load_but_no_youth_details_and_not_other_caseloads()
    {
        var (match, _, _, mentorId, _) = await _world.ActiveMatchAsync();
        var (_, otherSupervisor) = await _world.PersonAsync(Roles.Supervisor);

        var raw = await (await _world.Supervisor.GetAsync($"/api/mentors/{mentorId}/load")).Content.ReadAsStringAsync();
        var load = await HttpAssert.Ok<LoadDto>(await _world.Supervisor.GetAsync($"/api/mentors/{mentorId}/load"));

        Assert.Equal(1, load.OpenMatches);
        Assert.Equal(1, load.ByState["Active"]);
        Assert.DoesNotContain("Youth ", raw, StringComparison.Ordinal);
        Assert.DoesNotContain(match.Id, raw, StringComparison.Ordinal);
        await HttpAssert.Problem(await otherSupervisor.GetAsync($"/api/mentors/{mentorId}/load"), 404);
        await HttpAssert.Problem(await otherSupervisor.PostJson($"/api/mentors/{mentorId}/hold", new { }), 404);
        Assert.DoesNotContain((await HttpAssert.Ok<PageDto<MentorDto>>(await otherSupervisor.GetAsync("/api/mentors"))).Items, m => m.Id == mentorId);
    }

    [Fact]
    public async Task Consent_records_are_readable_and_changeable_only_by_their_subject_or_the_youths_case_manager()
    {
        var (mentorId, mentor) = await _world.ReadyMentorAsync();
        var (_, otherMentor) = await _world.ReadyMentorAsync();
        var (youthId, youth) = await _world.YouthAsync();
        var consents = await HttpAssert.Ok<List<MentoringTests.ConsentDto>>(await mentor.GetAsync($"/api/consents?subjectId={mentorId}"));
        var match = await _world.AcceptedAsync(youthId, mentorId, mentor);

        await HttpAssert.Problem(await otherMentor.GetAsync($"/api/consents?subjectId={mentorId}"), 404);
        await HttpAssert.Problem(await otherMentor.PostAsync($"/api/consents/{consents[0].Id}/revoke", null), 404);
        await HttpAssert.Problem(await otherMentor.PostJson("/api/consents", new { subjectId = mentorId, grantor = "Mentor", scope = "mentoring" }), 404);
        await HttpAssert.Problem(await youth.PostJson("/api/consents", new { subjectId = youthId, grantor = "Guardian", scope = "mentoring-match", matchId = match.Id }), 404);
        await HttpAssert.Problem(await api.As("north-casemanager").GetAsync($"/api/consents?subjectId={youthId}"), 404);
        await MentoringWorld.Created(await youth.PostJson("/api/consents", new { subjectId = youthId, grantor = "Youth", scope = "mentoring-match", matchId = match.Id }));
        Assert.Single(await HttpAssert.Ok<List<MentoringTests.ConsentDto>>(await _world.CaseManager.GetAsync($"/api/consents?subjectId={youthId}")));
    }

    [Fact]
    public async Task Reading_one_youth_s_matches_is_audited_under_that_youth()
    {
        var (youthId, _) = await _world.YouthAsync();

        await HttpAssert.Ok<PageDto<MatchDto>>(await _world.CaseManager.GetAsync($"/api/matches?youthId={youthId}"));

        var audited = (await HttpAssert.Ok<PageDto<AuditDto>>(await _world.Admin.GetAsync($"/api/audit?recordId={youthId}"))).Items;
        Assert.Contains(audited, e => e.Action == "match.list" && e.ActorId == "demo-casemanager" && e.RecordType == "youth");
    }

    [Fact]
    public async Task A_mentor_who_said_yes_to_mentoring_twice_has_one_yes_and_withdrawing_it_once_they_no_longer_consent()
    {
        var (mentorId, mentor) = await _world.ReadyMentorAsync();
        var first = Assert.Single(await HttpAssert.Ok<List<MentoringTests.ConsentDto>>(await mentor.GetAsync($"/api/consents?subjectId={mentorId}")));
        var second = await MentoringWorld.Ok<MentoringTests.ConsentDto>(await mentor.PostJson("/api/consents", new { subjectId = mentorId, grantor = "Mentor", scope = "mentoring" }));
        Assert.Equal(first.Id, second.Id);
        Assert.Single(await HttpAssert.Ok<List<MentoringTests.ConsentDto>>(await mentor.GetAsync($"/api/consents?subjectId={mentorId}")));
        Assert.True((await MentoringWorld.Ok<MentorDto>(await _world.CaseManager.GetAsync($"/api/mentors/{mentorId}"))).ConsentsToMentoring);

        await HttpAssert.Ok<MentoringTests.ConsentDto>(await mentor.PostAsync($"/api/consents/{second.Id}/revoke", null));

        Assert.False((await MentoringWorld.Ok<MentorDto>(await _world.CaseManager.GetAsync($"/api/mentors/{mentorId}"))).ConsentsToMentoring);
        Assert.DoesNotContain(await HttpAssert.Ok<List<MentoringTests.ConsentDto>>(await mentor.GetAsync($"/api/consents?subjectId={mentorId}")), c => c.Current);
    }

    [Fact]
    public async Task A_mentor_whose_role_was_taken_away_still_withdraws_their_consent_so_it_does_not_count_when_the_role_comes_back()
    {
        var (mentorId, mentor) = await _world.ReadyMentorAsync();
        var yes = Assert.Single(await HttpAssert.Ok<List<MentoringTests.ConsentDto>>(await mentor.GetAsync($"/api/consents?subjectId={mentorId}")));
        await _world.SetRolesAsync(mentorId, Roles.Advisor);

        await HttpAssert.Ok<MentoringTests.ConsentDto>(await mentor.PostAsync($"/api/consents/{yes.Id}/revoke", null));
        await HttpAssert.Problem(await mentor.PostJson("/api/consents", new { subjectId = mentorId, grantor = "Mentor", scope = "mentoring" }), 403);
        await _world.SetRolesAsync(mentorId, Roles.Mentor);

        Assert.False((await MentoringWorld.Ok<MentorDto>(await _world.CaseManager.GetAsync($"/api/mentors/{mentorId}"))).ConsentsToMentoring);
    }

    [Fact]
    public async Task Bad_consent_input_is_refused_field_by_field()
    {
        var (mentorId, mentor) = await _world.ReadyMentorAsync();

        var problem = await HttpAssert.Problem(await mentor.PostJson("/api/consents", new { subjectId = mentorId, grantor = "Friend", scope = "everything" }), 400);
        var noMatch = await HttpAssert.Problem(await mentor.PostJson("/api/consents", new { subjectId = mentorId, grantor = "Mentor", scope = "mentoring-match" }), 400);
        var past = await HttpAssert.Problem(await mentor.PostJson("/api/consents", new { subjectId = mentorId, grantor = "Mentor", scope = "mentoring", expiresAt = DateTimeOffset.UtcNow.AddDays(-1) }), 400);

        Assert.True(problem.GetProperty("errors").TryGetProperty("grantor", out _));
        Assert.True(problem.GetProperty("errors").TryGetProperty("scope", out _));
        Assert.True(noMatch.GetProperty("errors").TryGetProperty("matchId", out _));
        Assert.True(past.GetProperty("errors").TryGetProperty("expiresAt", out _));
    }

    [Fact]
    public async Task Changing_a_youth_record_needs_its_current_ETag()
    {
        var created = await _world.CaseManager.PostJson("/api/youth", new { displayName = "Etag youth", age = 17, stage = "preparation" });
        var youth = await MentoringWorld.Created<YouthDto>(created);
        var etag = created.Headers.ETag!.Tag;

        var update = new { displayName = "Etag youth", age = 17, interests = new[] { "chess" } };
        await HttpAssert.Problem(await _world.CaseManager.PutAsJsonAsync($"/api/youth/{youth.Id}", update), 428);
        var changed = new HttpRequestMessage(HttpMethod.Put, $"/api/youth/{youth.Id}") { Content = JsonContent.Create(update) };
        changed.Headers.TryAddWithoutValidation("If-Match", etag);
        await MentoringWorld.Ok(await _world.CaseManager.SendAsync(changed));
        var stale = new HttpRequestMessage(HttpMethod.Put, $"/api/youth/{youth.Id}") { Content = JsonContent.Create(update) };
        stale.Headers.TryAddWithoutValidation("If-Match", etag);
        await HttpAssert.Problem(await _world.CaseManager.SendAsync(stale), 412);
        var withStage = new HttpRequestMessage(HttpMethod.Put, $"/api/youth/{youth.Id}") { Content = JsonContent.Create(new { displayName = "x", age = 17, stage = "action" }) };
        withStage.Headers.TryAddWithoutValidation("If-Match", etag);
        await HttpAssert.Problem(await _world.CaseManager.SendAsync(withStage), 400);
    }

    public sealed record LoadDto(string MentorId, int Capacity, int OpenMatches, Dictionary<string, int> ByState, bool OnHold);

    /// <summary>A mentor who is also an agency admin, whom a youth can be kept from either way.</summary>
}
