using Microsoft.Azure.Cosmos;
using SurvivorConnect.Storage.Cosmos;

namespace SurvivorConnect.Storage.Tests;

/// <summary>
/// A container gone from under the store (deleted by mistake, or the infrastructure not yet deployed) is the
/// store being unavailable, never an empty one: a missing session or revocation must not read as "none".
/// </summary>
public sealed class CosmosFailureTests(CosmosStoreFixture fixture) : IClassFixture<CosmosStoreFixture>
{
    private static readonly ContainerSpec Notes = new("notes", "name");

    [Fact]
    public async Task A_container_deleted_under_the_store_makes_reads_deletes_queries_and_writes_unavailable_not_empty_and_the_store_not_ready()
    {
        var database = "gone-" + Guid.NewGuid().ToString("N")[..8];
        var creating = fixture.Options(database);
        using (var setUp = new CosmosDocumentStore(CosmosClientFactory.Create(creating), creating, [Notes]))
        {
            await setUp.InitializeAsync(CancellationToken.None);
            await setUp.CreateAsync(Notes, new Item { Id = "n1", PartitionKey = "p", AgencyId = "p", Name = "n1" }, CancellationToken.None);
        }

        var production = fixture.Options(database);
        production.CreateIfMissing = false;
        using var store = new CosmosDocumentStore(CosmosClientFactory.Create(production), production, [Notes]);
        await store.InitializeAsync(CancellationToken.None);
        Assert.NotNull(await store.ReadAsync<Item>(Notes, "n1", "p", CancellationToken.None));

        using (var client = CosmosClientFactory.Create(production))
        {
            await client.GetContainer(database, Notes.Name).DeleteContainerAsync();
        }

        await AssertUnavailableAsync(() => store.ReadAsync<Item>(Notes, "n1", "p", CancellationToken.None));
        await AssertUnavailableAsync(() => store.DeleteAsync(Notes, "n1", "p", null, CancellationToken.None));
        await AssertUnavailableAsync(() => store.QueryAsync<Item>(Notes, new DocumentQuery { PartitionKey = "p", Filters = [Filter.Eq("name", "n1")] }, CancellationToken.None));
        await AssertUnavailableAsync(() => store.UpsertAsync(Notes, new Item { Id = "n2", PartitionKey = "p", AgencyId = "p", Name = "n2" }, CancellationToken.None));
        await AssertUnavailableAsync(() => store.ExecuteBatchAsync(Notes, "p", [new BatchOperation.Delete("n1", null)], CancellationToken.None));
        await Assert.ThrowsAsync<StoreException>(() => store.CheckHealthAsync(CancellationToken.None));
    }

    private static async Task AssertUnavailableAsync(Func<Task> act)
    {
        var refused = await Assert.ThrowsAsync<StoreException>(act);
        Assert.Equal(StoreErrorKind.Unavailable, refused.Kind);
    }
}
