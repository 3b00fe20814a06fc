using Microsoft.Extensions.Logging;
using SurvivorConnect.Api.Infrastructure.Hosting;

namespace SurvivorConnect.UnitTests.Infrastructure;

public sealed class SensitiveLogCategoriesTests
{
    private static LogLevel LevelFor(LoggerFilterOptions options, string provider, string category) =>
        options.Rules
            .Where(r => (r.ProviderName is null || r.ProviderName == provider) && (r.CategoryName is null || category.StartsWith(r.CategoryName, StringComparison.OrdinalIgnoreCase)))
            .OrderByDescending(r => r.ProviderName is not null)
            .ThenByDescending(r => r.CategoryName?.Length ?? 0)
            .First().LogLevel!.Value;

    private static LoggerFilterOptions Clamped(params LoggerFilterRule[] rules)
    {
        var options = new LoggerFilterOptions { MinLevel = LogLevel.Trace };
        foreach (var rule in rules)
        {
            options.Rules.Add(rule);
        }

        new SensitiveLogCategories().PostConfigure(null, options);
        return options;
    }

    [Fact]
    public void A_provider_s_own_rule_turning_everything_up_does_not_reach_SignalR_s_message_logs()
    {
        var options = Clamped(
            new LoggerFilterRule("Console", null, LogLevel.Trace, null),
            new LoggerFilterRule("Console", "Microsoft.AspNetCore.SignalR.Internal", LogLevel.Trace, null),
            new LoggerFilterRule(null, "Microsoft.AspNetCore.SignalR.Internal.DefaultHubDispatcher", LogLevel.Debug, null));

        Assert.Equal(LogLevel.Information, LevelFor(options, "Console", "Microsoft.AspNetCore.SignalR.Internal.DefaultHubDispatcher"));
        Assert.Equal(LogLevel.Information, LevelFor(options, "Debug", "Microsoft.AspNetCore.SignalR.Internal.DefaultHubDispatcher"));
        Assert.Equal(LogLevel.Warning, LevelFor(options, "Console", "Microsoft.AspNetCore.Hosting.Diagnostics"));
        Assert.Equal(LogLevel.Trace, LevelFor(options, "Console", "SurvivorConnect.Api.Features.Chat.ChatService"));
    }

    [Fact]
    public void A_quieter_level_set_for_the_framework_stays_as_it_was()
    {
        var options = Clamped(new LoggerFilterRule(null, "Microsoft.AspNetCore", LogLevel.Error, null));

        Assert.Equal(LogLevel.Error, LevelFor(options, "Console", "Microsoft.AspNetCore.SignalR.HubConnectionHandler"));
    }
}
