using Azure.Core;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using SurvivorConnect.Storage.Cosmos;
using SurvivorConnect.Storage.Sqlite;

namespace SurvivorConnect.Storage;

public static class StorageServiceCollectionExtensions
{
    /// <summary>
    /// Registers the configured <see cref="IDocumentStore"/> over every registered <see cref="ContainerSpec"/>. Cosmos DB
    /// without a key is signed in to with <paramref name="credential"/>.
    /// </summary>
    public static IServiceCollection AddDocumentStore(this IServiceCollection services, IConfiguration configuration, Func<TokenCredential> credential)
    {
        ArgumentNullException.ThrowIfNull(credential);
        services.AddOptions<StorageOptions>().Bind(configuration.GetSection(StorageOptions.SectionName)).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<IDocumentStore>(sp =>
        {
            var options = sp.GetRequiredService<IOptions<StorageOptions>>().Value;
            var containers = sp.GetServices<ContainerSpec>();
            return options.Provider switch
            {
                StorageProvider.Sqlite => new SqliteDocumentStore(
                    Path.Combine(sp.GetRequiredService<IHostEnvironment>().ContentRootPath, options.Sqlite.Path),
                    containers,
                    sp.GetRequiredService<TimeProvider>()),
                StorageProvider.Cosmos => new CosmosDocumentStore(CosmosClientFactory.Create(options.Cosmos, credential()), options.Cosmos, containers),
                _ => throw new InvalidOperationException($"Unknown storage provider '{options.Provider}'."),
            };
        });
        return services;
    }

    /// <summary>Declares a container a feature uses; the store creates it and indexes its queryable fields.</summary>
    public static IServiceCollection AddContainer(this IServiceCollection services, ContainerSpec container) =>
        services.AddSingleton(container);
}
