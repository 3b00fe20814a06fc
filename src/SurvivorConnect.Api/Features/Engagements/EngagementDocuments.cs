using System.Text.Json.Serialization;
using SurvivorConnect.Api.Features.Agencies;
using SurvivorConnect.Api.Features.Engagements.Rules;
using SurvivorConnect.Api.Infrastructure.Pipeline;
using SurvivorConnect.Storage;

namespace SurvivorConnect.Api.Features.Engagements;

/// <summary>Kinds of work an agency pays survivors for, each with the hourly rate other professionals earn for it.</summary>
public sealed record WorkKind(string Key, string Name, decimal? BenchmarkHourlyRate);

/// <summary>An agency's engagement settings: its currency and its kinds of work. One per agency.</summary>
public sealed record EngagementSettings : Document
{
    public const string DocumentId = "engagement-settings";

    public static readonly ContainerSpec Container = new("engagements", "personId", "opportunityId", "state", "startUtc", "createdAt", "kinds");

    public override string Type => "engagement-settings";

    public string Currency { get; init; } = "USD";

    public IReadOnlyList<WorkKind> Kinds { get; init; } = [];

    /// <summary>Whether a session the agency cancels this close to its start still pays as if attended.</summary>
    public bool LateCancellationPays { get; init; } = true;

    public int LateCancellationHours { get; init; } = 24;

    /// <summary>The most a participant is reimbursed for receipted costs (parking, fares) for one session.</summary>
    public decimal ReceiptCap { get; init; } = DefaultReceiptCap;

    public const decimal DefaultReceiptCap = 100m;

    public DateTimeOffset? UpdatedAt { get; init; }

    public string? UpdatedBy { get; init; }

    /// <summary>The last change that paid survivors less (<see cref="PaysLess"/>), told to the other admins.</summary>
    public PolicyLoosening? Loosened { get; init; }

    /// <summary>
    /// Whether <paramref name="after"/> holds paid work to less than <paramref name="before"/>: a kind's benchmark rate,
    /// which pay parity is judged against, lowered or taken away (or the kind with it); late cancellations paid no
    /// longer, or only closer to the session; a smaller receipt cap; or another currency, which changes every amount.
    /// </summary>
    public static bool PaysLess(EngagementSettings before, EngagementSettings after)
    {
        ArgumentNullException.ThrowIfNull(before);
        ArgumentNullException.ThrowIfNull(after);
        // A kind removed with its benchmark counts too: added again, or under another key, it starts from nothing.
        var benchmarkLowered = before.Kinds.Any(k => k.BenchmarkHourlyRate is { } rate
            && (after.Kinds.FirstOrDefault(a => a.Key == k.Key)?.BenchmarkHourlyRate ?? 0m) < rate);
        var lateCancellationLess = before.LateCancellationPays
            && (!after.LateCancellationPays || after.LateCancellationHours < before.LateCancellationHours);
        return benchmarkLowered || lateCancellationLess || after.ReceiptCap < before.ReceiptCap || after.Currency != before.Currency;
    }

    /// <summary>The kinds an agency starts with; its admin may rename, add or remove them.</summary>
    public static IReadOnlyList<WorkKind> DefaultKinds { get; } =
    [
        new("focus-group", "Focus group", null),
        new("advisory-board", "Advisory board seat", null),
        new("policy-review", "Policy or protocol review", null),
        new("training", "Training co-facilitation", null),
        new("peer-support", "Peer support", null),
        new("research-advisory", "Research advisory", null),
    ];
}

[JsonConverter(typeof(JsonStringEnumConverter<DayPart>))]
public enum DayPart
{
    WeekdayMorning,
    WeekdayAfternoon,
    WeekdayEvening,
    WeekendMorning,
    WeekendAfternoon,
    WeekendEvening,
}

/// <summary>What a survivor shares about the engagement work they want. The id is the person's id.</summary>
public sealed record EngagementProfile : Document
{
    public override string Type => "engagement-profile";

    public string PersonId { get; init; } = "";

    public IReadOnlyList<string> Kinds { get; init; } = [];

    public IReadOnlyList<string> Topics { get; init; } = [];

    /// <summary>Topics they will not speak about: an opportunity touching any of them is never offered to them.</summary>
    public IReadOnlyList<string> NoTopics { get; init; } = [];

    public IReadOnlyList<DayPart> Availability { get; init; } = [];

    public string TimeZone { get; init; } = "UTC";

    public string? AccessibilityNeeds { get; init; }

    public required DateTimeOffset UpdatedAt { get; init; }
}

