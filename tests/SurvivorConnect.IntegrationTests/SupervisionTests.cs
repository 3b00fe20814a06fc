using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using SurvivorConnect.Api.Features.Supervision;
using SurvivorConnect.Api.Features.Supervision.Rules;
using SurvivorConnect.Api.Infrastructure.Auth;

namespace SurvivorConnect.IntegrationTests;

/// <summary>Wellbeing check-ins, flags to the mentor's supervisor, the automatic hold, privacy and the aggregate view.</summary>
public sealed class SupervisionTests(SupervisionTests.Api api) : IClassFixture<SupervisionTests.Api>
{
    public sealed class Api : ClockedApiFactory;

    private readonly MentoringWorld _world = new(api);

    private HttpClient Supervisor => _world.Supervisor;

    /// <summary>Answers every default item with <paramref name="value"/>, and the urgent one with <paramref name="urgent"/>.</summary>
    public static Dictionary<string, int> Answers(int value, int urgent = 0, int? support = null) =>
        DefaultInstrument.Version1.Items.ToDictionary(i => i.Id, i => i.Urgent ? urgent : i.Subscale is "support" or "self-care" ? support ?? 4 - value : value);

    /// <summary>Answers as <see cref="Answers"/> gives them, with one question other than the urgent one left out: a check-in refused.</summary>
    public static Dictionary<string, int> WithOneLeftOut(int urgent)
    {
        var answers = Answers(1, urgent);
        answers.Remove(answers.Keys.First(id => id != "safety-1"));
        return answers;
    }

    /// <summary>A check-in as the page sends it: the answers, with the instrument and version the mentor was shown.</summary>
    public static async Task<HttpResponseMessage> CheckInAsync(HttpClient mentor, Dictionary<string, int> answers, string? submissionId = null)
    {
        using var page = await mentor.GetAsync("/api/supervision/me");
        var shown = page.IsSuccessStatusCode ? await page.Content.ReadFromJsonAsync<JsonElement>() : default;
        return await mentor.PostAsJsonAsync("/api/supervision/me/check-ins", shown.ValueKind == JsonValueKind.Object
            ? new { answers, submissionId, instrumentKey = shown.GetProperty("instrumentKey").GetString(), instrumentVersion = (int?)shown.GetProperty("instrumentVersion").GetInt32() }
            : new { answers, submissionId, instrumentKey = (string?)null, instrumentVersion = (int?)null });
    }

