using System.Diagnostics;
using System.Globalization;
using SurvivorConnect.Api.Infrastructure.Auth;
using SurvivorConnect.Api.Infrastructure.Tenancy;
using SurvivorConnect.Storage;

namespace SurvivorConnect.Api.Features.Audit;

/// <summary>The append-only audit log. It can add and list entries; nothing can change or remove one.</summary>
public interface IAuditLog
{
    Task AppendAsync(AuditEvent auditEvent, ICurrentUser actor, CancellationToken cancellationToken);

    /// <summary>
    /// An entry in another agency's log, for a person's access to that agency's records under a partnership: the
    /// agency whose records were read sees who read them and from which agency.
    /// </summary>
    Task AppendToAsync(string agencyId, AuditEvent auditEvent, ICurrentUser actor, CancellationToken cancellationToken);

    /// <summary>
    /// Several entries of one request (a list's own, and one for each record it showed), in as few writes as the store
    /// allows, the first of them in the first write.
    /// </summary>
    Task AppendAllAsync(IReadOnlyList<AuditEvent> auditEvents, ICurrentUser actor, CancellationToken cancellationToken);

    Task<Page<AuditEntry>> ListAsync(string agencyId, AuditFilter filter, CancellationToken cancellationToken);
}

/// <summary>Which entries to list; <paramref name="From"/> and <paramref name="Before"/> bound the time (from inclusive, before exclusive).</summary>
public sealed record AuditFilter(
    string? RecordType, string? RecordId, string? ActorId, int PageSize, string? ContinuationToken,
    string? Action = null, DateTimeOffset? From = null, DateTimeOffset? Before = null);

internal sealed class AuditLog(IDocumentStore store, TimeProvider time) : IAuditLog
{
    public Task AppendAsync(AuditEvent auditEvent, ICurrentUser actor, CancellationToken cancellationToken) =>
        AppendToAsync(actor.AgencyId, auditEvent, actor, cancellationToken);

    public async Task AppendToAsync(string agencyId, AuditEvent auditEvent, ICurrentUser actor, CancellationToken cancellationToken)
    {
        var entry = Entry(agencyId, auditEvent, actor, time.GetUtcNow());

        // The entry must be written even when the caller has gone: an unrecorded access is worse than a slow one.
        await CreateOnce.WriteAsync(() => store.CreateAsync(AuditEntry.Container, entry, CancellationToken.None), time);
    }

    public async Task AppendAllAsync(IReadOnlyList<AuditEvent> auditEvents, ICurrentUser actor, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(auditEvents);
        var at = time.GetUtcNow();
        foreach (var chunk in auditEvents.Chunk(DocumentRules.MaxBatchOperations))
        {
            List<BatchOperation> entries = [.. chunk.Select(e => new BatchOperation.Create(Entry(actor.AgencyId, e, actor, at)))];
            await CreateOnce.WriteAsync(() => store.ExecuteBatchAsync(AuditEntry.Container, AuditPartitions.Of(actor.AgencyId, at), entries, CancellationToken.None), time);
        }
    }

    private static AuditEntry Entry(string agencyId, AuditEvent auditEvent, ICurrentUser actor, DateTimeOffset at) => new()
    {
        // Time first, so ids sort in the order things happened.
        Id = string.Create(CultureInfo.InvariantCulture, $"{at:yyyyMMddHHmmssfffffff}-{Guid.NewGuid():N}"),
        PartitionKey = AuditPartitions.Of(agencyId, at),
        AgencyId = agencyId,
        At = at,
        ActorId = actor.UserId,
        ActorAgencyId = agencyId == actor.AgencyId ? null : actor.AgencyId,
        ActorRoles = actor.Roles,
        Action = auditEvent.Action,
        RecordType = auditEvent.RecordType,
        RecordId = AsRecordId(auditEvent.RecordId),
        // A refusal keeps no purpose the caller stated: it let them in on nothing, and would carry their text to admins.
        Purpose = auditEvent.Outcome == AuditOutcome.Denied ? null : auditEvent.Purpose ?? actor.Purpose,
        Basis = auditEvent.Basis,
        Outcome = auditEvent.Outcome,
        TraceId = Activity.Current?.TraceId.ToString(),
    };

    /// <summary>
    /// A record id as the request named it, kept only if it is shaped like one of ours: a caller may put anything in a
    /// route, and text (a name, characters that turn the line around) must not be written into the log for good.
    /// </summary>
    internal static string? AsRecordId(string? recordId) =>
        recordId is { Length: > 0 and <= 255 } && recordId.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '~' or '.' or ':' or '@') ? recordId : null;

    /// <summary>
    /// Newest first across the agency's months, each month's partition read in turn and a page filled from the next
    /// when one runs out; the token says which month the next page starts in.
    /// </summary>
    public async Task<Page<AuditEntry>> ListAsync(string agencyId, AuditFilter filter, CancellationToken cancellationToken)
    {
        var filters = Filters(filter);
        var months = new AuditPartitions(agencyId, filter.From, filter.Before, time.GetUtcNow());
        var (partition, token) = filter.ContinuationToken is { } resume ? months.Resume(resume) : (months.Newest, null);
        var items = new List<AuditEntry>();
        while (true)
        {
            var page = await store.QueryAsync<AuditEntry>(AuditEntry.Container, new DocumentQuery
            {
                PartitionKey = partition,
                Type = DocumentTypes.Of<AuditEntry>(),
                Filters = filters,
                OrderBy = "at",
                Descending = true,
                PageSize = filter.PageSize - items.Count,
                ContinuationToken = token,
            }, cancellationToken);
            items.AddRange(page.Items);
            token = page.ContinuationToken;
            if (token is null)
            {
                if (months.Before(partition) is not { } older)
                {
                    return new Page<AuditEntry>(items, null);
                }

                partition = older;
            }

            if (items.Count >= filter.PageSize)
            {
                return new Page<AuditEntry>(items, months.Token(partition, token));
            }
        }
    }

    private static List<Filter> Filters(AuditFilter filter)
    {
        var filters = new List<Filter>();
        if (filter.RecordType is not null)
        {
            filters.Add(Filter.Eq("recordType", filter.RecordType));
        }

        if (filter.RecordId is not null)
        {
            filters.Add(Filter.Eq("recordId", filter.RecordId));
        }

        if (filter.ActorId is not null)
        {
            filters.Add(Filter.Eq("actorId", filter.ActorId));
        }

        if (filter.Action is not null)
        {
            filters.Add(Filter.Eq("action", filter.Action));
        }

        if (filter.From is { } from)
        {
            filters.Add(Filter.Ge("at", from));
        }

        if (filter.Before is { } before)
        {
            filters.Add(Filter.Lt("at", before));
        }

        return filters;
    }
}
