namespace SurvivorConnect.Api.Infrastructure.Auth;

/// <summary>The <c>Auth</c> section: Microsoft Entra ID outside Development, locally signed tokens inside it.</summary>
public sealed class AuthOptions
{
    public const string SectionName = "Auth";

    /// <summary>The Entra ID authority, e.g. https://login.microsoftonline.com/{tenant}/v2.0.</summary>
    public string? Authority { get; set; }

    /// <summary>The API's application ID URI or client id that tokens are issued for.</summary>
    public string? Audience { get; set; }

    /// <summary>
    /// The client apps (a token's <c>azp</c>, or <c>appid</c> in a v1 token) whose people's tokens the API takes, besides
    /// the portal's own (outside Development). A token Entra ID issued to any other app for this API (one a person was
    /// talked into consenting to) opens nothing, nor does a token an app holds for itself rather than for a person.
    /// </summary>
    public string[] ClientIds { get; set; } = [];

    /// <summary>The token claim that identifies the person (Entra ID: oid).</summary>
    public string UserIdClaim { get; set; } = "oid";

    /// <summary>The token claim that names the person's agency.</summary>
    public string AgencyClaim { get; set; } = "agency";

    public DevelopmentTokenOptions Development { get; set; } = new();

    /// <summary>The portal's own sign-in (OpenID Connect with Entra ID outside Development).</summary>
    public PortalSignInOptions Portal { get; set; } = new();
}

public sealed class PortalSignInOptions
{
    /// <summary>The portal's app registration (client id) in Entra ID; required outside Development.</summary>
    public string? ClientId { get; set; }

    /// <summary>The app registration's client secret, from Key Vault; without it the code is redeemed with PKCE only.</summary>
    public string? ClientSecret { get; set; }

    /// <summary>A portal session ends after this long without a request.</summary>
    public int IdleMinutes { get; set; } = 30;

    /// <summary>A portal session ends this long after sign-in, however busy: a phone left signed in is not signed in for good.</summary>
    public int MaxHours { get; set; } = 12;
}

public sealed class DevelopmentTokenOptions
{
    public const string Issuer = "survivorconnect-dev";
    public const string Audience = "survivorconnect-api";

    /// <summary>Base64 HMAC key. When empty a random key is made once and kept in the data folder.</summary>
    public string? SigningKey { get; set; }

    public int LifetimeMinutes { get; set; } = 480;
}
