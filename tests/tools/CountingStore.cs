using Microsoft.Extensions.DependencyInjection;
using SurvivorConnect.Storage;

namespace SurvivorConnect.Testing;

/// <summary>What a piece of work asked of the store: point reads, queries, documents they returned, and writes (a batch is one).</summary>
public sealed record StoreUse(int Reads, int Queries, int Documents, int Writes)
{
    public int Calls => Reads + Queries + Writes;
}

/// <summary>Counts what is asked of the store while a piece of work runs.</summary>
public sealed class CountingStore(IDocumentStore inner) : IDocumentStore
{
    private int _reads;
    private int _queries;
    private int _documents;
    private int _writes;

    /// <summary>Puts a counting store in front of the app's store; <paramref name="made"/> is given it when the app makes it.</summary>
    public static void Decorate(IServiceCollection services, Action<CountingStore> made)
    {
        var inner = services.Last(d => d.ServiceType == typeof(IDocumentStore));
        services.Remove(inner);
        services.AddSingleton<IDocumentStore>(sp =>
        {
            var store = new CountingStore((IDocumentStore)inner.ImplementationFactory!(sp));
            made(store);
            return store;
        });
    }

    public async Task<StoreUse> MeasureAsync(Func<Task> work)
    {
        ArgumentNullException.ThrowIfNull(work);
        var before = Now();
        await work();
        var after = Now();
        return new StoreUse(after.Reads - before.Reads, after.Queries - before.Queries, after.Documents - before.Documents, after.Writes - before.Writes);
    }

    public async Task<int> CountAsync(Func<Task> work) => (await MeasureAsync(work)).Calls;

    public Task InitializeAsync(CancellationToken cancellationToken) => inner.InitializeAsync(cancellationToken);

    public Task CheckHealthAsync(CancellationToken cancellationToken) => inner.CheckHealthAsync(cancellationToken);

    /// <summary>Runs before each point read with the document's id: a test's way to make one instance slow to read.</summary>
    public Func<string, Task>? BeforeRead { get; set; }

    public async Task<T?> ReadAsync<T>(ContainerSpec container, string id, string partitionKey, CancellationToken cancellationToken)
        where T : Document
    {
        if (BeforeRead is { } before)
        {
            await before(id);
        }

        Interlocked.Increment(ref _reads);
        var document = await inner.ReadAsync<T>(container, id, partitionKey, cancellationToken);
        Interlocked.Add(ref _documents, document is null ? 0 : 1);
        return document;
    }

    /// <summary>Runs before each create is passed on: a test's way to have the store fail at one step of a request.</summary>
    public Action<Document>? BeforeCreate { get; set; }

    /// <summary>Runs after each create is written: a test's way to lose the store's answer to a write that happened.</summary>
    public Action<Document>? AfterCreate { get; set; }

    /// <summary>Runs before each create is passed on, and is waited for: a test's way to have something else happen first.</summary>
    public Func<Document, Task>? WhileCreating { get; set; }

    public async Task<T> CreateAsync<T>(ContainerSpec container, T document, CancellationToken cancellationToken)
        where T : Document
    {
        BeforeCreate?.Invoke(document);
        if (WhileCreating is { } during)
        {
            await during(document);
        }

        var created = await Write(inner.CreateAsync(container, document, cancellationToken));
        AfterCreate?.Invoke(created);
        return created;
    }

    /// <summary>Runs before each replace is passed on: a test's way to have something else write first.</summary>
    public Func<IDocumentStore, Document, Task>? BeforeReplace { get; set; }

    public async Task<T> ReplaceAsync<T>(ContainerSpec container, T document, string ifMatchETag, CancellationToken cancellationToken)
        where T : Document
    {
        if (BeforeReplace is { } before)
        {
            await before(inner, document);
        }

        return await Write(inner.ReplaceAsync(container, document, ifMatchETag, cancellationToken));
    }

    /// <summary>Runs before each upsert is passed on, as <see cref="BeforeCreate"/> does for creates.</summary>
    public Action<Document>? BeforeUpsert { get; set; }

    public Task<T> UpsertAsync<T>(ContainerSpec container, T document, CancellationToken cancellationToken)
        where T : Document
    {
        BeforeUpsert?.Invoke(document);
        return Write(inner.UpsertAsync(container, document, cancellationToken));
    }

    /// <summary>Runs before each delete with the id: a test's way to have the store fail one.</summary>
    public Action<string>? BeforeDelete { get; set; }

    public Task<bool> DeleteAsync(ContainerSpec container, string id, string partitionKey, string? ifMatchETag, CancellationToken cancellationToken)
    {
        BeforeDelete?.Invoke(id);
        return Write(inner.DeleteAsync(container, id, partitionKey, ifMatchETag, cancellationToken));
    }

    /// <summary>Runs before each query with what it asks: a test's way to have the store fail one list.</summary>
    public Func<DocumentQuery, Task>? BeforeQuery { get; set; }

    public async Task<Page<T>> QueryAsync<T>(ContainerSpec container, DocumentQuery query, CancellationToken cancellationToken)
        where T : Document
    {
        if (BeforeQuery is { } before)
        {
            await before(query);
        }

        Interlocked.Increment(ref _queries);
        var page = await inner.QueryAsync<T>(container, query, cancellationToken);
        Interlocked.Add(ref _documents, page.Items.Count);
        return page;
    }

    /// <summary>Runs before each batch with its operations: a test's way to have another request write in between a check and its write.</summary>
    public Func<IReadOnlyList<BatchOperation>, Task>? BeforeBatch { get; set; }

    public async Task<BatchResult> ExecuteBatchAsync(ContainerSpec container, string partitionKey, IReadOnlyList<BatchOperation> operations, CancellationToken cancellationToken)
    {
        if (BeforeBatch is { } before)
        {
            await before(operations);
        }

        return await Write(inner.ExecuteBatchAsync(container, partitionKey, operations, cancellationToken));
    }

    private StoreUse Now() => new(Volatile.Read(ref _reads), Volatile.Read(ref _queries), Volatile.Read(ref _documents), Volatile.Read(ref _writes));

    private Task<T> Write<T>(Task<T> call)
    {
        Interlocked.Increment(ref _writes);
        return call;
    }
}
