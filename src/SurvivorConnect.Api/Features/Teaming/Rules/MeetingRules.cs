using SurvivorConnect.Api.Features.Teaming;

namespace SurvivorConnect.Api.Features.Teaming.Rules;

public static class MeetingRules
{
    /// <summary>How far from today a meeting may be scheduled (or recorded, for one already held).</summary>
    public const int MaxDaysAway = 366;

    /// <summary>
    /// Whether a meeting can be recorded as held: once its time has come (or nearly, for one that started a little
    /// early). Recorded sooner, who came and what was decided would stand for a meeting nobody has had yet.
    /// </summary>
    public static bool MayBeRecorded(DateTimeOffset scheduledFor, DateTimeOffset now) => scheduledFor <= now.AddHours(2);

    /// <summary>Whether a meeting can still be moved, have its agenda changed or be cancelled: neither held nor called off.</summary>
    public static bool IsStillToHold(TeamMeeting meeting) => meeting is { HeldAt: null, CancelledAt: null };

    /// <summary>An action is overdue from the day after its due date until it is done.</summary>
    public static bool IsOverdue(MeetingAction action, DateOnly today) => action.DoneAt is null && action.Due < today;
}
