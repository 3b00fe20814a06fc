using System.Text.Json;

namespace SurvivorConnect.Storage;

/// <summary>
/// The rules a document must meet before either store writes it. They are Cosmos DB's limits, applied
/// to SQLite too, so a document that works locally works in production.
/// </summary>
public static class DocumentRules
{
    /// <summary>Cosmos DB's item limit is 2 MB including system properties; this leaves room for them.</summary>
    public const int MaxDocumentBytes = 2_000_000;

    /// <summary>Cosmos DB's transactional batch limits.</summary>
    public const int MaxBatchOperations = 100;

    public const int MaxBatchBytes = 2_000_000;

    public const int MaxIdLength = 255;

    public const int MaxPartitionKeyLength = 1024;

    public static void ValidateId(string? id)
    {
        if (string.IsNullOrEmpty(id))
        {
            throw StoreException.Invalid("A document needs an id.");
        }

        if (id.Length > MaxIdLength)
        {
            throw StoreException.Invalid($"An id may have at most {MaxIdLength} characters.");
        }

        foreach (var c in id)
        {
            if (c is '/' or '\\' or '?' or '#' || char.IsControl(c))
            {
                throw StoreException.Invalid("An id may not contain '/', '\\', '?', '#' or control characters.");
            }
        }

        if (System.Text.Unicode.Utf8.FromUtf16(id, new byte[id.Length * 3], out _, out _, replaceInvalidSequences: false) != System.Buffers.OperationStatus.Done)
        {
            throw StoreException.Invalid("An id must be valid Unicode text.");
        }

        if (id != id.Trim())
        {
            throw StoreException.Invalid("An id may not start or end with white space.");
        }
    }

    /// <summary>
    /// A conditional write is made to a version the store gave out. A wildcard ("*") or a blank version, which a
    /// caller's If-Match header may carry and Cosmos DB reads as any version (the SDK leaves an empty one out), would
    /// turn a checked write into a blind one: they match nothing.
    /// </summary>
    public static void EnsureVersion(string? ifMatchETag, int? batchIndex = null)
    {
        if (!string.IsNullOrWhiteSpace(ifMatchETag) && ifMatchETag.Trim() != "*")
        {
            return;
        }

        const string message = "A write is made to the version read, not to any version.";
        throw batchIndex is { } index
            ? new StoreException(StoreErrorKind.BatchFailed, message) { FailedOperationIndex = index, FailedOperationKind = StoreErrorKind.PreconditionFailed }
            : new StoreException(StoreErrorKind.PreconditionFailed, message);
    }

    /// <summary>A delete is unconditional with no version at all (null), and otherwise made to a version as a replace is.</summary>
    public static void EnsureVersionOrNone(string? ifMatchETag, int? batchIndex = null)
    {
        if (ifMatchETag is not null)
        {
            EnsureVersion(ifMatchETag, batchIndex);
        }
    }

    /// <summary>Each replace of a batch names a version, and each delete none or one.</summary>
    public static void EnsureVersions(IReadOnlyList<BatchOperation> operations)
    {
        for (var i = 0; i < operations.Count; i++)
        {
            switch (operations[i])
            {
                case BatchOperation.Replace replace:
                    EnsureVersion(replace.IfMatchETag, i);
                    break;
                case BatchOperation.Delete delete:
                    EnsureVersionOrNone(delete.IfMatchETag, i);
                    break;
            }
        }
    }

    /// <summary>A document's address, as a read or a delete names it: an id and a partition key every store can take.</summary>
    public static void ValidateAddress(string? id, string? partitionKey)
    {
        ValidateId(id);
        ValidatePartitionKey(partitionKey);
    }

    public static void ValidatePartitionKey(string? partitionKey)
    {
        if (string.IsNullOrEmpty(partitionKey))
        {
            throw StoreException.Invalid("A document needs a partition key.");
        }

        if (partitionKey.Length > MaxPartitionKeyLength)
        {
            throw StoreException.Invalid($"A partition key may have at most {MaxPartitionKeyLength} characters.");
        }
    }

    /// <summary>Checks the document and returns its stored JSON (without the ETag, which the store owns).</summary>
    public static byte[] Serialize(Document document, ContainerSpec container)
    {
        ArgumentNullException.ThrowIfNull(document);
        ValidateAddress(document.Id, document.PartitionKey);
        if (string.IsNullOrEmpty(document.AgencyId))
        {
            throw StoreException.Invalid("A document must belong to an agency.");
        }

        if (document.TimeToLive is { } ttl && (ttl <= 0 || !container.AllowsTimeToLive))
        {
            throw StoreException.Invalid(container.AllowsTimeToLive
                ? "A time-to-live must be a positive number of seconds."
                : $"Documents in '{container.Name}' cannot expire.");
        }

        // The ETag is the store's, not the body's; null properties are left out of the JSON.
        var bytes = JsonSerializer.SerializeToUtf8Bytes(document.ETag is null ? document : document with { ETag = null }, document.GetType(), StorageJson.Options);
        if (bytes.Length > MaxDocumentBytes)
        {
            throw StoreException.Invalid($"A document may be at most {MaxDocumentBytes} bytes; this one is {bytes.Length}.");
        }

        return bytes;
    }

