using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;
using SurvivorConnect.Api.Features.Chat;
using SurvivorConnect.Api.Features.People;
using SurvivorConnect.Api.Infrastructure.Auth;
using SurvivorConnect.Storage;

namespace SurvivorConnect.IntegrationTests;

/// <summary>
/// An open chat connection obeys every change to who may do what at once, as REST does on its next request:
/// roles, deactivation, the match stopping, consent withdrawn, and the token's own expiry.
/// </summary>
public sealed class ChatRevocationTests(ChatRevocationTests.Factory api) : IClassFixture<ChatRevocationTests.Factory>
{
    public sealed class Factory : ApiFactory
    {
        protected override IDictionary<string, string?> Settings => new Dictionary<string, string?>(base.Settings)
        {
            ["Chat:SendsPerSecond"] = "50",
            ["Chat:SendBurst"] = "100",
        };
    }

    private readonly MentoringWorld _world = new(api);

    [Fact]
    public async Task A_mentor_whose_roles_are_removed_can_no_longer_send_join_or_read_and_stops_receiving()
    {
        var chat = await _world.OpenChatAsync();
        var before = await chat.Mentor.SendAsync(chat.Id, "before the change");

        await _world.SetRolesAsync(chat.MentorId);
        var youthSent = await chat.Youth.SendAsync(chat.Id, "are you still there?");

        await AssertRefusedOrClosedAsync(chat.Mentor, c => c.SendAsync(chat.Id, "after the change"));
        await AssertRefusedOrClosedAsync(chat.Mentor, c => c.JoinAsync(chat.Id));
        await AssertRefusedOrClosedAsync(chat.Mentor, c => c.SinceAsync(chat.Id, 0));
        await AssertRefusedOrClosedAsync(chat.Mentor, c => c.HistoryAsync(chat.Id, null, 10));
        await ChatClient.EventuallyAsync(() => chat.CaseManager.Received.Any(m => m.Sequence == youthSent.Message.Sequence), "the case manager still receives");
        Assert.DoesNotContain(chat.Mentor.Received, m => m.Sequence == youthSent.Message.Sequence);
        Assert.True(before.Message.Sequence < youthSent.Message.Sequence);
    }

    [Fact]
    public async Task A_person_who_keeps_a_chat_role_but_loses_the_mentor_role_loses_that_conversation_only()
    {
        var chat = await _world.OpenChatAsync();
        await _world.SetRolesAsync(chat.MentorId, Roles.Mentor, Roles.Recruiter);
        await chat.Mentor.SendAsync(chat.Id, "still allowed");

        await _world.SetRolesAsync(chat.MentorId, Roles.Youth);
        var youthSent = await chat.Youth.SendAsync(chat.Id, "hello?");
        var send = await Assert.ThrowsAsync<ChatRefusalException>(() => chat.Mentor.SendAsync(chat.Id, "now?"));
        var join = await Assert.ThrowsAsync<ChatRefusalException>(() => chat.Mentor.JoinAsync(chat.Id));

        Assert.Equal(ChatErrorCodes.NotFound, send.Code);
        Assert.Equal(ChatErrorCodes.NotFound, join.Code);
        Assert.Equal(HubConnectionState.Connected, chat.Mentor.Connection.State);
        await ChatClient.EventuallyAsync(() => chat.CaseManager.Received.Any(m => m.Sequence == youthSent.Message.Sequence), "the case manager receives");
        await Task.Delay(100);
        Assert.DoesNotContain(chat.Mentor.Received, m => m.Sequence == youthSent.Message.Sequence);
    }

    [Fact]
    public async Task A_deactivated_mentor_stops_receiving_at_once_and_cannot_come_back()
    {
        var chat = await _world.OpenChatAsync();

        await MentoringWorld.Ok(await _world.Admin.PostAsync($"/api/people/{chat.MentorId}/deactivate", null));
        var youthSent = await chat.Youth.SendAsync(chat.Id, "something private");

        await ChatClient.EventuallyAsync(() => chat.Mentor.Connection.State != HubConnectionState.Connected, "the mentor's connection is closed");
        await ChatClient.EventuallyAsync(() => chat.CaseManager.Received.Any(m => m.Sequence == youthSent.Message.Sequence), "the case manager receives");
        Assert.DoesNotContain(chat.Mentor.Received, m => m.Sequence == youthSent.Message.Sequence);
        await Assert.ThrowsAnyAsync<Exception>(() => ChatClient.ConnectAsync(() => api.Server, api.TokenFor(chat.MentorId)));
    }

