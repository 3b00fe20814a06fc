using System.Net;

namespace SurvivorConnect.Storage.Cosmos;

/// <summary>What a Cosmos DB status code means to us. Pure, so every mapping is unit-tested.</summary>
internal static class CosmosStatus
{
    public static bool IsTransient(HttpStatusCode status) =>
        status is HttpStatusCode.TooManyRequests or HttpStatusCode.ServiceUnavailable or HttpStatusCode.RequestTimeout
            or HttpStatusCode.GatewayTimeout or HttpStatusCode.InternalServerError or HttpStatusCode.BadGateway
            or HttpStatusCode.Gone;

    /// <summary>
    /// Cosmos DB's sub-status of a 404 for a container or database that does not exist. That is the store
    /// being unusable, never an empty one: a session or refusal that cannot be read must not read as none.
    /// </summary>
    public const int OwnerResourceNotFound = 1003;

    /// <summary>
    /// A 404 that says the item is not there: only without a sub-status. Any other (the container gone, a session not yet
    /// readable on this replica) says nothing of the item, and reading it as absent would fail open.
    /// </summary>
    public static bool IsMissingItem(HttpStatusCode status, int subStatus) =>
        status == HttpStatusCode.NotFound && subStatus == 0;

    /// <summary>Cosmos DB's sub-status of a 403 for a write refused while a region fails over: the SDK moves on, and so may we.</summary>
    public const int WriteForbidden = 3;

    public static StoreErrorKind ToKind(HttpStatusCode status, int subStatus = 0) => status switch
    {
        HttpStatusCode.NotFound when subStatus != 0 => StoreErrorKind.Unavailable,
        // Not a blip to try again in a few seconds (a missing role assignment, a partition full, an account gone): a fault
        // for us to see and put right, logged as one, not answered "try again" for ever.
        HttpStatusCode.Unauthorized => StoreErrorKind.Refused,
        HttpStatusCode.Forbidden when subStatus != WriteForbidden => StoreErrorKind.Refused,
        HttpStatusCode.NotFound => StoreErrorKind.NotFound,
        HttpStatusCode.Conflict => StoreErrorKind.Conflict,
        HttpStatusCode.PreconditionFailed => StoreErrorKind.PreconditionFailed,
        // Every document, id, batch and query is checked before it is sent (DocumentRules, QueryRules): one the server
        // still refuses is a fault of ours.
        HttpStatusCode.RequestEntityTooLarge or HttpStatusCode.BadRequest => StoreErrorKind.Refused,
        _ when IsTransient(status) => StoreErrorKind.Unavailable,
        _ => StoreErrorKind.Unavailable,
    };

    public static StoreException ToException(HttpStatusCode status, TimeSpan? retryAfter, string? detail = null, int subStatus = 0)
    {
        var kind = ToKind(status, subStatus);
        var message = kind switch
        {
            StoreErrorKind.Unavailable when subStatus == OwnerResourceNotFound => "The Cosmos DB container or database does not exist.",
            StoreErrorKind.NotFound => "The document does not exist.",
            StoreErrorKind.Conflict => "A document with this id already exists in its partition.",
            StoreErrorKind.PreconditionFailed => "The document has changed since it was read.",
            StoreErrorKind.Refused => $"Cosmos DB refused the request ({(int)status}{(subStatus == 0 ? "" : $", sub-status {subStatus}")}).",
            _ => $"Cosmos DB did not complete the request ({(int)status}).",
        };
        return new StoreException(kind, detail is null ? message : $"{message} {detail}")
        {
            RetryAfter = kind == StoreErrorKind.Unavailable ? retryAfter : null,
        };
    }

    /// <summary>
    /// Reads a transactional batch outcome: on failure Cosmos marks the operation that failed with its own
    /// status and every other one 424 (failed dependency).
    /// </summary>
    public static BatchResult MapBatch(bool succeeded, HttpStatusCode overall, IReadOnlyList<(HttpStatusCode Status, string? ETag)> results, TimeSpan? retryAfter, int overallSubStatus = 0)
    {
        if (succeeded)
        {
            return new BatchResult(results.Select(r => r.Status == HttpStatusCode.NoContent ? null : r.ETag).ToList());
        }

        // The SDK gives every operation the batch's own status when the container is gone.
        if (overall == HttpStatusCode.NotFound && overallSubStatus != 0)
        {
            throw ToException(overall, retryAfter, "The batch was not applied.", overallSubStatus);
        }

        for (var i = 0; i < results.Count; i++)
        {
            if (results[i].Status != HttpStatusCode.FailedDependency && (int)results[i].Status >= 400)
            {
                var inner = ToException(results[i].Status, retryAfter);
                if (inner.Kind is StoreErrorKind.Unavailable or StoreErrorKind.Refused)
                {
                    throw inner;
                }

                throw new StoreException(StoreErrorKind.BatchFailed, $"Batch operation {i} failed ({inner.Kind}); nothing was written.", inner)
                {
                    FailedOperationIndex = i,
                    FailedOperationKind = inner.Kind,
                };
            }
        }

        throw ToException(overall, retryAfter, "The batch was not applied.", overallSubStatus);
    }
}
