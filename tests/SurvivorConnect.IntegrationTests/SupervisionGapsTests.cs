using Mediator;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using SurvivorConnect.Api.Features.Mentoring;
using SurvivorConnect.Api.Features.Notifications;
using SurvivorConnect.Api.Features.Supervision;
using SurvivorConnect.Api.Infrastructure.Auth;
using SurvivorConnect.Storage;

namespace SurvivorConnect.IntegrationTests;

/// <summary>
/// Where supervision could leave a mentor's wellbeing with nobody: a supervisor deactivated, a mentor with none, a
/// concern already seen. And what it must not tell anyone but the supervisor: that an answer was urgent.
/// </summary>
public sealed class SupervisionGapsTests(ClockedCountingApiFactory api) : IClassFixture<ClockedCountingApiFactory>
{
    private readonly MentoringWorld _world = new(api);

    [Fact]
    public async Task Regular_check_ins_start_when_a_supervisor_is_assigned_and_the_mentor_is_reminded_once_before_each()
    {
        // Nobody opens a page: the schedule started with the assignment, so the reminder and the misses still come.
        var (mentorId, mentor) = await _world.ReadyMentorAsync();
        Assert.NotNull(await ScheduleAsync(mentorId));

        await RunWorkerAsync(days: 11);
        Assert.Equal(0, await RemindersAsync(mentor));
        await RunWorkerAsync(days: 1.5);
        await RunWorkerAsync(days: 0);

        await Settle.UntilAsync(async () => await RemindersAsync(mentor) == 1);
        var reminder = Assert.Single(await mentor.NoticesAsync(), n => n.Kind == "wellbeing-check-in-due");
        Assert.Contains("only you and your supervisor see your answers", reminder.Text, StringComparison.Ordinal);
        Assert.Equal(0, (await ScheduleAsync(mentorId))!.Missed);

        // Half a day late is "time for your check-in", not a miss; three days late is a miss, and the next comes round.
        await RunWorkerAsync(days: 2);
        Assert.True((await HttpAssert.Ok<JsonElement>(await mentor.GetAsync("/api/supervision/me"))).GetProperty("due").GetBoolean());
        Assert.Equal(0, (await ScheduleAsync(mentorId))!.Missed);
        await RunWorkerAsync(days: 3);
        await Settle.UntilAsync(async () => (await ScheduleAsync(mentorId))!.Missed == 1);
        Assert.Equal(1, (await ScheduleAsync(mentorId))!.Missed);
        Assert.False((await HttpAssert.Ok<JsonElement>(await mentor.GetAsync("/api/supervision/me"))).GetProperty("due").GetBoolean());
        await RunWorkerAsync(days: 9);
        await Settle.UntilAsync(async () => await RemindersAsync(mentor) == 2);
        Assert.Equal(2, await RemindersAsync(mentor));
    }

    [Fact]
    public async Task A_mentor_who_checked_in_is_reminded_of_the_next_due_date_not_the_one_they_met()
    {
        var (mentorId, mentor) = await _world.ReadyMentorAsync();
        var met = (await ScheduleAsync(mentorId))!.DueAt;
        await RunWorkerAsync(days: 5);
        await HttpAssert.Ok<JsonElement>(await SupervisionTests.CheckInAsync(mentor, SupervisionTests.Answers(0)));

        // A worker that read the reminder just before the check-in moved the date sends nothing for the date met.
        await using (var scope = api.Services.GetRequiredService<IServiceScopeFactory>().CreateAgencyScope("demo", CheckInWorker.SystemUser))
        {
            Assert.False(await scope.ServiceProvider.GetRequiredService<IMediator>().Send(new RemindCheckIn(mentorId, met)));
        }

        await RunWorkerAsync(days: 8);
        Assert.Equal(0, await RemindersAsync(mentor));
        await RunWorkerAsync(days: 4.5);
        await Settle.UntilAsync(async () => await RemindersAsync(mentor) == 1);
        Assert.Equal(1, await RemindersAsync(mentor));
    }

