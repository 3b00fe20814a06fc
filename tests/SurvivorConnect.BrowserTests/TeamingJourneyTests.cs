using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Playwright;
using SurvivorConnect.Storage;
using static Microsoft.Playwright.Assertions;

namespace SurvivorConnect.BrowserTests;

/// <summary>
/// Two agencies agree a partnership; Riley's case manager forms Riley's team with Northstar's advocate, writes the
/// plan with Riley's words and records what Riley agreed to share; the advocate reads it; Riley, on a phone, reads
/// their team, plan and safety plan and stops sharing; the advocate's next read is refused.
/// </summary>
[Collection(Portal.Name)]
public sealed class TeamingJourneyTests(PortalServer server)
{
    private const string Advocate = "Quinn (northstar case manager)";

    [Fact]
    public async Task A_team_with_a_partner_agency_shares_the_plan_until_the_youth_stops_sharing()
    {
        // Harbor Light's admin proposes; Northstar's admin accepts and offers Quinn.
        var admin = await server.SignInAsync("Taylor (demo agency admin)");
        await admin.GotoAsync("/partnerships");
        await admin.GetByLabel("The other agency's SurvivorConnect id").FillAsync("demo-north");
        var propose = admin.Locator("[data-propose]");
        await propose.GetByLabel("Case plan").CheckAsync();
        await propose.GetByLabel("Safety plan").CheckAsync();

        // Sent without its legal basis, the proposal is refused, and the professionals ticked and titled stay as they were.
        await propose.GetByLabel("Alex (demo case manager)", new() { Exact = true }).CheckAsync();
        await propose.GetByLabel("Title for Alex (demo case manager)").FillAsync("Lead case manager");
        await admin.GetByRole(AriaRole.Button, new() { Name = "Propose" }).ClickAsync();
        await Expect(admin.Locator("#basis-error")).ToBeVisibleAsync();
        propose = admin.Locator("[data-propose]");
        await Expect(propose.GetByLabel("Alex (demo case manager)", new() { Exact = true })).ToBeCheckedAsync();
        await Expect(propose.GetByLabel("Title for Alex (demo case manager)")).ToHaveValueAsync("Lead case manager");
        await Expect(propose.GetByLabel("Case plan")).ToBeCheckedAsync();
        await propose.GetByLabel("Alex (demo case manager)", new() { Exact = true }).UncheckAsync();
        await propose.GetByLabel("Title for Alex (demo case manager)").FillAsync("");

        await admin.GetByLabel("Legal basis (the agreement or law it rests on)").FillAsync("County MDT information-sharing protocol, 2026");
        await admin.GetByLabel("Ends on").FillAsync(server.Time.GetUtcNow().AddYears(1).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
        await admin.GetByRole(AriaRole.Button, new() { Name = "Propose" }).ClickAsync();
        await Expect(admin.Locator("[data-outcome]")).ToContainTextAsync("Proposed.");
        await Accessibility.AssertNoSeriousViolationsAsync(admin);

        var partnerAdmin = await server.SignInAsync("Reese (northstar agency admin)");
        await partnerAdmin.GotoAsync("/partnerships");
        var proposal = partnerAdmin.Locator("[data-partnerships] li", new() { HasText = "Harbor Light" });
        await Expect(proposal).ToContainTextAsync("Waiting for you to accept or decline.");
        await proposal.GetByLabel(Advocate, new() { Exact = true }).CheckAsync();
        await proposal.GetByLabel($"Title for {Advocate}").FillAsync("Youth advocate");
        await proposal.GetByRole(AriaRole.Button, new() { Name = "Accept" }).ClickAsync();
        await Expect(partnerAdmin.Locator("[data-outcome]")).ToContainTextAsync("Accepted.");
        await Expect(partnerAdmin.Locator("[data-partnerships] li", new() { HasText = "Harbor Light" })).ToContainTextAsync("In force.");
        await Accessibility.AssertNoSeriousViolationsAsync(partnerAdmin);

        // Riley's case manager forms the team with Quinn, writes the plan and records Riley's consent.
        var caseManager = await server.SignInAsync("Alex (demo case manager)");
        await caseManager.GotoAsync("/teams");
        await caseManager.Locator("[data-teams] li", new() { HasText = "Riley" }).GetByRole(AriaRole.Link, new() { Name = "Team" }).ClickAsync();
        await caseManager.GetByRole(AriaRole.Button, new() { Name = "Form the team" }).ClickAsync();
        await Expect(caseManager.Locator("[data-outcome]")).ToContainTextAsync("The team is formed.");
        await Expect(caseManager.Locator("[data-stage]")).ToContainTextAsync("Stage of change:");
        await caseManager.GetByLabel("Who", new() { Exact = true }).SelectOptionAsync(new SelectOptionValue { Label = $"{Advocate}, Youth advocate" });
        await caseManager.GetByRole(AriaRole.Button, new() { Name = "Add to the team" }).ClickAsync();
        await Expect(caseManager.Locator("[data-members]")).ToContainTextAsync("Partner professional · Youth advocate · Northstar Family Services (demo)");
        await caseManager.GetByLabel("Name, or what Riley (demo youth) calls them").FillAsync("Aunt Rosa");
        await caseManager.GetByLabel("Who they are to Riley (demo youth) (optional)").FillAsync("Aunt");
        await caseManager.GetByRole(AriaRole.Button, new() { Name = "Ask Riley (demo youth)" }).ClickAsync();
        await Expect(caseManager.Locator("[data-members] li", new() { HasText = "Aunt Rosa" })).ToContainTextAsync("Waiting for Riley (demo youth) to agree.");
        var share = caseManager.Locator("[data-share]");
        await share.GetByLabel("Case plan").CheckAsync();
        await share.GetByLabel("Safety plan").CheckAsync();
        await share.GetByLabel("told me they agree to this").CheckAsync();
        // The same form sent twice (its first answer lost on a slow phone, say) records one consent, and tells Riley once.
        using var alex = await server.ApiAsAsync("demo-casemanager");
        async Task<int> SharingConsentsAsync() => (await alex.GetFromJsonAsync<List<JsonElement>>("/api/consents?subjectId=demo-youth-referral"))!
            .Count(c => c.GetProperty("scope").GetString() == "mdt-sharing");
        var before = await SharingConsentsAsync();
        Assert.Equal(200, await share.EvaluateAsync<int>("async form => (await fetch(location.href, { method: 'POST', body: new FormData(form) })).status"));
        await share.GetByRole(AriaRole.Button, new() { Name = "Record Riley (demo youth)'s consent" }).ClickAsync();
        await Expect(caseManager.Locator("[data-outcome]")).ToContainTextAsync("Recorded.");
        await Expect(caseManager.Locator("[data-sharing]")).ToContainTextAsync("Northstar Family Services (demo): Case plan, Safety plan · shared now");
        Assert.Equal(before + 1, await SharingConsentsAsync());
        await Accessibility.AssertNoSeriousViolationsAsync(caseManager);

        // Stopping asks first and says what it means: a stop at Riley's word is kept as their no, which staff cannot
        // undo; a consent recorded by mistake is taken back as one, and can be recorded again once Riley agrees.
        var sharingRow = caseManager.Locator("[data-sharing] li[data-current=yes]", new() { HasText = "Northstar" });
        await sharingRow.GetByRole(AriaRole.Button, new() { Name = "Stop sharing with Northstar Family Services (demo)" }).ClickAsync();
        await Expect(caseManager.Locator("[data-confirm]")).ToContainTextAsync("it is kept as their no, so only they can share with Northstar Family Services (demo) again");
        await Accessibility.AssertNoSeriousViolationsAsync(caseManager);
        await caseManager.Locator("[data-confirm]").GetByRole(AriaRole.Button, new() { Name = "No, keep sharing" }).ClickAsync();
        await Expect(caseManager.Locator("[data-outcome]")).ToContainTextAsync("Nothing has changed. Sharing goes on.");
        await sharingRow.GetByRole(AriaRole.Button, new() { Name = "Take back sharing with Northstar Family Services (demo) as recorded in error" }).ClickAsync();
        await caseManager.Locator("[data-confirm]").GetByRole(AriaRole.Button, new() { Name = "Yes, it was an error" }).ClickAsync();
        await Expect(caseManager.Locator("[data-outcome]")).ToContainTextAsync("Taken back as recorded in error.");
        await Expect(caseManager.Locator("[data-sharing] li[data-current=yes]")).ToHaveCountAsync(0);
        server.Time.Advance(TimeSpan.FromSeconds(1));
        share = caseManager.Locator("[data-share]");
        await share.GetByLabel("Case plan").CheckAsync();
        await share.GetByLabel("Safety plan").CheckAsync();
        await share.GetByLabel("told me they agree to this").CheckAsync();
        await share.GetByRole(AriaRole.Button, new() { Name = "Record Riley (demo youth)'s consent" }).ClickAsync();
        await Expect(caseManager.Locator("[data-outcome]")).ToContainTextAsync("Recorded.");
        await Expect(sharingRow).ToContainTextAsync("Case plan, Safety plan · shared now");

        await caseManager.GetByRole(AriaRole.Link, new() { Name = "Plans" }).ClickAsync();
        var newItem = caseManager.Locator("[data-item-form=new]");
        await newItem.GetByLabel("Kind").SelectOptionAsync("Goal");
        await newItem.GetByLabel("What was decided").FillAsync("A safe place to live by spring");
        await newItem.GetByLabel("What the youth wants, in their words").FillAsync("Somewhere near my sister, where I have my own key");
        await newItem.GetByLabel("Owner (optional)").FillAsync("Alex");
        // A double tap sends it once.
        var posts = 0;
        void CountPost(object? sender, IRequest request) => posts += request.Method == "POST" ? 1 : 0;
        caseManager.Request += CountPost;
        await newItem.GetByRole(AriaRole.Button, new() { Name = "Add" }).ClickAsync(new() { ClickCount = 2 });
        await Expect(caseManager.Locator("[data-case-plan]")).ToContainTextAsync("Somewhere near my sister, where I have my own key");
        caseManager.Request -= CountPost;
        Assert.Equal(1, posts);
        // The plan starts from what the youth is good at too.
        await newItem.GetByLabel("Kind").SelectOptionAsync("Strength");
        await newItem.GetByLabel("What was decided").FillAsync("Keeps going when things are hard");
        await newItem.GetByRole(AriaRole.Button, new() { Name = "Add" }).ClickAsync();
        await Expect(caseManager.Locator("[data-case-plan]")).ToContainTextAsync("Keeps going when things are hard");
        var safety = caseManager.Locator("[data-safety-form]");
        await safety.GetByLabel("Coping steps").FillAsync("Put my headphones on\nText my sister");
        await safety.GetByLabel("Safe places").FillAsync("The library on Main Street");
        await safety.GetByRole(AriaRole.Button, new() { Name = "Save the safety plan" }).ClickAsync();
        await Expect(caseManager.Locator("[data-outcome]")).ToContainTextAsync("The safety plan is saved.");
        await Expect(caseManager.Locator("[data-history]")).ToContainTextAsync("Added a goal: A safe place to live by spring");
        await Expect(caseManager.Locator("[data-history] li", new() { HasText = "Added a goal: A safe place to live by spring" })).ToHaveCountAsync(1);
        await Expect(caseManager.Locator("[data-case-plan] li", new() { HasText = "A safe place to live by spring" })).ToHaveCountAsync(1);
        await Accessibility.AssertNoSeriousViolationsAsync(caseManager);
        await Accessibility.ScreenshotAsync(caseManager, "case-manager-plans-desktop");

        // A second window, opened before a further change, cannot save its older safety plan over it unseen; what was
        // typed there is kept beside the plan as saved now, and saved once its writer has taken the change in.
        var olderWindow = await server.SignInAsync("Alex (demo case manager)");
        await olderWindow.GotoAsync(caseManager.Url);
        await safety.GetByLabel("Safe places").FillAsync("The library on Main Street\nMy aunt's house");
        await safety.GetByLabel("Numbers to call").FillAsync("Aunt: 555 0100");
        var version = safety.Locator("input[name=Version]");
        var versionBefore = await version.GetAttributeAsync("value");
        await safety.GetByRole(AriaRole.Button, new() { Name = "Save the safety plan" }).ClickAsync();
        // The outcome already says "saved" from the first save; the new version shows this one finished.
        await Expect(version).Not.ToHaveAttributeAsync("value", versionBefore!);
        await Expect(caseManager.Locator("[data-outcome]")).ToContainTextAsync("The safety plan is saved.");
        var older = olderWindow.Locator("[data-safety-form]");
        await older.GetByLabel("Numbers to call").FillAsync("Aunt:555 0100");
        await older.GetByLabel("Coping steps").FillAsync("Put my headphones on\nText my sister\n" + new string('x', 301));
        await older.GetByRole(AriaRole.Button, new() { Name = "Save the safety plan" }).ClickAsync();
        await Expect(olderWindow.Locator("[data-outcome]")).ToContainTextAsync("Please check the highlighted fields.");

        // Put right, it is still the plan as it was when this window opened: the change made since is not undone unseen.
        await older.GetByLabel("Coping steps").FillAsync("Put my headphones on\nText my sister\nBreathe slowly, counting to four");
        await older.GetByRole(AriaRole.Button, new() { Name = "Save the safety plan" }).ClickAsync();
        await Expect(olderWindow.Locator("[data-outcome]")).ToContainTextAsync("The safety plan was changed by someone else while you were writing. What you wrote is still in the form");
        await Expect(older.GetByLabel("Coping steps")).ToHaveValueAsync("Put my headphones on\nText my sister\nBreathe slowly, counting to four");
        await Expect(older.GetByLabel("Safe places")).ToHaveValueAsync("The library on Main Street");
        var differences = olderWindow.Locator("[data-saved-now] [data-differences]");
        await Expect(differences).ToContainTextAsync("Safe places: “My aunt's house” is in the plan as saved now, not in yours.");
        await Expect(differences).ToContainTextAsync("Coping steps: “Breathe slowly, counting to four” is in yours, not in the plan as saved now.");
        await Expect(differences).Not.ToContainTextAsync("Numbers to call");
        // The plan as saved now sits under its own heading, so a screen reader's outline keeps it apart from the form.
        await Expect(olderWindow.Locator("[data-saved-now] h4", new() { HasText = "Safe places" })).ToHaveCountAsync(1);
        await Accessibility.AssertNoSeriousViolationsAsync(olderWindow);

        // Saving again without saying it replaces the plan as saved now saves nothing, even from a hand-made form.
        var unticked = await PortalServer.ForgePostAsync(olderWindow, new Uri(olderWindow.Url).PathAndQuery, new Dictionary<string, string>
        {
            ["_handler"] = "safety", ["Version"] = await older.Locator("input[name=Version]").InputValueAsync(), ["Replacing"] = "yes", ["CopingSteps"] = "Only this",
        });
        Assert.Contains("Nothing was saved.", unticked, StringComparison.Ordinal);
        Assert.Contains("<p class=\"field-error\" id=\"safety-replace-error\"><span class=\"visually-hidden\">Error:</span> Tick this box to save yours in its place.</p>", unticked, StringComparison.Ordinal);
        Assert.Contains("aria-describedby=\"safety-replace-error\" aria-invalid=\"true\"", unticked, StringComparison.Ordinal);
        await older.GetByLabel("Safe places").FillAsync("The library on Main Street\nMy aunt's house");
        await older.GetByLabel("I have read the safety plan as saved now: save mine in its place").CheckAsync();
        await older.GetByRole(AriaRole.Button, new() { Name = "Save the safety plan" }).ClickAsync();
        await Expect(olderWindow.Locator("[data-outcome]")).ToContainTextAsync("The safety plan is saved.");
        await Expect(older.GetByLabel("Coping steps")).ToHaveValueAsync("Put my headphones on\nText my sister\nBreathe slowly, counting to four");
        await Expect(olderWindow.Locator("[data-saved-now]")).ToHaveCountAsync(0);

        // A refused plan item keeps what was typed too.
        var unfinished = olderWindow.Locator("[data-item-form=new]");
        await unfinished.GetByLabel("What the youth wants, in their words").FillAsync("To see my little brother on Sundays");
        await unfinished.GetByRole(AriaRole.Button, new() { Name = "Add" }).ClickAsync();
        await Expect(olderWindow.Locator("[data-outcome]")).ToContainTextAsync("Please check the highlighted fields.");
        await Expect(unfinished.GetByLabel("What the youth wants, in their words")).ToHaveValueAsync("To see my little brother on Sundays");

        // Quinn, at Northstar, reads what Riley shares.
        var partner = await server.SignInAsync(Advocate);
        await partner.GotoAsync("/shared");
        var seat = partner.Locator("[data-shared] li", new() { HasText = "Riley" });
        var seatId = await seat.GetAttributeAsync("data-seat");
        await seat.GetByRole(AriaRole.Button, new() { Name = "Read" }).ClickAsync();
        var records = partner.Locator("[data-shared-records]");
        await Expect(records).ToContainTextAsync("A safe place to live by spring");
        // What Riley said beside the plan stays with Riley's own team.
        await Expect(records).Not.ToContainTextAsync("where I have my own key");
        await Expect(records).ToContainTextAsync("The library on Main Street");
        // Each item's heading sits under the "Case plan" heading, for someone finding their way by headings.
        await Expect(records.GetByRole(AriaRole.Heading, new() { Level = 4, Name = "A safe place to live by spring" })).ToHaveCountAsync(1);
        await Accessibility.AssertNoSeriousViolationsAsync(partner);
        await Accessibility.ScreenshotAsync(partner, "partner-shared-desktop");

        // A second window of Quinn's, left open on the list before Riley decides.
        var stale = await server.SignInAsync(Advocate);
        await stale.GotoAsync("/shared");

        // Riley, on a phone, reads their team, plan and safety plan, and stops sharing.
        var youth = await server.SignInAsync("Riley (demo youth)", phone: true);
        await youth.GotoAsync("/my-team");
        await Expect(youth.Locator("[data-my-team]")).ToContainTextAsync("Quinn (northstar case manager) — Youth advocate, Northstar Family Services (demo)");
        await Expect(youth.Locator("[data-case-plan]")).ToContainTextAsync("My goal: A safe place to live by spring");
        await Expect(youth.Locator("[data-case-plan]")).ToContainTextAsync("Something I am good at: Keeps going when things are hard");
        var question = youth.Locator("[data-support]", new() { HasText = "Aunt Rosa" });
        await Expect(question).ToContainTextAsync("Do you want Aunt Rosa (Aunt) on your team");
        await question.GetByRole(AriaRole.Button, new() { Name = "Yes" }).ClickAsync();
        await Expect(youth.Locator("[data-outcome]")).ToContainTextAsync("They are on your team.");
        await Expect(youth.Locator("[data-my-team]")).ToContainTextAsync("Aunt Rosa — Aunt");
        await Expect(youth.Locator("[data-case-plan]")).ToContainTextAsync("What I want: Somewhere near my sister");
        await Accessibility.AssertNoSeriousViolationsAsync(youth);
        await Accessibility.ScreenshotAsync(youth, "youth-my-team-phone");
        await youth.GetByRole(AriaRole.Link, new() { Name = "My safety plan" }).ClickAsync();
        await Expect(youth.Locator("[data-crisis]")).ToContainTextAsync("988");
        await Expect(youth.Locator("[data-safety-plan]")).ToContainTextAsync("Text my sister");
        // A number in the plan is one tap to call or text, as a crisis line is.
        var aunt = youth.Locator("[data-safe-contacts] li", new() { HasText = "Aunt: 555 0100" });
        await Expect(aunt.GetByRole(AriaRole.Link, new() { Name = "Call Aunt" })).ToHaveAttributeAsync("href", "tel:5550100");
        await Expect(aunt.GetByRole(AriaRole.Link, new() { Name = "Text Aunt" })).ToHaveAttributeAsync("href", "sms:5550100");
        await Expect(youth.Locator("[data-exit]")).ToBeVisibleAsync();
        await Accessibility.AssertNoSeriousViolationsAsync(youth);
        await Accessibility.AssertFitsAsync(youth);

        await youth.GotoAsync("/my-team");
        // A yes to someone who supports them is Riley's to take back, as any yes.
        await youth.Locator("[data-my-team] li", new() { HasText = "Aunt Rosa" }).GetByRole(AriaRole.Button, new() { Name = "Take off my team" }).ClickAsync();
        await Expect(youth.Locator("[data-outcome]")).ToContainTextAsync("They will not be on your team.");
        await Expect(youth.Locator("[data-my-team]")).Not.ToContainTextAsync("Aunt Rosa");
        await Accessibility.AssertNoSeriousViolationsAsync(youth);
        // And so is that no: one tap, meant or not, does not cost Riley their aunt for a month.
        await youth.Locator("[data-said-no] li", new() { HasText = "Aunt Rosa" }).GetByRole(AriaRole.Button, new() { Name = "Put back on my team" }).ClickAsync();
        await Expect(youth.Locator("[data-outcome]")).ToContainTextAsync("They are on your team again.");
        await Expect(youth.Locator("[data-my-team]")).ToContainTextAsync("Aunt Rosa — Aunt");
        await Expect(youth.Locator("[data-said-no]")).ToHaveCountAsync(0);
        await youth.Locator("[data-my-team] li", new() { HasText = "Aunt Rosa" }).GetByRole(AriaRole.Button, new() { Name = "Take off my team" }).ClickAsync();
        await Expect(youth.Locator("[data-said-no]")).ToContainTextAsync("Aunt Rosa");
        await Accessibility.AssertNoSeriousViolationsAsync(youth);
        var sharing = youth.Locator("[data-my-sharing] li", new() { HasText = "Northstar" });
        await Expect(sharing).ToContainTextAsync("can read your plan and your safety plan");
        var consentId = await sharing.GetAttributeAsync("data-consent");
        await sharing.GetByRole(AriaRole.Button, new() { Name = "Stop sharing" }).ClickAsync();
        await Expect(youth.Locator("[data-outcome]")).ToContainTextAsync("Stopped.");
        await Expect(youth.Locator("[data-nothing-shared]")).ToBeVisibleAsync();

        // A second tap from a slow phone, landing after the first: it is told sharing is stopped, not that something broke.
        var again = await PortalServer.ForgePostAsync(youth, "/my-team", new Dictionary<string, string> { ["_handler"] = "stop", ["ConsentId"] = consentId! });
        Assert.Contains("already revoked", again, StringComparison.Ordinal);
        Assert.DoesNotContain("That did not work", again, StringComparison.Ordinal);

        // Quinn's open pages are drawn again at once: the records on screen go, and the list no longer names Riley.
        await Expect(partner.Locator("[data-shared-records]")).ToHaveCountAsync(0);
        await Expect(stale.Locator($"[data-seat='{seatId}']")).ToContainTextAsync("Not shared with your agency now.");
        await Expect(stale.Locator($"[data-seat='{seatId}']")).Not.ToContainTextAsync("Riley");
        // Drawn again by itself, the page keeps counting from Quinn's last tap, and its address is as it was.
        await Expect(stale).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/shared$"));
        await Accessibility.AssertNoSeriousViolationsAsync(stale);

        // A read sent from a page drawn before (a slow phone, a hand-made form) is refused.
        var late = await PortalServer.ForgePostAsync(stale, "/shared", new Dictionary<string, string> { ["_handler"] = "open-shared", ["SeatId"] = seatId! });
        Assert.Contains("These records are no longer shared with your agency.", late, StringComparison.Ordinal);
        Assert.DoesNotContain("A safe place to live by spring", late, StringComparison.Ordinal);

        // Riley changes their mind a minute later: a no of their own is theirs to undo, here, and only with what they choose.
        server.Time.Advance(TimeSpan.FromMinutes(1));
        var shareAgain = youth.Locator("[data-share-with]", new() { HasText = "Northstar" });
        await Expect(shareAgain).ToContainTextAsync("It is your choice.");
        await Accessibility.AssertNoSeriousViolationsAsync(youth);
        await shareAgain.GetByLabel("your safety plan").CheckAsync();
        await shareAgain.GetByRole(AriaRole.Button, new() { Name = "Share" }).ClickAsync();
        await Expect(youth.Locator("[data-outcome]")).ToContainTextAsync("Shared.");
        await Expect(youth.Locator("[data-my-sharing] li", new() { HasText = "Northstar" })).ToContainTextAsync("can read your safety plan");
        await stale.GotoAsync(stale.Url);
        await stale.Locator($"[data-seat='{seatId}']").GetByRole(AriaRole.Button, new() { Name = "Read" }).ClickAsync();
        await Expect(stale.Locator("[data-shared-records]")).ToBeVisibleAsync();

        // Riley shares for a few seconds only: when that runs out, the records go from Quinn's open page as they do on a
        // stop, with nobody doing anything, and nothing is shared, as this collection's other journeys find Riley.
        server.Time.Advance(TimeSpan.FromSeconds(1));
        await stale.EvaluateAsync("() => document.body.append(Object.assign(document.createElement('i'), { id: 'drawn-before' }))");
        using (var riley = await server.ApiAsAsync("demo-youth"))
        {
            (await riley.PostAsJsonAsync("/api/consents", new
            {
                subjectId = "demo-youth-referral", grantor = "Youth", scope = "mdt-sharing", partnerAgencyId = "demo-north", kinds = new[] { "SafetyPlan" },
                expiresAt = server.Time.GetUtcNow().AddSeconds(4),
            })).EnsureSuccessStatusCode();
        }

        // The consent it replaces stopped, Quinn's open page is drawn again at once.
        await Expect(stale.Locator("#drawn-before")).ToHaveCountAsync(0);
        await stale.Locator($"[data-seat='{seatId}']").GetByRole(AriaRole.Button, new() { Name = "Read" }).ClickAsync();
        await Expect(stale.Locator("[data-shared-records]")).ToBeVisibleAsync();
        server.Time.Advance(TimeSpan.FromSeconds(5));
        await Expect(stale.Locator("[data-shared-records]")).ToHaveCountAsync(0, new() { Timeout = 15000 });
        await Expect(stale.Locator($"[data-seat='{seatId}']")).ToContainTextAsync("Not shared with your agency now.");
        await youth.GotoAsync("/my-team");
        await Expect(youth.Locator("[data-nothing-shared]")).ToBeVisibleAsync();
    }

    [Fact]
    public async Task A_youth_whose_plan_cannot_be_shown_yet_still_finds_the_numbers_the_page_points_to()
    {
        var youthId = "plan-youth-" + Guid.NewGuid().ToString("N")[..8];
        using var admin = await server.ApiAsAsync("demo-admin");
        (await admin.PostAsJsonAsync("/api/people", new { subjectId = youthId, displayName = "Rowan (no record yet)", roles = new[] { "Youth" } })).EnsureSuccessStatusCode();

        var youth = await server.SignInAsAddedAsync(youthId, phone: true);
        await youth.GotoAsync("/my-plan");

        await Expect(youth.Locator("[data-plan-missing]")).ToContainTextAsync("Your case manager can tell you more");
        await Expect(youth.Locator("main [data-crisis] li").First).ToBeVisibleAsync();
        await Expect(youth.GetByText("That is not available to you")).ToHaveCountAsync(0);
        await Accessibility.AssertNoSeriousViolationsAsync(youth);

        // The store not answering just now: the numbers are still there.
        server.Store.BeforeQuery = query => query.Filters.Any(f => f.Field == "personId" && f.Values.Contains(youthId)) ? throw StoreException.Unavailable("The store went away.") : Task.CompletedTask;
        try
        {
            await youth.ReloadAsync();
            await Expect(youth.Locator("[data-plan-missing]")).ToContainTextAsync("We can't show your plan just now");
            await Expect(youth.Locator("main [data-crisis] li").First).ToBeVisibleAsync();
        }
        finally
        {
            server.Store.BeforeQuery = null;
        }
    }

    [Fact]
    public async Task A_meeting_is_scheduled_and_shown_by_the_agencys_clock_not_utc()
    {
        // Northstar works in New York; the demo agency's journeys keep UTC.
        var admin = await server.ApiAsAsync("north-admin");
        var agency = await (await admin.GetAsync("/api/agency")).Content.ReadFromJsonAsync<JsonElement>();
        using var zone = new HttpRequestMessage(HttpMethod.Put, "/api/agency/time-zone") { Content = JsonContent.Create(new { timeZone = "America/New_York" }) };
        zone.Headers.TryAddWithoutValidation("If-Match", agency.GetProperty("version").GetString());
        (await admin.SendAsync(zone)).EnsureSuccessStatusCode();
        var api = await server.ApiAsAsync("north-casemanager");
        var referred = await api.PostAsJsonAsync("/api/youth", new { displayName = "Kai (clock journey)", age = 17, stage = "preparation" });
        var youthId = (await referred.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
        (await api.PostAsync($"/api/teams/{youthId}", null)).EnsureSuccessStatusCode();
        var date = DateOnly.FromDateTime(server.Time.GetUtcNow().UtcDateTime.AddDays(3));
        var day = date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

        var caseManager = await server.SignInAsync("Quinn (northstar case manager)");
        await caseManager.GotoAsync($"/teams/{youthId}/meetings");
        await caseManager.GetByLabel("When (New York time)").FillAsync($"{day}T10:00");
        await caseManager.GetByLabel("Agenda, one item per line").FillAsync("School");
        await caseManager.GetByRole(AriaRole.Button, new() { Name = "Schedule" }).ClickAsync();
        await Expect(caseManager.Locator("[data-outcome]")).ToContainTextAsync("The meeting is scheduled.");

        await Expect(caseManager.Locator("[data-meetings] li[data-held=no] h2").First).ToContainTextAsync("10:00 New York time");
        await Accessibility.AssertNoSeriousViolationsAsync(caseManager);
        var meetings = await (await api.GetAsync($"/api/teams/{youthId}/meetings")).Content.ReadFromJsonAsync<JsonElement>();
        var scheduled = meetings.GetProperty("meetings")[0].GetProperty("scheduledFor").GetDateTimeOffset();
        // Ten in the morning in New York is 14:00 UTC in summer time (from the second Sunday in March to the first in
        // November, by the rule rather than the time zone data the server uses) and 15:00 otherwise.
        Assert.Equal(date.ToDateTime(new TimeOnly(UsSummerTime(date) ? 14 : 15, 0), DateTimeKind.Utc), scheduled.UtcDateTime);
    }

    private static bool UsSummerTime(DateOnly day)
    {
        static DateOnly Sunday(int year, int month, int nth)
        {
            var first = new DateOnly(year, month, 1);
            return first.AddDays(((7 - (int)first.DayOfWeek) % 7) + (7 * (nth - 1)));
        }

        return day >= Sunday(day.Year, 3, 2) && day < Sunday(day.Year, 11, 1);
    }

    [Fact]
    public async Task A_record_saved_after_the_youth_sent_their_views_is_held_back_until_they_are_read_and_what_was_typed_stays()
    {
        var (_, youthId) = await TeamWithYouthSignedUpAsync("meeting-views-kai", "Kai (meeting views)");
        var caseManager = await server.SignInAsync("Alex (demo case manager)");
        await caseManager.GotoAsync($"/teams/{youthId}/meetings");
        await caseManager.GetByLabel("When (UTC)").FillAsync(server.Time.GetUtcNow().AddHours(1).ToString("yyyy-MM-dd'T'HH:mm", CultureInfo.InvariantCulture));
        await caseManager.GetByLabel("Agenda, one item per line").FillAsync("Where to live");
        await caseManager.GetByRole(AriaRole.Button, new() { Name = "Schedule" }).ClickAsync();
        await Expect(caseManager.Locator("[data-outcome]")).ToContainTextAsync("The meeting is scheduled.");
        var meeting = caseManager.Locator("[data-meetings] li[data-held=no]", new() { HasText = "Where to live" });
        await meeting.GetByText("Record this meeting").ClickAsync();
        var record = meeting.Locator("[data-record]");
        await record.GetByLabel("Kai (meeting views)", new() { Exact = true }).CheckAsync();
        await record.GetByLabel("Kai (meeting views) took part in person").CheckAsync();
        await record.Locator("[name=Decision1]").FillAsync("Kai moves back to the aunt's");

        // Meanwhile Kai, on their phone, tells the team what they want it to know.
        using (var kai = await server.ApiAsAsync("meeting-views-kai", "demo"))
        {
            var mine = (await (await kai.GetAsync("/api/my-team")).Content.ReadFromJsonAsync<JsonElement>()).GetProperty("meetings")[0];
            using var views = new HttpRequestMessage(HttpMethod.Put, $"/api/my-team/meetings/{mine.GetProperty("id").GetString()}/views")
            {
                Content = JsonContent.Create(new { views = "I don't want to go back to my aunt's." }),
            };
            views.Headers.TryAddWithoutValidation("If-Match", mine.GetProperty("version").GetString());
            (await kai.SendAsync(views)).EnsureSuccessStatusCode();
        }

        await record.GetByRole(AriaRole.Button, new() { Name = "Save the record" }).ClickAsync();

        await Expect(caseManager.Locator("[data-outcome]")).ToContainTextAsync("This meeting changed since you opened the page");
        await Expect(meeting.Locator("[data-youth-views]")).ToContainTextAsync("I don't want to go back to my aunt's.");
        await Expect(caseManager.Locator("[data-meetings] li[data-held=yes]")).ToHaveCountAsync(0);
        await Expect(record.Locator("[name=Decision1]")).ToHaveValueAsync("Kai moves back to the aunt's");
        await Accessibility.AssertNoSeriousViolationsAsync(caseManager);

        await record.Locator("[name=Decision1]").FillAsync("Kai stays where they are for now");
        await record.GetByRole(AriaRole.Button, new() { Name = "Save the record" }).ClickAsync();
        await Expect(caseManager.Locator("[data-outcome]")).ToContainTextAsync("The meeting is recorded.");
    }

    /// <summary>A youth with a sign-in of their own, on Alex's caseload, whose team is formed; with Alex's API client.</summary>
    private async Task<(HttpClient CaseManager, string YouthId)> TeamWithYouthSignedUpAsync(string personId, string name)
    {
        var admin = await server.ApiAsAsync("demo-admin");
        (await admin.PostAsJsonAsync("/api/people", new { subjectId = personId, displayName = name, roles = new[] { "Youth" } })).EnsureSuccessStatusCode();
        var api = await server.ApiAsAsync("demo-casemanager");
        var referred = await api.PostAsJsonAsync("/api/youth", new { displayName = name, age = 17, stage = "preparation", personId });
        var youthId = (await referred.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
        (await api.PostAsync($"/api/teams/{youthId}", null)).EnsureSuccessStatusCode();
        return (api, youthId);
    }

    [Fact]
    public async Task A_case_manager_moves_a_meeting_and_then_cancels_it_and_the_youth_reads_each_on_their_page()
    {
        var (api, youthId) = await TeamWithYouthSignedUpAsync("moved-meeting-ash", "Ash (moved meeting)");
        var today = DateOnly.FromDateTime(server.Time.GetUtcNow().UtcDateTime);
        var first = new DateTimeOffset(today.AddDays(3).ToDateTime(new TimeOnly(10, 0)), TimeSpan.Zero);
        (await api.PostAsJsonAsync($"/api/teams/{youthId}/meetings", new { scheduledFor = first, agenda = new[] { "School" } })).EnsureSuccessStatusCode();

        var caseManager = await server.SignInAsync("Alex (demo case manager)");
        await caseManager.GotoAsync($"/teams/{youthId}/meetings");
        var meeting = caseManager.Locator("[data-meetings] li.card", new() { HasText = "School" });
        await meeting.GetByText("Move or cancel this meeting").ClickAsync();
        await Expect(meeting.GetByLabel("Move it to (UTC)")).ToHaveValueAsync(first.ToString("yyyy-MM-dd'T'HH:mm", CultureInfo.InvariantCulture));
        await meeting.GetByLabel("Move it to (UTC)").FillAsync(today.AddDays(4).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) + "T14:30");
        await meeting.GetByLabel("What it will cover, one item per line").FillAsync("School\nHousing");
        await Accessibility.AssertNoSeriousViolationsAsync(caseManager);
        await meeting.GetByRole(AriaRole.Button, new() { Name = "Save the change" }).ClickAsync();
        await Expect(caseManager.Locator("[data-outcome]")).ToContainTextAsync("The meeting is changed.");
        await Expect(meeting.Locator("h2")).ToContainTextAsync("14:30 UTC");
        await Expect(meeting).ToContainTextAsync("Agenda: School · Housing");

        var ash = await server.SignInAsAddedAsync("moved-meeting-ash", phone: true);
        await ash.GotoAsync("/notifications");
        await Expect(ash.Locator("main")).ToContainTextAsync("A meeting of your team has changed.");
        await ash.GotoAsync("/my-team");
        var mine = ash.Locator("[data-my-meetings] li.card", new() { HasText = "Housing" });
        await Expect(mine.Locator("h3")).ToContainTextAsync("14:30");
        await Expect(mine.Locator("textarea")).ToHaveCountAsync(1);

        // Cancelling is asked about first; a no leaves it as it was.
        await meeting.GetByRole(AriaRole.Button, new() { Name = "Cancel this meeting" }).ClickAsync();
        await Expect(caseManager.Locator("[data-confirm]")).ToContainTextAsync("Ash (moved meeting) is told if it was still to come.");
        await Accessibility.AssertNoSeriousViolationsAsync(caseManager);
        await caseManager.GetByRole(AriaRole.Button, new() { Name = "No, keep it" }).ClickAsync();
        await Expect(caseManager.Locator("[data-outcome]")).ToContainTextAsync("Nothing has changed. The meeting stands.");
        await Expect(caseManager.Locator("[data-meetings] li[data-cancelled=yes]")).ToHaveCountAsync(0);
        await meeting.GetByRole(AriaRole.Button, new() { Name = "Cancel this meeting" }).ClickAsync();
        await caseManager.GetByRole(AriaRole.Button, new() { Name = "Yes, cancel it" }).ClickAsync();
        await Expect(caseManager.Locator("[data-outcome]")).ToContainTextAsync("The meeting is cancelled.");
        var cancelled = caseManager.Locator("[data-meetings] li[data-cancelled=yes]", new() { HasText = "Housing" });
        await Expect(cancelled).ToContainTextAsync("Cancelled on");
        await Expect(cancelled.GetByText("Move or cancel this meeting")).ToHaveCountAsync(0);
        await Expect(cancelled.GetByText("Record this meeting")).ToHaveCountAsync(0);

        await ash.GotoAsync("/my-team");
        var called = ash.Locator("[data-my-meetings] li[data-cancelled=yes]", new() { HasText = "Housing" });
        await Expect(called).ToContainTextAsync("Cancelled. Your case manager can tell you more.");
        await Expect(called.Locator("textarea")).ToHaveCountAsync(0);
        await Accessibility.AssertNoSeriousViolationsAsync(ash);
        await Accessibility.AssertFitsAsync(ash);
    }

    [Fact]
    public async Task A_case_manager_records_a_meeting_with_the_youths_view_and_an_overdue_action_shows_until_done()
    {
        var (api, youthId) = await TeamWithYouthSignedUpAsync("meeting-journey-jo", "Jo (meeting journey)");
        var today = server.Time.GetUtcNow();

        var caseManager = await server.SignInAsync("Alex (demo case manager)");
        await caseManager.GotoAsync($"/teams/{youthId}/meetings");
        await caseManager.GetByLabel("When (UTC)").FillAsync(today.AddDays(-1).ToString("yyyy-MM-dd'T'10:00", CultureInfo.InvariantCulture));
        await caseManager.GetByLabel("Agenda, one item per line").FillAsync("School\nHousing");
        await caseManager.GetByRole(AriaRole.Button, new() { Name = "Schedule" }).ClickAsync();
        await Expect(caseManager.Locator("[data-outcome]")).ToContainTextAsync("The meeting is scheduled.");
        await caseManager.GetByLabel("When (UTC)").FillAsync(today.AddDays(3).ToString("yyyy-MM-dd'T'10:00", CultureInfo.InvariantCulture));
        await caseManager.GetByLabel("Agenda, one item per line").FillAsync("Follow-up");
        await caseManager.GetByRole(AriaRole.Button, new() { Name = "Schedule" }).ClickAsync();
        var upcoming = caseManager.Locator("[data-meetings] li[data-held=no]", new() { HasText = "Follow-up" });
        await Expect(upcoming).ToContainTextAsync("Record it here once it has been held.");
        await Expect(upcoming.GetByText("Record this meeting")).ToHaveCountAsync(0);

        var meeting = caseManager.Locator("[data-meetings] li[data-held=no]", new() { HasText = "Housing" });
        await meeting.GetByText("Record this meeting").ClickAsync();
        var record = meeting.Locator("[data-record]");
        await record.GetByLabel("Jo (meeting journey)", new() { Exact = true }).CheckAsync();
        await record.GetByLabel("Jo (meeting journey) gave their views in writing").CheckAsync();
        await record.Locator("[name=Decision1]").FillAsync("Move to the school nearer the new flat");
        await record.Locator("[name=View1]").FillAsync("Only if I can finish this term first");
        await record.Locator("[name=Action1]").FillAsync("Call the new school");
        await record.Locator("[name=Owner1]").SelectOptionAsync(new SelectOptionValue { Label = "Alex (demo case manager)" });
        await record.Locator("[name=Due1]").FillAsync(today.AddDays(-1).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
        await record.GetByLabel("Notes (shared with partners only if the youth agrees)").FillAsync("Jo chose the school.\nHer aunt will drive her on Mondays.");
        await Accessibility.AssertNoSeriousViolationsAsync(caseManager);
        await record.GetByRole(AriaRole.Button, new() { Name = "Save the record" }).ClickAsync();
        await Expect(caseManager.Locator("[data-outcome]")).ToContainTextAsync("The meeting is recorded.");
        var held = caseManager.Locator("[data-meetings] li[data-held=yes]").First;
        await Expect(held).ToContainTextAsync("Jo (meeting journey) gave their views in writing.");
        await Expect(held).ToContainTextAsync("Jo (meeting journey)'s view: Only if I can finish this term first");
        await Expect(held.Locator("[data-actions]")).ToContainTextAsync("overdue");
        Assert.Equal(["Jo chose the school.", "Her aunt will drive her on Mondays."], (await held.Locator("p.lines").InnerTextAsync()).Split('\n', StringSplitOptions.TrimEntries));

        await caseManager.GotoAsync("/teams");
        await Expect(caseManager.Locator("[data-overdue-actions]")).ToContainTextAsync("Jo (meeting journey): Call the new school");
        await Accessibility.AssertNoSeriousViolationsAsync(caseManager);
        await caseManager.Locator("[data-overdue-actions]").GetByRole(AriaRole.Link, new() { Name = "Jo (meeting journey)" }).ClickAsync();
        await caseManager.Locator("[data-actions] li", new() { HasText = "Call the new school" }).GetByRole(AriaRole.Button, new() { Name = "Mark done" }).ClickAsync();
        await Expect(caseManager.Locator("[data-outcome]")).ToContainTextAsync("Marked done.");
        await caseManager.GotoAsync("/teams");
        await Expect(caseManager.Locator("main")).Not.ToContainTextAsync("Call the new school");

        // Jo reads what the meeting decided with them and who does what; the professionals' notes stay with the team.
        var jo = await server.SignInAsAddedAsync("meeting-journey-jo", phone: true);
        await jo.GotoAsync("/my-team");
        var mine = jo.Locator("[data-my-meetings] li.card", new() { HasText = "Housing" });
        await Expect(mine).ToContainTextAsync("Who came: you.");
        await Expect(mine).ToContainTextAsync("Decided: Move to the school nearer the new flat — you said: Only if I can finish this term first");
        await Expect(mine.Locator("[data-my-actions]")).ToContainTextAsync("Call the new school — Alex (demo case manager), done");
        await Expect(mine).Not.ToContainTextAsync("aunt will drive");

        // Before the next meeting, Jo tells the team what they want it to know, in their own words. A second page of
        // theirs, opened before, is refused once the first has sent, and keeps what Jo wrote in it to send again.
        const string viewsLabel = "What you want your team to know at this meeting (optional, in your own words)";
        var otherTab = await jo.Context.NewPageAsync();
        await otherTab.GotoAsync("/my-team");
        var next = jo.Locator("[data-my-meetings] li.card", new() { HasText = "Follow-up" });
        await next.GetByLabel(viewsLabel).FillAsync("I want Aunt Rosa there.");
        await next.GetByRole(AriaRole.Button, new() { Name = "Send to my team" }).ClickAsync();
        await Expect(jo.Locator("[data-outcome]")).ToContainTextAsync("Sent. Your team will read it.");
        await Expect(jo.Locator("[data-my-meetings] li.card", new() { HasText = "Follow-up" }).Locator("textarea")).ToHaveValueAsync("I want Aunt Rosa there.");
        await Accessibility.AssertNoSeriousViolationsAsync(jo);
        await Accessibility.AssertFitsAsync(jo);

        var later = otherTab.Locator("[data-my-meetings] li.card", new() { HasText = "Follow-up" });
        await later.GetByLabel(viewsLabel).FillAsync("I want Aunt Rosa there, and my sister.");
        await later.GetByRole(AriaRole.Button, new() { Name = "Send to my team" }).ClickAsync();
        await Expect(otherTab.Locator("[data-outcome]")).ToContainTextAsync("This meeting changed while you wrote");
        await Expect(otherTab.Locator("[data-my-meetings] li.card", new() { HasText = "Follow-up" }).GetByLabel(viewsLabel)).ToHaveValueAsync("I want Aunt Rosa there, and my sister.");
        await Expect(otherTab.Locator("[data-views-saved]")).ToContainTextAsync("What your team has from you now: \u201cI want Aunt Rosa there.\u201d");
        await otherTab.Locator("[data-my-meetings] li.card", new() { HasText = "Follow-up" }).GetByRole(AriaRole.Button, new() { Name = "Send to my team" }).ClickAsync();
        await Expect(otherTab.Locator("[data-outcome]")).ToContainTextAsync("Sent. Your team will read it.");
        await otherTab.CloseAsync();

        await caseManager.GotoAsync($"/teams/{youthId}/meetings");
        var views = caseManager.Locator("[data-meetings] li[data-held=no]", new() { HasText = "Follow-up" }).Locator("[data-youth-views]");
        await Expect(views).ToContainTextAsync("What Jo (meeting journey) wants the team to know, in their words");
        await Expect(views).ToContainTextAsync("I want Aunt Rosa there, and my sister.");
    }
}
