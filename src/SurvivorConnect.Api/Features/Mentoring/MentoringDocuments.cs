using System.Text.Json.Serialization;
using SurvivorConnect.Api.Infrastructure.Lists;
using SurvivorConnect.Storage;

namespace SurvivorConnect.Api.Features.Mentoring;

/// <summary>The transtheoretical stages of change the paper builds on.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<StageOfChange>))]
public enum StageOfChange
{
    Precontemplation,
    Contemplation,
    Preparation,
    Action,
    Maintenance,
}

/// <summary>An approximate place (e.g. a ZIP centroid), never an address. Both coordinates are required: a missing one must not quietly become 0.</summary>
public sealed record GeoPoint([property: JsonRequired] double Latitude, [property: JsonRequired] double Longitude);

public sealed record ReadinessGate(DateOnly On, string RecordedBy);

public sealed record SupervisorHold(DateTimeOffset Since, string PlacedBy, string? Reason, bool StopsChat)
{
    /// <summary>Who placed a hold on the supervision side (the supervisor, or an urgent answer), as other staff see it.</summary>
    public const string SupervisionSide = "supervision";

    /// <summary>
    /// An urgent wellbeing answer came while this hold was in place and waits for a supervisor's review: the hold is
    /// not lifted until it is reviewed (it then stands for the automatic hold the answer would have placed).
    /// </summary>
    public bool ReviewWaiting { get; init; }

    [JsonIgnore]
    public bool IsAutomatic => PlacedBy == HoldForWellbeingReview.PlacedBy;
}

/// <summary>
/// A survivor mentor's profile. What the mentor shares (languages, interests, lived-experience tags) is
/// theirs to choose; readiness gates and holds are recorded by staff. Id = the mentor's person id.
/// </summary>
public sealed record MentorProfile : Document
{
    public static readonly ContainerSpec Container = new("mentors", "supervisorId");

    public override string Type => "mentor";

    public required string DisplayName { get; init; }

    public IReadOnlyList<string> Languages { get; init; } = [];

    public string? Gender { get; init; }

    public string? AgeRange { get; init; }

    public string? Region { get; init; }

    public GeoPoint? Location { get; init; }

    public int TravelRadiusMiles { get; init; }

    public IReadOnlyList<string> Availability { get; init; } = [];

    public IReadOnlyList<string> Interests { get; init; } = [];

    public IReadOnlyList<string> LivedExperienceTags { get; init; } = [];

    public IReadOnlyList<StageOfChange> ExperiencedStages { get; init; } = [];

    public bool LgbtqAffirming { get; init; }

    public int Capacity { get; init; } = 1;

    /// <summary>
    /// The mentor asked for no new matches for now (a break, their own wellbeing) while their current ones carry on;
    /// null while they take new ones.
    /// </summary>
    public DateTimeOffset? NoNewMatchesSince { get; init; }

    public string? SupervisorId { get; init; }

    /// <summary>When the current supervisor was given the mentor (null before this was kept): their time to see an urgent answer runs from then.</summary>
    public DateTimeOffset? SupervisorSince { get; init; }

    public ReadinessGate? Screening { get; init; }

    public ReadinessGate? Training { get; init; }

    public ReadinessGate? SupervisorClearance { get; init; }

    public SupervisorHold? Hold { get; init; }

    /// <summary>
    /// Holds someone else put their own over, the latest last: lifting a hold brings back the one beneath, so a hold only
    /// the supervisor may lift is never lifted by changing it first, and the supervisor sees each one before it goes.
    /// Only <see cref="Hold"/> carries <see cref="SupervisorHold.ReviewWaiting"/>.
    /// </summary>
    public IReadOnlyList<SupervisorHold> HoldsUnder { get; init; } = [];

    public DateTimeOffset UpdatedAt { get; init; }

    /// <summary>
    /// How many times the mentor saved what they share: the version their page is checked against, which staff changes
    /// (a hold, a supervisor, readiness) leave alone, so those never refuse the mentor's own save.
    /// </summary>
    public int OwnSaves { get; init; }
}

public sealed record MentorPreferences(string? MentorGender, bool LgbtqAffirming);

public sealed record StageEvent(string Kind, StageOfChange Stage, StageOfChange? From, DateTimeOffset At, string RecordedBy, string? Note);

/// <summary>How a youth came back from a missing-from-care episode: a fixed list, so reports never carry free text.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<ReturnRoute>))]
public enum ReturnRoute
{
    OnTheirOwn,
    WithTrustedAdult,
    FoundByAgency,
    FoundByPolice,
    PlacedElsewhere,
    Other,
}