[JsonConverter(typeof(JsonStringEnumConverter<OpportunityState>))]
public enum OpportunityState
{
    Draft,
    Published,
    Closed,
    Completed,
    Cancelled,
}

[JsonConverter(typeof(JsonStringEnumConverter<PayBasis>))]
public enum PayBasis
{
    /// <summary>Paid by the hour for session and preparation time.</summary>
    Hourly,

    /// <summary>A flat stipend for each session attended (preparation time included).</summary>
    PerSession,
}

/// <summary>How an opportunity pays: the rate, and what else it covers.</summary>
public sealed record Compensation(PayBasis Basis, decimal Rate, int PrepMinutesPerSession, bool TravelAllowed, bool PerDiemAllowed);

/// <summary>
/// One session, in the local time of its own time zone (so a session at 18:00 stays at 18:00 across a
/// daylight-saving change). The link of a virtual session is shown only to confirmed participants.
/// </summary>
public sealed record EngagementSession(string Id, DateTime Start, DateTime End, string TimeZone, bool InPerson, string? Location, string? Link)
{
    public DateTimeOffset? CancelledAt { get; init; }

    /// <summary>Where an in-person session is, broadly, for people not yet confirmed; <see cref="Location"/> is exact.</summary>
    public string? Area { get; init; }

    public DateTimeOffset StartUtc => EngagementTime.ToUtc(Start, TimeZone);

    public DateTimeOffset EndUtc => EngagementTime.ToUtc(End, TimeZone);

    public double Hours => (EndUtc - StartUtc).TotalHours;

    public int Minutes => (int)Math.Round(Hours * 60);
}

/// <summary>A paid focus group or advisory role, with its sessions, seats and pay.</summary>
public sealed record Opportunity : Document
{
    public override string Type => "opportunity";

    public required string Kind { get; init; }

    public required string Title { get; init; }

    public string? Description { get; init; }

    public IReadOnlyList<string> Topics { get; init; } = [];

    public IReadOnlyList<EngagementSession> Sessions { get; init; } = [];

    /// <summary>The number in the last session id given out ("s7": 7), so a taken-off session's id is never given again.</summary>
    public int LastSessionNumber { get; init; }

    public required int Seats { get; init; }

    public required DateTimeOffset ApplicationDeadline { get; init; }

    public required Compensation Compensation { get; init; }

    public required string Currency { get; init; }

    public OpportunityState State { get; init; } = OpportunityState.Draft;

    public required string RecruiterId { get; init; }

    /// <summary>Recruiters other than its maker who changed the work (its pay among it).</summary>
    public IReadOnlyList<string> ChangedBy { get; init; } = [];

    public required DateTimeOffset CreatedAt { get; init; }

    public DateTimeOffset? PublishedAt { get; init; }

    /// <summary>The agency's late-cancellation rule when the work was published; null for work published before it was kept.</summary>
    public LateCancellationTerms? LateCancellation { get; init; }

    /// <summary>The agency's cap on receipts for one session when the work was published; null for work published before it was kept.</summary>
    public decimal? ReceiptCap { get; init; }

    /// <summary>
    /// The cap receipts for one of its sessions are paid back up to: the one people were asked on, or the agency's now
    /// where higher. Like the pay, it may rise but never falls under people's feet.
    /// </summary>
    public decimal ReceiptCapApplying(EngagementSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        return Math.Max(ReceiptCap ?? 0, settings.ReceiptCap);
    }

    /// <summary>Seats taken; kept on the opportunity so every accept is checked against it in one transaction.</summary>
    public int Confirmed { get; init; }

    /// <summary>The number the next person put on the waitlist gets: the waitlist's order.</summary>
    public int NextWaitlistNumber { get; init; } = 1;

    /// <summary>
    /// Whether the person made or changed the work: they set what it pays, so they take no paid place in it (a
    /// recruiter who raised the pay and then took a place would be paid at a rate they chose).
    /// </summary>
    public bool SetTermsOf(string personId) => RecruiterId == personId || ChangedBy.Contains(personId);
}

/// <summary>Whether the agency pays for a session it cancels at short notice, and how short (hours before it starts).</summary>
public sealed record LateCancellationTerms(bool Pays, int Hours)
{
    public static LateCancellationTerms Of(EngagementSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        return new(settings.LateCancellationPays, settings.LateCancellationHours);
    }

