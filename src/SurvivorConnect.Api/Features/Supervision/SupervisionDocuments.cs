using System.Text.Json.Serialization;
using SurvivorConnect.Api.Features.Agencies;
using SurvivorConnect.Api.Features.Supervision.Rules;
using SurvivorConnect.Api.Infrastructure.Pipeline;
using SurvivorConnect.Storage;

namespace SurvivorConnect.Api.Features.Supervision;

/// <summary>An instrument an agency loaded (or the default), stored as data under its key and version.</summary>
public sealed record InstrumentDocument : Document
{
    public static readonly ContainerSpec Container = new("supervision", "mentorId", "status", "dueAt", "raisedAt", "resolvedAt");

    public override string Type => "instrument";

    public required InstrumentDefinition Definition { get; init; }

    public required DateTimeOffset LoadedAt { get; init; }

    public required string LoadedBy { get; init; }

    public static string IdFor(string key, int version) => $"instrument~{key}~{version}";
}

/// <summary>The agency's supervision settings: which instrument version mentors answer, and how much worse is a concern.</summary>
public sealed record SupervisionSettings : Document
{
    public const string DocumentId = "supervision-settings";

    public override string Type => "supervision-settings";

    public string InstrumentKey { get; init; } = DefaultInstrument.Key;

    public int InstrumentVersion { get; init; } = 1;

    /// <summary>How much a subscale's mean must worsen, since either of the two check-ins before or any of the last month, to raise a concern.</summary>
    public decimal ConcernRise { get; init; } = 1.0m;

    /// <summary>The last change that could make check-ins alert later, told to the other admins and the supervisors while news.</summary>
    public PolicyLoosening? Loosened { get; init; }

    public const int DefaultCadenceDays = 14;
}

/// <summary>One check-in: the answers (seen only by the mentor and their supervisors), the scores, what it raised.</summary>
public sealed record CheckIn : Document
{
    public override string Type => "check-in";

    public required string MentorId { get; init; }

    public required string InstrumentKey { get; init; }

    public required int InstrumentVersion { get; init; }

    public required IReadOnlyDictionary<string, int> Answers { get; init; }

    public required IReadOnlyList<SubscaleScore> Scores { get; init; }

    public required bool Urgent { get; init; }

    public required IReadOnlyList<string> Concerns { get; init; }

    /// <summary>Why it was asked for, when it was not simply due (a flagged message, a match that ended, a relapse), as the mentor was told.</summary>
    public string? RequestedBecause { get; init; }

    /// <summary>Why, as only the supervisor reads it, when the mentor was told less.</summary>
    public string? RequestedFor { get; init; }

    public required DateTimeOffset SubmittedAt { get; init; }
}

/// <summary>A mentor's check-in rhythm: when the next is due, why one was asked for early, how many were missed.</summary>
public sealed record CheckInSchedule : Document
{
    public override string Type => "check-in-schedule";

    public required string MentorId { get; init; }

    public int CadenceDays { get; init; } = SupervisionSettings.DefaultCadenceDays;

    public required DateTimeOffset DueAt { get; init; }

    /// <summary>A triggering event asked for a check-in now; cleared by the next check-in.</summary>
    public string? RequestedBecause { get; init; }

    /// <summary>The event as only the supervisor reads it, when the mentor was told less.</summary>
    public string? RequestedFor { get; init; }

    public DateTimeOffset? RequestedAt { get; init; }

    /// <summary>Due check-ins missed in a row; two raise a flag.</summary>
    public int Missed { get; init; }

    /// <summary>
    /// How long a check-in stays "time for your check-in" after its due date before it counts as missed: a mentor a day
    /// late has not missed it. Shorter than the shortest cadence (7 days), so one is missed before the next falls due.
    /// </summary>
    public static readonly TimeSpan MissedAfter = TimeSpan.FromDays(3);

    public DateTimeOffset? LastCheckInAt { get; init; }

    /// <summary>The check-in it last started again from, so finishing that check-in's follow-ups twice changes nothing.</summary>
    public string? LastCheckInId { get; init; }

    public static string IdFor(string mentorId) => "schedule~" + mentorId;
}

/// <summary>
/// When to tell a mentor their regular check-in comes up (<see cref="Lead"/> before <see cref="ForDueAt"/>), in the one
/// partition every agency shares ("checkin-reminder"). Ids and times only; moved with the schedule's due date.
/// </summary>
public sealed record CheckInReminder : Document
{
    public const string Partition = "checkin-reminder";

    public static readonly TimeSpan Lead = TimeSpan.FromDays(2);

    public override string Type => "check-in-reminder";

    public required string MentorId { get; init; }

