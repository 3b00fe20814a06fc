namespace SurvivorConnect.Api.Infrastructure.Hosting;

/// <summary>
/// A portal form sent from a page that has changed since it was opened (a second tap after the first removed the
/// form, a tab left open) or whose token no longer holds is refused by the framework with one line of text meant for
/// developers, and no exit button (portal pages themselves never answer 400; the API's refusals are JSON). Such a
/// refusal is shown instead as a portal page that says nothing was done and leads back to the page as it is now.
/// </summary>
internal sealed class StalePortalForms(RequestDelegate next)
{
    public async Task InvokeAsync(HttpContext context)
    {
        if (!BrowserPageRequests.IsPortalFormPost(context))
        {
            await next(context);
            return;
        }

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

    /// <summary>The page the form came from, as a path on this site: never a protocol-relative address to another.</summary>
    private static string PageAgain(HttpRequest request) =>
        "/" + request.Path.ToUriComponent().TrimStart('/') + request.QueryString.ToUriComponent();
}
