using System.Text.Json.Serialization;
using SurvivorConnect.Api.Features.Teaming.Rules;
using SurvivorConnect.Api.Infrastructure.Pipeline;
using SurvivorConnect.Storage;

namespace SurvivorConnect.Api.Features.Teaming;

/// <summary>
/// A partnership between two agencies. Each agency keeps its own copy, with the same id, in its own partition
/// (no agency can list another's); sharing needs both copies current, so a change that reached one side only
/// fails closed.
/// </summary>
public sealed record Partnership : Document
{
    public static readonly ContainerSpec Container = new("teaming", "youthId", "personId", "hasOpenActions", "planId");

    public override string Type => "partnership";

    public required string ProposingAgencyId { get; init; }

    public required string ProposingAgencyName { get; init; }

    public required string AcceptingAgencyId { get; init; }

    public required string AcceptingAgencyName { get; init; }

    public required IReadOnlyList<RecordKind> Kinds { get; init; }

    public required string LegalBasis { get; init; }

    public required DateTimeOffset ExpiresAt { get; init; }

    public required PartnershipState State { get; init; }

    public required DateTimeOffset ProposedAt { get; init; }

    public required string ProposedBy { get; init; }

    public DateTimeOffset? AcceptedAt { get; init; }

    public string? AcceptedBy { get; init; }

    public DateTimeOffset? EndedAt { get; init; }

    public string? EndedBy { get; init; }

    public string? EndedByAgencyId { get; init; }

    /// <summary>The professionals each agency offers for the other's teams (only these may be named as partner members).</summary>
    public IReadOnlyList<OfferedProfessional> Professionals { get; init; } = [];

    public string OtherAgencyId(string agencyId) => agencyId == ProposingAgencyId ? AcceptingAgencyId : ProposingAgencyId;

    public string OtherAgencyName(string agencyId) => agencyId == ProposingAgencyId ? AcceptingAgencyName : ProposingAgencyName;

    public bool IsCurrent(DateTimeOffset now) => SharingRules.IsCurrent(State, ExpiresAt, now);
}

public sealed record OfferedProfessional(string AgencyId, string PersonId, string DisplayName, string Title);

/// <summary>A youth's multidisciplinary team, one per youth referral, in the youth's agency.</summary>
public sealed record Team : Document
{
    public override string Type => "team";

    public required string YouthId { get; init; }

    public required DateTimeOffset FormedAt { get; init; }

    public required string FormedBy { get; init; }

    public required IReadOnlyList<TeamMember> Members { get; init; }

    public IEnumerable<TeamMember> Current => Members.Where(m => m.RemovedAt is null);

    /// <summary>The team with one member changed (taken off, or agreed to by the youth).</summary>
    public Team With(TeamMember changed) => this with { Members = [.. Members.Select(m => m.Id == changed.Id ? changed : m)] };

    public static string IdFor(string youthId) => $"team~{youthId}";
}

/// <summary>
/// A member of a team. <see cref="PersonId"/> is null for a support without a sign-in (a grandparent, a coach);
/// <see cref="AgencyId"/> is a partner agency's for its professionals. A support counts only once the youth agreed.
/// </summary>
/// <param name="DeclinedAt">When the youth said no to this support (it then left the team too).</param>
public sealed record TeamMember(
    string Id, TeamRole Role, string? PersonId, string AgencyId, string DisplayName, string? Title,
    bool YouthAgreed, DateTimeOffset AddedAt, string AddedBy, DateTimeOffset? RemovedAt = null, DateTimeOffset? DeclinedAt = null);

/// <summary>
/// A partner professional's seat on another agency's team, kept in the professional's own agency so they can
/// list the teams they sit on. It grants nothing by itself: every read checks the team, the partnership and the
/// youth's consent in the youth's agency.
/// </summary>
public sealed record TeamSeat : Document
{
    public override string Type => "team-seat";

    public required string PersonId { get; init; }

    public required string SourceAgencyId { get; init; }

    public required string SourceAgencyName { get; init; }

    public required string YouthId { get; init; }

    public required string MemberId { get; init; }

    public required DateTimeOffset AddedAt { get; init; }

    /// <summary>One seat per agency, youth and person; a plain id, so it travels in a URL as it is.</summary>
    public static string IdFor(string sourceAgencyId, string youthId, string personId) =>
        "seat-" + Digest.Of($"{sourceAgencyId}\n{youthId}\n{personId}", 40);
}

[JsonConverter(typeof(JsonStringEnumConverter<PlanItemKind>))]
public enum PlanItemKind
{
    Need,
    Goal,
    Service,
    Referral,

    /// <summary>What the youth is good at, or has to build on: a plan starts from strengths, not only from needs.</summary>
    Strength,
}

[JsonConverter(typeof(JsonStringEnumConverter<PlanItemStatus>))]
public enum PlanItemStatus
{
    Open,
    InProgress,
    Done,
    Stopped,
}

