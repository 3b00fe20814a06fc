using System.Globalization;
using System.Text.Json;
using System.Net;
using System.Net.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using SurvivorConnect.Api.Infrastructure.Auth;

namespace SurvivorConnect.IntegrationTests;

public sealed class MentoringTests(MentoringTests.Factory api) : IClassFixture<MentoringTests.Factory>
{
    public sealed class Factory : ApiFactory;

    private readonly MentoringWorld _world = new(api);

    private HttpClient CaseManager => _world.CaseManager;

    [Fact]
    public async Task A_consent_recorded_in_the_portal_to_end_on_a_day_holds_through_that_whole_day()
    {
        var (mentorId, mentor) = await _world.ReadyMentorAsync();
        var (youthId, _) = await _world.YouthAsync();
        var match = await _world.AcceptedAsync(youthId, mentorId, mentor);
        var portal = await PortalSession.SignedInAsync(api, "demo-casemanager");
        await PortalSession.PostFormAsync(portal, "/caseload", "open-youth", ("YouthId", youthId));
        var day = DateOnly.FromDateTime(DateTime.UtcNow.AddDays(30));

        var recorded = await PortalSession.PostFormAsync(portal, "/caseload", "record-consent",
            ("YouthId", youthId), ("Grantor", "Guardian"), ("Scope", "mentoring-match"), ("ConsentMatchId", match.Id), ("ExpiresOn", day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)));

