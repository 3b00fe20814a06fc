using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using SurvivorConnect.Api.Features.Engagements;
using SurvivorConnect.Api.Features.Payouts;
using SurvivorConnect.Api.Features.Payouts.Rules;
using SurvivorConnect.Api.Infrastructure.Auth;
using SurvivorConnect.Storage;
using SurvivorConnect.Testing;

namespace SurvivorConnect.IntegrationTests;

/// <summary>Payouts from claims: calculated, approved by finance, paid once through Stripe Connect (a loopback fake) or outside it.</summary>
public sealed class PayoutTests(PayoutApi api) : IClassFixture<PayoutApi>
{
    private readonly PayoutWorld _world = new(api);

    private HttpClient Finance => _world.Finance;

    [Fact]
    public async Task Travel_added_after_a_claim_went_to_finance_but_before_its_payout_was_approved_is_paid_once_the_claim_is_sent_again()
    {
        var (opportunity, payees) = await _world.AttendedAsync();
        var payee = payees[0];
        var payout = Assert.Single(await _world.PrepareAsync(opportunity));
        Assert.True((await HttpAssert.Ok<List<JsonElement>>(await payee.Client.GetAsync("/api/engagements/me/claims"))).Single().GetProperty("travelMayChange").GetBoolean());
        Assert.Contains("data-with-finance", await (await PortalSession.SignedInAsync(api, payee.Id)).GetStringAsync("/paid-work"), StringComparison.Ordinal);

        // Sent to finance the moment attendance was recorded, the survivor still adds what the trip cost them.
        await HttpAssert.Ok<JsonElement>(await payee.Client.PutAsJsonAsync($"/api/engagements/opportunities/{opportunity}/sessions/s1/travel", new { miles = 20m }));

        // The payout calculated without it is neither approved nor sent: the claim waits to be sent again.
        Assert.Contains("changed after it was prepared", (await _world.PayoutAsync(payout.Id)).WhyYouCannotApprove, StringComparison.Ordinal);
        await HttpAssert.Problem(await PayoutWorld.StepAsync(Finance, payout.Id, "approve"), 409);
        Assert.Contains($"value=\"{opportunity}\"", await (await PortalSession.SignedInAsync(api, "demo-recruiter")).GetStringAsync("/claims-to-pay"), StringComparison.Ordinal);
        var again = Assert.Single(await _world.PrepareAsync(opportunity));
        Assert.Equal(150m + 14.50m, again.Total);

        // Once approved, travel is closed.
        await _world.PayeeReadyAsync(payee, stripe: true);
        await HttpAssert.Ok<PayoutDto>(await PayoutWorld.StepAsync(Finance, again.Id, "approve"));
        Assert.False((await HttpAssert.Ok<List<JsonElement>>(await payee.Client.GetAsync("/api/engagements/me/claims"))).Single().GetProperty("travelMayChange").GetBoolean());
        var closed = await HttpAssert.Problem(await payee.Client.PutAsJsonAsync($"/api/engagements/opportunities/{opportunity}/sessions/s1/travel", new { miles = 200m }), 409);
        Assert.Contains("approved", closed.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(150m + 14.50m, (await _world.PayoutAsync(again.Id)).Total);
    }

    [Fact]
    public async Task Travel_saved_as_finance_approves_the_payout_is_refused_and_the_payout_goes_as_approved()
    {
        var (opportunity, payees) = await _world.AttendedAsync();
        var payee = payees[0];
        var payout = Assert.Single(await _world.PrepareAsync(opportunity));
        await _world.PayeeReadyAsync(payee, stripe: true);
        HttpResponseMessage? approved = null;
        api.Store.BeforeReplace = async (_, document) =>
        {
            if (document is CompensationClaim { State: ClaimState.Open })
            {
                api.Store.BeforeReplace = null;
                approved = await PayoutWorld.StepAsync(Finance, payout.Id, "approve");
            }
        };

        HttpResponseMessage saved;
        try
        {
            saved = await payee.Client.PutAsJsonAsync($"/api/engagements/opportunities/{opportunity}/sessions/s1/travel", new { miles = 20m });
        }
        finally
        {
            api.Store.BeforeReplace = null;
        }

        Assert.Equal("Approved", (await HttpAssert.Ok<PayoutDto>(approved!)).State);
        Assert.Contains("approved", (await HttpAssert.Problem(saved, 409)).GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(1, await api.SendPayoutsAsync());
        Assert.Equal("Sending", (await _world.PayoutAsync(payout.Id)).State);
    }

    [Fact]
    public async Task The_same_travel_saved_again_on_a_claim_with_finance_leaves_its_payout_to_be_approved()
    {
        var (opportunity, payees) = await _world.AttendedAsync();
        var travel = $"/api/engagements/opportunities/{opportunity}/sessions/s1/travel";
        await HttpAssert.Ok<JsonElement>(await payees[0].Client.PutAsJsonAsync(travel, new { miles = 20m, costs = new[] { new { description = "Parking", amount = 6m } } }));
        var payout = Assert.Single(await _world.PrepareAsync(opportunity));

        await HttpAssert.Ok<JsonElement>(await payees[0].Client.PutAsJsonAsync(travel, new { miles = 20m, costs = new[] { new { description = "Parking", amount = 6m } } }));

        Assert.Null((await _world.PayoutAsync(payout.Id)).WhyYouCannotApprove);
    }

    [Fact]
    public async Task An_empty_travel_form_saved_on_a_claim_with_finance_leaves_its_payout_to_be_approved()
    {
        var (opportunity, payees) = await _world.AttendedAsync();
        var payout = Assert.Single(await _world.PrepareAsync(opportunity));

        await HttpAssert.Ok<JsonElement>(await payees[0].Client.PutAsJsonAsync($"/api/engagements/opportunities/{opportunity}/sessions/s1/travel", new { miles = 0m }));

        Assert.Null((await _world.PayoutAsync(payout.Id)).WhyYouCannotApprove);
    }

    [Fact]
    public async Task A_claim_with_travel_becomes_a_payout_line_by_line_and_once_approved_is_paid_once_through_Stripe()
    {
        var (opportunity, payees) = await _world.AttendedAsync();
        var payee = payees[0];
        await HttpAssert.Ok<JsonElement>(await payee.Client.PutAsJsonAsync($"/api/engagements/opportunities/{opportunity}/sessions/s1/travel", new
        {
            miles = 20m,
            costs = new[] { new { description = "Parking", amount = 12.50m } },
            travelDays = 2,
            lodging = 150m,
        }));

        var payout = Assert.Single(await _world.PrepareAsync(opportunity));

        // 150 stipend; 20 mi at 72.5c = 14.50; parking 12.50; Chicago, IL has no agency rate here, so the standard
        // 68 a day at 75% on both travel days = 102; one night's lodging 150, up to 110.
        Assert.Equal(["Stipend", "Mileage", "Receipts", "MealsAndIncidentals", "Lodging"], payout.Lines.Select(l => l.GetProperty("kind").GetString()));
        Assert.Equal(150m, payout.Compensation);
        Assert.Equal(14.50m + 12.50m + 102m + 110m, payout.Reimbursement);
        Assert.Equal(389m, payout.Total);
        Assert.Equal("Pending", payout.State);

        var account = await _world.PayeeReadyAsync(payee, stripe: true);
        var approved = await HttpAssert.Ok<PayoutDto>(await PayoutWorld.StepAsync(Finance, payout.Id, "approve"));
        Assert.Equal("Approved", approved.State);
        Assert.Equal("Stripe", approved.Method);
        await HttpAssert.Problem(await payee.Client.PutAsJsonAsync($"/api/engagements/opportunities/{opportunity}/sessions/s1/travel", new { miles = 200m }), 409);

        Assert.Equal(1, await api.SendPayoutsAsync());
        Assert.Equal(0, await api.SendPayoutsAsync());
        var transfer = Assert.Single(api.Stripe.Transfers, t => t["destination"]!.GetValue<string>() == account);
        Assert.Equal(38900, transfer["amount"]!.GetValue<long>());
        Assert.Equal(payout.Id, transfer["metadata"]!["payout_id"]!.GetValue<string>());
        var bankPayout = Assert.Single(api.Stripe.Payouts, p => p["metadata"]!["payout_id"]!.GetValue<string>() == payout.Id);
        Assert.Equal("Sending", (await _world.PayoutAsync(payout.Id)).State);
        // Whoever else reads the payee's bank statement sees neutral words, nothing of the agency's work.
        Assert.Equal("CONSULTING PAYMENT", bankPayout["statement_descriptor"]!.GetValue<string>());
        Assert.Equal("CONSULTING PAYMENT", Assert.Single(api.Stripe.Accounts, a => a["id"]!.GetValue<string>() == account)["settings"]!["payouts"]!["statement_descriptor"]!.GetValue<string>());

        Assert.Equal(HttpStatusCode.OK, (await api.DeliverAsync(api.Stripe.EventJson("payout.paid", bankPayout["id"]!.GetValue<string>(), status: "paid"))).StatusCode);

        Assert.Equal("Paid", (await _world.PayoutAsync(payout.Id)).State);
        var statement = await HttpAssert.Ok<JsonElement>(await payee.Client.GetAsync("/api/payouts/me"));
        Assert.Equal(150m, statement.GetProperty("compensation").GetDecimal());
        Assert.Equal(239m, statement.GetProperty("reimbursement").GetDecimal());
        Assert.Equal(389m, statement.GetProperty("total").GetDecimal());
        Assert.Equal(5, statement.GetProperty("payouts")[0].GetProperty("lines").GetArrayLength());
        var csv = await (await payee.Client.GetAsync("/api/payouts/me/statement.csv")).Content.ReadAsStringAsync();
        Assert.Equal(6, csv.Split("\r\n", StringSplitOptions.RemoveEmptyEntries).Length);
        Assert.Contains("Reimbursement", csv, StringComparison.Ordinal);
        var notices = await HttpAssert.Ok<JsonElement>(await payee.Client.GetAsync("/api/notifications"));
        Assert.Contains(notices.GetProperty("items").EnumerateArray(), n => n.GetProperty("kind").GetString() == "payout-sent");
    }

    [Fact]
    public async Task The_payee_account_keeps_only_the_Stripe_account_id_and_onboarding_twice_opens_one_account()
    {
        var (_, payees) = await _world.AttendedAsync();
        var payee = payees[0];

        await HttpAssert.Ok<JsonElement>(await payee.Client.PostAsync("/api/payouts/me/onboarding", null));
        await HttpAssert.Ok<JsonElement>(await payee.Client.PostAsync("/api/payouts/me/onboarding", null));

        Assert.Single(api.Stripe.Accounts, a => a["metadata"]!["person_id"]!.GetValue<string>() == payee.Id);
        var me = await HttpAssert.Ok<JsonElement>(await payee.Client.GetAsync("/api/payouts/me"));
        Assert.Equal(["method", "stripeConnected", "stripeReady", "benefitsNoticeSeen", "taxDetailsOnFile", "taxDetailsNeeded", "stripePayoutsOn", "payChangeToCheck"],
            me.GetProperty("account").EnumerateObject().Select(p => p.Name));
        Assert.True(me.GetProperty("account").GetProperty("stripeConnected").GetBoolean());
        Assert.False(me.GetProperty("account").GetProperty("stripeReady").GetBoolean());
    }

    [Fact]
    public async Task A_payee_asking_Stripe_again_and_again_is_refused_after_ten_a_minute_without_Stripe_being_asked_and_others_still_can()
    {
        var (_, payees) = await _world.AttendedAsync(people: 2);
        var (payee, other) = (payees[0], payees[1]);
        int AskedStripe() => api.Stripe.Requests.Count(r => r.EndsWith("/v1/account_links", StringComparison.Ordinal) || r.StartsWith("GET /v1/accounts/", StringComparison.Ordinal));

        for (var i = 0; i < 10; i++)
        {
            await HttpAssert.Ok<JsonElement>(await payee.Client.PostAsync("/api/payouts/me/onboarding", null));
        }

        var asked = AskedStripe();
        var refused = await payee.Client.PostAsync("/api/payouts/me/onboarding", null);
        Assert.InRange(refused.Headers.RetryAfter!.Delta!.Value.TotalSeconds, 1, 60);
        Assert.Contains("Wait a minute", (await HttpAssert.Problem(refused, 429)).GetProperty("detail").GetString(), StringComparison.Ordinal);
        await HttpAssert.Problem(await payee.Client.PostAsync("/api/payouts/me/stripe-status", null), 429);
        Assert.Equal(asked, AskedStripe());
        // Choosing to be paid another way asks Stripe nothing, and is never held up by it.
        await HttpAssert.Ok<JsonElement>(await payee.Client.PutAsJsonAsync("/api/payouts/me/method", new { method = "Check" }));

        await HttpAssert.Ok<JsonElement>(await other.Client.PostAsync("/api/payouts/me/onboarding", null));
        await HttpAssert.Ok<JsonElement>(await other.Client.PostAsync("/api/payouts/me/stripe-status", null));
        Assert.True(AskedStripe() > asked);
    }

    [Fact]
    public async Task Above_the_agency_amount_two_different_approvers_are_needed_and_nobody_approves_their_own_payout()
    {
        await _world.SetTwoApproverAmountAsync(100m);
        try
        {
            var (opportunity, payees) = await _world.AttendedAsync();
            await _world.PayeeReadyAsync(payees[0], stripe: false);
            var payout = Assert.Single(await _world.PrepareAsync(opportunity, by: Finance));
            Assert.Equal(2, payout.ApprovalsNeeded);
            var second = await _world.ApproverAsync();
            var third = await _world.ApproverAsync();

            var own = await HttpAssert.Problem(await PayoutWorld.StepAsync(Finance, payout.Id, "approve"), 403);
            Assert.Contains("You prepared this payout", own.GetProperty("detail").GetString(), StringComparison.Ordinal);

            var first = await HttpAssert.Ok<PayoutDto>(await PayoutWorld.StepAsync(second.Client, payout.Id, "approve"));
            Assert.Equal("Pending", first.State);
            Assert.Single(first.Approvals);
            Assert.Contains("second approver", first.WhyYouCannotApprove, StringComparison.Ordinal);
            await HttpAssert.Problem(await PayoutWorld.StepAsync(second.Client, payout.Id, "approve"), 409);

            // The first approver is taken off (deactivated, say) before the second approval: theirs no longer counts.
            (await _world.Admin.PostAsync($"/api/people/{second.Id}/deactivate", null)).EnsureSuccessStatusCode();
            Assert.Empty((await _world.PayoutAsync(payout.Id)).Approvals);
            var after = await HttpAssert.Ok<PayoutDto>(await PayoutWorld.StepAsync(third.Client, payout.Id, "approve"));
            Assert.Equal("Pending", after.State);
            Assert.Equal(third.Id, Assert.Single(after.Approvals).GetProperty("by").GetString());

            var fourth = await _world.ApproverAsync();
            var done = await HttpAssert.Ok<PayoutDto>(await PayoutWorld.StepAsync(fourth.Client, payout.Id, "approve"));
            Assert.Equal("Approved", done.State);
            Assert.Equal(2, done.Approvals.Count);
            await HttpAssert.Problem(await PayoutWorld.StepAsync(third.Client, payout.Id, "approve"), 409);
        }
        finally
        {
            await _world.SetTwoApproverAmountAsync(500m);
        }
    }

    [Fact]
    public async Task A_finance_approver_cannot_approve_record_or_cancel_a_payout_that_pays_them_nor_their_own_tax_details()
    {
        var both = await _world.ApproverAsync(Roles.Advisor);
        await HttpAssert.Ok<JsonElement>(await both.Client.PutAsJsonAsync("/api/engagements/me/profile", new
        {
            kinds = new[] { "focus-group" }, topics = new[] { "housing" }, timeZone = "America/Los_Angeles",
        }));
        await HttpAssert.Ok<JsonElement>(await both.Client.PostJson("/api/engagements/me/contact", new { optIn = true }));
        var (opportunity, _) = await _world.AttendedAsync(people: 0, also: [both]);
        await _world.PayeeReadyAsync(both, stripe: false);
        var payout = Assert.Single(await _world.PrepareAsync(opportunity));
        Assert.Equal(both.Id, payout.PayeeId);

        var refused = await HttpAssert.Problem(await PayoutWorld.StepAsync(both.Client, payout.Id, "approve"), 403);
        Assert.Contains("pays you", refused.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Contains("pays you", (await HttpAssert.Ok<PayoutDto>(await both.Client.GetAsync(PayoutWorld.Url(payout.Id)))).WhyYouCannotApprove, StringComparison.Ordinal);

        await HttpAssert.Ok<PayoutDto>(await PayoutWorld.StepAsync(Finance, payout.Id, "approve"));
        await HttpAssert.Problem(await PayoutWorld.StepAsync(both.Client, payout.Id, "paid-outside", new { reference = "Check 9" }), 403);
        // Nor do they cancel it, which would open its claim for a new amount.
        var cancel = await HttpAssert.Problem(await PayoutWorld.StepAsync(both.Client, payout.Id, "cancel"), 403);
        Assert.Contains("pays you", cancel.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal("Approved", (await _world.PayoutAsync(payout.Id)).State);

        var ownTax = await HttpAssert.Problem(await both.Client.PostAsync($"/api/payouts/payees/{both.Id}/tax-details", null), 403);
        Assert.Contains("your own tax details", ownTax.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Tax_details_are_recorded_only_for_someone_who_takes_paid_work_and_no_one_else_is_named()
    {
        var youthSignIn = "y-" + Guid.NewGuid().ToString("N")[..12];
        await new MentoringWorld(api).YouthAsync(personId: youthSignIn);

        var youth = await HttpAssert.Problem(await Finance.PostAsync($"/api/payouts/payees/{youthSignIn}/tax-details", null), 404);
        var staff = await HttpAssert.Problem(await Finance.PostAsync("/api/payouts/payees/demo-casemanager/tax-details", null), 404);
        var unknown = await HttpAssert.Problem(await Finance.PostAsync("/api/payouts/payees/nobody-here/tax-details", null), 404);

        Assert.All(new[] { youth, staff }, refused => Assert.Equal(unknown.GetProperty("detail").GetString(), refused.GetProperty("detail").GetString()));
        Assert.DoesNotContain("Youth", youth.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Two_approvals_at_once_make_one_approval()
    {
        var (opportunity, payees) = await _world.AttendedAsync();
        await _world.PayeeReadyAsync(payees[0], stripe: false);
        var payout = Assert.Single(await _world.PrepareAsync(opportunity));
        var other = await _world.ApproverAsync();

        var answers = await Task.WhenAll(PayoutWorld.StepAsync(Finance, payout.Id, "approve"), PayoutWorld.StepAsync(other.Client, payout.Id, "approve"));

        Assert.Single(answers, a => a.StatusCode == HttpStatusCode.OK);
        Assert.Single(answers, a => a.StatusCode == HttpStatusCode.Conflict);
        var stored = await _world.PayoutAsync(payout.Id);
        Assert.Equal("Approved", stored.State);
        Assert.Single(stored.Approvals);
    }

    [Fact]
    public async Task Before_the_first_payout_the_payee_must_have_seen_the_benefits_notice_and_chosen_how_to_be_paid()
    {
        var (opportunity, payees) = await _world.AttendedAsync();
        var payout = Assert.Single(await _world.PrepareAsync(opportunity));

        var notice = await HttpAssert.Problem(await PayoutWorld.StepAsync(Finance, payout.Id, "approve"), 409);
        Assert.Contains("public benefits", notice.GetProperty("detail").GetString(), StringComparison.Ordinal);
        await HttpAssert.Ok<JsonElement>(await payees[0].Client.PostAsync("/api/payouts/me/benefits-notice", null));
        await HttpAssert.Problem(await PayoutWorld.StepAsync(Finance, payout.Id, "approve"), 409);
        await HttpAssert.Ok<JsonElement>(await payees[0].Client.PutAsJsonAsync("/api/payouts/me/method", new { method = "prepaidCard" }));

        Assert.Equal("Approved", (await HttpAssert.Ok<PayoutDto>(await PayoutWorld.StepAsync(Finance, payout.Id, "approve"))).State);
    }

    [Fact]
    public async Task A_finance_approver_who_prepared_a_payout_cannot_record_it_as_paid_and_stop_its_stripe_transfer()
    {
        // Payouts other tests here left approved are sent first, so the count below is this one's.
        await api.SendPayoutsAsync();
        var (opportunity, payees) = await _world.AttendedAsync();
        await _world.PayeeReadyAsync(payees[0], stripe: true);
        var payout = Assert.Single(await _world.PrepareAsync(opportunity, by: Finance));
        var second = api.As("demo-finance2");
        await HttpAssert.Ok<PayoutDto>(await PayoutWorld.StepAsync(second, payout.Id, "approve"));

        var refused = await HttpAssert.Problem(await PayoutWorld.StepAsync(Finance, payout.Id, "paid-outside", new { reference = "Check 55" }), 403);

        Assert.Contains("You prepared this payout", refused.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(1, await api.SendPayoutsAsync());
        Assert.Single(api.Stripe.Transfers, t => t["metadata"]!["payout_id"]!.GetValue<string>() == payout.Id);
        var audit = await HttpAssert.Ok<PageDto<AuditDto>>(await _world.Admin.GetAsync("/api/audit?action=payout.paid-outside&actorId=demo-finance"));
        Assert.Contains(audit.Items, e => e.RecordId == payout.Id && e.Outcome == "Denied");
    }

    [Fact]
    public async Task A_check_is_recorded_as_paid_outside_Stripe_with_its_reference_and_enters_the_ledger()
    {
        var (opportunity, payees) = await _world.AttendedAsync();
        await _world.PayeeReadyAsync(payees[0], stripe: false);
        var payout = Assert.Single(await _world.PrepareAsync(opportunity));
        await HttpAssert.Problem(await PayoutWorld.StepAsync(Finance, payout.Id, "paid-outside", new { reference = "Check 1042" }), 409);
        await HttpAssert.Ok<PayoutDto>(await PayoutWorld.StepAsync(Finance, payout.Id, "approve"));
        var transfersBefore = api.Stripe.Transfers.Count;

        var paid = await HttpAssert.Ok<PayoutDto>(await PayoutWorld.StepAsync(Finance, payout.Id, "paid-outside", new { reference = "Check 1042" }));

        Assert.Equal("Paid", paid.State);
        Assert.Equal("Check 1042", paid.OutsideReference);
        await api.SendPayoutsAsync();
        Assert.Equal(transfersBefore, api.Stripe.Transfers.Count);
        var totals = await HttpAssert.Ok<JsonElement>(await Finance.GetAsync("/api/payouts/totals"));
        var mine = totals.GetProperty("payees").EnumerateArray().Single(p => p.GetProperty("payeeId").GetString() == payees[0].Id);
        Assert.Equal(150m, mine.GetProperty("compensation").GetDecimal());
        await HttpAssert.Problem(await PayoutWorld.StepAsync(Finance, payout.Id, "paid-outside", new { reference = "Check 1043" }), 409);
    }

    [Fact]
    public async Task Tax_details_are_asked_for_before_the_payment_that_reaches_the_information_return_threshold()
    {
        var (opportunity, payees) = await _world.AttendedAsync(stipend: 2000m);
        await _world.PayeeReadyAsync(payees[0], stripe: false);
        var payout = Assert.Single(await _world.PrepareAsync(opportunity));
        var second = await _world.ApproverAsync();
        await HttpAssert.Ok<PayoutDto>(await PayoutWorld.StepAsync(second.Client, payout.Id, "approve"));

        var refused = await HttpAssert.Problem(await PayoutWorld.StepAsync(Finance, payout.Id, "approve"), 409);
        Assert.Contains("tax details", refused.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.True((await HttpAssert.Ok<JsonElement>(await payees[0].Client.GetAsync("/api/payouts/me"))).GetProperty("account").GetProperty("taxDetailsNeeded").GetBoolean());

        await HttpAssert.Ok<JsonElement>(await Finance.PostAsync($"/api/payouts/payees/{payees[0].Id}/tax-details", null));
        Assert.Equal("Approved", (await HttpAssert.Ok<PayoutDto>(await PayoutWorld.StepAsync(Finance, payout.Id, "approve"))).State);
        await HttpAssert.Ok<PayoutDto>(await PayoutWorld.StepAsync(Finance, payout.Id, "paid-outside", new { reference = "Check 2001" }));
        var totals = await HttpAssert.Ok<JsonElement>(await Finance.GetAsync("/api/payouts/totals"));
        var row = totals.GetProperty("payees").EnumerateArray().Single(p => p.GetProperty("payeeId").GetString() == payees[0].Id);
        Assert.True(row.GetProperty("crossesThreshold").GetBoolean());
        Assert.Equal(2000m, totals.GetProperty("threshold").GetDecimal());
    }

    [Fact]
    public async Task Two_payouts_to_one_payee_approved_at_the_same_moment_do_not_pass_the_tax_details_threshold_unseen()
    {
        var (first, payees) = await _world.AttendedAsync(stipend: 1500m);
        var (second, _) = await _world.AttendedAsync(people: 0, stipend: 1500m, also: payees);
        await _world.PayeeReadyAsync(payees[0], stripe: false);
        var one = Assert.Single(await _world.PrepareAsync(first));
        var other = Assert.Single(await _world.PrepareAsync(second));
        var approver = await _world.ApproverAsync();
        await HttpAssert.Ok<PayoutDto>(await PayoutWorld.StepAsync(approver.Client, one.Id, "approve"));
        await HttpAssert.Ok<PayoutDto>(await PayoutWorld.StepAsync(approver.Client, other.Id, "approve"));

        // Each is under the threshold alone; the other is approved between this one's check and its write.
        api.Store.BeforeBatch = async operations =>
        {
            if (operations.Any(o => o is BatchOperation.Replace { Document: Payout { State: PayoutState.Approved } p } && p.Id == one.Id))
            {
                api.Store.BeforeBatch = null;
                Assert.Equal("Approved", (await HttpAssert.Ok<PayoutDto>(await PayoutWorld.StepAsync(Finance, other.Id, "approve"))).State);
            }
        };
        try
        {
            await HttpAssert.Problem(await PayoutWorld.StepAsync(Finance, one.Id, "approve"), 409);
        }
        finally
        {
            api.Store.BeforeBatch = null;
        }

        var refused = await HttpAssert.Problem(await PayoutWorld.StepAsync(Finance, one.Id, "approve"), 409);
        Assert.Contains("tax details", refused.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal("Pending", (await _world.PayoutAsync(one.Id)).State);
    }

    [Fact]
    public async Task A_failed_payout_sent_again_after_others_were_approved_still_needs_the_tax_details_the_year_now_calls_for()
    {
        var (failing, payee) = await FailedWhileAnotherIsApprovedAsync();

        var retried = await HttpAssert.Problem(await PayoutWorld.StepAsync(Finance, failing, "retry"), 409);

        Assert.Contains("tax details", retried.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal("Failed", (await _world.PayoutAsync(failing)).State);
        await HttpAssert.Ok<JsonElement>(await Finance.PostAsync($"/api/payouts/payees/{payee}/tax-details", null));
        Assert.Equal("Approved", (await HttpAssert.Ok<PayoutDto>(await PayoutWorld.StepAsync(Finance, failing, "retry"))).State);
    }

    [Fact]
    public async Task A_failed_payout_paid_another_way_after_others_were_approved_still_needs_the_tax_details_the_year_now_calls_for()
    {
        var (failing, payee) = await FailedWhileAnotherIsApprovedAsync();
        await HttpAssert.Ok<PayoutDto>(await PayoutWorld.StepAsync(Finance, failing, "set-aside"));
        var recorder = await _world.ApproverAsync();

        var outside = await HttpAssert.Problem(await PayoutWorld.StepAsync(recorder.Client, failing, "paid-outside", new { reference = "Check 2002" }), 409);

        Assert.Contains("tax details", outside.GetProperty("detail").GetString(), StringComparison.Ordinal);
        await HttpAssert.Ok<JsonElement>(await Finance.PostAsync($"/api/payouts/payees/{payee}/tax-details", null));
        Assert.Equal("Paid", (await HttpAssert.Ok<PayoutDto>(await PayoutWorld.StepAsync(recorder.Client, failing, "paid-outside", new { reference = "Check 2002" }))).State);
    }

    /// <summary>
    /// A payout of 1,500 that failed at Stripe, and while it was failed a second of 1,500 to the same payee approved: the
    /// year's 2,000 was not reached without it. Returns the failed payout and its payee.
    /// </summary>
    private async Task<(string Payout, string PayeeId)> FailedWhileAnotherIsApprovedAsync()
    {
        var (first, payees) = await _world.AttendedAsync(stipend: 1500m);
        await _world.PayeeReadyAsync(payees[0], stripe: true);
        var failing = Assert.Single(await _world.PrepareAsync(first));
        var second = await _world.ApproverAsync();
        await HttpAssert.Ok<PayoutDto>(await PayoutWorld.StepAsync(second.Client, failing.Id, "approve"));
        await HttpAssert.Ok<PayoutDto>(await PayoutWorld.StepAsync(Finance, failing.Id, "approve"));
        api.Stripe.RefuseNext("/v1/transfers");
        await api.SendPayoutsAsync();
        Assert.Equal("Failed", (await _world.PayoutAsync(failing.Id)).State);
        var (later, _) = await _world.AttendedAsync(people: 0, stipend: 1500m, also: payees);
        var other = Assert.Single(await _world.PrepareAsync(later));
        await HttpAssert.Ok<PayoutDto>(await PayoutWorld.StepAsync(second.Client, other.Id, "approve"));
        Assert.Equal("Approved", (await HttpAssert.Ok<PayoutDto>(await PayoutWorld.StepAsync(Finance, other.Id, "approve"))).State);
        return (failing.Id, payees[0].Id);
    }

    [Fact]
    public async Task A_payout_that_failed_before_any_money_moved_is_set_aside_before_its_check_so_nobody_sends_it_again_or_cancels_it_meanwhile()
    {
        var payout = await RefusedByStripeAsync();
        Assert.Equal("Failed", (await _world.PayoutAsync(payout.Id)).State);
        var other = await _world.ApproverAsync();

        var refused = await HttpAssert.Problem(await PayoutWorld.StepAsync(other.Client, payout.Id, "paid-outside", new { reference = "Check 5150" }), 409);
        Assert.Equal(PayoutRules.SetAsideFirst, refused.GetProperty("detail").GetString());
        await HttpAssert.Ok<PayoutDto>(await PayoutWorld.StepAsync(Finance, payout.Id, "set-aside"));

        // The check may be in the post: another approver neither sends it through Stripe nor opens its claim to pay again.
        await HttpAssert.Problem(await PayoutWorld.StepAsync(other.Client, payout.Id, "retry"), 409);
        var cancel = await HttpAssert.Problem(await PayoutWorld.StepAsync(other.Client, payout.Id, "cancel"), 409);
        Assert.Contains("only the finance approver who set it aside", cancel.GetProperty("detail").GetString(), StringComparison.Ordinal);

        // Their page offers what they may do: record the check, not cancel it. The one who set it aside may cancel it.
        var page = await (await PortalSession.SignedInAsync(api, other.Id)).GetStringAsync("/finance");
        Assert.Contains($"outside-{payout.Id}", page, StringComparison.Ordinal);
        Assert.DoesNotContain($"cancel|{payout.Id}", page, StringComparison.Ordinal);
        Assert.Contains($"cancel|{payout.Id}", await (await PortalSession.SignedInAsync(api, "demo-finance")).GetStringAsync("/finance"), StringComparison.Ordinal);
        Assert.Equal("Paid", (await HttpAssert.Ok<PayoutDto>(await PayoutWorld.StepAsync(other.Client, payout.Id, "paid-outside", new { reference = "Check 5150" }))).State);
    }

    /// <summary>A payout approved by demo-finance for a payee ready for Stripe, whose transfer Stripe refused when sent.</summary>
    private async Task<PayoutDto> RefusedByStripeAsync()
    {
        var (opportunity, payees) = await _world.AttendedAsync();
        await _world.PayeeReadyAsync(payees[0], stripe: true);
        var payout = Assert.Single(await _world.PrepareAsync(opportunity));
        await HttpAssert.Ok<PayoutDto>(await PayoutWorld.StepAsync(Finance, payout.Id, "approve"));
        api.Stripe.RefuseNext("/v1/transfers");
        await api.SendPayoutsAsync();
        return payout;
    }

    [Fact]
    public async Task A_transfer_Stripe_refuses_fails_the_payout_tells_finance_and_is_not_retried_until_finance_sends_it_again()
    {
        var payout = await RefusedByStripeAsync();

        var failed = await _world.PayoutAsync(payout.Id);
        Assert.Equal("Failed", failed.State);
        Assert.Equal("balance_insufficient", failed.FailureCode);
        Assert.DoesNotContain(api.Stripe.Transfers, t => t["metadata"]!["payout_id"]!.GetValue<string>() == payout.Id);
        var notices = await HttpAssert.Ok<JsonElement>(await Finance.GetAsync("/api/notifications"));
        Assert.Contains(notices.GetProperty("items").EnumerateArray(), n => n.GetProperty("kind").GetString() == "payout-failed");
        await api.SendPayoutsAsync();
        Assert.Equal("Failed", (await _world.PayoutAsync(payout.Id)).State);

        Assert.Equal("Approved", (await HttpAssert.Ok<PayoutDto>(await PayoutWorld.StepAsync(Finance, payout.Id, "retry"))).State);
        await api.SendPayoutsAsync();

        Assert.Equal("Sending", (await _world.PayoutAsync(payout.Id)).State);
        Assert.Single(api.Stripe.Transfers, t => t["metadata"]!["payout_id"]!.GetValue<string>() == payout.Id);
    }

    [Fact]
    public async Task Travel_added_while_the_payout_was_prepared_is_in_it_when_payouts_are_prepared_again()
    {
        var (opportunity, payees) = await _world.AttendedAsync();

        // The payout is made from the claim as read; then, before the claim is marked sent to finance, the payee adds travel.
        api.Store.BeforeReplace = async (inner, document) =>
        {
            if (document is CompensationClaim { State: ClaimState.Submitted } claim && claim.PersonId == payees[0].Id)
            {
                api.Store.BeforeReplace = null;
                var now = (await inner.ReadAsync<CompensationClaim>(EngagementData.Container, claim.Id, claim.PartitionKey, CancellationToken.None))!;
                await inner.ReplaceAsync(EngagementData.Container, now with { Travel = new TravelClaim(20m, [], 0) }, now.ETag!, CancellationToken.None);
            }
        };
        try
        {
            await HttpAssert.Problem(await _world.Recruiter.PostJson("/api/payouts", new { opportunityId = opportunity }), 412);
        }
        finally
        {
            api.Store.BeforeReplace = null;
        }

        var payout = Assert.Single(await _world.PrepareAsync(opportunity));

        Assert.Equal(150m, payout.Compensation);
        Assert.Equal(14.50m, payout.Reimbursement);
        Assert.Empty(await _world.PrepareAsync(opportunity));
    }

    [Fact]
    public async Task A_payout_left_from_a_failed_preparation_is_withdrawn_when_its_claim_is_corrected_to_pay_nothing()
    {
        var (opportunity, payees) = await _world.AttendedAsync();
        api.Store.BeforeReplace = (_, document) => document is CompensationClaim { State: ClaimState.Submitted }
            ? throw new StoreException(StoreErrorKind.PreconditionFailed, "Changed meanwhile.")
            : Task.CompletedTask;
        try
        {
            await HttpAssert.Problem(await _world.Recruiter.PostJson("/api/payouts", new { opportunityId = opportunity }), 412);
        }
        finally
        {
            api.Store.BeforeReplace = null;
        }

        var left = (await HttpAssert.Ok<PageDto<PayoutDto>>(await Finance.GetAsync($"/api/payouts?payeeId={payees[0].Id}"))).Items.Single();
        Assert.Equal("Pending", left.State);

        await HttpAssert.Ok<JsonElement>(await _world.Recruiter.PostJson($"/api/engagements/opportunities/{opportunity}/sessions/s1/attendance", new
        {
            entries = new[] { new { personId = payees[0].Id, outcome = "noShow" } },
        }));

        // Its claim was left open and has changed since: the payout, calculated from it as it was, is not approved,
        // and finance is told so before pressing Approve.
        Assert.Contains("changed after it was prepared", (await _world.PayoutAsync(left.Id)).WhyYouCannotApprove, StringComparison.Ordinal);
        var queued = (await HttpAssert.Ok<PageDto<PayoutDto>>(await Finance.GetAsync($"/api/payouts?state=pending&payeeId={payees[0].Id}"))).Items.Single();
        Assert.Contains("changed after it was prepared", queued.WhyYouCannotApprove, StringComparison.Ordinal);
        var stale = await HttpAssert.Problem(await PayoutWorld.StepAsync(Finance, left.Id, "approve"), 409);
        Assert.Contains("send this opportunity's claims to finance again", stale.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal("Pending", (await _world.PayoutAsync(left.Id)).State);

        Assert.Empty(await _world.PrepareAsync(opportunity));
        Assert.Equal("Cancelled", (await _world.PayoutAsync(left.Id)).State);
        await HttpAssert.Problem(await PayoutWorld.StepAsync(Finance, left.Id, "approve"), 409);
    }

    [Fact]
    public async Task Whoever_recorded_the_attendance_a_payout_is_for_does_not_approve_it_alone()
    {
        var (opportunity, payees) = await _world.AttendedAsync();
        await _world.PayeeReadyAsync(payees[0], stripe: false);
        var recorder = await _world.ApproverAsync(Roles.Recruiter);
        await HttpAssert.Ok<JsonElement>(await recorder.Client.PostJson($"/api/engagements/opportunities/{opportunity}/sessions/s1/attendance", new
        {
            entries = new[] { new { personId = payees[0].Id, outcome = "attended" } },
        }));
        var payout = Assert.Single(await _world.PrepareAsync(opportunity));

        var refused = await HttpAssert.Problem(await PayoutWorld.StepAsync(recorder.Client, payout.Id, "approve"), 403);

        Assert.Contains("recorded the attendance", refused.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Contains("recorded the attendance", (await HttpAssert.Ok<PayoutDto>(await recorder.Client.GetAsync(PayoutWorld.Url(payout.Id)))).WhyYouCannotApprove, StringComparison.Ordinal);
        Assert.Equal("Approved", (await HttpAssert.Ok<PayoutDto>(await PayoutWorld.StepAsync(Finance, payout.Id, "approve"))).State);

        // Nor do they record it as paid by check: whether it was paid at all would rest on them alone.
        var outside = await HttpAssert.Problem(await PayoutWorld.StepAsync(recorder.Client, payout.Id, "paid-outside", new { reference = "Check 4410" }), 403);
        Assert.Contains("recorded the attendance", outside.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal("Approved", (await _world.PayoutAsync(payout.Id)).State);
    }

    [Fact]
    public async Task Attendance_sent_again_unchanged_by_another_recruiter_still_keeps_its_recorder_from_approving_alone()
    {
        var (opportunity, payees) = await _world.AttendedAsync();
        await _world.PayeeReadyAsync(payees[0], stripe: false);
        var recorder = await _world.ApproverAsync(Roles.Recruiter);
        var url = $"/api/engagements/opportunities/{opportunity}/sessions/s1/attendance";
        var entries = new { entries = new[] { new { personId = payees[0].Id, outcome = "attended" } } };
        await HttpAssert.Ok<JsonElement>(await recorder.Client.PostJson(url, entries));
        await HttpAssert.Ok<JsonElement>(await _world.Recruiter.PostJson(url, entries));
        var payout = Assert.Single(await _world.PrepareAsync(opportunity));

        var refused = await HttpAssert.Problem(await PayoutWorld.StepAsync(recorder.Client, payout.Id, "approve"), 403);

        Assert.Contains("recorded the attendance", refused.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal("Pending", (await _world.PayoutAsync(payout.Id)).State);
    }

    [Fact]
    public async Task Whoever_set_what_the_work_pays_does_not_approve_its_payouts_alone_nor_record_them_paid()
    {
        var maker = await _world.ApproverAsync(Roles.Recruiter);
        var (opportunity, payees) = await _world.AttendedAsync(madeBy: maker.Client);
        await _world.PayeeReadyAsync(payees[0], stripe: false);
        var payout = Assert.Single(await _world.PrepareAsync(opportunity));

        var refused = await HttpAssert.Problem(await PayoutWorld.StepAsync(maker.Client, payout.Id, "approve"), 403);

        Assert.Contains("set what this work pays", refused.GetProperty("detail").GetString(), StringComparison.Ordinal);

        Assert.Contains("set what this work pays", (await HttpAssert.Ok<PayoutDto>(await maker.Client.GetAsync(PayoutWorld.Url(payout.Id)))).WhyYouCannotApprove, StringComparison.Ordinal);
        Assert.Equal("Pending", (await _world.PayoutAsync(payout.Id)).State);
        Assert.Equal("Approved", (await HttpAssert.Ok<PayoutDto>(await PayoutWorld.StepAsync(Finance, payout.Id, "approve"))).State);
        var outside = await HttpAssert.Problem(await PayoutWorld.StepAsync(maker.Client, payout.Id, "paid-outside", new { reference = "Check 4411" }), 403);
        Assert.Contains("set what this work pays", outside.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_payout_Stripe_cannot_be_asked_for_fails_alone_tells_finance_and_the_others_are_sent()
    {
        var (opportunity, payees) = await _world.AttendedAsync(people: 2);
        foreach (var payee in payees)
        {
            await _world.PayeeReadyAsync(payee, stripe: true);
        }

        var payouts = await _world.PrepareAsync(opportunity);
        foreach (var payout in payouts)
        {
            await HttpAssert.Ok<PayoutDto>(await PayoutWorld.StepAsync(Finance, payout.Id, "approve"));
        }

        // A payout recorded in fractions of a cent (by an older version, say) cannot be asked of Stripe.
        var broken = await api.Store.ReadAsync<Payout>(Payout.Container, payouts[0].Id, "demo", CancellationToken.None);
        await api.Store.ReplaceAsync(Payout.Container, broken! with { Total = 150.005m }, broken.ETag!, CancellationToken.None);

        await api.SendPayoutsAsync();

        var failed = await _world.PayoutAsync(payouts[0].Id);
        Assert.Equal(("Failed", SendPayoutHandler.NotPayable), (failed.State, failed.FailureCode));
        Assert.DoesNotContain(api.Stripe.Transfers, t => t["metadata"]!["payout_id"]!.GetValue<string>() == payouts[0].Id);
        Assert.Single(api.Stripe.Transfers, t => t["metadata"]!["payout_id"]!.GetValue<string>() == payouts[1].Id);
        var notices = await HttpAssert.Ok<JsonElement>(await Finance.GetAsync("/api/notifications"));
        Assert.Contains(notices.GetProperty("items").EnumerateArray(), n => n.GetProperty("kind").GetString() == "payout-failed");
        Assert.True((await HttpAssert.Ok<PayoutDto>(await Finance.GetAsync(PayoutWorld.Url(payouts[0].Id)))).MayCancel);

        // The payee now wants a check: it is not sent through Stripe again, to wait there for ever.
        await HttpAssert.Ok<JsonElement>(await payees.Single(p => p.Id == payouts[0].PayeeId).Client.PutAsJsonAsync("/api/payouts/me/method", new { method = "check" }));
        var retried = await HttpAssert.Problem(await PayoutWorld.StepAsync(Finance, payouts[0].Id, "retry"), 409);
        Assert.Contains("another way", retried.GetProperty("detail").GetString(), StringComparison.Ordinal);

        // Finance pays it another way, from the page that told them to: set aside first (the payee could choose Stripe again
        // and another approver send it), then recorded by another approver.
        var finance = await PortalSession.SignedInAsync(api, "demo-finance");
        var page = await finance.GetStringAsync("/finance");
        Assert.DoesNotContain($"outside-{payouts[0].Id}", page, StringComparison.Ordinal);
        var aside = await PortalSession.PostFormAsync(finance, "/finance", $"aside-{payouts[0].Id}", ("PayoutId", payouts[0].Id), ("Version", PortalSession.Hidden(page, "Version", after: $"aside-{payouts[0].Id}")));
        Assert.Contains("Set aside: Stripe will not send it.", aside, StringComparison.Ordinal);
        var recorder = await PortalSession.SignedInAsync(api, (await _world.ApproverAsync()).Id);
        page = await recorder.GetStringAsync("/finance");
        var paid = await PortalSession.PostFormAsync(recorder, "/finance", $"outside-{payouts[0].Id}", ("PayoutId", payouts[0].Id), ("Version", PortalSession.Hidden(page, "Version", after: $"outside-{payouts[0].Id}")), ("Reference", "Check 5120"), PaidOnAsShown(page));
        Assert.Contains("Recorded as paid.", paid, StringComparison.Ordinal);
        Assert.Equal("Paid", (await _world.PayoutAsync(payouts[0].Id)).State);
    }

    [Fact]
    public async Task Pay_is_set_in_US_dollars_whose_rates_the_calculator_follows()
    {
        var problem = await HttpAssert.Problem(await _world.Admin.PutSettingsAsync("/api/engagements/settings", new
        {
            currency = "EUR",
            kinds = new[] { new { key = "focus-group", name = "Focus group", benchmarkHourlyRate = 60m } },
        }), 400);

        Assert.Contains("US dollars", problem.GetProperty("errors").GetProperty("currency")[0].GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_bank_payout_cancelled_at_Stripe_shows_as_failed_so_finance_can_send_it_again()
    {
        var (payout, bank) = await SendingAsync();

        Assert.Equal(HttpStatusCode.OK, (await api.DeliverAsync(api.Stripe.EventJson("payout.canceled", bank, status: "canceled"))).StatusCode);

        var failed = await _world.PayoutAsync(payout);
        Assert.Equal(("Failed", "payout_canceled"), (failed.State, failed.FailureCode));
        var (_, another) = await _world.ApproverAsync();
        Assert.Equal("Approved", (await HttpAssert.Ok<PayoutDto>(await PayoutWorld.StepAsync(another, payout, "retry"))).State);
    }

    [Fact]
    public async Task A_payout_whose_transfer_went_through_is_neither_cancelled_nor_paid_another_way_but_sent_on_with_no_second_transfer()
    {
        var (payout, bank) = await SendingAsync();
        await api.DeliverAsync(api.Stripe.EventJson("payout.failed", bank, status: "failed", failureCode: "account_closed"));
        await HttpAssert.Problem(await PayoutWorld.StepAsync(Finance, payout, "paid-outside", new { reference = "Check 3001" }), 409);

        // Sent again, it waits as approved (for the payee's new bank details, say): the money is already theirs at Stripe.
        var again = await HttpAssert.Ok<PayoutDto>(await PayoutWorld.StepAsync(Finance, payout, "retry"));
        Assert.Equal("Approved", again.State);
        Assert.False(again.MayCancel);
        var cancel = await HttpAssert.Problem(await PayoutWorld.StepAsync(Finance, payout, "cancel"), 409);
        Assert.Contains("already in the payee's Stripe account", cancel.GetProperty("detail").GetString(), StringComparison.Ordinal);
        await HttpAssert.Problem(await PayoutWorld.StepAsync(Finance, payout, "paid-outside", new { reference = "Check 3001" }), 409);
        Assert.Equal("Approved", (await _world.PayoutAsync(payout)).State);

        await api.SendPayoutsAsync();

        Assert.Single(api.Stripe.Transfers, t => t["metadata"]!["payout_id"]!.GetValue<string>() == payout);
        Assert.Equal(2, api.Stripe.Payouts.Count(p => p["metadata"]!["payout_id"]!.GetValue<string>() == payout));
        Assert.Equal("Sending", (await _world.PayoutAsync(payout)).State);
    }

    [Fact]
    public async Task News_of_a_bank_payout_from_another_account_or_about_another_bank_payout_does_not_move_the_payout()
    {
        var (payout, bank) = await SendingAsync();
        var genuine = System.Text.Json.Nodes.JsonNode.Parse(api.Stripe.EventJson("payout.failed", bank, status: "failed", failureCode: "account_closed"))!;
        var otherAccount = genuine.DeepClone();
        otherAccount["id"] = "evt_other_account";
        otherAccount["account"] = "acct_someone_else";
        var otherBankPayout = genuine.DeepClone();
        otherBankPayout["id"] = "evt_other_bank_payout";
        otherBankPayout["data"]!["object"]!["id"] = "po_made_again_for_the_same_attempt";

        Assert.Equal(HttpStatusCode.OK, (await api.DeliverAsync(otherAccount.ToJsonString())).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await api.DeliverAsync(otherBankPayout.ToJsonString())).StatusCode);
        Assert.Equal("Sending", (await _world.PayoutAsync(payout)).State);

        await api.DeliverAsync(genuine.ToJsonString());
        Assert.Equal("Failed", (await _world.PayoutAsync(payout)).State);
    }

    [Fact]
    public async Task A_retry_the_sender_looks_at_before_it_is_saved_is_still_sent_once_saved()
    {
        var (payout, bank) = await SendingAsync();
        await api.DeliverAsync(api.Stripe.EventJson("payout.failed", bank, status: "failed", failureCode: "account_closed"));
        api.Store.BeforeBatch = async operations =>
        {
            if (operations.Any(o => o is BatchOperation.Replace { Document: Payout { Attempt: 2 } }))
            {
                api.Store.BeforeBatch = null;
                await api.SendPayoutsAsync();
            }
        };

        try
        {
            await HttpAssert.Ok<PayoutDto>(await PayoutWorld.StepAsync(Finance, payout, "retry"));
        }
        finally
        {
            api.Store.BeforeBatch = null;
        }

        api.Time.Advance(TimeSpan.FromMinutes(2));
        await api.SendPayoutsAsync();

        Assert.Equal("Sending", (await _world.PayoutAsync(payout)).State);
        Assert.Equal(2, api.Stripe.Payouts.Count(p => p["metadata"]!["payout_id"]!.GetValue<string>() == payout));
        Assert.Single(api.Stripe.Transfers, t => t["metadata"]!["payout_id"]!.GetValue<string>() == payout);
    }

    [Fact]
    public async Task A_transfer_reversed_after_its_payout_was_sent_again_is_reversed_here_and_no_bank_payout_follows()
    {
        var (payout, bank) = await SendingAsync();
        await api.DeliverAsync(api.Stripe.EventJson("payout.failed", bank, status: "failed", failureCode: "account_closed"));
        await HttpAssert.Ok<PayoutDto>(await PayoutWorld.StepAsync(Finance, payout, "retry"));
        var transfer = api.Stripe.Transfers.Single(t => t["metadata"]!["payout_id"]!.GetValue<string>() == payout)["id"]!.GetValue<string>();
        api.Stripe.ReverseTransfer(transfer);

        Assert.Equal(HttpStatusCode.OK, (await api.DeliverAsync(api.Stripe.EventJson("transfer.reversed", transfer))).StatusCode);
        await api.SendPayoutsAsync();

        Assert.Equal("Reversed", (await _world.PayoutAsync(payout)).State);
        Assert.Equal(1, api.Stripe.Payouts.Count(p => p["metadata"]!["payout_id"]!.GetValue<string>() == payout));
        var reconciliation = await HttpAssert.Ok<JsonElement>(await Finance.GetAsync("/api/payouts/reconciliation?stripe=true"));
        Assert.DoesNotContain(reconciliation.GetProperty("differences").EnumerateArray(), d => d.GetProperty("payoutId").GetString() == payout);
    }

    [Fact]
    public async Task A_payout_whose_transfer_Stripe_took_back_can_be_paid_by_check_and_late_news_of_that_transfer_moves_nothing()
    {
        var (payout, bank) = await SendingAsync();
        var transfer = await TakenBackAsync(payout, bank);

        var paid = await HttpAssert.Ok<PayoutDto>(await PayoutWorld.StepAsync(Finance, payout, "paid-outside", new { reference = "Check 81" }));
        api.Stripe.ReverseTransfer(transfer);
        await api.DeliverAsync(api.Stripe.EventJson("transfer.reversed", transfer));

        Assert.Equal("Paid", paid.State);
        Assert.Equal("Paid", (await _world.PayoutAsync(payout)).State);
        var reconciliation = await HttpAssert.Ok<JsonElement>(await Finance.GetAsync("/api/payouts/reconciliation?stripe=true"));
        Assert.DoesNotContain(reconciliation.GetProperty("differences").EnumerateArray(), d => d.GetProperty("payoutId").GetString() == payout);
    }

    [Fact]
    public async Task A_payout_whose_transfer_Stripe_took_back_can_be_cancelled_and_its_claim_paid_again()
    {
        var (opportunity, _, payout, bank) = await SendingWithItsWorkAsync();
        await TakenBackAsync(payout, bank);

        Assert.Equal("Cancelled", (await HttpAssert.Ok<PayoutDto>(await PayoutWorld.StepAsync(Finance, payout, "cancel"))).State);

        var again = Assert.Single(await _world.PrepareAsync(opportunity));
        Assert.Equal((payout, "Pending"), (again.Id, again.State));
        await HttpAssert.Ok<PayoutDto>(await PayoutWorld.StepAsync(Finance, payout, "approve"));
        await api.SendPayoutsAsync();

        Assert.Equal("Sending", (await _world.PayoutAsync(payout)).State);
        var transfers = api.Stripe.Transfers.Where(t => t["metadata"]!["payout_id"]!.GetValue<string>() == payout).ToList();
        Assert.Equal(2, transfers.Count);
        var reconciliation = await HttpAssert.Ok<JsonElement>(await Finance.GetAsync("/api/payouts/reconciliation?stripe=true"));
        Assert.DoesNotContain(reconciliation.GetProperty("differences").EnumerateArray(), d => d.GetProperty("payoutId").GetString() == payout);
    }

    [Fact]
    public async Task A_payout_paid_then_taken_back_and_paid_by_check_books_the_check_and_tells_the_payee_again()
    {
        var (_, payees, payout, bank) = await SendingWithItsWorkAsync();
        await api.DeliverAsync(api.Stripe.EventJson("payout.paid", bank, status: "paid"));
        Assert.Equal("Paid", (await _world.PayoutAsync(payout)).State);
        await TakenBackAsync(payout, bank, bankFailed: false);

        Assert.Equal("Paid", (await HttpAssert.Ok<PayoutDto>(await PayoutWorld.StepAsync(Finance, payout, "paid-outside", new { reference = "Check 82" }))).State);

        var reconciliation = await HttpAssert.Ok<JsonElement>(await Finance.GetAsync("/api/payouts/reconciliation?stripe=true"));
        Assert.DoesNotContain(reconciliation.GetProperty("differences").EnumerateArray(), d => d.GetProperty("payoutId").GetString() == payout);
        var told = (await HttpAssert.Ok<JsonElement>(await payees[0].Client.GetAsync("/api/notifications"))).GetProperty("items").EnumerateArray().Count(n => n.GetProperty("kind").GetString() == "payout-sent");
        Assert.Equal(2, told);
    }

    /// <summary>The platform takes the whole transfer back from the payee's Stripe account (after their bank returned the money, unless told otherwise).</summary>
    private async Task<string> TakenBackAsync(string payout, string bank, bool bankFailed = true)
    {
        if (bankFailed)
        {
            await api.DeliverAsync(api.Stripe.EventJson("payout.failed", bank, status: "failed", failureCode: "account_closed"));
        }

        var transfer = api.Stripe.Transfers.Single(t => t["metadata"]!["payout_id"]!.GetValue<string>() == payout)["id"]!.GetValue<string>();
        api.Stripe.ReverseTransfer(transfer);
        await api.DeliverAsync(api.Stripe.EventJson("transfer.reversed", transfer));
        Assert.Equal("Reversed", (await _world.PayoutAsync(payout)).State);
        return transfer;
    }

    [Fact]
    public async Task A_transfer_reversed_before_its_send_recorded_it_is_asked_for_again_and_then_reverses_the_payout()
    {
        var (opportunity, payees) = await _world.AttendedAsync();
        await _world.PayeeReadyAsync(payees[0], stripe: true);
        var payout = Assert.Single(await _world.PrepareAsync(opportunity));
        await HttpAssert.Ok<PayoutDto>(await PayoutWorld.StepAsync(Finance, payout.Id, "approve"));
        // Made at Stripe, and every answer saying so lost: the send does not know its transfer yet.
        api.Stripe.LoseNextResponse("/v1/transfers");
        api.Stripe.FailNext("/v1/transfers");
        api.Stripe.FailNext("/v1/transfers");
        await api.SendPayoutsAsync();
        var transfer = api.Stripe.Transfers.Single(t => t["metadata"]!["payout_id"]!.GetValue<string>() == payout.Id)["id"]!.GetValue<string>();
        api.Stripe.ReverseTransfer(transfer);
        var reversed = api.Stripe.EventJson("transfer.reversed", transfer);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await api.DeliverAsync(reversed)).StatusCode);
        Assert.Equal("Sending", (await _world.PayoutAsync(payout.Id)).State);
        api.Time.Advance(TimeSpan.FromMinutes(3));
        await api.SendPayoutsAsync();

        Assert.Equal(HttpStatusCode.OK, (await api.DeliverAsync(reversed)).StatusCode);
        Assert.Equal("Reversed", (await _world.PayoutAsync(payout.Id)).State);
    }

    [Fact]
    public async Task A_lost_answer_after_Stripe_made_the_transfer_is_retried_with_the_same_key_and_makes_one_transfer()
    {
        var (opportunity, payees) = await _world.AttendedAsync();
        await _world.PayeeReadyAsync(payees[0], stripe: true);
        var payout = Assert.Single(await _world.PrepareAsync(opportunity));
        await HttpAssert.Ok<PayoutDto>(await PayoutWorld.StepAsync(Finance, payout.Id, "approve"));
        api.Stripe.LoseNextResponse("/v1/transfers");

        await api.SendPayoutsAsync();

        Assert.Single(api.Stripe.Transfers, t => t["metadata"]!["payout_id"]!.GetValue<string>() == payout.Id);
        Assert.True(api.Stripe.Requests.Count(r => r == "POST /v1/transfers") >= 2);
        Assert.Single(api.Stripe.Payouts, p => p["metadata"]!["payout_id"]!.GetValue<string>() == payout.Id);
    }

    [Fact]
    public async Task News_from_Stripe_that_moves_nothing_leaves_the_payout_as_finance_last_saw_it()
    {
        var (payout, bankPayout) = await SendingAsync();
        Assert.Equal(HttpStatusCode.OK, (await api.DeliverAsync(api.Stripe.EventJson("payout.paid", bankPayout, status: "paid"), secret: FakeStripe.ConnectWebhookSecret)).StatusCode);
        async Task<string?> VersionAsync() => (await HttpAssert.Ok<JsonElement>(await Finance.GetAsync(PayoutWorld.Url(payout)))).GetProperty("version").GetString();
        var seen = await VersionAsync();

        // The same news again under a new event id, as Stripe may send it.
        Assert.Equal(HttpStatusCode.OK, (await api.DeliverAsync(api.Stripe.EventJson("payout.paid", bankPayout, status: "paid"), secret: FakeStripe.ConnectWebhookSecret)).StatusCode);

        Assert.Equal(seen, await VersionAsync());
        Assert.Equal("Paid", (await _world.PayoutAsync(payout)).State);
    }

    [Fact]
    public async Task A_bad_missing_stale_or_tampered_signature_is_refused_and_changes_nothing_and_either_endpoint_s_secret_is_accepted()
    {
        var (payout, bankPayout) = await SendingAsync();
        var paid = api.Stripe.EventJson("payout.paid", bankPayout, status: "paid");
        using var unsigned = new HttpRequestMessage(HttpMethod.Post, "/webhooks/stripe") { Content = new StringContent(paid) };

        await HttpAssert.Problem(await api.Anonymous().SendAsync(unsigned), 400);
        await HttpAssert.Problem(await api.DeliverAsync(paid, secret: "whsec_someone_else"), 400);
        await HttpAssert.Problem(await api.DeliverAsync(paid, signedAt: api.Time.GetUtcNow().AddMinutes(-10)), 400);
        using var tampered = new HttpRequestMessage(HttpMethod.Post, "/webhooks/stripe")
        {
            Content = new StringContent(paid.Replace("\"paid\"", "\"failed\"", StringComparison.Ordinal)),
        };
        tampered.Headers.TryAddWithoutValidation("Stripe-Signature", FakeStripe.Sign(paid, api.Time.GetUtcNow()));
        await HttpAssert.Problem(await api.Anonymous().SendAsync(tampered), 400);
        Assert.Equal("Sending", (await _world.PayoutAsync(payout)).State);

        // Connected accounts' events come from a second endpoint with its own secret.
        Assert.Equal(HttpStatusCode.OK, (await api.DeliverAsync(paid, secret: FakeStripe.ConnectWebhookSecret)).StatusCode);
        Assert.Equal("Paid", (await _world.PayoutAsync(payout)).State);
    }

    [Fact]
    public async Task An_event_larger_than_a_person_may_send_is_taken_from_Stripe_up_to_the_webhook_s_own_limit()
    {
        var (payout, bankPayout) = await SendingAsync();
        var paid = api.Stripe.EventJson("payout.paid", bankPayout, status: "paid");

        await HttpAssert.Problem(await api.DeliverAsync(paid + new string(' ', 300 * 1024), secret: FakeStripe.ConnectWebhookSecret), 413);
        Assert.Equal("Sending", (await _world.PayoutAsync(payout)).State);
        Assert.Equal(HttpStatusCode.OK, (await api.DeliverAsync(paid + new string(' ', 100 * 1024), secret: FakeStripe.ConnectWebhookSecret)).StatusCode);
        Assert.Equal("Paid", (await _world.PayoutAsync(payout)).State);
    }

    [Fact]
    public async Task Account_news_arriving_late_and_out_of_order_leaves_the_payee_as_Stripe_has_them_now()
    {
        var (_, payees) = await _world.AttendedAsync();
        var account = (await _world.PayeeReadyAsync(payees[0], stripe: true))!;
        var ready = api.Stripe.EventJson("account.updated", account);
        api.Stripe.SetPayoutsEnabled(account, false);
        var notReady = api.Stripe.EventJson("account.updated", account);

        Assert.Equal(HttpStatusCode.OK, (await api.DeliverAsync(notReady, secret: FakeStripe.ConnectWebhookSecret)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await api.DeliverAsync(ready, secret: FakeStripe.ConnectWebhookSecret)).StatusCode);

        var me = await HttpAssert.Ok<JsonElement>(await payees[0].Client.GetAsync("/api/payouts/me"));
        Assert.False(me.GetProperty("account").GetProperty("stripeReady").GetBoolean());

        // While Stripe cannot be asked, the news is refused for Stripe to send again (Stripe.net tries three times).
        var asked = api.Stripe.Requests.Count(r => r == $"GET /v1/accounts/{account}");
        api.Stripe.FailNext("/v1/accounts/");
        api.Stripe.FailNext("/v1/accounts/");
        api.Stripe.FailNext("/v1/accounts/");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await api.DeliverAsync(ready, secret: FakeStripe.ConnectWebhookSecret)).StatusCode);
        Assert.Equal(asked + 3, api.Stripe.Requests.Count(r => r == $"GET /v1/accounts/{account}"));
    }

    [Fact]
    public async Task Account_news_Stripe_then_refuses_to_explain_is_acknowledged_once_and_changes_nothing()
    {
        var (_, payees) = await _world.AttendedAsync();
        var account = (await _world.PayeeReadyAsync(payees[0], stripe: true))!;
        api.Stripe.SetPayoutsEnabled(account, false);
        var notReady = api.Stripe.EventJson("account.updated", account);
        var asked = api.Stripe.Requests.Count(r => r == $"GET /v1/accounts/{account}");
        api.Stripe.RefuseNextLookup("/v1/accounts/");

        Assert.Equal(HttpStatusCode.OK, (await api.DeliverAsync(notReady, secret: FakeStripe.ConnectWebhookSecret)).StatusCode);

        Assert.Equal(asked + 1, api.Stripe.Requests.Count(r => r == $"GET /v1/accounts/{account}"));
        var me = await HttpAssert.Ok<JsonElement>(await payees[0].Client.GetAsync("/api/payouts/me"));
        Assert.True(me.GetProperty("account").GetProperty("stripeReady").GetBoolean());

        // Our own key refused is put right by an operator: the news is refused for Stripe to send again, not lost.
        api.Stripe.RefuseKeyNext("/v1/accounts/");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await api.DeliverAsync(notReady, secret: FakeStripe.ConnectWebhookSecret)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await api.DeliverAsync(notReady, secret: FakeStripe.ConnectWebhookSecret)).StatusCode);
        me = await HttpAssert.Ok<JsonElement>(await payees[0].Client.GetAsync("/api/payouts/me"));
        Assert.False(me.GetProperty("account").GetProperty("stripeReady").GetBoolean());
    }

    [Fact]
    public async Task Five_deliveries_of_one_event_at_once_pay_once()
    {
        var (payout, bankPayout) = await SendingAsync();
        var paid = api.Stripe.EventJson("payout.paid", bankPayout, status: "paid");

        var answers = await Task.WhenAll(Enumerable.Range(0, 5).Select(_ => api.DeliverAsync(paid)));

        Assert.All(answers, a => Assert.Equal(HttpStatusCode.OK, a.StatusCode));
        Assert.Equal("Paid", (await _world.PayoutAsync(payout)).State);
        var reconciliation = await HttpAssert.Ok<JsonElement>(await Finance.GetAsync("/api/payouts/reconciliation"));
        Assert.DoesNotContain(reconciliation.GetProperty("differences").EnumerateArray(), d => d.GetProperty("payoutId").GetString() == payout);
        var payee = (await _world.PayoutAsync(payout)).PayeeId;
        var notices = await HttpAssert.Ok<JsonElement>(await api.AsSubject(payee, "demo").GetAsync("/api/notifications"));
        Assert.Single(notices.GetProperty("items").EnumerateArray(), n => n.GetProperty("kind").GetString() == "payout-sent");
    }

    [Fact]
    public async Task Events_out_of_order_reach_the_right_end()
    {
        var (first, firstBank) = await SendingAsync();
        var (second, secondBank) = await SendingAsync();

        // Failed, then a late "paid": it stays failed. Paid, then the bank returns it: failed, and the ledger takes it back.
        await api.DeliverAsync(api.Stripe.EventJson("payout.failed", firstBank, status: "failed", failureCode: "account_closed"));
        await api.DeliverAsync(api.Stripe.EventJson("payout.paid", firstBank, status: "paid"));
        await api.DeliverAsync(api.Stripe.EventJson("payout.paid", secondBank, status: "paid"));
        await api.DeliverAsync(api.Stripe.EventJson("payout.failed", secondBank, status: "failed", failureCode: "account_closed"));

        var one = await _world.PayoutAsync(first);
        var two = await _world.PayoutAsync(second);
        Assert.Equal(("Failed", "account_closed"), (one.State, one.FailureCode));
        Assert.Equal(("Failed", "account_closed"), (two.State, two.FailureCode));
        var reconciliation = await HttpAssert.Ok<JsonElement>(await Finance.GetAsync("/api/payouts/reconciliation"));
        Assert.DoesNotContain(reconciliation.GetProperty("differences").EnumerateArray(), d => d.GetProperty("payoutId").GetString() is var id && (id == first || id == second) && !d.GetProperty("what").GetString()!.Contains("Stripe", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_webhook_about_a_transfer_we_never_made_is_acknowledged_and_changes_nothing()
    {
        var (payout, _) = await SendingAsync();
        var stranger = api.Stripe.EventJson("payout.paid", api.Stripe.Payouts[0]["id"]!.GetValue<string>(), status: "paid")
            .Replace("\"payout_id\":\"", "\"payout_id\":\"payout~nothing", StringComparison.Ordinal);

        Assert.Equal(HttpStatusCode.OK, (await api.DeliverAsync(stranger)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await api.DeliverAsync("""{"id":"evt_x","object":"event","type":"charge.succeeded","api_version":"2020-08-27","created":1,"data":{"object":{"id":"ch_1","object":"charge"}}}""")).StatusCode);
        Assert.Equal("Sending", (await _world.PayoutAsync(payout)).State);
    }

    [Fact]
    public async Task A_reversal_Stripe_made_shows_in_the_reconciliation_until_its_event_arrives()
    {
        var (payout, bankPayout) = await SendingAsync();
        await api.DeliverAsync(api.Stripe.EventJson("payout.paid", bankPayout, status: "paid"));
        var transfer = api.Stripe.Transfers.Single(t => t["metadata"]!["payout_id"]!.GetValue<string>() == payout)["id"]!.GetValue<string>();
        api.Stripe.ReverseTransfer(transfer);

        Assert.DoesNotContain((await HttpAssert.Ok<JsonElement>(await Finance.GetAsync("/api/payouts/reconciliation"))).GetProperty("differences").EnumerateArray(),
            d => d.GetProperty("payoutId").GetString() == payout);
        var before = await HttpAssert.Ok<JsonElement>(await Finance.GetAsync("/api/payouts/reconciliation?stripe=true"));
        Assert.Contains(before.GetProperty("differences").EnumerateArray(), d => d.GetProperty("payoutId").GetString() == payout && d.GetProperty("what").GetString()!.Contains("reversed", StringComparison.Ordinal));

        await api.DeliverAsync(api.Stripe.EventJson("transfer.reversed", transfer));

        Assert.Equal("Reversed", (await _world.PayoutAsync(payout)).State);
        var after = await HttpAssert.Ok<JsonElement>(await Finance.GetAsync("/api/payouts/reconciliation?stripe=true"));
        Assert.DoesNotContain(after.GetProperty("differences").EnumerateArray(), d => d.GetProperty("payoutId").GetString() == payout);
    }

    [Fact]
    public async Task Stripe_news_for_another_amount_or_part_of_a_transfer_moves_nothing_and_the_reconciliation_says_so()
    {
        var (payout, bankPayout) = await SendingAsync();
        var wrongAmount = api.Stripe.EventJson("payout.paid", bankPayout, status: "paid").Replace("\"amount\":", "\"amount\":1", StringComparison.Ordinal);

        Assert.Equal(HttpStatusCode.OK, (await api.DeliverAsync(wrongAmount)).StatusCode);
        Assert.Equal("Sending", (await _world.PayoutAsync(payout)).State);

        await api.DeliverAsync(api.Stripe.EventJson("payout.paid", bankPayout, status: "paid"));
        var transfer = api.Stripe.Transfers.Single(t => t["metadata"]!["payout_id"]!.GetValue<string>() == payout)["id"]!.GetValue<string>();
        api.Stripe.ReverseTransfer(transfer, amount: 500);
        Assert.Equal(HttpStatusCode.OK, (await api.DeliverAsync(api.Stripe.EventJson("transfer.reversed", transfer))).StatusCode);

        Assert.Equal("Paid", (await _world.PayoutAsync(payout)).State);
        var reconciliation = await HttpAssert.Ok<JsonElement>(await Finance.GetAsync("/api/payouts/reconciliation?stripe=true"));
        Assert.Contains(reconciliation.GetProperty("differences").EnumerateArray(), d => d.GetProperty("payoutId").GetString() == payout && d.GetProperty("what").GetString()!.Contains("part of this transfer", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_payee_sees_the_money_but_not_who_in_finance_handled_it_and_is_told_when_a_check_is_recorded()
    {
        var (opportunity, payees) = await _world.AttendedAsync();
        await _world.PayeeReadyAsync(payees[0], stripe: false);
        var payout = Assert.Single(await _world.PrepareAsync(opportunity));
        await HttpAssert.Ok<PayoutDto>(await PayoutWorld.StepAsync(Finance, payout.Id, "approve"));
        await HttpAssert.Ok<PayoutDto>(await PayoutWorld.StepAsync(Finance, payout.Id, "paid-outside", new { reference = "Check 77" }));

        var mine = (await HttpAssert.Ok<JsonElement>(await payees[0].Client.GetAsync("/api/payouts/me"))).GetProperty("payouts")[0];
        Assert.Equal("", mine.GetProperty("createdBy").GetString());
        Assert.Equal(0, mine.GetProperty("approvals").GetArrayLength());
        Assert.Equal(JsonValueKind.Null, mine.GetProperty("whyYouCannotApprove").ValueKind);
        var notices = await HttpAssert.Ok<JsonElement>(await payees[0].Client.GetAsync("/api/notifications"));
        Assert.Contains(notices.GetProperty("items").EnumerateArray(), n => n.GetProperty("kind").GetString() == "payout-sent");
    }

    [Fact]
    public async Task The_fake_Stripe_keeps_Stripe_s_idempotency_rules()
    {
        var account = api.Stripe.ReadyAccount("demo", "idempotency-" + Guid.NewGuid().ToString("N")[..6]);
        var client = new Stripe.StripeClient(new Stripe.StripeClientOptions { ApiKey = FakeStripe.SecretKey, ApiBase = api.Stripe.ApiBase });
        var key = new Stripe.RequestOptions { IdempotencyKey = "payout~x~" + Guid.NewGuid().ToString("N") };
        Stripe.TransferCreateOptions Transfer(long amount) => new() { Amount = amount, Currency = "usd", Destination = account, Metadata = new() { ["payout_id"] = "not-a-payout" } };

        var first = await client.V1.Transfers.CreateAsync(Transfer(1000), key);
        var again = await client.V1.Transfers.CreateAsync(Transfer(1000), key);
        var changed = await Assert.ThrowsAsync<Stripe.StripeException>(() => client.V1.Transfers.CreateAsync(Transfer(2000), key));

        Assert.Equal(first.Id, again.Id);
        Assert.Equal("idempotency_error", changed.StripeError.Type);
        Assert.Single(api.Stripe.Transfers, t => t["destination"]!.GetValue<string>() == account);
    }

    [Fact]
    public async Task Bad_input_is_a_clear_4xx_and_changes_no_money()
    {
        var (opportunity, payees) = await _world.AttendedAsync();
        var travel = $"/api/engagements/opportunities/{opportunity}/sessions/s1/travel";
        var client = payees[0].Client;

        var negative = await HttpAssert.Problem(await client.PutAsJsonAsync(travel, new { miles = -3m }), 400);
        Assert.True(negative.GetProperty("errors").TryGetProperty("miles", out _));
        var overCap = await HttpAssert.Problem(await client.PutAsJsonAsync(travel, new { costs = new[] { new { description = "Taxi", amount = 80m }, new { description = "Hotel parking", amount = 40m } } }), 400);
        Assert.Contains("up to 100.00", overCap.GetProperty("errors").GetProperty("costs")[0].GetString(), StringComparison.Ordinal);
        await HttpAssert.Problem(await client.PutAsJsonAsync(travel, new { lodging = 90m, travelDays = 1 }), 400);
        await HttpAssert.Problem(await client.PutAsJsonAsync(travel, new { lodging = -1m, travelDays = 2 }), 400);

        var (virtualOne, virtualPayees) = await _world.AttendedAsync(inPerson: false);
        await HttpAssert.Problem(await virtualPayees[0].Client.PutAsJsonAsync($"/api/engagements/opportunities/{virtualOne}/sessions/s1/travel", new { travelDays = 1 }), 409);

        await HttpAssert.Problem(await Finance.PostJson("/api/payouts", new { }), 400);
        await HttpAssert.Problem(await Finance.PostJson("/api/payouts", new { opportunityId = "not-an-opportunity" }), 404);
        await HttpAssert.Problem(await PayoutWorld.StepAsync(Finance, "payout~a~b~c", "paid-outside", new { reference = "" }), 400);
        await HttpAssert.Problem(await Finance.GetAsync("/api/payouts?state=lost"), 400);
        await HttpAssert.Problem(await Finance.GetAsync("/api/payouts/totals?year=1066"), 400);
        await HttpAssert.Problem(await api.As("demo-admin").PutSettingsAsync("/api/payouts/settings", new { twoApproverThreshold = -5m }), 400);
        await HttpAssert.Problem(await payees[0].Client.PutAsJsonAsync("/api/payouts/me/method", new { method = "cash-in-an-envelope" }), 400);
        Assert.Empty((await HttpAssert.Ok<PageDto<PayoutDto>>(await Finance.GetAsync($"/api/payouts?payeeId={payees[0].Id}"))).Items);
    }

    [Fact]
    public async Task Travel_saved_without_lodging_is_corrected_as_the_page_sends_it_back_with_lodging_0()
    {
        var (opportunity, payees) = await _world.AttendedAsync();
        var travel = $"/api/engagements/opportunities/{opportunity}/sessions/s1/travel";
        var client = payees[0].Client;
        await HttpAssert.Ok<JsonElement>(await client.PutAsJsonAsync(travel, new { miles = 10m, travelDays = 1 }));

        var corrected = await HttpAssert.Ok<JsonElement>(await client.PutAsJsonAsync(travel, new { miles = 12m, travelDays = 1, lodging = 0m }));

        Assert.Equal(12m, corrected.GetProperty("travel").GetProperty("miles").GetDecimal());
    }

    [Fact]
    public async Task A_payout_policy_saved_from_a_page_made_before_another_save_is_refused()
    {
        var admin = api.As("demo-admin");
        var read = await HttpAssert.Ok<JsonElement>(await admin.GetAsync("/api/payouts/settings"));
        var threshold = read.GetProperty("twoApproverThreshold").GetDecimal();
        var rates = read.GetProperty("locationRates").EnumerateArray().Select(r => new
        {
            location = r.GetProperty("location").GetString(), from = r.GetProperty("from").GetString(),
            mealsAndIncidentals = r.GetProperty("mealsAndIncidentals").GetDecimal(), lodging = r.GetProperty("lodging").GetDecimal(),
        }).ToArray();
        Task<HttpResponseMessage> SaveAsync(string? version, decimal amount) =>
            admin.PutJson("/api/payouts/settings", new { twoApproverThreshold = amount, locationRates = rates }, version);
        var first = (await HttpAssert.Ok<JsonElement>(await SaveAsync(read.GetProperty("version").GetString(), threshold + 1))).GetProperty("version").GetString()!;

        var saved = await HttpAssert.Ok<JsonElement>(await SaveAsync(first, threshold + 2));
        await HttpAssert.Problem(await SaveAsync(first, threshold + 3), 412);
        // Once there are settings, a save names the version it was made from: one sent without would switch another admin's back.
        await HttpAssert.Problem(await SaveAsync(null, threshold + 3), 428);
        // The same policy sent again from the older page (after telling the others failed) changes nothing: answered as saved.
        await HttpAssert.Ok<JsonElement>(await SaveAsync(first, threshold + 2));
        await HttpAssert.Ok<JsonElement>(await SaveAsync(saved.GetProperty("version").GetString()!, threshold));
    }

    [Fact]
    public async Task A_payout_policy_page_refused_for_another_admin_s_save_shows_what_they_saved_so_saving_again_keeps_it()
    {
        var admin = api.As("demo-admin");
        var portal = await PortalSession.SignedInAsync(api, "demo-admin");
        var version = PortalSession.Hidden(await portal.GetStringAsync("/payout-policy"), "Version");
        var read = await HttpAssert.Ok<JsonElement>(await admin.GetAsync("/api/payouts/settings"));
        var saved = await HttpAssert.Ok<JsonElement>(await admin.PutJson("/api/payouts/settings", new
        {
            twoApproverThreshold = read.GetProperty("twoApproverThreshold").GetDecimal(),
            locationRates = new[] { new { location = "Testville, ZZ", from = "2026-01-01", mealsAndIncidentals = 91m, lodging = 201m } },
        }, read.GetProperty("version").GetString()));

        var refused = await PortalSession.PostFormAsync(portal, "/payout-policy", "policy",
            ("Version", version), ("Threshold", "500"), ("Locations", ""), ("Froms", ""), ("Meals", ""), ("Lodgings", ""));

        Assert.Contains("Someone else changed this", refused, StringComparison.Ordinal);
        Assert.Contains("value=\"Testville, ZZ\"", refused, StringComparison.Ordinal);
        Assert.Equal(saved.GetProperty("version").GetString(), PortalSession.Hidden(refused, "Version"));
    }

    [Fact]
    public async Task A_payout_approved_for_Stripe_before_the_payee_set_it_up_is_set_aside_then_paid_another_way_and_never_sent_too()
    {
        var (opportunity, payees) = await _world.AttendedAsync();
        var account = await _world.PayeeOnboardingAsync(payees[0]);
        var payout = Assert.Single(await _world.PrepareAsync(opportunity));
        Assert.Equal("Approved", (await HttpAssert.Ok<PayoutDto>(await PayoutWorld.StepAsync(Finance, payout.Id, "approve"))).State);
        var finance = await PortalSession.SignedInAsync(api, "demo-finance");

        var page = await finance.GetStringAsync("/finance");
        Assert.Contains("Nothing has reached Stripe yet", page, StringComparison.Ordinal);
        Assert.DoesNotContain($"outside-{payout.Id}", page, StringComparison.Ordinal);
        var refused = await HttpAssert.Problem(await PayoutWorld.StepAsync(Finance, payout.Id, "paid-outside", new { reference = "Check 4410" }), 409);
        Assert.Equal(PayoutRules.SetAsideFirst, refused.GetProperty("detail").GetString());
        var aside = await PortalSession.PostFormAsync(finance, "/finance", $"aside-{payout.Id}", ("PayoutId", payout.Id), ("Version", PortalSession.Hidden(page, "Version", after: $"aside-{payout.Id}")));
        Assert.Contains("Set aside: Stripe will not send it.", aside, StringComparison.Ordinal);

        // The payee finishes setting up Stripe while the check is written: the sender leaves the payout alone.
        api.Stripe.SetPayoutsEnabled(account, true);
        await HttpAssert.Ok<JsonElement>(await payees[0].Client.PostAsync("/api/payouts/me/stripe-status", null));
        await api.SendPayoutsAsync();
        Assert.DoesNotContain(api.Stripe.Transfers, t => t["metadata"]!["payout_id"]!.GetValue<string>() == payout.Id);
        // Whoever set it aside chose how it is paid: another approver says it was.
        Assert.Contains("You set this payout aside to pay another way: another finance approver must record its payment.", await finance.GetStringAsync("/finance"), StringComparison.Ordinal);
        var recorder = await PortalSession.SignedInAsync(api, (await _world.ApproverAsync()).Id);
        var tooLong = "Check 4410 " + new string('x', 95);
        var recorderPage = await recorder.GetStringAsync("/finance");
        var shown = PortalSession.Hidden(recorderPage, "Version", after: $"outside-{payout.Id}");
        var refused2 = await PortalSession.PostFormAsync(recorder, "/finance", $"outside-{payout.Id}", ("PayoutId", payout.Id), ("Version", shown), ("Reference", tooLong), PaidOnAsShown(recorderPage));
        var noDay = await PortalSession.PostFormAsync(recorder, "/finance", $"outside-{payout.Id}", ("PayoutId", payout.Id), ("Version", shown), ("Reference", "Check 4410"));
        var paid = await PortalSession.PostFormAsync(recorder, "/finance", $"outside-{payout.Id}", ("PayoutId", payout.Id), ("Version", shown), ("Reference", "Check 4410"), PaidOnAsShown(recorderPage));

        Assert.Contains($"value=\"{tooLong}\"", refused2, StringComparison.Ordinal);
        Assert.Contains("The day it was mailed or handed over", noDay, StringComparison.Ordinal);
        Assert.Contains("Recorded as paid.", paid, StringComparison.Ordinal);
        var recorded = await _world.PayoutAsync(payout.Id);
        Assert.Equal("Paid", recorded.State);
        await api.SendPayoutsAsync();
        Assert.DoesNotContain(api.Stripe.Transfers, t => t["metadata"]!["payout_id"]!.GetValue<string>() == payout.Id);
        Assert.Equal("Paid", (await _world.PayoutAsync(payout.Id)).State);
        var reconciled = await PortalSession.PostFormAsync(finance, "/finance", "reconcile", ("CheckStripe", "true"));
        Assert.Contains("Each transfer was checked with Stripe.", reconciled, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_payout_another_preparer_made_from_the_claim_before_its_travel_is_worked_out_again_with_it()
    {
        var (opportunity, payees) = await _world.AttendedAsync();
        await HttpAssert.Ok<JsonElement>(await payees[0].Client.PutAsJsonAsync($"/api/engagements/opportunities/{opportunity}/sessions/s1/travel", new { miles = 20m }));
        await _world.PayeeReadyAsync(payees[0], stripe: false);
        var store = api.Services.GetRequiredService<IDocumentStore>();

        // Just before this preparation writes the payout, another one (which read the claim before its miles) writes it first.
        api.Store.WhileCreating = async document =>
        {
            if (document is Payout payout)
            {
                api.Store.WhileCreating = null;
                await store.CreateAsync(PayoutData.Container, payout with
                {
                    Lines = payout.Lines.Take(1).ToList(), Reimbursement = 0m, Total = payout.Compensation, ClaimETag = "\"before-the-miles\"",
                }, CancellationToken.None);
            }
        };
        try
        {
            await _world.PrepareAsync(opportunity);
        }
        finally
        {
            api.Store.WhileCreating = null;
        }

        var prepared = Assert.Single((await HttpAssert.PagesAsync<PayoutDto>(Finance, $"/api/payouts?state=pending&pageSize=100")).SelectMany(p => p.Items), p => p.OpportunityId == opportunity);
        Assert.Equal(14.50m, prepared.Reimbursement);
        Assert.Equal(["Stipend", "Mileage"], prepared.Lines.Select(l => l.GetProperty("kind").GetString()));
        Assert.Equal("Approved", (await HttpAssert.Ok<PayoutDto>(await PayoutWorld.StepAsync(Finance, prepared.Id, "approve"))).State);
    }

    [Fact]
    public async Task A_preparation_that_read_the_claim_before_its_travel_does_not_overwrite_the_payout_another_made_from_it_after()
    {
        var (opportunity, payees) = await _world.AttendedAsync();
        await _world.PayeeReadyAsync(payees[0], stripe: false);

        // Just before this preparation writes its payout (from the claim without miles), miles are added and another
        // preparation sends the claim to finance with them.
        api.Store.WhileCreating = async document =>
        {
            if (document is Payout)
            {
                api.Store.WhileCreating = null;
                await HttpAssert.Ok<JsonElement>(await payees[0].Client.PutAsJsonAsync($"/api/engagements/opportunities/{opportunity}/sessions/s1/travel", new { miles = 20m }));
                await _world.PrepareAsync(opportunity);
            }
        };
        HttpResponseMessage first;
        try
        {
            first = await _world.Recruiter.PostJson("/api/payouts", new { opportunityId = opportunity });
        }
        finally
        {
            api.Store.WhileCreating = null;
        }

        Assert.Contains("Someone else sent these claims to finance", (await HttpAssert.Problem(first, 409)).GetProperty("detail").GetString(), StringComparison.Ordinal);
        var payout = Assert.Single((await HttpAssert.PagesAsync<PayoutDto>(Finance, "/api/payouts?state=pending&pageSize=100")).SelectMany(p => p.Items), p => p.OpportunityId == opportunity);
        Assert.Equal(14.50m, payout.Reimbursement);
    }

    [Fact]
    public async Task Receipts_filed_under_the_agency_s_cap_are_paid_back_whole_though_the_cap_is_lowered_before_the_payout()
    {
        var (opportunity, payees) = await _world.AttendedAsync();
        await _world.PayeeReadyAsync(payees[0], stripe: false);
        await HttpAssert.Ok<JsonElement>(await payees[0].Client.PutAsJsonAsync($"/api/engagements/opportunities/{opportunity}/sessions/s1/travel", new
        {
            costs = new[] { new { description = "Train ticket", amount = 95m } },
        }));
        await SetReceiptCapAsync(40m);
        try
        {
            var payout = Assert.Single(await _world.PrepareAsync(opportunity));

            Assert.Equal(95m, payout.Reimbursement);

            // Filed now, the same receipts are over the lowered cap.
            var (later, laterPayees) = await _world.AttendedAsync();
            await HttpAssert.Problem(await laterPayees[0].Client.PutAsJsonAsync($"/api/engagements/opportunities/{later}/sessions/s1/travel", new
            {
                costs = new[] { new { description = "Train ticket", amount = 95m } },
            }), 400);
        }
        finally
        {
            await SetReceiptCapAsync(EngagementSettings.DefaultReceiptCap);
        }
    }

    [Fact]
    public async Task Receipts_for_work_published_under_a_higher_cap_are_paid_up_to_it_though_the_cap_was_lowered_before_they_were_filed()
    {
        var (opportunity, payees) = await _world.AttendedAsync();
        await _world.PayeeReadyAsync(payees[0], stripe: false);
        var travel = $"/api/engagements/opportunities/{opportunity}/sessions/s1/travel";

        await SetReceiptCapAsync(40m);
        try
        {
            await HttpAssert.Ok<JsonElement>(await payees[0].Client.PutAsJsonAsync(travel, new { costs = new[] { new { description = "Train ticket", amount = 95m } } }));
            await HttpAssert.Ok<JsonElement>(await payees[0].Client.PutAsJsonAsync(travel, new { miles = 20m, costs = new[] { new { description = "Train ticket", amount = 95m } } }));

            Assert.Equal(95m + 14.50m, Assert.Single(await _world.PrepareAsync(opportunity)).Reimbursement);
        }
        finally
        {
            await SetReceiptCapAsync(EngagementSettings.DefaultReceiptCap);
        }
    }

    private async Task SetReceiptCapAsync(decimal cap) => await HttpAssert.Ok<JsonElement>(await _world.Admin.PutSettingsAsync("/api/engagements/settings", new
    {
        currency = "USD", receiptCap = cap,
        kinds = new object[]
        {
            new { key = "focus-group", name = "Focus group", benchmarkHourlyRate = 60m },
            new { key = "policy-review", name = "Policy or protocol review", benchmarkHourlyRate = 80m },
        },
    }));

    [Fact]
    public async Task A_damaged_claim_naming_no_opportunity_does_not_hide_the_other_claims_to_pay()
    {
        var (opportunity, _) = await _world.AttendedAsync();
        var title = (await HttpAssert.Ok<JsonElement>(await _world.Recruiter.GetAsync($"/api/engagements/opportunities/{opportunity}"))).GetProperty("title").GetString()!;
        var store = api.Services.GetRequiredService<IDocumentStore>();
        var claim = (await store.QueryAllAsync<CompensationClaim>(EngagementData.Container, "demo", [Filter.Eq("opportunityId", opportunity)], CancellationToken.None))[0];
        await store.CreateAsync(EngagementData.Container, claim with { Id = "damaged-" + Guid.NewGuid().ToString("N"), OpportunityId = Guid.NewGuid().ToString("N"), ETag = null }, CancellationToken.None);

        var page = await Finance.GetAsync("/claims-to-pay");

        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Contains(System.Net.WebUtility.HtmlEncode(title), await page.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Payouts_are_listed_a_page_at_a_time_each_once()
    {
        var prepared = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            var (opportunity, _) = await _world.AttendedAsync();
            prepared.AddRange((await _world.PrepareAsync(opportunity)).Select(p => p.Id));
        }

        var pages = await HttpAssert.PagesAsync<PayoutDto>(Finance, "/api/payouts?state=pending&pageSize=2");
        Assert.All(pages, page => Assert.InRange(page.Items.Count, 0, 2));
        var seen = pages.SelectMany(page => page.Items).Select(p => p.Id).ToList();

        Assert.True(prepared.Count > 2, "the payouts need more than one page");
        Assert.All(prepared, id => Assert.Single(seen, s => s == id));
        Assert.Equal(seen.Count, seen.Distinct().Count());
        await HttpAssert.Problem(await Finance.GetAsync("/api/payouts?pageSize=0"), 400);
        await HttpAssert.Problem(await Finance.GetAsync("/api/payouts?pageSize=201"), 400);
        await HttpAssert.Problem(await Finance.GetAsync("/api/payouts?continuationToken=not-a-token"), 400);

        // A page link is its reader's: another approver's copy of it (a link passed on, a shared computer's history) is refused.
        var first = await HttpAssert.Ok<PageDto<PayoutDto>>(await Finance.GetAsync("/api/payouts?state=pending&pageSize=2"));
        var link = "/api/payouts?state=pending&pageSize=2&continuationToken=" + Uri.EscapeDataString(first.ContinuationToken!);
        await HttpAssert.Ok<PageDto<PayoutDto>>(await Finance.GetAsync(link));
        await HttpAssert.Problem(await api.As("demo-finance2").GetAsync(link), 400);
    }

    [Fact]
    public async Task Payouts_of_several_states_are_one_list_in_which_a_payout_approved_between_pages_appears_once()
    {
        var prepared = new List<string>();
        var payees = new Dictionary<string, (string Id, HttpClient Client)>();
        for (var i = 0; i < 3; i++)
        {
            var (opportunity, attended) = await _world.AttendedAsync();
            attended.ForEach(payee => payees[payee.Id] = payee);
            prepared.AddRange((await _world.PrepareAsync(opportunity)).Select(p => p.Id));
        }

        const string Url = "/api/payouts?state=Pending,Approved&pageSize=2";
        var first = await HttpAssert.Ok<PageDto<PayoutDto>>(await Finance.GetAsync(Url));
        var moved = first.Items.First(p => payees.ContainsKey(p.PayeeId));
        await _world.PayeeReadyAsync(payees[moved.PayeeId], stripe: false);
        Assert.Equal("Approved", (await HttpAssert.Ok<PayoutDto>(await PayoutWorld.StepAsync(Finance, moved.Id, "approve"))).State);
        var seen = first.Items.Select(p => p.Id).ToList();
        for (var token = first.ContinuationToken; token is not null;)
        {
            var page = await HttpAssert.Ok<PageDto<PayoutDto>>(await Finance.GetAsync($"{Url}&continuationToken={Uri.EscapeDataString(token)}"));
            seen.AddRange(page.Items.Select(p => p.Id));
            token = page.ContinuationToken;
        }

        Assert.Equal(seen.Count, seen.Distinct().Count());
        Assert.All(prepared, id => Assert.Contains(id, seen));
        await HttpAssert.Problem(await Finance.GetAsync("/api/payouts?state=Pending,Lost"), 400);
        await HttpAssert.Problem(await Finance.GetAsync("/api/payouts?state=Pending,"), 400);
    }

    [Fact]
    public async Task Another_agency_sees_none_of_it()
    {
        var (opportunity, payees) = await _world.AttendedAsync();
        var payout = Assert.Single(await _world.PrepareAsync(opportunity));
        var northAdmin = api.As("north-admin");
        var id = "nfin-" + Guid.NewGuid().ToString("N")[..8];
        Assert.Equal(HttpStatusCode.Created, (await northAdmin.PostJson("/api/people", new { subjectId = id, displayName = "North finance", roles = new[] { Roles.FinanceApprover, Roles.Recruiter } })).StatusCode);
        var north = api.AsSubject(id, "demo-north");

        await HttpAssert.Problem(await north.GetAsync(PayoutWorld.Url(payout.Id)), 404);
        await HttpAssert.Problem(await PayoutWorld.StepAsync(north, payout.Id, "approve"), 404);
        await HttpAssert.Problem(await PayoutWorld.StepAsync(north, payout.Id, "cancel"), 404);
        await HttpAssert.Problem(await north.PostJson("/api/payouts", new { opportunityId = opportunity }), 404);
        await HttpAssert.Problem(await north.PostAsync($"/api/payouts/payees/{payees[0].Id}/tax-details", null), 404);
        Assert.DoesNotContain((await HttpAssert.Ok<PageDto<PayoutDto>>(await north.GetAsync("/api/payouts"))).Items, p => p.Id == payout.Id);
        Assert.DoesNotContain(payees[0].Id, await (await north.GetAsync("/api/payouts/export.csv")).Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal("Pending", (await _world.PayoutAsync(payout.Id)).State);
    }

    [Fact]
    public async Task A_finance_approver_who_took_part_in_the_work_does_not_prepare_its_pay_so_the_others_approvals_of_theirs_stand()
    {
        var (opportunity, payees) = await _world.AttendedAsync(people: 2);
        await new MentoringWorld(api).SetRolesAsync(payees[0].Id, Roles.Advisor, Roles.FinanceApprover);

        var refused = await HttpAssert.Problem(await payees[0].Client.PostJson("/api/payouts", new { opportunityId = opportunity }), 409);

        Assert.Contains("a place in this work", refused.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(2, (await _world.PrepareAsync(opportunity, by: Finance)).Count);
    }

    [Fact]
    public async Task Claims_to_pay_leave_out_work_the_recruiter_has_a_place_in_so_its_total_less_their_own_pay_is_not_someone_elses()
    {
        var (opportunity, payees) = await _world.AttendedAsync(people: 2);
        await new MentoringWorld(api).SetRolesAsync(payees[0].Id, Roles.Advisor, Roles.Recruiter);

        var theirs = await (await PortalSession.SignedInAsync(api, payees[0].Id)).GetStringAsync("/claims-to-pay");
        var another = await (await PortalSession.SignedInAsync(api, "demo-recruiter")).GetStringAsync("/claims-to-pay");

        Assert.DoesNotContain($"value=\"{opportunity}\"", theirs, StringComparison.Ordinal);
        Assert.Contains($"value=\"{opportunity}\"", another, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_payee_who_can_no_longer_reach_their_payments_page_is_still_paid_once_finance_records_what_they_told_them()
    {
        var (opportunity, payees) = await _world.AttendedAsync(people: 2);
        var (gone, stillHere) = (payees[0], payees[1]);
        var payout = (await _world.PrepareAsync(opportunity)).Single(p => p.PayeeId == gone.Id);
        var current = await _world.Admin.GetAsync($"/api/people/{gone.Id}");
        var demote = new HttpRequestMessage(HttpMethod.Put, $"/api/people/{gone.Id}/roles") { Content = JsonContent.Create(new { roles = new[] { "Youth" } }) };
        demote.Headers.TryAddWithoutValidation("If-Match", current.Headers.ETag!.Tag);
        Assert.Equal(HttpStatusCode.OK, (await _world.Admin.SendAsync(demote)).StatusCode);

        var blocked = await HttpAssert.Problem(await PayoutWorld.StepAsync(Finance, payout.Id, "approve"), 409);
        var needing = await HttpAssert.Ok<List<JsonElement>>(await Finance.GetAsync("/api/payouts/payees/needing-setup"));
        var unsaid = await HttpAssert.Problem(await Finance.PostJson($"/api/payouts/payees/{gone.Id}/setup", new { method = "Check", noticeGiven = false }), 400);
        var stripe = await HttpAssert.Problem(await Finance.PostJson($"/api/payouts/payees/{gone.Id}/setup", new { method = "Stripe", noticeGiven = true }), 400);
        var theirOwn = await HttpAssert.Problem(await Finance.PostJson($"/api/payouts/payees/{stillHere.Id}/setup", new { method = "Check", noticeGiven = true }), 409);
        await HttpAssert.Problem(await _world.Recruiter.PostJson($"/api/payouts/payees/{gone.Id}/setup", new { method = "Check", noticeGiven = true }), 403);
        var portal = await PortalSession.SignedInAsync(api, "demo-finance");
        var page = await portal.GetStringAsync("/finance");
        var recorded = await PortalSession.PostFormAsync(portal, "/finance", $"setup-{gone.Id}", ("NoticeGiven", "true"), ("Method", "Check"));
        var approved = await HttpAssert.Ok<PayoutDto>(await PayoutWorld.StepAsync(Finance, payout.Id, "approve"));

        Assert.Contains("has not yet seen the notice", blocked.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Contains(needing, n => n.GetProperty("personId").GetString() == gone.Id);
        Assert.DoesNotContain(needing, n => n.GetProperty("personId").GetString() == stillHere.Id);
        Assert.True(unsaid.GetProperty("errors").TryGetProperty("noticeGiven", out _));
        Assert.True(stripe.GetProperty("errors").TryGetProperty("method", out _));
        Assert.Contains("on their payments page", theirOwn.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Contains("Owed money, but can no longer set up payment", page, StringComparison.Ordinal);
        Assert.Contains("Recorded. Their payout can be approved now.", recorded, StringComparison.Ordinal);
        Assert.Equal("Approved", approved.State);
        Assert.DoesNotContain(await HttpAssert.Ok<List<JsonElement>>(await Finance.GetAsync("/api/payouts/payees/needing-setup")), n => n.GetProperty("personId").GetString() == gone.Id);

        // Whoever chose where the check goes does not also say it went.
        var ownSay = await HttpAssert.Problem(await PayoutWorld.StepAsync(Finance, payout.Id, "paid-outside", new { reference = "Check 211" }), 403);
        Assert.Contains("You recorded how this payee is paid", ownSay.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal("Paid", (await HttpAssert.Ok<PayoutDto>(await PayoutWorld.StepAsync(api.As("demo-finance2"), payout.Id, "paid-outside", new { reference = "Check 211" }))).State);
    }

    [Fact]
    public async Task Someone_who_no_longer_takes_paid_work_still_reads_what_they_were_paid_but_says_how_to_be_paid_only_while_they_do()
    {
        var (opportunity, payees) = await _world.AttendedAsync();
        var payee = payees[0];
        await _world.PayeeReadyAsync(payee, stripe: false);
        var payout = Assert.Single(await _world.PrepareAsync(opportunity));
        await HttpAssert.Ok<PayoutDto>(await PayoutWorld.StepAsync(Finance, payout.Id, "approve"));
        await HttpAssert.Ok<PayoutDto>(await PayoutWorld.StepAsync(Finance, payout.Id, "paid-outside", new { reference = "Check 3107" }));
        await HttpAssert.Ok<JsonElement>(await payee.Client.PutAsJsonAsync("/api/payouts/me/method", new { method = "stripe" }));
        await new MentoringWorld(api).SetRolesAsync(payee.Id, Roles.Recruiter);

        var mine = await HttpAssert.Ok<JsonElement>(await payee.Client.GetAsync("/api/payouts/me"));
        var statement = await payee.Client.GetAsync("/api/payouts/me/statement.csv");
        var portal = await PortalSession.SignedInAsync(api, payee.Id);
        var page = await portal.GetStringAsync("/payments");
        var forged = await PortalSession.PostFormAsync(portal, "/payments", "method", ("Method", "PrepaidCard"));

        Assert.Equal("Paid", Assert.Single(mine.GetProperty("payouts").EnumerateArray()).GetProperty("state").GetString());
        Assert.Equal(HttpStatusCode.OK, statement.StatusCode);
        Assert.Contains("Check 3107", await statement.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Contains("data-no-longer-paid-work", page, StringComparison.Ordinal);
        Assert.Contains("through Stripe.</p>", page, StringComparison.Ordinal);
        Assert.Contains("data-pay-change-waiting", page, StringComparison.Ordinal);
        Assert.DoesNotContain("value=\"method\"", page, StringComparison.Ordinal);
        Assert.DoesNotContain("Set up with Stripe", page, StringComparison.Ordinal);
        Assert.Contains("href=\"/payments\"", page, StringComparison.Ordinal);
        Assert.DoesNotContain("href=\"/paid-work\"", page, StringComparison.Ordinal);
        Assert.DoesNotContain("Saved.", forged, StringComparison.Ordinal);
        await HttpAssert.Problem(await payee.Client.PutAsJsonAsync("/api/payouts/me/method", new { method = "prepaidCard" }), 403);
        await HttpAssert.Problem(await payee.Client.PostAsync("/api/payouts/me/onboarding", null), 403);
        Assert.Equal("Stripe", (await HttpAssert.Ok<JsonElement>(await payee.Client.GetAsync("/api/payouts/me"))).GetProperty("account").GetProperty("method").GetString());

        // Someone never paid here is not opened a payments page by having held another role.
        await HttpAssert.Problem(await _world.Recruiter.GetAsync("/api/payouts/me"), 403);
    }

    [Fact]
    public async Task A_payee_who_chose_Stripe_and_no_longer_takes_paid_work_before_finishing_its_setup_is_listed_for_finance_to_record_another_way()
    {
        var (opportunity, payees) = await _world.AttendedAsync();
        var payee = payees[0];
        await _world.PayeeOnboardingAsync(payee);
        var payout = Assert.Single(await _world.PrepareAsync(opportunity));
        await new MentoringWorld(api).SetRolesAsync(payee.Id);

        var needing = await HttpAssert.Ok<List<JsonElement>>(await Finance.GetAsync("/api/payouts/payees/needing-setup"));
        var finance = await (await PortalSession.SignedInAsync(api, "demo-finance")).GetStringAsync("/finance");
        var theirs = await (await PortalSession.SignedInAsync(api, payee.Id)).GetStringAsync("/payments");
        await HttpAssert.Problem(await payee.Client.PostAsync("/api/payouts/me/onboarding", null), 403);
        await HttpAssert.Ok<JsonElement>(await Finance.PostJson($"/api/payouts/payees/{payee.Id}/setup", new { method = "Check", noticeGiven = true }));

        Assert.Equal("Stripe", needing.Single(n => n.GetProperty("personId").GetString() == payee.Id).GetProperty("method").GetString());
        Assert.Contains("data-stripe-unfinished", finance, StringComparison.Ordinal);
        Assert.Contains("Stripe has not finished checking your details.</p>", theirs, StringComparison.Ordinal);
        Assert.DoesNotContain("Continue on Stripe", theirs, StringComparison.Ordinal);
        Assert.Equal("Approved", (await HttpAssert.Ok<PayoutDto>(await PayoutWorld.StepAsync(Finance, payout.Id, "approve"))).State);
    }

    [Fact]
    public async Task An_approval_from_the_card_of_a_payout_since_cancelled_and_prepared_again_for_more_approves_nothing_until_the_new_amount_is_seen()
    {
        var (opportunity, payees) = await _world.AttendedAsync();
        await _world.PayeeReadyAsync(payees[0], stripe: false);
        var payout = Assert.Single(await _world.PrepareAsync(opportunity));
        var portal = await PortalSession.SignedInAsync(api, "demo-finance");
        var shown = PortalSession.Hidden(await portal.GetStringAsync("/finance"), $"Version-{payout.Id}");
        Assert.NotEmpty(shown);
        await HttpAssert.Ok<PayoutDto>(await PayoutWorld.StepAsync(Finance, payout.Id, "cancel"));
        await HttpAssert.Ok<JsonElement>(await payees[0].Client.PutAsJsonAsync($"/api/engagements/opportunities/{opportunity}/sessions/s1/travel", new { miles = 10m }));
        var again = Assert.Single(await _world.PrepareAsync(opportunity));
        Assert.Equal(payout.Id, again.Id);

        var stale = await PortalSession.PostFormAsync(portal, "/finance", "queue-approve", ($"Version-{payout.Id}", shown), ("Act", $"approve|{payout.Id}"));
        var staleApi = await Finance.SendAsync(new HttpRequestMessage(HttpMethod.Post, PayoutWorld.Url(payout.Id, "approve")) { Headers = { { "If-Match", shown } } });
        var unseen = new[] { "approve", "cancel" }.Select(async step => await Finance.PostAsync(PayoutWorld.Url(payout.Id, step), null));

        // The page asks before the approval that sends money, with the amount as it is now, not as the card showed it.
        Assert.Contains("Approve 157.25 USD to", stale, StringComparison.Ordinal);
        await HttpAssert.Problem(staleApi, 412);
        foreach (var step in unseen)
        {
            await HttpAssert.Problem(await step, 428);
        }

        var now = await _world.PayoutAsync(payout.Id);
        Assert.Equal("Pending", now.State);
        Assert.Equal(157.25m, now.Total);
        var current = PortalSession.Hidden(stale, $"Version-{payout.Id}");
        var approved = await PortalSession.PostFormAsync(portal, "/finance", "queue-approve", ($"Version-{payout.Id}", current), ("Asked", $"approve|{payout.Id}"), ("Confirmed", "yes"));
        Assert.Contains("Approved.", approved, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_approved_payout_waiting_on_its_payee_is_not_sent_once_its_approver_has_left_finance()
    {
        var (opportunity, payees) = await _world.AttendedAsync();
        var account = await _world.PayeeOnboardingAsync(payees[0]);
        var payout = Assert.Single(await _world.PrepareAsync(opportunity, by: Finance));
        var (approverId, approver) = await _world.ApproverAsync();
        await HttpAssert.Ok<PayoutDto>(await PayoutWorld.StepAsync(approver, payout.Id, "approve"));
        await api.SendPayoutsAsync();
        Assert.Equal("Approved", (await _world.PayoutAsync(payout.Id)).State);

        // Taken off finance, then the payee's account becomes ready weeks later.
        var person = await _world.Admin.GetAsync($"/api/people/{approverId}");
        await HttpAssert.Ok<JsonElement>(await _world.Admin.PutJson($"/api/people/{approverId}/roles", new { roles = new[] { "Recruiter" } }, person.Headers.ETag!.Tag));
        api.Stripe.SetPayoutsEnabled(account, true);
        await HttpAssert.Ok<JsonElement>(await payees[0].Client.PostAsync("/api/payouts/me/stripe-status", null));
        await api.SendPayoutsAsync();
        var checks = await HttpAssert.Ok<PageDto<AuditDto>>(await _world.Admin.GetAsync($"/api/audit?action=payee.stripe-status&actorId={payees[0].Id}"));
        Assert.NotEmpty(checks.Items);

        var after = await _world.PayoutAsync(payout.Id);
        Assert.Equal(("Failed", SendPayoutHandler.ApprovalsGone), (after.State, after.FailureCode));
        Assert.DoesNotContain(api.Stripe.Transfers, t => t["metadata"]!["payout_id"]!.GetValue<string>() == payout.Id);

        // Why it failed inside the agency (an approver gone) is finance's to know, not the payee's.
        var mine = await HttpAssert.Ok<JsonElement>(await payees[0].Client.GetAsync("/api/payouts/me"));
        var shown = mine.GetProperty("payouts").EnumerateArray().Single(p => p.GetProperty("id").GetString() == payout.Id);
        Assert.Equal(("Failed", JsonValueKind.Null), (shown.GetProperty("state").GetString(), shown.GetProperty("failureCode").ValueKind));
    }

    [Fact]
    public async Task A_payee_who_leaves_Stripe_before_it_was_ready_has_their_approved_payout_paid_their_new_way_and_finance_is_told()
    {
        var (opportunity, payees) = await _world.AttendedAsync();
        await _world.PayeeOnboardingAsync(payees[0]);
        var payout = Assert.Single(await _world.PrepareAsync(opportunity));
        Assert.Equal("Approved", (await HttpAssert.Ok<PayoutDto>(await PayoutWorld.StepAsync(Finance, payout.Id, "approve"))).State);
        await api.SendPayoutsAsync();

        await HttpAssert.Ok<JsonElement>(await payees[0].Client.PutAsJsonAsync("/api/payouts/me/method", new { method = "check" }));

        var after = await _world.PayoutAsync(payout.Id);
        Assert.Equal(("Approved", "Check"), (after.State, after.Method));
        var notes = await HttpAssert.Ok<PageDto<NotificationDto>>(await Finance.GetAsync("/api/notifications?pageSize=100"));
        Assert.Contains(notes.Items, n => n.Kind == "payout-outside");
        await api.SendPayoutsAsync();
        Assert.DoesNotContain(api.Stripe.Transfers, t => t["metadata"]!["payout_id"]!.GetValue<string>() == payout.Id);
        var recorder = await _world.ApproverAsync();
        Assert.Equal("Paid", (await HttpAssert.Ok<PayoutDto>(await PayoutWorld.StepAsync(recorder.Client, payout.Id, "paid-outside", new { reference = "Check 7" }))).State);
    }

    [Fact]
    public async Task A_payee_leaving_Stripe_while_finance_changes_one_of_their_payouts_still_has_the_others_paid_their_new_way()
    {
        var (opportunity, payees) = await _world.AttendedAsync(days: 2);
        await _world.PayeeOnboardingAsync(payees[0]);
        var payouts = await _world.PrepareAsync(opportunity);
        Assert.Equal(2, payouts.Count);
        foreach (var payout in payouts)
        {
            Assert.Equal("Approved", (await HttpAssert.Ok<PayoutDto>(await PayoutWorld.StepAsync(Finance, payout.Id, "approve"))).State);
        }

        await api.SendPayoutsAsync();
        string? setAside = null;
        api.Store.BeforeBatch = async operations =>
        {
            if (operations.Select(o => o.Target.Id).Intersect(payouts.Select(p => p.Id)).FirstOrDefault() is { } first)
            {
                api.Store.BeforeBatch = null;
                setAside = first;
                await HttpAssert.Ok<PayoutDto>(await PayoutWorld.StepAsync(Finance, first, "set-aside"));
            }
        };
        try
        {
            await HttpAssert.Ok<JsonElement>(await payees[0].Client.PutAsJsonAsync("/api/payouts/me/method", new { method = "check" }));
        }
        finally
        {
            api.Store.BeforeBatch = null;
        }

        var other = await _world.PayoutAsync(Assert.Single(payouts, p => p.Id != setAside).Id);
        Assert.Equal(("Approved", "Check"), (other.State, other.Method));
        await api.SendPayoutsAsync();
        Assert.DoesNotContain(api.Stripe.Transfers, t => payouts.Any(p => p.Id == t["metadata"]!["payout_id"]!.GetValue<string>()));
    }

    [Fact]
    public async Task Whoever_sets_a_payout_aside_from_Stripe_cannot_also_record_it_paid_and_the_payee_hears_it_comes_another_way()
    {
        var (opportunity, payees) = await _world.AttendedAsync();
        await _world.PayeeOnboardingAsync(payees[0]);
        var payout = Assert.Single(await _world.PrepareAsync(opportunity));
        Assert.Equal(1, payout.ApprovalsNeeded);
        await HttpAssert.Ok<PayoutDto>(await PayoutWorld.StepAsync(Finance, payout.Id, "approve"));
        var alone = await _world.ApproverAsync();

        await HttpAssert.Ok<PayoutDto>(await PayoutWorld.StepAsync(alone.Client, payout.Id, "set-aside"));
        var refused = await HttpAssert.Problem(await PayoutWorld.StepAsync(alone.Client, payout.Id, "paid-outside", new { reference = "Check 1" }), 403);

        Assert.Contains("set this payout aside", refused.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal("Approved", (await _world.PayoutAsync(payout.Id)).State);
        var told = await HttpAssert.Ok<PageDto<NotificationDto>>(await payees[0].Client.GetAsync("/api/notifications?pageSize=100"));
        Assert.Contains(told.Items, n => n.Kind == "payout-another-way");
        var another = await _world.ApproverAsync();
        Assert.Equal("Paid", (await HttpAssert.Ok<PayoutDto>(await PayoutWorld.StepAsync(another.Client, payout.Id, "paid-outside", new { reference = "Check 2" }))).State);
    }

    [Fact]
    public async Task A_payout_needing_two_approvers_recorded_as_paid_outside_Stripe_is_told_to_the_other_approvers()
    {
        var (opportunity, payees) = await _world.AttendedAsync();
        await _world.PayeeOnboardingAsync(payees[0]);
        var payout = Assert.Single(await _world.PrepareAsync(opportunity));
        await _world.SetTwoApproverAmountAsync(payout.Total);
        try
        {
            var second = await _world.ApproverAsync();
            await HttpAssert.Ok<PayoutDto>(await PayoutWorld.StepAsync(Finance, payout.Id, "approve"));
            Assert.Equal("Approved", (await HttpAssert.Ok<PayoutDto>(await PayoutWorld.StepAsync(second.Client, payout.Id, "approve"))).State);
            await HttpAssert.Ok<PayoutDto>(await PayoutWorld.StepAsync(second.Client, payout.Id, "set-aside"));

            Assert.Equal("Paid", (await HttpAssert.Ok<PayoutDto>(await PayoutWorld.StepAsync(Finance, payout.Id, "paid-outside", new { reference = "Check 5120" }))).State);

            var told = await HttpAssert.Ok<PageDto<NotificationDto>>(await second.Client.GetAsync("/api/notifications?pageSize=100"));
            Assert.Contains(told.Items, n => n.Kind == "payout-paid-outside");
            var recorder = await HttpAssert.Ok<PageDto<NotificationDto>>(await Finance.GetAsync("/api/notifications?pageSize=100"));
            Assert.DoesNotContain(recorder.Items, n => n.Kind == "payout-paid-outside");
        }
        finally
        {
            await _world.SetTwoApproverAmountAsync(500m);
        }
    }

    [Fact]
    public async Task Lowering_the_two_approver_amount_holds_payouts_already_waiting_for_approval_to_two_approvers()
    {
        var (opportunity, payees) = await _world.AttendedAsync();
        await _world.PayeeReadyAsync(payees[0], stripe: false);
        var payout = Assert.Single(await _world.PrepareAsync(opportunity));
        Assert.Equal(1, payout.ApprovalsNeeded);

        await _world.SetTwoApproverAmountAsync(payout.Total);
        try
        {
            Assert.Equal(2, (await _world.PayoutAsync(payout.Id)).ApprovalsNeeded);
            var first = await HttpAssert.Ok<PayoutDto>(await PayoutWorld.StepAsync(Finance, payout.Id, "approve"));
            Assert.Equal(("Pending", 2), (first.State, first.ApprovalsNeeded));
            var second = await _world.ApproverAsync();
            Assert.Equal("Approved", (await HttpAssert.Ok<PayoutDto>(await PayoutWorld.StepAsync(second.Client, payout.Id, "approve"))).State);
        }
        finally
        {
            await _world.SetTwoApproverAmountAsync(500m);
        }
    }

    [Fact]
    public async Task Lowering_the_two_approver_amount_holds_a_payout_approved_once_and_still_waiting_for_the_payee_s_stripe_account()
    {
        var (opportunity, payees) = await _world.AttendedAsync();
        var account = await _world.PayeeOnboardingAsync(payees[0]);
        var payout = Assert.Single(await _world.PrepareAsync(opportunity, by: Finance));
        var (_, approver) = await _world.ApproverAsync();
        Assert.Equal("Approved", (await HttpAssert.Ok<PayoutDto>(await PayoutWorld.StepAsync(approver, payout.Id, "approve"))).State);
        await api.SendPayoutsAsync();

        await _world.SetTwoApproverAmountAsync(payout.Total);
        try
        {
            api.Stripe.SetPayoutsEnabled(account, true);
            await HttpAssert.Ok<JsonElement>(await payees[0].Client.PostAsync("/api/payouts/me/stripe-status", null));
            await api.SendPayoutsAsync();

            var failed = await _world.PayoutAsync(payout.Id);
            Assert.Equal(("Failed", SendPayoutHandler.ApprovalsGone), (failed.State, failed.FailureCode));
            Assert.DoesNotContain(api.Stripe.Transfers, t => t["metadata"]!["payout_id"]!.GetValue<string>() == payout.Id);
        }
        finally
        {
            await _world.SetTwoApproverAmountAsync(500m);
        }
    }

    [Fact]
    public async Task An_approved_payout_to_a_payee_deactivated_since_is_not_sent_through_Stripe_and_finance_pays_it_another_way()
    {
        var (opportunity, payees) = await _world.AttendedAsync();
        await _world.PayeeReadyAsync(payees[0], stripe: true);
        var payout = Assert.Single(await _world.PrepareAsync(opportunity, by: Finance));
        var (_, approver) = await _world.ApproverAsync();
        (await _world.Admin.PostAsync($"/api/people/{payees[0].Id}/deactivate", null)).EnsureSuccessStatusCode();
        await HttpAssert.Ok<PayoutDto>(await PayoutWorld.StepAsync(approver, payout.Id, "approve"));
        await api.SendPayoutsAsync();

        var failed = await _world.PayoutAsync(payout.Id);
        Assert.Equal(("Failed", SendPayoutHandler.PayeeInactive), (failed.State, failed.FailureCode));
        Assert.DoesNotContain(api.Stripe.Transfers, t => t["metadata"]!["payout_id"]!.GetValue<string>() == payout.Id);

        // Work done is paid: by check, set aside first (given access back, the payee could be sent it again), and recorded
        // by an approver who neither prepared it nor set it aside.
        var (_, another) = await _world.ApproverAsync();
        await HttpAssert.Ok<PayoutDto>(await PayoutWorld.StepAsync(another, payout.Id, "set-aside"));
        await HttpAssert.Ok<PayoutDto>(await PayoutWorld.StepAsync(approver, payout.Id, "paid-outside", new { reference = "Check 4004" }));
        Assert.Equal("Paid", (await _world.PayoutAsync(payout.Id)).State);
    }

    [Fact]
    public async Task A_failed_payout_is_not_sent_again_by_whoever_prepared_it_nor_once_its_approver_has_left_finance()
    {
        var (opportunity, payees) = await _world.AttendedAsync();
        await _world.PayeeReadyAsync(payees[0], stripe: true);
        var payout = Assert.Single(await _world.PrepareAsync(opportunity, by: Finance));
        var (approverId, approver) = await _world.ApproverAsync();
        await HttpAssert.Ok<PayoutDto>(await PayoutWorld.StepAsync(approver, payout.Id, "approve"));
        api.Stripe.RefuseNext("/v1/transfers");
        await api.SendPayoutsAsync();
        Assert.Equal("Failed", (await _world.PayoutAsync(payout.Id)).State);
        var (_, another) = await _world.ApproverAsync();

        var byPreparer = await HttpAssert.Problem(await PayoutWorld.StepAsync(Finance, payout.Id, "retry"), 403);
        var person = await _world.Admin.GetAsync($"/api/people/{approverId}");
        await HttpAssert.Ok<JsonElement>(await _world.Admin.PutJson($"/api/people/{approverId}/roles", new { roles = new[] { "Recruiter" } }, person.Headers.ETag!.Tag));
        var retried = await HttpAssert.Problem(await PayoutWorld.StepAsync(another, payout.Id, "retry"), 409);
        var outside = await HttpAssert.Problem(await PayoutWorld.StepAsync(another, payout.Id, "paid-outside", new { reference = "Check 3003" }), 409);

        Assert.Equal("You prepared this payout: another finance approver must send it again.", byPreparer.GetProperty("detail").GetString());
        Assert.Equal(PayoutRules.ApprovalsGone, retried.GetProperty("detail").GetString());
        Assert.Equal(PayoutRules.ApprovalsGone, outside.GetProperty("detail").GetString());
        Assert.Equal("Failed", (await _world.PayoutAsync(payout.Id)).State);
        Assert.DoesNotContain(api.Stripe.Transfers, t => t["metadata"]!["payout_id"]!.GetValue<string>() == payout.Id);
    }

    [Fact]
    public async Task Days_away_the_drive_and_each_receipt_of_a_two_day_retreat_are_claimed_once_for_the_trip_not_on_each_session()
    {
        var (opportunity, payees) = await _world.AttendedAsync(days: 2);
        string Travel(int day) => $"/api/engagements/opportunities/{opportunity}/sessions/s{day}/travel";
        var ticket = new { description = "Train ticket", amount = 23.50m };

        await HttpAssert.Ok<JsonElement>(await payees[0].Client.PutAsJsonAsync(Travel(1), new { miles = 40m, travelDays = 4, lodging = 180m, costs = new[] { ticket } }));
        var again = await HttpAssert.Problem(await payees[0].Client.PutAsJsonAsync(Travel(2), new { miles = 40m, travelDays = 2, lodging = 90m }), 409);
        var tooLong = await HttpAssert.Problem(await payees[0].Client.PutAsJsonAsync(Travel(1), new { travelDays = 9 }), 409);
        var driveAgain = await HttpAssert.Problem(await payees[0].Client.PutAsJsonAsync(Travel(2), new { miles = 40m }), 409);
        var ticketAgain = await HttpAssert.Problem(await payees[0].Client.PutAsJsonAsync(Travel(2), new { costs = new[] { ticket } }), 409);

        Assert.Contains("claim the whole trip's days once", again.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Contains("days away, with a day to travel each way", tooLong.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Contains("one drive there and back", driveAgain.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Contains("a cost of the trip is paid back once", ticketAgain.GetProperty("detail").GetString(), StringComparison.Ordinal);
        await HttpAssert.Ok<JsonElement>(await payees[0].Client.PutAsJsonAsync(Travel(2), new { costs = new[] { new { description = "Parking", amount = 8m } } }));
    }

    [Fact]
    public async Task Days_driven_to_one_by_one_are_not_made_a_stay_while_each_keeps_its_drive()
    {
        var (opportunity, payees) = await _world.AttendedAsync(days: 3);
        string Travel(int day) => $"/api/engagements/opportunities/{opportunity}/sessions/s{day}/travel";
        var parking = new { description = "Parking", amount = 8m };
        await HttpAssert.Ok<JsonElement>(await payees[0].Client.PutAsJsonAsync(Travel(1), new { miles = 200m, costs = new[] { parking } }));
        await HttpAssert.Ok<JsonElement>(await payees[0].Client.PutAsJsonAsync(Travel(2), new { miles = 200m, costs = new[] { parking } }));

        var stay = await HttpAssert.Problem(await payees[0].Client.PutAsJsonAsync(Travel(3), new { travelDays = 3, lodging = 90m }), 409);
        await HttpAssert.Ok<JsonElement>(await payees[0].Client.PutAsJsonAsync(Travel(2), new { costs = new[] { parking } }));
        var receiptTwice = await HttpAssert.Problem(await payees[0].Client.PutAsJsonAsync(Travel(3), new { travelDays = 3, lodging = 90m }), 409);
        await HttpAssert.Ok<JsonElement>(await payees[0].Client.PutAsJsonAsync(Travel(2), new { costs = new[] { new { description = "Bus fare", amount = 3m } } }));

        Assert.Contains("Take them off all but one before you claim days away", stay.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Contains("\"Parking\" is on your claims for more than one", receiptTwice.GetProperty("detail").GetString(), StringComparison.Ordinal);
        await HttpAssert.Ok<JsonElement>(await payees[0].Client.PutAsJsonAsync(Travel(3), new { travelDays = 3, lodging = 90m }));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Days_away_are_not_claimed_on_each_end_of_a_retreat_whose_middle_day_is_not_recorded_yet_or_was_missed(bool missed)
    {
        var (opportunity, payees) = await _world.AttendedAsync(days: 3, unrecordedDay: missed ? null : 2);
        if (missed)
        {
            await NoShowAsync(opportunity, "s2", payees[0].Id);
        }

        string Travel(int day) => $"/api/engagements/opportunities/{opportunity}/sessions/s{day}/travel";
        await HttpAssert.Ok<JsonElement>(await payees[0].Client.PutAsJsonAsync(Travel(1), new { travelDays = 2, lodging = 90m }));

        var again = await HttpAssert.Problem(await payees[0].Client.PutAsJsonAsync(Travel(3), new { travelDays = 2, lodging = 90m }), 409);

        Assert.Contains("claim the whole trip's days once", again.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    /// <summary>The recruiter records that the payee did not come to the session after all.</summary>
    private async Task NoShowAsync(string opportunityId, string sessionId, string personId) =>
        await HttpAssert.Ok<List<JsonElement>>(await _world.Recruiter.PostJson($"/api/engagements/opportunities/{opportunityId}/sessions/{sessionId}/attendance",
            new { entries = new[] { new { personId, outcome = "noShow" } } }));

    [Fact]
    public async Task A_no_show_does_not_lengthen_the_trip_whose_days_away_are_claimed()
    {
        var (opportunity, payees) = await _world.AttendedAsync(days: 3);
        await NoShowAsync(opportunity, "s1", payees[0].Id);
        await NoShowAsync(opportunity, "s2", payees[0].Id);

        var tooLong = await HttpAssert.Problem(await payees[0].Client.PutAsJsonAsync($"/api/engagements/opportunities/{opportunity}/sessions/s3/travel", new { travelDays = 5, lodging = 90m }), 409);

        // The session attended alone is the trip: its own days (two when it ends after midnight), and a day each way.
        var opportunityNow = await HttpAssert.Ok<OpportunityDto>(await _world.Recruiter.GetAsync($"/api/engagements/opportunities/{opportunity}"));
        var attended = opportunityNow.Sessions.Single(x => x.GetProperty("id").GetString() == "s3");
        DateTime On(string part) => DateTime.Parse(attended.GetProperty(part).GetString()!, System.Globalization.CultureInfo.InvariantCulture).Date;
        var days = (On("end") - On("start")).Days + 1;
        Assert.Contains($"at most {days + 2} days away", tooLong.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Days_away_the_drive_and_each_receipt_of_one_trip_are_claimed_once_across_two_opportunities_on_its_days()
    {
        // A focus group and, later the same day or the next, an advisory board: one journey, however many opportunities.
        var (first, payees) = await _world.AttendedAsync();
        var (second, _) = await _world.AttendedAsync(people: 0, also: payees);
        string Travel(string opportunity) => $"/api/engagements/opportunities/{opportunity}/sessions/s1/travel";
        var room = new { description = "Hotel, one night", amount = 95m };

        await HttpAssert.Ok<JsonElement>(await payees[0].Client.PutAsJsonAsync(Travel(first), new { miles = 40m, travelDays = 2, lodging = 90m, costs = new[] { room } }));
        var daysAgain = await HttpAssert.Problem(await payees[0].Client.PutAsJsonAsync(Travel(second), new { travelDays = 2, lodging = 90m }), 409);
        var driveAgain = await HttpAssert.Problem(await payees[0].Client.PutAsJsonAsync(Travel(second), new { miles = 40m }), 409);
        var roomAgain = await HttpAssert.Problem(await payees[0].Client.PutAsJsonAsync(Travel(second), new { costs = new[] { room } }), 409);

        Assert.Contains("claim the whole trip's days once", daysAgain.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Contains("one drive there and back", driveAgain.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Contains("a cost of the trip is paid back once", roomAgain.GetProperty("detail").GetString(), StringComparison.Ordinal);
        await HttpAssert.Ok<JsonElement>(await payees[0].Client.PutAsJsonAsync(Travel(second), new { costs = new[] { new { description = "Parking", amount = 8m } } }));
    }

    [Fact]
    public async Task Attendance_sent_again_as_it_stands_after_payouts_were_prepared_is_kept_and_a_change_to_any_claim_finance_has_is_refused_whole()
    {
        var (opportunity, payees) = await _world.AttendedAsync(people: 2);
        var attendance = $"/api/engagements/opportunities/{opportunity}/sessions/s1/attendance";

        // The second did not come after all: their claim pays nothing, so it stays open while the first goes to finance.
        await HttpAssert.Ok<List<JsonElement>>(await _world.Recruiter.PostJson(attendance, new { entries = new[] { new { personId = payees[1].Id, outcome = "noShow" } } }));
        await _world.PrepareAsync(opportunity);

        var again = await HttpAssert.Ok<List<JsonElement>>(await _world.Recruiter.PostJson(attendance, new
        {
            entries = new[] { new { personId = payees[0].Id, outcome = "attended" }, new { personId = payees[1].Id, outcome = "noShow" } },
        }));
        var changed = await HttpAssert.Problem(await _world.Recruiter.PostJson(attendance, new
        {
            entries = new[] { new { personId = payees[1].Id, outcome = "attended" }, new { personId = payees[0].Id, outcome = "noShow" } },
        }), 409);

        Assert.Equal(2, again.Count);
        Assert.Contains("ask finance to cancel it", changed.GetProperty("detail").GetString(), StringComparison.Ordinal);
        var claims = await HttpAssert.Ok<List<JsonElement>>(await _world.Recruiter.GetAsync($"/api/engagements/opportunities/{opportunity}/claims"));
        Assert.Equal("Attended", claims.Single(c => c.GetProperty("personId").GetString() == payees[0].Id).GetProperty("outcome").GetString());
        Assert.Equal("NoShow", claims.Single(c => c.GetProperty("personId").GetString() == payees[1].Id).GetProperty("outcome").GetString());
    }

    [Fact]
    public async Task Days_away_saved_on_two_sessions_of_one_trip_at_the_same_moment_are_kept_on_one()
    {
        var (opportunity, payees) = await _world.AttendedAsync(days: 2);
        string Travel(int day) => $"/api/engagements/opportunities/{opportunity}/sessions/s{day}/travel";
        var once = 0;
        HttpResponseMessage? meanwhile = null;
        api.Store.BeforeBatch = async operations =>
        {
            if (operations.Any(o => o is BatchOperation.Replace { Document: CompensationClaim }) && Interlocked.Exchange(ref once, 1) == 0)
            {
                meanwhile = await payees[0].Client.PutAsJsonAsync(Travel(1), new { travelDays = 3, lodging = 90m });
            }
        };
        HttpResponseMessage second;
        try
        {
            second = await payees[0].Client.PutAsJsonAsync(Travel(2), new { travelDays = 3, lodging = 90m });
        }
        finally
        {
            api.Store.BeforeBatch = null;
        }

        await HttpAssert.Ok<JsonElement>(meanwhile!);
        await HttpAssert.Problem(second, 409);
        var claims = await HttpAssert.Ok<List<JsonElement>>(await payees[0].Client.GetAsync("/api/engagements/me/claims"));
        Assert.Single(claims, c => c.GetProperty("opportunityId").GetString() == opportunity && c.TryGetProperty("travel", out var t) && t.ValueKind == JsonValueKind.Object && t.GetProperty("travelDays").GetInt32() > 0);
    }

    [Fact]
    public async Task A_cancelled_payout_opens_its_claim_again_and_a_corrected_one_is_a_new_attempt()
    {
        var (opportunity, payees) = await _world.AttendedAsync();
        var payout = Assert.Single(await _world.PrepareAsync(opportunity));
        Assert.Empty(await _world.PrepareAsync(opportunity));

        Assert.Equal("Cancelled", (await HttpAssert.Ok<PayoutDto>(await PayoutWorld.StepAsync(Finance, payout.Id, "cancel"))).State);
        await HttpAssert.Ok<JsonElement>(await payees[0].Client.PutAsJsonAsync($"/api/engagements/opportunities/{opportunity}/sessions/s1/travel", new { miles = 10m }));

        var again = Assert.Single(await _world.PrepareAsync(opportunity));
        Assert.Equal(payout.Id, again.Id);
        Assert.Equal(157.25m, again.Total);
        Assert.Equal("Pending", again.State);
    }

    [Theory]
    [InlineData("claim")]
    [InlineData("payout")]
    public async Task A_cancel_the_store_fails_part_way_through_can_be_done_again_and_its_claim_paid_once_prepared_again(string failing)
    {
        var (opportunity, _) = await _world.AttendedAsync();
        var payout = Assert.Single(await _world.PrepareAsync(opportunity));
        api.Store.BeforeReplace = (_, document) => failing == "claim" && document is CompensationClaim { State: ClaimState.Open }
            ? throw StoreException.Unavailable("The store went away.")
            : Task.CompletedTask;
        api.Store.BeforeBatch = operations => failing == "payout" && operations.Any(o => o is BatchOperation.Replace { Document: Payout { State: PayoutState.Cancelled } })
            ? throw StoreException.Unavailable("The store went away.")
            : Task.CompletedTask;
        try
        {
            await HttpAssert.Problem(await PayoutWorld.StepAsync(Finance, payout.Id, "cancel"), 503);
        }
        finally
        {
            api.Store.BeforeReplace = null;
            api.Store.BeforeBatch = null;
        }

        Assert.True((await _world.PayoutAsync(payout.Id)).MayCancel);
        Assert.Equal("Cancelled", (await HttpAssert.Ok<PayoutDto>(await PayoutWorld.StepAsync(Finance, payout.Id, "cancel"))).State);
        var again = Assert.Single(await _world.PrepareAsync(opportunity));
        Assert.Equal((payout.Id, "Pending"), (again.Id, again.State));
    }

    [Fact]
    public async Task An_approved_payout_whose_cancel_was_cut_short_is_not_sent_for_its_old_amount()
    {
        var (opportunity, payees) = await _world.AttendedAsync();
        await _world.PayeeReadyAsync(payees[0], stripe: true);
        var payout = Assert.Single(await _world.PrepareAsync(opportunity));
        await HttpAssert.Ok<PayoutDto>(await PayoutWorld.StepAsync(Finance, payout.Id, "approve"));
        api.Store.BeforeBatch = operations => operations.Any(o => o is BatchOperation.Replace { Document: Payout { State: PayoutState.Cancelled } })
            ? throw StoreException.Unavailable("The store went away.")
            : Task.CompletedTask;
        try
        {
            await HttpAssert.Problem(await PayoutWorld.StepAsync(Finance, payout.Id, "cancel"), 503);
        }
        finally
        {
            api.Store.BeforeBatch = null;
        }

        // Its claim is open, and may be recorded again: sending the claims again does not mark it as gone to finance
        // behind the payout made from it as it was, which is not sent, nor paid by check.
        var held = await HttpAssert.Problem(await _world.Recruiter.PostJson("/api/payouts", new { opportunityId = opportunity }), 409);
        Assert.Contains("changed after their payout was approved", held.GetProperty("detail").GetString(), StringComparison.Ordinal);
        await api.SendPayoutsAsync();
        var failed = await _world.PayoutAsync(payout.Id);
        Assert.Equal(("Failed", "claim_changed"), (failed.State, failed.FailureCode));
        Assert.DoesNotContain(api.Stripe.Transfers, t => t["metadata"]!["payout_id"]!.GetValue<string>() == payout.Id);
        await HttpAssert.Problem(await PayoutWorld.StepAsync(Finance, payout.Id, "paid-outside", new { reference = "Check 5120" }), 409);
        await HttpAssert.Problem(await PayoutWorld.StepAsync(Finance, payout.Id, "retry"), 409);

        Assert.Equal("Cancelled", (await HttpAssert.Ok<PayoutDto>(await PayoutWorld.StepAsync(Finance, payout.Id, "cancel"))).State);
        Assert.Equal("Pending", Assert.Single(await _world.PrepareAsync(opportunity)).State);
    }

    [Fact]
    public async Task A_cancel_pressed_twice_at_once_leaves_the_claim_open_for_a_corrected_payout()
    {
        var (opportunity, _) = await _world.AttendedAsync();
        var payout = Assert.Single(await _world.PrepareAsync(opportunity));
        api.Store.BeforeBatch = async operations =>
        {
            if (operations.Any(o => o is BatchOperation.Replace { Document: Payout { State: PayoutState.Cancelled } }))
            {
                api.Store.BeforeBatch = null;
                Assert.Equal("Cancelled", (await HttpAssert.Ok<PayoutDto>(await PayoutWorld.StepAsync(Finance, payout.Id, "cancel"))).State);
            }
        };
        try
        {
            await HttpAssert.Problem(await PayoutWorld.StepAsync(Finance, payout.Id, "cancel"), 409);
        }
        finally
        {
            api.Store.BeforeBatch = null;
        }

        var again = Assert.Single(await _world.PrepareAsync(opportunity));
        Assert.Equal((payout.Id, "Pending"), (again.Id, again.State));
    }

    [Fact]
    public async Task A_payout_approved_while_it_was_being_cancelled_stands_and_its_claim_stays_with_finance()
    {
        var (opportunity, payees) = await _world.AttendedAsync();
        await _world.PayeeReadyAsync(payees[0], stripe: false);
        var payout = Assert.Single(await _world.PrepareAsync(opportunity));
        var approver = await _world.ApproverAsync();
        api.Store.BeforeReplace = async (_, document) =>
        {
            if (document is CompensationClaim { State: ClaimState.Open })
            {
                api.Store.BeforeReplace = null;
                await HttpAssert.Ok<PayoutDto>(await PayoutWorld.StepAsync(approver.Client, payout.Id, "approve"));
            }
        };
        try
        {
            await HttpAssert.Problem(await PayoutWorld.StepAsync(Finance, payout.Id, "cancel"), 409);
        }
        finally
        {
            api.Store.BeforeReplace = null;
        }

        Assert.Equal("Approved", (await _world.PayoutAsync(payout.Id)).State);
        var claims = await HttpAssert.Ok<JsonElement>(await payees[0].Client.GetAsync("/api/engagements/me/claims"));
        var claim = claims.EnumerateArray().Single(c => c.GetProperty("opportunityId").GetString() == opportunity);
        Assert.Equal("Submitted", claim.GetProperty("state").GetString());
    }

    [Fact]
    public async Task Ledger_sums_per_payee_and_per_opportunity_match_the_paid_payouts()
    {
        var (opportunity, payees) = await _world.AttendedAsync(people: 3);
        foreach (var payee in payees)
        {
            await _world.PayeeReadyAsync(payee, stripe: false);
        }

        var payouts = await _world.PrepareAsync(opportunity);
        foreach (var payout in payouts.Take(2))
        {
            await HttpAssert.Ok<PayoutDto>(await PayoutWorld.StepAsync(Finance, payout.Id, "approve"));
            await HttpAssert.Ok<PayoutDto>(await PayoutWorld.StepAsync(Finance, payout.Id, "paid-outside", new { reference = "Card " + payout.PayeeId }));
        }

        var totals = await HttpAssert.Ok<JsonElement>(await Finance.GetAsync("/api/payouts/totals"));
        foreach (var payee in payees)
        {
            var paid = (await HttpAssert.Ok<PageDto<PayoutDto>>(await Finance.GetAsync($"/api/payouts?payeeId={payee.Id}&state=paid"))).Items.Sum(p => p.Total);
            var booked = totals.GetProperty("payees").EnumerateArray().Where(p => p.GetProperty("payeeId").GetString() == payee.Id).Sum(p => p.GetProperty("total").GetDecimal());
            Assert.Equal(paid, booked);
        }

        var reconciliation = await HttpAssert.Ok<JsonElement>(await Finance.GetAsync("/api/payouts/reconciliation"));
        Assert.Equal(reconciliation.GetProperty("paidTotal").GetDecimal(), reconciliation.GetProperty("ledgerTotal").GetDecimal());
        var forOpportunity = reconciliation.GetProperty("byOpportunity").EnumerateArray().Single(o => o.GetProperty("opportunityId").GetString() == opportunity);
        Assert.Equal(payouts.Take(2).Sum(p => p.Total), forOpportunity.GetProperty("ledger").GetDecimal());
        Assert.Equal(forOpportunity.GetProperty("paid").GetDecimal(), forOpportunity.GetProperty("ledger").GetDecimal());
        var export = await (await Finance.GetAsync("/api/payouts/export.csv")).Content.ReadAsStringAsync();
        Assert.Equal(2, payouts.Take(2).Count(p => export.Contains("Card " + p.PayeeId, StringComparison.Ordinal)));
    }

    /// <summary>A payout approved to a Stripe payee and sent: its id and the id of its payout at the payee's bank.</summary>
    private async Task<(string PayoutId, string BankPayoutId)> SendingAsync()
    {
        var (_, _, payout, bank) = await SendingWithItsWorkAsync();
        return (payout, bank);
    }

    /// <summary>A payout to the first payee of a session that went ahead, approved and sent through Stripe.</summary>
    private async Task<(string OpportunityId, List<(string Id, HttpClient Client)> Payees, string PayoutId, string BankPayoutId)> SendingWithItsWorkAsync()
    {
        var (opportunity, payees) = await _world.AttendedAsync();
        await _world.PayeeReadyAsync(payees[0], stripe: true);
        var payout = Assert.Single(await _world.PrepareAsync(opportunity));
        await HttpAssert.Ok<PayoutDto>(await PayoutWorld.StepAsync(Finance, payout.Id, "approve"));
        await api.SendPayoutsAsync();
        var bank = api.Stripe.Payouts.Single(p => p["metadata"]!["payout_id"]!.GetValue<string>() == payout.Id)["id"]!.GetValue<string>();
        return (opportunity, payees, payout.Id, bank);
    }

    /// <summary>The day the finance page's paid-outside field starts at (today, by the agency's calendar), as the form sends it.</summary>
    private static (string Name, string Value) PaidOnAsShown(string page) =>
        ("PaidOn", System.Text.RegularExpressions.Regex.Match(page, "name=\"PaidOn\" required max=\"([^\"]+)\"").Groups[1].Value);
}
