using System.Text.Json.Serialization;
using SurvivorConnect.Api.Features.Payouts.Rules;
using SurvivorConnect.Api.Infrastructure.Pipeline;
using SurvivorConnect.Storage;

namespace SurvivorConnect.Api.Features.Payouts;

[JsonConverter(typeof(JsonStringEnumConverter<PayeeMethod>))]
public enum PayeeMethod
{
    /// <summary>Into their bank account or debit card, through their own Stripe Express account.</summary>
    Stripe,

    /// <summary>A paper check, recorded by finance as paid outside Stripe.</summary>
    Check,

    /// <summary>A prepaid card, recorded by finance as paid outside Stripe.</summary>
    PrepaidCard,
}

public sealed record PayoutApproval(string By, DateTimeOffset At);

/// <summary>
/// What one session's claim pays one survivor, line by line, and where the money is. The id comes from the
/// claim's, so a claim is paid by one payout only; Stripe's idempotency keys come from the id and the attempt.
/// </summary>
public sealed record Payout : Document
{
    public static readonly ContainerSpec Container = new("payouts", "payeeId", "opportunityId", "state", "year", "dueAt", "createdAt", "payChangeToConfirmSince");

    public override string Type => "payout";

    public required string ClaimId { get; init; }

    public required string OpportunityId { get; init; }

    public required string OpportunityTitle { get; init; }

    public required string SessionId { get; init; }

    public required DateOnly SessionDate { get; init; }

    public required string PayeeId { get; init; }

    public required IReadOnlyList<PayoutLine> Lines { get; init; }

    public required decimal Compensation { get; init; }

    public required decimal Reimbursement { get; init; }

    public required decimal Total { get; init; }

    public required string Currency { get; init; }

    public PayoutState State { get; init; } = PayoutState.Pending;

    public required string CreatedBy { get; init; }

    /// <summary>Who recorded the attendance it pays for (none on payouts prepared before this was kept).</summary>
    public string? RecordedBy { get; init; }

    /// <summary>Who recorded that attendance before them (<see cref="CompensationClaim.EarlierRecordedBy"/>).</summary>
    public IReadOnlyList<string> EarlierRecordedBy { get; init; } = [];

    /// <summary>The version of the claim it was calculated from (none on payouts prepared before this was kept).</summary>
    public string? ClaimETag { get; init; }

    public required DateTimeOffset CreatedAt { get; init; }

    public required int ApprovalsNeeded { get; init; }

    public IReadOnlyList<PayoutApproval> Approvals { get; init; } = [];

    /// <summary>How it is paid, fixed when it is approved from the payee's choice then.</summary>
    public PayeeMethod? Method { get; init; }

    /// <summary>Which sending this is: a failed payout finance sends again gets new idempotency keys.</summary>
    public int Attempt { get; init; } = 1;

    public string? StripeAccountId { get; init; }

    public string? TransferId { get; init; }

    public string? BankPayoutId { get; init; }

    public string? OutsideReference { get; init; }

    /// <summary>Who set it aside from Stripe to be paid another way: someone else records that it was paid.</summary>
    public string? SetAsideBy { get; init; }

    /// <summary>Stripe's error or failure code only: never a message that could carry bank details.</summary>
    public string? FailureCode { get; init; }

    public DateTimeOffset? PaidAt { get; init; }

    /// <summary>The calendar year the money reached the payee (the tax year), once paid.</summary>
    public int? Year { get; init; }

    public DateTimeOffset? ChangedAt { get; init; }

    public static string IdFor(string claimId) => "payout~" + claimId["claim~".Length..];

    public string IdempotencyKey(string step) => $"{Id}~{step}~{Attempt}";
}

/// <summary>
/// A survivor as a payee: how they want to be paid, their Stripe account id (never bank details: Stripe keeps
/// those), whether they have read the public-benefits notice, and whether finance holds their tax details.
/// </summary>
public sealed record PayeeAccount : Document
{
    public override string Type => "payee-account";

    public required string PersonId { get; init; }

    public PayeeMethod? Method { get; init; }

    public string? StripeAccountId { get; init; }

    /// <summary>Stripe says the account can receive payouts (onboarding finished).</summary>
    public bool StripeReady { get; init; }

    public DateTimeOffset? BenefitsNoticeSeenAt { get; init; }

    /// <summary>
    /// The finance approver who told the payee of the notice and recorded how they chose to be paid, for a payee who can
    /// no longer set up payment themselves (deactivated, or no longer an advisor or mentor); null when they did it themselves.
    /// </summary>
    public string? SetUpBy { get; init; }

    /// <summary>When finance recorded that the payee's tax form is on file (the form itself is kept outside).</summary>
    public DateTimeOffset? TaxDetailsOnFileAt { get; init; }

    public string? TaxDetailsRecordedBy { get; init; }

    public DateTimeOffset? ChangedAt { get; init; }

    /// <summary>When how they are paid last changed: another way chosen, or bank details given to Stripe (again).</summary>
    public DateTimeOffset? PayChangedAt { get; init; }

