using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Playwright;
using SurvivorConnect.Api.Features.Supervision;
using SurvivorConnect.Api.Features.Supervision.Rules;
using SurvivorConnect.Storage;
using static Microsoft.Playwright.Assertions;

namespace SurvivorConnect.BrowserTests;

/// <summary>
/// A mentor answers the urgent item of a wellbeing check-in on a phone; their supervisor, with the supervision page
/// open, sees it live, opens the mentor, places a hold of their own on new matches and marks the answer as seen.
/// </summary>
[Collection(Portal.Name)]
public sealed class SupervisionJourneyTests(PortalServer server)
{
    private const string UrgentQuestion = "I had thoughts of harming myself, or I did not feel safe.";

    [Fact]
    public async Task A_mentor_s_urgent_answer_reaches_the_supervisor_live_and_the_supervisor_places_the_hold()
    {
        var supervisor = await server.SignInAsync("Morgan (demo supervisor)");
        await supervisor.GotoAsync("/supervision");
        await Expect(supervisor.GetByRole(AriaRole.Heading, new() { Name = "Your mentors' wellbeing" })).ToBeVisibleAsync();

        var mentor = await server.SignInAsync("Sam (demo mentor)", phone: true);
        await mentor.GotoAsync("/wellbeing");
        await Accessibility.AssertNoSeriousViolationsAsync(mentor);
        var questions = mentor.Locator("form fieldset");
        await AnswerAsync(questions, urgentAnswer: "Sometimes");

        await mentor.GetByRole(AriaRole.Button, new() { Name = "Send my check-in" }).ClickAsync();

        await Expect(mentor.Locator("[data-reply]")).ToContainTextAsync("You matter");
        await Expect(mentor.Locator("[data-reply]")).ToBeFocusedAsync();
        await Expect(mentor.Locator("[data-crisis]")).ToContainTextAsync("988");
        await Expect(mentor.Locator("[data-reply]")).Not.ToContainTextAsync("score");
        await Accessibility.AssertNoSeriousViolationsAsync(mentor);
        await Accessibility.ScreenshotAsync(mentor, "mentor-wellbeing-urgent-phone");

        // The supervisor's open page is told within two seconds.
        await Expect(supervisor.Locator("[data-toast]")).ToContainTextAsync("Urgent: a mentor you supervise", new() { Timeout = 2000 });
        // Read out from a status region that is always there: the toast itself appears only with its words.
        await Expect(supervisor.GetByRole(AriaRole.Status).Filter(new() { HasText = "Urgent: a mentor you supervise" })).ToHaveCountAsync(1);

        await supervisor.GotoAsync("/supervision");
        var card = supervisor.Locator("[data-mentors] li", new() { HasText = "Sam" });
        await Expect(card).ToContainTextAsync("Urgent concern waiting for you");
        await card.GetByRole(AriaRole.Button, new() { Name = "Open" }).ClickAsync();
        var urgentFlag = supervisor.Locator("[data-wellbeing-flags] li[data-flag=Urgent]").First;
        await Expect(urgentFlag).ToContainTextAsync("An urgent question about safety was answered.");
        await Expect(supervisor.Locator("[data-checkin]").First).ToContainTextAsync("urgent");
        await Accessibility.AssertNoSeriousViolationsAsync(supervisor);

        await supervisor.GetByLabel("Reason (kept between supervisors)").FillAsync("We talk before any new match.");
        await supervisor.GetByRole(AriaRole.Button, new() { Name = "Hold from new matches" }).ClickAsync();
        await Expect(supervisor.Locator("[data-outcome]")).ToContainTextAsync("They are held from new matches");

        // Not to be with youth at all for now: the supervisor pauses their chats too, from the same form.
        await supervisor.GetByLabel("Pause their chats too").CheckAsync();
        await supervisor.GetByRole(AriaRole.Button, new() { Name = "Change the hold" }).ClickAsync();
        await Expect(supervisor.Locator("[data-outcome]")).ToContainTextAsync("their chats are paused");
        await Expect(supervisor.Locator("[data-hold]")).ToContainTextAsync("Their chats are paused too.");
        await Expect(supervisor.GetByLabel("Pause their chats too")).ToBeCheckedAsync();
        await Accessibility.AssertNoSeriousViolationsAsync(supervisor);
        await supervisor.GetByLabel("Pause their chats too").UncheckAsync();
        await supervisor.GetByRole(AriaRole.Button, new() { Name = "Change the hold" }).ClickAsync();
        await Expect(supervisor.Locator("[data-outcome]")).ToContainTextAsync("Their chats go on.");
        await Expect(supervisor.Locator("[data-hold]")).Not.ToContainTextAsync("paused");

        // While the urgent answer waits for review, the hold is not theirs to lift yet.
        await Expect(supervisor.Locator("[data-hold-waits]")).ToBeVisibleAsync();
        await Expect(supervisor.GetByRole(AriaRole.Button, new() { Name = "Lift the hold" })).ToHaveCountAsync(0);
        await supervisor.Locator("[data-wellbeing-flags] li[data-flag=Urgent]").First.GetByRole(AriaRole.Button, new() { Name = "I have seen this" }).ClickAsync();
        await Expect(supervisor.Locator("[data-outcome]")).ToContainTextAsync("Marked as seen.");
        await Expect(supervisor.Locator("[data-hold]")).ToContainTextAsync("On your hold: We talk before any new match.");

        // The page's live parts stay connected: nothing on it is mistaken for a chat the supervisor may not join.
        await supervisor.WaitForTimeoutAsync(1500);
        await Expect(supervisor.Locator("[data-connection]")).ToBeHiddenAsync();
        await Accessibility.ScreenshotAsync(supervisor, "supervisor-urgent-desktop");

        // Lifted again, so the demo mentor is free for the other journeys.
        await supervisor.GetByRole(AriaRole.Button, new() { Name = "Lift the hold" }).ClickAsync();
        await Expect(supervisor.Locator("[data-outcome]")).ToContainTextAsync("The hold is lifted.");
    }

