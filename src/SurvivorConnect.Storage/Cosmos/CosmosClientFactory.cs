using Azure.Identity;
using Microsoft.Azure.Cosmos;

namespace SurvivorConnect.Storage.Cosmos;

public static class CosmosClientFactory
{
    /// <summary>Key when one is configured (emulator, test server); otherwise managed identity via DefaultAzureCredential.</summary>
    public static CosmosClient Create(CosmosStoreOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (string.IsNullOrWhiteSpace(options.Endpoint))
        {
            throw new InvalidOperationException("Storage:Cosmos:Endpoint is required when Storage:Provider is Cosmos.");
        }

        var clientOptions = new CosmosClientOptions
        {
            ApplicationName = "SurvivorConnect",
            ConnectionMode = Enum.Parse<ConnectionMode>(options.ConnectionMode, ignoreCase: true),
            LimitToEndpoint = options.LimitToEndpoint,
            MaxRetryAttemptsOnRateLimitedRequests = options.MaxRetryAttemptsOnRateLimitedRequests,
            MaxRetryWaitTimeOnRateLimitedRequests = TimeSpan.FromSeconds(options.MaxRetryWaitSeconds),
            RequestTimeout = TimeSpan.FromSeconds(options.RequestTimeoutSeconds),
            EnableContentResponseOnWrite = true,
        };

        return string.IsNullOrEmpty(options.Key)
            ? new CosmosClient(options.Endpoint, new DefaultAzureCredential(), clientOptions)
            : new CosmosClient(options.Endpoint, options.Key, clientOptions);
    }
}
