using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Playwright;
using SurvivorConnect.Api.Features.Payouts;
using SurvivorConnect.Api.Features.Payouts.Rules;
using SurvivorConnect.Testing;
using static Microsoft.Playwright.Assertions;

namespace SurvivorConnect.BrowserTests;

/// <summary>
/// The money side, each person in their own browser: an advisor reads the benefits notice and chooses a check, the
/// recruiter sends the session's claims to finance, two finance approvers approve a payout above the agency's
/// amount (the first cannot be the second: the button says why), the second records the check, and the advisor
/// reads the payment on their statement line by line. A mentor sets up Stripe on Stripe's own page and comes back.
/// </summary>
[Collection(Portal.Name)]
public sealed class PayoutJourneyTests(PortalServer server)
{
    [Fact]
    public async Task Two_finance_approvers_approve_a_payout_above_the_amount_and_the_advisor_reads_it_on_their_statement()
    {
        var admin = await server.ApiAsAsync("demo-admin");
        (await admin.PutSettingsAsync("/api/payouts/settings", new { twoApproverThreshold = 100m })).EnsureSuccessStatusCode();
        var title = await AttendedSessionAsync();

        var advisor = await server.SignInAsync("Jordan (demo advisor)", phone: true);
        await advisor.GotoAsync("/paid-work");
        var claim = advisor.Locator("[data-claims] li", new() { HasText = title });
        // Named by its session's day, as two days of one piece of work are two cards.
        await Expect(claim.Locator("h3")).ToHaveTextAsync(new System.Text.RegularExpressions.Regex($"^{System.Text.RegularExpressions.Regex.Escape(title)}, [A-Z][a-z]+day [0-9]{{1,2}} [A-Z][a-z]+$"));
        await claim.GetByLabel("Miles you travelled").FillAsync("2500");
        await claim.GetByLabel("Days away from home").FillAsync("1");
        await claim.GetByRole(AriaRole.Button, new() { Name = "Save travel" }).ClickAsync();
        await Expect(claim.Locator(".field-error")).ToContainTextAsync("Between 0 and 2000.");
        // Refused, the form keeps what was typed, and each field is described by the reason.
        await Expect(claim.GetByLabel("Miles you travelled")).ToHaveValueAsync("2500");
        await Expect(claim.GetByLabel("Days away from home")).ToHaveValueAsync("1");
        await Expect(claim.GetByLabel("Miles you travelled")).ToHaveAccessibleDescriptionAsync(new System.Text.RegularExpressions.Regex("Between 0 and 2000"));
        await claim.GetByLabel("Days away from home").FillAsync("");
        await claim.GetByLabel("Miles you travelled").FillAsync("12");
        await claim.GetByRole(AriaRole.Button, new() { Name = "Save travel" }).ClickAsync();
        await Expect(advisor.Locator("[data-outcome]")).ToContainTextAsync("Your travel is added");

        // Each receipt has boxes of its own, so saving the form again (a change of miles) keeps every one.
        await claim.GetByLabel("Receipt 1: what it was").FillAsync("Bus fare");
        await claim.GetByLabel("Receipt 1: its amount").FillAsync("3.50");
        await claim.GetByRole(AriaRole.Button, new() { Name = "Save travel" }).ClickAsync();
        await Expect(advisor.Locator("[data-outcome]")).ToContainTextAsync("Your travel is added");
        await claim.GetByLabel("Receipt 2: what it was").FillAsync("Parking");
        await claim.GetByRole(AriaRole.Button, new() { Name = "Save travel" }).ClickAsync();
        await Expect(claim.Locator(".field-error")).ToContainTextAsync("Each receipt needs what it was and its amount");
        await Expect(claim.GetByLabel("Receipt 2: what it was")).ToHaveValueAsync("Parking");
        await claim.GetByLabel("Receipt 2: its amount").FillAsync("6");
        await claim.GetByRole(AriaRole.Button, new() { Name = "Save travel" }).ClickAsync();
        await Expect(advisor.Locator("[data-outcome]")).ToContainTextAsync("Your travel is added");
        await claim.GetByLabel("Miles you travelled").FillAsync("12");
        await claim.GetByRole(AriaRole.Button, new() { Name = "Save travel" }).ClickAsync();
        await Expect(advisor.Locator("[data-outcome]")).ToContainTextAsync("Your travel is added");
        await Expect(claim.GetByLabel("Receipt 1: what it was")).ToHaveValueAsync("Bus fare");
        await Expect(claim.GetByLabel("Receipt 2: what it was")).ToHaveValueAsync("Parking");
        await Expect(claim.GetByLabel("Receipt 3: what it was")).ToHaveValueAsync("");
        await Accessibility.AssertNoSeriousViolationsAsync(advisor);
        await advisor.GotoAsync("/payments");
        if (await advisor.Locator("[data-benefits-notice]").CountAsync() > 0)
        {
            await Expect(advisor.Locator("[data-benefits-notice]")).ToContainTextAsync("can count as income for public benefits");
            await Accessibility.AssertNoSeriousViolationsAsync(advisor);
            await advisor.GetByRole(AriaRole.Button, new() { Name = "I have read this" }).ClickAsync();
            await Expect(advisor.Locator("[data-outcome]")).ToContainTextAsync("Thank you");
        }

        await advisor.GetByLabel("By check").CheckAsync();
        await advisor.GetByRole(AriaRole.Button, new() { Name = "Save how I am paid" }).ClickAsync();
        await Expect(advisor.Locator("[data-outcome]")).ToContainTextAsync("Saved");

        var recruiter = await server.SignInAsync("Jamie (demo recruiter)");
        await recruiter.GotoAsync("/claims-to-pay");
        await recruiter.Locator("[data-claims-to-pay] li", new() { HasText = title }).GetByRole(AriaRole.Button).ClickAsync();
        await Expect(recruiter.Locator("[data-outcome]")).ToContainTextAsync("waiting for approval");
        await Accessibility.AssertNoSeriousViolationsAsync(recruiter);

        var casey = await server.SignInAsync("Casey (demo finance approver)");
        await casey.GotoAsync("/finance");
        var waiting = casey.Locator("[data-queue=approve] li", new() { HasText = title });
        await Expect(waiting.Locator("[data-lines]")).ToContainTextAsync("Session stipend");
        await Expect(waiting.Locator("[data-lines]")).ToContainTextAsync("12 miles");
        await Expect(waiting.Locator("[data-total]")).ToHaveTextAsync("178.20 USD");
        await Expect(waiting).ToContainTextAsync("0 of 2 approvals");
        await Accessibility.AssertNoSeriousViolationsAsync(casey);
        await waiting.GetByRole(AriaRole.Button, new() { Name = "Approve" }).ClickAsync();
        await Expect(casey.Locator("[data-outcome]")).ToContainTextAsync("Approved.");
        var second = casey.Locator("[data-queue=second] li", new() { HasText = title });
        await Expect(second.GetByRole(AriaRole.Button, new() { Name = "Approve" })).ToBeDisabledAsync();
        await Expect(second.Locator("[data-why]")).ToHaveTextAsync("You have approved this payout: a second approver must approve it too.");

        // The button is off, and a hand-made post of it is refused by the same rule on the server.
        var payoutId = await second.GetAttributeAsync("data-payout");
        var forged = await PortalServer.ForgePostAsync(casey, "/finance", new Dictionary<string, string> { ["_handler"] = "queue-second", ["Act"] = $"approve|{payoutId}" });
        Assert.Contains("a second approver must approve it too", forged, StringComparison.Ordinal);
        var elsewhere = await PortalServer.ForgePostAsync(casey, "/finance", new Dictionary<string, string> { ["_handler"] = "queue-second", ["Act"] = "approve|payout~not~ours~north-mentor" });
        Assert.Contains("That is not available to you", elsewhere, StringComparison.Ordinal);
        await Accessibility.ScreenshotAsync(casey, "finance-desktop");
        await casey.SetViewportSizeAsync(320, 640);
        await Accessibility.AssertFitsAsync(casey);

        var robin = await server.SignInAsync("Robin (second demo finance approver)");
        await robin.GotoAsync("/finance");
        await robin.Locator("[data-queue=second] li", new() { HasText = title }).GetByRole(AriaRole.Button, new() { Name = "Approve" }).ClickAsync();
        // The last approval sends the money, so it is asked about once, with the amount and the payee.
        var last = robin.Locator("[data-confirm]");
        await Expect(last).ToContainTextAsync("Approve 178.20 USD to Jordan (demo advisor)?");
        await Expect(last).ToBeFocusedAsync();
        await Accessibility.AssertNoSeriousViolationsAsync(robin);
        await last.GetByRole(AriaRole.Button, new() { Name = "Yes, approve it" }).ClickAsync();
        await Expect(robin.Locator("[data-outcome]")).ToContainTextAsync("Approved.");
        var toPay = robin.Locator("[data-queue=outside] li", new() { HasText = title });
        await toPay.GetByLabel("Check number or card reference").FillAsync("Check 2044");
        await toPay.GetByRole(AriaRole.Button, new() { Name = "Record as paid" }).ClickAsync();
        await Expect(robin.Locator("[data-outcome]")).ToContainTextAsync("Recorded as paid");
        await Expect(robin.Locator("[data-totals]")).ToContainTextAsync("Jordan (demo advisor)");
        await Accessibility.AssertNoSeriousViolationsAsync(robin);

        advisor = await server.SignInAsync("Jordan (demo advisor)", phone: true);
        await advisor.GotoAsync("/payments");
        var paid = advisor.Locator("[data-payouts] li", new() { HasText = title });
        await Expect(paid).ToContainTextAsync("Paid on");
        await Expect(paid.Locator("[data-lines]")).ToContainTextAsync("Mileage at the rate for");
        await Expect(paid.Locator("[data-lines]")).ToContainTextAsync("(paid back)");
        await Expect(paid.Locator("[data-total]")).ToHaveTextAsync("178.20 USD");
        await Expect(advisor.Locator("[data-year-totals]")).ToContainTextAsync("Paid back for travel, meals and lodging");
        await Expect(advisor.GetByRole(AriaRole.Link, new() { Name = "Download this year as a spreadsheet (CSV)" })).ToBeVisibleAsync();
        await Accessibility.AssertNoSeriousViolationsAsync(advisor);
        await Accessibility.AssertFitsAsync(advisor);
        await Accessibility.ScreenshotAsync(advisor, "payments-phone");
        await advisor.SetViewportSizeAsync(320, 640);
        await Accessibility.AssertFitsAsync(advisor);
        var csv = await advisor.EvaluateAsync<string>("async () => await (await fetch('/payments/statement.csv')).text()");
        Assert.Contains("Check 2044", csv, StringComparison.Ordinal);
        await Expect(advisor.GetByRole(AriaRole.Heading, new() { Name = "All your payments" })).ToBeVisibleAsync();

        (await admin.PutSettingsAsync("/api/payouts/settings", new { twoApproverThreshold = 500m })).EnsureSuccessStatusCode();
    }

