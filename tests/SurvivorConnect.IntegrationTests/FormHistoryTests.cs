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

        NotKept(await mentor.GetStringAsync("/profile"), "profile-lived", "profile-gender");
        NotKept(await mentor.GetStringAsync("/paid-work"), "pw-topics", "pw-notopics", "pw-access");
        NotKept(await youth.GetStringAsync("/chat"), "chat-text");
        NotKept(await caseManager.GetStringAsync("/caseload"), "refer-name");
        NotKept(await PostFormAsync(caseManager, "/caseload", "open-youth", ("YouthId", youthId)), "edit-name", "edit-needs", "stage-note");
        NotKept(await PostFormAsync(caseManager, "/matches", "act", ("Act", $"close-start:{match.Id}")), "close-notes");
        NotKept(await caseManager.GetStringAsync("/flags"), "review-note");
        NotKept(await caseManager.GetStringAsync($"/teams/{youthId}"), "support-name");
        NotKept(await caseManager.GetStringAsync($"/teams/{youthId}/plans"),
            "new-item-text", "new-item-words", "warning", "coping", "people", "places", "numbers", "safety-words");
        NotKept(await caseManager.GetStringAsync($"/teams/{youthId}/meetings"), "agenda");
    }

    private static void NotKept(string page, params string[] ids)
    {
        foreach (var id in ids)
        {
            var field = Field().Matches(page).FirstOrDefault(m => m.Groups["id"].Value == id);
            Assert.True(field is not null, $"The page has no field {id}.");
            Assert.Contains("autocomplete=\"off\"", field.Value, StringComparison.Ordinal);
        }
    }

    [GeneratedRegex("<(?:input|textarea)\\b[^>]*\\bid=\"(?<id>[^\"]+)\"[^>]*>")]
    private static partial Regex Field();
}
