namespace SurvivorConnect.Api.Features.Supervision.Rules;

/// <summary>
/// Supervision is not only for when something is flagged: a mentor who mentors meets their supervisor at least this
/// often, so triggering events and vicarious trauma are talked through before a check-in has to say so.
/// </summary>
public static class RegularSupervisionRules
{
    public const int EveryDays = 30;

    /// <summary>The latest day the mentor met a supervisor, at a regular session or one about a flag.</summary>
    public static DateOnly? LastMet(IEnumerable<DateOnly> regular, IEnumerable<DateOnly> aboutFlags) =>
        regular.Concat(aboutFlags).Select(d => (DateOnly?)d).Max();

    /// <summary>A mentor with an active match who has not met a supervisor in <see cref="EveryDays"/> days (or ever) is overdue.</summary>
    public static bool Overdue(DateOnly? lastMet, DateOnly today, int activeMatches) =>
        activeMatches > 0 && (lastMet is not { } last || last.AddDays(EveryDays) < today);
}
