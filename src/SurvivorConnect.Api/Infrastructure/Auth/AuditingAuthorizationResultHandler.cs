using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Policy;
using SurvivorConnect.Api.Features.Audit;

namespace SurvivorConnect.Api.Infrastructure.Auth;

/// <summary>Writes a "denied" audit entry whenever a signed-in person of an agency is refused an endpoint.</summary>
internal sealed class AuditingAuthorizationResultHandler : IAuthorizationMiddlewareResultHandler
{
    private readonly AuthorizationMiddlewareResultHandler _default = new();

    public async Task HandleAsync(RequestDelegate next, HttpContext context, AuthorizationPolicy policy, PolicyAuthorizationResult authorizeResult)
    {
        if (authorizeResult.Forbidden)
        {
            var user = context.RequestServices.GetRequiredService<ICurrentUser>();
            if (context.User.HasClaim(c => c.Type == ScClaims.Agency))
            {
                var audit = context.RequestServices.GetRequiredService<IAuditLog>();
                var endpoint = context.GetEndpoint() as RouteEndpoint;
                await audit.AppendAsync(new AuditEvent(
                    Action: $"{context.Request.Method} {endpoint?.RoutePattern.RawText ?? "unknown"}",
                    RecordType: "endpoint",
                    RecordId: null,
                    Outcome: AuditOutcome.Denied), user, context.RequestAborted);
            }
        }

        await _default.HandleAsync(next, context, policy, authorizeResult);
    }
}