    /// <summary>Acknowledges or resolves a flag, or records a session on it, as the page does: with the version it read.</summary>
    public static async Task<HttpResponseMessage> OnFlagAsync(HttpClient supervisor, string? flagId, string action, object? body = null)
    {
        using var read = await supervisor.GetAsync($"/api/supervision/flags/{flagId}");
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/supervision/flags/{flagId}/{action}") { Content = body is null ? null : JsonContent.Create(body) };
        if (read.IsSuccessStatusCode)
        {
            request.Headers.TryAddWithoutValidation("If-Match", (await read.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("version").GetString());
        }

        return await supervisor.SendAsync(request);
    }

    /// <summary>Saves the supervision settings as the admin sees them now (their version as If-Match, once there are any).</summary>
    public static async Task<JsonElement> SaveSettingsAsync(HttpClient admin, object body)
    {
        var version = (await HttpAssert.Ok<JsonElement>(await admin.GetAsync("/api/supervision/settings"))).GetProperty("version").GetString();
        return await HttpAssert.Ok<JsonElement>(version is { Length: > 0 } ? await admin.PutJson("/api/supervision/settings", body, version) : await admin.PutAsJsonAsync("/api/supervision/settings", body));
    }

    /// <summary>The id of the newest flag the supervisor sees on the mentor.</summary>
    public static async Task<string> FirstFlagAsync(HttpClient supervisor, string mentorId) =>
        (await HttpAssert.Ok<JsonElement>(await supervisor.GetAsync($"/api/supervision/mentors/{mentorId}"))).GetProperty("flags")[0].GetProperty("id").GetString()!;

    [Fact]
    public async Task A_mentor_opening_their_wellbeing_page_before_anyone_supervises_them_starts_no_check_in_clock()
    {
        var (mentorId, mentor) = await _world.MentorAsync();
        var store = api.Services.GetRequiredService<SurvivorConnect.Storage.IDocumentStore>();

        var page = await HttpAssert.Ok<JsonElement>(await mentor.GetAsync("/api/supervision/me"));

        Assert.Equal((JsonValueKind.Null, false), (page.GetProperty("nextDueAt").ValueKind, page.GetProperty("due").GetBoolean()));
        Assert.Null(await store.ReadAsync<CheckInSchedule>(SupervisionData.Container, CheckInSchedule.IdFor(mentorId), "demo", CancellationToken.None));
        Assert.Null(await store.ReadAsync<CheckInSlot>(SupervisionData.Container, CheckInSlot.IdFor("demo", mentorId), CheckInSlot.Partition, CancellationToken.None));

        await MentoringWorld.Ok(await _world.Admin.PutAsJsonAsync($"/api/mentors/{mentorId}/supervisor", new { supervisorId = "demo-supervisor" }));

        Assert.NotNull(await store.ReadAsync<CheckInSlot>(SupervisionData.Container, CheckInSlot.IdFor("demo", mentorId), CheckInSlot.Partition, CancellationToken.None));
    }

    [Fact]
    public async Task A_mentor_nobody_supervises_who_checked_in_once_is_not_flagged_for_check_ins_missed_since()
    {
        var (mentorId, mentor) = await _world.MentorAsync();
        await HttpAssert.Ok<JsonElement>(await CheckInAsync(mentor, Answers(1)));

        var worker = api.Services.GetRequiredService<CheckInWorker>();
        for (var round = 0; round < 3; round++)
        {
            api.Time.Advance(TimeSpan.FromDays(17));
            await worker.RunOnceAsync(CancellationToken.None);
        }

        await MentoringWorld.Ok(await _world.Admin.PutAsJsonAsync($"/api/mentors/{mentorId}/supervisor", new { supervisorId = "demo-supervisor" }));
        Assert.DoesNotContain((await HttpAssert.Ok<JsonElement>(await Supervisor.GetAsync($"/api/supervision/mentors/{mentorId}"))).GetProperty("flags").EnumerateArray(),
            f => f.GetProperty("kind").GetString() == "Missed");
    }

    [Fact]
    public async Task A_mentor_who_mentors_shows_supervision_overdue_until_their_supervisor_records_a_regular_session_once()
    {
        var (_, _, _, mentorId, _) = await _world.ActiveMatchAsync();
        SupervisedMentorDto Summary(List<SupervisedMentorDto> all) => all.Single(m => m.MentorId == mentorId);
        var before = Summary(await HttpAssert.Ok<List<SupervisedMentorDto>>(await Supervisor.GetAsync("/api/supervision/mentors")));
        Assert.True(before.SupervisionOverdue);
        Assert.Null(before.LastSupervisedOn);

        var yesterday = DateOnly.FromDateTime(api.Time.GetUtcNow().UtcDateTime).AddDays(-1).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        var url = $"/api/supervision/mentors/{mentorId}/sessions";
        var view = await HttpAssert.Ok<JsonElement>(await Supervisor.PostAsJsonAsync(url, new { date = yesterday, notes = "Talked through a hard week." }));
        await HttpAssert.Ok<JsonElement>(await Supervisor.PostAsJsonAsync(url, new { date = yesterday, notes = "Talked through a hard week." }));
        await HttpAssert.Problem(await Supervisor.PostAsJsonAsync(url, new { date = yesterday, notes = "Other words for the same day." }), 409);
        await HttpAssert.Problem(await Supervisor.PostAsJsonAsync(url, new { date = "2099-01-01", notes = "Not yet held." }), 400);

        Assert.Single(view.GetProperty("regularSessions").EnumerateArray());
        var after = Summary(await HttpAssert.Ok<List<SupervisedMentorDto>>(await Supervisor.GetAsync("/api/supervision/mentors")));
        Assert.False(after.SupervisionOverdue);
        Assert.Equal(yesterday, after.LastSupervisedOn);
        var again = await HttpAssert.Ok<JsonElement>(await Supervisor.GetAsync($"/api/supervision/mentors/{mentorId}"));
        Assert.Single(again.GetProperty("regularSessions").EnumerateArray());

        // Only the mentor's own supervisors record or read them.
        var (_, otherSupervisor) = await _world.PersonAsync(Roles.Supervisor);
        await HttpAssert.Problem(await otherSupervisor.PostAsJsonAsync(url, new { date = yesterday, notes = "Not my mentor." }), 404);
    }

    private sealed record SupervisedMentorDto(string MentorId, bool SupervisionOverdue, string? LastSupervisedOn);

    [Fact]
    public async Task A_calm_check_in_raises_nothing_and_the_mentor_sees_kind_words_never_a_score()
    {
        var (mentorId, mentor) = await _world.ReadyMentorAsync();

        var reply = await HttpAssert.Ok<JsonElement>(await CheckInAsync(mentor, Answers(0)));

        Assert.StartsWith("Thank you for checking in", reply.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal(0, reply.GetProperty("crisisResources").GetArrayLength());
        var me = await HttpAssert.Ok<JsonElement>(await mentor.GetAsync("/api/supervision/me"));
        Assert.False(me.GetProperty("due").GetBoolean());
        Assert.Equal("You checked in.", me.GetProperty("history")[0].GetProperty("words").GetString());
        Assert.DoesNotContain("score", me.GetRawText(), StringComparison.OrdinalIgnoreCase);
        var mine = (await HttpAssert.Ok<List<JsonElement>>(await Supervisor.GetAsync("/api/supervision/mentors"))).Single(m => m.GetProperty("mentorId").GetString() == mentorId);
        Assert.Equal(0, mine.GetProperty("openFlags").GetInt32());
        Assert.All(mine.GetProperty("bands").EnumerateArray(), b => Assert.False(b.GetProperty("concern").GetBoolean()));
    }

    [Fact]
    public async Task A_supervisor_records_a_session_with_a_follow_up_that_shows_overdue_once_it_passes_and_resolves_the_flag()
    {
        var (mentorId, mentor) = await _world.ReadyMentorAsync();
        await HttpAssert.Ok<JsonElement>(await CheckInAsync(mentor, Answers(3)));
        var flagId = await FirstFlagAsync(Supervisor, mentorId);
        var today = DateOnly.FromDateTime(api.Time.GetUtcNow().UtcDateTime);

        var withSession = await HttpAssert.Ok<JsonElement>(await OnFlagAsync(Supervisor, flagId, "sessions", new
        {
            date = today, notes = "Talked about the last two weeks.", agreedActions = "A lighter caseload for a month.", followUp = today.AddDays(7),
        }));
        Assert.False(withSession.GetProperty("followUpOverdue").GetBoolean());
        Assert.Equal("Acknowledged", withSession.GetProperty("status").GetString());

        api.Time.Advance(TimeSpan.FromDays(8));
        var summary = (await HttpAssert.Ok<List<JsonElement>>(await Supervisor.GetAsync("/api/supervision/mentors"))).Single(m => m.GetProperty("mentorId").GetString() == mentorId);
        Assert.Equal(1, summary.GetProperty("overdueFollowUps").GetInt32());
        Assert.True((await HttpAssert.Ok<JsonElement>(await Supervisor.GetAsync($"/api/supervision/flags/{flagId}"))).GetProperty("followUpOverdue").GetBoolean());

        var resolved = await HttpAssert.Ok<JsonElement>(await OnFlagAsync(Supervisor, flagId, "resolve"));
        Assert.Equal("Resolved", resolved.GetProperty("status").GetString());
        await HttpAssert.Problem(await OnFlagAsync(Supervisor, flagId, "resolve"), 409);
    }

    [Fact]
    public async Task A_session_recorded_on_an_urgent_flag_marks_it_seen_and_ends_the_hold_that_waited_for_it()
    {
        var (mentorId, mentor) = await _world.ReadyMentorAsync();
        await HttpAssert.Ok<JsonElement>(await CheckInAsync(mentor, Answers(1, urgent: 3)));
        var flagId = await FirstFlagAsync(Supervisor, mentorId);
        Assert.Equal(JsonValueKind.Object, (await HttpAssert.Ok<JsonElement>(await mentor.GetAsync("/api/mentors/me"))).GetProperty("hold").ValueKind);
        var today = DateOnly.FromDateTime(api.Time.GetUtcNow().UtcDateTime);

        var withSession = await HttpAssert.Ok<JsonElement>(await OnFlagAsync(Supervisor, flagId, "sessions", new { date = today, notes = "Met the same day." }));

        Assert.Equal("Acknowledged", withSession.GetProperty("status").GetString());
        Assert.Equal(JsonValueKind.Null, (await HttpAssert.Ok<JsonElement>(await mentor.GetAsync("/api/mentors/me"))).GetProperty("hold").ValueKind);
    }

    [Fact]
    public async Task A_session_is_recorded_once_it_has_taken_place_and_its_follow_up_is_within_a_year()
    {
        var (mentorId, mentor) = await _world.ReadyMentorAsync();
        await HttpAssert.Ok<JsonElement>(await CheckInAsync(mentor, Answers(3)));
        var flagId = await FirstFlagAsync(Supervisor, mentorId);
        var today = DateOnly.FromDateTime(api.Time.GetUtcNow().UtcDateTime);
        var record = (DateOnly date, DateOnly followUp) => OnFlagAsync(Supervisor, flagId, "sessions", new
        {
            date, notes = "Talked it through.", followUp,
        });

        var ahead = await HttpAssert.Problem(await record(today.AddDays(5), today.AddDays(7)), 400);
        var never = await HttpAssert.Problem(await record(today, new DateOnly(9999, 12, 31)), 400);
        var beforeTheFlag = await HttpAssert.Problem(await record(new DateOnly(1, 1, 1), today), 400);

        Assert.True(ahead.GetProperty("errors").TryGetProperty("date", out _));
        Assert.Equal("On or after the day this flag was raised.", beforeTheFlag.GetProperty("errors").GetProperty("date")[0].GetString());
        Assert.True(never.GetProperty("errors").TryGetProperty("followUp", out _));
        var flag = await HttpAssert.Ok<JsonElement>(await Supervisor.GetAsync($"/api/supervision/flags/{flagId}"));
        Assert.Equal(0, flag.GetProperty("sessions").GetArrayLength());
    }

    [Fact]
    public async Task A_session_saved_twice_by_a_second_tap_is_recorded_once()
    {
        var (mentorId, mentor) = await _world.ReadyMentorAsync();
        await HttpAssert.Ok<JsonElement>(await CheckInAsync(mentor, Answers(3)));
        var flagId = await FirstFlagAsync(Supervisor, mentorId);
        var body = new { date = DateOnly.FromDateTime(api.Time.GetUtcNow().UtcDateTime), notes = "Talked it through." };

        await HttpAssert.Ok<JsonElement>(await OnFlagAsync(Supervisor, flagId, "sessions", body));
        var again = await HttpAssert.Ok<JsonElement>(await OnFlagAsync(Supervisor, flagId, "sessions", body));

        Assert.Equal(1, again.GetProperty("sessions").GetArrayLength());
    }

    [Fact]
    public async Task Mentors_are_not_made_each_others_supervisors_nor_in_a_ring_so_none_reviews_the_urgent_answer_of_one_above_them()
    {
        var (first, _) = await _world.MentorAsync();
        var (second, _) = await _world.MentorAsync();
        var (third, _) = await _world.MentorAsync();
        foreach (var id in new[] { first, second, third })
        {
            await _world.SetRolesAsync(id, Roles.Mentor, Roles.Supervisor);
        }

        await HttpAssert.Ok<JsonElement>(await api.As("demo-admin").PutAsJsonAsync($"/api/mentors/{first}/supervisor", new { supervisorId = second }));
        var refused = await HttpAssert.Problem(await api.As("demo-admin").PutAsJsonAsync($"/api/mentors/{second}/supervisor", new { supervisorId = first }), 400);
        await HttpAssert.Ok<JsonElement>(await api.As("demo-admin").PutAsJsonAsync($"/api/mentors/{second}/supervisor", new { supervisorId = third }));
        var ring = await HttpAssert.Problem(await api.As("demo-admin").PutAsJsonAsync($"/api/mentors/{third}/supervisor", new { supervisorId = first }), 400);

        Assert.True(refused.GetProperty("errors").TryGetProperty("supervisorId", out _));
        Assert.True(ring.GetProperty("errors").TryGetProperty("supervisorId", out _));
    }

    [Fact]
    public async Task The_supervision_page_keeps_typed_session_notes_when_refused_and_counts_a_line_break_as_the_browser_does()
    {
        var (mentorId, mentor) = await _world.ReadyMentorAsync();
        await HttpAssert.Ok<JsonElement>(await CheckInAsync(mentor, Answers(3)));
        var flagId = await FirstFlagAsync(Supervisor, mentorId);
        var portal = await PortalSession.SignedInAsync(api, "demo-supervisor");
        var today = DateOnly.FromDateTime(api.Time.GetUtcNow().UtcDateTime);
        var version = (await HttpAssert.Ok<JsonElement>(await Supervisor.GetAsync($"/api/supervision/flags/{flagId}"))).GetProperty("version").GetString()!;

        var refused = await PortalSession.PostFormAsync(portal, "/supervision", $"session-{flagId}",
            ("MentorId", mentorId), ("Version", version), ("Date", today.AddDays(3).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)), ("Notes", "Careful notes typed at length"), ("Agreed", "A lighter month"));

        Assert.Contains("Today or earlier", refused, StringComparison.Ordinal);
        Assert.Contains(">Careful notes typed at length</textarea>", refused, StringComparison.Ordinal);
        Assert.Contains(">A lighter month</textarea>", refused, StringComparison.Ordinal);

        // 4,000 characters as the browser counts them (a line break as one), sent with each line break as two.
        var notes = string.Join("\r\n", Enumerable.Repeat(new string('n', 99), 40)) + "n";
        var saved = await PortalSession.PostFormAsync(portal, "/supervision", $"session-{flagId}",
            ("MentorId", mentorId), ("Version", version), ("Date", today.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)), ("Notes", notes));

        Assert.Contains("The session is saved.", saved, StringComparison.Ordinal);

        // Changing a hold starts from its reason, so saving it again does not wipe the reason.
        await HttpAssert.Ok<JsonElement>(await Supervisor.PostAsJsonAsync($"/api/mentors/{mentorId}/hold", new { reason = "Talking things through first.", stopsChat = false }));
        var opened = await PortalSession.PostFormAsync(portal, "/supervision", "open-mentor", ("MentorId", mentorId));
        Assert.Matches("id=\"hold-reason\"[^>]*value=\"Talking things through first.\"", opened);
    }

