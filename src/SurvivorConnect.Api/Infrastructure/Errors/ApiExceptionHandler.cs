using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;
using SurvivorConnect.Storage;
using SurvivorConnect.Api.Infrastructure.Hosting;

namespace SurvivorConnect.Api.Infrastructure.Errors;

/// <summary>
/// Turns every failure into RFC 9110 ProblemDetails with a trace id. Unexpected failures say only that
/// something went wrong: no message, type or stack trace leaves the server.
/// </summary>
internal sealed partial class ApiExceptionHandler(IProblemDetailsService problems, ILogger<ApiExceptionHandler> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        // Cancelled while the caller is still there is not the caller leaving: something waited on (Stripe, a timed wait)
        // gave up, which is a failure on our side, logged and answered as one.
        var problem = exception is OperationCanceledException && !httpContext.RequestAborted.IsCancellationRequested
            ? Problem(StatusCodes.Status504GatewayTimeout, "Timed out.", "Something this needed did not answer in time. Look at what you were changing, then try again shortly.")
            : Describe(exception);
        if (problem.Status >= 500)
        {
            LogFailure(logger, exception, httpContext.TraceIdentifier);
        }

        if (exception switch
            {
                StoreException { Kind: StoreErrorKind.Unavailable, RetryAfter: var retry } => retry ?? TimeSpan.FromSeconds(5),
                BusyException => BusyException.RetryAfter,
                TooOftenException t => t.RetryAfter,
                _ => (TimeSpan?)null,
            } is { } wait)
        {
            RequestLimits.SetRetryAfter(httpContext.Response, wait);
        }

        httpContext.Response.StatusCode = problem.Status!.Value;
        if (BrowserPageRequests.WantsPage(httpContext))
        {
            // Left empty, the status-code page shows it; should that page fail too, a bare one still has the exit button.
            if (BrowserPageRequests.IsStatusPage(httpContext))
            {
                await BrowserPageRequests.WriteBarePageAsync(httpContext);
            }

            return true;
        }

        if (BrowserPageRequests.IsPortalFormPost(httpContext))
        {
            // A form sent from a page fails before its page could say why (the page's own read failed): a bare page
            // still has the exit button. The status-code page is for GETs only, as it runs the request again.
            await BrowserPageRequests.WriteBarePageAsync(httpContext);
            return true;
        }

        return await problems.TryWriteAsync(new ProblemDetailsContext { HttpContext = httpContext, ProblemDetails = problem });
    }

    internal static ProblemDetails Describe(Exception exception) => exception switch
    {
        RequestValidationException v => new HttpValidationProblemDetails(v.Errors.ToDictionary(e => e.Key, e => e.Value))
        {
            Status = StatusCodes.Status400BadRequest,
            Title = "The request has invalid fields.",
        },
        NotFoundException n => Problem(StatusCodes.Status404NotFound, "Not found.", $"No {n.RecordType} with that id."),
        ConflictException c => Problem(StatusCodes.Status409Conflict, "Conflict.", c.Message),
        ForbiddenException f => Problem(StatusCodes.Status403Forbidden, "Forbidden.", f.Message),
        UnrecordedChangeException => Problem(StatusCodes.Status503ServiceUnavailable, "Saved, not yet recorded.",
            "Your change was saved, but the audit log could not record it just now. Read the record again to see it; do not make the change again."),
        BusyException b => Problem(StatusCodes.Status503ServiceUnavailable, "Busy.", b.Message),
        TooOftenException t => Problem(StatusCodes.Status429TooManyRequests, "Too many requests.", t.Message),
        FollowUpsPendingException f => Problem(StatusCodes.Status503ServiceUnavailable, "Saved, not yet finished.", f.Message),
        PreconditionRequiredException p => Problem(StatusCodes.Status428PreconditionRequired, "If-Match required.", p.Message),
        BadHttpRequestException { StatusCode: StatusCodes.Status413PayloadTooLarge } => Problem(StatusCodes.Status413PayloadTooLarge, "Request body too large.", null),
        BadHttpRequestException b => new HttpValidationProblemDetails(BindingErrors.Describe(b))
        {
            Status = b.StatusCode,
            Title = "The request has invalid fields.",
        },
        StoreException s => s.Kind switch
        {
            StoreErrorKind.NotFound => Problem(StatusCodes.Status404NotFound, "Not found.", "The record does not exist."),
            StoreErrorKind.Conflict => Problem(StatusCodes.Status409Conflict, "Conflict.", "A record with this id already exists."),
            StoreErrorKind.PreconditionFailed => Problem(StatusCodes.Status412PreconditionFailed, "The record has changed.",
                "Someone changed this record after you read it. Read it again and reapply your change."),
            // The store's own words name containers, fields and the database behind them: the caller is told plainly.
            StoreErrorKind.InvalidQuery => Problem(StatusCodes.Status400BadRequest, "Bad request.",
                "The list could not be read as asked: a page link may be old or altered. Ask for the list again from the start."),
            StoreErrorKind.InvalidDocument => Problem(StatusCodes.Status400BadRequest, "Bad request.", "The record could not be stored as sent."),
            StoreErrorKind.BatchFailed => Problem(StatusCodes.Status409Conflict, "Conflict.", "The change could not be applied; nothing was written."),
            StoreErrorKind.Refused => Problem(StatusCodes.Status500InternalServerError, "Something went wrong.", "The error has been logged with this trace id."),
            // Not "nothing was changed": a write the store timed out on may have been made (Cosmos DB), and a request
            // of several writes may have made some.
            _ => Problem(StatusCodes.Status503ServiceUnavailable, "Storage unavailable.",
                "The data store is not answering, so this may not have been done. Look again shortly, and try again if it was not."),
        },
        OperationCanceledException => Problem(499, "Request cancelled.", null),
        _ => Problem(StatusCodes.Status500InternalServerError, "Something went wrong.", "The error has been logged with this trace id."),
    };

    private static ProblemDetails Problem(int status, string title, string? detail) => new() { Status = status, Title = title, Detail = detail };

    [LoggerMessage(Level = LogLevel.Error, Message = "Request failed (trace {TraceId})")]
    private static partial void LogFailure(ILogger logger, Exception exception, string traceId);
}
