using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using SurvivorConnect.Api.Infrastructure.Errors;

namespace SurvivorConnect.Api.Features.Outcomes;

public sealed class ReportOptions
{
    public const string SectionName = "Reports";

    /// <summary>
    /// Reports worked out at once on an instance, whoever asks: each reads an agency's whole history and checks every
    /// shorter run of months, so a few readers of long reports could otherwise take every core from chat and the rest.
    /// </summary>
    public int AtOnce { get; set; } = 2;

    /// <summary>How long a report waits for its turn before the reader is asked to try again.</summary>
    public int WaitSeconds { get; set; } = 15;
}

/// <summary>
/// Lets <see cref="ReportOptions.AtOnce"/> reports be worked out at once on this instance, and one agency's only one at
/// a time, so one agency's readers cannot keep every other agency's waiting; one more waits its turn, then is refused
/// as busy.
/// </summary>
public sealed class ReportGate(IOptions<ReportOptions> options) : IDisposable
{
    private readonly SemaphoreSlim _turns = new(Math.Max(1, options.Value.AtOnce));

    private readonly ConcurrentDictionary<string, SemaphoreSlim> _agencies = new(StringComparer.Ordinal);

    public async Task<IDisposable> EnterAsync(string agencyId, CancellationToken ct)
    {
        var wait = TimeSpan.FromSeconds(Math.Max(0, options.Value.WaitSeconds));
        var started = Environment.TickCount64;
        var agency = _agencies.GetOrAdd(agencyId, _ => new SemaphoreSlim(1));
        if (!await agency.WaitAsync(wait, ct))
        {
            throw Busy();
        }

        var agencyTurn = new Turn(agency);
        try
        {
            var left = wait - TimeSpan.FromMilliseconds(Environment.TickCount64 - started);
            if (!await _turns.WaitAsync(left > TimeSpan.Zero ? left : TimeSpan.Zero, ct))
            {
                throw Busy();
            }
        }
        catch
        {
            agencyTurn.Dispose();
            throw;
        }

        return new Turns(agencyTurn, new Turn(_turns));
    }

    private static BusyException Busy() => new("Many reports are being worked out just now. Try again in half a minute.");

    public void Dispose()
    {
        _turns.Dispose();
        foreach (var agency in _agencies.Values)
        {
            agency.Dispose();
        }
    }

    private sealed class Turn(SemaphoreSlim turns) : IDisposable
    {
        private int _left;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _left, 1) == 0)
            {
                turns.Release();
            }
        }
    }

    private sealed class Turns(Turn agency, Turn instance) : IDisposable
    {
        public void Dispose()
        {
            instance.Dispose();
            agency.Dispose();
        }
    }
}
