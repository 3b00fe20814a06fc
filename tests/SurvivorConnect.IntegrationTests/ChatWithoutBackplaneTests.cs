using System.Net.Http.Json;
using SurvivorConnect.Api.Features.Chat;
using SurvivorConnect.Api.Features.People;
using SurvivorConnect.Storage;

namespace SurvivorConnect.IntegrationTests;

/// <summary>
/// Two API instances on one store with no backplane between them: a change made through one stops the very next
/// send through the other, because the change rewrites who may send on the conversation itself, which every send reads.
/// A change that reaches the records some other way is caught once that list is out of date.
/// </summary>
public sealed class ChatWithoutBackplaneTests() : TwoInstances("no-backplane")
{
    [Fact]
    public async Task Roles_removed_through_the_other_instance_stop_the_next_send_and_read()
    {
        var (match, mentorId, connected) = await MentorChattingOnFirstAsync();
        await using var mentor = connected;

        var admin = Second.As("demo-admin");
        var person = await admin.GetAsync($"/api/people/{mentorId}");
        var request = new HttpRequestMessage(HttpMethod.Put, $"/api/people/{mentorId}/roles") { Content = JsonContent.Create(new { roles = Array.Empty<string>() }) };
        request.Headers.TryAddWithoutValidation("If-Match", person.Headers.ETag!.Tag);
        await MentoringWorld.Ok(await admin.SendAsync(request));
        var refused = await Assert.ThrowsAsync<ChatRefusalException>(() => mentor.SendAsync(match.Id, "still here?"));
        var history = await Assert.ThrowsAsync<ChatRefusalException>(() => mentor.HistoryAsync(match.Id, null, 10));

        Assert.Equal(ChatErrorCodes.NotAllowed, refused.Code);
        Assert.Equal(ChatErrorCodes.NotAllowed, history.Code);
    }

    [Fact]
    public async Task A_pause_through_the_other_instance_stops_the_next_send()
    {
        var (match, _, connected) = await MentorChattingOnFirstAsync();
        await using var mentor = connected;

        await MentoringWorld.Ok(await MentoringWorld.StepAsync(Second.As("demo-casemanager"), match.Id, "pause"));
        var refused = await Assert.ThrowsAsync<ChatRefusalException>(() => mentor.SendAsync(match.Id, "after the pause"));

        Assert.Equal(ChatErrorCodes.CannotSend, refused.Code);
        Assert.Contains("paused", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_change_written_behind_the_apps_back_stops_sends_once_the_list_of_senders_is_out_of_date()
    {
        var (match, mentorId, connected) = await MentorChattingOnFirstAsync();
        await using var mentor = connected;
        var store = First.Service<IDocumentStore>();
        var person = (await store.ReadAsync<Person>(Person.Container, mentorId, "demo", CancellationToken.None))!;

        await store.ReplaceAsync(Person.Container, person with { Roles = [] }, person.ETag!, CancellationToken.None);
        Advance(ChatService.GateLifetime);
        var refused = await Assert.ThrowsAsync<ChatRefusalException>(() => mentor.SendAsync(match.Id, "still here?"));
        var history = await Assert.ThrowsAsync<ChatRefusalException>(() => mentor.HistoryAsync(match.Id, null, 10));

        Assert.Equal(ChatErrorCodes.NotAllowed, history.Code);
        Assert.Equal(ChatErrorCodes.NotAllowed, refused.Code);
    }

    [Fact]
    public async Task A_consent_that_expires_stops_the_next_send_even_before_the_list_of_senders_is_old()
    {
        var world = new MentoringWorld(First);
        await MentoringWorld.SetConsentPolicyAsync(world.Admin, new { adultAge = 18, minorMatchNeeds = new[] { "Guardian" } });
        var (mentorId, mentorHttp) = await world.ReadyMentorAsync();
        var (youthId, youthHttp) = await world.YouthAsync(age: 16);
        var match = await world.ProposeAsync(youthId, mentorId);
        await MentoringWorld.Ok(await mentorHttp.PostAsync($"/api/matches/{match.Id}/accept", null));
        await MentoringWorld.Ok(await youthHttp.PostAsync($"/api/matches/{match.Id}/agree", null));
        var expires = First.Time.GetUtcNow().AddSeconds(10);
        await MentoringWorld.Created(await world.CaseManager.PostJson("/api/consents",
            new { subjectId = youthId, grantor = "Guardian", scope = "mentoring-match", matchId = match.Id, expiresAt = expires }));
        await MentoringWorld.Ok(await MentoringWorld.StepAsync(world.CaseManager, match.Id, "activate"));
        await using var mentor = await ChatClient.ConnectAsync(() => First.Server, First.TokenFor(mentorId));
        await mentor.SendAsync(match.Id, "while the guardian's consent lasts");

        Advance(TimeSpan.FromSeconds(11));
        var refused = await Assert.ThrowsAsync<ChatRefusalException>(() => mentor.SendAsync(match.Id, "after it expired"));

        Assert.True(TimeSpan.FromSeconds(11) < ChatService.GateLifetime);
        Assert.Equal(ChatErrorCodes.CannotSend, refused.Code);
        Assert.Contains("Consent", refused.Message, StringComparison.Ordinal);
    }

    /// <summary>An active match whose mentor is connected to the first instance, has joined its chat and sent once.</summary>
    private async Task<(MatchDto Match, string MentorId, ChatClient Mentor)> MentorChattingOnFirstAsync()
    {
        var (match, _, _, mentorId, _) = await new MentoringWorld(First).ActiveMatchAsync();
        var mentor = await ChatClient.ConnectAsync(() => First.Server, First.TokenFor(mentorId));
        await mentor.JoinAsync(match.Id);
        await mentor.SendAsync(match.Id, "before");
        return (match, mentorId, mentor);
    }
}

