namespace SurvivorConnect.Api.Features.Payouts.Rules;

/// <summary>Amounts in a currency's minor units, as Stripe takes them.</summary>
public static class Money
{
    // Stripe's zero-decimal currencies: their amounts are whole units.
    private static readonly HashSet<string> ZeroDecimal = new(StringComparer.OrdinalIgnoreCase)
    {
        "BIF", "CLP", "DJF", "GNF", "JPY", "KMF", "KRW", "MGA", "PYG", "RWF", "UGX", "VND", "VUV", "XAF", "XOF", "XPF",
    };

    // Stripe's three-decimal currencies: thousandths, of which Stripe takes only multiples of ten.
    private static readonly HashSet<string> ThreeDecimal = new(StringComparer.OrdinalIgnoreCase) { "BHD", "JOD", "KWD", "OMR", "TND" };

    public static long ToMinorUnits(decimal amount, string currency) =>
        TryToMinorUnits(amount, currency, out var minor)
            ? minor
            : throw new ArgumentException($"{amount} {currency} is not a whole number of minor units.", nameof(amount));

    /// <summary>False when the amount is finer than the currency's minor unit: Stripe cannot be asked for it.</summary>
    public static bool TryToMinorUnits(decimal amount, string currency, out long minor)
    {
        var threeDecimal = ThreeDecimal.Contains(currency);
        var scaled = amount * (ZeroDecimal.Contains(currency) ? 1m : threeDecimal ? 1000m : 100m);
        var whole = decimal.Truncate(scaled) == scaled && (!threeDecimal || scaled % 10 == 0);
        minor = whole ? (long)scaled : 0;
        return whole;
    }
}
