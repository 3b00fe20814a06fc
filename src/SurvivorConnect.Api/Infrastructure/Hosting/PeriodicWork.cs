using Mediator;
using SurvivorConnect.Api.Infrastructure.Auth;
using SurvivorConnect.Storage;

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
            // A cancellation the host did not ask for (a client's time-out) is a failed round like any other.
            catch (Exception ex)
            {
                LogRoundFailed(logger, GetType().Name, ex);
            }
        }
    }

    /// <summary>
    /// Sends <paramref name="command"/> for each due record, in its agency's scope as that agency's
    /// <paramref name="systemUser"/>. One that fails is logged and tried again next round; it never keeps another
    /// agency's record from its turn.
    /// </summary>
    protected Task SendEachAsync<T>(IServiceScopeFactory scopes, IEnumerable<T> due, string systemUser, Func<T, ICommand<bool>> command, CancellationToken ct)
        where T : Document
    {
        ArgumentNullException.ThrowIfNull(command);
        return ForEachAsync(scopes, due, systemUser, async (services, record) => await services.GetRequiredService<IMediator>().Send(command(record), ct), ct);
    }

    /// <summary>Does <paramref name="work"/> for each due record, in its agency's scope, as <see cref="SendEachAsync{T}"/> does.</summary>
    protected async Task ForEachAsync<T>(IServiceScopeFactory scopes, IEnumerable<T> due, string systemUser, Func<IServiceProvider, T, Task> work, CancellationToken ct)
        where T : Document
    {
        ArgumentNullException.ThrowIfNull(scopes);
        ArgumentNullException.ThrowIfNull(due);
        ArgumentNullException.ThrowIfNull(work);
        foreach (var record in due)
        {
            try
            {
                await using var scope = scopes.CreateAgencyScope(record.AgencyId, systemUser);
                await work(scope.ServiceProvider, record);
            }
            // As a failed round: a cancellation the host did not ask for (a client's time-out) too; the host's own ends the round.
            catch (Exception ex) when (!ct.IsCancellationRequested)
            {
                LogRecordFailed(logger, GetType().Name, record.Id, ex);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Work} could not work on record {RecordId}; the next round tries again")]
    private static partial void LogRecordFailed(ILogger logger, string work, string recordId, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Work} could not finish a round; the next round tries again")]
    private static partial void LogRoundFailed(ILogger logger, string work, Exception exception);
}
