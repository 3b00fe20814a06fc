using Microsoft.Extensions.Time.Testing;
using SurvivorConnect.Storage.Cosmos;
using SurvivorConnect.Storage.Sqlite;
using SurvivorConnect.Testing;

namespace SurvivorConnect.Storage.Tests;

public interface IStoreFixture
{
    IDocumentStore Store { get; }

    FakeTimeProvider Time { get; }

    /// <summary>Moves time forward for the store, wherever it keeps its clock.</summary>
    Task AdvanceTimeAsync(TimeSpan by);
}

public sealed class SqliteStoreFixture : IStoreFixture, IAsyncLifetime
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "sc-store-" + Guid.NewGuid().ToString("N"));

    private SqliteDocumentStore _store = null!;

    public IDocumentStore Store => _store;

    public FakeTimeProvider Time { get; } = new(DateTimeOffset.UtcNow);

    public Task AdvanceTimeAsync(TimeSpan by)
    {
        Time.Advance(by);
        return Task.CompletedTask;
    }

    public async Task InitializeAsync()
    {
        _store = new SqliteDocumentStore(Path.Combine(_folder, "store.db"), Containers.All, Time);
        await _store.InitializeAsync(CancellationToken.None);
    }

    public Task DisposeAsync()
    {
        // The store keeps its writer connection open until disposed.
        _store.Dispose();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_folder, recursive: true);
        return Task.CompletedTask;
    }
}

public sealed class CosmosStoreFixture : IStoreFixture, IAsyncLifetime
{
    public CosmosTestServer Server { get; private set; } = null!;

    public IDocumentStore Store { get; private set; } = null!;

    public FakeTimeProvider Time { get; } = new(DateTimeOffset.UtcNow);

    /// <summary>Cosmos DB expires items on the server's clock, so the test server's clock moves too.</summary>
    public async Task AdvanceTimeAsync(TimeSpan by)
    {
        Time.Advance(by);
        await Server.AdvanceClockAsync(by);
    }

    public CosmosStoreOptions Options(string database) => new()
    {
        Endpoint = Server.Endpoint,
        Key = CosmosTestServer.Key,
        Database = database,
        ConnectionMode = "Gateway",
        LimitToEndpoint = true,
        RequestTimeoutSeconds = 5,
    };

    public async Task InitializeAsync()
    {
        Server = await CosmosTestServer.StartAsync();

        var options = Options("contract");
        Store = new CosmosDocumentStore(CosmosClientFactory.Create(options), options, Containers.All);
        await Store.InitializeAsync(CancellationToken.None);
    }

    public async Task DisposeAsync()
    {
        (Store as IDisposable)?.Dispose();
        await Server.DisposeAsync();
    }
}
