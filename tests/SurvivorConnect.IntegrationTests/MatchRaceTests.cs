using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using SurvivorConnect.Api.Features.Mentoring;
using SurvivorConnect.Api.Infrastructure.Auth;

namespace SurvivorConnect.IntegrationTests;

/// <summary>
/// A hold (or a change to the youth's do-not-match list, a consent or the mentor's supervisor) stops a match step that
/// was already under way when it was made, and a mentor's capacity holds when two case managers propose at the same
/// moment: each step is written against the mentor and the youth as its check read them.
/// </summary>
public sealed class MatchRaceTests(CountingApiFactory api) : IClassFixture<CountingApiFactory>
{
    private readonly MentoringWorld _world = new(api);

    [Fact]
    public async Task A_hold_placed_while_the_youth_agrees_stops_the_match_going_live()
    {
        var (mentorId, mentor) = await _world.ReadyMentorAsync();
        var (youthId, youth) = await _world.YouthAsync();
        var match = await _world.AcceptedAsync(youthId, mentorId, mentor);

        var between = await api.InBetweenAsync(match.Id, () => MentoringWorld.HoldAsync(_world.Supervisor, mentorId, "needs a rest"), () => youth.PostAsync($"/api/matches/{match.Id}/agree", null));

        await MentoringWorld.Ok(between.Later);
        var problem = await HttpAssert.Problem(between.Earlier, 409);
        Assert.DoesNotContain("rest", problem.GetRawText(), StringComparison.OrdinalIgnoreCase);
        var after = await MentoringWorld.Ok<MatchDto>(await _world.CaseManager.GetAsync($"/api/matches/{match.Id}"));
        Assert.NotEqual("Active", after.State);
        await HttpAssert.Problem(await youth.PostAsync($"/api/matches/{match.Id}/agree", null), 409);
    }

    [Fact]
    public async Task Two_mentors_made_each_others_supervisors_at_the_same_moment_are_not_both_left_so()
    {
        var (first, _) = await _world.MentorAsync();
        var (second, _) = await _world.MentorAsync();
        foreach (var id in new[] { first, second })
        {
            await _world.SetRolesAsync(id, Roles.Mentor, Roles.Supervisor);
        }

        // The other admin's assignment lands after this one's check read the chain, before this one is saved.
        HttpResponseMessage? other = null;
        api.Counter.BeforeReplace = async (_, document) =>
        {
            if (document is MentorProfile { SupervisorId: { } supervisor } profile && profile.Id == first && supervisor == second && other is null)
            {
                other = await api.As("demo-admin").PutAsJsonAsync($"/api/mentors/{second}/supervisor", new { supervisorId = first });
            }
        };
        HttpResponseMessage mine;
        try
        {
            mine = await _world.Admin.PutAsJsonAsync($"/api/mentors/{first}/supervisor", new { supervisorId = second });
        }
        finally
        {
            api.Counter.BeforeReplace = null;
        }

        await MentoringWorld.Ok(other!);
        var refused = await HttpAssert.Problem(mine, 400);
        Assert.True(refused.GetProperty("errors").TryGetProperty("supervisorId", out _));
        var firstNow = await MentoringWorld.Ok<JsonElement>(await _world.Admin.GetAsync($"/api/mentors/{first}"));
        var secondNow = await MentoringWorld.Ok<JsonElement>(await _world.Admin.GetAsync($"/api/mentors/{second}"));
        Assert.NotEqual(second, firstNow.GetProperty("supervisorId").GetString());
        Assert.Equal(first, secondNow.GetProperty("supervisorId").GetString());
    }

    [Fact]
    public async Task A_youth_found_to_be_a_minor_while_they_agree_waits_for_their_guardians_consent_before_the_match_goes_live()
    {
        await _world.WhileMinorsNeedAGuardianAsync(async () =>
        {
            var (mentorId, mentor) = await _world.ReadyMentorAsync();
            var (youthId, youth) = await _world.YouthAsync(age: 18);
            var match = await _world.AcceptedAsync(youthId, mentorId, mentor);

            // The step has read the youth as an adult; their age is put right before it reads their fence.
            HttpResponseMessage? corrected = null;
            var agreed = await MentoringWorld.Ok<MatchDto>(await api.ReadAfterAsync(MatchFence.ForYouth(youthId), async () =>
            {
                var current = await _world.CaseManager.GetAsync($"/api/youth/{youthId}");
                var record = await MentoringWorld.Ok<JsonElement>(current);
                corrected = await _world.CaseManager.PutJson($"/api/youth/{youthId}", new { displayName = record.GetProperty("displayName").GetString(), age = 16 }, current.Headers.ETag!.Tag);
            }, () => youth.PostAsync($"/api/matches/{match.Id}/agree", null)));

            await MentoringWorld.Ok(corrected!);
            Assert.NotEqual("Active", agreed.State);
            Assert.NotEqual("Active", (await MentoringWorld.Ok<MatchDto>(await _world.CaseManager.GetAsync($"/api/matches/{match.Id}"))).State);
        });
    }

