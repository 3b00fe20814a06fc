using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Playwright;
using SurvivorConnect.Testing;
using static Microsoft.Playwright.Assertions;

namespace SurvivorConnect.BrowserTests;

/// <summary>
/// Paid work, each person in their own browser: the admin sets the pay benchmark, an advisor opts in on a phone,
/// a recruiter is refused publishing below parity, publishes at parity and invites, the advisor accepts, and after
/// the session the recruiter records attendance. A recruiter cancels one person's place before a session. A long list
/// of opportunities is read a page at a time.
/// </summary>
[Collection(Portal.Name)]
public sealed class EngagementJourneyTests(PortalServer server)
{
    [Fact]
    public async Task A_recruiter_publishes_at_parity_invites_and_records_attendance_and_an_advisor_accepts()
    {
        var admin = await SetBenchmarkAsync();
        await Accessibility.AssertNoSeriousViolationsAsync(admin);

        var advisor = await server.SignInAsync("Jordan (demo advisor)", phone: true);
        await advisor.GotoAsync("/paid-work");
        await advisor.GetByLabel("Focus group").CheckAsync();
        await advisor.GetByLabel("Topics you are happy to speak about").FillAsync("housing, jobs");
        await advisor.GetByLabel("Topics you will not speak about").FillAsync("family court");
        await advisor.GetByLabel("Anything that would help you take part (optional)").FillAsync("A seat near the door");
        await advisor.GetByRole(AriaRole.Button, new() { Name = "Save", Exact = true }).ClickAsync();
        await Expect(advisor.Locator("[data-outcome]")).ToContainTextAsync("Saved");
        await advisor.GetByRole(AriaRole.Button, new() { Name = "Yes, contact me about paid work" }).ClickAsync();
        await Expect(advisor.Locator("[data-outcome]")).ToContainTextAsync("Recruiters can now invite you");
        await Accessibility.AssertNoSeriousViolationsAsync(advisor);

        var recruiter = await server.SignInAsync("Jamie (demo recruiter)");
        await Expect(recruiter.GetByRole(AriaRole.Heading, new() { Name = "Paid opportunities" })).ToBeVisibleAsync();
        var title = "Housing focus group " + Guid.NewGuid().ToString("N")[..4];
        await CreateAsync(recruiter, title, rate: "100", inPerson: true);
        await recruiter.GetByRole(AriaRole.Button, new() { Name = "Publish" }).ClickAsync();
        await Expect(recruiter.Locator("[data-outcome]")).ToContainTextAsync("20.00 below the 60.00 USD");
        await Expect(recruiter.Locator("[data-candidates-later]")).ToContainTextAsync("Who it fits is shown once it is published.");
        await Expect(recruiter.Locator("[data-candidates]")).ToHaveCountAsync(0);
        await recruiter.GetByRole(AriaRole.Button, new() { Name = "Change details" }).ClickAsync();
        await Expect(recruiter.Locator("#create-heading")).ToContainTextAsync("Change");
        await recruiter.GetByLabel("Title").FillAsync(title + " (fair pay)");
        await recruiter.GetByLabel("Amount").FillAsync("160");
        await recruiter.GetByRole(AriaRole.Button, new() { Name = "Save changes" }).ClickAsync();
        await Expect(recruiter.Locator("[data-outcome]")).ToContainTextAsync("The changes are saved");
        await recruiter.GetByRole(AriaRole.Button, new() { Name = "Publish" }).ClickAsync();
        await Expect(recruiter.Locator("[data-outcome]")).ToContainTextAsync("The opportunity is published");
        var candidate = recruiter.Locator("[data-candidates] li", new() { HasText = "Jordan (demo advisor)" });
        await Expect(candidate).ToContainTextAsync("speaks about housing");
        await Accessibility.AssertNoSeriousViolationsAsync(recruiter);
        await candidate.GetByRole(AriaRole.Button).ClickAsync();
        await Expect(recruiter.Locator("[data-outcome]")).ToContainTextAsync("Invited");

        await advisor.GotoAsync("/paid-work");
        var offer = advisor.Locator("[data-offers] li", new() { HasText = title + " (fair pay)" });
        await Expect(offer).ToContainTextAsync("You are invited");
        await Expect(offer).ToContainTextAsync("No reason needed.");
        await Expect(offer.Locator("[data-offer-about]")).ToContainTextAsync("Nobody is asked to share their own story.");
        await Expect(offer.Locator("[data-offer-topics]")).ToHaveTextAsync("Topics it touches: housing");
        // Where a gathering of survivors meets is for those whose place is confirmed; until then, its area.
        await Expect(offer).ToContainTextAsync("in person in Fresno, downtown (the address is shared once your place is confirmed)");
        await Expect(offer).Not.ToContainTextAsync("12 Main St");
        await Accessibility.ScreenshotAsync(advisor, "advisor-invited-phone");
        await offer.GetByRole(AriaRole.Button, new() { Name = "Yes, I will take part" }).ClickAsync();
        await Expect(advisor.Locator("[data-outcome]")).ToContainTextAsync("Your answer is saved");
        await Expect(advisor.Locator("[data-offers] li", new() { HasText = title + " (fair pay)" })).ToContainTextAsync("You are confirmed");
        await Expect(advisor.Locator("[data-offers] li", new() { HasText = title + " (fair pay)" })).ToContainTextAsync("in person at Harbor Light, 12 Main St");
        await advisor.GetByRole(AriaRole.Button, new() { Name = "Make a new calendar link" }).ClickAsync();
        await Expect(advisor.Locator("[data-calendar-link]")).ToContainTextAsync("/calendar/demo/demo-advisor/");
        await Expect(advisor.Locator("[data-outcome]:has([data-calendar-link])")).ToBeFocusedAsync();

        // The page says when a calendar last read the link, so someone else reading it shows; and the link can be turned off.
        var link = await advisor.Locator("[data-calendar-link]").InnerTextAsync();
        Assert.Equal(200, (await advisor.APIRequest.GetAsync(link)).Status);
        await advisor.GotoAsync("/paid-work");
        await Expect(advisor.Locator("[data-calendar-made]")).ToContainTextAsync("A calendar last read it on");
        // A new link stops the one a calendar reads: asked about first.
        await ConfirmSteps.AnswerAsync(advisor, advisor.Locator("main"), "Make a new calendar link", "The one you have stops working at once", "No, keep my link");
        await Expect(advisor.Locator("[data-outcome]")).ToContainTextAsync("Your link still works.");
        Assert.Equal(200, (await advisor.APIRequest.GetAsync(link)).Status);
        await advisor.GetByRole(AriaRole.Button, new() { Name = "Turn the calendar link off" }).ClickAsync();
        await Expect(advisor.GetByText("Your calendar link is off.")).ToBeVisibleAsync();
        Assert.Equal(404, (await advisor.APIRequest.GetAsync(link)).Status);
        await Accessibility.AssertNoSeriousViolationsAsync(advisor);

        // Eleven days on, the session is over: the recruiter records who took part.
        server.Time.Advance(TimeSpan.FromDays(11));
        recruiter = await server.SignInAsync("Jamie (demo recruiter)");
        await recruiter.Locator("[data-opportunities] li", new() { HasText = title + " (fair pay)" }).GetByRole(AriaRole.Button).ClickAsync();
        await Expect(recruiter.Locator("[data-participants] li", new() { HasText = "Jordan (demo advisor)" })).ToContainTextAsync("What would help them take part: A seat near the door");
        // Nothing is chosen for anyone until the recruiter says what happened: the form does not go as it came.
        var happened = recruiter.Locator("[data-attendance]").GetByLabel("What happened");
        await Expect(happened).ToHaveValueAsync("");
        await recruiter.GetByRole(AriaRole.Button, new() { Name = "Record attendance" }).ClickAsync();
        Assert.True(await happened.EvaluateAsync<bool>("select => select.validity.valueMissing"));
        await Expect(recruiter.GetByText("Attendance is recorded")).ToHaveCountAsync(0);
        // Part of the session with no minutes is refused beside the minutes, and what was chosen stays chosen.
        await happened.SelectOptionAsync("Partial");
        await recruiter.GetByRole(AriaRole.Button, new() { Name = "Record attendance" }).ClickAsync();
        await Expect(recruiter.Locator("[data-outcome]")).ToContainTextAsync("Please check the highlighted fields");
        var minutes = recruiter.Locator("[data-attendance]").GetByLabel("Minutes, if part");
        await Expect(minutes).ToHaveAccessibleDescriptionAsync("Error: Required for partial attendance.");
        // The field is marked invalid, and the refusal lists it as a link that takes focus to it.
        await Expect(minutes).ToHaveAttributeAsync("aria-invalid", "true");
        await Expect(happened).Not.ToHaveAttributeAsync("aria-invalid", "true");
        await recruiter.Locator("[data-outcome] [data-error-summary]").GetByRole(AriaRole.Link, new() { Name = "Required for partial attendance." }).ClickAsync();
        await Expect(minutes).ToBeFocusedAsync();
        await Expect(happened).ToHaveValueAsync("Partial");
        await Accessibility.AssertNoSeriousViolationsAsync(recruiter);
        await happened.SelectOptionAsync("Attended");
        await recruiter.GetByRole(AriaRole.Button, new() { Name = "Record attendance" }).ClickAsync();
        await Expect(recruiter.Locator("[data-outcome]")).ToContainTextAsync("Attendance is recorded");
        await Accessibility.AssertNoSeriousViolationsAsync(recruiter);
        await Accessibility.ScreenshotAsync(recruiter, "recruiter-attendance-desktop");

        advisor = await server.SignInAsync("Jordan (demo advisor)", phone: true);
        await advisor.GotoAsync("/paid-work");
        await Expect(advisor.Locator("[data-claims]")).ToContainTextAsync("160.00 USD for 2.5 hours");
        await Accessibility.AssertNoSeriousViolationsAsync(advisor);
    }

