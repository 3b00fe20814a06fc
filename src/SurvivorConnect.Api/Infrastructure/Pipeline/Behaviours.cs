using System.Diagnostics;
using Mediator;
using SurvivorConnect.Api.Features.Audit;
using SurvivorConnect.Api.Infrastructure.Auth;
using SurvivorConnect.Api.Infrastructure.Errors;
using SurvivorConnect.Storage;

namespace SurvivorConnect.Api.Infrastructure.Pipeline;

/// <summary>Logs which request ran, for how long and how it ended: the type name only, never its content.</summary>
public sealed partial class LoggingBehaviour<TMessage, TResponse>(ILogger<LoggingBehaviour<TMessage, TResponse>> logger)
    : IPipelineBehavior<TMessage, TResponse>
    where TMessage : IMessage
{
    public async ValueTask<TResponse> Handle(TMessage message, MessageHandlerDelegate<TMessage, TResponse> next, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        try
        {
            var response = await next(message, cancellationToken);
            LogHandled(logger, typeof(TMessage).Name, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            return response;
        }
        catch (Exception ex)
        {
            LogFailed(logger, typeof(TMessage).Name, ex.GetType().Name, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            throw;
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "{Request} handled in {ElapsedMs:0.0} ms")]
    private static partial void LogHandled(ILogger logger, string request, double elapsedMs);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Request} ended with {Failure} after {ElapsedMs:0.0} ms")]
    private static partial void LogFailed(ILogger logger, string request, string failure, double elapsedMs);
}

/// <summary>
/// A change, once asked for, is carried through with everything that follows it (a chat stopped, a case manager
/// told, its audit entry), even if the asker's connection drops meanwhile: a youth withdrawing consent on a flaky
/// phone must not leave it withdrawn but the chat still open. Queries still stop when nobody is waiting for them.
/// </summary>
public sealed class ChangesFinishBehaviour<TMessage, TResponse> : IPipelineBehavior<TMessage, TResponse>
    where TMessage : IMessage
{
    public ValueTask<TResponse> Handle(TMessage message, MessageHandlerDelegate<TMessage, TResponse> next, CancellationToken cancellationToken) =>
        next(message, message is IBaseCommand ? CancellationToken.None : cancellationToken);
}

/// <summary>
/// Every request runs for one active person of one agency. Handlers take the agency from
/// <see cref="ICurrentUser"/>, never from the request, so no request can reach another agency's data.
/// </summary>
public sealed class TenantScopeBehaviour<TMessage, TResponse>(ICurrentUser user) : IPipelineBehavior<TMessage, TResponse>
    where TMessage : IMessage
{
    public ValueTask<TResponse> Handle(TMessage message, MessageHandlerDelegate<TMessage, TResponse> next, CancellationToken cancellationToken)
    {
        if (!user.IsActive)
        {
            throw new ForbiddenException("Only an active member of an agency can do this.");
        }

        return next(message, cancellationToken);
    }
}

/// <summary>Refuses an <see cref="IAgencyAdminOnly"/> request to anyone but an agency admin; after the audit, so the refusal is recorded.</summary>
public sealed class AgencyAdminBehaviour<TMessage, TResponse>(ICurrentUser user, AccessBasis basis) : IPipelineBehavior<TMessage, TResponse>
    where TMessage : IMessage
{
    public ValueTask<TResponse> Handle(TMessage message, MessageHandlerDelegate<TMessage, TResponse> next, CancellationToken cancellationToken)
    {
        if (message is not IAgencyAdminOnly)
        {
            return next(message, cancellationToken);
        }

        if (!user.IsInRole(Roles.AgencyAdmin))
        {
            throw new ForbiddenException("Only an agency admin can do this.");
        }

        basis.Record(AccessBasis.AgencyAdministration);
        return next(message, cancellationToken);
    }
}

public sealed class ValidationBehaviour<TMessage, TResponse>(IEnumerable<IValidator<TMessage>> validators) : IPipelineBehavior<TMessage, TResponse>
    where TMessage : IMessage
{
    public ValueTask<TResponse> Handle(TMessage message, MessageHandlerDelegate<TMessage, TResponse> next, CancellationToken cancellationToken)
    {
        var errors = new ValidationErrors();
        (message as IValidate)?.Validate(errors);
        foreach (var validator in validators)
        {
            validator.Validate(message, errors);
        }

        return errors.Any ? throw new RequestValidationException(errors.ToDictionary()) : next(message, cancellationToken);
    }
}

/// <summary>Writes one audit entry per audited request, whatever its outcome, and one per person a list it answered showed.</summary>
public sealed partial class AuditBehaviour<TMessage, TResponse>(
    IAuditLog audit, ICurrentUser user, AccessBasis basis, ListedRecords listed, ILogger<AuditBehaviour<TMessage, TResponse>> logger)
    : IPipelineBehavior<TMessage, TResponse>
    where TMessage : IMessage
{
    public async ValueTask<TResponse> Handle(TMessage message, MessageHandlerDelegate<TMessage, TResponse> next, CancellationToken cancellationToken)
    {
        if (message is not IAudited audited)
        {
            return await next(message, cancellationToken);
        }

        // Each audited request says its own why: a page may send several, and a handler another.
        using var own = basis.Begin();
        using var ownList = listed.Begin();
        TResponse response;
        try
        {
            response = await next(message, cancellationToken);
        }
        catch (Exception ex)
        {
            try
            {
                // A change made whose follow-ups are left to a second send was made: it is recorded as such.
                await audit.AppendAsync(Event(audited, ex is FollowUpsPendingException ? AuditOutcome.Succeeded : Outcome(ex)), user, CancellationToken.None);
            }
            catch (StoreException auditFailure) when (ex is FollowUpsPendingException)
            {
                // Made, but not recorded: as loud as a change made and unrecorded on the way out below.
                LogChangeUnaudited(logger, audited.Audit.Action, audited.Audit.RecordType, AuditLog.AsRecordId(audited.Audit.RecordId), auditFailure.Kind);
            }
            catch (StoreException auditFailure)
            {
                // The request has already failed and says so; the caller must see that failure, not this one.
                LogAuditLost(logger, audited.Audit.Action, auditFailure.Kind);
            }

            throw;
        }

        try
        {
            var succeeded = Event(audited, AuditOutcome.Succeeded);
            if (listed.Records.Count == 0)
            {
                await audit.AppendAsync(succeeded, user, CancellationToken.None);
            }
            else
            {
                // With the request's own entry, in one write for up to a page of them; a record it names already is not repeated.
                await audit.AppendAllAsync(
                    [succeeded, .. listed.Records.Where(r => !(succeeded.RecordType == r.Type && succeeded.RecordId == r.Id))
                        .Select(r => succeeded with { RecordType = r.Type, RecordId = r.Id })],
                    user, CancellationToken.None);
            }
        }
        catch (StoreException auditFailure) when (message is IBaseCommand)
        {
            // The change is made and cannot be taken back here: saying it failed would be false (and a second try would
            // meet a changed record). Its answer is withheld all the same, as it may carry the record (a whole plan).
            LogChangeUnaudited(logger, audited.Audit.Action, audited.Audit.RecordType, AuditLog.AsRecordId(audited.Audit.RecordId), auditFailure.Kind);
            throw new UnrecordedChangeException();
        }

        return response;
    }

    /// <summary>
    /// Why, as the guards that let the person in said it; the log adds any purpose they stated themselves. A refusal
    /// names no ground: one a guard gave before something else refused is not what the person was let in on.
    /// </summary>
    private AuditEvent Event(IAudited audited, AuditOutcome outcome) => audited.Audit.With(outcome) with { Basis = outcome == AuditOutcome.Denied ? null : basis.Why };

    [LoggerMessage(Level = LogLevel.Critical, Message = "Audit entry for {Action} on {RecordType} {RecordId}, which was made, could not be written ({Kind})")]
    private static partial void LogChangeUnaudited(ILogger logger, string action, string recordType, string? recordId, StoreErrorKind kind);

    [LoggerMessage(Level = LogLevel.Error, Message = "Audit entry for failed {Action} could not be written ({Kind})")]
    private static partial void LogAuditLost(ILogger logger, string action, StoreErrorKind kind);

    private static AuditOutcome Outcome(Exception ex) => ex switch
    {
        NotFoundException or StoreException { Kind: StoreErrorKind.NotFound } => AuditOutcome.NotFound,
        ForbiddenException => AuditOutcome.Denied,
        ConflictException or PreconditionRequiredException or RequestValidationException
            or StoreException { Kind: StoreErrorKind.Conflict or StoreErrorKind.PreconditionFailed or StoreErrorKind.BatchFailed } => AuditOutcome.Conflict,
        _ => AuditOutcome.Failed,
    };
}
