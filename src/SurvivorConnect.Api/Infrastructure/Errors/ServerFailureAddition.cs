using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;

namespace SurvivorConnect.Api.Infrastructure.Errors;

/// <summary>
/// Endpoint metadata: something a person may need even when their request failed on our side (a 5xx), added to that
/// failure's ProblemDetails. A refusal of the request itself (a 4xx) carries none of it, unless the addition says so.
/// </summary>
public abstract class ServerFailureAddition
{
    public abstract void AddTo(ProblemDetails problem, IServiceProvider services);

    /// <summary>Whether a failure answered with <paramref name="status"/> carries the addition: a failure on our side.</summary>
    public virtual bool AppliesTo(int status) => status >= 500;

    /// <summary>Adds what the failed request's endpoint asks for; the exception handler has cleared the endpoint by then, so it is found on its feature.</summary>
    internal static void Apply(ProblemDetailsContext context)
    {
        if (context.ProblemDetails.Status is not { } status)
        {
            return;
        }

        var endpoint = context.HttpContext.Features.Get<IExceptionHandlerFeature>()?.Endpoint ?? context.HttpContext.GetEndpoint();
        foreach (var addition in (endpoint?.Metadata.GetOrderedMetadata<ServerFailureAddition>() ?? []).Where(a => a.AppliesTo(status)))
        {
            addition.AddTo(context.ProblemDetails, context.HttpContext.RequestServices);
        }
    }
}
