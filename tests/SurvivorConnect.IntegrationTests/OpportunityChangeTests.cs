using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;

namespace SurvivorConnect.IntegrationTests;

/// <summary>
/// Changing an opportunity after people said yes, attended or were paid: a session keeps its id, a cancelled one stays
/// cancelled, one that began or has claims stays as it was, and pay already recorded is paid as recorded.
/// </summary>
public sealed class OpportunityChangeTests(PayoutApi api) : IClassFixture<PayoutApi>
{
    private readonly PayoutWorld _payouts = new(api);
    private readonly EngagementWorld _engagements = new(api);
    private HttpClient Recruiter => _engagements.Recruiter;

    private string At(double hours) =>
        TimeZoneInfo.ConvertTimeBySystemTimeZoneId(api.Time.GetUtcNow().AddHours(hours), "America/Los_Angeles").ToString("yyyy-MM-dd'T'HH:mm:00", CultureInfo.InvariantCulture);

    private static object Session(string? id, string start, string end) =>
        new { id, start, end, timeZone = "America/Los_Angeles", inPerson = true, location = "Harbor Light, Chicago, IL" };

    private object Body(object[] sessions, decimal rate = 150m, string title = "What helps people stay housed", DateTimeOffset? deadline = null) => new
    {
        kind = "focus-group",
        title,
        topics = new[] { "Housing after exit" },
        sessions,
        seats = 10,
        applicationDeadline = deadline ?? api.Time.GetUtcNow().AddMinutes(30),
        compensation = new { basis = "perSession", rate, prepMinutesPerSession = 30, travelAllowed = true, perDiemAllowed = true },
    };

    private async Task<HttpResponseMessage> ChangeAsync(string opportunityId, object body)
    {
        var current = await Recruiter.GetAsync($"/api/engagements/opportunities/{opportunityId}");
        using var change = new HttpRequestMessage(HttpMethod.Put, $"/api/engagements/opportunities/{opportunityId}") { Content = JsonContent.Create(body) };
        change.Headers.TryAddWithoutValidation("If-Match", current.Headers.ETag!.Tag);
        return await Recruiter.SendAsync(change);
    }

    private async Task<List<JsonElement>> SessionsAsync(string opportunityId) =>
        (await HttpAssert.Ok<OpportunityDto>(await Recruiter.GetAsync($"/api/engagements/opportunities/{opportunityId}"))).Sessions;

    private async Task<string> PublishedAsync(params object[] sessions)
    {
        await _engagements.SetBenchmarkAsync();
        var draft = await HttpAssert.Ok<OpportunityDto>(await Recruiter.PostJson("/api/engagements/opportunities", Body(sessions)));
        await HttpAssert.Ok<OpportunityDto>(await Recruiter.PostAsync($"/api/engagements/opportunities/{draft.Id}/publish", null));
        return draft.Id;
    }

