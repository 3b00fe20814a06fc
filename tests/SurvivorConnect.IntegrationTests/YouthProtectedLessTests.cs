using System.Text.Json;
using SurvivorConnect.Api.Features.Mentoring;
using SurvivorConnect.Api.Infrastructure.Auth;

namespace SurvivorConnect.IntegrationTests;

/// <summary>
/// One case manager does not make a youth's record protect them less unseen, as one admin does not loosen the agency's
/// policy unseen: recording a minor as an adult (so a guardian's consent is no longer asked), or taking someone off the
/// youth's do-not-match list, is told to the youth's other case managers and the admins, never to whoever was taken off.
/// </summary>
public sealed class YouthProtectedLessTests(YouthProtectedLessTests.Factory api) : IClassFixture<YouthProtectedLessTests.Factory>
{
    public sealed class Factory : CountingApiFactory;

    private const string Kind = "youth-protected-less";

    private readonly MentoringWorld _world = new(api);

    [Fact]
    public async Task A_minor_recorded_as_an_adult_so_a_guardian_is_no_longer_asked_is_told_to_the_other_case_manager_and_the_admin()
    {
        await HttpAssert.Ok<JsonElement>(await _world.Admin.PutAgencySetting("/api/agency/match-consent-policy", new { adultAge = 18, minorMatchNeeds = new[] { "Guardian" } }));
        var (colleagueId, colleague) = await _world.PersonAsync(Roles.CaseManager);
        var (youthId, _) = await _world.YouthAsync(age: 16);
        await HttpAssert.Ok<JsonElement>(await _world.CaseManager.PutJson($"/api/youth/{youthId}/case-managers",
            new { caseManagerIds = new[] { "demo-casemanager", colleagueId } }, await VersionAsync(youthId)));
        var adminBefore = await ToldAsync(_world.Admin);

        await SaveAsync(youthId, age: 17);
        Assert.Equal(0, await ToldAsync(colleague));
        await SaveAsync(youthId, age: 18);
        await SaveAsync(youthId, age: 19);

        Assert.Equal(1, await ToldAsync(colleague));
        Assert.Equal(adminBefore + 1, await ToldAsync(_world.Admin));
        Assert.Equal(0, await ToldAsync(_world.CaseManager));
        await HttpAssert.Ok<JsonElement>(await _world.Admin.PutAgencySetting("/api/agency/match-consent-policy", new { adultAge = 18, minorMatchNeeds = Array.Empty<string>() }));
    }

    [Fact]
    public async Task A_loosening_whose_telling_failed_after_it_was_saved_is_told_when_the_record_is_saved_again()
    {
        await MentoringWorld.SetConsentPolicyAsync(_world.Admin, new { adultAge = 18, minorMatchNeeds = new[] { "Guardian" } });
        var (colleagueId, colleague) = await _world.PersonAsync(Roles.CaseManager);
        var (youthId, _) = await _world.YouthAsync(age: 17);
        await HttpAssert.Ok<JsonElement>(await _world.CaseManager.PutJson($"/api/youth/{youthId}/case-managers",
            new { caseManagerIds = new[] { "demo-casemanager", colleagueId } }, await VersionAsync(youthId)));
        var adminBefore = await ToldAsync(_world.Admin);

        var failed = await api.FailingWriteOnceAsync(d => d is SurvivorConnect.Api.Features.Notifications.Notification,
            async () => await _world.CaseManager.PutJson($"/api/youth/{youthId}", new { displayName = "Youth protected", age = 18, doNotMatch = Array.Empty<string>() }, await VersionAsync(youthId)));
        Assert.False(failed.IsSuccessStatusCode);
        Assert.Equal(18, (await HttpAssert.Ok<JsonElement>(await _world.CaseManager.GetAsync($"/api/youth/{youthId}"))).GetProperty("age").GetInt32());

        await SaveAsync(youthId, age: 18);
        await SaveAsync(youthId, age: 18);

        Assert.Equal((1, adminBefore + 1), (await ToldAsync(colleague), await ToldAsync(_world.Admin)));
        await MentoringWorld.SetConsentPolicyAsync(_world.Admin, new { adultAge = 18, minorMatchNeeds = Array.Empty<string>() });
    }