    [Fact]
    public async Task A_mentor_reactivated_and_signed_in_again_chats_as_before_and_receives_the_youth_s_messages()
    {
        var chat = await _world.OpenChatAsync();
        await MentoringWorld.Ok(await _world.Admin.PostAsync($"/api/people/{chat.MentorId}/deactivate", null));
        await MentoringWorld.Ok(await _world.Admin.ReactivateAsync(chat.MentorId));

        await using var mentor = await _world.ConnectAsync(chat.MentorId);
        await mentor.JoinAsync(chat.Id);
        var mentorSent = await mentor.SendAsync(chat.Id, "I'm back");
        var youthSent = await chat.Youth.SendAsync(chat.Id, "welcome back");

        Assert.Equal(MessageStatus.Delivered, mentorSent.Message.Status);
        await ChatClient.EventuallyAsync(() => mentor.Received.Any(m => m.Sequence == youthSent.Message.Sequence), "the mentor receives");
    }

    [Fact]
    public async Task A_deactivated_person_s_notice_connection_closes_at_once_so_their_open_page_clears_itself_and_nobody_else_s_does()
    {
        var (leaving, _) = await _world.PersonAsync(Roles.Recruiter);
        var (colleague, _) = await _world.PersonAsync(Roles.Recruiter);
        var (leavingPage, _) = await NoticeListener.ListenAsync(api, leaving);
        var (colleaguePage, _) = await NoticeListener.ListenAsync(api, colleague);
        await using (leavingPage)
        await using (colleaguePage)
        {
            await MentoringWorld.Ok(await _world.Admin.PostAsync($"/api/people/{leaving}/deactivate", null));

            await ChatClient.EventuallyAsync(() => leavingPage.State != HubConnectionState.Connected, "the deactivated person's notice connection is closed");
            await Task.Delay(100);
            Assert.Equal(HubConnectionState.Connected, colleaguePage.State);
            await Assert.ThrowsAnyAsync<Exception>(() => NoticeListener.ListenAsync(api, leaving));
        }
    }

    [Fact]
    public async Task A_role_change_leaves_the_person_s_notice_connection_open()
    {
        var (person, _) = await _world.PersonAsync(Roles.Recruiter);
        var (page, _) = await NoticeListener.ListenAsync(api, person);
        await using (page)
        {
            await _world.SetRolesAsync(person, Roles.Supervisor);

            await Task.Delay(200);
            Assert.Equal(HubConnectionState.Connected, page.State);
        }
    }

    [Fact]
    public async Task Pausing_the_match_takes_mentor_and_youth_out_of_the_live_conversation_and_resuming_brings_them_back()
    {
        var chat = await _world.OpenChatAsync();
        var held = await chat.Mentor.SendAsync(chat.Id, "my number is 559-555-0134");

        await MentoringWorld.Ok(await MentoringWorld.StepAsync(_world.CaseManager, chat.Id, "pause"));

        await AssertOutOfLiveConversationAsync(chat.Id, chat.MentorId, chat.YouthPersonId);
        await ReleaseRefusedAsync(chat.Id, held.Message.Sequence);
        Assert.DoesNotContain(chat.Youth.Received, m => m.Text == held.Message.Text);

        await MentoringWorld.Ok(await MentoringWorld.StepAsync(_world.CaseManager, chat.Id, "resume"));
        await ChatClient.EventuallyAsync(() => chat.Youth.Statuses.LastOrDefault()?.CanSend == true, "the youth is told the chat is open again");
        var after = await chat.Mentor.SendAsync(chat.Id, "welcome back");
        await ChatClient.EventuallyAsync(() => chat.Youth.Received.Any(m => m.Sequence == after.Message.Sequence), "the youth receives live again without joining again");
    }

