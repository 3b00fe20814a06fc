using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;
using SurvivorConnect.Api.Features.People;

namespace SurvivorConnect.Api.Infrastructure.Auth;

/// <summary>
/// Replaces the token's principal with SurvivorConnect's own: who the person is, their agency, whether
/// they are active and the roles their agency gave them. A deactivated person loses access at once.
/// </summary>
internal sealed class PersonClaimsTransformation(PeopleRepository people, IOptions<AuthOptions> options) : IClaimsTransformation
{
    public async Task<ClaimsPrincipal> TransformAsync(ClaimsPrincipal principal)
    {
        if (principal.Identity is not { IsAuthenticated: true } || principal.HasClaim(c => c.Type == ScClaims.UserId))
        {
            return principal;
        }

        var userId = principal.FindFirstValue(options.Value.UserIdClaim);
        var agencyId = principal.FindFirstValue(options.Value.AgencyClaim);
        var identity = new ClaimsIdentity(ScClaims.AuthenticationType, ScClaims.UserId, ScClaims.Role);
        if (string.IsNullOrEmpty(userId) || string.IsNullOrEmpty(agencyId))
        {
            return new ClaimsPrincipal(identity);
        }

        identity.AddClaim(new Claim(ScClaims.UserId, userId));
        identity.AddClaim(new Claim(ScClaims.Agency, agencyId));
        var person = await people.FindAsync(agencyId, userId, CancellationToken.None);
        if (person is { Active: true })
        {
            identity.AddClaim(new Claim(ScClaims.Active, "true"));
            identity.AddClaims(person.Roles.Select(role => new Claim(ScClaims.Role, role)));
        }

        return new ClaimsPrincipal(identity);
    }
}