    /// <summary>The due date it reminds of: a reminder for a date the schedule has moved from says nothing.</summary>
    public required DateTimeOffset ForDueAt { get; init; }

    public required DateTimeOffset DueAt { get; init; }

    public static string IdFor(string agencyId, string mentorId) => $"{agencyId}~{mentorId}";
}

/// <summary>
/// A check-in asked for after something hard (<see cref="CheckInSchedule.RequestedAt"/>), looked at again once it has
/// gone unanswered <see cref="UnansweredAfter"/>, in the one partition every agency shares ("checkin-request"). Ids and times only.
/// </summary>
public sealed record CheckInRequestWatch : Document
{
    public const string Partition = "checkin-request";

    /// <summary>As long as the shortest cadence: a mentor who has not answered by then is not only busy.</summary>
    public static readonly TimeSpan UnansweredAfter = TimeSpan.FromDays(7);

    public override string Type => "check-in-request-watch";

    public required string MentorId { get; init; }

    public required DateTimeOffset ForRequestedAt { get; init; }

    public required DateTimeOffset DueAt { get; init; }

    public static string IdFor(string agencyId, string mentorId) => $"{agencyId}~{mentorId}";
}

/// <summary>
/// When a mentor's next check-in counts as missed (<see cref="CheckInSchedule.MissedAfter"/> past its due date), in the
/// one partition every agency shares ("checkin-schedule"), so one query finds every missed check-in. Ids and a time only.
/// </summary>
public sealed record CheckInSlot : Document
{
    public const string Partition = "checkin-schedule";

    public override string Type => "check-in-slot";

    public required string MentorId { get; init; }

    public required DateTimeOffset DueAt { get; init; }

    public static string IdFor(string agencyId, string mentorId) => $"{agencyId}~{mentorId}";
}

/// <summary>
/// A check-in whose follow-ups (its schedule starting again, its flag, the hold and the supervisors' notices) may
/// not all have happened, in the one partition every agency shares ("checkin-followup"). It is written before the
/// check-in and removed once they have, so a request that died part way is finished by the worker from
/// <see cref="DueAt"/>. Ids and a time only.
/// </summary>
public sealed record CheckInFollowUp : Document
{
    public const string Partition = "checkin-followup";

    /// <summary>Long enough for the request that wrote it to have finished or failed.</summary>
    public static readonly TimeSpan Grace = TimeSpan.FromMinutes(2);

    /// <summary>A record whose check-in never appeared goes this long after it fell due: its request is over by then, even one retrying through an outage.</summary>
    public static readonly TimeSpan GiveUpAfter = TimeSpan.FromDays(1);

    public override string Type => "check-in-follow-up";

    public required string CheckInId { get; init; }

    public required DateTimeOffset DueAt { get; init; }

    public static string IdFor(string agencyId, string checkInId) => $"{agencyId}~{checkInId}";
}

/// <summary>A wellbeing flag to look at again at <see cref="DueAt"/>, in a partition every agency shares. Ids and a time only.</summary>
public abstract record FlagWatch : Document
{
    public required string FlagId { get; init; }

    public required DateTimeOffset DueAt { get; init; }

    public static string IdFor(string agencyId, string flagId) => $"{agencyId}~{flagId}";

    /// <summary>Whether a mentor's supervisor has had <paramref name="time"/> to see a flag: from when it was raised, or from when they were given the mentor.</summary>
    protected static bool HadTime(DateTimeOffset raisedAt, DateTimeOffset? supervisorSince, DateTimeOffset now, TimeSpan time) =>
        now - (supervisorSince > raisedAt ? supervisorSince.Value : raisedAt) >= time;
}

/// <summary>
/// An urgent flag to look at again an hour on, in the one partition every agency shares ("urgent-watch"): if no
/// supervisor has seen it by then, they are told again and the app counts it, each hour until one has.
/// </summary>
public sealed record UrgentFlagWatch : FlagWatch
{
    public const string Partition = "urgent-watch";

    public static readonly TimeSpan Every = TimeSpan.FromHours(1);

    /// <summary>
    /// How long an urgent answer waits on its supervisor before the admins are asked to give the mentor one who can
    /// reach them now: the supervisor may be away, and only they can open the flag.
    /// </summary>
    public static readonly TimeSpan AdminsAfter = TimeSpan.FromHours(2);

    /// <summary>Whether a mentor's supervisor has had <see cref="AdminsAfter"/> to see an urgent answer.</summary>
    public static bool SupervisorHadTime(DateTimeOffset raisedAt, DateTimeOffset? supervisorSince, DateTimeOffset now) =>
        HadTime(raisedAt, supervisorSince, now, AdminsAfter);

