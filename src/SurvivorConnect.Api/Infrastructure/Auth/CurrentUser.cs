using System.Security.Claims;

namespace SurvivorConnect.Api.Infrastructure.Auth;

/// <summary>Who is acting in this request, and why: the only source of user and agency for handlers.</summary>
public interface ICurrentUser
{
    bool IsActive { get; }

    string UserId { get; }

    string AgencyId { get; }

    IReadOnlyList<string> Roles { get; }

    /// <summary>The reason staff gave for this access (<c>X-Access-Purpose</c>), recorded in the audit log.</summary>
    string? Purpose { get; }

    bool IsInRole(string role);
}

internal sealed class HttpCurrentUser(IHttpContextAccessor accessor) : ICurrentUser
{
    public const string PurposeHeader = "X-Access-Purpose";
    public const int MaxPurposeLength = 200;

    private ClaimsPrincipal User => accessor.HttpContext?.User ?? new ClaimsPrincipal();

    public bool IsActive => User.HasClaim(ScClaims.Active, "true") && !string.IsNullOrEmpty(User.FindFirstValue(ScClaims.Agency));

    public string UserId => User.FindFirstValue(ScClaims.UserId) ?? throw new InvalidOperationException("No signed-in user.");

    public string AgencyId => User.FindFirstValue(ScClaims.Agency) ?? throw new InvalidOperationException("No agency for this request.");

    public IReadOnlyList<string> Roles => User.FindAll(ScClaims.Role).Select(c => c.Value).ToList();

    public string? Purpose
    {
        get
        {
            var value = accessor.HttpContext?.Request.Headers[PurposeHeader].ToString();
            return string.IsNullOrWhiteSpace(value) ? null : value.Trim()[..Math.Min(value.Trim().Length, MaxPurposeLength)];
        }
    }

    public bool IsInRole(string role) => User.HasClaim(ScClaims.Role, role);
}
