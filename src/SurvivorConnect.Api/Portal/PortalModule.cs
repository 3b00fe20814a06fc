using System.Net;
using Mediator;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using SurvivorConnect.Api.Features.People;
using SurvivorConnect.Api.Infrastructure.Auth;
using SurvivorConnect.Api.Infrastructure.Hosting;

namespace SurvivorConnect.Api.Portal;

/// <summary>Where the quick exit goes, and what the portal calls itself in the browser's title bar and its header.</summary>
public sealed class PortalOptions
{
    public const string SectionName = "Portal";

    /// <summary>A neutral site that replaces the portal on quick exit.</summary>
    public string ExitUrl { get; set; } = "https://weather.com";

    /// <summary>
    /// The portal's name in the browser tab, its history and its header: plain and neutral, never a person's name nor
    /// a word (such as the product's own name) that tells someone looking at a phone what the portal is for.
    /// </summary>
    public string Title { get; set; } = "Portal";
}

/// <summary>
/// The web portal: Blazor pages rendered on the server (see ADR 0004), sign-in and sign-out, and the quick exit.
/// Pages send the same Mediator requests as the API, so the same validation, tenant scope, guards and audit apply.
/// </summary>
public static class PortalModule
{
    public static WebApplicationBuilder AddPortal(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.Configure<PortalOptions>(builder.Configuration.GetSection(PortalOptions.SectionName));
        builder.Services.AddRazorComponents();
        builder.Services.AddAntiforgery(o =>
        {
            o.Cookie.Name = PortalSignIn.HostOnly(PortalSignIn.FormCookie, https: !builder.Environment.IsDevelopment());
            o.Cookie.Path = "/";
            o.Cookie.SameSite = SameSiteMode.Strict;
            o.Cookie.SecurePolicy = builder.Environment.IsDevelopment() ? CookieSecurePolicy.SameAsRequest : CookieSecurePolicy.Always;
        });
        return builder;
    }

    /// <summary>
    /// First in the pipeline, and set as each answer starts: so every page has them, also one written before routing
    /// (too many requests), after a failure (the exception handler clears the headers) or by sign-in's own handlers.
    /// </summary>
    public static WebApplication UsePortalHeaders(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        var formTargets = app.Services.GetServices<FormActionOrigin>().Select(o => o.Origin).Prepend(EntraOrigin(app)).Where(o => o.Length > 0);
        var formAction = string.Join(' ', formTargets);

        // Safari before 15.4 (iOS too) does not count this site's own wss: address as 'self': named, chat and notices
        // connect there as well. The host is the one the page was asked for, so nothing else is let in.
        string PolicyFor(HttpRequest request) =>
            $"default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self' {(request.IsHttps ? "wss" : "ws")}://{request.Host}; "
            + $"form-action 'self' {formAction}; frame-ancestors 'none'; base-uri 'none'";
        app.Use((context, next) =>
        {
            context.Response.OnStarting(() =>
            {
                var headers = context.Response.Headers;
                headers.XContentTypeOptions = "nosniff";

                // Nothing a portal page shows may be sent to or framed by another site (no-store is set for every response),
                // and a site that opened the portal's tab (a link sent as a lure) keeps no hold on it to send it elsewhere.
                if (!context.Request.Path.StartsWithSegments("/api") && !context.Request.Path.StartsWithSegments("/portal-assets") && !context.Request.Path.StartsWithSegments("/scalar"))
                {
                    headers["Referrer-Policy"] = "no-referrer";
                    headers["X-Frame-Options"] = "DENY";
                    headers["Cross-Origin-Opener-Policy"] = "same-origin";
                    headers.ContentSecurityPolicy = PolicyFor(context.Request);
                }

                return Task.CompletedTask;
            });
            return next(context);
        });
        return app;
    }

    public static WebApplication UsePortal(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.UseAntiforgery();
        return app;
    }

    private const string SignedInPath = "/signin/complete";