    [Fact]
    public async Task Withdrawn_consent_takes_the_other_party_out_of_the_live_conversation()
    {
        var chat = await _world.OpenChatAsync();
        var held = await chat.Youth.SendAsync(chat.Id, "add me on snapchat");
        var consents = await HttpAssert.Ok<List<MentoringTests.ConsentDto>>(await chat.MentorHttp.GetAsync($"/api/consents?subjectId={chat.MentorId}"));

        await HttpAssert.Ok<MentoringTests.ConsentDto>(await chat.MentorHttp.PostAsync($"/api/consents/{consents.Single(c => c.MatchId == chat.Id).Id}/revoke", null));

        await AssertOutOfLiveConversationAsync(chat.Id, chat.MentorId, chat.YouthPersonId);
        await ReleaseRefusedAsync(chat.Id, held.Message.Sequence);
        Assert.DoesNotContain(chat.Mentor.Received, m => m.Text == held.Message.Text);
        await ChatClient.EventuallyAsync(() => chat.Mentor.Statuses.Any(s => !s.CanSend && s.Reason!.Contains("Consent", StringComparison.Ordinal)), "the mentor is told why");
    }

    [Fact]
    public async Task A_mentor_who_withdraws_consent_to_mentoring_at_all_says_no_to_each_match_not_yet_begun_so_no_youth_is_left_asked_about_them()
    {
        var (mentorId, mentor) = await _world.ReadyMentorAsync(capacity: 2);
        var (youthId, youth) = await _world.YouthAsync();
        var waiting = await _world.AcceptedAsync(youthId, mentorId, mentor);
        var (otherYouthId, _) = await _world.YouthAsync();
        var proposed = await _world.ProposeAsync(otherYouthId, mentorId);
        var mentoring = (await HttpAssert.Ok<List<MentoringTests.ConsentDto>>(await mentor.GetAsync($"/api/consents?subjectId={mentorId}"))).Single(c => c is { Scope: "mentoring", MatchId: null, Current: true });

        await HttpAssert.Ok<MentoringTests.ConsentDto>(await mentor.PostAsync($"/api/consents/{mentoring.Id}/revoke", null));

        Assert.Equal("Declined", (await MentoringWorld.Ok<MatchDto>(await _world.CaseManager.GetAsync($"/api/matches/{waiting.Id}"))).State);
        Assert.Equal("Declined", (await MentoringWorld.Ok<MatchDto>(await _world.CaseManager.GetAsync($"/api/matches/{proposed.Id}"))).State);
        Assert.Equal(System.Net.HttpStatusCode.Conflict, (await youth.PostAsync($"/api/matches/{waiting.Id}/agree", null)).StatusCode);
    }

    [Fact]
    public async Task A_mentor_who_withdraws_consent_to_mentoring_at_all_sends_no_more_at_once_and_the_youths_case_manager_is_told()
    {
        var chat = await _world.OpenChatAsync();
        var consents = await HttpAssert.Ok<List<MentoringTests.ConsentDto>>(await chat.MentorHttp.GetAsync($"/api/consents?subjectId={chat.MentorId}"));
        var mentoring = consents.Single(c => c is { Scope: "mentoring", MatchId: null, Current: true });

        await HttpAssert.Ok<MentoringTests.ConsentDto>(await chat.MentorHttp.PostAsync($"/api/consents/{mentoring.Id}/revoke", null));

        await AssertOutOfLiveConversationAsync(chat.Id, chat.MentorId, chat.YouthPersonId);
        await ChatClient.EventuallyAsync(() => chat.Youth.Statuses.Any(s => !s.CanSend && s.Reason!.Contains("Consent", StringComparison.Ordinal)), "the youth is told why");
        var refused = await Assert.ThrowsAsync<ChatRefusalException>(() => chat.Mentor.SendAsync(chat.Id, "are you still there?"));
        Assert.Equal(ChatErrorCodes.CannotSend, refused.Code);
        var notices = await HttpAssert.Ok<PageDto<NotificationDto>>(await _world.CaseManager.GetAsync("/api/notifications?pageSize=100"));
        Assert.Contains(notices.Items, n => n.Kind == "consent-revoked" && n.MatchId == chat.Id);
    }

