using System.Security.Claims;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace SurvivorConnect.Api.Infrastructure.Auth;

/// <summary>Mints tokens for the seeded demo people. Registered only in Development.</summary>
public sealed class DevTokenIssuer(SymmetricSecurityKey key, DevelopmentTokenOptions options)
{
    public (string AccessToken, DateTimeOffset ExpiresAt) Issue(string userId, string agencyId, DateTimeOffset now)
    {
        var expires = now.AddMinutes(options.LifetimeMinutes);
        var token = new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = DevelopmentTokenOptions.Issuer,
            Audience = DevelopmentTokenOptions.Audience,
            Subject = new ClaimsIdentity([new Claim("sub", userId), new Claim("agency", agencyId)]),
            NotBefore = now.UtcDateTime.AddMinutes(-1),
            IssuedAt = now.UtcDateTime,
            Expires = expires.UtcDateTime,
            SigningCredentials = new SigningCredentials(key, SecurityAlgorithms.HmacSha256),
        });
        return (token, expires);
    }
}
