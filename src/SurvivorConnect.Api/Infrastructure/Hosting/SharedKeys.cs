using Microsoft.AspNetCore.DataProtection;
using StackExchange.Redis;
using SurvivorConnect.Api.Features.Chat;

namespace SurvivorConnect.Api.Infrastructure.Hosting;

/// <summary>
/// The keys that sign portal cookies and antiforgery tokens. With Redis configured (several instances) every
/// instance keeps one key ring there, so a cookie or a form one instance issued is accepted by any other; alone,
/// an instance keeps the framework's local key ring.
/// </summary>
internal static class SharedKeys
{
    public const string ApplicationName = "SurvivorConnect";

    public const string RedisKey = "survivorconnect:data-protection-keys";

    public static IServiceCollection AddSharedKeys(this IServiceCollection services, IConfiguration configuration)
    {
        var dataProtection = services.AddDataProtection().SetApplicationName(ApplicationName);
        if (configuration.GetSection(ChatOptions.SectionName).Get<ChatOptions>()?.Redis is { Length: > 0 } redis)
        {
            // Connected on first use, so a start never waits on Redis; every instance then reads the same ring.
            var connection = new Lazy<IConnectionMultiplexer>(() => ConnectionMultiplexer.Connect(redis));
            dataProtection.PersistKeysToStackExchangeRedis(() => connection.Value.GetDatabase(), RedisKey);
        }

        return services;
    }
}