    [Fact]
    public async Task A_mentor_sets_up_Stripe_on_Stripe_s_own_page_and_comes_back_ready()
    {
        var mentor = await server.SignInAsync("Sam (demo mentor)", phone: true);
        await mentor.GotoAsync("/payments");
        await mentor.GetByLabel("Into my bank account or onto my debit card, through Stripe").CheckAsync();
        await mentor.GetByRole(AriaRole.Button, new() { Name = "Save how I am paid" }).ClickAsync();
        await Expect(mentor.Locator("[data-stripe=none]")).ToContainTextAsync("this portal never sees them");
        // Stripe's pages are outside the portal's reach: the person is told they stay in the browser's history.
        var setUp = mentor.GetByRole(AriaRole.Button, new() { Name = "Set up with Stripe" });
        await Expect(setUp).ToHaveAccessibleDescriptionAsync("Stripe's pages, which show your name, stay in this browser's history. If someone else may look at this phone or computer, clear the history afterwards.");

        await setUp.ClickAsync();

        await mentor.WaitForURLAsync(url => url.Contains("/payments?stripe=back", StringComparison.Ordinal));
        await Expect(mentor.Locator("[data-stripe=ready]")).ToContainTextAsync("Ready");
        Assert.Contains(server.Stripe.Requests, r => r.StartsWith("GET /connect/onboarding/acct_", StringComparison.Ordinal));
        await Accessibility.AssertNoSeriousViolationsAsync(mentor);
    }

