using Microsoft.Data.Sqlite;
using SurvivorConnect.Storage.Sqlite;

namespace SurvivorConnect.Storage.Tests;

/// <summary>The SQLite store's one writer thread: every caller answered, and writes in the database file soon after.</summary>
public sealed class SqliteWriterTests : IDisposable
{
    private static readonly ContainerSpec Notes = new("notes", "name");

    private readonly string _folder = Path.Combine(Path.GetTempPath(), "sc-writer-" + Guid.NewGuid().ToString("N"));

    private string Database => Path.Combine(_folder, "store.db");

    [Fact]
    public async Task Disposing_the_store_while_writes_wait_answers_every_caller_and_later_writes_are_refused()
    {
        var store = new SqliteDocumentStore(Database, [Notes], TimeProvider.System);
        await store.InitializeAsync(CancellationToken.None);
        var writes = Enumerable.Range(0, 500)
            .Select(i => Task.Run(() => store.CreateAsync(Notes, Note($"n{i}"), CancellationToken.None)))
            .ToList();

        store.Dispose();
        var all = Task.WhenAll(writes);
        await Task.WhenAny(all, Task.Delay(TimeSpan.FromSeconds(30)));

        Assert.All(writes, write => Assert.True(write.IsCompleted, "a caller was left waiting"));
        Assert.All(writes.Where(w => w.IsFaulted), write => Assert.IsType<ObjectDisposedException>(write.Exception!.InnerException));
        await Assert.ThrowsAsync<ObjectDisposedException>(() => store.CreateAsync(Notes, Note("late"), CancellationToken.None));
    }

    [Fact]
    public async Task A_quiet_stores_write_is_in_the_database_file_itself_within_seconds_not_only_in_its_wal()
    {
        using var store = new SqliteDocumentStore(Database, [Notes], TimeProvider.System);
        await store.InitializeAsync(CancellationToken.None);
        await store.CreateAsync(Notes, Note("kept"), CancellationToken.None);

        // What a power cut would leave if the WAL's last pages never reached the disk: the database file alone.
        var found = false;
        for (var attempt = 0; attempt < 50 && !found; attempt++)
        {
            await Task.Delay(100);
            found = await FileAloneHoldsAsync("kept");
        }

        Assert.True(found, "the write was still only in the WAL after 5 s");
    }

    private async Task<bool> FileAloneHoldsAsync(string id)
    {
        var copy = Path.Combine(_folder, $"copy-{Guid.NewGuid():N}.db");
        File.Copy(Database, copy);
        await using var connection = new SqliteConnection($"Data Source={copy};Pooling=False");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT COUNT(*) FROM pragma_table_list WHERE name = 'notes';";
        if ((long)(await command.ExecuteScalarAsync())! == 0)
        {
            return false;
        }

        command.CommandText = "SELECT COUNT(*) FROM notes WHERE id = $id;";
        command.Parameters.AddWithValue("$id", id);
        return (long)(await command.ExecuteScalarAsync())! == 1;
    }

    private static Item Note(string id) => new() { Id = id, PartitionKey = "p", AgencyId = "p", Name = id };

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_folder, recursive: true);
    }
}
