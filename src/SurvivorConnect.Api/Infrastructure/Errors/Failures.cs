using SurvivorConnect.Storage;

namespace SurvivorConnect.Api.Infrastructure.Errors;

/// <summary>The record does not exist, or belongs to another agency: callers cannot tell which.</summary>
public sealed class NotFoundException(string recordType) : Exception($"The {recordType} was not found.")
{
    public string RecordType { get; } = recordType;
}

/// <summary>The request is understood but conflicts with the record's state (e.g. an illegal transition).</summary>
public sealed class ConflictException(string detail) : Exception(detail);

/// <summary>The caller may not do this to this record.</summary>
public sealed class ForbiddenException(string detail) : Exception(detail);

/// <summary>
/// The change was made but its audit entry could not be written: the caller is told it was saved, and shown nothing of the
/// record, as an unaudited answer could carry what only an audited read may show.
/// </summary>
public sealed class UnrecordedChangeException() : Exception("The change was saved, but the audit log could not record it.");

/// <summary>
/// The change was made, but what follows from it (open connections told, others notified) could not all be done just
/// now: the caller is told it was saved and to send it again, which finishes what was left.
/// </summary>
public sealed class FollowUpsPendingException(Exception cause)
    : Exception("The change is saved, but not everything that follows from it could be done just now. Send it again in a moment to finish.", cause);

/// <summary>The request must say which version it changes (If-Match), so no update is lost.</summary>
public sealed class PreconditionRequiredException() : Exception("Send the record's ETag in If-Match to change it.")
{
    /// <summary>
    /// A change to a record that many may change names the version it was made from (428 without, 412 if changed since):
    /// saved from a page read before another's save, it would switch that one back unseen. Only the first save, of a
    /// record not yet made, may leave it out.
    /// </summary>
    public static void ThrowIfChangedSince(string? ifMatch, string? current) =>
        StoreException.ThrowIfChangedSince(current is null ? ifMatch : ifMatch ?? throw new PreconditionRequiredException(), current);
}

/// <summary>Too much of this work is under way on this instance now: 503, with a time to try again after.</summary>
public sealed class BusyException(string detail) : Exception(detail)
{
    public static readonly TimeSpan RetryAfter = TimeSpan.FromSeconds(30);
}

/// <summary>This person asked for this too often just now: 429, with a time to try again after.</summary>
public sealed class TooOftenException(string detail, TimeSpan retryAfter) : Exception(detail)
{
    public TimeSpan RetryAfter { get; } = retryAfter;
}

/// <summary>Field errors, reported as a 400 validation problem.</summary>
public sealed class RequestValidationException(IReadOnlyDictionary<string, string[]> errors)
    : Exception("The request has invalid fields.")
{
    /// <summary>One field's error, found by a handler after the request's own checks passed.</summary>
    public RequestValidationException(string field, string message)
        : this(new Dictionary<string, string[]> { [field] = [message] })
    {
    }

    public IReadOnlyDictionary<string, string[]> Errors { get; } = errors;
}

/// <summary>What follows a change already saved.</summary>
public static class FollowUps
{
    /// <summary>
    /// Publishes what follows a saved change, even if the caller's page is closed meanwhile. When some of it cannot be
    /// done now, the caller is told the change is saved and to send it again, never that nothing changed.
    /// </summary>
    public static async Task FinishAsync(this Mediator.IPublisher publisher, Mediator.INotification followUp)
    {
        ArgumentNullException.ThrowIfNull(publisher);
        try
        {
            await publisher.Publish(followUp, CancellationToken.None);
        }
        catch (Exception ex) when (ex is not FollowUpsPendingException)
        {
            throw new FollowUpsPendingException(ex);
        }
    }
}
