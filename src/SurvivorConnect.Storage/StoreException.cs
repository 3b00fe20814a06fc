namespace SurvivorConnect.Storage;

public enum StoreErrorKind
{
    NotFound,
    Conflict,
    PreconditionFailed,
    InvalidDocument,
    InvalidQuery,
    BatchFailed,
    Unavailable,

    /// <summary>
    /// The store refused what our own checks let through (Cosmos DB's 400 or 413: a limit or a query shape our rules do not
    /// know of): a fault of ours, logged and answered 500, never blamed on the caller's input.
    /// </summary>
    Refused,
}

/// <summary>A storage failure the API can explain: each kind maps to one HTTP status.</summary>
public sealed class StoreException : Exception
{
    public StoreException(StoreErrorKind kind, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        Kind = kind;
    }

    public StoreErrorKind Kind { get; }

    /// <summary>For <see cref="StoreErrorKind.Unavailable"/>: how long the store asked us to wait, when it said.</summary>
    public TimeSpan? RetryAfter { get; init; }

    /// <summary>For <see cref="StoreErrorKind.BatchFailed"/>: the index of the operation that failed, and why.</summary>
    public int? FailedOperationIndex { get; init; }

    public StoreErrorKind? FailedOperationKind { get; init; }

    /// <summary>A create that found its id already taken, on its own or as the operation that failed its batch.</summary>
    public bool IsAlreadyThere => Kind == StoreErrorKind.Conflict || (Kind == StoreErrorKind.BatchFailed && FailedOperationKind == StoreErrorKind.Conflict);

    /// <summary>
    /// Refuses a write made from a read at version <paramref name="seen"/> (empty: read before there was any) when the
    /// document is at <paramref name="current"/> now; nothing to check when no version was named.
    /// </summary>
    public static void ThrowIfChangedSince(string? seen, string? current)
    {
        if (seen is not null && seen != (current ?? ""))
        {
            throw new StoreException(StoreErrorKind.PreconditionFailed, "The document has changed since it was read.");
        }
    }

    public static StoreException Invalid(string message) => new(StoreErrorKind.InvalidDocument, message);

    public static StoreException Unavailable(string message, Exception? inner = null, TimeSpan? retryAfter = null) =>
        new(StoreErrorKind.Unavailable, message, inner) { RetryAfter = retryAfter };
}
