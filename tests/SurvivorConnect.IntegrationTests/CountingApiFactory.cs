using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Time.Testing;

namespace SurvivorConnect.IntegrationTests;

/// <summary>An API whose store is counted, without its background workers, so only the requests count.</summary>
public class CountingApiFactory : ApiFactory
{
    public CountingStore Counter { get; private set; } = null!;

    /// <summary>A clock the test moves, or null for the real one.</summary>
    protected virtual TimeProvider? Clock => null;

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.ConfigureTestServices(services =>
        {
            if (Clock is { } clock)
            {
                services.AddSingleton(clock);
            }

            CountingStore.Decorate(services, store => Counter = store);
            foreach (var worker in services.Where(d => d.ServiceType == typeof(IHostedService) && d.ImplementationType?.Name != "StorageStartup").ToList())
            {
                services.Remove(worker);
            }
        });
    }

    /// <summary>
    /// Starts <paramref name="earlier"/>; just before it writes (its batch touches <paramref name="target"/>),
    /// <paramref name="later"/> runs to the end.
    /// </summary>
    public async Task<(HttpResponseMessage Earlier, HttpResponseMessage Later)> InBetweenAsync(
        string target, Func<Task<HttpResponseMessage>> later, Func<Task<HttpResponseMessage>> earlier)
    {
        HttpResponseMessage? between = null;
        Counter.BeforeBatch = async operations =>
        {
            if (operations.Any(o => o.Target.Id == target))
            {
                Counter.BeforeBatch = null;
                between = await later();
            }
        };
        try
        {
            var first = await earlier();
            Assert.NotNull(between);
            return (first, between);
        }
        finally
        {
            Counter.BeforeBatch = null;
        }
    }
}

/// <summary>A counted API on a clock that moves only when the test moves it.</summary>
public class ClockedCountingApiFactory : CountingApiFactory
{
    public FakeTimeProvider Time { get; } = new(DateTimeOffset.UtcNow);

    protected override TimeProvider? Clock => Time;
}