    [Fact]
    public async Task A_survivor_paid_by_check_who_moves_to_Stripe_is_paid_there_once_finance_has_checked_it_with_them()
    {
        using var admin = await server.ApiAsAsync("demo-admin");
        var personId = "adv-" + Guid.NewGuid().ToString("N")[..10];
        var name = "Aab Moving advisor " + personId[^4..];
        (await admin.PostAsJsonAsync("/api/people", new { subjectId = personId, displayName = name, roles = new[] { "Advisor" } })).EnsureSuccessStatusCode();
        await PaidByCheckAsync(personId, await AttendedSessionAsync(personId));

        var survivor = await server.SignInAsAddedAsync(personId, phone: true);
        await survivor.GotoAsync("/payments");
        await survivor.GetByLabel("Into my bank account or onto my debit card, through Stripe").CheckAsync();
        await survivor.GetByRole(AriaRole.Button, new() { Name = "Save how I am paid" }).ClickAsync();
        await survivor.GetByRole(AriaRole.Button, new() { Name = "Set up with Stripe" }).ClickAsync();
        await survivor.WaitForURLAsync(url => url.Contains("/payments?stripe=back", StringComparison.Ordinal));
        await Expect(survivor.Locator("[data-pay-change-waiting]")).ToContainTextAsync("will check the change with you by phone or in person");
        await Expect(survivor.Locator("[data-stripe=ready]")).ToContainTextAsync("once finance has checked the change with you");
        await Accessibility.AssertNoSeriousViolationsAsync(survivor);

        var casey = await server.SignInAsync("Casey (demo finance approver)");
        await casey.GotoAsync("/finance");
        var change = casey.Locator("[data-pay-changes] li", new() { HasText = name });
        await Expect(change).ToContainTextAsync("Changed on");
        await Accessibility.AssertNoSeriousViolationsAsync(casey);
        await change.GetByRole(AriaRole.Button, new() { Name = "They made it: pay them this way" }).ClickAsync();
        await Expect(casey.Locator("[data-outcome]")).ToContainTextAsync("Checked. Their pay goes to their Stripe account now.");
        await Expect(casey.Locator("[data-pay-changes] li", new() { HasText = name })).ToHaveCountAsync(0);

        await survivor.GotoAsync("/payments");
        await Expect(survivor.Locator("[data-stripe=ready]")).ToHaveTextAsync("Ready: payments go to the account you gave Stripe.");
        await Expect(survivor.Locator("[data-pay-change-waiting]")).ToHaveCountAsync(0);
    }

