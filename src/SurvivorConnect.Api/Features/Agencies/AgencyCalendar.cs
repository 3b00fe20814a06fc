using System.Text.RegularExpressions;
using SurvivorConnect.Api.Infrastructure.Tenancy;

namespace SurvivorConnect.Api.Features.Agencies;

/// <summary>
/// An agency's calendar and clock. A follow-up due "today" is due by the clock on the agency's wall: a supervisor in
/// Los Angeles writing at six in the evening is still on today's date, though UTC has moved on to tomorrow. The portal
/// shows and takes times by the same clock. The agency's zone is read once per request.
/// </summary>
public sealed partial class AgencyCalendar(AgencyStore store, ILogger<AgencyCalendar> logger)
{
    /// <summary>Zones offered first when an admin chooses one; any IANA place's zone is accepted (<see cref="TryZone"/>).</summary>
    public static readonly IReadOnlyList<string> CommonZones =
        ["America/Los_Angeles", "America/Denver", "America/Phoenix", "America/Chicago", "America/New_York", "America/Anchorage", "Pacific/Honolulu", "UTC"];

    private TimeZoneInfo? _zone;
    private Task? _loading;

    /// <summary>The agency's zone once <see cref="LoadAsync"/> has run for a signed-in person; UTC before, and for anyone else.</summary>
    public TimeZoneInfo Zone => _zone ?? TimeZoneInfo.Utc;

    /// <summary>How times in the agency's zone are labelled: "Los Angeles time", or "UTC".</summary>
    public string ZoneLabel => Label(Zone);

    /// <summary>
    /// Reads the agency's zone, once however many parts of a page ask at the same time; one this machine does not know
    /// (its zone files differ) is UTC, and logged.
    /// </summary>
    public Task LoadAsync(CancellationToken ct) => _zone is not null || !store.User.IsActive ? Task.CompletedTask : _loading ??= ReadAsync(ct);

    private async Task ReadAsync(CancellationToken ct)
    {
        var stored = (await store.ReadAsync<Agency>(Agency.Container, store.AgencyId, store.AgencyId, ct))?.TimeZone;
        var known = TryZone(stored, out var zone);
        _zone = zone;
        if (stored is not null && !known)
        {
            LogUnknownZone(logger, store.AgencyId);
        }
    }

    /// <summary>Today in the caller's agency.</summary>
    public async Task<DateOnly> TodayAsync(CancellationToken ct)
    {
        await LoadAsync(ct);
        return DayOf(store.Now);
    }

    /// <summary>The time on the agency's wall at <paramref name="at"/>.</summary>
    public DateTime Local(DateTimeOffset at) => TimeZoneInfo.ConvertTimeFromUtc(at.UtcDateTime, Zone);

    public DateTimeOffset FromLocal(DateTime local) => FromLocal(local, Zone);

    /// <summary>The date on the agency's wall at <paramref name="at"/>: the day a payment was made, as the tax year counts it.</summary>
    public DateOnly DayOf(DateTimeOffset at) => DayIn(at, Zone);

    public static DateOnly DayIn(DateTimeOffset at, TimeZoneInfo zone) => DateOnly.FromDateTime(TimeZoneInfo.ConvertTimeFromUtc(at.UtcDateTime, zone));

    /// <summary>
    /// The instant a time on a wall in <paramref name="zone"/> names. One the clocks skip (02:30 on the spring-forward
    /// night) is read by the clock as it stood before the jump, so it lands as far past the jump as it was typed past
    /// its start, whatever the jump's size. One the clocks show twice (the night they go back) is read as its second
    /// coming, in standard time.
    /// </summary>
    public static DateTimeOffset FromLocal(DateTime local, TimeZoneInfo zone)
    {
        ArgumentNullException.ThrowIfNull(zone);
        var wall = DateTime.SpecifyKind(local, DateTimeKind.Unspecified);
        if (zone.IsInvalidTime(wall))
        {
            var before = zone.GetUtcOffset(wall.AddDays(-1));
            return new DateTimeOffset(DateTime.SpecifyKind(wall - before, DateTimeKind.Utc), TimeSpan.Zero);
        }

        return new DateTimeOffset(TimeZoneInfo.ConvertTimeToUtc(wall, zone), TimeSpan.Zero);
    }

    /// <summary>The furthest ahead of UTC any wall is (Kiritimati): no day begins anywhere earlier than this before UTC's.</summary>
    private static readonly TimeSpan FurthestAhead = TimeSpan.FromHours(14);