    public override string Type => "urgent-flag-watch";
}

/// <summary>
/// A concern or missed-check-ins flag to look at again once its supervisor has had a week, in the one partition every
/// agency shares ("concern-watch"): if they have not seen it by then, the admins are told, once for each supervisor's
/// turn, and it is looked at again each week until someone has.
/// </summary>
public sealed record ConcernFlagWatch : FlagWatch
{
    public const string Partition = "concern-watch";

    /// <summary>How long a concern waits on its supervisor before the admins are told: long enough for a week's leave.</summary>
    public static readonly TimeSpan AdminsAfter = TimeSpan.FromDays(7);

    /// <summary>Whether a mentor's supervisor has had <see cref="AdminsAfter"/> to see a concern.</summary>
    public static bool SupervisorHadTime(DateTimeOffset raisedAt, DateTimeOffset? supervisorSince, DateTimeOffset now) =>
        HadTime(raisedAt, supervisorSince, now, AdminsAfter);

    public override string Type => "concern-flag-watch";
}

[JsonConverter(typeof(JsonStringEnumConverter<FlagKind>))]
public enum FlagKind
{
    Concern,
    Urgent,

    /// <summary>Two due check-ins in a row were missed, or one asked for after something hard went unanswered a week.</summary>
    Missed,
}

[JsonConverter(typeof(JsonStringEnumConverter<WellbeingFlagStatus>))]
public enum WellbeingFlagStatus
{
    Open,
    Acknowledged,
    Resolved,
}

/// <summary>A supervision session about a flag: when, what was talked about, what was agreed, and when to meet again.</summary>
public sealed record SupervisionSession(DateOnly Date, string Notes, string? AgreedActions, DateOnly? FollowUp, string By, DateTimeOffset RecordedAt);

/// <summary>A regular supervision session with one mentor, not about a flag; its notes are for the mentor's supervisors only.</summary>
public sealed record RegularSupervision : Document
{
    public override string Type => "regular-supervision";

    /// <summary>One session a day per mentor: the same form sent again records it once.</summary>
    public static string IdFor(string mentorId, DateOnly date) =>
        "supervision-" + Infrastructure.Pipeline.Digest.Of($"{mentorId}\n{date:yyyy-MM-dd}", 32);

    public required string MentorId { get; init; }

    public required DateOnly Date { get; init; }

    public required string Notes { get; init; }

    public required string By { get; init; }

    public required DateTimeOffset RecordedAt { get; init; }
}

/// <summary>Something a supervisor should look at about one mentor's wellbeing, and what they did about it.</summary>
public sealed record WellbeingFlag : Document
{
    public override string Type => "wellbeing-flag";

    /// <summary>
    /// A flag's id, the same for every instance raising it from <paramref name="what"/>, and of one shape whatever raised
    /// it: the supervisor's steps on it are audited under its id, and admins, who read the audit log, must not tell a
    /// flag raised by a mentor's answers from one raised by missed check-ins.
    /// </summary>
    public static string IdFor(string what) =>
        "wflag~" + Digest.Of(what, 40);

    public required string MentorId { get; init; }

    public required FlagKind Kind { get; init; }

    public required IReadOnlyList<string> Reasons { get; init; }

    public string? CheckInId { get; init; }

    /// <summary>Later check-ins whose concerns were added to it while it was unseen: each is added once, however often it is finished.</summary>
    public IReadOnlyList<string> AddedCheckIns { get; init; } = [];

    /// <summary>
    /// How many later check-ins one unseen concern takes: a mentor checking in again and again must not grow a document
    /// past what the store will write, and a concern left unseen that long is news in a flag of its own.
    /// </summary>
    public const int MaxAddedCheckIns = 20;

    /// <summary>
    /// The chat's flag, when raised by the mentor's own words of danger in a chat rather than by a check-in: what a
    /// supervisor is told of it says so, under the key the chat told them with, so they are told of it once.
    /// </summary>
    public string? ChatFlagId { get; init; }

    /// <summary>Under which key whoever should know is told of this flag.</summary>
    public string AlertKey => ChatFlagId is { } chatFlag ? $"chat-flag-supervisor~{chatFlag}" : Id;

    public WellbeingFlagStatus Status { get; init; } = WellbeingFlagStatus.Open;

    public required DateTimeOffset RaisedAt { get; init; }

    public string? AcknowledgedBy { get; init; }

    public DateTimeOffset? AcknowledgedAt { get; init; }

    public IReadOnlyList<SupervisionSession> Sessions { get; init; } = [];

    public string? ResolvedBy { get; init; }

    public DateTimeOffset? ResolvedAt { get; init; }
}
