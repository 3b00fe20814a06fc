using Microsoft.Extensions.Diagnostics.HealthChecks;
using SurvivorConnect.Api.Features.Development;
using SurvivorConnect.Storage;

namespace SurvivorConnect.Api.Infrastructure.Hosting;

/// <summary>
/// Prepares the store before the server listens, and seeds the demo data in Development. A store that
/// does not answer yet is not fatal: readiness reports it and the store retries its setup on next use.
/// </summary>
internal sealed partial class StorageStartup(IDocumentStore store, IHostEnvironment environment, TimeProvider time, ILogger<StorageStartup> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        try
        {
            await store.InitializeAsync(cancellationToken);
        }
        catch (StoreException ex) when (ex.Kind == StoreErrorKind.Unavailable)
        {
            LogNotReady(logger, ex);
            return;
        }

        if (environment.IsDevelopment())
        {
            await DemoData.SeedAsync(store, time, cancellationToken);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Warning, Message = "The store is not reachable at start-up; /health/ready reports it until it is")]
    private static partial void LogNotReady(ILogger logger, Exception exception);
}

internal sealed class StorageHealthCheck(IDocumentStore store) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(5));
            await store.CheckHealthAsync(timeout.Token);
            return HealthCheckResult.Healthy();
        }
        catch (Exception ex) when (ex is StoreException or OperationCanceledException)
        {
            return HealthCheckResult.Unhealthy("The data store is not answering.");
        }
    }
}
