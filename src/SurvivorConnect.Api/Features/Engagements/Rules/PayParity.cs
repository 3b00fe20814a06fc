namespace SurvivorConnect.Api.Features.Engagements.Rules;

/// <summary>
/// Pay parity (PRODUCT.md rule 3): survivors are paid like other professionals. An opportunity's effective
/// hourly rate, counting the preparation time it pays for, must reach the agency's benchmark for that kind of work
/// in every session, not only on average.
/// </summary>
public static class PayParity
{
    /// <summary>
    /// What one hour of the opportunity's work, session and preparation together, pays at the least. A flat stipend is
    /// paid per session, so its longest session not cancelled sets the rate: an average over short sessions (or ones
    /// cancelled since) would hide a long session paid below the benchmark.
    /// </summary>
    public static decimal EffectiveHourlyRate(Compensation pay, IReadOnlyList<EngagementSession> sessions) =>
        decimal.Round(ExactHourlyRate(pay, sessions), 2, MidpointRounding.AwayFromZero);

    /// <summary>The rate unrounded: parity is judged on it, so a stipend a fraction of a cent an hour short is short.</summary>
    private static decimal ExactHourlyRate(Compensation pay, IReadOnlyList<EngagementSession> sessions)
    {
        ArgumentNullException.ThrowIfNull(pay);
        ArgumentNullException.ThrowIfNull(sessions);
        if (pay.Basis == PayBasis.Hourly)
        {
            return pay.Rate;
        }

        var held = sessions.Where(s => s.CancelledAt is null).ToList();
        var counted = held.Count > 0 ? held : sessions;
        if (counted.Count == 0)
        {
            return 0;
        }

        var longest = counted.Max(s => (decimal)s.Hours) + pay.PrepMinutesPerSession / 60m;
        return longest <= 0 ? 0 : pay.Rate / longest;
    }

    /// <summary>
    /// Why the opportunity may not be offered as it is: its kind is gone, the kind has no benchmark to check it against,
    /// it pays below that benchmark, or it asks people to come in person without paying their travel and per diem on top.
    /// Null when it pays at parity.
    /// </summary>
    public static string? Refusal(EngagementSettings settings, Opportunity opportunity)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(opportunity);

        // An opportunity made before a kind was kept while in use may be of a kind the agency no longer has.
        var kind = settings.Kinds.FirstOrDefault(k => k.Key == opportunity.Kind);
        if (kind is null)
        {
            return "Its kind of work is no longer one of your agency's. A draft can be given another in its details; published work keeps its kind, so cancel it and publish it anew.";
        }

        if (kind.BenchmarkHourlyRate is not { } benchmark)
        {
            return $"There is no benchmark hourly rate for \"{kind.Name}\" yet, so pay parity cannot be checked. Ask your agency admin to set one.";
        }

        var shortfall = Shortfall(opportunity.Compensation, opportunity.Sessions, benchmark);
        if (shortfall <= 0)
        {
            return opportunity.Sessions.Any(s => s.InPerson && s.CancelledAt is null)
                && !(opportunity.Compensation.TravelAllowed && opportunity.Compensation.PerDiemAllowed)
                ? "This asks people to come in person, so their travel and a per diem for days away are paid on top, as for other professionals. Choose both in its pay, then try again."
                : null;
        }

        // Rounded down, so a rate a fraction of a cent short never reads as the benchmark itself.
        return $"This pays {decimal.Floor(ExactHourlyRate(opportunity.Compensation, opportunity.Sessions) * 100) / 100:0.00} {opportunity.Currency} an hour, " +
              $"{shortfall:0.00} below the {benchmark:0.00} {opportunity.Currency} other professionals are paid for {kind.Name.ToLowerInvariant()}. Survivors are paid at parity.";
    }

    /// <summary>
    /// How far below the benchmark the opportunity pays per hour, to the cent above (never 0.00 when short); zero when it
    /// pays at least the benchmark.
    /// </summary>
    public static decimal Shortfall(Compensation pay, IReadOnlyList<EngagementSession> sessions, decimal benchmarkHourlyRate) =>
        Math.Max(0, decimal.Ceiling((benchmarkHourlyRate - ExactHourlyRate(pay, sessions)) * 100) / 100);
}
