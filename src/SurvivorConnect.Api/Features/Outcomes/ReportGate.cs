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

/// <summary>Lets <see cref="ReportOptions.AtOnce"/> reports be worked out at once on this instance; one more waits its turn, then is refused as busy.</summary>
public sealed class ReportGate(IOptions<ReportOptions> options) : IDisposable
{
    private readonly SemaphoreSlim _turns = new(Math.Max(1, options.Value.AtOnce));

    public async Task<IDisposable> EnterAsync(CancellationToken ct)
    {
        if (!await _turns.WaitAsync(TimeSpan.FromSeconds(Math.Max(0, options.Value.WaitSeconds)), ct))
        {
            throw new BusyException("Many reports are being worked out just now. Try again in half a minute.");
        }

        return new Turn(_turns);
    }

    public void Dispose() => _turns.Dispose();

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
}