    [Fact]
    public async Task Travel_added_after_the_claim_went_to_finance_but_before_approval_brings_the_claim_back_to_send_again()
    {
        var personId = await NewAdvisorAsync("Aad Late traveller");
        var title = await AttendedSessionAsync(personId);
        var recruiter = await server.SignInAsync("Jamie (demo recruiter)");
        await recruiter.GotoAsync("/claims-to-pay");
        await recruiter.Locator("[data-claims-to-pay] li", new() { HasText = title }).GetByRole(AriaRole.Button).ClickAsync();
        await Expect(recruiter.Locator("[data-outcome]")).ToContainTextAsync("waiting for approval");
        await Expect(recruiter.Locator("[data-claims-to-pay] li", new() { HasText = title })).ToHaveCountAsync(0);

        var survivor = await server.SignInAsAddedAsync(personId);
        await survivor.GotoAsync("/paid-work");
        var claim = survivor.Locator("[data-claims] li", new() { HasText = title });
        await Expect(claim.Locator("[data-with-finance]")).ToContainTextAsync("not yet approved");
        await claim.GetByLabel("Miles you travelled").FillAsync("30");
        await claim.GetByRole(AriaRole.Button, new() { Name = "Save travel" }).ClickAsync();
        await Expect(survivor.Locator("[data-outcome]")).ToContainTextAsync("Your travel is added");
        await Expect(claim.Locator("[data-with-finance]")).ToHaveCountAsync(0);
        await Accessibility.AssertNoSeriousViolationsAsync(survivor);

        await recruiter.GotoAsync("/claims-to-pay");
        await Expect(recruiter.Locator("[data-claims-to-pay] li", new() { HasText = title })).ToHaveCountAsync(1);
    }