/// <summary>One decision in a case plan, with the youth's own words beside it.</summary>
public sealed record PlanItem(
    string Id, PlanItemKind Kind, string Text, string? Owner, PlanItemStatus Status, DateOnly? Due, string? YouthWords);

/// <summary>A youth's case plan: needs, goals, services and referrals. Each change also writes a <see cref="PlanRevision"/>.</summary>
public sealed record CasePlan : Document
{
    public override string Type => "case-plan";

    public required string YouthId { get; init; }

    public IReadOnlyList<PlanItem> Items { get; init; } = [];

    public DateTimeOffset? UpdatedAt { get; init; }

    public string? UpdatedBy { get; init; }

    public static string IdFor(string youthId) => $"case-plan~{youthId}";
}

public sealed record SafeContact(string Name, string Contact);

/// <summary>A youth's safety plan, written with them.</summary>
public sealed record SafetyPlan : Document
{
    public override string Type => "safety-plan";

    public required string YouthId { get; init; }

    public required SafetyPlanContent Content { get; init; }

    public DateTimeOffset? UpdatedAt { get; init; }

    public string? UpdatedBy { get; init; }

    public static string IdFor(string youthId) => $"safety-plan~{youthId}";
}

public sealed record SafetyPlanContent(
    IReadOnlyList<string> WarningSigns, IReadOnlyList<string> CopingSteps, IReadOnlyList<SafeContact> SafePeople,
    IReadOnlyList<string> SafePlaces, IReadOnlyList<SafeContact> Numbers, string? YouthWords)
{
    public static SafetyPlanContent Empty { get; } = new([], [], [], [], [], null);

    /// <summary>Whether it says the same as <paramref name="other"/>, line for line.</summary>
    public bool SaysTheSameAs(SafetyPlanContent other) =>
        other is not null && WarningSigns.SequenceEqual(other.WarningSigns) && CopingSteps.SequenceEqual(other.CopingSteps) && SafePeople.SequenceEqual(other.SafePeople)
        && SafePlaces.SequenceEqual(other.SafePlaces) && Numbers.SequenceEqual(other.Numbers) && YouthWords == other.YouthWords;
}

/// <summary>
/// What a plan was before one change, and who changed it when: plans keep their history. Written in the same
/// batch as the change.
/// </summary>
public sealed record PlanRevision : Document
{
    public override string Type => "plan-revision";

    public required string PlanId { get; init; }

    public required string YouthId { get; init; }

    public required DateTimeOffset At { get; init; }

    public required string By { get; init; }

    public required string Change { get; init; }

    public PlanItem? ItemBefore { get; init; }

    public PlanItem? ItemAfter { get; init; }

    public SafetyPlanContent? SafetyBefore { get; init; }
}

[JsonConverter(typeof(JsonStringEnumConverter<YouthParticipation>))]
public enum YouthParticipation
{
    InPerson,
    Remotely,
    ThroughSomeoneTheyChose,
    ViewsInWriting,
    ChoseNotToTakePart,
}

public sealed record Decision(string Text, string? YouthView);

public sealed record MeetingAction(string Id, string Text, string OwnerMemberId, DateOnly Due, DateTimeOffset? DoneAt = null);

/// <summary>A team meeting: agenda, then (once held) who came, how the youth took part, decisions with their view, actions and notes.</summary>
public sealed record TeamMeeting : Document
{
    public override string Type => "team-meeting";

    /// <summary>The meeting a request made with the client's own id schedules: of this youth only, and no other kind of record.</summary>
    public static string IdFor(string youthId, string requestId) =>
        "meeting-" + Digest.Of($"{youthId}\n{requestId}", 32);

    public required string YouthId { get; init; }

    public required DateTimeOffset ScheduledFor { get; init; }

    public required IReadOnlyList<string> Agenda { get; init; }

    public required string ScheduledBy { get; init; }

    public DateTimeOffset? HeldAt { get; init; }

    /// <summary>When the meeting was last moved or given a new agenda, if it ever was.</summary>
    public DateTimeOffset? ChangedAt { get; init; }

    /// <summary>When a case manager called the meeting off; kept, with the youth's views sent for it, not deleted.</summary>
    public DateTimeOffset? CancelledAt { get; init; }

    public string? CancelledBy { get; init; }

    public IReadOnlyList<string> Attended { get; init; } = [];

    public YouthParticipation? YouthParticipation { get; init; }

    public IReadOnlyList<Decision> Decisions { get; init; } = [];

    public IReadOnlyList<MeetingAction> Actions { get; init; } = [];

    public string? Notes { get; init; }

    /// <summary>What the youth wants the team to know, in their own words, sent before the meeting from their own page.</summary>
    public string? YouthViews { get; init; }

    /// <summary>The sign-in that sent <see cref="YouthViews"/>: words sent from one the youth no longer uses are not theirs to show.</summary>
    public string? YouthViewsBy { get; init; }

    /// <summary>Kept with the meeting so overdue actions are found with one indexed query.</summary>
    public bool HasOpenActions { get; init; }
}
