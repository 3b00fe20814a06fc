using System.Security.Cryptography;
using Microsoft.AspNetCore.DataProtection;
using SurvivorConnect.Api.Features.People;
using SurvivorConnect.Api.Infrastructure.Auth;
using SurvivorConnect.Storage;

namespace SurvivorConnect.Api.Infrastructure.Tenancy;

/// <summary>
/// The signed-in person's agency's view of the store, and the only one features use. A document of another
/// agency reads as absent, exactly like one that does not exist (so callers answer 404 for both), whatever
/// partition is read (the agency's own, or one of its conversations); and one can never be written, nor overwritten or
/// removed unread outside the agency's own addresses. A new
/// document needs neither its agency nor its partition set: written here, it belongs to the agency and, unless
/// it names another partition (a conversation's), lives in the agency's. A page's continuation token leaves here
/// sealed for this agency, container, list and reader: the store's own says where the page ended (a person's name, for
/// a list by name), which must not reach an address bar or a log, and one made elsewhere is not taken back.
/// </summary>
public sealed class AgencyStore(IDocumentStore store, ICurrentUser user, TimeProvider time, AgencyWrites writes, IDataProtectionProvider protection)
{
    public string AgencyId => user.AgencyId;

    public ICurrentUser User => user;

    public DateTimeOffset Now => time.GetUtcNow();

    /// <summary>A new document id.</summary>
    public static string NewId() => Guid.NewGuid().ToString("N");

    /// <summary>A record of the agency by a client-supplied id; an id no store could hold is simply not there.</summary>
    public Task<T?> FindAsync<T>(ContainerSpec container, string id, CancellationToken ct)
        where T : Document =>
        PeopleRules.IsValidId(id) ? ReadAsync<T>(container, id, AgencyId, ct) : Task.FromResult<T?>(null);

    public async Task<T?> ReadAsync<T>(ContainerSpec container, string id, string partitionKey, CancellationToken ct)
        where T : Document =>
        await store.ReadAsync<T>(container, id, partitionKey, ct) is { } document && document.AgencyId == AgencyId ? document : null;

    public Task<T> CreateAsync<T>(ContainerSpec container, T document, CancellationToken ct)
        where T : Document => Noted(container, [document.Id], store.CreateAsync(container, Own(document), ct));

    public Task<T> ReplaceAsync<T>(ContainerSpec container, T document, string ifMatchETag, CancellationToken ct)
        where T : Document => Noted(container, [document.Id], store.ReplaceAsync(container, Own(document), ifMatchETag, ct));

    public Task<T> UpsertAsync<T>(ContainerSpec container, T document, CancellationToken ct)
        where T : Document
    {
        var owned = Own(document);
        EnsureOwnAddress(owned.Id, owned.PartitionKey);
        return Noted(container, [document.Id], store.UpsertAsync(container, owned, ct));
    }

    public Task<bool> DeleteAsync(ContainerSpec container, string id, string partitionKey, string? ifMatchETag, CancellationToken ct)
    {
        EnsureOwnAddress(id, partitionKey);
        return Noted(container, [id], store.DeleteAsync(container, id, partitionKey, ifMatchETag, ct));
    }

    public Task<BatchResult> ExecuteBatchAsync(ContainerSpec container, string partitionKey, IReadOnlyList<BatchOperation> operations, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(operations);
        var owned = operations.Select(operation => operation switch
        {
            BatchOperation.Create create => create with { Document = Own(create.Document, partitionKey) },
            BatchOperation.Replace replace => replace with { Document = Own(replace.Document, partitionKey) },
            BatchOperation.Upsert upsert => upsert with { Document = EnsureOwnAddress(Own(upsert.Document, partitionKey)) },
            BatchOperation.Delete delete => EnsureOwnAddress(delete, partitionKey),
            _ => operation,
        }).ToList();
        return Noted(container, operations.Select(o => o.Target.Id), store.ExecuteBatchAsync(container, partitionKey, owned, ct));
    }

    /// <summary>One page of the query's partition, without anything of another agency.</summary>
    public async Task<Page<T>> QueryAsync<T>(ContainerSpec container, DocumentQuery query, CancellationToken ct)
        where T : Document
    {
        ArgumentNullException.ThrowIfNull(container);
        ArgumentNullException.ThrowIfNull(query);
        var tokens = protection.CreateProtector("SurvivorConnect.PageToken", AgencyId, container.Name, ListOf(query));
        var page = await store.QueryAsync<T>(container, query.ContinuationToken is { } sealedToken ? query with { ContinuationToken = Unseal(tokens, sealedToken) } : query, ct);
        return new Page<T>(
            page.Items.All(d => d.AgencyId == AgencyId) ? page.Items : [.. page.Items.Where(d => d.AgencyId == AgencyId)],
            page.ContinuationToken is { } next ? tokens.Protect(next) : null);
    }

