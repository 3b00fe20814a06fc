using System.Collections.ObjectModel;
using System.Net;
using System.Text.Json;
using Microsoft.Azure.Cosmos;

namespace SurvivorConnect.Storage.Cosmos;

/// <summary>
/// The production store on Azure Cosmos DB. It uses the SDK's stream APIs so that the JSON written is
/// exactly the JSON SQLite stores, and failures arrive as status codes we map in one place.
/// </summary>
public sealed class CosmosDocumentStore : IDocumentStore, IDisposable
{
    private readonly CosmosClient _client;
    private readonly CosmosStoreOptions _options;
    private readonly IReadOnlyList<ContainerSpec> _containers;
    private readonly SemaphoreSlim _initLock = new(1, 1);

    // After an outage the account may have been rebuilt (or, in tests, restarted empty), so the
    // containers are checked again before the next operation (where we create them) and by readiness.
    private volatile bool _ready;

    public CosmosDocumentStore(CosmosClient client, CosmosStoreOptions options, IEnumerable<ContainerSpec> containers)
    {
        _client = client;
        _options = options;
        _containers = containers.ToList();
    }

    public async Task InitializeAsync(CancellationToken cancellationToken)
    {
        await _initLock.WaitAsync(cancellationToken);
        try
        {
            await Guard(async () =>
            {
                if (_options.CreateIfMissing)
                {
                    var database = (await _client.CreateDatabaseIfNotExistsAsync(_options.Database, cancellationToken: cancellationToken)).Database;
                    foreach (var spec in _containers)
                    {
                        await database.CreateContainerIfNotExistsAsync(ContainerProperties(spec), cancellationToken: cancellationToken);
                    }
                }
                else
                {
                    foreach (var spec in _containers)
                    {
                        await _client.GetContainer(_options.Database, spec.Name).ReadContainerAsync(cancellationToken: cancellationToken);
                    }
                }

                return true;
            }, cancellationToken);
            _ready = true;
        }
        finally
        {
            _initLock.Release();
        }
    }

    public async Task CheckHealthAsync(CancellationToken cancellationToken)
    {
        if (!_ready)
        {
            // After a failure the containers are asked for too: one deleted leaves the database answering.
            await InitializeAsync(cancellationToken);
            return;
        }

        await Guard(async () =>
        {
            using var response = await _client.GetDatabase(_options.Database).ReadStreamAsync(cancellationToken: cancellationToken);
            if (!response.IsSuccessStatusCode)
            {
                throw response.StatusCode == HttpStatusCode.NotFound
                    ? StoreException.Unavailable($"The Cosmos DB database '{_options.Database}' does not exist.")
                    : CosmosStatus.ToException(response.StatusCode, RetryAfter(response.Headers));
            }

            return true;
        }, cancellationToken);
    }

    public async Task<T?> ReadAsync<T>(ContainerSpec container, string id, string partitionKey, CancellationToken cancellationToken)
        where T : Document
    {
        DocumentRules.ValidateAddress(id, partitionKey);
        var target = await ContainerAsync(container, cancellationToken);
        return await Guard(async () =>
        {
            using var response = await target.ReadItemStreamAsync(id, new PartitionKey(partitionKey), cancellationToken: cancellationToken);
            if (CosmosStatus.IsMissingItem(response.StatusCode, SubStatus(response.Headers)))
            {
                return null;
            }

            ThrowIfFailed(response);
            using var body = new MemoryStream();
            await response.Content.CopyToAsync(body, cancellationToken);
            return DocumentRules.IsOfType<T>(body.GetBuffer().AsSpan(0, (int)body.Length))
                ? DocumentRules.Deserialize<T>(body.GetBuffer().AsSpan(0, (int)body.Length))
                : null;
        }, cancellationToken);
    }

    public Task<T> CreateAsync<T>(ContainerSpec container, T document, CancellationToken cancellationToken)
        where T : Document =>
        WriteAsync(container, document, (target, stream, pk) =>
            target.CreateItemStreamAsync(stream, pk, cancellationToken: cancellationToken), cancellationToken);

    public Task<T> ReplaceAsync<T>(ContainerSpec container, T document, string ifMatchETag, CancellationToken cancellationToken)
        where T : Document
    {
        DocumentRules.EnsureVersion(ifMatchETag);
        return WriteAsync(container, document, (target, stream, pk) =>
            target.ReplaceItemStreamAsync(stream, document.Id, pk, new ItemRequestOptions { IfMatchEtag = ifMatchETag }, cancellationToken), cancellationToken);
    }

