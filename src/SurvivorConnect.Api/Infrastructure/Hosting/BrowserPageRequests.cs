using System.Net;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.Extensions.Options;
using SurvivorConnect.Api.Features.Agencies;
using SurvivorConnect.Api.Features.Chat;
using SurvivorConnect.Api.Infrastructure.Auth;
using SurvivorConnect.Api.Portal;

namespace SurvivorConnect.Api.Infrastructure.Hosting;

/// <summary>
/// A browser asking for a page (not the API, not a hub, not a form being sent). A refusal or failure of such a request
/// leaves the body empty, so the status-code page shows it as a portal page, exit button and all.
/// </summary>
internal static class BrowserPageRequests
{
    public static bool WantsPage(HttpContext context) =>
        HttpMethods.IsGet(context.Request.Method) && context.Request.Headers.Accept.ToString().Contains("text/html", StringComparison.OrdinalIgnoreCase)
        && !context.Request.Path.StartsWithSegments("/api") && !context.Request.Path.StartsWithSegments("/hubs");

    /// <summary>A portal page's form being sent: its answer is a page too, never JSON or a line of text.</summary>
    public static bool IsPortalFormPost(HttpContext context) =>
        HttpMethods.IsPost(context.Request.Method) && context.Request.HasFormContentType
        && !context.Request.Path.StartsWithSegments("/api") && !context.Request.Path.StartsWithSegments("/hubs");

    /// <summary>Whether this is the status-code page being shown for an earlier answer of the same request.</summary>
    public static bool IsStatusPage(HttpContext context) => context.Features.Get<IStatusCodeReExecuteFeature>() is not null;

    /// <summary>
    /// A page made of nothing that can fail, with the exit button, the way to help and the crisis lines known without
    /// reading the store, and the portal's script, which makes it work: for when the status-code page itself failed (the
    /// store down, so not even the session can be read), or when running the pipeline again would cost what a refusal
    /// for too many requests is there to save. Someone in danger may be the one who meets it.
    /// </summary>
    public static Task WriteBarePageAsync(HttpContext context, string heading = "That did not work", string text = "Go back and try again. If it keeps happening, tell your agency.", (string Href, string Words)? link = null)
    {
        ArgumentNullException.ThrowIfNull(context);
        var options = context.RequestServices.GetRequiredService<IOptions<PortalOptions>>().Value;
        var lines = CrisisLinesKnown(context);
        context.Response.ContentType = "text/html; charset=utf-8";
        return context.Response.WriteAsync(
            "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
            + "<meta name=\"referrer\" content=\"no-referrer\"><meta name=\"robots\" content=\"noindex, nofollow\">"
            + $"<meta name=\"sc-exit\" content=\"{Html(options.ExitUrl)}\"><title>{Html(options.Title)}</title>"
            + "<link rel=\"stylesheet\" href=\"/portal-assets/portal.css\"></head><body>"
            + "<div class=\"exit-this-page\"><a href=\"/exit\" class=\"exit-button\" role=\"button\" rel=\"nofollow noreferrer\" data-exit>"
            + "<span class=\"visually-hidden\">Emergency</span> Exit this page</a><p class=\"exit-hint\">Or press Shift 3 times</p>"
            + "<div class=\"visually-hidden\" aria-live=\"polite\" data-exit-status></div></div>"
            + $"<header class=\"site-header\"><div class=\"brand\">{Html(options.Title)}</div><a class=\"help-now\" href=\"/help\">Get help now</a></header>"
            + $"<main id=\"main\" tabindex=\"-1\"><h1>{Html(heading)}</h1><p>{Html(text)}</p>"
            + (link is { } l ? $"<p><a href=\"{Html(l.Href)}\">{Html(l.Words)}</a></p>" : "")
            + (lines.Count > 0 ? "<h2>If you need help right now</h2><ul class=\"crisis-lines\" data-crisis>" + string.Concat(lines.Select(Line)) + "</ul>" : "")
            + "</main><script src=\"/portal-assets/portal.js\" defer></script></body></html>");
    }

    /// <summary>The crisis lines of the person's agency as last read, and the deployment's, without reading the store.</summary>
    public static List<CrisisResource> CrisisLinesKnown(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var deployment = context.RequestServices.GetRequiredService<IOptions<ChatOptions>>().Value.CrisisResources;
        // Before sign-in is made sense of (the store unreadable), the agency is still named by the sign-in itself.
        var agencyId = context.User.FindFirst(ScClaims.Agency)?.Value
            ?? context.User.FindFirst(context.RequestServices.GetRequiredService<IOptions<AuthOptions>>().Value.AgencyClaim)?.Value;
        return agencyId is null ? [.. deployment] : [.. context.RequestServices.GetRequiredService<CrisisLinesLastRead>().For(agencyId), .. deployment];
    }

    private static string Line(CrisisResource line) =>
        $"<li><strong>{Html(line.Name)}</strong>: {Html(line.Contact)}"
        + (line.Call is null && line.Text is null ? "" : "<span class=\"crisis-buttons\">"
            + (line.Call is { } call ? $"<a class=\"button\" href=\"tel:{Html(call)}\">Call<span class=\"visually-hidden\"> {Html(line.Name)}</span></a>" : "")
            + (line.Text is { } sms ? $"<a class=\"button secondary\" href=\"sms:{Html(sms)}\">Text<span class=\"visually-hidden\"> {Html(line.Name)}</span></a>" : "")
            + "</span>")
        + "</li>";

    private static string Html(string text) => WebUtility.HtmlEncode(text);
}