    [Fact]
    public async Task Consent_given_and_withdrawn_again_and_again_tells_the_case_manager_once_until_they_read_it_then_again()
    {
        var chat = await _world.OpenChatAsync();
        var (listener, pushed) = await NoticeListener.ListenAsync(api, "demo-casemanager");
        await using var _ = listener;
        var yes = new { subjectId = chat.MentorId, grantor = "Mentor", scope = "mentoring-match", matchId = chat.Id };
        async Task WithdrawAllAsync()
        {
            foreach (var consent in (await HttpAssert.Ok<List<MentoringTests.ConsentDto>>(await chat.MentorHttp.GetAsync($"/api/consents?subjectId={chat.MentorId}")))
                .Where(c => c.MatchId == chat.Id && c.Current))
            {
                await HttpAssert.Ok<MentoringTests.ConsentDto>(await chat.MentorHttp.PostAsync($"/api/consents/{consent.Id}/revoke", null));
            }
        }

        async Task<List<NotificationDto>> ToldAsync() =>
            [.. (await HttpAssert.Ok<PageDto<NotificationDto>>(await _world.CaseManager.GetAsync("/api/notifications?pageSize=100"))).Items.Where(n => n.Kind == "consent-revoked" && n.MatchId == chat.Id)];

        await WithdrawAllAsync();
        for (var round = 0; round < 5; round++)
        {
            await MentoringWorld.Created(await chat.MentorHttp.PostJson("/api/consents", yes));
            await WithdrawAllAsync();
        }

        var told = Assert.Single(await ToldAsync());
        Assert.Null(told.ReadAt);
        await ChatClient.EventuallyAsync(() => pushed.Any(n => n.Kind == "consent-revoked"), "the first withdrawal is pushed");
        Assert.Single(pushed, n => n.Kind == "consent-revoked");

        await HttpAssert.Ok<NotificationDto>(await _world.CaseManager.PostAsync($"/api/notifications/{told.Id}/read", null));
        await MentoringWorld.Created(await chat.MentorHttp.PostJson("/api/consents", yes));
        await WithdrawAllAsync();

        Assert.Null(Assert.Single(await ToldAsync()).ReadAt);
        await ChatClient.EventuallyAsync(() => pushed.Count(n => n.Kind == "consent-revoked") == 2, "a withdrawal after the notice was read is told anew");
    }

    [Fact]
    public async Task Withdrawing_one_of_two_records_of_the_same_yes_withdraws_it_and_closes_the_chat_at_once()
    {
        var chat = await _world.OpenChatAsync();
        // The same yes, until a date: a second record of it (the same yes said twice is one record).
        var again = new { subjectId = chat.YouthId, grantor = "Youth", scope = "mentoring-match", matchId = chat.Id, expiresAt = DateTimeOffset.UtcNow.AddYears(5) };
        await HttpAssert.Ok<MentoringTests.ConsentDto>(await _world.CaseManager.PostJson("/api/consents", again));
        var youthsYes = (await HttpAssert.Ok<List<MentoringTests.ConsentDto>>(await _world.CaseManager.GetAsync($"/api/consents?subjectId={chat.YouthId}")))
            .Where(c => c.MatchId == chat.Id && c.Current).ToList();
        Assert.Equal(2, youthsYes.Count);

        await HttpAssert.Ok<MentoringTests.ConsentDto>(await _world.CaseManager.PostAsync($"/api/consents/{youthsYes[0].Id}/revoke", null));

        await AssertOutOfLiveConversationAsync(chat.Id, chat.MentorId, chat.YouthPersonId);
        await ChatClient.EventuallyAsync(() => chat.Youth.Statuses.Any(s => !s.CanSend && s.Reason!.Contains("Consent", StringComparison.Ordinal)), "the youth is told why");
    }