    [Fact]
    public async Task A_subscale_that_worsens_over_three_check_ins_raises_a_concern_before_it_is_high()
    {
        var (mentorId, mentor) = await _world.ReadyMentorAsync();
        foreach (var stress in new[] { new[] { 0, 0, 0, 0 }, [1, 1, 0, 0], [1, 1, 1, 1] })
        {
            // Carrying others' stories: a mean of 0, then 0.5, then 1 (still low), a rise of 1 over three check-ins.
            var answers = Answers(0);
            for (var i = 0; i < 4; i++)
            {
                answers[$"stress-{i + 1}"] = stress[i];
            }

            await HttpAssert.Ok<JsonElement>(await CheckInAsync(mentor, answers));
            api.Time.Advance(TimeSpan.FromDays(14));
        }

        var detail = await HttpAssert.Ok<JsonElement>(await Supervisor.GetAsync($"/api/supervision/mentors/{mentorId}"));
        var flag = Assert.Single(detail.GetProperty("flags").EnumerateArray());
        Assert.Equal("Concern", flag.GetProperty("kind").GetString());
        Assert.Contains(flag.GetProperty("reasons").EnumerateArray(), r => r.GetString()!.Contains("worse by 1 over recent check-ins", StringComparison.Ordinal));
        Assert.Equal("worse", detail.GetProperty("summary").GetProperty("bands").EnumerateArray().Single(b => b.GetProperty("subscale").GetString() == "stress").GetProperty("trend").GetString());
    }

    [Fact]
    public async Task A_slide_spread_thin_over_frequent_check_ins_still_raises_a_concern()
    {
        var (mentorId, mentor) = await _world.ReadyMentorAsync();
        // Carrying others' stories a quarter worse at each of five check-ins two days apart: never a rise of 1 since
        // either of the two before, but 1 over the week.
        foreach (var stress in new[] { new[] { 0, 0, 0, 0 }, [1, 0, 0, 0], [1, 1, 0, 0], [1, 1, 1, 0], [1, 1, 1, 1] })
        {
            var answers = Answers(0);
            for (var i = 0; i < 4; i++)
            {
                answers[$"stress-{i + 1}"] = stress[i];
            }

            await HttpAssert.Ok<JsonElement>(await CheckInAsync(mentor, answers));
            api.Time.Advance(TimeSpan.FromDays(2));
        }

        var flag = Assert.Single((await HttpAssert.Ok<JsonElement>(await Supervisor.GetAsync($"/api/supervision/mentors/{mentorId}"))).GetProperty("flags").EnumerateArray());
        Assert.Contains(flag.GetProperty("reasons").EnumerateArray(), r => r.GetString()!.Contains("worse by 1 over recent check-ins", StringComparison.Ordinal));

        // Seen and resolved, the slide is not raised again by each later check-in that stays where it came to.
        await HttpAssert.Ok<JsonElement>(await OnFlagAsync(Supervisor, flag.GetProperty("id").GetString(), "acknowledge"));
        await HttpAssert.Ok<JsonElement>(await OnFlagAsync(Supervisor, flag.GetProperty("id").GetString(), "resolve"));
        var steady = Answers(0);
        for (var i = 0; i < 4; i++)
        {
            steady[$"stress-{i + 1}"] = 1;
        }

        for (var i = 0; i < 3; i++)
        {
            await HttpAssert.Ok<JsonElement>(await CheckInAsync(mentor, steady));
            api.Time.Advance(TimeSpan.FromDays(2));
        }

        Assert.Single((await HttpAssert.Ok<JsonElement>(await Supervisor.GetAsync($"/api/supervision/mentors/{mentorId}"))).GetProperty("flags").EnumerateArray());
    }

