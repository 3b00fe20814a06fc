using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;
using SurvivorConnect.Api.Features.People;

namespace SurvivorConnect.Api.Infrastructure.Auth;

/// <summary>
/// Replaces the token's principal with SurvivorConnect's own: who the person is, their agency, whether
/// they are active and the roles their agency gave them. A deactivated person loses access at once.
/// </summary>
internal sealed class PersonClaimsTransformation(PersonPrincipals principals, IOptions<AuthOptions> options, IHttpContextAccessor http) : IClaimsTransformation
{
    /// <summary>When a bearer token was issued (Unix seconds), as every token issuer writes it.</summary>
    private const string IssuedAtClaim = "iat";

    /// <summary>
    /// Entra ID dates a token's issue up to five minutes early: a token taken just after a reactivation must not read as
    /// one from before the deactivation.
    /// </summary>
    private static readonly TimeSpan IssuerSkew = TimeSpan.FromMinutes(5);

    /// <summary>
    /// A portal session's start (our own clock), or a token's issue moved on by the issuer's skew. One that does not say
    /// is taken as begun at the earliest time ("0"): it cannot show it came after a deactivation.
    /// </summary>
    private static string SignedInAt(ClaimsPrincipal principal) =>
        (PortalSessions.SessionOf(principal) is not null ? principal.FindFirstValue(ScClaims.SessionStarted)
        : long.TryParse(principal.FindFirstValue(IssuedAtClaim), NumberStyles.None, CultureInfo.InvariantCulture, out var issued)
            ? (issued + (long)IssuerSkew.TotalSeconds).ToString(CultureInfo.InvariantCulture)
            : null) ?? "0";

    public async Task<ClaimsPrincipal> TransformAsync(ClaimsPrincipal principal)
    {
        // Only a principal this class built is kept as it is (sign-in may ask more than once a request). A token or
        // cookie that merely carries sc:* claims is read for who and which agency only, and built afresh like any other.
        if (principal.Identity is not { IsAuthenticated: true } || principal.Identity.AuthenticationType == ScClaims.AuthenticationType)
        {
            return principal;
        }

        // Leaving needs only who is leaving and their session: a slow or failing store must not keep the quick exit from
        // signing them out.
        if (http.HttpContext is { } context && PortalSignIn.IsExit(context.Request.Path))
        {
            return PersonPrincipals.Unread(
                principal.FindFirstValue(options.Value.UserIdClaim), principal.FindFirstValue(options.Value.AgencyClaim), PortalSessions.SessionOf(principal));
        }

        return await principals.BuildAsync(
            principal.FindFirstValue(options.Value.UserIdClaim),
            principal.FindFirstValue(options.Value.AgencyClaim),
            principal.FindFirstValue(ScClaims.TokenExpiry),
            CancellationToken.None,
            PortalSessions.SessionOf(principal),
            SignedInAt(principal));
    }
}

/// <summary>
/// Builds SurvivorConnect's principal from the agency's current record of the person. Sign-in uses it once
/// per request; the chat hub uses it again on every call, so an open connection sees a change at once.
/// </summary>
public sealed class PersonPrincipals(PeopleRepository people)
{
    /// <param name="session">The portal session the principal belongs to, if it is a portal page's.</param>
    /// <param name="signedInAt">
    /// When the sign-in behind it began (Unix seconds): the portal session's start, or the token's issue. None when the
    /// principal is no one's sign-in (a look at another person's access, a calendar link): then only their record counts.
    /// </param>
    public async Task<ClaimsPrincipal> BuildAsync(string? userId, string? agencyId, string? expires, CancellationToken ct, string? session = null, string? signedInAt = null)
    {
        var identity = Who(userId, agencyId, expires, session, signedInAt);
        if (!IsId(userId) || !IsId(agencyId))
        {
            return new ClaimsPrincipal(identity);
        }

        var person = await people.FindAsync(agencyId, userId, ct);
        if (person is { Active: true } && !SignedInBeforeDeactivation(person, signedInAt))
        {
            identity.AddClaim(new Claim(ScClaims.Active, "true"));
            identity.AddClaims(person.Roles.Select(role => new Claim(ScClaims.Role, role)));
            identity.AddClaims(person.FormerRoles.Except(person.Roles).Select(role => new Claim(ScClaims.FormerRole, role)));
        }

        return new ClaimsPrincipal(identity);
    }

    /// <summary>Who the principal is and their session, without reading their record: not active, so it opens nothing but the way out.</summary>
    public static ClaimsPrincipal Unread(string? userId, string? agencyId, string? session) => new(Who(userId, agencyId, null, session, null));

    /// <summary>
    /// Only an id the agency could have given: an agency's id builds the ids of its records in partitions every agency
    /// shares, so an issuer's claim of "a~x" must not pass as agency "a"'s records.
    /// </summary>
    private static bool IsId([NotNullWhen(true)] string? id) => id is not null && PeopleRules.IsValidId(id);

    private static bool SignedInBeforeDeactivation(Person person, string? signedInAt) =>
        person.SignInsValidFrom is { } from
        && long.TryParse(signedInAt, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds) && seconds < from.ToUnixTimeSeconds();

    private static ClaimsIdentity Who(string? userId, string? agencyId, string? expires, string? session, string? signedInAt)
    {
        var identity = new ClaimsIdentity(ScClaims.AuthenticationType, ScClaims.UserId, ScClaims.Role);
        if (!IsId(userId) || !IsId(agencyId))
        {
            return identity;
        }

        identity.AddClaim(new Claim(ScClaims.UserId, userId));
        identity.AddClaim(new Claim(ScClaims.Agency, agencyId));

        // Who the request is, stable for the whole session: antiforgery binds a form to this claim alone, where otherwise
        // it binds it to every claim, and the expiry, renewed every quarter hour, would void every form on an open page.
        identity.AddClaim(new Claim(ClaimTypes.NameIdentifier, string.IsNullOrEmpty(session) ? $"{agencyId}/{userId}" : $"{agencyId}/{userId}/{session}"));

        if (!string.IsNullOrEmpty(expires))
        {
            identity.AddClaim(new Claim(ScClaims.Expires, expires, ClaimValueTypes.Integer64));
        }

        // Kept, so every later look at the person (each chat call) still knows which sign-in this is.
        if (!string.IsNullOrEmpty(signedInAt))
        {
            identity.AddClaim(new Claim(ScClaims.SignedInAt, signedInAt, ClaimValueTypes.Integer64));
        }

        if (!string.IsNullOrEmpty(session))
        {
            identity.AddClaim(new Claim(ScClaims.Session, session));
        }

        return identity;
    }

    /// <summary>The same principal as now held in the agency's records: roles and active state read afresh.</summary>
    public Task<ClaimsPrincipal> RefreshAsync(ClaimsPrincipal principal, CancellationToken ct) =>
        BuildAsync(principal.FindFirstValue(ScClaims.UserId), principal.FindFirstValue(ScClaims.Agency), principal.FindFirstValue(ScClaims.Expires), ct,
            PortalSessions.SessionOf(principal), principal.FindFirstValue(ScClaims.SignedInAt));

    /// <summary>When the token or portal session behind the principal ends (whole seconds), if it says.</summary>
    public static DateTimeOffset? EndsAt(ClaimsPrincipal principal) =>
        long.TryParse(principal.FindFirstValue(ScClaims.Expires), out var seconds) ? DateTimeOffset.FromUnixTimeSeconds(seconds) : null;

    /// <summary>Whether the token or portal session behind the principal has ended.</summary>
    public static bool HasExpired(ClaimsPrincipal principal, DateTimeOffset now) => EndsAt(principal) <= now;
}
