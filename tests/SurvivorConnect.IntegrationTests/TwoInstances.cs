using Microsoft.Extensions.DependencyInjection;

namespace SurvivorConnect.IntegrationTests;

/// <summary>
/// Two API instances on one store, as two App Service instances are, each with a clock the tests move together.
/// For background work that every instance runs and that must still happen once.
/// </summary>
public abstract class TwoInstances(string name) : IAsyncLifetime
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), $"sc-{name}-" + Guid.NewGuid().ToString("N"));

    public sealed class Instance(string folder, DateTimeOffset start) : ClockedApiFactory(folder, start)
    {
        public T Service<T>()
            where T : notnull => Services.GetRequiredService<T>();
    }

    protected Instance First { get; private set; } = null!;

    protected Instance Second { get; private set; } = null!;

    public Task InitializeAsync()
    {
        var start = DateTimeOffset.UtcNow;
        First = new Instance(_folder, start);
        _ = First.Server;
        Second = new Instance(_folder, start);
        _ = Second.Server;
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await First.DisposeAsync();
        await Second.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_folder, recursive: true);
    }

    protected void Advance(TimeSpan by)
    {
        First.Time.Advance(by);
        Second.Time.Advance(by);
    }
}
