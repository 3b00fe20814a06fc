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
    /// Tells the connection why, then closes it. Not by throwing from <c>OnConnectedAsync</c>, which would carry the
    /// reason too, but as an error with its stack trace in the log for every refusal, which a flood of them would fill.
    /// </summary>
    public static async Task RefuseAsync(HubCallerContext context, Func<string, Task> tell)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(tell);
        await tell(TooMany);
        context.Abort();
    }
}