    /// <summary>
    /// When month <paramref name="first"/> began for an agency now in <paramref name="zone"/> that used <paramref name="former"/>
    /// before (oldest first, each until it stopped): by the zone in force when that month could first begin on any wall,
    /// so once a count could have used its start, no change of the agency's zone moves it. Two counts of the same months
    /// either side of a change would otherwise differ by the records of the hours between the two starts.
    /// </summary>
    public static DateTimeOffset MonthStart(DateOnly first, TimeZoneInfo zone, IReadOnlyList<(TimeZoneInfo Zone, DateTimeOffset Until)> former)
    {
        ArgumentNullException.ThrowIfNull(former);
        var reached = FirstReached(first);
        var inForce = former.FirstOrDefault(f => reached < f.Until).Zone ?? zone;
        return FromLocal(first.ToDateTime(TimeOnly.MinValue), inForce);
    }

    /// <summary>The agency's former zones as <see cref="MonthStart"/> takes them; one this machine does not know is UTC.</summary>
    public static IReadOnlyList<(TimeZoneInfo Zone, DateTimeOffset Until)> FormerZonesOf(Agency agency)
    {
        ArgumentNullException.ThrowIfNull(agency);
        return [.. agency.FormerTimeZones.Select(f => (TryZone(f.Zone, out var zone) ? zone : TimeZoneInfo.Utc, f.Until))];
    }

    /// <summary>When <paramref name="day"/> first begins on any wall.</summary>
    private static DateTimeOffset FirstReached(DateOnly day) => new DateTimeOffset(day.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero) - FurthestAhead;

    /// <summary>
    /// The agency's former zones once it leaves <paramref name="leaving"/> at <paramref name="at"/>: a zone in force at no
    /// month's start (one changed again within the month) cuts no month, so it is not kept, and the list grows by at most
    /// one a month however often the zone is changed.
    /// </summary>
    public static IReadOnlyList<FormerTimeZone> ZoneLeft(IReadOnlyList<FormerTimeZone> former, string? leaving, DateTimeOffset at)
    {
        ArgumentNullException.ThrowIfNull(former);
        List<FormerTimeZone> kept = [];
        DateTimeOffset? from = null;
        foreach (var zone in former.Append(new FormerTimeZone(leaving, at)))
        {
            if (from is not { } since || NextStartReached(since) < zone.Until)
            {
                kept.Add(zone);
            }

            from = zone.Until;
        }

        return kept;
    }

    /// <summary>The first moment at or after <paramref name="from"/> when a month could begin on some wall.</summary>
    private static DateTimeOffset NextStartReached(DateTimeOffset from)
    {
        var day = DateOnly.FromDateTime((from + FurthestAhead).UtcDateTime);
        var first = new DateOnly(day.Year, day.Month, 1);
        return FirstReached(first) >= from ? FirstReached(first) : FirstReached(first.AddMonths(1));
    }

    public static string Label(TimeZoneInfo zone) =>
        zone is null ? throw new ArgumentNullException(nameof(zone)) : zone.Id is "UTC" or "Etc/UTC" ? "UTC" : zone.Id[(zone.Id.LastIndexOf('/') + 1)..].Replace('_', ' ') + " time";

    /// <summary>
    /// An IANA zone this machine knows. A Windows name ("Pacific Standard Time") is not one, and nothing that is not
    /// an IANA name's shape reaches the zone files.
    /// </summary>
    public static bool TryZone(string? id, out TimeZoneInfo zone)
    {
        zone = TimeZoneInfo.Utc;
        if (id is null || id.Length > 64 || !(id == "UTC" || IanaName().IsMatch(id)))
        {
            return false;
        }

        // The zone files' names are case-sensitive but a loaded zone answers to any case: find it by its own spelling,
        // so that what is accepted does not hang on what this process happened to load before.
        var found = TimeZoneInfo.TryFindSystemTimeZoneById(id, out var exact) && exact.Id == id
            ? exact
            : TimeZoneInfo.GetSystemTimeZones(skipSorting: true).FirstOrDefault(z => string.Equals(z.Id, id, StringComparison.OrdinalIgnoreCase));
        if (found is null)
        {
            return false;
        }

        zone = found;
        return true;
    }

    /// <summary>
    /// A place's zone, "Area/Place" or "Area/Region/Place". The "Etc/GMT+5" kind is not offered: its sign is backwards;
    /// nor are the zone files' own copies under "posix/" and "right/" (the second counts leap seconds), in any case.
    /// </summary>
    [GeneratedRegex(@"^(?!(?i:(?:[^/]+/)*(?:Etc|posix|right)/))[A-Za-z][A-Za-z0-9_+\-]*(/[A-Za-z0-9_+\-]+){1,2}\z", RegexOptions.CultureInvariant)]
    private static partial Regex IanaName();

    [LoggerMessage(Level = LogLevel.Warning, Message = "Agency {AgencyId} names a time zone this machine does not know; its times are shown in UTC")]
    private static partial void LogUnknownZone(ILogger logger, string agencyId);
}
