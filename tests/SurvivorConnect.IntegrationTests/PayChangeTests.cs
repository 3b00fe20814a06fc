using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using SurvivorConnect.Api.Features.Payouts;
using SurvivorConnect.Storage;
using SurvivorConnect.Api.Infrastructure.Auth;

namespace SurvivorConnect.IntegrationTests;

/// <summary>
/// Someone holding a survivor's phone cannot send their pay to a bank account of their own unseen: a change to how a
/// payee paid before is paid (into Stripe from a check, bank details given to Stripe again, in the portal or at Stripe,
/// or any recent change once they end all their sign-ins) waits for finance to check it with them before money goes.
/// </summary>
public sealed class PayChangeTests(PayoutApi api) : IClassFixture<PayoutApi>
{
    private readonly PayoutWorld _world = new(api);

    /// <summary>
    /// The finance approver who checks changes with payees here: not demo-finance, who approves their payouts, since
    /// whoever checked a new bank does not also send money there alone.
    /// </summary>
    private (string Id, HttpClient Client)? _checker;

    private async Task<(string Id, HttpClient Client)> CheckerAsync() => _checker ??= await _world.ApproverAsync();

    private HttpClient Finance => _world.Finance;

    private sealed record PayChangeDto(string PersonId, string? Name, string? Method, DateTimeOffset Since, DateTimeOffset? ChangedAt, string Version);

    [Fact]
    public async Task A_payee_paid_by_check_who_moves_to_stripe_is_paid_there_only_once_finance_has_checked_it_with_them()
    {
        var payee = await PaidOnceByCheckAsync();

        var account = await OnboardAsync(payee);
        var read = Assert.Single(await ChangesAsync(), c => c.PersonId == payee.Id).Version;
        var waiting = await ApprovedAsync(payee);
        await api.SendPayoutsAsync();

        Assert.DoesNotContain(api.Stripe.Transfers, t => t["destination"]!.GetValue<string>() == account);
        Assert.Equal("Approved", (await _world.PayoutAsync(waiting)).State);
        Assert.True((await MineAsync(payee)).GetProperty("payChangeToCheck").GetBoolean());
        Assert.Contains(await payee.Client.NoticesAsync(), n => n.Kind == "pay-change");
        Assert.Contains(await Finance.NoticesAsync(), n => n.Kind == "pay-change" && !n.Text.Contains(payee.Id, StringComparison.Ordinal));
        var listed = Assert.Single(await ChangesAsync(), c => c.PersonId == payee.Id);
        Assert.Equal("Stripe", listed.Method);

        // Read before the payout was approved: what finance decides on moves only with changes to how they are paid.
        await HttpAssert.Ok<JsonElement>(await DecideAsync(payee.Id, true, read));
        await api.SendPayoutsAsync();

        Assert.Single(api.Stripe.Transfers, t => t["destination"]!.GetValue<string>() == account);
        Assert.Equal("Sending", (await _world.PayoutAsync(waiting)).State);
        Assert.DoesNotContain(await ChangesAsync(), c => c.PersonId == payee.Id);
        Assert.False((await MineAsync(payee)).GetProperty("payChangeToCheck").GetBoolean());
        var audit = await HttpAssert.Ok<PageDto<AuditDto>>(await _world.Admin.GetAsync($"/api/audit?action=payee.pay-change-checked&recordId={payee.Id}"));
        Assert.Single(audit.Items, e => e.ActorId == (_checker?.Id));
    }

    [Fact]
    public async Task Whoever_checked_a_new_way_of_being_paid_with_the_payee_does_not_approve_alone_what_goes_there()
    {
        var payee = await PaidOnceByCheckAsync();
        await OnboardAsync(payee);
        var (_, checker) = await _world.ApproverAsync();
        await HttpAssert.Ok<JsonElement>(await DecideAsync(payee.Id, true, by: checker));
        var (opportunity, _) = await _world.AttendedAsync(people: 0, also: [payee]);
        var payout = Assert.Single(await _world.PrepareAsync(opportunity));

        var refused = await HttpAssert.Problem(await PayoutWorld.StepAsync(checker, payout.Id, "approve"), 403);

        Assert.Equal("You checked the payee's new way of being paid with them: another approver must approve it.", refused.GetProperty("detail").GetString());
        Assert.Equal("Approved", (await HttpAssert.Ok<PayoutDto>(await PayoutWorld.StepAsync(Finance, payout.Id, "approve"))).State);
        await api.SendPayoutsAsync();
        Assert.Single(api.Stripe.Payouts, p => p["metadata"]!["payout_id"]!.GetValue<string>() == payout.Id);
    }

