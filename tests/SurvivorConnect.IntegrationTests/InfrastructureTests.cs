using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using SurvivorConnect.Storage;

namespace SurvivorConnect.IntegrationTests;

/// <summary>Production creates no containers (infra does), so infra's list must be exactly the app's.</summary>
[Collection(SharedApi.Name)]
public sealed class InfrastructureTests(ApiFactory api)
{
    private sealed record InfraContainer(string Name, string[] QueryableFields, bool AllowsTimeToLive);

    [Fact]
    public void The_Cosmos_containers_in_infra_match_the_containers_the_app_uses()
    {
        var root = AppContext.BaseDirectory;
        while (!File.Exists(Path.Combine(root, "SurvivorConnect.sln")))
        {
            root = Path.GetDirectoryName(root)!;
        }

        var infra = JsonSerializer.Deserialize<List<InfraContainer>>(File.ReadAllText(Path.Combine(root, "infra", "cosmos-containers.json")), ApiFactory.Json)!;
        var app = api.Services.GetServices<ContainerSpec>().ToList();

        Assert.Equal(app.Select(c => c.Name).Order(), infra.Select(c => c.Name).Order());
        foreach (var spec in app)
        {
            var declared = infra.Single(c => c.Name == spec.Name);
            Assert.Equal(spec.QueryableFields.Where(f => f is not ("id" or "type")).Order(), declared.QueryableFields.Order());
            Assert.Equal(spec.AllowsTimeToLive, declared.AllowsTimeToLive);
        }
    }
}
