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

/// <summary>Who may approve a payout, how many must, and how Stripe's news moves it on, in any order it arrives.</summary>
public static class PayoutRules
{
    /// <summary>Why this person may not approve this payout now, or null when they may.</summary>
    /// <param name="recordedBy">
    /// Who recorded the attendance it pays for, which decides the amount: they may not approve it alone, but may be one
    /// of two (an agency with two approvers, one of whom records attendance, can still approve the larger payouts).
    /// </param>
    public static string? WhyNotApprove(
        string approverId, string createdBy, string? recordedBy, string payeeId, PayoutState state, int approvalsNeeded, IReadOnlyCollection<string> approvedBy)
    {
        ArgumentNullException.ThrowIfNull(approvedBy);
        return state != PayoutState.Pending ? "Only a payout waiting for approval can be approved."
            : approverId == payeeId ? "This payout pays you: another approver must approve it."
            : approverId == createdBy ? "You prepared this payout: another approver must approve it."
            : approverId == recordedBy && approvalsNeeded < 2 ? "You recorded the attendance this pays for: another approver must approve it."
            : approvedBy.Contains(approverId) ? "You have approved this payout: a second approver must approve it too."
            : null;
    }

    /// <summary>
    /// Why <paramref name="recorderId"/> may not record a payout as paid outside Stripe, or null when they may: as for
    /// approval, not their own pay, nor what they prepared, nor pay that their own record of attendance decided.
    /// </summary>
    /// <summary>Who may not move an approved payout's money on (record it paid, send it again): as for approving it.</summary>
    /// <param name="step">What another approver must do instead, in words.</param>
    public static string? WhyNotPay(string actorId, string createdBy, string? attendanceRecordedBy, string payeeId, string step) =>
        actorId == payeeId ? $"This payout pays you: another finance approver must {step}."
        : actorId == createdBy ? $"You prepared this payout: another finance approver must {step}."
        : actorId == attendanceRecordedBy ? $"You recorded the attendance this payout is for: another finance approver must {step}."
        : null;

    public const string RecordItsPayment = "record its payment";

    public const string SendItAgain = "send it again";

    public const string ApprovalsGone =
        "Someone who approved this payout is no longer a finance approver, so it is not approved enough to pay. Cancel it, then send its claim to finance again for a fresh approval.";

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
