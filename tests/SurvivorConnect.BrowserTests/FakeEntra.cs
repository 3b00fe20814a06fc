using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace SurvivorConnect.BrowserTests;

/// <summary>
/// A loopback OpenID Connect provider standing in for Microsoft Entra ID: discovery, keys, the authorization
/// code flow with PKCE (answered by form post, as Entra does for the portal), and end-session. Whoever asks
/// to sign in is signed in as <see cref="SignInAs"/>; it keeps its own session so sign-out can be observed, and, as
/// Entra ID does, signs in afresh only when asked to (<c>prompt=login</c>) or without a session of its own.
/// </summary>
public sealed class FakeEntra : IAsyncDisposable
{
    public const string ClientId = "survivorconnect-portal";

    private readonly RsaSecurityKey _key = new(RSA.Create(2048)) { KeyId = "fake-entra-key" };
    private readonly ConcurrentDictionary<string, (string Challenge, string Nonce, string RedirectUri, string Oid, string Agency, bool Profile, DateTimeOffset AuthTime)> _codes = new();
    private WebApplication? _app;

    public string BaseUrl { get; private set; } = "";

    /// <summary>Who the next sign-in is: the person's object id and their agency claim.</summary>
    public (string Oid, string Agency) SignInAs { get; set; }

    /// <summary>Whether someone is signed in at the provider (its own session, as Entra keeps one).</summary>
    public bool HasSession => SessionSignedInAt is not null;

    /// <summary>When the provider's own session signed its person in (the ID token's <c>auth_time</c>); null without one.</summary>
    public DateTimeOffset? SessionSignedInAt { get; set; }

    /// <summary>Whether ID tokens carry <c>auth_time</c> (Entra ID sends it only when the app registration asks for it).</summary>
    public bool SendsAuthTime { get; set; } = true;

    public int SignOuts { get; private set; }

    /// <summary>The opaque login_hint claim each ID token carried, by the person's object id.</summary>
    public ConcurrentDictionary<string, string> LoginHints { get; } = new();

    /// <summary>The logout_hint the last sign-out named, if any (without one Entra ID shows an account picker).</summary>
    public string? LastLogoutHint { get; private set; }

    public async Task StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, 0));
        _app = builder.Build();
        _app.MapGet("/.well-known/openid-configuration", () => Results.Json(new Dictionary<string, object>
        {
            ["issuer"] = BaseUrl,
            ["authorization_endpoint"] = BaseUrl + "/authorize",
            ["token_endpoint"] = BaseUrl + "/token",
            ["jwks_uri"] = BaseUrl + "/keys",
            ["end_session_endpoint"] = BaseUrl + "/logout",
            ["response_types_supported"] = new[] { "code" },
            ["response_modes_supported"] = new[] { "form_post", "query" },
            ["subject_types_supported"] = new[] { "pairwise" },
            ["id_token_signing_alg_values_supported"] = new[] { "RS256" },
            ["code_challenge_methods_supported"] = new[] { "S256" },
        }));
        _app.MapGet("/keys", () => Results.Json(new { keys = new[] { JsonWebKeyConverter.ConvertFromRSASecurityKey(_key) } }));
        _app.MapGet("/authorize", Authorize);
        _app.MapPost("/token", Token);
        _app.MapGet("/logout", (string? post_logout_redirect_uri, string? state, string? logout_hint) =>
        {
            SessionSignedInAt = null;
            LastLogoutHint = logout_hint;
            SignOuts++;
            return post_logout_redirect_uri is null
                ? Results.Text("Signed out")
                : Results.Redirect($"{post_logout_redirect_uri}?state={Uri.EscapeDataString(state ?? "")}");
        });
        await _app.StartAsync();
        BaseUrl = _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
    }

    private IResult Authorize(HttpRequest request)
    {
        var q = request.Query;
        if (q["client_id"] != ClientId || q["response_type"] != "code" || q["code_challenge_method"] != "S256" || string.IsNullOrEmpty(q["code_challenge"]))
        {
            return Results.BadRequest("invalid_request");
        }

        var code = Convert.ToHexString(RandomNumberGenerator.GetBytes(16));
        // As Entra ID's v2 ID token does, the person's object id comes only with the profile scope.
        var scopes = q["scope"].ToString().Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (SessionSignedInAt is null || q["prompt"] == "login")
        {
            SessionSignedInAt = DateTimeOffset.UtcNow;
        }

        _codes[code] = (q["code_challenge"]!, q["nonce"]!, q["redirect_uri"]!, SignInAs.Oid, SignInAs.Agency, scopes.Contains("profile"), SessionSignedInAt.Value);
        var html = HtmlEncoder.Default;
        var page = $"""
            <!DOCTYPE html><html lang="en"><title>Signing in</title>
            <form method="post" action="{html.Encode(q["redirect_uri"]!)}">
            <input type="hidden" name="code" value="{code}"><input type="hidden" name="state" value="{html.Encode(q["state"]!)}">
            <button>Continue</button></form><script>document.forms[0].submit()</script></html>
            """;
        return Results.Content(page, "text/html");
    }

    private async Task<IResult> Token(HttpRequest request)
    {
        var form = await request.ReadFormAsync();
        if (form["grant_type"] != "authorization_code" || !_codes.TryRemove(form["code"].ToString(), out var grant)
            || form["redirect_uri"] != grant.RedirectUri || form["client_id"] != ClientId
            || Base64UrlEncoder.Encode(SHA256.HashData(Encoding.ASCII.GetBytes(form["code_verifier"].ToString()))) != grant.Challenge)
        {
            return Results.Json(new { error = "invalid_grant" }, statusCode: 400);
        }

        var now = DateTime.UtcNow;
        var loginHint = LoginHints.GetOrAdd(grant.Oid, _ => Convert.ToHexString(RandomNumberGenerator.GetBytes(12)));
        var claims = grant.Profile
            ? new Dictionary<string, object> { ["sub"] = "pairwise-" + grant.Oid, ["oid"] = grant.Oid, ["agency"] = grant.Agency, ["nonce"] = grant.Nonce, ["login_hint"] = loginHint }
            : new Dictionary<string, object> { ["sub"] = "pairwise-" + grant.Oid, ["agency"] = grant.Agency, ["nonce"] = grant.Nonce };
        if (SendsAuthTime)
        {
            claims["auth_time"] = grant.AuthTime.ToUnixTimeSeconds();
        }

        var idToken = new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = BaseUrl,
            Audience = ClientId,
            IssuedAt = now,
            NotBefore = now,
            Expires = now.AddMinutes(10),
            Claims = claims,
            SigningCredentials = new SigningCredentials(_key, SecurityAlgorithms.RsaSha256),
        });
        return Results.Json(new { id_token = idToken, access_token = Convert.ToHexString(RandomNumberGenerator.GetBytes(16)), token_type = "Bearer", expires_in = 600 });
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.DisposeAsync();
        }
    }
}
