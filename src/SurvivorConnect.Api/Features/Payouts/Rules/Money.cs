namespace SurvivorConnect.Api.Features.Payouts.Rules;

/// <summary>Amounts in a currency's minor units, as Stripe takes them.</summary>
public static class Money
{
    // Stripe's zero-decimal currencies: their amounts are whole units.
    private static readonly HashSet<string> ZeroDecimal = new(StringComparer.OrdinalIgnoreCase)
    {
        "BIF", "CLP", "DJF", "GNF", "JPY", "KMF", "KRW", "MGA", "PYG", "RWF", "UGX", "VND", "VUV", "XAF", "XOF", "XPF",
    };

    public static long ToMinorUnits(decimal amount, string currency) =>
        TryToMinorUnits(amount, currency, out var minor)
            ? minor
            : throw new ArgumentException($"{amount} {currency} is not a whole number of minor units.", nameof(amount));

    /// <summary>False when the amount is finer than the currency's minor unit: Stripe cannot be asked for it.</summary>
    public static bool TryToMinorUnits(decimal amount, string currency, out long minor)
    {
        var scaled = amount * (ZeroDecimal.Contains(currency) ? 1m : 100m);
        var whole = decimal.Truncate(scaled) == scaled;
        minor = whole ? (long)scaled : 0;
        return whole;
    }
}
