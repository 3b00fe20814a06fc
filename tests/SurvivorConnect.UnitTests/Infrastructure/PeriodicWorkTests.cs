using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using SurvivorConnect.Api.Infrastructure.Hosting;

namespace SurvivorConnect.UnitTests.Infrastructure;

/// <summary>Work on a clock keeps going after a round that failed, whatever it failed with.</summary>
public sealed class PeriodicWorkTests
{
    private sealed class Rounds(TimeProvider time) : PeriodicWork(time, NullLogger.Instance)
    {
        public int Count;

        public TaskCompletionSource Second { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        protected override TimeSpan Every => TimeSpan.FromMinutes(1);

        protected override Task RoundAsync(CancellationToken ct)
        {
            if (Interlocked.Increment(ref Count) == 1)
            {
                // What an HTTP client's time-out throws: a cancellation the host never asked for.
                throw new TaskCanceledException("The request was canceled due to the configured HttpClient.Timeout elapsing.");
            }

            Second.TrySetResult();
            return Task.CompletedTask;
        }
    }

    [Fact]
    public async Task A_round_ended_by_a_time_out_is_followed_by_the_next_round()
    {
        var time = new FakeTimeProvider();
        using var work = new Rounds(time);
        await work.StartAsync(CancellationToken.None);

        for (var i = 0; i < 50 && !work.Second.Task.IsCompleted; i++)
        {
            time.Advance(TimeSpan.FromMinutes(1));
            await Task.WhenAny(work.Second.Task, Task.Delay(100));
        }

        Assert.True(work.Second.Task.IsCompleted, $"Rounds run: {work.Count}.");
        Assert.False(work.ExecuteTask!.IsCompleted);
        await work.StopAsync(CancellationToken.None);
    }
}
