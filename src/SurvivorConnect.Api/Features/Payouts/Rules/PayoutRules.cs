using System.Text.Json.Serialization;

namespace SurvivorConnect.Api.Features.Payouts.Rules;

[JsonConverter(typeof(JsonStringEnumConverter<PayoutState>))]
public enum PayoutState
{
    /// <summary>Prepared from a claim; waits for approval (one approver, or two above the agency's amount).</summary>
    Pending,

    /// <summary>Approved; waits to be sent through Stripe, or to be paid outside Stripe by finance.</summary>
    Approved,

    /// <summary>Being sent: the transfer and the payout to the payee's bank are under way at Stripe.</summary>
    Sending,

    Paid,

    /// <summary>Stripe refused or the bank returned it; finance decides what happens next (nothing retries by itself).</summary>
    Failed,

    Cancelled,

    /// <summary>The money was taken back after it was paid (a reversed transfer).</summary>
    Reversed,
}

/// <summary>
/// Who had a hand in a payout: whom it pays, who prepared it, who decided its amount (who recorded the attendance it
/// pays for, and who made or changed the work: its rate), and the finance approver who recorded how a payee who cannot
/// do it themselves is paid (so chose where money paid outside Stripe goes).
/// </summary>
public sealed record PayoutHands(string PayeeId, string CreatedBy, IReadOnlyCollection<string> AttendanceRecordedBy, IReadOnlyCollection<string> TermsSetBy)
{
    public string? PayeeSetUpBy { get; init; }

    public string? SetAsideBy { get; init; }

    /// <summary>
    /// The finance approver who recently checked with the payee a change of where their Stripe pay goes (a new bank), so
    /// confirmed where this money lands.
    /// </summary>
    public string? PayChangeCheckedBy { get; init; }
}

/// <summary>Who may approve a payout, how many must, and how Stripe's news moves it on, in any order it arrives.</summary>
public static class PayoutRules
{
    /// <summary>Why this person may not approve this payout now, or null when they may.</summary>
    public static string? WhyNotApprove(string approverId, PayoutHands hands, PayoutState state, int approvalsNeeded, IReadOnlyCollection<string> approvedBy)
    {
        ArgumentNullException.ThrowIfNull(hands);
        ArgumentNullException.ThrowIfNull(approvedBy);
        return state != PayoutState.Pending ? "Only a payout waiting for approval can be approved."
            : OwnHand(approverId, hands, alone: approvalsNeeded < 2) is { } own ? $"{own}: another approver must approve it."
            : approvedBy.Contains(approverId) ? "You have approved this payout: a second approver must approve it too."
            : OwnHand(approverId, hands, alone: true) is { } decided && approvedBy.Any(a => OwnHand(a, hands, alone: true) is not null)
                ? $"{decided}, and so did the approver before you: an approver who had no hand in its amount must approve it."
            : null;
    }

    /// <summary>
    /// Who may not move an approved payout's money on (record it paid, send it again): as for approving it alone; and, for
    /// money paid outside Stripe, whoever recorded how the payee is paid or set the payout aside from Stripe, so one person
    /// never both chooses where it goes and says it went.
    /// </summary>
    /// <param name="step">What another approver must do instead, in words.</param>
    public static string? WhyNotPay(string actorId, PayoutHands hands, string step)
    {
        ArgumentNullException.ThrowIfNull(hands);
        return OwnHand(actorId, hands, alone: true) is { } own ? $"{own}: another finance approver must {step}."
            : step == RecordItsPayment && actorId == hands.PayeeSetUpBy ? $"You recorded how this payee is paid: another finance approver must {step}."
            : step == RecordItsPayment && actorId == hands.SetAsideBy ? $"You set this payout aside to pay another way: another finance approver must {step}."
            : null;
    }

    /// <summary>
    /// The person's own hand in the payout, in words, when it keeps them from deciding it: their own pay, or what they
    /// prepared; and, when they would decide it <paramref name="alone"/>, an amount they decided. Whoever decided the
    /// amount may be one of two approvers, with one who did not (an agency with two, one of whom records attendance, still
    /// approves the larger payouts). Null when they had no such hand in it.
    /// </summary>
    public static string? OwnHand(string personId, PayoutHands hands, bool alone)
    {
        ArgumentNullException.ThrowIfNull(hands);
        return personId == hands.PayeeId ? "This payout pays you"
            : personId == hands.CreatedBy ? "You prepared this payout"
            : alone && hands.AttendanceRecordedBy.Contains(personId) ? "You recorded the attendance this pays for"
            : alone && hands.TermsSetBy.Contains(personId) ? "You set what this work pays"
            : alone && personId == hands.PayChangeCheckedBy ? "You checked the payee's new way of being paid with them"
            : null;
    }

    public const string RecordItsPayment = "record its payment";

    public const string SendItAgain = "send it again";

    public const string SetItAside = "set it aside to pay another way";

    public const string ApprovalsGone =
        "This payout is not approved enough to pay now: someone who approved it is no longer a finance approver, or the agency's two-approver amount was lowered to its total. Cancel it, then send its claim to finance again for a fresh approval.";