    public static WebApplication MapPortal(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.MapRazorComponents<App>();

        var session = app.MapGroup("").WithTags("Portal").ExcludeFromDescription();
        // Like the quick exit, signing out needs no form token: a page left open while the person signed in again
        // elsewhere holds a token of the old session, and signing someone out is all another site could make it do. Nor
        // is it refused for the person's budget of requests, which a device still signed in (taken) can spend.
        session.MapPost("/signout", SignOut).WithName(nameof(SignOut)).AllowAnonymous().DisableAntiforgery().WithMetadata(new RequestLimits.OffPersonsBudget());

        // As /signout, having first ended every other sign-in of the person too (a phone left signed in, or taken).
        session.MapPost(SignOutEverywherePath, SignOutEverywhere).WithName(nameof(SignOutEverywhere)).RequireAuthorization(Policies.SignedIn).DisableAntiforgery()
            .WithMetadata(new RequestLimits.OffPersonsBudget());

        // The quick exit ends the session from a page being left, as a beacon: it carries no form token, so it ends
        // the session only when the browser says it came from this site (Exit). Nobody leaving in a hurry is ever told
        // to slow down.
        session.MapPost(PortalSignIn.ExitPath, (Func<HttpContext, string?, PortalSessions, Task<NoContent>>)Exit).WithName(nameof(Exit)).AllowAnonymous().DisableAntiforgery().DisableRateLimiting();

        // The cookie's sliding expiry does the work: a request from someone signed in moves their idle time-out on,
        // except the status check, which only answers 204 while the session is on (401 or 403 once it is not).
        // Each is asked with the session a page was drawn in (tag): 409 once the browser's session is another (someone
        // signed in over it), and kept alive only by a page of its own. The page then clears itself without ending the
        // session now in the browser.
        session.MapPost(PortalSignIn.KeepAlivePath, SessionStatus).WithName("KeepSessionAlive").RequireAuthorization(Policies.SignedIn);
        session.MapGet(PortalSignIn.StatusPath, SessionStatus).WithName("SessionStatus").RequireAuthorization(Policies.SignedIn);

        // The exit link itself, followed when the page's script has not run (a slow phone, scripts off): it signs out
        // on its way to the neutral site, as the script's beacon would.
        session.MapGet(PortalSignIn.ExitPath, LeaveNow).WithName(nameof(LeaveNow)).AllowAnonymous().DisableRateLimiting();
        if (app.Environment.IsDevelopment())
        {
            session.MapPost("/signin/demo", SignInAsDemoPerson).WithName(nameof(SignInAsDemoPerson)).AllowAnonymous()
                .RequireRateLimiting(RequestLimits.SignIn);
        }
        else
        {
            session.MapGet("/signin/entra", (Func<HttpContext, Task<ChallengeHttpResult>>)SignInWithEntra).WithName(nameof(SignInWithEntra)).AllowAnonymous()
                .RequireRateLimiting(RequestLimits.SignIn);
            session.MapGet(SignedInPath, SignedIn).WithName(nameof(SignedIn)).AllowAnonymous();
        }

        return app;
    }

    private static string EntraOrigin(WebApplication app) =>
        Uri.TryCreate(app.Configuration["Auth:Authority"], UriKind.Absolute, out var authority) && !app.Environment.IsDevelopment()
            ? authority.GetLeftPart(UriPartial.Authority)
            : "";

    private static async Task<RedirectHttpResult> SignInAsDemoPerson(
        HttpContext context, [Microsoft.AspNetCore.Mvc.FromForm] string? personId, PeopleRepository people, IOptions<AuthOptions> auth, TimeProvider time, CancellationToken ct)
    {
        foreach (var agency in Features.Development.DemoData.Agencies)
        {
            if (personId is not null && PeopleRules.IsValidId(personId) && await people.FindAsync(agency.Id, personId, ct) is { Active: true } person)
            {
                await context.SignInAsync(PortalSignIn.CookieScheme, PortalSignIn.SessionPrincipal(auth.Value, person.Id, agency.Id, PortalSignIn.CookieScheme, time.GetUtcNow()));
                return TypedResults.Redirect("/");
            }
        }

        return TypedResults.Redirect(PortalSignIn.SignInPath + "?failed=1");
    }