    /// <summary>
    /// Since when a change to how they are paid waits for finance to check it with them (<see cref="PayoutRules.PayChangeToConfirm"/>):
    /// meanwhile nothing is sent to their Stripe account.
    /// </summary>
    public DateTimeOffset? PayChangeToConfirmSince { get; init; }

    /// <summary>
    /// The bank accounts and cards (Stripe's ids) of their Stripe account that have been through the rules for a change
    /// to how they are paid (<see cref="BankDetailsNews"/>): a bank payout goes only where every one Stripe holds is here.
    /// None for a Stripe account opened before they were kept, whose news was judged as it came.
    /// </summary>
    public IReadOnlyList<string>? KnownBanks { get; init; }

    /// <summary>Stripe accounts named by changes the payee did not make: nothing is ever sent to them.</summary>
    public IReadOnlyList<string> StripeAccountsLetGo { get; init; } = [];

    /// <summary>The finance approver who last checked a change with them, and when.</summary>
    public string? PayChangeCheckedBy { get; init; }

    public DateTimeOffset? PayChangeCheckedAt { get; init; }

    /// <summary>The latest change that check was about: news of a change after it (Stripe's, however late) is checked anew.</summary>
    public DateTimeOffset? PayChangeCheckedThrough { get; init; }

    /// <summary>
    /// What finance decides on: the check it belongs to (when it began), then the latest change in it. It moves with every
    /// change to how they are paid, and with nothing else.
    /// </summary>
    public string? PayChangeVersion => PayChangeToConfirmSince is { } since
        ? string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{since.UtcTicks}-{(PayChangedAt ?? since).UtcTicks}")
        : null;

    /// <summary>Whether a version was read during the check now waiting (not an earlier one, decided since).</summary>
    public bool IsOfWaitingCheck(string version) =>
        PayChangeToConfirmSince is { } since && version.StartsWith(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{since.UtcTicks}-"), StringComparison.Ordinal);

    public static string IdFor(string personId) => "payee~" + personId;
}

/// <summary>The agency's payout policy: the amount from which two approvers are needed, and its own per diem rates.</summary>
public sealed record PayoutSettings : Document
{
    public const string DocumentId = "payout-settings";

    public const decimal DefaultTwoApproverThreshold = 500m;

    public override string Type => "payout-settings";

    public decimal TwoApproverThreshold { get; init; } = DefaultTwoApproverThreshold;

    public IReadOnlyList<PerDiemRate> LocationRates { get; init; } = [];

    public DateTimeOffset? UpdatedAt { get; init; }

    public string? UpdatedBy { get; init; }

    /// <summary>The last time two approvers were asked for less often or the rates changed, kept to be told (again) within the hour.</summary>
    public Agencies.PolicyLoosening? Loosened { get; init; }
}

[JsonConverter(typeof(JsonStringEnumConverter<LedgerKind>))]
public enum LedgerKind
{
    Payment,
    Reversal,
}

/// <summary>
/// One money movement, written in the same transaction as the payout's change that caused it, so the ledger
/// and the payouts always agree. A reversal is a negative entry; nothing is ever edited.
/// </summary>
public sealed record LedgerEntry : Document
{
    public override string Type => "ledger-entry";

    public required string PayoutId { get; init; }

    public required string PayeeId { get; init; }

    public required string OpportunityId { get; init; }

    public required LedgerKind Kind { get; init; }

    public required decimal Amount { get; init; }

    public required decimal Compensation { get; init; }

    public required decimal Reimbursement { get; init; }

    public required string Currency { get; init; }

    public required int Year { get; init; }

    public required DateTimeOffset At { get; init; }

    /// <summary>Stripe's transfer id, or finance's reference for a payment made outside Stripe.</summary>
    public string? Reference { get; init; }

    public static string IdFor(Payout payout, LedgerKind kind) => $"ledger~{payout.Id["payout~".Length..]}~{payout.Attempt}~{kind}";
}

/// <summary>
/// An approved payout to send through Stripe, in the one partition every agency shares ("payout-outbox"), so
/// every instance's sender finds what is due. It holds ids and times only. It is written before the payout is
/// approved, so no approved payout is ever without one; an instance leases it before sending.
/// </summary>
public sealed record PayoutOutboxItem : Document
{
    public const string Partition = "payout-outbox";

    public override string Type => "payout-outbox";

    public required string PayoutId { get; init; }

    public required int Attempt { get; init; }

    /// <summary>When an instance may next take it: now when new, the end of the lease while one holds it.</summary>
    public required DateTimeOffset DueAt { get; init; }

    public required DateTimeOffset CreatedAt { get; init; }

    /// <summary>The payout id names a person, whose id (as the agency's) may be long: digested, the longest still fit the store.</summary>
    public static string IdFor(string agencyId, string payoutId, int attempt) => $"{agencyId}~{Digest.Of($"{payoutId}\n{attempt}", 40)}";
}

/// <summary>A Stripe event already acted on, created in the same transaction as the change it made: each event counts once.</summary>
public sealed record StripeEventRecord : Document
{
    public override string Type => "stripe-event";

    public required string EventType { get; init; }

    public required DateTimeOffset ReceivedAt { get; init; }

    public static string IdFor(string eventId) => "stripe-event~" + eventId;
}