/// <summary>
/// A time a youth was missing from care, as a case manager records it: when it started and ended, whether the
/// youth stayed in contact with a trusted adult while away (null: not known), and how they returned. Who recorded
/// it first is kept when it is corrected or ended.
/// </summary>
public sealed record MissingEpisode(
    string Id, DateTimeOffset StartedAt, DateTimeOffset? EndedAt, bool? StayedInContact, ReturnRoute? HowReturned, DateTimeOffset RecordedAt, string RecordedBy)
{
    public DateTimeOffset? UpdatedAt { get; init; }

    public string? UpdatedBy { get; init; }
}

/// <summary>
/// A youth referred by a case manager: a pseudonymous display name and what matching needs. Readable only
/// by the youth's case managers and the agency admin, and every read is audited.
/// </summary>
public sealed record YouthReferral : Document
{
    // displayName stays indexed for one release (see Person.Container).
    public static readonly ContainerSpec Container = new("youth", "personId", "caseManagerIds", NameOrder.Field, "displayName", "doNotMatch", "formerPersonIds");

    public override string Type => "youth";

    public required string DisplayName { get; init; }

    /// <summary>The name as lists order it; written with the document, worked out again when read.</summary>
    public string SortName => NameOrder.Key(DisplayName);

    /// <summary>The youth's own sign-in, once they have one.</summary>
    public string? PersonId { get; init; }

    /// <summary>
    /// Sign-ins the youth had before (a phone taken, a new one given): what they did with them is still the youth's, and is
    /// kept from whoever the youth is kept from.
    /// </summary>
    public IReadOnlyList<string> FormerPersonIds { get; init; } = [];

    public required int Age { get; init; }

    public IReadOnlyList<string> Languages { get; init; } = [];

    public string? Gender { get; init; }

    public string? Region { get; init; }

    public GeoPoint? Location { get; init; }

    public IReadOnlyList<string> Interests { get; init; } = [];

    public IReadOnlyList<string> Needs { get; init; } = [];

    public MentorPreferences Preferences { get; init; } = new(null, false);

    /// <summary>Mentors who must never be matched with this youth (a safety constraint).</summary>
    public IReadOnlyList<string> DoNotMatch { get; init; } = [];

    public required IReadOnlyList<string> CaseManagerIds { get; init; }

    /// <summary>
    /// The last change that protects the youth less (recorded as an adult under the consent policy, someone taken off the
    /// do-not-match list): told to the youth's other case managers and the admins on every save while it is news, so one
    /// whose telling failed is told when the record is saved again.
    /// </summary>
    public ProtectionLoosened? ProtectionLoosened { get; init; }

    /// <summary>
    /// The case managers the youth may have: none the youth is never to be matched with, nor the youth's own sign-in, now
    /// or before (one given a staff role since). Saving the youth keeps the list to these, and the check that someone is a
    /// youth's case manager reads only these.
    /// </summary>
    [JsonIgnore]
    public IEnumerable<string> ActingCaseManagerIds =>
        CaseManagerIds.Except(DoNotMatch, StringComparer.Ordinal).Where(id => id != PersonId && !FormerPersonIds.Contains(id, StringComparer.Ordinal));

    public required StageOfChange Stage { get; init; }

    public IReadOnlyList<StageEvent> StageHistory { get; init; } = [];

    /// <summary>Missing-from-care episodes, oldest first: events in the youth's history, like a relapse, never a failure.</summary>
    public IReadOnlyList<MissingEpisode> MissingEpisodes { get; init; } = [];

    public required DateTimeOffset ReferredAt { get; init; }
}

/// <param name="TakenOff">Who was taken off the do-not-match list then: never told of it.</param>
public sealed record ProtectionLoosened(string By, DateTimeOffset At, IReadOnlyList<string> TakenOff)
{
    /// <summary>Told again on a save while news, as an agency's loosened policy is; a case manager added since is not told of one long past.</summary>
    public bool StillNews(DateTimeOffset now) => now - At < Agencies.PolicyLoosening.NewsFor;
}

/// <summary>
/// Claims a youth's sign-in for one referral. Its id is derived from the person, and it is written in the same
/// batch as the referral, so two referrals can never both claim one person, even when written at once.
/// </summary>
public sealed record YouthPersonLink : Document
{
    public override string Type => "youth-link";

    public required string YouthId { get; init; }

    public static string IdFor(string personId) => $"person-{personId}";
}

[JsonConverter(typeof(JsonStringEnumConverter<MatchState>))]
public enum MatchState
{
    Proposed,

