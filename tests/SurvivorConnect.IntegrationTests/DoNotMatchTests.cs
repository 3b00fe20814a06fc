using System.Net.Http.Json;
using System.Text.Json;
using SurvivorConnect.Api.Infrastructure.Auth;

namespace SurvivorConnect.IntegrationTests;

/// <summary>A case manager keeps a mentor away from a youth by name: found, listed, never recommended, and taken off again.</summary>
public sealed class DoNotMatchTests(DoNotMatchTests.Factory api) : IClassFixture<DoNotMatchTests.Factory>
{
    public sealed class Factory : ApiFactory;

    private readonly MentoringWorld _world = new(api);

    private async Task<JsonElement> ListAsync(string youthId, string? find = null) =>
        await HttpAssert.Ok<JsonElement>(await _world.CaseManager.GetAsync($"/api/youth/{youthId}/do-not-match{(find is null ? "" : "?find=" + Uri.EscapeDataString(find))}"));

    private static string[] Names(JsonElement view, string list) => [.. view.GetProperty(list).EnumerateArray().Select(m => m.GetProperty("displayName").GetString()!)];

    private static string[] Ids(JsonElement view, string list) => [.. view.GetProperty(list).EnumerateArray().Select(m => m.GetProperty("mentorId").GetString()!)];

    private async Task<JsonElement> SetListAsync(string youthId, string version, params string[] mentorIds) =>
        await HttpAssert.Ok<JsonElement>(await _world.CaseManager.PutJson($"/api/youth/{youthId}", new
        {
            displayName = "Youth kept safe", age = 16, doNotMatch = mentorIds,
        }, version));

    [Fact]
    public async Task A_mentor_found_by_part_of_their_name_and_listed_is_never_recommended_until_taken_off()
    {
        var (mentorId, mentor) = await _world.ReadyMentorAsync();
        var (youthId, _) = await _world.YouthAsync();
        // Typed without the accent the mentor's own name has.
        await MentoringWorld.Ok(await mentor.PutAsJsonAsync("/api/mentors/me", new { displayName = $"José {mentorId[^6..]}", languages = new[] { "English", "Spanish" }, capacity = 2 }));
        Assert.Contains(mentorId, await RecommendedAsync(youthId));

        var found = await ListAsync(youthId, $"jose {mentorId[^6..]}");
        Assert.Equal([mentorId], Ids(found, "found"));
        Assert.Empty(found.GetProperty("listed").EnumerateArray());

        var saved = await SetListAsync(youthId, found.GetProperty("version").GetString()!, mentorId);
        Assert.Equal([mentorId], saved.GetProperty("doNotMatch").EnumerateArray().Select(e => e.GetString()));
        var listed = await ListAsync(youthId, mentorId[^6..]);
        Assert.Equal([$"José {mentorId[^6..]}"], Names(listed, "listed"));
        Assert.Empty(listed.GetProperty("found").EnumerateArray());
        Assert.DoesNotContain(mentorId, await RecommendedAsync(youthId));
        var recommendations = await HttpAssert.Ok<JsonElement>(await _world.CaseManager.GetAsync($"/api/youth/{youthId}/recommendations?top=50"));
        Assert.Equal(1, recommendations.GetProperty("excludedBy").GetProperty("on the youth's do-not-match list").GetInt32());

        await SetListAsync(youthId, listed.GetProperty("version").GetString()!);
        Assert.Contains(mentorId, await RecommendedAsync(youthId));
    }

    [Fact]
    public async Task Someone_listed_who_no_longer_mentors_stays_listed_by_name_and_never_blocks_another_change()
    {
        var (formerId, _) = await _world.PersonAsync(Roles.Mentor);
        var (youthId, _) = await _world.YouthAsync();
        var view = await ListAsync(youthId);
        view = await SetListAsync(youthId, view.GetProperty("version").GetString()!, formerId);
        await _world.SetRolesAsync(formerId, Roles.CaseManager);

        var renamed = await HttpAssert.Ok<JsonElement>(await _world.CaseManager.PutJson($"/api/youth/{youthId}", new
        {
            displayName = "Renamed youth", age = 17, doNotMatch = new[] { formerId },
        }, (await ListAsync(youthId)).GetProperty("version").GetString()));

        Assert.Equal(17, renamed.GetProperty("age").GetInt32());
        Assert.Equal([$"Mentor {formerId[^6..]}"], Names(await ListAsync(youthId), "listed"));

        // A newly named id is still held to being a mentor here.
        var (caseManagerId, _) = await _world.PersonAsync(Roles.CaseManager);
        await HttpAssert.Problem(await _world.CaseManager.PutJson($"/api/youth/{youthId}", new
        {
            displayName = "Renamed youth", age = 17, doNotMatch = new[] { formerId, caseManagerId },
        }, (await ListAsync(youthId)).GetProperty("version").GetString()), 400);
    }

