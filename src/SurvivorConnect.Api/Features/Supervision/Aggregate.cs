using Mediator;
using SurvivorConnect.Api.Features.Agencies;
using SurvivorConnect.Api.Infrastructure.Auth;
using SurvivorConnect.Api.Infrastructure.Errors;
using SurvivorConnect.Api.Infrastructure.Pipeline;
using SurvivorConnect.Storage;

namespace SurvivorConnect.Api.Features.Supervision;

/// <summary>A count, or null when it is under the smallest group shown (then the words say so).</summary>
public sealed record SuppressedCount(int? Count, string Words);

public sealed record MonthCount(string Month, SuppressedCount Raised, SuppressedCount Resolved);

/// <summary>
/// Mentors with a wellbeing flag raised, and with one resolved, in each of the last twelve whole months by the agency's
/// calendar: people, not flags (one mentor answering urgently eleven times is one mentor), no cell under the agency's threshold (11 at least), no totals
/// to work one back from, and no month still under way (watched filling, it would tell who had just been flagged).
/// Mentors by band are in the outcome report, protected with its other tables, so the two pages cannot be played off.
/// </summary>
public sealed record WellbeingOverview(int SmallestGroup, IReadOnlyList<MonthCount> FlagsByMonth);

public sealed record GetWellbeingOverview : IQuery<WellbeingOverview>, IAgencyAdminOnly, IAudited
{
    public AuditTarget Audit => new("wellbeing.overview", "wellbeing");
}

internal sealed class OverviewHandler(SupervisionData data, AgencyCalendar calendar) : IQueryHandler<GetWellbeingOverview, WellbeingOverview>
{
    public async ValueTask<WellbeingOverview> Handle(GetWellbeingOverview query, CancellationToken ct)
    {
        // As with the outcome report: the flags they know of (their own mentors', or, as a case manager, those raised from
        // a mentor's words of danger in their youth's chats), taken from these counts, would show the rest in groups too
        // small to show.
        var roles = RoleHistory.Of(data.Store.User);
        if (roles.Ever(Roles.Supervisor) || roles.Ever(Roles.CaseManager))
        {
            throw new ForbiddenException(
                "An agency admin who also supervises mentors or manages cases, or did, does not see the agency's wellbeing overview: the flags you know of, taken from its counts, would show other mentors in groups too small to show. Ask another admin to read it.");
        }

        // The agency's own threshold for small numbers, as its outcome report uses: an agency that raised it means it here too.
        var agency = await data.Store.ReadAsync<Agency>(Agency.Container, data.Store.AgencyId, data.Store.AgencyId, ct);
        var smallest = agency?.ReportThreshold ?? Agency.DefaultReportThreshold;
        var former = agency is null ? [] : AgencyCalendar.FormerZonesOf(agency);
        DateTimeOffset Start(DateOnly month) => AgencyCalendar.MonthStart(month, calendar.Zone, former);

        // Months cut as the outcome report cuts them, so a change of the agency's zone moves no edge already shown; a
        // month ended by a zone used before may end some hours after today's zone's month, and is left out until then.
        var today = await calendar.TodayAsync(ct);
        var thisMonth = new DateOnly(today.Year, today.Month, 1);
        thisMonth = Start(thisMonth) > data.Store.Now ? thisMonth.AddMonths(-1) : thisMonth;
        var months = Enumerable.Range(1, 12).Select(i => thisMonth.AddMonths(-i)).ToList();

        // Only the flags the twelve months count: those raised in them, and those resolved in them (raised whenever).
        var since = Start(months[^1]);
        var raised = await data.Store.AllAsync<WellbeingFlag>(SupervisionData.Container, [Filter.Ge("raisedAt", since)], ct);
        var resolved = await data.Store.AllAsync<WellbeingFlag>(SupervisionData.Container, [Filter.Ge("resolvedAt", since)], ct);
        var byMonth = months.Select(month => new MonthCount(
            month.ToString("yyyy-MM", System.Globalization.CultureInfo.InvariantCulture),
            Suppress(Mentors(raised, f => f.RaisedAt, Start(month), Start(month.AddMonths(1))), smallest),
            Suppress(Mentors(resolved, f => f.ResolvedAt, Start(month), Start(month.AddMonths(1))), smallest))).ToList();
        return new WellbeingOverview(smallest, byMonth);
    }

    private static int Mentors(IEnumerable<WellbeingFlag> flags, Func<WellbeingFlag, DateTimeOffset?> at, DateTimeOffset from, DateTimeOffset before) =>
        flags.Where(f => at(f) is { } when && when >= from && when < before).Select(f => f.MentorId).Distinct(StringComparer.Ordinal).Count();

    private static SuppressedCount Suppress(int count, int smallest) =>
        count < smallest ? new SuppressedCount(null, $"fewer than {smallest}") : new SuppressedCount(count, count.ToString(System.Globalization.CultureInfo.InvariantCulture));
}