    [Fact]
    public async Task A_mentor_put_on_the_youths_do_not_match_list_can_no_longer_message_them_or_read_what_they_shared_at_once()
    {
        var chat = await _world.OpenChatAsync();
        await chat.Youth.SendAsync(chat.Id, "something I told my mentor");
        var current = await _world.CaseManager.GetAsync($"/api/youth/{chat.YouthId}");
        var youth = await current.Content.ReadFromJsonAsync<JsonElement>();
        using var change = new HttpRequestMessage(HttpMethod.Put, $"/api/youth/{chat.YouthId}")
        {
            Content = JsonContent.Create(new { displayName = youth.GetProperty("displayName").GetString(), age = youth.GetProperty("age").GetInt32(), personId = chat.YouthPersonId, doNotMatch = new[] { chat.MentorId } }),
        };
        change.Headers.TryAddWithoutValidation("If-Match", current.Headers.ETag!.Tag);

        await MentoringWorld.Ok(await _world.CaseManager.SendAsync(change));

        await AssertOutOfLiveConversationAsync(chat.Id, chat.MentorId, chat.YouthPersonId);
        await ChatClient.EventuallyAsync(() => chat.Mentor.Statuses.Any(s => !s.CanSend && s.Reason == "Consent for this chat has been withdrawn, so new messages can't be sent."), "the mentor is told as if a consent were withdrawn, not that the youth asked");
        await ChatClient.EventuallyAsync(() => chat.Mentor.Statuses.Any(s => !s.Readable), "the mentor's open page is told to clear what it shows");
        Assert.DoesNotContain(chat.Youth.Statuses, s => !s.Readable);
        Assert.Equal("Consent for this chat has been withdrawn, so new messages can't be sent.", (await Assert.ThrowsAsync<ChatRefusalException>(() => chat.Mentor.SendAsync(chat.Id, "are you there?"))).Message);
        Assert.Equal("not-found", (await Assert.ThrowsAsync<ChatRefusalException>(() => chat.Mentor.HistoryAsync(chat.Id, null, 50))).Code);
        Assert.Equal("not-found", (await Assert.ThrowsAsync<ChatRefusalException>(() => chat.Mentor.SincePageAsync(chat.Id, 0))).Code);
        Assert.Contains(await chat.Youth.HistoryAsync(chat.Id, null, 50), m => m.Text == "something I told my mentor");

        // Taken off the list again, the open connection is told it may read again and receives live, without joining again.
        var now = await _world.CaseManager.GetAsync($"/api/youth/{chat.YouthId}");
        using var undo = new HttpRequestMessage(HttpMethod.Put, $"/api/youth/{chat.YouthId}")
        {
            Content = JsonContent.Create(new { displayName = youth.GetProperty("displayName").GetString(), age = youth.GetProperty("age").GetInt32(), personId = chat.YouthPersonId, doNotMatch = Array.Empty<string>() }),
        };
        undo.Headers.TryAddWithoutValidation("If-Match", now.Headers.ETag!.Tag);
        await MentoringWorld.Ok(await _world.CaseManager.SendAsync(undo));
        await ChatClient.EventuallyAsync(() => chat.Mentor.Statuses.LastOrDefault() is { Readable: true, CanSend: true }, "the mentor is told the chat is theirs again");
        var after = await chat.Youth.SendAsync(chat.Id, "you're back");
        await ChatClient.EventuallyAsync(() => chat.Mentor.Received.Any(m => m.Sequence == after.Message.Sequence), "the mentor receives live again");
    }

    [Fact]
    public async Task A_youth_record_saved_without_its_sign_in_keeps_the_sign_in_linked_and_the_youths_chat_open_until_it_is_emptied()
    {
        var chat = await _world.OpenChatAsync();
        var current = await _world.CaseManager.GetAsync($"/api/youth/{chat.YouthId}");
        var youth = await current.Content.ReadFromJsonAsync<JsonElement>();

        // A client that knows nothing of the sign-in (a rename) leaves it as it is.
        var renamed = await HttpAssert.Ok<JsonElement>(await _world.CaseManager.PutJson($"/api/youth/{chat.YouthId}",
            new { displayName = "Renamed " + chat.YouthId[^4..], age = youth.GetProperty("age").GetInt32() }, current.Headers.ETag!.Tag));

        Assert.Equal(chat.YouthPersonId, renamed.GetProperty("personId").GetString());
        var sent = await chat.Youth.SendAsync(chat.Id, "still here");
        Assert.Equal("still here", sent.Message.Text);

        // Emptied, it is taken off, and the chat stops for the youth at once.
        var now = await _world.CaseManager.GetAsync($"/api/youth/{chat.YouthId}");
        var unlinked = await HttpAssert.Ok<JsonElement>(await _world.CaseManager.PutJson($"/api/youth/{chat.YouthId}",
            new { displayName = "Renamed " + chat.YouthId[^4..], age = youth.GetProperty("age").GetInt32(), personId = "" }, now.Headers.ETag!.Tag));
        Assert.Equal(JsonValueKind.Null, unlinked.GetProperty("personId").ValueKind);
        await ChatClient.EventuallyAsync(() => chat.Youth.Statuses.Any(s => !s.CanSend || !s.Readable), "the youth's open chat is told it is not theirs now");
    }

