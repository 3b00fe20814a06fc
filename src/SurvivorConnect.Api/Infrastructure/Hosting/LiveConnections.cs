using Microsoft.AspNetCore.SignalR;

namespace SurvivorConnect.Api.Infrastructure.Hosting;

/// <summary>How the live hubs (chat, notices) close a connection the page should not reopen.</summary>
public static class LiveConnections
{
    /// <summary>
    /// The person already holds as many connections to this hub as anyone may: the page says so and tries again only
    /// now and then, instead of at once in a loop.
    /// </summary>
    public const string TooMany = "too-many-connections";

    /// <summary>
    /// The page that opens the connection was drawn in another session than the browser's now (someone signed in over
    /// it): the connection would be the new person's, under the first person's page, so it is refused and the page leaves.
    /// </summary>
    public const string OtherSession = "other-session";

    /// <summary>Whether the page opening the connection says it was drawn in another session than the connection's own.</summary>
    public static bool FromOtherSession(HubCallerContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return context.GetHttpContext()?.Request.Query["session"].ToString() is { Length: > 0 } drawnIn
            && drawnIn != Auth.PortalSessions.TagOf(context.User ?? new System.Security.Claims.ClaimsPrincipal());
    }

    /// <summary>
    /// Tells the connection why, then closes it. Not by throwing from <c>OnConnectedAsync</c>, which would carry the
    /// reason too, but as an error with its stack trace in the log for every refusal, which a flood of them would fill.
    /// </summary>
    public static async Task RefuseAsync(HubCallerContext context, Func<string, Task> tell, string reason = TooMany)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(tell);
        await tell(reason);
        context.Abort();
    }
}