    /// <summary>
    /// Whether a stored document is of <typeparamref name="T"/> (its top-level <c>type</c>): a point read of an id that
    /// holds another kind of document reads as absent, never as a failure to read it.
    /// </summary>
    public static bool IsOfType<T>(ReadOnlySpan<byte> json)
        where T : Document
    {
        var reader = new Utf8JsonReader(json);
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            return false;
        }

        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var isType = reader.ValueTextEquals("type"u8);
            reader.Read();
            if (isType)
            {
                return reader.TokenType == JsonTokenType.String && reader.ValueTextEquals(DocumentTypes.Of<T>());
            }

            reader.Skip();
        }

        return false;
    }

    public static T Deserialize<T>(ReadOnlySpan<byte> json)
        where T : Document =>
        WithoutStoreProperties(JsonSerializer.Deserialize<T>(json, StorageJson.Options) ?? throw new InvalidOperationException("A stored document was null."));

    public static T Deserialize<T>(JsonElement json)
        where T : Document =>
        WithoutStoreProperties(json.Deserialize<T>(StorageJson.Options) ?? throw new InvalidOperationException("A stored document was null."));

    public static async Task<T> DeserializeAsync<T>(Stream json, CancellationToken ct)
        where T : Document =>
        WithoutStoreProperties(await JsonSerializer.DeserializeAsync<T>(json, StorageJson.Options, ct) ?? throw new InvalidOperationException("A stored document was null."));

    /// <summary>A store's own properties (Cosmos DB's <c>_rid</c>, <c>_ts</c> and the like) are not kept as unknown ones: they are the store's to write.</summary>
    private static T WithoutStoreProperties<T>(T document)
        where T : Document =>
        document.Unknown is { } unknown && unknown.Keys.Any(k => k.StartsWith('_'))
            ? document with { Unknown = unknown.Any(p => !p.Key.StartsWith('_')) ? unknown.Where(p => !p.Key.StartsWith('_')).ToDictionary() : null }
            : document;

    /// <summary>Adds the ETag a store keeps beside the body (SQLite) to the JSON the document is read from.</summary>
    public static T Deserialize<T>(string body, string etag)
        where T : Document
    {
        // The body is always a JSON object we wrote, so the ETag can be spliced in as its first property.
        var json = string.Concat("{\"_etag\":", JsonSerializer.Serialize(etag), body.Length > 2 ? "," : "", body.AsSpan(1));
        return Deserialize<T>(System.Text.Encoding.UTF8.GetBytes(json));
    }

    /// <summary>Checks a batch against Cosmos DB's limits and returns each operation's JSON (empty for deletes).</summary>
    public static IReadOnlyList<byte[]> SerializeBatch(IReadOnlyList<BatchOperation> operations, string partitionKey, ContainerSpec container)
    {
        ArgumentNullException.ThrowIfNull(operations);
        var bodies = operations.Select(op => op switch
        {
            BatchOperation.Create c => Serialize(c.Document, container),
            BatchOperation.Replace r => Serialize(r.Document, container),
            BatchOperation.Upsert u => Serialize(u.Document, container),
            _ => [],
        }).ToList();
        ValidateBatch(operations, partitionKey, bodies.Sum(b => b.Length));
        return bodies;
    }

    private static void ValidateBatch(IReadOnlyList<BatchOperation> operations, string partitionKey, int totalBytes)
    {
        ValidatePartitionKey(partitionKey);
        if (operations.Count == 0)
        {
            throw StoreException.Invalid("A batch needs at least one operation.");
        }

        if (operations.Count > MaxBatchOperations)
        {
            throw StoreException.Invalid($"A batch may have at most {MaxBatchOperations} operations; this one has {operations.Count}.");
        }

        if (totalBytes > MaxBatchBytes)
        {
            throw StoreException.Invalid($"A batch may carry at most {MaxBatchBytes} bytes; this one carries {totalBytes}.");
        }

        foreach (var operation in operations)
        {
            var (id, pk) = operation.Target;
            ValidateId(id);
            if (pk is not null && pk != partitionKey)
            {
                throw StoreException.Invalid("Every document in a batch must be in the batch's partition.");
            }
        }
    }
}
