using SurvivorConnect.Api.Features.Payouts;
using SurvivorConnect.Api.Features.Payouts.Rules;

namespace SurvivorConnect.UnitTests.Payouts;

public sealed class PayoutRulesTests
{
    /// <summary>Sam is paid; Jamie prepared it; Jo recorded the attendance; Riley made the work and Kim raised its pay.</summary>
    private static readonly PayoutHands Hands = new("sam", "jamie", ["jo"], ["riley", "kim"]);

    [Theory]
    [InlineData(true, PayeeMethod.Check, PayeeMethod.Stripe, false, true)]
    [InlineData(true, PayeeMethod.PrepaidCard, PayeeMethod.Stripe, false, true)]
    [InlineData(true, null, PayeeMethod.Stripe, false, true)]
    [InlineData(true, PayeeMethod.Stripe, PayeeMethod.Stripe, true, true)]
    [InlineData(true, PayeeMethod.Stripe, PayeeMethod.Stripe, false, false)]
    [InlineData(true, PayeeMethod.Stripe, PayeeMethod.Check, false, false)]
    [InlineData(false, PayeeMethod.Check, PayeeMethod.Stripe, true, true)]
    [InlineData(false, PayeeMethod.PrepaidCard, PayeeMethod.Stripe, false, true)]
    [InlineData(false, null, PayeeMethod.Stripe, true, false)]
    [InlineData(false, PayeeMethod.Stripe, PayeeMethod.Stripe, true, false)]
    [InlineData(false, PayeeMethod.Check, PayeeMethod.PrepaidCard, false, false)]
    public void Only_a_change_that_could_send_pay_to_another_bank_away_from_a_way_they_chose_or_were_paid_waits_for_finance_to_check_it(
        bool paidBefore, PayeeMethod? before, PayeeMethod after, bool bankDetailsGiven, bool toCheck)
    {
        Assert.Equal(toCheck, PayoutRules.PayChangeToConfirm(paidBefore, before, after, bankDetailsGiven));
    }

    [Fact]
    public void A_finance_approver_may_approve_a_pending_payout_someone_else_prepared_for_someone_else()
    {
        Assert.Null(PayoutRules.WhyNotApprove("casey", Hands, PayoutState.Pending, 1, []));
    }

    [Fact]
    public void Nobody_approves_a_payout_that_pays_them_or_that_they_prepared_nor_alone_one_whose_amount_they_decided()
    {
        Assert.Contains("pays you", PayoutRules.WhyNotApprove("sam", Hands, PayoutState.Pending, 2, []), StringComparison.Ordinal);
        Assert.Contains("prepared", PayoutRules.WhyNotApprove("jamie", Hands, PayoutState.Pending, 2, []), StringComparison.Ordinal);
        Assert.Contains("recorded the attendance", PayoutRules.WhyNotApprove("jo", Hands, PayoutState.Pending, 1, []), StringComparison.Ordinal);
        Assert.Contains("set what this work pays", PayoutRules.WhyNotApprove("riley", Hands, PayoutState.Pending, 1, []), StringComparison.Ordinal);
        Assert.Contains("set what this work pays", PayoutRules.WhyNotApprove("kim", Hands, PayoutState.Pending, 1, []), StringComparison.Ordinal);
        Assert.Null(PayoutRules.WhyNotApprove("jo", Hands, PayoutState.Pending, 2, []));
        Assert.Null(PayoutRules.WhyNotApprove("kim", Hands, PayoutState.Pending, 2, []));
    }

    [Fact]
    public void Whoever_checked_a_new_bank_with_the_payee_neither_approves_alone_nor_sends_again_what_goes_there()
    {
        var checkedByCasey = Hands with { PayChangeCheckedBy = "casey" };

        Assert.Contains("checked the payee's new way of being paid", PayoutRules.WhyNotApprove("casey", checkedByCasey, PayoutState.Pending, 1, []), StringComparison.Ordinal);
        Assert.Null(PayoutRules.WhyNotApprove("casey", checkedByCasey, PayoutState.Pending, 2, []));
        Assert.Contains("checked the payee's new way of being paid", PayoutRules.WhyNotPay("casey", checkedByCasey, PayoutRules.SendItAgain), StringComparison.Ordinal);
    }

