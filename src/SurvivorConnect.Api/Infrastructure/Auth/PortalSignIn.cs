using System.Globalization;
using System.Security.Claims;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Authentication.OpenIdConnect;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;
using SurvivorConnect.Api.Infrastructure.Hosting;

namespace SurvivorConnect.Api.Infrastructure.Auth;

/// <summary>
/// How a person signs in to the portal: a session cookie holding only who they are and their agency (roles and
/// active state are read afresh on every request, as for tokens). Outside Development the cookie is issued after
/// an OpenID Connect sign-in with Entra ID; in Development the demo sign-in page issues it.
/// </summary>
public static partial class PortalSignIn
{
    public const string SelectingScheme = "SurvivorConnect";
    public const string CookieScheme = "Portal";
    public const string EntraScheme = "Entra";

    private const string SignInCallbackPath = "/signin-oidc";
    private const string SignOutCallbackPath = "/signout-callback-oidc";
    public const string CookieName = "sc-session";

    /// <summary>
    /// Set by the page's script as it leaves by the quick exit, for when its call to end the session could not go (no
    /// signal): the session ends at the first request that brings it back, before anything is shown.
    /// </summary>
    public const string LeftCookie = "sc-left";

    /// <summary>The portal forms' antiforgery cookie.</summary>
    public const string FormCookie = "sc-form";

    /// <summary>
    /// A portal cookie's name where it is only ever sent over https: with the __Host- prefix, which only this host can set
    /// (Secure, Path=/, no Domain). A cookie planted from a sibling site of the agency's domain (the exit's mark, to lock
    /// someone out; a session, to sign them in as someone else) is then never read. Plain http cannot carry the prefix.
    /// </summary>
    public static string HostOnly(string name, bool https) => https ? HostPrefix + name : name;

    private const string HostPrefix = "__Host-";

    /// <summary>The quick exit's mark as the page sets it: prefixed over https (portal.js sets it so).</summary>
    private static string LeftCookieOf(HttpRequest request) => HostOnly(LeftCookie, request.IsHttps);
    public const string SignInPath = "/signin";

    /// <summary>Where the portal's script says the person is still at work, which slides the session's idle time-out.</summary>
    public const string KeepAlivePath = "/session/alive";

    /// <summary>Where the portal's script asks whether the session is still on, without moving its idle time-out.</summary>
    public const string StatusPath = "/session";

    /// <summary>
    /// Names a page the script drew again by itself (what the person may see changed, or a shared record's time came),
    /// with how long the person had been idle: nobody asked for it, so it does not move the idle time-out on.
    /// </summary>
    public const string RedrawnQuery = "redrawn-idle";

    /// <summary>
    /// The API and anything that presents a token use bearer tokens only, so a browser's cookie can never be
    /// used against the API from another site; portal pages and the hubs a portal page opens use the cookie.
    /// </summary>
    public static string SchemeFor(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var request = context.Request;
        var presentsToken = request.Headers.Authorization.Count > 0
            || request.Path.StartsWithSegments(AuthSetup.HubPathPrefix) && request.Query.ContainsKey("access_token");
        return presentsToken || request.Path.StartsWithSegments("/api") ? JwtBearerDefaults.AuthenticationScheme : CookieScheme;
    }

