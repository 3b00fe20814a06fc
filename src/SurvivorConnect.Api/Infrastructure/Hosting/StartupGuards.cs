using SurvivorConnect.Storage;

namespace SurvivorConnect.Api.Infrastructure.Hosting;

/// <summary>Settings Production must never run with. Checked before anything starts.</summary>
internal static class StartupGuards
{
    public static void Check(IConfiguration configuration, IHostEnvironment environment)
    {
        if (!environment.IsProduction())
        {
            return;
        }

        var storage = configuration.GetSection(StorageOptions.SectionName).Get<StorageOptions>() ?? new StorageOptions();
        if (storage.Provider != StorageProvider.Cosmos)
        {
            throw new InvalidOperationException("Production must use Storage:Provider=Cosmos; the embedded SQLite store is for local use only.");
        }

        if (configuration.GetValue<bool>("DetailedErrors"))
        {
            throw new InvalidOperationException("DetailedErrors must be off in Production.");
        }
    }
}