        Assert.Contains("The consent is recorded.", recorded, StringComparison.Ordinal);
        var zone = (await HttpAssert.Ok<JsonElement>(await CaseManager.GetAsync("/api/agency"))).GetProperty("timeZone").GetString() ?? "UTC";
        var consent = (await HttpAssert.Ok<List<JsonElement>>(await CaseManager.GetAsync($"/api/consents?subjectId={youthId}"))).Single(c => c.GetProperty("grantor").GetString() == "Guardian");
        var ends = TimeZoneInfo.ConvertTimeBySystemTimeZoneId(consent.GetProperty("expiresAt").GetDateTimeOffset(), zone);
        Assert.Equal(day, DateOnly.FromDateTime(ends.DateTime));
        Assert.Equal(23, ends.Hour);
    }

    [Fact]
    public async Task A_match_runs_from_proposal_through_consent_to_closure_and_every_step_is_audited()
    {
        var (mentorId, mentor) = await _world.ReadyMentorAsync();
        var (youthId, youth) = await _world.YouthAsync();

        var proposed = await _world.ProposeAsync(youthId, mentorId);
        var accepted = await MentoringWorld.Ok<MatchDto>(await mentor.PostAsync($"/api/matches/{proposed.Id}/accept", null));
        var agreed = await MentoringWorld.Ok<MatchDto>(await youth.PostAsync($"/api/matches/{proposed.Id}/agree", null));
        var paused = await MentoringWorld.Ok<MatchDto>(await MentoringWorld.StepAsync(CaseManager, proposed.Id, "pause"));
        var resumed = await MentoringWorld.Ok<MatchDto>(await MentoringWorld.StepAsync(CaseManager, proposed.Id, "resume"));
        var closed = await MentoringWorld.Ok<MatchDto>(await CaseManager.PostAsJsonAsync($"/api/matches/{proposed.Id}/close", new { reason = "GoalsMet", planned = true, notes = "Met every goal." }));

        Assert.Equal(["Proposed", "AwaitingYouth", "Active", "Paused", "Active", "Closed"], new[] { proposed, accepted, agreed, paused, resumed, closed }.Select(m => m.State));
        Assert.Equal(6, closed.History!.Count);
        var audit = await HttpAssert.Ok<PageDto<AuditDto>>(await _world.Admin.GetAsync($"/api/audit?recordId={proposed.Id}&pageSize=50"));
        Assert.Equal(["match.accept", "match.close", "match.pause", "match.propose", "match.resume", "match.youth-agree"],
            audit.Items.Where(e => e.Action != "match.read").Select(e => e.Action).Order());
    }

    [Fact]
    public async Task Both_parties_are_notified_and_told_the_case_manager_can_read_the_chat()
    {
        var (match, mentor, youth, _, _) = await _world.ActiveMatchAsync();

        var mentorNotes = await HttpAssert.Ok<PageDto<NotificationDto>>(await mentor.GetAsync("/api/notifications"));
        var youthNotes = await HttpAssert.Ok<PageDto<NotificationDto>>(await youth.GetAsync("/api/notifications"));

        Assert.Contains(mentorNotes.Items, n => n.MatchId == match.Id && n.Kind == "match-proposed");
        Assert.Contains(mentorNotes.Items, n => n.MatchId == match.Id && n.Text.Contains("case manager can read", StringComparison.Ordinal));
        Assert.Contains(youthNotes.Items, n => n.MatchId == match.Id && n.Text.Contains("your choice", StringComparison.OrdinalIgnoreCase));
        Assert.Contains(youthNotes.Items, n => n.MatchId == match.Id && n.Text.Contains("case manager can read", StringComparison.Ordinal));
        var read = await HttpAssert.Ok<NotificationDto>(await youth.PostAsync($"/api/notifications/{youthNotes.Items[0].Id}/read", null));
        Assert.Equal(youthNotes.Items[0].Id, read.Id);
        await HttpAssert.Problem(await mentor.PostAsync($"/api/notifications/{youthNotes.Items[0].Id}/read", null), 404);
    }

    [Fact]
    public async Task Where_policy_requires_a_guardian_a_minors_match_waits_for_that_consent()
    {
        var (mentorId, mentor) = await _world.ReadyMentorAsync();
        var (youthId, youth) = await _world.YouthAsync(age: 15);
        var north = api.As("north-admin");
        await MentoringWorld.SetConsentPolicyAsync(north, new { adultAge = 18, minorMatchNeeds = new[] { "Guardian" } });
        await MentoringWorld.SetConsentPolicyAsync(_world.Admin, new { adultAge = 18, minorMatchNeeds = new[] { "Guardian" } });
        try
        {
            var match = await _world.ProposeAsync(youthId, mentorId);
            await MentoringWorld.Ok(await mentor.PostAsync($"/api/matches/{match.Id}/accept", null));
            var waiting = await MentoringWorld.Ok<MatchDto>(await youth.PostAsync($"/api/matches/{match.Id}/agree", null));
            var early = await HttpAssert.Problem(await MentoringWorld.StepAsync(CaseManager, match.Id, "activate"), 409);
            await MentoringWorld.Created(await CaseManager.PostJson("/api/consents", new { subjectId = youthId, grantor = "Guardian", scope = "mentoring-match", matchId = match.Id }));
            var active = await MentoringWorld.Ok<MatchDto>(await MentoringWorld.StepAsync(CaseManager, match.Id, "activate"));

            Assert.Equal("AwaitingConsent", waiting.State);
            Assert.Contains("guardian consent", early.GetProperty("detail").GetString(), StringComparison.Ordinal);
            Assert.Equal("Active", active.State);
        }
        finally
        {
            await MentoringWorld.SetConsentPolicyAsync(_world.Admin, new { adultAge = 18, minorMatchNeeds = Array.Empty<string>() });
            await MentoringWorld.SetConsentPolicyAsync(north, new { adultAge = 18, minorMatchNeeds = Array.Empty<string>() });
        }
    }

    [Fact]
    public async Task A_consent_policy_saved_from_a_page_made_before_another_admins_change_is_refused_and_that_change_stays()
    {
        var north = api.As("north-admin");
        var portal = await PortalSession.SignedInAsync(api, "north-admin");
        var version = PortalSession.Hidden(await portal.GetStringAsync("/agency"), "Version", after: "data-consent-policy");
        Assert.NotEmpty(version);
        await MentoringWorld.SetConsentPolicyAsync(north, new { adultAge = 18, minorMatchNeeds = new[] { "Guardian" } });
        try
        {
            var stale = await PortalSession.PostFormAsync(portal, "/agency", "consent", ("Version", version), ("AdultAge", "18"));
            using var staleApi = new HttpRequestMessage(HttpMethod.Put, "/api/agency/match-consent-policy") { Content = JsonContent.Create(new { adultAge = 18, minorMatchNeeds = Array.Empty<string>() }) };
            staleApi.Headers.TryAddWithoutValidation("If-Match", version);

            Assert.Contains("Someone else changed this", stale, StringComparison.Ordinal);
            await HttpAssert.Problem(await north.SendAsync(staleApi), 412);
            await HttpAssert.Problem(await north.PutAsJsonAsync("/api/agency/match-consent-policy", new { adultAge = 18, minorMatchNeeds = Array.Empty<string>() }), 428);
            var policy = (await HttpAssert.Ok<JsonElement>(await north.GetAsync("/api/agency"))).GetProperty("matchConsentPolicy");
            Assert.Equal(["Guardian"], policy.GetProperty("minorMatchNeeds").EnumerateArray().Select(n => n.GetString()));
        }
        finally
        {
            await MentoringWorld.SetConsentPolicyAsync(north, new { adultAge = 18, minorMatchNeeds = Array.Empty<string>() });
        }
    }

    [Fact]
    public async Task A_step_back_sent_twice_from_one_page_is_recorded_once()
    {
        var (youthId, _) = await _world.YouthAsync(stage: "action");
        var portal = await PortalSession.SignedInAsync(api, "demo-casemanager");
        var opened = await PortalSession.PostFormAsync(portal, "/caseload", "open-youth", ("YouthId", youthId));
        var version = PortalSession.Hidden(opened, "Version", after: "_handler\" value=\"stage\"");
        Assert.NotEmpty(version);
        (string, string)[] stepBack = [("YouthId", youthId), ("Version", version), ("Stage", "Contemplation"), ("Kind", "relapse"), ("StageNote", "")];

        var first = await PortalSession.PostFormAsync(portal, "/caseload", "stage", stepBack);
        var second = await PortalSession.PostFormAsync(portal, "/caseload", "stage", stepBack);

        // The second tap is the same step from the same page: answered as done, not as someone else's change.
        Assert.Contains("The step back is recorded.", first, StringComparison.Ordinal);
        Assert.Contains("The step back is recorded.", second, StringComparison.Ordinal);

        // The page the first step back came back with records the next stage.
        var next = PortalSession.Hidden(first, "Version", after: "_handler\" value=\"stage\"");
        var onward = await PortalSession.PostFormAsync(portal, "/caseload", "stage", ("YouthId", youthId), ("Version", next), ("Stage", "Preparation"), ("Kind", "stage"), ("StageNote", ""));
        Assert.Contains("The stage is recorded.", onward, StringComparison.Ordinal);
        var history = await HttpAssert.Ok<JsonElement>(await CaseManager.GetAsync($"/api/youth/{youthId}/stages"));
        Assert.Equal(1, history.GetProperty("events").EnumerateArray().Count(e => e.GetProperty("kind").GetString() == "relapse"));
    }

    [Fact]
    public async Task A_referral_added_twice_by_a_second_tap_is_one_youth()
    {
        var portal = await PortalSession.SignedInAsync(api, "demo-casemanager");
        var referralId = PortalSession.Hidden(await portal.GetStringAsync("/caseload"), "ReferralId");
        var name = "Tapped twice " + referralId[..6];
        (string, string)[] fields = [("ReferralId", referralId), ("DisplayName", name), ("Age", "16"), ("Languages", "English"), ("Interests", "music"), ("ReferStage", "Contemplation")];

        var first = await PortalSession.PostFormAsync(portal, "/caseload", "refer", fields);
        var second = await PortalSession.PostFormAsync(portal, "/caseload", "refer", fields);

        Assert.Contains("The referral is added.", first, StringComparison.Ordinal);
        Assert.Contains("This referral is added already.", second, StringComparison.Ordinal);
        var caseload = await HttpAssert.PagesAsync<YouthDto>(CaseManager, "/api/youth?pageSize=100");
        Assert.Single(caseload.SelectMany(p => p.Items), y => y.DisplayName == name);
    }

    [Fact]
    public async Task A_referral_form_naming_a_mentor_s_id_as_its_own_makes_no_youth_and_reaches_none_of_the_mentor_s_consents()
    {
        var (mentorId, mentor) = await _world.ReadyMentorAsync(id: Guid.NewGuid().ToString("N"));
        var (otherYouthId, _) = await _world.YouthAsync();
        var match = await _world.ProposeAsync(otherYouthId, mentorId);
        var portal = await PortalSession.SignedInAsync(api, "demo-casemanager");

        var referred = await PortalSession.PostFormAsync(portal, "/caseload", "refer",
            ("ReferralId", mentorId), ("DisplayName", "Named as a mentor"), ("Age", "16"), ("Languages", "English"), ("Interests", "music"), ("ReferStage", "Contemplation"));

        Assert.Contains("This form cannot refer anyone.", referred, StringComparison.Ordinal);
        await HttpAssert.Problem(await CaseManager.GetAsync($"/api/youth/{mentorId}"), 404);
        await HttpAssert.Problem(await CaseManager.GetAsync($"/api/consents?subjectId={mentorId}"), 404);
        // Nor does the mentor record a yes as the youth's, or one given for them, under their own id.
        foreach (var grantor in new[] { "Youth", "Guardian", "Agency" })
        {
            await HttpAssert.Problem(await mentor.PostJson("/api/consents", new { subjectId = mentorId, grantor, scope = "mentoring-match", matchId = match.Id }), 404);
        }
    }

    [Fact]
    public async Task A_revoked_consent_stops_a_paused_match_from_resuming_at_once()
    {
        var (match, _, youth, _, youthId) = await _world.ActiveMatchAsync();
        await MentoringWorld.Ok(await MentoringWorld.StepAsync(CaseManager, match.Id, "pause"));
        var consents = await HttpAssert.Ok<List<ConsentDto>>(await youth.GetAsync($"/api/consents?subjectId={youthId}"));
        var mine = consents.Single(c => c.MatchId == match.Id && c.Grantor == "Youth");

        var revoked = await HttpAssert.Ok<ConsentDto>(await youth.PostAsync($"/api/consents/{mine.Id}/revoke", null));
        var resume = await HttpAssert.Problem(await MentoringWorld.StepAsync(CaseManager, match.Id, "resume"), 409);
        var notes = await HttpAssert.Ok<PageDto<NotificationDto>>(await CaseManager.GetAsync("/api/notifications?pageSize=200"));

        Assert.False(revoked.Current);
        Assert.Contains("youth's agreement", resume.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Contains(notes.Items, n => n.Kind == "consent-revoked" && n.MatchId == match.Id);
        await HttpAssert.Problem(await youth.PostAsync($"/api/consents/{mine.Id}/revoke", null), 409);
    }

    [Fact]
    public async Task The_match_list_comes_newest_first_a_page_at_a_time_and_narrows_to_one_youth_or_open_matches()
    {
        var (_, caseManager) = await _world.PersonAsync(Roles.CaseManager);
        var (mentorId, mentor) = await _world.ReadyMentorAsync(capacity: 10);
        var proposed = new List<(string Match, string Youth)>();
        for (var i = 0; i < 5; i++)
        {
            var youth = await MentoringWorld.Created<YouthDto>(await caseManager.PostJson("/api/youth", new { displayName = $"Paged {i}", age = 16, stage = "contemplation" }));
            proposed.Add(((await MentoringWorld.Created<MatchDto>(await caseManager.PostJson("/api/matches", new { youthId = youth.Id, mentorId }))).Id, youth.Id));
        }

        await MentoringWorld.Ok(await mentor.PostAsync($"/api/matches/{proposed[0].Match}/decline", null));
        var pages = await HttpAssert.PagesAsync<MatchDto>(caseManager, "/api/matches?pageSize=2");
        Assert.All(pages, page => Assert.True(page.Items.Count <= 2));
        var seen = pages.SelectMany(page => page.Items).Select(m => m.Id).ToList();
        var open = await HttpAssert.Ok<PageDto<MatchDto>>(await caseManager.GetAsync("/api/matches?open=true"));
        var one = await HttpAssert.Ok<PageDto<MatchDto>>(await caseManager.GetAsync($"/api/matches?youthId={proposed[3].Youth}"));
        var notMine = await caseManager.GetAsync($"/api/matches?youthId={(await _world.YouthAsync()).Id}");

        Assert.Equal(proposed.Select(p => p.Match).Reverse(), seen);
        Assert.Equal(proposed.Skip(1).Select(p => p.Match).Reverse(), open.Items.Select(m => m.Id));
        Assert.Equal([proposed[3].Match], one.Items.Select(m => m.Id));
        await HttpAssert.Problem(notMine, 404);
        await HttpAssert.Problem(await caseManager.GetAsync("/api/matches?pageSize=0"), 400);
    }

    [Fact]
    public async Task Recommendations_rank_eligible_mentors_with_reasons_and_count_the_excluded_without_names()
    {
        var (youthId, _) = await _world.YouthAsync();
        var (goodId, _) = await _world.ReadyMentorAsync(interests: ["music", "cooking"]);
        var (heldId, _) = await _world.ReadyMentorAsync();
        await MentoringWorld.Ok(await _world.Supervisor.PostAsJsonAsync($"/api/mentors/{heldId}/hold", new { reason = "Resting after a hard week" }));
        var (unwillingId, _) = await _world.ReadyMentorAsync(consent: false);

        var response = await CaseManager.GetAsync($"/api/youth/{youthId}/recommendations?top=50");
        var body = await response.Content.ReadAsStringAsync();
        var result = await HttpAssert.Ok<RecommendationsDto>(response);

        var good = Assert.Single(result.Mentors, m => m.MentorId == goodId);
        Assert.Contains("speaks Spanish and English", good.Reasons);
        Assert.Contains("shares interests: music, cooking", good.Reasons);
        Assert.Contains("experienced with youth in contemplation stage", good.Reasons);
        Assert.Contains(good.Reasons, r => r.StartsWith("within ", StringComparison.Ordinal) && r.EndsWith(" miles", StringComparison.Ordinal));
        Assert.DoesNotContain(result.Mentors, m => m.MentorId == heldId || m.MentorId == unwillingId);
        Assert.True(result.ExcludedBy["on a supervisor hold"] >= 1);
        Assert.True(result.ExcludedBy["has not consented to mentoring"] >= 1);
        Assert.DoesNotContain(heldId, body, StringComparison.Ordinal);
        Assert.DoesNotContain(unwillingId, body, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Sam Rivers")]
    [InlineData("demo-casemanager")]
    [InlineData("no-such-mentor")]
    public async Task A_do_not_match_entry_that_is_no_mentor_of_the_agency_is_refused_not_kept_to_block_nobody(string entry)
    {
        var refused = await HttpAssert.Problem(await CaseManager.PostJson("/api/youth", new { displayName = "Listed", age = 16, doNotMatch = new[] { entry }, stage = "contemplation" }), 400);

        Assert.True(refused.GetProperty("errors").TryGetProperty("doNotMatch", out _));
    }

    [Fact]
    public async Task A_mentor_whose_id_is_long_can_be_put_on_the_do_not_match_list()
    {
        var (mentorId, _) = await _world.ReadyMentorAsync(id: "mentor-with-a-long-sign-in-id-" + Guid.NewGuid().ToString("N"));
        var (youthId, _) = await _world.YouthAsync(doNotMatch: [mentorId]);

        var listed = await HttpAssert.Problem(await CaseManager.PostJson("/api/matches", new { youthId, mentorId }), 409);

        Assert.Contains("do-not-match", listed.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_mentor_on_hold_without_consent_at_capacity_or_on_the_do_not_match_list_cannot_be_proposed()
    {
        var (heldId, _) = await _world.ReadyMentorAsync();
        await MentoringWorld.Ok(await _world.Supervisor.PostAsJsonAsync($"/api/mentors/{heldId}/hold", new { }));
        var (unwillingId, _) = await _world.ReadyMentorAsync(consent: false);
        var (fullId, _) = await _world.ReadyMentorAsync(capacity: 1);
        var (listedId, _) = await _world.ReadyMentorAsync();
        var (youthId, _) = await _world.YouthAsync(doNotMatch: [listedId]);
        var (otherYouthId, _) = await _world.YouthAsync();
        await _world.ProposeAsync(otherYouthId, fullId);

        var held = await HttpAssert.Problem(await CaseManager.PostJson("/api/matches", new { youthId, mentorId = heldId }), 409);
        var unwilling = await HttpAssert.Problem(await CaseManager.PostJson("/api/matches", new { youthId, mentorId = unwillingId }), 409);
        var full = await HttpAssert.Problem(await CaseManager.PostJson("/api/matches", new { youthId, mentorId = fullId }), 409);
        var listed = await HttpAssert.Problem(await CaseManager.PostJson("/api/matches", new { youthId, mentorId = listedId }), 409);
        var matches = (await HttpAssert.Ok<PageDto<MatchDto>>(await CaseManager.GetAsync($"/api/matches?youthId={youthId}"))).Items;

        Assert.Contains("on a supervisor hold", held.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Contains("has not consented to mentoring", unwilling.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Contains("at capacity", full.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Contains("do-not-match", listed.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.DoesNotContain(matches, m => m.Youth?.GetProperty("id").GetString() == youthId);
    }

    [Fact]
    public async Task Each_reader_of_a_match_is_told_which_side_of_it_they_are_on()
    {
        var (match, mentor, youth, _, _) = await _world.ActiveMatchAsync();

        async Task<string?> RoleAsync(HttpClient client) =>
            (await MentoringWorld.Ok<PageDto<JsonElement>>(await client.GetAsync("/api/matches?pageSize=200"))).Items.Single(m => m.GetProperty("id").GetString() == match.Id).GetProperty("viewerRole").GetString();

        Assert.Equal("Mentor", await RoleAsync(mentor));
        Assert.Equal("Youth", await RoleAsync(youth));
        Assert.Equal("CaseManager", await RoleAsync(_world.CaseManager));
    }

    [Fact]
    public async Task A_mentor_sees_that_they_are_on_hold_but_never_the_supervisors_reason()
    {
        var (mentorId, mentor) = await _world.ReadyMentorAsync();
        await MentoringWorld.Ok(await _world.Supervisor.PostAsJsonAsync($"/api/mentors/{mentorId}/hold", new { reason = "Private: flagged in check-in", stopsChat = true }));

        var own = await (await mentor.GetAsync("/api/mentors/me")).Content.ReadAsStringAsync();
        var saved = await (await mentor.PutAsJsonAsync("/api/mentors/me", new { displayName = "Renamed", capacity = 2 })).Content.ReadAsStringAsync();
        var supervisors = await (await _world.Supervisor.GetAsync($"/api/mentors/{mentorId}")).Content.ReadAsStringAsync();

        Assert.Contains("\"stopsChat\":true", own, StringComparison.Ordinal);
        Assert.DoesNotContain("Private: flagged", own, StringComparison.Ordinal);
        Assert.DoesNotContain("Private: flagged", saved, StringComparison.Ordinal);
        Assert.Contains("Private: flagged in check-in", supervisors, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("interests", "txt me 559 555 0134")]
    [InlineData("interests", "snap jay_2024")]
    [InlineData("languages", "find me at jaysworld.com")]
    [InlineData("livedExperienceTags", "ask me @jay.rivers")]
    [InlineData("displayName", "Jay 559-555-0134")]
    public async Task A_mentor_profile_carrying_a_way_to_reach_the_mentor_outside_the_portal_is_refused_as_a_chat_message_would_be_held(string field, string text)
    {
        var (mentorId, mentor) = await _world.ReadyMentorAsync();
        var (youthId, youth) = await _world.YouthAsync();
        await _world.AcceptedAsync(youthId, mentorId, mentor);
        var profile = new Dictionary<string, object> { ["displayName"] = "Jay", ["capacity"] = 2, ["interests"] = new[] { "art" } };
        profile[field] = field == "displayName" ? text : new[] { "music", text };

        var refused = await HttpAssert.Problem(await mentor.PutAsJsonAsync("/api/mentors/me", profile), 400);

        Assert.True(refused.GetProperty("errors").TryGetProperty(field, out _));
        Assert.DoesNotContain(text, await youth.GetStringAsync("/api/matches"), StringComparison.Ordinal);
        Assert.DoesNotContain(text, await mentor.GetStringAsync("/api/mentors/me"), StringComparison.Ordinal);
        profile[field] = field == "displayName" ? "Jay" : new[] { "music", "photography" };
        await MentoringWorld.Ok(await mentor.PutAsJsonAsync("/api/mentors/me", profile));
    }

    [Fact]
    public async Task A_profile_saved_from_an_older_tab_does_not_undo_a_lower_capacity_saved_since()
    {
        var (mentorId, mentor) = await _world.ReadyMentorAsync();
        var portal = await PortalSession.SignedInAsync(api, mentorId);
        var version = PortalSession.Hidden(await portal.GetStringAsync("/profile"), "Version");
        await MentoringWorld.Ok(await mentor.PutAsJsonAsync("/api/mentors/me", new { displayName = "Sam", capacity = 1 }));

        var stale = await PortalSession.PostFormAsync(portal, "/profile", "profile",
            ("Version", version), ("DisplayName", "Sam from the older tab"), ("Capacity", "4"), ("TravelRadiusMiles", "0"));
        var staleApi = await mentor.PutJson("/api/mentors/me", new { displayName = "Sam", capacity = 4 }, version);

        Assert.Contains("Someone else changed this", stale, StringComparison.Ordinal);
        await HttpAssert.Problem(staleApi, 412);
        var profile = await MentoringWorld.Ok<JsonElement>(await mentor.GetAsync("/api/mentors/me"));
        Assert.Equal(1, profile.GetProperty("capacity").GetInt32());
        Assert.Equal("Sam", profile.GetProperty("displayName").GetString());
        var current = profile.GetProperty("version").GetString();
        Assert.NotEqual(version, current);
        Assert.Equal(current, PortalSession.Hidden(stale, "Version"));

        // A change staff made meanwhile (a hold) is not one of theirs: it does not refuse the mentor's own save.
        await MentoringWorld.Ok(await _world.Supervisor.PostAsJsonAsync($"/api/mentors/{mentorId}/hold", new { reason = "A rest" }));
        var saved = await PortalSession.PostFormAsync(portal, "/profile", "profile",
            ("Version", current!), ("DisplayName", "Sam"), ("Capacity", "2"), ("TravelRadiusMiles", "0"));
        Assert.Contains("Your profile is saved.", saved, StringComparison.Ordinal);
        Assert.Equal(2, (await MentoringWorld.Ok<JsonElement>(await mentor.GetAsync("/api/mentors/me"))).GetProperty("capacity").GetInt32());
    }

    [Fact]
    public async Task A_hold_placed_after_a_proposal_stops_the_mentor_accepting_it_and_release_lifts_it()
    {
        var (mentorId, mentor) = await _world.ReadyMentorAsync();
        var (youthId, _) = await _world.YouthAsync();
        var match = await _world.ProposeAsync(youthId, mentorId);
        await MentoringWorld.Ok(await _world.Supervisor.PostAsJsonAsync($"/api/mentors/{mentorId}/hold", new { reason = "Check-in flagged concern" }));

        await HttpAssert.Problem(await mentor.PostAsync($"/api/matches/{match.Id}/accept", null), 409);
        await MentoringWorld.Ok(await MentoringWorld.LiftHoldAsync(_world.Supervisor, mentorId));
        var accepted = await MentoringWorld.Ok<MatchDto>(await mentor.PostAsync($"/api/matches/{match.Id}/accept", null));

        Assert.Equal("AwaitingYouth", accepted.State);
    }

    [Fact]
    public async Task A_mentor_of_another_agency_cannot_be_matched_and_looks_like_no_mentor_at_all()
    {
        var (youthId, _) = await _world.YouthAsync();

        var other = await HttpAssert.Problem(await CaseManager.PostJson("/api/matches", new { youthId, mentorId = "north-mentor" }), 404);
        var unknown = await HttpAssert.Problem(await CaseManager.PostJson("/api/matches", new { youthId, mentorId = "no-such-mentor" }), 404);

        Assert.Equal(unknown.GetProperty("detail").GetString(), other.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task Accepting_twice_is_a_conflict_and_a_concurrent_accept_and_decline_leaves_one_outcome()
    {
        var (mentorId, mentor) = await _world.ReadyMentorAsync();
        var (youthId, _) = await _world.YouthAsync();
        var first = await _world.ProposeAsync(youthId, mentorId);
        await MentoringWorld.Ok(await mentor.PostAsync($"/api/matches/{first.Id}/accept", null));
        await HttpAssert.Problem(await mentor.PostAsync($"/api/matches/{first.Id}/accept", null), 409);

        var (youth2, _) = await _world.YouthAsync();
        var second = await _world.ProposeAsync(youth2, mentorId);
        var results = await Task.WhenAll(mentor.PostAsync($"/api/matches/{second.Id}/accept", null), mentor.PostAsync($"/api/matches/{second.Id}/decline", null));
        var final = await MentoringWorld.Ok<MatchDto>(await CaseManager.GetAsync($"/api/matches/{second.Id}"));

        // Accepting and then declining is legal, so both may succeed when they do not overlap; when they
        // do, one loses with 409/412. Either way the history holds exactly the moves that succeeded.
        var succeeded = results.Count(r => r.IsSuccessStatusCode);
        Assert.All(results.Where(r => !r.IsSuccessStatusCode), r => Assert.Contains((int)r.StatusCode, new[] { 409, 412 }));
        Assert.Equal(1 + succeeded, final.History!.Count);
        Assert.Equal(succeeded == 2 ? "Declined" : results[0].IsSuccessStatusCode ? "AwaitingYouth" : "Declined", final.State);
    }

    [Fact]
    public async Task Declining_needs_no_reason_and_costs_the_mentor_nothing()
    {
        var (mentorId, mentor) = await _world.ReadyMentorAsync(capacity: 1);
        var (youthId, _) = await _world.YouthAsync();
        var match = await _world.ProposeAsync(youthId, mentorId);

        var declined = await MentoringWorld.Ok<MatchDto>(await mentor.PostAsync($"/api/matches/{match.Id}/decline", null));
        var profile = await HttpAssert.Ok<MentorDto>(await mentor.GetAsync("/api/mentors/me"));

        Assert.Equal("Declined", declined.State);
        Assert.Empty(profile.MatchBlockers);
        Assert.Equal(0, profile.OpenMatches);

        // Nor is the mentor asked about this youth again, by id or as a rematch.
        var again = await HttpAssert.Problem(await CaseManager.PostJson("/api/matches", new { youthId, mentorId }), 409);
        await HttpAssert.Problem(await CaseManager.PostJson($"/api/matches/{match.Id}/rematch", new { mentorId }), 409);
        Assert.Contains("not asked again", again.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Single((await HttpAssert.Ok<PageDto<NotificationDto>>(await mentor.GetAsync("/api/notifications"))).Items, n => n.MatchId is not null && n.Kind.Contains("propos", StringComparison.Ordinal));

        // A match from before each pair's record was kept is read all the same.
        var store = api.Services.GetRequiredService<SurvivorConnect.Storage.IDocumentStore>();
        Assert.True(await store.DeleteAsync(Api.Features.Mentoring.Match.Container, Api.Features.Mentoring.MatchPair.IdFor(youthId, mentorId), "demo", null, CancellationToken.None));
        Assert.Contains("not asked again", (await HttpAssert.Problem(await CaseManager.PostJson("/api/matches", new { youthId, mentorId }), 409)).GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_youth_can_say_no_before_and_end_the_match_after_it_starts()
    {
        var (mentorId, mentor) = await _world.ReadyMentorAsync();
        var (youthId, youth) = await _world.YouthAsync();
        var proposal = await _world.ProposeAsync(youthId, mentorId);
        await MentoringWorld.Ok(await mentor.PostAsync($"/api/matches/{proposal.Id}/accept", null));
        var no = await MentoringWorld.Ok<MatchDto>(await youth.PostAsync($"/api/matches/{proposal.Id}/decline", null));

        var (active, _, activeYouth, _, _) = await _world.ActiveMatchAsync();
        var ended = await MentoringWorld.Ok<MatchDto>(await activeYouth.PostAsync($"/api/matches/{active.Id}/end", null));
        var staffView = await MentoringWorld.Ok<MatchDto>(await CaseManager.GetAsync($"/api/matches/{active.Id}"));

        Assert.Equal("Declined", no.State);
        Assert.Equal("Closed", ended.State);
        Assert.Equal("YouthChoice", staffView.Closure!.Value.GetProperty("reason").GetString());
        Assert.False(staffView.Closure!.Value.GetProperty("planned").GetBoolean());
    }

    [Fact]
    public async Task A_mentor_can_step_back_from_a_match_they_said_yes_to_and_the_youth_and_case_manager_are_told_kindly()
    {
        var (match, mentor, youth, _, _) = await _world.ActiveMatchAsync();
        var (otherMentorId, otherMentor) = await _world.ReadyMentorAsync();
        var proposal = await _world.ProposeAsync((await _world.YouthAsync()).Id, otherMentorId);

        await HttpAssert.Problem(await youth.PostAsync($"/api/matches/{match.Id}/step-back", null), 403);
        await HttpAssert.Problem(await otherMentor.PostAsync($"/api/matches/{match.Id}/step-back", null), 404);
        await HttpAssert.Problem(await otherMentor.PostAsync($"/api/matches/{proposal.Id}/step-back", null), 409);
        var stepped = await MentoringWorld.Ok<MatchDto>(await mentor.PostAsync($"/api/matches/{match.Id}/step-back", null));
        var staffView = await MentoringWorld.Ok<MatchDto>(await CaseManager.GetAsync($"/api/matches/{match.Id}"));

        Assert.Equal("Closed", stepped.State);
        Assert.Equal("MentorChoice", staffView.Closure!.Value.GetProperty("reason").GetString());
        Assert.False(staffView.Closure!.Value.GetProperty("planned").GetBoolean());
        var toYouth = (await MentoringWorld.Ok<PageDto<NotificationDto>>(await youth.GetAsync("/api/notifications"))).Items;
        Assert.Contains(toYouth, n => n.MatchId == match.Id && n.Text.Contains("not because of anything you did", StringComparison.Ordinal));
        var toCaseManager = (await MentoringWorld.Ok<PageDto<NotificationDto>>(await CaseManager.GetAsync("/api/notifications?pageSize=100"))).Items;
        Assert.Contains(toCaseManager, n => n.MatchId == match.Id && n.Text.Contains("stepped back", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_youth_who_taps_end_on_their_matches_page_is_asked_once_and_the_match_goes_on_until_they_say_yes()
    {
        var (match, _, youth, _, _) = await _world.ActiveMatchAsync();
        var page = await PortalSession.SignedInAsync(api, (await HttpAssert.Ok<MeDto>(await youth.GetAsync("/api/me"))).Id);
        var act = System.Net.WebUtility.HtmlDecode(System.Text.RegularExpressions.Regex.Match(await page.GetStringAsync("/matches"), $"value=\"(end:{match.Id}:[^\"]*)\"").Groups[1].Value);

        var asked = await PortalSession.PostFormAsync(page, "/matches", "act", ("Act", act));
        var state = (await MentoringWorld.Ok<MatchDto>(await CaseManager.GetAsync($"/api/matches/{match.Id}"))).State;
        var kept = await PortalSession.PostFormAsync(page, "/matches", "act", ("Asked", PortalSession.Hidden(asked, "Asked")), ("Confirmed", "no"));
        var stateAfterNo = (await MentoringWorld.Ok<MatchDto>(await CaseManager.GetAsync($"/api/matches/{match.Id}"))).State;
        var ended = await PortalSession.PostFormAsync(page, "/matches", "act", ("Asked", act), ("Confirmed", "yes"));

        Assert.Contains("End your match with", asked, StringComparison.Ordinal);
        Assert.Contains("Yes, end the match", asked, StringComparison.Ordinal);
        Assert.Equal("Active", state);
        Assert.Contains("Nothing has changed", kept, StringComparison.Ordinal);
        Assert.Equal("Active", stateAfterNo);
        Assert.Contains("The match has ended", ended, StringComparison.Ordinal);
        Assert.Equal("Closed", (await MentoringWorld.Ok<MatchDto>(await CaseManager.GetAsync($"/api/matches/{match.Id}"))).State);
    }

    [Fact]
    public async Task A_mentor_who_said_yes_steps_back_on_their_matches_page_before_the_youth_answers()
    {
        var (mentorId, mentor) = await _world.ReadyMentorAsync();
        var match = await _world.AcceptedAsync((await _world.YouthAsync()).Id, mentorId, mentor);
        var page = await PortalSession.SignedInAsync(api, mentorId);

        Assert.Contains("Step back from this match", await page.GetStringAsync("/matches"), StringComparison.Ordinal);
        var asked = await PortalSession.PostFormAsync(page, "/matches", "act", ("Act", $"decline:{match.Id}"));
        var answer = await PortalSession.PostFormAsync(page, "/matches", "act", ("Asked", $"decline:{match.Id}"), ("Confirmed", "yes"));

        Assert.Contains("It does not go ahead, and this cannot be undone", asked, StringComparison.Ordinal);
        Assert.Contains("This match is not going ahead", answer, StringComparison.Ordinal);
        Assert.Equal("Declined", (await MentoringWorld.Ok<MatchDto>(await CaseManager.GetAsync($"/api/matches/{match.Id}"))).State);
    }

    [Fact]
    public async Task The_close_form_chooses_no_reason_for_the_case_manager_and_keeps_what_they_typed_when_refused()
    {
        var (match, _, _, _, _) = await _world.ActiveMatchAsync();
        var page = await PortalSession.SignedInAsync(api, "demo-casemanager");

        var opened = await PortalSession.PostFormAsync(page, "/matches", "act", ("Act", $"close-start:{match.Id}"));
        var refused = await PortalSession.PostFormAsync(page, "/matches", "close",
            ("MatchId", match.Id), ("FromState", "Active"), ("Reason", ""), ("Planned", "false"), ("Notes", "The youth moved away suddenly."));

        Assert.Contains("<option value>Choose a reason</option>", opened, StringComparison.Ordinal);
        Assert.DoesNotContain("selected", opened.Split("close-reason")[1].Split("</select>")[0], StringComparison.Ordinal);
        Assert.Contains("Required.", refused, StringComparison.Ordinal);
        Assert.Contains(">The youth moved away suddenly.</textarea>", refused, StringComparison.Ordinal);
        Assert.Contains("name=\"Planned\" value=\"false\" checked", refused, StringComparison.Ordinal);
        Assert.Equal("Active", (await MentoringWorld.Ok<MatchDto>(await CaseManager.GetAsync($"/api/matches/{match.Id}"))).State);
    }

    [Fact]
    public async Task Asking_for_consents_of_an_id_says_nothing_of_whether_it_is_a_youth()
    {
        var (_, mentor) = await _world.ReadyMentorAsync();
        var (youthId, _) = await _world.YouthAsync();

        var aYouth = await HttpAssert.Problem(await mentor.GetAsync($"/api/consents?subjectId={youthId}"), 404);
        var noYouth = await HttpAssert.Problem(await mentor.GetAsync("/api/consents?subjectId=demo-casemanager"), 404);
        var granting = await HttpAssert.Problem(await mentor.PostJson("/api/consents", new { subjectId = "demo-casemanager", grantor = "Youth", scope = "mentoring" }), 404);

        Assert.Equal(aYouth.GetProperty("detail").GetString(), noYouth.GetProperty("detail").GetString());
        Assert.Equal(aYouth.GetProperty("detail").GetString(), granting.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task A_mentor_who_stops_mentoring_or_leaves_is_no_longer_shown_to_case_managers_with_what_they_shared_and_shows_as_not_active()
    {
        var (stoppedId, stopped) = await _world.ReadyMentorAsync();
        var (leftId, _) = await _world.ReadyMentorAsync();
        List<(string Id, string YouthId)> matches = [];
        foreach (var mentorId in new[] { stoppedId, leftId })
        {
            var (youthId, _) = await _world.YouthAsync();
            matches.Add(((await _world.ProposeAsync(youthId, mentorId)).Id, youthId));
        }

        var yes = (await HttpAssert.Ok<List<JsonElement>>(await stopped.GetAsync($"/api/consents?subjectId={stoppedId}"))).Single(c => c.GetProperty("scope").GetString() == "mentoring");
        await MentoringWorld.Ok(await stopped.PostAsync($"/api/consents/{yes.GetProperty("id").GetString()}/revoke", null));
        await MentoringWorld.Ok(await _world.Admin.PostAsync($"/api/people/{leftId}/deactivate", null));

        foreach (var id in new[] { stoppedId, leftId })
        {
            var seen = await HttpAssert.Ok<JsonElement>(await _world.CaseManager.GetAsync($"/api/mentors/{id}"));
            Assert.Empty(seen.GetProperty("livedExperienceTags").EnumerateArray());
            Assert.Equal(JsonValueKind.Null, seen.GetProperty("location").ValueKind);
            Assert.StartsWith("Mentor ", seen.GetProperty("displayName").GetString(), StringComparison.Ordinal);
            Assert.NotEmpty((await HttpAssert.Ok<JsonElement>(await _world.Admin.GetAsync($"/api/mentors/{id}"))).GetProperty("livedExperienceTags").EnumerateArray());
        }

        var left = await HttpAssert.Ok<MentorDto>(await _world.Admin.GetAsync($"/api/mentors/{leftId}"));
        Assert.Contains(SurvivorConnect.Api.Features.Mentoring.Rules.MentorEligibility.NotActive, left.MatchBlockers);

        // Nor through their matches with youth on the case manager's caseload.
        foreach (var match in matches)
        {
            var mentor = (await HttpAssert.Ok<JsonElement>(await _world.CaseManager.GetAsync($"/api/matches/{match.Id}"))).GetProperty("mentor");
            Assert.Empty(mentor.GetProperty("livedExperienceTags").EnumerateArray());
            var listed = (await HttpAssert.Ok<PageDto<JsonElement>>(await _world.CaseManager.GetAsync($"/api/matches?youthId={match.YouthId}"))).Items.Single(m => m.GetProperty("id").GetString() == match.Id);
            Assert.Empty(listed.GetProperty("mentor").GetProperty("livedExperienceTags").EnumerateArray());
        }
    }

    [Fact]
    public async Task A_readiness_check_dated_ahead_is_refused_so_no_mentor_is_matchable_before_it_has_passed()
    {
        var (mentorId, _) = await _world.MentorAsync();
        await MentoringWorld.Ok(await _world.Admin.PutAsJsonAsync($"/api/mentors/{mentorId}/supervisor", new { supervisorId = "demo-supervisor" }));
        var ahead = DateOnly.FromDateTime(DateTime.UtcNow.AddDays(30)).ToString("yyyy-MM-dd");

        var refused = await HttpAssert.Problem(await _world.Supervisor.PutAsJsonAsync($"/api/mentors/{mentorId}/readiness", new { screeningPassedOn = ahead, trainingCompletedOn = "2026-02-01", supervisorClearedOn = "2026-02-10" }), 400);

        Assert.True(refused.GetProperty("errors").TryGetProperty("screeningPassedOn", out _));
        Assert.Contains("screening", string.Join(' ', (await HttpAssert.Ok<MentorDto>(await _world.Admin.GetAsync($"/api/mentors/{mentorId}"))).MatchBlockers), StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task A_readiness_date_sent_again_unchanged_keeps_who_recorded_it()
    {
        var (mentorId, _) = await _world.ReadyMentorAsync();
        await MentoringWorld.Ok(await _world.Admin.PutJson($"/api/mentors/{mentorId}/readiness", new { screeningPassedOn = "2026-01-05", trainingCompletedOn = "2026-03-01" }, "20260105.20260201.20260210"));

        var mentor = await MentoringWorld.Ok<JsonElement>(await _world.Admin.GetAsync($"/api/mentors/{mentorId}"));

        Assert.Equal("demo-supervisor", mentor.GetProperty("screening").GetProperty("recordedBy").GetString());
        Assert.Equal("demo-admin", mentor.GetProperty("training").GetProperty("recordedBy").GetString());
    }

    [Fact]
    public async Task A_readiness_check_taken_back_keeps_the_mentor_from_being_offered_until_it_is_recorded_again()
    {
        var (mentorId, _) = await _world.ReadyMentorAsync();
        Assert.Empty((await HttpAssert.Ok<MentorDto>(await _world.Admin.GetAsync($"/api/mentors/{mentorId}"))).MatchBlockers);

        const string ready = "20260105.20260201.20260210";
        await HttpAssert.Problem(await _world.Supervisor.PutJson($"/api/mentors/{mentorId}/readiness", new { withdrawn = new[] { "screening" } }, ready), 400);
        await HttpAssert.Problem(await _world.Supervisor.PutJson($"/api/mentors/{mentorId}/readiness", new { screeningPassedOn = "2026-01-05", withdrawn = new[] { "screeningPassedOn" } }, ready), 400);
        var taken = await HttpAssert.Ok<JsonElement>(await _world.Supervisor.PutJson($"/api/mentors/{mentorId}/readiness", new { withdrawn = new[] { "screeningPassedOn" } }, ready));

        Assert.Equal(JsonValueKind.Null, taken.GetProperty("screening").ValueKind);
        Assert.Equal("demo-supervisor", taken.GetProperty("training").GetProperty("recordedBy").GetString());
        Assert.Contains(SurvivorConnect.Api.Features.Mentoring.Rules.MentorEligibility.NoScreening, (await HttpAssert.Ok<MentorDto>(await _world.Admin.GetAsync($"/api/mentors/{mentorId}"))).MatchBlockers);
        await MentoringWorld.Ok(await _world.Supervisor.PutJson($"/api/mentors/{mentorId}/readiness", new { screeningPassedOn = "2026-01-06" }, taken.GetProperty("readinessVersion").GetString()));
        Assert.Empty((await HttpAssert.Ok<MentorDto>(await _world.Admin.GetAsync($"/api/mentors/{mentorId}"))).MatchBlockers);
    }

    [Fact]
    public async Task Only_the_mentors_supervisor_clears_them_so_an_admin_cannot_clear_again_a_mentor_their_supervisor_took_clearance_from()
    {
        var (mentorId, _) = await _world.ReadyMentorAsync();
        var seen = (await HttpAssert.Ok<JsonElement>(await _world.Admin.GetAsync($"/api/mentors/{mentorId}"))).GetProperty("readinessVersion").GetString();
        var taken = await HttpAssert.Ok<JsonElement>(await _world.Supervisor.PutJson($"/api/mentors/{mentorId}/readiness", new { withdrawn = new[] { "supervisorClearedOn" } }, seen));
        var version = taken.GetProperty("readinessVersion").GetString();

        var refused = await HttpAssert.Problem(await _world.Admin.PutJson($"/api/mentors/{mentorId}/readiness", new { supervisorClearedOn = "2026-03-01" }, version), 403);

        Assert.Contains("supervisor", refused.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Contains(SurvivorConnect.Api.Features.Mentoring.Rules.MentorEligibility.NoClearance, (await HttpAssert.Ok<MentorDto>(await _world.Admin.GetAsync($"/api/mentors/{mentorId}"))).MatchBlockers);
        // The admin still records the other checks, and the supervisor clears them again.
        var screened = await HttpAssert.Ok<JsonElement>(await _world.Admin.PutJson($"/api/mentors/{mentorId}/readiness", new { screeningPassedOn = "2026-03-01" }, version));
        var cleared = await HttpAssert.Ok<JsonElement>(await _world.Supervisor.PutJson($"/api/mentors/{mentorId}/readiness", new { supervisorClearedOn = "2026-03-02" }, screened.GetProperty("readinessVersion").GetString()));
        Assert.Equal("demo-supervisor", cleared.GetProperty("supervisorClearance").GetProperty("recordedBy").GetString());
        // And an admin may still take it back.
        await MentoringWorld.Ok(await _world.Admin.PutJson($"/api/mentors/{mentorId}/readiness", new { withdrawn = new[] { "supervisorClearedOn" } }, cleared.GetProperty("readinessVersion").GetString()));
        Assert.Contains(SurvivorConnect.Api.Features.Mentoring.Rules.MentorEligibility.NoClearance, (await HttpAssert.Ok<MentorDto>(await _world.Admin.GetAsync($"/api/mentors/{mentorId}"))).MatchBlockers);
    }

    [Fact]
    public async Task A_readiness_change_sent_from_dates_seen_before_a_check_was_taken_back_is_refused_and_does_not_bring_it_back()
    {
        var (mentorId, _) = await _world.ReadyMentorAsync();
        var seen = (await HttpAssert.Ok<JsonElement>(await _world.Admin.GetAsync($"/api/mentors/{mentorId}"))).GetProperty("readinessVersion").GetString();
        await MentoringWorld.Ok(await _world.Supervisor.PutJson($"/api/mentors/{mentorId}/readiness", new { withdrawn = new[] { "supervisorClearedOn" } }, seen));
        object asSeen = new { screeningPassedOn = "2026-01-05", trainingCompletedOn = "2026-02-01", supervisorClearedOn = "2026-02-10" };

        await HttpAssert.Problem(await _world.Admin.PutJson($"/api/mentors/{mentorId}/readiness", asSeen, seen), 412);
        await HttpAssert.Problem(await _world.Admin.PutAsJsonAsync($"/api/mentors/{mentorId}/readiness", asSeen), 428);

        var mentor = await HttpAssert.Ok<MentorDto>(await _world.Admin.GetAsync($"/api/mentors/{mentorId}"));
        Assert.Contains(SurvivorConnect.Api.Features.Mentoring.Rules.MentorEligibility.NoClearance, mentor.MatchBlockers);
    }

    [Fact]
    public async Task A_readiness_form_made_before_a_check_was_taken_back_does_not_bring_it_back()
    {
        var (mentorId, _) = await _world.ReadyMentorAsync();
        var portal = await PortalSession.SignedInAsync(api, "demo-supervisor");
        var page = await PortalSession.PostFormAsync(portal, "/supervision", "open-mentor", ("MentorId", mentorId));
        (string, string)[] asShown = [.. new[] { "screeningPassedOn", "trainingCompletedOn", "supervisorClearedOn" }
            .SelectMany(f => new[] { (f, PortalSession.Hidden(page, $"shown-{f}")), ($"shown-{f}", PortalSession.Hidden(page, $"shown-{f}")) })];
        Assert.Equal("2026-02-10", PortalSession.Hidden(page, "shown-supervisorClearedOn"));

        await MentoringWorld.Ok(await _world.Supervisor.PutJson($"/api/mentors/{mentorId}/readiness", new { withdrawn = new[] { "supervisorClearedOn" } }, "20260105.20260201.20260210"));
        var stale = await PortalSession.PostFormAsync(portal, "/supervision", "readiness", [("MentorId", mentorId), .. asShown]);

        Assert.Contains("Someone else changed these checks after this page was made.", stale, StringComparison.Ordinal);
        Assert.DoesNotContain("Saved.", stale, StringComparison.Ordinal);
        var mentor = await HttpAssert.Ok<JsonElement>(await _world.Admin.GetAsync($"/api/mentors/{mentorId}"));
        Assert.Equal(JsonValueKind.Null, mentor.GetProperty("supervisorClearance").ValueKind);
        Assert.Equal("", PortalSession.Hidden(stale, "shown-supervisorClearedOn"));
    }

    [Fact]
    public async Task A_deactivated_youth_sign_in_is_not_linked_to_a_referral()
    {
        var (personId, _) = await _world.PersonAsync(Roles.Youth);
        await MentoringWorld.Ok(await _world.Admin.PostAsync($"/api/people/{personId}/deactivate", null));

        var refused = await HttpAssert.Problem(await CaseManager.PostAsJsonAsync("/api/youth", new { displayName = "Sign-in gone", age = 16, stage = "contemplation", personId }), 400);

        Assert.True(refused.GetProperty("errors").TryGetProperty("personId", out _));
    }

    [Fact]
    public async Task A_youth_or_mentor_who_can_no_longer_use_the_portal_is_told_to_the_matchs_case_manager_once_and_not_to_the_other_party()
    {
        var (match, mentor, youth, mentorId, _) = await _world.ActiveMatchAsync();
        var youthPerson = (await HttpAssert.Ok<MeDto>(await youth.GetAsync("/api/me"))).Id;
        async Task<List<string>> ToldAsync() =>
            [.. (await CaseManager.NoticesAsync()).Where(n => n.MatchId == match.Id && n.Kind.EndsWith("-left", StringComparison.Ordinal)).Select(n => n.Kind)];

        await MentoringWorld.Ok(await _world.Admin.PostAsync($"/api/people/{youthPerson}/deactivate", null));
        await MentoringWorld.Ok(await _world.Admin.PostAsync($"/api/people/{youthPerson}/deactivate", null));
        // The youth role taken while away is not news again.
        await _world.SetRolesAsync(youthPerson);
        Assert.Equal(["match-youth-left"], await ToldAsync());
        Assert.DoesNotContain(await mentor.NoticesAsync(), n => n.Kind == "match-youth-left");

        await _world.SetRolesAsync(mentorId);
        Assert.Equal(["match-mentor-left", "match-youth-left"], await ToldAsync());

        // Deactivated after the role went, the mentor's leaving is not news again; given the role back, and access, and
        // the role taken again, it is.
        await MentoringWorld.Ok(await _world.Admin.PostAsync($"/api/people/{mentorId}/deactivate", null));
        Assert.Equal(["match-mentor-left", "match-youth-left"], await ToldAsync());
        await MentoringWorld.Ok(await _world.Admin.ReactivateAsync(mentorId));
        await _world.SetRolesAsync(mentorId, Roles.Mentor);
        await _world.SetRolesAsync(mentorId);
        Assert.Equal(["match-mentor-left", "match-mentor-left", "match-youth-left"], await ToldAsync());
    }

    [Fact]
    public async Task Once_a_match_is_closed_its_mentor_no_longer_sees_who_the_youth_is_now()
    {
        var (match, mentor, _, _, youthId) = await _world.ActiveMatchAsync();
        string YouthName(MatchDto m) => m.Youth!.Value.GetProperty("displayName").GetString()!;
        var before = YouthName(await MentoringWorld.Ok<MatchDto>(await mentor.GetAsync($"/api/matches/{match.Id}")));

        await MentoringWorld.Ok(await CaseManager.PostAsJsonAsync($"/api/matches/{match.Id}/close", new { reason = "SafetyConcern", planned = false }));
        var youth = await MentoringWorld.Ok<JsonElement>(await CaseManager.GetAsync($"/api/youth/{youthId}"));
        var after = await MentoringWorld.Ok<MatchDto>(await mentor.GetAsync($"/api/matches/{match.Id}"));
        var listed = await mentor.GetStringAsync("/api/matches");

        Assert.NotEqual(Api.Features.Mentoring.MatchView.YouthNoLongerShown, before);
        Assert.Equal(Api.Features.Mentoring.MatchView.YouthNoLongerShown, YouthName(after));
        Assert.Empty(after.Youth!.Value.GetProperty("interests").EnumerateArray());
        Assert.DoesNotContain(youth.GetProperty("displayName").GetString()!, listed, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_resume_pressed_on_a_page_from_before_a_colleague_paused_the_match_again_is_refused_and_it_stays_paused()
    {
        var (match, _, _, _, _) = await _world.ActiveMatchAsync();
        await HttpAssert.Problem(await CaseManager.PostAsync($"/api/matches/{match.Id}/pause", null), 428);
        await MentoringWorld.Ok(await MentoringWorld.StepAsync(CaseManager, match.Id, "pause"));
        var page = await PortalSession.SignedInAsync(api, "demo-casemanager");
        var shown = await page.GetStringAsync("/matches");
        var act = System.Text.RegularExpressions.Regex.Match(shown, $"value=\"(resume:{match.Id}:[^\"]*)\"").Groups[1].Value;
        var version = (await MentoringWorld.Ok<JsonElement>(await CaseManager.GetAsync($"/api/matches/{match.Id}"))).GetProperty("version").GetString()!;

        // Meanwhile a colleague resumes it, then pauses it again for a new reason.
        await MentoringWorld.Ok(await MentoringWorld.StepAsync(CaseManager, match.Id, "resume"));
        await MentoringWorld.Ok(await MentoringWorld.StepAsync(CaseManager, match.Id, "pause"));

        var stale = await PortalSession.PostFormAsync(page, "/matches", "act", ("Act", System.Net.WebUtility.HtmlDecode(act)));
        var staleApi = await CaseManager.SendAsync(new HttpRequestMessage(HttpMethod.Post, $"/api/matches/{match.Id}/resume") { Headers = { { "If-Match", version } } });

        // Nor does leaving the version out undo the pause: from the API or a form with it taken off.
        var unversioned = act[..act.LastIndexOf(':')] + ":";
        var formWithout = await PortalSession.PostFormAsync(page, "/matches", "act", ("Act", System.Net.WebUtility.HtmlDecode(unversioned)));
        foreach (var step in new[] { "resume", "activate", "put-to-youth" })
        {
            await HttpAssert.Problem(await CaseManager.PostAsync($"/api/matches/{match.Id}/{step}", null), 428);
        }

        Assert.Contains("Someone else changed this", stale, StringComparison.Ordinal);
        Assert.Contains("This page is out of date.", formWithout, StringComparison.Ordinal);
        await HttpAssert.Problem(staleApi, 412);
        Assert.Equal("Paused", (await MentoringWorld.Ok<MatchDto>(await CaseManager.GetAsync($"/api/matches/{match.Id}"))).State);
    }

    [Fact]
    public async Task A_close_from_a_page_made_before_the_match_moved_is_refused_and_closes_nothing()
    {
        var (mentorId, mentor) = await _world.ReadyMentorAsync();
        var match = await _world.ProposeAsync((await _world.YouthAsync()).Id, mentorId);
        await MentoringWorld.Ok(await mentor.PostAsync($"/api/matches/{match.Id}/accept", null));

        var stale = await HttpAssert.Problem(await CaseManager.PostAsJsonAsync($"/api/matches/{match.Id}/close", new { reason = "AgencyDecision", planned = true, fromState = "Proposed" }), 409);

        Assert.Contains("changed since you opened the page", stale.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.NotEqual("Closed", (await MentoringWorld.Ok<MatchDto>(await CaseManager.GetAsync($"/api/matches/{match.Id}"))).State);
    }

    [Fact]
    public async Task A_proposal_the_mentor_never_answered_cannot_be_closed_as_their_choice_and_so_barring_them_from_the_youth()
    {
        var (mentorId, _) = await _world.ReadyMentorAsync();
        var youthId = (await _world.YouthAsync()).Id;
        var match = await _world.ProposeAsync(youthId, mentorId);

        var page = await PortalSession.SignedInAsync(api, "demo-casemanager");
        var reasons = (await PortalSession.PostFormAsync(page, "/matches", "act", ("Act", $"close-start:{match.Id}"))).Split("<select id=\"close-reason\"")[1].Split("</select>")[0];
        var refused = await HttpAssert.Problem(await CaseManager.PostAsJsonAsync($"/api/matches/{match.Id}/close", new { reason = "MentorChoice", planned = false }), 409);
        await MentoringWorld.Ok(await CaseManager.PostAsJsonAsync($"/api/matches/{match.Id}/close", new { reason = "AgencyDecision", planned = false }));

        Assert.Contains("decline it themselves", refused.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.DoesNotContain("MentorChoice", reasons, StringComparison.Ordinal);
        Assert.DoesNotContain("YouthChoice", reasons, StringComparison.Ordinal);
        Assert.Contains("AgencyDecision", reasons, StringComparison.Ordinal);
        // Withdrawn as the agency's decision, the pair can be proposed again.
        Assert.Equal("Proposed", (await _world.ProposeAsync(youthId, mentorId)).State);
    }

    [Fact]
    public async Task A_closed_or_declined_match_takes_no_new_consent_from_staff_or_from_the_youth()
    {
        var (closed, _, youth, _, youthId) = await _world.ActiveMatchAsync();
        await MentoringWorld.Ok(await CaseManager.PostAsJsonAsync($"/api/matches/{closed.Id}/close", new { reason = "GoalsMet", planned = true }));
        var (otherMentorId, otherMentor) = await _world.ReadyMentorAsync();
        var declined = await _world.AcceptedAsync(youthId, otherMentorId, otherMentor);
        await MentoringWorld.Ok(await youth.PostAsync($"/api/matches/{declined.Id}/decline", null));

        var guardian = await HttpAssert.Problem(await CaseManager.PostJson("/api/consents", new { subjectId = youthId, grantor = "Guardian", scope = "mentoring-match", matchId = closed.Id }), 409);
        await HttpAssert.Problem(await youth.PostJson("/api/consents", new { subjectId = youthId, grantor = "Youth", scope = "mentoring-match", matchId = closed.Id }), 404);
        // Their own no to that mentor is not undone by a yes to the match they declined.
        await HttpAssert.Problem(await youth.PostJson("/api/consents", new { subjectId = youthId, grantor = "Youth", scope = "mentoring-match", matchId = declined.Id }), 404);

        Assert.Contains("closed or declined", guardian.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.DoesNotContain(await HttpAssert.Ok<List<JsonElement>>(await CaseManager.GetAsync($"/api/consents?subjectId={youthId}")),
            c => c.GetProperty("matchId").GetString() == declined.Id && c.GetProperty("revokedAt").ValueKind == JsonValueKind.Null);
    }

    [Fact]
    public async Task A_closed_match_can_be_followed_by_a_rematch_with_another_mentor()
    {
        var (match, _, _, _, _) = await _world.ActiveMatchAsync();
        await MentoringWorld.Ok(await _world.CloseAsYouthsChoiceAsync(match.Id, "MentorChoice"));
        var (nextMentorId, _) = await _world.ReadyMentorAsync();

        var rematch = await MentoringWorld.Created<MatchDto>(await CaseManager.PostJson($"/api/matches/{match.Id}/rematch", new { mentorId = nextMentorId }));
        var open = await HttpAssert.Problem(await CaseManager.PostJson($"/api/matches/{rematch.Id}/rematch", new { mentorId = nextMentorId }), 409);

        Assert.Equal("Proposed", rematch.State);
        Assert.Equal(match.Id, rematch.PreviousMatchId);
        Assert.Contains("closed or declined", open.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_relapse_is_recorded_as_an_event_and_never_closes_the_match()
    {
        var (match, _, _, _, youthId) = await _world.ActiveMatchAsync();
        await MentoringWorld.Ok(await _world.RecordStageAsync(youthId, "stage", new { stage = "action", note = "Started school again" }));

        var history = await HttpAssert.Ok<StageHistoryDto>(await _world.RecordStageAsync(youthId, "relapse", new { stage = "contemplation" }));
        var after = await MentoringWorld.Ok<MatchDto>(await CaseManager.GetAsync($"/api/matches/{match.Id}"));
        var read = await HttpAssert.Ok<StageHistoryDto>(await CaseManager.GetAsync($"/api/youth/{youthId}/stages"));

        Assert.Equal("Active", after.State);
        Assert.Equal("contemplation", history.Current.ToLowerInvariant());
        Assert.Equal(["referral", "transition", "relapse"], read.Events.Select(e => e.Kind));
        Assert.Equal("action", read.Events[2].From!.ToLowerInvariant());
    }

    [Fact]
    public async Task A_stage_is_recorded_from_the_version_the_page_showed_so_a_relapse_sent_twice_counts_once()
    {
        var (youthId, _) = await _world.YouthAsync(stage: "action");
        var shown = (await HttpAssert.Ok<JsonElement>(await CaseManager.GetAsync($"/api/youth/{youthId}/stages"))).GetProperty("version").GetString();

        await HttpAssert.Problem(await CaseManager.PostJson($"/api/youth/{youthId}/relapse", new { stage = "contemplation" }), 428);
        await HttpAssert.Ok<StageHistoryDto>(await CaseManager.PostJson($"/api/youth/{youthId}/relapse", new { stage = "contemplation" }, shown));
        await HttpAssert.Ok<StageHistoryDto>(await CaseManager.PostJson($"/api/youth/{youthId}/relapse", new { stage = "contemplation" }, shown));
        await HttpAssert.Problem(await CaseManager.PostJson($"/api/youth/{youthId}/stage", new { stage = "preparation" }, shown), 412);

        var read = await HttpAssert.Ok<StageHistoryDto>(await CaseManager.GetAsync($"/api/youth/{youthId}/stages"));
        Assert.Single(read.Events, e => e.Kind == "relapse");
        Assert.Equal("contemplation", read.Current.ToLowerInvariant());
    }

    [Theory]
    [InlineData("relapsed")]
    [InlineData("7")]
    [InlineData(null)]
    public async Task An_unknown_stage_is_a_400_naming_the_stages(string? stage)
    {
        var (youthId, _) = await _world.YouthAsync();

        var problem = await HttpAssert.Problem(await CaseManager.PostJson($"/api/youth/{youthId}/stage", new { stage }), 400);

        Assert.True(problem.GetProperty("errors").TryGetProperty("stage", out _));
        var history = await HttpAssert.Ok<StageHistoryDto>(await CaseManager.GetAsync($"/api/youth/{youthId}/stages"));
        Assert.Single(history.Events);
    }

    [Fact]
    public async Task A_relapse_cannot_move_a_youth_forward_and_a_transition_must_change_stage()
    {
        var (youthId, _) = await _world.YouthAsync(stage: "contemplation");

        await HttpAssert.Problem(await CaseManager.PostJson($"/api/youth/{youthId}/relapse", new { stage = "maintenance" }), 409);
        await HttpAssert.Problem(await CaseManager.PostJson($"/api/youth/{youthId}/stage", new { stage = "contemplation" }), 409);
    }

    public sealed record ConsentDto(string Id, string SubjectId, string Grantor, string Scope, string? MatchId, bool Current);

    public sealed record ScoredDto(string MentorId, string DisplayName, double Score, List<string> Reasons);

    public sealed record RecommendationsDto(List<ScoredDto> Mentors, int Considered, int Excluded, Dictionary<string, int> ExcludedBy, List<string>? YouthSaidNoTo = null);

    public sealed record StageEventDto(string Kind, string Stage, string? From);

    public sealed record StageHistoryDto(string YouthId, string Current, List<StageEventDto> Events);
}
