using System.Globalization;
using SurvivorConnect.Storage;

namespace SurvivorConnect.Api.Features.Audit;

/// <summary>
/// Where an agency's audit entries are filed: a partition for each month, since every read of a record is an entry and
/// Cosmos DB holds at most 20 GB in one partition; entries written before that began (until the release filing them so
/// was deployed, whatever the month) stay in the agency's own partition. A list of a time range walks its months newest
/// first, then that earlier partition, always: what it holds reaches into the first month filed on its own.
/// </summary>
internal sealed class AuditPartitions
{
    /// <summary>The first month filed on its own.</summary>
    internal static readonly DateOnly FirstMonth = new(2026, 12, 1);

    private const string EarlierLabel = "earlier";

    // Another instance's clock may run a little ahead of this one's: its newest entries may be filed in the next month.
    private static readonly TimeSpan ClockSkew = TimeSpan.FromDays(1);

    private readonly string _agencyId;
    private readonly DateOnly _newest;
    private readonly DateOnly _oldest;

    /// <param name="from">The range's start (inclusive), if any.</param>
    /// <param name="before">The range's end (exclusive), if any.</param>
    public AuditPartitions(string agencyId, DateTimeOffset? from, DateTimeOffset? before, DateTimeOffset now)
    {
        _agencyId = agencyId;
        var latest = now + ClockSkew;
        _newest = MonthOf(before is { } end && end <= latest ? end.AddTicks(-1) : latest);
        _oldest = from is { } start && MonthOf(start) > FirstMonth ? MonthOf(start) : FirstMonth;
    }

    public static string Of(string agencyId, DateTimeOffset at) => MonthOf(at) < FirstMonth ? agencyId : Partition(agencyId, MonthOf(at));

    /// <summary>The partition a list starts in.</summary>
    public string Newest => _newest < FirstMonth ? _agencyId : Partition(_agencyId, _newest);

    /// <summary>The partition read after <paramref name="partition"/>, or null when the range ends with it.</summary>
    public string? Before(string partition)
    {
        if (partition == _agencyId)
        {
            return null;
        }

        var earlier = MonthIn(partition).AddMonths(-1);
        return earlier >= _oldest ? Partition(_agencyId, earlier) : _agencyId;
    }

    /// <summary>Where the next page starts: a partition and the store's token within it (none: at its start).</summary>
    public string Token(string partition, string? withinPartition) =>
        (partition == _agencyId ? EarlierLabel : MonthIn(partition).ToString("yyyy-MM", CultureInfo.InvariantCulture)) + "|" + withinPartition;

    /// <summary>Where a token says to go on; one made before months were filed pages on in the agency's own partition.</summary>
    public (string Partition, string? WithinPartition) Resume(string token)
    {
        var bar = token.IndexOf('|', StringComparison.Ordinal);
        if (bar < 0)
        {
            return (_agencyId, token);
        }

        var label = token[..bar];
        var within = bar == token.Length - 1 ? null : token[(bar + 1)..];
        if (label == EarlierLabel)
        {
            return (_agencyId, within);
        }

        return DateOnly.TryParseExact(label, "yyyy-MM", CultureInfo.InvariantCulture, DateTimeStyles.None, out var month) && month >= _oldest && month <= _newest
            ? (Partition(_agencyId, month), within)
            : throw new StoreException(StoreErrorKind.InvalidQuery, "The continuation token was not made for this list.");
    }

    private static DateOnly MonthOf(DateTimeOffset at) => new(at.UtcDateTime.Year, at.UtcDateTime.Month, 1);

    // No agency id holds a '~' (PeopleRules.IsValidId), so no month's partition is another agency's own.
    private static string Partition(string agencyId, DateOnly month) => $"{agencyId}~{month:yyyy-MM}";

    private DateOnly MonthIn(string partition) =>
        DateOnly.ParseExact(partition[(_agencyId.Length + 1)..], "yyyy-MM", CultureInfo.InvariantCulture);
}
