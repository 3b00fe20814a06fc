using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace SurvivorConnect.BrowserTests;

/// <summary>
/// The journey the portal exists for, each person in their own browser: the case manager proposes, the mentor
/// accepts, the youth agrees on a phone, both chat while the case manager reads along, the safety check reaches
/// the flag queue live, and a withdrawn consent stops the next message with a plain reason.
/// </summary>
[Collection(Portal.Name)]
public sealed class MentoringJourneyTests(PortalServer server)
{
    [Fact]
    public async Task Propose_accept_agree_chat_flags_and_a_withdrawn_consent_all_work_in_the_browser()
    {
        var caseManager = await server.SignInAsync("Alex (demo case manager)");
        await Expect(caseManager.GetByRole(AriaRole.Heading, new() { Name = "Caseload", Exact = true })).ToBeVisibleAsync();
        await Accessibility.AssertNoSeriousViolationsAsync(caseManager);
        await PortalServer.OpenYouthAsync(caseManager, "Riley");
        await Expect(caseManager.GetByRole(AriaRole.Heading, new() { Name = "Recommended mentors" })).ToBeVisibleAsync();
        await Accessibility.AssertNoSeriousViolationsAsync(caseManager);
        await Accessibility.ScreenshotAsync(caseManager, "case-manager-youth-record-desktop");
        await caseManager.GetByRole(AriaRole.Button, new() { Name = "Propose this mentor" }).First.ClickAsync();
        await Expect(caseManager.Locator("[data-outcome]")).ToContainTextAsync("The match is proposed");

        var mentor = await server.SignInAsync("Sam (demo mentor)");
        await Expect(mentor.GetByText("New match for you")).ToBeVisibleAsync();
        await Expect(mentor.GetByText("Your case manager can read the messages in this match's chat").First).ToBeVisibleAsync();
        // Who the youth is waits for the youth's yes.
        var proposal = mentor.Locator("li.card", new() { HasText = "You learn their name once they agree" });
        await Expect(proposal.GetByRole(AriaRole.Heading, new() { Name = "Match with a youth" })).ToBeVisibleAsync();
        await Expect(proposal).Not.ToContainTextAsync("Riley");
        await Accessibility.AssertNoSeriousViolationsAsync(mentor);
        await Accessibility.ScreenshotAsync(mentor, "mentor-new-match-desktop");
        await mentor.GetByRole(AriaRole.Button, new() { Name = "Accept" }).ClickAsync();
        await Expect(mentor.Locator("[data-outcome]")).ToContainTextAsync("You accepted the match");

        var youth = await server.SignInAsync("Riley (demo youth)", phone: true);
        await Expect(youth.GetByText("Do you want to meet them?")).ToBeVisibleAsync();
        await Expect(youth.GetByText("No reason needed.")).ToBeVisibleAsync();
        await Expect(youth.GetByText("Your case manager can read the messages in this match's chat").First).ToBeVisibleAsync();
        await Expect(youth.GetByRole(AriaRole.Link, new() { Name = "Get help now" })).ToBeVisibleAsync();
        await Accessibility.AssertNoSeriousViolationsAsync(youth);
        await Accessibility.ScreenshotAsync(youth, "youth-match-proposed-phone");
        await youth.GetByRole(AriaRole.Button, new() { Name = "Yes, I agree" }).ClickAsync();
        await Expect(youth.Locator("[data-outcome]")).ToContainTextAsync("Your answer is saved");

        // The demo agency asks no guardian consent, so the youth's agreement starts the match.
        await Expect(youth.GetByText("Active. You can chat.")).ToBeVisibleAsync();
        await caseManager.GotoAsync("/matches");
        await Expect(caseManager.Locator("li.card", new() { HasText = "Riley (demo youth) with Sam" }).GetByText("Active. You can chat.")).ToBeVisibleAsync();
        await Accessibility.AssertNoSeriousViolationsAsync(caseManager);

        await mentor.GotoAsync("/matches");
        await Expect(mentor.GetByRole(AriaRole.Heading, new() { Name = "Match with Riley (demo youth)" })).ToBeVisibleAsync();

        // Chat: the youth writes on a phone, the mentor answers, the case manager reads along.
        await youth.GotoAsync("/chat");
        await Expect(youth.GetByRole(AriaRole.Note)).ToContainTextAsync("case manager");
        await Accessibility.AssertNoSeriousViolationsAsync(youth);
        await mentor.GotoAsync("/chat");
        await caseManager.GotoAsync("/chat");
        await caseManager.GetByRole(AriaRole.Button, new() { Name = "Read this chat" }).ClickAsync();
        await Expect(caseManager.GetByText("You are reading along")).ToBeVisibleAsync();

        await SendAsync(youth, "hi, I like drawing");
        await Expect(youth.Locator("[data-log] li.mine").Last).ToContainTextAsync("Sent");
        await Expect(mentor.GetByText("hi, I like drawing")).ToBeVisibleAsync();
        await Expect(caseManager.GetByText("hi, I like drawing")).ToBeVisibleAsync();
        await SendAsync(mentor, "me too, what do you draw?");
        await Expect(youth.GetByText("me too, what do you draw?")).ToBeVisibleAsync();

        // Where no script runs (yet), the box cannot send: a plain form would put the words in the address bar and history.
        var noScript = await server.SignInAsync("Sam (demo mentor)", script: false);
        await noScript.GotoAsync("/chat");
        await noScript.GetByLabel("Your message").FillAsync("words for the chat only");
        await Expect(noScript.GetByRole(AriaRole.Button, new() { Name = "Send" })).ToBeDisabledAsync();
        await Expect(noScript.GetByText("Writing here needs JavaScript")).ToBeVisibleAsync();
        Assert.Equal("post", await noScript.Locator("[data-send]").EvaluateAsync<string>("form => form.method"));
        await noScript.Context.CloseAsync();
        await Accessibility.ScreenshotAsync(youth, "youth-chat-phone");

        // A live message that never reaches the mentor's screen (the push is lost, the socket stays up) is fetched as
        // soon as the mentor's own next message shows a number past it.
        await mentor.RouteWebSocketAsync("**/hubs/chat**", page =>
        {
            var server = page.ConnectToServer();
            page.OnMessage(frame => server.Send(frame.Text!));
            server.OnMessage(frame =>
            {
                var kept = frame.Text!.Split(RecordSeparator).Where(m => !(m.Contains("MessageReceived", StringComparison.Ordinal) && m.Contains("lost on the way", StringComparison.Ordinal)));
                page.Send(string.Join(RecordSeparator, kept));
            });
        });
        await mentor.ReloadAsync();
        await Expect(mentor.GetByText("me too, what do you draw?")).ToBeVisibleAsync();
        await SendAsync(youth, "flowers, lost on the way");
        await Expect(youth.Locator("[data-log] li.mine").Last).ToContainTextAsync("Sent");
        await SendAsync(mentor, "sounds lovely");
        await Expect(mentor.Locator("[data-log] li.mine").Last).ToContainTextAsync("Sent");
        await Expect(mentor.GetByText("flowers, lost on the way")).ToBeVisibleAsync();
        await Expect(mentor.Locator("[data-log] li").Last).ToContainTextAsync("sounds lovely");

        // The network drops: a calm banner, the message waits, and goes exactly once when the network is back.
        await youth.Context.SetOfflineAsync(true);
        await Expect(youth.Locator("[data-connection]")).ToContainTextAsync("You are offline");
        await SendAsync(youth, "are you still there?");
        await Expect(youth.Locator("[data-log] li.mine").Last).ToContainTextAsync("Sending");
        await youth.Context.SetOfflineAsync(false);
        await Expect(youth.Locator("[data-log] li.mine").Last).ToContainTextAsync("Sent");
        await Expect(youth.Locator("[data-connection]")).ToBeHiddenAsync();
        await Expect(mentor.GetByText("are you still there?")).ToHaveCountAsync(1);
        await Expect(youth.GetByText("are you still there?")).ToHaveCountAsync(1);

        // The store is busy: a reloaded page's first join fails, and a message is stored but its answer says busy. The page
        // joins again by itself, and sends the message again under its own id until it is answered: it shows once, as sent.
        // A message answered with an unexpected failure is tried three times more, then waits for the writer's Try again.
        var joinFailed = false;
        var sendFailed = false;
        var failedSends = 0;
        await youth.RouteWebSocketAsync("**/hubs/chat**", page =>
        {
            var server = page.ConnectToServer();
            var answers = new Dictionary<string, string>();
            page.OnMessage(frame =>
            {
                foreach (var message in frame.Text!.Split(RecordSeparator, StringSplitOptions.RemoveEmptyEntries))
                {
                    using var invocation = JsonDocument.Parse(message);
                    var target = invocation.RootElement.TryGetProperty("target", out var named) ? named.GetString() : null;
                    var invocationId = invocation.RootElement.TryGetProperty("invocationId", out var numbered) ? numbered.GetString() : null;
                    if (target == "Join" && !joinFailed || target == "Send" && !sendFailed && message.Contains("busy on the way", StringComparison.Ordinal))
                    {
                        joinFailed |= target == "Join";
                        sendFailed |= target == "Send";
                        answers[invocationId!] = "unavailable";
                    }
                    else if (target == "Send" && message.Contains("fails for a while", StringComparison.Ordinal) && ++failedSends <= 4)
                    {
                        answers[invocationId!] = "failed";
                    }
                }

                server.Send(frame.Text!);
            });
            server.OnMessage(frame => page.Send(string.Join(RecordSeparator, frame.Text!.Split(RecordSeparator).Select(message =>
                ReplacedCompletion(message, answers) is { } replaced
                    ? JsonSerializer.Serialize(new { type = 3, invocationId = replaced.Id, result = new { error = new { code = replaced.Code, message = "Something went wrong." } } })
                    : message))));
        });
        await youth.ReloadAsync();
        await SendAsync(mentor, "glad you are back");
        await Expect(youth.GetByText("glad you are back")).ToBeVisibleAsync(new() { Timeout = 10000 });
        await SendAsync(youth, "busy on the way");
        await Expect(youth.Locator("[data-log] li.mine").Last).ToContainTextAsync("Sent", new() { Timeout = 10000 });
        Assert.True(joinFailed && sendFailed);
        await Expect(youth.GetByText("busy on the way")).ToHaveCountAsync(1);
        await Expect(mentor.GetByText("busy on the way")).ToHaveCountAsync(1);
        await mentor.ReloadAsync();
        await Expect(mentor.GetByText("busy on the way")).ToHaveCountAsync(1);
        await SendAsync(youth, "fails for a while");
        var tryAgain = youth.Locator("[data-log] li.mine").Last.GetByRole(AriaRole.Button, new() { Name = "Try again" });
        await Expect(tryAgain).ToBeVisibleAsync(new() { Timeout = 25000 });
        Assert.Equal(4, failedSends);
        await tryAgain.FocusAsync();
        await youth.Keyboard.PressAsync("Enter");
        await Expect(youth.GetByLabel("Your message")).ToBeFocusedAsync();
        await Expect(youth.Locator("[data-log] li.mine").Last).ToContainTextAsync("Sent");
        Assert.Equal(5, failedSends);
        await Expect(youth.GetByText("fails for a while")).ToHaveCountAsync(1);
        await Expect(mentor.GetByText("fails for a while")).ToHaveCountAsync(1);

        // A message pushed live never arrives, and fetching what was missed is refused for now (the store busy): the page
        // says some messages may not be showing, and tries again until the missed one shows.
        var armed = false;
        var sinceRefused = 0;
        await mentor.RouteWebSocketAsync("**/hubs/chat**", page =>
        {
            var server = page.ConnectToServer();
            var answers = new Dictionary<string, string>();
            page.OnMessage(frame =>
            {
                foreach (var message in frame.Text!.Split(RecordSeparator, StringSplitOptions.RemoveEmptyEntries))
                {
                    using var invocation = JsonDocument.Parse(message);
                    if (invocation.RootElement.TryGetProperty("target", out var named) && named.GetString() == "Since" && Volatile.Read(ref armed)
                        && Interlocked.Increment(ref sinceRefused) == 1)
                    {
                        answers[invocation.RootElement.GetProperty("invocationId").GetString()!] = "unavailable";
                    }
                }

                server.Send(frame.Text!);
            });
            server.OnMessage(frame => page.Send(string.Join(RecordSeparator, frame.Text!.Split(RecordSeparator)
                .Where(m => !(m.Contains("MessageReceived", StringComparison.Ordinal) && m.Contains("missed while away", StringComparison.Ordinal)))
                .Select(message => ReplacedCompletion(message, answers) is { } replaced
                    ? JsonSerializer.Serialize(new { type = 3, invocationId = replaced.Id, result = new { error = new { code = replaced.Code, message = "The service is busy." } } })
                    : message))));
        });
        await mentor.ReloadAsync();
        await Expect(mentor.GetByText("fails for a while")).ToHaveCountAsync(1);
        await SendAsync(youth, "missed while away");
        await Expect(youth.Locator("[data-log] li.mine").Last).ToContainTextAsync("Sent");
        Volatile.Write(ref armed, true);
        await SendAsync(youth, "and one more");
        await Expect(mentor.Locator("[data-chat-status]")).ToContainTextAsync("Some messages may not be showing yet");
        await Expect(mentor.GetByText("missed while away")).ToBeVisibleAsync(new() { Timeout = 10000 });
        await Expect(mentor.GetByText("and one more")).ToBeVisibleAsync();
        await Expect(mentor.Locator("[data-chat-status]")).Not.ToContainTextAsync("Some messages may not be showing yet");
        Assert.True(Volatile.Read(ref sinceRefused) >= 2);

        // Someone of another agency forges the case manager's "Read this chat" form: no chat opens.
        var matchId = await caseManager.Locator("[data-chat]").GetAttributeAsync("data-conversation");
        var outsider = await server.SignInAsync("Quinn (northstar case manager)");
        await outsider.GotoAsync("/chat");
        var forged = await PortalServer.ForgePostAsync(outsider, "/chat", new Dictionary<string, string> { ["_handler"] = "open-chat", ["Id"] = matchId! });
        Assert.DoesNotContain("data-conversation", forged, StringComparison.Ordinal);
        Assert.DoesNotContain("hi, I like drawing", forged, StringComparison.Ordinal);
        Assert.DoesNotContain("Riley", forged, StringComparison.Ordinal);

        // The safety check: a held message and an urgent one reach the flag queue without a reload.
        var flags = await server.SignInAsync("Alex (demo case manager)");
        await flags.GotoAsync("/flags");
        await Expect(flags.GetByText("No open flags.")).ToBeVisibleAsync();
        await Accessibility.AssertNoSeriousViolationsAsync(flags);
        await SendAsync(mentor, "text me at 559-555-0134");
        await Expect(mentor.Locator("[data-log] li.mine").Last).ToContainTextAsync("Held for review");
        await Expect(youth.GetByText("559-555-0134")).ToHaveCountAsync(0);
        await Expect(flags.Locator("tbody tr")).ToHaveCountAsync(1, new() { Timeout = 2000 });
        await Expect(youth.Locator("[data-crisis-now]")).ToBeHiddenAsync();
        await SendAsync(youth, "i want to kill myself");
        await Expect(youth.Locator("[data-crisis-now]")).ToBeVisibleAsync();
        await Expect(youth.Locator("#crisis-now-heading")).ToBeFocusedAsync();
        await Expect(youth.Locator("[data-crisis-now]").GetByRole(AriaRole.Link, new() { Name = "Call 988 Suicide & Crisis Lifeline" })).ToHaveAttributeAsync("href", "tel:988");
        await Expect(mentor.Locator("[data-crisis-now]")).ToBeHiddenAsync();
        await Accessibility.AssertNoSeriousViolationsAsync(youth);
        await Expect(flags.Locator("tbody tr[data-urgent=true]")).ToHaveCountAsync(1, new() { Timeout = 2000 });
        await Expect(flags.Locator("tbody tr").First).ToContainTextAsync("Urgent");
        await Expect(flags.Locator("tbody tr").First).ToContainTextAsync("Riley");
        await Expect(flags.Locator("tbody tr").First).ToContainTextAsync("self-harm");
        await Expect(flags.GetByText("No open flags.")).ToHaveCountAsync(0);

        // The live row reads the agency's clock, as the rows the page drew do.
        var liveWhen = await flags.Locator("tbody tr[data-urgent=true] td").Nth(5).InnerTextAsync();
        await flags.ReloadAsync();
        Assert.Equal(await flags.Locator("tbody tr[data-urgent=true] td").Nth(5).InnerTextAsync(), liveWhen);

        // From the queue, the case manager goes straight to the words in the chat, marked, though fifty messages came
        // after them: more than the chat shows at first.
        for (var i = 1; i <= 25; i++)
        {
            await SendAsync(mentor, $"later note {i}");
            await Expect(mentor.Locator("[data-log] li.mine").Last).ToContainTextAsync("Sent", new() { Timeout = 10000 });
            await SendAsync(youth, $"later answer {i}");
            await Expect(youth.Locator("[data-log] li.mine").Last).ToContainTextAsync("Sent", new() { Timeout = 10000 });
        }

        await flags.ReloadAsync();
        await flags.Locator("tbody tr[data-urgent=true]").GetByRole(AriaRole.Button, new() { Name = "Read it in the chat with Riley" }).ClickAsync();
        var flagged = flags.Locator("[data-log] li.flagged");
        await Expect(flagged).ToContainTextAsync("i want to kill myself", new() { Timeout = 10000 });
        await Expect(flagged).ToContainTextAsync("The flagged message");
        await Expect(flags.Locator("[data-log] li.flagged")).ToHaveCountAsync(1);
        await Expect(flagged).ToBeInViewportAsync();
        Assert.EndsWith("/chat", flags.Url, StringComparison.Ordinal);
        await Accessibility.AssertNoSeriousViolationsAsync(flags);

        // Opened as usual, the chat shows its latest messages; the earlier ones come on asking, each once, in order.
        // Only new messages are read out by a screen reader, not the history as it is put on the page.
        await flags.AddInitScriptAsync("""
            window.liveWhenAdded = [];
            new MutationObserver((changes) => changes.forEach((change) => change.addedNodes.forEach((node) => {
                if (node.nodeName === 'LI' && change.target.matches('[data-log]')) window.liveWhenAdded.push(change.target.getAttribute('aria-live'));
            }))).observe(document, { childList: true, subtree: true });
            """);
        await flags.GotoAsync("/chat");
        await flags.GetByRole(AriaRole.Button, new() { Name = "Read this chat" }).ClickAsync();
        await Expect(flags.GetByText("later answer 25")).ToBeVisibleAsync(new() { Timeout = 10000 });
        await Expect(flags.GetByText("hi, I like drawing")).ToHaveCountAsync(0);
        var earlier = flags.GetByRole(AriaRole.Button, new() { Name = "Show earlier messages" });
        await earlier.ClickAsync();
        await Expect(flags.GetByText("hi, I like drawing")).ToHaveCountAsync(1);
        await Expect(earlier).ToBeHiddenAsync();
        await Expect(flags.Locator("[data-log]")).ToBeFocusedAsync();
        var order = await flags.Locator("[data-log] li").EvaluateAllAsync<long[]>("items => items.map(li => Number(li.dataset.sequence))");
        Assert.Equal(order.Order(), order);
        Assert.Equal(order.Distinct(), order);
        await Expect(flags.GetByText("later note 1", new() { Exact = true })).ToHaveCountAsync(1);
        var added = await flags.EvaluateAsync<string[]>("window.liveWhenAdded");
        Assert.True(added.Length >= order.Length);
        Assert.All(added, live => Assert.Equal("off", live));
        await SendAsync(mentor, "one more thing");
        await Expect(flags.GetByText("one more thing")).ToBeVisibleAsync();
        Assert.Equal("polite", (await flags.EvaluateAsync<string[]>("window.liveWhenAdded"))[^1]);
        await Accessibility.AssertNoSeriousViolationsAsync(flags);

        // Delivered by the case manager, the held message reaches the youth once and shows once, as sent, to the mentor.
        await flags.GotoAsync("/flags");
        await Expect(flags.Locator("tbody tr[data-urgent=false]")).ToContainTextAsync("a phone number");
        await Expect(flags.Locator("tbody tr[data-urgent=false]")).ToContainTextAsync("Riley");
        await flags.Locator("tbody tr[data-urgent=false]").GetByRole(AriaRole.Button, new() { Name = "Deliver the message held in Riley" }).ClickAsync();
        var deliver = flags.Locator("[data-confirm]");
        await Expect(deliver).ToContainTextAsync("Once delivered, it cannot be taken back.");
        await Expect(deliver).ToBeFocusedAsync();
        await Accessibility.AssertNoSeriousViolationsAsync(flags);
        await deliver.GetByRole(AriaRole.Button, new() { Name = "Yes, deliver it" }).ClickAsync();
        await Expect(flags.Locator("[data-outcome]")).ToContainTextAsync("The message was delivered.");
        await Expect(youth.GetByText("text me at 559-555-0134")).ToHaveCountAsync(1);
        await Expect(mentor.Locator("[data-log] li.mine", new() { HasText = "559-555-0134" })).ToContainTextAsync("Sent");
        await Expect(mentor.GetByText("text me at 559-555-0134")).ToHaveCountAsync(1);

        // Kept back, it reaches nobody, and the case manager reading along sees it marked so, not as delivered.
        await SendAsync(mentor, "add me @sam_rivers_22");
        await Expect(mentor.Locator("[data-log] li.mine").Last).ToContainTextAsync("Held for review");
        await flags.ReloadAsync();
        await flags.Locator("tbody tr", new() { HasText = "Held for review" }).GetByRole(AriaRole.Button, new() { Name = "Keep back" }).ClickAsync();
        await Expect(flags.Locator("[data-outcome]")).ToContainTextAsync("The message was kept back.");
        await Expect(mentor.Locator("[data-log] li.mine", new() { HasText = "@sam_rivers_22" })).ToContainTextAsync("Not delivered");
        await caseManager.GotoAsync("/chat");
        await caseManager.GetByRole(AriaRole.Button, new() { Name = "Read this chat" }).ClickAsync();
        await Expect(caseManager.Locator("[data-log] li", new() { HasText = "@sam_rivers_22" })).ToContainTextAsync("Kept back, not delivered");
        await Expect(youth.GetByText("@sam_rivers_22")).ToHaveCountAsync(0);

        // The youth's consent to the match is withdrawn: the next message is refused with a plain reason.
        await caseManager.GotoAsync("/caseload");
        await PortalServer.OpenYouthAsync(caseManager, "Riley");
        // A yes staff recorded by mistake is taken back as never given; the youth's own yes offers no such button.
        await caseManager.Locator("#consent-grantor").SelectOptionAsync("Agency");
        await caseManager.Locator("#consent-scope").SelectOptionAsync(new SelectOptionValue { Label = "Agreeing to a mentoring match" });
        await caseManager.GetByRole(AriaRole.Button, new() { Name = "Record consent" }).ClickAsync();
        await Expect(caseManager.Locator("[data-outcome]")).ToContainTextAsync("The consent is recorded.");
        await Expect(caseManager.GetByRole(AriaRole.Button, new() { Name = "Take back the Youth consent" })).ToHaveCountAsync(0);
        await caseManager.GetByRole(AriaRole.Button, new() { Name = "Take back the Agency consent to Agreeing to a mentoring match" }).ClickAsync();
        await Expect(caseManager.Locator("[data-confirm]")).ToContainTextAsync("kept as never given");
        await Accessibility.AssertNoSeriousViolationsAsync(caseManager);
        await caseManager.Locator("[data-confirm]").GetByRole(AriaRole.Button, new() { Name = "Yes, it was an error" }).ClickAsync();
        await Expect(caseManager.Locator("[data-outcome]")).ToContainTextAsync("taken back as recorded in error");
        await Expect(youth.GetByRole(AriaRole.Button, new() { Name = "Send" })).ToBeEnabledAsync();

        await caseManager.GetByRole(AriaRole.Button, new() { Name = "Revoke the Youth consent to Agreeing to a mentoring match" }).Last.ClickAsync();
        await Expect(caseManager.Locator("[data-confirm]")).ToContainTextAsync("It stops what it allowed at once");
        await Expect(caseManager.Locator("[data-confirm]")).ToContainTextAsync("recorded as their no to this mentor");
        await caseManager.Locator("[data-confirm]").GetByRole(AriaRole.Button, new() { Name = "Yes, revoke it" }).ClickAsync();
        await Expect(caseManager.Locator("[data-outcome]")).ToContainTextAsync("The consent is revoked");
        await Expect(youth.Locator("[data-chat-status]")).Not.ToBeEmptyAsync();
        await Expect(youth.GetByRole(AriaRole.Button, new() { Name = "Send" })).ToBeDisabledAsync();

        // Opened again while it is stopped, the chat still shows the youth where to turn.
        await youth.ReloadAsync();
        await Expect(youth.GetByRole(AriaRole.Button, new() { Name = "Send" })).ToBeDisabledAsync();
        await Expect(youth.Locator("[data-crisis-now]")).ToBeVisibleAsync();
    }

