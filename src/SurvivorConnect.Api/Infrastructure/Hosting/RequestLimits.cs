using System.Globalization;
using System.Threading.RateLimiting;
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

    /// <summary>
    /// Marks an endpoint that never spends its person's budget (signing out): a device still signed in, perhaps taken,
    /// can spend that budget, and must not keep the person from signing out with it. It is limited by address instead,
    /// and each credential keeps its own budget (<see cref="CredentialLimit"/>).
    /// </summary>
    public sealed class OffPersonsBudget;

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
        // Only a sign-in that still opens something spends its person's budget: a taken phone's token, ended or its
        // person deactivated, flooded, must not refuse the person's own new sign-in.
        options.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(context =>
            BrowserPageRequests.IsStatusPage(context) ? RateLimitPartition.GetNoLimiter("status-page")
            : context.GetEndpoint()?.Metadata.GetMetadata<OffPersonsBudget>() is not null ? Window("off-person:" + Address(context), anonymous)
            : context.User.HasClaim(ScClaims.Active, "true")
                && context.User.FindFirst(ScClaims.UserId)?.Value is { } userId && context.User.FindFirst(ScClaims.Agency)?.Value is { } agencyId
                ? Window($"user:{agencyId}:{userId}", perUser)
                : Window("anonymous:" + Address(context), anonymous));
        options.AddPolicy(PerAddress, context => Window(Address(context), documents));
        options.AddPolicy(SignIn, context => Window(Address(context), signIn));
        options.AddPolicy(Reports, context => Window(
            context.User.HasClaim(ScClaims.Active, "true") && context.User.FindFirst(ScClaims.UserId)?.Value is { } reader
                ? $"reports:{context.User.FindFirst(ScClaims.Agency)?.Value}:{reader}"
                : "reports:" + Address(context),
            reports));
        options.OnRejected = async (context, ct) => await RefuseAsync(context.HttpContext, WaitOf(context.Lease));
    }

    internal static TimeSpan WaitOf(RateLimitLease lease) => lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait : TimeSpan.FromMinutes(1);

    /// <summary>A 429: ProblemDetails with <c>Retry-After</c>, or for a browser (a page, or a page's form) a bare page that still has the exit.</summary>
    public static async Task RefuseAsync(HttpContext context, TimeSpan wait)
    {
        ArgumentNullException.ThrowIfNull(context);
        context.Response.StatusCode = StatusCodes.Status429TooManyRequests;
        SetRetryAfter(context.Response, wait);
        if (BrowserPageRequests.WantsPage(context) || BrowserPageRequests.IsPortalFormPost(context))
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
/// A budget per genuine credential (a bearer token, a portal session), spent before anything is read for it: finding who
/// the person is now reads the store (the person, the session), so a flood on one token, even a deactivated person's,
/// would otherwise cost a read per request before the per-person limit refused it. Twice the per-person budget, so it
/// never refuses first anyone at work; one credential's, so a taken phone's token flooding (revoked or not) does not
/// refuse its person's other devices. It is spent once the credential's signature (or the cookie's encryption) has been
/// checked, which reads nothing: a made-up credential makes no budget of its own, so a stream of them cannot fill memory
/// with budgets; it is refused as no credential and counted per address.
/// </summary>
public sealed class CredentialLimit : IDisposable
{
    private static readonly object Refused = new();
    private readonly PartitionedRateLimiter<string> _limiter;

    public CredentialLimit(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var permits = 2 * configuration.GetValue("Api:PermitsPerMinutePerUser", 600);
        _limiter = PartitionedRateLimiter.Create<string, string>(credential => RequestLimits.Window(credential, permits));
    }

    /// <summary>
    /// Spends one of the budget of a checked credential (the token as sent, a portal session's id); false, with the
    /// refusal kept for <see cref="RefuseSpentAsync"/>, when it is spent. The quick exit and health are never limited.
    /// </summary>
    public bool TrySpend(HttpContext context, string credential)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(credential);
        if (context.GetEndpoint()?.Metadata.GetMetadata<DisableRateLimitingAttribute>() is not null)
        {
            return true;
        }

        using var lease = _limiter.AttemptAcquire("credential:" + Pipeline.Digest.Of(credential, 32));
        if (lease.IsAcquired)
        {
            return true;
        }

        context.Items[Refused] = RequestLimits.WaitOf(lease);
        return false;
    }

    /// <summary>After authentication: a request whose credential's budget was spent is answered 429, not as someone signed out.</summary>
    public async Task RefuseSpentAsync(HttpContext context, RequestDelegate next)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(next);
        if (context.Items[Refused] is TimeSpan wait)
        {
            await RequestLimits.RefuseAsync(context, wait);
            return;
        }

        await next(context);
    }

    public void Dispose() => _limiter.Dispose();
}
