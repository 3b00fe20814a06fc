using Microsoft.Extensions.Options;

namespace SurvivorConnect.Api.Infrastructure.Hosting;

/// <summary>
/// Framework log categories that, below a level, write what must never be logged: request logs print the whole URL
/// (where SignalR puts the access token), routing's and static files' debug logs print the path (where a calendar
/// link carries its secret), SignalR's debug logs print each hub call's arguments (a chat message's words), outgoing
/// calls' logs print their address (Stripe's carries the survivor's connected account and transfers), and Entra ID
/// sign-in's trace logs print the whole answer it came back with (the sign-in's code and state). They are held at that
/// level whatever the configuration says, also when an operator turns logging up during an incident, for every logging
/// provider: rules naming them more narrowly are dropped, and each provider with rules of its own gets the floor too,
/// since a provider's own rule outranks any general one.
/// </summary>
public sealed class SensitiveLogCategories : IPostConfigureOptions<LoggerFilterOptions>
{
    private static readonly (string Category, LogLevel Floor)[] Floors =
    [
        ("Microsoft.AspNetCore.Hosting.Diagnostics", LogLevel.Warning),
        ("Microsoft.AspNetCore.Routing.EndpointMiddleware", LogLevel.Warning),
        ("Microsoft.AspNetCore.Routing", LogLevel.Information),
        ("Microsoft.AspNetCore.StaticFiles", LogLevel.Information),
        ("Microsoft.AspNetCore.SignalR", LogLevel.Information),
        ("Microsoft.AspNetCore.Http.Connections", LogLevel.Information),
        ("System.Net.Http.HttpClient", LogLevel.Warning),
        ("Microsoft.AspNetCore.Authentication.OpenIdConnect", LogLevel.Information),
    ];

    public void PostConfigure(string? name, LoggerFilterOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var configured = options.Rules.ToList();
        foreach (var rule in configured.Where(rule => Floors.Any(f => Outranks(rule.CategoryName, f.Category))))
        {
            options.Rules.Remove(rule);
        }

        foreach (var (category, floor) in Floors)
        {
            foreach (var provider in configured.Select(r => r.ProviderName).Append(null).Distinct())
            {
                // A level set higher than the floor (a quieter log) stays as it was.
                var level = Configured(configured, provider, category) ?? options.MinLevel;
                options.Rules.Add(new LoggerFilterRule(provider, category, level > floor ? level : floor, filter: null));
            }
        }
    }

    /// <summary>
    /// Whether a rule could choose the level of some of the category's logs over its floor: one naming the category or
    /// one inside it, or one with a wildcard (one <c>*</c>) that could match a name inside it and, being longer, wins.
    /// </summary>
    private static bool Outranks(string? rule, string category)
    {
        if (rule is null)
        {
            return false;
        }

        var star = rule.IndexOf('*', StringComparison.Ordinal);
        if (star < 0)
        {
            return rule.StartsWith(category, StringComparison.OrdinalIgnoreCase);
        }

        var prefix = rule[..star];
        return rule.Length > category.Length
            && (prefix.StartsWith(category, StringComparison.OrdinalIgnoreCase) || category.StartsWith(prefix, StringComparison.OrdinalIgnoreCase));
    }

    /// <summary>The level the rules set for the category's own logs, chosen as the logging library chooses: the provider's own rules first, then the longest category.</summary>
    private static LogLevel? Configured(List<LoggerFilterRule> rules, string? provider, string category) =>
        rules
            .Where(r => (r.ProviderName is null || r.ProviderName == provider) && (r.CategoryName is null || category.StartsWith(r.CategoryName, StringComparison.OrdinalIgnoreCase)))
            .OrderByDescending(r => r.ProviderName is not null)
            .ThenByDescending(r => r.CategoryName?.Length ?? 0)
            .FirstOrDefault()?.LogLevel;
}

/// <summary>
/// Log scopes are left out of every log the app writes, whatever the configuration says: the framework opens one for
/// each request that carries its path, and a calendar link's path carries its secret.
/// </summary>
public static class NoLogScopes
{
    public static IServiceCollection AddNoLogScopes(this IServiceCollection services)
    {
#pragma warning disable CS0618 // The console logger still copies its own old IncludeScopes to a formatter not named in configuration.
        services.PostConfigureAll<Microsoft.Extensions.Logging.Console.ConsoleLoggerOptions>(o => o.IncludeScopes = false);
#pragma warning restore CS0618
        services.PostConfigureAll<Microsoft.Extensions.Logging.Console.ConsoleFormatterOptions>(o => o.IncludeScopes = false);
        services.PostConfigureAll<Microsoft.Extensions.Logging.Console.SimpleConsoleFormatterOptions>(o => o.IncludeScopes = false);
        services.PostConfigureAll<Microsoft.Extensions.Logging.Console.JsonConsoleFormatterOptions>(o => o.IncludeScopes = false);
        services.PostConfigureAll<OpenTelemetry.Logs.OpenTelemetryLoggerOptions>(o => o.IncludeScopes = false);
        return services;
    }
}
