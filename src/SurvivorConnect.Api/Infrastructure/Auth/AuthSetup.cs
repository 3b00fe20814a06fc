using System.Security.Claims;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Authorization;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using SurvivorConnect.Api.Infrastructure.Hosting;
using SurvivorConnect.Storage;

namespace SurvivorConnect.Api.Infrastructure.Auth;

public static class AuthSetup
{
    /// <summary>The path prefix of SignalR hubs, whose WebSocket clients send the token as access_token in the query.</summary>
    public const string HubPathPrefix = "/hubs";

    /// <summary>How far a token's lifetime is stretched for clocks that differ.</summary>
    public static readonly TimeSpan MaxClockSkew = TimeSpan.FromSeconds(30);

    /// <summary>
    /// The apps whose tokens the API takes: those configured. Never the portal's own: its pages use its cookie, which ends
    /// with the quick exit, sign-out and idle time, and a token got with its client id (a device-code prompt someone was
    /// talked into answering) would keep working past all three.
    /// </summary>
    private static HashSet<string> ClientsAllowed(AuthOptions options) =>
        [.. options.ClientIds.Where(c => !string.IsNullOrWhiteSpace(c) && !string.Equals(c, options.Portal.ClientId, StringComparison.OrdinalIgnoreCase))];

    /// <summary>
    /// Issued to one of our apps (<c>azp</c>, or <c>appid</c> in a v1 token), and for a person: a delegated token carries
    /// the scopes the person granted (<c>scp</c>); a token an app holds for itself carries none.
    /// </summary>
    private static bool FromAllowedClientForAPerson(ClaimsPrincipal? principal, HashSet<string> clients) =>
        principal is not null
        && (principal.FindFirstValue("azp") ?? principal.FindFirstValue("appid")) is { } client && clients.Contains(client)
        && !string.IsNullOrWhiteSpace(principal.FindFirstValue("scp"))
        && principal.FindFirstValue("idtyp") != "app";

