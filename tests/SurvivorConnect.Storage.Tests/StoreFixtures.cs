using Microsoft.Extensions.Time.Testing;
using SurvivorConnect.Storage.Cosmos;
using SurvivorConnect.Storage.Sqlite;
using SurvivorConnect.Testing;
using Xunit.Abstractions;

namespace SurvivorConnect.Storage.Tests;

public interface IStoreFixture
{
    IDocumentStore Store { get; }

    FakeTimeProvider Time { get; }

    /// <summary>What this store's server cannot show, with the reason printed in the test output.</summary>
    string? TransactionalBatchUnsupported { get; }

    string? TimeToLiveUnsupported { get; }
}

public sealed class SqliteStoreFixture : IStoreFixture, IAsyncLifetime
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "sc-store-" + Guid.NewGuid().ToString("N"));

    public IDocumentStore Store { get; private set; } = null!;

    public FakeTimeProvider Time { get; } = new(DateTimeOffset.UtcNow);

    public string? TransactionalBatchUnsupported => null;

    public string? TimeToLiveUnsupported => null;

    public async Task InitializeAsync()
    {
        Store = new SqliteDocumentStore(Path.Combine(_folder, "store.db"), Containers.All, Time);
        await Store.InitializeAsync(CancellationToken.None);
    }

    public Task DisposeAsync()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_folder, recursive: true);
        return Task.CompletedTask;
    }
}

public sealed class CosmosStoreFixture(IMessageSink diagnostics) : IStoreFixture, IAsyncLifetime
{
    public CosmosTestServer Server { get; private set; } = null!;

    public IDocumentStore Store { get; private set; } = null!;

    public FakeTimeProvider Time { get; } = new(DateTimeOffset.UtcNow);

    public string? TransactionalBatchUnsupported =>
        "@vercel/cosmosdb-server answers transactional batches with 500; the Cosmos batch path is covered by CosmosBatchTests.";

    public string? TimeToLiveUnsupported =>
        "@vercel/cosmosdb-server never expires items; the container's TTL setting is covered by CosmosContainerPropertiesTests.";

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
        foreach (var limitation in new[] { TransactionalBatchUnsupported, TimeToLiveUnsupported })
        {
            diagnostics.OnMessage(new Xunit.Sdk.DiagnosticMessage($"Cosmos DB test server limitation: {limitation}"));
        }

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