    /// <summary>
    /// Signing in over a session ends that one here, where the browser still sends its cookie: Entra ID's callback comes
    /// from Entra ID's site, without it, so the new session could not end the old one there.
    /// </summary>
    private static async Task<ChallengeHttpResult> SignInWithEntra(HttpContext context)
    {
        await SignOutIfFromThisSiteAsync(context);
        return TypedResults.Challenge(new AuthenticationProperties { RedirectUri = SignedInPath }, [PortalSignIn.EntraScheme]);
    }

    /// <summary>
    /// Entra ID posts the sign-in back from its own site, so the browser withholds the SameSite=Strict session
    /// cookie for the rest of that chain. This page moves on to the portal itself, which the browser then
    /// counts as same-site, and the cookie goes with it.
    /// </summary>
    private static ContentHttpResult SignedIn(IOptions<PortalOptions> options) => SameSiteStep("/", "Sign in", options.Value);

    /// <summary>
    /// A page that shows nothing and moves on to <paramref name="to"/> (a path of this site): arrived at from another
    /// site, the browser withholds the SameSite=Strict session cookie, and the move from here is the site's own.
    /// </summary>
    public static ContentHttpResult SameSiteStep(string to, string title, PortalOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var path = WebUtility.HtmlEncode(to);
        return TypedResults.Content(
            $"""
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8"><meta http-equiv="refresh" content="0;url={path}"><title>{WebUtility.HtmlEncode(title)} · {WebUtility.HtmlEncode(options.Title)}</title></head>
            <body><main><p><a href="{path}">Continue</a></p></main></body></html>
            """, "text/html; charset=utf-8");
    }

    /// <summary>
    /// Ends the portal session and, where sign-in is Entra ID, the Entra ID session too (its end-session endpoint
    /// returns the browser to the sign-in page), so the next person on a shared device cannot sign straight back in.
    /// </summary>
    private static async Task<Results<SignOutHttpResult, RedirectHttpResult>> SignOut(HttpContext context, IAuthenticationSchemeProvider schemes) =>
        // Another site's page, also one on a sibling subdomain, may not sign anyone out (nor send them on to Entra ID's
        // sign-out): the browser says where a form came from.
        PortalSignIn.FromThisSite(context.Request) ? await SignOutHereAsync(context, schemes, "1") : TypedResults.Redirect("/");

    public const string SignOutEverywherePath = "/signout/everywhere";

    private static async Task<Results<SignOutHttpResult, RedirectHttpResult>> SignOutEverywhere(
        HttpContext context, IAuthenticationSchemeProvider schemes, IAntiforgery antiforgery, IMediator mediator, CancellationToken ct)
    {
        if (!PortalSignIn.FromThisSite(context.Request))
        {
            return TypedResults.Redirect("/");
        }

        // The help page's token too: an old browser sends no Fetch Metadata and, from any page with a no-referrer
        // policy, Origin "null", so a sibling subdomain could pass the check above. A page out of date (signed in again
        // since) says nothing was done, so nobody believes another device signed out that is not.
        if (!await antiforgery.IsRequestValidAsync(context))
        {
            return TypedResults.Redirect("/help?stale=1");
        }

        await mediator.Send(new EndMySignIns(), ct);
        return await SignOutHereAsync(context, schemes, "everywhere");
    }

