using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using SurvivorConnect.Api.Infrastructure.Hosting;

namespace SurvivorConnect.UnitTests.Infrastructure;

/// <summary>Through the logging library's own choice of rule, as the app's loggers make it.</summary>
public sealed class SensitiveLogCategoriesTests
{
    private const string HubCalls = "Microsoft.AspNetCore.SignalR.Internal.DefaultHubDispatcher";

    [ProviderAlias("Console")]
    private sealed class Provider : ILoggerProvider
    {
        public ILogger CreateLogger(string categoryName) => new Logger();

        public void Dispose()
        {
        }

        private sealed class Logger : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
            }
        }
    }

    private static ILoggerFactory Factory(Action<ILoggingBuilder> configure)
    {
        var services = new ServiceCollection();
        services.AddLogging(logging =>
        {
            logging.SetMinimumLevel(LogLevel.Trace);
            logging.AddProvider(new Provider());
            configure(logging);
        });
        services.AddSingleton<IPostConfigureOptions<LoggerFilterOptions>, SensitiveLogCategories>();
        return services.BuildServiceProvider().GetRequiredService<ILoggerFactory>();
    }

    [Fact]
    public void Log_scopes_which_carry_a_requests_path_stay_off_for_every_provider_though_configured_on()
    {
        var services = new ServiceCollection();
        services.AddLogging(logging => logging
#pragma warning disable CS0618 // The old switch the default console logger still reads.
            .AddConsole(o => o.IncludeScopes = true)
#pragma warning restore CS0618
            .AddSimpleConsole(o => o.IncludeScopes = true)
            .AddJsonConsole(o => o.IncludeScopes = true)
            .AddSystemdConsole(o => o.IncludeScopes = true)
            .AddOpenTelemetry(o => o.IncludeScopes = true));
        services.AddNoLogScopes();
        using var provider = services.BuildServiceProvider();

#pragma warning disable CS0618
        Assert.False(provider.GetRequiredService<IOptionsMonitor<Microsoft.Extensions.Logging.Console.ConsoleLoggerOptions>>().CurrentValue.IncludeScopes);
#pragma warning restore CS0618
        Assert.False(provider.GetRequiredService<IOptionsMonitor<Microsoft.Extensions.Logging.Console.SimpleConsoleFormatterOptions>>().CurrentValue.IncludeScopes);
        Assert.False(provider.GetRequiredService<IOptionsMonitor<Microsoft.Extensions.Logging.Console.JsonConsoleFormatterOptions>>().CurrentValue.IncludeScopes);
        Assert.False(provider.GetRequiredService<IOptionsMonitor<Microsoft.Extensions.Logging.Console.ConsoleFormatterOptions>>().CurrentValue.IncludeScopes);
        Assert.False(provider.GetRequiredService<IOptions<OpenTelemetry.Logs.OpenTelemetryLoggerOptions>>().Value.IncludeScopes);
    }

    [Fact]
    public void Rules_turning_everything_up_for_a_provider_by_name_or_by_wildcard_do_not_reach_SignalR_s_message_logs()
    {
        using var factory = Factory(logging => logging
            .AddFilter<Provider>(null, LogLevel.Trace)
            .AddFilter<Provider>("Microsoft.AspNetCore.SignalR.Internal", LogLevel.Trace)
            .AddFilter("Microsoft.AspNetCore.*.DefaultHubDispatcher", LogLevel.Trace)
            .AddFilter(HubCalls, LogLevel.Debug));

        Assert.False(factory.CreateLogger(HubCalls).IsEnabled(LogLevel.Debug));
        Assert.True(factory.CreateLogger(HubCalls).IsEnabled(LogLevel.Information));
        Assert.False(factory.CreateLogger("Microsoft.AspNetCore.Hosting.Diagnostics").IsEnabled(LogLevel.Information));
        Assert.True(factory.CreateLogger("SurvivorConnect.Api.Features.Chat.ChatService").IsEnabled(LogLevel.Trace));
    }

    [Theory]
    [InlineData("Microsoft.AspNetCore.Routing.Matching.DfaMatcher")]
    [InlineData("Microsoft.AspNetCore.StaticFiles.StaticFileMiddleware")]
    public void Debug_logs_that_print_the_request_path_where_a_calendar_link_carries_its_secret_stay_off_when_logging_is_turned_up(string category)
    {
        using var factory = Factory(logging => logging.AddFilter("Microsoft", LogLevel.Trace).AddFilter(category, LogLevel.Debug));

        Assert.False(factory.CreateLogger(category).IsEnabled(LogLevel.Debug));
        Assert.True(factory.CreateLogger(category).IsEnabled(LogLevel.Information));
    }

    [Fact]
    public void A_wildcard_rule_longer_than_the_floor_does_not_reach_SignalR_s_message_logs()
    {
        using var factory = Factory(logging => logging.AddFilter("Microsoft.AspNetCore.*.DefaultHubDispatcher", LogLevel.Trace));

        Assert.False(factory.CreateLogger(HubCalls).IsEnabled(LogLevel.Debug));
    }

    [Fact]
    public void A_quieter_level_set_for_the_framework_stays_as_it_was()
    {
        using var factory = Factory(logging => logging.AddFilter("Microsoft.AspNetCore", LogLevel.Error));

        Assert.False(factory.CreateLogger("Microsoft.AspNetCore.SignalR.HubConnectionHandler").IsEnabled(LogLevel.Warning));
        Assert.True(factory.CreateLogger("Microsoft.AspNetCore.SignalR.HubConnectionHandler").IsEnabled(LogLevel.Error));
    }

    [Theory]
    [InlineData("System.Net.Http.HttpClient.StripeGateway.LogicalHandler")]
    [InlineData("System.Net.Http.HttpClient.StripeGateway.ClientHandler")]
    public void Outgoing_calls_whose_address_names_a_survivor_s_Stripe_account_are_not_logged_at_the_default_level(string category)
    {
        using var factory = Factory(logging => logging.AddFilter("System", LogLevel.Information));

        Assert.False(factory.CreateLogger(category).IsEnabled(LogLevel.Information));
        Assert.True(factory.CreateLogger(category).IsEnabled(LogLevel.Warning));
    }

    [Fact]
    public void Entra_sign_in_s_trace_logs_of_the_answer_with_its_code_stay_off_when_logging_is_turned_up()
    {
        using var factory = Factory(logging => logging.AddFilter("Microsoft.AspNetCore.Authentication", LogLevel.Trace));

        Assert.False(factory.CreateLogger("Microsoft.AspNetCore.Authentication.OpenIdConnect.OpenIdConnectHandler").IsEnabled(LogLevel.Debug));
        Assert.True(factory.CreateLogger("Microsoft.AspNetCore.Authentication.OpenIdConnect.OpenIdConnectHandler").IsEnabled(LogLevel.Information));
    }
}
