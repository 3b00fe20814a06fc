using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;
using SurvivorConnect.Api.Features.Chat;
using SurvivorConnect.Api.Infrastructure.Auth;
using SurvivorConnect.Storage;

namespace SurvivorConnect.IntegrationTests;

public sealed class ChatTests(ChatTests.Factory api) : IClassFixture<ChatTests.Factory>
{
    public sealed class Factory : ApiFactory
    {
        protected override IDictionary<string, string?> Settings => new Dictionary<string, string?>(base.Settings)
        {
            ["Chat:SendsPerSecond"] = "20",
            ["Chat:SendBurst"] = "40",
        };
    }

    private readonly MentoringWorld _world = new(api);

    private Task<ChatClient> ConnectAsync(string subject, string agency = "demo") => _world.ConnectAsync(subject, agency);

    private Task<OpenChat> OpenChatAsync() => _world.OpenChatAsync();

    [Fact]
    public async Task A_conversation_opens_with_a_notice_that_the_case_manager_can_read_it()
    {
        var chat = await OpenChatAsync();

        var join = await chat.Youth.JoinAsync(chat.Id);
        var history = await chat.Youth.SinceAsync(chat.Id, 0);

        Assert.True(join.CanSend);
        Assert.Contains("case manager can read", join.OversightNotice, StringComparison.Ordinal);
        var first = Assert.Single(history);
        Assert.Equal((1L, "system"), (first.Sequence, first.SenderRole));
        Assert.Contains("case manager can read", first.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_message_is_stored_numbered_and_delivered_to_the_other_party_and_the_case_manager()
    {
        var chat = await OpenChatAsync();

        var sent = await chat.Mentor.SendAsync(chat.Id, "How did the interview go?");

        Assert.Equal(2, sent.Message.Sequence);
        Assert.Equal(MessageStatus.Delivered, sent.Message.Status);
        await ChatClient.EventuallyAsync(() => chat.Youth.Received.Any(m => m.Sequence == 2), "the youth receives the message");
        await ChatClient.EventuallyAsync(() => chat.CaseManager.Received.Any(m => m.Sequence == 2), "the case manager reads it live");
        Assert.Equal("mentor", chat.Youth.Received.Single(m => m.Sequence == 2).SenderRole);
    }

    [Fact]
    public async Task The_senders_other_device_receives_the_message_and_the_sending_one_has_it_once_in_its_reply()
    {
        var chat = await OpenChatAsync();
        await using var phone = await ConnectAsync(chat.MentorId);
        await phone.JoinAsync(chat.Id);

        var sent = await chat.Mentor.SendAsync(chat.Id, "Sent from the laptop");
        var answer = await chat.Youth.SendAsync(chat.Id, "Got it");

        await ChatClient.EventuallyAsync(() => phone.Received.Any(m => m.Sequence == sent.Message.Sequence), "the mentor's phone shows the laptop's message");
        await ChatClient.EventuallyAsync(() => chat.Mentor.Received.Any(m => m.Sequence == answer.Message.Sequence), "the laptop receives the answer");

        // One connection receives in order, so had the laptop been sent its own message it would be here by now.
        Assert.DoesNotContain(chat.Mentor.Received, m => m.Sequence == sent.Message.Sequence);
    }

    [Fact]
    public async Task A_conversation_whose_opening_was_lost_opens_when_a_party_joins()
    {
        var (match, _, _, mentorId, _) = await _world.ActiveMatchAsync();
        var store = api.Services.GetRequiredService<IDocumentStore>();
        await store.DeleteAsync(Conversation.Container, ChatMessage.IdFor(1), match.Id, null, CancellationToken.None);
        await store.DeleteAsync(Conversation.Container, Conversation.DocumentId, match.Id, null, CancellationToken.None);
        await using var mentor = await ConnectAsync(mentorId);

        var join = await mentor.JoinAsync(match.Id);

        Assert.True(join.CanSend);
        Assert.Equal(1, join.LastSequence);
    }

    [Fact]
    public async Task History_pages_backwards_in_order()
    {
        var chat = await OpenChatAsync();
        for (var i = 1; i <= 5; i++)
        {
            await chat.Youth.SendAsync(chat.Id, $"note {i}");
        }

        var latest = await chat.Mentor.HistoryAsync(chat.Id, null, 3);
        var earlier = await chat.Mentor.HistoryAsync(chat.Id, latest[0].Sequence, 3);

        Assert.Equal(["note 3", "note 4", "note 5"], latest.Select(m => m.Text));
        Assert.Equal([1L, 2L, 3L], earlier.Select(m => m.Sequence));
        Assert.Equal("note 2", earlier[^1].Text);
    }

    [Fact]
    public async Task The_case_manager_reads_but_cannot_write_and_their_reads_are_audited()
    {
        var chat = await OpenChatAsync();

        var refused = await Assert.ThrowsAsync<ChatRefusalException>(() => chat.CaseManager.SendAsync(chat.Id, "hello"));
        await chat.CaseManager.SinceAsync(chat.Id, 0);
        var audit = await HttpAssert.Ok<PageDto<AuditDto>>(await _world.Admin.GetAsync($"/api/audit?recordId={chat.Id}&recordType=conversation"));

        Assert.Contains("can read this chat but not write", refused.Message, StringComparison.Ordinal);
        Assert.Contains(audit.Items, e => e is { Action: "chat.join", ActorId: "demo-casemanager", Basis: "case-manager oversight of a chat" });
        Assert.Contains(audit.Items, e => e is { Action: "chat.read", ActorId: "demo-casemanager", Basis: "case-manager oversight of a chat" });
    }

    [Fact]
    public async Task A_resend_with_the_same_client_id_returns_the_same_message_and_stores_nothing_new()
    {
        var chat = await OpenChatAsync();

        var first = await chat.Youth.SendAsync(chat.Id, "see you tuesday", "client-1");
        var again = await chat.Youth.SendAsync(chat.Id, "see you tuesday", "client-1");
        var history = await chat.Youth.SinceAsync(chat.Id, 0);

        Assert.False(first.Duplicate);
        Assert.True(again.Duplicate);
        Assert.Equal(first.Message.Sequence, again.Message.Sequence);
        Assert.Single(history, m => m.ClientMessageId == "client-1");
        Assert.Single(await chat.Mentor.SinceAsync(chat.Id, 0), m => m.Sequence == first.Message.Sequence);
    }

    [Fact]
    public async Task A_mentor_the_chat_is_closed_to_learns_nothing_by_sending_a_message_again()
    {
        var chat = await OpenChatAsync();
        await chat.Mentor.SendAsync(chat.Id, "see you next week", "client-closed");

        await MentoringWorld.Ok(await _world.CaseManager.PostJson($"/api/matches/{chat.Id}/close", new { reason = "GoalsMet", planned = true }));

        var refused = await Assert.ThrowsAsync<ChatRefusalException>(() => chat.Mentor.SendAsync(chat.Id, "see you next week", "client-closed"));
        Assert.Equal(ChatErrorCodes.CannotSend, refused.Code);
        Assert.Equal(ChatService.ChatClosedToYou, refused.Message);
    }

    [Fact]
    public async Task Nothing_a_party_chooses_besides_their_words_reaches_the_other_party_past_the_case_managers_oversight()
    {
        var chat = await OpenChatAsync();

        // A message id and a read receipt of their own making, each carrying a number.
        var sent = await chat.Mentor.SendAsync(chat.Id, "hello there", "call-me-555-0134");
        await Assert.ThrowsAsync<ChatRefusalException>(() => chat.Mentor.MarkReadAsync(chat.Id, 5550134L));
        await chat.Mentor.MarkReadAsync(chat.Id, sent.Message.Sequence);

        Assert.Equal("call-me-555-0134", sent.Message.ClientMessageId);
        await ChatClient.EventuallyAsync(() => chat.Youth.Received.Any(m => m.Text == "hello there"), "the youth hears the message live");
        await ChatClient.EventuallyAsync(() => chat.Youth.Reads.Contains(sent.Message.Sequence), "the youth sees the read receipt");
        Assert.All(chat.Youth.Received, m => Assert.Null(m.ClientMessageId));
        Assert.All(await chat.Youth.SinceAsync(chat.Id, 0), m => Assert.Null(m.ClientMessageId));
        Assert.All(await chat.Youth.HistoryAsync(chat.Id, null, 50), m => Assert.Null(m.ClientMessageId));
        Assert.DoesNotContain(5550134L, chat.Youth.Reads);

        // Receipts going back and forth (5, 5, 9, ...) could spell digits: only one that reads on is relayed, from
        // whichever of the person's connections (a new one starts nothing afresh).
        var later = await chat.Mentor.SendAsync(chat.Id, "one more");
        await chat.Mentor.MarkReadAsync(chat.Id, later.Message.Sequence);
        await chat.Mentor.MarkReadAsync(chat.Id, sent.Message.Sequence);
        await chat.Mentor.MarkReadAsync(chat.Id, later.Message.Sequence);
        await using (var another = await _world.ConnectAsync(chat.MentorId))
        {
            await another.JoinAsync(chat.Id);
            await another.MarkReadAsync(chat.Id, sent.Message.Sequence);
        }

        var last = await chat.Mentor.SendAsync(chat.Id, "bye for now");
        await chat.Mentor.MarkReadAsync(chat.Id, last.Message.Sequence);
        await ChatClient.EventuallyAsync(() => chat.Youth.Reads.Contains(last.Message.Sequence), "the youth sees the last receipt");
        Assert.Equal([sent.Message.Sequence, later.Message.Sequence, last.Message.Sequence], chat.Youth.Reads);
        Assert.Equal("call-me-555-0134", Assert.Single(await chat.Mentor.SinceAsync(chat.Id, 0), m => m.Text == "hello there").ClientMessageId);
    }

    [Fact]
    public async Task A_resend_of_a_stored_message_whose_answer_was_lost_reaches_whoever_missed_it_live()
    {
        var chat = await OpenChatAsync();
        await chat.Mentor.DisposeAsync();
        var first = await chat.Youth.SendAsync(chat.Id, "I need to talk, something happened", "client-lost");

        // The mentor's page connected after the message was stored and pushed; the youth's answer never came, so they send it again.
        await using var mentor = await ConnectAsync(chat.MentorId);
        await mentor.JoinAsync(chat.Id);
        var again = await chat.Youth.SendAsync(chat.Id, "I need to talk, something happened", "client-lost");

        Assert.True(again.Duplicate);
        await ChatClient.EventuallyAsync(() => mentor.Received.Any(m => m.Sequence == first.Message.Sequence), "the mentor's open page receives it");
    }

    [Fact]
    public async Task A_client_that_reconnects_gets_exactly_the_messages_it_missed()
    {
        var chat = await OpenChatAsync();
        await chat.Mentor.SendAsync(chat.Id, "before");
        var last = (await chat.Youth.SinceAsync(chat.Id, 0))[^1].Sequence;
        await chat.Youth.DisposeAsync();

        for (var i = 0; i < 5; i++)
        {
            await chat.Mentor.SendAsync(chat.Id, $"while away {i}");
        }

        await using var back = await ConnectAsync((await HttpAssert.Ok<MeDto>(await chat.YouthHttp.GetAsync("/api/me"))).Id);
        await back.JoinAsync(chat.Id);
        var missed = await back.SinceAsync(chat.Id, last);

        Assert.Equal(Enumerable.Range(0, 5).Select(i => $"while away {i}"), missed.Select(m => m.Text));
        Assert.Equal(Enumerable.Range((int)last + 1, 5).Select(i => (long)i), missed.Select(m => m.Sequence));
    }

    [Fact]
    public async Task Pausing_the_match_stops_new_messages_at_once_and_says_why_and_resuming_restarts_them()
    {
        var chat = await OpenChatAsync();

        await MentoringWorld.Ok(await MentoringWorld.StepAsync(_world.CaseManager, chat.Id, "pause"));
        await ChatClient.EventuallyAsync(() => chat.Youth.Statuses.Any(s => !s.CanSend), "the youth is told sending stopped");
        var refused = await Assert.ThrowsAsync<ChatRefusalException>(() => chat.Mentor.SendAsync(chat.Id, "are you there?"));
        await MentoringWorld.Ok(await MentoringWorld.StepAsync(_world.CaseManager, chat.Id, "resume"));
        var sent = await chat.Mentor.SendAsync(chat.Id, "welcome back");

        Assert.Contains("paused", refused.Message, StringComparison.Ordinal);
        Assert.Contains("paused", chat.Mentor.Statuses.First(s => !s.CanSend).Reason, StringComparison.Ordinal);
        Assert.Equal(MessageStatus.Delivered, sent.Message.Status);
    }

    [Fact]
    public async Task Revoked_consent_stops_new_messages_at_once()
    {
        var chat = await OpenChatAsync();
        var consents = await HttpAssert.Ok<List<MentoringTests.ConsentDto>>(await chat.MentorHttp.GetAsync($"/api/consents?subjectId={chat.MentorId}"));

        await HttpAssert.Ok<MentoringTests.ConsentDto>(await chat.MentorHttp.PostAsync($"/api/consents/{consents.Single(c => c.MatchId == chat.Id).Id}/revoke", null));
        var refused = await Assert.ThrowsAsync<ChatRefusalException>(() => chat.Youth.SendAsync(chat.Id, "hello?"));

        Assert.Contains("Consent for this chat has been withdrawn", refused.Message, StringComparison.Ordinal);
        await ChatClient.EventuallyAsync(() => chat.Youth.Statuses.Any(s => !s.CanSend && s.Reason!.Contains("Consent", StringComparison.Ordinal)), "both are told why");
    }

    [Fact]
    public async Task A_hold_that_stops_chat_stops_it_and_a_closed_match_ends_it()
    {
        var chat = await OpenChatAsync();

        await MentoringWorld.Ok(await _world.Supervisor.PostAsJsonAsync($"/api/mentors/{chat.MentorId}/hold", new { reason = "rest", stopsChat = true }));
        var held = await Assert.ThrowsAsync<ChatRefusalException>(() => chat.Mentor.SendAsync(chat.Id, "hi"));
        var heldForYouth = await Assert.ThrowsAsync<ChatRefusalException>(() => chat.Youth.SendAsync(chat.Id, "hi?"));
        await MentoringWorld.Ok(await MentoringWorld.LiftHoldAsync(_world.Supervisor, chat.MentorId));
        await chat.Mentor.SendAsync(chat.Id, "back again");
        await MentoringWorld.Ok(await _world.CaseManager.PostAsJsonAsync($"/api/matches/{chat.Id}/close", new { reason = "GoalsMet", planned = true }));
        var closed = await Assert.ThrowsAsync<ChatRefusalException>(() => chat.Youth.SendAsync(chat.Id, "bye"));

        Assert.Equal("This chat is paused for now.", held.Message);
        Assert.Equal("This chat is paused for now.", heldForYouth.Message);
        Assert.Contains("ended", closed.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_resend_key_of_one_party_never_returns_the_other_partys_held_message()
    {
        // Ids chosen so that sender + client id read the same when joined with '-': "x-y" + "z" and "x" + "y-z".
        var stem = $"key{Guid.NewGuid():N}"[..12];
        var (mentorId, mentorHttp) = await _world.ReadyMentorAsync(id: stem);
        var (youthId, youthHttp) = await _world.YouthAsync(personId: $"{stem}-b");
        var match = await _world.ProposeAsync(youthId, mentorId);
        await MentoringWorld.Ok(await mentorHttp.PostAsync($"/api/matches/{match.Id}/accept", null));
        await MentoringWorld.Ok(await youthHttp.PostAsync($"/api/matches/{match.Id}/agree", null));
        await using var mentor = await ConnectAsync(mentorId);
        await using var youth = await ConnectAsync($"{stem}-b");

        var held = await mentor.SendAsync(match.Id, "text me at 559-555-0134", "b-c");
        var mine = await youth.SendAsync(match.Id, "hello", "c");

        Assert.Equal(MessageStatus.Held, held.Message.Status);
        Assert.False(mine.Duplicate);
        Assert.Equal("hello", mine.Message.Text);
        Assert.NotEqual(held.Message.Sequence, mine.Message.Sequence);
    }

    [Fact]
    public async Task Contact_details_are_held_for_review_and_a_released_message_is_then_delivered()
    {
        var chat = await OpenChatAsync();

        var sent = await chat.Mentor.SendAsync(chat.Id, "text me at 559-555-0134");
        await ChatClient.EventuallyAsync(() => !chat.CaseManager.Flags.IsEmpty, "the case manager is told of the flag");
        var flags = await HttpAssert.Ok<List<FlagDto>>(await _world.CaseManager.GetAsync("/api/flags?status=Open"));
        var flag = flags.Single(f => f.ConversationId == chat.Id);
        await Task.Delay(100);
        var youthSawIt = chat.Youth.Received.Any(m => m.Sequence == sent.Message.Sequence);
        await HttpAssert.Ok<FlagDto>(await _world.CaseManager.PostAsync($"/api/flags/{flag.Id}/release", null));

        Assert.Equal(MessageStatus.Held, sent.Message.Status);
        Assert.Contains("held for the case manager to review", sent.Notice, StringComparison.Ordinal);
        Assert.False(youthSawIt);
        Assert.True(flag.Held);
        Assert.Contains("phone-number", flag.Kinds);
        await ChatClient.EventuallyAsync(() => chat.Youth.Received.Any(m => m.Text == sent.Message.Text), "the released message reaches the youth");
        await ChatClient.EventuallyAsync(() => chat.Mentor.Received.Any(m => m.ReleasedFrom == sent.Message.Sequence), "its sender's page is told which held message it delivers");
        await ChatClient.EventuallyAsync(() => chat.CaseManager.Received.Any(m => m.ReleasedFrom == sent.Message.Sequence), "so is the case manager's");
        // The youth is never told a message was held: it reaches them as any new message does.
        Assert.All(chat.Youth.Received, m => Assert.Null(m.ReleasedFrom));
        await HttpAssert.Problem(await _world.CaseManager.PostAsync($"/api/flags/{flag.Id}/release", null), 409);
    }

    [Fact]
    public async Task A_released_message_s_words_reach_only_the_case_manager_s_pages_showing_the_chat_where_reading_it_is_audited()
    {
        var chat = await OpenChatAsync();
        await using var flagsPage = await _world.ConnectAsync("demo-casemanager");
        var sent = await chat.Mentor.SendAsync(chat.Id, "text me at 559-555-0177");
        await ChatClient.EventuallyAsync(() => !chat.CaseManager.Flags.IsEmpty, "the case manager is told of the flag");
        var flag = (await HttpAssert.Ok<List<FlagDto>>(await _world.CaseManager.GetAsync("/api/flags?status=Open"))).Single(f => f.ConversationId == chat.Id);

        await HttpAssert.Ok<FlagDto>(await _world.CaseManager.PostAsync($"/api/flags/{flag.Id}/release", null));

        await ChatClient.EventuallyAsync(() => flagsPage.Received.Any(m => m.ReleasedFrom == sent.Message.Sequence), "the page not showing the chat is told which held message went");
        await ChatClient.EventuallyAsync(() => chat.CaseManager.Received.Any(m => m.Text == sent.Message.Text && m.Status == MessageStatus.Delivered), "the page showing it gets its words");
        Assert.DoesNotContain(flagsPage.Received, m => m.Text.Contains("559-555-0177", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_mentor_asking_a_youth_to_keep_a_secret_or_offering_a_ride_is_held_and_the_youth_saying_it_is_delivered()
    {
        var chat = await OpenChatAsync();

        var fromMentor = await chat.Mentor.SendAsync(chat.Id, "don\u2019t tell your case manager, I can pick you up after school");
        var fromYouth = await chat.Youth.SendAsync(chat.Id, "my aunt can pick me up after school");
        await ChatClient.EventuallyAsync(() => chat.Mentor.Received.Any(m => m.Sequence == fromYouth.Message.Sequence), "the youth's message reaches the mentor");

        Assert.Equal(MessageStatus.Held, fromMentor.Message.Status);
        Assert.Contains("held for the case manager to review", fromMentor.Notice, StringComparison.Ordinal);
        Assert.Equal(MessageStatus.Delivered, fromYouth.Message.Status);
        Assert.DoesNotContain(chat.Youth.Received, m => m.Sequence == fromMentor.Message.Sequence);
        Assert.DoesNotContain(await chat.Youth.HistoryAsync(chat.Id, null, 50), m => m.Sequence == fromMentor.Message.Sequence);
        var flag = (await HttpAssert.Ok<List<FlagDto>>(await _world.CaseManager.GetAsync("/api/flags?status=Open"))).Single(f => f.ConversationId == chat.Id && f.MessageSequence == fromMentor.Message.Sequence);
        Assert.True(flag.Held);
        Assert.Contains("secrecy", flag.Kinds);
        Assert.Contains("pick-up-or-ride", flag.Kinds);
    }

    [Fact]
    public async Task Someone_made_a_case_manager_while_their_chat_is_open_hears_of_a_flag_live_from_then_on()
    {
        var chat = await OpenChatAsync();
        var (personId, _) = await _world.PersonAsync(Roles.Mentor);
        await using var open = await ConnectAsync(personId);

        await _world.SetRolesAsync(personId, Roles.CaseManager);
        var youth = await _world.CaseManager.GetAsync($"/api/youth/{chat.YouthId}");
        await HttpAssert.Ok<JsonElement>(await _world.CaseManager.PutJson(
            $"/api/youth/{chat.YouthId}/case-managers", new { caseManagerIds = new[] { "demo-casemanager", personId } }, youth.Headers.ETag!.Tag));
        await chat.Mentor.SendAsync(chat.Id, "we should meet up this weekend");

        await ChatClient.EventuallyAsync(() => !open.Flags.IsEmpty, "the new case manager's open connection is told of the flag");
    }

    [Fact]
    public async Task Earlier_messages_stay_reachable_behind_a_page_of_messages_held_for_review()
    {
        var chat = await OpenChatAsync();
        var earlier = await chat.Youth.SendAsync(chat.Id, "how was school");
        for (var i = 0; i < 4; i++)
        {
            await chat.Mentor.SendAsync(chat.Id, $"my number is 559-555-013{i}");
        }

        var page = await chat.Youth.HistoryAsync(chat.Id, null, 2);

        Assert.Equal(earlier.Message.Sequence, page[^1].Sequence);
    }

    [Fact]
    public async Task A_message_released_while_the_youth_was_away_reaches_them_when_they_catch_up_from_where_they_were()
    {
        var chat = await OpenChatAsync();
        var held = await chat.Mentor.SendAsync(chat.Id, "my number is 559-555-0134");
        var after = await chat.Mentor.SendAsync(chat.Id, "see you next week");
        var caughtUp = await chat.Youth.SincePageAsync(chat.Id, 0);
        Assert.DoesNotContain(caughtUp.Messages, m => m.Sequence == held.Message.Sequence);
        Assert.True(caughtUp.Through >= after.Message.Sequence);
        await chat.Youth.DisposeAsync();

        await HttpAssert.Ok<FlagDto>(await _world.CaseManager.PostAsync($"/api/flags/{(await OpenFlagAsync(chat.Id)).Id}/release", null));
        await using var back = await _world.ConnectAsync(chat.YouthPersonId);
        await back.JoinAsync(chat.Id);
        var since = await back.SinceAsync(chat.Id, caughtUp.Through);
        var history = await back.HistoryAsync(chat.Id, null, 50);

        var released = Assert.Single(since);
        Assert.Equal(held.Message.Text, released.Text);
        Assert.Null(released.ReleasedFrom);
        Assert.All(history, m => Assert.Null(m.ReleasedFrom));
        Assert.Single(history, m => m.Text == held.Message.Text);
        Assert.Single(await chat.Mentor.HistoryAsync(chat.Id, null, 50), m => m.Text == held.Message.Text);
    }

    [Fact]
    public async Task A_held_message_is_not_released_while_the_chat_is_stopped_and_is_not_resolved_away()
    {
        var chat = await OpenChatAsync();
        var held = await chat.Mentor.SendAsync(chat.Id, "add me on snapchat");
        var flag = await OpenFlagAsync(chat.Id);
        await MentoringWorld.Ok(await MentoringWorld.HoldAsync(_world.Supervisor, chat.MentorId, "rest", stopsChat: true));

        var whileHeld = await HttpAssert.Problem(await _world.CaseManager.PostAsync($"/api/flags/{flag.Id}/release", null), 409);
        var resolved = await HttpAssert.Problem(await _world.CaseManager.PostAsJsonAsync($"/api/flags/{flag.Id}/resolve", new { note = "seen" }), 409);

        Assert.Contains("paused", whileHeld.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Contains("release it to deliver it, or reject it", resolved.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.DoesNotContain(await chat.Youth.SinceAsync(chat.Id, 0), m => m.Text == held.Message.Text);

        await MentoringWorld.Ok(await MentoringWorld.LiftHoldAsync(_world.Supervisor, chat.MentorId));
        await HttpAssert.Ok<FlagDto>(await _world.CaseManager.PostAsync($"/api/flags/{flag.Id}/release", null));
        Assert.Contains(await chat.Youth.SinceAsync(chat.Id, 0), m => m.Text == held.Message.Text);
    }

    [Fact]
    public async Task On_the_flags_page_each_flag_has_its_own_note_which_stays_as_typed_when_refused()
    {
        var first = await OpenChatAsync();
        var second = await OpenChatAsync();
        await first.Youth.SendAsync(first.Id, "i want to kill myself");
        await second.Youth.SendAsync(second.Id, "i want to kill myself");
        var (a, b) = (await OpenFlagAsync(first.Id), await OpenFlagAsync(second.Id));
        var page = await PortalSession.SignedInAsync(api, "demo-casemanager");
        await page.GetStringAsync("/flags");

        var tooLong = "Spoke with them today " + new string('x', 2000);
        var refused = await PortalSession.PostFormAsync(page, "/flags", $"review-{b.Id}", ("Act", "resolve"), ("Note", tooLong));
        var stillOpen = await HttpAssert.Ok<List<FlagDto>>(await _world.CaseManager.GetAsync("/api/flags?status=Open"));
        var resolved = await PortalSession.PostFormAsync(page, "/flags", $"review-{b.Id}", ("Act", "resolve"), ("Note", "Spoke with them today."));
        var done = await HttpAssert.Ok<List<JsonElement>>(await _world.CaseManager.GetAsync("/api/flags?status=Resolved"));

        Assert.Contains(stillOpen, f => f.Id == a.Id);
        Assert.Contains(stillOpen, f => f.Id == b.Id);
        Assert.Contains($"id=\"review-note-{b.Id}-error\"", refused, StringComparison.Ordinal);
        Assert.DoesNotContain($"id=\"review-note-{a.Id}-error\"", refused, StringComparison.Ordinal);
        Assert.Contains($"value=\"{tooLong}\"", refused, StringComparison.Ordinal);
        Assert.Contains("The flag is resolved.", resolved, StringComparison.Ordinal);
        Assert.Equal("Spoke with them today.", done.Single(f => f.GetProperty("id").GetString() == b.Id).GetProperty("resolutionNote").GetString());
        Assert.DoesNotContain(done, f => f.GetProperty("id").GetString() == a.Id);
    }

    private async Task<FlagDto> OpenFlagAsync(string conversationId) =>
        (await HttpAssert.Ok<List<FlagDto>>(await _world.CaseManager.GetAsync("/api/flags?status=Open"))).Single(f => f.ConversationId == conversationId);

    [Fact]
    public async Task A_message_kept_back_after_the_youth_moved_to_a_new_sign_in_is_not_pushed_to_the_old_one_s_open_page()
    {
        var chat = await OpenChatAsync();
        var sent = await chat.Youth.SendAsync(chat.Id, "add me on snapchat, old phone");
        await ChatClient.EventuallyAsync(() => !chat.CaseManager.Flags.IsEmpty, "the flag");

        // The old phone may be in someone else's hands: the case manager gives the youth a new sign-in.
        var (newSignIn, _) = await _world.PersonAsync(Roles.Youth);
        await _world.LinkSignInAsync(chat.YouthId, newSignIn);
        await ChatClient.EventuallyAsync(() => chat.Youth.Statuses.Any(s => s.ConversationId == chat.Id && !s.Readable), "the old page is told it may no longer read");
        await HttpAssert.Ok<FlagDto>(await _world.CaseManager.PostAsync($"/api/flags/{chat.CaseManager.Flags.First().Id}/reject", null));
        await Task.Delay(TimeSpan.FromMilliseconds(500));

        Assert.DoesNotContain(chat.Youth.Received, m => m.Sequence == sent.Message.Sequence && m.Status == MessageStatus.Rejected);
    }

    [Fact]
    public async Task A_rejected_message_is_never_delivered_and_the_sender_still_sees_it_as_rejected()
    {
        var chat = await OpenChatAsync();
        var sent = await chat.Youth.SendAsync(chat.Id, "add me on snapchat");
        await ChatClient.EventuallyAsync(() => !chat.CaseManager.Flags.IsEmpty, "the flag");

        await HttpAssert.Ok<FlagDto>(await _world.CaseManager.PostAsync($"/api/flags/{chat.CaseManager.Flags.First().Id}/reject", null));
        var youthView = await chat.Youth.SinceAsync(chat.Id, 1);
        var mentorView = await chat.Mentor.SinceAsync(chat.Id, 1);

        Assert.Equal(MessageStatus.Rejected, Assert.Single(youthView, m => m.Sequence == sent.Message.Sequence).Status);
        Assert.DoesNotContain(mentorView, m => m.Sequence == sent.Message.Sequence);

        // The sender's open page is told at once that it was kept back; the other party hears nothing of it.
        await ChatClient.EventuallyAsync(() => chat.Youth.Received.Any(m => m.Sequence == sent.Message.Sequence && m.Status == MessageStatus.Rejected), "the sender is told live");
        Assert.DoesNotContain(chat.Mentor.Received, m => m.Sequence == sent.Message.Sequence);
    }

    [Fact]
    public async Task Crisis_language_is_delivered_flagged_urgent_at_once_and_the_sender_sees_crisis_resources()
    {
        var chat = await OpenChatAsync();

        var sent = await chat.Youth.SendAsync(chat.Id, "honestly I want to die");

        Assert.Equal(MessageStatus.Delivered, sent.Message.Status);
        Assert.Contains(sent.CrisisResources!, r => r.Contact.Contains("988", StringComparison.Ordinal));
        Assert.Contains(sent.CrisisResources!, r => r.Contact.Contains("1-888-373-7888", StringComparison.Ordinal) && r.Contact.Contains("233733", StringComparison.Ordinal));
        await ChatClient.EventuallyAsync(() => chat.CaseManager.Flags.Any(f => f.Urgent), "an urgent flag reaches the case manager in real time");
        await ChatClient.EventuallyAsync(() => chat.Mentor.Received.Any(m => m.Sequence == sent.Message.Sequence), "the mentor receives it");
    }

    [Fact]
    public async Task A_flagged_mentor_message_raises_a_wellbeing_prompt_and_the_flag_is_resolved_with_a_note()
    {
        var chat = await OpenChatAsync();

        await chat.Mentor.SendAsync(chat.Id, "we should meet up this weekend");
        await ChatClient.EventuallyAsync(() => !chat.CaseManager.Flags.IsEmpty, "the flag");
        var flag = chat.CaseManager.Flags.First();
        await HttpAssert.Problem(await _world.CaseManager.PostJson($"/api/flags/{flag.Id}/resolve", new { }), 400);
        var resolved = await HttpAssert.Ok<FlagDto>(await _world.CaseManager.PostJson($"/api/flags/{flag.Id}/resolve", new { note = "Talked with the mentor about boundaries." }));
        var prompts = await api.Services.GetRequiredService<IDocumentStore>().QueryAsync<WellbeingPrompt>(WellbeingPrompt.Container,
            new DocumentQuery { PartitionKey = "demo", Filters = [Filter.Eq("mentorId", chat.MentorId)] }, CancellationToken.None);

        Assert.False(flag.Held);
        Assert.Equal("Resolved", resolved.Status);
        Assert.Single(prompts.Items, p => p.FlagId == flag.Id);
        var namingTheMentor = await HttpAssert.Ok<PageDto<AuditDto>>(await _world.Admin.GetAsync($"/api/audit?recordId={chat.MentorId}&recordType=mentor"));
        Assert.DoesNotContain(namingTheMentor.Items, e => e.Action.StartsWith("wellbeing.", StringComparison.Ordinal));
        await HttpAssert.Problem(await api.As("north-casemanager").PostJson($"/api/flags/{flag.Id}/resolve", new { note = "x" }), 404);
    }

    [Fact]
    public async Task Nobody_outside_the_match_can_join_read_or_send()
    {
        var chat = await OpenChatAsync();
        var (otherMentorId, _) = await _world.ReadyMentorAsync();
        await using var outsider = await ConnectAsync(otherMentorId);
        await using var north = await ConnectAsync("north-casemanager", "demo-north");

        foreach (var client in new[] { outsider, north })
        {
            Assert.Contains("no such conversation", (await Assert.ThrowsAsync<ChatRefusalException>(() => client.JoinAsync(chat.Id))).Message, StringComparison.Ordinal);
            await Assert.ThrowsAsync<ChatRefusalException>(() => client.SinceAsync(chat.Id, 0));
            await Assert.ThrowsAsync<ChatRefusalException>(() => client.SendAsync(chat.Id, "let me in"));
        }

        await chat.Mentor.SendAsync(chat.Id, "private");
        await Task.Delay(100);
        Assert.Empty(outsider.Received);
    }

    [Fact]
    public async Task An_expired_token_cannot_connect()
    {
        var expired = api.TokenFor("demo-mentor", at: DateTimeOffset.UtcNow.AddDays(-2));

        await Assert.ThrowsAnyAsync<Exception>(() => ChatClient.ConnectAsync(() => api.Server, expired));
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("\u200B\u200D")]
    public async Task Empty_messages_are_refused(string text)
    {
        var chat = await OpenChatAsync();

        var error = await Assert.ThrowsAsync<ChatRefusalException>(() => chat.Mentor.SendAsync(chat.Id, text));

        Assert.Contains("needs some text", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Overlong_broken_and_disguised_text_is_refused_or_cleaned_and_markup_stays_text()
    {
        var chat = await OpenChatAsync();

        var tooLong = await Assert.ThrowsAsync<ChatRefusalException>(() => chat.Mentor.SendAsync(chat.Id, new string('a', 2001)));
        var broken = await BrokenTextOutcomeAsync(chat);
        var disguised = await chat.Mentor.SendAsync(chat.Id, "call\u200B 5\u200B5\u200B9-555-0134 \u202Eevil");
        var markup = await chat.Mentor.SendAsync(chat.Id, "<script>alert('x')</script> & <b>bold</b>");
        var badId = await Assert.ThrowsAsync<ChatRefusalException>(() => chat.Mentor.SendAsync(chat.Id, "hi", "bad id with spaces"));

        Assert.Contains("at most 2000", tooLong.Message, StringComparison.Ordinal);
        Assert.True(broken is null || !broken.Any(char.IsSurrogate), "broken UTF-16 was stored");
        Assert.Equal(MessageStatus.Held, disguised.Message.Status);
        Assert.DoesNotContain('\u202E', disguised.Message.Text);
        Assert.Equal("<script>alert('x')</script> & <b>bold</b>", markup.Message.Text);
        await ChatClient.EventuallyAsync(() => chat.Youth.Received.Any(m => m.Text == "<script>alert('x')</script> & <b>bold</b>"), "markup arrives as the same text");
        Assert.Contains("client message id", badId.Message, StringComparison.Ordinal);
    }

    /// <summary>
    /// Sends text with a lone surrogate. The client's JSON writer may already replace it with U+FFFD; the
    /// server refuses what still arrives broken. Returns what was stored, or null when refused.
    /// </summary>
    private static async Task<string?> BrokenTextOutcomeAsync(OpenChat chat)
    {
        try
        {
            return (await chat.Mentor.SendAsync(chat.Id, "oops " + (char)0xD800)).Message.Text;
        }
        catch (ChatRefusalException ex) when (ex.Message.Contains("broken characters", StringComparison.Ordinal))
        {
            return null;
        }
    }

    [Fact]
    public async Task A_message_over_the_receive_limit_closes_only_that_connection()
    {
        var chat = await OpenChatAsync();
        var dropped = new TaskCompletionSource();
        chat.Mentor.Connection.Reconnecting += _ =>
        {
            dropped.TrySetResult();
            return Task.CompletedTask;
        };
        chat.Mentor.Connection.Closed += _ =>
        {
            dropped.TrySetResult();
            return Task.CompletedTask;
        };

        await Assert.ThrowsAnyAsync<Exception>(() => chat.Mentor.SendAsync(chat.Id, new string('x', ChatModule.MaxReceiveMessageBytes * 2)));
        await dropped.Task.WaitAsync(TimeSpan.FromSeconds(5));
        var youthStillSends = await chat.Youth.SendAsync(chat.Id, "still here");

        Assert.Equal(MessageStatus.Delivered, youthStillSends.Message.Status);
        Assert.DoesNotContain(await chat.Youth.SinceAsync(chat.Id, 0), m => m.Text.StartsWith("xxxx", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_flood_of_sends_from_one_user_is_limited_without_affecting_others()
    {
        var chat = await OpenChatAsync();

        var flood = await Task.WhenAll(Enumerable.Range(0, 1000).Select(async i =>
        {
            try
            {
                await chat.Mentor.SendAsync(chat.Id, $"flood {i}");
                return "sent";
            }
            catch (ChatRefusalException ex) when (ex.Code == ChatErrorCodes.RateLimited)
            {
                return "limited";
            }
        }));
        var youth = await chat.Youth.SendAsync(chat.Id, "I can still talk");

        Assert.InRange(flood.Count(r => r == "sent"), 1, 100);
        Assert.True(flood.Count(r => r == "limited") >= 900);
        Assert.Equal(MessageStatus.Delivered, youth.Message.Status);
    }

    [Fact]
    public async Task Read_receipts_reach_the_other_party_and_are_not_stored_and_nothing_else_unstored_is_relayed()
    {
        var chat = await OpenChatAsync();

        await chat.Mentor.MarkReadAsync(chat.Id, 1L);

        await ChatClient.EventuallyAsync(() => chat.Youth.Reads.Contains(1), "the youth sees the read receipt");
        Assert.Single(await chat.Youth.SinceAsync(chat.Id, 0));

        // A typing signal, sent as often as a client likes, would spell a phone number to the other party past the case
        // manager's oversight.
        await Assert.ThrowsAsync<HubException>(() => chat.Youth.Connection.InvokeAsync<HubReply>("Typing", chat.Id));
    }

    [Fact]
    public async Task A_browser_from_an_origin_not_on_the_allow_list_cannot_open_the_chat()
    {
        await Assert.ThrowsAnyAsync<Exception>(() => ChatClient.ConnectAsync(() => api.Server, api.TokenFor("demo-mentor"), origin: "https://evil.example"));
        await using var allowed = await ChatClient.ConnectAsync(() => api.Server, api.TokenFor("demo-mentor"), origin: "http://localhost:5080");

        Assert.Equal(Microsoft.AspNetCore.SignalR.Client.HubConnectionState.Connected, allowed.Connection.State);
    }

    public sealed record FlagDto(string Id, string ConversationId, long MessageSequence, string SenderRole, List<string> Kinds, bool Urgent, bool Held, string Status, bool NotSent = false);
}
