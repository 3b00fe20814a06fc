namespace SurvivorConnect.Api.Features.Engagements.Rules;

/// <summary>
/// Pay parity (PRODUCT.md rule 3): survivors are paid like other professionals. An opportunity's effective
/// hourly rate, counting the preparation time it pays for, must reach the agency's benchmark for that kind of work.
/// </summary>
public static class PayParity
{
    /// <summary>What one hour of the opportunity's work, sessions and preparation together, pays.</summary>
    public static decimal EffectiveHourlyRate(Compensation pay, IReadOnlyList<EngagementSession> sessions)
    {
        ArgumentNullException.ThrowIfNull(pay);
        ArgumentNullException.ThrowIfNull(sessions);
        if (pay.Basis == PayBasis.Hourly)
        {
            return pay.Rate;
        }

        var hours = sessions.Sum(s => (decimal)s.Hours) + sessions.Count * pay.PrepMinutesPerSession / 60m;
        return hours <= 0 ? 0 : decimal.Round(pay.Rate * sessions.Count / hours, 2, MidpointRounding.AwayFromZero);
    }

    /// <summary>How far below the benchmark the opportunity pays per hour; zero when it pays at least the benchmark.</summary>
    public static decimal Shortfall(Compensation pay, IReadOnlyList<EngagementSession> sessions, decimal benchmarkHourlyRate) =>
        Math.Max(0, benchmarkHourlyRate - EffectiveHourlyRate(pay, sessions));
}
