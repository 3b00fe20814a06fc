using System.Text.Json;

namespace SurvivorConnect.IntegrationTests;

/// <summary>The consents that can be recorded are the ones the running features ask for, and no others.</summary>
[Collection(SharedApi.Name)]
public sealed class ConsentScopeTests(ApiFactory api)
{
    private readonly MentoringWorld _world = new(api);

    [Fact]
    public async Task A_scope_no_running_feature_declared_is_refused_with_the_ones_that_are()
    {
        var (mentorId, mentor) = await _world.PersonAsync("Mentor");

        var problem = await HttpAssert.Problem(await mentor.PostJson("/api/consents", new { subjectId = mentorId, grantor = "Mentor", scope = "payout-details" }), 400);

        Assert.Equal("One of: mentoring, mentoring-match, engagement-contact, mdt-sharing.", problem.GetProperty("errors").GetProperty("scope")[0].GetString());
    }

    [Fact]
    public async Task A_person_s_own_list_names_each_open_match_by_when_it_was_proposed_and_leaves_closed_ones_out()
    {
        var (match, mentor, youth, _, _) = await _world.ActiveMatchAsync();

        var mine = await HttpAssert.Ok<List<JsonElement>>(await youth.GetAsync("/api/consents/mine"));
        var toMatch = Assert.Single(mine, c => c.GetProperty("scope").GetString() == "mentoring-match");
        Assert.Equal(JsonValueKind.String, toMatch.GetProperty("matchProposedAt").ValueKind);
        Assert.Single(await HttpAssert.Ok<List<JsonElement>>(await mentor.GetAsync("/api/consents/mine")), c => c.GetProperty("scope").GetString() == "mentoring-match");

        await MentoringWorld.Ok(await _world.CaseManager.PostJson($"/api/matches/{match.Id}/close", new { reason = "GoalsMet", planned = true }));

        Assert.DoesNotContain(await HttpAssert.Ok<List<JsonElement>>(await youth.GetAsync("/api/consents/mine")), c => c.GetProperty("scope").GetString() == "mentoring-match");
        Assert.DoesNotContain(await HttpAssert.Ok<List<JsonElement>>(await mentor.GetAsync("/api/consents/mine")), c => c.GetProperty("scope").GetString() == "mentoring-match");
    }

    [Fact]
    public async Task One_consent_given_over_and_over_by_a_script_stops_at_the_records_kept_and_the_last_yes_stands()
    {
        var (mentorId, mentor) = await _world.PersonAsync("Mentor");
        var until = DateTimeOffset.UtcNow.AddYears(1);
        for (var i = 0; i < SurvivorConnect.Api.Features.Consent.ConsentHandlers.MaxLike; i++)
        {
            // A new end each time: not the same yes said again, which answers with the one standing.
            await MentoringWorld.Created(await mentor.PostJson("/api/consents", new { subjectId = mentorId, grantor = "Mentor", scope = "mentoring", expiresAt = until.AddMinutes(i) }));
        }

        var refused = await HttpAssert.Problem(await mentor.PostJson("/api/consents", new { subjectId = mentorId, grantor = "Mentor", scope = "mentoring", expiresAt = until.AddDays(1) }), 409);

        Assert.Contains("more often than it can be in a month", refused.GetProperty("detail").GetString(), StringComparison.Ordinal);
        var kept = await HttpAssert.Ok<List<MentoringTests.ConsentDto>>(await mentor.GetAsync($"/api/consents?subjectId={mentorId}"));
        Assert.Equal(SurvivorConnect.Api.Features.Consent.ConsentHandlers.MaxLike, kept.Count);
        Assert.All(kept, c => Assert.True(c.Current));
    }

    [Fact]
    public async Task A_scope_only_one_grantor_gives_and_a_scope_given_to_a_match_keep_their_rules()
    {
        var (youthId, youth) = await _world.YouthAsync();

        var notTheMentor = await HttpAssert.Problem(await _world.CaseManager.PostJson("/api/consents", new { subjectId = youthId, grantor = "Youth", scope = "mentoring" }), 400);
        var noMatch = await HttpAssert.Problem(await youth.PostJson("/api/consents", new { subjectId = youthId, grantor = "Youth", scope = "mentoring-match" }), 400);

        Assert.Equal("Only a mentor consents to mentoring.", notTheMentor.GetProperty("errors").GetProperty("grantor")[0].GetString());
        Assert.Equal("Consent to a match names the match.", noMatch.GetProperty("errors").GetProperty("matchId")[0].GetString());
    }

