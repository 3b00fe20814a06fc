using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Policy;
using SurvivorConnect.Api.Features.Audit;

namespace SurvivorConnect.Api.Infrastructure.Auth;

/// <summary>
/// Writes a "denied" audit entry when a signed-in person of an agency is refused an endpoint, naming the record the
/// request was after (the route's first value, when it is an id), as often as <see cref="RefusalAudit"/> allows.
/// </summary>
internal sealed class AuditingAuthorizationResultHandler(RefusalAudit refusals) : IAuthorizationMiddlewareResultHandler
{
    private readonly AuthorizationMiddlewareResultHandler _default = new();

    public async Task HandleAsync(RequestDelegate next, HttpContext context, AuthorizationPolicy policy, PolicyAuthorizationResult authorizeResult)
    {
        if (authorizeResult.Forbidden && context.User.HasClaim(c => c.Type == ScClaims.Agency))
        {
            var user = context.RequestServices.GetRequiredService<ICurrentUser>();
            var route = (context.GetEndpoint() as RouteEndpoint)?.RoutePattern;
            // Named from a short fixed set, never from what the request says: a made-up method would otherwise be a new
            // entry each time, carrying the sender's own text into the log. The record id is kept only if it is one.
            var action = $"{MethodName(context.Request.Method)} {route?.RawText ?? "unknown"}";
            var recordId = route is { Parameters.Count: > 0 } ? AuditLog.AsRecordId(context.Request.RouteValues[route.Parameters[0].Name] as string) : null;
            if (refusals.ShouldRecord(user.AgencyId, user.UserId, action, recordId))
            {
                var audit = context.RequestServices.GetRequiredService<IAuditLog>();
                await audit.AppendAsync(new AuditEvent(action, RecordType: "endpoint", RecordId: recordId, Outcome: AuditOutcome.Denied), user, context.RequestAborted);
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
