using Microsoft.Data.Sqlite;
using SurvivorConnect.Storage.Sqlite;

namespace SurvivorConnect.Storage.Tests;

/// <summary>What SQLite refuses reaches the API as an unavailable store (503, try again), as Cosmos DB's failures do, never as a raw error (500).</summary>
public sealed class SqliteFailureTests : IDisposable
{
    private static readonly ContainerSpec Notes = new("notes", "name");

    private readonly string _folder = Path.Combine(Path.GetTempPath(), "sc-failure-" + Guid.NewGuid().ToString("N"));

    private string Database => Path.Combine(_folder, "store.db");

    [Fact]
    public async Task A_table_dropped_under_the_store_makes_reads_queries_and_writes_unavailable_once_then_it_is_prepared_again()
    {
        using var store = new SqliteDocumentStore(Database, [Notes], TimeProvider.System);
        await store.InitializeAsync(CancellationToken.None);
        await store.CreateAsync(Notes, Note("n1"), CancellationToken.None);
        var byName = new DocumentQuery { PartitionKey = "p", Filters = [Filter.Eq("name", "n1")] };

        await DropNotesAsync();
        await AssertUnavailableAsync(() => store.ReadAsync<Item>(Notes, "n1", "p", CancellationToken.None));
        Assert.Null(await store.ReadAsync<Item>(Notes, "n1", "p", CancellationToken.None));

        await DropNotesAsync();
        await AssertUnavailableAsync(() => store.QueryAsync<Item>(Notes, byName, CancellationToken.None));
        Assert.Empty((await store.QueryAsync<Item>(Notes, byName, CancellationToken.None)).Items);

        await DropNotesAsync();
        await AssertUnavailableAsync(() => store.CreateAsync(Notes, Note("n2"), CancellationToken.None));
        await store.CreateAsync(Notes, Note("n2"), CancellationToken.None);

        await DropNotesAsync();
        await AssertUnavailableAsync(() => store.ExecuteBatchAsync(Notes, "p", [new BatchOperation.Create(Note("n3"))], CancellationToken.None));
        await store.ExecuteBatchAsync(Notes, "p", [new BatchOperation.Create(Note("n3"))], CancellationToken.None);
        Assert.NotNull(await store.ReadAsync<Item>(Notes, "n3", "p", CancellationToken.None));
    }

    private static async Task AssertUnavailableAsync(Func<Task> act)
    {
        var refused = await Assert.ThrowsAsync<StoreException>(act);
        Assert.Equal(StoreErrorKind.Unavailable, refused.Kind);
    }

    private async Task DropNotesAsync()
    {
        await using var connection = new SqliteConnection($"Data Source={Database};Pooling=False");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "DROP TABLE notes;";
        await command.ExecuteNonQueryAsync();
    }

    private static Item Note(string id) => new() { Id = id, PartitionKey = "p", AgencyId = "p", Name = id };

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_folder, recursive: true);
    }
}
