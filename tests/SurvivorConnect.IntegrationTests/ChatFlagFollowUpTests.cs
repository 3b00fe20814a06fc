using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using SurvivorConnect.Api.Features.Chat;
using SurvivorConnect.Api.Features.Notifications;
using SurvivorConnect.Api.Infrastructure.Auth;
using SurvivorConnect.Storage;

namespace SurvivorConnect.IntegrationTests;

/// <summary>
/// A flagged message is never left without its flag. A send whose flag could not be written once the message was
/// stored still answers as a send (never "nothing was sent"), with the crisis lines; sent again, it raises the flag at
/// once; left alone, the worker raises it. The youth's case managers are told of an urgent or held message in their
/// notices, not only on a Flags page they may not have open.
/// </summary>
public sealed class ChatFlagFollowUpTests(ClockedCountingApiFactory api) : IClassFixture<ClockedCountingApiFactory>
{
    private readonly MentoringWorld _world = new(api);

    [Fact]
    public async Task A_crisis_message_whose_flag_was_not_written_gets_its_crisis_lines_and_the_worker_raises_the_flag_and_tells_the_case_manager_once()
    {
        var chat = await _world.OpenChatAsync();

        var reply = await api.FailingWriteOnceAsync(d => d is SafetyFlag, () => chat.Youth.SendAsync(chat.Id, "I want to die", "crisis-1"));

        Assert.NotEmpty(reply.CrisisResources!);
        Assert.Equal(MessageStatus.Delivered, reply.Message.Status);
        Assert.Empty(await FlagsAsync(chat.Id));
        await RunWorkerAsync(after: ChatFlagFollowUp.Grace - TimeSpan.FromSeconds(1));
        Assert.Empty(await FlagsAsync(chat.Id));

        await RunWorkerAsync(after: TimeSpan.FromSeconds(1));
        await RunWorkerAsync(after: TimeSpan.FromMinutes(1));

        var flag = Assert.Single(await FlagsAsync(chat.Id));
        Assert.True(flag.Urgent);
        Assert.Equal(reply.Message.Sequence, flag.MessageSequence);
        Assert.Single(await NoticesAsync(flag));
        Assert.Empty(await FollowUpsLeftAsync());
    }

    [Fact]
    public async Task A_resend_of_a_crisis_message_whose_flag_was_not_written_raises_it_at_once_and_shows_the_crisis_lines_again()
    {
        var chat = await _world.OpenChatAsync();
        await api.FailingWriteOnceAsync(d => d is SafetyFlag, () => chat.Youth.SendAsync(chat.Id, "he's going to hurt me", "crisis-2"));

        var again = await chat.Youth.SendAsync(chat.Id, "he's going to hurt me", "crisis-2");

        Assert.True(again.Duplicate);
        Assert.NotEmpty(again.CrisisResources!);
        var flag = Assert.Single(await FlagsAsync(chat.Id));
        Assert.True(flag.Urgent);
        Assert.Empty(await FollowUpsLeftAsync());
    }

