namespace SurvivorConnect.Api.Features.Engagements.Rules;

/// <summary>
/// What people were asked to. Once anyone is invited, waiting or confirmed, the work's kind and topics stay as they were
/// asked (each survivor's topics they will not speak about were checked against them, and the ask was theirs to take),
/// and its pay may rise but never fall (they said yes to it, and claims are paid at the opportunity's pay).
/// </summary>
public static class AskedTerms
{
    public static string? WhyNotChange(Opportunity before, Opportunity after)
    {
        ArgumentNullException.ThrowIfNull(before);
        ArgumentNullException.ThrowIfNull(after);
        if (before.Kind != after.Kind || !new HashSet<string>(before.Topics, StringComparer.OrdinalIgnoreCase).SetEquals(after.Topics))
        {
            return "People have been asked to this work as it was, so its kind and topics stay. If the work has changed, cancel it and publish it anew.";
        }

        var (was, now) = (before.Compensation, after.Compensation);
        // A flat sum per session falls per hour when any session grows longer (not only the longest), and hourly pay
        // for a session falls when it grows shorter: that is paying less too, unless the sum rises with it.
        return now.Basis != was.Basis || now.Rate < was.Rate || now.PrepMinutesPerSession < was.PrepMinutesPerSession
            || PayParity.EffectiveHourlyRate(now, after.Sessions) < PayParity.EffectiveHourlyRate(was, before.Sessions)
            || after.Sessions.Any(s => s.CancelledAt is null && before.Sessions.FirstOrDefault(b => b.Id == s.Id) is { } b && PaidLess(was, now, b, s))
            || was.TravelAllowed && !now.TravelAllowed || was.PerDiemAllowed && !now.PerDiemAllowed
            ? "People have been asked to this work at this pay, so it can be raised but never lowered."
            : null;
    }

    /// <summary>Whether one session, as changed, pays less an hour than it did (compared without dividing, so a session of no length is no failure).</summary>
    private static bool PaidLess(Compensation was, Compensation now, EngagementSession before, EngagementSession after) =>
        now.Basis == PayBasis.Hourly
            ? after.Hours < before.Hours
            : now.Rate * Paid(was, before) < was.Rate * Paid(now, after);

    /// <summary>The hours a flat sum for a session pays for: the session and its preparation.</summary>
    private static decimal Paid(Compensation pay, EngagementSession session) => (decimal)session.Hours + pay.PrepMinutesPerSession / 60m;
}