    /// <summary>
    /// The terms a cancellation is paid on: those people were asked on when the work was published, or the agency's
    /// own now where those are more generous. Like the pay itself, they may rise but never fall under people's feet.
    /// </summary>
    public static LateCancellationTerms Applying(LateCancellationTerms? published, EngagementSettings settings)
    {
        var now = Of(settings);
        if (published is null)
        {
            return now;
        }

        return (published.Pays, now.Pays) switch
        {
            (true, true) => new(true, Math.Max(published.Hours, now.Hours)),
            (true, false) => published,
            _ => now,
        };
    }
}

[JsonConverter(typeof(JsonStringEnumConverter<ParticipationState>))]
public enum ParticipationState
{
    Invited,
    Confirmed,
    Waitlisted,
    Declined,
    Withdrawn,
}

/// <summary>One survivor's place in one opportunity: invited, confirmed, on the waitlist, declined or withdrawn.</summary>
public sealed record Participation : Document
{
    public override string Type => "participation";

    public required string OpportunityId { get; init; }

    public required string PersonId { get; init; }

    public required ParticipationState State { get; init; }

    /// <summary>Whether the recruiter invited them (rather than they applied).</summary>
    public bool Invited { get; init; }

    public int? WaitlistNumber { get; init; }

    public required DateTimeOffset CreatedAt { get; init; }

    public DateTimeOffset? ChangedAt { get; init; }

    /// <summary>When they took their seat; kept when they withdraw, so the sessions they held it for stay theirs to be paid for.</summary>
    public DateTimeOffset? ConfirmedAt { get; init; }

    /// <summary>
    /// Whether they ever took a seat. Never cleared: <see cref="ConfirmedAt"/> goes when they come back to the waiting
    /// list, but a cancellation's pay, and what they saw as a participant, stay.
    /// </summary>
    public bool TookASeat { get; init; }

    /// <summary>
    /// The sessions they said yes to, each as its time and place (<see cref="Rules.OfferedTerms.SessionsOf"/>): a place
    /// from the waiting list is theirs only in those (a session cancelled since, or pay raised, asks nothing more of them);
    /// one moved or added since waits for a yes to the work as it is now. None on places from before they were kept.
    /// </summary>
    public IReadOnlyList<string>? AgreedSessions { get; init; }

    /// <summary>Whether <paramref name="work"/> now has a session, or a session's time or place, they did not say yes to.</summary>
    public bool AgreedToOtherTermsThan(Opportunity work) => AgreedSessions is { } agreed && Rules.OfferedTerms.SessionsOf(work).Except(agreed, StringComparer.Ordinal).Any();

    public static string IdFor(string opportunityId, string personId) => $"{opportunityId}~{personId}";

    /// <summary>
    /// Whether its person holds a place in the work, or held one (who gave it up may still be paid for a session that
    /// began while they held it): they are a participant, not someone who looks after the work.
    /// </summary>
    [JsonIgnore]
    public bool HoldsOrHeld => State is ParticipationState.Invited or ParticipationState.Waitlisted or ParticipationState.Confirmed || ConfirmedAt is not null || TookASeat;
}

[JsonConverter(typeof(JsonStringEnumConverter<AttendanceOutcome>))]
public enum AttendanceOutcome
{
    Attended,

    /// <summary>Took part for some of the session (minutes recorded).</summary>
    Partial,

    NoShow,

    /// <summary>The agency cancelled the session (or the participant's place in it).</summary>
    CancelledByAgency,
}

public sealed record ReceiptedCost(string Description, decimal Amount);

/// <summary>
/// What a participant adds to a claim for an in-person session: miles driven, receipted costs, days away for per
/// diem, and what the nights away cost in lodging (reimbursed up to the location's rate).
/// </summary>
public sealed record TravelClaim(decimal Miles, IReadOnlyList<ReceiptedCost> Costs, int TravelDays)
{
    public decimal Lodging { get; init; }

    /// <summary>
    /// The agency's cap on receipts when they were filed (none on claims filed before it was kept): costs already paid
    /// under it are paid back under it, though the cap is lowered before the payout is prepared.
    /// </summary>
    public decimal? ReceiptCap { get; init; }

    /// <summary>Whether it asks for anything: a travel form saved empty claims nothing, and must not hold the claim open for payment.</summary>
    [JsonIgnore]
    public bool ClaimsAnything => Miles > 0 || Costs.Count > 0 || StaysAway;

    /// <summary>Whether it claims days away or lodging: the person stayed away, rather than coming from home.</summary>
    [JsonIgnore]
    public bool StaysAway => TravelDays > 0 || Lodging > 0;
}