    [Fact]
    public async Task The_youths_yes_to_a_match_is_not_recorded_before_its_mentor_said_yes_so_the_youth_is_never_told_of_a_proposal()
    {
        var (mentorId, mentor) = await _world.ReadyMentorAsync();
        var (youthId, youth) = await _world.YouthAsync();
        var match = await _world.ProposeAsync(youthId, mentorId);
        var yes = new { subjectId = youthId, grantor = "Youth", scope = "mentoring-match", matchId = match.Id };

        var refused = await HttpAssert.Problem(await _world.CaseManager.PostJson("/api/consents", yes), 409);
        await MentoringWorld.Ok(await mentor.PostAsync($"/api/matches/{match.Id}/accept", null));
        await MentoringWorld.Created(await _world.CaseManager.PostJson("/api/consents", yes));
        var notices = (await MentoringWorld.Ok<PageDto<NotificationDto>>(await youth.GetAsync("/api/notifications?pageSize=100"))).Items;

        Assert.Contains("once it is put to them", refused.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Single(notices, n => n.MatchId == match.Id && n.Kind == "match-agreed-for-you");
    }

    [Fact]
    public async Task A_yes_staff_record_for_the_youth_again_after_correcting_one_recorded_by_mistake_is_told_to_the_youth_again()
    {
        var (mentorId, mentor) = await _world.ReadyMentorAsync();
        var (youthId, youth) = await _world.YouthAsync();
        var match = await _world.AcceptedAsync(youthId, mentorId, mentor);
        var yes = new { subjectId = youthId, grantor = "Youth", scope = "mentoring-match", matchId = match.Id };
        var first = await HttpAssert.Ok<JsonElement>(await _world.CaseManager.PostJson("/api/consents", yes));
        await MentoringWorld.Ok(await _world.CaseManager.PostAsync($"/api/consents/{first.GetProperty("id").GetString()}/correct", null));

        await MentoringWorld.Created(await _world.CaseManager.PostJson("/api/consents", yes));

        var notices = (await MentoringWorld.Ok<PageDto<NotificationDto>>(await youth.GetAsync("/api/notifications?pageSize=100"))).Items;
        Assert.Equal(2, notices.Count(n => n.MatchId == match.Id && n.Kind == "match-agreed-for-you"));
    }

    [Fact]
    public async Task A_consent_people_give_for_themselves_is_given_by_them_alone()
    {
        var (mentorId, mentor) = await _world.PersonAsync("Mentor");
        var (otherId, _) = await _world.PersonAsync("Mentor");

        var asMentor = await HttpAssert.Problem(await mentor.PostJson("/api/consents", new { subjectId = mentorId, grantor = "Mentor", scope = "engagement-contact" }), 400);
        await HttpAssert.Problem(await mentor.PostJson("/api/consents", new { subjectId = otherId, grantor = "Self", scope = "engagement-contact" }), 404);
        await HttpAssert.Problem(await _world.CaseManager.PostJson("/api/consents", new { subjectId = mentorId, grantor = "Self", scope = "engagement-contact" }), 404);
        var notSelfGiven = await HttpAssert.Problem(await mentor.PostJson("/api/consents", new { subjectId = mentorId, grantor = "Self", scope = "mentoring-match", matchId = "m" }), 400);
        var own = await mentor.PostJson("/api/consents", new { subjectId = mentorId, grantor = "Self", scope = "engagement-contact" });

        Assert.Equal("Only the person themselves gives this consent.", asMentor.GetProperty("errors").GetProperty("grantor")[0].GetString());
        Assert.Equal("This consent is not one people give for themselves.", notSelfGiven.GetProperty("errors").GetProperty("grantor")[0].GetString());
        Assert.Equal(System.Net.HttpStatusCode.Created, own.StatusCode);
    }
}
