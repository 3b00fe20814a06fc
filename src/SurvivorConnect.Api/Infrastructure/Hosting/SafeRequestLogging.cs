using System.Diagnostics;

namespace SurvivorConnect.Api.Infrastructure.Hosting;

/// <summary>
/// The only request log: method, route template, status and time. Never the query string (SignalR sends
/// the access token there), never headers or bodies. The framework's own request logs are turned down in
/// <see cref="ApiSetup"/> because they print the full URL.
/// </summary>
internal sealed partial class SafeRequestLogging(RequestDelegate next, ILogger<SafeRequestLogging> logger)
{
    public async Task InvokeAsync(HttpContext context)
    {
        var started = Stopwatch.GetTimestamp();
        try
        {
            await next(context);
        }
        finally
        {
            var route = (context.GetEndpoint() as RouteEndpoint)?.RoutePattern.RawText ?? "(no route)";
            LogRequest(logger, context.Request.Method, route, context.Response.StatusCode, Stopwatch.GetElapsedTime(started).TotalMilliseconds, context.TraceIdentifier);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "{Method} {Route} answered {Status} in {ElapsedMs:0.0} ms (trace {TraceId})")]
    private static partial void LogRequest(ILogger logger, string method, string route, int status, double elapsedMs, string traceId);
}

/// <summary>
/// Refuses bodies over the configured size before anything reads them; an endpoint that takes larger ones from
/// elsewhere (Stripe's events) says its own limit in its metadata.
/// </summary>
internal sealed class RequestBodyLimit(RequestDelegate next, long configuredBytes)
{
    public Task InvokeAsync(HttpContext context)
    {
        var maxBytes = context.GetEndpoint()?.Metadata.GetMetadata<Microsoft.AspNetCore.Http.Metadata.IRequestSizeLimitMetadata>()?.MaxRequestBodySize ?? configuredBytes;
        if (context.Request.ContentLength > maxBytes)
        {
            throw new BadHttpRequestException($"The request body may be at most {maxBytes} bytes.", StatusCodes.Status413PayloadTooLarge);
        }

        if (context.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } feature)
        {
            feature.MaxRequestBodySize = maxBytes;
        }

        return next(context);
    }
}
