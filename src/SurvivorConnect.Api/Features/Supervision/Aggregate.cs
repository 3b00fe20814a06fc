using Mediator;
using SurvivorConnect.Api.Infrastructure.Pipeline;
using SurvivorConnect.Storage;

namespace SurvivorConnect.Api.Features.Supervision;

/// <summary>A count, or null when it is under the smallest group shown (then the words say so).</summary>
public sealed record SuppressedCount(int? Count, string Words);

public sealed record MonthCount(string Month, SuppressedCount Raised, SuppressedCount Resolved);

/// <summary>
/// Wellbeing flags raised and resolved by month, in aggregate only: no cell under 11, and no totals to work one back from.
/// Mentors by band are in the outcome report, protected with its other tables, so the two pages cannot be played off.
/// </summary>
public sealed record WellbeingOverview(int SmallestGroup, IReadOnlyList<MonthCount> FlagsByMonth);

public sealed record GetWellbeingOverview : IQuery<WellbeingOverview>, IAgencyAdminOnly, IAudited
{
    public AuditTarget Audit => new("wellbeing.overview", "wellbeing");
}

internal sealed class OverviewHandler(SupervisionData data) : IQueryHandler<GetWellbeingOverview, WellbeingOverview>
{
    public const int SmallestGroup = 11;

    public async ValueTask<WellbeingOverview> Handle(GetWellbeingOverview query, CancellationToken ct)
    {
        var now = data.Store.Now;
        var months = Enumerable.Range(0, 12).Select(i => new DateTimeOffset(now.Year, now.Month, 1, 0, 0, 0, TimeSpan.Zero).AddMonths(-i)).ToList();

        // Only the flags the twelve months count: those raised in them, and those resolved in them (raised whenever).
        var since = months[^1];
        var raised = await data.Store.AllAsync<WellbeingFlag>(SupervisionData.Container, [Filter.Ge("raisedAt", since)], ct);
        var resolved = await data.Store.AllAsync<WellbeingFlag>(SupervisionData.Container, [Filter.Ge("resolvedAt", since)], ct);
        var byMonth = months.Select(start => new MonthCount(
            start.ToString("yyyy-MM", System.Globalization.CultureInfo.InvariantCulture),
            Suppress(raised.Count(f => f.RaisedAt >= start && f.RaisedAt < start.AddMonths(1))),
            Suppress(resolved.Count(f => f.ResolvedAt is { } at && at >= start && at < start.AddMonths(1))))).ToList();
        return new WellbeingOverview(SmallestGroup, byMonth);
    }

    private static SuppressedCount Suppress(int count) =>
        count < SmallestGroup ? new SuppressedCount(null, $"fewer than {SmallestGroup}") : new SuppressedCount(count, count.ToString(System.Globalization.CultureInfo.InvariantCulture));
}
