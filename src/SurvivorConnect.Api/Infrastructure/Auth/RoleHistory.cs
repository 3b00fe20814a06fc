using System.Security.Claims;

namespace SurvivorConnect.Api.Infrastructure.Auth;

/// <summary>
/// Someone's roles now, and those they held before: what a role let them read stays known to them after it is taken away,
/// so a rule about what they may see beside it asks both.
/// </summary>
public sealed record RoleHistory(Func<string, bool> Has, Func<string, bool> HeldBefore)
{
    public static RoleHistory Of(ClaimsPrincipal user)
    {
        ArgumentNullException.ThrowIfNull(user);
        return new(role => user.HasClaim(ScClaims.Role, role), role => user.HasClaim(ScClaims.FormerRole, role));
    }

    public static RoleHistory Of(ICurrentUser user)
    {
        ArgumentNullException.ThrowIfNull(user);
        return new(user.IsInRole, user.HeldBefore);
    }

    /// <summary>Whether they hold the role now or held it before.</summary>
    public bool Ever(string role) => Has(role) || HeldBefore(role);
}