    /// <summary>A ready mentor whose supervisor was deactivated since: they have none active.</summary>
    private async Task<(string MentorId, HttpClient Mentor, string SupervisorId)> UnderDeactivatedSupervisorAsync()
    {
        var (mentorId, mentor) = await _world.ReadyMentorAsync();
        var (goneId, _) = await _world.PersonAsync(Roles.Supervisor);
        await MentoringWorld.Ok(await _world.Admin.PutAsJsonAsync($"/api/mentors/{mentorId}/supervisor", new { supervisorId = goneId }));
        await MentoringWorld.Ok(await _world.Admin.PostAsync($"/api/people/{goneId}/deactivate", null));
        return (mentorId, mentor, goneId);
    }

    [Fact]
    public async Task A_mentor_without_a_supervisor_whose_urgent_answer_could_not_reach_the_admins_yet_is_not_told_they_were_asked()
    {
        var (_, mentor, _) = await UnderDeactivatedSupervisorAsync();

        var reply = await HttpAssert.Ok<JsonElement>(await api.FailingWriteOnceAsync(d => d is SurvivorConnect.Api.Features.Notifications.Notification,
            () => SupervisionTests.CheckInAsync(mentor, SupervisionTests.Answers(1, urgent: 3))));

        Assert.Equal(CheckInHandlers.UrgentWordsWithoutSupervisorBeingAsked, reply.GetProperty("message").GetString());
        Assert.NotEqual(0, reply.GetProperty("crisisResources").GetArrayLength());
    }

