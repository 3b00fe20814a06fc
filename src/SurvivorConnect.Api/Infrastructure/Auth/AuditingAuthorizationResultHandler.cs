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
            // Named from a short fixed set, never from what the request says: a made-up method would otherwise be a new
            // entry each time, carrying the sender's own text into the log.
            var action = $"{MethodName(context.Request.Method)} {(context.GetEndpoint() as RouteEndpoint)?.RoutePattern.RawText ?? "unknown"}";
            if (context.User.HasClaim(c => c.Type == ScClaims.Agency) && !recent.TryGetValue((user.AgencyId, user.UserId, action), out _))
            {
                recent.Set((user.AgencyId, user.UserId, action), true, Once);
                var audit = context.RequestServices.GetRequiredService<IAuditLog>();
                await audit.AppendAsync(new AuditEvent(action, RecordType: "endpoint", RecordId: null, Outcome: AuditOutcome.Denied), user, context.RequestAborted);
            }
        }

        await _default.HandleAsync(next, context, policy, authorizeResult);
    }

    private static string MethodName(string method) =>
        HttpMethods.IsGet(method) ? HttpMethods.Get
        : HttpMethods.IsPost(method) ? HttpMethods.Post
        : HttpMethods.IsPut(method) ? HttpMethods.Put
        : HttpMethods.IsDelete(method) ? HttpMethods.Delete
        : HttpMethods.IsPatch(method) ? HttpMethods.Patch
        : HttpMethods.IsHead(method) ? HttpMethods.Head
        : HttpMethods.IsOptions(method) ? HttpMethods.Options
        : "OTHER";
}
