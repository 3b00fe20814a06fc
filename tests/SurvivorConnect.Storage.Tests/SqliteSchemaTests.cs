using Microsoft.Data.Sqlite;
using SurvivorConnect.Storage.Sqlite;

namespace SurvivorConnect.Storage.Tests;

public sealed class SqliteSchemaTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "sc-schema-" + Guid.NewGuid().ToString("N"));

    private string Database => Path.Combine(_folder, "store.db");

    [Fact]
    public async Task A_field_no_longer_declared_loses_its_index_and_its_documents_are_still_found()
    {
        var before = new ContainerSpec("notes", "name", "rank");
        using (var store = new SqliteDocumentStore(Database, [before], TimeProvider.System))
        {
            await store.InitializeAsync(CancellationToken.None);
            await store.CreateAsync(before, new Item { Id = "n1", PartitionKey = "p", AgencyId = "p", Name = "a", Rank = 2 }, CancellationToken.None);
        }

        Assert.Equal(["ix_notes_name", "ix_notes_rank"], await IndexesAsync());

        var after = new ContainerSpec("notes", "name");
        using (var store = new SqliteDocumentStore(Database, [after], TimeProvider.System))
        {
            await store.InitializeAsync(CancellationToken.None);
            Assert.Equal(["ix_notes_name"], await IndexesAsync());
            Assert.Equal(2, (await store.ReadAsync<Item>(after, "n1", "p", CancellationToken.None))!.Rank);
            var page = await store.QueryAsync<Item>(after, new DocumentQuery { PartitionKey = "p", Filters = [Filter.Eq("name", "a")] }, CancellationToken.None);
            Assert.Equal("n1", Assert.Single(page.Items).Id);
        }
    }

    private async Task<List<string>> IndexesAsync()
    {
        await using var connection = new SqliteConnection($"Data Source={Database};Pooling=False");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'notes' AND name LIKE 'ix%' ORDER BY name;";
        var names = new List<string>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            names.Add(reader.GetString(0));
        }

        return names;
    }

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_folder, recursive: true);
    }
}