    /// <summary>
    /// The mentor said yes to a pair that no longer fits what the youth asked for (their preferences, languages, place
    /// or do-not-match list changed, or the mentor's profile did): the case manager decides whether it is put to the
    /// youth. The mentor is shown it as waiting for the youth, so changing their own profile and saying yes again
    /// teaches them nothing of the youth's wishes or whereabouts.
    /// </summary>
    AwaitingCaseManager,
    AwaitingYouth,
    AwaitingConsent,
    Active,
    Paused,
    Closed,
    Declined,
}

[JsonConverter(typeof(JsonStringEnumConverter<ClosureReason>))]
public enum ClosureReason
{
    GoalsMet,
    YouthChoice,
    MentorChoice,
    SafetyConcern,
    YouthMoved,
    AgencyDecision,
    Other,
}

/// <param name="ByYouth">Made by the youth themselves, signed in, not by staff for them (whatever their sign-in is later).</param>
public sealed record MatchTransition(MatchState From, MatchState To, string Action, DateTimeOffset At, string By, bool ByYouth = false);

/// <param name="By">Who closed it; left out of the youth's view, as the mentor's id is.</param>
public sealed record MatchClosure(ClosureReason Reason, bool Planned, string? Notes, DateTimeOffset At, string? By);

/// <summary>A mentor–youth pairing from proposal to closure, coordinated by a case manager.</summary>
public sealed record Match : Document
{
    public static readonly ContainerSpec Container = new("matches", "youthId", "mentorId", "caseManagerId", "state", "proposedAt");

    public override string Type => "match";

    public required string YouthId { get; init; }

    public required string MentorId { get; init; }

    public required string CaseManagerId { get; init; }

    public required MatchState State { get; init; }

    public required DateTimeOffset ProposedAt { get; init; }

    public string? PreviousMatchId { get; init; }

    /// <summary>
    /// The interests the youth and the mentor shared when the match was proposed: the most the mentor is shown, so a
    /// mentor who adds interests to their profile afterwards learns nothing more of the youth's. Null for matches
    /// proposed before it was kept (the mentor is shown what the two share now).
    /// </summary>
    public IReadOnlyList<string>? SharedInterests { get; init; }

    /// <summary>
    /// The mentor's name when they accepted, as the youth was first shown it: once the match is over, the youth keeps
    /// this, not a name the mentor chose since (perhaps for their own safety). Null for matches accepted before it was kept.
    /// </summary>
    public string? MentorNameShown { get; init; }

    public IReadOnlyList<MatchTransition> History { get; init; } = [];

    public MatchClosure? Closure { get; init; }

    public IReadOnlyList<string> Reasons { get; init; } = [];

    /// <summary>
    /// Whether the youth has been asked: only once the mentor said yes (PRODUCT.md rule 1). Until then the proposal is
    /// the staff's and the mentor's, and a mentor who declines is never a named no to the youth.
    /// </summary>
    public bool PutToYouth() => History.Any(t => t.To == MatchState.AwaitingYouth);

    /// <summary>Whether the mentor said yes to it (whether or not it was then put to the youth).</summary>
    public bool MentorSaidYes() => History.Any(t => t.To is MatchState.AwaitingYouth or MatchState.AwaitingCaseManager);

    /// <summary>Whether the match ever started: only then did it have a chat.</summary>
    public bool Started() => History.Any(t => t.To == MatchState.Active);
}


/// <summary>
/// One per youth and mentor, rewritten (against the version read) in the same batch as each match proposed between
/// them, so that of two proposals made at once only one is written: both checked for an open match before either wrote.
/// </summary>
public sealed record MatchPair : Document
{
    public override string Type => "match-pair";

    public required string YouthId { get; init; }

    public required string MentorId { get; init; }

    public required string LatestMatchId { get; init; }

    public static string IdFor(string youthId, string mentorId) => $"pair~{youthId}~{mentorId}";
}

/// <summary>
/// One per mentor and one per youth, beside the matches so they can share their batch. A step that takes a match
/// towards going live is written together with both, against the versions read before the mentor and the youth were
/// checked; a change to what those checks read (the mentor's hold, gates, capacity, supervisor, active state or consent
/// to mentoring; the youth's do-not-match list, preferences or a consent about one of their matches) rewrites the
/// fence once written. So a step checked against either as they were fails rather than landing after the change,
/// and two steps for one mentor (capacity) are written one at a time.
/// </summary>
public sealed record MatchFence : Document
{
    public override string Type => "match-fence";

    public static string ForMentor(string mentorId) => $"fence~mentor~{mentorId}";

    public static string ForYouth(string youthId) => $"fence~youth~{youthId}";
}
