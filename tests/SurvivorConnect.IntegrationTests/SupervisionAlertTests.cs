using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using SurvivorConnect.Api.Features.Chat;

namespace SurvivorConnect.IntegrationTests;

/// <summary>
/// An urgent check-in answer, live: on the real clock, because a hub connection's token is checked against it
/// (the other supervision tests move theirs).
/// </summary>
public sealed class SupervisionAlertTests(ApiFactory api) : IClassFixture<ApiFactory>
{
    private readonly MentoringWorld _world = new(api);

    private HttpClient Supervisor => _world.Supervisor;

    [Fact]
    public async Task An_urgent_answer_reaches_the_supervisor_live_holds_the_mentor_from_new_matches_and_gives_the_mentor_the_crisis_lines()
    {
        var (mentorId, mentor) = await _world.ReadyMentorAsync();
        var (connection, received) = await NoticeListener.ListenAsync(api, "demo-supervisor");
        await using var _ = connection;
        var reply = await HttpAssert.Ok<JsonElement>(await SupervisionTests.CheckInAsync(mentor, SupervisionTests.Answers(1, urgent: 3)));

        // The notice is pushed while the check-in is stored; the supervisor's open connection has it within 2 s of the answer.
        var clock = Stopwatch.StartNew();
        while (!received.Any(n => n.Kind == "wellbeing-urgent") && clock.Elapsed < TimeSpan.FromSeconds(2))
        {
            await Task.Delay(20);
        }

        Assert.Contains(received, n => n.Kind == "wellbeing-urgent");
        Assert.Contains("You matter", reply.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.True(reply.GetProperty("crisisResources").GetArrayLength() > 0);
        Assert.DoesNotContain("score", reply.GetRawText(), StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("fail", reply.GetRawText(), StringComparison.OrdinalIgnoreCase);
        var held = await HttpAssert.Ok<JsonElement>(await mentor.GetAsync("/api/mentors/me"));
        Assert.Equal(JsonValueKind.Object, held.GetProperty("hold").ValueKind);
        Assert.Contains("hold", string.Join(" ", held.GetProperty("matchBlockers").EnumerateArray().Select(b => b.GetString())), StringComparison.OrdinalIgnoreCase);

        var detail = await HttpAssert.Ok<JsonElement>(await Supervisor.GetAsync($"/api/supervision/mentors/{mentorId}"));
        var flag = detail.GetProperty("flags")[0];
        Assert.Equal("Urgent", flag.GetProperty("kind").GetString());
        Assert.True(detail.GetProperty("summary").GetProperty("holdIsAutomatic").GetBoolean());
        Assert.Equal(3, detail.GetProperty("checkIns")[0].GetProperty("answers").EnumerateArray().Single(a => a.GetProperty("itemId").GetString() == "safety-1").GetProperty("answer").GetInt32());

        // Reviewing the urgent answer lifts the automatic hold; the supervisor may place one of their own.
        await HttpAssert.Ok<JsonElement>(await SupervisionTests.OnFlagAsync(Supervisor, flag.GetProperty("id").GetString(), "acknowledge"));
        Assert.Equal(JsonValueKind.Null, (await HttpAssert.Ok<JsonElement>(await mentor.GetAsync("/api/mentors/me"))).GetProperty("hold").ValueKind);
        await HttpAssert.Ok<JsonElement>(await Supervisor.PostAsJsonAsync($"/api/mentors/{mentorId}/hold", new { reason = "Talking things through first.", stopsChat = false }));
        Assert.Equal(JsonValueKind.Object, (await HttpAssert.Ok<JsonElement>(await mentor.GetAsync("/api/mentors/me"))).GetProperty("hold").ValueKind);
    }

    [Fact]
    public async Task An_urgent_answer_in_a_check_in_refused_for_a_question_left_out_still_reaches_the_supervisor_and_holds_the_mentor()
    {
        var (mentorId, mentor) = await _world.ReadyMentorAsync();
        var answers = SupervisionTests.WithOneLeftOut(urgent: 3);

        await HttpAssert.Problem(await SupervisionTests.CheckInAsync(mentor, answers, "form-left-partway"), 400);

        var detail = await HttpAssert.Ok<JsonElement>(await Supervisor.GetAsync($"/api/supervision/mentors/{mentorId}"));
        var flag = Assert.Single(detail.GetProperty("flags").EnumerateArray());
        Assert.Equal("Urgent", flag.GetProperty("kind").GetString());
        Assert.Empty(detail.GetProperty("checkIns").EnumerateArray());
        Assert.Equal(JsonValueKind.Object, (await HttpAssert.Ok<JsonElement>(await mentor.GetAsync("/api/mentors/me"))).GetProperty("hold").ValueKind);
        Assert.Contains(await Supervisor.NoticesAsync(), n => n.Kind == "wellbeing-urgent");

        // Refused again, it is the same flag; once the supervisor has seen it, the check-in sent whole is flagged of its own.
        await HttpAssert.Problem(await SupervisionTests.CheckInAsync(mentor, answers, "form-left-partway"), 400);
        Assert.Single((await HttpAssert.Ok<JsonElement>(await Supervisor.GetAsync($"/api/supervision/mentors/{mentorId}"))).GetProperty("flags").EnumerateArray());
        await HttpAssert.Ok<JsonElement>(await SupervisionTests.OnFlagAsync(Supervisor, flag.GetProperty("id").GetString(), "acknowledge"));
        await HttpAssert.Ok<JsonElement>(await SupervisionTests.CheckInAsync(mentor, SupervisionTests.Answers(1, urgent: 3), "form-left-partway"));
        detail = await HttpAssert.Ok<JsonElement>(await Supervisor.GetAsync($"/api/supervision/mentors/{mentorId}"));
        Assert.Equal(["Urgent", "Urgent"], detail.GetProperty("flags").EnumerateArray().Select(f => f.GetProperty("kind").GetString()));
        Assert.Single(detail.GetProperty("checkIns").EnumerateArray());
        Assert.Equal(JsonValueKind.Object, (await HttpAssert.Ok<JsonElement>(await mentor.GetAsync("/api/mentors/me"))).GetProperty("hold").ValueKind);
    }

    [Fact]
    public async Task An_urgent_answer_in_a_check_in_an_app_sent_in_the_wrong_shape_still_reaches_the_supervisor_and_holds_the_mentor()
    {
        var (mentorId, mentor) = await _world.ReadyMentorAsync();
        var shown = await HttpAssert.Ok<JsonElement>(await mentor.GetAsync("/api/supervision/me"));

        // Its id sent as a number, and its answers as an app's doubles: the body does not read as a check-in at all.
        var answers = SupervisionTests.Answers(1, urgent: 3).ToDictionary(a => a.Key, a => a.Key == "stress-1" ? (object)1.5 : a.Value);
        var body = JsonSerializer.Serialize(new
        {
            answers, submissionId = 12345, instrumentKey = shown.GetProperty("instrumentKey").GetString(), instrumentVersion = shown.GetProperty("instrumentVersion").GetInt32(),
        }).Replace("\"safety-1\":3", "\"safety-1\":3.0", StringComparison.Ordinal);
        Assert.Contains("\"safety-1\":3.0", body, StringComparison.Ordinal);
        var refused = await HttpAssert.Problem(await mentor.PostAsync("/api/supervision/me/check-ins", new StringContent(body, System.Text.Encoding.UTF8, "application/json")), 400);

        Assert.True(refused.GetProperty("errors").EnumerateObject().Any());
        Assert.NotEqual(0, refused.GetProperty("crisisResources").GetArrayLength());
        var detail = await HttpAssert.Ok<JsonElement>(await Supervisor.GetAsync($"/api/supervision/mentors/{mentorId}"));
        Assert.Equal("Urgent", Assert.Single(detail.GetProperty("flags").EnumerateArray()).GetProperty("kind").GetString());
        Assert.Equal(JsonValueKind.Object, (await HttpAssert.Ok<JsonElement>(await mentor.GetAsync("/api/mentors/me"))).GetProperty("hold").ValueKind);
        Assert.Contains(await Supervisor.NoticesAsync(), n => n.Kind == "wellbeing-urgent");

        // Not JSON at all, or nothing: refused as the request it is, never a server failure.
        foreach (var text in new[] { "{not json", "" })
        {
            var notJson = await HttpAssert.Problem(await mentor.PostAsync("/api/supervision/me/check-ins", new StringContent(text, System.Text.Encoding.UTF8, "application/json")), 400);
            Assert.True(notJson.GetProperty("errors").TryGetProperty("body", out _));
        }
    }

    [Fact]
    public async Task An_urgent_answer_refused_again_after_the_supervisor_reviewed_the_first_is_flagged_anew_and_holds_the_mentor_again()
    {
        var (mentorId, mentor) = await _world.ReadyMentorAsync();
        var answers = SupervisionTests.WithOneLeftOut(urgent: 3);
        await HttpAssert.Problem(await SupervisionTests.CheckInAsync(mentor, answers, "form-sent-twice"), 400);
        var first = Assert.Single((await HttpAssert.Ok<JsonElement>(await Supervisor.GetAsync($"/api/supervision/mentors/{mentorId}"))).GetProperty("flags").EnumerateArray());
        await HttpAssert.Ok<JsonElement>(await SupervisionTests.OnFlagAsync(Supervisor, first.GetProperty("id").GetString(), "acknowledge"));
        Assert.Equal(JsonValueKind.Null, (await HttpAssert.Ok<JsonElement>(await mentor.GetAsync("/api/mentors/me"))).GetProperty("hold").ValueKind);

        // The same page, later: still a question left out, and an urgent answer again.
        await HttpAssert.Problem(await SupervisionTests.CheckInAsync(mentor, answers, "form-sent-twice"), 400);

        var flags = (await HttpAssert.Ok<JsonElement>(await Supervisor.GetAsync($"/api/supervision/mentors/{mentorId}"))).GetProperty("flags").EnumerateArray().ToList();
        Assert.Equal(2, flags.Count);
        Assert.Single(flags, f => f.GetProperty("status").GetString() == "Open");
        Assert.Equal(JsonValueKind.Object, (await HttpAssert.Ok<JsonElement>(await mentor.GetAsync("/api/mentors/me"))).GetProperty("hold").ValueKind);
    }

    [Fact]
    public async Task An_urgent_answer_sent_with_the_instrument_but_not_its_version_still_reaches_the_supervisor_and_holds_the_mentor()
    {
        var (mentorId, mentor) = await _world.ReadyMentorAsync();
        var shown = await HttpAssert.Ok<JsonElement>(await mentor.GetAsync("/api/supervision/me"));

        await HttpAssert.Problem(await mentor.PostAsJsonAsync("/api/supervision/me/check-ins", new
        {
            answers = SupervisionTests.Answers(1, urgent: 3), instrumentKey = shown.GetProperty("instrumentKey").GetString(), instrumentVersion = (int?)null,
        }), 400);

        var flag = Assert.Single((await HttpAssert.Ok<JsonElement>(await Supervisor.GetAsync($"/api/supervision/mentors/{mentorId}"))).GetProperty("flags").EnumerateArray());
        Assert.Equal("Urgent", flag.GetProperty("kind").GetString());
        Assert.Equal(JsonValueKind.Object, (await HttpAssert.Ok<JsonElement>(await mentor.GetAsync("/api/mentors/me"))).GetProperty("hold").ValueKind);
    }

    [Fact]
    public async Task A_check_in_refused_with_no_urgent_answer_raises_nothing()
    {
        var (mentorId, mentor) = await _world.ReadyMentorAsync();
        var answers = SupervisionTests.WithOneLeftOut(urgent: 0);

        await HttpAssert.Problem(await SupervisionTests.CheckInAsync(mentor, answers), 400);

        var detail = await HttpAssert.Ok<JsonElement>(await Supervisor.GetAsync($"/api/supervision/mentors/{mentorId}"));
        Assert.Empty(detail.GetProperty("flags").EnumerateArray());
        Assert.Equal(JsonValueKind.Null, (await HttpAssert.Ok<JsonElement>(await mentor.GetAsync("/api/mentors/me"))).GetProperty("hold").ValueKind);
    }

    [Fact]
    public async Task A_flagged_chat_message_from_either_side_and_a_mentee_s_relapse_each_ask_the_mentor_for_a_check_in()
    {
        const string Kindly = "something in your mentoring may have been hard lately.";
        var fromYouth = await _world.OpenChatAsync();
        await fromYouth.Youth.SendAsync(fromYouth.Id, "I can give you a ride after school");
        await ChatClient.EventuallyAsync(() => !fromYouth.CaseManager.Flags.IsEmpty, "the flag");
        // Nor, by being asked at once, that the youth's words they just read went to the case manager.
        Assert.False((await HttpAssert.Ok<JsonElement>(await fromYouth.MentorHttp.GetAsync("/api/supervision/me"))).GetProperty("due").GetBoolean());
        await HttpAssert.Ok<ChatTests.FlagDto>(await _world.CaseManager.PostJson($"/api/flags/{fromYouth.CaseManager.Flags.First().Id}/resolve", new { note = "Talked with the youth." }));
        var afterYouthFlag = await HttpAssert.Ok<JsonElement>(await fromYouth.MentorHttp.GetAsync("/api/supervision/me"));
        Assert.Equal(Kindly, afterYouthFlag.GetProperty("dueBecause").GetString());

        var chat = await _world.OpenChatAsync();
        await chat.Mentor.SendAsync(chat.Id, "we should meet up this weekend");
        await ChatClient.EventuallyAsync(() => !chat.CaseManager.Flags.IsEmpty, "the flag");

        // A mentor testing boundaries is not told that the scan saw their message, not even by the moment they are asked:
        // they are asked once a case manager has reviewed it, and their supervisor reads why.
        var afterFlag = await HttpAssert.Ok<JsonElement>(await chat.MentorHttp.GetAsync("/api/supervision/me"));
        Assert.False(afterFlag.GetProperty("due").GetBoolean());
        var mentorNotices = await HttpAssert.Ok<PageDto<NotificationDto>>(await chat.MentorHttp.GetAsync("/api/notifications"));
        Assert.DoesNotContain(mentorNotices.Items, n => n.Kind == "wellbeing-check-in");
        await HttpAssert.Ok<ChatTests.FlagDto>(await _world.CaseManager.PostJson($"/api/flags/{chat.CaseManager.Flags.First().Id}/resolve", new { note = "Talked about boundaries." }));
        var afterReview = await HttpAssert.Ok<JsonElement>(await chat.MentorHttp.GetAsync("/api/supervision/me"));
        Assert.True(afterReview.GetProperty("due").GetBoolean());
        Assert.Equal(Kindly, afterReview.GetProperty("dueBecause").GetString());
        await HttpAssert.Ok<JsonElement>(await SupervisionTests.CheckInAsync(chat.MentorHttp, SupervisionTests.Answers(1)));
        var seen = await HttpAssert.Ok<JsonElement>(await Supervisor.GetAsync($"/api/supervision/mentors/{chat.MentorId}"));
        Assert.Equal("a message of theirs in a mentoring chat was flagged for review.", seen.GetProperty("checkIns")[0].GetProperty("requestedBecause").GetString());
        var mine = await HttpAssert.Ok<JsonElement>(await chat.MentorHttp.GetAsync("/api/supervision/me"));
        Assert.DoesNotContain("flag", mine.GetRawText(), StringComparison.OrdinalIgnoreCase);

        var (_, mentor, _, _, youthId) = await _world.ActiveMatchAsync();
        await HttpAssert.Ok<JsonElement>(await _world.RecordStageAsync(youthId, "stage", new { stage = "action" }));
        Assert.False((await HttpAssert.Ok<JsonElement>(await mentor.GetAsync("/api/supervision/me"))).GetProperty("due").GetBoolean());
        await HttpAssert.Ok<JsonElement>(await _world.RecordStageAsync(youthId, "relapse", new { stage = "contemplation" }));

        var afterRelapse = await HttpAssert.Ok<JsonElement>(await mentor.GetAsync("/api/supervision/me"));
        Assert.True(afterRelapse.GetProperty("due").GetBoolean());
        // The youth's stage is theirs and their case manager's: the mentor is asked without being told of the relapse.
        Assert.Equal(Kindly, afterRelapse.GetProperty("dueBecause").GetString());
        var notices = await HttpAssert.Ok<JsonElement>(await mentor.GetAsync("/api/notifications"));
        Assert.Contains(notices.GetProperty("items").EnumerateArray(), n => n.GetProperty("kind").GetString() == "wellbeing-check-in");
    }

    [Fact]
    public async Task A_mentee_recorded_missing_now_asks_the_mentor_for_a_check_in_without_saying_why_and_an_episode_already_over_does_not()
    {
        var (_, mentor, _, _, youthId) = await _world.ActiveMatchAsync();
        var now = DateTimeOffset.UtcNow;
        await MentoringWorld.Created(await _world.CaseManager.PostJson($"/api/youth/{youthId}/missing-episodes",
            new { startedAt = now.AddDays(-20), endedAt = now.AddDays(-18), stayedInContact = true, howReturned = "withTrustedAdult" }));
        Assert.False((await HttpAssert.Ok<JsonElement>(await mentor.GetAsync("/api/supervision/me"))).GetProperty("due").GetBoolean());

        await MentoringWorld.Created(await _world.CaseManager.PostJson($"/api/youth/{youthId}/missing-episodes", new { startedAt = now.AddHours(-3), stayedInContact = false }));

        var asked = await HttpAssert.Ok<JsonElement>(await mentor.GetAsync("/api/supervision/me"));
        Assert.True(asked.GetProperty("due").GetBoolean());
        Assert.Equal("something in your mentoring may have been hard lately.", asked.GetProperty("dueBecause").GetString());
        Assert.DoesNotContain("missing", asked.GetRawText(), StringComparison.OrdinalIgnoreCase);
        Assert.Contains(await mentor.NoticesAsync(), n => n.Kind == "wellbeing-check-in");
    }

    [Fact]
    public async Task A_youth_s_words_of_crisis_ask_the_mentor_for_a_check_in_at_once_as_they_read_them()
    {
        var chat = await _world.OpenChatAsync();
        await chat.Youth.SendAsync(chat.Id, "he's gonna kill me");
        await ChatClient.EventuallyAsync(() => !chat.CaseManager.Flags.IsEmpty, "the flag");

        Assert.True(chat.CaseManager.Flags.Single().Urgent);
        Assert.True((await HttpAssert.Ok<JsonElement>(await chat.MentorHttp.GetAsync("/api/supervision/me"))).GetProperty("due").GetBoolean());
    }

    [Fact]
    public async Task A_youth_s_held_message_asks_the_mentor_nothing_until_it_is_delivered_to_them()
    {
        var chat = await _world.OpenChatAsync();
        var held = await chat.Youth.SendAsync(chat.Id, "text me at 559-555-0134");
        Assert.Equal(MessageStatus.Held, held.Message.Status);
        await ChatClient.EventuallyAsync(() => !chat.CaseManager.Flags.IsEmpty, "the flag");

        // Nothing tells a mentor that the youth's words are waiting for a case manager.
        var whileHeld = await HttpAssert.Ok<JsonElement>(await chat.MentorHttp.GetAsync("/api/supervision/me"));
        Assert.False(whileHeld.GetProperty("due").GetBoolean());

        var flagId = chat.CaseManager.Flags.Single().Id;
        await HttpAssert.Ok<JsonElement>(await _world.CaseManager.PostAsync($"/api/flags/{flagId}/release", null));

        var delivered = await HttpAssert.Ok<JsonElement>(await chat.MentorHttp.GetAsync("/api/supervision/me"));
        Assert.True(delivered.GetProperty("due").GetBoolean());
    }
}
