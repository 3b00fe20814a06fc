using System.Text.RegularExpressions;

namespace SurvivorConnect.Api.Features.Payouts.Rules;

/// <summary>A mileage rate per mile, in force from a date until the next one starts (the US IRS business rate by default).</summary>
public sealed record MileageRate(DateOnly From, decimal PerMile);

/// <summary>
/// A daily per diem rate: meals and incidentals, and lodging a night, in force from a date. A rate without a
/// location is the standard rate (GSA's standard CONUS rate by default); an agency loads rates for its locations.
/// </summary>
public sealed record PerDiemRate(DateOnly From, decimal MealsAndIncidentals, decimal Lodging, string? Location = null);

/// <summary>The rates a payout is calculated at, each found by the session's date.</summary>
public sealed class PayRates(IReadOnlyList<MileageRate> mileage, IReadOnlyList<PerDiemRate> standardPerDiem, IReadOnlyList<PerDiemRate> locationPerDiem)
{
    public IReadOnlyList<MileageRate> Mileage { get; } = mileage;

    public IReadOnlyList<PerDiemRate> StandardPerDiem { get; } = standardPerDiem;

    public IReadOnlyList<PerDiemRate> LocationPerDiem { get; } = locationPerDiem;

    /// <summary>
    /// The mileage rate in force on the date. A date before every configured rate has none: a gap in the configuration,
    /// refused as a rule (409, naming the date) so finance can have it filled. Claims prepared before it in the same run
    /// stay prepared; sent again, the run picks up the rest.
    /// </summary>
    public decimal MileageOn(DateOnly date) =>
        Mileage.Where(r => r.From <= date).MaxBy(r => r.From)?.PerMile
        ?? throw new PayoutRuleException($"No mileage rate is configured for {date:yyyy-MM-dd}. Ask whoever runs SurvivorConnect to add the rate in force then.");

    /// <summary>
    /// The per diem for a session's location on its date: the agency's rate whose location the session's location
    /// names as whole words (the longest such name, so "Chicago, IL" wins over "IL", and "IL" is not found in
    /// "Wilmington"), at that location's latest rate in force, otherwise the standard rate. Two locations named as fully
    /// ("Chicago, IL" and "Cook County" in one address) pay the better of their meals and of their lodging. Never less
    /// than the standard rate, meals or lodging: a survivor travelling is paid at least what any professional on the
    /// federal standard is.
    /// </summary>
    public PerDiemRate PerDiemFor(string? sessionLocation, DateOnly date)
    {
        var standard = StandardPerDiem.Where(r => r.From <= date).MaxBy(r => r.From);
        var closest = string.IsNullOrWhiteSpace(sessionLocation)
            ? null
            : LocationPerDiem
                .Where(r => r.From <= date && r.Location is { Length: > 0 } name && Names(sessionLocation, name))
                .GroupBy(r => r.Location!.Trim(), StringComparer.OrdinalIgnoreCase)
                .Select(place => place.MaxBy(r => r.From)!)
                .GroupBy(r => r.Location!.Trim().Length)
                .MaxBy(named => named.Key)
                ?.OrderBy(r => r.Location, StringComparer.OrdinalIgnoreCase).ToList();
        var local = closest is null ? null : closest[0] with { MealsAndIncidentals = closest.Max(r => r.MealsAndIncidentals), Lodging = closest.Max(r => r.Lodging) };
        return (local, standard) switch
        {
            ({ } l, { } s) => l with { MealsAndIncidentals = Math.Max(l.MealsAndIncidentals, s.MealsAndIncidentals), Lodging = Math.Max(l.Lodging, s.Lodging) },
            ({ } l, null) => l,
            (null, { } s) => s,
            _ => throw new PayoutRuleException($"No standard per diem rate is configured for {date:yyyy-MM-dd}. Ask whoever runs SurvivorConnect to add the rate in force then."),
        };
    }

    private static bool Names(string location, string place) =>
        Regex.IsMatch(location, $@"(?<![\p{{L}}\p{{N}}]){Regex.Escape(place.Trim())}(?![\p{{L}}\p{{N}}])",
            RegexOptions.IgnoreCase | RegexOptions.CultureInvariant, TimeSpan.FromMilliseconds(100));
}
