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

/// <summary>
/// Whether the store answers, for <c>/health/ready</c>. The probe is open to anyone and never rate-limited, and each
/// ask is a request to the database: callers while an ask is under way share it, whatever it answers, and a healthy
/// answer holds for a few seconds. An unhealthy one is asked again by the next probe, so readiness comes back as soon
/// as the store does.
/// </summary>
internal sealed class StorageHealthCheck(IDocumentStore store, TimeProvider time) : IHealthCheck
{
    public static readonly TimeSpan HealthyHolds = TimeSpan.FromSeconds(5);

    private readonly Lock _gate = new();
    private Task<HealthCheckResult>? _asking;

    // UTC ticks of the last healthy answer (0 for none), read without the lock.
    private long _healthyAt;

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (Volatile.Read(ref _healthyAt) is var at and not 0 && time.GetUtcNow().UtcTicks - at < HealthyHolds.Ticks)
        {
            return HealthCheckResult.Healthy();
        }

        Task<HealthCheckResult> asking;
        lock (_gate)
        {
            if (_asking is null || _asking.IsCompleted)
            {
                _asking = AskAsync();
            }

            asking = _asking;
        }

        return await asking.WaitAsync(cancellationToken);
    }

    private async Task<HealthCheckResult> AskAsync()
    {
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await store.CheckHealthAsync(timeout.Token);
            Volatile.Write(ref _healthyAt, time.GetUtcNow().UtcTicks);
            return HealthCheckResult.Healthy();
        }
        catch (Exception ex) when (ex is StoreException or OperationCanceledException)
        {
            Volatile.Write(ref _healthyAt, 0);
            return HealthCheckResult.Unhealthy("The data store is not answering.");
        }
    }
}
