using System.Text;
using SurvivorConnect.Api.Infrastructure.Pipeline;

namespace SurvivorConnect.Api.Features.Engagements.Rules;

/// <summary>Whether an opportunity fits a survivor, and why, in words a recruiter (or the survivor) can check.</summary>
public sealed record Fit(bool Fits, IReadOnlyList<string> Reasons, string? Excluded)
{
    public const string WillNotSpeakAbout = "touches a topic they will not speak about";
    public const string NotTheirKind = "not a kind of work they chose";
    public const string NotAvailable = "no session falls in the times they are free";
}

public static class EngagementFit
{
    /// <summary>
    /// Whether one of the work's topics, its title or its description touches the survivor's "will not speak about"
    /// list: such work is never theirs, however they came to it (an invitation sent before they added the topic, a place
    /// coming free while they wait). The title and description count because topics are optional, and they say what
    /// the work is about.
    /// </summary>
    public static bool TouchesWhatTheyWillNotSpeakAbout(EngagementProfile profile, Opportunity opportunity)
    {
        ArgumentNullException.ThrowIfNull(profile);
        ArgumentNullException.ThrowIfNull(opportunity);
        return opportunity.Topics.Append(opportunity.Title).Append(opportunity.Description ?? "").Where(t => t.Length > 0)
            .Any(t => profile.NoTopics.Any(n => Touches(t, n)));
    }

    /// <summary>
    /// Whether some session of the work is still to come (not cancelled) at a time the survivor said they are free, or
    /// at all when they gave no times: a place given from the waiting list commits them to the work as it is now, and
    /// work whose sessions are over has no place to give.
    /// </summary>
    public static bool FreeForSomeSessionToCome(EngagementProfile profile, Opportunity opportunity, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(profile);
        ArgumentNullException.ThrowIfNull(opportunity);
        var toCome = opportunity.Sessions.Where(s => s.CancelledAt is null && s.StartUtc > now).ToList();
        return toCome.Count > 0 && (profile.Availability.Count == 0 || FreeAt(profile, toCome).Any());
    }

    /// <summary>The parts of the week, in the survivor's own time zone, at which they said they are free and a session is.</summary>
    private static IEnumerable<DayPart> FreeAt(EngagementProfile profile, IEnumerable<EngagementSession> sessions) =>
        sessions.Select(s => EngagementTime.PartOf(EngagementTime.InZone(s.StartUtc, profile.TimeZone))).Where(profile.Availability.Contains);

    /// <summary>
    /// A survivor fits when they chose this kind of work, none of the opportunity's topics is on their "will not
    /// speak about" list, and (if they gave their free times) at least one session still to come falls in them, in
    /// their own time zone. Shared topics are a reason, not a requirement.
    /// </summary>
    public static Fit Assess(EngagementProfile profile, Opportunity opportunity, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(profile);
        ArgumentNullException.ThrowIfNull(opportunity);
        if (TouchesWhatTheyWillNotSpeakAbout(profile, opportunity))
        {
            return new Fit(false, [], Fit.WillNotSpeakAbout);
        }

        if (!profile.Kinds.Contains(opportunity.Kind, StringComparer.OrdinalIgnoreCase))
        {
            return new Fit(false, [], Fit.NotTheirKind);
        }

        var reasons = new List<string> { "does this kind of work" };
        var shared = opportunity.Topics.Where(t => profile.Topics.Any(p => Touches(t, p))).ToList();
        if (shared.Count > 0)
        {
            reasons.Add("speaks about " + string.Join(", ", shared));
        }

        if (profile.Availability.Count > 0)
        {
            // A session cancelled, or held already, is no time they would work at.
            var free = FreeAt(profile, opportunity.Sessions.Where(s => s.CancelledAt is null && s.StartUtc > now)).Distinct().ToList();
            if (free.Count == 0)
            {
                return new Fit(false, [], Fit.NotAvailable);
            }

            reasons.Add("free then (" + string.Join(", ", free.Select(Words)) + ", their time)");
        }

        return new Fit(true, reasons, null);
    }

    /// <summary>
    /// Topics match whole words either way, ignoring case, look-alike forms and invisible characters (as a person reads
    /// them), and whatever stands between words: "housing" touches "unstable housing", "trafficking" "(sex–trafficking)".
    /// </summary>
    public static bool Touches(string a, string b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        var x = Words(a);
        var y = Words(b);
        return Contains(x, y) || Contains(y, x);
    }

    private static string[] Words(string text)
    {
        var words = new List<string>();
        var word = new StringBuilder();
        foreach (var c in ScanForm.Of(text))
        {
            if (char.IsLetterOrDigit(c))
            {
                word.Append(char.ToLowerInvariant(c));
                continue;
            }

            if (word.Length > 0)
            {
                words.Add(word.ToString());
                word.Clear();
            }
        }

        return word.Length > 0 ? [.. words, word.ToString()] : [.. words];
    }

    private static bool Contains(string[] whole, string[] part) =>
        part.Length > 0 && part.Length <= whole.Length && Enumerable.Range(0, whole.Length - part.Length + 1).Any(i => whole.Skip(i).Take(part.Length).SequenceEqual(part));

    private static string Words(DayPart part) => part switch
    {
        DayPart.WeekdayMorning => "weekday mornings",
        DayPart.WeekdayAfternoon => "weekday afternoons",
        DayPart.WeekdayEvening => "weekday evenings",
        DayPart.WeekendMorning => "weekend mornings",
        DayPart.WeekendAfternoon => "weekend afternoons",
        _ => "weekend evenings",
    };
}
