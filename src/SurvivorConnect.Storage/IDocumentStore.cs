namespace SurvivorConnect.Storage;

/// <summary>
/// The one storage surface of SurvivorConnect, implemented on Cosmos DB and on SQLite and held to one
/// contract suite. Failures are <see cref="StoreException"/>s with a <see cref="StoreErrorKind"/>.
/// </summary>
public interface IDocumentStore
{
    /// <summary>Creates missing containers (where configured) and checks the store answers.</summary>
    Task InitializeAsync(CancellationToken cancellationToken);

    /// <summary>Throws <see cref="StoreException"/> with <see cref="StoreErrorKind.Unavailable"/> when the store does not answer.</summary>
    Task CheckHealthAsync(CancellationToken cancellationToken);

    Task<T?> ReadAsync<T>(ContainerSpec container, string id, string partitionKey, CancellationToken cancellationToken)
        where T : Document;

    /// <summary>Fails with <see cref="StoreErrorKind.Conflict"/> when the id exists in the partition.</summary>
    Task<T> CreateAsync<T>(ContainerSpec container, T document, CancellationToken cancellationToken)
        where T : Document;

    /// <summary>Fails with <see cref="StoreErrorKind.PreconditionFailed"/> when the stored ETag differs, <see cref="StoreErrorKind.NotFound"/> when absent.</summary>
    Task<T> ReplaceAsync<T>(ContainerSpec container, T document, string ifMatchETag, CancellationToken cancellationToken)
        where T : Document;

    Task<T> UpsertAsync<T>(ContainerSpec container, T document, CancellationToken cancellationToken)
        where T : Document;

    /// <summary>Returns false when nothing was there; a stale <paramref name="ifMatchETag"/> fails with <see cref="StoreErrorKind.PreconditionFailed"/>.</summary>
    Task<bool> DeleteAsync(ContainerSpec container, string id, string partitionKey, string? ifMatchETag, CancellationToken cancellationToken);

    Task<Page<T>> QueryAsync<T>(ContainerSpec container, DocumentQuery query, CancellationToken cancellationToken)
        where T : Document;

    /// <summary>All operations in one partition succeed together or none does (<see cref="StoreErrorKind.BatchFailed"/>).</summary>
    Task<BatchResult> ExecuteBatchAsync(ContainerSpec container, string partitionKey, IReadOnlyList<BatchOperation> operations, CancellationToken cancellationToken);
}

public static class DocumentStoreExtensions
{
    /// <summary>Every document of <typeparamref name="T"/> in one partition that meets the filters, read page by page.</summary>
    public static async Task<List<T>> QueryAllAsync<T>(
        this IDocumentStore store, ContainerSpec container, string partitionKey, IReadOnlyList<Filter> filters, CancellationToken cancellationToken)
        where T : Document
    {
        ArgumentNullException.ThrowIfNull(store);
        var all = new List<T>();
        string? token = null;
        do
        {
            var page = await store.QueryAsync<T>(container, new DocumentQuery
            {
                PartitionKey = partitionKey,
                Type = DocumentTypes.Of<T>(),
                Filters = filters,
                PageSize = DocumentQuery.MaxPageSize,
                ContinuationToken = token,
            }, cancellationToken);
            all.AddRange(page.Items);
            token = page.ContinuationToken;
        }
        while (token is not null);

        return all;
    }
}