    /// <summary>
    /// The principal a portal session carries: the person and the agency as the token claims name them, a new id of
    /// its own (<see cref="PortalSessions"/>) and when it began, nothing else.
    /// </summary>
    public static ClaimsPrincipal SessionPrincipal(AuthOptions options, string personId, string agencyId, string authenticationType, DateTimeOffset startedAt)
    {
        ArgumentNullException.ThrowIfNull(options);
        return new ClaimsPrincipal(new ClaimsIdentity(
            [
                new Claim(options.UserIdClaim, personId), new Claim(options.AgencyClaim, agencyId), new Claim(ScClaims.Session, PortalSessions.NewId()),
                new Claim(ScClaims.SessionStarted, startedAt.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture), ClaimValueTypes.Integer64),
            ],
            authenticationType));
    }

    /// <summary>The person and session a cookie's principal names, read from it alone (nothing about the person looked up).</summary>
    private static ClaimsPrincipal SessionHolder(ClaimsPrincipal cookie, AuthOptions options) =>
        PersonPrincipals.Unread(cookie.FindFirstValue(options.UserIdClaim), cookie.FindFirstValue(options.AgencyClaim), PortalSessions.SessionOf(cookie));

    /// <summary>When a session principal must end however busy it is; long past, for one without a start (so it is refused).</summary>
    private static DateTimeOffset LatestEnd(ClaimsPrincipal principal, AuthOptions options) =>
        long.TryParse(principal.FindFirstValue(ScClaims.SessionStarted), NumberStyles.None, CultureInfo.InvariantCulture, out var started)
            ? DateTimeOffset.FromUnixTimeSeconds(started).AddHours(options.Portal.MaxHours)
            : DateTimeOffset.MinValue;

    /// <summary>Deletes those of <paramref name="cookies"/> the browser sent (the quick exit's mark has done its work once a session ends or begins).</summary>
    private static void Forget(HttpContext context, params string[] cookies)
    {
        foreach (var name in cookies.Where(context.Request.Cookies.ContainsKey))
        {
            // A prefixed cookie is deleted only as it was set: Secure, on the whole site.
            context.Response.Cookies.Delete(name, new CookieOptions { Path = "/", Secure = name.StartsWith(HostPrefix, StringComparison.Ordinal) });
        }
    }

    /// <summary>Marks a request whose session could not be checked just now (see OnValidatePrincipal).</summary>
    private static readonly object UncheckedSession = new();

    /// <summary>
    /// Whose session a sign-out (or a sign-in over it) ends: the request's person, or, when their session could not be
    /// checked just now (the store slow), the cookie's, refused for this request's reading but still theirs to end, so
    /// the other tabs close and no copy of it opens anything after.
    /// </summary>
    private static ClaimsPrincipal SessionOf(HttpContext context) =>
        context.Items.TryGetValue(UncheckedSession, out var kept) && kept is ClaimsPrincipal principal ? principal : context.User;

    /// <summary>A request a page's script makes (a fetch, a beacon, a live connection), not a page the browser opens.</summary>
    private static bool FromPageScript(HttpRequest request) =>
        request.Headers["Sec-Fetch-Mode"].ToString() is { Length: > 0 } mode && mode != "navigate";

    private static bool IsBackground(PathString path) => path.StartsWithSegments(AuthSetup.HubPathPrefix) || path == StatusPath;

    private static bool AnswersWithStatus(PathString path) => IsBackground(path) || path == KeepAlivePath;

    /// <summary>
    /// A request from this site's own pages (or typed by the person): said by Fetch Metadata, or, by a browser that sends
    /// none, by an Origin that is not another site's. The pages' no-referrer policy makes such a browser send
    /// "null" from the site's own pages, so that passes: the most another site could do with it, in such a browser, is
    /// sign someone out or keep their session on.
    /// </summary>
    public static bool FromThisSite(HttpRequest request) =>
        request.Headers["Sec-Fetch-Site"].ToString() is { Length: > 0 } site
            ? site is "same-origin" or "none"
            : request.Headers.Origin.ToString() is not { Length: > 0 } origin || origin == "null"
                || string.Equals(origin, $"{request.Scheme}://{request.Host.Value}", StringComparison.OrdinalIgnoreCase);

    /// <summary>Where Entra ID returns the browser after sign-in and after sign-out.</summary>
    public static bool IsCallback(PathString path) => path == SignInCallbackPath || path == SignOutCallbackPath;

    /// <summary>Where a session signed in with Entra ID keeps Entra ID's hint for signing that account out again.</summary>
    public const string LogoutHintItem = ".sc.logout-hint";

    /// <summary>When the sign-in was sent to Entra ID, kept in the sign-in's protected state (see SignedInAfresh).</summary>
    private const string AskedAtItem = ".sc.asked-at";

    /// <summary>How far Entra ID's clock and ours may differ: far more than synchronised clocks do, far less than handing a phone over takes.</summary>
    private static readonly TimeSpan ClockAllowance = TimeSpan.FromSeconds(30);

    /// <summary>The quick exit: it signs out whatever else is failing.</summary>
    public const string ExitPath = "/exit";

    public static bool IsExit(PathString path) => path.Equals(ExitPath, StringComparison.OrdinalIgnoreCase);

    internal static void AddPortalSignIn(this AuthenticationBuilder authentication, AuthOptions options, bool signInWithEntra)
    {
        authentication.AddCookie(CookieScheme, cookie =>
        {
            cookie.Cookie.Name = HostOnly(CookieName, https: signInWithEntra);
            cookie.Cookie.Path = "/";
            cookie.Cookie.HttpOnly = true;

            // Strict: no other site can make the browser send it, to a page, a form or a hub's WebSocket.
            cookie.Cookie.SameSite = SameSiteMode.Strict;

            // Outside Development only ever over https: where the proxy in front is misread as plain http (a forgotten
            // forwarded-headers setting), the portal refuses to work rather than send the session in clear.
            cookie.Cookie.SecurePolicy = signInWithEntra ? CookieSecurePolicy.Always : CookieSecurePolicy.SameAsRequest;

            // A session cookie (gone when the browser closes) that also ends after a short idle time, for shared phones.
            cookie.ExpireTimeSpan = TimeSpan.FromMinutes(options.Portal.IdleMinutes);
            cookie.SlidingExpiration = true;
            cookie.LoginPath = SignInPath;
            cookie.AccessDeniedPath = "/not-available";
            cookie.ReturnUrlParameter = "unused";
            cookie.Events.OnCheckSlidingExpiration = context =>
            {
                // Decided once the session is known to be live (below): a renewal decided here, before that check, would
                // hand a copy of a cookie whose session ended a new lease whenever the check cannot be made (the store
                // slow), one that outlives the record of its end.
                context.ShouldRenew = false;
                return Task.CompletedTask;
            };
            cookie.Events.OnValidatePrincipal = async context =>
            {
                // A session signed out of (or left by the quick exit) is over for every copy of its cookie, in every tab;
                // one kept busy ends all the same a fixed time after sign-in.
                var now = context.Options.TimeProvider?.GetUtcNow() ?? DateTimeOffset.UtcNow;
                var principal = context.Principal;

                // Leaving waits on nothing: the exit ends whatever session the cookie names, ended already or not.
                if (IsExit(context.Request.Path))
                {
                    return;
                }

                // Spent before the session (or the exit's mark) is read or written; 429 is answered after authentication.
                // Signing out spends none (it is limited by address): a copy of the cookie kept busy must not keep its
                // owner from ending the session it opens.
                if (principal is not null && PortalSessions.SessionOf(principal) is { Length: > 0 } session
                    && context.HttpContext.GetEndpoint()?.Metadata.GetMetadata<RequestLimits.OffPersonsBudget>() is null
                    && !context.HttpContext.RequestServices.GetRequiredService<CredentialLimit>().TrySpend(context.HttpContext, session))
                {
                    context.RejectPrincipal();
                    return;
                }

                // The quick exit's mark: its session is recorded as ended, so a copy of the cookie opens nothing either.
                if (context.Request.Cookies.ContainsKey(LeftCookieOf(context.Request)))
                {
                    if (principal is not null)
                    {
                        await context.HttpContext.RequestServices.GetRequiredService<PortalSessions>().EndAsync(SessionHolder(principal, options));
                    }

                    context.RejectPrincipal();
                    await context.HttpContext.SignOutAsync(CookieScheme);
                    return;
                }

                var check = principal is null || LatestEnd(principal, options) <= now
                    ? SessionCheck.Ended
                    : await context.HttpContext.RequestServices.GetRequiredService<PortalSessions>().CheckAsync(principal);
                if (principal is null || check != SessionCheck.Live)
                {
                    context.RejectPrincipal();

                    // Signing out deletes an ended session's cookie. A session that could not be checked (the store down)
                    // is only refused, not renewed, and answered "try again", not "signed out", so a blip ends nobody's
                    // session (the page's script clears itself on 401 or 403 only). A page's own request in the
                    // background leaves the cookie to the page it goes to next: its answer can come after a sign-in in
                    // another tab set a new cookie, which it would delete.
                    if (principal is null || check == SessionCheck.Ended)
                    {
                        if (!FromPageScript(context.Request))
                        {
                            await context.HttpContext.SignOutAsync(CookieScheme);
                        }
                    }
                    else
                    {
                        // Kept, as the person and session it names, for a sign-out or a new sign-in on this request,
                        // which still end this session.
                        context.HttpContext.Items[UncheckedSession] = SessionHolder(principal, options);
                    }

                    return;
                }

                // The session's end goes with the principal, as a token's does, so a hub connection it opens ends with it.
                if (context.Properties.ExpiresUtc is { } idleEnd && principal.Identity is ClaimsIdentity identity)
                {
                    var end = idleEnd < LatestEnd(principal, options) ? idleEnd : LatestEnd(principal, options);
                    var ends = new Claim(ScClaims.TokenExpiry, end.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture), ClaimValueTypes.Integer64);
                    context.ReplacePrincipal(new ClaimsPrincipal(new ClaimsIdentity(
                        identity.Claims.Where(c => c.Type != ScClaims.TokenExpiry).Append(ends), identity.AuthenticationType)));
                }

                // Only what the person does moves the idle time-out on. A hub's (re)connection and the script's status
                // check happen by themselves, so a page left open on a shared phone would otherwise never idle out.
                // Whatever the person does moves it on, not only once half of it has passed (the cookie's own rule):
                // the page counts the idle time from their last tap, and asks if they are still here a minute before
                // that count runs out, which must come before the session really ends. A page of another site (a sibling
                // subdomain's, whose requests carry the cookie too) could otherwise keep a shared phone's session alive.
                // Nor does a page drawn in another session (someone signed in over it in another tab) keep this one alive,
                // nor one the script drew again by itself.
                context.ShouldRenew = !IsBackground(context.Request.Path) && FromThisSite(context.Request) && !context.Request.Query.ContainsKey(RedrawnQuery)
                    && (context.Request.Query["tag"].ToString() is not { Length: > 0 } tag || tag == PortalSessions.TagOf(principal));
            };
            cookie.Events.OnSigningOut = context =>
            {
                // Nothing of the portal stays in the browser's site data: the forms' cookie goes with the session's.
                Forget(context.HttpContext, LeftCookieOf(context.Request), context.HttpContext.RequestServices.GetRequiredService<IOptions<AntiforgeryOptions>>().Value.Cookie.Name!);
                return context.HttpContext.RequestServices.GetRequiredService<PortalSessions>().EndAsync(SessionOf(context.HttpContext));
            };

            // Signing in over a session (another person on the same phone, or the same one again) ends that one first.
            cookie.Events.OnSigningIn = context =>
            {
                Forget(context.HttpContext, LeftCookieOf(context.Request));
                return context.HttpContext.RequestServices.GetRequiredService<PortalSessions>().EndAsync(SessionOf(context.HttpContext));
            };
            cookie.Events.OnRedirectToLogin = context =>
            {
                // A hub, or the script's keep-alive, is not a page: it is told 401, like the API. A page goes to sign-in,
                // with no return address in the URL (it could name a page; sign-in always lands on the person's home).
                if (context.HttpContext.Items.ContainsKey(UncheckedSession))
                {
                    context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
                }
                else if (AnswersWithStatus(context.Request.Path))
                {
                    context.Response.StatusCode = StatusCodes.Status401Unauthorized;
                }
                else
                {
                    context.Response.Redirect(SignInPath);
                }

                return Task.CompletedTask;
            };
            cookie.Events.OnRedirectToAccessDenied = context =>
            {
                if (AnswersWithStatus(context.Request.Path))
                {
                    context.Response.StatusCode = StatusCodes.Status403Forbidden;
                }
                else
                {
                    // A page drawn again by itself because what the person may see shrank lands here: still nobody's doing.
                    context.Response.Redirect(long.TryParse(context.Request.Query[RedrawnQuery], NumberStyles.None, CultureInfo.InvariantCulture, out var idle)
                        ? $"{cookie.AccessDeniedPath}?{RedrawnQuery}={idle.ToString(CultureInfo.InvariantCulture)}"
                        : cookie.AccessDeniedPath);
                }

                return Task.CompletedTask;
            };
        });

        if (!signInWithEntra)
        {
            return;
        }

        authentication.AddOpenIdConnect(EntraScheme, oidc =>
        {
            oidc.Authority = options.Authority;
            oidc.ClientId = options.Portal.ClientId;
            oidc.ClientSecret = Hosting.KeyVaultReference.IsUnresolved(options.Portal.ClientSecret) ? null : options.Portal.ClientSecret;
            oidc.ResponseType = OpenIdConnectResponseType.Code;
            oidc.UsePkce = true;
            oidc.MapInboundClaims = false;
            oidc.SaveTokens = false;
            oidc.GetClaimsFromUserInfoEndpoint = false;
            oidc.SignInScheme = CookieScheme;

            // Host-only, as the session's own: a sibling subdomain could otherwise plant its own sign-in's correlation and
            // nonce and post its code here, signing the person's browser in as someone else.
            foreach (var kept in new[] { oidc.CorrelationCookie, oidc.NonceCookie })
            {
                kept.Name = HostOnly(kept.Name!, https: true);
                kept.Path = "/";
                kept.SecurePolicy = CookieSecurePolicy.Always;
            }

            oidc.CallbackPath = SignInCallbackPath;
            oidc.SignedOutCallbackPath = SignOutCallbackPath;

            // No front-channel sign-out: Entra ID is not set to send one, and any page (a sibling subdomain's image)
            // could otherwise sign the person out through it, past the checks /signout makes of where a request came from.
            oidc.RemoteSignOutPath = PathString.Empty;
            oidc.Scope.Clear();
            oidc.Scope.Add(OpenIdConnectScope.OpenId);

            // Entra ID puts the person's object id (oid) in the ID token only with profile; the name it also brings is
            // never kept (SessionPrincipal).
            oidc.Scope.Add("profile");
            oidc.Events.OnRedirectToIdentityProvider = context =>
            {
                // Entra ID keeps its own session after the portal's ends (quick exit, idle time-out): without a fresh
                // sign-in, whoever next taps "Sign in" on a shared phone would be let in as the person who left.
                context.ProtocolMessage.Prompt = OpenIdConnectPrompt.Login;

                // The prompt travels in an address the browser could be made to change: when the sign-in was asked for
                // is kept in the protected state, and the ID token must show a sign-in made since (SignedInAfresh).
                context.Properties.Items[AskedAtItem] = Now(context.Options).ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
                return Task.CompletedTask;
            };
            oidc.Events.OnRedirectToIdentityProviderForSignOut = context =>
            {
                // Told nothing, Entra ID asks which account to sign out of, and on a shared phone that list shows whoever
                // used it. The hint is Entra ID's own opaque value for the account, kept with the session, not a name.
                if (context.Properties.Parameters.TryGetValue(LogoutHintItem, out var hint) && hint is string { Length: > 0 } logoutHint)
                {
                    context.ProtocolMessage.SetParameter("logout_hint", logoutHint);
                }

                return Task.CompletedTask;
            };
            oidc.Events.OnTokenValidated = context =>
            {
                // Keep only who and which agency, each a single string, as for API tokens: names stay out of the cookie.
                var person = context.Principal?.FindAll(options.UserIdClaim).ToList();
                var agency = context.Principal?.FindAll(options.AgencyClaim).ToList();
                if (person is not [{ } p] || agency is not [{ } a] || string.IsNullOrEmpty(p.Value) || string.IsNullOrEmpty(a.Value))
                {
                    context.Fail("The sign-in did not name one person and one agency.");
                    return Task.CompletedTask;
                }

                var afresh = SignedInAfresh(context.Principal!, context.Properties!, Now(context.Options));
                context.Properties!.Items.Remove(AskedAtItem);
                if (afresh is not null)
                {
                    // Said to whoever runs the service, never to the person: a missing claim refuses everyone.
                    LogNotAfresh(context.HttpContext.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(PortalSignIn)), afresh);
                    context.Fail("The sign-in was not made afresh.");
                    return Task.CompletedTask;
                }

                if (context.Principal?.FindFirstValue("login_hint") is { Length: > 0 and <= 2048 } loginHint)
                {
                    context.Properties!.Items[LogoutHintItem] = loginHint;
                }

                context.Principal = SessionPrincipal(options, p.Value, a.Value, EntraScheme, Now(context.Options));

                return Task.CompletedTask;
            };
            oidc.Events.OnRemoteFailure = context =>
            {
                context.HandleResponse();
                context.Response.Redirect(SignInPath + "?failed=1");
                return Task.CompletedTask;
            };
        });
    }

    private static DateTimeOffset Now(OpenIdConnectOptions options) => options.TimeProvider?.GetUtcNow() ?? DateTimeOffset.UtcNow;

    /// <summary>
    /// Why the ID token does not show the person signed in at Entra ID after this sign-in was asked for (less
    /// <see cref="ClockAllowance"/>), or null when it does: an Entra ID session left on a shared phone by whoever used
    /// the quick exit signs nobody in, even with <c>prompt</c> taken out of the address. <c>auth_time</c> is an
    /// optional claim the app registration must send; a token without it is refused too.
    /// </summary>
    private static string? SignedInAfresh(ClaimsPrincipal principal, AuthenticationProperties properties, DateTimeOffset now)
    {
        if (principal.FindAll("auth_time").ToList() is not [{ } authTime] || !long.TryParse(authTime.Value, NumberStyles.None, CultureInfo.InvariantCulture, out var authenticated))
        {
            return "the ID token has no auth_time claim: add it to the app registration's optional ID token claims";
        }

        if (!properties.Items.TryGetValue(AskedAtItem, out var askedText) || !long.TryParse(askedText, NumberStyles.None, CultureInfo.InvariantCulture, out var asked))
        {
            return "the sign-in's state does not say when it was asked for";
        }

        return authenticated < asked - (long)ClockAllowance.TotalSeconds || authenticated > now.ToUnixTimeSeconds() + (long)ClockAllowance.TotalSeconds
            ? "Entra ID did not sign the person in afresh (an earlier session was used)"
            : null;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "A portal sign-in was refused: {Reason}")]
    private static partial void LogNotAfresh(ILogger logger, string reason);
}
