using System.Text.Json;

namespace SurvivorConnect.IntegrationTests;

/// <summary>
/// A mentor or youth saying no, on the page of what they said yes to, to a match not yet begun: the match moves as their
/// decline would, so neither goes on being asked about, or told "it starts soon" of, a match that can never start.
/// </summary>
public sealed class OwnNoToAMatchTests(OwnNoToAMatchTests.Api api) : IClassFixture<OwnNoToAMatchTests.Api>
{
    public sealed class Api : ApiFactory;

    private readonly MentoringWorld _world = new(api);

    /// <summary>The person's one yes to a match still open, as their page of what they said yes to lists it.</summary>
    private static async Task<string> OwnYesAsync(HttpClient person) =>
        (await HttpAssert.Ok<List<JsonElement>>(await person.GetAsync("/api/consents/mine")))
        .Single(c => c.GetProperty("scope").GetString() == "mentoring-match").GetProperty("id").GetString()!;

    /// <summary>A match a 15-year-old agreed to, waiting for a guardian's consent (call while minors need one).</summary>
    private async Task<(string YouthId, HttpClient Mentor, HttpClient Youth, MatchDto Match)> AgreedByAMinorAsync()
    {
        var (mentorId, mentor) = await _world.ReadyMentorAsync();
        var (youthId, youth) = await _world.YouthAsync(age: 15);
        var match = await _world.AcceptedAsync(youthId, mentorId, mentor);
        Assert.Equal("AwaitingConsent", (await MentoringWorld.Ok<MatchDto>(await youth.PostAsync($"/api/matches/{match.Id}/agree", null))).State);
        return (youthId, mentor, youth, match);
    }

    [Fact]
    public async Task A_mentor_taking_back_their_yes_while_the_youth_is_asked_declines_the_match_so_the_youth_is_not_asked()
    {
        var (mentorId, mentor) = await _world.ReadyMentorAsync();
        var (youthId, youth) = await _world.YouthAsync();
        var match = await _world.AcceptedAsync(youthId, mentorId, mentor);

        await HttpAssert.Ok<JsonElement>(await mentor.PostAsync($"/api/consents/{await OwnYesAsync(mentor)}/revoke", null));

        Assert.Equal("Declined", (await MentoringWorld.Ok<MatchDto>(await _world.CaseManager.GetAsync($"/api/matches/{match.Id}"))).State);
        await HttpAssert.Problem(await youth.PostAsync($"/api/matches/{match.Id}/agree", null), 409);
    }

    [Fact]
    public async Task A_youth_taking_back_their_yes_while_a_guardian_is_asked_declines_the_match_rather_than_being_told_it_starts_soon()
    {
        await _world.WhileMinorsNeedAGuardianAsync(async () =>
        {
            var (youthId, _, youth, match) = await AgreedByAMinorAsync();

            await HttpAssert.Ok<JsonElement>(await youth.PostAsync($"/api/consents/{await OwnYesAsync(youth)}/revoke", null));

            Assert.Equal("Declined", (await MentoringWorld.Ok<MatchDto>(await _world.CaseManager.GetAsync($"/api/matches/{match.Id}"))).State);
            await HttpAssert.Problem(await _world.CaseManager.PostJson("/api/consents", new { subjectId = youthId, grantor = "Guardian", scope = "mentoring-match", matchId = match.Id }), 409);
        });
    }

    [Fact]
    public async Task A_mentor_taking_back_their_yes_to_an_active_match_pauses_its_chat_but_leaves_the_match_to_the_case_manager()
    {
        var (match, mentor, _, _, _) = await _world.ActiveMatchAsync();

        await HttpAssert.Ok<JsonElement>(await mentor.PostAsync($"/api/consents/{await OwnYesAsync(mentor)}/revoke", null));

        Assert.Equal("Active", (await MentoringWorld.Ok<MatchDto>(await _world.CaseManager.GetAsync($"/api/matches/{match.Id}"))).State);
    }

    [Fact]
    public async Task A_yes_staff_withdraw_at_the_youths_word_leaves_the_match_to_the_case_manager_whose_page_may_predate_the_youths_own_yes()
    {
        var (mentorId, mentor) = await _world.ReadyMentorAsync();
        var (youthId, _) = await _world.YouthAsync();
        var match = await _world.AcceptedAsync(youthId, mentorId, mentor);
        var recorded = await HttpAssert.Ok<JsonElement>(await _world.CaseManager.PostJson("/api/consents", new { subjectId = youthId, grantor = "Youth", scope = "mentoring-match", matchId = match.Id }));

        await HttpAssert.Ok<JsonElement>(await _world.CaseManager.PostAsync($"/api/consents/{recorded.GetProperty("id").GetString()}/revoke", null));

        Assert.NotEqual("Declined", (await MentoringWorld.Ok<MatchDto>(await _world.CaseManager.GetAsync($"/api/matches/{match.Id}"))).State);
    }

    [Fact]
    public async Task A_mentor_taking_back_their_yes_after_the_youth_agreed_steps_back_and_the_youth_is_told()
    {
        await _world.WhileMinorsNeedAGuardianAsync(async () =>
        {
            var (_, mentor, youth, match) = await AgreedByAMinorAsync();

            await HttpAssert.Ok<JsonElement>(await mentor.PostAsync($"/api/consents/{await OwnYesAsync(mentor)}/revoke", null));

            Assert.Equal("Closed", (await MentoringWorld.Ok<MatchDto>(await _world.CaseManager.GetAsync($"/api/matches/{match.Id}"))).State);
            var told = await HttpAssert.Ok<PageDto<NotificationDto>>(await youth.GetAsync("/api/notifications?pageSize=100"));
            Assert.Contains(told.Items, n => n.MatchId == match.Id);
        });
    }
}