    [Fact]
    public async Task A_survivor_who_no_longer_takes_paid_work_still_finds_what_they_were_paid()
    {
        using var admin = await server.ApiAsAsync("demo-admin");
        var personId = await NewAdvisorAsync("Aac Past advisor");
        var title = await AttendedSessionAsync(personId);
        await PaidByCheckAsync(personId, title);
        var person = await admin.GetAsync($"/api/people/{personId}");
        using var noRoles = new HttpRequestMessage(HttpMethod.Put, $"/api/people/{personId}/roles") { Content = JsonContent.Create(new { roles = Array.Empty<string>() }) };
        noRoles.Headers.TryAddWithoutValidation("If-Match", person.Headers.ETag!.Tag);
        (await admin.SendAsync(noRoles)).EnsureSuccessStatusCode();

        var survivor = await server.SignInAsAddedAsync(personId);
        await Expect(survivor.GetByRole(AriaRole.Navigation, new() { Name = "Main" }).GetByRole(AriaRole.Link, new() { Name = "Paid work" })).ToHaveCountAsync(0);
        await survivor.GetByRole(AriaRole.Navigation, new() { Name = "Main" }).GetByRole(AriaRole.Link, new() { Name = "Payments" }).ClickAsync();

        await Expect(survivor.Locator("[data-no-longer-paid-work]")).ToContainTextAsync("your payments stay here for you to read");
        await Expect(survivor.Locator("[data-payouts] li", new() { HasText = title })).ToContainTextAsync("Paid on");
        await Expect(survivor.Locator("[data-method]")).ToHaveTextAsync("By check.");
        await Expect(survivor.GetByRole(AriaRole.Button, new() { Name = "Save how I am paid" })).ToHaveCountAsync(0);
        await Expect(survivor.GetByRole(AriaRole.Link, new() { Name = "Download this year as a spreadsheet (CSV)" })).ToBeVisibleAsync();
        await Accessibility.AssertNoSeriousViolationsAsync(survivor);
    }

    /// <summary>The payee chooses a check, and the session's payout is prepared, approved and recorded as paid by check.</summary>
    private async Task PaidByCheckAsync(string personId, string title)
    {
        await ChoosesAsync(personId, "check");
        var payoutId = await PrepareAsync(title);
        using var finance = await server.ApiAsAsync("demo-finance");
        foreach (var (action, body) in new (string, object?)[] { ("approve", null), ("paid-outside", new { reference = "Check 4410" }) })
        {
            var version = (await finance.GetFromJsonAsync<JsonElement>($"/api/payouts/{payoutId}")).GetProperty("version").GetString();
            using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/payouts/{payoutId}/{action}") { Content = body is null ? null : JsonContent.Create(body) };
            request.Headers.TryAddWithoutValidation("If-Match", version);
            (await finance.SendAsync(request)).EnsureSuccessStatusCode();
        }
    }

    [Fact]
    public async Task A_form_refused_as_too_many_requests_keeps_what_was_chosen_and_says_to_send_it_again()
    {
        var advisor = await server.SignInAsync("Jordan (demo advisor)", phone: true);
        await advisor.GotoAsync("/payments");
        // Answered as the rate limiter answers an API client: no page at all.
        await advisor.RouteAsync("**/payments", async route =>
        {
            if (route.Request.Method == "POST")
            {
                await route.FulfillAsync(new() { Status = 429, ContentType = "application/problem+json", Body = "{\"status\":429,\"title\":\"Too many requests.\"}" });
                return;
            }

            await route.ContinueAsync();
        });

        await advisor.GetByLabel("On a prepaid card").CheckAsync();
        await advisor.GetByRole(AriaRole.Button, new() { Name = "Save how I am paid" }).ClickAsync();

        await Expect(advisor.Locator("[data-connection]")).ToContainTextAsync("What you typed is still here: send it again in a minute.");
        await Expect(advisor.GetByLabel("On a prepaid card")).ToBeCheckedAsync();
    }

