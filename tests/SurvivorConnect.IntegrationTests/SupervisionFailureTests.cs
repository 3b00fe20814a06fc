using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using SurvivorConnect.Api.Features.Mentoring;
using SurvivorConnect.Api.Features.Notifications;
using SurvivorConnect.Api.Features.Supervision;
using SurvivorConnect.Api.Features.Supervision.Rules;
using SurvivorConnect.Api.Infrastructure.Auth;
using SurvivorConnect.Storage;

namespace SurvivorConnect.IntegrationTests;

/// <summary>
/// The store going away part way through supervision's work. A check-in stored by a request whose follow-ups then
/// failed is finished by the worker: an urgent answer always reaches a supervisor and holds the mentor, and the mentor
/// still gets the crisis lines at once. Sent again with its submission id (after an error, a lost reply or a reload),
/// it counts once. The worker's own writes failing part way lose no missed-check-in flag, leave no slot behind, and
/// leave no hold that a supervisor's review should have lifted.
/// </summary>
public sealed class SupervisionFailureTests(ClockedCountingApiFactory api) : IClassFixture<ClockedCountingApiFactory>
{
    private readonly MentoringWorld _world = new(api);

    [Fact]
    public async Task An_urgent_check_in_whose_flag_was_not_written_gets_its_crisis_lines_now_and_is_flagged_held_and_told_by_the_worker_once()
    {
        var (mentorId, mentor) = await _world.ReadyMentorAsync();
        var submittedAt = api.Time.GetUtcNow();

        var reply = await HttpAssert.Ok<JsonElement>(await api.FailingWriteOnceAsync(d => d is WellbeingFlag { MentorId: var m } && m == mentorId, () => SupervisionTests.CheckInAsync(mentor, SupervisionTests.Answers(1, urgent: 3))));

        Assert.Equal(CheckInHandlers.UrgentWordsBeingTold, reply.GetProperty("message").GetString());
        Assert.NotEqual(0, reply.GetProperty("crisisResources").GetArrayLength());
        Assert.Empty(await FlagsAsync(mentorId));
        await RunWorkerAsync(after: CheckInFollowUp.Grace - TimeSpan.FromSeconds(1));
        Assert.Empty(await FlagsAsync(mentorId));

        await RunWorkerAsync(after: TimeSpan.FromSeconds(1));
        await RunWorkerAsync(after: TimeSpan.FromMinutes(5));

        var flag = Assert.Single(await FlagsAsync(mentorId));
        Assert.Equal("Urgent", flag.GetProperty("kind").GetString());
        Assert.NotEqual(JsonValueKind.Null, (await MentorAsync(mentorId)).GetProperty("hold").ValueKind);
        Assert.Single(await NoticesAsync(flag.GetProperty("id").GetString()!));
        var mine = await HttpAssert.Ok<JsonElement>(await mentor.GetAsync("/api/supervision/me"));
        Assert.Equal(1, mine.GetProperty("history").GetArrayLength());
        Assert.False(mine.GetProperty("due").GetBoolean());
        Assert.Equal(submittedAt.AddDays(14), mine.GetProperty("nextDueAt").GetDateTimeOffset());
        Assert.Empty(await FollowUpsLeftAsync());
    }

    [Fact]
    public async Task A_check_in_left_to_the_worker_whose_flag_was_raised_under_its_id_of_before_is_finished_on_that_flag_and_raises_no_second()
    {
        var (mentorId, mentor) = await _world.ReadyMentorAsync();
        await HttpAssert.Ok<JsonElement>(await api.FailingWriteOnceAsync(d => d is WellbeingFlag { MentorId: var m } && m == mentorId, () => SupervisionTests.CheckInAsync(mentor, SupervisionTests.Answers(1, urgent: 3))));
        var store = api.Services.GetRequiredService<IDocumentStore>();
        var checkIn = Assert.Single(await store.QueryAllAsync<CheckIn>(SupervisionData.Container, "demo", [Filter.Eq("mentorId", mentorId)], CancellationToken.None));

        // Raised and reviewed before flag ids were opaque, as one left to the worker across that change was.
        await store.CreateAsync(SupervisionData.Container, new WellbeingFlag
        {
            Id = "wflag~" + checkIn.Id, PartitionKey = "demo", AgencyId = "demo", MentorId = mentorId, Kind = FlagKind.Urgent, Reasons = ["An urgent question about safety was answered."],
            CheckInId = checkIn.Id, RaisedAt = checkIn.SubmittedAt, Status = WellbeingFlagStatus.Acknowledged,
        }, CancellationToken.None);
        await RunWorkerAsync(after: CheckInFollowUp.Grace);
        await RunWorkerAsync(after: TimeSpan.FromMinutes(5));

        Assert.Equal("wflag~" + checkIn.Id, Assert.Single(await FlagsAsync(mentorId)).GetProperty("id").GetString());
        Assert.Empty(await FollowUpsLeftAsync());
    }

    [Fact]
    public async Task An_urgent_check_in_sent_as_the_mentor_closes_the_app_tells_the_supervisor_and_holds_the_mentor_at_once()
    {
        var (mentorId, mentor) = await _world.ReadyMentorAsync();
        using var leaving = new CancellationTokenSource();
        api.Counter.AfterCreate = document =>
        {
            if (document is CheckIn { MentorId: var m } && m == mentorId)
            {
                leaving.Cancel();
            }
        };
        try
        {
            using var page = await mentor.GetAsync("/api/supervision/me");
            var shown = await page.Content.ReadFromJsonAsync<JsonElement>();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => mentor.PostAsJsonAsync("/api/supervision/me/check-ins", new
            {
                answers = SupervisionTests.Answers(1, urgent: 3),
                instrumentKey = shown.GetProperty("instrumentKey").GetString(),
                instrumentVersion = shown.GetProperty("instrumentVersion").GetInt32(),
            }, leaving.Token));
        }
        finally
        {
            api.Counter.AfterCreate = null;
        }