    [Fact]
    public async Task Someone_put_on_the_do_not_match_list_stops_being_the_youths_case_manager_and_cannot_be_made_one_again()
    {
        // Staff who coordinate youth and mentor too: the youth says this one is linked to the person who harmed them.
        var (staffId, staff) = await _world.PersonAsync(Roles.CaseManager);
        await _world.SetRolesAsync(staffId, Roles.CaseManager, Roles.Mentor);
        var (youthId, _) = await _world.YouthAsync();
        await HttpAssert.Ok<JsonElement>(await _world.CaseManager.PutJson($"/api/youth/{youthId}/case-managers",
            new { caseManagerIds = new[] { "demo-casemanager", staffId } }, (await ListAsync(youthId)).GetProperty("version").GetString()));
        await HttpAssert.Ok<JsonElement>(await staff.GetAsync($"/api/youth/{youthId}"));

        var saved = await SetListAsync(youthId, (await ListAsync(youthId)).GetProperty("version").GetString()!, staffId);

        Assert.Equal(["demo-casemanager"], saved.GetProperty("caseManagerIds").EnumerateArray().Select(e => e.GetString()));
        await HttpAssert.Problem(await staff.GetAsync($"/api/youth/{youthId}"), 404);
        Assert.DoesNotContain((await HttpAssert.Ok<PageDto<JsonElement>>(await staff.GetAsync("/api/youth"))).Items, y => y.GetProperty("id").GetString() == youthId);
        var refused = await HttpAssert.Problem(await _world.CaseManager.PutJson($"/api/youth/{youthId}/case-managers",
            new { caseManagerIds = new[] { "demo-casemanager", staffId } }, (await ListAsync(youthId)).GetProperty("version").GetString()), 400);
        Assert.Contains("do-not-match", refused.GetProperty("errors").GetProperty("caseManagerIds")[0].GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_youths_only_case_manager_is_not_put_on_their_do_not_match_list_and_nobody_refers_a_youth_they_are_kept_from()
    {
        var (staffId, staff) = await _world.PersonAsync(Roles.CaseManager);
        await _world.SetRolesAsync(staffId, Roles.CaseManager, Roles.Mentor);
        var (youthId, _) = await _world.YouthAsync();
        await HttpAssert.Ok<JsonElement>(await _world.CaseManager.PutJson($"/api/youth/{youthId}/case-managers",
            new { caseManagerIds = new[] { staffId } }, (await ListAsync(youthId)).GetProperty("version").GetString()));
        var version = (await staff.GetAsync($"/api/youth/{youthId}")).Headers.ETag!.Tag;

        await HttpAssert.Problem(await staff.PutJson($"/api/youth/{youthId}", new { displayName = "Youth kept safe", age = 16, doNotMatch = new[] { staffId } }, version), 409);
        await HttpAssert.Problem(await staff.PostJson("/api/youth", new { displayName = "Another youth", age = 16, doNotMatch = new[] { staffId } }), 400);
    }

    [Fact]
    public async Task A_search_finds_at_most_ten_and_a_hostile_one_is_refused_not_run()
    {
        var (youthId, _) = await _world.YouthAsync();
        for (var i = 0; i < 11; i++)
        {
            await _world.MentorAsync();
        }

        Assert.Equal(10, (await ListAsync(youthId, "mentor")).GetProperty("found").GetArrayLength());
        Assert.Empty((await ListAsync(youthId, "\u0301")).GetProperty("found").EnumerateArray());
        await HttpAssert.Problem(await _world.CaseManager.GetAsync($"/api/youth/{youthId}/do-not-match?find={new string('a', 61)}"), 400);

        // Only the youth's own case managers look, however the youth is named.
        var (_, stranger) = await _world.PersonAsync(Roles.CaseManager);
        await HttpAssert.Problem(await stranger.GetAsync($"/api/youth/{youthId}/do-not-match?find=mentor"), 404);
    }

    private async Task<string[]> RecommendedAsync(string youthId)
    {
        var view = await HttpAssert.Ok<JsonElement>(await _world.CaseManager.GetAsync($"/api/youth/{youthId}/recommendations?top=50"));
        return [.. view.GetProperty("mentors").EnumerateArray().Select(m => m.GetProperty("mentorId").GetString()!)];
    }
}