    [Fact]
    public async Task A_case_manager_is_warned_before_asking_again_about_a_mentor_the_youth_refused_and_cannot_say_yes_for_them()
    {
        var suffix = Guid.NewGuid().ToString("N")[..6];
        var (mentorId, mentorName, interest) = ($"refused-mentor-{suffix}", $"Kit {suffix} (refused journey)", $"pottery {suffix}");
        using var mentor = await ReadyNewMentorAsync(mentorId, mentorName, new
        {
            displayName = mentorName, languages = new[] { "English" }, interests = new[] { interest }, experiencedStages = new[] { "preparation" }, capacity = 2,
        });
        using var api = await server.ApiAsAsync("demo-casemanager");
        var youthName = $"Lee {suffix}";
        var referred = await api.PostAsJsonAsync("/api/youth", new { displayName = youthName, age = 16, stage = "preparation", languages = new[] { "English" }, interests = new[] { interest } });
        var youthId = (await referred.EnsureSuccessStatusCode().Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString();
        var first = await api.PostAsJsonAsync("/api/matches", new { youthId, mentorId });
        var firstId = (await first.EnsureSuccessStatusCode().Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString();
        (await mentor.PostAsync($"/api/matches/{firstId}/accept", null)).EnsureSuccessStatusCode();
        var shown = await (await api.GetAsync($"/api/matches/{firstId}")).EnsureSuccessStatusCode().Content.ReadFromJsonAsync<JsonElement>();
        using (var decline = new HttpRequestMessage(HttpMethod.Post, $"/api/matches/{firstId}/decline"))
        {
            decline.Headers.TryAddWithoutValidation("If-Match", shown.GetProperty("version").GetString());
            (await api.SendAsync(decline)).EnsureSuccessStatusCode();
        }

        var caseManager = await server.SignInAsync("Alex (demo case manager)");
        await PortalServer.OpenYouthAsync(caseManager, youthName);
        var card = caseManager.Locator("li.card", new() { HasText = mentorName });
        await Expect(card.GetByRole(AriaRole.Note)).ToContainTextAsync("This youth said no to this mentor.");
        await Accessibility.AssertNoSeriousViolationsAsync(caseManager);
        await card.GetByRole(AriaRole.Button, new() { Name = "Propose this mentor" }).ClickAsync();
        await Expect(caseManager.Locator("[data-outcome]")).ToContainTextAsync("The match is proposed");
        var open = await api.GetFromJsonAsync<JsonElement>($"/api/matches?youthId={youthId}&open=true");
        var againId = open.GetProperty("items")[0].GetProperty("id").GetString();
        (await mentor.PostAsync($"/api/matches/{againId}/accept", null)).EnsureSuccessStatusCode();

        await caseManager.GotoAsync("/matches");
        var again = caseManager.Locator("li.card", new() { HasText = $"{youthName} with {mentorName}" }).Filter(new() { HasText = "Waiting for the youth" });
        await Expect(again.GetByRole(AriaRole.Note)).ToContainTextAsync("Only the youth can say yes to this match");
        await Expect(again.GetByRole(AriaRole.Button, new() { Name = "Record that the youth said no" })).ToBeVisibleAsync();
        await Expect(again.GetByRole(AriaRole.Button, new() { Name = "Record that the youth agreed" })).ToHaveCountAsync(0);
        await Accessibility.AssertNoSeriousViolationsAsync(caseManager);

        // What staff record for a youth speaks for them: it is asked about first, and says what it will mean.
        await again.GetByRole(AriaRole.Button, new() { Name = "Record that the youth said no" }).ClickAsync();
        var question = caseManager.Locator("[data-confirm]");
        await Expect(question).ToContainTextAsync("holds for every later match with this mentor");
        await Accessibility.AssertNoSeriousViolationsAsync(caseManager);
        await question.GetByRole(AriaRole.Button, new() { Name = "Yes, they said no" }).ClickAsync();
        await Expect(caseManager.Locator("[data-outcome]")).ToContainTextAsync("This match is not going ahead");
    }

    [Fact]
    public async Task A_mentor_s_yes_to_a_match_that_no_longer_fits_waits_for_the_case_manager_who_puts_it_to_the_youth_once_it_fits()
    {
        var suffix = Guid.NewGuid().ToString("N")[..6];
        var (mentorId, mentorName) = ($"changed-mentor-{suffix}", $"Jo {suffix} (changed profile)");
        object Profile(string gender) => new
        {
            displayName = mentorName, languages = new[] { "English" }, gender, interests = new[] { "art" }, experiencedStages = new[] { "preparation" }, capacity = 2,
        };
        using var mentorApi = await ReadyNewMentorAsync(mentorId, mentorName, Profile("female"));
        using var api = await server.ApiAsAsync("demo-casemanager");
        var youthName = $"Ash {suffix}";
        var referred = await api.PostAsJsonAsync("/api/youth", new
        {
            displayName = youthName, age = 16, stage = "preparation", languages = new[] { "English" }, preferences = new { mentorGender = "female" },
        });
        var youthId = (await referred.EnsureSuccessStatusCode().Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString();
        (await api.PostAsJsonAsync("/api/matches", new { youthId, mentorId })).EnsureSuccessStatusCode();
        (await mentorApi.PutAsJsonAsync("/api/mentors/me", Profile("male"))).EnsureSuccessStatusCode();

        // The mentor's yes reads as any yes does.
        var mentor = await server.SignInAsAddedAsync(mentorId, phone: true);
        await mentor.GotoAsync("/matches");
        await mentor.GetByRole(AriaRole.Button, new() { Name = "Accept" }).ClickAsync();
        await Expect(mentor.Locator("[data-outcome]")).ToContainTextAsync("You accepted the match");
        await Expect(mentor.GetByText("You said yes. Waiting for the youth.")).ToBeVisibleAsync();

        var caseManager = await server.SignInAsync("Alex (demo case manager)");
        await caseManager.GotoAsync("/matches");
        var card = caseManager.Locator("li.card", new() { HasText = $"{youthName} with {mentorName}" });
        await Expect(card).ToContainTextAsync("It has not been shown to the youth.");
        await Expect(card.GetByRole(AriaRole.Note)).ToContainTextAsync("not the mentor gender the youth asked for");
        await Expect(card.GetByRole(AriaRole.Button, new() { Name = "Show it to the youth" })).ToHaveCountAsync(0);
        await Accessibility.AssertNoSeriousViolationsAsync(caseManager);

        // The youth tells their case manager any mentor will do.
        var current = await api.GetAsync($"/api/youth/{youthId}");
        using var change = new HttpRequestMessage(HttpMethod.Put, $"/api/youth/{youthId}")
        {
            Content = JsonContent.Create(new { displayName = youthName, age = 16, languages = new[] { "English" }, preferences = new { mentorGender = (string?)null } }),
        };
        change.Headers.TryAddWithoutValidation("If-Match", current.Headers.ETag!.Tag);
        (await api.SendAsync(change)).EnsureSuccessStatusCode();

        await caseManager.ReloadAsync();
        await Expect(card.GetByRole(AriaRole.Note)).ToContainTextAsync("It fits what the youth asked for again");
        await card.GetByRole(AriaRole.Button, new() { Name = "Show it to the youth" }).ClickAsync();
        await Expect(caseManager.Locator("[data-outcome]")).ToContainTextAsync("The youth can now see the match");
        await Expect(card).ToContainTextAsync("The mentor said yes. Waiting for the youth.");
        await Accessibility.AssertNoSeriousViolationsAsync(caseManager);
    }

    [Fact]
    public async Task A_mentor_rests_from_new_matches_without_stopping_their_chats_and_is_asked_before_stopping_mentoring()
    {
        var (mentorId, matchId) = await ActiveMatchOfNewMentorAsync();
        var mentor = await server.SignInAsAddedAsync(mentorId, phone: true);
        await mentor.GotoAsync("/profile");

        await mentor.GetByRole(AriaRole.Button, new() { Name = "No new matches for now" }).ClickAsync();
        await Expect(mentor.Locator("[data-outcome]")).ToContainTextAsync("Your current matches and chats carry on");
        await Expect(mentor.GetByText("You are taking no new matches for now.").First).ToBeVisibleAsync();
        await Accessibility.AssertNoSeriousViolationsAsync(mentor);

        await ConfirmSteps.AnswerAsync(mentor, mentor.Locator("main"), "I no longer want to mentor", "Every chat you are in stops now", "No, keep mentoring");
        await Expect(mentor.Locator("[data-outcome]")).ToContainTextAsync("Nothing has changed");

        await mentor.GetByRole(AriaRole.Button, new() { Name = "I can take new matches again" }).ClickAsync();
        await Expect(mentor.Locator("[data-outcome]")).ToContainTextAsync("You can be offered new matches again");
        using var asMentor = await server.ApiAsAsync(mentorId, "demo");
        var me = await asMentor.GetFromJsonAsync<JsonElement>("/api/mentors/me");
        Assert.True(me.GetProperty("consentsToMentoring").GetBoolean());
        Assert.Equal("Active", (await asMentor.GetFromJsonAsync<JsonElement>($"/api/matches/{matchId}")).GetProperty("state").GetString());
    }

    [Fact]
    public async Task A_case_manager_is_asked_before_recording_a_guardian_s_consent_that_starts_a_minor_s_match()
    {
        using var admin = await server.ApiAsAsync("demo-admin");
        async Task PolicyAsync(string[] needs)
        {
            var version = (await admin.GetFromJsonAsync<JsonElement>("/api/agency")).GetProperty("version").GetString();
            using var put = new HttpRequestMessage(HttpMethod.Put, "/api/agency/match-consent-policy") { Content = JsonContent.Create(new { adultAge = 18, minorMatchNeeds = needs }) };
            put.Headers.TryAddWithoutValidation("If-Match", version);
            (await admin.SendAsync(put)).EnsureSuccessStatusCode();
        }

        var suffix = Guid.NewGuid().ToString("N")[..6];
        var (mentorId, mentorName) = ($"guardian-mentor-{suffix}", $"Lou {suffix}");
        using var mentorApi = await ReadyNewMentorAsync(mentorId, mentorName, new
        {
            displayName = mentorName, languages = new[] { "English" }, experiencedStages = new[] { "preparation" }, capacity = 2,
        });
        using var alex = await server.ApiAsAsync("demo-casemanager");
        var youthName = $"Nico {suffix}";
        var youthId = (await (await alex.PostAsJsonAsync("/api/youth", new { displayName = youthName, age = 15, stage = "preparation", languages = new[] { "English" } }))
            .EnsureSuccessStatusCode().Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString();
        await PolicyAsync(["Guardian"]);
        try
        {
            var matchId = (await (await alex.PostAsJsonAsync("/api/matches", new { youthId, mentorId })).EnsureSuccessStatusCode().Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString();
            (await mentorApi.PostAsync($"/api/matches/{matchId}/accept", null)).EnsureSuccessStatusCode();
            (await alex.PostAsync($"/api/matches/{matchId}/agree", null)).EnsureSuccessStatusCode();

            var caseManager = await server.SignInAsync("Alex (demo case manager)");
            await caseManager.GotoAsync("/matches");
            var card = caseManager.Locator("li.card", new() { HasText = $"{youthName} with {mentorName}" });
            await ConfirmSteps.AnswerAsync(caseManager, card, "Record guardian consent", "parent or guardian consents", "No, not yet");
            await Expect(caseManager.Locator("[data-outcome]")).ToContainTextAsync("Nothing has changed");
            await ConfirmSteps.AnswerAsync(caseManager, card, "Record guardian consent", "only once they have told you so themselves", "Yes, they consent");
            await Expect(caseManager.Locator("[data-outcome]")).ToContainTextAsync("The consent is recorded");
            await card.GetByRole(AriaRole.Button, new() { Name = "Start the match" }).ClickAsync();
            await Expect(card).ToContainTextAsync("Active. You can chat.");
            await CloseAsync(alex, matchId!);
        }
        finally
        {
            await PolicyAsync([]);
        }
    }

    [Fact]
    public async Task A_youth_whose_own_yes_to_a_live_match_is_not_in_place_is_told_so_plainly_and_can_give_it_again()
    {
        var suffix = Guid.NewGuid().ToString("N")[..6];
        var (youthPerson, mentorId, mentorName) = ($"yes-youth-{suffix}", $"yes-mentor-{suffix}", $"Ari {suffix}");
        using var admin = await server.ApiAsAsync("demo-admin");
        (await admin.PostAsJsonAsync("/api/people", new { subjectId = youthPerson, displayName = $"Sky {suffix}", roles = new[] { "Youth" } })).EnsureSuccessStatusCode();
        using var mentorApi = await ReadyNewMentorAsync(mentorId, mentorName, new
        {
            displayName = mentorName, languages = new[] { "English" }, experiencedStages = new[] { "preparation" }, capacity = 2,
        });
        using var alex = await server.ApiAsAsync("demo-casemanager");
        var youthId = (await (await alex.PostAsJsonAsync("/api/youth", new { displayName = $"Sky {suffix}", age = 17, stage = "preparation", languages = new[] { "English" }, personId = youthPerson }))
            .EnsureSuccessStatusCode().Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString();
        var matchId = (await (await alex.PostAsJsonAsync("/api/matches", new { youthId, mentorId })).EnsureSuccessStatusCode().Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString();
        (await mentorApi.PostAsync($"/api/matches/{matchId}/accept", null)).EnsureSuccessStatusCode();
        using var youthApi = await server.ApiAsAsync(youthPerson, "demo");
        (await youthApi.PostAsync($"/api/matches/{matchId}/agree", null)).EnsureSuccessStatusCode();

        // A day later the youth's yes is withdrawn (from another page, or it ran out): the chat stops.
        server.Time.Advance(TimeSpan.FromDays(1));
        var consents = await youthApi.GetFromJsonAsync<List<JsonElement>>($"/api/consents?subjectId={youthId}");
        var yes = consents!.Single(c => c.GetProperty("matchId").GetString() == matchId && c.GetProperty("current").GetBoolean()).GetProperty("id").GetString();
        (await youthApi.PostAsync($"/api/consents/{yes}/revoke", null)).EnsureSuccessStatusCode();

        var youth = await server.SignInAsAddedAsync(youthPerson, phone: true);
        await youth.GotoAsync("/matches");
        var card = youth.Locator("li.card", new() { HasText = "Your mentor" });
        await Expect(card).ToContainTextAsync("your yes to this match is not in place");
        await Expect(card).Not.ToContainTextAsync("youth consent");
        await Expect(card).Not.ToContainTextAsync("You can chat.");
        await Accessibility.AssertNoSeriousViolationsAsync(youth);
        server.Time.Advance(TimeSpan.FromMinutes(1));
        await card.GetByRole(AriaRole.Button, new() { Name = "Yes, I still want this match" }).ClickAsync();
        await Expect(youth.Locator("[data-outcome]")).ToContainTextAsync("Your yes is saved");
        await Expect(youth.Locator("li.card", new() { HasText = "Your mentor" })).ToContainTextAsync("Active. You can chat.");
        await CloseAsync(alex, matchId!);
    }

    /// <summary>Closes a match this collection's other journeys would otherwise find open on Alex's caseload.</summary>
    private static async Task CloseAsync(HttpClient caseManager, string matchId) =>
        (await caseManager.PostAsJsonAsync($"/api/matches/{matchId}/close", new { reason = "GoalsMet", planned = true })).EnsureSuccessStatusCode();

    [Fact]
    public async Task A_page_of_another_role_is_not_available_by_editing_the_url()
    {
        var mentor = await server.SignInAsync("Sam (demo mentor)");
        await mentor.GotoAsync("/caseload");
        await Expect(mentor).ToHaveURLAsync(new Regex("/not-available$"));
        await mentor.GotoAsync("/flags");
        await Expect(mentor).ToHaveURLAsync(new Regex("/not-available$"));
        await Accessibility.AssertNoSeriousViolationsAsync(mentor);
    }

    [Fact]
    public async Task A_mentor_steps_back_from_an_active_match_on_an_older_phone()
    {
        var (mentorId, matchId) = await ActiveMatchOfNewMentorAsync();

        var mentor = await server.SignInAsAddedAsync(mentorId, phone: true);

        // An older phone's FormData, which leaves out the button pressed (the button says what to do).
        await mentor.AddInitScriptAsync("window.FormData = class extends window.FormData { constructor(form) { super(form); } };");
        await mentor.GotoAsync("/matches");
        var card = mentor.Locator("li.card", new() { HasText = "Active. You can chat." });
        await Expect(card.GetByText("You can step back at any time. No reason needed.")).ToBeVisibleAsync();
        await Accessibility.AssertNoSeriousViolationsAsync(mentor);
        await ConfirmSteps.AnswerAsync(mentor, card, "Step back from this match", "The chat stops for both of you, and this cannot be undone.", "No, stay in the match");
        await Expect(mentor.Locator("[data-outcome]")).ToContainTextAsync("Nothing has changed");
        await Expect(card).ToBeVisibleAsync();
        await card.GetByRole(AriaRole.Button, new() { Name = "Step back from this match" }).ClickAsync();
        await mentor.Locator("[data-confirm]").GetByRole(AriaRole.Button, new() { Name = "Yes, step back" }).ClickAsync();

        await Expect(mentor.Locator("[data-outcome]")).ToContainTextAsync("You have stepped back from the match");
        await Expect(mentor.GetByText("This match has ended.")).ToBeVisibleAsync();
        await Expect(mentor.GetByRole(AriaRole.Button, new() { Name = "Step back from this match" })).ToHaveCountAsync(0);
        await Accessibility.AssertNoSeriousViolationsAsync(mentor);
        using var alex = await server.ApiAsAsync("demo-casemanager");
        var closed = await (await alex.GetAsync($"/api/matches/{matchId}")).Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("MentorChoice", closed.GetProperty("closure").GetProperty("reason").GetString());
    }

    [Fact]
    public async Task A_mentor_s_open_chat_is_cleared_at_once_when_the_youth_no_longer_wants_them()
    {
        var (mentorId, matchId) = await ActiveMatchOfNewMentorAsync();
        var mentor = await server.SignInAsAddedAsync(mentorId, phone: true);
        await mentor.GotoAsync("/chat");
        await SendAsync(mentor, "looking forward to Thursday");
        await Expect(mentor.Locator("[data-log] li.mine").Last).ToContainTextAsync("Sent");

        using var alex = await server.ApiAsAsync("demo-casemanager");
        var youthId = (await (await alex.GetAsync($"/api/matches/{matchId}")).Content.ReadFromJsonAsync<JsonElement>()).GetProperty("youth").GetProperty("id").GetString();
        var current = await alex.GetAsync($"/api/youth/{youthId}");
        var youth = await current.Content.ReadFromJsonAsync<JsonElement>();
        using var change = new HttpRequestMessage(HttpMethod.Put, $"/api/youth/{youthId}")
        {
            Content = JsonContent.Create(new { displayName = youth.GetProperty("displayName").GetString(), age = youth.GetProperty("age").GetInt32(), doNotMatch = new[] { mentorId } }),
        };
        change.Headers.TryAddWithoutValidation("If-Match", current.Headers.ETag!.Tag);
        (await alex.SendAsync(change)).EnsureSuccessStatusCode();

        await Expect(mentor.Locator("[data-log] li")).ToHaveCountAsync(0);
        await Expect(mentor.Locator("[data-chat-status]")).ToContainTextAsync("Consent for this chat has been withdrawn, so new messages can't be sent.");
        await Expect(mentor.GetByLabel("Your message")).ToBeDisabledAsync();
        // The box in use went off: the keyboard's place is the reason, not the top of the page.
        await Expect(mentor.Locator("[data-chat-status]")).ToBeFocusedAsync();
        await Accessibility.AssertNoSeriousViolationsAsync(mentor);

        // The youth changes their mind: the chat comes back to the open page, to read and to write in.
        var now = await alex.GetAsync($"/api/youth/{youthId}");
        using var undo = new HttpRequestMessage(HttpMethod.Put, $"/api/youth/{youthId}")
        {
            Content = JsonContent.Create(new { displayName = youth.GetProperty("displayName").GetString(), age = youth.GetProperty("age").GetInt32(), doNotMatch = Array.Empty<string>() }),
        };
        undo.Headers.TryAddWithoutValidation("If-Match", now.Headers.ETag!.Tag);
        (await alex.SendAsync(undo)).EnsureSuccessStatusCode();
        await Expect(mentor.Locator("[data-log] li.mine")).ToContainTextAsync("looking forward to Thursday");
        await Expect(mentor.GetByLabel("Your message")).ToBeEnabledAsync();
    }

    [Fact]
    public async Task A_closed_match_s_chat_is_read_from_its_flag_by_the_case_manager_and_by_the_youth_but_no_longer_by_the_mentor()
    {
        var youthId = "youth-" + Guid.NewGuid().ToString("N")[..10];
        var (mentorId, matchId) = await ActiveMatchOfNewMentorAsync(youthId);
        var mentor = await server.SignInAsAddedAsync(mentorId, phone: true);
        await mentor.GotoAsync("/chat");
        await SendAsync(mentor, "see you at the library");
        await Expect(mentor.Locator("[data-log] li.mine").Last).ToContainTextAsync("Sent");
        await SendAsync(mentor, "or text me at 559-555-0177");
        await Expect(mentor.Locator("[data-log] li.mine").Last).ToContainTextAsync("Held for review");
        using var api = await server.ApiAsAsync("demo-casemanager");
        await CloseAsync(api, matchId);
        var youthName = "Step " + mentorId[^6..];

        // The flag outlives the match: from the queue, the case manager reads the words where they were written.
        var alex = await server.SignInAsync("Alex (demo case manager)");
        await alex.GotoAsync("/flags");
        var row = alex.Locator("tbody tr", new() { HasText = youthName });
        await row.GetByRole(AriaRole.Button, new() { Name = $"Read it in the chat with {youthName}" }).ClickAsync();
        await Expect(alex.Locator("[data-log] li.flagged")).ToContainTextAsync("559-555-0177", new() { Timeout = 10000 });
        await Expect(alex.GetByText("This chat has ended.")).ToBeVisibleAsync();
        await Expect(alex.GetByLabel("Your message")).ToHaveCountAsync(0);
        await Accessibility.AssertNoSeriousViolationsAsync(alex);

        // The youth finds it among the chats that have ended, and reads what reached them.
        var youth = await server.SignInAsAddedAsync(youthId, phone: true);
        await youth.GotoAsync("/chat");
        var ended = youth.Locator("section", new() { Has = youth.GetByRole(AriaRole.Heading, new() { Name = "Chats that have ended" }) });
        await Accessibility.AssertNoSeriousViolationsAsync(youth);
        await ended.GetByRole(AriaRole.Button, new() { Name = "Read this ended chat" }).ClickAsync();
        await Expect(youth.GetByText("see you at the library")).ToBeVisibleAsync(new() { Timeout = 10000 });
        await Expect(youth.GetByText("559-555-0177")).ToHaveCountAsync(0);
        await Expect(youth.Locator("[data-chat-status]")).ToContainTextAsync("This match has ended");
        await Expect(youth.GetByLabel("Your message")).ToHaveCountAsync(0);
        await Accessibility.AssertNoSeriousViolationsAsync(youth);

        // The mentor's page offers the chat no more, nor says they never had one.
        await mentor.GotoAsync("/chat");
        await Expect(mentor.GetByText("You have no open chat.")).ToBeVisibleAsync();

        // Left as the collection's other journeys find the queue: nothing of this match open in it.
        await alex.GotoAsync("/flags");
        await row.GetByRole(AriaRole.Button, new() { Name = "Keep back" }).ClickAsync();
        await Expect(alex.Locator("[data-outcome]")).ToContainTextAsync("The message was kept back.");
        await Expect(row).ToHaveCountAsync(0);
    }

    [Fact]
    public async Task A_message_that_never_reached_an_open_page_shows_as_soon_as_the_page_is_back_in_the_chat()
    {
        var youthId = "youth-" + Guid.NewGuid().ToString("N")[..10];
        var (mentorId, matchId) = await ActiveMatchOfNewMentorAsync(youthId);
        var mentor = await server.SignInAsAddedAsync(mentorId);
        // The push of one message never reaches the mentor's page, as when it was out of the chat's group a moment.
        await mentor.RouteWebSocketAsync("**/hubs/chat**", page =>
        {
            var server = page.ConnectToServer();
            page.OnMessage(frame => server.Send(frame.Text!));
            server.OnMessage(frame => page.Send(string.Join(RecordSeparator, frame.Text!.Split(RecordSeparator)
                .Where(m => !(m.Contains("MessageReceived", StringComparison.Ordinal) && m.Contains("missed on the way", StringComparison.Ordinal))))));
        });
        await mentor.GotoAsync("/chat");
        await Expect(mentor.GetByRole(AriaRole.Button, new() { Name = "Send" })).ToBeEnabledAsync();
        var youth = await server.SignInAsAddedAsync(youthId, phone: true);
        await youth.GotoAsync("/chat");
        await SendAsync(youth, "missed on the way");
        await Expect(youth.Locator("[data-log] li.mine").Last).ToContainTextAsync("Sent");
        await Expect(mentor.GetByText("missed on the way")).ToHaveCountAsync(0);

        // The case manager pauses the match and resumes it: the page, told it is back in the chat, fetches what it missed.
        using var alex = await server.ApiAsAsync("demo-casemanager");
        foreach (var step in new[] { "pause", "resume" })
        {
            var current = await alex.GetAsync($"/api/matches/{matchId}");
            var version = (await current.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("version").GetString();
            using var move = new HttpRequestMessage(HttpMethod.Post, $"/api/matches/{matchId}/{step}");
            move.Headers.TryAddWithoutValidation("If-Match", version);
            (await alex.SendAsync(move)).EnsureSuccessStatusCode();
        }

        await Expect(mentor.GetByText("missed on the way")).ToHaveCountAsync(1);
        await Expect(mentor.GetByRole(AriaRole.Button, new() { Name = "Send" })).ToBeEnabledAsync();
        await CloseAsync(alex, matchId);
    }

    [Fact]
    public async Task A_youth_writes_in_the_chat_from_an_older_phone_and_what_they_type_is_not_spell_checked()
    {
        var youthId = "youth-" + Guid.NewGuid().ToString("N")[..10];
        var (_, matchId) = await ActiveMatchOfNewMentorAsync(youthId);
        var youth = await server.SignInAsAddedAsync(youthId, phone: true);
        // A phone older than crypto.randomUUID (iOS before 15.4).
        await youth.AddInitScriptAsync("delete Crypto.prototype.randomUUID;");
        await youth.GotoAsync("/chat");

        Assert.False(await youth.GetByLabel("Your message").EvaluateAsync<bool>("box => box.spellcheck"));
        Assert.Equal("off", await youth.GetByLabel("Your message").GetAttributeAsync("autocorrect"));
        await SendAsync(youth, "writing from my old phone");

        await Expect(youth.Locator("[data-log] li.mine").Last).ToContainTextAsync("Sent");
        using var alex = await server.ApiAsAsync("demo-casemanager");
        await CloseAsync(alex, matchId);
    }

    /// <summary>A new mentor of the demo agency with <paramref name="profile"/>, supervised, ready and consenting; the client signed in as them.</summary>
    private async Task<HttpClient> ReadyNewMentorAsync(string mentorId, string name, object profile)
    {
        using var admin = await server.ApiAsAsync("demo-admin");
        (await admin.PostAsJsonAsync("/api/people", new { subjectId = mentorId, displayName = name, roles = new[] { "Mentor" } })).EnsureSuccessStatusCode();
        var mentor = await server.ApiAsAsync(mentorId, "demo");
        (await mentor.PutAsJsonAsync("/api/mentors/me", profile)).EnsureSuccessStatusCode();
        (await admin.PutAsJsonAsync($"/api/mentors/{mentorId}/supervisor", new { supervisorId = "demo-supervisor" })).EnsureSuccessStatusCode();
        using var supervisor = await server.ApiAsAsync("demo-supervisor");
        (await supervisor.PutAsJsonAsync($"/api/mentors/{mentorId}/readiness", new { screeningPassedOn = "2026-01-05", trainingCompletedOn = "2026-02-01", supervisorClearedOn = "2026-02-10" })).EnsureSuccessStatusCode();
        (await mentor.PostAsJsonAsync("/api/consents", new { subjectId = mentorId, grantor = "Mentor", scope = "mentoring" })).EnsureSuccessStatusCode();
        return mentor;
    }

    [Fact]
    public async Task Messages_asked_for_before_a_chat_stopped_being_someones_to_read_are_not_shown_when_they_arrive_after()
    {
        // A youth withdraws consent while the mentor's page is loading the chat: the messages read before come after.
        var (mentorId, _) = await ActiveMatchOfNewMentorAsync();
        var page = await server.SignInAsAddedAsync(mentorId);
        var historyAsked = new TaskCompletionSource<(IWebSocketRoute Hub, string Id)>(TaskCreationOptions.RunContinuationsAsynchronously);
        var sinceAsked = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await page.RouteWebSocketAsync("**/hubs/chat**", hub => hub.OnMessage(frame =>
        {
            foreach (var message in frame.Text!.Split(RecordSeparator, StringSplitOptions.RemoveEmptyEntries))
            {
                using var invocation = System.Text.Json.JsonDocument.Parse(message);
                var target = invocation.RootElement.TryGetProperty("target", out var named) ? named.GetString() : null;
                var invocationId = invocation.RootElement.TryGetProperty("invocationId", out var numbered) ? numbered.GetString() : null;
                if (invocation.RootElement.TryGetProperty("protocol", out _))
                {
                    hub.Send("{}" + RecordSeparator);
                }
                else if (target == "Join")
                {
                    hub.Send(Answer(invocationId!, """{"role":"mentor","canSend":true}"""));
                }
                else if (target == "History")
                {
                    historyAsked.TrySetResult((hub, invocationId!));
                }
                else if (target == "Since")
                {
                    hub.Send(Answer(invocationId!, """{"messages":[],"through":0,"more":false}"""));
                    sinceAsked.TrySetResult();
                }
            }
        }));

        await page.GotoAsync("/chat");
        var conversationId = await page.Locator("[data-conversation]").GetAttributeAsync("data-conversation");
        var (live, historyId) = await historyAsked.Task.WaitAsync(TimeSpan.FromSeconds(20));
        live.Send($$"""{"type":1,"target":"ConversationStatusChanged","arguments":[{"conversationId":"{{conversationId}}","canSend":false,"reason":"This chat is closed.","readable":false}]}""" + RecordSeparator);
        await Expect(page.Locator("[data-chat-status]")).ToContainTextAsync("This chat is closed.");
        live.Send(Answer(historyId, $$"""[{"conversationId":"{{conversationId}}","sequence":1,"senderRole":"youth","text":"words read before","sentAt":"2026-12-04T21:00:00Z","status":"Delivered"}]"""));
        await sinceAsked.Task.WaitAsync(TimeSpan.FromSeconds(20));

        await Expect(page.GetByText("words read before")).ToHaveCountAsync(0);
        Assert.Equal(0, await page.Locator("[data-log] li").CountAsync());
    }

    /// <summary>A hub's answer to the call <paramref name="invocationId"/>, carrying <paramref name="value"/> (JSON).</summary>
    private static string Answer(string invocationId, string value) =>
        "{\"type\":3,\"invocationId\":\"" + invocationId + "\",\"result\":{\"value\":" + value + "}}" + RecordSeparator;

    /// <summary>
    /// A new mentor, ready and consenting, in an active match with a new youth of Alex's, who signs in as
    /// <paramref name="youthPersonId"/> when given (and has no sign-in otherwise).
    /// </summary>
    private async Task<(string MentorId, string MatchId)> ActiveMatchOfNewMentorAsync(string? youthPersonId = null)
    {
        var mentorId = "mentor-" + Guid.NewGuid().ToString("N")[..10];
        using var asMentor = await ReadyNewMentorAsync(mentorId, $"Stepping {mentorId[^6..]}", new
        {
            displayName = $"Stepping {mentorId[^6..]}", languages = new[] { "English" }, gender = "female", location = new { latitude = 36.7378, longitude = -119.7871 },
            travelRadiusMiles = 25, interests = new[] { "art" }, livedExperienceTags = Array.Empty<string>(), experiencedStages = new[] { "contemplation" }, capacity = 1,
        });
        if (youthPersonId is not null)
        {
            using var admin = await server.ApiAsAsync("demo-admin");
            (await admin.PostAsJsonAsync("/api/people", new { subjectId = youthPersonId, displayName = "Step " + mentorId[^6..], roles = new[] { "Youth" } })).EnsureSuccessStatusCode();
        }

        using var alex = await server.ApiAsAsync("demo-casemanager");
        var youth = await (await alex.PostAsJsonAsync("/api/youth", new
        {
            displayName = "Step " + mentorId[^6..], age = 16, stage = "contemplation", languages = new[] { "English" }, personId = youthPersonId,
        })).Content.ReadFromJsonAsync<JsonElement>();
        var proposed = await alex.PostAsJsonAsync("/api/matches", new { youthId = youth.GetProperty("id").GetString(), mentorId });
        proposed.EnsureSuccessStatusCode();
        var matchId = (await proposed.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
        (await asMentor.PostAsync($"/api/matches/{matchId}/accept", null)).EnsureSuccessStatusCode();
        var agreed = await (await alex.PostAsync($"/api/matches/{matchId}/agree", null)).Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("Active", agreed.GetProperty("state").GetString());
        return (mentorId, matchId);
    }

    /// <summary>What ends each message of SignalR's JSON protocol; a frame may carry several.</summary>
    private const string RecordSeparator = "\u001e";

    /// <summary>The invocation id of a completion the test makes busy, if <paramref name="message"/> is one.</summary>
    private static (string Id, string Code)? ReplacedCompletion(string message, Dictionary<string, string> answers)
    {
        if (message.Length == 0)
        {
            return null;
        }

        using var json = JsonDocument.Parse(message);
        return json.RootElement.TryGetProperty("type", out var type) && type.GetInt32() == 3
            && json.RootElement.GetProperty("invocationId").GetString() is { } id && answers.TryGetValue(id, out var code) ? (id, code) : null;
    }

    private static async Task SendAsync(IPage page, string text)
    {
        await page.GetByLabel("Your message").FillAsync(text);
        await page.GetByRole(AriaRole.Button, new() { Name = "Send" }).ClickAsync();
    }
}
