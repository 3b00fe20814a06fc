using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.Data.Sqlite;

namespace SurvivorConnect.Storage.Sqlite;

/// <summary>
/// The embedded default: one SQLite table per container, the document as JSON, generated columns with
/// indexes for the declared queryable fields, and an ETag column so replaces never lose an update.
/// </summary>
public sealed class SqliteDocumentStore : IDocumentStore, IDisposable
{
    private const int SqliteError = 1;
    private const int SqliteBusy = 5;
    private const int SqliteLocked = 6;
    private const int SqliteReadOnly = 8;
    private const int SqliteIoError = 10;
    private const int SqliteFull = 13;
    private const int SqliteCantOpen = 14;
    private const int SqliteConstraint = 19;

    private readonly string _connectionString;
    private readonly IReadOnlyList<ContainerSpec> _containers;
    private readonly TimeProvider _time;
    private readonly ConcurrentDictionary<string, bool> _ready = new(StringComparer.Ordinal);

    // SQLite has one writer at a time. Queueing writes for one writer thread keeps them out of the driver's
    // busy-retry loop (which sleeps); busy_timeout covers writers in other processes.
    private readonly ConcurrentQueue<QueuedWrite> _queued = new();
    private readonly ManualResetEventSlim _wake = new(false, spinCount: 1);
    private readonly Lock _writerStart = new();
    private Thread? _writerThread;

    private volatile bool _disposed;

    // Used by the writer thread only.
    private readonly Dictionary<string, SqliteCommand> _statements = new(StringComparer.Ordinal);
    private readonly byte[] _etagRandom = new byte[4096];
    private int _etagRandomUsed = 4096;
    private SqliteConnection? _writer;

    private const int MaxGroup = 256;

    private static readonly TimeSpan CheckpointInterval = TimeSpan.FromSeconds(1);

    public SqliteDocumentStore(string databasePath, IEnumerable<ContainerSpec> containers, TimeProvider time)
    {
        ArgumentException.ThrowIfNullOrEmpty(databasePath);
        var folder = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(databasePath));
        if (!string.IsNullOrEmpty(folder))
        {
            Directory.CreateDirectory(folder);
        }