    public static WebApplicationBuilder AddSurvivorConnectAuth(this WebApplicationBuilder builder)
    {
        var options = builder.Configuration.GetSection(AuthOptions.SectionName).Get<AuthOptions>() ?? new AuthOptions();
        builder.Services.Configure<AuthOptions>(builder.Configuration.GetSection(AuthOptions.SectionName));
        var developmentKey = builder.Environment.IsDevelopment() ? DevelopmentSigningKey(builder, options.Development) : null;
        if (developmentKey is not null)
        {
            builder.Services.AddSingleton(new DevTokenIssuer(developmentKey, options.Development));
        }
        else if (string.IsNullOrWhiteSpace(options.Authority) || string.IsNullOrWhiteSpace(options.Audience) || string.IsNullOrWhiteSpace(options.Portal.ClientId))
        {
            throw new InvalidOperationException(
                "Auth:Authority, Auth:Audience and Auth:Portal:ClientId (Microsoft Entra ID) are required outside Development; SurvivorConnect will not start without them.");
        }

        var authentication = builder.Services
            .AddAuthentication(o =>
            {
                o.DefaultScheme = PortalSignIn.SelectingScheme;
                o.DefaultChallengeScheme = PortalSignIn.SelectingScheme;
            })
            .AddPolicyScheme(PortalSignIn.SelectingScheme, "Bearer for the API, the portal's cookie for its pages", o => o.ForwardDefaultSelector = PortalSignIn.SchemeFor)
            .AddJwtBearer(jwt =>
            {
                jwt.MapInboundClaims = false;
                if (developmentKey is not null)
                {
                    jwt.TokenValidationParameters = new TokenValidationParameters
                    {
                        ValidIssuer = DevelopmentTokenOptions.Issuer,
                        ValidAudience = DevelopmentTokenOptions.Audience,
                        IssuerSigningKey = developmentKey,
                    };
                }
                else
                {
                    jwt.Authority = options.Authority;
                    jwt.Audience = options.Audience;
                }

                // Roles come from the agency's record of the person, never from the token.
                jwt.TokenValidationParameters.RoleClaimType = "sc:token-roles-are-ignored";

                // Five minutes by default: an expired token would keep working that long.
                jwt.TokenValidationParameters.ClockSkew = MaxClockSkew;
                var clients = ClientsAllowed(options);

                // With Entra ID and no API client configured, no token opens the API: only the portal's sign-in does.
                // In Development, dev tokens name no app until Auth:ClientIds names one.
                var clientChecked = developmentKey is null || options.ClientIds.Any(c => !string.IsNullOrWhiteSpace(c));
                jwt.Events = new JwtBearerEvents
                {
                    // Who and which agency must each be one plain string: never pick one of several.
                    OnTokenValidated = context =>
                    {
                        if (!IsSingleString(context, options.UserIdClaim) || !IsSingleString(context, options.AgencyClaim))
                        {
                            context.Fail("The token's person or agency claim is not a single string.");
                        }
                        else if (clientChecked && !FromAllowedClientForAPerson(context.Principal, clients))
                        {
                            context.Fail("The token was not issued to one of SurvivorConnect's own apps for a person.");
                        }
                        else if (!context.HttpContext.RequestServices.GetRequiredService<CredentialLimit>().TrySpend(
                            context.HttpContext, (context.SecurityToken as JsonWebToken)?.EncodedToken ?? context.Request.Headers.Authorization.ToString()))
                        {
                            context.Fail("Too many requests with this token.");
                        }

                        return Task.CompletedTask;
                    },

                    // Say that the token is not good, never why: the reason helps only someone forging one.
                    OnChallenge = context =>
                    {
                        context.ErrorDescription = null;
                        return Task.CompletedTask;
                    },
                    OnMessageReceived = context =>
                    {
                        if (context.HttpContext.Request.Path.StartsWithSegments(HubPathPrefix)
                            && context.Request.Query.TryGetValue("access_token", out var token))
                        {
                            context.Token = token;
                        }

                        return Task.CompletedTask;
                    },
                };
            });
        authentication.AddPortalSignIn(options, signInWithEntra: developmentKey is null);

        builder.Services.AddAuthorization(Policies.Add);
        builder.Services.AddHttpContextAccessor();
        builder.Services.AddScoped<HubCaller>();
        builder.Services.AddScoped<AccessBasis>();
        builder.Services.AddScoped<ListedRecords>();
        builder.Services.AddScoped<ICurrentUser, HttpCurrentUser>();
        builder.Services.AddScoped<IClaimsTransformation, PersonClaimsTransformation>();
        builder.Services.AddSingleton<PersonPrincipals>();
        builder.Services.AddSingleton<PortalSessions>();
        builder.Services.AddContainer(PortalSessions.Container);
        builder.Services.AddMemoryCache();
        builder.Services.AddSingleton<RefusalAudit>();
        builder.Services.AddSingleton<IAuthorizationMiddlewareResultHandler, AuditingAuthorizationResultHandler>();
        return builder;
    }

    /// <summary>
    /// Whether the claim, when present, is there once and as a JSON string: an array arrives as several claims,
    /// or (with one element) as one that looks like a string, so the token's own payload is asked too.
    /// </summary>
    private static bool IsSingleString(TokenValidatedContext context, string claimType)
    {
        var claims = context.Principal!.FindAll(claimType).ToList();
        var raw = context.SecurityToken is JsonWebToken token && token.TryGetPayloadValue<object>(claimType, out var value) ? value : null;
        return claims.Count == 0 || claims is [{ ValueType: ClaimValueTypes.String }] && raw is null or string;
    }

    private static SymmetricSecurityKey DevelopmentSigningKey(WebApplicationBuilder builder, DevelopmentTokenOptions options)
    {
        if (!string.IsNullOrWhiteSpace(options.SigningKey))
        {
            return new SymmetricSecurityKey(Convert.FromBase64String(options.SigningKey));
        }

        // A key of this machine's own, so no secret is ever committed and each developer's tokens stay theirs.
        var path = Path.Combine(builder.Environment.ContentRootPath, "data", "dev-signing.key");
        if (!File.Exists(path))
        {
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllText(path, Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)));
        }

        return new SymmetricSecurityKey(Convert.FromBase64String(File.ReadAllText(path).Trim()));
    }
}
