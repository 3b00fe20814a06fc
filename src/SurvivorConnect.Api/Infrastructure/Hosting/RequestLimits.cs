using System.Globalization;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;
using SurvivorConnect.Api.Infrastructure.Auth;

namespace SurvivorConnect.Api.Infrastructure.Hosting;

/// <summary>
/// Request rate limits. A signed-in person has their own budget; everything else (no token, a bad or
/// expired one) shares a smaller budget per address, so a flood of bad tokens limits only its sender.
/// Public documents and sign-in have their own, stricter, per-address limits. Health is never limited.
/// Every 429 is ProblemDetails with <c>Retry-After</c>.
/// </summary>
public static class RequestLimits
{
    /// <summary>The policy of anonymous endpoints that anyone may call (the OpenAPI document).</summary>
    public const string PerAddress = "per-address";

    /// <summary>The policy of sign-in endpoints: few attempts per address.</summary>
    public const string SignIn = "sign-in";

    /// <summary>
    /// The policy of outcome reports (the API, its CSV and the portal's page): each reads the agency's whole history and
    /// checks every shorter run of months, so one person asks for a few a minute, not hundreds.
    /// </summary>
    public const string Reports = "reports";

    public static void Configure(RateLimiterOptions options, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(options);
        var perUser = configuration.GetValue("Api:PermitsPerMinutePerUser", 600);
        var anonymous = configuration.GetValue("Api:AnonymousPermitsPerMinute", 600);
        var documents = configuration.GetValue("Api:PublicDocumentPermitsPerMinute", 60);
        var signIn = configuration.GetValue("Api:SignInPermitsPerMinute", 30);
        var reports = configuration.GetValue("Api:ReportPermitsPerMinute", 20);

        options.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
        // The status-code page answers a request already counted; limiting it again would show a refusal as bare text.
        options.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(context =>
            BrowserPageRequests.IsStatusPage(context) ? RateLimitPartition.GetNoLimiter("status-page")
            : context.User.FindFirst(ScClaims.UserId)?.Value is { } userId && context.User.FindFirst(ScClaims.Agency)?.Value is { } agencyId
                ? Window($"user:{agencyId}:{userId}", perUser)
                : Window("anonymous:" + Address(context), anonymous));
        options.AddPolicy(PerAddress, context => Window(Address(context), documents));
        options.AddPolicy(SignIn, context => Window(Address(context), signIn));
        options.AddPolicy(Reports, context => Window(
            context.User.FindFirst(ScClaims.UserId)?.Value is { } reader ? $"reports:{context.User.FindFirst(ScClaims.Agency)?.Value}:{reader}" : "reports:" + Address(context), reports));
        options.OnRejected = async (context, ct) => await RefuseAsync(context.HttpContext, context.Lease);
    }

    /// <summary>A 429: ProblemDetails with <c>Retry-After</c>, or for a browser a bare page that still has the exit.</summary>
    public static async Task RefuseAsync(HttpContext context, RateLimitLease lease)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(lease);
        context.Response.StatusCode = StatusCodes.Status429TooManyRequests;
        SetRetryAfter(context.Response, lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait : TimeSpan.FromMinutes(1));
        if (BrowserPageRequests.WantsPage(context))
        {
            await BrowserPageRequests.WriteBarePageAsync(context, "Please wait a moment", "There were many requests just now. Wait a minute, then try again.");
            return;
        }