    [Fact]
    public async Task Work_whose_sessions_are_in_two_time_zones_keeps_each_at_its_instant_when_changed_on_the_page_of_one_zone()
    {
        await _engagements.SetBenchmarkAsync();
        string Local(double hours, string zone) =>
            TimeZoneInfo.ConvertTimeBySystemTimeZoneId(api.Time.GetUtcNow().AddHours(hours), zone).ToString("yyyy-MM-dd'T'HH:mm", CultureInfo.InvariantCulture);
        var online = (string zone, double at) => new { start = Local(at, zone) + ":00", end = Local(at + 2, zone) + ":00", timeZone = zone, inPerson = false, link = "https://meet.example/housing" };
        var draft = await HttpAssert.Ok<JsonElement>(await Recruiter.PostJson("/api/engagements/opportunities",
            Body([online("America/Los_Angeles", 48), online("America/New_York", 72)], deadline: api.Time.GetUtcNow().AddHours(24))));
        var id = draft.GetProperty("id").GetString()!;
        var before = (await SessionsAsync(id)).Select(s => s.GetProperty("startUtc").GetDateTimeOffset()).ToList();
        var portal = await PortalSession.SignedInAsync(api, "demo-recruiter");

        var saved = await PortalSession.PostFormAsync(portal, "/opportunities", "create",
            ("EditId", id), ("Version", draft.GetProperty("version").GetString()!), ("Kind", "focus-group"), ("Title", "Staying housed, two coasts"), ("Topics", "Housing after exit"),
            ("Zone", "America/Los_Angeles"),
            ("SessionIds", "s1"), ("Starts", Local(48, "America/Los_Angeles")), ("Ends", Local(50, "America/Los_Angeles")), ("Modes", "online"), ("Wheres", "https://meet.example/housing"),
            ("SessionIds", "s2"), ("Starts", Local(72, "America/New_York")), ("Ends", Local(74, "America/New_York")), ("Modes", "online"), ("Wheres", "https://meet.example/housing"),
            ("Seats", "10"), ("Deadline", Local(24, "America/Los_Angeles")), ("Basis", "PerSession"), ("Rate", "150"), ("Prep", "30"), ("Travel", "true"), ("PerDiem", "true"));

        Assert.Contains("The changes are saved.", saved, StringComparison.Ordinal);
        var after = await SessionsAsync(id);
        Assert.Equal(before, after.Select(s => s.GetProperty("startUtc").GetDateTimeOffset()));
        Assert.Equal(["America/Los_Angeles", "America/New_York"], after.Select(s => s.GetProperty("timeZone").GetString()));
    }

