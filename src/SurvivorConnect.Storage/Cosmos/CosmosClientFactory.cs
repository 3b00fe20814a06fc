using Azure.Core;
using Microsoft.Azure.Cosmos;

namespace SurvivorConnect.Storage.Cosmos;

public static class CosmosClientFactory
{
    /// <summary>The key when one is configured (emulator, test server); otherwise the credential the host signs in to Azure with.</summary>
    public static CosmosClient Create(CosmosStoreOptions options, TokenCredential? credential = null)
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

        if (!string.IsNullOrEmpty(options.Key))
        {
            return new CosmosClient(options.Endpoint, options.Key, clientOptions);
        }

        return credential is null
            ? throw new InvalidOperationException("Storage:Cosmos:Key or a credential to sign in to Azure is required.")
            : new CosmosClient(options.Endpoint, credential, clientOptions);
    }
}
