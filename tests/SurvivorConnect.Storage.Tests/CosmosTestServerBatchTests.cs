using System.Net;
using System.Text;
using Microsoft.Azure.Cosmos;
using SurvivorConnect.Storage.Cosmos;

namespace SurvivorConnect.Storage.Tests;

/// <summary>
/// The test server's transactional batch, driven by the SDK itself as Cosmos DB would be: what it refuses,
/// and that a refused or failed batch leaves nothing behind.
/// </summary>
public sealed class CosmosTestServerBatchTests(CosmosStoreFixture fixture) : IClassFixture<CosmosStoreFixture>, IDisposable
{
    private readonly string _pk = "batch-" + Guid.NewGuid().ToString("N");
    private readonly CosmosClient _client = CosmosClientFactory.Create(fixture.Options("contract"));

    private static MemoryStream Body(string id, string pk) =>
        new MemoryStream(Encoding.UTF8.GetBytes($"{{\"id\":\"{id}\",\"pk\":\"{pk}\",\"agencyId\":\"a\",\"type\":\"item\"}}"));

    private Container Items => _client.GetContainer("contract", Containers.Items.Name);

    public void Dispose() => _client.Dispose();

    [Fact]
    public async Task A_failing_operation_answers_with_its_own_status_the_others_424_and_nothing_is_written()
    {
        var container = Items;

        using var response = await container.CreateTransactionalBatch(new PartitionKey(_pk))
            .CreateItemStream(Body("one", _pk))
            .ReplaceItemStream("missing", Body("missing", _pk))
            .CreateItemStream(Body("three", _pk))
            .ExecuteAsync();

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal([HttpStatusCode.FailedDependency, HttpStatusCode.NotFound, HttpStatusCode.FailedDependency], response.Select(r => r.StatusCode));
        Assert.Null(await fixture.Store.ReadAsync<Item>(Containers.Items, "one", _pk, CancellationToken.None));
    }

    [Fact]
    public async Task An_operation_outside_the_batch_partition_is_refused_and_nothing_is_written()
    {
        var container = Items;

        using var response = await container.CreateTransactionalBatch(new PartitionKey(_pk))
            .CreateItemStream(Body("inside", _pk))
            .CreateItemStream(Body("outside", _pk + "-other"))
            .ExecuteAsync();

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Null(await fixture.Store.ReadAsync<Item>(Containers.Items, "inside", _pk, CancellationToken.None));
        Assert.Null(await fixture.Store.ReadAsync<Item>(Containers.Items, "outside", _pk + "-other", CancellationToken.None));
    }

    [Fact]
    public async Task A_batch_of_more_than_100_operations_is_refused_and_nothing_is_written()
    {
        var container = Items;
        var batch = container.CreateTransactionalBatch(new PartitionKey(_pk));
        for (var i = 0; i < 101; i++)
        {
            batch.CreateItemStream(Body($"many-{i}", _pk));
        }

        using var response = await batch.ExecuteAsync();

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Empty((await fixture.Store.QueryAsync<Item>(Containers.Items, new DocumentQuery { PartitionKey = _pk }, CancellationToken.None)).Items);
    }

    [Fact]
    public async Task A_successful_batch_returns_each_operations_status_etag_and_body()
    {
        var container = Items;

        using var response = await container.CreateTransactionalBatch(new PartitionKey(_pk))
            .CreateItemStream(Body("made", _pk))
            .ReadItem("made")
            .ExecuteAsync();

        Assert.True(response.IsSuccessStatusCode);
        Assert.Equal([HttpStatusCode.Created, HttpStatusCode.OK], response.Select(r => r.StatusCode));
        Assert.Equal(response[0].ETag, response[1].ETag);
        Assert.StartsWith("\"", response[0].ETag, StringComparison.Ordinal);
        using var reader = new StreamReader(response[1].ResourceStream);
        Assert.Contains("\"id\":\"made\"", await reader.ReadToEndAsync(), StringComparison.Ordinal);
    }
}