    [Fact]
    public async Task Whoever_alone_approved_pay_waiting_on_a_change_does_not_check_that_change_with_the_payee()
    {
        var payee = await PaidOnceByCheckAsync();
        await OnboardAsync(payee);
        var waiting = await ApprovedAsync(payee);

        var refused = await HttpAssert.Problem(await DecideAsync(payee.Id, true, by: Finance), 403);

        Assert.Contains("another finance approver checks it with them", refused.GetProperty("detail").GetString(), StringComparison.Ordinal);
        await api.SendPayoutsAsync();
        Assert.Equal("Approved", (await _world.PayoutAsync(waiting)).State);
        await HttpAssert.Ok<JsonElement>(await DecideAsync(payee.Id, true));
        await api.SendPayoutsAsync();
        Assert.Single(api.Stripe.Payouts, p => p["metadata"]!["payout_id"]!.GetValue<string>() == waiting);
    }

    [Fact]
    public async Task A_change_the_payee_did_not_make_lets_that_stripe_account_go_and_nothing_is_ever_sent_to_it()
    {
        var payee = await PaidOnceByCheckAsync();
        var theirs = await OnboardAsync(payee);
        var waiting = await ApprovedAsync(payee);

        await HttpAssert.Ok<JsonElement>(await DecideAsync(payee.Id, false));
        await api.SendPayoutsAsync();
        api.Stripe.SetPayoutsEnabled(theirs, true);
        await api.DeliverAsync(api.Stripe.EventJson("account.updated", theirs));
        await api.SendPayoutsAsync();

        Assert.DoesNotContain(api.Stripe.Transfers, t => t["destination"]!.GetValue<string>() == theirs);
        var mine = await MineAsync(payee);
        Assert.False(mine.GetProperty("stripeConnected").GetBoolean());
        Assert.Equal("Check", mine.GetProperty("method").GetString());
        Assert.Equal("Check", (await _world.PayoutAsync(waiting)).Method);
        Assert.Equal("Paid", (await HttpAssert.Ok<PayoutDto>(await PayoutWorld.StepAsync(Finance, waiting, "paid-outside", new { reference = "Check 102" }))).State);

        // Set up again, on a new Stripe account, which is checked with them in turn.
        var again = await OnboardAsync(payee);
        Assert.NotEqual(theirs, again);
        Assert.Contains(await ChangesAsync(), c => c.PersonId == payee.Id);
    }