    /// <summary>
    /// Which list a token pages, and for whom: its partition, type and order. Not its filters: some are read from the
    /// clock, and a list's own change with the reader's (a caseload gained) or a portal form's new choice sent with its
    /// next-page button would otherwise be refused rather than go on in the list it names.
    /// </summary>
    private string ListOf(DocumentQuery query) =>
        string.Join('|', user.UserId, query.PartitionKey, query.Type, query.OrderBy, query.Descending ? "descending" : "ascending");

    private static string Unseal(IDataProtector tokens, string sealedToken)
    {
        try
        {
            return tokens.Unprotect(sealedToken);
        }
        catch (CryptographicException ex)
        {
            throw new StoreException(StoreErrorKind.InvalidQuery, "The continuation token was not made for this list.", ex);
        }
    }

    /// <summary>One page of the agency's documents of a type that meet the filters, ordered by a field (ties by id).</summary>
    public Task<Page<T>> PageAsync<T>(
        ContainerSpec container, IReadOnlyList<Filter> filters, string orderBy, bool descending, int pageSize, string? continuationToken, CancellationToken ct)
        where T : Document =>
        QueryAsync<T>(container, new DocumentQuery
        {
            PartitionKey = AgencyId,
            Type = DocumentTypes.Of<T>(),
            Filters = filters,
            OrderBy = orderBy,
            Descending = descending,
            PageSize = pageSize,
            ContinuationToken = continuationToken,
        }, ct);

    /// <summary>Every document of a type in the agency's partition that meets the filters, page by page.</summary>
    public async Task<List<T>> AllAsync<T>(ContainerSpec container, IReadOnlyList<Filter> filters, CancellationToken ct)
        where T : Document =>
        [.. (await store.QueryAllAsync<T>(container, AgencyId, filters, ct)).Where(d => d.AgencyId == AgencyId)];

    /// <summary>
    /// The documents with these ids (those of another type or agency are not there), for the few a page or a
    /// record refers to. The ids go a page's worth per query, so no query's id list outgrows what it can return.
    /// </summary>
    public async Task<List<T>> ManyAsync<T>(ContainerSpec container, IEnumerable<string> ids, CancellationToken ct)
        where T : Document
    {
        var found = new List<T>();
        foreach (var chunk in ids.Distinct(StringComparer.Ordinal).Chunk(DocumentQuery.MaxPageSize))
        {
            found.AddRange(await AllAsync<T>(container, [Filter.In("id", [.. chunk])], ct));
        }

        return found;
    }

    private async Task<TResult> Noted<TResult>(ContainerSpec container, IEnumerable<string> ids, Task<TResult> write)
    {
        try
        {
            return await write;
        }
        finally
        {
            // Even a failed write may have changed something (a lost reply), so whatever was derived is read again.
            writes.Note(AgencyId, container, ids);
        }
    }

    /// <summary>
    /// A write that overwrites or removes whatever is at an address unread (an upsert, a delete) goes only to one of the
    /// agency's own: its partition, or in a partition every agency shares, an id that starts with the agency's. A create
    /// fails on a document already there, and a replace needs the version a read of the agency's gave.
    /// </summary>
    private void EnsureOwnAddress(string id, string partitionKey)
    {
        if (partitionKey != AgencyId && !id.StartsWith(AgencyId + "~", StringComparison.Ordinal))
        {
            throw new InvalidOperationException("A document outside this agency's partition is overwritten or removed only under an id that names the agency.");
        }
    }

    private T EnsureOwnAddress<T>(T document)
        where T : Document
    {
        EnsureOwnAddress(document.Id, document.PartitionKey);
        return document;
    }

    private BatchOperation.Delete EnsureOwnAddress(BatchOperation.Delete delete, string partitionKey)
    {
        EnsureOwnAddress(delete.Id, partitionKey);
        return delete;
    }

    private T Own<T>(T document, string? partitionKey = null)
        where T : Document
    {
        ArgumentNullException.ThrowIfNull(document);
        if (document.AgencyId.Length > 0 && document.AgencyId != AgencyId)
        {
            throw new InvalidOperationException($"A {document.Type} of another agency cannot be written for this one.");
        }

        return document.AgencyId.Length > 0 && document.PartitionKey.Length > 0
            ? document
            : (T)(document with { AgencyId = AgencyId, PartitionKey = document.PartitionKey.Length > 0 ? document.PartitionKey : partitionKey ?? AgencyId });
    }
}
