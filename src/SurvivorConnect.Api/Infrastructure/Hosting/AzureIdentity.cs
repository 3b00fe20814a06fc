using Azure.Core;
using Azure.Identity;

namespace SurvivorConnect.Api.Infrastructure.Hosting;

/// <summary>
/// How the app signs in to Azure (Cosmos DB, Application Insights). Deployed, <c>AZURE_CLIENT_ID</c> names the app's one
/// user-assigned identity and only that identity is tried: the chain of <see cref="DefaultAzureCredential"/> would
/// also try environment secrets, a workload identity or a signed-in CLI, and so could sign in as something else left
/// on the host. Without it (a developer against a real account), the developer's own sign-in.
/// </summary>
public static class AzureIdentity
{
    public const string ClientIdKey = "AZURE_CLIENT_ID";

    public static TokenCredential For(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        return configuration[ClientIdKey] is { Length: > 0 } clientId
            ? new ManagedIdentityCredential(ManagedIdentityId.FromUserAssignedClientId(clientId))
            : new DefaultAzureCredential();
    }
}
