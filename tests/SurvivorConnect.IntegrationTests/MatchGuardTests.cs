using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using SurvivorConnect.Api.Features.Mentoring;
using SurvivorConnect.Api.Features.Mentoring.Rules;
using SurvivorConnect.Api.Infrastructure.Auth;

namespace SurvivorConnect.IntegrationTests;

/// <summary>
/// Whether a mentor may enter a match is checked at every step towards it going live, and only once the caller is one
/// who may take that step; why not is told in full only to the youth's case manager.
/// </summary>
public sealed class MatchGuardTests(MatchGuardTests.Factory api) : IClassFixture<MatchGuardTests.Factory>
{
    public sealed class Factory : ApiFactory;

    private readonly MentoringWorld _world = new(api);

    private static string Detail(JsonElement problem) => problem.GetProperty("detail").GetString()!;

    [Fact]
    public async Task A_match_whose_record_is_full_of_steps_is_paused_no_more_but_can_still_be_closed()
    {
        var (match, _, _, _, _) = await _world.ActiveMatchAsync();
        var store = api.Services.GetRequiredService<SurvivorConnect.Storage.IDocumentStore>();
        var stored = (await store.ReadAsync<SurvivorConnect.Api.Features.Mentoring.Match>(SurvivorConnect.Api.Features.Mentoring.Match.Container, match.Id, "demo", CancellationToken.None))!;
        var looped = Enumerable.Range(0, MatchLifecycle.MostTransitions / 2).SelectMany(i => new[]
        {
            new MatchTransition(MatchState.Active, MatchState.Paused, "Pause", stored.ProposedAt.AddMinutes(i), "demo-casemanager"),
            new MatchTransition(MatchState.Paused, MatchState.Active, "Resume", stored.ProposedAt.AddMinutes(i), "demo-casemanager"),
        });
        await store.ReplaceAsync(SurvivorConnect.Api.Features.Mentoring.Match.Container, stored with { History = [.. stored.History, .. looped] }, stored.ETag!, CancellationToken.None);

        var refused = await HttpAssert.Problem(await MentoringWorld.StepAsync(_world.CaseManager, match.Id, "pause"), 409);
        Assert.Contains("Close it", Detail(refused), StringComparison.Ordinal);
        Assert.Equal("Closed", (await HttpAssert.Ok<MatchDto>(await _world.CloseAsYouthsChoiceAsync(match.Id))).State);
    }