    private static async Task<Results<SignOutHttpResult, RedirectHttpResult>> SignOutHereAsync(HttpContext context, IAuthenticationSchemeProvider schemes, string signedOutAs)
    {
        context.Response.Headers["Clear-Site-Data"] = ClearSiteData;
        var signedOut = new AuthenticationProperties { RedirectUri = $"{PortalSignIn.SignInPath}?signedout={signedOutAs}" };
        if (await schemes.GetSchemeAsync(PortalSignIn.EntraScheme) is null)
        {
            return TypedResults.SignOut(signedOut, [PortalSignIn.CookieScheme]);
        }

        // The session's cookie is gone by the time Entra ID's sign-out is sent, so its account's hint goes with the request.
        if ((await context.AuthenticateAsync(PortalSignIn.CookieScheme)).Properties?.GetString(PortalSignIn.LogoutHintItem) is { } hint)
        {
            // A parameter, not an item: items would also be packed into the sign-out's state, doubling its address.
            signedOut.Parameters[PortalSignIn.LogoutHintItem] = hint;
        }

        return TypedResults.SignOut(signedOut, [PortalSignIn.CookieScheme, PortalSignIn.EntraScheme]);
    }

    private static Results<NoContent, ProblemHttpResult> SessionStatus(HttpContext context, string? tag) =>
        tag is null || tag == PortalSessions.TagOf(context.User)
            ? TypedResults.NoContent()
            : TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "Another session.", detail: "This page was drawn in a session that is no longer this browser's.");

    /// <summary>
    /// What a browser keeps of the site besides cookies (cached scripts and styles, a record of the visit) goes too.
    /// Not on the exit link itself: clearing the cache can hold up the move to the neutral site, and the script's
    /// beacon, which carries it, is on its way already.
    /// </summary>
    private const string ClearSiteData = "\"cache\", \"storage\"";

    private static async Task<NoContent> Exit(HttpContext context, string? session, PortalSessions sessions)
    {
        if (session is null)
        {
            if (await SignOutIfFromThisSiteAsync(context))
            {
                context.Response.Headers["Clear-Site-Data"] = ClearSiteData;
            }

            return TypedResults.NoContent();
        }

        // A page whose own session ended names it (the quick exit names none and ends any): a session signed in since,
        // in another tab of the browser, is not that page's to end. Its own is recorded as ended and its cookie left (the
        // sign-in page it goes to takes it): a deletion sent back could land after a sign-in in another tab and take that
        // new cookie. A cookie that cannot be read (idled out) names no session, and is taken as ever.
        if (!PortalSignIn.FromThisSite(context.Request))
        {
            return TypedResults.NoContent();
        }

        // Its end not recorded (the store down, which is when a page gives up asking), the cookie goes after all: left,
        // it would open the person's pages again once the store is back.
        var found = await context.AuthenticateAsync(PortalSignIn.CookieScheme);
        if (found.Principal is { } principal)
        {
            if (PortalSessions.TagOf(principal) != session)
            {
                return TypedResults.NoContent();
            }

            if (!await sessions.EndAsync(principal))
            {
                await context.SignOutAsync(PortalSignIn.CookieScheme);
            }
        }
        else if (!found.None)
        {
            await context.SignOutAsync(PortalSignIn.CookieScheme);
        }

        context.Response.Headers["Clear-Site-Data"] = ClearSiteData;
        return TypedResults.NoContent();
    }

    private static async Task<RedirectHttpResult> LeaveNow(HttpContext context, IOptions<PortalOptions> options)
    {
        await SignOutIfFromThisSiteAsync(context);
        return TypedResults.Redirect(options.Value.ExitUrl);
    }

    /// <summary>
    /// Ends the session unless another site's page sent the request: the session cookie goes with requests from any page
    /// of the same domain (a sibling subdomain's), which could otherwise close a youth's chat and pages whenever it liked.
    /// The portal's own exit link, beacon and sign-in button always come from this site, or from nowhere (typed, a
    /// bookmark).
    /// </summary>
    private static async Task<bool> SignOutIfFromThisSiteAsync(HttpContext context)
    {
        if (!PortalSignIn.FromThisSite(context.Request))
        {
            return false;
        }

        await context.SignOutAsync(PortalSignIn.CookieScheme);
        return true;
    }
}

/// <summary>
/// Another site a portal form may lead to (its answer redirects there), such as Stripe's onboarding: the browser
/// follows a form's redirect only to origins the content security policy names.
/// </summary>
public sealed record FormActionOrigin(string Origin);
