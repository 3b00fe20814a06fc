using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace SurvivorConnect.Api.Features.Engagements.Rules;

/// <summary>
/// The terms a survivor says yes to: the pay, and each session's times and whether it is in person, and where (as far as
/// they were shown it: the area until their place is confirmed). Their answer names the terms they read, and is refused
/// when the work has changed since, so nobody is committed to pay, times or places they never saw.
/// </summary>
public static class OfferedTerms
{
    public static string Of(Opportunity opportunity)
    {
        ArgumentNullException.ThrowIfNull(opportunity);
        var pay = opportunity.Compensation;
        var terms = new StringBuilder()
            .Append(CultureInfo.InvariantCulture, $"{pay.Basis}|{pay.Rate:0.############################}|{opportunity.Currency}|{pay.PrepMinutesPerSession}|{pay.TravelAllowed}|{pay.PerDiemAllowed}");
        foreach (var s in opportunity.Sessions.OrderBy(s => s.Id, StringComparer.Ordinal))
        {
            terms.Append(CultureInfo.InvariantCulture, $"\n{s.Id}|{s.StartUtc:O}|{s.EndUtc:O}|{s.TimeZone}|{s.InPerson}|{s.Area}|{s.CancelledAt is null}");
        }

        return "t" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(terms.ToString())).AsSpan(0, 12));
    }

    /// <summary>Each session still on offer as its time and place (neither a link nor an address, which not everyone is shown).</summary>
    public static IReadOnlyList<string> SessionsOf(Opportunity opportunity)
    {
        ArgumentNullException.ThrowIfNull(opportunity);
        return [.. opportunity.Sessions.Where(s => s.CancelledAt is null).Select(s => string.Create(CultureInfo.InvariantCulture, $"{s.Id}|{s.StartUtc:O}|{s.EndUtc:O}|{s.InPerson}|{s.Area}"))];
    }

    /// <summary>
    /// Whether the terms <paramref name="read"/> (as sent, perhaps quoted as an ETag) are the work's terms now. A recruiter
    /// who also takes paid work reads the work's own version instead: unchanged since, so are its terms.
    /// </summary>
    public static bool StillAre(Opportunity opportunity, string read) =>
        string.Equals(read.Trim().Trim('"'), Of(opportunity), StringComparison.Ordinal) || read == opportunity.ETag;
}