    [Fact]
    public void Nobody_moves_the_money_of_their_own_pay_of_a_payout_they_prepared_or_one_whose_amount_they_decided()
    {
        Assert.Null(PayoutRules.WhyNotPay("casey", Hands, PayoutRules.RecordItsPayment));
        Assert.Null(PayoutRules.WhyNotPay("casey", Hands with { AttendanceRecordedBy = [], TermsSetBy = [] }, PayoutRules.RecordItsPayment));
        Assert.Contains("pays you", PayoutRules.WhyNotPay("sam", Hands, PayoutRules.RecordItsPayment), StringComparison.Ordinal);
        Assert.Contains("prepared", PayoutRules.WhyNotPay("jamie", Hands, PayoutRules.RecordItsPayment), StringComparison.Ordinal);
        Assert.Contains("recorded the attendance", PayoutRules.WhyNotPay("jo", Hands, PayoutRules.RecordItsPayment), StringComparison.Ordinal);
        Assert.Contains("set what this work pays", PayoutRules.WhyNotPay("kim", Hands, PayoutRules.SendItAgain), StringComparison.Ordinal);
        Assert.Contains("recorded how this payee is paid", PayoutRules.WhyNotPay("casey", Hands with { PayeeSetUpBy = "casey" }, PayoutRules.RecordItsPayment), StringComparison.Ordinal);
        Assert.Null(PayoutRules.WhyNotPay("casey", Hands with { PayeeSetUpBy = "casey" }, PayoutRules.SendItAgain));
        Assert.Null(PayoutRules.WhyNotPay("casey", Hands with { PayeeSetUpBy = "casey" }, PayoutRules.SetItAside));
        Assert.Contains("set this payout aside", PayoutRules.WhyNotPay("casey", Hands with { SetAsideBy = "casey" }, PayoutRules.RecordItsPayment), StringComparison.Ordinal);
        Assert.Null(PayoutRules.WhyNotPay("casey", Hands with { SetAsideBy = "casey" }, PayoutRules.SendItAgain));
        Assert.Contains("must set it aside", PayoutRules.WhyNotPay("jamie", Hands, PayoutRules.SetItAside), StringComparison.Ordinal);
    }

    [Fact]
    public void A_payout_is_behind_its_claim_once_the_claim_is_gone_or_was_left_open_and_changed()
    {
        Assert.False(PayoutRules.ClaimChanged(claimExists: true, claimSubmitted: true, "e2", "e1"));
        Assert.False(PayoutRules.ClaimChanged(claimExists: true, claimSubmitted: false, "e1", "e1"));
        Assert.False(PayoutRules.ClaimChanged(claimExists: true, claimSubmitted: false, "e2", calculatedFrom: null));
        Assert.True(PayoutRules.ClaimChanged(claimExists: true, claimSubmitted: false, "e2", "e1"));
        Assert.True(PayoutRules.ClaimChanged(claimExists: false, claimSubmitted: false, null, "e1"));
    }

    [Fact]
    public void Of_two_approvers_at_most_one_decided_the_amount()
    {
        Assert.Contains("no hand in its amount", PayoutRules.WhyNotApprove("kim", Hands, PayoutState.Pending, 2, ["jo"]), StringComparison.Ordinal);
        Assert.Contains("no hand in its amount", PayoutRules.WhyNotApprove("jo", Hands, PayoutState.Pending, 2, ["riley"]), StringComparison.Ordinal);
        Assert.Null(PayoutRules.WhyNotApprove("kim", Hands, PayoutState.Pending, 2, ["casey"]));
        Assert.Null(PayoutRules.WhyNotApprove("casey", Hands, PayoutState.Pending, 2, ["jo"]));
    }

