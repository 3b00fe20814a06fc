using SurvivorConnect.Api.Features.Teaming;

namespace SurvivorConnect.Api.Features.Teaming.Rules;

public static class MeetingRules
{
    /// <summary>How far from today a meeting may be scheduled (or recorded, for one already held).</summary>
    public const int MaxDaysAway = 366;

    /// <summary>An action is overdue from the day after its due date until it is done.</summary>
    public static bool IsOverdue(MeetingAction action, DateOnly today) => action.DoneAt is null && action.Due < today;
}
