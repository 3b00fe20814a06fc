namespace SurvivorConnect.Api.Infrastructure.Hosting;

/// <summary>What the live hubs (chat, notices) say when they close a connection the page should not reopen.</summary>
public static class LiveConnections
{
    /// <summary>
    /// The person already holds as many connections to this hub as anyone may: the page stops reconnecting and says
    /// so, instead of retrying for ever.
    /// </summary>
    public const string TooMany = "too-many-connections";
}