    [Fact]
    public async Task A_loosening_saved_while_a_match_fence_could_not_be_written_is_still_told_and_answered_as_saved_not_yet_finished()
    {
        var (staffId, _) = await _world.PersonAsync(Roles.Mentor);
        var (youthId, _) = await _world.YouthAsync(doNotMatch: [staffId]);
        var adminBefore = await ToldAsync(_world.Admin);

        var failed = await api.FailingWriteOnceAsync(d => d is MatchFence,
            async () => await _world.CaseManager.PutJson($"/api/youth/{youthId}", new { displayName = "Youth protected", age = 16, doNotMatch = Array.Empty<string>() }, await VersionAsync(youthId)),
            FailedWrite.Upsert);

        Assert.Equal("Saved, not yet finished.", (await HttpAssert.Problem(failed, 503)).GetProperty("title").GetString());
        Assert.Equal(adminBefore + 1, await ToldAsync(_world.Admin));
    }

    [Fact]
    public async Task Someone_taken_off_a_youth_s_do_not_match_list_is_told_to_the_admins_but_not_to_them()
    {
        // Staff who mentor and administer too: the youth named them, and a case manager later takes them off the list.
        var (staffId, staff) = await _world.PersonAsync(Roles.Mentor);
        await _world.SetRolesAsync(staffId, Roles.Mentor, Roles.AgencyAdmin);
        var (youthId, _) = await _world.YouthAsync(doNotMatch: [staffId]);
        var adminBefore = await ToldAsync(_world.Admin);

        await SaveAsync(youthId, age: 16, doNotMatch: [staffId]);
        Assert.Equal(adminBefore, await ToldAsync(_world.Admin));
        await SaveAsync(youthId, age: 16, doNotMatch: []);

        Assert.Equal(adminBefore + 1, await ToldAsync(_world.Admin));
        Assert.Equal(0, await ToldAsync(staff));
    }

    [Fact]
    public async Task A_stricter_consent_policy_tells_the_case_manager_of_each_active_match_it_stops_and_of_no_other()
    {
        var minor = (await _world.ActiveMatchAsync()).Match;
        var (adult, adultsMentor, _, adultsMentorId, adultYouthId) = await _world.ActiveMatchAsync();
        await SaveAsync(adultYouthId, age: 19);

        // A match stopped already, by its mentor's own no (told to the case manager then), is not the policy's doing.
        var consents = await HttpAssert.Ok<List<MentoringTests.ConsentDto>>(await adultsMentor.GetAsync($"/api/consents?subjectId={adultsMentorId}"));
        await HttpAssert.Ok<JsonElement>(await adultsMentor.PostAsync($"/api/consents/{consents.Single(c => c.MatchId == adult.Id).Id}/revoke", null));

        await MentoringWorld.SetConsentPolicyAsync(_world.Admin, new { adultAge = 18, minorMatchNeeds = new[] { "Guardian" } });
        Assert.Equal((1, 0), (await StoppedAsync(minor.Id), await StoppedAsync(adult.Id)));

        // Loosened, nothing is stopped; made stricter again, it is told again.
        await MentoringWorld.SetConsentPolicyAsync(_world.Admin, new { adultAge = 18, minorMatchNeeds = Array.Empty<string>() });
        Assert.Equal((1, 0), (await StoppedAsync(minor.Id), await StoppedAsync(adult.Id)));
        await MentoringWorld.SetConsentPolicyAsync(_world.Admin, new { adultAge = 18, minorMatchNeeds = new[] { "Guardian" } });
        await MentoringWorld.SetConsentPolicyAsync(_world.Admin, new { adultAge = 18, minorMatchNeeds = Array.Empty<string>() });
        Assert.Equal((2, 0), (await StoppedAsync(minor.Id), await StoppedAsync(adult.Id)));
    }

    private async Task<int> StoppedAsync(string matchId) =>
        (await _world.CaseManager.NoticesAsync()).Count(n => n.Kind == "consent-policy-stopped-chat" && n.MatchId == matchId);

    private async Task SaveAsync(string youthId, int age, string[]? doNotMatch = null) =>
        await HttpAssert.Ok<JsonElement>(await _world.CaseManager.PutJson($"/api/youth/{youthId}", new
        {
            displayName = "Youth protected", age, doNotMatch = doNotMatch ?? [],
        }, await VersionAsync(youthId)));

    private async Task<string> VersionAsync(string youthId) => (await _world.CaseManager.GetAsync($"/api/youth/{youthId}")).Headers.ETag!.Tag;

    private static async Task<int> ToldAsync(HttpClient reader) => (await reader.NoticesAsync()).Count(n => n.Kind == Kind);
}