    [Fact]
    public async Task A_supervisor_records_a_regular_supervision_session_whatever_the_check_ins_say()
    {
        var supervisor = await server.SignInAsync("Morgan (demo supervisor)");
        await supervisor.GotoAsync("/supervision");
        await supervisor.Locator("[data-mentors] li", new() { HasText = "Sam" }).GetByRole(AriaRole.Button, new() { Name = "Open" }).ClickAsync();
        var note = "Talked through a hard session " + Guid.NewGuid().ToString("N")[..4];

        var form = supervisor.Locator("[data-regular-form]");
        await form.GetByRole(AriaRole.Button, new() { Name = "Save the session" }).ClickAsync();
        await Expect(supervisor.Locator("#regular-notes-error")).ToContainTextAsync("Required");
        await form.GetByLabel("Notes (for this mentor's supervisors only)").FillAsync(note);
        await form.GetByRole(AriaRole.Button, new() { Name = "Save the session" }).ClickAsync();

        await Expect(supervisor.Locator("[data-outcome]")).ToContainTextAsync("The session is saved.");
        await Expect(supervisor.Locator("[data-regular-sessions]")).ToContainTextAsync(note);
        await Expect(supervisor.Locator("[data-mentor]")).ToContainTextAsync("last supervised");
        await Expect(supervisor.Locator("[data-supervision-overdue]")).ToHaveCountAsync(0);
        await Accessibility.AssertNoSeriousViolationsAsync(supervisor);
    }