    [Fact]
    public void The_same_approver_cannot_be_both_of_two()
    {
        Assert.Contains("second approver", PayoutRules.WhyNotApprove("casey", Hands, PayoutState.Pending, 2, ["casey"]), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(PayoutState.Approved)]
    [InlineData(PayoutState.Sending)]
    [InlineData(PayoutState.Paid)]
    [InlineData(PayoutState.Cancelled)]
    public void Only_a_pending_payout_can_be_approved(PayoutState state)
    {
        Assert.NotNull(PayoutRules.WhyNotApprove("casey", Hands, state, 1, []));
    }

    [Theory]
    [InlineData(499.99, 1)]
    [InlineData(500.00, 2)]
    [InlineData(1200.00, 2)]
    public void Two_approvers_from_the_agency_amount_up(double total, int needed)
    {
        Assert.Equal(needed, PayoutRules.ApprovalsNeeded((decimal)total, 500m));
    }

    [Fact]
    public void Stripe_news_ends_in_the_same_state_whatever_order_it_comes_in()
    {
        PayoutState[] news = [PayoutState.Paid, PayoutState.Failed, PayoutState.Reversed];
        foreach (var order in Permutations(news))
        {
            var state = PayoutState.Sending;
            foreach (var next in order.Concat(order))
            {
                state = PayoutRules.StripeMoves(state, next) ? next : state;
            }

            Assert.Equal(PayoutState.Reversed, state);
        }
    }

    [Fact]
    public void Paid_news_after_a_failure_does_not_undo_it_but_a_bank_return_after_paid_does()
    {
        Assert.False(PayoutRules.StripeMoves(PayoutState.Failed, PayoutState.Paid));
        Assert.True(PayoutRules.StripeMoves(PayoutState.Paid, PayoutState.Failed));
        Assert.False(PayoutRules.StripeMoves(PayoutState.Paid, PayoutState.Paid));
    }

    [Theory]
    [InlineData(PayoutState.Pending, null, true, false)]
    [InlineData(PayoutState.Approved, null, true, true)]
    [InlineData(PayoutState.Failed, null, true, true)]
    [InlineData(PayoutState.Approved, "tr_1", false, false)]
    [InlineData(PayoutState.Failed, "tr_1", false, false)]
    [InlineData(PayoutState.Sending, null, false, false)]
    [InlineData(PayoutState.Paid, null, false, false)]
    [InlineData(PayoutState.Paid, "tr_1", false, false)]
    [InlineData(PayoutState.Reversed, "tr_1", true, true)]
    public void Once_money_reached_the_payee_s_Stripe_balance_the_payout_is_neither_cancelled_nor_paid_another_way_until_it_is_taken_back(PayoutState state, string? transferId, bool cancel, bool outside)
    {
        Assert.Equal(cancel, PayoutRules.CanCancel(state, transferId));
        Assert.Equal(outside, PayoutRules.CanPayOutside(state, transferId));
    }

    [Theory]
    [InlineData(PayoutState.Approved, PayeeMethod.Stripe, null, true)]
    [InlineData(PayoutState.Failed, PayeeMethod.Stripe, null, true)]
    [InlineData(PayoutState.Failed, PayeeMethod.Stripe, "tr_1", false)]
    [InlineData(PayoutState.Failed, PayeeMethod.Check, null, false)]
    [InlineData(PayoutState.Approved, PayeeMethod.Check, null, false)]
    [InlineData(PayoutState.Pending, PayeeMethod.Stripe, null, false)]
    [InlineData(PayoutState.Sending, PayeeMethod.Stripe, null, false)]
    public void A_payout_Stripe_may_still_send_or_be_asked_to_send_again_is_set_aside_before_a_check(PayoutState state, PayeeMethod method, string? transferId, bool stripes)
    {
        Assert.Equal(stripes, PayoutRules.StripesToSend(state, method, transferId));
    }

    [Theory]
    [InlineData(PayoutState.Pending)]
    [InlineData(PayoutState.Approved)]
    [InlineData(PayoutState.Cancelled)]
    public void Stripe_news_never_moves_a_payout_that_was_not_sent(PayoutState state)
    {
        Assert.False(PayoutRules.StripeMoves(state, PayoutState.Paid));
        Assert.False(PayoutRules.StripeMoves(state, PayoutState.Failed));
    }

    [Fact]
    public void A_payout_approved_again_after_a_failure_is_moved_by_its_transfers_reversal_only()
    {
        Assert.True(PayoutRules.StripeMoves(PayoutState.Approved, PayoutState.Reversed));
        Assert.False(PayoutRules.StripeMoves(PayoutState.Pending, PayoutState.Reversed));
        Assert.False(PayoutRules.StripeMoves(PayoutState.Cancelled, PayoutState.Reversed));
    }

    [Fact]
    public void Money_moves_in_the_ledger_only_when_a_payout_is_paid_or_paid_money_comes_back()
    {
        Assert.Equal(LedgerKind.Payment, PayoutData.LedgerMove(PayoutState.Sending, PayoutState.Paid));
        Assert.Equal(LedgerKind.Payment, PayoutData.LedgerMove(PayoutState.Approved, PayoutState.Paid));
        Assert.Equal(LedgerKind.Reversal, PayoutData.LedgerMove(PayoutState.Paid, PayoutState.Failed));
        Assert.Equal(LedgerKind.Reversal, PayoutData.LedgerMove(PayoutState.Paid, PayoutState.Reversed));
        Assert.Null(PayoutData.LedgerMove(PayoutState.Sending, PayoutState.Failed));
        Assert.Null(PayoutData.LedgerMove(PayoutState.Pending, PayoutState.Approved));
    }

    [Theory]
    [InlineData(2025, 600.0)]
    [InlineData(2026, 2000.0)]
    [InlineData(2030, 2000.0)]
    public void The_information_return_threshold_is_the_one_for_the_payment_year(int year, double threshold)
    {
        ReportingThreshold[] thresholds = [new(2000, 600m), new(2026, 2000m)];

        Assert.Equal((decimal)threshold, TaxYear.ThresholdFor(year, thresholds));
    }

    [Fact]
    public void Tax_details_are_needed_before_the_payment_that_reaches_the_threshold()
    {
        ReportingThreshold[] thresholds = [new(2000, 600m), new(2026, 2000m)];

        Assert.False(TaxYear.NeedsTaxDetails(1800m, 199.99m, 2026, thresholds));
        Assert.True(TaxYear.NeedsTaxDetails(1800m, 200m, 2026, thresholds));
        Assert.True(TaxYear.NeedsTaxDetails(500m, 100m, 2025, thresholds));
        Assert.False(TaxYear.NeedsTaxDetails(5000m, 0m, 2026, thresholds));
    }

    [Fact]
    public void Reimbursements_are_kept_apart_from_the_compensation_that_counts()
    {
        var year = new PayeeYear("sam", 2026, 1900m, 800m);

        Assert.Equal(2700m, year.Total);
        Assert.False(TaxYear.Crosses(year.Compensation, 2026, [new(2026, 2000m)]));
    }

    [Theory]
    [InlineData(12.34, "USD", 1234)]
    [InlineData(0.01, "usd", 1)]
    [InlineData(500, "JPY", 500)]
    [InlineData(12.34, "KWD", 12340)]
    public void Stripe_is_given_amounts_in_minor_units(double amount, string currency, long minor)
    {
        Assert.Equal(minor, Money.ToMinorUnits((decimal)amount, currency));
    }

    [Theory]
    [InlineData(12.345, "USD")]
    [InlineData(833.33, "JPY")]
    [InlineData(5.124, "KWD")]
    public void An_amount_finer_than_its_currency_is_paid_in_never_reaches_Stripe(double amount, string currency)
    {
        Assert.False(Money.TryToMinorUnits((decimal)amount, currency, out _));
        Assert.Throws<ArgumentException>(() => Money.ToMinorUnits((decimal)amount, currency));
    }

    private static IEnumerable<PayoutState[]> Permutations(PayoutState[] items) =>
        items.Length <= 1 ? [items] : items.SelectMany((item, i) => Permutations([.. items.Where((_, j) => j != i)]).Select(rest => (PayoutState[])[item, .. rest]));

    [Theory]
    [InlineData("CONSULTING PAYMENT", true)]
    [InlineData("PAYMENT 2026", true)]
    [InlineData("PAY", false)]
    [InlineData("A DESCRIPTOR FAR TOO LONG", false)]
    [InlineData("12345", false)]
    [InlineData("PAY *SHELTER", false)]
    [InlineData("PAYMENT\u00e9", false)]
    [InlineData(null, false)]
    public void A_statement_descriptor_is_one_Stripe_takes(string? text, bool taken) => Assert.Equal(taken, StripeOptions.IsStatementDescriptor(text));
}