    public Task<T> UpsertAsync<T>(ContainerSpec container, T document, CancellationToken cancellationToken)
        where T : Document =>
        WriteAsync(container, document, (target, stream, pk) =>
            target.UpsertItemStreamAsync(stream, pk, cancellationToken: cancellationToken), cancellationToken);

    public async Task<bool> DeleteAsync(ContainerSpec container, string id, string partitionKey, string? ifMatchETag, CancellationToken cancellationToken)
    {
        DocumentRules.ValidateAddress(id, partitionKey);
        DocumentRules.EnsureVersionOrNone(ifMatchETag);
        var target = await ContainerAsync(container, cancellationToken);
        return await Guard(async () =>
        {
            using var response = await target.DeleteItemStreamAsync(
                id, new PartitionKey(partitionKey), new ItemRequestOptions { IfMatchEtag = ifMatchETag }, cancellationToken);
            if (CosmosStatus.IsMissingItem(response.StatusCode, SubStatus(response.Headers)))
            {
                return false;
            }

            ThrowIfFailed(response);
            return true;
        }, cancellationToken);
    }

    public async Task<Page<T>> QueryAsync<T>(ContainerSpec container, DocumentQuery query, CancellationToken cancellationToken)
        where T : Document
    {
        QueryRules.Validate(container, query);
        var definition = CosmosQueryBuilder.Build(query);
        var target = await ContainerAsync(container, cancellationToken);
        var documents = await Guard(async () =>
        {
            var options = new QueryRequestOptions
            {
                PartitionKey = new PartitionKey(query.PartitionKey),
                MaxItemCount = query.PageSize + 1,
                EnableOptimisticDirectExecution = true,
            };
            var items = new List<JsonElement>();
            using var iterator = target.GetItemQueryStreamIterator(definition, continuationToken: null, options);
            while (iterator.HasMoreResults && items.Count <= query.PageSize)
            {
                using var response = await iterator.ReadNextAsync(cancellationToken);
                ThrowIfFailed(response);
                using var page = await JsonDocument.ParseAsync(response.Content, cancellationToken: cancellationToken);
                items.AddRange(page.RootElement.GetProperty("Documents").EnumerateArray().Select(e => e.Clone()));
            }

            return items;
        }, cancellationToken);

        string? continuation = null;
        if (documents.Count > query.PageSize)
        {
            documents.RemoveRange(query.PageSize, documents.Count - query.PageSize);
            var last = documents[^1];
            continuation = QueryRules.EncodeCursor(QueryRules.ReadField(last, query.OrderBy ?? "id"), last.GetProperty("id").GetString()!);
        }

        return new Page<T>(documents.Select(DocumentRules.Deserialize<T>).ToList(), continuation);
    }

    public async Task<BatchResult> ExecuteBatchAsync(ContainerSpec container, string partitionKey, IReadOnlyList<BatchOperation> operations, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(operations);
        var bodies = DocumentRules.SerializeBatch(operations, partitionKey, container);
        DocumentRules.EnsureVersions(operations);

        var target = await ContainerAsync(container, cancellationToken);
        return await Guard(async () =>
        {
            var batch = BuildBatch(target.CreateTransactionalBatch(new PartitionKey(partitionKey)), operations, bodies);
            using var response = await batch.ExecuteAsync(cancellationToken);
            var results = Enumerable.Range(0, response.Count).Select(i => (response[i].StatusCode, (string?)response[i].ETag)).ToList();
            return CosmosStatus.MapBatch(response.IsSuccessStatusCode, response.StatusCode, results, RetryAfter(response.Headers), SubStatus(response.Headers));
        }, cancellationToken);
    }

    /// <summary>Adds each operation to the SDK's batch in order; separate from execution so it can be tested alone.</summary>
    internal static TransactionalBatch BuildBatch(TransactionalBatch batch, IReadOnlyList<BatchOperation> operations, IReadOnlyList<byte[]> bodies)
    {
        for (var i = 0; i < operations.Count; i++)
        {
            batch = operations[i] switch
            {
                BatchOperation.Create => batch.CreateItemStream(new MemoryStream(bodies[i])),
                BatchOperation.Replace r => batch.ReplaceItemStream(r.Document.Id, new MemoryStream(bodies[i]), new TransactionalBatchItemRequestOptions { IfMatchEtag = r.IfMatchETag }),
                BatchOperation.Upsert => batch.UpsertItemStream(new MemoryStream(bodies[i])),
                BatchOperation.Delete d => batch.DeleteItem(d.Id, new TransactionalBatchItemRequestOptions { IfMatchEtag = d.IfMatchETag }),
                _ => throw new InvalidOperationException("Unknown batch operation."),
            };
        }

        return batch;
    }

