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
    /// paid per session, so its longest session still to be held sets the rate: an average over short sessions (or ones
    /// cancelled since) would hide a long session paid below the benchmark.
    /// </summary>
    public static decimal EffectiveHourlyRate(Compensation pay, IReadOnlyList<EngagementSession> sessions)
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
        return longest <= 0 ? 0 : decimal.Round(pay.Rate / longest, 2, MidpointRounding.AwayFromZero);
    }

    /// <summary>How far below the benchmark the opportunity pays per hour; zero when it pays at least the benchmark.</summary>
    public static decimal Shortfall(Compensation pay, IReadOnlyList<EngagementSession> sessions, decimal benchmarkHourlyRate) =>
        Math.Max(0, benchmarkHourlyRate - EffectiveHourlyRate(pay, sessions));
}
