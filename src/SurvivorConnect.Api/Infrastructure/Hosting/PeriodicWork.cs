namespace SurvivorConnect.Api.Infrastructure.Hosting;

/// <summary>
/// Work every instance does on a clock (ADR 0005): a round every <see cref="Every"/> (on <see cref="TimeProvider"/>,
/// so tests move it), until the host stops. A failed round never stops the host; the next round tries again, so
/// each round must be safe to repeat.
/// </summary>
public abstract partial class PeriodicWork(TimeProvider time, ILogger logger) : BackgroundService
{
    protected TimeProvider Time => time;

    protected abstract TimeSpan Every { get; }

    /// <summary>Whether this instance does the work at all (configuration may turn it off).</summary>
    protected virtual bool Enabled => true;

    protected abstract Task RoundAsync(CancellationToken ct);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!Enabled)
        {
            return;
        }

        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(Every, time, stoppingToken);
                await RoundAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                LogRoundFailed(logger, GetType().Name, ex);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Work} could not finish a round; the next round tries again")]
    private static partial void LogRoundFailed(ILogger logger, string work, Exception exception);
}
