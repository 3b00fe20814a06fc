using SurvivorConnect.Api.Infrastructure.Auth;

namespace SurvivorConnect.IntegrationTests;

/// <summary>
/// A youth whose case manager lost the role (or was deactivated) stays on their list until an admin hands them over.
/// Meanwhile, news of the youth's match that a case manager would act on reaches the admins, and not the person who no
/// longer coordinates the youth. A fixture of its own: the admins' notices are counted.
/// </summary>
public sealed class CaseManagerGoneTests(ApiFactory api) : IClassFixture<ApiFactory>
{
    private readonly MentoringWorld _world = new(api);

    private async Task<(MatchDto Match, HttpClient Mentor, HttpClient Former)> WithCaseManagerGoneAsync()
    {
        var (match, mentor, _, _, youthId) = await _world.ActiveMatchAsync();
        var (formerId, former) = await _world.PersonAsync(Roles.CaseManager);
        await _world.HandOverAsync(youthId, formerId);
        await _world.SetRolesAsync(formerId, Roles.Advisor);
        return (match, mentor, former);
    }

    private static async Task<List<NotificationDto>> AboutAsync(HttpClient reader, string matchId) =>
        [.. (await reader.NoticesAsync()).Where(n => n.MatchId == matchId)];

    [Fact]
    public async Task A_mentor_ending_the_match_of_a_youth_whose_case_manager_is_gone_has_the_admins_told_once_and_not_the_former_case_manager()
    {
        var (match, mentor, former) = await WithCaseManagerGoneAsync();

        await MentoringWorld.Ok(await MentoringWorld.StepAsync(mentor, match.Id, "step-back"));

        var told = Assert.Single(await AboutAsync(_world.Admin, match.Id));
        Assert.Equal("match-needs-case-manager", told.Kind);
        Assert.Empty(await AboutAsync(former, match.Id));
    }

    [Fact]
    public async Task A_mentor_withdrawing_consent_to_mentoring_has_the_admins_told_once_for_a_youth_whose_case_manager_is_gone()
    {
        var (match, mentor, former) = await WithCaseManagerGoneAsync();
        var consent = (await HttpAssert.Ok<List<System.Text.Json.JsonElement>>(await mentor.GetAsync("/api/consents/mine")))
            .Single(c => c.GetProperty("scope").GetString() == "mentoring");

        await MentoringWorld.Ok(await mentor.PostAsync($"/api/consents/{consent.GetProperty("id").GetString()}/revoke", null));

        Assert.Single(await AboutAsync(_world.Admin, match.Id), n => n.Kind == "match-needs-case-manager");
        Assert.Empty(await AboutAsync(former, match.Id));
    }

    [Fact]
    public async Task A_consent_policy_that_stops_the_chat_of_a_youth_whose_case_manager_is_gone_tells_the_admins_and_not_the_former_case_manager()
    {
        var (match, _, former) = await WithCaseManagerGoneAsync();

        await _world.WhileMinorsNeedAGuardianAsync(async () =>
        {
            Assert.Single(await AboutAsync(_world.Admin, match.Id), n => n.Kind == "match-needs-case-manager");
            Assert.Empty(await AboutAsync(former, match.Id));
        });
    }

    [Fact]
    public async Task A_youth_taking_back_their_yes_to_a_match_waiting_for_consent_is_one_notice_to_the_admins_not_one_for_the_no_and_one_for_the_decline()
    {
        await _world.WhileMinorsNeedAGuardianAsync(async () =>
        {
            var (mentorId, mentor) = await _world.ReadyMentorAsync();
            var (youthId, youth) = await _world.YouthAsync();
            var match = await _world.AcceptedAsync(youthId, mentorId, mentor);
            await MentoringWorld.Ok(await youth.PostAsync($"/api/matches/{match.Id}/agree", null));
            var (formerId, _) = await _world.PersonAsync(Roles.CaseManager);
            await _world.HandOverAsync(youthId, formerId);
            await _world.SetRolesAsync(formerId, Roles.Advisor);
            var yes = (await HttpAssert.Ok<List<System.Text.Json.JsonElement>>(await youth.GetAsync("/api/consents/mine")))
                .Single(c => c.GetProperty("scope").GetString() == "mentoring-match");

            await MentoringWorld.Ok(await youth.PostAsync($"/api/consents/{yes.GetProperty("id").GetString()}/revoke", null));

            Assert.Equal("Declined", (await HttpAssert.Ok<MatchDto>(await _world.Admin.GetAsync($"/api/matches/{match.Id}"))).State);
            Assert.Single(await AboutAsync(_world.Admin, match.Id), n => n.Kind == "match-needs-case-manager");
        });
    }
}
