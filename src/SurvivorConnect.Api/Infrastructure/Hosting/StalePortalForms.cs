namespace SurvivorConnect.Api.Infrastructure.Hosting;

/// <summary>
/// A portal form sent from a page that has changed since it was opened (a second tap after the first removed the
/// form, a tab left open) or whose token no longer holds is refused by the framework with one line of text meant for
/// developers, and no exit button (portal pages themselves never answer 400; the API's refusals are JSON). Such a
/// refusal is shown instead as a portal page that says nothing was done and leads back to the page as it is now.
/// </summary>
internal sealed class StalePortalForms(RequestDelegate next)
{
    public async Task InvokeAsync(HttpContext context, IEnumerable<IStaleFormRescue> rescues)
    {
        if (!BrowserPageRequests.IsPortalFormPost(context))
        {
            await next(context);
            return;
        }

        // Read before its token is checked: one that fails leaves the form unreadable, as it should for anything acted on.
        var rescue = rescues.FirstOrDefault(r => r.Keeps(context.Request.Path));
        var form = rescue is null ? null : await ReadFormAsync(context);
        var body = context.Response.Body;
        using var answer = new MemoryStream();
        context.Response.Body = answer;
        try
        {
            await next(context);
        }
        finally
        {
            context.Response.Body = body;
        }

        if (context.Response.StatusCode == StatusCodes.Status400BadRequest
            && context.Response.ContentType?.Contains("json", StringComparison.OrdinalIgnoreCase) != true)
        {
            context.Response.Headers.ContentLength = null;
            if (form is not null && rescue!.Rescue(context, form) is { } again)
            {
                context.Response.ContentType = null;
                context.Response.StatusCode = StatusCodes.Status303SeeOther;
                context.Response.Headers.Location = again;
                return;
            }

            await BrowserPageRequests.WriteBarePageAsync(
                context,
                "This page has changed",
                "What you sent may already have been done, or the page is out of date. Nothing was changed just now.",
                (PageAgain(context.Request), "Open the page as it is now"));
            return;
        }

        answer.Position = 0;
        await answer.CopyToAsync(body, context.RequestAborted);
    }

    private static async Task<IFormCollection?> ReadFormAsync(HttpContext context)
    {
        try
        {
            return await context.Request.ReadFormAsync(context.RequestAborted);
        }
        catch (InvalidDataException)
        {
            // Not a form the page could have sent: the framework refuses it as it would have.
            return null;
        }
    }

    /// <summary>The page the form came from, as a path on this site: never a protocol-relative address to another.</summary>
    private static string PageAgain(HttpRequest request) =>
        "/" + request.Path.ToUriComponent().TrimStart('/') + request.QueryString.ToUriComponent();
}

/// <summary>
/// A portal form whose content must not be lost with a stale page (a check-in's answers, which may say someone is not
/// safe): kept for the person who sent it, and shown again on its page, instead of the page that says nothing was done.
/// </summary>
public interface IStaleFormRescue
{
    /// <summary>Whether forms sent to this page may be this rescue's.</summary>
    bool Keeps(PathString path);

    /// <summary>
    /// Where the browser sees the form again with what it sent, once its token failed; null when it is not this rescue's
    /// form, or not kept. Nothing in <paramref name="form"/> may be acted on: only shown back to whom the page was drawn for.
    /// </summary>
    string? Rescue(HttpContext context, IFormCollection form);
}
