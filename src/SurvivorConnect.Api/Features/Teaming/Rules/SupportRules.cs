using SurvivorConnect.Api.Features.Teaming;

namespace SurvivorConnect.Api.Features.Teaming.Rules;

/// <summary>
/// Asking a youth about someone to join their team as a support: once at a time, and not again soon after they said
/// no, so their "no" is not worn down by being asked over and over.
/// </summary>
public static class SupportRules
{
    /// <summary>How long a youth's "no" to a support stands before their case manager may ask about that person again.</summary>
    public static readonly TimeSpan NoStandsFor = TimeSpan.FromDays(30);

    /// <summary>
    /// A name as the youth would say it: its letters and digits, spacing, punctuation and case aside, so "Mom." or "M-o-m"
    /// is not another person to ask about again after the youth said no to "Mom".
    /// </summary>
    public static string NameKey(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return string.Concat(name.Where(char.IsLetterOrDigit)).ToUpperInvariant();
    }

    /// <summary>The same person: by their sign-in where both have one, else by the name the youth knows them by.</summary>
    public static bool SamePerson(TeamMember one, TeamMember other) =>
        one.PersonId is not null && one.PersonId == other.PersonId && one.AgencyId == other.AgencyId
        || NameKey(one.DisplayName) == NameKey(other.DisplayName);

    /// <summary>When the youth's latest "no" to <paramref name="asked"/> stops standing, while it still does; otherwise none.</summary>
    public static DateTimeOffset? NoStandsUntil(IEnumerable<TeamMember> members, TeamMember asked, DateTimeOffset now)
    {
        var lastNo = members.Where(m => m.Role == TeamRole.Support && m.DeclinedAt is not null && SamePerson(m, asked)).Max(m => m.DeclinedAt);
        return lastNo + NoStandsFor > now ? lastNo + NoStandsFor : null;
    }
}
