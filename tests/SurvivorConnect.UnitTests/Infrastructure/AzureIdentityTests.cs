using Azure.Identity;
using Microsoft.Extensions.Configuration;
using SurvivorConnect.Api.Infrastructure.Hosting;

namespace SurvivorConnect.UnitTests.Infrastructure;

/// <summary>Deployed, the app signs in to Azure as its own identity and as nothing else found on the host.</summary>
public sealed class AzureIdentityTests
{
    [Fact]
    public void With_the_app_identity_named_only_that_managed_identity_is_used()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { [AzureIdentity.ClientIdKey] = "6f0c1a3e-0000-4000-8000-000000000001" }).Build();
        Assert.IsType<ManagedIdentityCredential>(AzureIdentity.For(configuration));
    }

    [Fact]
    public void Without_it_a_developer_signs_in_as_themselves()
    {
        var configuration = new ConfigurationBuilder().Build();
        Assert.IsType<DefaultAzureCredential>(AzureIdentity.For(configuration));
    }
}
