using System.Security.Claims;
using System.Security.Cryptography;
using Mediator;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;
using SurvivorConnect.Storage;

namespace SurvivorConnect.Api.Infrastructure.Auth;

/// <summary>What is known of a portal cookie's session: still on, ended, or not known just now.</summary>
public enum SessionCheck
{
    Live,
    Ended,
    Unchecked,
}

/// <summary>A portal session was ended (sign-out, quick exit, a new sign-in): the live connections its pages opened close.</summary>
public sealed record PortalSessionEnded(string AgencyId, string PersonId, string SessionId) : INotification;

/// <summary>
/// Portal sessions ended before their cookie's own end. A cookie is otherwise good until it idles out, wherever a copy
/// of it is, and the live connections another tab opened with it go on until then, showing what arrives to whoever
/// holds the phone next. So an ended session is recorded and its cookie refused, and its connections are closed
/// (<see cref="PortalSessionEnded"/>, and the connections' own rechecks). The record lasts as long as any copy of the
/// cookie could: the idle time, as no copy is renewed once the session is refused.
/// </summary>
public sealed partial class PortalSessions(
    IDocumentStore store, IServiceScopeFactory scopes, IMemoryCache endedHere, IOptions<AuthOptions> options, ILogger<PortalSessions> logger)
{
    public static readonly ContainerSpec Container = new("sessions") { AllowsTimeToLive = true };

    private static readonly TimeSpan ClockMargin = TimeSpan.FromMinutes(5);

    /// <summary>How long someone leaving waits, at most, for their session's end to be recorded.</summary>
    private static readonly TimeSpan RecordWait = TimeSpan.FromSeconds(2);

    /// <summary>How long a request waits, at most, to learn whether its session was ended; then it is refused for now.</summary>
    private static readonly TimeSpan CheckWait = TimeSpan.FromSeconds(5);

    public static string NewId() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));

    /// <summary>The session a portal principal belongs to; a token's principal has none, whatever claims it carries.</summary>
    public static string? SessionOf(ClaimsPrincipal principal) =>
        principal?.Identity?.AuthenticationType is PortalSignIn.CookieScheme or PortalSignIn.EntraScheme or ScClaims.AuthenticationType
            ? principal.FindFirstValue(ScClaims.Session)
            : null;

    /// <summary>
    /// What a page carries of the session it was drawn in (a hash: the id itself is never on a page), so that, asked
    /// later, the server can say the browser's session is another one now (someone signed in over it).
    /// </summary>
    public static string TagOf(ClaimsPrincipal principal) => SessionOf(principal) is { } session ? Pipeline.Digest.Of(session, 16) : "";

    /// <summary>
    /// Ends the signed-in person's portal session, if the principal is one. It never fails the sign-out it is part of:
    /// the cookie goes from the browser whatever happens here, and a person leaving in a hurry does not wait for other
    /// tabs' connections to close. False when its end could not be recorded (the store down): only the cookie's going
    /// then ends it.
    /// </summary>
    public async Task<bool> EndAsync(ClaimsPrincipal principal)
    {
        if (SessionOf(principal) is not { } session || principal.FindFirstValue(ScClaims.Agency) is not { } agency
            || principal.FindFirstValue(ScClaims.UserId) is not { } person)
        {
            return true;
        }

        // The quick exit takes any cookie, also a copy replayed after its session ended: each instance records and
        // announces a session's end once, so a loop of exits costs the store and the other instances nothing.
        var key = (typeof(EndedSession), agency, session);
        if (endedHere.TryGetValue(key, out _))
        {
            return true;
        }

        var lasts = TimeSpan.FromMinutes(options.Value.Portal.IdleMinutes) + ClockMargin;
        var recorded = true;
        try
        {
            using var bounded = new CancellationTokenSource(RecordWait);
            await store.UpsertAsync(Container, new EndedSession
            {
                Id = session,
                PartitionKey = agency,
                AgencyId = agency,
                TimeToLive = (int)lasts.TotalSeconds,
            }, bounded.Token);
            endedHere.Set(key, true, lasts);
        }
        catch (Exception ex)
        {
            LogNotRecorded(logger, ex);
            recorded = false;
        }

        // Not in the request's context: the work goes on after the answer.
        using (ExecutionContext.SuppressFlow())
        {
            _ = Task.Run(async () =>
            {
                try
                {
                    await using var scope = scopes.CreateAsyncScope();
                    await scope.ServiceProvider.GetRequiredService<IPublisher>().Publish(new PortalSessionEnded(agency, person, session));
                }
                catch (Exception ex)
                {
                    LogNotClosed(logger, ex);
                }
            });
        }

        return recorded;
    }

    /// <summary>
    /// Whether the session of a portal cookie (as the cookie carries it, before it is read against the records) is over.
    /// A cookie with no session id was made before sessions had one, and could never be ended: it is over. One that
    /// cannot be checked (the store down) is <see cref="SessionCheck.Unchecked"/>, refused for that request only (503,
    /// try again), and the quick exit still clears it.
    /// </summary>
    public async Task<SessionCheck> CheckAsync(ClaimsPrincipal cookie)
    {
        if (cookie.FindFirstValue(ScClaims.Session) is not { } session || cookie.FindFirstValue(options.Value.AgencyClaim) is not { } agency)
        {
            return SessionCheck.Ended;
        }

        try
        {
            using var bounded = new CancellationTokenSource(CheckWait);
            return await HasEndedAsync(agency, session, bounded.Token) ? SessionCheck.Ended : SessionCheck.Live;
        }
        catch (Exception ex)
        {
            LogNotChecked(logger, ex);
            return SessionCheck.Unchecked;
        }
    }

    /// <summary>Whether a live connection's principal belongs to a portal session that has been ended.</summary>
    public async Task<bool> ConnectionSessionEndedAsync(ClaimsPrincipal principal, CancellationToken ct) =>
        SessionOf(principal) is { } session && principal.FindFirstValue(ScClaims.Agency) is { } agency && await HasEndedAsync(agency, session, ct);

    private async Task<bool> HasEndedAsync(string agency, string session, CancellationToken ct) =>
        await store.ReadAsync<EndedSession>(Container, session, agency, ct) is not null;

    [LoggerMessage(Level = LogLevel.Error, Message = "A portal session's end could not be recorded; its cookie is gone from this browser, but a copy stays good until it idles out")]
    private static partial void LogNotRecorded(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Error, Message = "A portal session could not be checked against ended sessions, so its cookie was refused")]
    private static partial void LogNotChecked(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Error, Message = "The live connections of an ended portal session could not be closed at once; the recheck closes them")]
    private static partial void LogNotClosed(ILogger logger, Exception exception);
}

/// <summary>A portal session ended early; its id is the session's, and the store drops it once no cookie of it could be good.</summary>
internal sealed record EndedSession : Document
{
    public override string Type => "ended-session";
}