        // No worker round: the request finished its follow-ups though nobody was there for its answer.
        var flagId = await EventuallyAsync(async () => (await FlagsAsync(mentorId)).Select(f => f.GetProperty("id").GetString()).SingleOrDefault());
        Assert.NotEqual(JsonValueKind.Null, (await MentorAsync(mentorId)).GetProperty("hold").ValueKind);
        Assert.Single(await NoticesAsync(flagId!));
    }

    [Fact]
    public async Task A_check_in_that_was_never_stored_raises_nothing_and_its_record_goes_after_a_day()
    {
        var (mentorId, mentor) = await _world.ReadyMentorAsync();
        var problem = await HttpAssert.Problem(await api.FailingWriteOnceAsync(d => d is CheckIn { MentorId: var m } && m == mentorId, () => SupervisionTests.CheckInAsync(mentor, SupervisionTests.Answers(1, urgent: 3))), 503);

        // The answers were never scored and may have said the mentor is not safe.
        Assert.Contains(problem.GetProperty("crisisResources").EnumerateArray(), line => line.GetProperty("contact").GetString()!.Contains("988", StringComparison.Ordinal));

        // Its request may still be retrying through an outage, so the record stays a while.
        await RunWorkerAsync(after: CheckInFollowUp.Grace);
        Assert.Single(await FollowUpsLeftAsync());
        await RunWorkerAsync(after: CheckInFollowUp.GiveUpAfter);

        Assert.Empty(await FlagsAsync(mentorId));
        Assert.Equal(JsonValueKind.Null, (await MentorAsync(mentorId)).GetProperty("hold").ValueKind);
        Assert.Equal(0, (await HttpAssert.Ok<JsonElement>(await mentor.GetAsync("/api/supervision/me"))).GetProperty("history").GetArrayLength());
        Assert.Empty(await FollowUpsLeftAsync());
    }

    [Fact]
    public async Task An_urgent_answer_whose_supervisor_could_not_be_told_holds_the_mentor_at_once_and_the_worker_tells_them()
    {
        var (mentorId, mentor) = await _world.ReadyMentorAsync();

        var reply = await HttpAssert.Ok<JsonElement>(await api.FailingWriteOnceAsync(d => d is Notification, () => SupervisionTests.CheckInAsync(mentor, SupervisionTests.Answers(1, urgent: 3))));

        Assert.Equal(CheckInHandlers.UrgentWordsBeingTold, reply.GetProperty("message").GetString());
        var flagId = Assert.Single(await FlagsAsync(mentorId)).GetProperty("id").GetString()!;
        Assert.Empty(await NoticesAsync(flagId));
        Assert.NotEqual(JsonValueKind.Null, (await MentorAsync(mentorId)).GetProperty("hold").ValueKind);
        await RunWorkerAsync(after: CheckInFollowUp.Grace);
        Assert.Single(await NoticesAsync(flagId));
    }

    [Fact]
    public async Task An_urgent_answer_its_supervisor_leaves_unseen_two_hours_goes_to_the_admins_once_who_can_give_the_mentor_a_supervisor_who_acts()
    {
        var (mentorId, mentor) = await _world.ReadyMentorAsync();
        await HttpAssert.Ok<JsonElement>(await SupervisionTests.CheckInAsync(mentor, SupervisionTests.Answers(1, urgent: 3)));
        var flagId = Assert.Single(await FlagsAsync(mentorId)).GetProperty("id").GetString()!;
        // Told once for each supervisor who left it unseen: the notice's key names the flag and that supervisor's turn.
        async Task<int> AdminsToldAsync()
        {
            var profile = (await api.Services.GetRequiredService<IDocumentStore>().ReadAsync<MentorProfile>(MentorProfile.Container, mentorId, "demo", CancellationToken.None))!;
            var id = await api.NoticeIdAsync($"urgent-unseen~{flagId}~{profile.SupervisorId}~{profile.SupervisorSince?.UtcTicks}", "demo-admin");
            return (await _world.Admin.NoticesAsync()).Count(n => n.Id == id);
        }

        async Task<JsonElement?> ListedAsync() => (await HttpAssert.Ok<List<JsonElement>>(await _world.Admin.GetAsync("/api/mentors/needing-supervisor")))
            .Where(m => m.GetProperty("id").GetString() == mentorId).Select(m => (JsonElement?)m).SingleOrDefault();

        await RunWorkerAsync(after: UrgentFlagWatch.Every);
        Assert.Equal(0, await AdminsToldAsync());
        Assert.Null(await ListedAsync());

        await RunWorkerAsync(after: UrgentFlagWatch.Every);
        await RunWorkerAsync(after: UrgentFlagWatch.Every);
        Assert.Equal(1, await AdminsToldAsync());
        var listed = (await ListedAsync())!.Value;
        Assert.True(listed.GetProperty("supervisorAway").GetBoolean());
        Assert.True(listed.GetProperty("urgentWaiting").GetBoolean());

        // Given another supervisor, that one has their own two hours, and is the one who can review it.
        var (otherId, other) = await _world.PersonAsync(Roles.Supervisor);
        await HttpAssert.Ok<JsonElement>(await _world.Admin.PutAsJsonAsync($"/api/mentors/{mentorId}/supervisor", new { supervisorId = otherId }));
        Assert.Null(await ListedAsync());

        // Should that one leave it unseen too, the admins are asked again.
        foreach (var _ in Enumerable.Range(0, 3))
        {
            await RunWorkerAsync(after: UrgentFlagWatch.Every);
        }

        Assert.Equal(1, await AdminsToldAsync());
        Assert.NotNull(await ListedAsync());
        await HttpAssert.Ok<JsonElement>(await SupervisionTests.OnFlagAsync(other, flagId, "acknowledge"));
        Assert.Null(await ListedAsync());
        Assert.Equal(JsonValueKind.Null, (await HttpAssert.Ok<JsonElement>(await _world.Admin.GetAsync($"/api/mentors/{mentorId}"))).GetProperty("hold").ValueKind);
    }

    [Fact]
    public async Task An_urgent_answer_whose_reminder_to_the_supervisor_could_not_be_written_is_told_at_the_next_round_not_an_hour_later()
    {
        var (mentorId, mentor) = await _world.ReadyMentorAsync();
        await HttpAssert.Ok<JsonElement>(await SupervisionTests.CheckInAsync(mentor, SupervisionTests.Answers(1, urgent: 3)));
        var flagId = Assert.Single(await FlagsAsync(mentorId)).GetProperty("id").GetString()!;
        var watches = await api.Services.GetRequiredService<IDocumentStore>().QueryAllAsync<UrgentFlagWatch>(SupervisionData.Container, UrgentFlagWatch.Partition, [], CancellationToken.None);
        var reminder = await api.NoticeIdAsync($"urgent-waiting~{flagId}~{Assert.Single(watches, w => w.FlagId == flagId).DueAt.UtcTicks}", "demo-supervisor");

        await api.FailingWriteOnceAsync(d => d.Id == reminder, async () =>
        {
            await RunWorkerAsync(after: UrgentFlagWatch.Every);
            return true;
        });
        Assert.DoesNotContain(await _world.Supervisor.NoticesAsync(), n => n.Id == reminder);
        await RunWorkerAsync(after: TimeSpan.FromMinutes(5));

        Assert.Contains(await _world.Supervisor.NoticesAsync(), n => n.Id == reminder);
    }

    [Fact]
    public async Task A_flag_is_seen_or_resolved_or_given_a_session_only_with_the_version_read_so_nothing_added_since_goes_unseen()
    {
        var (mentorId, mentor) = await _world.ReadyMentorAsync();
        await HttpAssert.Ok<JsonElement>(await SupervisionTests.CheckInAsync(mentor, SupervisionTests.Answers(1, urgent: 3)));
        var flagId = Assert.Single(await FlagsAsync(mentorId)).GetProperty("id").GetString()!;
        var today = DateOnly.FromDateTime(api.Time.GetUtcNow().UtcDateTime);

        await HttpAssert.Problem(await _world.Supervisor.PostAsync($"/api/supervision/flags/{flagId}/acknowledge", null), 428);
        await HttpAssert.Problem(await _world.Supervisor.PostAsync($"/api/supervision/flags/{flagId}/resolve", null), 428);
        await HttpAssert.Problem(await _world.Supervisor.PostAsJsonAsync($"/api/supervision/flags/{flagId}/sessions", new { date = today, notes = "We met." }), 428);

        var flag = Assert.Single(await FlagsAsync(mentorId));
        Assert.Equal("Open", flag.GetProperty("status").GetString());
        Assert.NotEqual(JsonValueKind.Null, (await MentorAsync(mentorId)).GetProperty("hold").ValueKind);
        await HttpAssert.Ok<JsonElement>(await SupervisionTests.OnFlagAsync(_world.Supervisor, flagId, "sessions", new { date = today, notes = "We met." }));
        Assert.Equal("Acknowledged", Assert.Single(await FlagsAsync(mentorId)).GetProperty("status").GetString());
    }

    [Fact]
    public async Task A_flag_the_supervisor_reviewed_before_the_worker_finished_is_told_but_does_not_hold_the_mentor_again()
    {
        var (mentorId, mentor) = await _world.ReadyMentorAsync();
        await HttpAssert.Ok<JsonElement>(await api.FailingWriteOnceAsync(d => d is Notification, () => SupervisionTests.CheckInAsync(mentor, SupervisionTests.Answers(1, urgent: 3))));
        var flagId = Assert.Single(await FlagsAsync(mentorId)).GetProperty("id").GetString()!;
        Assert.Empty(await NoticesAsync(flagId));
        await HttpAssert.Ok<JsonElement>(await SupervisionTests.OnFlagAsync(_world.Supervisor, flagId, "acknowledge"));
        Assert.Equal(JsonValueKind.Null, (await MentorAsync(mentorId)).GetProperty("hold").ValueKind);

        await RunWorkerAsync(after: CheckInFollowUp.Grace);

        Assert.Equal(JsonValueKind.Null, (await MentorAsync(mentorId)).GetProperty("hold").ValueKind);
        Assert.Single(await FlagsAsync(mentorId));
        Assert.Single(await NoticesAsync(flagId));
        Assert.Empty(await FollowUpsLeftAsync());
    }

    [Fact]
    public async Task An_urgent_flag_whose_hold_could_not_be_lifted_when_seen_is_lifted_when_the_supervisor_resolves_it()
    {
        var (mentorId, flagId) = await SeenWhileLiftingFailsAsync();
        Assert.Equal("Acknowledged", Assert.Single(await FlagsAsync(mentorId)).GetProperty("status").GetString());

        await HttpAssert.Ok<JsonElement>(await SupervisionTests.OnFlagAsync(_world.Supervisor, flagId, "resolve"));

        Assert.Equal(JsonValueKind.Null, (await MentorAsync(mentorId)).GetProperty("hold").ValueKind);
    }

    [Fact]
    public async Task An_urgent_answer_under_a_supervisor_s_own_hold_keeps_the_mentor_held_until_it_is_reviewed()
    {
        var (mentorId, mentor) = await _world.ReadyMentorAsync();
        await HttpAssert.Ok<JsonElement>(await _world.Supervisor.PostAsJsonAsync($"/api/mentors/{mentorId}/hold", new { reason = "Rest after a hard month" }));
        await HttpAssert.Ok<JsonElement>(await SupervisionTests.CheckInAsync(mentor, SupervisionTests.Answers(1, urgent: 3)));
        var flagId = Assert.Single(await FlagsAsync(mentorId)).GetProperty("id").GetString();

        var refused = await HttpAssert.Problem(await MentoringWorld.LiftHoldAsync(_world.Supervisor, mentorId), 409);
        Assert.Contains("waiting for your review", refused.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.NotEqual(JsonValueKind.Null, (await MentorAsync(mentorId)).GetProperty("hold").ValueKind);

        // Reviewed, the supervisor's own hold stays as they placed it, and they may lift it.
        await HttpAssert.Ok<JsonElement>(await SupervisionTests.OnFlagAsync(_world.Supervisor, flagId, "acknowledge"));
        Assert.Equal("Rest after a hard month", (await MentorAsync(mentorId)).GetProperty("hold").GetProperty("reason").GetString());
        await HttpAssert.Ok<JsonElement>(await MentoringWorld.LiftHoldAsync(_world.Supervisor, mentorId));
        Assert.Equal(JsonValueKind.Null, (await MentorAsync(mentorId)).GetProperty("hold").ValueKind);
    }

    [Fact]
    public async Task The_automatic_hold_lifts_only_with_the_review_and_a_hold_placed_over_it_waits_for_the_review_too()
    {
        var (mentorId, mentor) = await _world.ReadyMentorAsync();
        await HttpAssert.Ok<JsonElement>(await SupervisionTests.CheckInAsync(mentor, SupervisionTests.Answers(1, urgent: 3)));
        var flagId = Assert.Single(await FlagsAsync(mentorId)).GetProperty("id").GetString();

        await HttpAssert.Problem(await MentoringWorld.LiftHoldAsync(_world.Supervisor, mentorId), 409);
        await HttpAssert.Ok<JsonElement>(await MentoringWorld.HoldAsync(_world.Supervisor, mentorId, "We talk first"));
        await HttpAssert.Problem(await MentoringWorld.LiftHoldAsync(_world.Supervisor, mentorId), 409);

        await HttpAssert.Ok<JsonElement>(await SupervisionTests.OnFlagAsync(_world.Supervisor, flagId, "acknowledge"));
        await HttpAssert.Ok<JsonElement>(await MentoringWorld.LiftHoldAsync(_world.Supervisor, mentorId));
        Assert.Equal(JsonValueKind.Null, (await MentorAsync(mentorId)).GetProperty("hold").ValueKind);
    }

    [Fact]
    public async Task Reviewing_one_urgent_flag_keeps_the_hold_while_another_urgent_flag_of_the_mentor_waits()
    {
        var (mentorId, mentor) = await _world.ReadyMentorAsync();
        await HttpAssert.Ok<JsonElement>(await SupervisionTests.CheckInAsync(mentor, SupervisionTests.Answers(1, urgent: 3)));
        await HttpAssert.Ok<JsonElement>(await SupervisionTests.CheckInAsync(mentor, SupervisionTests.Answers(2, urgent: 3)));
        var flags = await FlagsAsync(mentorId);
        Assert.Equal(2, flags.Count);

        await HttpAssert.Ok<JsonElement>(await SupervisionTests.OnFlagAsync(_world.Supervisor, flags[0].GetProperty("id").GetString(), "acknowledge"));
        Assert.NotEqual(JsonValueKind.Null, (await MentorAsync(mentorId)).GetProperty("hold").ValueKind);

        await HttpAssert.Ok<JsonElement>(await SupervisionTests.OnFlagAsync(_world.Supervisor, flags[1].GetProperty("id").GetString(), "acknowledge"));
        Assert.Equal(JsonValueKind.Null, (await MentorAsync(mentorId)).GetProperty("hold").ValueKind);
    }

    [Fact]
    public async Task One_record_the_worker_cannot_work_on_does_not_stop_it_telling_again_of_another_mentors_unseen_urgent_flag()
    {
        var (seenLateId, seenLate) = await _world.ReadyMentorAsync();
        await HttpAssert.Ok<JsonElement>(await SupervisionTests.CheckInAsync(seenLate, SupervisionTests.Answers(1, urgent: 3)));
        var waitingFlag = Assert.Single(await FlagsAsync(seenLateId)).GetProperty("id").GetString()!;
        var (stuckId, stuck) = await _world.ReadyMentorAsync();
        await HttpAssert.Ok<JsonElement>(await api.FailingWriteOnceAsync(d => d is WellbeingFlag { MentorId: var m } && m == stuckId, () => SupervisionTests.CheckInAsync(stuck, SupervisionTests.Answers(1, urgent: 3))));

        var waitingDue = (await api.Services.GetRequiredService<IDocumentStore>().ReadAsync<UrgentFlagWatch>(
            SupervisionData.Container, UrgentFlagWatch.IdFor("demo", waitingFlag), UrgentFlagWatch.Partition, CancellationToken.None))!.DueAt;

        // The worker finishes check-ins first, and the store keeps refusing this one's flag.
        api.Counter.BeforeCreate = document =>
        {
            if (document is WellbeingFlag { MentorId: var m } && m == stuckId)
            {
                throw new StoreException(StoreErrorKind.Unavailable, "The store went away.");
            }
        };
        try
        {
            await RunWorkerAsync(after: UrgentFlagWatch.Every + TimeSpan.FromMinutes(1));
        }
        finally
        {
            api.Counter.BeforeCreate = null;
        }

        Assert.Single(await NoticesAsync($"urgent-waiting~{waitingFlag}~{waitingDue.UtcTicks}"));
        Assert.Empty(await FlagsAsync(stuckId));
        await RunWorkerAsync(after: TimeSpan.FromMinutes(5));
        Assert.Equal("Urgent", Assert.Single(await FlagsAsync(stuckId)).GetProperty("kind").GetString());
    }

    [Fact]
    public async Task A_check_in_whose_schedule_was_not_started_again_is_never_counted_as_missed()
    {
        var (mentorId, mentor) = await _world.ReadyMentorAsync();
        await HttpAssert.Ok<JsonElement>(await SupervisionTests.CheckInAsync(mentor, SupervisionTests.Answers(0)));
        api.Time.Advance(TimeSpan.FromDays(14) + CheckInSchedule.MissedAfter + TimeSpan.FromMinutes(1));

        // The store refuses to start the schedule again (but would let the worker count a miss).
        api.Counter.BeforeReplace = (_, document) => document is CheckInSchedule { Missed: 0 } schedule && schedule.MentorId == mentorId
            ? throw new StoreException(StoreErrorKind.Unavailable, "The store went away.")
            : Task.CompletedTask;
        try
        {
            var reply = await HttpAssert.Ok<JsonElement>(await SupervisionTests.CheckInAsync(mentor, SupervisionTests.Answers(0)));
            Assert.Equal(CheckInHandlers.Thanks, reply.GetProperty("message").GetString());
            await RunWorkerAsync(after: CheckInFollowUp.Grace);
            Assert.Equal(0, (await ScheduleAsync(mentorId)).Missed);
        }
        finally
        {
            api.Counter.BeforeReplace = null;
        }

        await RunWorkerAsync(after: TimeSpan.FromMinutes(5));
        var started = await ScheduleAsync(mentorId);
        Assert.Equal(0, started.Missed);
        Assert.True(started.DueAt > api.Time.GetUtcNow().AddDays(13));
        Assert.Empty(await FollowUpsLeftAsync());
    }

    [Fact]
    public async Task An_urgent_check_in_sent_again_after_an_error_or_a_lost_reply_is_stored_flagged_and_told_once_and_answered_with_the_crisis_lines()
    {
        var (mentorId, mentor) = await _world.ReadyMentorAsync();
        var (answers, submissionId) = (SupervisionTests.Answers(1, urgent: 3), "form-7f3a");
        await HttpAssert.Problem(await api.FailingWriteOnceAsync(d => d is CheckIn { MentorId: var m } && m == mentorId, () => SupervisionTests.CheckInAsync(mentor, answers, submissionId)), 503);

        var again = await HttpAssert.Ok<JsonElement>(await SupervisionTests.CheckInAsync(mentor, answers, submissionId));
        var reload = await HttpAssert.Ok<JsonElement>(await SupervisionTests.CheckInAsync(mentor, answers, submissionId));

        foreach (var reply in new[] { again, reload })
        {
            Assert.Equal(CheckInHandlers.UrgentWords, reply.GetProperty("message").GetString());
            Assert.NotEqual(0, reply.GetProperty("crisisResources").GetArrayLength());
        }

        var flag = Assert.Single(await FlagsAsync(mentorId));
        Assert.Single(await NoticesAsync(flag.GetProperty("id").GetString()!));
        Assert.Equal(1, (await HttpAssert.Ok<JsonElement>(await mentor.GetAsync("/api/supervision/me"))).GetProperty("history").GetArrayLength());
        Assert.Empty(await FollowUpsLeftAsync());
    }

    [Fact]
    public async Task Answers_changed_before_sending_again_are_a_check_in_of_their_own_so_an_urgent_answer_is_never_lost()
    {
        var (mentorId, mentor) = await _world.ReadyMentorAsync();
        await HttpAssert.Ok<JsonElement>(await SupervisionTests.CheckInAsync(mentor, SupervisionTests.Answers(0), "form-1"));

        var reply = await HttpAssert.Ok<JsonElement>(await SupervisionTests.CheckInAsync(mentor, SupervisionTests.Answers(0, urgent: 3), "form-1"));
        var again = await HttpAssert.Ok<JsonElement>(await SupervisionTests.CheckInAsync(mentor, SupervisionTests.Answers(0, urgent: 3), "form-1"));

        Assert.Equal(CheckInHandlers.UrgentWords, reply.GetProperty("message").GetString());
        Assert.Equal(CheckInHandlers.UrgentWords, again.GetProperty("message").GetString());
        Assert.Equal("Urgent", Assert.Single(await FlagsAsync(mentorId)).GetProperty("kind").GetString());
        Assert.Equal(2, (await HttpAssert.Ok<JsonElement>(await mentor.GetAsync("/api/supervision/me"))).GetProperty("history").GetArrayLength());
    }

    [Fact]
    public async Task An_urgent_answer_sent_while_the_same_form_with_other_answers_was_being_stored_is_still_flagged_by_the_worker()
    {
        var (mentorId, mentor) = await _world.ReadyMentorAsync();
        HttpResponseMessage? calm = null;
        api.Counter.WhileCreating = async document =>
        {
            if (document is CheckIn)
            {
                api.Counter.WhileCreating = null;
                calm = await SupervisionTests.CheckInAsync(mentor, SupervisionTests.Answers(0), "form-2");
            }
        };

        HttpResponseMessage urgent;
        try
        {
            // The urgent one's flag fails once it is stored under an id of its own: the worker must find it all the same.
            urgent = await api.FailingWriteOnceAsync(d => d is WellbeingFlag { MentorId: var m } && m == mentorId,
                () => SupervisionTests.CheckInAsync(mentor, SupervisionTests.Answers(0, urgent: 3), "form-2"));
        }
        finally
        {
            api.Counter.WhileCreating = null;
        }

        await HttpAssert.Ok<JsonElement>(calm!);
        Assert.Equal(CheckInHandlers.UrgentWordsBeingTold, (await HttpAssert.Ok<JsonElement>(urgent)).GetProperty("message").GetString());
        Assert.Empty(await FlagsAsync(mentorId));
        await RunWorkerAsync(after: CheckInFollowUp.Grace);

        Assert.Equal("Urgent", Assert.Single(await FlagsAsync(mentorId)).GetProperty("kind").GetString());
        Assert.Equal(2, (await HttpAssert.Ok<JsonElement>(await mentor.GetAsync("/api/supervision/me"))).GetProperty("history").GetArrayLength());
        Assert.Empty(await FollowUpsLeftAsync());
    }

    [Fact]
    public async Task A_flag_id_which_admins_read_in_the_audit_log_cannot_be_worked_back_to_the_answers()
    {
        var (mentorId, mentor) = await _world.ReadyMentorAsync();
        var answers = SupervisionTests.Answers(1, urgent: 3);
        await HttpAssert.Ok<JsonElement>(await SupervisionTests.CheckInAsync(mentor, answers, "form-1"));

        var flagId = await SupervisionTests.FirstFlagAsync(_world.Supervisor, mentorId);

        // The attack: hash each of the few possible answer sets with the mentor and a guessable submission id, and look
        // for the flag's id among them. Here the answers are known, so one guess is enough to show whether it works.
        var sent = string.Join(';', answers.OrderBy(a => a.Key, StringComparer.Ordinal).Select(a => $"{a.Key}={a.Value}"));
        var guess = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes($"{mentorId}~form-1~{sent}")))[..32];
        Assert.DoesNotContain(guess, flagId, StringComparison.Ordinal);

        // Nor does its shape say it came from answers rather than from missed check-ins.
        Assert.Matches("^wflag~[0-9a-f]{40}$", flagId);
        Assert.Matches("^wflag~[0-9a-f]{40}$", MissedCheckInHandler.MissedFlagId(mentorId, api.Time.GetUtcNow()));
    }

    [Fact]
    public async Task An_urgent_answer_of_someone_no_longer_mentoring_with_no_supervisor_is_not_put_to_the_admins_every_hour()
    {
        var (mentorId, mentor) = await _world.MentorAsync();
        await HttpAssert.Ok<JsonElement>(await SupervisionTests.CheckInAsync(mentor, SupervisionTests.Answers(1, urgent: 3)));
        var flagId = Assert.Single(await api.Services.GetRequiredService<IDocumentStore>().QueryAllAsync<WellbeingFlag>(SupervisionData.Container, "demo", [Filter.Eq("mentorId", mentorId)], CancellationToken.None)).Id;
        await RunWorkerAsync(after: UrgentFlagWatch.Every);
        var asked = await NeedsSupervisorAsync(flagId);
        Assert.NotEmpty(asked);

        await MentoringWorld.Ok(await _world.Admin.PostAsync($"/api/people/{mentorId}/deactivate", null));
        await RunWorkerAsync(after: UrgentFlagWatch.Every);
        await RunWorkerAsync(after: UrgentFlagWatch.Every);
        Assert.Equal(asked.Count, (await NeedsSupervisorAsync(flagId)).Count);

        // Brought back, still unseen, they are asked again.
        await MentoringWorld.Ok(await _world.Admin.ReactivateAsync(mentorId));
        await RunWorkerAsync(after: UrgentFlagWatch.Every);
        Assert.True((await NeedsSupervisorAsync(flagId)).Count > asked.Count);
    }

    /// <summary>The admin's notices asking for a supervisor for the mentor of an urgent flag, by the hour they were sent for.</summary>
    private async Task<List<NotificationDto>> NeedsSupervisorAsync(string flagId)
    {
        var watches = await api.Services.GetRequiredService<IDocumentStore>().QueryAllAsync<UrgentFlagWatch>(SupervisionData.Container, UrgentFlagWatch.Partition, [], CancellationToken.None);
        var due = Assert.Single(watches, w => w.FlagId == flagId).DueAt;
        var ids = new List<string>();
        for (var at = due - TimeSpan.FromHours(12); at <= due; at += UrgentFlagWatch.Every)
        {
            ids.Add(await api.NoticeIdAsync($"needs-supervisor~urgent-waiting~{flagId}~{at.UtcTicks}", "demo-admin"));
        }

        return [.. (await _world.Admin.NoticesAsync()).Where(n => ids.Contains(n.Id))];
    }

    [Fact]
    public async Task A_check_in_page_sent_with_a_question_left_out_shows_the_crisis_lines_and_keeps_the_answers_given()
    {
        var (mentorId, mentor) = await _world.ReadyMentorAsync();
        var portal = await PortalSession.SignedInAsync(api, mentorId);
        var urgent = DefaultInstrument.Version1.Items.Single(i => i.Urgent).Id;
        var shown = await HttpAssert.Ok<JsonElement>(await mentor.GetAsync("/api/supervision/me"));
        (string, string) key = ("InstrumentKey", shown.GetProperty("instrumentKey").GetString()!);
        (string, string) version = ("InstrumentVersion", shown.GetProperty("instrumentVersion").GetInt32().ToString(System.Globalization.CultureInfo.InvariantCulture));

        var page = await PortalSession.PostFormAsync(portal, "/wellbeing", "checkin", ($"A_{urgent}", "3"), ("SubmissionId", "form-left-out"), key, version);
        var changed = await PortalSession.PostFormAsync(portal, "/wellbeing", "checkin", ($"A_{urgent}", "3"), ("SubmissionId", "form-left-out"), key, ("InstrumentVersion", "999"));

        Assert.Contains("data-not-sent", page, StringComparison.Ordinal);
        Assert.Contains("988", page, StringComparison.Ordinal);
        Assert.Contains($"name=\"A_{urgent}\" value=\"3\" checked", page, StringComparison.Ordinal);

        // The urgent answer given is not left with a page the mentor may close: the supervisor is told, once.
        Assert.Single(await FlagsAsync(mentorId));

        // Answers to questions since replaced are not put on the new ones.
        Assert.Contains(CheckInHandlers.QuestionsChanged.Replace("'", "&#x27;", StringComparison.Ordinal), changed, StringComparison.Ordinal);
        Assert.Contains("data-not-sent", changed, StringComparison.Ordinal);
        Assert.DoesNotContain(" checked", changed, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_check_in_sent_from_a_page_open_since_before_signing_in_again_is_shown_again_with_its_answers_and_the_crisis_lines()
    {
        var (mentorId, mentor) = await _world.ReadyMentorAsync();
        var portal = await PortalSession.SignedInAsync(api, mentorId);
        var urgent = DefaultInstrument.Version1.Items.Single(i => i.Urgent).Id;
        var shown = await HttpAssert.Ok<JsonElement>(await mentor.GetAsync("/api/supervision/me"));
        var staleToken = await PortalSession.FormTokenAsync(portal, "/wellbeing");
        FormUrlEncodedContent Sent(string forWhom) => new([
            new("_handler", "checkin"), new("__RequestVerificationToken", staleToken), new($"A_{urgent}", "3"), new("SubmissionId", "stale-page-check-in"),
            new("InstrumentKey", shown.GetProperty("instrumentKey").GetString()!),
            new("InstrumentVersion", shown.GetProperty("instrumentVersion").GetInt32().ToString(System.Globalization.CultureInfo.InvariantCulture)),
            new("For", forWhom)]);

        // Signed in again (another tab, after the session ran out): the open page's form no longer holds.
        await portal.PostAsync("/signin/demo", new FormUrlEncodedContent([new("personId", mentorId), new("__RequestVerificationToken", await PortalSession.FormTokenAsync(portal, "/signin"))]));
        var refused = await portal.PostAsync("/wellbeing", Sent(mentorId));

        Assert.Equal(HttpStatusCode.SeeOther, refused.StatusCode);
        Assert.Equal("/wellbeing?unsent=1", refused.Headers.Location?.OriginalString);
        var again = await portal.GetStringAsync("/wellbeing?unsent=1");
        Assert.Contains("Your check-in was not sent", again, StringComparison.Ordinal);
        Assert.Contains("data-not-sent", again, StringComparison.Ordinal);
        Assert.Contains("988", again, StringComparison.Ordinal);
        Assert.Contains($"name=\"A_{urgent}\" value=\"3\" checked", again, StringComparison.Ordinal);
        Assert.Contains("value=\"stale-page-check-in\"", again, StringComparison.Ordinal);
        Assert.Empty(await FlagsAsync(mentorId));

        // Shown once, and only to the mentor the page was drawn for; loaded again, it still says it was not sent.
        var reloaded = await portal.GetStringAsync("/wellbeing?unsent=1");
        Assert.DoesNotContain(" checked", reloaded, StringComparison.Ordinal);
        Assert.Contains("Your check-in was not sent", reloaded, StringComparison.Ordinal);
        Assert.Contains("data-not-sent", reloaded, StringComparison.Ordinal);
        var (otherId, _) = await _world.ReadyMentorAsync();
        var other = await PortalSession.SignedInAsync(api, otherId);
        var theirs = await other.PostAsync("/wellbeing", Sent(mentorId));
        Assert.Equal(HttpStatusCode.BadRequest, theirs.StatusCode);
        Assert.Contains("This page has changed", await theirs.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.DoesNotContain(" checked", await other.GetStringAsync("/wellbeing?unsent=1"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_check_in_answered_to_questions_since_replaced_is_refused_and_nothing_is_scored()
    {
        var (mentorId, mentor) = await _world.ReadyMentorAsync();
        var page = await HttpAssert.Ok<JsonElement>(await mentor.GetAsync("/api/supervision/me"));
        var key = page.GetProperty("instrumentKey").GetString();
        var version = page.GetProperty("instrumentVersion").GetInt32();

        var stale = await HttpAssert.Problem(await mentor.PostAsJsonAsync("/api/supervision/me/check-ins", new
        {
            answers = SupervisionTests.Answers(0, urgent: 1), instrumentKey = key, instrumentVersion = version + 1,
        }), 409);
        await HttpAssert.Problem(await mentor.PostAsJsonAsync("/api/supervision/me/check-ins", new
        {
            answers = SupervisionTests.Answers(0, urgent: 1), instrumentKey = "another-instrument", instrumentVersion = version,
        }), 409);

        Assert.Equal(CheckInHandlers.QuestionsChanged, stale.GetProperty("detail").GetString());

        // Its answers could not be scored, whatever they said: the refusal carries the crisis lines.
        Assert.Contains(stale.GetProperty("crisisResources").EnumerateArray(), line => line.GetProperty("contact").GetString()!.Contains("988", StringComparison.Ordinal));

        // Answers that do not say which questions they answered are not scored on whichever are current; an urgent answer
        // among them, read as one to the questions asked now, still reaches the supervisor and holds the mentor.
        var unnamed = await HttpAssert.Problem(await mentor.PostAsJsonAsync("/api/supervision/me/check-ins", new { answers = SupervisionTests.Answers(0, urgent: 1) }), 400);
        Assert.True(unnamed.GetProperty("errors").TryGetProperty("instrumentKey", out _));
        Assert.True(unnamed.GetProperty("errors").TryGetProperty("instrumentVersion", out _));
        Assert.Equal(0, (await HttpAssert.Ok<JsonElement>(await mentor.GetAsync("/api/supervision/me"))).GetProperty("history").GetArrayLength());
        Assert.Equal("Urgent", Assert.Single(await FlagsAsync(mentorId)).GetProperty("kind").GetString());
        Assert.NotEqual(JsonValueKind.Null, (await MentorAsync(mentorId)).GetProperty("hold").ValueKind);
        await HttpAssert.Ok<JsonElement>(await mentor.PostAsJsonAsync("/api/supervision/me/check-ins", new
        {
            answers = SupervisionTests.Answers(0, urgent: 1), instrumentKey = key, instrumentVersion = version,
        }));
        Assert.Equal(2, (await FlagsAsync(mentorId)).Count);
    }

    [Fact]
    public async Task The_same_form_sent_again_more_than_a_day_later_is_a_check_in_of_its_own()
    {
        var (_, mentor) = await _world.ReadyMentorAsync();
        var (answers, submissionId) = (SupervisionTests.Answers(0), "form-kept");
        await HttpAssert.Ok<JsonElement>(await SupervisionTests.CheckInAsync(mentor, answers, submissionId));
        api.Time.Advance(CheckInHandlers.ResendWindow + TimeSpan.FromMinutes(1));

        var reply = await HttpAssert.Ok<JsonElement>(await SupervisionTests.CheckInAsync(mentor, answers, submissionId));

        Assert.Equal(api.Time.GetUtcNow().AddDays(14), reply.GetProperty("nextDueAt").GetDateTimeOffset());
        Assert.Equal(2, (await HttpAssert.Ok<JsonElement>(await mentor.GetAsync("/api/supervision/me"))).GetProperty("history").GetArrayLength());
    }

    [Fact]
    public async Task Another_mentor_sending_the_same_submission_id_gets_a_check_in_of_their_own()
    {
        var (firstId, first) = await _world.ReadyMentorAsync();
        var (secondId, second) = await _world.ReadyMentorAsync();
        await HttpAssert.Ok<JsonElement>(await SupervisionTests.CheckInAsync(first, SupervisionTests.Answers(1, urgent: 3), "same"));

        var reply = await HttpAssert.Ok<JsonElement>(await SupervisionTests.CheckInAsync(second, SupervisionTests.Answers(0), "same"));

        Assert.Equal(CheckInHandlers.Thanks, reply.GetProperty("message").GetString());
        Assert.Equal(1, (await HttpAssert.Ok<JsonElement>(await second.GetAsync("/api/supervision/me"))).GetProperty("history").GetArrayLength());
        Assert.Empty(await FlagsAsync(secondId));
        Assert.Single(await FlagsAsync(firstId));
    }

    [Theory]
    [InlineData("")]
    [InlineData("../other")]
    [InlineData("a b")]
    [InlineData("checkin~x")]
    public async Task A_submission_id_that_is_not_letters_digits_dashes_or_underscores_is_refused_and_stores_nothing(string submissionId)
    {
        var (_, mentor) = await _world.ReadyMentorAsync();

        var problem = await HttpAssert.Problem(await SupervisionTests.CheckInAsync(mentor, SupervisionTests.Answers(1), submissionId), 400);
        var tooLong = await HttpAssert.Problem(await SupervisionTests.CheckInAsync(mentor, SupervisionTests.Answers(1), new string('a', 65)), 400);

        Assert.True(problem.GetProperty("errors").TryGetProperty("submissionId", out _));
        Assert.True(tooLong.GetProperty("errors").TryGetProperty("submissionId", out _));
        Assert.Equal(0, (await HttpAssert.Ok<JsonElement>(await mentor.GetAsync("/api/supervision/me"))).GetProperty("history").GetArrayLength());
    }

    [Fact]
    public async Task A_second_missed_check_in_whose_flag_could_not_be_written_is_flagged_by_the_next_round()
    {
        var (mentorId, mentor) = await _world.ReadyMentorAsync();
        await HttpAssert.Ok<JsonElement>(await SupervisionTests.CheckInAsync(mentor, SupervisionTests.Answers(0)));
        await RunWorkerAsync(after: TimeSpan.FromDays(18));
        api.Time.Advance(TimeSpan.FromDays(14));

        await api.FailingWriteOnceAsync(d => d is WellbeingFlag { MentorId: var m } && m == mentorId, () => RunWorkerAsync(after: TimeSpan.Zero));
        Assert.Empty(await MissedFlagsAsync(mentorId));
        await RunWorkerAsync(after: TimeSpan.FromMinutes(5));

        var flag = Assert.Single(await MissedFlagsAsync(mentorId));
        Assert.Equal("2 check-ins in a row were missed.", flag.GetProperty("reasons")[0].GetString());
        Assert.Equal(2, (await ScheduleAsync(mentorId)).Missed);
    }

    [Fact]
    public async Task A_schedule_whose_start_failed_part_way_still_counts_the_first_missed_check_in()
    {
        var (mentorId, _) = await _world.MentorAsync();
        await api.FailingWriteOnceAsync(
            d => d is CheckInSlot { MentorId: var m } && m == mentorId,
            () => _world.Admin.PutAsJsonAsync($"/api/mentors/{mentorId}/supervisor", new { supervisorId = "demo-supervisor" }), FailedWrite.Upsert);
        await HttpAssert.Ok<JsonElement>(await _world.Supervisor.GetAsync($"/api/supervision/mentors/{mentorId}"));

        await RunWorkerAsync(after: TimeSpan.FromDays(18));

        Assert.Equal(1, (await ScheduleAsync(mentorId)).Missed);
    }

    [Fact]
    public async Task A_due_slot_left_behind_when_its_write_failed_is_moved_on_and_the_next_miss_still_counts()
    {
        var (mentorId, mentor) = await _world.ReadyMentorAsync();
        await HttpAssert.Ok<JsonElement>(await SupervisionTests.CheckInAsync(mentor, SupervisionTests.Answers(0)));
        api.Time.Advance(TimeSpan.FromDays(18));

        await api.FailingWriteOnceAsync(d => d is CheckInSlot { MentorId: var m } && m == mentorId, () => RunWorkerAsync(after: TimeSpan.Zero), FailedWrite.Upsert);
        Assert.Equal(1, (await ScheduleAsync(mentorId)).Missed);
        await RunWorkerAsync(after: TimeSpan.FromMinutes(5));
        await RunWorkerAsync(after: TimeSpan.FromDays(14));

        Assert.Equal(2, (await ScheduleAsync(mentorId)).Missed);
        Assert.Single(await MissedFlagsAsync(mentorId));
    }

    [Fact]
    public async Task A_hold_whose_lifting_failed_when_the_supervisor_saw_the_urgent_answer_is_lifted_by_the_hourly_look()
    {
        var (mentorId, flagId) = await SeenWhileLiftingFailsAsync();

        await HttpAssert.Problem(await SupervisionTests.OnFlagAsync(_world.Supervisor, flagId, "acknowledge"), 409);
        await RunWorkerAsync(after: UrgentFlagWatch.Every);

        Assert.Equal(JsonValueKind.Null, (await MentorAsync(mentorId)).GetProperty("hold").ValueKind);
    }

    /// <summary>
    /// An urgent check-in, seen by the supervisor while the store refuses to lift its hold: the flag is saved as seen
    /// (the answer a 503), and the mentor is still held.
    /// </summary>
    private async Task<(string MentorId, string FlagId)> SeenWhileLiftingFailsAsync()
    {
        var (mentorId, mentor) = await _world.ReadyMentorAsync();
        await HttpAssert.Ok<JsonElement>(await SupervisionTests.CheckInAsync(mentor, SupervisionTests.Answers(1, urgent: 3)));
        var flagId = Assert.Single(await FlagsAsync(mentorId)).GetProperty("id").GetString()!;

        api.Counter.BeforeReplace = (_, document) => document is MentorProfile { Id: var m } && m == mentorId
            ? throw new StoreException(StoreErrorKind.Unavailable, "The store went away.")
            : Task.CompletedTask;
        try
        {
            await HttpAssert.Problem(await SupervisionTests.OnFlagAsync(_world.Supervisor, flagId, "acknowledge"), 503);
        }
        finally
        {
            api.Counter.BeforeReplace = null;
        }

        Assert.NotEqual(JsonValueKind.Null, (await MentorAsync(mentorId)).GetProperty("hold").ValueKind);
        return (mentorId, flagId);
    }

    [Fact]
    public async Task An_urgent_answer_in_a_refused_check_in_whose_hold_failed_holds_the_mentor_at_the_hourly_look_and_hours_the_worker_missed_tell_once()
    {
        var (mentorId, mentor) = await _world.ReadyMentorAsync();

        // The mentor closes the page on the failure: nothing sends the form again.
        await WhileHoldsFailAsync(mentorId, async () => await HttpAssert.Problem(await SupervisionTests.CheckInAsync(mentor, SupervisionTests.WithOneLeftOut(urgent: 3), "form-closed"), 503));

        var flag = Assert.Single(await FlagsAsync(mentorId));
        Assert.Equal(JsonValueKind.Null, (await MentorAsync(mentorId)).GetProperty("hold").ValueKind);

        // The worker away for three hours, then back for two rounds.
        await RunWorkerAsync(after: 3 * UrgentFlagWatch.Every);
        await RunWorkerAsync(after: TimeSpan.FromMinutes(5));
        await RunWorkerAsync(after: TimeSpan.FromMinutes(5));

        Assert.NotEqual(JsonValueKind.Null, (await MentorAsync(mentorId)).GetProperty("hold").ValueKind);
        var raisedAt = flag.GetProperty("raisedAt").GetDateTimeOffset();
        var flagId = flag.GetProperty("id").GetString();
        Assert.Single(await NoticesAsync($"urgent-waiting~{flagId}~{(raisedAt + UrgentFlagWatch.Every).UtcTicks}"));
        Assert.Empty(await NoticesAsync($"urgent-waiting~{flagId}~{(raisedAt + 2 * UrgentFlagWatch.Every).UtcTicks}"));
    }

    [Fact]
    public async Task An_hourly_look_whose_hold_fails_still_tells_the_supervisor_and_the_next_look_holds_the_mentor()
    {
        var (mentorId, mentor) = await _world.ReadyMentorAsync();
        var flag = default(JsonElement);
        await WhileHoldsFailAsync(mentorId, async () =>
        {
            await HttpAssert.Problem(await SupervisionTests.CheckInAsync(mentor, SupervisionTests.WithOneLeftOut(urgent: 3), "form-held-late"), 503);
            flag = Assert.Single(await FlagsAsync(mentorId));
            await RunWorkerAsync(after: UrgentFlagWatch.Every);
        });

        var flagId = flag.GetProperty("id").GetString();
        var raisedAt = flag.GetProperty("raisedAt").GetDateTimeOffset();
        Assert.Single(await NoticesAsync($"urgent-waiting~{flagId}~{(raisedAt + UrgentFlagWatch.Every).UtcTicks}"));
        Assert.Equal(JsonValueKind.Null, (await MentorAsync(mentorId)).GetProperty("hold").ValueKind);

        await RunWorkerAsync(after: UrgentFlagWatch.Every);

        Assert.NotEqual(JsonValueKind.Null, (await MentorAsync(mentorId)).GetProperty("hold").ValueKind);
    }

    [Fact]
    public async Task A_check_in_added_to_an_unseen_concern_by_two_at_once_is_on_it_once()
    {
        var (mentorId, mentor) = await _world.ReadyMentorAsync();
        await HttpAssert.Ok<JsonElement>(await SupervisionTests.CheckInAsync(mentor, SupervisionTests.Answers(3, support: 4)));
        api.Time.Advance(TimeSpan.FromDays(1));
        var store = api.Services.GetRequiredService<IDocumentStore>();
        var first = 0;
        api.Counter.BeforeReplace = async (_, document) =>
        {
            if (document is WellbeingFlag { AddedCheckIns.Count: > 0 } adding && Interlocked.Exchange(ref first, 1) == 0)
            {
                // Another instance finishing the same check-in writes it first.
                var current = (await store.ReadAsync<WellbeingFlag>(SupervisionData.Container, adding.Id, "demo", CancellationToken.None))!;
                await store.ReplaceAsync(SupervisionData.Container, current with { Reasons = adding.Reasons, AddedCheckIns = adding.AddedCheckIns }, current.ETag!, CancellationToken.None);
            }
        };
        try
        {
            await HttpAssert.Ok<JsonElement>(await SupervisionTests.CheckInAsync(mentor, SupervisionTests.Answers(3, support: 0)));
        }
        finally
        {
            api.Counter.BeforeReplace = null;
        }

        var flag = Assert.Single(await store.QueryAllAsync<WellbeingFlag>(SupervisionData.Container, "demo", [Filter.Eq("mentorId", mentorId)], CancellationToken.None));
        Assert.Equal(1, first);
        Assert.Single(flag.AddedCheckIns);
    }

    /// <summary>Runs <paramref name="act"/> while every write of the mentor's profile (where a hold is kept) fails.</summary>
    private async Task WhileHoldsFailAsync(string mentorId, Func<Task> act)
    {
        api.Counter.BeforeReplace = (_, document) => document is MentorProfile { Id: var m } && m == mentorId
            ? throw new StoreException(StoreErrorKind.Unavailable, "The store went away.")
            : Task.CompletedTask;
        try
        {
            await act();
        }
        finally
        {
            api.Counter.BeforeReplace = null;
        }
    }

    /// <summary>What <paramref name="read"/> finds once the request the test left has finished (it runs on without a caller).</summary>
    private static async Task<T> EventuallyAsync<T>(Func<Task<T?>> read)
    {
        for (var attempt = 0; ; attempt++)
        {
            if (await read() is { } found)
            {
                return found;
            }

            Assert.True(attempt < 100, "Nothing was found within ten seconds.");
            await Task.Delay(100);
        }
    }

    [Fact]
    public async Task A_check_in_asked_for_and_answered_while_its_follow_ups_still_wait_is_never_flagged_as_unanswered()
    {
        var (match, mentor, _, mentorId, _) = await _world.ActiveMatchAsync();
        await HttpAssert.Ok<JsonElement>(await _world.CloseAsYouthsChoiceAsync(match.Id));
        api.Time.Advance(CheckInRequestWatch.UnansweredAfter - TimeSpan.FromHours(1));

        // The schedule, which the answer clears the ask from, cannot be written: by the check-in, nor by the worker's round.
        api.Counter.BeforeReplace = (_, document) => document is CheckInSchedule ? throw StoreException.Unavailable("The store is busy.") : Task.CompletedTask;
        try
        {
            await HttpAssert.Ok<JsonElement>(await SupervisionTests.CheckInAsync(mentor, SupervisionTests.Answers(0)));
            await RunWorkerAsync(after: TimeSpan.FromHours(2));
            Assert.Empty(await MissedFlagsAsync(mentorId));
        }
        finally
        {
            api.Counter.BeforeReplace = null;
        }

        await RunWorkerAsync(after: TimeSpan.FromMinutes(5));
        await RunWorkerAsync(after: TimeSpan.FromMinutes(5));
        Assert.Empty(await MissedFlagsAsync(mentorId));
        Assert.Null((await HttpAssert.Ok<JsonElement>(await mentor.GetAsync("/api/supervision/me"))).GetProperty("dueBecause").GetString());
    }

    [Fact]
    public async Task An_ask_whose_watch_was_lost_is_watched_again_when_asked_again_and_flagged_once_left_unanswered()
    {
        var (match, _, _, mentorId, _) = await _world.ActiveMatchAsync();
        await HttpAssert.Ok<JsonElement>(await _world.CloseAsYouthsChoiceAsync(match.Id));
        var store = api.Services.GetRequiredService<IDocumentStore>();
        await store.DeleteAsync(SupervisionData.Container, CheckInRequestWatch.IdFor("demo", mentorId), CheckInRequestWatch.Partition, null, CancellationToken.None);

        await using (var scope = api.Services.GetRequiredService<IServiceScopeFactory>().CreateAgencyScope("demo", CheckInWorker.SystemUser))
        {
            Assert.False(await scope.ServiceProvider.GetRequiredService<Mediator.IMediator>().Send(new RequestCheckIn(mentorId, "something in your mentoring may have been hard lately.")));
        }

        await RunWorkerAsync(after: CheckInRequestWatch.UnansweredAfter);
        await RunWorkerAsync(after: TimeSpan.FromMinutes(5));
        var unanswered = Assert.Single(await MissedFlagsAsync(mentorId));
        Assert.Equal(CheckInRequestUnansweredHandler.Reason, unanswered.GetProperty("reasons")[0].GetString());
    }

    [Fact]
    public async Task A_late_write_of_an_answered_asks_watch_over_a_newer_ask_still_leaves_the_newer_ask_watched()
    {
        var (match, mentor, _, mentorId, _) = await _world.ActiveMatchAsync();
        await HttpAssert.Ok<JsonElement>(await _world.CloseAsYouthsChoiceAsync(match.Id));
        var store = api.Services.GetRequiredService<IDocumentStore>();
        var watchId = CheckInRequestWatch.IdFor("demo", mentorId);
        var first = (await store.ReadAsync<CheckInRequestWatch>(SupervisionData.Container, watchId, CheckInRequestWatch.Partition, CancellationToken.None))!;
        await HttpAssert.Ok<JsonElement>(await SupervisionTests.CheckInAsync(mentor, SupervisionTests.Answers(0)));
        api.Time.Advance(TimeSpan.FromDays(1));
        await using (var scope = api.Services.GetRequiredService<IServiceScopeFactory>().CreateAgencyScope("demo", CheckInWorker.SystemUser))
        {
            Assert.True(await scope.ServiceProvider.GetRequiredService<Mediator.IMediator>().Send(new RequestCheckIn(mentorId, "something in your mentoring may have been hard lately.")));
        }

        // A request that read the first ask before it was answered writes its watch last, over the second's.
        await store.UpsertAsync(SupervisionData.Container, first with { ETag = null, DueAt = api.Time.GetUtcNow() }, CancellationToken.None);
        await RunWorkerAsync(after: TimeSpan.FromMinutes(5));
        Assert.Empty(await MissedFlagsAsync(mentorId));

        await RunWorkerAsync(after: CheckInRequestWatch.UnansweredAfter);
        Assert.Single(await MissedFlagsAsync(mentorId));
    }

    [Fact]
    public async Task An_urgent_answer_whose_supervisors_cannot_be_told_it_still_waits_is_counted_for_the_operators_alert()
    {
        var (_, mentor) = await _world.ReadyMentorAsync();
        using var unseen = new Microsoft.Extensions.Diagnostics.Metrics.Testing.MetricCollector<long>(
            api.Services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>(), SurvivorConnect.Api.Infrastructure.Hosting.AppMetrics.MeterName, "survivorconnect.supervision.urgent_flags_unseen");
        await HttpAssert.Ok<JsonElement>(await SupervisionTests.CheckInAsync(mentor, SupervisionTests.Answers(1, urgent: 3)));

        api.Counter.WhileCreating = d => d is Notification n && n.Text.StartsWith("Urgent, still waiting", StringComparison.Ordinal)
            ? throw new StoreException(StoreErrorKind.Unavailable, "The store went away.")
            : Task.CompletedTask;
        try
        {
            await RunWorkerAsync(after: TimeSpan.FromMinutes(61));
        }
        finally
        {
            api.Counter.WhileCreating = null;
        }

        Assert.NotEmpty(unseen.GetMeasurementSnapshot());
    }

    private async Task RunWorkerAsync(TimeSpan after)
    {
        api.Time.Advance(after);
        await api.Services.GetRequiredService<CheckInWorker>().RunOnceAsync(CancellationToken.None);
    }

    private async Task<List<JsonElement>> FlagsAsync(string mentorId) =>
        (await HttpAssert.Ok<JsonElement>(await _world.Supervisor.GetAsync($"/api/supervision/mentors/{mentorId}"))).GetProperty("flags").EnumerateArray().ToList();

    private async Task<List<JsonElement>> MissedFlagsAsync(string mentorId) =>
        [.. (await FlagsAsync(mentorId)).Where(f => f.GetProperty("kind").GetString() == "Missed")];

    [Fact]
    public async Task A_relapse_recorded_while_the_mentors_schedule_is_written_is_saved_and_still_asks_for_a_check_in()
    {
        var (_, mentor, _, mentorId, youthId) = await _world.ActiveMatchAsync();
        api.Counter.BeforeReplace = async (store, document) =>
        {
            if (document is CheckInSchedule { RequestedBecause: not null })
            {
                api.Counter.BeforeReplace = null;
                var stored = (await store.ReadAsync<CheckInSchedule>(SupervisionData.Container, CheckInSchedule.IdFor(mentorId), "demo", CancellationToken.None))!;
                await store.ReplaceAsync(SupervisionData.Container, stored with { CadenceDays = 21 }, stored.ETag!, CancellationToken.None);
            }
        };

        try
        {
            await HttpAssert.Ok<JsonElement>(await _world.RecordStageAsync(youthId, "relapse", new { stage = "contemplation" }));
        }
        finally
        {
            api.Counter.BeforeReplace = null;
        }

        var wellbeing = await HttpAssert.Ok<JsonElement>(await mentor.GetAsync("/api/supervision/me"));
        Assert.Equal("something in your mentoring may have been hard lately.", wellbeing.GetProperty("dueBecause").GetString());
        Assert.Equal(21, (await api.Services.GetRequiredService<IDocumentStore>().ReadAsync<CheckInSchedule>(SupervisionData.Container, CheckInSchedule.IdFor(mentorId), "demo", CancellationToken.None))!.CadenceDays);
    }

    [Fact]
    public async Task A_relapse_whose_check_in_request_failed_is_sent_again_from_its_page_recorded_once_and_asks_the_mentor_then()
    {
        var (_, mentor, _, _, youthId) = await _world.ActiveMatchAsync();
        var shown = (await HttpAssert.Ok<JsonElement>(await _world.CaseManager.GetAsync($"/api/youth/{youthId}/stages"))).GetProperty("version").GetString();
        Task<HttpResponseMessage> RelapseAsync() => _world.CaseManager.PostJson($"/api/youth/{youthId}/relapse", new { stage = "contemplation" }, shown);

        var failed = 0;
        void FailOnce(Document document)
        {
            if (document is CheckInSchedule { RequestedBecause: not null } && Interlocked.Exchange(ref failed, 1) == 0)
            {
                throw new StoreException(StoreErrorKind.Unavailable, "The store went away.");
            }
        }

        (api.Counter.BeforeCreate, api.Counter.BeforeUpsert) = (FailOnce, FailOnce);
        api.Counter.BeforeReplace = (_, document) =>
        {
            FailOnce(document);
            return Task.CompletedTask;
        };
        try
        {
            await HttpAssert.Problem(await RelapseAsync(), 503);
        }
        finally
        {
            (api.Counter.BeforeCreate, api.Counter.BeforeUpsert, api.Counter.BeforeReplace) = (null, null, null);
        }

        Assert.Equal(1, failed);
        Assert.False((await HttpAssert.Ok<JsonElement>(await mentor.GetAsync("/api/supervision/me"))).GetProperty("due").GetBoolean());

        await HttpAssert.Ok<JsonElement>(await RelapseAsync());

        Assert.True((await HttpAssert.Ok<JsonElement>(await mentor.GetAsync("/api/supervision/me"))).GetProperty("due").GetBoolean());
        var history = await HttpAssert.Ok<JsonElement>(await _world.CaseManager.GetAsync($"/api/youth/{youthId}/stages"));
        Assert.Single(history.GetProperty("events").EnumerateArray(), e => e.GetProperty("kind").GetString() == "relapse");
    }

    private async Task<JsonElement> MentorAsync(string mentorId) => await HttpAssert.Ok<JsonElement>(await _world.Supervisor.GetAsync($"/api/mentors/{mentorId}"));

    /// <summary>The supervisor's notices sent once for <paramref name="key"/> (what the notice is about).</summary>
    private async Task<List<NotificationDto>> NoticesAsync(string key)
    {
        var id = await api.NoticeIdAsync(key, "demo-supervisor");
        return [.. (await _world.Supervisor.NoticesAsync()).Where(n => n.Id == id)];
    }

    private async Task<CheckInSchedule> ScheduleAsync(string mentorId) =>
        (await api.Services.GetRequiredService<IDocumentStore>().ReadAsync<CheckInSchedule>(SupervisionData.Container, CheckInSchedule.IdFor(mentorId), "demo", CancellationToken.None))!;

    private async Task<IReadOnlyList<CheckInFollowUp>> FollowUpsLeftAsync() =>
        await api.Services.GetRequiredService<IDocumentStore>().QueryAllAsync<CheckInFollowUp>(SupervisionData.Container, CheckInFollowUp.Partition, [], CancellationToken.None);
}
