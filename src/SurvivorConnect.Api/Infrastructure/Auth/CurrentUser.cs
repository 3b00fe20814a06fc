using System.Security.Claims;
using System.Text;
using SurvivorConnect.Api.Infrastructure.Pipeline;

namespace SurvivorConnect.Api.Infrastructure.Auth;

/// <summary>Who is acting in this request, and why: the only source of user and agency for handlers.</summary>
public interface ICurrentUser
{
    bool IsActive { get; }

    string UserId { get; }

    string AgencyId { get; }

    IReadOnlyList<string> Roles { get; }

    /// <summary>
    /// The reason staff gave for this access (<c>X-Access-Purpose</c>), recorded in the audit log. None for a hub call or
    /// work SurvivorConnect does by itself: there the entry's action says why.
    /// </summary>
    string? Purpose { get; }

    bool IsInRole(string role);

    /// <summary>Whether they held the role before and no longer do.</summary>
    bool HeldBefore(string role);
}

/// <summary>
/// The principal of a SignalR hub invocation, set by the hub filter: a hub call is not an HTTP request,
/// so it must not depend on the HTTP context being reachable.
/// </summary>
public sealed class HubCaller
{
    public ClaimsPrincipal? Principal { get; set; }

    /// <summary>The hub connection the call came in on; null for work not done for a hub call.</summary>
    public string? ConnectionId { get; set; }

    /// <summary>
    /// Work SurvivorConnect does by itself for one agency (reminders, sending payouts, Stripe's news), done as
    /// that agency's named system user, so it is scoped and audited like a person's.
    /// </summary>
    public static ClaimsPrincipal System(string agencyId, string systemUser) => new(new ClaimsIdentity(
        [new Claim(ScClaims.UserId, systemUser), new Claim(ScClaims.Agency, agencyId), new Claim(ScClaims.Active, "true")],
        ScClaims.AuthenticationType, ScClaims.UserId, ScClaims.Role));
}

public static class AgencyScopes
{
    /// <summary>A scope in which everything resolved acts for one agency as its named system user (<see cref="HubCaller.System"/>).</summary>
    public static AsyncServiceScope CreateAgencyScope(this IServiceScopeFactory scopes, string agencyId, string systemUser)
    {
        ArgumentNullException.ThrowIfNull(scopes);
        var scope = scopes.CreateAsyncScope();
        scope.ServiceProvider.GetRequiredService<HubCaller>().Principal = HubCaller.System(agencyId, systemUser);
        return scope;
    }
}

internal sealed class HttpCurrentUser(IHttpContextAccessor accessor, HubCaller hubCaller) : ICurrentUser
{
    public const string PurposeHeader = "X-Access-Purpose";
    public const int MaxPurposeLength = 200;

    private static readonly string[] StatesPurposes =
        [Auth.Roles.CaseManager, Auth.Roles.Supervisor, Auth.Roles.PartnerProfessional, Auth.Roles.Recruiter, Auth.Roles.FinanceApprover, Auth.Roles.AgencyAdmin, Auth.Roles.Analyst];

    private ClaimsPrincipal User => hubCaller.Principal ?? accessor.HttpContext?.User ?? new ClaimsPrincipal();

    public bool IsActive => User.HasClaim(ScClaims.Active, "true") && !string.IsNullOrEmpty(User.FindFirstValue(ScClaims.Agency));

    public string UserId => User.FindFirstValue(ScClaims.UserId) ?? throw new InvalidOperationException("No signed-in user.");

    public string AgencyId => User.FindFirstValue(ScClaims.Agency) ?? throw new InvalidOperationException("No agency for this request.");

    public IReadOnlyList<string> Roles => User.FindAll(ScClaims.Role).Select(c => c.Value).ToList();

    public string? Purpose
    {
        get
        {
            // Staff state why they open records; anyone else's words would only be text of theirs in the admins' log.
            var value = hubCaller.Principal is null && StatesPurposes.Any(IsInRole) ? accessor.HttpContext?.Request.Headers[PurposeHeader].ToString() : null;
            if (string.IsNullOrWhiteSpace(value))
            {
                return null;
            }

            // Kept as words on one line: no control or hidden character can make it look like more than it is.
            var words = string.Concat(value.EnumerateRunes().Select(r => Rune.IsControl(r) || HiddenCharacters.IsHidden(r) ? " " : r.ToString())).Trim();
            return words.Length == 0 ? null : words[..Math.Min(words.Length, MaxPurposeLength)];
        }
    }

    public bool IsInRole(string role) => User.HasClaim(ScClaims.Role, role);

    public bool HeldBefore(string role) => User.HasClaim(ScClaims.FormerRole, role);
}
