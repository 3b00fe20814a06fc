using Microsoft.AspNetCore.SignalR;
using StackExchange.Redis;
using SurvivorConnect.Api.Features.Chat.Rules;
using SurvivorConnect.Storage;

namespace SurvivorConnect.Api.Features.Chat;

public static class ChatSetup
{
    public const int MaxReceiveMessageBytes = 16 * 1024;

    public static WebApplicationBuilder AddChat(this WebApplicationBuilder builder)
    {
        var section = builder.Configuration.GetSection("Chat");
        builder.Services.Configure<ChatOptions>(section);
        builder.Services.AddContainer(Conversation.Container).AddContainer(SafetyFlag.Container).AddContainer(WellbeingPrompt.Container);
        builder.Services.AddScoped<ChatService>();
        builder.Services.AddSingleton<ChatRateLimiter>();
        builder.Services.AddSingleton<ChatConnections>();
        builder.Services.AddSingleton<ChatAccessReconciler>();
        builder.Services.AddSingleton<ChatAccessBus>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<ChatAccessBus>());
        builder.Services.AddHostedService<ChatAccessRecheck>();
        builder.Services.AddSingleton<IUserIdProvider, ChatUserIdProvider>();

        // Each configured list replaces the shipped one; an absent list keeps it.
        var configured = section.GetSection("Safety").Get<SafetyOptions>() ?? new SafetyOptions();
        var defaults = SafetyOptions.Defaults();
        builder.Services.AddSingleton(new SafetyScanner(new SafetyOptions
        {
            Hold = configured.Hold.Count > 0 ? configured.Hold : defaults.Hold,
            Flag = configured.Flag.Count > 0 ? configured.Flag : defaults.Flag,
            Crisis = configured.Crisis.Count > 0 ? configured.Crisis : defaults.Crisis,
        }));

        var signalR = builder.Services.AddSignalR(o =>
        {
            o.MaximumReceiveMessageSize = MaxReceiveMessageBytes;
            o.EnableDetailedErrors = false;
            o.AddFilter<ChatHubFilter>();
        });
        if (section.Get<ChatOptions>()?.Redis is { Length: > 0 } redis)
        {
            signalR.AddStackExchangeRedis(redis, o => o.Configuration.ChannelPrefix = RedisChannel.Literal("survivorconnect"));
        }

        return builder;
    }
}
