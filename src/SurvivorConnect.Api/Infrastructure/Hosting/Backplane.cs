using StackExchange.Redis;

namespace SurvivorConnect.Api.Infrastructure.Hosting;

/// <summary>The SignalR backplane (Redis) failing a call: unreachable, or too slow to answer.</summary>
public static class Backplane
{
    /// <summary>StackExchange.Redis reports a slow server as a <see cref="TimeoutException"/>, which is no <see cref="RedisException"/>.</summary>
    public static bool Failed(Exception exception) => exception is RedisException or TimeoutException;
}