    public const string SetAsideFirst =
        "Stripe may still send this payout once the payee is ready. Set it aside to pay another way first, then write the check, so it is not paid twice.";

    public const string ClaimChangedRefusal =
        "The claim behind this payout changed after it was prepared. Cancel this payout, then send this opportunity's claims to finance again from Claims to pay.";

    /// <summary>
    /// Whether a payout's claim is no longer the one it was calculated from: gone, or left open by a preparation that
    /// failed to close it and changed since (recorded again, travel added). Such a payout is not approved.
    /// </summary>
    public static bool ClaimChanged(bool claimExists, bool claimSubmitted, string? claimETag, string? calculatedFrom) =>
        !claimExists || !claimSubmitted && calculatedFrom is not null && claimETag != calculatedFrom;

    /// <summary>
    /// Whether a change to how someone is paid waits for finance to check it with them before money goes that way: one
    /// that could send their pay to a bank account someone else holds: into Stripe from another way chosen before (a
    /// survivor not paid yet may have pay waiting, to go wherever the new way says), or, for a payee paid before, bank
    /// details given to Stripe again. Someone holding their phone could make it; a first choice has no earlier way to
    /// keep them on.
    /// </summary>
    public static bool PayChangeToConfirm(bool paidBefore, PayeeMethod? before, PayeeMethod after, bool bankDetailsGiven) =>
        after == PayeeMethod.Stripe && (before is { } earlier && earlier != PayeeMethod.Stripe || paidBefore && (before is null || bankDetailsGiven));

    /// <summary>
    /// How long whoever checked a change of where someone's Stripe pay goes does not also move that pay alone: one person
    /// would both say the new bank is theirs and send the money there.
    /// </summary>
    public static readonly TimeSpan PayChangeCheckerStandsAside = TimeSpan.FromDays(30);

    /// <summary>
    /// How recent a change to how someone is paid is checked with them again when they end all their sign-ins, as
    /// someone whose phone was taken does.
    /// </summary>
    public static readonly TimeSpan PayChangeRecheckedOnSignOut = TimeSpan.FromDays(30);

    /// <summary>Two different approvers for a payout at or above the agency's amount; one below it.</summary>
    public static int ApprovalsNeeded(decimal total, decimal twoApproverThreshold) => total >= twoApproverThreshold ? 2 : 1;

    /// <summary>
    /// Whether a payout may be cancelled (its claim then opens for a corrected payout): one not yet sent, or one that
    /// failed before Stripe moved any money, or one whose whole transfer Stripe took back. While a transfer stands, the
    /// money is in the payee's Stripe balance: a second payout for the claim would pay twice, so it may only be sent on.
    /// </summary>
    public static bool CanCancel(PayoutState state, string? transferId) =>
        state == PayoutState.Reversed || transferId is null && state is PayoutState.Pending or PayoutState.Approved or PayoutState.Failed;

    /// <summary>
    /// Whether finance may record a payout as paid another way (a check, say): only while no money is in the payee's
    /// Stripe balance (none reached it, or all of it was taken back), since that money would then be paid twice.
    /// </summary>
    public static bool CanPayOutside(PayoutState state, string? transferId) =>
        state == PayoutState.Reversed || transferId is null && state is PayoutState.Approved or PayoutState.Failed;

    /// <summary>
    /// Whether Stripe may still send the payout: approved for it, or failed before any money moved (so "Send again" would
    /// send it). Paying it another way first needs it set aside, or it could be paid twice.
    /// </summary>
    public static bool StripesToSend(PayoutState state, PayeeMethod? method, string? transferId) =>
        method == PayeeMethod.Stripe && transferId is null && state is PayoutState.Approved or PayoutState.Failed;

    /// <summary>
    /// Whether the payout's transfer should stand reversed at Stripe: it says so, or it was cancelled or paid another
    /// way after a transfer, which only a reversal allows.
    /// </summary>
    public static bool TransferTakenBack(PayoutState state, string? transferId, string? outsideReference) =>
        state == PayoutState.Reversed || transferId is not null && (state == PayoutState.Cancelled || outsideReference is not null);

    /// <summary>
    /// Whether news from Stripe moves a payout being sent or already settled to <paramref name="next"/>. Stripe's
    /// events may come in any order and more than once, so each can only move a payout forward: paid after
    /// sending, failed after sending or paid (a bank can return money it took), reversed after any of them. A payout
    /// approved again after a failure has not been sent again yet, but its transfer stands and can still be reversed.
    /// </summary>
    public static bool StripeMoves(PayoutState current, PayoutState next) => current == PayoutState.Approved
        ? next == PayoutState.Reversed
        : Rank(current) is { } from && Rank(next) is { } to && to > from;

    private static int? Rank(PayoutState state) => state switch
    {
        PayoutState.Sending => 0,
        PayoutState.Paid => 1,
        PayoutState.Failed => 2,
        PayoutState.Reversed => 3,
        _ => null,
    };
}