    [Fact]
    public async Task A_delivered_grooming_sign_is_in_the_case_manager_s_notices_and_not_in_those_of_one_who_no_longer_is()
    {
        var chat = await _world.OpenChatAsync();
        var (formerId, former) = await _world.PersonAsync(Roles.CaseManager);
        var youth = await _world.CaseManager.GetAsync($"/api/youth/{chat.YouthId}");
        await HttpAssert.Ok<JsonElement>(await _world.CaseManager.PutJson(
            $"/api/youth/{chat.YouthId}/case-managers", new { caseManagerIds = new[] { "demo-casemanager", formerId } }, youth.Headers.ETag!.Tag));
        var person = await _world.Admin.GetAsync($"/api/people/{formerId}");
        await HttpAssert.Ok<JsonElement>(await _world.Admin.PutJson($"/api/people/{formerId}/roles", new { roles = new[] { Roles.Mentor } }, person.Headers.ETag!.Tag));

        await chat.Youth.SendAsync(chat.Id, "my mentor said don\u2019t tell your case manager, they can pick me up");

        var flag = Assert.Single(await FlagsAsync(chat.Id));
        Assert.False(flag.Urgent);
        var notice = Assert.Single(await NoticesAsync(flag));
        Assert.Equal("chat-flagged", notice.Kind);
        Assert.DoesNotContain(await former.NoticesAsync(), n => n.Kind.StartsWith("chat-", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Words_of_danger_sent_into_a_paused_chat_are_not_kept_but_show_the_crisis_lines_and_raise_an_urgent_flag_told_again_until_dealt_with()
    {
        var chat = await _world.OpenChatAsync();
        await MentoringWorld.Ok(await MentoringWorld.StepAsync(_world.CaseManager, chat.Id, "pause"));

        var danger = await Assert.ThrowsAsync<ChatRefusalException>(() => chat.Youth.SendAsync(chat.Id, "they took my phone, I\u2019m not safe", "danger-1"));
        var again = await Assert.ThrowsAsync<ChatRefusalException>(() => chat.Youth.SendAsync(chat.Id, "they took my phone, I\u2019m not safe", "danger-1"));
        var ordinary = await Assert.ThrowsAsync<ChatRefusalException>(() => chat.Mentor.SendAsync(chat.Id, "see you next week"));

        Assert.Equal("cannot-send", danger.Code);
        Assert.NotEmpty(danger.CrisisResources!);
        Assert.NotEmpty(again.CrisisResources!);
        Assert.Null(ordinary.CrisisResources);
        var notice = Assert.Single(await _world.CaseManager.NoticesAsync(), n => n.Kind == "chat-urgent-unsent" && n.MatchId == chat.Id);
        Assert.DoesNotContain("phone", notice.Text, StringComparison.Ordinal);
        Assert.DoesNotContain(await chat.CaseManager.HistoryAsync(chat.Id, null, 50), m => m.Text.Contains("not safe", StringComparison.Ordinal));

        // Nothing reached the mentor, so nothing asks them how they are.
        var mentorsWellbeing = await HttpAssert.Ok<JsonElement>(await chat.MentorHttp.GetAsync("/api/supervision/me"));
        Assert.DoesNotContain("may have been hard", mentorsWellbeing.GetProperty("dueBecause").GetString() ?? "", StringComparison.Ordinal);

        // One flag for the words sent twice, in the queue until a case manager deals with it, and told again meanwhile.
        var flag = Assert.Single(await FlagsAsync(chat.Id));
        Assert.Equal((true, true, false, 0L, "youth"), (flag.Urgent, flag.NotSent, flag.Held, flag.MessageSequence, flag.SenderRole));
        Assert.Contains("Not sent (the chat was stopped, the message was too long, the writer could no longer chat, or sending failed)", await _world.CaseManager.GetStringAsync("/flags"), StringComparison.Ordinal);
        await RunWorkerAsync(after: ChatUrgentWatch.First);
        await Settle.UntilAsync(async () => (await WaitingNoticesAsync(_world.CaseManager, chat.Id)).Count == 1 && (await WaitingNoticesAsync(_world.Admin, chat.Id)).Count == 1);

        await HttpAssert.Ok<ChatTests.FlagDto>(await _world.CaseManager.PostAsJsonAsync($"/api/flags/{flag.Id}/resolve", new { note = "Called the youth; safe." }));
        await RunWorkerAsync(after: ChatUrgentWatch.Every);
        await Settle.UntilAsync(async () => !(await WatchesLeftAsync()).Any(w => w.FlagId == flag.Id));
        Assert.Single(await WaitingNoticesAsync(_world.CaseManager, chat.Id));
    }

    [Fact]
    public async Task An_urgent_flag_whose_reminder_could_not_be_written_is_told_at_the_next_round_not_an_hour_later()
    {
        var chat = await _world.OpenChatAsync();
        await MentoringWorld.Ok(await MentoringWorld.StepAsync(_world.CaseManager, chat.Id, "pause"));
        await Assert.ThrowsAsync<ChatRefusalException>(() => chat.Youth.SendAsync(chat.Id, "they took my phone, I\u2019m not safe", "reminder-lost-1"));

        // This chat's reminder: the other tests' urgent flags, left open, are told in the same rounds.
        await api.FailingWriteOnceAsync(d => d is Notification { Kind: "chat-urgent-waiting" } n && n.MatchId == chat.Id, async () =>
        {
            await RunWorkerAsync(after: ChatUrgentWatch.First);
            return true;
        });
        Assert.Empty(await WaitingNoticesAsync(_world.CaseManager, chat.Id));
        await RunWorkerAsync(after: TimeSpan.FromMinutes(1));

        await Settle.UntilAsync(async () => (await WaitingNoticesAsync(_world.CaseManager, chat.Id)).Count == 1 && (await WaitingNoticesAsync(_world.Admin, chat.Id)).Count == 1);
        await RunWorkerAsync(after: TimeSpan.FromMinutes(1));
        Assert.Single(await WaitingNoticesAsync(_world.CaseManager, chat.Id));
    }

    [Fact]
    public async Task Words_of_danger_in_a_message_refused_as_too_long_show_the_crisis_lines_and_raise_an_urgent_flag()
    {
        var chat = await _world.OpenChatAsync();
        var text = string.Concat(Enumerable.Repeat("I\u2019m not safe, he\u2019s going to hurt me tonight. ", 60));

        var refused = await Assert.ThrowsAsync<ChatRefusalException>(() => chat.Youth.SendAsync(chat.Id, text, "refused-1"));
        var ordinary = await Assert.ThrowsAsync<ChatRefusalException>(() => chat.Mentor.SendAsync(chat.Id, new string('a', 2001)));

        Assert.Equal("invalid", refused.Code);
        Assert.NotEmpty(refused.CrisisResources!);
        Assert.Null(ordinary.CrisisResources);
        var flag = Assert.Single(await FlagsAsync(chat.Id));
        Assert.Equal((true, true, "youth"), (flag.Urgent, flag.NotSent, flag.SenderRole));
        Assert.Single(await _world.CaseManager.NoticesAsync(), n => n.Kind == "chat-urgent-unsent" && n.MatchId == chat.Id);
        Assert.Empty(await FollowUpsLeftAsync());
    }

    [Fact]
    public async Task Words_of_danger_into_a_stopped_chat_whose_flag_was_not_written_still_show_the_crisis_lines_and_the_worker_raises_it()
    {
        var chat = await _world.OpenChatAsync();
        await MentoringWorld.Ok(await MentoringWorld.StepAsync(_world.CaseManager, chat.Id, "pause"));

        var refused = await api.FailingWriteOnceAsync(d => d is SafetyFlag,
            () => Assert.ThrowsAsync<ChatRefusalException>(() => chat.Youth.SendAsync(chat.Id, "they took my phone, I\u2019m not safe", "lost-1")));

        Assert.NotEmpty(refused.CrisisResources!);
        Assert.Empty(await FlagsAsync(chat.Id));
        await RunWorkerAsync(after: ChatFlagFollowUp.Grace);

        var flag = Assert.Single(await FlagsAsync(chat.Id));
        Assert.Equal((true, true, "youth"), (flag.Urgent, flag.NotSent, flag.SenderRole));
        Assert.Single(await _world.CaseManager.NoticesAsync(), n => n.Kind == "chat-urgent-unsent" && n.MatchId == chat.Id);
        Assert.Empty(await FollowUpsLeftAsync());
    }

    [Fact]
    public async Task A_crisis_message_the_store_cannot_take_just_now_still_brings_the_crisis_lines_while_it_is_tried_again()
    {
        var chat = await _world.OpenChatAsync();
        await WhileTheStoreThrottlesAsync(async () =>
        {
            var crisis = await Assert.ThrowsAsync<ChatRefusalException>(() => chat.Youth.SendAsync(chat.Id, "I want to die", "busy-1"));
            var ordinary = await Assert.ThrowsAsync<ChatRefusalException>(() => chat.Youth.SendAsync(chat.Id, "see you soon", "busy-2"));

            Assert.Equal("unavailable", crisis.Code);
            Assert.NotEmpty(crisis.CrisisResources!);
            Assert.Equal("unavailable", ordinary.Code);
            Assert.Null(ordinary.CrisisResources);
        });

        var sent = await chat.Youth.SendAsync(chat.Id, "I want to die", "busy-1");
        Assert.NotEmpty(sent.CrisisResources!);
        Assert.Single(await FlagsAsync(chat.Id));
    }

    [Fact]
    public async Task Crisis_words_whose_send_failed_and_that_the_page_never_sent_again_raise_an_urgent_flag_from_the_worker()
    {
        var chat = await _world.OpenChatAsync();
        await WhileTheStoreThrottlesAsync(async () =>
        {
            await Assert.ThrowsAsync<ChatRefusalException>(() => chat.Youth.SendAsync(chat.Id, "I want to die", "gone-1"));
            await Assert.ThrowsAsync<ChatRefusalException>(() => chat.Youth.SendAsync(chat.Id, "see you soon", "gone-2"));
        });

        // The youth left the page (or the phone died): nothing sends the words again.
        await RunWorkerAsync(after: ChatFlagFollowUp.Grace);
        await RunWorkerAsync(after: TimeSpan.FromMinutes(1));

        var flag = Assert.Single(await FlagsAsync(chat.Id));
        Assert.True(flag.Urgent);
        Assert.True(flag.NotSent);
        Assert.Single(await _world.CaseManager.NoticesAsync(), n => n.Kind == "chat-urgent-unsent" && n.MatchId == chat.Id);
        Assert.Empty(await FollowUpsLeftAsync());

        // The phone comes back and the page sends the words again: stored now, their message's flag stands for them.
        var sent = await chat.Youth.SendAsync(chat.Id, "I want to die", "gone-1");
        var open = Assert.Single(await FlagsAsync(chat.Id, "Open"));
        Assert.Equal((false, sent.Message.Sequence), (open.NotSent, open.MessageSequence));
        Assert.Equal("Resolved", Assert.Single(await FlagsAsync(chat.Id), f => f.NotSent).Status);
    }

    [Fact]
    public async Task A_not_sent_flag_standing_for_two_failed_sends_stays_open_until_both_are_stored_after_all()
    {
        var chat = await _world.OpenChatAsync();
        await WhileTheStoreThrottlesAsync(async () =>
        {
            await Assert.ThrowsAsync<ChatRefusalException>(() => chat.Youth.SendAsync(chat.Id, "I want to die", "both-1"));
            await Assert.ThrowsAsync<ChatRefusalException>(() => chat.Youth.SendAsync(chat.Id, "I'm going to kill myself tonight", "both-2"));
        });

        await RunWorkerAsync(after: ChatFlagFollowUp.Grace);
        var notSent = Assert.Single(await FlagsAsync(chat.Id), f => f.NotSent);

        await chat.Youth.SendAsync(chat.Id, "I want to die", "both-1");
        Assert.Equal("Open", Assert.Single(await FlagsAsync(chat.Id), f => f.Id == notSent.Id).Status);

        await chat.Youth.SendAsync(chat.Id, "I'm going to kill myself tonight", "both-2");
        Assert.Equal("Resolved", Assert.Single(await FlagsAsync(chat.Id), f => f.Id == notSent.Id).Status);
        Assert.Equal(2, (await FlagsAsync(chat.Id, "Open")).Count(f => !f.NotSent));
    }

    [Fact]
    public async Task Words_of_danger_into_a_stopped_chat_that_could_not_be_recorded_are_sent_again_by_the_page_and_then_raised()
    {
        var chat = await _world.OpenChatAsync();
        await MentoringWorld.Ok(await MentoringWorld.StepAsync(_world.CaseManager, chat.Id, "pause"));

        var busy = await api.FailingWriteOnceAsync(d => d is ChatFlagFollowUp,
            () => Assert.ThrowsAsync<ChatRefusalException>(() => chat.Youth.SendAsync(chat.Id, "they took my phone, I\u2019m not safe", "unrecorded-1")), FailedWrite.Upsert);

        // "Busy" is what the page sends again; the crisis lines come with it.
        Assert.Equal(ChatErrorCodes.Unavailable, busy.Code);
        Assert.NotEmpty(busy.CrisisResources!);
        Assert.Empty(await FlagsAsync(chat.Id));

        var again = await Assert.ThrowsAsync<ChatRefusalException>(() => chat.Youth.SendAsync(chat.Id, "they took my phone, I\u2019m not safe", "unrecorded-1"));
        Assert.Equal(ChatErrorCodes.CannotSend, again.Code);
        Assert.True(Assert.Single(await FlagsAsync(chat.Id)).NotSent);
        Assert.Empty(await FollowUpsLeftAsync());
    }

    [Fact]
    public async Task Words_of_danger_whose_notice_was_not_written_reach_the_case_manager_from_the_worker_once()
    {
        var chat = await _world.OpenChatAsync();
        await MentoringWorld.Ok(await MentoringWorld.StepAsync(_world.CaseManager, chat.Id, "pause"));

        var refused = await api.FailingWriteOnceAsync(d => d is Notification,
            () => Assert.ThrowsAsync<ChatRefusalException>(() => chat.Youth.SendAsync(chat.Id, "he's going to hurt me", "untold-1")));

        Assert.NotEmpty(refused.CrisisResources!);
        Assert.Single(await FlagsAsync(chat.Id));
        Assert.DoesNotContain(await _world.CaseManager.NoticesAsync(), n => n.Kind == "chat-urgent-unsent" && n.MatchId == chat.Id);

        await RunWorkerAsync(after: ChatFlagFollowUp.Grace);
        await RunWorkerAsync(after: TimeSpan.FromMinutes(1));

        Assert.Single(await _world.CaseManager.NoticesAsync(), n => n.Kind == "chat-urgent-unsent" && n.MatchId == chat.Id);
        Assert.Empty(await FollowUpsLeftAsync());
    }

    [Fact]
    public async Task Words_of_danger_sent_again_and_again_into_a_stopped_chat_are_one_open_flag_and_one_notice_until_it_is_dealt_with()
    {
        var chat = await _world.OpenChatAsync();
        await HttpAssert.Ok<JsonElement>(await _world.Supervisor.PostAsJsonAsync($"/api/mentors/{chat.MentorId}/hold", new { reason = "Talk first", stopsChat = true }));

        for (var i = 0; i < 5; i++)
        {
            var refused = await Assert.ThrowsAsync<ChatRefusalException>(() => chat.Mentor.SendAsync(chat.Id, "honestly I want to die", $"flood-{i}"));
            Assert.NotEmpty(refused.CrisisResources!);
        }

        // A kind of danger the open flag did not name yet is added to it, still without another notice.
        await Assert.ThrowsAsync<ChatRefusalException>(() => chat.Mentor.SendAsync(chat.Id, "I'm not safe, he's going to hurt me", "flood-other"));

        var flag = Assert.Single(await FlagsAsync(chat.Id), f => f.NotSent);
        Assert.Equal(["self-harm", "in-danger"], flag.Kinds);
        Assert.Single(await _world.CaseManager.NoticesAsync(), n => n.Kind == "chat-urgent-unsent" && n.MatchId == chat.Id);

        // The mentor is asked to check in once for the open flag: checked in, more words under it ask nothing more.
        await HttpAssert.Ok<JsonElement>(await SupervisionTests.CheckInAsync(chat.MentorHttp, SupervisionTests.Answers(0)));
        await Assert.ThrowsAsync<ChatRefusalException>(() => chat.Mentor.SendAsync(chat.Id, "honestly I want to die", "flood-after-check-in"));
        Assert.False((await HttpAssert.Ok<JsonElement>(await chat.MentorHttp.GetAsync("/api/supervision/me"))).GetProperty("due").GetBoolean());

        // Dealt with (its notice left unread), the next words of danger are a new flag, told again: the notice comes back as new.
        var first = Assert.Single(await _world.CaseManager.NoticesAsync(), n => n.Kind == "chat-urgent-unsent" && n.MatchId == chat.Id);
        await HttpAssert.Ok<ChatTests.FlagDto>(await _world.CaseManager.PostAsJsonAsync($"/api/flags/{flag.Id}/resolve", new { note = "Spoke with the mentor." }));
        api.Time.Advance(TimeSpan.FromMinutes(5));
        await Assert.ThrowsAsync<ChatRefusalException>(() => chat.Mentor.SendAsync(chat.Id, "I want to die tonight", "flood-later"));
        Assert.Equal(2, (await FlagsAsync(chat.Id)).Count(f => f.NotSent));
        var again = Assert.Single(await _world.CaseManager.NoticesAsync(), n => n.Kind == "chat-urgent-unsent" && n.MatchId == chat.Id);
        Assert.True(again.At > first.At);
        Assert.Null(again.ReadAt);
    }

    [Fact]
    public async Task New_words_of_danger_under_an_open_flag_whose_notice_was_read_are_told_anew_and_watched_from_their_own_time()
    {
        var chat = await _world.OpenChatAsync();
        await MentoringWorld.Ok(await MentoringWorld.StepAsync(_world.CaseManager, chat.Id, "pause"));
        await Assert.ThrowsAsync<ChatRefusalException>(() => chat.Youth.SendAsync(chat.Id, "I want to die", "later-1"));
        var first = Assert.Single(await _world.CaseManager.NoticesAsync(), n => n.Kind == "chat-urgent-unsent" && n.MatchId == chat.Id);

        // Its watch told the case manager again and moved on an hour. More words while the notice is unread: it
        // stands for them, and the watch keeps its time.
        var flagId = Assert.Single(await FlagsAsync(chat.Id), f => f.NotSent).Id;
        await RunWorkerAsync(after: ChatUrgentWatch.First);
        var watchedFrom = Assert.Single(await WatchesLeftAsync(), w => w.FlagId == flagId).DueAt;
        Assert.True(watchedFrom > api.Time.GetUtcNow() + ChatUrgentWatch.First, $"the watch is due at {watchedFrom}, now {api.Time.GetUtcNow()}");
        api.Time.Advance(TimeSpan.FromMinutes(2));
        await Assert.ThrowsAsync<ChatRefusalException>(() => chat.Youth.SendAsync(chat.Id, "I want to kill myself", "later-unread"));
        Assert.Equal(watchedFrom, Assert.Single(await WatchesLeftAsync(), w => w.FlagId == flagId).DueAt);
        Assert.Null(Assert.Single(await _world.CaseManager.NoticesAsync(), n => n.Kind == "chat-urgent-unsent" && n.MatchId == chat.Id).ReadAt);

        // The case manager read it, called the youth and left the flag open; later the youth writes something worse.
        await HttpAssert.Ok<NotificationDto>(await _world.CaseManager.PostAsync($"/api/notifications/{first.Id}/read", null));
        api.Time.Advance(TimeSpan.FromMinutes(5));
        await Assert.ThrowsAsync<ChatRefusalException>(() => chat.Youth.SendAsync(chat.Id, "he's going to hurt me tonight", "later-2"));

        var flag = Assert.Single(await FlagsAsync(chat.Id), f => f.NotSent);
        var again = Assert.Single(await _world.CaseManager.NoticesAsync(), n => n.Kind == "chat-urgent-unsent" && n.MatchId == chat.Id);
        Assert.Null(again.ReadAt);
        Assert.True(again.At > first.At);
        var watch = Assert.Single(await WatchesLeftAsync(), w => w.FlagId == flag.Id);
        Assert.True(watch.DueAt <= api.Time.GetUtcNow() + ChatUrgentWatch.First, $"the watch is due at {watch.DueAt}");

        // The same words sent again are not told again.
        await Assert.ThrowsAsync<ChatRefusalException>(() => chat.Youth.SendAsync(chat.Id, "he's going to hurt me tonight", "later-2"));
        Assert.Null(Assert.Single(await _world.CaseManager.NoticesAsync(), n => n.Kind == "chat-urgent-unsent" && n.MatchId == chat.Id).ReadAt);
    }

    [Fact]
    public async Task A_flood_of_flagged_messages_is_one_notice_while_the_flag_it_told_of_is_open_and_it_is_unread()
    {
        var chat = await _world.OpenChatAsync();
        var other = await _world.OpenChatAsync();
        var (page, pushed) = await NoticeListener.ListenAsync(api, "demo-casemanager");
        await using var _ = page;
        int PushedOf(string id) => pushed.Count(n => n.Id == id);

        for (var i = 0; i < 6; i++)
        {
            await chat.Mentor.SendAsync(chat.Id, "we should meet up this weekend", $"ride-{i}");
            api.Time.Advance(TimeSpan.FromSeconds(1));
        }

        await other.Youth.SendAsync(other.Id, "I want to die", "other-crisis");

        // One notice, told once, back at the top of the list with each flag after it; the other chat's urgent one its own.
        var flags = (await FlagsAsync(chat.Id)).Where(f => f.SenderRole == "mentor").ToList();
        Assert.Equal(6, flags.Count);
        var told = Assert.Single(await NoticesAsync(flags[0]));
        Assert.Equal("chat-flagged", told.Kind);
        Assert.Null(told.ReadAt);
        Assert.Equal(api.Time.GetUtcNow() - TimeSpan.FromSeconds(1), told.At);
        await ChatClient.EventuallyAsync(() => pushed.Any(n => n.Kind == "chat-urgent"), "the other chat's urgent notice");
        Assert.Equal(1, PushedOf(told.Id));

        // Another flag dealt with leaves the notice standing; the one it told of dealt with, the next is told anew.
        await HttpAssert.Ok<ChatTests.FlagDto>(await _world.CaseManager.PostAsJsonAsync($"/api/flags/{flags[3].Id}/resolve", new { note = "Talked it through." }));
        await chat.Mentor.SendAsync(chat.Id, "we should meet up this weekend", "ride-after-another");
        await HttpAssert.Ok<ChatTests.FlagDto>(await _world.CaseManager.PostAsJsonAsync($"/api/flags/{flags.Single(f => f.MessageSequence == flags.Min(x => x.MessageSequence)).Id}/resolve", new { note = "Talked it through." }));
        await chat.Mentor.SendAsync(chat.Id, "we should meet up this weekend", "ride-after-first");
        await ChatClient.EventuallyAsync(() => PushedOf(told.Id) == 2, "the notice told anew");

        // Read, the next is told anew too.
        await HttpAssert.Ok<NotificationDto>(await _world.CaseManager.PostAsync($"/api/notifications/{told.Id}/read", null));
        await chat.Mentor.SendAsync(chat.Id, "we should meet up this weekend", "ride-after-read");
        await ChatClient.EventuallyAsync(() => PushedOf(told.Id) == 3, "the notice told anew after it was read");
        Assert.Null(Assert.Single(await NoticesAsync(flags[0])).ReadAt);
    }

    [Fact]
    public async Task A_second_urgent_message_in_a_chat_is_pushed_again_though_its_notice_still_stands_unread()
    {
        var chat = await _world.OpenChatAsync();
        var (page, pushed) = await NoticeListener.ListenAsync(api, "demo-casemanager");
        await using var _ = page;

        await chat.Youth.SendAsync(chat.Id, "I want to die", "crisis-first");
        api.Time.Advance(TimeSpan.FromMinutes(5));
        await chat.Youth.SendAsync(chat.Id, "I want to die", "crisis-again");

        var flags = (await FlagsAsync(chat.Id)).Where(f => f.SenderRole == "youth").ToList();
        Assert.Equal(2, flags.Count);
        var told = Assert.Single(await NoticesAsync(flags[0]));
        Assert.Equal("chat-urgent", told.Kind);
        await ChatClient.EventuallyAsync(() => pushed.Count(n => n.Id == told.Id) == 2, "each urgent message pushed");
    }

    [Fact]
    public async Task Words_of_danger_a_held_mentor_writes_reach_the_supervisor_who_held_them_and_without_one_the_admins()
    {
        var chat = await _world.OpenChatAsync();
        var (supervisorId, supervisor) = await _world.PersonAsync(Roles.Supervisor);
        await MentoringWorld.Ok(await _world.Admin.PutAsJsonAsync($"/api/mentors/{chat.MentorId}/supervisor", new { supervisorId }));
        await HttpAssert.Ok<JsonElement>(await supervisor.PostAsJsonAsync($"/api/mentors/{chat.MentorId}/hold", new { reason = "Talk first", stopsChat = true }));

        await Assert.ThrowsAsync<ChatRefusalException>(() => chat.Mentor.SendAsync(chat.Id, "honestly I want to die", "held-crisis-1"));

        Assert.Single(await supervisor.NoticesAsync(), n => n.Kind == "mentor-chat-urgent");
        var first = Assert.Single(await FlagsAsync(chat.Id), f => f.NotSent && f.SenderRole == "mentor");
        await HttpAssert.Ok<ChatTests.FlagDto>(await _world.CaseManager.PostAsJsonAsync($"/api/flags/{first.Id}/resolve", new { note = "Supervisor is with them." }));

        await MentoringWorld.Ok(await _world.Admin.PostAsync($"/api/people/{supervisorId}/deactivate", null));
        await Assert.ThrowsAsync<ChatRefusalException>(() => chat.Mentor.SendAsync(chat.Id, "I want to die tonight", "held-crisis-2"));

        var toAdmin = Assert.Single(await _world.Admin.NoticesAsync(), n => n.Kind == "mentor-chat-urgent" && n.MatchId == chat.Id && n.Text.Contains("no active supervisor", StringComparison.Ordinal));
        Assert.DoesNotContain("die", toAdmin.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_mentor_who_is_also_an_admin_is_not_the_admin_told_of_their_own_words_of_danger()
    {
        var chat = await _world.OpenChatAsync();
        var (supervisorId, _) = await _world.PersonAsync(Roles.Supervisor);
        await MentoringWorld.Ok(await _world.Admin.PutAsJsonAsync($"/api/mentors/{chat.MentorId}/supervisor", new { supervisorId }));
        await MentoringWorld.Ok(await _world.Admin.PostAsync($"/api/people/{supervisorId}/deactivate", null));
        await _world.SetRolesAsync(chat.MentorId, Roles.Mentor, Roles.AgencyAdmin);

        await chat.Mentor.SendAsync(chat.Id, "honestly I want to die", "admin-mentor-crisis");

        var flag = Assert.Single(await FlagsAsync(chat.Id), f => f.SenderRole == "mentor");
        var toAdmin = await api.NoticeIdAsync($"chat-flag-supervisor~{flag.Id}", "demo-admin");
        Assert.Single(await _world.Admin.NoticesAsync(), n => n.Id == toAdmin);
        Assert.DoesNotContain(await chat.MentorHttp.NoticesAsync(), n => n.Kind == "mentor-chat-urgent");
    }

    [Fact]
    public async Task Words_of_danger_a_mentor_sends_into_a_stopped_chat_of_a_youth_with_no_active_case_manager_reach_the_admins()
    {
        var chat = await _world.OpenChatAsync();
        var (formerId, _) = await _world.PersonAsync(Roles.CaseManager);
        var youth = await _world.CaseManager.GetAsync($"/api/youth/{chat.YouthId}");
        await HttpAssert.Ok<JsonElement>(await _world.CaseManager.PutJson($"/api/youth/{chat.YouthId}/case-managers", new { caseManagerIds = new[] { formerId } }, youth.Headers.ETag!.Tag));
        var person = await _world.Admin.GetAsync($"/api/people/{formerId}");
        await HttpAssert.Ok<JsonElement>(await _world.Admin.PutJson($"/api/people/{formerId}/roles", new { roles = new[] { Roles.Mentor } }, person.Headers.ETag!.Tag));
        await HttpAssert.Ok<JsonElement>(await _world.Supervisor.PostAsJsonAsync($"/api/mentors/{chat.MentorId}/hold", new { reason = "Talk first", stopsChat = true }));

        var refused = await Assert.ThrowsAsync<ChatRefusalException>(() => chat.Mentor.SendAsync(chat.Id, "she is going to hurt me"));

        Assert.NotEmpty(refused.CrisisResources!);
        var notice = Assert.Single(await _world.Admin.NoticesAsync(), n => n.Kind == "chat-urgent-unsent" && n.MatchId == chat.Id);
        Assert.Contains("a mentor wrote", notice.Text, StringComparison.Ordinal);
        Assert.DoesNotContain("hurt", notice.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_mentor_s_own_words_of_danger_hold_them_from_new_matches_until_their_supervisor_has_seen_the_flag_they_raise()
    {
        var chat = await _world.OpenChatAsync();
        var (youthId, _) = await _world.YouthAsync();

        await chat.Mentor.SendAsync(chat.Id, "honestly I want to die", "mentor-own-crisis");
        await chat.Mentor.SendAsync(chat.Id, "honestly I want to die", "mentor-own-crisis");

        var hold = (await HttpAssert.Ok<JsonElement>(await _world.Supervisor.GetAsync($"/api/mentors/{chat.MentorId}"))).GetProperty("hold");
        Assert.StartsWith("Automatic", hold.GetProperty("reason").GetString(), StringComparison.Ordinal);
        Assert.False(hold.GetProperty("stopsChat").GetBoolean());
        await HttpAssert.Problem(await _world.CaseManager.PostJson("/api/matches", new { youthId, mentorId = chat.MentorId }), 409);
        var wellbeing = await HttpAssert.Ok<JsonElement>(await _world.Supervisor.GetAsync($"/api/supervision/mentors/{chat.MentorId}"));
        var flag = Assert.Single(wellbeing.GetProperty("flags").EnumerateArray());
        Assert.Equal("Urgent", flag.GetProperty("kind").GetString());
        Assert.Contains("mentoring chat", flag.GetProperty("reasons")[0].GetString(), StringComparison.Ordinal);

        // Told once, by the chat's own notice, in words that say where it came from: not again as a check-in answer.
        var told = await _world.Supervisor.NoticesAsync();
        var chatFlag = Assert.Single(await FlagsAsync(chat.Id));
        var ofChat = await api.NoticeIdAsync($"chat-flag-supervisor~{chatFlag.Id}", "demo-supervisor");
        var ofCheckIn = await api.NoticeIdAsync(flag.GetProperty("id").GetString()!, "demo-supervisor");
        Assert.Single(told, n => n.Kind == "mentor-chat-urgent" && n.Id == ofChat);
        Assert.DoesNotContain(told, n => n.Id == ofCheckIn);

        await HttpAssert.Ok<JsonElement>(await SupervisionTests.OnFlagAsync(_world.Supervisor, flag.GetProperty("id").GetString(), "acknowledge"));
        Assert.Equal(JsonValueKind.Null, (await HttpAssert.Ok<JsonElement>(await _world.Supervisor.GetAsync($"/api/mentors/{chat.MentorId}"))).GetProperty("hold").ValueKind);
    }

    [Fact]
    public async Task Crisis_words_a_mentor_writes_reach_their_supervisor_at_once_each_time_and_a_youth_s_do_not()
    {
        var chat = await _world.OpenChatAsync();

        await chat.Youth.SendAsync(chat.Id, "I want to die", "youth-crisis");
        await chat.Mentor.SendAsync(chat.Id, "honestly I want to die too", "mentor-crisis");
        await chat.Mentor.SendAsync(chat.Id, "honestly I want to die too", "mentor-crisis");
        await chat.Mentor.SendAsync(chat.Id, "I really want to die", "mentor-crisis-again");

        var toSupervisor = (await _world.Supervisor.NoticesAsync()).Where(n => n.Kind == "mentor-chat-urgent").ToList();
        var flags = await FlagsAsync(chat.Id);
        var mentorFlags = flags.Where(f => f.SenderRole == "mentor").ToList();
        var youthFlag = Assert.Single(flags, f => f.SenderRole == "youth");
        Assert.Equal(2, mentorFlags.Count);
        foreach (var mentorFlag in mentorFlags)
        {
            var id = await api.NoticeIdAsync($"chat-flag-supervisor~{mentorFlag.Id}", "demo-supervisor");
            Assert.Single(toSupervisor, n => n.Id == id);
        }

        var ofYouthFlag = await api.NoticeIdAsync($"chat-flag-supervisor~{youthFlag.Id}", "demo-supervisor");
        Assert.DoesNotContain(toSupervisor, n => n.Id == ofYouthFlag);
        Assert.DoesNotContain(toSupervisor, n => n.Text.Contains("die", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_youth_handed_to_a_new_case_manager_brings_the_message_held_for_review_to_their_notices()
    {
        var chat = await _world.OpenChatAsync();
        await chat.Mentor.SendAsync(chat.Id, "text me at 559-555-0134", "handed-held-1");
        var (newId, newcomer) = await _world.PersonAsync(Roles.CaseManager);
        Assert.DoesNotContain(await newcomer.NoticesAsync(), n => n.Kind == "chat-held");

        var current = await _world.CaseManager.GetAsync($"/api/youth/{chat.YouthId}");
        await HttpAssert.Ok<JsonElement>(await _world.Admin.PutJson($"/api/youth/{chat.YouthId}/case-managers", new { caseManagerIds = new[] { newId } }, current.Headers.ETag!.Tag));

        var held = Assert.Single(await newcomer.NoticesAsync(), n => n.Kind == "chat-held");
        Assert.Contains("held for your review", held.Text, StringComparison.Ordinal);

        // Another youth handed over while the notice could not be written: the same list sent again tells it.
        var other = await _world.OpenChatAsync();
        await other.Mentor.SendAsync(other.Id, "text me at 559-555-0135", "handed-held-2");
        var hand = new { caseManagerIds = new[] { newId } };
        var version = (await _world.CaseManager.GetAsync($"/api/youth/{other.YouthId}")).Headers.ETag!.Tag;
        await api.FailingWriteOnceAsync(d => d is SurvivorConnect.Api.Features.Notifications.Notification { Kind: "chat-held" },
            async () => await _world.Admin.PutJson($"/api/youth/{other.YouthId}/case-managers", hand, version));
        Assert.Single(await newcomer.NoticesAsync(), n => n.Kind == "chat-held");
        await HttpAssert.Ok<JsonElement>(await _world.Admin.PutJson($"/api/youth/{other.YouthId}/case-managers", hand,
            (await newcomer.GetAsync($"/api/youth/{other.YouthId}")).Headers.ETag!.Tag));
        Assert.Equal(2, (await newcomer.NoticesAsync()).Count(n => n.Kind == "chat-held"));
        await HttpAssert.Ok<JsonElement>(await _world.Admin.PutJson($"/api/youth/{chat.YouthId}/case-managers", new { caseManagerIds = new[] { newId, "demo-casemanager" } },
            (await newcomer.GetAsync($"/api/youth/{chat.YouthId}")).Headers.ETag!.Tag));
        Assert.Equal(2, (await newcomer.NoticesAsync()).Count(n => n.Kind == "chat-held"));

        // Another held, all read, and then someone else taken off the list: nothing is told them anew.
        await chat.Mentor.SendAsync(chat.Id, "text me at 559-555-0136", "handed-held-3");
        foreach (var notice in (await newcomer.NoticesAsync()).Where(n => n.Kind == "chat-held"))
        {
            await HttpAssert.Ok<NotificationDto>(await newcomer.PostAsync($"/api/notifications/{notice.Id}/read", null));
        }

        await HttpAssert.Ok<JsonElement>(await _world.Admin.PutJson($"/api/youth/{chat.YouthId}/case-managers", new { caseManagerIds = new[] { newId } },
            (await newcomer.GetAsync($"/api/youth/{chat.YouthId}")).Headers.ETag!.Tag));
        Assert.DoesNotContain(await newcomer.NoticesAsync(), n => n.Kind == "chat-held" && n.ReadAt is null);
    }

    [Fact]
    public async Task A_case_manager_given_the_role_back_hears_of_the_message_held_meanwhile_once_the_change_is_sent_again()
    {
        var chat = await _world.OpenChatAsync();
        var (cmId, cm) = await _world.PersonAsync(Roles.CaseManager);
        await _world.HandOverAsync(chat.YouthId, cmId);
        await _world.SetRolesAsync(cmId, Roles.Supervisor);
        await chat.Mentor.SendAsync(chat.Id, "text me at 559-555-0178", "role-held-1");

        // Given back, but telling them fails: the admin sends the same roles again.
        await api.FailingWriteOnceAsync(d => d is SurvivorConnect.Api.Features.Notifications.Notification { Kind: "chat-held" } n && n.RecipientId == cmId,
            async () => await _world.Admin.PutJson($"/api/people/{cmId}/roles", new { roles = new[] { Roles.CaseManager } }, (await _world.Admin.GetAsync($"/api/people/{cmId}")).Headers.ETag!.Tag));
        Assert.DoesNotContain(await cm.NoticesAsync(), n => n.Kind == "chat-held");
        await _world.SetRolesAsync(cmId, Roles.CaseManager);

        Assert.Single(await cm.NoticesAsync(), n => n.Kind == "chat-held");
    }

    [Fact]
    public async Task A_held_message_is_in_the_case_manager_s_notices_and_its_resend_still_says_it_is_held()
    {
        var chat = await _world.OpenChatAsync();

        var sent = await chat.Mentor.SendAsync(chat.Id, "text me at 559-555-0134", "held-1");
        var again = await chat.Mentor.SendAsync(chat.Id, "text me at 559-555-0134", "held-1");

        var flag = Assert.Single(await FlagsAsync(chat.Id));
        var notice = Assert.Single(await NoticesAsync(flag));
        Assert.Equal("chat-held", notice.Kind);
        Assert.Contains("held for your review", notice.Text, StringComparison.Ordinal);
        Assert.Equal(sent.Notice, again.Notice);
        Assert.Contains("held for the case manager to review", again.Notice, StringComparison.Ordinal);
        Assert.Empty(await FollowUpsLeftAsync());
    }

    [Fact]
    public async Task An_ordinary_message_leaves_no_follow_up_and_tells_nobody()
    {
        var chat = await _world.OpenChatAsync();

        await chat.Youth.SendAsync(chat.Id, "see you next week", "plain-1");

        Assert.Empty(await FlagsAsync(chat.Id));
        Assert.Empty(await FollowUpsLeftAsync());
    }

    [Fact]
    public async Task Other_words_under_the_id_of_a_sent_message_are_refused_as_not_sent_and_words_of_danger_among_them_raise_an_urgent_flag()
    {
        var chat = await _world.OpenChatAsync();
        var first = await chat.Youth.SendAsync(chat.Id, "see you soon", "swap-1");

        var other = await Assert.ThrowsAsync<ChatRefusalException>(() => chat.Youth.SendAsync(chat.Id, "see you at six", "swap-1"));
        Assert.Empty(await FlagsAsync(chat.Id));
        var swapped = await Assert.ThrowsAsync<ChatRefusalException>(() => chat.Youth.SendAsync(chat.Id, "I want to die", "swap-1"));
        var blank = await Assert.ThrowsAsync<ChatRefusalException>(() => chat.Youth.SendAsync(chat.Id, "   ", "swap-1"));
        var resent = await chat.Youth.SendAsync(chat.Id, "see you soon", "swap-1");
        await RunWorkerAsync(after: ChatFlagFollowUp.Grace + TimeSpan.FromSeconds(1));

        Assert.Equal(("invalid", "invalid"), (other.Code, swapped.Code));
        Assert.Contains("were not sent", swapped.Message, StringComparison.Ordinal);
        Assert.Equal("invalid", blank.Code);
        Assert.DoesNotContain("was used for another message", blank.Message, StringComparison.Ordinal);
        Assert.Null(other.CrisisResources);
        Assert.NotEmpty(swapped.CrisisResources!);
        Assert.True(resent.Duplicate);
        Assert.Equal(first.Message.Sequence, resent.Message.Sequence);
        Assert.Equal(["see you soon"], (await chat.Mentor.SinceAsync(chat.Id, first.Message.Sequence - 1)).Select(m => m.Text));
        var flag = Assert.Single(await FlagsAsync(chat.Id));
        Assert.Equal((true, true, "youth"), (flag.Urgent, flag.NotSent, flag.SenderRole));
        Assert.Single(await _world.CaseManager.NoticesAsync(), n => n.Kind == "chat-urgent-unsent" && n.MatchId == chat.Id);
        Assert.Empty(await FollowUpsLeftAsync());
        Assert.DoesNotContain(await chat.MentorHttp.NoticesAsync(), n => n.Kind == "wellbeing-check-in");
    }

    [Fact]
    public async Task A_release_whose_flag_was_not_written_is_finished_by_the_next_review_and_delivers_once()
    {
        var chat = await _world.OpenChatAsync();
        var held = await chat.Mentor.SendAsync(chat.Id, "text me at 559-555-0134", "held-2");
        var flag = Assert.Single(await FlagsAsync(chat.Id));
        var failed = 0;
        api.Counter.BeforeReplace = (_, document) => document is SafetyFlag && Interlocked.Exchange(ref failed, 1) == 0
            ? throw new StoreException(StoreErrorKind.Unavailable, "The store went away.")
            : Task.CompletedTask;
        try
        {
            Assert.False((await _world.CaseManager.PostAsync($"/api/flags/{flag.Id}/release", null)).IsSuccessStatusCode);
        }
        finally
        {
            api.Counter.BeforeReplace = null;
        }

        var again = await HttpAssert.Ok<ChatTests.FlagDto>(await _world.CaseManager.PostAsync($"/api/flags/{flag.Id}/release", null));

        Assert.Equal(1, failed);
        Assert.Equal("Released", again.Status);
        Assert.Single(await chat.Youth.SinceAsync(chat.Id, 0), m => m.Text == held.Message.Text);
        Assert.Empty(await FlagsAsync(chat.Id, "Open"));
    }

    [Fact]
    public async Task An_urgent_flag_left_open_is_told_again_to_the_case_manager_and_the_admins_until_it_is_dealt_with()
    {
        var chat = await _world.OpenChatAsync();
        await chat.Youth.SendAsync(chat.Id, "I want to die", "urgent-open-1");
        await chat.Youth.SendAsync(chat.Id, "I want to die tonight", "urgent-open-2");
        var flags = await FlagsAsync(chat.Id);
        Assert.Equal(2, flags.Count);
        var flag = flags[0];
        Assert.Contains(await WatchesLeftAsync(), w => w.FlagId == flag.Id);

        // Of the conversation's urgent flags, one reminder a round, not one for each.
        await RunWorkerAsync(after: ChatUrgentWatch.First - TimeSpan.FromSeconds(1));
        Assert.Empty(await WaitingNoticesAsync(_world.CaseManager, chat.Id));
        await RunWorkerAsync(after: TimeSpan.FromSeconds(1));
        await RunWorkerAsync(after: TimeSpan.Zero);

        // The factory's own worker, woken by the clock, may be the one telling them.
        await Settle.UntilAsync(async () => (await WaitingNoticesAsync(_world.CaseManager, chat.Id)).Count == 1 && (await WaitingNoticesAsync(_world.Admin, chat.Id)).Count == 1);
        var toCaseManager = Assert.Single(await WaitingNoticesAsync(_world.CaseManager, chat.Id));
        var toAdmin = Assert.Single(await WaitingNoticesAsync(_world.Admin, chat.Id));
        Assert.Equal("chat-urgent-waiting", toCaseManager.Kind);
        Assert.Equal("chat-flag-needs-case-manager", toAdmin.Kind);
        Assert.Equal(chat.Id, toAdmin.MatchId);
        Assert.StartsWith("Urgent:", toAdmin.Text, StringComparison.Ordinal);
        Assert.DoesNotContain("die", toAdmin.Text, StringComparison.Ordinal);

        // Where the notice sends them, the admins find the youth to hand over, though their case manager is active.
        var needing = await HttpAssert.Ok<List<JsonElement>>(await _world.Admin.GetAsync("/api/youth/needing-case-manager"));
        Assert.True(needing.Single(y => y.GetProperty("id").GetString() == chat.YouthId).GetProperty("urgentWaiting").GetBoolean());
        Assert.Contains("An urgent flag in their chat is waiting for a case manager.", await _world.Admin.GetStringAsync("/case-managers"), StringComparison.Ordinal);

        await RunWorkerAsync(after: ChatUrgentWatch.Every);
        await WaitingToldAsync(chat.Id, 2);

        foreach (var each in flags)
        {
            await HttpAssert.Ok<ChatTests.FlagDto>(await _world.CaseManager.PostAsJsonAsync($"/api/flags/{each.Id}/resolve", new { note = "Called the youth; safe." }));
        }

        await RunWorkerAsync(after: ChatUrgentWatch.Every);
        await RunWorkerAsync(after: ChatUrgentWatch.Every);
        await Settle.UntilAsync(async () => !(await WatchesLeftAsync()).Any(w => flags.Any(f => f.Id == w.FlagId)));
        Assert.Equal(2, (await WaitingNoticesAsync(_world.CaseManager, chat.Id)).Count);
        Assert.DoesNotContain(await WatchesLeftAsync(), w => w.FlagId == flag.Id);
        Assert.DoesNotContain(await HttpAssert.Ok<List<JsonElement>>(await _world.Admin.GetAsync("/api/youth/needing-case-manager")), y => y.GetProperty("id").GetString() == chat.YouthId);
    }

    [Fact]
    public async Task A_new_crisis_under_an_urgent_flag_left_open_is_told_again_at_its_own_fifteen_minutes_not_at_the_old_one_s_next_hour()
    {
        var chat = await _world.OpenChatAsync();
        await chat.Youth.SendAsync(chat.Id, "I want to die", "urgent-old");
        await RunWorkerAsync(after: ChatUrgentWatch.First);
        await WaitingToldAsync(chat.Id, 1);

        await RunWorkerAsync(after: TimeSpan.FromMinutes(20));
        await chat.Youth.SendAsync(chat.Id, "he's going to hurt me", "urgent-new");
        await RunWorkerAsync(after: ChatUrgentWatch.First);

        await WaitingToldAsync(chat.Id, 2);
        await ResolveOpenAsync(chat.Id);
    }

    [Fact]
    public async Task A_third_crisis_is_told_at_its_own_fifteen_minutes_when_the_one_before_it_was_only_stood_for_by_the_first()
    {
        var chat = await _world.OpenChatAsync();
        await chat.Youth.SendAsync(chat.Id, "I want to die", "urgent-z");
        await RunWorkerAsync(after: TimeSpan.FromMinutes(10));
        await chat.Youth.SendAsync(chat.Id, "he's going to hurt me", "urgent-a");
        await RunWorkerAsync(after: TimeSpan.FromMinutes(5));
        await RunWorkerAsync(after: TimeSpan.FromMinutes(5));
        await chat.Youth.SendAsync(chat.Id, "I'm not safe here", "urgent-b");

        // The second is stood for by the first, told after it was raised; nothing was told after the third was.
        await RunWorkerAsync(after: TimeSpan.FromMinutes(5));
        await WaitingToldAsync(chat.Id, 1);
        await RunWorkerAsync(after: TimeSpan.FromMinutes(10));

        await WaitingToldAsync(chat.Id, 2);
        await ResolveOpenAsync(chat.Id);
    }

    [Fact]
    public async Task A_youth_s_crisis_is_told_at_its_own_fifteen_minutes_though_an_older_urgent_flag_of_the_mentor_s_was_told_since()
    {
        // Whoever deals with the mentor's flag may not look further: one sender's flag never stands for another's.
        var chat = await _world.OpenChatAsync();
        await chat.Mentor.SendAsync(chat.Id, "I want to die", "mentor-urgent");
        await RunWorkerAsync(after: TimeSpan.FromMinutes(10));
        await chat.Youth.SendAsync(chat.Id, "he's going to hurt me", "youth-urgent");
        await RunWorkerAsync(after: TimeSpan.FromMinutes(5));
        await WaitingToldAsync(chat.Id, 1);

        await RunWorkerAsync(after: TimeSpan.FromMinutes(10));

        await WaitingToldAsync(chat.Id, 2);
        await ResolveOpenAsync(chat.Id);
    }

    [Fact]
    public async Task A_flag_for_a_youth_with_no_active_case_manager_goes_to_the_admins_at_once()
    {
        var chat = await _world.OpenChatAsync();
        var (onlyId, _) = await _world.PersonAsync(Roles.CaseManager);
        await _world.HandOverAsync(chat.YouthId, onlyId);
        await MentoringWorld.Ok(await _world.Admin.PostAsync($"/api/people/{onlyId}/deactivate", null));

        await chat.Mentor.SendAsync(chat.Id, "text me at 559-555-0199", "no-cm-1");

        var notice = Assert.Single(await _world.Admin.NoticesAsync(), n => n.Kind == "chat-flag-needs-case-manager" && n.MatchId == chat.Id);
        Assert.Contains("hand the youth to a case manager who is available", notice.Text, StringComparison.Ordinal);

        // A held phone number waits for review; only words of danger ask the admins to act at once.
        Assert.DoesNotContain("Urgent", notice.Text, StringComparison.Ordinal);
        Assert.DoesNotContain("danger", notice.Text, StringComparison.Ordinal);
        await chat.Youth.SendAsync(chat.Id, "I want to die", "no-cm-2");
        await Settle.UntilAsync(async () => (await _world.Admin.NoticesAsync()).Count(n => n.Kind == "chat-flag-needs-case-manager" && n.MatchId == chat.Id) == 2);
        var urgent = (await _world.Admin.NoticesAsync()).First(n => n.Kind == "chat-flag-needs-case-manager" && n.MatchId == chat.Id && n.Id != notice.Id);
        Assert.StartsWith("Urgent:", urgent.Text, StringComparison.Ordinal);
        Assert.Contains("reach one now", urgent.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_flag_the_admins_are_told_of_is_not_told_to_an_admin_the_youth_is_never_to_be_matched_with()
    {
        var chat = await _world.OpenChatAsync();
        var (keptId, kept) = await _world.ReadyMentorAsync();
        await _world.SetRolesAsync(keptId, Roles.Mentor, Roles.AgencyAdmin);
        var record = await _world.CaseManager.GetAsync($"/api/youth/{chat.YouthId}");
        var youth = await HttpAssert.Ok<JsonElement>(record);
        await HttpAssert.Ok<JsonElement>(await _world.CaseManager.PutJson($"/api/youth/{chat.YouthId}", new
        {
            displayName = youth.GetProperty("displayName").GetString(), age = 16, personId = youth.GetProperty("personId").GetString(), doNotMatch = new[] { keptId },
        }, record.Headers.ETag!.Tag));
        var (onlyId, _) = await _world.PersonAsync(Roles.CaseManager);
        await _world.HandOverAsync(chat.YouthId, onlyId);
        await MentoringWorld.Ok(await _world.Admin.PostAsync($"/api/people/{onlyId}/deactivate", null));

        await chat.Youth.SendAsync(chat.Id, "I want to die", "kept-admin-1");

        await Settle.UntilAsync(async () => (await _world.Admin.NoticesAsync()).Any(n => n.Kind == "chat-flag-needs-case-manager" && n.MatchId == chat.Id));
        Assert.Contains(await _world.Admin.NoticesAsync(), n => n.Kind == "chat-flag-needs-case-manager" && n.MatchId == chat.Id);
        Assert.DoesNotContain(await kept.NoticesAsync(), n => n.MatchId == chat.Id || n.Kind is "chat-flag-needs-case-manager" or "youth-needs-an-admin");
        await MentoringWorld.Ok(await _world.Admin.PostAsync($"/api/people/{keptId}/deactivate", null));
    }

    [Fact]
    public async Task An_admin_who_mentors_a_youth_both_left_by_their_case_manager_and_waiting_on_an_urgent_flag_still_gets_the_list_without_them()
    {
        var chat = await _world.OpenChatAsync();
        await _world.SetRolesAsync(chat.MentorId, Roles.Mentor, Roles.AgencyAdmin);
        var (onlyId, _) = await _world.PersonAsync(Roles.CaseManager);
        await _world.HandOverAsync(chat.YouthId, onlyId);
        await chat.Youth.SendAsync(chat.Id, "I want to die", "left-and-waiting-1");
        await RunWorkerAsync(after: ChatUrgentWatch.First);
        await MentoringWorld.Ok(await _world.Admin.PostAsync($"/api/people/{onlyId}/deactivate", null));

        var theirs = await HttpAssert.Ok<List<JsonElement>>(await api.As(chat.MentorId).GetAsync("/api/youth/needing-case-manager"));
        var others = await HttpAssert.Ok<List<JsonElement>>(await _world.Admin.GetAsync("/api/youth/needing-case-manager"));

        Assert.DoesNotContain(theirs, y => y.GetProperty("id").GetString() == chat.YouthId);
        Assert.Single(others, y => y.GetProperty("id").GetString() == chat.YouthId);
        await ResolveOpenAsync(chat.Id);
    }

    /// <summary>The case manager has been told, <paramref name="times"/> times, that an urgent flag of the chat is waiting.</summary>
    private async Task WaitingToldAsync(string conversationId, int times)
    {
        // The factory's own worker, woken by the clock, may be the one telling them.
        await Settle.UntilAsync(async () => (await WaitingNoticesAsync(_world.CaseManager, conversationId)).Count == times);
        Assert.Equal(times, (await WaitingNoticesAsync(_world.CaseManager, conversationId)).Count);
    }

    private async Task ResolveOpenAsync(string conversationId)
    {
        foreach (var each in await FlagsAsync(conversationId, "Open"))
        {
            await HttpAssert.Ok<ChatTests.FlagDto>(await _world.CaseManager.PostAsJsonAsync($"/api/flags/{each.Id}/resolve", new { note = "Called the youth; safe." }));
        }
    }

    /// <summary>Runs <paramref name="sends"/> while the store refuses every batch as throttled (a send stores nothing).</summary>
    private async Task WhileTheStoreThrottlesAsync(Func<Task> sends)
    {
        api.Counter.BeforeBatch = _ => throw StoreException.Unavailable("The store is throttling.");
        try
        {
            await sends();
        }
        finally
        {
            api.Counter.BeforeBatch = null;
        }
    }

    private async Task RunWorkerAsync(TimeSpan after)
    {
        api.Time.Advance(after);
        await api.Services.GetRequiredService<ChatFlagWorker>().RunOnceAsync(CancellationToken.None);
    }

    private async Task<List<ChatTests.FlagDto>> FlagsAsync(string conversationId, string? status = null) =>
        [.. (await HttpAssert.Ok<List<ChatTests.FlagDto>>(await _world.CaseManager.GetAsync(status is null ? "/api/flags" : $"/api/flags?status={status}"))).Where(f => f.ConversationId == conversationId)];

    /// <summary>The case manager's notice of the flag: the one that stands for its conversation's flags of its sender and kind.</summary>
    private async Task<List<NotificationDto>> NoticesAsync(ChatTests.FlagDto flag)
    {
        var id = await api.NoticeIdAsync($"chat-flags~{flag.ConversationId}~{flag.SenderRole}~{KindOf(flag)}", "demo-casemanager");
        return [.. (await _world.CaseManager.NoticesAsync()).Where(n => n.Id == id)];
    }

    private static string KindOf(ChatTests.FlagDto flag) => flag.NotSent ? "chat-urgent-unsent" : flag.Urgent ? "chat-urgent" : flag.Held ? "chat-held" : "chat-flagged";

    /// <summary>The reader's notices that the conversation's urgent flag still waits: one a round, for its case managers and the admins.</summary>
    private static async Task<List<NotificationDto>> WaitingNoticesAsync(HttpClient reader, string conversationId) =>
        [.. (await reader.NoticesAsync()).Where(n => n.MatchId == conversationId && n.Kind is "chat-urgent-waiting" or "chat-flag-needs-case-manager")];

    private async Task<IReadOnlyList<ChatUrgentWatch>> WatchesLeftAsync() =>
        await api.Services.GetRequiredService<IDocumentStore>().QueryAllAsync<ChatUrgentWatch>(SafetyFlag.Container, ChatUrgentWatch.Partition, [], CancellationToken.None);

    private async Task<IReadOnlyList<ChatFlagFollowUp>> FollowUpsLeftAsync() =>
        await api.Services.GetRequiredService<IDocumentStore>().QueryAllAsync<ChatFlagFollowUp>(SafetyFlag.Container, ChatFlagFollowUp.Partition, [], CancellationToken.None);
}
