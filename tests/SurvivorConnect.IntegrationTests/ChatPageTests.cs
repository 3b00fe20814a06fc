using SurvivorConnect.Api.Infrastructure.Auth;
using static SurvivorConnect.IntegrationTests.PortalSession;

namespace SurvivorConnect.IntegrationTests;

/// <summary>The portal's chat page follows the caller's side in each match, not their roles.</summary>
[Collection(SharedApi.Name)]
public sealed class ChatPageTests(ApiFactory api)
{
    private readonly MentoringWorld _world = new(api);

    [Fact]
    public async Task A_case_manager_who_also_mentors_writes_in_their_own_mentoring_chat()
    {
        var (match, _, _, mentorId, _) = await _world.ActiveMatchAsync();
        await _world.SetRolesAsync(mentorId, Roles.Mentor, Roles.CaseManager);
        var page = await SignedInAsync(api, mentorId);

        var chat = await page.GetStringAsync("/chat");

        Assert.Contains($"data-conversation=\"{match.Id}\"", chat, StringComparison.Ordinal);
        Assert.Contains("data-send", chat, StringComparison.Ordinal);
        Assert.DoesNotContain("You are reading along", chat, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_agency_admin_is_offered_no_chat_they_could_not_open()
    {
        var (match, _, _, _, _) = await _world.ActiveMatchAsync();
        var page = await SignedInAsync(api, "demo-admin");

        var chats = await page.GetStringAsync("/chat");
        var opened = await PostFormAsync(page, "/chat", "open-chat", ("Id", match.Id));

        Assert.Contains("Chats are read by the mentor, the young person and the young person's case managers only.", System.Net.WebUtility.HtmlDecode(chats), StringComparison.Ordinal);
        foreach (var html in new[] { chats, opened })
        {
            Assert.DoesNotContain("Read this chat", html, StringComparison.Ordinal);
            Assert.DoesNotContain("data-conversation", html, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task A_case_manager_reads_along_in_a_chat_on_their_caseload()
    {
        var (match, _, _, _, _) = await _world.ActiveMatchAsync();
        var page = await SignedInAsync(api, "demo-casemanager");

        var opened = await PostFormAsync(page, "/chat", "open-chat", ("Id", match.Id));

        Assert.Contains($"data-conversation=\"{match.Id}\"", opened, StringComparison.Ordinal);
        Assert.Contains("You are reading along", opened, StringComparison.Ordinal);
        Assert.DoesNotContain("data-send", opened, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("7", "data-flagged=\"7\"")]
    [InlineData("not a number", "data-conversation")]
    public async Task A_chat_opened_from_the_flag_queue_marks_its_message_and_a_mangled_one_still_opens_the_chat(string message, string shows)
    {
        var (match, _, _, _, _) = await _world.ActiveMatchAsync();
        var page = await SignedInAsync(api, "demo-casemanager");

        var opened = await PostFormAsync(page, "/chat", "open-chat", ("Id", match.Id), ("Message", message));

        Assert.Contains($"data-conversation=\"{match.Id}\"", opened, StringComparison.Ordinal);
        Assert.Contains(shows, opened, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_ended_chat_is_read_from_its_flag_by_the_case_manager_and_from_the_list_by_the_youth_but_not_by_its_mentor_or_another_caseload()
    {
        var (match, _, youth, mentorId, _) = await _world.ActiveMatchAsync();
        var youthPerson = (await HttpAssert.Ok<MeDto>(await youth.GetAsync("/api/me"))).Id;
        await MentoringWorld.Ok(await _world.CaseManager.PostJson($"/api/matches/{match.Id}/close", new { reason = "GoalsMet", planned = true }));

        var fromFlag = await PostFormAsync(await SignedInAsync(api, "demo-casemanager"), "/chat", "open-chat", ("Id", match.Id), ("Message", "1"));
        var youthPage = await SignedInAsync(api, youthPerson);
        var youthList = await youthPage.GetStringAsync("/chat");
        var youthOpened = await PostFormAsync(youthPage, "/chat", "open-chat", ("Id", match.Id));
        var mentorPage = await SignedInAsync(api, mentorId);
        var mentorList = await mentorPage.GetStringAsync("/chat");
        var mentorForged = await PostFormAsync(mentorPage, "/chat", "open-chat", ("Id", match.Id));
        var (otherCaseManager, _) = await _world.PersonAsync(Roles.CaseManager);
        var otherForged = await PostFormAsync(await SignedInAsync(api, otherCaseManager), "/chat", "open-chat", ("Id", match.Id));

        foreach (var opened in new[] { fromFlag, youthOpened })
        {
            Assert.Contains($"data-conversation=\"{match.Id}\"", opened, StringComparison.Ordinal);
            Assert.Contains("This chat has ended.", opened, StringComparison.Ordinal);
            Assert.DoesNotContain("data-send", opened, StringComparison.Ordinal);
        }

        Assert.Contains("data-flagged=\"1\"", fromFlag, StringComparison.Ordinal);
        Assert.Contains("Chats that have ended", youthList, StringComparison.Ordinal);
        Assert.Contains("You have no open chat now.", youthList, StringComparison.Ordinal);
        Assert.Contains($"value=\"{match.Id}\"", youthList, StringComparison.Ordinal);
        Assert.DoesNotContain("Chats that have ended", mentorList, StringComparison.Ordinal);
        foreach (var html in new[] { mentorList, mentorForged, otherForged })
        {
            Assert.DoesNotContain(match.Id, html, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task A_match_closed_before_it_started_had_no_chat_and_is_not_among_the_ended_ones()
    {
        var (youthId, youth) = await _world.YouthAsync();
        var (neverMentorId, _) = await _world.ReadyMentorAsync();
        var never = await _world.ProposeAsync(youthId, neverMentorId);
        await MentoringWorld.Ok(await _world.CaseManager.PostJson($"/api/matches/{never.Id}/close", new { reason = "AgencyDecision", planned = true }));
        var (mentorId, mentor) = await _world.ReadyMentorAsync();
        var ran = await _world.AcceptedAsync(youthId, mentorId, mentor);
        await MentoringWorld.Ok(await youth.PostAsync($"/api/matches/{ran.Id}/agree", null));
        await MentoringWorld.Ok(await _world.CaseManager.PostJson($"/api/matches/{ran.Id}/close", new { reason = "GoalsMet", planned = true }));

        var ended = await HttpAssert.Ok<PageDto<MatchDto>>(await _world.CaseManager.GetAsync($"/api/matches?youthId={youthId}&ended=true"));

        Assert.Equal([ran.Id], ended.Items.Select(m => m.Id));
        await HttpAssert.Problem(await _world.CaseManager.GetAsync($"/api/matches?youthId={youthId}&ended=true&open=true"), 400);
    }
}
