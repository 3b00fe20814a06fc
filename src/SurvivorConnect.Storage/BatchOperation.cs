namespace SurvivorConnect.Storage;

/// <summary>One write in a same-partition transactional batch.</summary>
public abstract record BatchOperation
{
    private BatchOperation()
    {
    }

    public sealed record Create(Document Document) : BatchOperation;

    public sealed record Replace(Document Document, string IfMatchETag) : BatchOperation;

    public sealed record Upsert(Document Document) : BatchOperation;

    public sealed record Delete(string Id, string? IfMatchETag = null) : BatchOperation;

    /// <summary>The id and partition of the document the operation touches.</summary>
    public (string Id, string? PartitionKey) Target => this switch
    {
        Create c => (c.Document.Id, c.Document.PartitionKey),
        Replace r => (r.Document.Id, r.Document.PartitionKey),
        Upsert u => (u.Document.Id, u.Document.PartitionKey),
        Delete d => (d.Id, null),
        _ => throw new InvalidOperationException("Unknown batch operation."),
    };
}

/// <summary>What a successful batch wrote: the new ETag of each operation in order (null for deletes).</summary>
public sealed record BatchResult(IReadOnlyList<string?> ETags);
