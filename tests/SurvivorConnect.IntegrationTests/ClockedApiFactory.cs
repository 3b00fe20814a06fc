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
