using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using SurvivorConnect.Api.Features.Engagements;
using SurvivorConnect.Api.Infrastructure.Auth;
using SurvivorConnect.Storage;
using SurvivorConnect.Testing;

namespace SurvivorConnect.IntegrationTests;

public sealed record OpportunityDto(
    string Id, string Kind, string State, int Seats, int SeatsTaken, decimal EffectiveHourlyRate, string? MyState, List<string>? FitReasons,
    List<JsonElement> Sessions, List<JsonElement>? Participants, string? Version);

public sealed record ClaimDto(string SessionId, string PersonId, string Outcome, int? MinutesAttended, decimal HoursPaid, decimal Amount, string Currency, JsonElement? Travel);

public sealed record CandidateDto(string PersonId, string DisplayName, List<string> Reasons, string? State);

/// <summary>Paid engagement work: opt-in, pay parity, fitting survivors, invitations, seats and the waitlist.</summary>
public sealed class EngagementTests(EngagementTests.Api api) : IClassFixture<EngagementTests.Api>
{
    public sealed class Api : ClockedCountingApiFactory;

    private readonly EngagementWorld _world = new(api);
    private readonly HttpClient _admin = api.As("demo-admin");
    private readonly HttpClient _recruiter = api.As("demo-recruiter");

    private Task SetBenchmarkAsync(decimal? focusGroupRate = 60m) => _world.SetBenchmarkAsync(focusGroupRate);

    private Task<(string Id, HttpClient Client)> AdvisorAsync(bool optIn = true, string[]? noTopics = null, string role = Roles.Advisor, bool availableAnyTime = false) =>
        _world.AdvisorAsync(optIn, noTopics, role, availableAnyTime);

    /// <summary>
    /// Ten days from the test clock, 18:00 to 20:00 in Los Angeles, unless a test names the times; moved on to a weekday,
    /// as the advisors are free on weekday evenings (a Saturday session fitted nobody, depending on when the tests ran).
    /// </summary>
    private string LocalIn(TimeSpan from, int hour)
    {
        var day = TimeZoneInfo.ConvertTimeBySystemTimeZoneId(api.Time.GetUtcNow(), "America/Los_Angeles").Date + from;
        while (day.DayOfWeek is DayOfWeek.Saturday or DayOfWeek.Sunday)
        {
            day = day.AddDays(1);
        }

        return day.AddHours(hour).ToString("s", System.Globalization.CultureInfo.InvariantCulture);
    }