    [Fact]
    public async Task A_youth_handed_to_another_case_manager_while_a_match_is_proposed_for_them_is_not_proposed_for_by_who_had_them()
    {
        var (mentorId, _) = await _world.ReadyMentorAsync();
        var (youthId, _) = await _world.YouthAsync();
        var (otherId, _) = await _world.PersonAsync(SurvivorConnect.Api.Infrastructure.Auth.Roles.CaseManager);
        await HttpAssert.Problem(await api.ReadAfterAsync(MatchFence.ForYouth(youthId), () => _world.HandOverAsync(youthId, otherId),
            () => _world.CaseManager.PostJson("/api/matches", new { youthId, mentorId })), 404);

        Assert.Empty((await HttpAssert.Ok<PageDto<MatchDto>>(await api.As(otherId).GetAsync($"/api/matches?youthId={youthId}"))).Items);
    }

    [Fact]
    public async Task A_youth_handed_to_another_case_manager_while_their_paused_match_is_resumed_is_not_resumed_by_who_had_them()
    {
        var (match, _, _, _, youthId) = await _world.ActiveMatchAsync();
        await MentoringWorld.Ok(await MentoringWorld.StepAsync(_world.CaseManager, match.Id, "pause"));
        var (otherId, _) = await _world.PersonAsync(SurvivorConnect.Api.Infrastructure.Auth.Roles.CaseManager);
        var version = (await MentoringWorld.Ok<MatchDto>(await _world.CaseManager.GetAsync($"/api/matches/{match.Id}"))).Version;
        using var resume = new HttpRequestMessage(HttpMethod.Post, $"/api/matches/{match.Id}/resume");
        resume.Headers.TryAddWithoutValidation("If-Match", version);
        await HttpAssert.Problem(await api.ReadAfterAsync(MatchFence.ForYouth(youthId), () => _world.HandOverAsync(youthId, otherId), () => _world.CaseManager.SendAsync(resume)), 404);

        Assert.Equal("Paused", (await MentoringWorld.Ok<MatchDto>(await api.As(otherId).GetAsync($"/api/matches/{match.Id}"))).State);
    }

    [Fact]
    public async Task The_youths_only_case_manager_deactivated_while_the_youth_agrees_stops_the_match_going_live_with_nobody_to_oversee_it()
    {
        var (mentorId, mentor) = await _world.ReadyMentorAsync();
        var (youthId, youth) = await _world.YouthAsync();
        var match = await _world.AcceptedAsync(youthId, mentorId, mentor);
        var (caseManagerId, _) = await _world.PersonAsync(SurvivorConnect.Api.Infrastructure.Auth.Roles.CaseManager);
        var version = (await _world.CaseManager.GetAsync($"/api/youth/{youthId}")).Headers.ETag!.Tag;
        await MentoringWorld.Ok(await _world.CaseManager.PutJson($"/api/youth/{youthId}/case-managers", new { caseManagerIds = new[] { caseManagerId } }, version));

        var between = await api.InBetweenAsync(match.Id, () => _world.Admin.PostAsync($"/api/people/{caseManagerId}/deactivate", null), () => youth.PostAsync($"/api/matches/{match.Id}/agree", null));

        await MentoringWorld.Ok(between.Later);
        await HttpAssert.Problem(between.Earlier, 409);
        Assert.NotEqual("Active", (await MentoringWorld.Ok<MatchDto>(await _world.Admin.GetAsync($"/api/matches/{match.Id}"))).State);
    }

    [Fact]
    public async Task A_hold_placed_while_a_match_is_proposed_stops_the_proposal()
    {
        var (mentorId, _) = await _world.ReadyMentorAsync();
        var (youthId, _) = await _world.YouthAsync();

        var between = await api.InBetweenAsync(MatchFence.ForMentor(mentorId), () => MentoringWorld.HoldAsync(_world.Supervisor, mentorId, null), () => _world.CaseManager.PostJson("/api/matches", new { youthId, mentorId }));

        await MentoringWorld.Ok(between.Later);
        await HttpAssert.Problem(between.Earlier, 409);
        Assert.Equal(0, await OpenMatchesAsync(mentorId));
    }

    [Fact]
    public async Task Two_proposals_at_once_for_a_mentor_with_room_for_one_make_one_match()
    {
        var (mentorId, _) = await _world.ReadyMentorAsync(capacity: 1);
        var (first, _) = await _world.YouthAsync();
        var (second, _) = await _world.YouthAsync();

        var between = await api.InBetweenAsync(MatchFence.ForMentor(mentorId), () => _world.CaseManager.PostJson("/api/matches", new { youthId = second, mentorId }), () => _world.CaseManager.PostJson("/api/matches", new { youthId = first, mentorId }));

        Assert.Equal(HttpStatusCode.Created, between.Later.StatusCode);
        await HttpAssert.Problem(between.Earlier, 409);
        Assert.Equal(1, await OpenMatchesAsync(mentorId));
    }

