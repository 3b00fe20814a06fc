namespace SurvivorConnect.Api.Features.Engagements.Rules;

/// <summary>
/// What people were offered and asked to. Once published, the work keeps what it is about (each survivor's topics they
/// will not speak about were checked against it, and the offer was theirs to take); once anyone is invited, waiting or
/// confirmed, its pay may rise but never fall (they said yes to it, and claims are paid at the opportunity's pay).
/// </summary>
public static class AskedTerms
{
    /// <summary>
    /// Published work keeps what it is about (its kind, topics, title and description), whoever was asked: survivors
    /// chose on it as it is, and a change would have its candidates drawn again, each one missing from them telling the
    /// recruiter that the new words touch something that person will not speak about.
    /// </summary>
    public static string? WhyNotChangeWhatItIsAbout(Opportunity before, Opportunity after)
    {
        ArgumentNullException.ThrowIfNull(before);
        ArgumentNullException.ThrowIfNull(after);
        return before.Kind != after.Kind || !new HashSet<string>(before.Topics, StringComparer.OrdinalIgnoreCase).SetEquals(after.Topics)
            || before.Title != after.Title || !SameWords(before.Description, after.Description)
            ? "Published work keeps its kind, topics, title and description: survivors choose on them. If the work has changed, cancel it and publish it anew."
            : null;
    }

    /// <summary>The same words, however their lines end: a browser sends a text box's lines back ended as CR LF.</summary>
    private static bool SameWords(string? before, string? after) => (before ?? "").ReplaceLineEndings("\n") == (after ?? "").ReplaceLineEndings("\n");

    /// <summary>Why the pay of work people were asked to may not change so: it can be raised but never lowered.</summary>
    public static string? WhyNotChange(Opportunity before, Opportunity after)
    {
        ArgumentNullException.ThrowIfNull(before);
        ArgumentNullException.ThrowIfNull(after);
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