    private static string Local(DateOnly day, int hour, int minute = 0) =>
        day.ToDateTime(new TimeOnly(hour, minute)).ToString("s", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>
    /// The next day Los Angeles moves its clocks forward, the second Sunday in March, at least a fortnight after the test
    /// clock so that sessions around it fall after the application deadline. Worked out from the rule, not the time zone
    /// data the server itself uses.
    /// </summary>
    private DateOnly NextSpringForward()
    {
        var today = DateOnly.FromDateTime(api.Time.GetUtcNow().UtcDateTime);
        for (var year = today.Year; ; year++)
        {
            var march = new DateOnly(year, 3, 1);
            var secondSunday = march.AddDays(((7 - (int)march.DayOfWeek) % 7) + 7);
            if (secondSunday > today.AddDays(14))
            {
                return secondSunday;
            }
        }
    }

    /// <summary>The next day Los Angeles moves its clocks back, the first Sunday in November, worked out from the rule.</summary>
    private DateOnly NextFallBack()
    {
        var today = DateOnly.FromDateTime(api.Time.GetUtcNow().UtcDateTime);
        for (var year = today.Year; ; year++)
        {
            var november = new DateOnly(year, 11, 1);
            var firstSunday = november.AddDays((7 - (int)november.DayOfWeek) % 7);
            if (firstSunday > today.AddDays(14))
            {
                return firstSunday;
            }
        }
    }

    private object Body(decimal stipend = 150m, int seats = 10, string topic = "Housing after exit", string? start = null, string? end = null,
        string zone = "America/Los_Angeles", DateTimeOffset? deadline = null, bool inPerson = false, bool travel = false, string? sessionId = null,
        string title = "What helps people stay housed") => new
    {
        kind = "focus-group",
        title,
        description = "Two hours with five other survivors and a facilitator.",
        topics = new[] { topic },
        sessions = new[] { new { id = sessionId, start = start ?? LocalIn(TimeSpan.FromDays(10), 18), end = end ?? LocalIn(TimeSpan.FromDays(10), 20), timeZone = zone, inPerson, location = inPerson ? "Harbor Light, 12 Main St" : null, link = inPerson ? null : "https://meet.example/housing" } },
        seats,
        applicationDeadline = deadline ?? api.Time.GetUtcNow().AddDays(7),
        compensation = new { basis = "perSession", rate = stipend, prepMinutesPerSession = 30, travelAllowed = travel, perDiemAllowed = travel },
    };

    private async Task<OpportunityDto> PublishedAsync(int seats = 10, string topic = "Housing after exit", DateTimeOffset? deadline = null, object? body = null)
    {
        await SetBenchmarkAsync();
        var draft = await HttpAssert.Ok<OpportunityDto>(await _recruiter.PostJson("/api/engagements/opportunities", body ?? Body(seats: seats, topic: topic, deadline: deadline)));
        return await HttpAssert.Ok<OpportunityDto>(await _recruiter.PostAsync($"/api/engagements/opportunities/{draft.Id}/publish", null));
    }

    [Fact]
    public async Task An_opportunity_paying_below_the_benchmark_cannot_be_published_and_the_refusal_says_by_how_much()
    {
        await SetBenchmarkAsync(60m);

        // 100 for a 2-hour session with 30 minutes of paid preparation is 40 an hour: 20 below 60.
        var draft = await HttpAssert.Ok<OpportunityDto>(await _recruiter.PostJson("/api/engagements/opportunities", Body(stipend: 100m)));
        var refused = await HttpAssert.Problem(await _recruiter.PostAsync($"/api/engagements/opportunities/{draft.Id}/publish", null), 409);

        Assert.Equal(40m, draft.EffectiveHourlyRate);
        Assert.Contains("20.00 below the 60.00 USD", refused.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal("Draft", (await HttpAssert.Ok<OpportunityDto>(await _recruiter.GetAsync($"/api/engagements/opportunities/{draft.Id}"))).State);
    }

    [Fact]
    public async Task Work_in_person_is_published_only_with_travel_and_per_diem_paid_on_top_which_are_so_unless_said_otherwise()
    {
        await SetBenchmarkAsync(60m);
        var unpaidTravel = await HttpAssert.Ok<OpportunityDto>(await _recruiter.PostJson("/api/engagements/opportunities", Body(inPerson: true, travel: false)));

        var refused = await HttpAssert.Problem(await _recruiter.PostAsync($"/api/engagements/opportunities/{unpaidTravel.Id}/publish", null), 409);

        Assert.Contains("travel and a per diem for days away are paid on top", refused.GetProperty("detail").GetString(), StringComparison.Ordinal);
        var unsaid = JsonSerializer.SerializeToNode(Body(inPerson: true))!.AsObject();
        unsaid["compensation"] = new JsonObject { ["basis"] = "perSession", ["rate"] = 150m, ["prepMinutesPerSession"] = 30 };
        var draft = await HttpAssert.Ok<OpportunityDto>(await _recruiter.PostJson("/api/engagements/opportunities", unsaid));
        await HttpAssert.Ok<OpportunityDto>(await _recruiter.PostAsync($"/api/engagements/opportunities/{draft.Id}/publish", null));
    }

    [Fact]
    public async Task A_rate_cut_after_publishing_is_checked_the_same_way_and_without_a_benchmark_nothing_is_published()
    {
        var published = await PublishedAsync();
        var current = await _recruiter.GetAsync($"/api/engagements/opportunities/{published.Id}");
        var cut = new HttpRequestMessage(HttpMethod.Put, $"/api/engagements/opportunities/{published.Id}") { Content = JsonContent.Create(Body(stipend: 120m)) };
        cut.Headers.TryAddWithoutValidation("If-Match", current.Headers.ETag!.Tag);

        await HttpAssert.Problem(await _recruiter.SendAsync(cut), 409);

        await SetBenchmarkAsync(null);
        var draft = await HttpAssert.Ok<OpportunityDto>(await _recruiter.PostJson("/api/engagements/opportunities", Body(stipend: 500m)));
        var noBenchmark = await HttpAssert.Problem(await _recruiter.PostAsync($"/api/engagements/opportunities/{draft.Id}/publish", null), 409);
        Assert.Contains("no benchmark", noBenchmark.GetProperty("detail").GetString(), StringComparison.Ordinal);
        await SetBenchmarkAsync();
    }

    [Fact]
    public async Task Only_opted_in_survivors_it_fits_are_candidates_with_reasons_and_no_one_whose_no_go_topics_it_touches()
    {
        var (fits, _) = await AdvisorAsync();
        var (mentorFits, _) = await AdvisorAsync(role: Roles.Mentor);
        var (notOptedIn, _) = await AdvisorAsync(optIn: false);
        var (noGo, _) = await AdvisorAsync(noTopics: ["housing"]);
        var (optedOut, optedOutClient) = await AdvisorAsync();
        await HttpAssert.Ok<JsonElement>(await optedOutClient.PostJson("/api/engagements/me/contact", new { optIn = false }));
        var (noLongerAdvisor, _) = await AdvisorAsync();
        var current = await _admin.GetAsync($"/api/people/{noLongerAdvisor}");
        var demote = new HttpRequestMessage(HttpMethod.Put, $"/api/people/{noLongerAdvisor}/roles") { Content = JsonContent.Create(new { roles = new[] { "Youth" } }) };
        demote.Headers.TryAddWithoutValidation("If-Match", current.Headers.ETag!.Tag);
        Assert.Equal(HttpStatusCode.OK, (await _admin.SendAsync(demote)).StatusCode);
        var opportunity = await PublishedAsync();

        var candidates = await HttpAssert.Ok<List<CandidateDto>>(await _recruiter.GetAsync($"/api/engagements/opportunities/{opportunity.Id}/candidates"));

        var ids = candidates.Select(c => c.PersonId).ToList();
        Assert.Contains(fits, ids);
        Assert.Contains(mentorFits, ids);
        Assert.DoesNotContain(notOptedIn, ids);
        Assert.DoesNotContain(noGo, ids);
        Assert.DoesNotContain(optedOut, ids);
        Assert.DoesNotContain(noLongerAdvisor, ids);
        Assert.Contains("speaks about Housing after exit", candidates.Single(c => c.PersonId == fits).Reasons);
        await HttpAssert.Problem(await _recruiter.PostJson($"/api/engagements/opportunities/{opportunity.Id}/invitations", new { personId = notOptedIn }), 404);
        await HttpAssert.Problem(await _recruiter.PostJson($"/api/engagements/opportunities/{opportunity.Id}/invitations", new { personId = noGo }), 404);
        await HttpAssert.Problem(await _recruiter.PostJson($"/api/engagements/opportunities/{opportunity.Id}/invitations", new { personId = noLongerAdvisor }), 404);
    }

    [Fact]
    public async Task A_session_dated_beyond_any_works_calendar_is_refused_beside_its_field()
    {
        var refused = await HttpAssert.Problem(await _recruiter.PostJson("/api/engagements/opportunities",
            Body(start: "9999-12-31T10:00:00", end: "9999-12-31T12:00:00", deadline: api.Time.GetUtcNow().AddDays(7))), 400);

        Assert.Contains("between the years 2000 and 2100", refused.GetProperty("errors").GetProperty("sessions[0].start")[0].GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_recruiter_cannot_redraw_candidates_word_by_word_to_learn_who_will_not_speak_about_what()
    {
        var (noGo, _) = await AdvisorAsync(noTopics: ["family court"]);
        await SetBenchmarkAsync();
        var draft = await HttpAssert.Ok<OpportunityDto>(await _recruiter.PostJson("/api/engagements/opportunities", Body()));
        var work = $"/api/engagements/opportunities/{draft.Id}";

        // A draft's words can still change, so nobody is listed against them.
        Assert.Contains("once it is published", (await HttpAssert.Problem(await _recruiter.GetAsync($"{work}/candidates"), 409)).GetProperty("detail").GetString(), StringComparison.Ordinal);

        await HttpAssert.Ok<OpportunityDto>(await _recruiter.PostAsync($"{work}/publish", null));
        Assert.Contains(await HttpAssert.Ok<List<CandidateDto>>(await _recruiter.GetAsync($"{work}/candidates")), c => c.PersonId == noGo);

        // Published, with nobody asked yet: words that touch the survivor's no-go topic and words that touch nobody's are
        // refused alike, so the answer says nothing about anyone.
        var touching = await HttpAssert.Problem(await _recruiter.PutJson(work, Body(title: "Family court and housing"), await VersionAsync(work)), 409);
        var harmless = await HttpAssert.Problem(await _recruiter.PutJson(work, Body(title: "What helps people stay housed, in winter"), await VersionAsync(work)), 409);
        Assert.Equal(harmless.GetProperty("detail").GetString(), touching.GetProperty("detail").GetString());
        Assert.Contains("keeps its kind, topics, title and description", touching.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal("What helps people stay housed", (await HttpAssert.Ok<JsonElement>(await _recruiter.GetAsync(work))).GetProperty("title").GetString());

        // Everything else about it may still change.
        Assert.Equal(12, (await HttpAssert.Ok<OpportunityDto>(await _recruiter.PutJson(work, Body(seats: 12), await VersionAsync(work)))).Seats);
    }

    private async Task<string> VersionAsync(string work) => (await _recruiter.GetAsync(work)).Headers.ETag!.Tag;

    [Fact]
    public async Task Fifty_concurrent_accepts_for_ten_seats_confirm_ten_and_waitlist_forty_in_order_and_a_freed_seat_goes_to_the_first_waiting()
    {
        var opportunity = await PublishedAsync(seats: 10);
        var advisors = new List<(string Id, HttpClient Client)>();
        for (var i = 0; i < 50; i++)
        {
            var advisor = await AdvisorAsync();
            await HttpAssert.Ok<JsonElement>(await _recruiter.PostJson($"/api/engagements/opportunities/{opportunity.Id}/invitations", new { personId = advisor.Id }));
            advisors.Add(advisor);
        }

        var answers = await Task.WhenAll(advisors.Select(async a => (a.Id, Answer: await HttpAssert.Ok<OpportunityDto>(await a.Client.PostAsync($"/api/engagements/opportunities/{opportunity.Id}/accept", null)))));

        Assert.Equal(10, answers.Count(a => a.Answer.MyState == "Confirmed"));
        Assert.Equal(40, answers.Count(a => a.Answer.MyState == "Waitlisted"));
        var seen = await HttpAssert.Ok<OpportunityDto>(await _recruiter.GetAsync($"/api/engagements/opportunities/{opportunity.Id}"));
        Assert.Equal(10, seen.SeatsTaken);
        var waitlist = seen.Participants!.Where(p => p.GetProperty("state").GetString() == "Waitlisted").Select(p => p.GetProperty("waitlistNumber").GetInt32()).ToList();
        Assert.Equal(Enumerable.Range(1, 40), waitlist.Order());

        var leaving = advisors.First(a => answers.Single(x => x.Id == a.Id).Answer.MyState == "Confirmed");
        var firstWaiting = seen.Participants!.Single(p => p.TryGetProperty("waitlistNumber", out var n) && n.ValueKind == JsonValueKind.Number && n.GetInt32() == 1).GetProperty("personId").GetString()!;
        await HttpAssert.Ok<OpportunityDto>(await leaving.Client.PostAsync($"/api/engagements/opportunities/{opportunity.Id}/withdraw", null));

        var promoted = advisors.Single(a => a.Id == firstWaiting).Client;
        Assert.Equal("Confirmed", (await HttpAssert.Ok<OpportunityDto>(await promoted.GetAsync($"/api/engagements/opportunities/{opportunity.Id}"))).MyState);
        Assert.Contains((await HttpAssert.Ok<PageDto<NotificationDto>>(await promoted.GetAsync("/api/notifications"))).Items, n => n.Kind == "engagement-confirmed");
        Assert.Equal(10, (await HttpAssert.Ok<OpportunityDto>(await _recruiter.GetAsync($"/api/engagements/opportunities/{opportunity.Id}"))).SeatsTaken);
    }

    [Fact]
    public async Task A_survivor_lists_what_is_open_to_them_and_what_they_took_part_in_and_the_recruiter_pages_through_the_newest_first()
    {
        var advisor = await AdvisorAsync();
        var open = await PublishedAsync();
        api.Time.Advance(TimeSpan.FromMinutes(1));
        var taken = await PublishedAsync();
        await _world.ConfirmAsync(taken.Id, advisor);
        await HttpAssert.Ok<OpportunityDto>(await _recruiter.PostAsync($"/api/engagements/opportunities/{taken.Id}/close", null));
        api.Time.Advance(TimeSpan.FromMinutes(1));
        var draft = await HttpAssert.Ok<OpportunityDto>(await _recruiter.PostJson("/api/engagements/opportunities", Body()));

        var mine = (await HttpAssert.Ok<List<OpportunityDto>>(await advisor.Client.GetAsync("/api/engagements/me/opportunities"))).Select(o => o.Id).ToList();
        var first = await HttpAssert.Ok<PageDto<OpportunityDto>>(await _recruiter.GetAsync("/api/engagements/opportunities?pageSize=1"));
        var second = await HttpAssert.Ok<PageDto<OpportunityDto>>(
            await _recruiter.GetAsync($"/api/engagements/opportunities?pageSize=1&continuationToken={Uri.EscapeDataString(first.ContinuationToken!)}"));

        Assert.Contains(open.Id, mine);
        Assert.Contains(taken.Id, mine);
        Assert.DoesNotContain(draft.Id, mine);
        Assert.Equal([draft.Id], first.Items.Select(o => o.Id));
        Assert.Equal([taken.Id], second.Items.Select(o => o.Id));
    }

    [Fact]
    public async Task The_address_of_an_in_person_session_is_shown_only_to_people_whose_place_is_confirmed_and_its_area_to_everyone_asked()
    {
        var body = JsonSerializer.SerializeToNode(Body(seats: 1, inPerson: true, travel: true))!.AsObject();
        body["sessions"]![0]!["area"] = "Fresno, downtown";
        var opportunity = await PublishedAsync(body: body);
        var (first, firstClient) = await AdvisorAsync();
        var (second, secondClient) = await AdvisorAsync();
        await _recruiter.PostJson($"/api/engagements/opportunities/{opportunity.Id}/invitations", new { personId = first });
        await _recruiter.PostJson($"/api/engagements/opportunities/{opportunity.Id}/invitations", new { personId = second });

        var invitedRaw = await (await firstClient.GetAsync($"/api/engagements/opportunities/{opportunity.Id}")).Content.ReadAsStringAsync();
        var confirmed = await HttpAssert.Ok<OpportunityDto>(await firstClient.PostAsync($"/api/engagements/opportunities/{opportunity.Id}/accept", null));
        var waitlistedRaw = await (await secondClient.PostAsync($"/api/engagements/opportunities/{opportunity.Id}/accept", null)).Content.ReadAsStringAsync();
        var listedRaw = await (await secondClient.GetAsync("/api/engagements/me/opportunities")).Content.ReadAsStringAsync();
        var recruiterView = await HttpAssert.Ok<OpportunityDto>(await _recruiter.GetAsync($"/api/engagements/opportunities/{opportunity.Id}"));

        Assert.DoesNotContain("Main St", invitedRaw, StringComparison.Ordinal);
        Assert.Contains("Fresno, downtown", invitedRaw, StringComparison.Ordinal);
        Assert.Equal("Harbor Light, 12 Main St", confirmed.Sessions[0].GetProperty("location").GetString());
        Assert.Equal("Waitlisted", JsonDocument.Parse(waitlistedRaw).RootElement.GetProperty("myState").GetString(), ignoreCase: true);
        Assert.DoesNotContain("Main St", waitlistedRaw, StringComparison.Ordinal);
        Assert.DoesNotContain("Main St", listedRaw, StringComparison.Ordinal);
        Assert.Equal("Harbor Light, 12 Main St", recruiterView.Sessions[0].GetProperty("location").GetString());
        Assert.Equal("Fresno, downtown", recruiterView.Sessions[0].GetProperty("area").GetString());
    }

    [Fact]
    public async Task A_survivor_sees_the_link_only_once_confirmed_never_other_participants_and_may_decline_without_a_reason()
    {
        var opportunity = await PublishedAsync(seats: 1);
        var (first, firstClient) = await AdvisorAsync();
        var (second, secondClient) = await AdvisorAsync();
        await _recruiter.PostJson($"/api/engagements/opportunities/{opportunity.Id}/invitations", new { personId = first });
        await _recruiter.PostJson($"/api/engagements/opportunities/{opportunity.Id}/invitations", new { personId = second });

        var invited = await HttpAssert.Ok<OpportunityDto>(await firstClient.GetAsync($"/api/engagements/opportunities/{opportunity.Id}"));
        Assert.Equal("Invited", invited.MyState);
        Assert.Null(invited.Participants);
        Assert.False(invited.Sessions[0].TryGetProperty("link", out var hidden) && hidden.ValueKind == JsonValueKind.String);

        var confirmed = await HttpAssert.Ok<OpportunityDto>(await firstClient.PostAsync($"/api/engagements/opportunities/{opportunity.Id}/accept", null));
        Assert.Equal("https://meet.example/housing", confirmed.Sessions[0].GetProperty("link").GetString());
        await HttpAssert.Problem(await firstClient.PostAsync($"/api/engagements/opportunities/{opportunity.Id}/accept", null), 409);

        var declined = await HttpAssert.Ok<OpportunityDto>(await secondClient.PostAsync($"/api/engagements/opportunities/{opportunity.Id}/decline", null));
        Assert.Equal("Declined", declined.MyState);

        // Declining costs nothing later: the next opportunity still lists them.
        var next = await PublishedAsync();
        Assert.Contains(await HttpAssert.Ok<List<CandidateDto>>(await _recruiter.GetAsync($"/api/engagements/opportunities/{next.Id}/candidates")), c => c.PersonId == second);
    }

    [Fact]
    public async Task What_would_help_someone_take_part_reaches_the_recruiter_once_they_are_confirmed_and_nobody_else()
    {
        var opportunity = await PublishedAsync(seats: 1);
        var work = $"/api/engagements/opportunities/{opportunity.Id}";
        var first = await AdvisorAsync();
        var second = await AdvisorAsync();
        foreach (var (_, client) in new[] { first, second })
        {
            await HttpAssert.Ok<JsonElement>(await client.PutAsJsonAsync("/api/engagements/me/profile", new
            {
                kinds = new[] { "focus-group" }, topics = new[] { "housing" }, noTopics = Array.Empty<string>(), availability = new[] { "weekdayEvening", "weekendAfternoon" },
                timeZone = "America/Los_Angeles", accessibilityNeeds = "Step-free access, please",
            }));
            await HttpAssert.Ok<OpportunityDto>(await client.PostAsync($"{work}/apply", null));
        }

        var participants = (await HttpAssert.Ok<OpportunityDto>(await _recruiter.GetAsync(work))).Participants!;
        string? Needs(string id) => participants.Single(p => p.GetProperty("personId").GetString() == id).GetProperty("accessNeeds").GetString();

        Assert.Equal("Step-free access, please", Needs(first.Id));
        Assert.Null(Needs(second.Id));
        Assert.DoesNotContain("Step-free", await (await second.Client.GetAsync(work)).Content.ReadAsStringAsync(), StringComparison.Ordinal);

        // A recruiter who is waiting for a place in the work is another participant: they read no one's needs.
        await MakeRecruiterAsync(second.Id);
        Assert.DoesNotContain("Step-free", await (await second.Client.GetAsync(work)).Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_yes_names_the_terms_it_read_and_is_refused_when_the_times_or_pay_changed_since_so_nobody_is_held_to_terms_they_never_saw()
    {
        var opportunity = await PublishedAsync(seats: 2);
        var work = $"/api/engagements/opportunities/{opportunity.Id}";
        var sessionId = opportunity.Sessions[0].GetProperty("id").GetString();
        var applying = await AdvisorAsync();
        var invited = await AdvisorAsync();
        await HttpAssert.Ok<JsonElement>(await _recruiter.PostJson($"{work}/invitations", new { personId = invited.Id }));
        var readByApplicant = (await HttpAssert.Ok<OpportunityDto>(await applying.Client.GetAsync(work))).Version;
        var readByInvited = (await HttpAssert.Ok<OpportunityDto>(await invited.Client.GetAsync(work))).Version;

        // Nobody holds a place yet, so the recruiter may move the evening an hour later and pay more for it.
        var current = await _recruiter.GetAsync(work);
        await HttpAssert.Ok<OpportunityDto>(await _recruiter.PutJson(
            work, Body(stipend: 200m, seats: 2, start: LocalIn(TimeSpan.FromDays(10), 19), end: LocalIn(TimeSpan.FromDays(10), 21), sessionId: sessionId), current.Headers.ETag!.Tag));

        var applied = await HttpAssert.Problem(await applying.Client.PostJson($"{work}/apply", null, readByApplicant), 409);
        var accepted = await HttpAssert.Problem(await invited.Client.PostJson($"{work}/accept", null, $"\"{readByInvited}\""), 409);

        Assert.Equal(ParticipationHandlers.TermsChanged, applied.GetProperty("detail").GetString());
        Assert.Equal(ParticipationHandlers.TermsChanged, accepted.GetProperty("detail").GetString());
        var seenByApplicant = await HttpAssert.Ok<OpportunityDto>(await applying.Client.GetAsync(work));
        Assert.Null(seenByApplicant.MyState);
        Assert.Equal("Invited", (await HttpAssert.Ok<OpportunityDto>(await invited.Client.GetAsync(work))).MyState);
        Assert.Equal(0, (await HttpAssert.Ok<OpportunityDto>(await _recruiter.GetAsync(work))).SeatsTaken);

        // Read again, the new terms are theirs to take.
        Assert.NotEqual(readByApplicant, seenByApplicant.Version);
        Assert.Equal("Confirmed", (await HttpAssert.Ok<OpportunityDto>(await applying.Client.PostJson($"{work}/apply", null, seenByApplicant.Version))).MyState);
    }

    [Fact]
    public async Task Someone_waiting_is_given_a_place_only_on_the_terms_they_said_yes_to_and_keeps_their_place_in_line_by_saying_yes_again()
    {
        var opportunity = await PublishedAsync(seats: 1);
        var work = $"/api/engagements/opportunities/{opportunity.Id}";
        var sessionId = opportunity.Sessions[0].GetProperty("id").GetString();
        var seated = await AdvisorAsync();
        var waiting = await AdvisorAsync();
        await HttpAssert.Ok<OpportunityDto>(await seated.Client.PostAsync($"{work}/apply", null));
        Assert.Equal("Waitlisted", (await HttpAssert.Ok<OpportunityDto>(await waiting.Client.PostAsync($"{work}/apply", null))).MyState);

        // In one change, the evening moves an hour later and a seat is added: not given to someone who said yes to 6 pm.
        var current = await _recruiter.GetAsync(work);
        await HttpAssert.Ok<OpportunityDto>(await _recruiter.PutJson(
            work, Body(seats: 2, start: LocalIn(TimeSpan.FromDays(10), 19), end: LocalIn(TimeSpan.FromDays(10), 21), sessionId: sessionId), current.Headers.ETag!.Tag));

        var seen = await HttpAssert.Ok<JsonElement>(await waiting.Client.GetAsync(work));
        Assert.Equal("Waitlisted", seen.GetProperty("myState").GetString());
        Assert.True(seen.GetProperty("waitsForYesAgain").GetBoolean());
        Assert.Equal(1, (await HttpAssert.Ok<OpportunityDto>(await _recruiter.GetAsync(work))).SeatsTaken);

        // A yes again names what it read; the answer window closed meanwhile does not take their place in line from them.
        await HttpAssert.Problem(await waiting.Client.PostAsync($"{work}/apply", null), 428);
        api.Time.Advance(TimeSpan.FromDays(8));
        var again = await HttpAssert.Ok<JsonElement>(await waiting.Client.PostJson($"{work}/apply", null, seen.GetProperty("version").GetString()));
        Assert.Equal("Confirmed", again.GetProperty("myState").GetString());
        Assert.False(again.GetProperty("waitsForYesAgain").GetBoolean());
    }

    [Fact]
    public async Task Pay_raised_since_someone_joined_the_waiting_list_asks_nothing_more_of_them()
    {
        var (work, seated, waiting) = await OneSeatedOneWaitingAsync();

        // The same evening for more: what they said yes to, and better.
        await HttpAssert.Ok<OpportunityDto>(await _recruiter.PutJson(work, Body(stipend: 180m, seats: 1, sessionId: "s1"), (await _recruiter.GetAsync(work)).Headers.ETag!.Tag));
        Assert.False((await HttpAssert.Ok<JsonElement>(await waiting.Client.GetAsync(work))).GetProperty("waitsForYesAgain").GetBoolean());
        await HttpAssert.Ok<OpportunityDto>(await seated.Client.PostAsync($"{work}/withdraw", null));

        Assert.Equal("Confirmed", (await HttpAssert.Ok<OpportunityDto>(await waiting.Client.GetAsync(work))).MyState);
    }

    [Fact]
    public async Task A_recruiter_who_also_takes_paid_work_says_yes_with_the_version_their_view_shows_while_the_work_is_unchanged()
    {
        var opportunity = await PublishedAsync(seats: 2);
        var work = $"/api/engagements/opportunities/{opportunity.Id}";
        var advisor = await AdvisorAsync();
        await MakeRecruiterAsync(advisor.Id);
        var read = await advisor.Client.GetAsync(work);
        var version = (await HttpAssert.Ok<OpportunityDto>(read)).Version;
        Assert.Equal(version, read.Headers.ETag?.Tag);

        Assert.Equal("Confirmed", (await HttpAssert.Ok<OpportunityDto>(await advisor.Client.PostJson($"{work}/apply", null, version))).MyState);
    }

    [Fact]
    public async Task An_invitation_is_not_taken_up_once_the_yes_to_hearing_about_paid_work_has_run_out()
    {
        var opportunity = await PublishedAsync(seats: 2);
        var work = $"/api/engagements/opportunities/{opportunity.Id}";
        // A mentor, who records consents of their own over the API, as any yes, until a date.
        var advisor = await AdvisorAsync(optIn: false, role: Roles.Mentor);
        await HttpAssert.Ok<JsonElement>(await advisor.Client.PostJson("/api/consents", new
        {
            subjectId = advisor.Id, grantor = "Self", scope = "engagement-contact", expiresAt = api.Time.GetUtcNow().AddHours(1),
        }));
        await HttpAssert.Ok<JsonElement>(await _recruiter.PostJson($"{work}/invitations", new { personId = advisor.Id }));

        api.Time.Advance(TimeSpan.FromHours(2));
        var refused = await HttpAssert.Problem(await advisor.Client.PostAsync($"{work}/accept", null), 409);

        Assert.Contains("yes to hearing about paid work has ended", refused.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(0, (await HttpAssert.Ok<OpportunityDto>(await _recruiter.GetAsync(work))).SeatsTaken);
    }

    [Fact]
    public async Task Another_persons_answer_does_not_change_the_terms_a_yes_names()
    {
        var opportunity = await PublishedAsync(seats: 1);
        var work = $"/api/engagements/opportunities/{opportunity.Id}";
        var first = await AdvisorAsync();
        var second = await AdvisorAsync();
        var read = (await HttpAssert.Ok<OpportunityDto>(await second.Client.GetAsync(work))).Version;

        await HttpAssert.Ok<OpportunityDto>(await first.Client.PostAsync($"{work}/apply", null));

        Assert.Equal("Waitlisted", (await HttpAssert.Ok<OpportunityDto>(await second.Client.PostJson($"{work}/apply", null, read))).MyState);
    }

    [Fact]
    public async Task Seats_added_go_to_those_waiting_in_their_order_before_anyone_who_answers_later()
    {
        var opportunity = await PublishedAsync(seats: 1);
        var work = $"/api/engagements/opportunities/{opportunity.Id}";
        var first = await AdvisorAsync();
        var second = await AdvisorAsync();
        var third = await AdvisorAsync();
        var late = await AdvisorAsync();
        foreach (var (_, client) in new[] { first, second, third })
        {
            await HttpAssert.Ok<OpportunityDto>(await client.PostAsync($"{work}/apply", null));
        }

        var current = await _recruiter.GetAsync(work);
        await HttpAssert.Ok<OpportunityDto>(await _recruiter.PutJson(work, Body(seats: 2), current.Headers.ETag!.Tag));
        var lateAnswer = await HttpAssert.Ok<OpportunityDto>(await late.Client.PostAsync($"{work}/apply", null));

        Assert.Equal("Confirmed", (await HttpAssert.Ok<OpportunityDto>(await second.Client.GetAsync(work))).MyState);
        Assert.Equal("Waitlisted", (await HttpAssert.Ok<OpportunityDto>(await third.Client.GetAsync(work))).MyState);
        Assert.Equal("Waitlisted", lateAnswer.MyState);
        Assert.Equal(2, (await HttpAssert.Ok<OpportunityDto>(await _recruiter.GetAsync(work))).SeatsTaken);
        Assert.Contains((await HttpAssert.Ok<PageDto<NotificationDto>>(await second.Client.GetAsync("/api/notifications"))).Items, n => n.Kind == "engagement-confirmed");
    }

    [Theory]
    [InlineData("close", "Confirmed")]
    [InlineData("cancel", "Waitlisted")]
    public async Task A_place_given_up_in_work_closed_to_answers_goes_to_the_first_waiting_and_in_cancelled_work_to_nobody(string move, string secondBecomes)
    {
        var opportunity = await PublishedAsync(seats: 1);
        var work = $"/api/engagements/opportunities/{opportunity.Id}";
        var first = await AdvisorAsync();
        var second = await AdvisorAsync();
        await HttpAssert.Ok<OpportunityDto>(await first.Client.PostAsync($"{work}/apply", null));
        await HttpAssert.Ok<OpportunityDto>(await second.Client.PostAsync($"{work}/apply", null));
        await HttpAssert.Ok<OpportunityDto>(await _recruiter.PostAsync($"{work}/{move}", null));

        await HttpAssert.Ok<OpportunityDto>(await first.Client.PostAsync($"{work}/withdraw", null));

        Assert.Equal(secondBecomes, (await HttpAssert.Ok<OpportunityDto>(await second.Client.GetAsync(work))).MyState);
        Assert.Equal(secondBecomes == "Confirmed", (await HttpAssert.Ok<PageDto<NotificationDto>>(await second.Client.GetAsync("/api/notifications"))).Items.Any(n => n.Kind == "engagement-confirmed"));
    }

    [Fact]
    public async Task Answers_after_the_deadline_are_refused_and_nothing_changes()
    {
        var opportunity = await PublishedAsync(deadline: api.Time.GetUtcNow().AddHours(1));
        var (id, client) = await AdvisorAsync();
        await _recruiter.PostJson($"/api/engagements/opportunities/{opportunity.Id}/invitations", new { personId = id });

        api.Time.Advance(TimeSpan.FromHours(2));

        var late = await HttpAssert.Problem(await client.PostAsync($"/api/engagements/opportunities/{opportunity.Id}/accept", null), 409);
        Assert.Contains("deadline", late.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal("Invited", (await HttpAssert.Ok<OpportunityDto>(await client.GetAsync($"/api/engagements/opportunities/{opportunity.Id}"))).MyState);

        // Nobody is asked, or offered, work they could no longer say yes to.
        var (lateId, lateClient) = await AdvisorAsync();
        var invite = await HttpAssert.Problem(await _recruiter.PostJson($"/api/engagements/opportunities/{opportunity.Id}/invitations", new { personId = lateId }), 409);
        Assert.Contains("deadline", invite.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.DoesNotContain(await HttpAssert.Ok<List<OpportunityDto>>(await lateClient.GetAsync("/api/engagements/me/opportunities")), o => o.Id == opportunity.Id);
        Assert.Contains(await HttpAssert.Ok<List<OpportunityDto>>(await client.GetAsync("/api/engagements/me/opportunities")), o => o.Id == opportunity.Id);
        var page = await client.GetStringAsync("/paid-work");
        Assert.Contains("You were invited; the time to answer has passed.", page, StringComparison.Ordinal);
        Assert.DoesNotContain("Yes, I will take part", page, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Another_agencys_recruiter_and_survivors_see_nothing_and_staff_without_the_recruiter_role_are_refused()
    {
        var opportunity = await PublishedAsync();
        var north = api.AsSubject("north-recruiter", "demo-north");

        await HttpAssert.Problem(await api.As("north-admin").GetAsync($"/api/engagements/opportunities/{opportunity.Id}"), 404);
        Assert.Equal(HttpStatusCode.Forbidden, (await api.As("demo-casemanager").GetAsync($"/api/engagements/opportunities/{opportunity.Id}/candidates")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await api.As("demo-supervisor").GetAsync("/api/engagements/opportunities")).StatusCode);
        Assert.NotEqual(HttpStatusCode.OK, (await north.GetAsync($"/api/engagements/opportunities/{opportunity.Id}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await api.As("demo-mentor").GetAsync($"/api/engagements/opportunities/{opportunity.Id}")).StatusCode);
    }

    /// <summary>A published in-person opportunity starting in <paramref name="startsIn"/> hours, with two confirmed advisors.</summary>
    private async Task<(OpportunityDto Opportunity, (string Id, HttpClient Client) First, (string Id, HttpClient Client) Second)> SoonAsync(int startsIn)
    {
        api.Time.Advance(ClockChanges.UntilSteadyClocks(api.Time.GetUtcNow(), "America/Los_Angeles", TimeSpan.FromHours(Math.Max(72, startsIn + 3))));
        var now = api.Time.GetUtcNow();
        string At(int hours) => TimeZoneInfo.ConvertTimeBySystemTimeZoneId(now.AddHours(hours), "America/Los_Angeles").ToString("yyyy-MM-dd'T'HH:mm:00", System.Globalization.CultureInfo.InvariantCulture);
        var opportunity = await PublishedAsync(body: Body(start: At(startsIn), end: At(startsIn + 2), deadline: now.AddMinutes(30), inPerson: true, travel: true));
        var first = await AdvisorAsync(availableAnyTime: true);
        var second = await AdvisorAsync(availableAnyTime: true);
        await _world.ConfirmAsync(opportunity.Id, first);
        await _world.ConfirmAsync(opportunity.Id, second);

        return (opportunity, first, second);
    }

    [Theory]
    [InlineData(50, 52, null, "Cancel it instead")]
    [InlineData(50, 52, "s1", "begins within 24 hours")]
    [InlineData(-5, -3, "s1", "would begin in the past")]
    public async Task A_session_people_are_confirmed_for_is_cancelled_not_taken_off_or_moved_at_short_notice_nor_moved_into_the_past(int from, int to, string? id, string why)
    {
        var (opportunity, first, _) = await SoonAsync(startsIn: 3);
        var work = $"/api/engagements/opportunities/{opportunity.Id}";
        var now = api.Time.GetUtcNow();
        string At(int hours) => TimeZoneInfo.ConvertTimeBySystemTimeZoneId(now.AddHours(hours), "America/Los_Angeles").ToString("yyyy-MM-dd'T'HH:mm:00", System.Globalization.CultureInfo.InvariantCulture);
        var moved = new HttpRequestMessage(HttpMethod.Put, work) { Content = JsonContent.Create(Body(start: At(from), end: At(to), deadline: now.AddHours(from - 1), inPerson: true, travel: true, sessionId: id)) };
        moved.Headers.TryAddWithoutValidation("If-Match", (await _recruiter.GetAsync(work)).Headers.ETag!.Tag);

        var refused = await HttpAssert.Problem(await _recruiter.SendAsync(moved), 409);

        Assert.Contains(why, refused.GetProperty("detail").GetString(), StringComparison.Ordinal);
        var kept = await HttpAssert.Ok<OpportunityDto>(await first.Client.GetAsync(work));
        Assert.Equal(opportunity.Sessions.Select(s => s.GetProperty("start").GetString()), kept.Sessions.Select(s => s.GetProperty("start").GetString()));
    }

    [Fact]
    public async Task A_recruiter_who_holds_a_place_leaves_the_work_to_another_recruiter_and_one_who_made_it_takes_no_place()
    {
        var (opportunity, first, second) = await SoonAsync(startsIn: 3);
        await MakeRecruiterAsync(first.Id);
        var work = $"/api/engagements/opportunities/{opportunity.Id}";
        var current = await _recruiter.GetAsync(work);

        // Cancelling at short notice would write their own full pay; raising the pay would raise it.
        await HttpAssert.Problem(await first.Client.PostAsync($"{work}/sessions/s1/cancel", null), 409);
        await HttpAssert.Problem(await first.Client.PostAsync($"{work}/cancel", null), 409);
        await HttpAssert.Problem(await first.Client.PutJson(work, Body(stipend: 2000m), current.Headers.ETag!.Tag), 409);

        // One of the participants, they see the work as a participant does: not the others, their answers, claims or pay.
        var seen = await HttpAssert.Ok<OpportunityDto>(await first.Client.GetAsync(work));
        Assert.Null(seen.Participants);
        Assert.Equal("Confirmed", seen.MyState);
        await HttpAssert.Problem(await first.Client.GetAsync($"{work}/candidates"), 409);
        await HttpAssert.Problem(await first.Client.PostJson($"{work}/invitations", new { personId = second.Id }), 409);
        var portal = await PortalSession.SignedInAsync(api, first.Id);
        var opened = await PortalSession.PostFormAsync(portal, "/opportunities", "open-opp", ("OpportunityId", opportunity.Id));
        Assert.Contains("You have, or had, a place in this work", opened, StringComparison.Ordinal);
        Assert.DoesNotContain("data-participants", opened, StringComparison.Ordinal);
        Assert.DoesNotContain("data-candidates", opened, StringComparison.Ordinal);
        api.Time.Advance(TimeSpan.FromHours(6));
        var paidWork = await first.Client.GetStringAsync("/paid-work");
        Assert.Contains("You had a place in this work. Thank you.", paidWork, StringComparison.Ordinal);
        Assert.DoesNotContain("I can no longer take part", paidWork, StringComparison.Ordinal);
        var attendance = $"{work}/sessions/s1/attendance";
        var entries = new object[] { new { personId = first.Id, outcome = "attended" }, new { personId = second.Id, outcome = "attended" } };
        await HttpAssert.Problem(await first.Client.PostJson(attendance, new { entries }), 409);

        Assert.Empty(await HttpAssert.Ok<List<ClaimDto>>(await _recruiter.GetAsync($"{work}/claims")));
        await HttpAssert.Problem(await first.Client.GetAsync($"{work}/claims"), 409);
        Assert.Equal(2, (await HttpAssert.Ok<List<ClaimDto>>(await _recruiter.PostJson(attendance, new { entries }))).Count);
        await HttpAssert.Problem(await first.Client.PostJson("/api/payouts", new { opportunityId = opportunity.Id }), 409);
        Assert.Equal("Published", (await HttpAssert.Ok<OpportunityDto>(await _recruiter.GetAsync(work))).State);

        // Work they made themselves they do not take a paid place in, nor are they offered or invited to it.
        var theirs = await HttpAssert.Ok<OpportunityDto>(await first.Client.PostJson("/api/engagements/opportunities", Body()));
        await HttpAssert.Ok<OpportunityDto>(await first.Client.PostAsync($"/api/engagements/opportunities/{theirs.Id}/publish", null));
        await HttpAssert.Problem(await first.Client.PostAsync($"/api/engagements/opportunities/{theirs.Id}/apply", null), 409);
        await HttpAssert.Problem(await _recruiter.PostJson($"/api/engagements/opportunities/{theirs.Id}/invitations", new { personId = first.Id }), 409);
        Assert.DoesNotContain(await HttpAssert.Ok<List<CandidateDto>>(await _recruiter.GetAsync($"/api/engagements/opportunities/{theirs.Id}/candidates")), c => c.PersonId == first.Id);
        Assert.Equal(0, (await HttpAssert.Ok<OpportunityDto>(await _recruiter.GetAsync($"/api/engagements/opportunities/{theirs.Id}"))).SeatsTaken);
    }

    [Fact]
    public async Task Attendance_sent_from_a_form_opened_before_another_recruiter_recorded_it_is_refused_not_written_over()
    {
        var (opportunity, first, second) = await SoonAsync(startsIn: 3);
        var otherId = "rec-" + Guid.NewGuid().ToString("N")[..12];
        Assert.Equal(HttpStatusCode.Created, (await _world.Admin.PostJson("/api/people", new { subjectId = otherId, displayName = "Recruiter " + otherId[^4..], roles = new[] { Roles.Recruiter } })).StatusCode);
        var other = api.AsSubject(otherId, "demo");
        api.Time.Advance(TimeSpan.FromHours(6));
        var attendance = $"/api/engagements/opportunities/{opportunity.Id}/sessions/s1/attendance";
        var portal = await PortalSession.SignedInAsync(api, "demo-recruiter");
        var drawn = await PortalSession.PostFormAsync(portal, "/opportunities", "open-opp", ("OpportunityId", opportunity.Id));
        Assert.Contains("name=\"Versions\" value=\"\"", drawn, StringComparison.Ordinal);

        await HttpAssert.Ok<List<ClaimDto>>(await other.PostJson(attendance, new { entries = new[] { new { personId = first.Id, outcome = "attended" }, new { personId = second.Id, outcome = "attended" } } }));
        var stale = await PortalSession.PostFormAsync(portal, "/opportunities", "attendance-s1", ("OpportunityId", opportunity.Id),
            ("People", first.Id), ("Outcomes", "NoShow"), ("Minutes", ""), ("Versions", ""), ("People", second.Id), ("Outcomes", "Attended"), ("Minutes", ""), ("Versions", ""));
        var staleApi = await _recruiter.PostJson(attendance, new { entries = new[] { new { personId = first.Id, outcome = "noShow", version = "" } } });

        Assert.Contains("Someone else changed this.", stale, StringComparison.Ordinal);
        await HttpAssert.Problem(staleApi, 412);
        var claims = await HttpAssert.Ok<List<JsonElement>>(await _recruiter.GetAsync($"/api/engagements/opportunities/{opportunity.Id}/claims"));
        Assert.All(claims, c => Assert.Equal("Attended", c.GetProperty("outcome").GetString()));
        var version = claims.Single(c => c.GetProperty("personId").GetString() == first.Id).GetProperty("version").GetString();

        // Their travel, added meanwhile, is no new record of what happened: the form read before it still goes.
        await HttpAssert.Ok<JsonElement>(await first.Client.PutAsJsonAsync($"/api/engagements/opportunities/{opportunity.Id}/sessions/s1/travel", new { miles = 12m }));
        var corrected = await HttpAssert.Ok<List<ClaimDto>>(await _recruiter.PostJson(attendance, new { entries = new[] { new { personId = first.Id, outcome = "partial", minutesAttended = 60, version } } }));
        Assert.Equal("Partial", Assert.Single(corrected).Outcome);
        await HttpAssert.Problem(await other.PostJson(attendance, new { entries = new[] { new { personId = first.Id, outcome = "attended", version } } }), 412);
    }

    [Fact]
    public async Task A_recruiter_who_once_took_a_seat_still_does_not_look_after_the_work_after_leaving_its_waiting_list_too()
    {
        var opportunity = await PublishedAsync(seats: 1);
        var work = $"/api/engagements/opportunities/{opportunity.Id}";
        var (first, other) = (await AdvisorAsync(), await AdvisorAsync());
        await MakeRecruiterAsync(first.Id);

        Assert.Equal("Confirmed", (await HttpAssert.Ok<OpportunityDto>(await first.Client.PostAsync($"{work}/apply", null))).MyState);
        await HttpAssert.Ok<OpportunityDto>(await first.Client.PostAsync($"{work}/withdraw", null));
        await HttpAssert.Ok<OpportunityDto>(await other.Client.PostAsync($"{work}/apply", null));
        Assert.Equal("Waitlisted", (await HttpAssert.Ok<OpportunityDto>(await first.Client.PostAsync($"{work}/apply", null))).MyState);
        await HttpAssert.Ok<OpportunityDto>(await first.Client.PostAsync($"{work}/withdraw", null));

        var claims = await HttpAssert.Problem(await first.Client.GetAsync($"{work}/claims"), 409);
        Assert.Contains("You have, or had, a place in this work", claims.GetProperty("detail").GetString(), StringComparison.Ordinal);
        await HttpAssert.Problem(await first.Client.PutJson(work, Body(seats: 1, stipend: 2000m), await VersionAsync(work)), 409);
        await HttpAssert.Problem(await first.Client.PostAsync($"{work}/sessions/s1/cancel", null), 409);
    }

    [Fact]
    public async Task Work_someone_holds_a_place_in_is_not_renamed_or_described_anew_and_they_hear_of_a_raise()
    {
        var opportunity = await PublishedAsync();
        var work = $"/api/engagements/opportunities/{opportunity.Id}";
        var advisor = await AdvisorAsync(noTopics: ["trafficking"]);
        await _world.ConfirmAsync(opportunity.Id, advisor);
        var described = JsonSerializer.SerializeToNode(Body())!.AsObject();
        described["description"] = "Each of you tells what trafficking took from you.";

        var renamed = await HttpAssert.Problem(await _recruiter.PutJson(work, Body(title: "Sex-trafficking survivors' panel"), await VersionAsync(work)), 409);
        var redescribed = await HttpAssert.Problem(await _recruiter.PutJson(work, described, await VersionAsync(work)), 409);
        await HttpAssert.Ok<OpportunityDto>(await _recruiter.PutJson(work, Body(stipend: 200m), await VersionAsync(work)));

        Assert.Contains("keeps its kind, topics, title and description", renamed.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(renamed.GetProperty("detail").GetString(), redescribed.GetProperty("detail").GetString());
        Assert.Equal("Confirmed", (await HttpAssert.Ok<OpportunityDto>(await advisor.Client.GetAsync(work))).MyState);
        Assert.Contains((await HttpAssert.Ok<PageDto<NotificationDto>>(await advisor.Client.GetAsync("/api/notifications"))).Items, n => n.Kind == "engagement-changed");
    }

    [Fact]
    public async Task A_session_s_area_changed_alone_is_told_to_those_waiting_whose_yes_it_changes()
    {
        JsonObject InArea(string area, string? sessionId = null)
        {
            var body = JsonSerializer.SerializeToNode(Body(seats: 1, inPerson: true, travel: true, sessionId: sessionId))!.AsObject();
            body["sessions"]![0]!["area"] = area;
            return body;
        }

        var opportunity = await PublishedAsync(body: InArea("Fresno, downtown"));
        var work = $"/api/engagements/opportunities/{opportunity.Id}";
        await _world.ConfirmAsync(opportunity.Id, await AdvisorAsync());
        var waiting = await AdvisorAsync();
        await HttpAssert.Ok<JsonElement>(await _recruiter.PostJson($"{work}/invitations", new { personId = waiting.Id }));
        Assert.Equal("Waitlisted", (await HttpAssert.Ok<OpportunityDto>(await waiting.Client.PostAsync($"{work}/accept", null))).MyState);

        await HttpAssert.Ok<OpportunityDto>(await _recruiter.PutJson(work, InArea("Fresno, Tower District", opportunity.Sessions[0].GetProperty("id").GetString()), await VersionAsync(work)));

        Assert.Contains((await HttpAssert.Ok<PageDto<NotificationDto>>(await waiting.Client.GetAsync("/api/notifications"))).Items, n => n.Kind == "engagement-changed");
    }

    [Fact]
    public async Task Opting_out_declines_open_invitations_and_leaves_waiting_lists_but_keeps_places_held_and_what_they_will_not_speak_about()
    {
        var invitedTo = await PublishedAsync();
        var full = await PublishedAsync(seats: 1);
        var held = await PublishedAsync();
        var advisor = await AdvisorAsync(noTopics: ["trafficking"]);
        var other = await AdvisorAsync();
        await _recruiter.PostJson($"/api/engagements/opportunities/{invitedTo.Id}/invitations", new { personId = advisor.Id });
        await _world.ConfirmAsync(full.Id, other);
        await _world.ConfirmAsync(held.Id, advisor);
        await _recruiter.PostJson($"/api/engagements/opportunities/{full.Id}/invitations", new { personId = advisor.Id });
        await HttpAssert.Ok<OpportunityDto>(await advisor.Client.PostAsync($"/api/engagements/opportunities/{full.Id}/accept", null));
        Assert.Equal("Waitlisted", (await HttpAssert.Ok<OpportunityDto>(await advisor.Client.GetAsync($"/api/engagements/opportunities/{full.Id}"))).MyState);

        await HttpAssert.Ok<JsonElement>(await advisor.Client.PostJson("/api/engagements/me/contact", new { optIn = false }));

        Assert.Equal("Declined", (await HttpAssert.Ok<OpportunityDto>(await advisor.Client.GetAsync($"/api/engagements/opportunities/{invitedTo.Id}"))).MyState);
        Assert.Equal("Withdrawn", (await HttpAssert.Ok<OpportunityDto>(await advisor.Client.GetAsync($"/api/engagements/opportunities/{full.Id}"))).MyState);
        Assert.Equal("Confirmed", (await HttpAssert.Ok<OpportunityDto>(await advisor.Client.GetAsync($"/api/engagements/opportunities/{held.Id}"))).MyState);

        // Work they hold a place in still keeps what it is about, and they hear of a change.
        var work = $"/api/engagements/opportunities/{held.Id}";
        await HttpAssert.Problem(await _recruiter.PutJson(work, Body(title: "Sex-trafficking survivors' panel"), await VersionAsync(work)), 409);
        await HttpAssert.Ok<OpportunityDto>(await _recruiter.PutJson(work, Body(stipend: 200m), await VersionAsync(work)));
        var told = (await HttpAssert.Ok<PageDto<NotificationDto>>(await advisor.Client.GetAsync("/api/notifications"))).Items.Count(n => n.Kind == "engagement-changed");
        Assert.Equal(1, told);
    }

    [Fact]
    public async Task Withdrawing_consent_to_hear_of_paid_work_from_the_consents_list_gives_up_what_is_asked_as_opting_out_does()
    {
        var invitedTo = await PublishedAsync();
        var full = await PublishedAsync(seats: 1);
        var held = await PublishedAsync();
        // A mentor who takes paid work too: their consents are theirs to see and withdraw in the portal.
        var mentor = await AdvisorAsync(role: Roles.Mentor);
        await _recruiter.PostJson($"/api/engagements/opportunities/{invitedTo.Id}/invitations", new { personId = mentor.Id });
        await _world.ConfirmAsync(full.Id, await AdvisorAsync());
        await _world.ConfirmAsync(held.Id, mentor);
        await _recruiter.PostJson($"/api/engagements/opportunities/{full.Id}/invitations", new { personId = mentor.Id });
        await HttpAssert.Ok<OpportunityDto>(await mentor.Client.PostAsync($"/api/engagements/opportunities/{full.Id}/accept", null));

        var consents = await HttpAssert.Ok<List<MentoringTests.ConsentDto>>(await mentor.Client.GetAsync($"/api/consents?subjectId={mentor.Id}"));
        var contact = consents.Single(c => c.Current && c.Scope == EngagementScopes.Contact);
        await HttpAssert.Ok<MentoringTests.ConsentDto>(await mentor.Client.PostAsync($"/api/consents/{contact.Id}/revoke", null));

        Assert.False((await HttpAssert.Ok<JsonElement>(await mentor.Client.GetAsync("/api/engagements/me/profile"))).GetProperty("optedIn").GetBoolean());
        Assert.Equal("Declined", (await HttpAssert.Ok<OpportunityDto>(await mentor.Client.GetAsync($"/api/engagements/opportunities/{invitedTo.Id}"))).MyState);
        Assert.Equal("Withdrawn", (await HttpAssert.Ok<OpportunityDto>(await mentor.Client.GetAsync($"/api/engagements/opportunities/{full.Id}"))).MyState);
        Assert.Equal("Confirmed", (await HttpAssert.Ok<OpportunityDto>(await mentor.Client.GetAsync($"/api/engagements/opportunities/{held.Id}"))).MyState);
    }

    [Fact]
    public async Task Someone_no_longer_an_advisor_is_not_left_holding_invitations_waiting_places_or_seats_to_come_and_the_next_in_line_gets_the_seat()
    {
        var invitedTo = await PublishedAsync();
        var full = await PublishedAsync(seats: 1);
        var waitingIn = await PublishedAsync(seats: 1);
        var leaving = await AdvisorAsync();
        var next = await AdvisorAsync();
        await _recruiter.PostJson($"/api/engagements/opportunities/{invitedTo.Id}/invitations", new { personId = leaving.Id });
        await _world.ConfirmAsync(full.Id, leaving);
        await _world.ConfirmAsync(full.Id, next);
        await _world.ConfirmAsync(waitingIn.Id, next);
        await _world.ConfirmAsync(waitingIn.Id, leaving);

        await SetRolesAsync(leaving.Id, Roles.CaseManager);

        Assert.Equal("NotTakingPart", await PlaceAsync(invitedTo.Id, leaving.Id));
        Assert.Equal("NotTakingPart", await PlaceAsync(full.Id, leaving.Id));
        Assert.Equal("NotTakingPart", await PlaceAsync(waitingIn.Id, leaving.Id));
        Assert.Equal("Confirmed", (await HttpAssert.Ok<OpportunityDto>(await next.Client.GetAsync($"/api/engagements/opportunities/{full.Id}"))).MyState);
        Assert.Equal(1, (await HttpAssert.Ok<OpportunityDto>(await _recruiter.GetAsync($"/api/engagements/opportunities/{full.Id}"))).SeatsTaken);
        Assert.Contains((await HttpAssert.Ok<PageDto<NotificationDto>>(await next.Client.GetAsync("/api/notifications"))).Items, n => n.Kind == "engagement-confirmed");
        Assert.Contains((await HttpAssert.Ok<PageDto<AuditDto>>(await _admin.GetAsync($"/api/audit?recordType=person&recordId={leaving.Id}"))).Items,
            e => e.Action == "engagement.release-places" && e.Outcome == "Succeeded");
    }

    [Fact]
    public async Task Someone_who_no_longer_takes_paid_work_gives_up_their_seat_but_one_who_still_does_in_another_role_keeps_it()
    {
        var work = await PublishedAsync();
        var advisor = await AdvisorAsync();
        var mentorToo = await AdvisorAsync(role: Roles.Mentor);
        await _world.ConfirmAsync(work.Id, advisor);
        await _world.ConfirmAsync(work.Id, mentorToo);

        await SetRolesAsync(advisor.Id, Roles.CaseManager);
        await SetRolesAsync(mentorToo.Id, Roles.Mentor, Roles.Supervisor);

        Assert.Equal("NotTakingPart", await PlaceAsync(work.Id, advisor.Id));
        Assert.Equal("Confirmed", await PlaceAsync(work.Id, mentorToo.Id));
    }

    [Fact]
    public async Task Someone_deactivated_keeps_their_places_for_when_they_are_given_access_back_and_is_not_given_a_seat_meanwhile()
    {
        var held = await PublishedAsync();
        var full = await PublishedAsync(seats: 1);
        var away = await AdvisorAsync();
        var seated = await AdvisorAsync();
        var after = await AdvisorAsync();
        await _world.ConfirmAsync(held.Id, away);
        await _world.ConfirmAsync(full.Id, seated);
        await _world.ConfirmAsync(full.Id, away);
        await _world.ConfirmAsync(full.Id, after);

        await HttpAssert.Ok<JsonElement>(await _admin.PostAsync($"/api/people/{away.Id}/deactivate", null));
        await HttpAssert.Ok<OpportunityDto>(await seated.Client.PostAsync($"/api/engagements/opportunities/{full.Id}/withdraw", null));

        Assert.Equal("Confirmed", await PlaceAsync(held.Id, away.Id));
        Assert.Equal("Waitlisted", await PlaceAsync(full.Id, away.Id));
        Assert.Equal("Confirmed", await PlaceAsync(full.Id, after.Id));
        Assert.DoesNotContain((await HttpAssert.Ok<PageDto<AuditDto>>(await _admin.GetAsync($"/api/audit?recordType=person&recordId={away.Id}"))).Items,
            e => e.Action == "engagement.release-places");
    }

    [Fact]
    public async Task A_place_that_came_free_while_the_only_one_waiting_was_deactivated_is_theirs_once_they_are_given_access_back()
    {
        var (work, seated, waiting) = await OneSeatedOneWaitingAsync();
        await HttpAssert.Ok<JsonElement>(await _admin.PostAsync($"/api/people/{waiting.Id}/deactivate", null));
        await HttpAssert.Ok<OpportunityDto>(await seated.Client.PostAsync($"{work}/withdraw", null));
        Assert.Equal(0, (await HttpAssert.Ok<OpportunityDto>(await _recruiter.GetAsync(work))).SeatsTaken);

        var person = await _admin.GetAsync($"/api/people/{waiting.Id}");
        using var reactivate = new HttpRequestMessage(HttpMethod.Post, $"/api/people/{waiting.Id}/reactivate");
        reactivate.Headers.TryAddWithoutValidation("If-Match", person.Headers.ETag!.Tag);
        await HttpAssert.Ok<JsonElement>(await _admin.SendAsync(reactivate));

        Assert.Equal("Confirmed", await PlaceAsync(work["/api/engagements/opportunities/".Length..], waiting.Id));
        Assert.Equal(1, (await HttpAssert.Ok<OpportunityDto>(await _recruiter.GetAsync(work))).SeatsTaken);
    }

    private async Task<string?> PlaceAsync(string opportunityId, string personId) =>
        (await HttpAssert.Ok<OpportunityDto>(await _recruiter.GetAsync($"/api/engagements/opportunities/{opportunityId}"))).Participants!
            .SingleOrDefault(p => p.GetProperty("personId").GetString() == personId) is { ValueKind: JsonValueKind.Object } place ? place.GetProperty("state").GetString() : null;

    private async Task SetRolesAsync(string personId, params string[] roles)
    {
        var person = await _admin.GetAsync($"/api/people/{personId}");
        using var request = new HttpRequestMessage(HttpMethod.Put, $"/api/people/{personId}/roles") { Content = JsonContent.Create(new { roles }) };
        request.Headers.TryAddWithoutValidation("If-Match", person.Headers.ETag!.Tag);
        await HttpAssert.Ok<JsonElement>(await _admin.SendAsync(request));
    }

    [Fact]
    public async Task Recruiters_are_not_told_who_said_no_or_gave_a_place_up_or_when_only_that_they_are_not_taking_part()
    {
        var work = await PublishedAsync();
        var path = $"/api/engagements/opportunities/{work.Id}";
        var declined = await AdvisorAsync();
        var withdrew = await AdvisorAsync();
        var seated = await AdvisorAsync();
        await _recruiter.PostJson($"{path}/invitations", new { personId = declined.Id });
        await HttpAssert.Ok<OpportunityDto>(await declined.Client.PostAsync($"{path}/decline", null));
        await _world.ConfirmAsync(work.Id, withdrew);
        await HttpAssert.Ok<OpportunityDto>(await withdrew.Client.PostAsync($"{path}/withdraw", null));
        await _world.ConfirmAsync(work.Id, seated);

        var participants = (await HttpAssert.Ok<OpportunityDto>(await _recruiter.GetAsync(path))).Participants!.ToDictionary(p => p.GetProperty("personId").GetString()!);
        var candidates = (await HttpAssert.Ok<List<CandidateDto>>(await _recruiter.GetAsync($"{path}/candidates"))).ToDictionary(c => c.PersonId);

        foreach (var gone in new[] { declined.Id, withdrew.Id })
        {
            var place = participants[gone];
            Assert.Equal("NotTakingPart", place.GetProperty("state").GetString());
            Assert.False(place.GetProperty("invited").GetBoolean());
            Assert.False(place.TryGetProperty("changedAt", out _));
            Assert.Equal(JsonValueKind.Null, place.GetProperty("confirmedAt").ValueKind);
            Assert.Empty(place.GetProperty("sessionsHeld").EnumerateArray());
            Assert.Equal("NotTakingPart", candidates[gone].State);
            var again = await HttpAssert.Problem(await _recruiter.PostJson($"{path}/invitations", new { personId = gone }), 409);
            Assert.Equal("They are not taking part this time.", again.GetProperty("detail").GetString());
        }

        Assert.Equal("Confirmed", participants[seated.Id].GetProperty("state").GetString());
        Assert.NotEqual(JsonValueKind.Null, participants[seated.Id].GetProperty("confirmedAt").ValueKind);
        Assert.Equal(work.Sessions.Select(s => s.GetProperty("id").GetString()), participants[seated.Id].GetProperty("sessionsHeld").EnumerateArray().Select(s => s.GetString()));
    }

    [Theory]
    [InlineData("{}")]
    [InlineData("""{"opt_in":true}""")]
    [InlineData("""{"optIn":null}""")]
    public async Task A_request_that_does_not_say_in_or_out_is_refused_and_opts_nobody_out(string body)
    {
        var invitedTo = await PublishedAsync();
        var advisor = await AdvisorAsync();
        await _recruiter.PostJson($"/api/engagements/opportunities/{invitedTo.Id}/invitations", new { personId = advisor.Id });

        var refused = await HttpAssert.Problem(await advisor.Client.PostAsync("/api/engagements/me/contact", new StringContent(body, System.Text.Encoding.UTF8, "application/json")), 400);

        Assert.True(refused.GetProperty("errors").TryGetProperty("optIn", out _));
        Assert.Equal("Invited", (await HttpAssert.Ok<OpportunityDto>(await advisor.Client.GetAsync($"/api/engagements/opportunities/{invitedTo.Id}"))).MyState);
        Assert.True((await HttpAssert.Ok<JsonElement>(await advisor.Client.GetAsync("/api/engagements/me/profile"))).GetProperty("optedIn").GetBoolean());
    }

    [Fact]
    public async Task An_invitation_written_while_its_survivor_opts_out_is_not_theirs_they_hear_nothing_and_the_recruiter_finds_nobody()
    {
        var opportunity = await PublishedAsync();
        var advisor = await AdvisorAsync();
        api.Counter.WhileCreating = async document =>
        {
            if (document is Participation { State: ParticipationState.Invited } invitation && invitation.PersonId == advisor.Id)
            {
                api.Counter.WhileCreating = null;
                await HttpAssert.Ok<JsonElement>(await advisor.Client.PostJson("/api/engagements/me/contact", new { optIn = false }));
            }
        };

        HttpResponseMessage invite;
        try
        {
            invite = await _recruiter.PostJson($"/api/engagements/opportunities/{opportunity.Id}/invitations", new { personId = advisor.Id });
        }
        finally
        {
            api.Counter.WhileCreating = null;
        }

        await HttpAssert.Problem(invite, 404);
        Assert.DoesNotContain(await HttpAssert.Ok<List<OpportunityDto>>(await advisor.Client.GetAsync("/api/engagements/me/opportunities")), o => o.Id == opportunity.Id && o.MyState == "Invited");
        Assert.DoesNotContain((await HttpAssert.Ok<PageDto<NotificationDto>>(await advisor.Client.GetAsync("/api/notifications"))).Items, n => n.Kind == "engagement-invited");
    }

    [Fact]
    public async Task Someone_asked_who_opted_out_since_hears_nothing_of_a_change_to_the_work()
    {
        var opportunity = await PublishedAsync();
        var work = $"/api/engagements/opportunities/{opportunity.Id}";
        var advisor = await AdvisorAsync();
        await _recruiter.PostJson($"{work}/invitations", new { personId = advisor.Id });
        await HttpAssert.Ok<JsonElement>(await advisor.Client.PostJson("/api/engagements/me/contact", new { optIn = false }));

        await HttpAssert.Ok<OpportunityDto>(await _recruiter.PutJson(work, Body(stipend: 200m), await VersionAsync(work)));

        Assert.DoesNotContain((await HttpAssert.Ok<PageDto<NotificationDto>>(await advisor.Client.GetAsync("/api/notifications"))).Items, n => n.Kind == "engagement-changed");
    }

    [Fact]
    public async Task A_recruiter_who_raised_the_pay_of_anothers_work_takes_no_place_in_it()
    {
        var opportunity = await PublishedAsync();
        var work = $"/api/engagements/opportunities/{opportunity.Id}";
        var raiser = await AdvisorAsync();
        await MakeRecruiterAsync(raiser.Id);
        var current = await _recruiter.GetAsync(work);

        await HttpAssert.Ok<OpportunityDto>(await raiser.Client.PutJson(work, Body(stipend: 2000m), current.Headers.ETag!.Tag));

        var applied = await HttpAssert.Problem(await raiser.Client.PostAsync($"{work}/apply", null), 409);
        Assert.Contains("made or changed this work", applied.GetProperty("detail").GetString(), StringComparison.Ordinal);
        await HttpAssert.Problem(await _recruiter.PostJson($"{work}/invitations", new { personId = raiser.Id }), 409);
        Assert.DoesNotContain(await HttpAssert.Ok<List<CandidateDto>>(await _recruiter.GetAsync($"{work}/candidates")), c => c.PersonId == raiser.Id);
        Assert.DoesNotContain(await HttpAssert.Ok<List<OpportunityDto>>(await raiser.Client.GetAsync("/api/engagements/me/opportunities")), o => o.Id == opportunity.Id);
        Assert.Equal(0, (await HttpAssert.Ok<OpportunityDto>(await _recruiter.GetAsync(work))).SeatsTaken);
    }

    [Fact]
    public async Task A_recruiter_who_published_anothers_draft_takes_no_place_in_it()
    {
        await SetBenchmarkAsync();
        var draft = await HttpAssert.Ok<OpportunityDto>(await _recruiter.PostJson("/api/engagements/opportunities", Body()));
        var publisher = await AdvisorAsync();
        await MakeRecruiterAsync(publisher.Id);

        await HttpAssert.Ok<OpportunityDto>(await publisher.Client.PostAsync($"/api/engagements/opportunities/{draft.Id}/publish", null));

        await HttpAssert.Problem(await publisher.Client.PostAsync($"/api/engagements/opportunities/{draft.Id}/apply", null), 409);
    }

    [Fact]
    public async Task A_change_that_does_not_name_travel_or_per_diem_keeps_them_as_they_were()
    {
        var opportunity = await PublishedAsync(body: Body(travel: false));
        var work = $"/api/engagements/opportunities/{opportunity.Id}";
        var unnamed = JsonSerializer.SerializeToNode(Body(stipend: 160m))!.AsObject();
        unnamed["compensation"] = new JsonObject { ["basis"] = "perSession", ["rate"] = 160m, ["prepMinutesPerSession"] = 30 };
        var current = await _recruiter.GetAsync(work);

        await HttpAssert.Ok<OpportunityDto>(await _recruiter.PutJson(work, unnamed, current.Headers.ETag!.Tag));

        var compensation = (await HttpAssert.Ok<JsonElement>(await _recruiter.GetAsync(work))).GetProperty("compensation");
        Assert.False(compensation.GetProperty("travelAllowed").GetBoolean());
        Assert.False(compensation.GetProperty("perDiemAllowed").GetBoolean());
    }

    [Fact]
    public async Task A_recruiter_who_gave_up_their_place_still_leaves_the_work_to_another_recruiter()
    {
        var (opportunity, first, _) = await SoonAsync(startsIn: 30);
        await MakeRecruiterAsync(first.Id);
        await HttpAssert.Ok<OpportunityDto>(await first.Client.PostAsync($"/api/engagements/opportunities/{opportunity.Id}/withdraw", null));

        await HttpAssert.Problem(await first.Client.PostAsync($"/api/engagements/opportunities/{opportunity.Id}/sessions/s1/cancel", null), 409);
    }

    private Task MakeRecruiterAsync(string personId) => SetRolesAsync(personId, Roles.Advisor, Roles.Recruiter);

    [Fact]
    public async Task Once_the_benchmark_rises_above_an_open_works_pay_nobody_is_invited_or_takes_a_place_until_its_pay_rises_too()
    {
        // 150 for a two-hour session and 30 minutes' preparation is the benchmark of 60 an hour.
        var opportunity = await PublishedAsync();
        var work = $"/api/engagements/opportunities/{opportunity.Id}";
        var advisor = await AdvisorAsync();
        await SetBenchmarkAsync(70m);
        try
        {
            var invite = await HttpAssert.Problem(await _recruiter.PostJson($"{work}/invitations", new { personId = advisor.Id }), 409);
            Assert.Contains("10.00 below the 70.00", invite.GetProperty("detail").GetString(), StringComparison.Ordinal);
            await HttpAssert.Problem(await advisor.Client.PostAsync($"{work}/apply", null), 409);

            var current = await _recruiter.GetAsync(work);
            await HttpAssert.Ok<OpportunityDto>(await _recruiter.PutJson(work, Body(stipend: 175m), current.Headers.ETag!.Tag));
            await HttpAssert.Ok<JsonElement>(await _recruiter.PostJson($"{work}/invitations", new { personId = advisor.Id }));
            Assert.Equal("Confirmed", (await HttpAssert.Ok<OpportunityDto>(await advisor.Client.PostAsync($"{work}/accept", null))).MyState);
        }
        finally
        {
            await SetBenchmarkAsync();
        }
    }

    [Fact]
    public async Task A_seat_given_up_after_the_benchmark_rose_above_the_works_pay_is_left_free_not_given_to_whoever_waits()
    {
        var opportunity = await PublishedAsync(seats: 1);
        var work = $"/api/engagements/opportunities/{opportunity.Id}";
        var seated = await AdvisorAsync();
        var waiting = await AdvisorAsync();
        await _world.ConfirmAsync(opportunity.Id, seated);
        await _recruiter.PostJson($"{work}/invitations", new { personId = waiting.Id });
        Assert.Equal("Waitlisted", (await HttpAssert.Ok<OpportunityDto>(await waiting.Client.PostAsync($"{work}/accept", null))).MyState);
        await SetBenchmarkAsync(70m);
        try
        {
            await HttpAssert.Ok<OpportunityDto>(await seated.Client.PostAsync($"{work}/withdraw", null));

            Assert.Equal("Waitlisted", (await HttpAssert.Ok<OpportunityDto>(await waiting.Client.GetAsync(work))).MyState);
            Assert.Equal(0, (await HttpAssert.Ok<OpportunityDto>(await _recruiter.GetAsync(work))).SeatsTaken);
            Assert.DoesNotContain((await HttpAssert.Ok<PageDto<NotificationDto>>(await waiting.Client.GetAsync("/api/notifications"))).Items, n => n.Kind == "engagement-confirmed");
        }
        finally
        {
            await SetBenchmarkAsync();
        }
    }

    [Fact]
    public async Task A_late_cancellation_pays_on_the_terms_the_work_was_published_on_though_the_agency_stopped_paying_them_since()
    {
        var (opportunity, first, second) = await SoonAsync(startsIn: 3);
        await _world.SetBenchmarkAsync(lateCancellationPays: false);
        try
        {
            var claims = await HttpAssert.Ok<List<ClaimDto>>(await _recruiter.PostAsync($"/api/engagements/opportunities/{opportunity.Id}/sessions/s1/cancel", null));

            Assert.Equal(new[] { first.Id, second.Id }.Order(StringComparer.Ordinal), claims.Select(c => c.PersonId).Order(StringComparer.Ordinal));
            Assert.All(claims, c => Assert.Equal(150m, c.Amount));
        }
        finally
        {
            await SetBenchmarkAsync();
        }
    }

    [Fact]
    public async Task Work_touching_what_a_survivor_since_said_they_will_not_speak_about_is_neither_accepted_nor_given_to_them_from_the_waitlist()
    {
        var opportunity = await PublishedAsync(seats: 1);
        var seated = await AdvisorAsync();
        var invited = await AdvisorAsync();
        var waiting = await AdvisorAsync();
        var next = await AdvisorAsync();
        foreach (var advisor in new[] { seated, waiting, next })
        {
            await _world.ConfirmAsync(opportunity.Id, advisor);
        }

        await HttpAssert.Ok<JsonElement>(await _recruiter.PostJson($"/api/engagements/opportunities/{opportunity.Id}/invitations", new { personId = invited.Id }));
        foreach (var changedTheirMind in new[] { invited, waiting })
        {
            await EngagementWorld.WillNotSpeakAboutAsync(changedTheirMind, "housing");
        }

        var accept = await HttpAssert.Problem(await invited.Client.PostAsync($"/api/engagements/opportunities/{opportunity.Id}/accept", null), 409);
        await HttpAssert.Ok<OpportunityDto>(await seated.Client.PostAsync($"/api/engagements/opportunities/{opportunity.Id}/withdraw", null));

        Assert.Equal(ParticipationHandlers.TouchesNoTopic, accept.GetProperty("detail").GetString());
        var places = (await HttpAssert.Ok<OpportunityDto>(await _recruiter.GetAsync($"/api/engagements/opportunities/{opportunity.Id}"))).Participants!
            .ToDictionary(p => p.GetProperty("personId").GetString()!, p => p.GetProperty("state").GetString());
        Assert.Equal("Waitlisted", places[waiting.Id]);
        Assert.Equal("Confirmed", places[next.Id]);
        Assert.Equal("Invited", places[invited.Id]);
        await HttpAssert.Ok<OpportunityDto>(await invited.Client.PostAsync($"/api/engagements/opportunities/{opportunity.Id}/decline", null));
    }

    /// <summary>Work with one seat, taken, and one advisor waiting (both free on weekday evenings, when its session is).</summary>
    private async Task<(string Work, (string Id, HttpClient Client) Seated, (string Id, HttpClient Client) Waiting)> OneSeatedOneWaitingAsync()
    {
        var work = $"/api/engagements/opportunities/{(await PublishedAsync(seats: 1)).Id}";
        var seated = await AdvisorAsync();
        var waiting = await AdvisorAsync();
        await HttpAssert.Ok<OpportunityDto>(await seated.Client.PostAsync($"{work}/apply", null));
        await HttpAssert.Ok<OpportunityDto>(await waiting.Client.PostAsync($"{work}/apply", null));
        return (work, seated, waiting);
    }

    /// <summary>
    /// <see cref="OneSeatedOneWaitingAsync"/>, its session moved to a weekday morning (the one waiting is free on weekday
    /// evenings only), and the seat given up.
    /// </summary>
    private async Task<(string Work, (string Id, HttpClient Client) Waiting)> FreedInAMorningAsync()
    {
        var (work, seated, waiting) = await OneSeatedOneWaitingAsync();
        var morning = Body(seats: 1, sessionId: "s1", start: LocalIn(TimeSpan.FromDays(10), 9), end: LocalIn(TimeSpan.FromDays(10), 11));
        await HttpAssert.Ok<OpportunityDto>(await _recruiter.PutJson(work, morning, (await _recruiter.GetAsync(work)).Headers.ETag!.Tag));
        await HttpAssert.Ok<OpportunityDto>(await seated.Client.PostAsync($"{work}/withdraw", null));
        return (work, waiting);
    }

    [Fact]
    public async Task Someone_waiting_is_not_given_a_place_in_work_moved_to_a_time_they_said_they_are_not_free_and_is_once_it_is_back()
    {
        var (work, waiting) = await FreedInAMorningAsync();

        Assert.Equal("Waitlisted", (await HttpAssert.Ok<OpportunityDto>(await waiting.Client.GetAsync(work))).MyState);

        await HttpAssert.Ok<OpportunityDto>(await _recruiter.PutJson(work, Body(seats: 1, sessionId: "s1"), (await _recruiter.GetAsync(work)).Headers.ETag!.Tag));
        Assert.Equal("Confirmed", (await HttpAssert.Ok<OpportunityDto>(await waiting.Client.GetAsync(work))).MyState);
    }

    [Fact]
    public async Task A_place_left_free_in_work_moved_to_a_morning_goes_to_someone_waiting_once_they_are_free_then_and_say_yes_to_the_new_time()
    {
        var (work, waiting) = await FreedInAMorningAsync();
        Assert.Equal("Waitlisted", (await HttpAssert.Ok<OpportunityDto>(await waiting.Client.GetAsync(work))).MyState);

        await HttpAssert.Ok<JsonElement>(await waiting.Client.PutAsJsonAsync("/api/engagements/me/profile", new
        {
            kinds = new[] { "focus-group" }, topics = new[] { "housing" }, noTopics = Array.Empty<string>(), availability = new[] { "weekdayMorning", "weekdayEvening" },
            timeZone = "America/Los_Angeles",
        }));

        // Free in the morning now, but their yes was to the evening: the place waits for a yes to the morning.
        var seen = await HttpAssert.Ok<JsonElement>(await waiting.Client.GetAsync(work));
        Assert.Equal("Waitlisted", seen.GetProperty("myState").GetString());
        Assert.True(seen.GetProperty("waitsForYesAgain").GetBoolean());
        Assert.Equal(0, (await HttpAssert.Ok<OpportunityDto>(await _recruiter.GetAsync(work))).SeatsTaken);

        Assert.Equal("Confirmed", (await HttpAssert.Ok<OpportunityDto>(await waiting.Client.PostJson($"{work}/apply", null, seen.GetProperty("version").GetString()))).MyState);
        Assert.Equal(1, (await HttpAssert.Ok<OpportunityDto>(await _recruiter.GetAsync(work))).SeatsTaken);
    }

    [Fact]
    public async Task A_place_left_free_while_nobody_waiting_was_free_goes_to_them_once_they_say_they_are_free_then()
    {
        var (work, seated, waiting) = await OneSeatedOneWaitingAsync();
        await HttpAssert.Ok<JsonElement>(await waiting.Client.PutAsJsonAsync("/api/engagements/me/profile", new
        {
            kinds = new[] { "focus-group" }, topics = new[] { "housing" }, noTopics = Array.Empty<string>(), availability = new[] { "weekdayMorning" },
            timeZone = "America/Los_Angeles",
        }));
        await HttpAssert.Ok<OpportunityDto>(await seated.Client.PostAsync($"{work}/withdraw", null));
        Assert.Equal("Waitlisted", (await HttpAssert.Ok<OpportunityDto>(await waiting.Client.GetAsync(work))).MyState);

        await HttpAssert.Ok<JsonElement>(await waiting.Client.PutAsJsonAsync("/api/engagements/me/profile", new
        {
            kinds = new[] { "focus-group" }, topics = new[] { "housing" }, noTopics = Array.Empty<string>(), availability = new[] { "weekdayMorning", "weekdayEvening" },
            timeZone = "America/Los_Angeles",
        }));

        Assert.Equal("Confirmed", (await HttpAssert.Ok<OpportunityDto>(await waiting.Client.GetAsync(work))).MyState);
        Assert.Equal(1, (await HttpAssert.Ok<OpportunityDto>(await _recruiter.GetAsync(work))).SeatsTaken);
        var notices = await HttpAssert.Ok<PageDto<NotificationDto>>(await waiting.Client.GetAsync("/api/notifications"));
        Assert.Contains(notices.Items, n => n.Kind == "engagement-confirmed" && n.Text.StartsWith("A place opened up", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_cancelled_session_at_a_time_someone_waiting_is_free_does_not_give_them_a_place_in_the_morning_session_left()
    {
        var (work, seated, waiting) = await OneSeatedOneWaitingAsync();
        var evening = Body(seats: 1, sessionId: "s1");
        var withMorning = JsonSerializer.SerializeToNode(evening)!.AsObject();
        var morningSession = JsonSerializer.SerializeToNode(((System.Text.Json.Nodes.JsonArray)withMorning["sessions"]!)[0])!.AsObject();
        (morningSession["id"], morningSession["start"], morningSession["end"]) = (null, LocalIn(TimeSpan.FromDays(12), 9), LocalIn(TimeSpan.FromDays(12), 11));
        ((System.Text.Json.Nodes.JsonArray)withMorning["sessions"]!).Add(morningSession);
        await HttpAssert.Ok<OpportunityDto>(await _recruiter.PutJson(work, withMorning, (await _recruiter.GetAsync(work)).Headers.ETag!.Tag));
        await HttpAssert.Ok<JsonElement>(await _recruiter.PostAsync($"{work}/sessions/s1/cancel", null));

        await HttpAssert.Ok<OpportunityDto>(await seated.Client.PostAsync($"{work}/withdraw", null));

        Assert.Equal("Waitlisted", (await HttpAssert.Ok<OpportunityDto>(await waiting.Client.GetAsync(work))).MyState);
    }

    [Fact]
    public async Task A_profile_saved_from_an_older_tab_does_not_undo_a_topic_added_since_to_what_they_will_not_speak_about()
    {
        var (id, client) = await AdvisorAsync();
        var portal = await PortalSession.SignedInAsync(api, id);
        var version = PortalSession.Hidden(await portal.GetStringAsync("/paid-work"), "Version");
        var saved = await HttpAssert.Ok<JsonElement>(await client.PutAsJsonAsync("/api/engagements/me/profile", new
        {
            kinds = new[] { "focus-group" }, topics = new[] { "housing" }, noTopics = new[] { "family" }, timeZone = "America/Los_Angeles",
        }));

        var stale = await PortalSession.PostFormAsync(portal, "/paid-work", "profile",
            ("Version", version), ("ChosenKinds", "focus-group"), ("Topics", "housing"), ("NoTopics", ""), ("TimeZone", "America/Los_Angeles"));

        Assert.NotEqual(version, saved.GetProperty("version").GetString());
        Assert.Contains("Someone else changed this", stale, StringComparison.Ordinal);
        var profile = await HttpAssert.Ok<JsonElement>(await client.GetAsync("/api/engagements/me/profile"));
        Assert.Equal(["family"], profile.GetProperty("noTopics").EnumerateArray().Select(t => t.GetString()));
    }

    [Fact]
    public async Task A_deadline_in_the_hour_the_clocks_skip_is_refused_beside_its_field_not_with_an_error_page()
    {
        var portal = await PortalSession.SignedInAsync(api, "demo-recruiter");
        var draftId = PortalSession.Hidden(await portal.GetStringAsync("/opportunities"), "DraftId");
        var title = "Skipped deadline " + draftId[..6];

        var answer = await PortalSession.PostFormAsync(portal, "/opportunities", "create",
            ("DraftId", draftId), ("Kind", "focus-group"), ("Title", title), ("Topics", "housing"), ("Zone", "America/Los_Angeles"),
            ("SessionIds", ""), ("Starts", "2030-03-20T18:00"), ("Ends", "2030-03-20T20:00"), ("Modes", "online"), ("Wheres", "https://meet.example/housing"),
            ("Seats", "5"), ("Deadline", "2030-03-10T02:30"), ("Basis", "PerSession"), ("Rate", "150"), ("Prep", "30"));

        Assert.Contains("the clocks go forward then", answer, StringComparison.Ordinal);
        Assert.Contains($"value=\"{title}\"", answer, StringComparison.Ordinal);
        var mine = await HttpAssert.Ok<PageDto<JsonElement>>(await _recruiter.GetAsync("/api/engagements/opportunities?pageSize=100"));
        Assert.DoesNotContain(mine.Items, o => o.GetProperty("title").GetString() == title);
    }

    [Fact]
    public async Task A_draft_saved_twice_by_a_second_tap_is_one_draft()
    {
        var portal = await PortalSession.SignedInAsync(api, "demo-recruiter");
        var draftId = PortalSession.Hidden(await portal.GetStringAsync("/opportunities"), "DraftId");
        var day = TimeZoneInfo.ConvertTimeBySystemTimeZoneId(api.Time.GetUtcNow(), "America/Los_Angeles").Date.AddDays(10);
        string Local(DateTime at) => at.ToString("yyyy-MM-dd'T'HH:mm", System.Globalization.CultureInfo.InvariantCulture);
        var title = "Tapped twice " + draftId[..6];
        (string, string)[] fields =
        [
            ("DraftId", draftId), ("Kind", "focus-group"), ("Title", title), ("Topics", "housing"), ("Zone", "America/Los_Angeles"),
            ("SessionIds", ""), ("Starts", Local(day.AddHours(18))), ("Ends", Local(day.AddHours(20))), ("Modes", "online"), ("Wheres", "https://meet.example/housing"),
            ("Seats", "5"), ("Deadline", Local(day.AddDays(-3))), ("Basis", "PerSession"), ("Rate", "150"), ("Prep", "30"), ("Travel", "true"), ("PerDiem", "true"),
        ];

        var first = await PortalSession.PostFormAsync(portal, "/opportunities", "create", fields);

        var second = await PortalSession.PostFormAsync(portal, "/opportunities", "create", fields);

        Assert.Contains("Saved as a draft.", first, StringComparison.Ordinal);
        Assert.Contains("This draft is saved already.", second, StringComparison.Ordinal);
        var mine = await HttpAssert.Ok<PageDto<JsonElement>>(await _recruiter.GetAsync("/api/engagements/opportunities?pageSize=100"));
        Assert.Single(mine.Items, o => o.GetProperty("title").GetString() == title);
    }

    [Fact]
    public async Task A_freed_seat_passes_over_those_waiting_who_opted_out_or_no_longer_take_paid_work()
    {
        var opportunity = await PublishedAsync(seats: 1);
        var seated = await AdvisorAsync();
        var optedOut = await AdvisorAsync();
        var deactivated = await AdvisorAsync();
        var next = await AdvisorAsync();
        foreach (var advisor in new[] { seated, optedOut, deactivated, next })
        {
            await _world.ConfirmAsync(opportunity.Id, advisor);
        }

        await HttpAssert.Ok<JsonElement>(await optedOut.Client.PostJson("/api/engagements/me/contact", new { optIn = false }));
        var person = await _admin.GetAsync($"/api/people/{deactivated.Id}");
        using var deactivate = new HttpRequestMessage(HttpMethod.Post, $"/api/people/{deactivated.Id}/deactivate");
        deactivate.Headers.TryAddWithoutValidation("If-Match", person.Headers.ETag!.Tag);
        await HttpAssert.Ok<JsonElement>(await _admin.SendAsync(deactivate));

        await HttpAssert.Ok<OpportunityDto>(await seated.Client.PostAsync($"/api/engagements/opportunities/{opportunity.Id}/withdraw", null));

        var places = (await HttpAssert.Ok<OpportunityDto>(await _recruiter.GetAsync($"/api/engagements/opportunities/{opportunity.Id}"))).Participants!
            .ToDictionary(p => p.GetProperty("personId").GetString()!, p => p.GetProperty("state").GetString());
        Assert.Equal("Confirmed", places[next.Id]);
        Assert.Equal("NotTakingPart", places[optedOut.Id]);
        Assert.Equal(1, (await HttpAssert.Ok<OpportunityDto>(await _recruiter.GetAsync($"/api/engagements/opportunities/{opportunity.Id}"))).SeatsTaken);
        Assert.DoesNotContain((await HttpAssert.Ok<PageDto<NotificationDto>>(await optedOut.Client.GetAsync("/api/notifications"))).Items, n => n.Kind == "engagement-confirmed");
    }

    [Fact]
    public async Task Someone_recorded_at_two_sessions_at_once_is_paid_for_both_only_for_minutes_that_fit_between_them()
    {
        var first = await PublishedAsync();
        var second = await PublishedAsync(body: Body(start: LocalIn(TimeSpan.FromDays(10), 19), end: LocalIn(TimeSpan.FromDays(10), 21), title: "What helps people stay in work"));
        var advisor = await AdvisorAsync();
        await _world.ConfirmAsync(first.Id, advisor);
        await _world.ConfirmAsync(second.Id, advisor);
        api.Time.Advance(TimeSpan.FromDays(11));
        string Attendance(OpportunityDto work) => $"/api/engagements/opportunities/{work.Id}/sessions/s1/attendance";

        await HttpAssert.Ok<List<ClaimDto>>(await _recruiter.PostJson(Attendance(first), new { entries = new[] { new { personId = advisor.Id, outcome = "attended" } } }));
        var twice = await HttpAssert.Problem(await _recruiter.PostJson(Attendance(second), new { entries = new[] { new { personId = advisor.Id, outcome = "attended" } } }), 409);
        // Minutes typed beside "attended" pay the whole session all the same, so they do not make it fit.
        await HttpAssert.Problem(await _recruiter.PostJson(Attendance(second), new { entries = new[] { new { personId = advisor.Id, outcome = "attended", minutesAttended = 30 } } }), 409);

        Assert.Contains("another session at the same time", twice.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Empty(await HttpAssert.Ok<List<ClaimDto>>(await _recruiter.GetAsync($"/api/engagements/opportunities/{second.Id}/claims")));

        // They left the first an hour in, for the whole of the second.
        await HttpAssert.Ok<List<ClaimDto>>(await _recruiter.PostJson(Attendance(first), new { entries = new[] { new { personId = advisor.Id, outcome = "partial", minutesAttended = 60 } } }));
        var both = await HttpAssert.Ok<List<ClaimDto>>(await _recruiter.PostJson(Attendance(second), new { entries = new[] { new { personId = advisor.Id, outcome = "attended" } } }));
        Assert.Equal(150m, Assert.Single(both).Amount);

        // Two recorded before this check (or at the same moment) leave each form to be sent again as it stands.
        var store = api.Services.GetRequiredService<IDocumentStore>();
        var firstClaim = (await store.ReadAsync<CompensationClaim>(EngagementData.Container, CompensationClaim.IdFor(first.Id, "s1", advisor.Id), "demo", default))!;
        await store.ReplaceAsync(EngagementData.Container, firstClaim with { Outcome = AttendanceOutcome.Attended, MinutesAttended = null }, firstClaim.ETag!, default);
        await HttpAssert.Ok<List<ClaimDto>>(await _recruiter.PostJson(Attendance(second), new { entries = new[] { new { personId = advisor.Id, outcome = "attended" } } }));
        await HttpAssert.Ok<List<ClaimDto>>(await _recruiter.PostJson(Attendance(first), new { entries = new[] { new { personId = advisor.Id, outcome = "attended" } } }));
        await HttpAssert.Ok<List<ClaimDto>>(await _recruiter.PostJson(Attendance(first), new { entries = new[] { new { personId = advisor.Id, outcome = "attended", minutesAttended = 120 } } }));
    }

    [Fact]
    public async Task Attendance_after_the_session_creates_a_claim_per_participant_and_they_add_their_travel()
    {
        var (opportunity, first, second) = await SoonAsync(startsIn: 3);
        var (stranger, _) = await AdvisorAsync();
        var attendance = $"/api/engagements/opportunities/{opportunity.Id}/sessions/s1/attendance";
        var entries = new object[] { new { personId = first.Id, outcome = "attended" }, new { personId = second.Id, outcome = "partial", minutesAttended = 60 } };

        await HttpAssert.Problem(await _recruiter.PostJson(attendance, new { entries }), 409);
        api.Time.Advance(TimeSpan.FromHours(6));
        var notConfirmed = await HttpAssert.Problem(await _recruiter.PostJson(attendance, new { entries = entries.Append(new { personId = stranger, outcome = "attended" }) }), 400);
        Assert.True(notConfirmed.GetProperty("errors").TryGetProperty("entries[2].personId", out _));
        Assert.Empty(await HttpAssert.Ok<List<ClaimDto>>(await _recruiter.GetAsync($"/api/engagements/opportunities/{opportunity.Id}/claims")));

        var claims = await HttpAssert.Ok<List<ClaimDto>>(await _recruiter.PostJson(attendance, new { entries }));

        // A 150 stipend for a two-hour session with 30 minutes' preparation. Half the session attended, with all the
        // preparation done, is 1.5 of its 2.5 hours: 90, the stipend's rate for every hour paid.
        Assert.Equal(150m, claims.Single(c => c.PersonId == first.Id).Amount);
        Assert.Equal(2.5m, claims.Single(c => c.PersonId == first.Id).HoursPaid);
        Assert.Equal(90m, claims.Single(c => c.PersonId == second.Id).Amount);
        Assert.Equal(1.5m, claims.Single(c => c.PersonId == second.Id).HoursPaid);
        var travel = await HttpAssert.Ok<ClaimDto>(await first.Client.PutAsJsonAsync($"/api/engagements/opportunities/{opportunity.Id}/sessions/s1/travel",
            new { miles = 23.5m, costs = new[] { new { description = "Parking", amount = 12.00m } }, travelDays = 1 }));
        Assert.Equal(23.5m, travel.Travel!.Value.GetProperty("miles").GetDecimal());
        Assert.Single(await HttpAssert.Ok<List<ClaimDto>>(await first.Client.GetAsync("/api/engagements/me/claims")));
        await HttpAssert.Problem(await api.AsSubject(stranger, "demo").PutAsJsonAsync($"/api/engagements/opportunities/{opportunity.Id}/sessions/s1/travel", new { miles = 5m }), 404);

        // Each is told once that their claim waits for their travel, however often the form is sent again.
        await HttpAssert.Ok<List<ClaimDto>>(await _recruiter.PostJson(attendance, new { entries }));
        foreach (var person in new[] { first, second })
        {
            var told = (await HttpAssert.Ok<PageDto<NotificationDto>>(await person.Client.GetAsync("/api/notifications"))).Items;
            Assert.Single(told, n => n.Kind == "engagement-attendance-recorded");
        }
    }

    [Fact]
    public async Task Pay_is_not_lowered_under_someone_who_worked_a_session_and_withdrew_before_it_was_recorded()
    {
        api.Time.Advance(ClockChanges.UntilSteadyClocks(api.Time.GetUtcNow(), "America/Los_Angeles", TimeSpan.FromDays(10)));
        var now = api.Time.GetUtcNow();
        string At(int hours) => TimeZoneInfo.ConvertTimeBySystemTimeZoneId(now.AddHours(hours), "America/Los_Angeles").ToString("yyyy-MM-dd'T'HH:mm:00", System.Globalization.CultureInfo.InvariantCulture);
        object Twice(decimal stipend, bool ids) => new
        {
            kind = "focus-group", title = "What helps people stay housed", description = "Two evenings.", topics = new[] { "Housing after exit" },
            sessions = new[] { (Id: "s1", From: 3), (Id: "s2", From: 100) }.Select(x => new
            {
                id = ids ? x.Id : null, start = At(x.From), end = At(x.From + 2), timeZone = "America/Los_Angeles", inPerson = false, location = (string?)null, link = "https://meet.example/housing",
            }),
            seats = 10, applicationDeadline = now.AddMinutes(30),
            compensation = new { basis = "perSession", rate = stipend, prepMinutesPerSession = 30, travelAllowed = false, perDiemAllowed = false },
        };
        var opportunity = await PublishedAsync(body: Twice(150m, ids: false));
        var work = $"/api/engagements/opportunities/{opportunity.Id}";
        var first = await AdvisorAsync(availableAnyTime: true);
        await _world.ConfirmAsync(opportunity.Id, first);

        // They take part in the first evening, then cannot come to the second.
        api.Time.Advance(TimeSpan.FromHours(6));
        await HttpAssert.Ok<OpportunityDto>(await first.Client.PostAsync($"{work}/withdraw", null));
        await _world.SetBenchmarkAsync(focusGroupRate: 40m);
        try
        {
            var refused = await HttpAssert.Problem(await _recruiter.PutJson(work, Twice(120m, ids: true), (await _recruiter.GetAsync(work)).Headers.ETag!.Tag), 409);

            Assert.Contains("never lowered", refused.GetProperty("detail").GetString(), StringComparison.Ordinal);
            var claim = Assert.Single(await HttpAssert.Ok<List<ClaimDto>>(await _recruiter.PostJson($"{work}/sessions/s1/attendance",
                new { entries = new[] { new { personId = first.Id, outcome = "attended" } } })));
            Assert.Equal(150m, claim.Amount);
        }
        finally
        {
            await _world.SetBenchmarkAsync();
        }
    }

    [Fact]
    public async Task Someone_recorded_as_not_coming_is_told_once_so_they_can_say_if_they_were_there()
    {
        var (opportunity, first, second) = await SoonAsync(startsIn: 3);
        api.Time.Advance(TimeSpan.FromHours(6));
        var attendance = $"/api/engagements/opportunities/{opportunity.Id}/sessions/s1/attendance";
        var entries = new object[] { new { personId = first.Id, outcome = "attended" }, new { personId = second.Id, outcome = "noShow" } };

        await HttpAssert.Ok<List<ClaimDto>>(await _recruiter.PostJson(attendance, new { entries }));
        await HttpAssert.Ok<List<ClaimDto>>(await _recruiter.PostJson(attendance, new { entries }));
        // Corrected to not coming, the first hears of it once: as a claim that pays less.
        await HttpAssert.Ok<List<ClaimDto>>(await _recruiter.PostJson(attendance, new { entries = new object[] { new { personId = first.Id, outcome = "noShow" }, new { personId = second.Id, outcome = "noShow" } } }));

        var toldAbsent = (await HttpAssert.Ok<PageDto<NotificationDto>>(await second.Client.GetAsync("/api/notifications"))).Items;
        var toldThere = (await HttpAssert.Ok<PageDto<NotificationDto>>(await first.Client.GetAsync("/api/notifications"))).Items;
        Assert.Single(toldAbsent, n => n.Kind == "engagement-recorded-absent");
        Assert.DoesNotContain(toldAbsent, n => n.Kind == "engagement-attendance-recorded");
        Assert.DoesNotContain(toldThere, n => n.Kind == "engagement-recorded-absent");
        Assert.Single(toldThere, n => n.Kind == "engagement-claim-lowered");
    }

    [Fact]
    public async Task A_session_that_went_ahead_before_its_work_was_cancelled_is_still_paid()
    {
        var (opportunity, first, second) = await SoonAsync(startsIn: 3);
        api.Time.Advance(TimeSpan.FromHours(6));
        await HttpAssert.Ok<OpportunityDto>(await _recruiter.PostAsync($"/api/engagements/opportunities/{opportunity.Id}/cancel", null));

        var claims = await HttpAssert.Ok<List<ClaimDto>>(await _recruiter.PostJson($"/api/engagements/opportunities/{opportunity.Id}/sessions/s1/attendance",
            new { entries = new[] { new { personId = first.Id, outcome = "attended" }, new { personId = second.Id, outcome = "attended" } } }));

        Assert.All(claims, c => Assert.Equal(150m, c.Amount));
    }

    [Theory]
    [InlineData(6, 150)]
    [InlineData(48, 0)]
    public async Task A_cancelled_session_tells_those_confirmed_and_pays_them_when_it_is_cancelled_late(int startsIn, int owed)
    {
        var (opportunity, first, _) = await SoonAsync(startsIn);

        var claims = await HttpAssert.Ok<List<ClaimDto>>(await _recruiter.PostAsync($"/api/engagements/opportunities/{opportunity.Id}/sessions/s1/cancel", null));

        Assert.Equal(2, claims.Count);
        Assert.All(claims, c => Assert.Equal(owed, c.Amount));
        Assert.Contains((await HttpAssert.Ok<PageDto<NotificationDto>>(await first.Client.GetAsync("/api/notifications"))).Items, n => n.Kind == "engagement-cancelled");
        await HttpAssert.Problem(await _recruiter.PostAsync($"/api/engagements/opportunities/{opportunity.Id}/sessions/s1/cancel", null), 409);
    }

    [Theory]
    [InlineData("sessions/s1/cancel")]
    [InlineData("cancel")]
    public async Task A_cancellation_whose_request_failed_part_way_is_finished_later_paying_and_telling_everyone_once_as_on_the_day_it_was_made(string cancel)
    {
        var (opportunity, first, second) = await SoonAsync(startsIn: 6);

        var failed = await api.FailingWriteOnceAsync(d => d is CompensationClaim c && c.PersonId == second.Id,
            () => _recruiter.PostAsync($"/api/engagements/opportunities/{opportunity.Id}/{cancel}", null));
        var claimsBefore = await HttpAssert.Ok<List<ClaimDto>>(await _recruiter.GetAsync($"/api/engagements/opportunities/{opportunity.Id}/claims"));
        // Finished after the session would have begun, it pays as the six hours' notice it was given.
        api.Time.Advance(TimeSpan.FromHours(8));
        var worker = api.Services.GetRequiredService<EngagementReminderWorker>();
        await worker.RunOnceAsync(CancellationToken.None);
        await worker.RunOnceAsync(CancellationToken.None);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, failed.StatusCode);
        Assert.DoesNotContain(claimsBefore, c => c.PersonId == second.Id);
        var claims = await HttpAssert.Ok<List<ClaimDto>>(await _recruiter.GetAsync($"/api/engagements/opportunities/{opportunity.Id}/claims"));
        Assert.Equal([150m, 150m], claims.Where(c => c.PersonId == first.Id || c.PersonId == second.Id).Select(c => c.Amount));
        foreach (var person in new[] { first, second })
        {
            var told = (await HttpAssert.Ok<PageDto<NotificationDto>>(await person.Client.GetAsync("/api/notifications"))).Items;
            Assert.Single(told, n => n.Kind == "engagement-cancelled");
        }

        var store = api.Services.GetRequiredService<IDocumentStore>();
        Assert.Empty(await store.QueryAllAsync<CancellationDue>(
            EngagementData.Container, CancellationDue.Partition, [Filter.Eq("opportunityId", opportunity.Id)], CancellationToken.None));

        // The claim the worker wrote is the canceller's, as the one written in the request is: they approve neither alone.
        async Task<string> RecorderAsync(string personId) =>
            (await store.ReadAsync<CompensationClaim>(EngagementData.Container, CompensationClaim.IdFor(opportunity.Id, "s1", personId), "demo", CancellationToken.None))!.RecordedBy;
        Assert.Equal(await RecorderAsync(first.Id), await RecorderAsync(second.Id));
        Assert.NotEqual(EngagementReminderWorker.SystemUser, await RecorderAsync(second.Id));
    }

    [Fact]
    public async Task A_place_is_not_cancelled_once_its_session_has_begun_though_one_cancelled_in_time_is_kept_with_the_rest()
    {
        var (opportunity, first, second) = await SoonAsync(startsIn: 30);
        var attendance = $"/api/engagements/opportunities/{opportunity.Id}/sessions/s1/attendance";
        await HttpAssert.Ok<List<ClaimDto>>(await _recruiter.PostJson(attendance, new { entries = new[] { new { personId = first.Id, outcome = "cancelledByAgency" } } }));
        api.Time.Advance(TimeSpan.FromHours(33));

        var refused = await HttpAssert.Problem(await _recruiter.PostJson(attendance, new { entries = new[] { new { personId = second.Id, outcome = "cancelledByAgency" } } }), 409);
        var recorded = await HttpAssert.Ok<List<ClaimDto>>(await _recruiter.PostJson(attendance, new
        {
            entries = new object[] { new { personId = first.Id, outcome = "cancelledByAgency" }, new { personId = second.Id, outcome = "noShow" } },
        }));

        Assert.Contains("has begun", refused.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal("CancelledByAgency", recorded.Single(c => c.PersonId == first.Id).Outcome, ignoreCase: true);
        Assert.Equal(("NoShow", 0m), (recorded.Single(c => c.PersonId == second.Id).Outcome, recorded.Single(c => c.PersonId == second.Id).Amount));

        // Had they left and been confirmed again after that cancellation, it was not of the place they held.
        var store = api.Services.GetRequiredService<IDocumentStore>();
        var place = (await store.ReadAsync<Participation>(EngagementData.Container, Participation.IdFor(opportunity.Id, first.Id), "demo", CancellationToken.None))!;
        var cancelledAt = (await store.ReadAsync<CompensationClaim>(EngagementData.Container, CompensationClaim.IdFor(opportunity.Id, "s1", first.Id), "demo", CancellationToken.None))!.RecordedAt;
        await store.ReplaceAsync(EngagementData.Container, place with { ConfirmedAt = cancelledAt.AddHours(1) }, place.ETag!, CancellationToken.None);
        await HttpAssert.Problem(await _recruiter.PostJson(attendance, new { entries = new[] { new { personId = first.Id, outcome = "cancelledByAgency" } } }), 409);
    }

    [Fact]
    public async Task A_place_the_agency_cancels_before_the_session_is_news_to_its_holder_and_off_for_them_alone()
    {
        var (opportunity, first, second) = await SoonAsync(startsIn: 6);
        var attendance = $"/api/engagements/opportunities/{opportunity.Id}/sessions/s1/attendance";

        var claims = await HttpAssert.Ok<List<ClaimDto>>(await _recruiter.PostJson(attendance, new { entries = new[] { new { personId = first.Id, outcome = "cancelledByAgency" } } }));
        await HttpAssert.Ok<List<ClaimDto>>(await _recruiter.PostJson(attendance, new { entries = new[] { new { personId = first.Id, outcome = "cancelledByAgency" } } }));

        // Six hours' notice is short notice here: the place is paid, and its holder is told, once.
        Assert.Equal(150m, claims.Single().Amount);
        var told = (await HttpAssert.Ok<PageDto<NotificationDto>>(await first.Client.GetAsync("/api/notifications"))).Items;
        Assert.Single(told, n => n.Kind == "engagement-place-cancelled");
        Assert.DoesNotContain((await HttpAssert.Ok<PageDto<NotificationDto>>(await second.Client.GetAsync("/api/notifications"))).Items, n => n.Kind == "engagement-place-cancelled");

        var theirs = (await HttpAssert.Ok<List<OpportunityDto>>(await first.Client.GetAsync("/api/engagements/me/opportunities"))).Single(o => o.Id == opportunity.Id).Sessions.Single();
        var others = (await HttpAssert.Ok<List<OpportunityDto>>(await second.Client.GetAsync("/api/engagements/me/opportunities"))).Single(o => o.Id == opportunity.Id).Sessions.Single();
        Assert.NotEqual(JsonValueKind.Null, theirs.GetProperty("cancelledAt").ValueKind);
        Assert.Equal(JsonValueKind.Null, others.GetProperty("cancelledAt").ValueKind);

        var feed = (await HttpAssert.Ok<JsonElement>(await first.Client.PostAsync("/api/engagements/me/calendar", null))).GetProperty("path").GetString()!;
        var calendar = Ical.Net.Calendar.Load(await api.Anonymous().GetStringAsync(feed))!;
        Assert.Equal(Ical.Net.EventStatus.Cancelled, calendar.Events.Single(e => e.Uid!.StartsWith(opportunity.Id, StringComparison.Ordinal)).Status);
    }

    [Fact]
    public async Task A_place_given_up_and_taken_again_after_the_agency_cancelled_it_is_the_persons_again()
    {
        var (opportunity, first, _) = await SoonAsync(startsIn: 48);
        await HttpAssert.Ok<List<ClaimDto>>(await _recruiter.PostJson($"/api/engagements/opportunities/{opportunity.Id}/sessions/s1/attendance",
            new { entries = new[] { new { personId = first.Id, outcome = "cancelledByAgency" } } }));

        await HttpAssert.Ok<OpportunityDto>(await first.Client.PostAsync($"/api/engagements/opportunities/{opportunity.Id}/withdraw", null));
        api.Time.Advance(TimeSpan.FromSeconds(1));
        var again = await HttpAssert.Ok<OpportunityDto>(await first.Client.PostAsync($"/api/engagements/opportunities/{opportunity.Id}/apply", null));

        Assert.Equal("Confirmed", again.MyState);
        Assert.Equal(JsonValueKind.Null, again.Sessions.Single().GetProperty("cancelledAt").ValueKind);
        var mine = (await HttpAssert.Ok<List<OpportunityDto>>(await first.Client.GetAsync("/api/engagements/me/opportunities"))).Single(o => o.Id == opportunity.Id);
        Assert.Equal(JsonValueKind.Null, mine.Sessions.Single().GetProperty("cancelledAt").ValueKind);

        // Cancelled again, the place they hold now is cancelled, and they are told again.
        await HttpAssert.Ok<List<ClaimDto>>(await _recruiter.PostJson($"/api/engagements/opportunities/{opportunity.Id}/sessions/s1/attendance",
            new { entries = new[] { new { personId = first.Id, outcome = "cancelledByAgency" } } }));
        mine = (await HttpAssert.Ok<List<OpportunityDto>>(await first.Client.GetAsync("/api/engagements/me/opportunities"))).Single(o => o.Id == opportunity.Id);
        Assert.NotEqual(JsonValueKind.Null, mine.Sessions.Single().GetProperty("cancelledAt").ValueKind);
        Assert.Equal(2, (await HttpAssert.Ok<PageDto<NotificationDto>>(await first.Client.GetAsync("/api/notifications"))).Items.Count(n => n.Kind == "engagement-place-cancelled"));
    }

    [Fact]
    public async Task A_travel_form_saved_empty_on_a_place_cancelled_early_claims_nothing_so_the_place_can_still_be_given_back()
    {
        var (opportunity, first, _) = await SoonAsync(startsIn: 48);
        await HttpAssert.Ok<List<ClaimDto>>(await _recruiter.PostJson($"/api/engagements/opportunities/{opportunity.Id}/sessions/s1/attendance",
            new { entries = new[] { new { personId = first.Id, outcome = "cancelledByAgency" } } }));

        await HttpAssert.Ok<JsonElement>(await first.Client.PutAsJsonAsync($"/api/engagements/opportunities/{opportunity.Id}/sessions/s1/travel", new { miles = (decimal?)null, travelDays = 0 }));

        Assert.DoesNotContain(opportunity.Id, await _recruiter.GetStringAsync("/claims-to-pay"), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NoContent, (await _recruiter.PostAsync($"/api/engagements/opportunities/{opportunity.Id}/sessions/s1/places/{first.Id}/restore", null)).StatusCode);
    }

    [Fact]
    public async Task A_place_is_not_given_back_in_work_the_benchmark_has_risen_above_since_it_was_published()
    {
        var (opportunity, first, _) = await SoonAsync(startsIn: 48);
        await HttpAssert.Ok<List<ClaimDto>>(await _recruiter.PostJson($"/api/engagements/opportunities/{opportunity.Id}/sessions/s1/attendance",
            new { entries = new[] { new { personId = first.Id, outcome = "cancelledByAgency" } } }));
        await SetBenchmarkAsync(70m);
        try
        {
            var refused = await HttpAssert.Problem(await _recruiter.PostAsync($"/api/engagements/opportunities/{opportunity.Id}/sessions/s1/places/{first.Id}/restore", null), 409);

            Assert.Contains("no place is given back", refused.GetProperty("detail").GetString(), StringComparison.Ordinal);
            var mine = (await HttpAssert.Ok<List<OpportunityDto>>(await first.Client.GetAsync("/api/engagements/me/opportunities"))).Single(o => o.Id == opportunity.Id);
            Assert.NotEqual(JsonValueKind.Null, mine.Sessions.Single().GetProperty("cancelledAt").ValueKind);
        }
        finally
        {
            await SetBenchmarkAsync();
        }
    }

    [Fact]
    public async Task A_place_is_not_given_back_in_work_touching_what_its_holder_has_since_said_they_will_not_speak_about()
    {
        var (opportunity, first, _) = await SoonAsync(startsIn: 48);
        await HttpAssert.Ok<List<ClaimDto>>(await _recruiter.PostJson($"/api/engagements/opportunities/{opportunity.Id}/sessions/s1/attendance",
            new { entries = new[] { new { personId = first.Id, outcome = "cancelledByAgency" } } }));
        await EngagementWorld.WillNotSpeakAboutAsync(first, "housing");

        var refused = await HttpAssert.Problem(await _recruiter.PostAsync($"/api/engagements/opportunities/{opportunity.Id}/sessions/s1/places/{first.Id}/restore", null), 409);

        Assert.Contains("will not speak about", refused.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Mileage_and_days_away_are_paid_for_a_place_cancelled_at_short_notice_and_for_one_cancelled_in_good_time_only_costs_paid_ahead()
    {
        var (early, earlyOne, _) = await SoonAsync(startsIn: 72);
        var (late, lateOne, _) = await SoonAsync(startsIn: 3);
        foreach (var (opportunity, person) in new[] { (early, earlyOne), (late, lateOne) })
        {
            await HttpAssert.Ok<List<ClaimDto>>(await _recruiter.PostJson($"/api/engagements/opportunities/{opportunity.Id}/sessions/s1/attendance",
                new { entries = new[] { new { personId = person.Id, outcome = "cancelledByAgency" } } }));
        }

        var refused = await HttpAssert.Problem(await earlyOne.Client.PutAsJsonAsync($"/api/engagements/opportunities/{early.Id}/sessions/s1/travel", new { miles = 40m, travelDays = 1 }), 409);
        Assert.Contains("cancelled days before it began", refused.GetProperty("detail").GetString(), StringComparison.Ordinal);
        await HttpAssert.Problem(await earlyOne.Client.PutAsJsonAsync($"/api/engagements/opportunities/{early.Id}/sessions/s1/travel", new { travelDays = 2, lodging = 90m }), 409);
        await HttpAssert.Ok<JsonElement>(await earlyOne.Client.PutAsJsonAsync($"/api/engagements/opportunities/{early.Id}/sessions/s1/travel", new { costs = new[] { new { description = "Bus pass, bought ahead", amount = 12.00m } } }));
        await HttpAssert.Ok<JsonElement>(await lateOne.Client.PutAsJsonAsync($"/api/engagements/opportunities/{late.Id}/sessions/s1/travel", new { miles = 40m, travelDays = 1 }));

        // Cancelled a day and a half ahead, outside the agency's window for paying time but with someone maybe on their way.
        var (dayAhead, dayAheadOne, _) = await SoonAsync(startsIn: 36);
        await HttpAssert.Ok<List<ClaimDto>>(await _recruiter.PostJson($"/api/engagements/opportunities/{dayAhead.Id}/sessions/s1/attendance",
            new { entries = new[] { new { personId = dayAheadOne.Id, outcome = "cancelledByAgency" } } }));
        await HttpAssert.Ok<JsonElement>(await dayAheadOne.Client.PutAsJsonAsync($"/api/engagements/opportunities/{dayAhead.Id}/sessions/s1/travel", new { miles = 40m, travelDays = 2, lodging = 90m }));
    }

    [Fact]
    public async Task A_place_the_agency_gives_back_before_the_session_is_the_persons_again_they_are_told_and_a_new_cancellation_is_news_again()
    {
        var (opportunity, first, second) = await SoonAsync(startsIn: 48);
        var attendance = $"/api/engagements/opportunities/{opportunity.Id}/sessions/s1/attendance";
        var restore = $"/api/engagements/opportunities/{opportunity.Id}/sessions/s1/places/{first.Id}/restore";
        await HttpAssert.Ok<List<ClaimDto>>(await _recruiter.PostJson(attendance, new { entries = new[] { new { personId = first.Id, outcome = "cancelledByAgency" } } }));

        Assert.Equal(HttpStatusCode.NoContent, (await _recruiter.PostAsync(restore, null)).StatusCode);

        Assert.Empty(await HttpAssert.Ok<List<ClaimDto>>(await _recruiter.GetAsync($"/api/engagements/opportunities/{opportunity.Id}/claims")));
        var told = (await HttpAssert.Ok<PageDto<NotificationDto>>(await first.Client.GetAsync("/api/notifications"))).Items;
        Assert.Single(told, n => n.Kind == "engagement-place-restored");
        Assert.DoesNotContain((await HttpAssert.Ok<PageDto<NotificationDto>>(await second.Client.GetAsync("/api/notifications"))).Items, n => n.Kind == "engagement-place-restored");
        var mine = (await HttpAssert.Ok<List<OpportunityDto>>(await first.Client.GetAsync("/api/engagements/me/opportunities"))).Single(o => o.Id == opportunity.Id);
        Assert.Equal(JsonValueKind.Null, mine.Sessions.Single().GetProperty("cancelledAt").ValueKind);
        var feed = (await HttpAssert.Ok<JsonElement>(await first.Client.PostAsync("/api/engagements/me/calendar", null))).GetProperty("path").GetString()!;
        var calendar = Ical.Net.Calendar.Load(await api.Anonymous().GetStringAsync(feed))!;
        Assert.NotEqual(Ical.Net.EventStatus.Cancelled, calendar.Events.Single(e => e.Uid!.StartsWith(opportunity.Id, StringComparison.Ordinal)).Status);

        // Nothing is cancelled now, so there is nothing to give back.
        await HttpAssert.Problem(await _recruiter.PostAsync(restore, null), 409);

        // Cancelled again, it is a new cancellation, and they are told again; given back again, told again.
        api.Time.Advance(TimeSpan.FromMinutes(5));
        await HttpAssert.Ok<List<ClaimDto>>(await _recruiter.PostJson(attendance, new { entries = new[] { new { personId = first.Id, outcome = "cancelledByAgency" } } }));
        Assert.Equal(HttpStatusCode.NoContent, (await _recruiter.PostAsync(restore, null)).StatusCode);
        told = (await HttpAssert.Ok<PageDto<NotificationDto>>(await first.Client.GetAsync("/api/notifications"))).Items;
        Assert.Equal(2, told.Count(n => n.Kind == "engagement-place-cancelled"));
        Assert.Equal(2, told.Count(n => n.Kind == "engagement-place-restored"));
    }

    [Fact]
    public async Task A_cancellation_that_pays_stands_so_its_pay_is_never_taken_back_nor_paid_for_a_place_given_back()
    {
        // Six hours' notice is short notice: the cancellation pays 150.
        var (late, first, _) = await SoonAsync(startsIn: 6);
        await HttpAssert.Ok<List<ClaimDto>>(await _recruiter.PostJson($"/api/engagements/opportunities/{late.Id}/sessions/s1/attendance",
            new { entries = new[] { new { personId = first.Id, outcome = "cancelledByAgency" } } }));

        var refused = await HttpAssert.Problem(await _recruiter.PostAsync($"/api/engagements/opportunities/{late.Id}/sessions/s1/places/{first.Id}/restore", null), 409);

        Assert.Contains("pays them", refused.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(150m, Assert.Single(await HttpAssert.Ok<List<ClaimDto>>(await _recruiter.GetAsync($"/api/engagements/opportunities/{late.Id}/claims"))).Amount);

        // In good time it pays nothing, until they claim travel on it.
        var (early, other, _) = await SoonAsync(startsIn: 48);
        await HttpAssert.Ok<List<ClaimDto>>(await _recruiter.PostJson($"/api/engagements/opportunities/{early.Id}/sessions/s1/attendance",
            new { entries = new[] { new { personId = other.Id, outcome = "cancelledByAgency" } } }));
        await HttpAssert.Ok<ClaimDto>(await other.Client.PutAsJsonAsync($"/api/engagements/opportunities/{early.Id}/sessions/s1/travel", new { costs = new[] { new { description = "Train ticket, bought ahead", amount = 18.00m } } }));

        await HttpAssert.Problem(await _recruiter.PostAsync($"/api/engagements/opportunities/{early.Id}/sessions/s1/places/{other.Id}/restore", null), 409);
        Assert.NotNull(Assert.Single(await HttpAssert.Ok<List<ClaimDto>>(await _recruiter.GetAsync($"/api/engagements/opportunities/{early.Id}/claims"))).Travel);
        Assert.DoesNotContain((await HttpAssert.Ok<PageDto<NotificationDto>>(await other.Client.GetAsync("/api/notifications"))).Items, n => n.Kind == "engagement-place-restored");
    }

    [Fact]
    public async Task A_place_cancelled_at_short_notice_is_not_recorded_afterwards_as_not_coming_which_would_take_its_pay_and_travel()
    {
        var (opportunity, first, second) = await SoonAsync(startsIn: 6);
        var attendance = $"/api/engagements/opportunities/{opportunity.Id}/sessions/s1/attendance";
        await HttpAssert.Ok<List<ClaimDto>>(await _recruiter.PostJson(attendance, new { entries = new[] { new { personId = first.Id, outcome = "cancelledByAgency" } } }));
        await HttpAssert.Ok<ClaimDto>(await first.Client.PutAsJsonAsync($"/api/engagements/opportunities/{opportunity.Id}/sessions/s1/travel", new { costs = new[] { new { description = "Train ticket, bought ahead", amount = 18.00m } } }));
        api.Time.Advance(TimeSpan.FromHours(9));

        var refused = await HttpAssert.Problem(await _recruiter.PostJson(attendance, new
        {
            entries = new object[] { new { personId = second.Id, outcome = "attended" }, new { personId = first.Id, outcome = "noShow" } },
        }), 409);
        Assert.Empty(await HttpAssert.Ok<List<ClaimDto>>(await second.Client.GetAsync("/api/engagements/me/claims")));
        await HttpAssert.Problem(await _recruiter.PostJson(attendance, new { entries = new[] { new { personId = first.Id, outcome = "partial", minutesAttended = 10 } } }), 409);

        Assert.Contains("that stands", refused.GetProperty("detail").GetString(), StringComparison.Ordinal);
        var kept = Assert.Single(await HttpAssert.Ok<List<ClaimDto>>(await first.Client.GetAsync("/api/engagements/me/claims")));
        Assert.Equal(("CancelledByAgency", 150m), (kept.Outcome, kept.Amount));
        Assert.NotNull(kept.Travel);

        // Had they come all the same, that is recorded: it pays them the whole session, and their travel stays.
        var came = Assert.Single(await HttpAssert.Ok<List<ClaimDto>>(await _recruiter.PostJson(attendance, new { entries = new[] { new { personId = first.Id, outcome = "attended" } } })));
        Assert.Equal("Attended", came.Outcome);
        Assert.True(came.Amount >= 150m);
        Assert.NotNull(came.Travel);
    }

    [Fact]
    public async Task Someone_whose_recorded_session_is_corrected_to_pay_less_is_told_once_and_a_correction_that_pays_more_tells_nothing()
    {
        var (opportunity, first, second) = await SoonAsync(startsIn: 3);
        var attendance = $"/api/engagements/opportunities/{opportunity.Id}/sessions/s1/attendance";
        api.Time.Advance(TimeSpan.FromHours(6));
        await HttpAssert.Ok<List<ClaimDto>>(await _recruiter.PostJson(attendance, new { entries = new object[] { new { personId = first.Id, outcome = "attended" }, new { personId = second.Id, outcome = "partial", minutesAttended = 30 } } }));

        await HttpAssert.Ok<List<ClaimDto>>(await _recruiter.PostJson(attendance, new { entries = new object[] { new { personId = first.Id, outcome = "noShow" }, new { personId = second.Id, outcome = "attended" } } }));
        await HttpAssert.Ok<List<ClaimDto>>(await _recruiter.PostJson(attendance, new { entries = new object[] { new { personId = first.Id, outcome = "noShow" } } }));

        var firstTold = (await HttpAssert.Ok<PageDto<NotificationDto>>(await first.Client.GetAsync("/api/notifications"))).Items;
        var secondTold = (await HttpAssert.Ok<PageDto<NotificationDto>>(await second.Client.GetAsync("/api/notifications"))).Items;
        Assert.Single(firstTold, n => n.Kind == "engagement-claim-lowered");
        Assert.DoesNotContain(secondTold, n => n.Kind == "engagement-claim-lowered");
    }

    [Fact]
    public async Task A_place_is_given_back_only_before_its_session_only_by_its_agency_and_only_to_someone_still_opted_in()
    {
        var (opportunity, first, second) = await SoonAsync(startsIn: 48);
        string Restore(string personId, string session = "s1") => $"/api/engagements/opportunities/{opportunity.Id}/sessions/{session}/places/{personId}/restore";
        await HttpAssert.Ok<List<ClaimDto>>(await _recruiter.PostJson($"/api/engagements/opportunities/{opportunity.Id}/sessions/s1/attendance",
            new { entries = new[] { new { personId = first.Id, outcome = "cancelledByAgency" }, new { personId = second.Id, outcome = "cancelledByAgency" } } }));

        await HttpAssert.Problem(await _recruiter.PostAsync(Restore("nobody-here"), null), 404);
        await HttpAssert.Problem(await _recruiter.PostAsync(Restore("..~" + first.Id), null), 404);
        await HttpAssert.Problem(await _recruiter.PostAsync(Restore(first.Id, session: "s9"), null), 404);
        var northRecruiter = "north-rec-" + Guid.NewGuid().ToString("N")[..8];
        Assert.Equal(HttpStatusCode.Created, (await api.As("north-admin").PostJson("/api/people", new { subjectId = northRecruiter, displayName = "North recruiter", roles = new[] { "Recruiter" } })).StatusCode);
        await HttpAssert.Problem(await api.AsSubject(northRecruiter, "demo-north").PostAsync(Restore(first.Id), null), 404);

        // Someone who has since said no more paid work is not committed to it again.
        await HttpAssert.Ok<JsonElement>(await first.Client.PostJson("/api/engagements/me/contact", new { optIn = false }));
        var optedOut = await HttpAssert.Problem(await _recruiter.PostAsync(Restore(first.Id), null), 409);
        Assert.Contains("no longer take this paid work", optedOut.GetProperty("detail").GetString(), StringComparison.Ordinal);

        // Once the session has begun, a place is not given back: what happened is recorded as attendance.
        api.Time.Advance(TimeSpan.FromHours(49));
        await HttpAssert.Problem(await _recruiter.PostAsync(Restore(second.Id), null), 409);
        foreach (var person in new[] { first, second })
        {
            Assert.DoesNotContain((await HttpAssert.Ok<PageDto<NotificationDto>>(await person.Client.GetAsync("/api/notifications"))).Items, n => n.Kind == "engagement-place-restored");
        }

        Assert.Equal(2, (await HttpAssert.Ok<List<ClaimDto>>(await _recruiter.GetAsync($"/api/engagements/opportunities/{opportunity.Id}/claims"))).Count);
    }

    [Fact]
    public async Task A_place_is_not_given_back_in_a_session_cancelled_while_it_was_being_given_back()
    {
        var (opportunity, first, _) = await SoonAsync(startsIn: 48);
        await HttpAssert.Ok<List<ClaimDto>>(await _recruiter.PostJson($"/api/engagements/opportunities/{opportunity.Id}/sessions/s1/attendance",
            new { entries = new[] { new { personId = first.Id, outcome = "cancelledByAgency" } } }));

        // The session is cancelled after the place to give back was read, just before it is written.
        var (restoring, cancelling) = await api.InBetweenAsync(
            $"{opportunity.Id}~{first.Id}",
            later: () => _recruiter.PostAsync($"/api/engagements/opportunities/{opportunity.Id}/sessions/s1/cancel", null),
            earlier: () => _recruiter.PostAsync($"/api/engagements/opportunities/{opportunity.Id}/sessions/s1/places/{first.Id}/restore", null));

        Assert.Equal(HttpStatusCode.OK, cancelling.StatusCode);
        await HttpAssert.Problem(restoring, 409);
        var claim = Assert.Single(await HttpAssert.Ok<List<ClaimDto>>(await _recruiter.GetAsync($"/api/engagements/opportunities/{opportunity.Id}/claims")), c => c.PersonId == first.Id);
        Assert.Equal("CancelledByAgency", claim.Outcome);
        Assert.DoesNotContain((await HttpAssert.Ok<PageDto<NotificationDto>>(await first.Client.GetAsync("/api/notifications"))).Items, n => n.Kind == "engagement-place-restored");
    }

    [Fact]
    public async Task A_place_cancelled_in_good_time_stays_unpaid_and_untold_again_when_the_whole_session_is_cancelled_late_and_the_others_are_paid()
    {
        var (opportunity, first, second) = await SoonAsync(startsIn: 48);
        await HttpAssert.Ok<List<ClaimDto>>(await _recruiter.PostJson($"/api/engagements/opportunities/{opportunity.Id}/sessions/s1/attendance",
            new { entries = new[] { new { personId = first.Id, outcome = "cancelledByAgency" } } }));
        api.Time.Advance(TimeSpan.FromHours(44));

        var claims = await HttpAssert.Ok<List<ClaimDto>>(await _recruiter.PostAsync($"/api/engagements/opportunities/{opportunity.Id}/sessions/s1/cancel", null));

        Assert.Equal(0m, claims.Single(c => c.PersonId == first.Id).Amount);
        Assert.Equal(150m, claims.Single(c => c.PersonId == second.Id).Amount);

        // The short-notice words of the session's notice are not for someone whose place went in good time.
        Assert.DoesNotContain((await HttpAssert.Ok<PageDto<NotificationDto>>(await first.Client.GetAsync("/api/notifications"))).Items, n => n.Kind == "engagement-cancelled");
        Assert.Contains((await HttpAssert.Ok<PageDto<NotificationDto>>(await second.Client.GetAsync("/api/notifications"))).Items, n => n.Kind == "engagement-cancelled");
    }

    [Fact]
    public async Task A_kind_of_work_stays_while_an_opportunity_of_that_kind_may_still_run_and_one_left_without_its_kind_is_refused_not_failed()
    {
        var draft = await DraftOfNewKindAsync();

        var refused = await HttpAssert.Problem(await _admin.PutSettingsAsync("/api/engagements/settings", KindsWith(listening: false)), 409);
        Assert.Contains("\"Listening session\" is the kind of an opportunity", refused.GetProperty("detail").GetString(), StringComparison.Ordinal);

        await HttpAssert.Ok<OpportunityDto>(await _recruiter.PostAsync($"/api/engagements/opportunities/{draft.Id}/cancel", null));
        await HttpAssert.Ok<JsonElement>(await _admin.PutSettingsAsync("/api/engagements/settings", KindsWith(listening: false)));

        // An opportunity whose kind went before the rule above (taken straight out of the stored settings) is refused when published.
        var older = await DraftOfNewKindAsync();
        var store = api.Services.GetRequiredService<IDocumentStore>();
        var settings = await store.ReadAsync<EngagementSettings>(EngagementSettings.Container, EngagementSettings.DocumentId, "demo", CancellationToken.None);
        await store.UpsertAsync(EngagementSettings.Container, settings! with { Kinds = [.. settings.Kinds.Where(k => k.Key != "listening-session")] }, CancellationToken.None);

        var publish = await HttpAssert.Problem(await _recruiter.PostAsync($"/api/engagements/opportunities/{older.Id}/publish", null), 409);
        Assert.Contains("no longer one of your agency's", publish.GetProperty("detail").GetString(), StringComparison.Ordinal);
        await HttpAssert.Ok<OpportunityDto>(await _recruiter.PostAsync($"/api/engagements/opportunities/{older.Id}/cancel", null));
    }

    [Fact]
    public async Task Pay_rates_saved_from_an_older_page_are_refused_and_terms_left_out_of_a_save_stay_as_they_were()
    {
        await _world.SetBenchmarkAsync(lateCancellationPays: false, lateCancellationHours: 48);
        var read = (await HttpAssert.Ok<JsonElement>(await _admin.GetAsync("/api/engagements/settings"))).GetProperty("version").GetString()!;
        await HttpAssert.Ok<JsonElement>(await _admin.PutJson("/api/engagements/settings", KindsWith(listening: true), read));

        await HttpAssert.Problem(await _admin.PutJson("/api/engagements/settings", KindsWith(listening: false), read), 412);
        await HttpAssert.Problem(await _admin.PutAsJsonAsync("/api/engagements/settings", KindsWith(listening: false)), 428);
        // The same rates sent again from that page (after telling the other admins failed) change nothing: answered as saved.
        await HttpAssert.Ok<JsonElement>(await _admin.PutJson("/api/engagements/settings", KindsWith(listening: true), read));

        var kept = await HttpAssert.Ok<JsonElement>(await _admin.GetAsync("/api/engagements/settings"));
        Assert.False(kept.GetProperty("lateCancellationPays").GetBoolean());
        Assert.Equal(48, kept.GetProperty("lateCancellationHours").GetInt32());
        await _world.SetBenchmarkAsync();
    }

    [Fact]
    public async Task A_pay_rates_page_refused_because_another_admin_saved_first_shows_their_rates_so_a_second_press_keeps_them()
    {
        await _world.SetBenchmarkAsync(lateCancellationPays: false, lateCancellationHours: 48);
        var portal = await PortalSession.SignedInAsync(api, "demo-admin");
        var stale = PortalSession.Hidden(await portal.GetStringAsync("/pay-rates"), "Version");
        await _world.SetBenchmarkAsync(focusGroupRate: 75m, lateCancellationPays: false, lateCancellationHours: 72);

        var refused = await PortalSession.PostFormAsync(portal, "/pay-rates", "rates", ("Version", stale),
            ("Keys", "focus-group"), ("Names", "Focus group"), ("Rates", "60"), ("Keys", "policy-review"), ("Names", "Policy or protocol review"), ("Rates", "80"), ("LateHours", "48"));

        Assert.Contains("value=\"75", refused, StringComparison.Ordinal);
        Assert.Contains("name=\"LateHours\" value=\"72\"", refused, StringComparison.Ordinal);
        Assert.Equal((await HttpAssert.Ok<JsonElement>(await _admin.GetAsync("/api/engagements/settings"))).GetProperty("version").GetString(), PortalSession.Hidden(refused, "Version"));
        await _world.SetBenchmarkAsync();
    }

    private async Task<OpportunityDto> DraftOfNewKindAsync()
    {
        await HttpAssert.Ok<JsonElement>(await _admin.PutSettingsAsync("/api/engagements/settings", KindsWith(listening: true)));
        var body = JsonSerializer.SerializeToNode(Body())!.AsObject();
        body["kind"] = "listening-session";
        return await HttpAssert.Ok<OpportunityDto>(await _recruiter.PostJson("/api/engagements/opportunities", body));
    }

    private static object KindsWith(bool listening) => new
    {
        currency = "USD",
        kinds = new object[]
        {
            new { key = "focus-group", name = "Focus group", benchmarkHourlyRate = 60m },
            new { key = "policy-review", name = "Policy or protocol review", benchmarkHourlyRate = 80m },
        }.Concat(listening ? [new { key = "listening-session", name = "Listening session", benchmarkHourlyRate = 60m }] : []).ToArray(),
    };

    [Fact]
    public async Task Cancelling_an_opportunity_cancels_its_sessions_to_come_for_everyone_confirmed()
    {
        var (opportunity, first, second) = await SoonAsync(startsIn: 4);

        var cancelled = await HttpAssert.Ok<OpportunityDto>(await _recruiter.PostAsync($"/api/engagements/opportunities/{opportunity.Id}/cancel", null));

        Assert.Equal("Cancelled", cancelled.State);
        var claims = await HttpAssert.Ok<List<ClaimDto>>(await _recruiter.GetAsync($"/api/engagements/opportunities/{opportunity.Id}/claims"));
        Assert.Equal(new[] { first.Id, second.Id }.Order(StringComparer.Ordinal), claims.Select(c => c.PersonId).Order(StringComparer.Ordinal));
        Assert.All(claims, c => Assert.Equal("CancelledByAgency", c.Outcome));

        // Their card says so, not "confirmed", and offers no answer to work that is not happening.
        var page = await (await PortalSession.SignedInAsync(api, first.Id)).GetStringAsync("/paid-work");
        var card = page[page.IndexOf($"data-offer-id=\"{opportunity.Id}\"", StringComparison.Ordinal)..];
        card = card[..card.IndexOf("</li>", card.IndexOf("class=\"actions\"", StringComparison.Ordinal), StringComparison.Ordinal)];
        Assert.Contains("The agency cancelled this work. Nothing you did caused it.", card, StringComparison.Ordinal);
        Assert.DoesNotContain("You are confirmed", card, StringComparison.Ordinal);
        Assert.DoesNotContain("name=\"Act\"", card, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_calendar_feed_has_confirmed_sessions_at_the_right_instants_across_a_daylight_saving_change_and_a_new_link_ends_the_old()
    {
        // 18:00 in Los Angeles is 02:00 UTC the next day before the change and 01:00 UTC after it.
        var change = NextSpringForward();
        var body = new
        {
            kind = "focus-group",
            title = "Private title that must not reach a calendar",
            topics = new[] { "housing" },
            sessions = new[]
            {
                new { start = Local(change.AddDays(-1), 18), end = Local(change.AddDays(-1), 20), timeZone = "America/Los_Angeles", inPerson = true, location = (string?)"Harbor Light", link = (string?)null },
                new { start = Local(change.AddDays(1), 18), end = Local(change.AddDays(1), 20), timeZone = "America/Los_Angeles", inPerson = false, location = (string?)null, link = (string?)"https://meet.example/second" },
            },
            seats = 5,
            applicationDeadline = api.Time.GetUtcNow().AddDays(7),
            compensation = new { basis = "hourly", rate = 75m, prepMinutesPerSession = 0, travelAllowed = true, perDiemAllowed = true },
        };
        var opportunity = await PublishedAsync(body: body);
        var (id, client) = await AdvisorAsync(availableAnyTime: true);
        await _recruiter.PostJson($"/api/engagements/opportunities/{opportunity.Id}/invitations", new { personId = id });
        await HttpAssert.Ok<OpportunityDto>(await client.PostAsync($"/api/engagements/opportunities/{opportunity.Id}/accept", null));
        var link = await HttpAssert.Ok<JsonElement>(await client.PostAsync("/api/engagements/me/calendar", null));
        var path = link.GetProperty("path").GetString()!;

        var response = await api.Anonymous().GetAsync(path);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/calendar", response.Content.Headers.ContentType?.MediaType);
        var text = await response.Content.ReadAsStringAsync();
        Assert.DoesNotContain("Private title", text, StringComparison.Ordinal);
        var calendar = Ical.Net.Calendar.Load(text)!;
        var starts = calendar.Events.Select(e => e.DtStart!.AsUtc).Order().ToList();
        Assert.Equal([change.ToDateTime(new TimeOnly(2, 0), DateTimeKind.Utc), change.AddDays(2).ToDateTime(new TimeOnly(1, 0), DateTimeKind.Utc)], starts);
        // Whoever sees the phone's calendar learns neither where survivors meet nor how to join them, nor the service's name.
        Assert.DoesNotContain("Harbor Light", text, StringComparison.Ordinal);
        Assert.DoesNotContain("survivor", text, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("meet.example", text, StringComparison.Ordinal);
        Assert.All(calendar.Events, e => Assert.Equal("Where it is and how to join are in your portal.", e.Description));

        var newer = (await HttpAssert.Ok<JsonElement>(await client.PostAsync("/api/engagements/me/calendar", null))).GetProperty("path").GetString()!;
        Assert.Equal(HttpStatusCode.NotFound, (await api.Anonymous().GetAsync(path)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await api.Anonymous().GetAsync(newer)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await api.Anonymous().GetAsync(newer.Replace("/demo/", "/demo-north/", StringComparison.Ordinal))).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await api.Anonymous().GetAsync(newer[..^10] + "AAAAAA.ics")).StatusCode);
        Assert.False((await HttpAssert.Ok<JsonElement>(await client.GetAsync("/api/engagements/me/calendar"))).TryGetProperty("path", out var shown) && shown.ValueKind == JsonValueKind.String);
    }

    [Fact]
    public async Task An_answer_no_button_on_the_paid_work_page_sends_changes_nothing_and_never_gives_up_a_place()
    {
        var (opportunity, first, _) = await SoonAsync(startsIn: 48);
        var portal = await PortalSession.SignedInAsync(api, first.Id);

        await PortalSession.PostFormAsync(portal, "/paid-work", "answer", ("Act", $"7:{opportunity.Id}"));

        var mine = (await HttpAssert.Ok<List<OpportunityDto>>(await first.Client.GetAsync("/api/engagements/me/opportunities"))).Single(o => o.Id == opportunity.Id);
        Assert.Equal("Confirmed", mine.MyState);
    }

    [Fact]
    public async Task A_calendar_link_turned_off_reads_nothing_and_its_owner_sees_when_a_calendar_last_read_it()
    {
        var (_, client) = await AdvisorAsync();
        var link = (await HttpAssert.Ok<JsonElement>(await client.PostAsync("/api/engagements/me/calendar", null))).GetProperty("path").GetString()!;
        Assert.Equal(JsonValueKind.Null, (await HttpAssert.Ok<JsonElement>(await client.GetAsync("/api/engagements/me/calendar"))).GetProperty("lastReadAt").ValueKind);
        Assert.Equal(HttpStatusCode.OK, (await api.Anonymous().GetAsync(link)).StatusCode);
        Assert.Equal(api.Time.GetUtcNow(), (await HttpAssert.Ok<JsonElement>(await client.GetAsync("/api/engagements/me/calendar"))).GetProperty("lastReadAt").GetDateTimeOffset());

        var off = await HttpAssert.Ok<JsonElement>(await client.DeleteAsync("/api/engagements/me/calendar"));

        Assert.False(off.GetProperty("exists").GetBoolean());
        Assert.Equal(HttpStatusCode.NotFound, (await api.Anonymous().GetAsync(link)).StatusCode);
        Assert.False((await HttpAssert.Ok<JsonElement>(await client.GetAsync("/api/engagements/me/calendar"))).GetProperty("exists").GetBoolean());
    }

    [Fact]
    public async Task Another_agencys_recruiter_and_advisor_can_neither_reach_nor_answer_this_agencys_opportunity_nor_find_its_survivors()
    {
        var opportunity = await PublishedAsync();
        var (ours, _) = await AdvisorAsync();
        var northAdmin = api.As("north-admin");
        var recruiterId = "north-rec-" + Guid.NewGuid().ToString("N")[..8];
        var advisorId = "north-adv-" + Guid.NewGuid().ToString("N")[..8];
        Assert.Equal(HttpStatusCode.Created, (await northAdmin.PostJson("/api/people", new { subjectId = recruiterId, displayName = "North recruiter", roles = new[] { "Recruiter" } })).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await northAdmin.PostJson("/api/people", new { subjectId = advisorId, displayName = "North advisor", roles = new[] { "Advisor" } })).StatusCode);
        var northRecruiter = api.AsSubject(recruiterId, "demo-north");
        var northAdvisor = api.AsSubject(advisorId, "demo-north");
        await HttpAssert.Ok<JsonElement>(await northAdvisor.PutAsJsonAsync("/api/engagements/me/profile", new { kinds = new[] { "focus-group" }, topics = new[] { "housing" }, timeZone = "America/Los_Angeles" }));
        await HttpAssert.Ok<JsonElement>(await northAdvisor.PostJson("/api/engagements/me/contact", new { optIn = true }));
        var path = $"/api/engagements/opportunities/{opportunity.Id}";

        await HttpAssert.Problem(await northRecruiter.GetAsync(path), 404);
        await HttpAssert.Problem(await northRecruiter.GetAsync(path + "/candidates"), 404);
        await HttpAssert.Problem(await northRecruiter.PostJson(path + "/invitations", new { personId = ours }), 404);
        await HttpAssert.Problem(await northRecruiter.PostAsync(path + "/cancel", null), 404);
        await HttpAssert.Problem(await northAdvisor.PostAsync(path + "/apply", null), 404);
        Assert.DoesNotContain(await HttpAssert.Ok<List<OpportunityDto>>(await northAdvisor.GetAsync("/api/engagements/me/opportunities")), o => o.Id == opportunity.Id);

        // Their own opportunity lists their own survivors only, and our recruiter cannot invite theirs.
        await HttpAssert.Problem(await _recruiter.PostJson(path + "/invitations", new { personId = advisorId }), 404);
        Assert.DoesNotContain(await HttpAssert.Ok<List<CandidateDto>>(await _recruiter.GetAsync(path + "/candidates")), c => c.PersonId == advisorId);
    }

    [Fact]
    public async Task Moving_a_session_tells_those_confirmed_and_those_only_asked_and_no_one_withdraws_once_every_session_has_started()
    {
        var (opportunity, first, _) = await SoonAsync(startsIn: 30);
        var invited = await AdvisorAsync(availableAnyTime: true);
        await HttpAssert.Ok<JsonElement>(await _recruiter.PostJson($"/api/engagements/opportunities/{opportunity.Id}/invitations", new { personId = invited.Id }));
        var current = await _recruiter.GetAsync($"/api/engagements/opportunities/{opportunity.Id}");
        var now = api.Time.GetUtcNow();
        string At(double hours) => TimeZoneInfo.ConvertTimeBySystemTimeZoneId(now.AddHours(hours), "America/Los_Angeles").ToString("yyyy-MM-dd'T'HH:mm:00", System.Globalization.CultureInfo.InvariantCulture);
        var moved = new HttpRequestMessage(HttpMethod.Put, $"/api/engagements/opportunities/{opportunity.Id}")
        {
            Content = JsonContent.Create(Body(start: At(31), end: At(33), deadline: now.AddMinutes(30), inPerson: true, travel: true, sessionId: "s1")),
        };
        moved.Headers.TryAddWithoutValidation("If-Match", current.Headers.ETag!.Tag);

        await HttpAssert.Ok<OpportunityDto>(await _recruiter.SendAsync(moved));

        Assert.Contains((await HttpAssert.Ok<PageDto<NotificationDto>>(await first.Client.GetAsync("/api/notifications"))).Items, n => n.Kind == "engagement-changed");
        Assert.Contains((await HttpAssert.Ok<PageDto<NotificationDto>>(await invited.Client.GetAsync("/api/notifications"))).Items, n => n.Kind == "engagement-changed");
        api.Time.Advance(TimeSpan.FromHours(32));
        var late = await HttpAssert.Problem(await first.Client.PostAsync($"/api/engagements/opportunities/{opportunity.Id}/withdraw", null), 409);
        Assert.Contains("Every session has started", late.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("end-before-start")]
    [InlineData("no-such-zone")]
    [InlineData("zero-seats")]
    [InlineData("negative-rate")]
    [InlineData("absurd-rate")]
    [InlineData("skipped-local-time")]
    [InlineData("local-time-twice")]
    [InlineData("time-with-an-offset")]
    [InlineData("time-in-utc")]
    [InlineData("deadline-after-the-session")]
    public async Task Bad_opportunities_are_400_with_the_field_named_and_nothing_is_created(string bad)
    {
        await SetBenchmarkAsync();
        var body = bad switch
        {
            "end-before-start" => Body(start: LocalIn(TimeSpan.FromDays(10), 18), end: LocalIn(TimeSpan.FromDays(10), 17)),
            "no-such-zone" => Body(zone: "Mars/Olympus_Mons"),
            "zero-seats" => Body(seats: 0),
            "negative-rate" => Body(stipend: -5m),
            "absurd-rate" => Body(stipend: 1_000_000m),
            "skipped-local-time" => Body(start: Local(NextSpringForward(), 2, 30), end: Local(NextSpringForward(), 4)),
            "local-time-twice" => Body(start: Local(NextFallBack(), 1, 30), end: Local(NextFallBack(), 3)),
            "time-with-an-offset" => Body(start: LocalIn(TimeSpan.FromDays(10), 18) + "-07:00", end: LocalIn(TimeSpan.FromDays(10), 20) + "-07:00"),
            "time-in-utc" => Body(start: LocalIn(TimeSpan.FromDays(10), 18) + "Z", end: LocalIn(TimeSpan.FromDays(10), 20)),
            // Past the session whatever the day: LocalIn may move it from ten days out to twelve, past a weekend.
            _ => Body(deadline: api.Time.GetUtcNow().AddDays(20)),
        };
        var before = await NewestOpportunityAsync();

        var problem = await HttpAssert.Problem(await _recruiter.PostJson("/api/engagements/opportunities", body), 400);

        Assert.True(problem.GetProperty("errors").EnumerateObject().Any());
        Assert.Equal(before, await NewestOpportunityAsync());
    }

    /// <summary>The id of the agency's newest opportunity (the list is newest first), or null when it has none.</summary>
    private async Task<string?> NewestOpportunityAsync() =>
        (await HttpAssert.Ok<PageDto<OpportunityDto>>(await _recruiter.GetAsync("/api/engagements/opportunities?pageSize=1"))).Items.FirstOrDefault()?.Id;
}