    [Fact]
    public async Task A_mentor_who_withdraws_consent_to_mentoring_while_accepting_is_not_matched()
    {
        var (mentorId, mentor) = await _world.ReadyMentorAsync();
        var (youthId, _) = await _world.YouthAsync();
        var match = await _world.ProposeAsync(youthId, mentorId);
        var consents = await HttpAssert.Ok<List<MentoringTests.ConsentDto>>(await mentor.GetAsync($"/api/consents?subjectId={mentorId}"));
        var mentoring = consents.Single(c => c.MatchId is null);

        var between = await api.InBetweenAsync(match.Id, () => mentor.PostAsync($"/api/consents/{mentoring.Id}/revoke", null), () => mentor.PostAsync($"/api/matches/{match.Id}/accept", null));

        await MentoringWorld.Ok(between.Later);
        await HttpAssert.Problem(between.Earlier, 412);
        Assert.Equal("Declined", (await MentoringWorld.Ok<MatchDto>(await _world.CaseManager.GetAsync($"/api/matches/{match.Id}"))).State);
    }

    [Fact]
    public async Task A_supervisor_deactivated_while_a_mentor_of_theirs_accepts_stops_the_acceptance()
    {
        var (supervisorId, _) = await _world.PersonAsync("Supervisor");
        var (mentorId, mentor) = await _world.ReadyMentorAsync();
        await MentoringWorld.Ok(await _world.Admin.PutAsJsonAsync($"/api/mentors/{mentorId}/supervisor", new { supervisorId }));
        var (youthId, _) = await _world.YouthAsync();
        var match = await _world.ProposeAsync(youthId, mentorId);

        var between = await api.InBetweenAsync(match.Id, () => _world.Admin.PostAsync($"/api/people/{supervisorId}/deactivate", null), () => mentor.PostAsync($"/api/matches/{match.Id}/accept", null));

        await MentoringWorld.Ok(between.Later);
        await HttpAssert.Problem(between.Earlier, 409);
        Assert.Equal("Proposed", (await MentoringWorld.Ok<MatchDto>(await _world.CaseManager.GetAsync($"/api/matches/{match.Id}"))).State);
    }

    [Fact]
    public async Task A_mentor_added_to_the_youth_s_do_not_match_list_while_the_youth_agrees_is_not_matched_with_them()
    {
        var (mentorId, mentor) = await _world.ReadyMentorAsync();
        var (youthId, youth) = await _world.YouthAsync();
        var match = await _world.AcceptedAsync(youthId, mentorId, mentor);

        var between = await api.InBetweenAsync(match.Id, () => DoNotMatchAsync(youthId, mentorId), () => youth.PostAsync($"/api/matches/{match.Id}/agree", null));

        await MentoringWorld.Ok(between.Later);
        await HttpAssert.Problem(between.Earlier, 409);
        Assert.NotEqual("Active", (await MentoringWorld.Ok<MatchDto>(await _world.CaseManager.GetAsync($"/api/matches/{match.Id}"))).State);
    }

    [Fact]
    public async Task A_deactivated_mentor_cannot_be_proposed_and_a_match_they_accepted_cannot_start()
    {
        var (mentorId, mentor) = await _world.ReadyMentorAsync();
        var (youthId, youth) = await _world.YouthAsync();
        var (otherYouthId, _) = await _world.YouthAsync();
        var match = await _world.AcceptedAsync(youthId, mentorId, mentor);

        await MentoringWorld.Ok(await _world.Admin.PostAsync($"/api/people/{mentorId}/deactivate", null));

        var proposal = await HttpAssert.Problem(await _world.CaseManager.PostJson("/api/matches", new { youthId = otherYouthId, mentorId }), 409);
        Assert.Contains("not an active mentor", proposal.GetProperty("detail").GetString(), StringComparison.Ordinal);
        await HttpAssert.Problem(await youth.PostAsync($"/api/matches/{match.Id}/agree", null), 409);
    }

    private async Task<HttpResponseMessage> DoNotMatchAsync(string youthId, string mentorId)
    {
        var current = await _world.CaseManager.GetAsync($"/api/youth/{youthId}");
        var youth = await current.Content.ReadFromJsonAsync<JsonElement>();
        using var change = new HttpRequestMessage(HttpMethod.Put, $"/api/youth/{youthId}")
        {
            Content = JsonContent.Create(new
            {
                displayName = youth.GetProperty("displayName").GetString(),
                age = youth.GetProperty("age").GetInt32(),
                doNotMatch = new[] { mentorId },
                personId = youth.GetProperty("personId").GetString(),
            }),
        };
        change.Headers.TryAddWithoutValidation("If-Match", current.Headers.ETag!.Tag);
        return await _world.CaseManager.SendAsync(change);
    }

    private async Task<int> OpenMatchesAsync(string mentorId) =>
        (await HttpAssert.Ok<JsonElement>(await _world.Supervisor.GetAsync($"/api/mentors/{mentorId}/load"))).GetProperty("openMatches").GetInt32();
}
