namespace SurvivorConnect.Api.Infrastructure.Pipeline;

/// <summary>A number as a phone dials it, for a tel: or sms: link.</summary>
public static class PhoneNumbers
{
    /// <summary>The longest number a phone dials (E.164).</summary>
    public const int MostDigits = 15;

    /// <summary>
    /// Digits only, and a leading + if given, when <paramref name="typed"/> is a number written alone (spaces, dashes,
    /// dots and brackets between its digits, <paramref name="fewestDigits"/> to <see cref="MostDigits"/> of them); null
    /// for anything else (a letter, a second +, words around it), so a tap never dials what was not written as a number.
    /// </summary>
    public static string? Dialable(string? typed, int fewestDigits)
    {
        var kept = typed?.Trim() ?? "";
        var plus = kept.StartsWith('+');
        var rest = plus ? kept[1..] : kept;
        if (rest.Any(c => !(char.IsAsciiDigit(c) || c is ' ' or '-' or '.' or '(' or ')')))
        {
            return null;
        }

        var digits = new string([.. rest.Where(char.IsAsciiDigit)]);
        return digits.Length >= fewestDigits && digits.Length <= MostDigits ? (plus ? "+" : "") + digits : null;
    }
}