        _connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = databasePath,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Cache = SqliteCacheMode.Private,
            Pooling = true,
            DefaultTimeout = 30,
        }.ToString();
        _containers = containers.ToList();
        _time = time;
    }

    public async Task InitializeAsync(CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await ExecuteAsync(connection, "PRAGMA journal_mode=WAL;", cancellationToken);
        await ExecuteAsync(connection, "PRAGMA optimize;", cancellationToken);
        foreach (var container in _containers)
        {
            await EnsureTableAsync(connection, container, cancellationToken);
            await using var purge = connection.CreateCommand();
            purge.CommandText = $"DELETE FROM {Table(container)} WHERE expires_at IS NOT NULL AND expires_at <= $now;";
            purge.Parameters.AddWithValue("$now", Now());
            await purge.ExecuteNonQueryAsync(cancellationToken);
        }
    }

    public async Task CheckHealthAsync(CancellationToken cancellationToken)
    {
        try
        {
            await using var connection = await OpenAsync(cancellationToken);
            await using var command = connection.CreateCommand();
            command.CommandText = "SELECT 1;";
            await command.ExecuteScalarAsync(cancellationToken);
        }
        catch (SqliteException ex)
        {
            throw StoreException.Unavailable("The SQLite database cannot be opened.", ex);
        }
    }

    public async Task<T?> ReadAsync<T>(ContainerSpec container, string id, string partitionKey, CancellationToken cancellationToken)
        where T : Document
    {
        DocumentRules.ValidateAddress(id, partitionKey);
        return await AnsweredAsync(container, ReadRowAsync<T>(container, id, partitionKey, cancellationToken));
    }

    private async Task<T?> ReadRowAsync<T>(ContainerSpec container, string id, string partitionKey, CancellationToken cancellationToken)
        where T : Document
    {
        await using var connection = await OpenReadyAsync(container, cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = $"SELECT body, etag FROM {Table(container)} WHERE pk = $pk AND id = $id AND {Column("type")} = $type AND {NotExpired};";
        command.Parameters.AddWithValue("$pk", partitionKey);
        command.Parameters.AddWithValue("$id", id);
        command.Parameters.AddWithValue("$type", DocumentTypes.Of<T>());
        command.Parameters.AddWithValue("$now", Now());
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken)
            ? DocumentRules.Deserialize<T>(reader.GetString(0), reader.GetString(1))
            : null;
    }

    public async Task<T> CreateAsync<T>(ContainerSpec container, T document, CancellationToken cancellationToken)
        where T : Document
    {
        var body = DocumentRules.Serialize(document, container);
        var etag = await WriteAsync(container, t => Insert(t, container, document, body), cancellationToken);
        return document.WithETag<T>(etag);
    }

    public async Task<T> ReplaceAsync<T>(ContainerSpec container, T document, string ifMatchETag, CancellationToken cancellationToken)
        where T : Document
    {
        DocumentRules.EnsureVersion(ifMatchETag);
        var body = DocumentRules.Serialize(document, container);
        var etag = await WriteAsync(container, t => Update(t, container, document, body, ifMatchETag), cancellationToken);
        return document.WithETag<T>(etag);
    }

    public async Task<T> UpsertAsync<T>(ContainerSpec container, T document, CancellationToken cancellationToken)
        where T : Document
    {
        var body = DocumentRules.Serialize(document, container);
        var etag = await WriteAsync(container, t => UpsertRow(t, container, document, body), cancellationToken);
        return document.WithETag<T>(etag);
    }

    public async Task<bool> DeleteAsync(ContainerSpec container, string id, string partitionKey, string? ifMatchETag, CancellationToken cancellationToken)
    {
        DocumentRules.ValidateAddress(id, partitionKey);
        DocumentRules.EnsureVersionOrNone(ifMatchETag);
        return await WriteAsync(container, t => DeleteRow(t, container, id, partitionKey, ifMatchETag), cancellationToken);
    }

    public async Task<Page<T>> QueryAsync<T>(ContainerSpec container, DocumentQuery query, CancellationToken cancellationToken)
        where T : Document
    {
        QueryRules.Validate(container, query);
        return await AnsweredAsync(container, QueryRowsAsync<T>(container, query, cancellationToken));
    }

    private async Task<Page<T>> QueryRowsAsync<T>(ContainerSpec container, DocumentQuery query, CancellationToken cancellationToken)
        where T : Document
    {
        await using var connection = await OpenReadyAsync(container, cancellationToken);
        await using var command = connection.CreateCommand();
        var where = new List<string> { "pk = $pk", NotExpired };
        command.Parameters.AddWithValue("$pk", query.PartitionKey);
        command.Parameters.AddWithValue("$now", Now());
        if (query.Type is not null)
        {
            where.Add($"{Column("type")} = $type");
            command.Parameters.AddWithValue("$type", query.Type);
        }

        var index = 0;
        foreach (var filter in query.Filters)
        {
            where.Add(FilterSql(command, filter, ref index));
        }

        var orderField = query.OrderBy ?? "id";
        var orderColumn = orderField == "id" ? "id" : Column(orderField);
        var direction = query.Descending ? "DESC" : "ASC";
        if (query.ContinuationToken is not null)
        {
            var (value, lastId) = QueryRules.DecodeCursor(query.ContinuationToken);
            var after = query.Descending ? "<" : ">";
            command.Parameters.AddWithValue("$cv", ToSqlite(value));
            command.Parameters.AddWithValue("$cid", lastId);
            // SQLite sorts NULL (a document without the field) first, and last when descending.
            where.Add(orderField == "id" ? $"id {after} $cid"
                : QueryRules.IsMissing(value) ? query.Descending
                    ? $"({orderColumn} IS NULL AND id < $cid)"
                    : $"(({orderColumn} IS NULL AND id > $cid) OR {orderColumn} IS NOT NULL)"
                : $"({orderColumn} {after} $cv OR ({orderColumn} = $cv AND id {after} $cid){(query.Descending ? $" OR {orderColumn} IS NULL" : "")})");
        }

        command.CommandText =
            $"SELECT body, etag FROM {Table(container)}{IndexFor(container, query)} WHERE {string.Join(" AND ", where)} " +
            $"ORDER BY {orderColumn} {direction}, id {direction} LIMIT {query.PageSize + 1};";

        var rows = new List<(string Body, string ETag)>();
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                rows.Add((reader.GetString(0), reader.GetString(1)));
            }
        }

        string? continuation = null;
        if (rows.Count > query.PageSize)
        {
            rows.RemoveAt(rows.Count - 1);
            using var last = JsonDocument.Parse(rows[^1].Body);
            continuation = QueryRules.EncodeCursor(QueryRules.ReadField(last.RootElement, orderField), last.RootElement.GetProperty("id").GetString()!);
        }

        return new Page<T>(rows.Select(r => DocumentRules.Deserialize<T>(r.Body, r.ETag)).ToList(), continuation);
    }

    public async Task<BatchResult> ExecuteBatchAsync(ContainerSpec container, string partitionKey, IReadOnlyList<BatchOperation> operations, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(operations);
        var bodies = DocumentRules.SerializeBatch(operations, partitionKey, container);
        DocumentRules.EnsureVersions(operations);

        return await WriteAsync(container, transaction =>
        {
            var etags = new List<string?>(operations.Count);
            for (var i = 0; i < operations.Count; i++)
            {
                try
                {
                    etags.Add(operations[i] switch
                    {
                        BatchOperation.Create c => Insert(transaction, container, c.Document, bodies[i]),
                        BatchOperation.Replace r => Update(transaction, container, r.Document, bodies[i], r.IfMatchETag),
                        BatchOperation.Upsert u => UpsertRow(transaction, container, u.Document, bodies[i]),
                        BatchOperation.Delete d => DeleteRow(transaction, container, d.Id, partitionKey, d.IfMatchETag)
                            ? null
                            : throw new StoreException(StoreErrorKind.NotFound, "The document to delete does not exist."),
                        _ => throw new InvalidOperationException("Unknown batch operation."),
                    });
                }
                catch (StoreException ex) when (ex.Kind is not StoreErrorKind.Unavailable)
                {
                    throw new StoreException(StoreErrorKind.BatchFailed, $"Batch operation {i} failed ({ex.Kind}); nothing was written.", ex)
                    {
                        FailedOperationIndex = i,
                        FailedOperationKind = ex.Kind,
                    };
                }
            }

            return new BatchResult(etags);
        }, cancellationToken);
    }

    private const string NotExpired = "(expires_at IS NULL OR expires_at > $now)";

    /// <summary>
    /// One write, atomic: its changes are committed when <paramref name="work"/> returns and undone when it throws.
    /// Writes are committed in groups (group commit) by one writer thread: it writes every write waiting, each in a
    /// savepoint of its own, in one transaction, so many conversations' messages share one commit.
    /// </summary>
    private async Task<TResult> WriteAsync<TResult>(ContainerSpec container, Func<SqliteTransaction, TResult> work, CancellationToken ct)
    {
        if (!_ready.ContainsKey(container.Name))
        {
            await using var connection = await OpenReadyAsync(container, ct);
        }

        var write = new QueuedWrite(transaction => work(transaction));
        lock (_writerStart)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            _writerThread ??= StartWriterThread();
            _queued.Enqueue(write);
        }

        _wake.Set();
        return await AnsweredAsync(container, OutcomeAsync<TResult>(write, ct));
    }

    private static async Task<TResult> OutcomeAsync<TResult>(QueuedWrite write, CancellationToken ct)
    {
        try
        {
            return (TResult)(await write.Done.Task.WaitAsync(ct))!;
        }
        catch (OperationCanceledException) when (!write.TryCancel())
        {
            // Already under way: its outcome stands whether the caller waits or not, so it is returned.
            return (TResult)(await write.Done.Task)!;
        }
    }

    /// <summary>What <paramref name="work"/> answers, or, where SQLite could not answer just now, an unavailable store.</summary>
    private async Task<T> AnsweredAsync<T>(ContainerSpec container, Task<T> work)
    {
        try
        {
            return await work;
        }
        catch (SqliteException ex) when (CannotAnswer(ex))
        {
            throw Unavailable(container, ex);
        }
    }

    /// <summary>
    /// SQLite could not answer just now: another process holding the database past the busy timeout, the disk full or
    /// failing, the file unopenable or read-only, or the table gone. The store is unavailable, as Cosmos DB would say,
    /// not a server error. Anything else (a statement of ours SQLite refuses, a corrupt file) stays an error to see.
    /// </summary>
    private static bool CannotAnswer(SqliteException ex) =>
        ex.SqliteErrorCode is SqliteBusy or SqliteLocked or SqliteReadOnly or SqliteIoError or SqliteFull or SqliteCantOpen
        || IsMissingTable(ex);

    private static bool IsMissingTable(SqliteException ex) =>
        ex.SqliteErrorCode == SqliteError && ex.Message.Contains("no such table", StringComparison.Ordinal);

    /// <summary>A table dropped under the store is prepared again at its next use, rather than refused for ever.</summary>
    private StoreException Unavailable(ContainerSpec container, SqliteException ex)
    {
        if (IsMissingTable(ex))
        {
            _ready.TryRemove(container.Name, out _);
        }

        return StoreException.Unavailable($"The SQLite database could not answer for '{container.Name}'.", ex);
    }

    private Thread StartWriterThread()
    {
        // A thread of its own, not the thread pool's: a group commit never waits behind request work for a
        // thread, and callers hand their writes over instead of taking turns at a lock.
        var thread = new Thread(WriterLoop) { IsBackground = true, Name = "SQLite writer" };

        // Not the first writer's execution context: its activity and async-locals are not the thread's.
        thread.UnsafeStart();
        return thread;
    }

    private void WriterLoop()
    {
        var lastCheckpoint = _time.GetTimestamp();
        var writtenSince = false;
        while (!_disposed)
        {
            if (_queued.IsEmpty)
            {
                // Reset before looking again, so a write queued after the look sets the event and is not missed.
                _wake.Reset();
                if (_queued.IsEmpty && !_disposed)
                {
                    _wake.Wait(CheckpointInterval);
                }
            }
            else
            {
                try
                {
                    WriteGroup();
                    writtenSince = true;
                }
                catch (Exception)
                {
                    // Every caller of the group has its answer already (WriteGroup's finally). The thread lives on, as a
                    // crash here would take the process down: the next group starts on a new connection.
                    CloseWriter();
                }
            }

            if (writtenSince && _time.GetElapsedTime(lastCheckpoint) >= CheckpointInterval)
            {
                Checkpoint();
                (writtenSince, lastCheckpoint) = (false, _time.GetTimestamp());
            }
        }

        CloseWriter();
        while (_queued.TryDequeue(out var write))
        {
            if (write.TryStart())
            {
                write.Done.TrySetException(new ObjectDisposedException(nameof(SqliteDocumentStore)));
            }
        }
    }

    /// <summary>
    /// With synchronous=NORMAL the WAL reaches the disk at a checkpoint, so a power cut loses what was committed since
    /// the last one. A checkpoint a second after writes bounds that to about a second, however quiet the store is.
    /// </summary>
    private void Checkpoint()
    {
        if (_writer is null)
        {
            return;
        }

        try
        {
            using var command = _writer.CreateCommand();
            command.CommandText = "PRAGMA wal_checkpoint(PASSIVE);";
            command.ExecuteNonQuery();
        }
        catch (SqliteException)
        {
            // Not done this time (another process may hold the database); the size threshold and the next second remain.
        }
    }

    /// <summary>On the writer thread: writes up to <see cref="MaxGroup"/> waiting writes in one transaction.</summary>
    private void WriteGroup()
    {
        var group = new List<QueuedWrite>();
        while (group.Count < MaxGroup && _queued.TryDequeue(out var next))
        {
            if (next.TryStart())
            {
                group.Add(next);
            }
        }

        try
        {
            if (group.Count > 0 && TryWriteTogether(group) == GroupFailure.InAWrite && group.Count > 1)
            {
                // A write's own step broke the transaction (nothing of it stands): each write gets a transaction of its
                // own, so one write's trouble is not every other caller's.
                foreach (var write in group)
                {
                    TryWriteTogether([write]);
                }
            }
        }
        finally
        {
            // Whatever happened above, no caller of the group is left waiting for an answer.
            foreach (var write in group)
            {
                write.Done.TrySetException(StoreException.Unavailable("The write could not be made; nothing was written.", null));
            }
        }
    }

    private enum GroupFailure
    {
        None,

        /// <summary>Opening, beginning or committing failed: nothing to do with any one write.</summary>
        Transaction,

        /// <summary>A step around one write (its savepoint, or undoing it) failed, and with it the transaction.</summary>
        InAWrite,
    }

    /// <summary>Writes these in one transaction, each in a savepoint, and answers each caller, unless the transaction fails in a write's step.</summary>
    private GroupFailure TryWriteTogether(List<QueuedWrite> group)
    {
        var outcomes = new (object? Result, Exception? Error)[group.Count];
        var inWrite = false;
        try
        {
            var connection = _writer ??= OpenWriter();
            using var transaction = connection.BeginTransaction();
            for (var i = 0; i < group.Count; i++)
            {
                inWrite = true;
                Statement(transaction, "SAVEPOINT write;").ExecuteNonQuery();
                try
                {
                    outcomes[i] = (group[i].Work(transaction), null);
                }
                catch (Exception ex)
                {
                    outcomes[i] = (null, ex);
                    try
                    {
                        Statement(transaction, "ROLLBACK TO write;").ExecuteNonQuery();
                    }
                    catch (Exception) when (group.Count == 1)
                    {
                        // Alone, its own error is the answer (SQLite may have undone the whole transaction already).
                        throw new StoreException(StoreErrorKind.Unavailable, "The write failed; nothing was written.", ex);
                    }
                }

                Statement(transaction, "RELEASE write;").ExecuteNonQuery();
                inWrite = false;
            }

            transaction.Commit();
        }
        catch (Exception ex)
        {
            // Nothing was committed; the next transaction starts on a new connection.
            CloseWriter();
            if (!inWrite || group.Count == 1)
            {
                var failure = ex as StoreException ?? StoreException.Unavailable("The SQLite database could not take the write; nothing was written.", ex);
                group.ForEach(w => w.Done.TrySetException(failure));
            }

            return inWrite ? GroupFailure.InAWrite : GroupFailure.Transaction;
        }

        for (var i = 0; i < group.Count; i++)
        {
            if (outcomes[i].Error is { } error)
            {
                group[i].Done.TrySetException(error);
            }
            else
            {
                group[i].Done.TrySetResult(outcomes[i].Result);
            }
        }

        return GroupFailure.None;
    }

    /// <summary>A write waiting for the writer: waiting, under way, or given up by its caller before it started.</summary>
    private sealed class QueuedWrite(Func<SqliteTransaction, object?> work)
    {
        private const int Waiting = 0;
        private const int UnderWay = 1;
        private const int GivenUp = 2;

        private int _state;

        public Func<SqliteTransaction, object?> Work { get; } = work;

        public TaskCompletionSource<object?> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public bool TryStart() => Interlocked.CompareExchange(ref _state, UnderWay, Waiting) == Waiting;

        public bool TryCancel() => Interlocked.CompareExchange(ref _state, GivenUp, Waiting) == Waiting;
    }

    /// <summary>The connection every write goes through (they take turns anyway), its statements prepared once.</summary>
    private SqliteConnection OpenWriter()
    {
        // Not pooled: its settings stay its own, and closing it after a failure really closes it.
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder(_connectionString) { Pooling = false }.ToString());
        try
        {
            connection.Open();
        }
        catch (SqliteException ex)
        {
            connection.Dispose();
            throw StoreException.Unavailable("The SQLite database cannot be opened.", ex);
        }

        // WAL with synchronous=NORMAL: a commit survives the process dying; only a power cut can lose the last
        // commits, which is acceptable for the local store (production runs on Cosmos DB). A larger page cache and
        // memory-mapped reads keep the pages the writer touches out of system calls. Under load a checkpoint comes
        // every 40 MB of WAL instead of 4 MB: a busy page is copied into the database once per checkpoint however
        // often it changed, and the writer waits for a checkpoint's fsync a tenth as often (p99 at 1,000 messages a
        // second stayed at 8 to 11 ms). A quiet store is checkpointed a second after its writes (see Checkpoint).
        using var settings = connection.CreateCommand();
        settings.CommandText = "PRAGMA busy_timeout = 5000; PRAGMA synchronous = NORMAL; PRAGMA cache_size = -65536; PRAGMA mmap_size = 268435456; PRAGMA wal_autocheckpoint = 10000;";
        settings.ExecuteNonQuery();
        return connection;
    }

    /// <summary>A statement of the writer connection, prepared at its first use and kept; on the writer thread only.</summary>
    private SqliteCommand Statement(SqliteTransaction transaction, string sql)
    {
        if (!_statements.TryGetValue(sql, out var command))
        {
            command = transaction.Connection!.CreateCommand();
            command.CommandText = sql;
            _statements[sql] = command;
        }

        command.Transaction = transaction;
        command.Parameters.Clear();
        return command;
    }

    /// <summary>Forgets the writer connection first, so a failure while closing it can never leave it in use.</summary>
    private void CloseWriter()
    {
        var (writer, statements) = (_writer, _statements.Values.ToList());
        _writer = null;
        _statements.Clear();
        try
        {
            statements.ForEach(statement => statement.Dispose());
            writer?.Dispose();
        }
        catch (Exception ex) when (ex is SqliteException or InvalidOperationException)
        {
            // A connection that cannot even close cleanly is dropped; the next write opens a new one.
        }
    }

    /// <summary>Lets the writer finish the group under way, closes it, and refuses what is still queued.</summary>
    public void Dispose()
    {
        Thread? writer;
        lock (_writerStart)
        {
            _disposed = true;
            writer = _writerThread;
        }

        // The event is not disposed: a caller that queued its write just before may still set it.
        _wake.Set();
        if (writer is not null && writer != Thread.CurrentThread)
        {
            writer.Join();
        }
    }

    /// <summary>
    /// A random, opaque ETag (no count or order of writes shows through it). On the writer thread only: its random
    /// bytes are drawn 4 KB at a time, a system call per 256 ETags instead of one per row.
    /// </summary>
    private string NewETag()
    {
        if (_etagRandomUsed == _etagRandom.Length)
        {
            RandomNumberGenerator.Fill(_etagRandom);
            _etagRandomUsed = 0;
        }

        var etag = new Guid(_etagRandom.AsSpan(_etagRandomUsed, 16));
        _etagRandomUsed += 16;
        return $"\"{etag:D}\"";
    }

    private long Now() => _time.GetUtcNow().ToUnixTimeMilliseconds();

    private long? ExpiresAt(Document document) =>
        document.TimeToLive is { } ttl ? Now() + ttl * 1000L : null;

    private string Insert(SqliteTransaction transaction, ContainerSpec container, Document document, byte[] body)
    {
        // An expired document no longer exists, so its id is free again (only where documents can expire).
        if (container.AllowsTimeToLive)
        {
            var purge = Statement(transaction, $"DELETE FROM {Table(container)} WHERE pk = $pk AND id = $id AND expires_at IS NOT NULL AND expires_at <= $now;");
            purge.Parameters.AddWithValue("$pk", document.PartitionKey);
            purge.Parameters.AddWithValue("$id", document.Id);
            purge.Parameters.AddWithValue("$now", Now());
            purge.ExecuteNonQuery();
        }

        var etag = NewETag();
        var command = Statement(transaction, $"INSERT INTO {Table(container)} (pk, id, etag, body, expires_at) VALUES ($pk, $id, $etag, $body, $exp);");
        AddRow(command, document, body, etag);
        try
        {
            command.ExecuteNonQuery();
        }
        catch (SqliteException ex) when (ex.SqliteErrorCode == SqliteConstraint)
        {
            throw new StoreException(StoreErrorKind.Conflict, "A document with this id already exists in its partition.", ex);
        }

        return etag;
    }

    private string Update(SqliteTransaction transaction, ContainerSpec container, Document document, byte[] body, string ifMatch)
    {
        var etag = NewETag();
        var command = Statement(transaction,
            $"UPDATE {Table(container)} SET etag = $etag, body = $body, expires_at = $exp " +
            $"WHERE pk = $pk AND id = $id AND etag = $ifMatch AND {NotExpired};");
        AddRow(command, document, body, etag);
        command.Parameters.AddWithValue("$ifMatch", ifMatch);
        command.Parameters.AddWithValue("$now", Now());
        if (command.ExecuteNonQuery() == 1)
        {
            return etag;
        }

        throw Exists(transaction, container, document.Id, document.PartitionKey)
            ? new StoreException(StoreErrorKind.PreconditionFailed, "The document has changed since it was read.")
            : new StoreException(StoreErrorKind.NotFound, "The document does not exist.");
    }

    private string UpsertRow(SqliteTransaction transaction, ContainerSpec container, Document document, byte[] body)
    {
        var etag = NewETag();
        var command = Statement(transaction,
            $"INSERT INTO {Table(container)} (pk, id, etag, body, expires_at) VALUES ($pk, $id, $etag, $body, $exp) " +
            "ON CONFLICT (pk, id) DO UPDATE SET etag = excluded.etag, body = excluded.body, expires_at = excluded.expires_at;");
        AddRow(command, document, body, etag);
        command.ExecuteNonQuery();
        return etag;
    }

    private bool DeleteRow(SqliteTransaction transaction, ContainerSpec container, string id, string partitionKey, string? ifMatch)
    {
        var command = Statement(transaction, $"DELETE FROM {Table(container)} WHERE pk = $pk AND id = $id AND {NotExpired}" +
            (ifMatch is null ? ";" : " AND etag = $ifMatch;"));
        command.Parameters.AddWithValue("$pk", partitionKey);
        command.Parameters.AddWithValue("$id", id);
        command.Parameters.AddWithValue("$now", Now());
        if (ifMatch is not null)
        {
            command.Parameters.AddWithValue("$ifMatch", ifMatch);
        }

        if (command.ExecuteNonQuery() == 1)
        {
            return true;
        }

        if (ifMatch is not null && Exists(transaction, container, id, partitionKey))
        {
            throw new StoreException(StoreErrorKind.PreconditionFailed, "The document has changed since it was read.");
        }

        return false;
    }

    private bool Exists(SqliteTransaction transaction, ContainerSpec container, string id, string partitionKey)
    {
        var command = Statement(transaction, $"SELECT 1 FROM {Table(container)} WHERE pk = $pk AND id = $id AND {NotExpired};");
        command.Parameters.AddWithValue("$pk", partitionKey);
        command.Parameters.AddWithValue("$id", id);
        command.Parameters.AddWithValue("$now", Now());
        return command.ExecuteScalar() is not null;
    }

    private void AddRow(SqliteCommand command, Document document, byte[] body, string etag)
    {
        command.Parameters.AddWithValue("$pk", document.PartitionKey);
        command.Parameters.AddWithValue("$id", document.Id);
        command.Parameters.AddWithValue("$etag", etag);
        command.Parameters.AddWithValue("$body", Encoding.UTF8.GetString(body));
        command.Parameters.AddWithValue("$exp", (object?)ExpiresAt(document) ?? DBNull.Value);
    }

    private static string FilterSql(SqliteCommand command, Filter filter, ref int index)
    {
        var column = filter.Field == "id" ? "id" : Column(filter.Field);
        var names = new List<string>();
        foreach (var value in filter.Values)
        {
            var name = $"$p{index++}";
            names.Add(name);
            command.Parameters.AddWithValue(name, ToSqlite(QueryRules.ToJson(value)));
        }

        return filter.Operator switch
        {
            FilterOperator.Equal when filter.Values[0] is null => $"{column} IS NULL",
            FilterOperator.Equal => $"{column} = {names[0]}",
            FilterOperator.In => $"{column} IN ({string.Join(", ", names)})",
            FilterOperator.GreaterThan => $"{column} > {names[0]}",
            FilterOperator.GreaterThanOrEqual => $"{column} >= {names[0]}",
            FilterOperator.LessThan => $"{column} < {names[0]}",
            FilterOperator.LessThanOrEqual => $"{column} <= {names[0]}",
            // Only an array holds anything, as ARRAY_CONTAINS on Cosmos DB: a string field is no list, even one that reads as
            // one. Walking a field, json_each gives an array's items integer keys, and a lone value a null key.
            FilterOperator.Contains => $"EXISTS (SELECT 1 FROM json_each(body, {PathOf(command, filter.Field, ref index)}) WHERE typeof(key) = 'integer' AND value = {names[0]})",
            _ => throw new StoreException(StoreErrorKind.InvalidQuery, "Unknown filter operator."),
        };
    }

    /// <summary>A parameter holding a field's JSON path in the document body.</summary>
    private static string PathOf(SqliteCommand command, string field, ref int index)
    {
        var name = $"$p{index++}";
        command.Parameters.AddWithValue(name, "$." + field);
        return name;
    }

    /// <summary>A JSON primitive as the value SQLite's json_extract yields for it.</summary>
    private static object ToSqlite(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => value.GetString()!,
        JsonValueKind.Number when value.TryGetInt64(out var l) => l,
        JsonValueKind.Number => value.GetDouble(),
        JsonValueKind.True => 1L,
        JsonValueKind.False => 0L,
        JsonValueKind.Null or JsonValueKind.Undefined => DBNull.Value,
        _ => throw new StoreException(StoreErrorKind.InvalidQuery, "Filters compare single values, not objects or arrays."),
    };

    private static string Table(ContainerSpec container) => $"\"{container.Name}\"";

    private static string IndexName(ContainerSpec container, string field) =>
        string.Create(CultureInfo.InvariantCulture, $"\"ix_{container.Name}_{field.Replace('.', '_')}\"");

    /// <summary>
    /// The index of the query's first equality filter, named to SQLite. Without fresh statistics the planner
    /// prefers walking the whole partition in id order to avoid a sort, which grows with the partition; the
    /// index (pk, field, id) finds the few matching rows and still gives them in id order. An IN filter is left to
    /// the planner: pinning its index made a case manager's page of matches (IN their caseload) sort all of them.
    /// </summary>
    private static string IndexFor(ContainerSpec container, DocumentQuery query) =>
        query.Filters.FirstOrDefault(f => f.Operator == FilterOperator.Equal && f.Field is not ("id" or "type")) is { } equal
            ? $" INDEXED BY {IndexName(container, equal.Field)}"
            : "";

    private static string Column(string field) => field == "id" ? "id" : $"\"f_{field.Replace('.', '_')}\"";

    private async Task<SqliteConnection> OpenAsync(CancellationToken ct)
    {
        var connection = new SqliteConnection(_connectionString);
        try
        {
            await connection.OpenAsync(ct);
            return connection;
        }
        catch (SqliteException ex)
        {
            await connection.DisposeAsync();
            throw StoreException.Unavailable("The SQLite database cannot be opened.", ex);
        }
    }

    private async Task<SqliteConnection> OpenReadyAsync(ContainerSpec container, CancellationToken ct)
    {
        var connection = await OpenAsync(ct);
        try
        {
            if (!_ready.ContainsKey(container.Name))
            {
                await EnsureTableAsync(connection, container, ct);
            }
        }
        catch
        {
            // Not handed to the caller, so nobody else would close it: each retry would leave one more open.
            await connection.DisposeAsync();
            throw;
        }

        return connection;
    }

    private async Task EnsureTableAsync(SqliteConnection connection, ContainerSpec container, CancellationToken ct)
    {
        try
        {
            await ExecuteAsync(connection, CreateTableSql(Table(container)), ct);
            if (!await RebuildWithRowIdsAsync(connection, container, ct))
            {
                await EnsureColumnsAndIndexesAsync(connection, container, null, ct);
            }
        }
        catch (SqliteException ex)
        {
            // Locked by another process past the busy timeout, or the disk full mid-rebuild: readiness reports it, and
            // the next use tries again.
            throw StoreException.Unavailable($"The SQLite table of '{container.Name}' could not be prepared.", ex);
        }

        _ready[container.Name] = true;
    }

    /// <summary>The generated column and index of each declared queryable field, and no index of a field no longer declared.</summary>
    private static async Task EnsureColumnsAndIndexesAsync(SqliteConnection connection, ContainerSpec container, SqliteTransaction? transaction, CancellationToken ct)
    {
        var table = Table(container);
        var existing = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        await using (var info = connection.CreateCommand())
        {
            info.Transaction = transaction;
            info.CommandText = $"SELECT name FROM pragma_table_xinfo('{container.Name}');";
            await using var reader = await info.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                existing.Add(reader.GetString(0));
            }
        }

        // An index no field is declared for any more is dropped: every write would still pay for it.
        var declared = container.QueryableFields.Select(f => IndexName(container, f).Trim('"')).ToHashSet(StringComparer.Ordinal);
        var stale = new List<string>();
        await using (var indexes = connection.CreateCommand())
        {
            indexes.Transaction = transaction;
            indexes.CommandText = "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = $table AND name LIKE 'ix!_%' ESCAPE '!';";
            indexes.Parameters.AddWithValue("$table", container.Name);
            await using var reader = await indexes.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                stale.Add(reader.GetString(0));
            }
        }

        foreach (var index in stale.Where(name => !declared.Contains(name)))
        {
            await ExecuteAsync(connection, $"DROP INDEX IF EXISTS \"{index}\";", ct, transaction);
        }

        foreach (var field in container.QueryableFields.Where(f => f != "id"))
        {
            var column = Column(field);
            if (!existing.Contains(column.Trim('"')))
            {
                await ExecuteAsync(connection,
                    $"ALTER TABLE {table} ADD COLUMN {column} GENERATED ALWAYS AS (json_extract(body, '$.{field}')) VIRTUAL;",
                    ct, transaction);
            }

            var indexName = IndexName(container, field);

            // No index on type: the (pk, id) key already gives a partition in id order, and a type index looks just as
            // good to the planner for "type = ? ORDER BY id" while making it scan every row of that type.
            await ExecuteAsync(connection, field == "type"
                ? $"DROP INDEX IF EXISTS {indexName};"
                : $"CREATE INDEX IF NOT EXISTS {indexName} ON {table} (pk, {column}, id);", ct, transaction);
        }
    }

    /// <summary>
    /// Rows ordered by an integer row id, with (pk, id) as a unique index. A document is far larger than the 1/20 of
    /// a page where SQLite's clustered (WITHOUT ROWID) tables pay off: clustered, interior pages carry whole
    /// documents, and a chat message dirtied about six pages of the WAL instead of about four.
    /// </summary>
    private static string CreateTableSql(string table) =>
        $"CREATE TABLE IF NOT EXISTS {table} (pk TEXT NOT NULL, id TEXT NOT NULL, etag TEXT NOT NULL, body TEXT NOT NULL, expires_at INTEGER NULL, PRIMARY KEY (pk, id));";

    /// <summary>
    /// A table made clustered by an earlier version is copied into the row-id layout with its columns and indexes, in
    /// one transaction, so no reader ever sees it half made. True when this call rebuilt it.
    /// </summary>
    private static async Task<bool> RebuildWithRowIdsAsync(SqliteConnection connection, ContainerSpec container, CancellationToken ct)
    {
        if (!await IsClusteredAsync(connection, container, ct))
        {
            return false;
        }

        // '$' cannot be in a container's name, so the copy's table can never be another container's.
        var (table, rebuilt) = (Table(container), $"\"{container.Name}$rebuild\"");

        // Immediate, so the write lock is held before the second look: two connections cannot both rebuild.
        await using (var transaction = connection.BeginTransaction(deferred: false))
        {
            if (!await IsClusteredAsync(connection, container, ct, transaction))
            {
                return false;
            }

            await ExecuteAsync(connection, $"DROP TABLE IF EXISTS {rebuilt};", ct, transaction);
            await ExecuteAsync(connection, CreateTableSql(rebuilt), ct, transaction);
            await ExecuteAsync(connection, $"INSERT INTO {rebuilt} (pk, id, etag, body, expires_at) SELECT pk, id, etag, body, expires_at FROM {table};", ct, transaction);
            await ExecuteAsync(connection, $"DROP TABLE {table};", ct, transaction);
            await ExecuteAsync(connection, $"ALTER TABLE {rebuilt} RENAME TO {table};", ct, transaction);
            await EnsureColumnsAndIndexesAsync(connection, container, transaction, ct);
            await transaction.CommitAsync(ct);
        }

        // The copy went through the WAL: give the file back once it is in the database.
        await ExecuteAsync(connection, "PRAGMA wal_checkpoint(TRUNCATE);", ct);
        return true;
    }

    private static async Task<bool> IsClusteredAsync(SqliteConnection connection, ContainerSpec container, CancellationToken ct, SqliteTransaction? transaction = null)
    {
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = $table;";
        command.Parameters.AddWithValue("$table", container.Name);
        return await command.ExecuteScalarAsync(ct) is string sql && sql.Contains("WITHOUT ROWID", StringComparison.OrdinalIgnoreCase);
    }

    private static async Task ExecuteAsync(SqliteConnection connection, string sql, CancellationToken ct, SqliteTransaction? transaction = null)
    {
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}