    [Fact]
    public async Task A_paused_chat_stays_readable_to_its_mentor_but_a_closed_one_does_not()
    {
        var chat = await _world.OpenChatAsync();
        await chat.Youth.SendAsync(chat.Id, "see you soon");

        await MentoringWorld.Ok(await MentoringWorld.StepAsync(_world.CaseManager, chat.Id, "pause"));
        var whilePaused = await chat.Mentor.HistoryAsync(chat.Id, null, 50);
        await ChatClient.EventuallyAsync(() => chat.Mentor.Statuses.Any(s => !s.CanSend), "the mentor is told the chat is paused");
        await Task.Delay(200);
        Assert.All(chat.Mentor.Statuses, s => Assert.True(s.Readable));
        await MentoringWorld.Ok(await _world.CaseManager.PostJson($"/api/matches/{chat.Id}/close", new { reason = "GoalsMet", planned = true }));

        Assert.Contains(whilePaused, m => m.Text == "see you soon");
        Assert.Equal("not-found", (await Assert.ThrowsAsync<ChatRefusalException>(() => chat.Mentor.HistoryAsync(chat.Id, null, 50))).Code);
        await ChatClient.EventuallyAsync(() => chat.Mentor.Statuses.Any(s => !s.Readable), "once closed, the mentor's open page is told to clear what it shows");
        Assert.Contains(await chat.Youth.HistoryAsync(chat.Id, null, 50), m => m.Text == "see you soon");
    }

    [Fact]
    public async Task A_connection_does_not_outlive_its_token()
    {
        var (match, _, youthHttp, mentorId, _) = await _world.ActiveMatchAsync();
        var lifetime = TimeSpan.FromMinutes(new AuthOptions().Development.LifetimeMinutes);
        var expiresAt = DateTimeOffset.UtcNow.AddSeconds(3);
        await using var mentor = await ChatClient.ConnectAsync(() => api.Server, api.TokenFor(mentorId, at: expiresAt - lifetime));
        await using var youth = await _world.ConnectAsync((await HttpAssert.Ok<MeDto>(await youthHttp.GetAsync("/api/me"))).Id);
        await mentor.JoinAsync(match.Id);
        await youth.JoinAsync(match.Id);
        await mentor.SendAsync(match.Id, "while the token is good");

        await Task.Delay(expiresAt - DateTimeOffset.UtcNow + TimeSpan.FromMilliseconds(1200));
        var afterwards = await youth.SendAsync(match.Id, "after the mentor's token expired");

        await AssertRefusedOrClosedAsync(mentor, c => c.SendAsync(match.Id, "after expiry"));
        await ChatClient.EventuallyAsync(() => mentor.Connection.State == HubConnectionState.Disconnected, "the connection closes and cannot reconnect with the expired token");
        Assert.DoesNotContain(mentor.Received, m => m.Sequence == afterwards.Message.Sequence);
        Assert.DoesNotContain(await youth.SinceAsync(match.Id, 0), m => m.Text == "after expiry");
    }

    [Fact]
    public async Task A_case_manager_who_hands_a_youth_over_stops_reading_their_chat_at_once()
    {
        var chat = await _world.OpenChatAsync();
        var (successorId, successor) = await _world.PersonAsync(Roles.CaseManager);

        await _world.HandOverAsync(chat.YouthId, successorId);
        var sent = await chat.Youth.SendAsync(chat.Id, "hi");
        await using var newCaseManager = await _world.ConnectAsync(successorId);
        var join = await newCaseManager.JoinAsync(chat.Id);

        await ChatClient.EventuallyAsync(() => chat.Mentor.Received.Any(m => m.Sequence == sent.Message.Sequence), "the mentor receives");
        await Task.Delay(100);
        Assert.DoesNotContain(chat.CaseManager.Received, m => m.Sequence == sent.Message.Sequence);
        Assert.Equal(ChatErrorCodes.NotFound, (await Assert.ThrowsAsync<ChatRefusalException>(() => chat.CaseManager.SinceAsync(chat.Id, 0))).Code);
        await ChatClient.EventuallyAsync(() => chat.CaseManager.Statuses.Any(s => !s.Readable), "the former case manager's open page is told to clear what it shows");
        Assert.Equal(ChatService.CaseManagerRole, join.Role);
        Assert.Contains(await newCaseManager.SinceAsync(chat.Id, 0), m => m.Sequence == sent.Message.Sequence);
        await HttpAssert.Problem(await _world.CaseManager.GetAsync($"/api/matches/{chat.Id}"), 404);
        await HttpAssert.Ok<MatchDto>(await successor.GetAsync($"/api/matches/{chat.Id}"));
    }

