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
}