    [Fact]
    public async Task Session_notes_written_while_another_supervisor_acts_on_the_flag_are_kept_to_save_again()
    {
        var (mentorId, name) = await server.NewMentorAsync(supervisorId: "demo-supervisor");
        using (var mentor = await server.ApiAsAsync(mentorId, "demo"))
        {
            var shown = await (await mentor.GetAsync("/api/supervision/me")).EnsureSuccessStatusCode().Content.ReadFromJsonAsync<JsonElement>();
            var answers = DefaultInstrument.Version1.Items.ToDictionary(i => i.Id, i => i.Urgent ? 0 : i.Subscale is "support" or "self-care" ? 1 : 3);
            (await mentor.PostAsJsonAsync("/api/supervision/me/check-ins", new { answers, instrumentKey = shown.GetProperty("instrumentKey").GetString(), instrumentVersion = shown.GetProperty("instrumentVersion").GetInt32() })).EnsureSuccessStatusCode();
        }

        using var otherSupervisor = await server.ApiAsAsync("demo-supervisor");
        var flagId = (await (await otherSupervisor.GetAsync($"/api/supervision/mentors/{mentorId}")).EnsureSuccessStatusCode().Content.ReadFromJsonAsync<JsonElement>()).GetProperty("flags")[0].GetProperty("id").GetString();
        var page = await server.SignInAsync("Morgan (demo supervisor)");
        await page.GotoAsync("/supervision");
        await page.GetByRole(AriaRole.Button, new() { Name = $"Open {name}" }).ClickAsync();
        var flag = page.Locator("[data-wellbeing-flags] li").First;

        // Marked as seen from elsewhere while the notes are written: the save is refused as out of date, the notes stay.
        const string notes = "We talked about the week and a plan for rest.";
        await flag.GetByLabel("Notes").FillAsync(notes);
        var followUp = DateTime.UtcNow.AddDays(14).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
        await flag.GetByLabel("Follow up by (optional)").FillAsync(followUp);
        (await OnFlagAsync(otherSupervisor, flagId, "acknowledge")).EnsureSuccessStatusCode();
        await flag.GetByRole(AriaRole.Button, new() { Name = "Save the session" }).ClickAsync();
        await Expect(page.Locator("[data-outcome]")).ToContainTextAsync("Someone else changed this.");
        await Expect(flag.GetByLabel("Notes")).ToHaveValueAsync(notes);
        await Expect(flag.GetByLabel("Follow up by (optional)")).ToHaveValueAsync(followUp);
        await Accessibility.AssertNoSeriousViolationsAsync(page);
        await flag.GetByRole(AriaRole.Button, new() { Name = "Save the session" }).ClickAsync();
        await Expect(page.Locator("[data-outcome]")).ToContainTextAsync("The session is saved.");
        await Expect(flag).ToContainTextAsync(notes);

        // Resolved from elsewhere, the flag has no session form any more: nothing is saved, the page says so in place of
        // the answer to the save before, and the notes stay to copy.
        const string later = "A second talk, after the flag was closed elsewhere.";
        await flag.GetByLabel("Notes").FillAsync(later);
        (await OnFlagAsync(otherSupervisor, flagId, "resolve")).EnsureSuccessStatusCode();
        await flag.GetByRole(AriaRole.Button, new() { Name = "Save the session" }).ClickAsync();
        await Expect(page.Locator("[data-outcome]")).ToHaveTextAsync("This page changed while you were on it, so nothing was saved. What you typed is still here: copy it, then open the page as it is now.");
        await Expect(page.Locator("[data-outcome]")).ToBeFocusedAsync();
        await Expect(flag.GetByLabel("Notes")).ToHaveValueAsync(later);
        await Accessibility.AssertNoSeriousViolationsAsync(page);
        await page.GetByRole(AriaRole.Link, new() { Name = "open the page as it is now" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Your mentors' wellbeing" })).ToBeVisibleAsync();
    }

    /// <summary>Acts on a flag as a page would, with the version read just before.</summary>
    private static async Task<HttpResponseMessage> OnFlagAsync(HttpClient supervisor, string? flagId, string action)
    {
        var read = await (await supervisor.GetAsync($"/api/supervision/flags/{flagId}")).EnsureSuccessStatusCode().Content.ReadFromJsonAsync<JsonElement>();
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/supervision/flags/{flagId}/{action}");
        request.Headers.TryAddWithoutValidation("If-Match", read.GetProperty("version").GetString());
        return await supervisor.SendAsync(request);
    }

    [Fact]
    public async Task A_check_in_whose_answer_was_lost_shows_the_crisis_lines_keeps_the_answers_and_counts_once_when_sent_again()
    {
        var mentor = await server.SignInAsync("Sam (demo mentor)", phone: true);
        await mentor.GotoAsync("/wellbeing");
        var history = mentor.Locator("[data-history] li");
        var before = await history.CountAsync();
        var questions = mentor.Locator("form fieldset");
        await AnswerAsync(questions, urgentAnswer: "Never");

        // Something nobody expected goes wrong before the check-in is stored: the mentor still sees the crisis lines.
        server.Store.BeforeCreate = document =>
        {
            if (document is CheckIn { MentorId: "demo-mentor" })
            {
                throw new InvalidOperationException("Something unexpected.");
            }
        };
        try
        {
            await SendAndWaitAsync(mentor);
            await Expect(mentor.Locator("[data-outcome]")).ToContainTextAsync("Your check-in did not send.");
            await Expect(mentor.Locator("[data-not-sent] [data-crisis]")).ToContainTextAsync("988");
        }
        finally
        {
            server.Store.BeforeCreate = null;
        }

        // Then the check-in is stored, but the store's answer never comes back.
        server.Store.AfterCreate = document =>
        {
            if (document is CheckIn { MentorId: "demo-mentor" })
            {
                throw StoreException.Unavailable("The store went away.");
            }
        };
        try
        {
            await SendAndWaitAsync(mentor);
            await Expect(mentor.Locator("[data-outcome]")).ToContainTextAsync("Your check-in did not send.");
        }
        finally
        {
            server.Store.AfterCreate = null;
        }

        await Expect(mentor.Locator("[data-not-sent] [data-crisis]")).ToContainTextAsync("988");
        await Expect(mentor.Locator("[data-reply]")).ToHaveCountAsync(0);
        var urgentQuestion = mentor.Locator("form fieldset", new() { Has = mentor.Locator("legend", new() { HasTextString = UrgentQuestion }) });
        await Expect(urgentQuestion.GetByLabel("Never", new() { Exact = true })).ToBeCheckedAsync();
        await Expect(questions.First.GetByLabel("Rarely", new() { Exact = true })).ToBeCheckedAsync();
        await Accessibility.AssertNoSeriousViolationsAsync(mentor);
        await Accessibility.ScreenshotAsync(mentor, "mentor-wellbeing-not-sent-phone");

        await mentor.GetByRole(AriaRole.Button, new() { Name = "Send my check-in" }).ClickAsync();

        await Expect(mentor.Locator("[data-reply]")).ToContainTextAsync("Thank you");
        await Expect(mentor.Locator("[data-not-sent]")).ToHaveCountAsync(0);
        await Expect(history).ToHaveCountAsync(before + 1);
    }

    [Fact]
    public async Task A_check_in_sent_from_a_page_left_open_while_signing_in_again_comes_back_with_its_answers_and_the_crisis_lines()
    {
        // Without script: with it, a page whose session the browser no longer holds takes itself away, answers and all.
        var mentor = await server.SignInAsync("Sam (demo mentor)", phone: true, script: false);
        await mentor.GotoAsync("/wellbeing");
        var questions = mentor.Locator("form fieldset");
        await AnswerAsync(questions, urgentAnswer: "Never");

        var again = await mentor.Context.NewPageAsync();
        await again.GotoAsync("/signin");
        await again.GetByRole(AriaRole.Button, new() { Name = "Sign in as Sam (demo mentor)" }).ClickAsync();
        await Expect(again).Not.ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/signin"));
        await again.CloseAsync();

        await mentor.GetByRole(AriaRole.Button, new() { Name = "Send my check-in" }).ClickAsync();

        await Expect(mentor).ToHaveURLAsync(server.BaseUrl + "/wellbeing?unsent=1");
        await Expect(mentor.Locator("[data-outcome]")).ToContainTextAsync("Your check-in was not sent");
        await Expect(mentor.Locator("[data-not-sent] [data-crisis]")).ToContainTextAsync("988");
        var urgentQuestion = mentor.Locator("form fieldset", new() { Has = mentor.Locator("legend", new() { HasTextString = UrgentQuestion }) });
        await Expect(urgentQuestion.GetByLabel("Never", new() { Exact = true })).ToBeCheckedAsync();
        // The same page, crisis lines and all, as after any check-in not sent: axe reads it there (axe needs script).
        await Expect(questions.First.GetByLabel("Rarely", new() { Exact = true })).ToBeCheckedAsync();

        await mentor.GetByRole(AriaRole.Button, new() { Name = "Send my check-in" }).ClickAsync();

        await Expect(mentor.Locator("[data-reply]")).ToContainTextAsync("Thank you");
    }

    [Fact]
    public async Task A_check_in_sent_with_a_question_left_out_names_that_question_and_takes_the_reader_to_it()
    {
        var mentor = await server.SignInAsync("Sam (demo mentor)", phone: true);
        await mentor.GotoAsync("/wellbeing");
        var questions = mentor.Locator("form fieldset");
        await AnswerAsync(questions, urgentAnswer: "Never", skipFirst: true);

        var leftOut = (await questions.First.Locator("legend").InnerTextAsync()).Trim().TrimEnd('.', ':');
        await mentor.GetByRole(AriaRole.Button, new() { Name = "Send my check-in" }).ClickAsync();

        var link = mentor.Locator("[data-outcome] [data-error-summary] a");
        await Expect(link).ToHaveCountAsync(1);
        await Expect(link).ToContainTextAsync(leftOut);
        await link.ClickAsync();
        await Expect(questions.First.Locator("input[type=radio]").First).ToBeFocusedAsync();
        await Accessibility.AssertNoSeriousViolationsAsync(mentor);
    }

    /// <summary>Answers each question "Rarely", and the urgent one as given; the first left out when <paramref name="skipFirst"/>.</summary>
    private static async Task AnswerAsync(ILocator questions, string urgentAnswer, bool skipFirst = false)
    {
        for (var i = skipFirst ? 1 : 0; i < await questions.CountAsync(); i++)
        {
            var question = questions.Nth(i);
            var urgent = (await question.Locator("legend").InnerTextAsync()) == UrgentQuestion;
            await question.GetByLabel(urgent ? urgentAnswer : "Rarely", new() { Exact = true }).CheckAsync();
        }
    }

    /// <summary>
    /// Sends the check-in and waits for the server's answer: the page before and after a failed send look alike, so
    /// what is on the page cannot tell that the send has been answered.
    /// </summary>
    private static Task<IResponse> SendAndWaitAsync(IPage mentor) =>
        mentor.RunAndWaitForResponseAsync(
            () => mentor.GetByRole(AriaRole.Button, new() { Name = "Send my check-in" }).ClickAsync(),
            response => response.Request.Method == "POST" && response.Url.Contains("/wellbeing", StringComparison.Ordinal));

    [Fact]
    public async Task An_admin_loads_an_instrument_as_json_and_a_broken_one_is_refused_with_the_reason()
    {
        var admin = await server.SignInAsync("Taylor (demo agency admin)");
        await admin.GotoAsync("/wellbeing-overview");
        var key = "agency-" + Guid.NewGuid().ToString("N")[..6];
        string Instrument(string secondId) =>
            "{\"key\":\"" + key + "\",\"version\":1,\"name\":\"Agency check-in " + key + "\",\"recallPeriod\":\"the last month\","
            + "\"scale\":{\"min\":0,\"max\":2,\"labels\":[\"No\",\"Some\",\"A lot\"]},"
            + "\"subscales\":[{\"key\":\"s\",\"name\":\"Strain\",\"bands\":[{\"name\":\"low\",\"from\":0},{\"name\":\"high\",\"from\":1.5,\"concern\":true}]}],"
            + "\"items\":[{\"id\":\"one\",\"text\":\"I felt strained.\",\"subscale\":\"s\"},{\"id\":\"" + secondId + "\",\"text\":\"I felt unsafe.\",\"subscale\":\"s\",\"urgent\":true}],"
            + "\"credit\":\"Written by the agency.\"}";

        await admin.GetByLabel("Instrument", new() { Exact = true }).FillAsync("not json");
        await admin.GetByRole(AriaRole.Button, new() { Name = "Load" }).ClickAsync();
        await Expect(admin.Locator("[data-outcome]")).ToContainTextAsync("That is not an instrument in JSON");

        await admin.GetByLabel("Instrument", new() { Exact = true }).FillAsync(Instrument("one"));
        await admin.GetByRole(AriaRole.Button, new() { Name = "Load" }).ClickAsync();
        await Expect(admin.Locator("#load-error")).ToContainTextAsync("used more than once");

        await admin.GetByLabel("Instrument", new() { Exact = true }).FillAsync(Instrument("two"));
        await admin.GetByRole(AriaRole.Button, new() { Name = "Load" }).ClickAsync();
        await Expect(admin.Locator("[data-outcome]")).ToContainTextAsync("Loaded.");
        await Expect(admin.GetByLabel($"Agency check-in {key}, version 1", new() { Exact = false })).ToBeVisibleAsync();
        await Accessibility.AssertNoSeriousViolationsAsync(admin);

        // A setting refused keeps what the admin chose and typed, with the reason read out beside each field.
        var chosen = admin.GetByLabel($"Agency check-in {key}, version 1", new() { Exact = false });
        await chosen.CheckAsync();
        var rise = admin.GetByLabel("raises a concern", new() { Exact = false });
        await rise.FillAsync("50");
        await admin.GetByRole(AriaRole.Button, new() { Name = "Save" }).ClickAsync();
        await Expect(admin.Locator("#concern-rise-error")).ToContainTextAsync("at most 10");
        await Expect(rise).ToHaveValueAsync("50");
        await Expect(rise).ToHaveAttributeAsync("aria-invalid", "true");
        await Expect(chosen).ToBeCheckedAsync();
        await Expect(chosen).ToHaveAttributeAsync("aria-describedby", "instrument-error");
        await Accessibility.AssertNoSeriousViolationsAsync(admin);
    }
}