        var problems = context.RequestServices.GetRequiredService<IProblemDetailsService>();
        await problems.WriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            ProblemDetails = { Status = StatusCodes.Status429TooManyRequests, Title = "Too many requests.", Detail = "Slow down, and try again after the time in Retry-After." },
        });
    }

    /// <summary>Says in whole seconds, at least one, when to try again.</summary>
    public static void SetRetryAfter(HttpResponse response, TimeSpan wait)
    {
        ArgumentNullException.ThrowIfNull(response);
        response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
    }

    /// <summary>
    /// Who is asking, as far as an address says: an IPv6 host is given a whole /64 to pick addresses from, so it is
    /// counted by that /64, not by each address it rotates through.
    /// </summary>
    internal static string Address(HttpContext context)
    {
        var address = context.Connection.RemoteIpAddress;
        if (address is null)
        {
            return "unknown";
        }

        if (address.IsIPv4MappedToIPv6)
        {
            return address.MapToIPv4().ToString();
        }

        if (address.AddressFamily != System.Net.Sockets.AddressFamily.InterNetworkV6)
        {
            return address.ToString();
        }

        var bytes = address.GetAddressBytes();
        Array.Clear(bytes, 8, 8);
        return new System.Net.IPAddress(bytes) + "/64";
    }

    internal static RateLimitPartition<string> Window(string key, int permits) =>
        RateLimitPartition.GetFixedWindowLimiter(key, _ => new FixedWindowRateLimiterOptions { PermitLimit = permits, Window = TimeSpan.FromMinutes(1) });
}

/// <summary>
/// A budget per credential (a bearer token, a portal session's cookie), spent before anything is read for it: finding who
/// a credential is reads the store (the person, the session), so a flood on one token, even a deactivated person's,
/// would otherwise cost a read per request before the per-person limit refused it. Twice the per-person budget, so it never
/// refuses first anyone at work. The credential is the one authentication will read, as it reads it (the scheme's word in
/// any case, the cookie of the scheme's own name), so spelling it another way buys no new budget. A credential that is
/// no credential at all costs no read: it is refused by its signature and then counted per address.
/// </summary>
public sealed class CredentialLimit : IDisposable
{
    private readonly PartitionedRateLimiter<HttpContext> _limiter;
    private readonly string _sessionCookie;

    public CredentialLimit(IConfiguration configuration, IOptionsMonitor<CookieAuthenticationOptions> cookies)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentNullException.ThrowIfNull(cookies);
        _sessionCookie = cookies.Get(PortalSignIn.CookieScheme).Cookie.Name ?? PortalSignIn.CookieName;
        var permits = 2 * configuration.GetValue("Api:PermitsPerMinutePerUser", 600);
        _limiter = PartitionedRateLimiter.Create<HttpContext, string>(context => CredentialOf(context) is { } credential
            ? RequestLimits.Window("credential:" + Pipeline.Digest.Of(credential, 32), permits)
            : RateLimitPartition.GetNoLimiter("none"));
    }

    public async Task InvokeAsync(HttpContext context, RequestDelegate next)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(next);

        // The quick exit and health are never limited (they say so on their endpoints).
        if (context.GetEndpoint()?.Metadata.GetMetadata<DisableRateLimitingAttribute>() is not null)
        {
            await next(context);
            return;
        }

        using var lease = _limiter.AttemptAcquire(context);
        if (!lease.IsAcquired)
        {
            await RequestLimits.RefuseAsync(context, lease);
            return;
        }

        await next(context);
    }

    public void Dispose() => _limiter.Dispose();

    /// <summary>What the scheme that will authenticate the request reads (see <see cref="PortalSignIn.SchemeFor"/> and the hub's token).</summary>
    private string? CredentialOf(HttpContext context)
    {
        var request = context.Request;
        if (PortalSignIn.SchemeFor(context) != JwtBearerDefaults.AuthenticationScheme)
        {
            return request.Cookies[_sessionCookie] is { Length: > 0 } cookie ? cookie : null;
        }

        if (request.Path.StartsWithSegments(AuthSetup.HubPathPrefix) && request.Query["access_token"].ToString() is { Length: > 0 } token)
        {
            return token;
        }

        const string Bearer = "Bearer ";
        var header = request.Headers.Authorization.ToString();
        return header.StartsWith(Bearer, StringComparison.OrdinalIgnoreCase) && header[Bearer.Length..].Trim() is { Length: > 0 } bearer ? bearer : null;
    }
}
