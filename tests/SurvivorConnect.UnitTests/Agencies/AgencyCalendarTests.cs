using System.Globalization;
using SurvivorConnect.Api.Features.Agencies;

namespace SurvivorConnect.UnitTests.Agencies;

public sealed class AgencyCalendarTests
{
    private static TimeZoneInfo Zone(string id) => AgencyCalendar.TryZone(id, out var zone) ? zone : throw new ArgumentException(id);

    private static DateTimeOffset At(string instant) => DateTimeOffset.Parse(instant, CultureInfo.InvariantCulture);

    [Theory]
    [InlineData("2026-12-02T06:00:00Z", "America/Los_Angeles", "2026-12-01")]
    [InlineData("2026-12-02T08:00:00Z", "America/Los_Angeles", "2026-12-02")]
    [InlineData("2026-07-02T06:59:00Z", "America/Los_Angeles", "2026-07-01")]
    [InlineData("2026-07-02T07:00:00Z", "America/Los_Angeles", "2026-07-02")]
    [InlineData("2026-12-02T04:59:00Z", "America/New_York", "2026-12-01")]
    [InlineData("2026-12-01T23:30:00Z", "Pacific/Kiritimati", "2026-12-02")]
    [InlineData("2026-12-02T06:00:00Z", "UTC", "2026-12-02")]
    public void Today_is_the_date_on_the_agencys_wall(string now, string zone, string today) =>
        Assert.Equal(DateOnly.Parse(today, CultureInfo.InvariantCulture), AgencyCalendar.DayIn(At(now), Zone(zone)));

    [Theory]
    [InlineData("2026-12-01T15:00:00", "America/Los_Angeles", "2026-12-01T23:00:00Z")]
    [InlineData("2026-07-01T15:00:00", "America/Los_Angeles", "2026-07-01T22:00:00Z")]
    [InlineData("2027-03-14T02:30:00", "America/Los_Angeles", "2027-03-14T10:30:00Z")]
    [InlineData("2026-12-01T15:00:00", "UTC", "2026-12-01T15:00:00Z")]
    [InlineData("2026-10-04T02:15:00", "Australia/Lord_Howe", "2026-10-03T15:45:00Z")]
    [InlineData("2026-11-01T01:30:00", "America/Los_Angeles", "2026-11-01T09:30:00Z")]
    public void A_time_on_the_agencys_wall_names_the_instant_it_is_there(string local, string zone, string instant) =>
        Assert.Equal(At(instant), AgencyCalendar.FromLocal(DateTime.Parse(local, CultureInfo.InvariantCulture), Zone(zone)));

    [Theory]
    [InlineData("America/Los_Angeles", "Los Angeles time")]
    [InlineData("America/Argentina/Buenos_Aires", "Buenos Aires time")]
    [InlineData("UTC", "UTC")]
    public void A_zone_is_labelled_by_its_place(string zone, string label) => Assert.Equal(label, AgencyCalendar.Label(Zone(zone)));

    [Theory]
    [InlineData("America/Los_Angeles", true)]
    [InlineData("Europe/London", true)]
    [InlineData("UTC", true)]
    [InlineData("Pacific Standard Time", false)]
    [InlineData("Mars/Olympus_Mons", false)]
    [InlineData("", false)]
    [InlineData(" ", false)]
    [InlineData(null, false)]
    [InlineData("America/Los_Angeles\n", false)]
    [InlineData("America/../../etc/passwd", false)]
    [InlineData("/etc/localtime", false)]
    [InlineData("Etc/GMT+5", false)]
    [InlineData("etc/GMT+5", false)]
    [InlineData("posix/Etc/GMT+5", false)]
    [InlineData("POSIX/America/New_York", false)]
    [InlineData("right/America/New_York", false)]
    [InlineData("America/Argentina", false)]
    [InlineData("America/Indiana", false)]
    [InlineData("America/Argentina/Buenos_Aires", true)]
    [InlineData("US/Pacific", true)]
    public void Only_an_iana_zone_this_machine_knows_is_one(string? id, bool known) =>
        Assert.Equal(known, AgencyCalendar.TryZone(id, out _));

    [Theory]
    [InlineData("america/los_angeles")]
    [InlineData("AMERICA/NEW_YORK")]
    public void A_zone_typed_in_another_case_is_known_by_its_own_spelling(string typed)
    {
        Assert.True(AgencyCalendar.TryZone(typed, out var zone));
        Assert.Equal(typed, zone.Id, StringComparer.OrdinalIgnoreCase);
        Assert.NotEqual(typed, zone.Id);
    }

    [Fact]
    public void Every_zone_offered_is_one()
    {
        Assert.All(AgencyCalendar.CommonZones, zone => Assert.True(AgencyCalendar.TryZone(zone, out _), zone));
    }
}