    [Fact]
    public async Task An_advisor_told_what_stopping_contact_does_has_an_open_invitation_declined_when_they_stop()
    {
        await SetBenchmarkAsync();
        using var admin = await server.ApiAsAsync("demo-admin");
        var id = "adv-" + Guid.NewGuid().ToString("N")[..10];
        (await admin.PostAsJsonAsync("/api/people", new { displayName = "Advisor " + id[^4..], roles = new[] { "Advisor" }, subjectId = id })).EnsureSuccessStatusCode();
        var advisor = await server.SignInAsAddedAsync(id, phone: true);
        await advisor.GotoAsync("/paid-work");
        await advisor.GetByLabel("Focus group").CheckAsync();
        await advisor.GetByLabel("Topics you are happy to speak about").FillAsync("housing");
        await advisor.GetByRole(AriaRole.Button, new() { Name = "Save", Exact = true }).ClickAsync();
        await advisor.GetByRole(AriaRole.Button, new() { Name = "Yes, contact me about paid work" }).ClickAsync();
        await Expect(advisor.Locator("[data-outcome]")).ToContainTextAsync("Recruiters can now invite you");
        await Expect(advisor.GetByText("where it is and how to join stay here")).ToBeVisibleAsync();

        using var recruiter = await server.ApiAsAsync("demo-recruiter");
        var now = server.Time.GetUtcNow();
        string At(int hours) => TimeZoneInfo.ConvertTimeBySystemTimeZoneId(now.AddHours(hours), "America/Los_Angeles").ToString("yyyy-MM-dd'T'HH:mm:00", CultureInfo.InvariantCulture);
        var title = "Asked then opted out " + Guid.NewGuid().ToString("N")[..4];
        var draft = await recruiter.PostAsJsonAsync("/api/engagements/opportunities", new
        {
            kind = "focus-group",
            title,
            topics = new[] { "housing" },
            sessions = new[] { new { start = At(240), end = At(242), timeZone = "America/Los_Angeles", inPerson = false, link = "https://meet.example/private" } },
            seats = 5,
            applicationDeadline = now.AddDays(5),
            compensation = new { basis = "perSession", rate = 160m },
        });
        var opportunityId = (await draft.EnsureSuccessStatusCode().Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString();
        (await recruiter.PostAsync($"/api/engagements/opportunities/{opportunityId}/publish", null)).EnsureSuccessStatusCode();
        (await recruiter.PostAsJsonAsync($"/api/engagements/opportunities/{opportunityId}/invitations", new { personId = id })).EnsureSuccessStatusCode();

        await advisor.ReloadAsync();
        var offer = advisor.Locator("[data-offers] li", new() { HasText = title });
        await Expect(offer).ToContainTextAsync("You are invited.");
        await Expect(advisor.GetByText("invitations you have not answered are then declined")).ToBeVisibleAsync();
        await advisor.GetByRole(AriaRole.Button, new() { Name = "Stop contacting me" }).ClickAsync();
        await Expect(advisor.Locator("[data-outcome]")).ToContainTextAsync("invitations you had not answered are declined");
        await Expect(advisor.Locator("[data-offers] li", new() { HasText = title })).ToContainTextAsync("You said no, thank you.");
        await Accessibility.AssertNoSeriousViolationsAsync(advisor);
    }

    [Fact]
    public async Task A_recruiter_with_more_opportunities_than_a_page_finds_the_older_ones_a_page_on()
    {
        using var api = await server.ApiAsAsync("demo-recruiter");
        var now = server.Time.GetUtcNow();
        string At(int hours) => TimeZoneInfo.ConvertTimeBySystemTimeZoneId(now.AddHours(hours), "America/Los_Angeles").ToString("yyyy-MM-dd'T'HH:mm:00", CultureInfo.InvariantCulture);
        var drafts = Enumerable.Range(0, 51).Select(i => $"Paged draft {Guid.NewGuid().ToString("N")[..4]} {i:00}").ToList();
        foreach (var title in drafts)
        {
            (await api.PostAsJsonAsync("/api/engagements/opportunities", new
            {
                kind = "focus-group",
                title,
                sessions = new[] { new { start = At(240), end = At(242), timeZone = "America/Los_Angeles", inPerson = false, link = "https://meet.example/paged" } },
                seats = 5,
                applicationDeadline = now.AddDays(5),
                compensation = new { basis = "perSession", rate = 160m },
            })).EnsureSuccessStatusCode();
        }

        // What other journeys create after these is newer, so it stays on the first page.
        server.Time.Advance(TimeSpan.FromMinutes(1));

        var recruiter = await server.SignInAsync("Jamie (demo recruiter)");
        var titles = recruiter.Locator("[data-opportunities] li h2");
        var first = await titles.AllInnerTextsAsync();
        await recruiter.GetByRole(AriaRole.Button, new() { Name = "Older opportunities" }).ClickAsync();
        await Expect(titles.First).Not.ToHaveTextAsync(first[0]);
        var second = await titles.AllInnerTextsAsync();

        Assert.Equal(50, first.Count);
        Assert.Empty(first.Intersect(second));
        Assert.Subset(first.Concat(second).ToHashSet(), drafts.ToHashSet());
        await Accessibility.AssertNoSeriousViolationsAsync(recruiter);
    }

    [Fact]
    public async Task A_session_is_cancelled_only_after_the_recruiter_says_yes_and_stays_cancelled_when_the_opportunity_changes()
    {
        await SetBenchmarkAsync();

        var recruiter = await server.SignInAsync("Jamie (demo recruiter)");
        var title = "Two evenings on housing " + Guid.NewGuid().ToString("N")[..4];
        await CreateAsync(recruiter, title, rate: "160", sessions: 2);
        await recruiter.GetByRole(AriaRole.Button, new() { Name = "Publish" }).ClickAsync();
        await Expect(recruiter.Locator("[data-outcome]")).ToContainTextAsync("The opportunity is published");
        // Cancelling asks first, in words, with the focus on the question; "no" leaves the session as it was.
        await recruiter.GetByRole(AriaRole.Button, new() { Name = "Cancel this session" }).First.ClickAsync();
        var question = recruiter.Locator("[data-confirm]");
        await Expect(question).ToContainTextAsync("Cancel the session of");
        await Expect(question).ToContainTextAsync("Nobody is confirmed");
        await Expect(question).ToBeFocusedAsync();
        await Accessibility.AssertNoSeriousViolationsAsync(recruiter);
        await question.GetByRole(AriaRole.Button, new() { Name = "No, keep it" }).ClickAsync();
        await Expect(recruiter.Locator("[data-outcome]")).ToContainTextAsync("Nothing was cancelled.");
        await Expect(recruiter.Locator("h3", new() { HasText = "Session" }).First).Not.ToContainTextAsync("cancelled");
        await recruiter.GetByRole(AriaRole.Button, new() { Name = "Cancel this session" }).First.ClickAsync();
        await recruiter.Locator("[data-confirm]").GetByRole(AriaRole.Button, new() { Name = "Yes, cancel the session" }).ClickAsync();
        await Expect(recruiter.Locator("[data-outcome]")).ToContainTextAsync("The session is cancelled");
        await Expect(recruiter.Locator("h3", new() { HasText = "Session" }).First).ToContainTextAsync("· cancelled");

        // The same "yes" sent again (a double click, another tab) is answered, not refused.
        var opportunityId = await recruiter.Locator("input[name=OpportunityId]").First.InputValueAsync();
        var again = await PortalServer.ForgePostAsync(recruiter, "/opportunities", new Dictionary<string, string>
        {
            ["_handler"] = "cancel-s1", ["OpportunityId"] = opportunityId, ["Confirmed"] = "yes",
        });
        Assert.Contains("This session was already cancelled, and everyone confirmed was told.", again, StringComparison.Ordinal);

        await recruiter.GetByRole(AriaRole.Button, new() { Name = "Change details" }).ClickAsync();
        await Expect(recruiter.Locator("fieldset legend").First).ToContainTextAsync("Session 1 (cancelled: it stays as it is)");
        await Accessibility.AssertNoSeriousViolationsAsync(recruiter);
        // Published, it keeps what it is about; its pay may still rise.
        await Expect(recruiter.GetByLabel("Title")).ToHaveAttributeAsync("readonly", "");
        await Expect(recruiter.GetByLabel("Kind of work")).ToBeDisabledAsync();
        await Expect(recruiter.Locator("#about-fixed")).ToContainTextAsync("Published work keeps its kind, topics, title and description");
        await recruiter.GetByLabel("Amount").FillAsync("170");
        await recruiter.GetByRole(AriaRole.Button, new() { Name = "Save changes" }).ClickAsync();
        await Expect(recruiter.Locator("[data-outcome]")).ToContainTextAsync("The changes are saved");
        await Expect(recruiter.Locator("h3", new() { HasText = "Session" }).First).ToContainTextAsync("· cancelled");

        await recruiter.GetByRole(AriaRole.Button, new() { Name = "Change details" }).ClickAsync();
        await Expect(recruiter.Locator("#create-heading")).ToContainTextAsync("Change");
        var sessionDay = TimeZoneInfo.ConvertTimeBySystemTimeZoneId(server.Time.GetUtcNow(), "America/Los_Angeles").Date.AddDays(10);
        await recruiter.Locator("#new-start-0").FillAsync(sessionDay.AddHours(17).ToString("yyyy-MM-dd'T'HH:mm", CultureInfo.InvariantCulture));
        await recruiter.GetByRole(AriaRole.Button, new() { Name = "Save changes" }).ClickAsync();
        await Expect(recruiter.Locator("[data-outcome]")).ToContainTextAsync("was cancelled, so it stays as it was");

        // So does cancelling the whole opportunity.
        await recruiter.GetByRole(AriaRole.Button, new() { Name = "Cancel opportunity" }).ClickAsync();
        await Expect(recruiter.Locator("[data-confirm]")).ToContainTextAsync($"Cancel \"{title}\"?");
        await recruiter.Locator("[data-confirm]").GetByRole(AriaRole.Button, new() { Name = "Yes, cancel the opportunity" }).ClickAsync();
        await Expect(recruiter.Locator("[data-outcome]")).ToContainTextAsync("The opportunity is cancelled.");
        await Expect(recruiter.Locator("[data-opportunity]")).ToHaveAttributeAsync("data-opportunity", "Cancelled");

        // A "yes" to cancel the other session (cancelled with the opportunity), from a page opened before, is answered too.
        var stale = await PortalServer.ForgePostAsync(recruiter, "/opportunities", new Dictionary<string, string>
        {
            ["_handler"] = "cancel-s2", ["OpportunityId"] = opportunityId, ["Confirmed"] = "yes",
        });
        Assert.Contains("This session was already cancelled", stale, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Where_no_script_runs_the_question_before_a_session_is_cancelled_has_the_focus_when_the_page_loads()
    {
        await SetBenchmarkAsync();
        var recruiter = await server.SignInAsync("Jamie (demo recruiter)", script: false);
        await CreateAsync(recruiter, "Quiet evening " + Guid.NewGuid().ToString("N")[..4], rate: "160");
        await recruiter.GetByRole(AriaRole.Button, new() { Name = "Publish" }).ClickAsync();
        await Expect(recruiter.Locator("[data-outcome]")).ToContainTextAsync("The opportunity is published");

        await recruiter.GetByRole(AriaRole.Button, new() { Name = "Cancel this session" }).ClickAsync();

        await Expect(recruiter.Locator("[data-confirm]")).ToBeFocusedAsync();
    }

    [Fact]
    public async Task A_yes_on_a_page_read_before_the_pay_changed_is_not_taken_and_the_page_shows_the_new_pay_to_answer_again()
    {
        var personId = await OptedInAdvisorAsync("terms-");
        using var work = await ChangingWork.PublishedAsync(server, seats: 5);
        (await work.Recruiter.PostAsJsonAsync($"{work.Path}/invitations", new { personId })).EnsureSuccessStatusCode();

        var survivor = await server.SignInAsAddedAsync(personId, phone: true);
        await survivor.GotoAsync("/paid-work");
        var offer = survivor.Locator("[data-offers] li", new() { HasText = work.Title });
        await Expect(offer).ToContainTextAsync("160.00 USD a session");

        // While the page is open, the recruiter raises the pay and moves nothing else.
        await work.ChangeAsync(rate: 180m, seats: 5, hour: 18);

        await offer.GetByRole(AriaRole.Button, new() { Name = "Yes, I will take part" }).ClickAsync();
        await Expect(survivor.Locator("[data-outcome]")).ToContainTextAsync("changed after you read them, so nothing was done");
        await Expect(offer).ToContainTextAsync("180.00 USD a session");
        await Expect(offer).ToContainTextAsync("You are invited");
        await Accessibility.AssertNoSeriousViolationsAsync(survivor);

        await offer.GetByRole(AriaRole.Button, new() { Name = "Yes, I will take part" }).ClickAsync();
        await Expect(offer).ToContainTextAsync("You are confirmed");
    }

    [Fact]
    public async Task Someone_waiting_for_work_that_changed_since_is_asked_to_say_yes_again_and_keeps_their_place_by_it()
    {
        var seatedId = await OptedInAdvisorAsync("seated-");
        var personId = await OptedInAdvisorAsync("waits-");
        using var work = await ChangingWork.PublishedAsync(server, seats: 1);
        foreach (var who in new[] { seatedId, personId })
        {
            using var client = await server.ApiAsAsync(who, "demo");
            var read = await (await client.GetAsync(work.Path)).Content.ReadFromJsonAsync<JsonElement>();
            using var apply = new HttpRequestMessage(HttpMethod.Post, $"{work.Path}/apply");
            apply.Headers.TryAddWithoutValidation("If-Match", read.GetProperty("version").GetString());
            (await client.SendAsync(apply)).EnsureSuccessStatusCode();
        }

        // An hour later, with a seat more: not given to someone who said yes to six o'clock.
        await work.ChangeAsync(rate: 160m, seats: 2, hour: 19);

        var survivor = await server.SignInAsAddedAsync(personId, phone: true);
        await survivor.GotoAsync("/paid-work");
        var offer = survivor.Locator("[data-offers] li", new() { HasText = work.Title });
        await Expect(offer).ToContainTextAsync("This work has changed since you joined the waiting list");
        await Accessibility.AssertNoSeriousViolationsAsync(survivor);
        await offer.GetByRole(AriaRole.Button, new() { Name = "Yes, keep my place" }).ClickAsync();
        await Expect(offer).ToContainTextAsync("You are confirmed");
    }

    /// <summary>An advisor added to the demo agency who takes focus groups on housing and may be asked.</summary>
    private async Task<string> OptedInAdvisorAsync(string prefix)
    {
        var personId = prefix + Guid.NewGuid().ToString("N")[..8];
        using (var admin = await server.ApiAsAsync("demo-admin"))
        {
            (await admin.PutSettingsAsync("/api/engagements/settings", new { currency = "USD", kinds = new[] { new { key = "focus-group", name = "Focus group", benchmarkHourlyRate = 60m } } })).EnsureSuccessStatusCode();
            (await admin.PostAsJsonAsync("/api/people", new { subjectId = personId, displayName = "Advisor " + personId[^4..], roles = new[] { "Advisor" } })).EnsureSuccessStatusCode();
        }

        using var person = await server.ApiAsAsync(personId, "demo");
        (await person.PutAsJsonAsync("/api/engagements/me/profile", new { kinds = new[] { "focus-group" }, topics = new[] { "housing" }, timeZone = "America/Los_Angeles" })).EnsureSuccessStatusCode();
        (await person.PostAsJsonAsync("/api/engagements/me/contact", new { optIn = true })).EnsureSuccessStatusCode();
        return personId;
    }

    /// <summary>An online focus group ten days on, published at 160 a session, that its recruiter changes over the API.</summary>
    private sealed class ChangingWork(HttpClient recruiter, string path, string title, DateTimeOffset now) : IDisposable
    {
        public HttpClient Recruiter => recruiter;

        public string Path => path;

        public string Title => title;

        public static async Task<ChangingWork> PublishedAsync(PortalServer server, int seats)
        {
            var recruiter = await server.ApiAsAsync("demo-recruiter");
            var title = "Evening on work " + Guid.NewGuid().ToString("N")[..4];
            var now = server.Time.GetUtcNow();
            var created = await recruiter.PostAsJsonAsync("/api/engagements/opportunities", Body(title, now, 160m, seats, 18, null));
            created.EnsureSuccessStatusCode();
            var path = $"/api/engagements/opportunities/{(await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()}";
            (await recruiter.PostAsync($"{path}/publish", null)).EnsureSuccessStatusCode();
            return new ChangingWork(recruiter, path, title, now);
        }

        /// <summary>The same session (by its id) at <paramref name="hour"/>, with this pay and these seats.</summary>
        public async Task ChangeAsync(decimal rate, int seats, int hour)
        {
            var current = await recruiter.GetAsync(path);
            var sessionId = (await current.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("sessions")[0].GetProperty("id").GetString();
            using var change = new HttpRequestMessage(HttpMethod.Put, path) { Content = JsonContent.Create(Body(title, now, rate, seats, hour, sessionId)) };
            change.Headers.TryAddWithoutValidation("If-Match", current.Headers.ETag!.Tag);
            (await recruiter.SendAsync(change)).EnsureSuccessStatusCode();
        }

        public void Dispose() => recruiter.Dispose();

        private static object Body(string title, DateTimeOffset now, decimal rate, int seats, int hour, string? sessionId)
        {
            string At(int days, int h) => TimeZoneInfo.ConvertTimeBySystemTimeZoneId(now, "America/Los_Angeles").Date.AddDays(days).AddHours(h).ToString("yyyy-MM-dd'T'HH:mm:00", CultureInfo.InvariantCulture);
            return new
            {
                kind = "focus-group",
                title,
                topics = new[] { "housing" },
                sessions = new[] { new { id = sessionId, start = At(10, hour), end = At(10, hour + 2), timeZone = "America/Los_Angeles", inPerson = false, location = (string?)null, link = "https://meet.example/work" } },
                seats,
                applicationDeadline = now.AddDays(7),
                compensation = new { basis = "perSession", rate, prepMinutesPerSession = 30, travelAllowed = false, perDiemAllowed = false },
            };
        }
    }

    [Fact]
    public async Task A_recruiter_cancels_one_persons_place_before_the_session_after_saying_yes_that_person_is_told_and_the_place_can_be_given_back()
    {
        await SetBenchmarkAsync();
        var personId = "place-" + Guid.NewGuid().ToString("N")[..8];
        var name = "Advisor " + personId[^4..];
        using (var admin = await server.ApiAsAsync("demo-admin"))
        {
            (await admin.PostAsJsonAsync("/api/people", new { subjectId = personId, displayName = name, roles = new[] { "Advisor" } })).EnsureSuccessStatusCode();
        }

        using (var person = await server.ApiAsAsync(personId, "demo"))
        {
            (await person.PutAsJsonAsync("/api/engagements/me/profile", new { kinds = new[] { "focus-group" }, topics = new[] { "housing" }, noTopics = Array.Empty<string>(), availability = Array.Empty<string>(), timeZone = "America/Los_Angeles" })).EnsureSuccessStatusCode();
            (await person.PostAsJsonAsync("/api/engagements/me/contact", new { optIn = true })).EnsureSuccessStatusCode();
        }

        // The survivor has their notices open: the invitation appears there at once, and "no notices" goes.
        var survivor = await server.SignInAsAddedAsync(personId, phone: true);
        await survivor.RunAndWaitForWebSocketAsync(() => survivor.GotoAsync("/notifications"));
        await Expect(survivor.GetByText("No notices yet.")).ToBeVisibleAsync();

        var recruiter = await server.SignInAsync("Jamie (demo recruiter)");
        var title = "Evening on housing " + Guid.NewGuid().ToString("N")[..4];
        await CreateAsync(recruiter, title, rate: "160");
        await recruiter.GetByRole(AriaRole.Button, new() { Name = "Publish" }).ClickAsync();
        await Expect(recruiter.Locator("[data-outcome]")).ToContainTextAsync("The opportunity is published");
        await recruiter.Locator("[data-candidates] li", new() { HasText = name }).GetByRole(AriaRole.Button).ClickAsync();
        await Expect(recruiter.Locator("[data-outcome]")).ToContainTextAsync("Invited");

        await Expect(survivor.Locator("[data-notices] li")).ToHaveCountAsync(1, new() { Timeout = 10000 });
        await Expect(survivor.GetByText("No notices yet.")).ToHaveCountAsync(0);
        await survivor.GotoAsync("/paid-work");
        await survivor.Locator("[data-offers] li", new() { HasText = title }).GetByRole(AriaRole.Button, new() { Name = "Yes, I will take part" }).ClickAsync();
        await Expect(survivor.Locator("[data-offers] li", new() { HasText = title })).ToContainTextAsync("You are confirmed");

        await recruiter.GotoAsync("/opportunities");
        await recruiter.Locator("[data-opportunities] li", new() { HasText = title }).GetByRole(AriaRole.Button).ClickAsync();
        var place = recruiter.Locator("[data-places] li", new() { HasText = name });
        await place.GetByRole(AriaRole.Button, new() { Name = $"Cancel their place ({name})" }).ClickAsync();
        await Expect(recruiter.Locator("[data-confirm]")).ToContainTextAsync($"Cancel {name}'s place in the session of");
        await Accessibility.AssertNoSeriousViolationsAsync(recruiter);
        await recruiter.Locator("[data-confirm]").GetByRole(AriaRole.Button, new() { Name = "Yes, cancel their place" }).ClickAsync();
        await Expect(recruiter.Locator("[data-outcome]")).ToContainTextAsync("Their place in this session is cancelled, and they have been told.");
        await Expect(recruiter.Locator("[data-places] li", new() { HasText = name })).ToContainTextAsync("place cancelled for this session");
        await Expect(recruiter.GetByRole(AriaRole.Button, new() { Name = "Cancel this session" })).ToBeVisibleAsync();

        // The same "yes" sent again (a double click, another tab) is answered, and cancels nothing more.
        var opportunityId = await recruiter.Locator("input[name=OpportunityId]").First.InputValueAsync();
        var again = await PortalServer.ForgePostAsync(recruiter, "/opportunities", new Dictionary<string, string>
        {
            ["_handler"] = $"place-s1-{personId}", ["OpportunityId"] = opportunityId, ["PlaceOf"] = personId, ["Act"] = "cancel", ["Confirmed"] = "yes",
        });
        Assert.Contains("Their place in this session is cancelled, and they have been told.", again, StringComparison.Ordinal);
        await Accessibility.AssertNoSeriousViolationsAsync(recruiter);

        await survivor.GotoAsync("/paid-work");
        await Expect(survivor.Locator("[data-offers] li", new() { HasText = title })).ToContainTextAsync("· cancelled");
        await survivor.GotoAsync("/notifications");
        await Expect(survivor.GetByText("The agency has cancelled your place in a paid engagement session")).ToBeVisibleAsync();
        await Accessibility.AssertNoSeriousViolationsAsync(survivor);

        // A place cancelled by mistake is given back before the session, and its holder hears that too.
        await recruiter.Locator("[data-places] li", new() { HasText = name }).GetByRole(AriaRole.Button, new() { Name = $"Give back their place ({name})" }).ClickAsync();
        await Expect(recruiter.Locator("[data-confirm]")).ToContainTextAsync($"Give {name} back their place");
        await Expect(recruiter.Locator("[data-confirm]")).ToBeFocusedAsync();
        await Accessibility.AssertNoSeriousViolationsAsync(recruiter);
        await recruiter.Locator("[data-confirm]").GetByRole(AriaRole.Button, new() { Name = "Yes, give it back" }).ClickAsync();
        await Expect(recruiter.Locator("[data-outcome]")).ToContainTextAsync("Their place in this session is theirs again, and they have been told.");
        await Expect(recruiter.Locator("[data-places] li", new() { HasText = name })).Not.ToContainTextAsync("place cancelled");
        await Expect(recruiter.Locator("[data-places] li", new() { HasText = name }).GetByRole(AriaRole.Button, new() { Name = $"Cancel their place ({name})" })).ToBeVisibleAsync();

        await survivor.GotoAsync("/notifications");
        await Expect(survivor.GetByText("the agency has given you back your place")).ToBeVisibleAsync();
        await survivor.GotoAsync("/paid-work");
        await Expect(survivor.Locator("[data-offers] li", new() { HasText = title })).ToContainTextAsync("You are confirmed");
        await Expect(survivor.Locator("[data-offers] li", new() { HasText = title })).Not.ToContainTextAsync("· cancelled");

        // Once the whole session is cancelled, a place's "yes" from a page opened before is answered too.
        await recruiter.GetByRole(AriaRole.Button, new() { Name = "Cancel this session" }).ClickAsync();
        await recruiter.Locator("[data-confirm]").GetByRole(AriaRole.Button, new() { Name = "Yes, cancel the session" }).ClickAsync();
        await Expect(recruiter.Locator("[data-places] li", new() { HasText = name })).ToContainTextAsync("their place went with the session");
        await Accessibility.AssertNoSeriousViolationsAsync(recruiter);
        var stale = await PortalServer.ForgePostAsync(recruiter, "/opportunities", new Dictionary<string, string>
        {
            ["_handler"] = $"place-s1-{personId}", ["OpportunityId"] = opportunityId, ["PlaceOf"] = personId, ["Act"] = "cancel", ["Confirmed"] = "yes",
        });
        Assert.Contains("This session was cancelled, and every place in it went with it.", stale, StringComparison.Ordinal);
    }

    /// <summary>The agency admin sets focus groups' benchmark, 60 an hour, on the pay rates page.</summary>
    [Fact]
    public async Task A_kind_of_work_an_opportunity_still_to_run_is_of_stays_on_the_pay_rates_page_when_its_removal_is_refused()
    {
        var admin = await SetBenchmarkAsync();
        var key = "listening-" + Guid.NewGuid().ToString("N")[..6];
        var added = admin.Locator("[data-kinds] tbody tr").Last;
        await added.Locator("input[name=Keys]").FillAsync(key);
        await added.Locator("input[name=Names]").FillAsync("Listening session");
        await added.Locator("input[name=Rates]").FillAsync("60");
        await admin.GetByRole(AriaRole.Button, new() { Name = "Save" }).ClickAsync();
        // "Saved" is already on the page from the benchmark; the kind rendered back by the server shows this save finished.
        await Expect(admin.Locator($"[data-kinds] input[name=Keys][value=\"{key}\"]")).ToHaveCountAsync(1);
        await Expect(admin.Locator("[data-outcome]")).ToContainTextAsync("Saved");
        using var recruiter = await server.ApiAsAsync("demo-recruiter");
        var now = server.Time.GetUtcNow();
        string At(int hours) => TimeZoneInfo.ConvertTimeBySystemTimeZoneId(now.AddHours(hours), "America/Los_Angeles").ToString("yyyy-MM-dd'T'HH:mm:00", CultureInfo.InvariantCulture);
        var created = await recruiter.PostAsJsonAsync("/api/engagements/opportunities", new
        {
            kind = key,
            title = "Listening to survivors",
            sessions = new[] { new { start = At(240), end = At(242), timeZone = "America/Los_Angeles", inPerson = false, link = "https://meet.example/listening" } },
            seats = 5,
            applicationDeadline = now.AddDays(5),
            compensation = new { basis = "perSession", rate = 160m },
        });
        var id = (await created.EnsureSuccessStatusCode().Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString();

        var row = admin.Locator("[data-kinds] tbody tr", new() { Has = admin.Locator($"input[name=Keys][value=\"{key}\"]") });
        await row.Locator("input[name=Keys]").FillAsync("");
        await admin.GetByRole(AriaRole.Button, new() { Name = "Save" }).ClickAsync();

        await Expect(admin.Locator("[data-outcome]")).ToContainTextAsync("\"Listening session\" is the kind of an opportunity not yet completed or cancelled");
        await Expect(admin.Locator($"[data-kinds] input[name=Keys][value=\"{key}\"]")).ToHaveCountAsync(1);
        await Accessibility.AssertNoSeriousViolationsAsync(admin);
        (await recruiter.PostAsync($"/api/engagements/opportunities/{id}/cancel", null)).EnsureSuccessStatusCode();
    }

    private async Task<IPage> SetBenchmarkAsync()
    {
        var admin = await server.SignInAsync("Taylor (demo agency admin)");
        await admin.GotoAsync("/pay-rates");
        await admin.GetByLabel("Benchmark per hour 1", new() { Exact = true }).FillAsync("60");
        await admin.GetByRole(AriaRole.Button, new() { Name = "Save" }).ClickAsync();
        await Expect(admin.Locator("[data-outcome]")).ToContainTextAsync("Saved");
        return admin;
    }

    private async Task CreateAsync(IPage recruiter, string title, string rate, int sessions = 1, bool inPerson = false)
    {
        var sessionDay = TimeZoneInfo.ConvertTimeBySystemTimeZoneId(server.Time.GetUtcNow(), "America/Los_Angeles").Date.AddDays(10);
        string Local(DateTime at) => at.ToString("yyyy-MM-dd'T'HH:mm", CultureInfo.InvariantCulture);
        await recruiter.GotoAsync("/opportunities");
        await recruiter.GetByLabel("Title").FillAsync(title);
        await recruiter.GetByLabel("Topics (comma separated)").FillAsync("housing");
        await recruiter.GetByLabel("What it involves").FillAsync("Two hours with other survivors on what made finding a home hard.\nNobody is asked to share their own story.");
        await recruiter.Locator("#new-start-0").FillAsync(Local(sessionDay.AddHours(18)));
        await recruiter.Locator("#new-end-0").FillAsync(Local(sessionDay.AddHours(20)));
        if (inPerson)
        {
            await recruiter.Locator("#new-mode-0").SelectOptionAsync("in-person");
            await recruiter.Locator("#new-where-0").FillAsync("Harbor Light, 12 Main St");
            await recruiter.Locator("#new-area-0").FillAsync("Fresno, downtown");
        }
        else
        {
            await recruiter.Locator("#new-where-0").FillAsync("https://meet.example/housing");
        }

        if (sessions == 2)
        {
            await recruiter.Locator("#new-start-1").FillAsync(Local(sessionDay.AddDays(1).AddHours(18)));
            await recruiter.Locator("#new-end-1").FillAsync(Local(sessionDay.AddDays(1).AddHours(20)));
            await recruiter.Locator("#new-where-1").FillAsync("https://meet.example/housing");
        }

        await recruiter.GetByLabel("Answers by (local time, in the sessions' time zone)").FillAsync(Local(sessionDay.AddDays(-3).AddHours(12)));
        await recruiter.GetByLabel("Amount").FillAsync(rate);
        await Expect(recruiter.GetByLabel("Travel paid")).ToBeCheckedAsync();
        await Expect(recruiter.GetByLabel("Per diem for days away")).ToBeCheckedAsync();
        await recruiter.GetByRole(AriaRole.Button, new() { Name = "Save as draft" }).ClickAsync();
        await Expect(recruiter.Locator("[data-outcome]")).ToContainTextAsync("Saved as a draft");
    }
}