    [Fact]
    public async Task A_later_check_in_that_adds_to_a_concern_not_yet_opened_tells_the_supervisor_it_has_grown()
    {
        var (mentorId, mentor) = await _world.ReadyMentorAsync();
        var since = api.Time.GetUtcNow();
        await HttpAssert.Ok<JsonElement>(await CheckInAsync(mentor, Answers(3, support: 4)));
        api.Time.Advance(TimeSpan.FromDays(1));
        await HttpAssert.Ok<JsonElement>(await CheckInAsync(mentor, Answers(3, support: 0)));
        api.Time.Advance(TimeSpan.FromDays(1));
        await HttpAssert.Ok<JsonElement>(await CheckInAsync(mentor, Answers(3, support: 0)));

        var flag = Assert.Single((await HttpAssert.Ok<JsonElement>(await Supervisor.GetAsync($"/api/supervision/mentors/{mentorId}"))).GetProperty("flags").EnumerateArray());
        var told = (await HttpAssert.Ok<PageDto<NotificationDto>>(await Supervisor.GetAsync("/api/notifications?pageSize=200"))).Items
            .Where(n => n.Kind == "wellbeing-concern" && n.At >= since).ToList();

        Assert.Equal("Concern", flag.GetProperty("kind").GetString());
        Assert.Equal(2, told.Count(n => n.Text.Contains("on a flag you have not opened yet", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task A_check_in_added_to_an_unseen_concern_and_sent_again_by_a_reload_neither_moves_the_flag_under_its_supervisor_nor_raises_another_once_seen()
    {
        var (mentorId, mentor) = await _world.ReadyMentorAsync();
        await HttpAssert.Ok<JsonElement>(await CheckInAsync(mentor, Answers(3, support: 4)));
        api.Time.Advance(TimeSpan.FromDays(1));
        await HttpAssert.Ok<JsonElement>(await CheckInAsync(mentor, Answers(3, support: 0), "form-added"));
        var flagId = await FirstFlagAsync(Supervisor, mentorId);
        var seenVersion = (await HttpAssert.Ok<JsonElement>(await Supervisor.GetAsync($"/api/supervision/flags/{flagId}"))).GetProperty("version").GetString();

        await HttpAssert.Ok<JsonElement>(await CheckInAsync(mentor, Answers(3, support: 0), "form-added"));
        using var seen = new HttpRequestMessage(HttpMethod.Post, $"/api/supervision/flags/{flagId}/acknowledge");
        seen.Headers.TryAddWithoutValidation("If-Match", seenVersion);
        await HttpAssert.Ok<JsonElement>(await Supervisor.SendAsync(seen));
        await HttpAssert.Ok<JsonElement>(await CheckInAsync(mentor, Answers(3, support: 0), "form-added"));

        var flags = (await HttpAssert.Ok<JsonElement>(await Supervisor.GetAsync($"/api/supervision/mentors/{mentorId}"))).GetProperty("flags");
        Assert.Equal(1, flags.GetArrayLength());
    }

    [Fact]
    public async Task A_concern_left_unseen_through_many_check_ins_takes_a_bounded_number_and_the_next_is_news_in_a_flag_of_its_own()
    {
        var (mentorId, mentor) = await _world.ReadyMentorAsync();
        for (var i = 0; i <= WellbeingFlag.MaxAddedCheckIns; i++)
        {
            await HttpAssert.Ok<JsonElement>(await CheckInAsync(mentor, Answers(3, support: 0)));
        }

        Assert.Equal(1, (await HttpAssert.Ok<JsonElement>(await Supervisor.GetAsync($"/api/supervision/mentors/{mentorId}"))).GetProperty("flags").GetArrayLength());

        await HttpAssert.Ok<JsonElement>(await CheckInAsync(mentor, Answers(3, support: 0)));
        await HttpAssert.Ok<JsonElement>(await CheckInAsync(mentor, Answers(3, support: 0)));

        var flags = (await HttpAssert.Ok<JsonElement>(await Supervisor.GetAsync($"/api/supervision/mentors/{mentorId}"))).GetProperty("flags");
        Assert.Equal(2, flags.GetArrayLength());
        Assert.All(flags.EnumerateArray(), f => Assert.Equal("Open", f.GetProperty("status").GetString()));
    }

    [Theory]
    [InlineData("wflag~no-such-flag")]
    [InlineData("wflag~a%23b")]
    [InlineData("wflag~a%5Cb")]
    [InlineData("wflag~a%01b")]
    public async Task A_flag_id_no_flag_could_have_is_not_found_as_an_unknown_one_is(string flagId)
    {
        await HttpAssert.Problem(await Supervisor.GetAsync($"/api/supervision/flags/{flagId}"), 404);
    }

    [Fact]
    public async Task A_supervisor_reading_the_list_of_their_mentors_is_recorded_as_a_read_of_each_mentors_wellbeing_under_their_supervision()
    {
        var (mentorId, mentor) = await _world.ReadyMentorAsync();
        await HttpAssert.Ok<JsonElement>(await CheckInAsync(mentor, Answers(3)));

        Assert.Contains(await HttpAssert.Ok<List<JsonElement>>(await Supervisor.GetAsync("/api/supervision/mentors")), m => m.GetProperty("mentorId").GetString() == mentorId);

        var audited = await HttpAssert.Ok<PageDto<AuditDto>>(await _world.Admin.GetAsync($"/api/audit?recordId={mentorId}&recordType=mentor&action=wellbeing.list-mentors"));
        var entry = Assert.Single(audited.Items);
        Assert.Equal(("demo-supervisor", "Succeeded"), (entry.ActorId, entry.Outcome));
        Assert.Contains("supervis", entry.Basis, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Answers_and_notes_are_for_the_mentor_and_their_supervisor_only()
    {
        var (mentorId, mentor) = await _world.ReadyMentorAsync();
        await HttpAssert.Ok<JsonElement>(await CheckInAsync(mentor, Answers(1, urgent: 2)));
        var flagId = await FirstFlagAsync(Supervisor, mentorId);
        await HttpAssert.Ok<JsonElement>(await MentoringWorld.HoldAsync(Supervisor, mentorId, "Private reason"));
        var (_, otherSupervisor) = await _world.PersonAsync(Roles.Supervisor);

        await HttpAssert.Problem(await otherSupervisor.GetAsync($"/api/supervision/mentors/{mentorId}"), 404);
        await HttpAssert.Problem(await otherSupervisor.GetAsync($"/api/supervision/flags/{flagId}"), 404);
        await HttpAssert.Problem(await OnFlagAsync(otherSupervisor, flagId, "acknowledge"), 404);
        await HttpAssert.Problem(await otherSupervisor.PutAsJsonAsync($"/api/supervision/mentors/{mentorId}/cadence", new { days = 7 }), 404);
        Assert.DoesNotContain(await HttpAssert.Ok<List<JsonElement>>(await otherSupervisor.GetAsync("/api/supervision/mentors")), m => m.GetProperty("mentorId").GetString() == mentorId);
        await HttpAssert.Problem(await api.AsSubject(mentorId, "demo-north").GetAsync($"/api/supervision/flags/{flagId}"), 403);
        foreach (var outsider in new[] { "demo-casemanager", "demo-recruiter", "demo-admin", "demo-finance" })
        {
            Assert.Equal(HttpStatusCode.Forbidden, (await api.As(outsider).GetAsync($"/api/supervision/mentors/{mentorId}")).StatusCode);
            Assert.Equal(HttpStatusCode.Forbidden, (await api.As(outsider).GetAsync($"/api/supervision/flags/{flagId}")).StatusCode);
        }

        // The admin and the case manager see that there is a hold, never why.
        foreach (var staff in new[] { "demo-admin", "demo-casemanager" })
        {
            var seen = await HttpAssert.Ok<JsonElement>(await api.As(staff).GetAsync($"/api/mentors/{mentorId}"));
            Assert.Equal(JsonValueKind.Object, seen.GetProperty("hold").ValueKind);
            Assert.Equal(JsonValueKind.Null, seen.GetProperty("hold").GetProperty("reason").ValueKind);
        }

        Assert.Equal("Private reason", (await HttpAssert.Ok<JsonElement>(await Supervisor.GetAsync($"/api/mentors/{mentorId}"))).GetProperty("hold").GetProperty("reason").GetString());
        var audit = await HttpAssert.Ok<JsonElement>(await api.As("demo-admin").GetAsync($"/api/audit?recordId={mentorId}"));
        Assert.Contains(audit.GetProperty("items").EnumerateArray(), e => e.GetProperty("action").GetString() == "wellbeing.read");
    }

    [Fact]
    public async Task Bad_answers_and_bad_instruments_are_refused_with_field_errors_and_change_nothing()
    {
        var (_, mentor) = await _world.ReadyMentorAsync();
        var outside = Answers(1);
        outside["stress-1"] = 9;
        var missing = Answers(1);
        missing.Remove("burnout-2");
        var unknown = Answers(1);
        unknown["not-a-question"] = 1;

        Assert.True((await HttpAssert.Problem(await CheckInAsync(mentor, outside), 400)).GetProperty("errors").TryGetProperty("answers.stress-1", out _));
        var missingProblem = await HttpAssert.Problem(await CheckInAsync(mentor, missing), 400);
        Assert.True(missingProblem.GetProperty("errors").TryGetProperty("answers.burnout-2", out _));
        Assert.NotEqual(0, missingProblem.GetProperty("crisisResources").GetArrayLength());
        await HttpAssert.Problem(await CheckInAsync(mentor, unknown), 400);
        Assert.Equal(0, (await HttpAssert.Ok<JsonElement>(await mentor.GetAsync("/api/supervision/me"))).GetProperty("history").GetArrayLength());

        var admin = api.As("demo-admin");
        var duplicate = Instrument("dup") with { Items = [new("a", "One", "s"), new("a", "Two", "s")] };
        var empty = Instrument("empty") with { Subscales = [.. Instrument("empty").Subscales, new("lonely", "Nobody answers", [new("low", 0m)])] };
        Assert.Contains("used more than once", (await HttpAssert.Problem(await admin.PostAsJsonAsync("/api/supervision/instruments", duplicate, ApiFactory.Json), 400)).GetProperty("errors").GetProperty("items")[0].GetString(), StringComparison.Ordinal);
        Assert.Contains("has no items", (await HttpAssert.Problem(await admin.PostAsJsonAsync("/api/supervision/instruments", empty, ApiFactory.Json), 400)).GetProperty("errors").GetProperty("subscales")[0].GetString(), StringComparison.Ordinal);
        await HttpAssert.Problem(await admin.PostAsJsonAsync("/api/supervision/instruments", new { }), 400);
        var silent = Instrument("silent") with
        {
            Subscales = [new("s", "Strain", [new("low", 0m), new("high", 2m)])], Items = [new("one", "I felt strained.", "s")],
        };
        var unheard = (await HttpAssert.Problem(await admin.PostAsJsonAsync("/api/supervision/instruments", silent, ApiFactory.Json), 400)).GetProperty("errors");
        Assert.Contains("urgent", unheard.GetProperty("items")[0].GetString(), StringComparison.Ordinal);
        Assert.Contains("marks concern", unheard.GetProperty("subscales")[0].GetString(), StringComparison.Ordinal);
        var unreachable = Instrument("unreachable") with { Subscales = [new("s", "Strain", [new("low", 0m), new("high", 99m, Concern: true)]), Safety with { Bands = [new("none", 0m)] }] };
        Assert.Contains("marks concern", (await HttpAssert.Problem(await admin.PostAsJsonAsync("/api/supervision/instruments", unreachable, ApiFactory.Json), 400)).GetProperty("errors").GetProperty("subscales")[0].GetString(), StringComparison.Ordinal);

        // One stored before instruments had to alert is not chosen either.
        var old = "old-" + Guid.NewGuid().ToString("N")[..6];
        await api.Services.GetRequiredService<SurvivorConnect.Storage.IDocumentStore>().CreateAsync(InstrumentDocument.Container, new InstrumentDocument
        {
            Id = InstrumentDocument.IdFor(old, 1), PartitionKey = "demo", AgencyId = "demo", Definition = silent with { Key = old }, LoadedAt = api.Time.GetUtcNow(), LoadedBy = "demo-admin",
        }, default);
        var notChosen = await HttpAssert.Problem(await admin.PutAsJsonAsync("/api/supervision/settings", new { instrumentKey = old, instrumentVersion = 1, concernRise = 1 }), 400);
        Assert.Contains("cannot tell a supervisor", notChosen.GetProperty("errors").GetProperty("instrumentKey")[0].GetString(), StringComparison.Ordinal);
        await HttpAssert.Problem(await admin.PutAsJsonAsync("/api/supervision/settings", new { instrumentKey = "never-loaded", instrumentVersion = 1, concernRise = 1 }), 400);

        // A rise the default scale (0 to 4) can hardly reach would switch the trend concern off while seeming to keep it.
        var beyondReach = await HttpAssert.Problem(await admin.PutAsJsonAsync("/api/supervision/settings", new { instrumentKey = DefaultInstrument.Key, instrumentVersion = 1, concernRise = 4.5 }), 400);
        Assert.StartsWith("At most 2 ", beyondReach.GetProperty("errors").GetProperty("concernRise")[0].GetString(), StringComparison.Ordinal);
        await HttpAssert.Problem(await admin.PutAsJsonAsync("/api/supervision/settings", new { instrumentKey = DefaultInstrument.Key, instrumentVersion = 1, concernRise = 2.25 }), 400);
        Assert.Equal(1m, (await HttpAssert.Ok<JsonElement>(await admin.GetAsync("/api/supervision/settings"))).GetProperty("concernRise").GetDecimal());
        await HttpAssert.Problem(await Supervisor.PutAsJsonAsync("/api/supervision/mentors/nobody/cadence", new { days = 400 }), 400);
    }

    [Fact]
    public async Task Supervision_settings_saved_from_an_older_page_do_not_switch_back_an_instrument_chosen_since()
    {
        var admin = api.As("demo-admin");
        var key = "agency-" + Guid.NewGuid().ToString("N")[..6];
        await HttpAssert.Ok<JsonElement>(await admin.PostAsJsonAsync("/api/supervision/instruments", Instrument(key), ApiFactory.Json));
        await SaveSettingsAsync(admin, new { instrumentKey = DefaultInstrument.Key, instrumentVersion = 1, concernRise = 1 });
        var read = (await HttpAssert.Ok<JsonElement>(await admin.GetAsync("/api/supervision/settings"))).GetProperty("version").GetString()!;
        try
        {
            await HttpAssert.Ok<JsonElement>(await admin.PutJson("/api/supervision/settings", new { instrumentKey = key, instrumentVersion = 1, concernRise = 1 }, read));

            await HttpAssert.Problem(await admin.PutJson("/api/supervision/settings", new { instrumentKey = DefaultInstrument.Key, instrumentVersion = 1, concernRise = 1 }, read), 412);
            await HttpAssert.Problem(await admin.PutAsJsonAsync("/api/supervision/settings", new { instrumentKey = DefaultInstrument.Key, instrumentVersion = 1, concernRise = 1 }), 428);

            Assert.Equal(key, (await HttpAssert.Ok<JsonElement>(await admin.GetAsync("/api/supervision/settings"))).GetProperty("instrumentKey").GetString());
        }
        finally
        {
            await SaveSettingsAsync(admin, new { instrumentKey = DefaultInstrument.Key, instrumentVersion = 1, concernRise = 1 });
        }
    }

    [Fact]
    public async Task An_agency_loads_its_own_instrument_and_check_ins_record_the_version_they_answered()
    {
        var admin = api.As("demo-admin");
        var key = "agency-" + Guid.NewGuid().ToString("N")[..6];
        await HttpAssert.Ok<JsonElement>(await admin.PostAsJsonAsync("/api/supervision/instruments", Instrument(key), ApiFactory.Json));
        await HttpAssert.Problem(await admin.PostAsJsonAsync("/api/supervision/instruments", Instrument(key), ApiFactory.Json), 409);
        try
        {
            await SaveSettingsAsync(admin, new { instrumentKey = key, instrumentVersion = 1, concernRise = 1 });
            var (mentorId, mentor) = await _world.ReadyMentorAsync();
            var questions = (await HttpAssert.Ok<JsonElement>(await mentor.GetAsync("/api/supervision/me"))).GetProperty("questions");
            Assert.Equal(["one", "two", "three"], questions.EnumerateArray().Select(q => q.GetProperty("id").GetString()));

            await HttpAssert.Ok<JsonElement>(await CheckInAsync(mentor, new() { ["one"] = 1, ["two"] = 2, ["three"] = 0 }));

            var checkIn = (await HttpAssert.Ok<JsonElement>(await Supervisor.GetAsync($"/api/supervision/mentors/{mentorId}"))).GetProperty("checkIns")[0];
            Assert.Equal((key, 1), (checkIn.GetProperty("instrumentKey").GetString(), checkIn.GetProperty("instrumentVersion").GetInt32()));
        }
        finally
        {
            await SaveSettingsAsync(admin, new { instrumentKey = DefaultInstrument.Key, instrumentVersion = 1, concernRise = 1 });
        }
    }

    [Fact]
    public async Task A_new_version_of_an_instrument_on_another_scale_is_not_compared_with_answers_to_the_old_one()
    {
        var admin = api.As("demo-admin");
        var key = "rescaled-" + Guid.NewGuid().ToString("N")[..6];
        var second = Instrument(key) with
        {
            Version = 2,
            Scale = new ResponseScale(0, 10, [.. Enumerable.Range(0, 11).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture))]),
            Subscales = [new("s", "Strain", [new("low", 0m), new("high", 8m, Concern: true)]), Safety],
        };
        await HttpAssert.Ok<JsonElement>(await admin.PostAsJsonAsync("/api/supervision/instruments", Instrument(key), ApiFactory.Json));
        await HttpAssert.Ok<JsonElement>(await admin.PostAsJsonAsync("/api/supervision/instruments", second, ApiFactory.Json));
        try
        {
            await SaveSettingsAsync(admin, new { instrumentKey = key, instrumentVersion = 1, concernRise = 1 });
            var (mentorId, mentor) = await _world.ReadyMentorAsync();
            for (var i = 0; i < 2; i++)
            {
                await HttpAssert.Ok<JsonElement>(await CheckInAsync(mentor, new() { ["one"] = 0, ["two"] = 0, ["three"] = 0 }));
                api.Time.Advance(TimeSpan.FromDays(14));
            }

            await SaveSettingsAsync(admin, new { instrumentKey = key, instrumentVersion = 2, concernRise = 1 });
            await HttpAssert.Ok<JsonElement>(await CheckInAsync(mentor, new() { ["one"] = 3, ["two"] = 3, ["three"] = 0 }));

            var wellbeing = await HttpAssert.Ok<JsonElement>(await Supervisor.GetAsync($"/api/supervision/mentors/{mentorId}"));
            Assert.Empty(wellbeing.GetProperty("flags").EnumerateArray());

            // Nor is its trend shown against them: the first answer on the new scale is neither better nor worse, nor steady.
            Assert.All(wellbeing.GetProperty("checkIns")[0].GetProperty("bands").EnumerateArray(), b => Assert.Equal("first check-in", b.GetProperty("trend").GetString()));
            Assert.All(wellbeing.GetProperty("summary").GetProperty("bands").EnumerateArray(), b => Assert.Equal("first check-in", b.GetProperty("trend").GetString()));
        }
        finally
        {
            await SaveSettingsAsync(admin, new { instrumentKey = DefaultInstrument.Key, instrumentVersion = 1, concernRise = 1 });
        }
    }

    [Fact]
    public async Task A_match_closed_unplanned_asks_its_mentor_for_a_check_in_and_two_missed_check_ins_raise_a_flag()
    {
        var (match, mentor, _, mentorId, _) = await _world.ActiveMatchAsync();
        await HttpAssert.Ok<JsonElement>(await _world.CloseAsYouthsChoiceAsync(match.Id));

        var me = await HttpAssert.Ok<JsonElement>(await mentor.GetAsync("/api/supervision/me"));
        Assert.True(me.GetProperty("due").GetBoolean());
        Assert.Contains("ended unexpectedly", me.GetProperty("dueBecause").GetString(), StringComparison.Ordinal);

        // The check-in asked for, unanswered a week, is its supervisor's to follow: it does not rest on the mentor alone.
        var worker = api.Services.GetRequiredService<CheckInWorker>();
        async Task<List<JsonElement>> MissedAfterAsync(int days)
        {
            api.Time.Advance(TimeSpan.FromDays(days));
            await Task.WhenAll(worker.RunOnceAsync(CancellationToken.None), worker.RunOnceAsync(CancellationToken.None));
            return [.. (await HttpAssert.Ok<JsonElement>(await Supervisor.GetAsync($"/api/supervision/mentors/{mentorId}"))).GetProperty("flags").EnumerateArray()
                .Where(f => f.GetProperty("kind").GetString() == "Missed")];
        }

        Assert.Empty(await MissedAfterAsync(6));
        var unanswered = Assert.Single(await MissedAfterAsync(1));
        Assert.Contains("asked for after something hard", unanswered.GetProperty("reasons")[0].GetString(), StringComparison.Ordinal);
        Assert.Single(await MissedAfterAsync(11));
        var flags = await MissedAfterAsync(14);

        var missed = Assert.Single(flags, f => f.GetProperty("reasons")[0].GetString()!.Contains("in a row", StringComparison.Ordinal)).GetProperty("id").GetString()!;

        // The supervisor's steps on it are audited under its id, which tells the audit log's readers neither who nor what.
        await HttpAssert.Ok<JsonElement>(await OnFlagAsync(Supervisor, Uri.EscapeDataString(missed), "acknowledge"));
        var audited = await HttpAssert.Ok<JsonElement>(await _world.Admin.GetAsync("/api/audit?pageSize=100"));
        Assert.Contains(audited.GetProperty("items").EnumerateArray(), e => e.GetProperty("recordId").GetString() == missed);
        Assert.DoesNotContain(mentorId, missed, StringComparison.Ordinal);
        Assert.DoesNotContain("missed", missed, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task A_mentor_who_is_also_a_supervisor_cannot_be_their_own_supervisor()
    {
        var id = "both-" + Guid.NewGuid().ToString("N")[..10];
        Assert.Equal(HttpStatusCode.Created, (await _world.Admin.PostJson("/api/people", new { displayName = "Both " + id[^4..], roles = new[] { Roles.Mentor, Roles.Supervisor }, subjectId = id })).StatusCode);
        var both = api.AsSubject(id, "demo");
        await HttpAssert.Ok<JsonElement>(await both.PutAsJsonAsync("/api/mentors/me", new { displayName = "Both", languages = new[] { "English" }, capacity = 1 }));

        var refused = await HttpAssert.Problem(await _world.Admin.PutAsJsonAsync($"/api/mentors/{id}/supervisor", new { supervisorId = id }), 400);

        Assert.Contains("own supervisor", refused.GetProperty("errors").GetProperty("supervisorId")[0].GetString(), StringComparison.Ordinal);
        await HttpAssert.Problem(await both.GetAsync($"/api/supervision/mentors/{id}"), 404);
    }

    [Fact]
    public async Task An_admin_who_also_mentors_neither_chooses_their_own_supervisor_nor_gives_themselves_a_role_while_another_admin_can()
    {
        var (adminId, admin) = await _world.PersonAsync(Roles.AgencyAdmin);
        await _world.SetRolesAsync(adminId, Roles.AgencyAdmin, Roles.Mentor);
        await HttpAssert.Ok<JsonElement>(await admin.PutAsJsonAsync("/api/mentors/me", new { displayName = "Admin who mentors", languages = new[] { "English" }, capacity = 1 }));
        var (supervisorId, _) = await _world.PersonAsync(Roles.Supervisor);
        var (lenientId, _) = await _world.PersonAsync(Roles.Supervisor);

        await HttpAssert.Problem(await admin.PutAsJsonAsync($"/api/mentors/{adminId}/supervisor", new { supervisorId = lenientId }), 409);
        await HttpAssert.Ok<JsonElement>(await _world.Admin.PutAsJsonAsync($"/api/mentors/{adminId}/supervisor", new { supervisorId }));

        // Taking the Supervisor role from their supervisor leaves them without one who can act: still not theirs to choose.
        var supervisor = await admin.GetAsync($"/api/people/{supervisorId}");
        await HttpAssert.Ok<JsonElement>(await admin.PutJson($"/api/people/{supervisorId}/roles", new { roles = Array.Empty<string>() }, supervisor.Headers.ETag!.Tag));
        var refused = await HttpAssert.Problem(await admin.PutAsJsonAsync($"/api/mentors/{adminId}/supervisor", new { supervisorId = lenientId }), 409);
        Assert.Contains("Another agency admin changes your own supervisor", refused.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(supervisorId, (await HttpAssert.Ok<JsonElement>(await _world.Admin.GetAsync($"/api/mentors/{adminId}"))).GetProperty("supervisorId").GetString());

        // Nor do they give themselves a role that reads what the role's holders read (check-in answers, chats).
        var me = await admin.GetAsync($"/api/people/{adminId}");
        var widened = await HttpAssert.Problem(await admin.PutJson($"/api/people/{adminId}/roles", new { roles = new[] { Roles.AgencyAdmin, Roles.Mentor, Roles.Supervisor } }, me.Headers.ETag!.Tag), 409);
        Assert.Contains("Another agency admin gives you a new role", widened.GetProperty("detail").GetString(), StringComparison.Ordinal);
        await _world.SetRolesAsync(adminId, Roles.AgencyAdmin, Roles.Mentor, Roles.Supervisor);
    }

    [Fact]
    public async Task An_admin_does_not_make_themselves_a_mentors_supervisor_or_a_youths_case_manager_while_another_admin_can()
    {
        var (adminId, admin) = await _world.PersonAsync(Roles.AgencyAdmin);
        await _world.SetRolesAsync(adminId, Roles.AgencyAdmin, Roles.Supervisor, Roles.CaseManager);
        var (mentorId, _) = await _world.ReadyMentorAsync();
        var (youthId, _) = await _world.YouthAsync();

        var supervising = await HttpAssert.Problem(await admin.PutAsJsonAsync($"/api/mentors/{mentorId}/supervisor", new { supervisorId = adminId }), 409);
        var youth = await admin.GetAsync($"/api/youth/{youthId}");
        var caseManaging = await HttpAssert.Problem(await admin.PutJson($"/api/youth/{youthId}/case-managers", new { caseManagerIds = new[] { adminId } }, youth.Headers.ETag!.Tag), 409);

        Assert.Contains("Another agency admin", supervising.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Contains("Another agency admin", caseManaging.GetProperty("detail").GetString(), StringComparison.Ordinal);
        await HttpAssert.Problem(await admin.GetAsync($"/api/supervision/mentors/{mentorId}"), 404);
        Assert.DoesNotContain(adminId, (await HttpAssert.Ok<JsonElement>(await _world.CaseManager.GetAsync($"/api/youth/{youthId}"))).GetProperty("caseManagerIds").EnumerateArray().Select(c => c.GetString()));

        // Another admin may name them.
        await HttpAssert.Ok<JsonElement>(await _world.Admin.PutAsJsonAsync($"/api/mentors/{mentorId}/supervisor", new { supervisorId = adminId }));
        await HttpAssert.Ok<JsonElement>(await admin.GetAsync($"/api/supervision/mentors/{mentorId}"));
    }

    [Fact]
    public async Task A_shorter_rhythm_set_long_after_the_last_check_in_does_not_count_check_ins_as_missed()
    {
        var (mentorId, mentor) = await _world.ReadyMentorAsync();
        await HttpAssert.Ok<JsonElement>(await CheckInAsync(mentor, Answers(0)));
        api.Time.Advance(TimeSpan.FromDays(12));

        var summary = await HttpAssert.Ok<JsonElement>(await Supervisor.PutAsJsonAsync($"/api/supervision/mentors/{mentorId}/cadence", new { days = 7 }));
        await api.Services.GetRequiredService<CheckInWorker>().RunOnceAsync(CancellationToken.None);

        Assert.Equal(7, summary.GetProperty("cadenceDays").GetInt32());
        Assert.False(summary.GetProperty("due").GetBoolean());
        Assert.Empty((await HttpAssert.Ok<JsonElement>(await Supervisor.GetAsync($"/api/supervision/mentors/{mentorId}"))).GetProperty("flags").EnumerateArray());
    }

    [Fact]
    public async Task A_rhythm_saved_while_a_check_in_is_late_leaves_it_due_and_its_miss_counted()
    {
        var (mentorId, mentor) = await _world.ReadyMentorAsync();
        await HttpAssert.Ok<JsonElement>(await CheckInAsync(mentor, Answers(0)));
        var worker = api.Services.GetRequiredService<CheckInWorker>();
        // Two check-ins missed in a row: the first late when the supervisor saves the same rhythm again.
        api.Time.Advance(TimeSpan.FromDays(15));
        var before = await HttpAssert.Ok<JsonElement>(await Supervisor.GetAsync($"/api/supervision/mentors/{mentorId}"));

        var summary = await HttpAssert.Ok<JsonElement>(await Supervisor.PutAsJsonAsync($"/api/supervision/mentors/{mentorId}/cadence", new { days = 14 }));
        for (var day = 0; day < 16; day++)
        {
            api.Time.Advance(TimeSpan.FromDays(1));
            await worker.RunOnceAsync(CancellationToken.None);
        }

        Assert.True(summary.GetProperty("due").GetBoolean());
        Assert.Equal(before.GetProperty("summary").GetProperty("nextDueAt").GetDateTimeOffset(), summary.GetProperty("nextDueAt").GetDateTimeOffset());
        var flags = (await HttpAssert.Ok<JsonElement>(await Supervisor.GetAsync($"/api/supervision/mentors/{mentorId}"))).GetProperty("flags").EnumerateArray();
        Assert.Contains(flags, f => f.GetProperty("kind").GetString() == "Missed");
    }

    [Fact]
    public async Task A_rhythm_saved_again_before_the_first_check_in_does_not_put_it_off()
    {
        var (mentorId, _) = await _world.ReadyMentorAsync();
        var started = await HttpAssert.Ok<JsonElement>(await Supervisor.GetAsync($"/api/supervision/mentors/{mentorId}"));
        api.Time.Advance(TimeSpan.FromDays(10));

        var summary = await HttpAssert.Ok<JsonElement>(await Supervisor.PutAsJsonAsync($"/api/supervision/mentors/{mentorId}/cadence", new { days = 14 }));
        var longer = await HttpAssert.Ok<JsonElement>(await Supervisor.PutAsJsonAsync($"/api/supervision/mentors/{mentorId}/cadence", new { days = 21 }));

        Assert.Equal(started.GetProperty("summary").GetProperty("nextDueAt").GetDateTimeOffset(), summary.GetProperty("nextDueAt").GetDateTimeOffset());
        Assert.Equal(started.GetProperty("summary").GetProperty("nextDueAt").GetDateTimeOffset().AddDays(7), longer.GetProperty("nextDueAt").GetDateTimeOffset());
    }

    [Fact]
    public async Task A_mentor_nobody_supervises_is_neither_reminded_nor_told_a_check_in_is_due_after_checking_in_once()
    {
        var (_, mentor) = await _world.MentorAsync();
        var reply = await HttpAssert.Ok<JsonElement>(await CheckInAsync(mentor, Answers(0)));
        var worker = api.Services.GetRequiredService<CheckInWorker>();

        Assert.Equal(JsonValueKind.Null, reply.GetProperty("nextDueAt").ValueKind);
        for (var day = 0; day < 16; day++)
        {
            api.Time.Advance(TimeSpan.FromDays(1));
            await worker.RunOnceAsync(CancellationToken.None);
        }

        var mine = await HttpAssert.Ok<JsonElement>(await mentor.GetAsync("/api/supervision/me"));
        Assert.False(mine.GetProperty("due").GetBoolean());
        Assert.Equal(JsonValueKind.Null, mine.GetProperty("nextDueAt").ValueKind);
        var notices = await HttpAssert.Ok<JsonElement>(await mentor.GetAsync("/api/notifications?pageSize=100"));
        Assert.DoesNotContain(notices.GetProperty("items").EnumerateArray(), n => n.GetProperty("kind").GetString() == "wellbeing-check-in-due");
    }

    [Fact]
    public async Task A_mentor_who_withdrew_consent_to_mentoring_is_neither_reminded_nor_flagged_for_check_ins_missed_meanwhile()
    {
        var (mentorId, mentor) = await _world.ReadyMentorAsync();
        await HttpAssert.Ok<JsonElement>(await CheckInAsync(mentor, Answers(0)));
        var consent = (await HttpAssert.Ok<List<JsonElement>>(await mentor.GetAsync("/api/consents/mine"))).Single(c => c.GetProperty("scope").GetString() == "mentoring");
        await MentoringWorld.Ok(await mentor.PostAsync($"/api/consents/{consent.GetProperty("id").GetString()}/revoke", null));

        var worker = api.Services.GetRequiredService<CheckInWorker>();
        for (var day = 0; day < 45; day++)
        {
            api.Time.Advance(TimeSpan.FromDays(1));
            await worker.RunOnceAsync(CancellationToken.None);
        }

        var seen = await HttpAssert.Ok<JsonElement>(await Supervisor.GetAsync($"/api/supervision/mentors/{mentorId}"));
        Assert.DoesNotContain(seen.GetProperty("flags").EnumerateArray(), f => f.GetProperty("kind").GetString() == "Missed");
        Assert.False(seen.GetProperty("summary").GetProperty("due").GetBoolean());
        Assert.True(seen.GetProperty("summary").GetProperty("regularPaused").GetBoolean());
        var supervising = await (await PortalSession.SignedInAsync(api, "demo-supervisor")).GetStringAsync("/supervision");
        Assert.Contains("regular check-ins paused (not mentoring)", supervising, StringComparison.Ordinal);
        Assert.DoesNotContain(await mentor.NoticesAsync(), n => n.Kind == "wellbeing-check-in-due");
        var mine = await HttpAssert.Ok<JsonElement>(await mentor.GetAsync("/api/supervision/me"));
        Assert.False(mine.GetProperty("due").GetBoolean());
        Assert.True(mine.GetProperty("regularPaused").GetBoolean());
        Assert.Contains("Regular check-ins are paused while you are not mentoring", await (await PortalSession.SignedInAsync(api, mentorId)).GetStringAsync("/wellbeing"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_deactivated_mentor_is_not_shown_to_their_supervisor_as_due_a_check_in_nor_overdue_for_supervision()
    {
        var (_, mentor, _, mentorId, _) = await _world.ActiveMatchAsync();
        await HttpAssert.Ok<JsonElement>(await CheckInAsync(mentor, Answers(0)));
        await MentoringWorld.Ok(await _world.Admin.PostAsync($"/api/people/{mentorId}/deactivate", null));

        api.Time.Advance(TimeSpan.FromDays(40));

        var summary = (await HttpAssert.Ok<JsonElement>(await Supervisor.GetAsync($"/api/supervision/mentors/{mentorId}"))).GetProperty("summary");
        Assert.False(summary.GetProperty("due").GetBoolean());
        Assert.False(summary.GetProperty("supervisionOverdue").GetBoolean());
        Assert.True(summary.GetProperty("regularPaused").GetBoolean());
    }

    [Fact]
    public async Task A_mentor_given_a_supervisor_after_checking_in_alone_starts_the_rhythm_then_with_nothing_missed()
    {
        var (mentorId, mentor) = await _world.MentorAsync();
        await HttpAssert.Ok<JsonElement>(await CheckInAsync(mentor, Answers(0)));
        api.Time.Advance(TimeSpan.FromDays(16));

        await HttpAssert.Ok<JsonElement>(await _world.Admin.PutAsJsonAsync($"/api/mentors/{mentorId}/supervisor", new { supervisorId = "demo-supervisor" }));
        var assigned = await HttpAssert.Ok<JsonElement>(await Supervisor.GetAsync($"/api/supervision/mentors/{mentorId}"));
        // Sixteen days on, one check-in of the new rhythm is late, none missed: two in a row would have been by then.
        var worker = api.Services.GetRequiredService<CheckInWorker>();
        for (var day = 0; day < 16; day++)
        {
            api.Time.Advance(TimeSpan.FromDays(1));
            await worker.RunOnceAsync(CancellationToken.None);
        }

        Assert.Equal(api.Time.GetUtcNow().AddDays(-16 + 14), assigned.GetProperty("summary").GetProperty("nextDueAt").GetDateTimeOffset());
        var seen = await HttpAssert.Ok<JsonElement>(await Supervisor.GetAsync($"/api/supervision/mentors/{mentorId}"));
        Assert.DoesNotContain(seen.GetProperty("flags").EnumerateArray(), f => f.GetProperty("kind").GetString() == "Missed");
        Assert.True((await HttpAssert.Ok<JsonElement>(await mentor.GetAsync("/api/supervision/me"))).GetProperty("due").GetBoolean());
    }

    [Fact]
    public async Task The_agency_overview_shows_no_count_under_eleven_and_no_totals()
    {
        var (_, mentor) = await _world.ReadyMentorAsync();
        await HttpAssert.Ok<JsonElement>(await CheckInAsync(mentor, Answers(0)));

        var overview = await HttpAssert.Ok<JsonElement>(await api.As("demo-admin").GetAsync("/api/supervision/overview"));

        Assert.Equal(11, overview.GetProperty("smallestGroup").GetInt32());
        Assert.All(overview.GetProperty("flagsByMonth").EnumerateArray(), month =>
        {
            var count = month.GetProperty("raised");
            Assert.True(count.GetProperty("count").ValueKind == JsonValueKind.Null ? count.GetProperty("words").GetString() == "fewer than 11" : count.GetProperty("count").GetInt32() >= 11);
        });
        Assert.False(overview.TryGetProperty("bands", out _), "bands are in the outcome report, protected with its other numbers");
        Assert.DoesNotContain("total", overview.GetRawText(), StringComparison.OrdinalIgnoreCase);
    }

    private static InstrumentDefinition Instrument(string key) => new(
        key, 1, "Agency check-in", "the last month", new ResponseScale(0, 3, ["No", "A little", "Some", "A lot"]),
        [new("s", "Strain", [new("low", 0m), new("high", 2m, Concern: true)]), Safety],
        [new("one", "I felt strained.", "s"), new("two", "I felt tired.", "s"), new("three", "I felt unsafe.", "safety", Urgent: true)],
        "Written by the agency.");

    private static readonly InstrumentSubscale Safety = new("safety", "Safety", [new("none", 0m), new("present", 1m, Concern: true)]);
}