    [Fact]
    public async Task A_form_sent_on_last_years_statement_answers_with_last_years_statement()
    {
        var advisor = await server.SignInAsync("Jordan (demo advisor)", phone: true);
        var lastYear = (server.Time.GetUtcNow().Year - 1).ToString(System.Globalization.CultureInfo.InvariantCulture);
        await advisor.GotoAsync("/payments?year=" + lastYear);

        await advisor.GetByLabel("By check").CheckAsync();
        await advisor.GetByRole(AriaRole.Button, new() { Name = "Save how I am paid" }).ClickAsync();

        await Expect(advisor.Locator("[data-outcome]")).ToBeFocusedAsync();
        await Expect(advisor.GetByRole(AriaRole.Heading, new() { Name = "Statement for " + lastYear })).ToBeVisibleAsync();
        Assert.EndsWith("/payments?year=" + lastYear, advisor.Url, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Finance_records_how_a_survivor_who_can_no_longer_sign_in_chose_to_be_paid_so_their_payout_can_be_approved()
    {
        using var admin = await server.ApiAsAsync("demo-admin");
        var personId = "adv-" + Guid.NewGuid().ToString("N")[..10];
        var name = "Aaa Former advisor " + personId[^4..];
        (await admin.PostAsJsonAsync("/api/people", new { subjectId = personId, displayName = name, roles = new[] { "Advisor" } })).EnsureSuccessStatusCode();
        var title = await AttendedSessionAsync(personId);
        await PrepareAsync(title);
        (await admin.PostAsync($"/api/people/{personId}/deactivate", null)).EnsureSuccessStatusCode();

        var casey = await server.SignInAsync("Casey (demo finance approver)");
        await casey.GotoAsync("/finance");
        var card = casey.Locator("[data-needing-setup] li", new() { HasText = name });
        await Expect(card).ToBeVisibleAsync();
        await Accessibility.AssertNoSeriousViolationsAsync(casey);
        await card.GetByLabel("By check").CheckAsync();
        await card.GetByRole(AriaRole.Button, new() { Name = "Record for them" }).ClickAsync();
        await Expect(casey.Locator("#setup-" + personId + "-notice-error")).ToContainTextAsync("Tell them first");
        await Expect(card.GetByLabel("By check")).ToBeCheckedAsync();
        await card.GetByLabel("I told them payments may count as income for public benefits").CheckAsync();
        await card.GetByRole(AriaRole.Button, new() { Name = "Record for them" }).ClickAsync();
        await Expect(casey.Locator("[data-outcome]")).ToContainTextAsync("Their payout can be approved now");
        await Expect(casey.Locator("[data-needing-setup] li", new() { HasText = name })).ToHaveCountAsync(0);
        await Expect(casey.Locator("[data-queue=approve] li", new() { HasText = title }).GetByRole(AriaRole.Button, new() { Name = "Approve" })).ToBeEnabledAsync();
        await Accessibility.AssertNoSeriousViolationsAsync(casey);
    }

    [Fact]
    public async Task Finance_pays_another_way_one_payout_Stripe_took_back_and_cancels_another_so_its_claim_can_be_sent_again()
    {
        var paidByCheck = await ReversedPayoutAsync();
        var cancelled = await ReversedPayoutAsync();

        var casey = await server.SignInAsync("Casey (demo finance approver)");
        await casey.GotoAsync("/finance");
        var failed = casey.Locator("[data-queue=failed] li", new() { HasText = paidByCheck });
        await Expect(failed).ToContainTextAsync("Taken back by the bank or Stripe");
        await Accessibility.AssertNoSeriousViolationsAsync(casey);
        var outside = casey.Locator("[data-queue=failed-outside] li", new() { HasText = paidByCheck });
        await outside.GetByLabel("Check number or card reference").FillAsync("Check 3051");

        // The day it was mailed decides the tax year: it starts at today, and is never a day still to come (the field's own
        // limit, taken off here as a page from before midnight would have it, is the server's too).
        var paidOn = outside.GetByLabel("Day it was mailed or handed over");
        var today = await paidOn.InputValueAsync();
        Assert.Equal(today, await paidOn.GetAttributeAsync("max"));
        await paidOn.EvaluateAsync("input => input.removeAttribute('max')");
        await paidOn.FillAsync("2099-01-04");
        await outside.GetByRole(AriaRole.Button, new() { Name = "Record as paid" }).ClickAsync();
        await Expect(outside.Locator(".field-error")).ToContainTextAsync("when it was approved or last changed, to today");
        await Accessibility.AssertNoSeriousViolationsAsync(casey);
        await outside.GetByLabel("Day it was mailed or handed over").FillAsync(today);
        await outside.GetByRole(AriaRole.Button, new() { Name = "Record as paid" }).ClickAsync();
        await Expect(casey.Locator("[data-outcome]")).ToContainTextAsync("Recorded as paid.");
        await Expect(casey.Locator("[data-queue=failed] li", new() { HasText = paidByCheck })).ToHaveCountAsync(0);
        await Expect(casey.Locator("[data-totals]")).ToContainTextAsync("Jordan (demo advisor)");

        await casey.Locator("[data-queue=failed] li", new() { HasText = cancelled }).GetByRole(AriaRole.Button, new() { Name = "Cancel" }).ClickAsync();
        await Expect(casey.Locator("[data-outcome]")).ToContainTextAsync("Cancelled. Its claim is open again for corrections.");
        await Expect(casey.Locator("[data-queue=failed] li", new() { HasText = cancelled })).ToHaveCountAsync(0);
        await Accessibility.AssertNoSeriousViolationsAsync(casey);

        var recruiter = await server.SignInAsync("Jamie (demo recruiter)");
        await recruiter.GotoAsync("/claims-to-pay");
        await Expect(recruiter.Locator("[data-claims-to-pay] li", new() { HasText = cancelled })).ToBeVisibleAsync();
        await Expect(recruiter.Locator("[data-claims-to-pay] li", new() { HasText = paidByCheck })).ToHaveCountAsync(0);

        var advisor = await server.SignInAsync("Jordan (demo advisor)", phone: true);
        await advisor.GotoAsync("/payments");
        await Expect(advisor.Locator("[data-payouts] li", new() { HasText = paidByCheck })).ToContainTextAsync("Paid on");
    }

    /// <summary>
    /// A payout of a session Jordan took part in, sent through Stripe and taken back by it (the sending, Stripe's news
    /// and the rules are tested against the fake Stripe; here, what finance does next on its page). Returns its title.
    /// </summary>
    private async Task<string> ReversedPayoutAsync()
    {
        var title = await AttendedSessionAsync();
        await ChoosesAsync("demo-advisor", "stripe");
        var payoutId = await PrepareAsync(title);
        var stored = (await server.Store.ReadAsync<Payout>(Payout.Container, payoutId, "demo", default))!;
        await server.Store.ReplaceAsync(Payout.Container, stored with
        {
            State = PayoutState.Reversed, Method = PayeeMethod.Stripe, StripeAccountId = "acct_taken_back", TransferId = "tr_" + payoutId[^8..], ChangedAt = server.Time.GetUtcNow(),
            Approvals = [new PayoutApproval("demo-finance2", server.Time.GetUtcNow())],
        }, stored.ETag!, default);
        return title;
    }

    /// <summary>The payee reads the benefits notice and chooses how to be paid.</summary>
    private async Task ChoosesAsync(string personId, string method)
    {
        using var payee = await server.ApiAsAsync(personId, "demo");
        (await payee.PostAsync("/api/payouts/me/benefits-notice", null)).EnsureSuccessStatusCode();
        (await payee.PutAsJsonAsync("/api/payouts/me/method", new { method })).EnsureSuccessStatusCode();
    }

    /// <summary>The recruiter sends the claim of the work with this title to finance; its payout's id.</summary>
    private async Task<string> PrepareAsync(string title)
    {
        using var recruiter = await server.ApiAsAsync("demo-recruiter");
        var opportunityId = (await recruiter.GetFromJsonAsync<JsonElement>("/api/engagements/opportunities?pageSize=50")).GetProperty("items").EnumerateArray()
            .First(o => o.GetProperty("title").GetString() == title).GetProperty("id").GetString();
        var prepared = await recruiter.PostAsJsonAsync("/api/payouts", new { opportunityId });
        prepared.EnsureSuccessStatusCode();
        return (await prepared.Content.ReadFromJsonAsync<JsonElement>())[0].GetProperty("id").GetString()!;
    }

    /// <summary>An in-person focus group <paramref name="personId"/> (Jordan unless named) took part in (160 a session, mileage covered); the clock is moved past it.</summary>
    /// <summary>An advisor added to the demo agency, named <paramref name="name"/> and the end of their id.</summary>
    private async Task<string> NewAdvisorAsync(string name)
    {
        using var admin = await server.ApiAsAsync("demo-admin");
        var personId = "adv-" + Guid.NewGuid().ToString("N")[..10];
        (await admin.PostAsJsonAsync("/api/people", new { subjectId = personId, displayName = $"{name} {personId[^4..]}", roles = new[] { "Advisor" } })).EnsureSuccessStatusCode();
        return personId;
    }

    private async Task<string> AttendedSessionAsync(string personId = "demo-advisor")
    {
        var admin = await server.ApiAsAsync("demo-admin");
        (await admin.PutSettingsAsync("/api/engagements/settings", new
        {
            currency = "USD",
            kinds = new[] { new { key = "focus-group", name = "Focus group", benchmarkHourlyRate = 60m } },
        })).EnsureSuccessStatusCode();
        var jordan = await server.ApiAsAsync(personId, "demo");
        (await jordan.PutAsJsonAsync("/api/engagements/me/profile", new { kinds = new[] { "focus-group" }, topics = new[] { "housing" }, timeZone = "America/Los_Angeles" })).EnsureSuccessStatusCode();
        (await jordan.PostAsJsonAsync("/api/engagements/me/contact", new { optIn = true })).EnsureSuccessStatusCode();

        var recruiter = await server.ApiAsAsync("demo-recruiter");
        var now = server.Time.GetUtcNow();
        string At(int hours) => TimeZoneInfo.ConvertTimeBySystemTimeZoneId(now.AddHours(hours), "America/Los_Angeles").ToString("yyyy-MM-dd'T'HH:mm:00", CultureInfo.InvariantCulture);
        var title = "Paid focus group " + Guid.NewGuid().ToString("N")[..4];
        var created = await recruiter.PostAsJsonAsync("/api/engagements/opportunities", new
        {
            kind = "focus-group",
            title,
            topics = new[] { "housing" },
            sessions = new[] { new { start = At(3), end = At(5), timeZone = "America/Los_Angeles", inPerson = true, location = "Harbor Light, 12 Main St", link = (string?)null } },
            seats = 5,
            applicationDeadline = now.AddMinutes(30),
            compensation = new { basis = "perSession", rate = 160m, prepMinutesPerSession = 30, travelAllowed = true, perDiemAllowed = true },
        });
        created.EnsureSuccessStatusCode();
        var id = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString();
        (await recruiter.PostAsync($"/api/engagements/opportunities/{id}/publish", null)).EnsureSuccessStatusCode();
        (await recruiter.PostAsJsonAsync($"/api/engagements/opportunities/{id}/invitations", new { personId })).EnsureSuccessStatusCode();
        (await jordan.PostAsync($"/api/engagements/opportunities/{id}/accept", null)).EnsureSuccessStatusCode();

        // Jordan's yes to being contacted was only for this invitation; the engagement journey starts from a no.
        (await jordan.PostAsJsonAsync("/api/engagements/me/contact", new { optIn = false })).EnsureSuccessStatusCode();
        server.Time.Advance(TimeSpan.FromHours(6));
        (await recruiter.PostAsJsonAsync($"/api/engagements/opportunities/{id}/sessions/s1/attendance", new
        {
            entries = new[] { new { personId, outcome = "attended" } },
        })).EnsureSuccessStatusCode();
        return title;
    }
}
