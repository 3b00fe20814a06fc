namespace SurvivorConnect.Api.Features.Payouts.Rules;

/// <summary>Amounts in a currency's minor units, as Stripe takes them.</summary>
public static class Money
{
    // Stripe's zero-decimal currencies: their amounts are whole units.
    private static readonly HashSet<string> ZeroDecimal = new(StringComparer.OrdinalIgnoreCase)
    {
        "BIF", "CLP", "DJF", "GNF", "JPY", "KMF", "KRW", "MGA", "PYG", "RWF", "UGX", "VND", "VUV", "XAF", "XOF", "XPF",
    };

    public static long ToMinorUnits(decimal amount, string currency)
    {
        var factor = ZeroDecimal.Contains(currency) ? 1m : 100m;
        var minor = amount * factor;
        return decimal.Truncate(minor) == minor
            ? (long)minor
            : throw new ArgumentException($"{amount} {currency} is not a whole number of minor units.", nameof(amount));
    }
}