    /// <summary>A held message is not a way round the stop: releasing it waits until the chat is open again.</summary>
    private async Task ReleaseRefusedAsync(string conversationId, long sequence)
    {
        var flags = await HttpAssert.Ok<List<ChatTests.FlagDto>>(await _world.CaseManager.GetAsync("/api/flags?status=Open"));
        var flag = flags.Single(f => f.ConversationId == conversationId && f.MessageSequence == sequence);
        await HttpAssert.Problem(await _world.CaseManager.PostAsync($"/api/flags/{flag.Id}/release", null), 409);
    }

    /// <summary>Still joined, so told when the chat opens again, but no longer in the group its messages go to.</summary>
    private async Task AssertOutOfLiveConversationAsync(string conversationId, params string[] people)
    {
        var connections = api.Services.GetRequiredService<ChatConnections>();
        await ChatClient.EventuallyAsync(
            () => people.All(person => connections.All.Any(c => c.UserId == person && c.Joined.TryGetValue(conversationId, out var role) && role is null)),
            "mentor and youth are taken out of the live conversation");
    }

    /// <summary>Refused in words, or the server already closed the connection: either way nothing gets through.</summary>
    private static async Task AssertRefusedOrClosedAsync(ChatClient client, Func<ChatClient, Task> call)
    {
        var error = await Assert.ThrowsAnyAsync<Exception>(() => call(client));
        Assert.True(
            error is ChatRefusalException { Code: ChatErrorCodes.NotAllowed or ChatErrorCodes.SessionExpired or ChatErrorCodes.NotFound }
                || client.Connection.State != HubConnectionState.Connected

                // The client learns of the close as it calls, a moment before its State says so.
                || error is InvalidOperationException && error.Message.Contains("connection is not active", StringComparison.Ordinal),
            $"Expected a refusal or a closed connection, got {error.GetType().Name}: {error.Message}");
    }
}

/// <summary>The safety net under the events: a change no event announced still reaches open connections.</summary>
public sealed class ChatRecheckTests(ChatRecheckTests.Factory api) : IClassFixture<ChatRecheckTests.Factory>
{
    public sealed class Factory : ApiFactory
    {
        protected override IDictionary<string, string?> Settings => new Dictionary<string, string?>(base.Settings)
        {
            ["Chat:RecheckSeconds"] = "1",
        };
    }

    [Fact]
    public async Task A_deactivation_written_without_an_event_closes_the_chat_and_notice_connections_within_the_recheck_interval()
    {
        var chat = await new MentoringWorld(api).OpenChatAsync();
        var (noticePage, _) = await NoticeListener.ListenAsync(api, chat.MentorId);
        await using var closing = noticePage;
        var store = api.Services.GetRequiredService<IDocumentStore>();
        var person = (await store.ReadAsync<Person>(Person.Container, chat.MentorId, "demo", CancellationToken.None))!;

        await store.ReplaceAsync(Person.Container, person with { Active = false }, person.ETag!, CancellationToken.None);

        await ChatClient.EventuallyAsync(() => chat.Mentor.Connection.State != HubConnectionState.Connected, "the recheck closes the deactivated mentor's connection");
        await ChatClient.EventuallyAsync(() => noticePage.State != HubConnectionState.Connected, "the recheck closes the deactivated mentor's notice connection");
        var sent = await chat.Youth.SendAsync(chat.Id, "are you there?");
        await Task.Delay(100);
        Assert.DoesNotContain(chat.Mentor.Received, m => m.Sequence == sent.Message.Sequence);
    }
}