    [Fact]
    public async Task A_hold_placed_after_the_mentor_accepted_stops_the_match_going_live_and_only_staff_are_told_why()
    {
        var (mentorId, mentor) = await _world.ReadyMentorAsync();
        var (youthId, youth) = await _world.YouthAsync();
        var match = await _world.AcceptedAsync(youthId, mentorId, mentor);
        await MentoringWorld.Ok(await _world.Supervisor.PostAsJsonAsync($"/api/mentors/{mentorId}/hold", new { reason = "We talk first" }));

        var toYouth = Detail(await HttpAssert.Problem(await youth.PostAsync($"/api/matches/{match.Id}/agree", null), 409));
        var toStaff = Detail(await HttpAssert.Problem(await _world.CaseManager.PostAsync($"/api/matches/{match.Id}/agree", null), 409));

        Assert.Contains("cannot start right now", toYouth, StringComparison.Ordinal);
        Assert.DoesNotContain("hold", toYouth, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("on a supervisor hold", toStaff, StringComparison.Ordinal);
        Assert.Equal("AwaitingYouth", (await MentoringWorld.Ok<MatchDto>(await _world.CaseManager.GetAsync($"/api/matches/{match.Id}"))).State);
    }

    [Fact]
    public async Task A_case_manager_who_also_mentors_never_mentors_a_youth_they_manage()
    {
        var (mentorId, mentor) = await _world.ReadyMentorAsync();
        await _world.SetRolesAsync(mentorId, Roles.Mentor, Roles.CaseManager);
        var (youthId, _) = await _world.YouthAsync();
        await _world.HandOverAsync(youthId, "demo-casemanager", mentorId);

        var own = Detail(await HttpAssert.Problem(await mentor.PostJson("/api/matches", new { youthId, mentorId }), 409));
        await HttpAssert.Problem(await _world.CaseManager.PostJson("/api/matches", new { youthId, mentorId }), 409);
        Assert.Contains("one of the youth's case managers", own, StringComparison.Ordinal);

        // Nor is the mentor of a youth's match made their case manager.
        var (otherYouthId, _) = await _world.YouthAsync();
        await _world.AcceptedAsync(otherYouthId, mentorId, mentor);
        var current = await _world.CaseManager.GetAsync($"/api/youth/{otherYouthId}");
        using var handOver = new HttpRequestMessage(HttpMethod.Put, $"/api/youth/{otherYouthId}/case-managers") { Content = JsonContent.Create(new { caseManagerIds = new[] { "demo-casemanager", mentorId } }) };
        handOver.Headers.TryAddWithoutValidation("If-Match", current.Headers.ETag!.Tag);
        var refused = await HttpAssert.Problem(await _world.CaseManager.SendAsync(handOver), 400);

        Assert.True(refused.GetProperty("errors").TryGetProperty("caseManagerIds", out _));
        var kept = await MentoringWorld.Ok<JsonElement>(await _world.CaseManager.GetAsync($"/api/youth/{otherYouthId}"));
        Assert.Equal(["demo-casemanager"], kept.GetProperty("caseManagerIds").EnumerateArray().Select(e => e.GetString()));
    }

    [Fact]
    public async Task A_mentor_the_youth_turned_down_is_never_made_their_case_manager_so_never_reads_their_record_or_leads_their_team()
    {
        var (mentorId, mentor) = await _world.ReadyMentorAsync();
        await _world.SetRolesAsync(mentorId, Roles.Mentor, Roles.CaseManager);
        var (youthId, youth) = await _world.YouthAsync();
        var match = await _world.AcceptedAsync(youthId, mentorId, mentor);
        Assert.Equal("Declined", (await MentoringWorld.Ok<MatchDto>(await youth.PostAsync($"/api/matches/{match.Id}/decline", null))).State);

        var current = await _world.CaseManager.GetAsync($"/api/youth/{youthId}");
        var refused = await HttpAssert.Problem(await _world.CaseManager.PutJson($"/api/youth/{youthId}/case-managers",
            new { caseManagerIds = new[] { "demo-casemanager", mentorId } }, current.Headers.ETag!.Tag), 400);

        Assert.Contains("mentored this youth", refused.GetProperty("errors").GetProperty("caseManagerIds")[0].GetString(), StringComparison.Ordinal);
        await HttpAssert.Problem(await mentor.GetAsync($"/api/youth/{youthId}"), 404);
        await HttpAssert.Problem(await mentor.GetAsync($"/api/teams/{youthId}"), 404);
    }

    [Fact]
    public async Task A_paused_match_does_not_resume_under_any_hold_so_none_tells_an_urgent_answer_apart_nor_once_its_mentor_no_longer_mentors()
    {
        var (mentorId, mentor) = await _world.ReadyMentorAsync();
        var (youthId, youth) = await _world.YouthAsync();
        var match = await _world.AcceptedAsync(youthId, mentorId, mentor);
        Assert.Equal("Active", (await MentoringWorld.Ok<MatchDto>(await youth.PostAsync($"/api/matches/{match.Id}/agree", null))).State);
        await MentoringWorld.Ok(await MentoringWorld.StepAsync(_world.CaseManager, match.Id, "pause"));
        async Task<string> RefusedAsync() => Detail(await HttpAssert.Problem(await MentoringWorld.StepAsync(_world.CaseManager, match.Id, "resume"), 409));

        // A hold from new matches, one that also stops chats, and one an urgent answer placed are refused alike: the case
        // manager cannot tell which it is.
        await MentoringWorld.Ok(await MentoringWorld.HoldAsync(_world.Supervisor, mentorId, "We talk first"));
        var ordinary = await RefusedAsync();
        await MentoringWorld.Ok(await MentoringWorld.LiftHoldAsync(_world.Supervisor, mentorId));
        await MentoringWorld.Ok(await MentoringWorld.HoldAsync(_world.Supervisor, mentorId, "A youth reported a concern", stopsChat: true));
        var stopsChat = await RefusedAsync();
        await MentoringWorld.Ok(await MentoringWorld.LiftHoldAsync(_world.Supervisor, mentorId));
        await HttpAssert.Ok<JsonElement>(await SupervisionTests.CheckInAsync(mentor, SupervisionTests.Answers(1, urgent: 3)));
        var urgent = await RefusedAsync();

        Assert.Contains("on a supervisor hold", ordinary, StringComparison.Ordinal);
        Assert.Equal(ordinary, stopsChat);
        Assert.Equal(ordinary, urgent);

        // Once the supervisor has seen the answer, the hold it placed lifts and the match resumes.
        await HttpAssert.Ok<JsonElement>(await SupervisionTests.OnFlagAsync(_world.Supervisor, await SupervisionTests.FirstFlagAsync(_world.Supervisor, mentorId), "acknowledge"));
        Assert.Equal("Active", (await MentoringWorld.Ok<MatchDto>(await MentoringWorld.StepAsync(_world.CaseManager, match.Id, "resume"))).State);
        await MentoringWorld.Ok(await MentoringWorld.StepAsync(_world.CaseManager, match.Id, "pause"));

        await _world.SetRolesAsync(mentorId, Roles.Advisor);

        var refused = await RefusedAsync();
        Assert.Contains("not an active mentor", refused, StringComparison.Ordinal);
        Assert.Equal("Paused", (await MentoringWorld.Ok<MatchDto>(await _world.CaseManager.GetAsync($"/api/matches/{match.Id}"))).State);
    }

    [Fact]
    public async Task A_mentor_put_on_the_youths_do_not_match_list_while_their_match_was_paused_cannot_resume_it()
    {
        var (mentorId, mentor) = await _world.ReadyMentorAsync();
        var (youthId, youth) = await _world.YouthAsync();
        var match = await _world.AcceptedAsync(youthId, mentorId, mentor);
        await MentoringWorld.Ok(await youth.PostAsync($"/api/matches/{match.Id}/agree", null));
        await MentoringWorld.Ok(await MentoringWorld.StepAsync(_world.CaseManager, match.Id, "pause"));

        await AddToDoNotMatchAsync(youthId, mentorId);

        var refused = Detail(await HttpAssert.Problem(await MentoringWorld.StepAsync(_world.CaseManager, match.Id, "resume"), 409));
        Assert.Contains("on the youth's do-not-match list", refused, StringComparison.Ordinal);
        Assert.Equal("Paused", (await MentoringWorld.Ok<MatchDto>(await _world.CaseManager.GetAsync($"/api/matches/{match.Id}"))).State);
    }

    [Fact]
    public async Task A_mentor_goes_on_the_do_not_match_list_of_a_youth_whose_sign_in_was_deactivated_and_their_chat_stops()
    {
        var chat = await _world.OpenChatAsync();
        await MentoringWorld.Ok(await _world.Admin.PostAsync($"/api/people/{chat.YouthPersonId}/deactivate", null));

        await AddToDoNotMatchAsync(chat.YouthId, chat.MentorId);

        var youth = await MentoringWorld.Ok<JsonElement>(await _world.CaseManager.GetAsync($"/api/youth/{chat.YouthId}"));
        Assert.Contains(chat.MentorId, youth.GetProperty("doNotMatch").EnumerateArray().Select(e => e.GetString()));
        await Assert.ThrowsAsync<ChatRefusalException>(() => chat.Mentor.SendAsync(chat.Id, "still here?"));
    }

    [Fact]
    public async Task A_mentor_put_on_the_youth_s_do_not_match_list_sees_their_match_as_one_whose_consent_was_withdrawn()
    {
        var listed = await _world.OpenChatAsync();
        var withdrawn = await _world.OpenChatAsync();
        await AddToDoNotMatchAsync(listed.YouthId, listed.MentorId);
        var consents = await HttpAssert.Ok<List<MentoringTests.ConsentDto>>(await withdrawn.YouthHttp.GetAsync($"/api/consents?subjectId={withdrawn.YouthId}"));
        var yes = consents.First(c => c.MatchId == withdrawn.Id && c.Grantor == "Youth" && c.Current);
        await HttpAssert.Ok<MentoringTests.ConsentDto>(await withdrawn.YouthHttp.PostAsync($"/api/consents/{yes.Id}/revoke", null));

        var asListed = await MentoringWorld.Ok<MatchDto>(await listed.MentorHttp.GetAsync($"/api/matches/{listed.Id}"));
        var asWithdrawn = await MentoringWorld.Ok<MatchDto>(await withdrawn.MentorHttp.GetAsync($"/api/matches/{withdrawn.Id}"));

        Assert.Equal(asWithdrawn.State, asListed.State);
        Assert.Equal(asWithdrawn.MissingConsents, asListed.MissingConsents);
        Assert.Equal(asWithdrawn.Youth!.Value.GetRawText(), asListed.Youth!.Value.GetRawText());
    }

    [Fact]
    public async Task A_mentor_who_claims_more_interests_after_a_proposal_is_shown_only_those_shared_then_that_the_youth_still_has()
    {
        var (mentorId, mentor) = await _world.ReadyMentorAsync(interests: ["art", "music", "cooking"]);
        var (youthId, _) = await _world.YouthAsync();
        var match = await _world.ProposeAsync(youthId, mentorId);
        await MentoringWorld.Ok(await mentor.PutAsJsonAsync("/api/mentors/me", new
        {
            displayName = "Mentor " + mentorId[^6..], languages = new[] { "English", "Spanish" }, gender = "female",
            location = new { latitude = 36.7378, longitude = -119.7871 }, travelRadiusMiles = 25,
            interests = new[] { "art", "music", "cooking", "soccer", "poetry", "gaming" }, livedExperienceTags = new[] { "housing" },
            experiencedStages = new[] { "contemplation" }, capacity = 2,
        }));

        // The youth takes one of the two off their record meanwhile.
        var current = await _world.CaseManager.GetAsync($"/api/youth/{youthId}");
        var youth = await current.Content.ReadFromJsonAsync<JsonElement>();
        using var change = new HttpRequestMessage(HttpMethod.Put, $"/api/youth/{youthId}")
        {
            Content = JsonContent.Create(new
            {
                displayName = youth.GetProperty("displayName").GetString(), age = 16, languages = new[] { "Spanish", "English" },
                location = new { latitude = 36.8252, longitude = -119.7029 }, interests = new[] { "music" }, needs = new[] { "housing" },
                personId = youth.GetProperty("personId").GetString(),
            }),
        };
        change.Headers.TryAddWithoutValidation("If-Match", current.Headers.ETag!.Tag);
        await MentoringWorld.Ok(await _world.CaseManager.SendAsync(change));

        var shown = await MentoringWorld.Ok<MatchDto>(await mentor.GetAsync($"/api/matches/{match.Id}"));

        Assert.Equal(["music"], shown.Youth!.Value.GetProperty("interests").EnumerateArray().Select(i => i.GetString()));
    }

    /// <summary>The youth's case manager adds <paramref name="mentorId"/> to the youth's do-not-match list; returns the youth as it was.</summary>
    private async Task<JsonElement> AddToDoNotMatchAsync(string youthId, string mentorId)
    {
        var current = await _world.CaseManager.GetAsync($"/api/youth/{youthId}");
        var youth = await current.Content.ReadFromJsonAsync<JsonElement>();
        using var change = new HttpRequestMessage(HttpMethod.Put, $"/api/youth/{youthId}")
        {
            Content = JsonContent.Create(new
            {
                displayName = youth.GetProperty("displayName").GetString(),
                age = 16,
                languages = new[] { "Spanish", "English" },
                location = new { latitude = 36.8252, longitude = -119.7029 },
                interests = new[] { "music", "cooking" },
                needs = new[] { "housing" },
                doNotMatch = new[] { mentorId },
                personId = youth.GetProperty("personId").GetString(),
            }),
        };
        change.Headers.TryAddWithoutValidation("If-Match", current.Headers.ETag!.Tag);
        await MentoringWorld.Ok(await _world.CaseManager.SendAsync(change));
        return youth;
    }

    [Fact]
    public async Task A_match_waiting_for_a_guardian_shows_its_mentor_no_name_of_the_youth_before_and_after_the_youth_keeps_them_away()
    {
        await _world.WhileMinorsNeedAGuardianAsync(async () =>
        {
            var (mentorId, mentor) = await _world.ReadyMentorAsync();
            var (youthId, youthClient) = await _world.YouthAsync();
            var proposed = await _world.AcceptedAsync(youthId, mentorId, mentor);
            Assert.Equal("AwaitingConsent", (await MentoringWorld.Ok<MatchDto>(await youthClient.PostAsync($"/api/matches/{proposed.Id}/agree", null))).State);
            var before = (await MentoringWorld.Ok<MatchDto>(await mentor.GetAsync($"/api/matches/{proposed.Id}"))).Youth!.Value;

            await AddToDoNotMatchAsync(youthId, mentorId);
            var seen = await MentoringWorld.Ok<MatchDto>(await mentor.GetAsync($"/api/matches/{proposed.Id}"));

            // The same as any match not started: no name, and the interests they share.
            Assert.Equal("AwaitingConsent", seen.State);
            Assert.Equal(MatchView.YouthNotYetNamed, before.GetProperty("displayName").GetString());
            Assert.NotEmpty(before.GetProperty("interests").EnumerateArray());
            Assert.Equal(before.GetRawText(), seen.Youth!.Value.GetRawText());
        });
    }

    [Fact]
    public async Task A_youth_added_to_do_not_match_after_the_proposal_keeps_the_mentor_s_yes_from_the_youth_without_telling_the_mentor_so()
    {
        var (mentorId, mentor) = await _world.ReadyMentorAsync();
        var (youthId, youthClient) = await _world.YouthAsync();
        var match = await _world.ProposeAsync(youthId, mentorId);
        var youth = await AddToDoNotMatchAsync(youthId, mentorId);

        // A later change that leaves the list out keeps it.
        var changed = await _world.CaseManager.GetAsync($"/api/youth/{youthId}");
        using var rename = new HttpRequestMessage(HttpMethod.Put, $"/api/youth/{youthId}")
        {
            Content = JsonContent.Create(new { displayName = "Renamed youth", age = 16, personId = youth.GetProperty("personId").GetString() }),
        };
        rename.Headers.TryAddWithoutValidation("If-Match", changed.Headers.ETag!.Tag);
        var renamed = await HttpAssert.Ok<JsonElement>(await _world.CaseManager.SendAsync(rename));
        Assert.Equal([mentorId], renamed.GetProperty("doNotMatch").EnumerateArray().Select(e => e.GetString()));

        var toMentor = await MentoringWorld.Ok<MatchDto>(await mentor.PostAsync($"/api/matches/{match.Id}/accept", null));
        var toStaff = await MentoringWorld.Ok<MatchDto>(await _world.CaseManager.GetAsync($"/api/matches/{match.Id}"));

        Assert.Equal("AwaitingYouth", toMentor.State);
        Assert.Equal(MatchView.YouthNotYetNamed, toMentor.Youth!.Value.GetProperty("displayName").GetString());
        Assert.Equal("AwaitingCaseManager", toStaff.State);
        Assert.Contains(PairConstraints.DoNotMatch, toStaff.NoLongerFits!);
        await HttpAssert.Problem(await youthClient.GetAsync($"/api/matches/{match.Id}"), 404);
        Assert.Contains(PairConstraints.DoNotMatch, Detail(await HttpAssert.Problem(await MentoringWorld.StepAsync(_world.CaseManager, match.Id, "put-to-youth"), 409)));
    }

    /// <summary>
    /// A mentor who changes their own profile (here their gender, as the youth asked for a female mentor) and says yes
    /// is answered as any yes is, so the answer teaches them nothing of what the youth asked for; the case manager is
    /// told, and puts it to the youth once it fits again.
    /// </summary>
    [Fact]
    public async Task A_mentor_s_yes_after_changing_their_profile_away_from_the_youth_s_wishes_waits_for_the_case_manager_and_looks_like_any_yes()
    {
        var (mentorId, mentor) = await _world.ReadyMentorAsync();
        var (fittingId, fittingMentor) = await _world.ReadyMentorAsync();
        var (youthId, youthClient) = await _world.YouthAsync();
        await AskForAFemaleMentorAsync(youthId);
        var match = await _world.ProposeAsync(youthId, mentorId);
        var fitting = await _world.ProposeAsync(youthId, fittingId);
        await SetGenderAsync(mentor, "male");

        var held = await mentor.PostAsync($"/api/matches/{match.Id}/accept", null);
        var ordinary = await fittingMentor.PostAsync($"/api/matches/{fitting.Id}/accept", null);

        Assert.Equal(ordinary.StatusCode, held.StatusCode);
        Assert.Equal(Shape(await ordinary.Content.ReadFromJsonAsync<JsonElement>()), Shape(await held.Content.ReadFromJsonAsync<JsonElement>()));
        Assert.Equal("AwaitingYouth", (await MentoringWorld.Ok<MatchDto>(await mentor.GetAsync($"/api/matches/{match.Id}"))).State);
        Assert.Equal(JsonValueKind.Null, (await MentoringWorld.Ok<JsonElement>(await mentor.GetAsync($"/api/matches/{match.Id}"))).GetProperty("version").ValueKind);
        foreach (var step in new[] { "accept", "step-back" })
        {
            Assert.Equal(
                Detail(await HttpAssert.Problem(await fittingMentor.PostAsync($"/api/matches/{fitting.Id}/{step}", null), 409)),
                Detail(await HttpAssert.Problem(await mentor.PostAsync($"/api/matches/{match.Id}/{step}", null), 409)));
        }

        Assert.Equal([fitting.Id], (await HttpAssert.Ok<PageDto<MatchDto>>(await youthClient.GetAsync("/api/matches"))).Items.Select(m => m.Id));
        var youthNotes = await HttpAssert.Ok<PageDto<NotificationDto>>(await youthClient.GetAsync("/api/notifications"));
        Assert.DoesNotContain(youthNotes.Items, n => n.MatchId == match.Id);
        var staffNotes = await HttpAssert.Ok<PageDto<NotificationDto>>(await _world.CaseManager.GetAsync("/api/notifications?pageSize=100"));
        Assert.Contains(staffNotes.Items, n => n.MatchId == match.Id && n.Kind == "match-awaitingcasemanager");

        var refused = Detail(await HttpAssert.Problem(await MentoringWorld.StepAsync(_world.CaseManager, match.Id, "put-to-youth"), 409));
        Assert.Contains(PairConstraints.GenderPreference, refused, StringComparison.Ordinal);
        Assert.Equal([PairConstraints.GenderPreference], (await MentoringWorld.Ok<MatchDto>(await _world.CaseManager.GetAsync($"/api/matches/{match.Id}"))).NoLongerFits);

        await SetGenderAsync(mentor, "female");
        Assert.Empty((await MentoringWorld.Ok<MatchDto>(await _world.CaseManager.GetAsync($"/api/matches/{match.Id}"))).NoLongerFits!);
        Assert.Equal("AwaitingYouth", (await MentoringWorld.Ok<MatchDto>(await MentoringWorld.StepAsync(_world.CaseManager, match.Id, "put-to-youth"))).State);
        youthNotes = await HttpAssert.Ok<PageDto<NotificationDto>>(await youthClient.GetAsync("/api/notifications"));
        Assert.Contains(youthNotes.Items, n => n.MatchId == match.Id && n.Kind == "match-awaitingyouth");
        Assert.Equal("Active", (await MentoringWorld.Ok<MatchDto>(await youthClient.PostAsync($"/api/matches/{match.Id}/agree", null))).State);
    }

    [Fact]
    public async Task A_mentor_learns_no_name_of_the_youth_until_the_youth_agrees_and_the_match_starts_and_then_their_name_now()
    {
        var (mentorId, mentor) = await _world.ReadyMentorAsync();
        var (youthId, youthClient) = await _world.YouthAsync();
        var match = await _world.ProposeAsync(youthId, mentorId);
        var given = (await MentoringWorld.Ok<JsonElement>(await _world.CaseManager.GetAsync($"/api/youth/{youthId}"))).GetProperty("displayName").GetString()!;
        string? Shown(MatchDto m) => m.Youth!.Value.GetProperty("displayName").GetString();

        var proposed = await MentoringWorld.Ok<MatchDto>(await mentor.GetAsync($"/api/matches/{match.Id}"));
        Assert.Equal(MatchView.YouthNotYetNamed, Shown(proposed));
        Assert.Equal(["music"], proposed.Youth!.Value.GetProperty("interests").EnumerateArray().Select(i => i.GetString()));
        Assert.DoesNotContain(given, await mentor.GetStringAsync("/api/matches"), StringComparison.Ordinal);
        Assert.DoesNotContain(given, await (await PortalSession.SignedInAsync(api, mentorId)).GetStringAsync("/matches"), StringComparison.Ordinal);

        var current = await _world.CaseManager.GetAsync($"/api/youth/{youthId}");
        var youth = await current.Content.ReadFromJsonAsync<JsonElement>();
        await MentoringWorld.Ok(await _world.CaseManager.PutJson($"/api/youth/{youthId}", new
        {
            displayName = "Chosen name", age = 16, languages = new[] { "Spanish", "English" }, location = new { latitude = 36.8252, longitude = -119.7029 },
            interests = new[] { "music", "cooking" }, personId = youth.GetProperty("personId").GetString(),
        }, current.Headers.ETag!.Tag));

        Assert.Equal(MatchView.YouthNotYetNamed, Shown(await MentoringWorld.Ok<MatchDto>(await mentor.PostAsync($"/api/matches/{match.Id}/accept", null))));
        Assert.Equal("Active", (await MentoringWorld.Ok<MatchDto>(await youthClient.PostAsync($"/api/matches/{match.Id}/agree", null))).State);
        Assert.Equal("Chosen name", Shown(await MentoringWorld.Ok<MatchDto>(await mentor.GetAsync($"/api/matches/{match.Id}"))));
    }

    [Fact]
    public async Task A_mentor_s_yes_held_for_the_case_manager_is_closed_by_staff_or_withdrawn_by_the_mentor_but_never_answered_for_the_youth()
    {
        var (mentorId, mentor) = await _world.ReadyMentorAsync();
        var (youthId, youth) = await _world.YouthAsync();
        await AskForAFemaleMentorAsync(youthId);
        var match = await _world.ProposeAsync(youthId, mentorId);
        var (otherId, other) = await _world.ReadyMentorAsync();
        var second = await _world.ProposeAsync(youthId, otherId);
        await SetGenderAsync(mentor, "male");
        await SetGenderAsync(other, "male");
        await MentoringWorld.Ok(await mentor.PostAsync($"/api/matches/{match.Id}/accept", null));
        await MentoringWorld.Ok(await other.PostAsync($"/api/matches/{second.Id}/accept", null));

        await HttpAssert.Problem(await _world.CaseManager.PostAsync($"/api/matches/{match.Id}/agree", null), 409);
        await HttpAssert.Problem(await _world.CaseManager.PostAsync($"/api/matches/{match.Id}/decline", null), 409);
        await HttpAssert.Problem(await _world.CaseManager.PostJson($"/api/consents", new { subjectId = youthId, grantor = "Youth", scope = "mentoring-match", matchId = match.Id }), 409);

        Assert.Equal("Closed", (await MentoringWorld.Ok<MatchDto>(await _world.CaseManager.PostJson($"/api/matches/{match.Id}/close", new { reason = "AgencyDecision", planned = true }))).State);
        Assert.Equal("Declined", (await MentoringWorld.Ok<MatchDto>(await other.PostAsync($"/api/matches/{second.Id}/decline", null))).State);
        var mentorNotes = await HttpAssert.Ok<PageDto<NotificationDto>>(await mentor.GetAsync("/api/notifications"));
        Assert.Contains(mentorNotes.Items, n => n.MatchId == match.Id && n.Kind == "match-closed");
        var youthNotes = await HttpAssert.Ok<PageDto<NotificationDto>>(await youth.GetAsync("/api/notifications"));
        Assert.DoesNotContain(youthNotes.Items, n => n.MatchId == match.Id || n.MatchId == second.Id);
    }

    [Fact]
    public async Task A_mentor_resting_from_new_matches_keeps_their_chats_and_is_neither_recommended_nor_proposed_until_they_take_them_again()
    {
        var chat = await _world.OpenChatAsync();
        var (waitingYouth, _) = await _world.YouthAsync();
        var (otherYouth, _) = await _world.YouthAsync();
        var (acceptedYouth, acceptedYouthClient) = await _world.YouthAsync();
        await SetGenderAsync(chat.MentorHttp, "female", capacity: 3);
        var accepted = await _world.AcceptedAsync(acceptedYouth, chat.MentorId, chat.MentorHttp);
        var waiting = await _world.ProposeAsync(waitingYouth, chat.MentorId);
        await MentoringWorld.Ok(await MentoringWorld.StepAsync(_world.CaseManager, chat.Id, "pause"));

        var rested = await MentoringWorld.Ok<MentorDto>(await chat.MentorHttp.PutAsJsonAsync("/api/mentors/me/new-matches", new { take = false }));

        Assert.Contains(MentorEligibility.NoNewMatches, rested.MatchBlockers);
        Assert.True(rested.ConsentsToMentoring);
        Assert.Contains(MentorEligibility.NoNewMatches, Detail(await HttpAssert.Problem(await chat.MentorHttp.PostAsync($"/api/matches/{waiting.Id}/accept", null), 409)));
        Assert.Contains(MentorEligibility.NoNewMatches, Detail(await HttpAssert.Problem(await _world.CaseManager.PostJson("/api/matches", new { youthId = otherYouth, mentorId = chat.MentorId }), 409)));
        var recommended = await HttpAssert.Ok<MentoringTests.RecommendationsDto>(await _world.CaseManager.GetAsync($"/api/youth/{otherYouth}/recommendations?top=50"));
        Assert.DoesNotContain(recommended.Mentors, m => m.MentorId == chat.MentorId);
        Assert.Equal("Active", (await MentoringWorld.Ok<MatchDto>(await MentoringWorld.StepAsync(_world.CaseManager, chat.Id, "resume"))).State);
        // A match they said yes to before goes on: the youth's yes starts it.
        Assert.Equal("Active", (await MentoringWorld.Ok<MatchDto>(await acceptedYouthClient.PostAsync($"/api/matches/{accepted.Id}/agree", null))).State);
        await chat.Mentor.SendAsync(chat.Id, "still here for you this week");
        await HttpAssert.Problem(await chat.MentorHttp.PutAsJsonAsync("/api/mentors/me/new-matches", new { }), 400);

        await MentoringWorld.Ok(await chat.MentorHttp.PutAsJsonAsync("/api/mentors/me/new-matches", new { take = true }));
        Assert.Equal("AwaitingYouth", (await MentoringWorld.Ok<MatchDto>(await chat.MentorHttp.PostAsync($"/api/matches/{waiting.Id}/accept", null))).State);
    }

    [Fact]
    public async Task A_mentor_s_yes_held_for_a_youth_with_no_active_case_manager_is_told_to_the_admins()
    {
        var (mentorId, mentor) = await _world.ReadyMentorAsync();
        var (youthId, _) = await _world.YouthAsync();
        var match = await _world.ProposeAsync(youthId, mentorId);
        await AddToDoNotMatchAsync(youthId, mentorId);
        var (formerId, _) = await _world.PersonAsync(Roles.CaseManager);
        await _world.HandOverAsync(youthId, formerId);
        await _world.SetRolesAsync(formerId, Roles.Mentor);

        Assert.Equal("AwaitingYouth", (await MentoringWorld.Ok<MatchDto>(await mentor.PostAsync($"/api/matches/{match.Id}/accept", null))).State);

        var toAdmin = Assert.Single(await _world.Admin.NoticesAsync(), n => n.Kind == "match-awaitingcasemanager" && n.MatchId == match.Id);
        Assert.Contains("no active case manager", toAdmin.Text, StringComparison.Ordinal);
        Assert.DoesNotContain(await mentor.NoticesAsync(), n => n.Kind == "match-awaitingcasemanager");
    }

    [Fact]
    public async Task The_case_manager_of_a_proposal_waiting_for_a_mentor_who_rests_from_new_matches_is_told_once()
    {
        var (mentorId, mentor) = await _world.ReadyMentorAsync();
        var (youthId, _) = await _world.YouthAsync();
        var waiting = await _world.ProposeAsync(youthId, mentorId);

        await MentoringWorld.Ok(await mentor.PutAsJsonAsync("/api/mentors/me/new-matches", new { take = false }));
        await MentoringWorld.Ok(await mentor.PutAsJsonAsync("/api/mentors/me/new-matches", new { take = false }));
        await MentoringWorld.Ok(await mentor.PutAsJsonAsync("/api/mentors/me/new-matches", new { take = true }));
        await MentoringWorld.Ok(await mentor.PutAsJsonAsync("/api/mentors/me/new-matches", new { take = false }));

        var told = (await HttpAssert.Ok<PageDto<NotificationDto>>(await _world.CaseManager.GetAsync("/api/notifications?pageSize=200"))).Items;
        var notice = Assert.Single(told, n => n.Kind == "match-mentor-resting" && n.MatchId == waiting.Id);
        Assert.Contains("Close it to propose someone else", notice.Text, StringComparison.Ordinal);
        Assert.DoesNotContain(await mentor.NoticesAsync(), n => n.Kind == "match-mentor-resting");
    }

    [Fact]
    public async Task A_mentor_without_a_profile_cannot_rest_from_new_matches_and_staff_cannot_set_it_for_them()
    {
        var (_, newcomer) = await _world.PersonAsync(Roles.Mentor);

        await HttpAssert.Problem(await newcomer.PutAsJsonAsync("/api/mentors/me/new-matches", new { take = false }), 409);
        await HttpAssert.Problem(await _world.CaseManager.PutAsJsonAsync("/api/mentors/me/new-matches", new { take = false }), 403);
    }

    private static string Shape(JsonElement view) =>
        string.Join(",", view.EnumerateObject().Select(p => $"{p.Name}:{p.Value.ValueKind}")) + "|"
        + string.Join(",", view.GetProperty("youth").EnumerateObject().Select(p => $"{p.Name}:{p.Value.ValueKind}"));

    private async Task AskForAFemaleMentorAsync(string youthId)
    {
        var current = await _world.CaseManager.GetAsync($"/api/youth/{youthId}");
        var youth = await current.Content.ReadFromJsonAsync<JsonElement>();
        await MentoringWorld.Ok(await _world.CaseManager.PutJson($"/api/youth/{youthId}", new
        {
            displayName = youth.GetProperty("displayName").GetString(),
            age = 16,
            languages = new[] { "Spanish", "English" },
            location = new { latitude = 36.8252, longitude = -119.7029 },
            interests = new[] { "music", "cooking" },
            personId = youth.GetProperty("personId").GetString(),
            preferences = new { mentorGender = "female" },
        }, current.Headers.ETag!.Tag));
    }

    private static async Task SetGenderAsync(HttpClient mentor, string gender, int capacity = 2)
    {
        var me = await MentoringWorld.Ok<JsonElement>(await mentor.GetAsync("/api/mentors/me"));
        await MentoringWorld.Ok(await mentor.PutAsJsonAsync("/api/mentors/me", new
        {
            displayName = me.GetProperty("displayName").GetString(),
            languages = new[] { "English", "Spanish" },
            gender,
            location = new { latitude = 36.7378, longitude = -119.7871 },
            travelRadiusMiles = 25,
            interests = new[] { "art", "music" },
            livedExperienceTags = new[] { "housing" },
            experiencedStages = new[] { "contemplation" },
            capacity,
        }));
    }

    [Fact]
    public async Task Nobody_who_may_not_take_a_step_learns_why_the_mentor_could_not()
    {
        var (mentorId, mentor) = await _world.ReadyMentorAsync();
        var (youthId, _) = await _world.YouthAsync();
        var (_, otherCaseManager) = await _world.PersonAsync(Roles.CaseManager);
        var match = await _world.ProposeAsync(youthId, mentorId);
        await MentoringWorld.Ok(await _world.Supervisor.PostAsJsonAsync($"/api/mentors/{mentorId}/hold", new { reason = "We talk first" }));

        // Another case manager proposes for a youth not on their caseload.
        var notTheirs = await HttpAssert.Problem(await otherCaseManager.PostJson("/api/matches", new { youthId, mentorId }), 404);
        var nobody = await HttpAssert.Problem(await otherCaseManager.PostJson("/api/matches", new { youthId = "no-such-youth", mentorId }), 404);

        Assert.Equal(Detail(nobody), Detail(notTheirs));

        // A step the match cannot take now is refused for that alone, whoever's mentor is held.
        await MentoringWorld.Ok(await _world.CaseManager.PostJson($"/api/matches/{match.Id}/close", new { reason = "Other", planned = false }));
        var closed = Detail(await HttpAssert.Problem(await mentor.PostAsync($"/api/matches/{match.Id}/accept", null), 409));
        Assert.Contains("closed cannot be accepted", closed, StringComparison.Ordinal);
        Assert.DoesNotContain("hold", closed, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Activation_checks_the_mentor_again_and_a_mentor_taking_the_youth_s_step_is_refused_plainly()
    {
        await _world.WhileMinorsNeedAGuardianAsync(async () =>
        {
            var (mentorId, mentor) = await _world.ReadyMentorAsync();
            var (youthId, youth) = await _world.YouthAsync(age: 15);
            var match = await _world.AcceptedAsync(youthId, mentorId, mentor);
            Assert.Equal("AwaitingConsent", (await MentoringWorld.Ok<MatchDto>(await youth.PostAsync($"/api/matches/{match.Id}/agree", null))).State);
            await MentoringWorld.Created(await _world.CaseManager.PostJson("/api/consents", new { subjectId = youthId, grantor = "Guardian", scope = "mentoring-match", matchId = match.Id }));
            await MentoringWorld.Ok(await _world.Supervisor.PostAsJsonAsync($"/api/mentors/{mentorId}/hold", new { reason = "We talk first" }));

            var mentorTried = Detail(await HttpAssert.Problem(await mentor.PostAsync($"/api/matches/{match.Id}/agree", null), 403));
            var activate = Detail(await HttpAssert.Problem(await MentoringWorld.StepAsync(_world.CaseManager, match.Id, "activate"), 409));

            Assert.DoesNotContain("hold", mentorTried, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain("consent", mentorTried, StringComparison.OrdinalIgnoreCase);
            Assert.Contains("on a supervisor hold", activate, StringComparison.Ordinal);
            await MentoringWorld.Ok(await MentoringWorld.LiftHoldAsync(_world.Supervisor, mentorId));
            Assert.Equal("Active", (await MentoringWorld.Ok<MatchDto>(await MentoringWorld.StepAsync(_world.CaseManager, match.Id, "activate"))).State);
        });
    }

    [Fact]
    public async Task A_case_manager_records_the_one_consent_still_missing_on_an_older_page_of_matches_and_stays_on_that_page()
    {
        await _world.WhileMinorsNeedAGuardianAsync(async () =>
        {
            var (mentorId, mentor) = await _world.ReadyMentorAsync();
            var (youthId, youth) = await _world.YouthAsync(age: 15);
            var older = await _world.AcceptedAsync(youthId, mentorId, mentor);
            await MentoringWorld.Ok(await youth.PostAsync($"/api/matches/{older.Id}/agree", null));
            for (var busy = 0; busy < 5; busy++)
            {
                var (otherMentor, _) = await _world.ReadyMentorAsync(capacity: 10);
                for (var i = 0; i < 10; i++)
                {
                    await _world.ProposeAsync((await _world.YouthAsync()).Id, otherMentor);
                }
            }

            var portal = await PortalSession.SignedInAsync(api, "demo-casemanager");
            var after = PortalSession.Hidden(await portal.GetStringAsync("/matches"), "After");
            var olderPage = await PortalSession.PostFormAsync(portal, "/matches", "page", ("After", after));
            var card = Card(olderPage, older.Id);

            Assert.Contains("Record guardian consent", card, StringComparison.Ordinal);
            Assert.DoesNotContain("Record agency consent", card, StringComparison.Ordinal);
            var asked = await PortalSession.PostFormAsync(portal, "/matches", "act", ("ShownAfter", after), ("Act", $"consent-guardian:{older.Id}"));
            Assert.Contains("parent or guardian consents", asked, StringComparison.Ordinal);
            var recorded = await PortalSession.PostFormAsync(portal, "/matches", "act", ("ShownAfter", after), ("Asked", $"consent-guardian:{older.Id}"), ("Confirmed", "yes"));
            Assert.Contains("The consent is recorded.", recorded, StringComparison.Ordinal);
            Assert.DoesNotContain("Still needed", Card(recorded, older.Id), StringComparison.Ordinal);
            Assert.Equal("Active", (await MentoringWorld.Ok<MatchDto>(await MentoringWorld.StepAsync(_world.CaseManager, older.Id, "activate"))).State);
        });

        static string Card(string page, string matchId)
        {
            var button = page.IndexOf($":{matchId}:", StringComparison.Ordinal);
            Assert.True(button > 0, "The match is on the page shown.");
            var start = page.LastIndexOf("<li class=\"card\"", button, StringComparison.Ordinal);
            return page[start..page.IndexOf("</li>", button, StringComparison.Ordinal)];
        }
    }

    [Fact]
    public async Task A_no_staff_record_from_a_page_shown_before_the_youth_said_yes_themselves_does_not_overturn_their_yes()
    {
        // The youth's yes waits for a guardian's: a no can still be recorded then.
        await _world.WhileMinorsNeedAGuardianAsync(async () =>
        {
            var (mentorId, mentor) = await _world.ReadyMentorAsync();
            var (youthId, youth) = await _world.YouthAsync();
            var match = await _world.AcceptedAsync(youthId, mentorId, mentor);
            var portal = await PortalSession.SignedInAsync(api, "demo-casemanager");
            var decline = WebUtility.HtmlDecode(Regex.Match(await portal.GetStringAsync("/matches"), $"value=\"(decline:{match.Id}:[^\"]+)\"").Groups[1].Value);
            Assert.StartsWith($"decline:{match.Id}:", decline, StringComparison.Ordinal);

            var agreed = await MentoringWorld.Ok<MatchDto>(await youth.PostAsync($"/api/matches/{match.Id}/agree", null));
            Assert.Equal("AwaitingConsent", agreed.State);
            var answered = await PortalSession.PostFormAsync(portal, "/matches", "act", ("Asked", decline), ("Confirmed", "yes"));

            Assert.Contains("Someone else changed this.", answered, StringComparison.Ordinal);
            Assert.Equal("AwaitingConsent", (await MentoringWorld.Ok<MatchDto>(await youth.GetAsync($"/api/matches/{match.Id}"))).State);
            Assert.DoesNotContain((await _world.CaseManager.NoticesAsync()).Concat(await mentor.NoticesAsync()), n => n.MatchId == match.Id && n.Kind.Contains("declined", StringComparison.Ordinal));
            // Through the API the version is asked for; the youth's no told in person since is still recorded against the match as it is.
            await HttpAssert.Problem(await _world.CaseManager.PostAsync($"/api/matches/{match.Id}/decline", null), 428);
            Assert.Equal("Declined", (await MentoringWorld.Ok<MatchDto>(await _world.RecordYouthsNoAsync(match.Id))).State);
        });
    }

    [Fact]
    public async Task A_closure_as_the_youths_choice_needs_the_version_read_so_a_yes_they_gave_since_is_not_overturned()
    {
        var (mentorId, mentor) = await _world.ReadyMentorAsync();
        var (youthId, youth) = await _world.YouthAsync();
        var match = await _world.AcceptedAsync(youthId, mentorId, mentor);
        var shown = await MentoringWorld.Ok<MatchDto>(await _world.CaseManager.GetAsync($"/api/matches/{match.Id}"));

        await HttpAssert.Problem(await _world.CaseManager.PostJson($"/api/matches/{match.Id}/close", new { reason = "YouthChoice", planned = false }), 428);
        var agreed = await MentoringWorld.Ok<MatchDto>(await youth.PostAsync($"/api/matches/{match.Id}/agree", null));
        using var stale = new HttpRequestMessage(HttpMethod.Post, $"/api/matches/{match.Id}/close") { Content = JsonContent.Create(new { reason = "YouthChoice", planned = false }) };
        stale.Headers.TryAddWithoutValidation("If-Match", shown.Version);

        await HttpAssert.Problem(await _world.CaseManager.SendAsync(stale), 412);
        Assert.Equal(agreed.State, (await MentoringWorld.Ok<MatchDto>(await youth.GetAsync($"/api/matches/{match.Id}"))).State);
        Assert.NotEqual("Closed", agreed.State);
        await MentoringWorld.Ok(await _world.CaseManager.PostJson($"/api/matches/{match.Id}/close", new { reason = "AgencyDecision", planned = false }));
    }

    [Fact]
    public async Task A_closure_as_the_mentors_choice_needs_the_version_read_so_a_match_begun_since_is_not_barred_to_the_pair_for_good()
    {
        var (mentorId, mentor) = await _world.ReadyMentorAsync();
        var (youthId, youth) = await _world.YouthAsync();
        var match = await _world.AcceptedAsync(youthId, mentorId, mentor);
        var shown = await MentoringWorld.Ok<MatchDto>(await _world.CaseManager.GetAsync($"/api/matches/{match.Id}"));

        await HttpAssert.Problem(await _world.CaseManager.PostJson($"/api/matches/{match.Id}/close", new { reason = "MentorChoice", planned = false }), 428);
        var agreed = await MentoringWorld.Ok<MatchDto>(await youth.PostAsync($"/api/matches/{match.Id}/agree", null));
        using var stale = new HttpRequestMessage(HttpMethod.Post, $"/api/matches/{match.Id}/close") { Content = JsonContent.Create(new { reason = "MentorChoice", planned = false }) };
        stale.Headers.TryAddWithoutValidation("If-Match", shown.Version);

        await HttpAssert.Problem(await _world.CaseManager.SendAsync(stale), 412);
        Assert.Equal(agreed.State, (await MentoringWorld.Ok<MatchDto>(await _world.CaseManager.GetAsync($"/api/matches/{match.Id}"))).State);
        Assert.Equal("Closed", (await MentoringWorld.Ok<MatchDto>(await _world.CloseAsYouthsChoiceAsync(match.Id, "MentorChoice"))).State);
    }

    [Fact]
    public async Task A_youth_whose_match_changed_since_their_page_was_drawn_is_told_so_plainly_not_that_their_answer_is_refused()
    {
        var (mentorId, mentor) = await _world.ReadyMentorAsync();
        var youthPersonId = "yp-" + Guid.NewGuid().ToString("N")[..10];
        var (youthId, _) = await _world.YouthAsync(personId: youthPersonId);
        var match = await _world.AcceptedAsync(youthId, mentorId, mentor);
        var portal = await PortalSession.SignedInAsync(api, youthPersonId);
        Assert.Contains($"agree:{match.Id}:", await portal.GetStringAsync("/matches"), StringComparison.Ordinal);

        await MentoringWorld.Ok(await mentor.PostAsync($"/api/matches/{match.Id}/decline", null));
        var answered = await PortalSession.PostFormAsync(portal, "/matches", "act", ("Act", $"agree:{match.Id}:"));

        Assert.Contains("This match changed since you opened this page, so nothing was done.", answered, StringComparison.Ordinal);
        Assert.DoesNotContain("cannot be", answered, StringComparison.Ordinal);

        // Their own yes sent again (a second tab, a second tap) is answered as saved, not as nothing done.
        var (secondMentorId, secondMentor) = await _world.ReadyMentorAsync();
        var again = await _world.AcceptedAsync(youthId, secondMentorId, secondMentor);
        await PortalSession.PostFormAsync(portal, "/matches", "act", ("Act", $"agree:{again.Id}:"));
        var twice = await PortalSession.PostFormAsync(portal, "/matches", "act", ("Act", $"agree:{again.Id}:"));

        Assert.Contains("Thank you. Your answer is saved.", twice, StringComparison.Ordinal);
        Assert.DoesNotContain("nothing was done", twice, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_mentor_s_yes_refused_for_themselves_not_for_the_match_keeps_its_own_words()
    {
        var (mentorId, _) = await _world.ReadyMentorAsync();
        var match = await _world.ProposeAsync((await _world.YouthAsync()).Id, mentorId);
        await MentoringWorld.Ok(await _world.Supervisor.PostAsJsonAsync($"/api/mentors/{mentorId}/hold", new { reason = "Rest first" }));
        var portal = await PortalSession.SignedInAsync(api, mentorId);

        var answered = await PortalSession.PostFormAsync(portal, "/matches", "act", ("Act", $"accept:{match.Id}:"));

        Assert.Contains("You cannot take this match now", answered, StringComparison.Ordinal);
        Assert.DoesNotContain("nothing was done", answered, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Each_of_a_mentor_s_proposals_is_named_by_when_it_was_proposed_and_its_buttons_say_which_they_act_on()
    {
        var (mentorId, mentor) = await _world.ReadyMentorAsync();
        var match = await _world.ProposeAsync((await _world.YouthAsync()).Id, mentorId);
        var portal = await PortalSession.SignedInAsync(api, mentorId);

        var page = WebUtility.HtmlDecode(await portal.GetStringAsync("/matches"));

        var heading = Regex.Match(page, "<h2>(Match with a youth, proposed [^<]+)</h2>").Groups[1].Value;
        Assert.NotEmpty(heading);
        Assert.Contains($"value=\"accept:{match.Id}:\"", page, StringComparison.Ordinal);
        Assert.Contains($"Accept<span class=\"visually-hidden\"> ({heading})</span>", page, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Staff_other_than_the_supervisor_learn_nothing_of_a_wellbeing_answer_from_a_hold()
    {
        var (mentorId, mentor) = await _world.ReadyMentorAsync();
        await MentoringWorld.Ok(await _world.Supervisor.PostAsJsonAsync($"/api/mentors/{mentorId}/hold", new { reason = "Rest" }));
        await HttpAssert.Ok<JsonElement>(await SupervisionTests.CheckInAsync(mentor, SupervisionTests.Answers(1, urgent: 3)));

        var seenByCaseManager = (await HttpAssert.Ok<JsonElement>(await _world.CaseManager.GetAsync($"/api/mentors/{mentorId}"))).GetProperty("hold");
        var adminLift = Detail(await HttpAssert.Problem(await MentoringWorld.LiftHoldAsync(_world.Admin, mentorId), 409));

        Assert.False(seenByCaseManager.GetProperty("reviewWaiting").GetBoolean());
        Assert.Equal(JsonValueKind.Null, seenByCaseManager.GetProperty("reason").ValueKind);
        Assert.DoesNotContain("wellbeing", adminLift, StringComparison.OrdinalIgnoreCase);
        Assert.True((await HttpAssert.Ok<JsonElement>(await _world.Supervisor.GetAsync($"/api/mentors/{mentorId}"))).GetProperty("hold").GetProperty("reviewWaiting").GetBoolean());
    }
}