    [Fact]
    public async Task An_urgent_answer_under_a_deactivated_supervisor_asks_the_admins_for_a_new_one_who_then_sees_and_reviews_it()
    {
        var (mentorId, mentor, goneId) = await UnderDeactivatedSupervisorAsync();

        var reply = await HttpAssert.Ok<JsonElement>(await SupervisionTests.CheckInAsync(mentor, SupervisionTests.Answers(1, urgent: 3)));

        // The mentor is not told a supervisor knows: there is none to know.
        Assert.Equal(CheckInHandlers.UrgentWordsWithoutSupervisor, reply.GetProperty("message").GetString());
        api.Time.Advance(TimeSpan.FromDays(1));
        var calm = await HttpAssert.Ok<JsonElement>(await SupervisionTests.CheckInAsync(mentor, SupervisionTests.Answers(0)));
        Assert.Equal(CheckInHandlers.ThanksWithoutSupervisor, calm.GetProperty("message").GetString());
        Assert.NotEqual(0, reply.GetProperty("crisisResources").GetArrayLength());
        Assert.Contains(await _world.Admin.NoticesAsync(), n => n.Kind == "mentor-needs-supervisor");

        // The automatic hold looks to a case manager like any hold on the supervision side, not one no person placed.
        var seen = (await HttpAssert.Ok<JsonElement>(await _world.CaseManager.GetAsync($"/api/mentors/{mentorId}"))).GetProperty("hold");
        Assert.Equal(SupervisorHold.SupervisionSide, seen.GetProperty("placedBy").GetString());
        var (youthId, _) = await _world.YouthAsync();
        var refused = await HttpAssert.Problem(await _world.CaseManager.PostJson("/api/matches", new { youthId, mentorId }), 409);
        Assert.Contains("no supervisor assigned", refused.GetProperty("detail").GetString(), StringComparison.Ordinal);
        // Back, and signed in again (a sign-in from before the deactivation opens nothing), they were not told of it.
        await MentoringWorld.Ok(await _world.Admin.ReactivateAsync(goneId));
        var back = await PortalSession.SignedInAsync(api, goneId);
        var theirNotices = await back.GetAsync("/notifications");
        Assert.Equal(HttpStatusCode.OK, theirNotices.StatusCode);
        Assert.DoesNotContain(Notices.WellbeingUrgent.Text, await theirNotices.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        await MentoringWorld.Ok(await _world.Admin.PostAsync($"/api/people/{goneId}/deactivate", null));

        await MentoringWorld.Ok(await _world.Admin.PutAsJsonAsync($"/api/mentors/{mentorId}/supervisor", new { supervisorId = "demo-supervisor" }));
        var flag = (await HttpAssert.Ok<JsonElement>(await _world.Supervisor.GetAsync($"/api/supervision/mentors/{mentorId}"))).GetProperty("flags").EnumerateArray()
            .Single(f => f.GetProperty("kind").GetString() == "Urgent");
        var toSupervisor = await api.NoticeIdAsync(flag.GetProperty("id").GetString()!, "demo-supervisor");
        Assert.Contains(await _world.Supervisor.NoticesAsync(), n => n.Kind == "wellbeing-urgent" && n.Id == toSupervisor);
        await HttpAssert.Ok<JsonElement>(await SupervisionTests.OnFlagAsync(_world.Supervisor, flag.GetProperty("id").GetString(), "acknowledge"));
        Assert.Equal(JsonValueKind.Null, (await HttpAssert.Ok<JsonElement>(await _world.Admin.GetAsync($"/api/mentors/{mentorId}"))).GetProperty("hold").ValueKind);
    }

    public sealed record NeedingSupervisorDto(string Id, string DisplayName, bool UrgentWaiting);

    [Fact]
    public async Task Mentors_left_without_a_supervisor_are_told_to_the_admins_listed_urgent_first_and_given_one_on_the_supervisors_page()
    {
        var (mentorId, mentor) = await _world.ReadyMentorAsync();
        var (neverId, _) = await _world.MentorAsync();
        var (goneId, _) = await _world.PersonAsync(Roles.Supervisor);
        await MentoringWorld.Ok(await _world.Admin.PutAsJsonAsync($"/api/mentors/{mentorId}/supervisor", new { supervisorId = goneId }));
        var (adminId, admin) = await _world.PersonAsync(Roles.AgencyAdmin);

        await MentoringWorld.Ok(await _world.Admin.PostAsync($"/api/people/{goneId}/deactivate", null));
        var leftNotices = (await admin.NoticesAsync()).Where(n => n.Kind == "mentor-needs-supervisor").ToList();
        await HttpAssert.Ok<JsonElement>(await SupervisionTests.CheckInAsync(mentor, SupervisionTests.Answers(1, urgent: 3)));
        var needing = await HttpAssert.Ok<List<NeedingSupervisorDto>>(await admin.GetAsync("/api/mentors/needing-supervisor"));

        Assert.Contains("some mentors now have no active supervisor", Assert.Single(leftNotices).Text, StringComparison.Ordinal);
        Assert.Contains(await admin.NoticesAsync(), n => n.Text.StartsWith("Urgent: a mentor with no active supervisor", StringComparison.Ordinal));
        Assert.True(needing.Single(m => m.Id == mentorId).UrgentWaiting);
        Assert.Contains("no supervisor assigned", (await MentoringWorld.Ok<MentorDto>(await mentor.GetAsync("/api/mentors/me"))).MatchBlockers);
        Assert.Equal(needing.OrderByDescending(m => m.UrgentWaiting).Select(m => m.Id), needing.Select(m => m.Id));
        Assert.Contains(needing, m => m.Id == neverId && !m.UrgentWaiting);
        await HttpAssert.Problem(await _world.Supervisor.GetAsync("/api/mentors/needing-supervisor"), 403);

        var page = await PortalSession.SignedInAsync(api, adminId);
        var listed = await page.GetStringAsync("/supervisors");
        var opened = await PortalSession.PostFormAsync(page, "/supervisors", "open", ("OpenId", mentorId));
        var given = await PortalSession.PostFormAsync(page, "/supervisors", "assign", ("MentorId", mentorId), ("SupervisorId", "demo-supervisor"));

        Assert.Contains("An urgent concern about them (from their check-in or their words in a chat) is waiting for a supervisor.", listed, StringComparison.Ordinal);
        Assert.Contains("Who will supervise them", opened, StringComparison.Ordinal);
        Assert.Contains("The mentor has a supervisor now.", given, StringComparison.Ordinal);
        Assert.DoesNotContain(await HttpAssert.Ok<List<NeedingSupervisorDto>>(await admin.GetAsync("/api/mentors/needing-supervisor")), m => m.Id == mentorId);
        Assert.Contains(await _world.Supervisor.NoticesAsync(), n => n.Kind == "wellbeing-urgent");
    }

    [Fact]
    public async Task A_supervisor_who_leaves_again_after_being_brought_back_is_told_to_the_admins_again()
    {
        var (mentorId, _) = await _world.ReadyMentorAsync();
        var (goneId, _) = await _world.PersonAsync(Roles.Supervisor);
        await MentoringWorld.Ok(await _world.Admin.PutAsJsonAsync($"/api/mentors/{mentorId}/supervisor", new { supervisorId = goneId }));
        var (_, admin) = await _world.PersonAsync(Roles.AgencyAdmin);

        await MentoringWorld.Ok(await _world.Admin.PostAsync($"/api/people/{goneId}/deactivate", null));
        await MentoringWorld.Ok(await _world.Admin.PostAsync($"/api/people/{goneId}/deactivate", null));
        api.Time.Advance(TimeSpan.FromDays(30));
        await MentoringWorld.Ok(await _world.Admin.ReactivateAsync(goneId));
        api.Time.Advance(TimeSpan.FromDays(30));
        await MentoringWorld.Ok(await _world.Admin.PostAsync($"/api/people/{goneId}/deactivate", null));

        Assert.Equal(2, (await admin.NoticesAsync()).Count(n => n.Kind == "mentor-needs-supervisor"));
    }

    [Fact]
    public async Task An_admin_asked_to_find_a_supervisor_who_is_then_named_the_mentors_supervisor_is_told_of_the_waiting_flag()
    {
        var (mentorId, mentor, _) = await UnderDeactivatedSupervisorAsync();
        var (adminId, admin) = await _world.PersonAsync(Roles.AgencyAdmin);
        await _world.SetRolesAsync(adminId, Roles.AgencyAdmin, Roles.Supervisor);

        await HttpAssert.Ok<JsonElement>(await SupervisionTests.CheckInAsync(mentor, SupervisionTests.Answers(1, urgent: 3)));
        Assert.Contains(await admin.NoticesAsync(), n => n.Kind == "mentor-needs-supervisor");
        // Not by themselves while another admin can decide it.
        await HttpAssert.Problem(await admin.PutAsJsonAsync($"/api/mentors/{mentorId}/supervisor", new { supervisorId = adminId }), 409);
        await MentoringWorld.Ok(await _world.Admin.PutAsJsonAsync($"/api/mentors/{mentorId}/supervisor", new { supervisorId = adminId }));

        Assert.Contains(await admin.NoticesAsync(), n => n.Kind == "wellbeing-urgent");
    }

    [Fact]
    public async Task A_mentor_without_a_supervisor_is_not_matched()
    {
        var (mentorId, mentor) = await _world.MentorAsync();
        await MentoringWorld.Ok(await _world.Admin.PutAsJsonAsync($"/api/mentors/{mentorId}/readiness", new { screeningPassedOn = "2026-01-05", trainingCompletedOn = "2026-02-01" }));
        await MentoringWorld.Created(await mentor.PostJson("/api/consents", new { subjectId = mentorId, grantor = "Mentor", scope = "mentoring" }));
        var (youthId, _) = await _world.YouthAsync();

        var refused = await HttpAssert.Problem(await _world.CaseManager.PostJson("/api/matches", new { youthId, mentorId }), 409);

        Assert.Contains("no supervisor assigned", refused.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Contains("no supervisor assigned", (await HttpAssert.Ok<MentorDto>(await _world.Admin.GetAsync($"/api/mentors/{mentorId}"))).MatchBlockers);
    }

    [Fact]
    public async Task A_concern_the_supervisor_has_seen_does_not_silence_the_next_one()
    {
        var (mentorId, mentor) = await _world.ReadyMentorAsync();
        await HttpAssert.Ok<JsonElement>(await SupervisionTests.CheckInAsync(mentor, SupervisionTests.Answers(4)));
        var first = Assert.Single(await FlagsAsync(mentorId));
        Assert.Equal("Concern", first.GetProperty("kind").GetString());
        await HttpAssert.Ok<JsonElement>(await SupervisionTests.OnFlagAsync(_world.Supervisor, first.GetProperty("id").GetString(), "acknowledge"));

        api.Time.Advance(TimeSpan.FromDays(14));
        await HttpAssert.Ok<JsonElement>(await SupervisionTests.CheckInAsync(mentor, SupervisionTests.Answers(4)));
        api.Time.Advance(TimeSpan.FromDays(14));
        await HttpAssert.Ok<JsonElement>(await SupervisionTests.CheckInAsync(mentor, SupervisionTests.Answers(4)));

        Assert.Equal(2, (await FlagsAsync(mentorId)).Count(f => f.GetProperty("kind").GetString() == "Concern"));
    }

    [Fact]
    public async Task What_a_later_check_in_adds_goes_on_the_concern_the_supervisor_has_not_seen_yet()
    {
        var (mentorId, mentor) = await _world.ReadyMentorAsync();
        await HttpAssert.Ok<JsonElement>(await SupervisionTests.CheckInAsync(mentor, Stressed()));
        api.Time.Advance(TimeSpan.FromDays(14));
        await HttpAssert.Ok<JsonElement>(await SupervisionTests.CheckInAsync(mentor, WornOut()));

        var concern = Assert.Single(await FlagsAsync(mentorId), f => f.GetProperty("kind").GetString() == "Concern");
        var reasons = concern.GetProperty("reasons").EnumerateArray().Select(r => r.GetString()).ToList();
        Assert.Contains("Carrying others' stories: high", reasons);
        Assert.Contains("Feeling worn out: high", reasons);
        Assert.Equal(reasons.Count, reasons.Distinct().Count());
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_supervisor_marking_a_concern_seen_from_a_page_older_than_a_later_check_in_is_asked_to_read_it_again(bool sameReasons)
    {
        var (mentorId, mentor) = await _world.ReadyMentorAsync();
        await HttpAssert.Ok<JsonElement>(await SupervisionTests.CheckInAsync(mentor, Stressed()));
        var shown = Assert.Single(await FlagsAsync(mentorId));
        var (flagId, version) = (shown.GetProperty("id").GetString()!, shown.GetProperty("version").GetString()!);
        api.Time.Advance(TimeSpan.FromDays(14));
        await HttpAssert.Ok<JsonElement>(await SupervisionTests.CheckInAsync(mentor, sameReasons ? Stressed() : WornOut()));

        var stale = await _world.Supervisor.SendAsync(new HttpRequestMessage(HttpMethod.Post, $"/api/supervision/flags/{flagId}/acknowledge") { Headers = { { "If-Match", version } } });

        await HttpAssert.Problem(stale, 412);
        var now = Assert.Single(await FlagsAsync(mentorId));
        Assert.Equal("Open", now.GetProperty("status").GetString());
        var current = await _world.Supervisor.SendAsync(new HttpRequestMessage(HttpMethod.Post, $"/api/supervision/flags/{flagId}/acknowledge") { Headers = { { "If-Match", now.GetProperty("version").GetString() } } });
        Assert.Equal("Acknowledged", (await HttpAssert.Ok<JsonElement>(current)).GetProperty("status").GetString());
    }

    [Fact]
    public async Task A_concern_added_just_as_the_supervisor_marks_the_earlier_one_seen_is_raised_as_a_concern_of_its_own()
    {
        var (mentorId, mentor) = await _world.ReadyMentorAsync();
        await HttpAssert.Ok<JsonElement>(await SupervisionTests.CheckInAsync(mentor, Stressed()));
        var flagId = Assert.Single(await FlagsAsync(mentorId)).GetProperty("id").GetString()!;
        api.Time.Advance(TimeSpan.FromDays(14));
        api.Counter.BeforeReplace = async (_, document) =>
        {
            if (document is WellbeingFlag { Status: WellbeingFlagStatus.Open } merging && merging.Id == flagId)
            {
                api.Counter.BeforeReplace = null;
                await HttpAssert.Ok<JsonElement>(await SupervisionTests.OnFlagAsync(_world.Supervisor, flagId, "acknowledge"));
            }
        };

        try
        {
            await HttpAssert.Ok<JsonElement>(await SupervisionTests.CheckInAsync(mentor, WornOut()));
        }
        finally
        {
            api.Counter.BeforeReplace = null;
        }

        var concerns = (await FlagsAsync(mentorId)).Where(f => f.GetProperty("kind").GetString() == "Concern").ToList();
        Assert.Equal(2, concerns.Count);
        var news = Assert.Single(concerns, f => f.GetProperty("status").GetString() == "Open");
        Assert.Contains("Feeling worn out: high", news.GetProperty("reasons").EnumerateArray().Select(r => r.GetString()));
    }

    private static Dictionary<string, int> Stressed()
    {
        var stressed = SupervisionTests.Answers(0);
        foreach (var item in new[] { "stress-1", "stress-2", "stress-3", "stress-4" })
        {
            stressed[item] = 4;
        }

        return stressed;
    }

    private static Dictionary<string, int> WornOut() => new(Stressed()) { ["burnout-1"] = 4, ["burnout-2"] = 4, ["burnout-3"] = 0 };

    [Fact]
    public async Task The_audit_log_and_an_admin_s_own_hold_say_nothing_of_an_urgent_answer()
    {
        var (mentorId, mentor) = await _world.ReadyMentorAsync();
        await HttpAssert.Ok<JsonElement>(await SupervisionTests.CheckInAsync(mentor, SupervisionTests.Answers(1, urgent: 3)));
        await MentoringWorld.Ok(await MentoringWorld.HoldAsync(_world.Admin, mentorId, "Admin's own reason"));

        var audit = await (await _world.Admin.GetAsync($"/api/audit?recordId={mentorId}&pageSize=100")).Content.ReadAsStringAsync();
        var held = (await HttpAssert.Ok<JsonElement>(await _world.Admin.GetAsync($"/api/mentors/{mentorId}"))).GetProperty("hold");

        Assert.DoesNotContain("automatic", audit, StringComparison.OrdinalIgnoreCase);
        Assert.False(held.GetProperty("reviewWaiting").GetBoolean());
        Assert.Equal("Admin's own reason", held.GetProperty("reason").GetString());
        Assert.True((await HttpAssert.Ok<JsonElement>(await _world.Supervisor.GetAsync($"/api/mentors/{mentorId}"))).GetProperty("hold").GetProperty("reviewWaiting").GetBoolean());

        // Lifting their own hold, the admin is refused nothing and told nothing: what stays looks like the supervisor's.
        var lifted = (await HttpAssert.Ok<JsonElement>(await MentoringWorld.LiftHoldAsync(_world.Admin, mentorId))).GetProperty("hold");
        Assert.Equal(SupervisorHold.SupervisionSide, lifted.GetProperty("placedBy").GetString());
        Assert.Equal(JsonValueKind.Null, lifted.GetProperty("reason").ValueKind);
        var notTheirs = await HttpAssert.Problem(await MentoringWorld.LiftHoldAsync(_world.Admin, mentorId), 409);
        Assert.DoesNotContain("wellbeing", notTheirs.GetProperty("detail").GetString(), StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Staff_who_do_not_supervise_the_mentor_are_not_shown_when_a_hold_on_the_supervision_side_began()
    {
        // The automatic hold begins with the urgent check-in, whose audit entry is dated: its time would say which it was.
        var (mentorId, mentor) = await _world.ReadyMentorAsync();
        var checkedIn = api.Time.GetUtcNow();
        await HttpAssert.Ok<JsonElement>(await SupervisionTests.CheckInAsync(mentor, SupervisionTests.Answers(1, urgent: 3)));

        var bySupervisor = (await HttpAssert.Ok<JsonElement>(await _world.Supervisor.GetAsync($"/api/mentors/{mentorId}"))).GetProperty("hold").GetProperty("since").GetDateTimeOffset();
        Assert.Equal(checkedIn, bySupervisor);
        Assert.Equal(checkedIn, (await HttpAssert.Ok<JsonElement>(await mentor.GetAsync("/api/mentors/me"))).GetProperty("hold").GetProperty("since").GetDateTimeOffset());
        foreach (var staff in new[] { _world.Admin, _world.CaseManager })
        {
            var shown = (await HttpAssert.Ok<JsonElement>(await staff.GetAsync($"/api/mentors/{mentorId}"))).GetProperty("hold").GetProperty("since").GetDateTimeOffset();
            Assert.True((shown - checkedIn).Duration() > TimeSpan.FromDays(1), $"{shown:O} is the check-in's time");
            var listed = await HttpAssert.Ok<PageDto<JsonElement>>(await staff.GetAsync("/api/mentors?pageSize=200"));
            Assert.DoesNotContain(listed.Items, m => m.GetProperty("id").GetString() == mentorId && m.GetProperty("hold").GetProperty("since").GetDateTimeOffset() == checkedIn);
        }

        // What the admin was shown still says which hold they saw: a hold over it from a page older than a change is refused.
        var stale = (await HttpAssert.Ok<JsonElement>(await _world.Admin.GetAsync($"/api/mentors/{mentorId}"))).GetProperty("hold").GetProperty("since").GetString();
        api.Time.Advance(TimeSpan.FromMinutes(1));
        await MentoringWorld.Ok(await MentoringWorld.HoldAsync(_world.Supervisor, mentorId, "Talk first", stopsChat: true));
        await HttpAssert.Problem(await _world.Admin.PostAsJsonAsync($"/api/mentors/{mentorId}/hold", new { reason = "Admin's", stopsChat = true, replaces = stale }), 409);
        await MentoringWorld.Ok(await MentoringWorld.HoldAsync(_world.Admin, mentorId, "Admin's", stopsChat: true));
    }

    [Fact]
    public async Task A_supervisor_whose_Supervisor_role_is_taken_away_no_longer_reads_or_lifts_as_the_mentors_supervisor()
    {
        // Taking the role away leaves the mentor's record naming them until an admin assigns someone else.
        var (mentorId, mentor) = await _world.ReadyMentorAsync();
        var (formerId, former) = await _world.PersonAsync(Roles.Supervisor);
        await _world.SetRolesAsync(formerId, Roles.Supervisor, Roles.CaseManager, Roles.AgencyAdmin);
        await MentoringWorld.Ok(await _world.Admin.PutAsJsonAsync($"/api/mentors/{mentorId}/supervisor", new { supervisorId = formerId }));
        await _world.SetRolesAsync(formerId, Roles.CaseManager, Roles.AgencyAdmin);
        await HttpAssert.Ok<JsonElement>(await SupervisionTests.CheckInAsync(mentor, SupervisionTests.Answers(1, urgent: 3)));

        var seen = (await HttpAssert.Ok<JsonElement>(await former.GetAsync($"/api/mentors/{mentorId}"))).GetProperty("hold");
        var listed = (await HttpAssert.Ok<JsonElement>(await former.GetAsync("/api/mentors?pageSize=200"))).GetProperty("items").EnumerateArray()
            .Single(m => m.GetProperty("id").GetString() == mentorId).GetProperty("hold");

        foreach (var hold in new[] { seen, listed })
        {
            Assert.Equal(JsonValueKind.Null, hold.GetProperty("reason").ValueKind);
            Assert.False(hold.GetProperty("reviewWaiting").GetBoolean());
        }

        await HttpAssert.Problem(await former.GetAsync($"/api/supervision/mentors/{mentorId}"), 403);
        var refused = await HttpAssert.Problem(await MentoringWorld.LiftHoldAsync(former, mentorId), 409);
        Assert.DoesNotContain("wellbeing", refused.GetProperty("detail").GetString(), StringComparison.OrdinalIgnoreCase);

        // Nor may they let chats go on that another's hold paused, as only the supervisor may.
        await MentoringWorld.Ok(await MentoringWorld.HoldAsync(_world.Admin, mentorId, "Chats wait", stopsChat: true));
        var overIt = await HttpAssert.Problem(await MentoringWorld.HoldAsync(former, mentorId, "Chats may go on", stopsChat: false), 409);
        Assert.Contains("only the mentor's supervisor can let them go on", overIt.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Staff_other_than_the_supervisor_lift_only_their_own_hold()
    {
        var (mentorId, _) = await _world.ReadyMentorAsync();
        await MentoringWorld.Ok(await MentoringWorld.HoldAsync(_world.Supervisor, mentorId, "We talk first"));

        var refused = await HttpAssert.Problem(await MentoringWorld.LiftHoldAsync(_world.Admin, mentorId), 409);

        Assert.Contains("the mentor's supervisor can lift it", refused.GetProperty("detail").GetString(), StringComparison.Ordinal);
        await MentoringWorld.Ok(await MentoringWorld.LiftHoldAsync(_world.Supervisor, mentorId));
    }

    [Fact]
    public async Task A_deactivated_mentor_is_not_flagged_for_the_check_ins_they_are_no_longer_asked_for()
    {
        var (mentorId, mentor) = await _world.ReadyMentorAsync();
        await HttpAssert.Ok<JsonElement>(await SupervisionTests.CheckInAsync(mentor, SupervisionTests.Answers(0)));
        await MentoringWorld.Ok(await _world.Admin.PostAsync($"/api/people/{mentorId}/deactivate", null));

        foreach (var days in new[] { 15, 14, 14 })
        {
            api.Time.Advance(TimeSpan.FromDays(days));
            await api.Services.GetRequiredService<CheckInWorker>().RunOnceAsync(CancellationToken.None);
        }

        Assert.DoesNotContain(await FlagsAsync(mentorId), f => f.GetProperty("kind").GetString() == "Missed");

        // Back, they start from none missed: a first miss is not the twelfth.
        await MentoringWorld.Ok(await _world.Admin.ReactivateAsync(mentorId));
        api.Time.Advance(TimeSpan.FromDays(14));
        await api.Services.GetRequiredService<CheckInWorker>().RunOnceAsync(CancellationToken.None);
        Assert.DoesNotContain(await FlagsAsync(mentorId), f => f.GetProperty("kind").GetString() == "Missed");
    }

    [Fact]
    public async Task A_person_who_is_no_longer_a_mentor_is_neither_reminded_nor_flagged_for_check_ins_they_may_not_make()
    {
        var (mentorId, mentor) = await _world.ReadyMentorAsync();
        await HttpAssert.Ok<JsonElement>(await SupervisionTests.CheckInAsync(mentor, SupervisionTests.Answers(0)));
        await _world.SetRolesAsync(mentorId, Roles.CaseManager);

        foreach (var days in new[] { 13, 2, 14, 14 })
        {
            await RunWorkerAsync(days);
        }

        var store = api.Services.GetRequiredService<IDocumentStore>();
        Assert.Empty(await store.QueryAllAsync<WellbeingFlag>(SupervisionData.Container, "demo", [Filter.Eq("mentorId", mentorId)], CancellationToken.None));
        Assert.Equal(0, await RemindersAsync(mentor));
        Assert.Equal(0, (await ScheduleAsync(mentorId))!.Missed);
    }

    private async Task RunWorkerAsync(double days)
    {
        api.Time.Advance(TimeSpan.FromDays(days));
        await api.Services.GetRequiredService<CheckInWorker>().RunOnceAsync(CancellationToken.None);
    }

    /// <summary>Read from the store, not through a page: looking would start a schedule of its own.</summary>
    private async Task<CheckInSchedule?> ScheduleAsync(string mentorId) =>
        await api.Services.GetRequiredService<IDocumentStore>().ReadAsync<CheckInSchedule>(SupervisionData.Container, CheckInSchedule.IdFor(mentorId), "demo", CancellationToken.None);

    private static async Task<int> RemindersAsync(HttpClient mentor) => (await mentor.NoticesAsync()).Count(n => n.Kind == "wellbeing-check-in-due");

    private async Task<List<JsonElement>> FlagsAsync(string mentorId) =>
        (await HttpAssert.Ok<JsonElement>(await _world.Supervisor.GetAsync($"/api/supervision/mentors/{mentorId}"))).GetProperty("flags").EnumerateArray().ToList();
}
