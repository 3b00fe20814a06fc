using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Policy;
using Microsoft.Extensions.Caching.Memory;
using SurvivorConnect.Api.Features.Audit;

namespace SurvivorConnect.Api.Infrastructure.Auth;

/// <summary>
/// Writes a "denied" audit entry when a signed-in person of an agency is refused an endpoint: once a minute for the same
/// person and endpoint, so someone refused over and over (a deactivated account's script, say) cannot bury the log.
/// </summary>
internal sealed class AuditingAuthorizationResultHandler(IMemoryCache recent) : IAuthorizationMiddlewareResultHandler
{
    private static readonly TimeSpan Once = TimeSpan.FromMinutes(1);

    private readonly AuthorizationMiddlewareResultHandler _default = new();

    public async Task HandleAsync(RequestDelegate next, HttpContext context, AuthorizationPolicy policy, PolicyAuthorizationResult authorizeResult)
    {
        if (authorizeResult.Forbidden)
        {
            var user = context.RequestServices.GetRequiredService<ICurrentUser>();
            var action = $"{context.Request.Method} {(context.GetEndpoint() as RouteEndpoint)?.RoutePattern.RawText ?? "unknown"}";
            if (context.User.HasClaim(c => c.Type == ScClaims.Agency) && !recent.TryGetValue((user.AgencyId, user.UserId, action), out _))
            {
                recent.Set((user.AgencyId, user.UserId, action), true, Once);
                var audit = context.RequestServices.GetRequiredService<IAuditLog>();
                await audit.AppendAsync(new AuditEvent(action, RecordType: "endpoint", RecordId: null, Outcome: AuditOutcome.Denied), user, context.RequestAborted);
            }
        }

        await _default.HandleAsync(next, context, policy, authorizeResult);
    }
}
