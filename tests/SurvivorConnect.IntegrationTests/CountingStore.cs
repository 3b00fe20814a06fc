using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Time.Testing;
using SurvivorConnect.Storage;

namespace SurvivorConnect.IntegrationTests;

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

    public async Task<T?> ReadAsync<T>(ContainerSpec container, string id, string partitionKey, CancellationToken cancellationToken)
        where T : Document
    {
        Interlocked.Increment(ref _reads);
        var document = await inner.ReadAsync<T>(container, id, partitionKey, cancellationToken);
        Interlocked.Add(ref _documents, document is null ? 0 : 1);
        return document;
    }

    /// <summary>Runs before each create is passed on: a test's way to have the store fail at one step of a request.</summary>
    public Action<Document>? BeforeCreate { get; set; }

    public Task<T> CreateAsync<T>(ContainerSpec container, T document, CancellationToken cancellationToken)
        where T : Document
    {
        BeforeCreate?.Invoke(document);
        return Write(inner.CreateAsync(container, document, cancellationToken));
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

    public Task<bool> DeleteAsync(ContainerSpec container, string id, string partitionKey, string? ifMatchETag, CancellationToken cancellationToken) =>
        Write(inner.DeleteAsync(container, id, partitionKey, ifMatchETag, cancellationToken));

    public async Task<Page<T>> QueryAsync<T>(ContainerSpec container, DocumentQuery query, CancellationToken cancellationToken)
        where T : Document
    {
        Interlocked.Increment(ref _queries);
        var page = await inner.QueryAsync<T>(container, query, cancellationToken);
        Interlocked.Add(ref _documents, page.Items.Count);
        return page;
    }

    public Task<BatchResult> ExecuteBatchAsync(ContainerSpec container, string partitionKey, IReadOnlyList<BatchOperation> operations, CancellationToken cancellationToken) =>
        Write(inner.ExecuteBatchAsync(container, partitionKey, operations, cancellationToken));

    private StoreUse Now() => new(Volatile.Read(ref _reads), Volatile.Read(ref _queries), Volatile.Read(ref _documents), Volatile.Read(ref _writes));

    private Task<T> Write<T>(Task<T> call)
    {
        Interlocked.Increment(ref _writes);
        return call;
    }
}

/// <summary>An API whose store is counted, without its background workers, so only the requests count.</summary>
public class CountingApiFactory : ApiFactory
{
    public CountingStore Counter { get; private set; } = null!;

    /// <summary>A clock the test moves, or null for the real one.</summary>
    protected virtual TimeProvider? Clock => null;

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.ConfigureTestServices(services =>
        {
            if (Clock is { } clock)
            {
                services.AddSingleton(clock);
            }

            var inner = services.Last(d => d.ServiceType == typeof(IDocumentStore));
            services.Remove(inner);
            services.AddSingleton<IDocumentStore>(sp => Counter = new CountingStore((IDocumentStore)inner.ImplementationFactory!(sp)));
            foreach (var worker in services.Where(d => d.ServiceType == typeof(IHostedService) && d.ImplementationType?.Name != "StorageStartup").ToList())
            {
                services.Remove(worker);
            }
        });
    }
}

/// <summary>A counted API on a clock that moves only when the test moves it.</summary>
public class ClockedCountingApiFactory : CountingApiFactory
{
    public FakeTimeProvider Time { get; } = new(DateTimeOffset.UtcNow);

    protected override TimeProvider? Clock => Time;
}
