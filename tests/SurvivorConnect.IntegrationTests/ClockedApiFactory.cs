using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace SurvivorConnect.IntegrationTests;

/// <summary>The API with a clock the tests move (sign-in tokens still come from the real one).</summary>
public class ClockedApiFactory : ApiFactory
{
    public ClockedApiFactory()
        : this(null, DateTimeOffset.UtcNow)
    {
    }

    /// <summary>An API on the store in <paramref name="folder"/> (shared with another instance), its clock at <paramref name="start"/>.</summary>
    protected ClockedApiFactory(string? folder, DateTimeOffset start)
        : base(folder) => Time = new FakeTimeProvider(start);

    public FakeTimeProvider Time { get; }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.ConfigureTestServices(services => services.AddSingleton<TimeProvider>(Time));
    }
}

public static class ClockChanges
{
    /// <summary>
    /// How far to move a test's clock so that the zone's clocks do not change <paramref name="within"/> (three days
    /// unless said): a local time the test writes from it is then neither skipped (refused) nor repeated (read as the
    /// later of the two).
    /// </summary>
    public static TimeSpan UntilSteadyClocks(DateTimeOffset now, string zone, TimeSpan? within = null)
    {
        var clocks = TimeZoneInfo.FindSystemTimeZoneById(zone);
        var horizon = within ?? TimeSpan.FromDays(3);
        var by = TimeSpan.Zero;
        while (clocks.GetUtcOffset(now + by) != clocks.GetUtcOffset(now + by + horizon))
        {
            by += TimeSpan.FromHours(1);
        }

        return by;
    }
}
