using SurvivorConnect.Api.Features.Agencies;

namespace SurvivorConnect.Api.Features.Engagements.Rules;

/// <summary>Local times in IANA time zones, as sessions are written and as survivors live them.</summary>
public static class EngagementTime
{
    /// <summary>
    /// A zone as the agency's clock accepts one (<see cref="AgencyCalendar.TryZone"/>): an IANA place this machine
    /// knows, found by its own spelling on every instance, never a Windows name or a backwards <c>Etc/GMT</c> zone.
    /// </summary>
    public static bool TryZone(string? id, out TimeZoneInfo zone) => AgencyCalendar.TryZone(id, out zone);

    /// <summary>A valid zone as the zone files spell it ("america/los_angeles" is stored as "America/Los_Angeles").</summary>
    public static string Canonical(string id) => TryZone(id, out var zone) ? zone.Id : id;

    /// <summary>Whether two zone names name one zone, however each is spelt.</summary>
    public static bool SameZone(string a, string b) => string.Equals(Canonical(a), Canonical(b), StringComparison.Ordinal);

    /// <summary>
    /// A stored zone: one taken before zones were checked as the agency's clock checks them ("Pacific Standard Time",
    /// say) is still read as it was then, so its sessions keep their times.
    /// </summary>
    private static TimeZoneInfo Stored(string zoneId) =>
        TryZone(zoneId, out var zone) || TimeZoneInfo.TryFindSystemTimeZoneById(zoneId, out zone) ? zone : TimeZoneInfo.Utc;

    /// <summary>The instant a local time in a zone names; call only for a valid zone and a time that exists there.</summary>
    public static DateTimeOffset ToUtc(DateTime local, string zoneId)
    {
        var zone = Stored(zoneId);
        var unspecified = DateTime.SpecifyKind(local, DateTimeKind.Unspecified);
        return new DateTimeOffset(TimeZoneInfo.ConvertTimeToUtc(unspecified, zone), TimeSpan.Zero);
    }

    /// <summary>The same instant as the clock on someone's wall in <paramref name="zoneId"/>.</summary>
    public static DateTime InZone(DateTimeOffset instant, string zoneId) => TimeZoneInfo.ConvertTimeFromUtc(instant.UtcDateTime, Stored(zoneId));

    /// <summary>A local time skipped by a daylight-saving change (02:30 on the spring-forward night) names no instant.</summary>
    public static bool Exists(DateTime local, TimeZoneInfo zone) => !zone.IsInvalidTime(DateTime.SpecifyKind(local, DateTimeKind.Unspecified));

    /// <summary>A local time repeated by a daylight-saving change (01:30 on the fall-back night) names two instants.</summary>
    public static bool Twice(DateTime local, TimeZoneInfo zone) => zone.IsAmbiguousTime(DateTime.SpecifyKind(local, DateTimeKind.Unspecified));

    public static DayPart PartOf(DateTime local)
    {
        var weekend = local.DayOfWeek is DayOfWeek.Saturday or DayOfWeek.Sunday;
        return (local.Hour, weekend) switch
        {
            ( < 12, false) => DayPart.WeekdayMorning,
            ( < 17, false) => DayPart.WeekdayAfternoon,
            (_, false) => DayPart.WeekdayEvening,
            ( < 12, true) => DayPart.WeekendMorning,
            ( < 17, true) => DayPart.WeekendAfternoon,
            _ => DayPart.WeekendEvening,
        };
    }
}
