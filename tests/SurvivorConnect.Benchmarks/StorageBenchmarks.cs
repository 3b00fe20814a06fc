using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using SurvivorConnect.Storage;
using SurvivorConnect.Storage.Cosmos;
using SurvivorConnect.Storage.Sqlite;
using SurvivorConnect.Testing;

namespace SurvivorConnect.Benchmarks;

public sealed record BenchDocument : Document
{
    public override string Type => "bench";

    public string Name { get; init; } = "";

    public int Rank { get; init; }
}

/// <summary>
/// Sequential point writes and point reads on each store, one operation per invocation, so the mean is
/// the latency of one operation and its inverse the single-client throughput (docs/performance.md).
/// </summary>
[Config(typeof(Config))]
public class StorageBenchmarks
{
    private static readonly ContainerSpec Container = new("bench", "rank");
    private IDocumentStore _store = null!;
    private CosmosTestServer? _server;
    private string _folder = "";
    private int _next;

    [Params("Sqlite", "Cosmos")]
    public string Store { get; set; } = "Sqlite";

    [GlobalSetup]
    public async Task Setup()
    {
        if (Store == "Cosmos")
        {
            _server = await CosmosTestServer.StartAsync();
            var options = new CosmosStoreOptions
            {
                Endpoint = _server.Endpoint,
                Key = CosmosTestServer.Key,
                ConnectionMode = "Gateway",
                LimitToEndpoint = true,
            };
            _store = new CosmosDocumentStore(CosmosClientFactory.Create(options), options, [Container]);
        }
        else
        {
            _folder = Path.Combine(Path.GetTempPath(), "sc-bench-" + Guid.NewGuid().ToString("N"));
            _store = new SqliteDocumentStore(Path.Combine(_folder, "bench.db"), [Container], TimeProvider.System);
        }

        await _store.InitializeAsync(CancellationToken.None);
        await _store.UpsertAsync(Container, Doc("read-target"), CancellationToken.None);
    }

    [GlobalCleanup]
    public async Task Cleanup()
    {
        (_store as IDisposable)?.Dispose();
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }

        if (_folder.Length > 0)
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(_folder, recursive: true);
        }
    }

    [Benchmark]
    public Task<BenchDocument> PointWrite() =>
        _store.CreateAsync(Container, Doc($"w-{Interlocked.Increment(ref _next)}-{Guid.NewGuid():N}"), CancellationToken.None);

    [Benchmark]
    public Task<BenchDocument?> PointRead() =>
        _store.ReadAsync<BenchDocument>(Container, "read-target", "bench-agency", CancellationToken.None);

    private static BenchDocument Doc(string id) => new() { Id = id, PartitionKey = "bench-agency", AgencyId = "bench-agency", Name = "benchmark document", Rank = 7 };

    private sealed class Config : BenchmarkDotNet.Configs.ManualConfig
    {
        public Config()
        {
            // Beside the binaries, not in the repository's fixed top level.
            ArtifactsPath = Path.Combine(AppContext.BaseDirectory, "BenchmarkDotNet.Artifacts");
            AddJob(Job.Default.WithToolchain(InProcessEmitToolchain.Instance).WithWarmupCount(3).WithIterationCount(10));
        }
    }
}