    [Fact]
    public async Task Whoever_lets_a_payees_stripe_account_go_does_not_also_record_the_check_for_the_pay_it_moved()
    {
        var payee = await PaidOnceByCheckAsync();
        await OnboardAsync(payee);
        var waiting = await ApprovedAsync(payee);
        var decider = await _world.ApproverAsync();

        await HttpAssert.Ok<JsonElement>(await DecideAsync(payee.Id, false, by: decider.Client));

        Assert.Equal("Check", (await _world.PayoutAsync(waiting)).Method);
        var refused = await HttpAssert.Problem(await PayoutWorld.StepAsync(decider.Client, waiting, "paid-outside", new { reference = "Check 103" }), 403);
        Assert.Contains("set this payout aside", refused.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal("Approved", (await _world.PayoutAsync(waiting)).State);
        Assert.Equal("Paid", (await HttpAssert.Ok<PayoutDto>(await PayoutWorld.StepAsync(Finance, waiting, "paid-outside", new { reference = "Check 104" }))).State);
    }

    [Fact]
    public async Task A_first_way_of_being_paid_needs_no_check()
    {
        var (_, payees) = await _world.AttendedAsync();

        var account = await OnboardAsync(payees[0]);
        var waiting = await ApprovedAsync(payees[0]);
        await api.SendPayoutsAsync();

        Assert.False((await MineAsync(payees[0])).GetProperty("payChangeToCheck").GetBoolean());
        Assert.DoesNotContain(await ChangesAsync(), c => c.PersonId == payees[0].Id);
        Assert.Contains(api.Stripe.Transfers, t => t["destination"]!.GetValue<string>() == account && t["metadata"]!["payout_id"]!.GetValue<string>() == waiting);
    }

    [Fact]
    public async Task Ending_every_sign_in_soon_after_moving_pay_to_stripe_has_finance_check_the_change_first()
    {
        var (_, payees) = await _world.AttendedAsync();
        var payee = payees[0];
        var account = await OnboardAsync(payee);
        var waiting = await ApprovedAsync(payee);

        Assert.True((await payee.Client.PostAsync("/api/me/end-sign-ins", null)).IsSuccessStatusCode);
        await api.SendPayoutsAsync();

        Assert.Contains(await ChangesAsync(), c => c.PersonId == payee.Id);
        Assert.DoesNotContain(api.Stripe.Transfers, t => t["destination"]!.GetValue<string>() == account);
        Assert.Equal("Approved", (await _world.PayoutAsync(waiting)).State);
    }

    [Fact]
    public async Task After_a_change_they_did_not_make_setting_up_Stripe_again_is_checked_even_for_someone_never_paid()
    {
        // A clock of its own, not moved on by other tests' sessions, so a sign-in made after signing out everywhere opens.
        using var fresh = new PayoutApi();
        var id = "adv-" + Guid.NewGuid().ToString("N")[..10];
        Assert.Equal(HttpStatusCode.Created, (await fresh.As("demo-admin").PostJson("/api/people", new { subjectId = id, displayName = "Advisor " + id[^4..], roles = new[] { Roles.Advisor } })).StatusCode);
        var before = fresh.As(id);
        await HttpAssert.Ok<JsonElement>(await before.PostAsync("/api/payouts/me/benefits-notice", null));
        await HttpAssert.Ok<JsonElement>(await before.PutAsJsonAsync("/api/payouts/me/method", new { method = "stripe" }));
        await HttpAssert.Ok<JsonElement>(await before.PostAsync("/api/payouts/me/onboarding", null));
        Assert.True((await before.PostAsync("/api/me/end-sign-ins", null)).IsSuccessStatusCode);
        var finance = fresh.As("demo-finance");
        var change = Assert.Single(await HttpAssert.Ok<List<PayChangeDto>>(await finance.GetAsync("/api/payouts/payees/pay-changes")), c => c.PersonId == id);
        using var decision = new HttpRequestMessage(HttpMethod.Post, $"/api/payouts/payees/{id}/pay-change") { Content = JsonContent.Create(new { madeByThem = false }) };
        decision.Headers.TryAddWithoutValidation("If-Match", change.Version);
        await HttpAssert.Ok<JsonElement>(await finance.SendAsync(decision));

        // Whoever made it, signing in again, sets up Stripe anew: a new account, checked too.
        var again = fresh.As(id);
        await HttpAssert.Ok<JsonElement>(await again.PutAsJsonAsync("/api/payouts/me/method", new { method = "stripe" }));
        await HttpAssert.Ok<JsonElement>(await again.PostAsync("/api/payouts/me/onboarding", null));

        Assert.Equal(2, fresh.Stripe.Accounts.Count(a => a["metadata"]!["person_id"]!.GetValue<string>() == id));
        Assert.Contains(await HttpAssert.Ok<List<PayChangeDto>>(await finance.GetAsync("/api/payouts/payees/pay-changes")), c => c.PersonId == id);
    }

    [Fact]
    public async Task A_bank_account_added_just_before_finance_decides_is_checked_anew_when_stripe_tells_of_it_after()
    {
        var payee = await PaidOnceByCheckAsync();
        var account = await OnboardAsync(payee);
        var read = Assert.Single(await ChangesAsync(), c => c.PersonId == payee.Id).Version;
        api.Time.Advance(TimeSpan.FromSeconds(5));
        var added = api.Stripe.EventJson("account.external_account.created", api.Stripe.AddBankAccount(account));
        api.Time.Advance(TimeSpan.FromSeconds(5));

        await HttpAssert.Ok<JsonElement>(await DecideAsync(payee.Id, true, read));
        Assert.Equal(HttpStatusCode.OK, (await api.DeliverAsync(added)).StatusCode);

        Assert.Contains(await ChangesAsync(), c => c.PersonId == payee.Id);
    }

    [Fact]
    public async Task A_send_left_partway_to_an_account_let_go_fails_for_finance_to_pay_another_way()
    {
        var waiting = await LeftPartwayThenLetGoAsync(api.Stripe.FailNext);

        var failed = await _world.PayoutAsync(waiting);
        Assert.Equal(("Failed", "payee_account_let_go"), (failed.State, failed.FailureCode));
        Assert.DoesNotContain(api.Stripe.Transfers, t => t["metadata"]!["payout_id"]!.GetValue<string>() == waiting);
        // Set aside as by whoever let the account go: another approver records the check.
        await HttpAssert.Problem(await PayoutWorld.StepAsync((await CheckerAsync()).Client, waiting, "paid-outside", new { reference = "Check 103" }), 403);
        Assert.Equal("Paid", (await HttpAssert.Ok<PayoutDto>(await PayoutWorld.StepAsync(Finance, waiting, "paid-outside", new { reference = "Check 103" }))).State);
    }

    [Fact]
    public async Task A_send_whose_transfer_was_made_but_never_answered_is_not_paid_another_way_once_its_account_is_let_go()
    {
        var waiting = await LeftPartwayThenLetGoAsync(api.Stripe.LoseNextResponse);

        var failed = await _world.PayoutAsync(waiting);
        Assert.Equal(("Failed", "payee_account_let_go_after_transfer"), (failed.State, failed.FailureCode));
        Assert.Single(api.Stripe.Transfers, t => t["metadata"]!["payout_id"]!.GetValue<string>() == waiting);
        await HttpAssert.Problem(await PayoutWorld.StepAsync(Finance, waiting, "paid-outside", new { reference = "Check 104" }), 409);
        var refused = await HttpAssert.Problem(await PayoutWorld.StepAsync(Finance, waiting, "retry"), 409);
        Assert.Contains("Reverse that transfer at Stripe", refused.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    /// <summary>
    /// A payout whose send was left partway by <paramref name="fault"/> on every try at its transfer, then its payee's
    /// account let go (a bank the payee did not give), and the sender run again: the payout's id.
    /// </summary>
    private async Task<string> LeftPartwayThenLetGoAsync(Action<string> fault)
    {
        var payee = await PaidOnceByCheckAsync();
        var account = await OnboardAsync(payee);
        await HttpAssert.Ok<JsonElement>(await DecideAsync(payee.Id, true));
        var waiting = await ApprovedAsync(payee);
        for (var i = 0; i < 3; i++)
        {
            fault("/v1/transfers");
        }

        await api.SendPayoutsAsync();
        Assert.Equal("Sending", (await _world.PayoutAsync(waiting)).State);
        api.Time.Advance(TimeSpan.FromSeconds(5));
        await api.DeliverAsync(api.Stripe.EventJson("account.external_account.created", api.Stripe.AddBankAccount(account)));
        await HttpAssert.Ok<JsonElement>(await DecideAsync(payee.Id, false));
        api.Time.Advance(TimeSpan.FromMinutes(3));
        await api.SendPayoutsAsync();
        return waiting;
    }

    [Fact]
    public async Task A_payout_whose_money_reached_an_account_since_let_go_is_never_sent_on_from_the_payees_next_account()
    {
        var payee = await PaidOnceByCheckAsync();
        var first = await OnboardAsync(payee);
        await HttpAssert.Ok<JsonElement>(await DecideAsync(payee.Id, true));
        var waiting = await ApprovedAsync(payee);
        api.Stripe.RefuseNext("/v1/payouts");
        await api.SendPayoutsAsync();
        Assert.Equal("Failed", (await _world.PayoutAsync(waiting)).State);
        Assert.Equal("Approved", (await HttpAssert.Ok<PayoutDto>(await PayoutWorld.StepAsync(Finance, waiting, "retry"))).State);

        // Before it is sent again, finance learns the payee did not give that account its bank; they open another.
        api.Time.Advance(TimeSpan.FromSeconds(5));
        await api.DeliverAsync(api.Stripe.EventJson("account.external_account.created", api.Stripe.AddBankAccount(first)));
        await HttpAssert.Ok<JsonElement>(await DecideAsync(payee.Id, false));
        var next = await OnboardAsync(payee);
        await HttpAssert.Ok<JsonElement>(await DecideAsync(payee.Id, true));
        api.Time.Advance(TimeSpan.FromMinutes(3));
        await api.SendPayoutsAsync();

        var failed = await _world.PayoutAsync(waiting);
        Assert.Equal(("Failed", "payee_account_let_go_after_transfer"), (failed.State, failed.FailureCode));
        Assert.DoesNotContain(api.Stripe.Payouts, p => p["metadata"]?["payout_id"]?.GetValue<string>() == waiting && p["destination_account"]?.GetValue<string>() == next);
        var refused = await HttpAssert.Problem(await PayoutWorld.StepAsync(Finance, waiting, "retry"), 409);
        Assert.Contains("Reverse that transfer at Stripe", refused.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task New_bank_details_given_at_stripe_are_checked_first_but_news_older_than_the_last_check_is_not()
    {
        var payee = await PaidOnceByCheckAsync();
        var account = await OnboardAsync(payee);
        var bank = api.Stripe.AddBankAccount(account);
        var older = api.Stripe.EventJson("account.external_account.created", bank);
        await HttpAssert.Ok<JsonElement>(await DecideAsync(payee.Id, true));

        Assert.Equal(HttpStatusCode.OK, (await api.DeliverAsync(older)).StatusCode);
        Assert.DoesNotContain(await ChangesAsync(), c => c.PersonId == payee.Id);

        api.Time.Advance(TimeSpan.FromSeconds(5));
        var changed = api.Stripe.AddBankAccount(account);
        Assert.Equal(HttpStatusCode.OK, (await api.DeliverAsync(api.Stripe.EventJson("account.external_account.created", changed), secret: Testing.FakeStripe.ConnectWebhookSecret)).StatusCode);
        var waiting = await ApprovedAsync(payee);
        await api.SendPayoutsAsync();

        Assert.Contains(await ChangesAsync(), c => c.PersonId == payee.Id);
        Assert.DoesNotContain(api.Stripe.Transfers, t => t["metadata"]!["payout_id"]!.GetValue<string>() == waiting);
    }

    [Theory]
    [InlineData("check", "Check")]
    [InlineData("prepaidCard", "PrepaidCard")]
    public async Task Bank_details_added_at_stripe_while_paid_another_way_are_checked_with_them_and_not_paid_to_on_a_later_move_back(string method, string shown)
    {
        var payee = await PaidOnceByCheckAsync();
        var account = await OnboardAsync(payee);
        await HttpAssert.Ok<JsonElement>(await DecideAsync(payee.Id, true));
        await HttpAssert.Ok<JsonElement>(await payee.Client.PutAsJsonAsync("/api/payouts/me/method", new { method }));
        Assert.DoesNotContain(await ChangesAsync(), c => c.PersonId == payee.Id);

        // Someone holding their phone signs in to Stripe's dashboard and adds their own bank.
        api.Time.Advance(TimeSpan.FromMinutes(5));
        var theirs = api.Stripe.AddBankAccount(account);
        Assert.Equal(HttpStatusCode.OK, (await api.DeliverAsync(api.Stripe.EventJson("account.external_account.created", theirs), secret: Testing.FakeStripe.ConnectWebhookSecret)).StatusCode);

        var waiting = Assert.Single(await ChangesAsync(), c => c.PersonId == payee.Id);
        Assert.Equal(shown, waiting.Method);
        var page = await (await PortalSession.SignedInAsync(api, payee.Id)).GetStringAsync("/payments");
        Assert.Contains("Something changed in how you could be paid through Stripe.", page, StringComparison.Ordinal);

        // Asking for Stripe's page again while the check waits does not move what finance decides on.
        await HttpAssert.Ok<JsonElement>(await payee.Client.PostAsync("/api/payouts/me/onboarding", null));
        Assert.Equal(waiting.Version, Assert.Single(await ChangesAsync(), c => c.PersonId == payee.Id).Version);
        await HttpAssert.Ok<JsonElement>(await DecideAsync(payee.Id, false));
        var mine = await MineAsync(payee);
        Assert.False(mine.GetProperty("stripeConnected").GetBoolean());
        Assert.Equal(shown, mine.GetProperty("method").GetString());

        // Back to Stripe later, they set up a new account: nothing goes to the one whose bank was not theirs.
        Assert.NotEqual(account, await OnboardAsync(payee));
    }

    [Fact]
    public async Task Whoever_alone_approved_someones_check_pay_may_still_check_a_bank_added_at_stripe_with_them()
    {
        var payee = await PaidOnceByCheckAsync();
        var account = await OnboardAsync(payee);
        await HttpAssert.Ok<JsonElement>(await DecideAsync(payee.Id, true));
        await HttpAssert.Ok<JsonElement>(await payee.Client.PutAsJsonAsync("/api/payouts/me/method", new { method = "check" }));
        var (opportunity, _) = await _world.AttendedAsync(people: 0, also: [payee]);
        var byCheck = Assert.Single(await _world.PrepareAsync(opportunity));
        Assert.Equal("Check", (await HttpAssert.Ok<PayoutDto>(await PayoutWorld.StepAsync((await CheckerAsync()).Client, byCheck.Id, "approve"))).Method);

        api.Time.Advance(TimeSpan.FromMinutes(5));
        Assert.Equal(HttpStatusCode.OK, (await api.DeliverAsync(api.Stripe.EventJson("account.external_account.created", api.Stripe.AddBankAccount(account)), secret: Testing.FakeStripe.ConnectWebhookSecret)).StatusCode);

        await HttpAssert.Ok<JsonElement>(await DecideAsync(payee.Id, true));
    }

    [Fact]
    public async Task Bank_details_given_while_a_check_waits_are_told_again_and_a_decision_on_what_was_read_before_them_is_refused()
    {
        var payee = await PaidOnceByCheckAsync();
        var account = await OnboardAsync(payee);
        var read = Assert.Single(await ChangesAsync(), c => c.PersonId == payee.Id);
        var toldBefore = (await Finance.NoticesAsync()).Count(n => n.Kind == "pay-change");

        api.Time.Advance(TimeSpan.FromSeconds(5));
        Assert.Equal(HttpStatusCode.OK, (await api.DeliverAsync(api.Stripe.EventJson("account.external_account.created", api.Stripe.AddBankAccount(account)))).StatusCode);

        Assert.Equal(toldBefore + 1, (await Finance.NoticesAsync()).Count(n => n.Kind == "pay-change"));
        await HttpAssert.Problem(await DecideAsync(payee.Id, true, read.Version), 412);
        var now = Assert.Single(await ChangesAsync(), c => c.PersonId == payee.Id);
        Assert.True(now.ChangedAt > read.Since);
        await HttpAssert.Problem(await DecideAsync(payee.Id, true, ""), 428);
        await HttpAssert.Ok<JsonElement>(await DecideAsync(payee.Id, true, now.Version));
    }

    [Fact]
    public async Task A_send_left_partway_sends_nothing_more_once_a_change_waits_to_be_checked()
    {
        var payee = await PaidOnceByCheckAsync();
        var account = await OnboardAsync(payee);
        await HttpAssert.Ok<JsonElement>(await DecideAsync(payee.Id, true));
        var waiting = await ApprovedAsync(payee);
        for (var i = 0; i < 3; i++)
        {
            api.Stripe.FailNext("/v1/payouts");
        }

        await api.SendPayoutsAsync();
        Assert.Equal("Sending", (await _world.PayoutAsync(waiting)).State);
        api.Time.Advance(TimeSpan.FromSeconds(5));
        await api.DeliverAsync(api.Stripe.EventJson("account.external_account.created", api.Stripe.AddBankAccount(account)));
        api.Time.Advance(TimeSpan.FromMinutes(3));
        await api.SendPayoutsAsync();

        Assert.Single(api.Stripe.Transfers, t => t["metadata"]!["payout_id"]!.GetValue<string>() == waiting);
        Assert.DoesNotContain(api.Stripe.Payouts, p => p["metadata"]!["payout_id"]!.GetValue<string>() == waiting);
        Assert.Contains(await ChangesAsync(), c => c.PersonId == payee.Id);
    }

    [Fact]
    public async Task Nobody_checks_their_own_change_nor_another_agency_s_and_a_decision_needs_an_answer_and_a_change_waiting()
    {
        var payee = await PaidOnceByCheckAsync();
        await OnboardAsync(payee);
        var approver = await _world.ApproverAsync();
        var northId = "nf-" + Guid.NewGuid().ToString("N")[..12];
        Assert.Equal(HttpStatusCode.Created, (await api.As("north-admin").PostJson("/api/people", new { subjectId = northId, displayName = "North finance", roles = new[] { Roles.FinanceApprover } })).StatusCode);

        var version = Assert.Single(await ChangesAsync(), c => c.PersonId == payee.Id).Version;
        await HttpAssert.Problem(await DecideAsync(approver.Id, true, version, approver.Client), 403);
        await HttpAssert.Problem(await DecideAsync(payee.Id, null, version), 400);
        await HttpAssert.Problem(await DecideAsync("nobody", true, version), 409);
        await HttpAssert.Problem(await DecideAsync(payee.Id, true, version, api.AsSubject(northId, "demo-north")), 409);
        Assert.DoesNotContain(await HttpAssert.Ok<List<PayChangeDto>>(await api.AsSubject(northId, "demo-north").GetAsync("/api/payouts/payees/pay-changes")), c => c.PersonId == payee.Id);
        await HttpAssert.Problem(await payee.Client.GetAsync("/api/payouts/payees/pay-changes"), 403);

        Assert.Contains(await ChangesAsync(), c => c.PersonId == payee.Id);
    }

    [Fact]
    public async Task Bank_details_added_at_stripe_before_its_news_comes_are_found_before_money_moves_and_checked_even_before_a_first_payment()
    {
        // Their own bank, given while setting up, is their first choice: no check. Someone holding their phone then puts
        // their own bank first at Stripe, before the first payout is sent; Stripe's news of it has not come yet.
        var (_, payees) = await _world.AttendedAsync();
        var payee = payees[0];
        var account = await OnboardAsync(payee);
        await api.DeliverAsync(api.Stripe.EventJson("account.external_account.created", api.Stripe.AddBankAccount(account)));
        Assert.DoesNotContain(await ChangesAsync(), c => c.PersonId == payee.Id);
        var waiting = await ApprovedAsync(payee);
        api.Time.Advance(TimeSpan.FromSeconds(5));
        var added = api.Stripe.AddBankAccount(account);

        await api.SendPayoutsAsync();

        Assert.DoesNotContain(api.Stripe.Transfers, t => t["metadata"]!["payout_id"]!.GetValue<string>() == waiting);
        Assert.Contains(await ChangesAsync(), c => c.PersonId == payee.Id);

        // Finance checks it with them: it was theirs after all, and the payout goes to that bank, named.
        await HttpAssert.Ok<JsonElement>(await DecideAsync(payee.Id, true));
        await api.SendPayoutsAsync();
        Assert.Equal(added, Assert.Single(api.Stripe.Payouts, p => p["metadata"]!["payout_id"]!.GetValue<string>() == waiting)["destination"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.OK, (await api.DeliverAsync(api.Stripe.EventJson("account.external_account.created", added))).StatusCode);
        Assert.DoesNotContain(await ChangesAsync(), c => c.PersonId == payee.Id);
    }

    [Fact]
    public async Task Bank_details_added_after_the_transfer_stop_the_bank_payout_until_finance_has_checked_them()
    {
        var payee = await PaidOnceByCheckAsync();
        var account = await OnboardAsync(payee);
        await api.DeliverAsync(api.Stripe.EventJson("account.external_account.created", api.Stripe.AddBankAccount(account)));
        await HttpAssert.Ok<JsonElement>(await DecideAsync(payee.Id, true));
        var waiting = await ApprovedAsync(payee);
        for (var i = 0; i < 3; i++)
        {
            api.Stripe.FailNext("/v1/payouts");
        }

        await api.SendPayoutsAsync();
        Assert.Single(api.Stripe.Transfers, t => t["metadata"]!["payout_id"]!.GetValue<string>() == waiting);
        api.Time.Advance(TimeSpan.FromSeconds(5));
        api.Stripe.AddBankAccount(account);
        api.Time.Advance(TimeSpan.FromMinutes(3));
        await api.SendPayoutsAsync();

        Assert.DoesNotContain(api.Stripe.Payouts, p => p["metadata"]!["payout_id"]!.GetValue<string>() == waiting);
        Assert.Contains(await ChangesAsync(), c => c.PersonId == payee.Id);

        // Checked with them: the payout held after its transfer goes on at once, not hours later.
        await HttpAssert.Ok<JsonElement>(await DecideAsync(payee.Id, true));
        await api.SendPayoutsAsync();
        Assert.Single(api.Stripe.Payouts, p => p["metadata"]!["payout_id"]!.GetValue<string>() == waiting);
    }

    [Fact]
    public async Task Stripe_s_page_asked_for_again_and_again_while_a_check_waits_neither_moves_what_finance_decides_on_nor_keeps_them_from_letting_it_go()
    {
        var payee = await PaidOnceByCheckAsync();
        await OnboardAsync(payee);
        var read = Assert.Single(await ChangesAsync(), c => c.PersonId == payee.Id).Version;
        var toldBefore = (await Finance.NoticesAsync()).Count(n => n.Kind == "pay-change");

        for (var i = 0; i < 3; i++)
        {
            api.Time.Advance(TimeSpan.FromSeconds(5));
            await HttpAssert.Ok<JsonElement>(await payee.Client.PostAsync("/api/payouts/me/onboarding", null));
        }

        Assert.Equal(read, Assert.Single(await ChangesAsync(), c => c.PersonId == payee.Id).Version);
        Assert.Equal(toldBefore, (await Finance.NoticesAsync()).Count(n => n.Kind == "pay-change"));

        // Bank details given meanwhile move it, but letting the account go needs no later reading.
        api.Time.Advance(TimeSpan.FromSeconds(5));
        var account = api.Stripe.Accounts.Last(a => a["metadata"]!["person_id"]!.GetValue<string>() == payee.Id)["id"]!.GetValue<string>();
        await api.DeliverAsync(api.Stripe.EventJson("account.external_account.created", api.Stripe.AddBankAccount(account)));
        await HttpAssert.Problem(await DecideAsync(payee.Id, true, read), 412);
        await HttpAssert.Ok<JsonElement>(await DecideAsync(payee.Id, false, read));
        Assert.Equal("Check", (await MineAsync(payee)).GetProperty("method").GetString());
    }

    [Fact]
    public async Task Letting_an_account_go_read_in_a_check_already_decided_does_not_let_go_a_change_made_since()
    {
        var payee = await PaidOnceByCheckAsync();
        var account = await OnboardAsync(payee);
        var readByOne = Assert.Single(await ChangesAsync(), c => c.PersonId == payee.Id).Version;
        var other = await _world.ApproverAsync();
        await HttpAssert.Ok<JsonElement>(await DecideAsync(payee.Id, true, readByOne, other.Client));

        // Their own new bank, a new check nobody has read.
        api.Time.Advance(TimeSpan.FromSeconds(5));
        await api.DeliverAsync(api.Stripe.EventJson("account.external_account.created", api.Stripe.AddBankAccount(account)));

        await HttpAssert.Problem(await DecideAsync(payee.Id, false, readByOne), 412);
        Assert.Equal("Stripe", (await MineAsync(payee)).GetProperty("method").GetString());
    }

    [Fact]
    public async Task A_payee_whose_banks_were_never_kept_is_paid_to_what_stripe_holds_without_a_new_check()
    {
        // A Stripe account opened before banks were kept, paid before, its bank's news judged as it came.
        var payee = await PaidOnceByCheckAsync();
        var account = await OnboardAsync(payee);
        var bank = api.Stripe.AddBankAccount(account);
        await HttpAssert.Ok<JsonElement>(await DecideAsync(payee.Id, true));
        var kept = await api.Services.GetRequiredService<IDocumentStore>().ReadAsync<PayeeAccount>(PayoutData.Container, PayeeAccount.IdFor(payee.Id), "demo", CancellationToken.None);
        await api.Services.GetRequiredService<IDocumentStore>().ReplaceAsync(PayoutData.Container, kept! with { KnownBanks = null }, kept.ETag!, CancellationToken.None);
        var waiting = await ApprovedAsync(payee);

        await api.SendPayoutsAsync();

        Assert.Equal(bank, Assert.Single(api.Stripe.Payouts, p => p["metadata"]!["payout_id"]!.GetValue<string>() == waiting)["destination"]!.GetValue<string>());
        Assert.DoesNotContain(await ChangesAsync(), c => c.PersonId == payee.Id);

        // From then on another bank is checked first.
        api.Time.Advance(TimeSpan.FromSeconds(5));
        api.Stripe.AddBankAccount(account);
        var next = await ApprovedAsync(payee);
        await api.SendPayoutsAsync();
        Assert.DoesNotContain(api.Stripe.Transfers, t => t["metadata"]!["payout_id"]!.GetValue<string>() == next);
        Assert.Contains(await ChangesAsync(), c => c.PersonId == payee.Id);
    }

    [Fact]
    public async Task An_account_gone_from_stripe_fails_the_payout_for_finance_but_another_refusal_to_list_its_banks_waits()
    {
        var (_, payees) = await _world.AttendedAsync();
        var account = await OnboardAsync(payees[0]);
        var waiting = await ApprovedAsync(payees[0]);

        // A refusal an operator puts right (a restricted key lacking a permission) fails nothing.
        api.Stripe.RefuseNextLookup("/v1/accounts/");
        await api.SendPayoutsAsync();
        Assert.Equal("Approved", (await _world.PayoutAsync(waiting)).State);

        api.Stripe.Disconnect(account);
        api.Time.Advance(TimeSpan.FromMinutes(3));
        await api.SendPayoutsAsync();

        Assert.Equal("Failed", (await _world.PayoutAsync(waiting)).State);
        Assert.DoesNotContain(api.Stripe.Transfers, t => t["metadata"]!["payout_id"]!.GetValue<string>() == waiting);
        Assert.Contains(await Finance.NoticesAsync(), n => n.Kind == "payout-failed");
    }

    /// <summary>A new advisor paid once, by check, for a session they attended.</summary>
    private async Task<(string Id, HttpClient Client)> PaidOnceByCheckAsync()
    {
        var (opportunity, payees) = await _world.AttendedAsync();
        await _world.PayeeReadyAsync(payees[0], stripe: false);
        await PayByCheckAsync(Assert.Single(await _world.PrepareAsync(opportunity)).Id);
        return payees[0];
    }

    private async Task PayByCheckAsync(string payoutId)
    {
        await HttpAssert.Ok<PayoutDto>(await PayoutWorld.StepAsync(Finance, payoutId, "approve"));
        Assert.Equal("Paid", (await HttpAssert.Ok<PayoutDto>(await PayoutWorld.StepAsync(Finance, payoutId, "paid-outside", new { reference = "Check 101" }))).State);
    }

    /// <summary>The payee moves to Stripe and finishes its onboarding; the Stripe account's id.</summary>
    private async Task<string> OnboardAsync((string Id, HttpClient Client) payee)
    {
        await HttpAssert.Ok<JsonElement>(await payee.Client.PostAsync("/api/payouts/me/benefits-notice", null));
        await HttpAssert.Ok<JsonElement>(await payee.Client.PutAsJsonAsync("/api/payouts/me/method", new { method = "stripe" }));
        await HttpAssert.Ok<JsonElement>(await payee.Client.PostAsync("/api/payouts/me/onboarding", null));
        var account = api.Stripe.Accounts.Last(a => a["metadata"]!["person_id"]!.GetValue<string>() == payee.Id)["id"]!.GetValue<string>();
        api.Stripe.SetPayoutsEnabled(account, true);
        await HttpAssert.Ok<JsonElement>(await payee.Client.PostAsync("/api/payouts/me/stripe-status", null));
        return account;
    }

    /// <summary>Another session the payee attended, its payout prepared and approved; the payout's id.</summary>
    private async Task<string> ApprovedAsync((string Id, HttpClient Client) payee)
    {
        var (opportunity, _) = await _world.AttendedAsync(people: 0, also: [payee]);
        var payout = Assert.Single(await _world.PrepareAsync(opportunity));
        Assert.Equal("Stripe", (await HttpAssert.Ok<PayoutDto>(await PayoutWorld.StepAsync(Finance, payout.Id, "approve"))).Method);
        return payout.Id;
    }

    private static async Task<JsonElement> MineAsync((string Id, HttpClient Client) payee) =>
        (await HttpAssert.Ok<JsonElement>(await payee.Client.GetAsync("/api/payouts/me"))).GetProperty("account");

    /// <summary>Finance's answer, at the version given (by default the one listed now; "" for none).</summary>
    private async Task<HttpResponseMessage> DecideAsync(string personId, bool? madeByThem, string? version = null, HttpClient? by = null)
    {
        version ??= Assert.Single(await ChangesAsync(), c => c.PersonId == personId).Version;
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/payouts/payees/{personId}/pay-change") { Content = JsonContent.Create(new { madeByThem }) };
        if (version.Length > 0)
        {
            request.Headers.TryAddWithoutValidation("If-Match", version);
        }

        return await (by ?? (await CheckerAsync()).Client).SendAsync(request);
    }

    private async Task<List<PayChangeDto>> ChangesAsync() => await HttpAssert.Ok<List<PayChangeDto>>(await Finance.GetAsync("/api/payouts/payees/pay-changes"));
}
