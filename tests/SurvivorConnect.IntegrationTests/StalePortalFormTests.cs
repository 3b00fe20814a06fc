using System.Net;
using System.Text.Json;
using static SurvivorConnect.IntegrationTests.PortalSession;

namespace SurvivorConnect.IntegrationTests;

/// <summary>
/// A form sent from a page that has changed since it was opened (a second tap from a slow phone after the first
/// removed the form, a stale tab, an expired token) is answered with a portal page, exit button and all, that says
/// nothing was done and leads back to the page: not one line of text meant for developers.
/// </summary>
[Collection(SharedApi.Name)]
public sealed class StalePortalFormTests(ApiFactory api)
{
    private readonly TeamingWorld _world = new(api);

    [Fact]
    public async Task A_second_tap_on_a_button_the_first_tap_removed_is_told_the_page_changed_with_the_exit_button()
    {
        var team = await _world.SharedTeamAsync();
        var path = $"/teams/{team.YouthId}/meetings";
        var meetings = await HttpAssert.Ok<JsonElement>(await _world.CaseManager.PostJson($"/api/teams/{team.YouthId}/meetings", new
        {
            scheduledFor = DateTimeOffset.UtcNow.AddDays(-1), agenda = new[] { "Housing" },
        }));
        var meetingId = meetings.GetProperty("meetings")[0].GetProperty("id").GetString();
        var recorded = await HttpAssert.Ok<JsonElement>(await _world.CaseManager.RecordMeetingAsync($"/api/teams/{team.YouthId}/meetings/{meetingId}/record", new
        {
            youthParticipation = "InPerson",
            actions = new[] { new { text = "Call the landlord", ownerMemberId = "youth", due = DateOnly.FromDateTime(DateTime.UtcNow.AddDays(5)) } },
        }));
        var actionId = recorded.GetProperty("meetings")[0].GetProperty("actions")[0].GetProperty("id").GetString()!;
        var portal = await SignedInAsync(api, "demo-casemanager");
        var token = await FormTokenAsync(portal, path);

        var first = await PostAsync(portal, path, token, $"done-{actionId}");
        var second = await PostAsync(portal, path, token, $"done-{actionId}");

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Contains("Marked done.", await first.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, second.StatusCode);
        var page = await second.Content.ReadAsStringAsync();
        Assert.Contains("This page has changed", page, StringComparison.Ordinal);
        Assert.Contains("data-exit", page, StringComparison.Ordinal);
        Assert.Contains($"<a href=\"{path}\">Open the page as it is now</a>", page, StringComparison.Ordinal);
        Assert.DoesNotContain("Cannot submit", page, StringComparison.Ordinal);
        Assert.DoesNotContain(actionId, page, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_form_whose_token_no_longer_holds_is_told_the_page_changed_with_the_exit_button()
    {
        var portal = await SignedInAsync(api, "demo-casemanager");

        var answer = await PostAsync(portal, "/caseload?page=2", "not-the-token", "refer");

        Assert.Equal(HttpStatusCode.BadRequest, answer.StatusCode);
        var page = await answer.Content.ReadAsStringAsync();
        Assert.Contains("This page has changed", page, StringComparison.Ordinal);
        Assert.Contains("data-exit", page, StringComparison.Ordinal);
        Assert.Contains("<a href=\"/caseload?page=2\">", page, StringComparison.Ordinal);
        Assert.DoesNotContain("antiforgery", page, StringComparison.OrdinalIgnoreCase);
    }

    private static Task<HttpResponseMessage> PostAsync(HttpClient client, string path, string token, string form) =>
        client.PostAsync(path, new FormUrlEncodedContent([new("_handler", form), new("__RequestVerificationToken", token)]));
}
