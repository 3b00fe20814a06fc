using System.Globalization;
using SurvivorConnect.Api.Features.Agencies;

namespace SurvivorConnect.Api.Features.Outcomes.Rules;

/// <summary>
/// The whole calendar months a report covers, by the agency's clock: a payment made on the evening of 31 December in
/// Los Angeles is December's, as Finance's year counts it. Reports run over whole months only, so two reports over
/// nearly the same dates are the same report; what differs by a month or more is caught by <see cref="Disclosure"/>.
/// </summary>
public sealed record ReportPeriod(DateOnly FirstMonth, int Months)
{
    /// <summary>At most this many months: a unit's months in a period fit one 64-bit mask, with room to spare.</summary>
    public const int MaxMonths = 36;

    /// <summary>Whose calendar the months are: the agency's zone.</summary>
    public TimeZoneInfo Zone { get; init; } = TimeZoneInfo.Utc;

    /// <summary>The zones the agency used before <see cref="Zone"/>, oldest first, each with when it stopped.</summary>
    public IReadOnlyList<(TimeZoneInfo Zone, DateTimeOffset Until)> FormerZones { get; init; } = [];

    public DateTimeOffset Start => At(0);

    public DateTimeOffset End => At(Months);

    /// <summary>When month <paramref name="month"/> of the period begins (see <see cref="AgencyCalendar.MonthStart"/>).</summary>
    public DateTimeOffset At(int month) => AgencyCalendar.MonthStart(FirstMonth.AddMonths(month), Zone, FormerZones);

    /// <summary>The month of the period <paramref name="at"/> falls in, or null outside it.</summary>
    public int? MonthOf(DateTimeOffset at)
    {
        var day = AgencyCalendar.DayIn(at, Zone);
        var index = (day.Year - FirstMonth.Year) * 12 + day.Month - FirstMonth.Month;
        if (FormerZones.Count == 0)
        {
            return index >= 0 && index < Months ? index : null;
        }

        // A month cut by a zone used before may start or end a day from where today's zone would put it.
        index = Math.Clamp(index, 0, Months - 1);
        while (index > 0 && at < At(index))
        {
            index--;
        }

        while (index < Months - 1 && at >= At(index + 1))
        {
            index++;
        }

        return at >= At(index) && at < At(index + 1) ? index : null;
    }

    /// <summary>Every month of the period from <paramref name="from"/> to <paramref name="to"/>, clamped to it; empty when they miss it.</summary>
    public IEnumerable<int> MonthsBetween(DateTimeOffset from, DateTimeOffset to)
    {
        if (to < Start || from >= End || to < from)
        {
            yield break;
        }

        var first = MonthOf(from < Start ? Start : from) ?? 0;
        var last = MonthOf(to >= End ? End.AddTicks(-1) : to) ?? Months - 1;
        for (var month = first; month <= last; month++)
        {
            yield return month;
        }
    }

    public string Label(int month) => FirstMonth.AddMonths(month).ToString("yyyy-MM", CultureInfo.InvariantCulture);

    public static bool TryParseMonth(string? text, out DateOnly month)
    {
        month = default;
        if (text is null || !DateOnly.TryParseExact(text, "yyyy-MM", CultureInfo.InvariantCulture, DateTimeStyles.None, out var parsed))
        {
            return false;
        }

        month = parsed;
        return true;
    }

    public static int MonthsFrom(DateOnly from, DateOnly to) => (to.Year - from.Year) * 12 + to.Month - from.Month + 1;
}