    [Fact]
    public async Task Publishing_from_a_page_read_before_another_recruiters_change_is_refused_but_closing_from_one_read_before_an_answer_is_not()
    {
        await _engagements.SetBenchmarkAsync();
        var draft = await HttpAssert.Ok<OpportunityDto>(await Recruiter.PostJson("/api/engagements/opportunities", Body([Session(null, At(48), At(50))])));
        var portal = await PortalSession.SignedInAsync(api, "demo-recruiter");
        var page = await PortalSession.PostFormAsync(portal, "/opportunities", "open-opp", ("OpportunityId", draft.Id));
        var shown = PortalSession.Hidden(page, "Version", after: "_handler\" value=\"move\"");
        Assert.NotEmpty(shown);
        await HttpAssert.Ok<OpportunityDto>(await ChangeAsync(draft.Id, Body([Session(null, At(72), At(74))], rate: 160m)));

        var refused = await PortalSession.PostFormAsync(portal, "/opportunities", "move", ("OpportunityId", draft.Id), ("Version", shown), ("Move", "Publish"));
        using var stale = new HttpRequestMessage(HttpMethod.Post, $"/api/engagements/opportunities/{draft.Id}/publish");
        stale.Headers.TryAddWithoutValidation("If-Match", shown);

        Assert.Contains("Someone else changed this", refused, StringComparison.Ordinal);
        await HttpAssert.Problem(await Recruiter.SendAsync(stale), 412);
        Assert.Equal("Draft", (await HttpAssert.Ok<OpportunityDto>(await Recruiter.GetAsync($"/api/engagements/opportunities/{draft.Id}"))).State);
        var fresh = PortalSession.Hidden(refused, "Version", after: "_handler\" value=\"move\"");
        var published = await PortalSession.PostFormAsync(portal, "/opportunities", "move", ("OpportunityId", draft.Id), ("Version", fresh), ("Move", "Publish"));
        Assert.Contains("The opportunity is published.", published, StringComparison.Ordinal);

        // Published work is rewritten by every answer to it: closing it from the page drawn before one is not refused.
        var (_, advisor) = await _engagements.AdvisorAsync(availableAnyTime: true);
        await HttpAssert.Ok<OpportunityDto>(await advisor.PostAsync($"/api/engagements/opportunities/{draft.Id}/apply", null));
        var closed = await PortalSession.PostFormAsync(portal, "/opportunities", "move",
            ("OpportunityId", draft.Id), ("Version", PortalSession.Hidden(published, "Version", after: "_handler\" value=\"move\"")), ("Move", "Close"));
        Assert.Contains("The opportunity is closed.", closed, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_cancelled_session_stays_cancelled_through_a_change_and_cannot_be_moved_or_taken_off()
    {
        var id = await PublishedAsync(Session(null, At(48), At(50)), Session(null, At(72), At(74)));
        await HttpAssert.Ok<List<ClaimDto>>(await Recruiter.PostAsync($"/api/engagements/opportunities/{id}/sessions/s1/cancel", null));

        // An API client that names no ids, sending the same times with a new rate.
        await HttpAssert.Ok<OpportunityDto>(await ChangeAsync(id, Body([Session(null, At(48), At(50)), Session(null, At(72), At(74))], rate: 175m)));

        var sessions = await SessionsAsync(id);
        Assert.Equal(["s1", "s2"], sessions.Select(s => s.GetProperty("id").GetString()));
        Assert.NotEqual(JsonValueKind.Null, sessions[0].GetProperty("cancelledAt").ValueKind);
        Assert.Equal(JsonValueKind.Null, sessions[1].GetProperty("cancelledAt").ValueKind);

        var moved = await HttpAssert.Problem(await ChangeAsync(id, Body([Session("s1", At(96), At(98)), Session("s2", At(72), At(74))])), 409);
        Assert.Contains("was cancelled", moved.GetProperty("detail").GetString(), StringComparison.Ordinal);
        await HttpAssert.Problem(await ChangeAsync(id, Body([Session("s2", At(72), At(74))])), 409);
        await HttpAssert.Problem(await ChangeAsync(id, Body([Session(null, At(96), At(98)), Session(null, At(72), At(74))])), 409);
        Assert.NotEqual(JsonValueKind.Null, (await SessionsAsync(id))[0].GetProperty("cancelledAt").ValueKind);
    }

    [Fact]
    public async Task Taking_off_an_earlier_session_leaves_the_later_ones_their_ids_and_a_new_session_never_takes_an_old_id()
    {
        var id = await PublishedAsync(Session(null, At(48), At(50)), Session(null, At(72), At(74)), Session(null, At(96), At(98)));

        await HttpAssert.Ok<OpportunityDto>(await ChangeAsync(id, Body([Session("s2", At(72), At(74)), Session("s3", At(97), At(99))])));
        Assert.Equal(["s2", "s3"], (await SessionsAsync(id)).Select(s => s.GetProperty("id").GetString()));

        await HttpAssert.Ok<OpportunityDto>(await ChangeAsync(id, Body([Session("s2", At(72), At(74)), Session("s3", At(97), At(99)), Session(null, At(120), At(122))])));
        Assert.Equal(["s2", "s3", "s4"], (await SessionsAsync(id)).Select(s => s.GetProperty("id").GetString()));

        var unknown = await HttpAssert.Problem(await ChangeAsync(id, Body([Session("s1", At(48), At(50))])), 409);
        Assert.Contains("no session 's1'", unknown.GetProperty("detail").GetString(), StringComparison.Ordinal);
        await HttpAssert.Problem(await ChangeAsync(id, Body([Session("s2", At(72), At(74)), Session("s2", At(80), At(82))])), 409);
    }

    [Fact]
    public async Task A_session_that_began_stays_as_it_was_and_pay_raised_after_attendance_is_for_sessions_still_to_come()
    {
        var (id, payees) = await _payouts.AttendedAsync(stipend: 150m);
        var held = (await SessionsAsync(id))[0];
        var start = held.GetProperty("start").GetDateTime().ToString("yyyy-MM-dd'T'HH:mm:ss", CultureInfo.InvariantCulture);
        var end = held.GetProperty("end").GetDateTime().ToString("yyyy-MM-dd'T'HH:mm:ss", CultureInfo.InvariantCulture);

        var deadline = held.GetProperty("startUtc").GetDateTimeOffset().AddHours(-1);

        var moved = await HttpAssert.Problem(await ChangeAsync(id, Body([Session("s1", At(-4), At(-2))], deadline: deadline.AddHours(-6))), 409);
        Assert.Contains("has attendance", moved.GetProperty("detail").GetString(), StringComparison.Ordinal);
        await HttpAssert.Ok<OpportunityDto>(await ChangeAsync(id, Body([Session("s1", start, end), Session(null, At(48), At(50))], rate: 400m, deadline: deadline)));

        var payout = Assert.Single(await _payouts.PrepareAsync(id));
        Assert.Equal(payees[0].Id, payout.PayeeId);
        Assert.Equal(150m, payout.Compensation);
    }

    [Fact]
    public async Task Attendance_recorded_again_after_the_pay_was_lowered_keeps_the_pay_the_work_was_done_at()
    {
        await _engagements.SetBenchmarkAsync();
        var deadline = api.Time.GetUtcNow().AddMinutes(30);
        var draft = await HttpAssert.Ok<OpportunityDto>(await Recruiter.PostJson("/api/engagements/opportunities", Body([Session(null, At(3), At(5)), Session(null, At(27), At(29))], rate: 170m, deadline: deadline)));
        var id = draft.Id;
        await HttpAssert.Ok<OpportunityDto>(await Recruiter.PostAsync($"/api/engagements/opportunities/{id}/publish", null));
        var survivor = await _engagements.AdvisorAsync(availableAnyTime: true);
        await _engagements.ConfirmAsync(id, survivor);
        api.Time.Advance(TimeSpan.FromHours(6));
        var attended = new { entries = new[] { new { personId = survivor.Id, outcome = "attended" } } };
        await HttpAssert.Ok<JsonElement>(await Recruiter.PostJson($"/api/engagements/opportunities/{id}/sessions/s1/attendance", attended));

        // They leave before the second session, so nobody holds the work at its pay, which falls to the benchmark.
        await HttpAssert.Ok<OpportunityDto>(await survivor.Client.PostAsync($"/api/engagements/opportunities/{id}/withdraw", null));
        await HttpAssert.Ok<OpportunityDto>(await ChangeAsync(id, Body([Session("s1", At(-3), At(-1)), Session("s2", At(21), At(23))], rate: 150m, deadline: deadline)));

        // The first session's form sent again, wrongly as a no-show and then corrected, records their attendance at the
        // pay they came for.
        await HttpAssert.Ok<JsonElement>(await Recruiter.PostJson($"/api/engagements/opportunities/{id}/sessions/s1/attendance",
            new { entries = new[] { new { personId = survivor.Id, outcome = "noShow" } } }));
        await HttpAssert.Ok<JsonElement>(await Recruiter.PostJson($"/api/engagements/opportunities/{id}/sessions/s1/attendance", attended));
        var claim = Assert.Single(await HttpAssert.Ok<List<ClaimDto>>(await Recruiter.GetAsync($"/api/engagements/opportunities/{id}/claims")));
        Assert.Equal(170m, claim.Amount);
    }

    [Fact]
    public async Task Published_work_keeps_its_kind_and_topics_and_once_someone_is_asked_the_pay_only_rises_and_those_confirmed_hear_of_a_raise()
    {
        var id = await PublishedAsync(Session(null, At(48), At(50)));
        var body = (string[] topics, decimal rate, string kind, bool travel = true) => new
        {
            kind,
            title = "What helps people stay housed",
            topics,
            sessions = new[] { Session("s1", At(48), At(50)) },
            seats = 10,
            applicationDeadline = api.Time.GetUtcNow().AddMinutes(30),
            compensation = new { basis = "perSession", rate, prepMinutesPerSession = 30, travelAllowed = travel, perDiemAllowed = true },
        };

        // Published, it is not made into something else, even before anyone is asked; its pay may still change.
        var retopic = await HttpAssert.Problem(await ChangeAsync(id, body(["Housing after exit", "Money"], 150m, "focus-group")), 409);
        await HttpAssert.Problem(await ChangeAsync(id, body(["Housing after exit"], 150m, "policy-review")), 409);
        await HttpAssert.Ok<OpportunityDto>(await ChangeAsync(id, body(["housing after exit"], 160m, "focus-group")));
        var survivor = await _engagements.AdvisorAsync(availableAnyTime: true);
        await _engagements.ConfirmAsync(id, survivor);

        var lowered = await HttpAssert.Problem(await ChangeAsync(id, body(["Housing after exit"], 150m, "focus-group")), 409);
        var cut = await HttpAssert.Problem(await ChangeAsync(id, body(["Housing after exit"], 160m, "focus-group", false)), 409);

        Assert.Contains("keeps its kind, topics, title and description", retopic.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Contains("never lowered", lowered.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Contains("travel and a per diem", cut.GetProperty("detail").GetString(), StringComparison.Ordinal);
        var kept = await HttpAssert.Ok<JsonElement>(await Recruiter.GetAsync($"/api/engagements/opportunities/{id}"));
        Assert.Equal(["Housing after exit"], kept.GetProperty("topics").EnumerateArray().Select(t => t.GetString()));
        await HttpAssert.Ok<OpportunityDto>(await ChangeAsync(id, body(["housing after exit"], 200m, "focus-group")));
        var notices = await HttpAssert.Ok<PageDto<NotificationDto>>(await survivor.Client.GetAsync("/api/notifications"));
        Assert.Contains(notices.Items, n => n.Kind == "engagement-changed");
    }

    [Fact]
    public async Task Changes_made_again_and_again_to_work_someone_holds_a_place_in_are_one_notice_while_it_is_unread()
    {
        var id = await PublishedAsync(Session(null, At(48), At(50)));
        var survivor = await _engagements.AdvisorAsync(availableAnyTime: true);
        await _engagements.ConfirmAsync(id, survivor);
        var s1 = (await SessionsAsync(id))[0].GetProperty("id").GetString();
        object Placed(string location) => Body([new { id = s1, start = At(48), end = At(50), timeZone = "America/Los_Angeles", inPerson = true, location }]);
        async Task<List<NotificationDto>> ToldAsync() =>
            [.. (await HttpAssert.Ok<PageDto<NotificationDto>>(await survivor.Client.GetAsync("/api/notifications?pageSize=100"))).Items.Where(n => n.Kind == "engagement-changed")];

        for (var round = 0; round < 5; round++)
        {
            await HttpAssert.Ok<OpportunityDto>(await ChangeAsync(id, Placed("Room A, Harbor Light, Chicago, IL")));
            await HttpAssert.Ok<OpportunityDto>(await ChangeAsync(id, Placed("Room B, Harbor Light, Chicago, IL")));
        }

        var standing = Assert.Single(await ToldAsync());
        await HttpAssert.Ok<JsonElement>(await survivor.Client.PostAsync($"/api/notifications/{Uri.EscapeDataString(standing.Id)}/read", null));
        await HttpAssert.Ok<OpportunityDto>(await ChangeAsync(id, Placed("Room C, Harbor Light, Chicago, IL")));
        Assert.Single(await ToldAsync(), n => n.ReadAt is null);
    }

    [Fact]
    public async Task Work_with_a_session_still_to_come_cannot_be_completed_and_is_cancelled_instead()
    {
        var id = await PublishedAsync(Session(null, At(10), At(12)));
        var survivor = await _engagements.AdvisorAsync(availableAnyTime: true);
        await _engagements.ConfirmAsync(id, survivor);

        var refused = await HttpAssert.Problem(await Recruiter.PostAsync($"/api/engagements/opportunities/{id}/complete", null), 409);

        Assert.Contains("has not ended yet", refused.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal("Published", (await HttpAssert.Ok<OpportunityDto>(await Recruiter.GetAsync($"/api/engagements/opportunities/{id}"))).State);
        await HttpAssert.Ok<OpportunityDto>(await Recruiter.PostAsync($"/api/engagements/opportunities/{id}/cancel", null));
        var claims = await HttpAssert.Ok<List<ClaimDto>>(await Recruiter.GetAsync($"/api/engagements/opportunities/{id}/claims"));
        Assert.Contains(claims, c => c.PersonId == survivor.Id);
    }

    [Fact]
    public async Task Someone_who_took_part_and_then_withdrew_is_paid_for_that_session_and_whoever_moved_up_only_for_those_after()
    {
        var id = await PublishedAsync(Session(null, At(2), At(4)), Session(null, At(26), At(28)));
        await HttpAssert.Ok<OpportunityDto>(await ChangeAsync(id, new
        {
            kind = "focus-group", title = "What helps people stay housed", topics = new[] { "Housing after exit" },
            sessions = new[] { Session("s1", At(2), At(4)), Session("s2", At(26), At(28)) }, seats = 1, applicationDeadline = api.Time.GetUtcNow().AddMinutes(30),
            compensation = new { basis = "perSession", rate = 150m, prepMinutesPerSession = 30, travelAllowed = true, perDiemAllowed = true },
        }));
        var first = await _engagements.AdvisorAsync(availableAnyTime: true);
        var next = await _engagements.AdvisorAsync(availableAnyTime: true);
        await _engagements.ConfirmAsync(id, first);
        await _engagements.ConfirmAsync(id, next);

        // After the first session, the first survivor gives up their seat and the next moves up.
        api.Time.Advance(TimeSpan.FromHours(5));
        await HttpAssert.Ok<JsonElement>(await first.Client.PostAsync($"/api/engagements/opportunities/{id}/withdraw", null));
        var record = (string session, string person) => Recruiter.PostJson($"/api/engagements/opportunities/{id}/sessions/{session}/attendance", new
        {
            entries = new[] { new { personId = person, outcome = "attended" } },
        });

        await HttpAssert.Ok<JsonElement>(await record("s1", first.Id));
        await HttpAssert.Problem(await record("s1", next.Id), 400);
        api.Time.Advance(TimeSpan.FromHours(24));
        await HttpAssert.Ok<JsonElement>(await record("s2", next.Id));
        await HttpAssert.Problem(await record("s2", first.Id), 400);

        var claims = await HttpAssert.Ok<List<ClaimDto>>(await Recruiter.GetAsync($"/api/engagements/opportunities/{id}/claims"));
        Assert.Equal([("s1", first.Id), ("s2", next.Id)], claims.Select(c => (c.SessionId, c.PersonId)).Order());
    }

    [Fact]
    public async Task Someone_recorded_as_not_attending_cannot_claim_travel()
    {
        var (id, payees) = await _payouts.AttendedAsync(people: 2);
        await HttpAssert.Ok<JsonElement>(await payees[1].Client.PutAsJsonAsync($"/api/engagements/opportunities/{id}/sessions/s1/travel", new { miles = 40m, travelDays = 2 }));

        // Corrected to not attended after travel was added: the travel goes with it, and nothing is left to pay.
        await HttpAssert.Ok<JsonElement>(await Recruiter.PostJson($"/api/engagements/opportunities/{id}/sessions/s1/attendance", new
        {
            entries = new[] { new { personId = payees[1].Id, outcome = "noShow" } },
        }));

        var refused = await HttpAssert.Problem(await payees[1].Client.PutAsJsonAsync($"/api/engagements/opportunities/{id}/sessions/s1/travel", new { miles = 40m, travelDays = 2 }), 409);
        Assert.Contains("not attended", refused.GetProperty("detail").GetString(), StringComparison.Ordinal);
        await HttpAssert.Ok<JsonElement>(await payees[0].Client.PutAsJsonAsync($"/api/engagements/opportunities/{id}/sessions/s1/travel", new { miles = 40m }));
        Assert.DoesNotContain(await _payouts.PrepareAsync(id), p => p.PayeeId == payees[1].Id);
    }
}
