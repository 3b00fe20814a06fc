using Microsoft.AspNetCore.Authorization;

namespace SurvivorConnect.Api.Infrastructure.Auth;

/// <summary>
/// Named authorization policies. Each requires a signed-in, active person of an agency; role policies add
/// the roles that may act. Every endpoint names one (the authorization-matrix test checks).
/// </summary>
public static class Policies
{
    public const string SignedIn = nameof(SignedIn);
    public const string AgencyAdmin = nameof(AgencyAdmin);

    public static AuthorizationPolicy ActivePerson { get; } = new AuthorizationPolicyBuilder()
        .RequireAuthenticatedUser()
        .RequireClaim(ScClaims.Active, "true")
        .RequireClaim(ScClaims.Agency)
        .Build();

    public static void Add(AuthorizationOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.AddPolicy(SignedIn, ActivePerson);
        options.AddPolicy(AgencyAdmin, For(Roles.AgencyAdmin));

        // Anything mapped without a policy is still closed.
        options.FallbackPolicy = ActivePerson;
        options.DefaultPolicy = ActivePerson;
    }

    public static AuthorizationPolicy For(params string[] roles) =>
        new AuthorizationPolicyBuilder().Combine(ActivePerson).RequireRole(roles).Build();
}
