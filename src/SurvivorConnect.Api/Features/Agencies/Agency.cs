using SurvivorConnect.Api.Features.Consent;
using SurvivorConnect.Storage;

namespace SurvivorConnect.Api.Features.Agencies;

/// <summary>An agency (tenant). Its id is its own partition, like every record it owns.</summary>
public sealed record Agency : Document
{
    public static readonly ContainerSpec Container = new("agencies");

    public override string Type => "agency";

    public required string Name { get; init; }

    public required DateTimeOffset CreatedAt { get; init; }

    public MatchConsentPolicy MatchConsentPolicy { get; init; } = new(18, []);

    /// <summary>When the match consent policy was last saved: what follows each save is told once for it.</summary>
    public DateTimeOffset? MatchConsentPolicySetAt { get; init; }

    /// <summary>The fewest people an outcome report shows a number for; the agency may raise it, never lower it below the default.</summary>
    public int ReportThreshold { get; init; } = DefaultReportThreshold;

    public const int DefaultReportThreshold = 11;

    /// <summary>
    /// Where the agency works (an IANA id): its calendar day, on which actions and follow-ups fall due, is that zone's.
    /// None set: UTC, as it was before an agency could say.
    /// </summary>
    public string? TimeZone { get; init; }

    /// <summary>
    /// The zones used before <see cref="TimeZone"/>, oldest first, each with when it stopped: outcome reports cut past
    /// months by the zone in force then, so a change of zone never moves
    /// what a report already showed. Only zones that were in force at a month's start are kept.
    /// </summary>
    public IReadOnlyList<FormerTimeZone> FormerTimeZones { get; init; } = [];

    /// <summary>The crisis lines of the agency's own area, shown before the deployment's national lines.</summary>
    public IReadOnlyList<CrisisResource> CrisisLines { get; init; } = [];

    /// <summary>
    /// The last change of each policy that made it protect youth less (or changed what youth are shown in danger, or how
    /// months are counted), kept with the change itself: a save whose follow-ups failed, sent again, or a later save of
    /// any other policy, still tells the other admins of it.
    /// </summary>
    public IReadOnlyList<PolicyLoosening> Loosenings { get; init; } = [];
}

/// <summary>A zone the agency used until <paramref name="Until"/> (null: none was set, so UTC).</summary>
public sealed record FormerTimeZone(string? Zone, DateTimeOffset Until);

/// <summary>Whose consent, besides the youth's and the mentor's, a minor's match needs (the agency decides).</summary>
public sealed record MatchConsentPolicy(int AdultAge, IReadOnlyList<ConsentGrantor> MinorMatchNeeds);

/// <summary>Who made which policy ask less, and when.</summary>
public sealed record PolicyLoosening(AgencyPolicy Policy, string By, DateTimeOffset At)
{
    /// <summary>
    /// Told again on a save within the hour (once each): one whose telling failed the first time is told when the admin
    /// sends it again. An admin made since is not told of one long past as if it were news.
    /// </summary>
    public bool StillNews(DateTimeOffset now) => now - At < NewsFor;

    /// <summary>How long a loosening is news, told again on each save (a youth's record's too).</summary>
    public static readonly TimeSpan NewsFor = TimeSpan.FromHours(1);
}