[JsonConverter(typeof(JsonStringEnumConverter<ClaimState>))]
public enum ClaimState
{
    /// <summary>Recorded; the participant may still add travel.</summary>
    Open,

    /// <summary>A payout has been prepared from it: what it claims can no longer change.</summary>
    Submitted,
}

/// <summary>
/// What one participant is owed for one session under the opportunity's policy: created by recording attendance,
/// paid by the payouts feature. The id is the session's participation id and the session's.
/// </summary>
public sealed record CompensationClaim : Document
{
    public override string Type => "claim";

    public required string OpportunityId { get; init; }

    public required string SessionId { get; init; }

    public required string PersonId { get; init; }

    public required AttendanceOutcome Outcome { get; init; }

    public int? MinutesAttended { get; init; }

    /// <summary>Hours paid: session time (or the part attended) and preparation.</summary>
    public required decimal HoursPaid { get; init; }

    public required decimal Amount { get; init; }

    /// <summary>
    /// The opportunity's pay when the claim was recorded, which its payout is worked out from: a later change of the
    /// opportunity's pay is for sessions still to be recorded. Null on claims recorded before it was kept.
    /// </summary>
    public Compensation? Pay { get; init; }

    /// <summary>The part of the session paid (see <see cref="ClaimRules.Share"/>), unrounded, for the payout to calculate from.</summary>
    public required decimal Share { get; init; }

    public required string Currency { get; init; }

    public required bool TravelAllowed { get; init; }

    public required bool PerDiemAllowed { get; init; }

    public TravelClaim? Travel { get; init; }

    public ClaimState State { get; init; } = ClaimState.Open;

    public required DateTimeOffset RecordedAt { get; init; }

    public required string RecordedBy { get; init; }

    /// <summary>
    /// Who recorded it before <see cref="RecordedBy"/> (the attendance form sends everyone seated, so another recruiter's
    /// save records it again): each of them had a hand in what it pays, so none approves its payout alone.
    /// </summary>
    public IReadOnlyList<string> EarlierRecordedBy { get; init; } = [];

    /// <summary>How many earlier recorders a claim keeps: more than an agency's recruiters ever take turns on one.</summary>
    public const int MaxEarlierRecorders = 50;

    public static string IdFor(string opportunityId, string sessionId, string personId) => $"claim~{opportunityId}~{sessionId}~{personId}";
}

/// <summary>
/// Sessions cancelled whose claims and notices may still be owed: written before the cancellation is saved and taken
/// away once everyone who held a seat has their claim and has been told. A request that fails between the two leaves
/// it for <see cref="EngagementReminderWorker"/> to finish; one for a cancellation never saved is taken away. In the
/// partition every agency shares, holding ids and a time only.
/// </summary>
public sealed record CancellationDue : Document
{
    public const string Partition = "cancellation-due";

    public override string Type => "cancellation-due";

    public required string OpportunityId { get; init; }

    public required IReadOnlyList<string> SessionIds { get; init; }

    public required DateTimeOffset CreatedAt { get; init; }

    /// <summary>Who cancelled: the claims it leads to are theirs, also those the worker finishes.</summary>
    public string? CancelledBy { get; init; }

    public static string IdFor(string agencyId, string opportunityId, IEnumerable<string> sessionIds) =>
        $"{agencyId}~{opportunityId}~{Digest.Of(string.Join(',', sessionIds))}";
}

/// <summary>
/// Someone who no longer takes paid work, whose places are still to be given up: written before they are, and taken
/// away once they are. A release that fails part way is left for <see cref="EngagementReminderWorker"/> to finish. In
/// the partition every agency shares, holding ids and a time only.
/// </summary>
public sealed record ReleaseDue : Document
{
    public const string Partition = "release-due";

    public override string Type => "release-due";

    public required string PersonId { get; init; }

    public required DateTimeOffset CreatedAt { get; init; }

    public static string IdFor(string agencyId, string personId) => $"{agencyId}~{personId}";
}

/// <summary>
/// A session with reminders to send, in the one partition every agency shares ("reminder-schedule"), so one
/// query finds what is due everywhere. It holds ids and a time only: nothing about anyone.
/// </summary>
public sealed record ReminderSlot : Document
{
    public const string Partition = "reminder-schedule";

    public override string Type => "reminder-slot";

    public required string OpportunityId { get; init; }

    public required string SessionId { get; init; }

    public required DateTimeOffset StartUtc { get; init; }

    public static string IdFor(string agencyId, string opportunityId, string sessionId) => $"{agencyId}~{opportunityId}~{sessionId}";
}
