using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;

namespace SurvivorConnect.Api.Infrastructure.Errors;

/// <summary>
/// Endpoint metadata: something a person may need even when their request failed on our side (a 5xx), added to that
/// failure's ProblemDetails. A refusal of the request itself (a 4xx) carries none of it.
/// </summary>
public abstract class ServerFailureAddition
{
    public abstract void AddTo(ProblemDetails problem, IServiceProvider services);

    /// <summary>Adds what the failed request's endpoint asks for; the exception handler has cleared the endpoint by then, so it is found on its feature.</summary>
    internal static void Apply(ProblemDetailsContext context)
    {
        if (context.ProblemDetails.Status is not >= 500)
        {
            return;
        }

        var endpoint = context.HttpContext.Features.Get<IExceptionHandlerFeature>()?.Endpoint ?? context.HttpContext.GetEndpoint();
        foreach (var addition in endpoint?.Metadata.GetOrderedMetadata<ServerFailureAddition>() ?? [])
        {
            addition.AddTo(context.ProblemDetails, context.HttpContext.RequestServices);
        }
    }
}
