using System.Net;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.Extensions.Options;
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
    /// A page made of nothing that can fail, with the exit button and the portal's script, which makes it work: for
    /// when the status-code page itself failed (the store down, so not even the session can be read), or when running
    /// the pipeline again would cost what a refusal for too many requests is there to save.
    /// </summary>
    public static Task WriteBarePageAsync(HttpContext context, string heading = "That did not work", string text = "Go back and try again. If it keeps happening, tell your agency.", (string Href, string Words)? link = null)
    {
        ArgumentNullException.ThrowIfNull(context);
        var options = context.RequestServices.GetRequiredService<IOptions<PortalOptions>>().Value;
        context.Response.ContentType = "text/html; charset=utf-8";
        return context.Response.WriteAsync(
            "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
            + "<meta name=\"referrer\" content=\"no-referrer\"><meta name=\"robots\" content=\"noindex, nofollow\">"
            + $"<meta name=\"sc-exit\" content=\"{WebUtility.HtmlEncode(options.ExitUrl)}\"><title>{WebUtility.HtmlEncode(options.Title)}</title>"
            + "<link rel=\"stylesheet\" href=\"/portal-assets/portal.css\"></head><body>"
            + "<div class=\"exit-this-page\"><a href=\"/exit\" class=\"exit-button\" role=\"button\" rel=\"nofollow noreferrer\" data-exit>"
            + "<span class=\"visually-hidden\">Emergency</span> Exit this page</a></div>"
            + $"<main id=\"main\" tabindex=\"-1\"><h1>{WebUtility.HtmlEncode(heading)}</h1><p>{WebUtility.HtmlEncode(text)}</p>"
            + (link is { } l ? $"<p><a href=\"{WebUtility.HtmlEncode(l.Href)}\">{WebUtility.HtmlEncode(l.Words)}</a></p>" : "") + "</main>"
            + "<script src=\"/portal-assets/portal.js\" defer></script></body></html>");
    }
}