    public void Dispose()
    {
        _client.Dispose();
        _initLock.Dispose();
    }

    internal static ContainerProperties ContainerProperties(ContainerSpec spec)
    {
        var properties = new ContainerProperties(spec.Name, "/pk")
        {
            DefaultTimeToLive = spec.AllowsTimeToLive ? -1 : null,
        };

        // ORDER BY (field, id) needs a composite index in each direction.
        foreach (var field in spec.QueryableFields.Where(f => f is not "id"))
        {
            var path = "/" + field.Replace('.', '/');
            properties.IndexingPolicy.CompositeIndexes.Add(new Collection<CompositePath>
            {
                new() { Path = path, Order = CompositePathSortOrder.Ascending },
                new() { Path = "/id", Order = CompositePathSortOrder.Ascending },
            });
            properties.IndexingPolicy.CompositeIndexes.Add(new Collection<CompositePath>
            {
                new() { Path = path, Order = CompositePathSortOrder.Descending },
                new() { Path = "/id", Order = CompositePathSortOrder.Descending },
            });
        }

        return properties;
    }

    private async Task<Container> ContainerAsync(ContainerSpec spec, CancellationToken cancellationToken)
    {
        if (!_ready && _options.CreateIfMissing)
        {
            await InitializeAsync(cancellationToken);
        }

        return _client.GetContainer(_options.Database, spec.Name);
    }

    /// <summary>One checked document written by <paramref name="send"/>, read back with its new ETag.</summary>
    private async Task<T> WriteAsync<T>(ContainerSpec container, T document, Func<Container, Stream, PartitionKey, Task<ResponseMessage>> send, CancellationToken cancellationToken)
        where T : Document
    {
        var body = DocumentRules.Serialize(document, container);
        var target = await ContainerAsync(container, cancellationToken);
        return await Guard(async () =>
        {
            using var stream = new MemoryStream(body);
            using var response = await send(target, stream, new PartitionKey(document.PartitionKey));
            return await DocumentFrom<T>(response, cancellationToken);
        }, cancellationToken);
    }

    private static async Task<T> DocumentFrom<T>(ResponseMessage response, CancellationToken cancellationToken)
        where T : Document
    {
        ThrowIfFailed(response);
        return await DocumentRules.DeserializeAsync<T>(response.Content, cancellationToken);
    }

    private static TimeSpan? RetryAfter(Headers headers) =>
        double.TryParse(headers["x-ms-retry-after-ms"], System.Globalization.CultureInfo.InvariantCulture, out var ms) ? TimeSpan.FromMilliseconds(ms) : null;

    private static int SubStatus(Headers headers) =>
        int.TryParse(headers["x-ms-substatus"], System.Globalization.CultureInfo.InvariantCulture, out var subStatus) ? subStatus : 0;

    private static void ThrowIfFailed(ResponseMessage response)
    {
        if (!response.IsSuccessStatusCode)
        {
            throw CosmosStatus.ToException(response.StatusCode, RetryAfter(response.Headers), subStatus: SubStatus(response.Headers));
        }
    }

    /// <summary>Turns transport failures and throttling that outlasted the SDK's retries into <see cref="StoreErrorKind.Unavailable"/>.</summary>
    private async Task<TResult> Guard<TResult>(Func<Task<TResult>> call, CancellationToken cancellationToken)
    {
        try
        {
            return await call();
        }
        catch (StoreException ex)
        {
            if (ex.Kind == StoreErrorKind.Unavailable)
            {
                _ready = false;
            }

            throw;
        }
        catch (CosmosException ex)
        {
            var mapped = CosmosStatus.ToException(ex.StatusCode, ex.RetryAfter, subStatus: ex.SubStatusCode);
            if (mapped.Kind == StoreErrorKind.Unavailable)
            {
                _ready = false;
                throw StoreException.Unavailable(mapped.Message, ex, ex.RetryAfter);
            }

            throw new StoreException(mapped.Kind, mapped.Message, ex);
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException || ex is OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            _ready = false;
            throw StoreException.Unavailable("Cosmos DB cannot be reached.", ex);
        }
        catch (Exception ex) when (ex is Azure.Identity.AuthenticationFailedException or Azure.Identity.CredentialUnavailableException)
        {
            // The managed identity could not sign in (its endpoint down, or the identity not assigned yet): to the
            // app that is the store being unreachable, answered 503 and reported by /health/ready, never a crash.
            _ready = false;
            throw StoreException.Unavailable("Cosmos DB cannot be reached: the managed identity could not sign in.", ex);
        }
    }
}
