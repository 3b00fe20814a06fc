using System.Text.RegularExpressions;
using static SurvivorConnect.IntegrationTests.PortalSession;

namespace SurvivorConnect.IntegrationTests;

/// <summary>
/// What is typed about a person's life (a survivor's experience, a youth's needs, notes, plans, chat) is not kept in the
/// browser's form history, which would offer it again to whoever next uses the device, and on other sites' fields of
/// the same name.
/// </summary>
[Collection(SharedApi.Name)]
public sealed partial class FormHistoryTests(ApiFactory api)
{
    [Fact]
    public async Task Fields_about_a_persons_life_are_not_offered_again_by_the_browser()
    {
        var world = new MentoringWorld(api);
        var (match, _, youthHttp, _, youthId) = await world.ActiveMatchAsync();
        var youthPerson = (await HttpAssert.Ok<MeDto>(await youthHttp.GetAsync("/api/me"))).Id;
        await MentoringWorld.Created(await world.CaseManager.PostAsync($"/api/teams/{youthId}", null));
        var mentor = await SignedInAsync(api, "demo-mentor");
        var youth = await SignedInAsync(api, youthPerson);
        var caseManager = await SignedInAsync(api, "demo-casemanager");

        NotKept(await mentor.GetStringAsync("/profile"), "profile-lived", "profile-gender", "profile-name", "profile-age", "profile-region");
        NotKept(await mentor.GetStringAsync("/paid-work"), "pw-topics", "pw-notopics", "pw-access");
        NotKept(await youth.GetStringAsync("/chat"), "chat-text");
        NotKept(await caseManager.GetStringAsync("/caseload"), "refer-name", "refer-age", "refer-languages", "refer-interests");
        NotKept(await PostFormAsync(caseManager, "/caseload", "open-youth", ("YouthId", youthId)), "edit-name", "edit-needs", "stage-note", "edit-languages", "edit-interests", "edit-region");
        NotKept(await PostFormAsync(caseManager, "/matches", "act", ("Act", $"close-start:{match.Id}")), "close-notes");
        var chat = await world.OpenChatAsync();
        await chat.Mentor.SendAsync(chat.Id, "text me at 559-555-0134");
        var flag = (await HttpAssert.Ok<List<ChatTests.FlagDto>>(await world.CaseManager.GetAsync("/api/flags?status=Open"))).Single(f => f.ConversationId == chat.Id);
        NotKept(await caseManager.GetStringAsync("/flags"), $"review-note-{flag.Id}");
        NotKept(await caseManager.GetStringAsync($"/teams/{youthId}"), "support-name", "support-title");
        NotKept(await caseManager.GetStringAsync($"/teams/{youthId}/plans"),
            "new-item-text", "new-item-words", "new-item-owner", "warning", "coping", "people", "places", "numbers", "safety-words");
        NotKept(await caseManager.GetStringAsync($"/teams/{youthId}/meetings"), "agenda");
    }

    /// <summary>The page has these fields, and no field of it that takes typing is kept: names, ages and places say who someone is too.</summary>
    private static void NotKept(string page, params string[] ids)
    {
        var fields = Field().Matches(page).ToList();
        foreach (var id in ids)
        {
            Assert.True(fields.Any(m => m.Groups["id"].Value == id), $"The page has no field {id}.");
        }

        foreach (var field in fields.Where(m => !Untyped().IsMatch(m.Value)))
        {
            Assert.True(field.Value.Contains("autocomplete=\"off\"", StringComparison.Ordinal), $"The field {field.Groups["id"].Value} is kept in the browser's form history.");
        }
    }

    [GeneratedRegex("<(?:input|textarea)\\b[^>]*\\bid=\"(?<id>[^\"]+)\"[^>]*>")]
    private static partial Regex Field();

    [GeneratedRegex("\\btype=\"(?:hidden|checkbox|radio|submit|date|datetime-local|month)\"")]
    private static partial Regex Untyped();
}
