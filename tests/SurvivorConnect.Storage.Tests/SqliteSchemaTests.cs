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

    [Fact]
    public async Task A_clustered_table_of_an_earlier_version_is_rebuilt_with_row_ids_and_keeps_its_documents()
    {
        var notes = new ContainerSpec("notes", "name");
        Directory.CreateDirectory(_folder);
        await using (var connection = new SqliteConnection($"Data Source={Database};Pooling=False"))
        {
            await connection.OpenAsync();
            await using var command = connection.CreateCommand();
            command.CommandText =
                "CREATE TABLE notes (pk TEXT NOT NULL, id TEXT NOT NULL, etag TEXT NOT NULL, body TEXT NOT NULL, expires_at INTEGER NULL, PRIMARY KEY (pk, id)) WITHOUT ROWID;" +
                "INSERT INTO notes VALUES ('p', 'n1', '\"e1\"', '{\"id\":\"n1\",\"pk\":\"p\",\"type\":\"item\",\"agencyId\":\"p\",\"name\":\"a\",\"rank\":2}', NULL);";
            await command.ExecuteNonQueryAsync();
        }

        using var store = new SqliteDocumentStore(Database, [notes], TimeProvider.System);
        await store.InitializeAsync(CancellationToken.None);

        Assert.DoesNotContain("WITHOUT ROWID", await TableSqlAsync(), StringComparison.OrdinalIgnoreCase);
        Assert.Equal(["ix_notes_name"], await IndexesAsync());
        var read = await store.ReadAsync<Item>(notes, "n1", "p", CancellationToken.None);
        Assert.Equal(("a", "\"e1\""), (read!.Name, read.ETag));
        var page = await store.QueryAsync<Item>(notes, new DocumentQuery { PartitionKey = "p", Filters = [Filter.Eq("name", "a")] }, CancellationToken.None);
        Assert.Equal("n1", Assert.Single(page.Items).Id);
        await Assert.ThrowsAsync<StoreException>(() => store.CreateAsync(notes, read with { ETag = null }, CancellationToken.None));
        await store.ReplaceAsync(notes, read with { Rank = 3 }, read.ETag!, CancellationToken.None);
        Assert.Equal(3, (await store.ReadAsync<Item>(notes, "n1", "p", CancellationToken.None))!.Rank);
    }

    private async Task<string> TableSqlAsync()
    {
        await using var connection = new SqliteConnection($"Data Source={Database};Pooling=False");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'notes';";
        return (string)(await command.ExecuteScalarAsync())!;
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
