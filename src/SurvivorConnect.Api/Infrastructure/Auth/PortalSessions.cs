using System.Security.Claims;
using System.Security.Cryptography;
using Mediator;
using Microsoft.Extensions.Options;
using SurvivorConnect.Storage;

namespace SurvivorConnect.Api.Infrastructure.Auth;

/// <summary>A portal session was ended (sign-out, quick exit): the live connections its pages opened close at once.</summary>
public sealed record PortalSessionEnded(string AgencyId, string PersonId, string SessionId) : INotification;

/// <summary>
/// Portal sessions ended before their cookie's own end. A cookie is otherwise good until it idles out, wherever a copy
/// of it is, and the live connections another tab opened with it go on until then, showing what arrives to whoever
/// holds the phone next. So an ended session is recorded and its cookie refused, and its connections are closed
/// (<see cref="PortalSessionEnded"/>). The record lasts as long as any copy of the cookie could: the idle time, as no
/// copy is renewed once the session is refused.
/// </summary>
public sealed class PortalSessions(IDocumentStore store, IPublisher publisher, IOptions<AuthOptions> options)
{
    public static readonly ContainerSpec Container = new("sessions") { AllowsTimeToLive = true };

    private static readonly TimeSpan ClockMargin = TimeSpan.FromMinutes(5);

    public static string NewId() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));

    /// <summary>The session a portal principal belongs to; a token's principal has none, whatever claims it carries.</summary>
    public static string? SessionOf(ClaimsPrincipal principal) =>
        principal?.Identity?.AuthenticationType is PortalSignIn.CookieScheme or PortalSignIn.EntraScheme or ScClaims.AuthenticationType
            ? principal.FindFirstValue(ScClaims.Session)
            : null;

    /// <summary>Ends the signed-in person's portal session, if the principal is one.</summary>
    public async Task EndAsync(ClaimsPrincipal principal, CancellationToken ct)
    {
        if (SessionOf(principal) is not { } session || principal.FindFirstValue(ScClaims.Agency) is not { } agency
            || principal.FindFirstValue(ScClaims.UserId) is not { } person)
        {
            return;
        }

        await store.UpsertAsync(Container, new EndedSession
        {
            Id = session,
            PartitionKey = agency,
            AgencyId = agency,
            TimeToLive = (int)(TimeSpan.FromMinutes(options.Value.Portal.IdleMinutes) + ClockMargin).TotalSeconds,
        }, ct);
        await publisher.Publish(new PortalSessionEnded(agency, person, session), ct);
    }

    /// <summary>Whether the session of a portal cookie (as the cookie carries it, before it is read against the records) has been ended.</summary>
    public async Task<bool> HasEndedAsync(ClaimsPrincipal cookie, CancellationToken ct) =>
        cookie.FindFirstValue(ScClaims.Session) is { } session && cookie.FindFirstValue(options.Value.AgencyClaim) is { } agency
        && await store.ReadAsync<EndedSession>(Container, session, agency, ct) is not null;
}

/// <summary>A portal session ended early; its id is the session's, and the store drops it once no cookie of it could be good.</summary>
internal sealed record EndedSession : Document
{
    public override string Type => "ended-session";
}
