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
        var (match, _, _, mentorId, _) = await new MentoringWorld(First).ActiveMatchAsync();
        await using var mentor = await ChatClient.ConnectAsync(() => First.Server, First.TokenFor(mentorId));
        await mentor.JoinAsync(match.Id);
        await mentor.SendAsync(match.Id, "before");

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
        var (match, _, _, mentorId, _) = await new MentoringWorld(First).ActiveMatchAsync();
        await using var mentor = await ChatClient.ConnectAsync(() => First.Server, First.TokenFor(mentorId));
        await mentor.JoinAsync(match.Id);
        await mentor.SendAsync(match.Id, "before");

        await MentoringWorld.Ok(await Second.As("demo-casemanager").PostAsync($"/api/matches/{match.Id}/pause", null));
        var refused = await Assert.ThrowsAsync<ChatRefusalException>(() => mentor.SendAsync(match.Id, "after the pause"));

        Assert.Equal(ChatErrorCodes.CannotSend, refused.Code);
        Assert.Contains("paused", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_change_written_behind_the_apps_back_stops_sends_once_the_list_of_senders_is_out_of_date()
    {
        var (match, _, _, mentorId, _) = await new MentoringWorld(First).ActiveMatchAsync();
        await using var mentor = await ChatClient.ConnectAsync(() => First.Server, First.TokenFor(mentorId));
        await mentor.JoinAsync(match.Id);
        await mentor.SendAsync(match.Id, "before");
        var store = First.Service<IDocumentStore>();
        var person = (await store.ReadAsync<Person>(Person.Container, mentorId, "demo", CancellationToken.None))!;

        await store.ReplaceAsync(Person.Container, person with { Roles = [] }, person.ETag!, CancellationToken.None);
        var history = await Assert.ThrowsAsync<ChatRefusalException>(() => mentor.HistoryAsync(match.Id, null, 10));
        Advance(ChatService.GateLifetime);
        var refused = await Assert.ThrowsAsync<ChatRefusalException>(() => mentor.SendAsync(match.Id, "still here?"));

        Assert.Equal(ChatErrorCodes.NotAllowed, history.Code);
        Assert.Equal(ChatErrorCodes.NotAllowed, refused.Code);
    }
}
