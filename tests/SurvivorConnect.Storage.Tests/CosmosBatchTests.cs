using System.Net;
using Microsoft.Azure.Cosmos;
using SurvivorConnect.Storage.Cosmos;

namespace SurvivorConnect.Storage.Tests;

/// <summary>
/// How our batch operations become SDK batch operations, and how the SDK's answer becomes ours, including
/// answers (throttling) the test server never gives.
/// </summary>
public sealed class CosmosBatchTests
{
    private static Item Doc(string id) => new() { Id = id, PartitionKey = "p", AgencyId = "a" };

    [Fact]
    public void Each_operation_becomes_the_matching_batch_operation_in_order_with_its_etag()
    {
        var recorder = new RecordingBatch();
        BatchOperation[] operations =
        [
            new BatchOperation.Create(Doc("c")),
            new BatchOperation.Replace(Doc("r"), "\"e1\""),
            new BatchOperation.Upsert(Doc("u")),
            new BatchOperation.Delete("d", "\"e2\""),
        ];
        var bodies = DocumentRules.SerializeBatch(operations, "p", Containers.Items);

        CosmosDocumentStore.BuildBatch(recorder, operations, bodies);

        Assert.Equal(["create", "replace r \"e1\"", "upsert", "delete d \"e2\""], recorder.Calls);
        Assert.Contains("\"id\":\"c\"", recorder.Bodies[0], StringComparison.Ordinal);
    }

    [Fact]
    public void A_wildcard_etag_is_refused_before_cosmos_db_could_read_it_as_any_version()
    {
        Assert.Equal(StoreErrorKind.PreconditionFailed, Assert.Throws<StoreException>(() => DocumentRules.EnsureVersion("*")).Kind);
        var inBatch = Assert.Throws<StoreException>(() => DocumentRules.EnsureVersion(" * ", 2));
        Assert.Equal((StoreErrorKind.BatchFailed, 2, StoreErrorKind.PreconditionFailed), (inBatch.Kind, inBatch.FailedOperationIndex, inBatch.FailedOperationKind));

        DocumentRules.EnsureVersion("\"e1\"");
        DocumentRules.EnsureVersionOrNone(null);
    }

    [Fact]
    public void A_successful_batch_returns_each_new_etag_and_none_for_deletes()
    {
        var result = CosmosStatus.MapBatch(true, HttpStatusCode.OK,
            [(HttpStatusCode.Created, "\"a\""), (HttpStatusCode.OK, "\"b\""), (HttpStatusCode.NoContent, null)], null);

        Assert.Equal(["\"a\"", "\"b\"", null], result.ETags);
    }

    [Theory]
    [InlineData(HttpStatusCode.Conflict, StoreErrorKind.Conflict)]
    [InlineData(HttpStatusCode.PreconditionFailed, StoreErrorKind.PreconditionFailed)]
    [InlineData(HttpStatusCode.NotFound, StoreErrorKind.NotFound)]
    public void A_failed_batch_names_the_operation_that_failed_and_why(HttpStatusCode failure, StoreErrorKind kind)
    {
        var error = Assert.Throws<StoreException>(() => CosmosStatus.MapBatch(false, failure,
            [(HttpStatusCode.FailedDependency, null), (failure, null), (HttpStatusCode.FailedDependency, null)], null));

        Assert.Equal(StoreErrorKind.BatchFailed, error.Kind);
        Assert.Equal(1, error.FailedOperationIndex);
        Assert.Equal(kind, error.FailedOperationKind);
    }

    [Fact]
    public void A_throttled_batch_is_unavailable_with_the_wait_the_server_asked_for()
    {
        var error = Assert.Throws<StoreException>(() => CosmosStatus.MapBatch(false, HttpStatusCode.TooManyRequests,
            [(HttpStatusCode.TooManyRequests, null), (HttpStatusCode.FailedDependency, null)], TimeSpan.FromMilliseconds(1500)));

        Assert.Equal(StoreErrorKind.Unavailable, error.Kind);
        Assert.Equal(TimeSpan.FromMilliseconds(1500), error.RetryAfter);
    }

    [Fact]
    public void A_batch_refused_as_a_whole_reports_the_overall_status()
    {
        var error = Assert.Throws<StoreException>(() => CosmosStatus.MapBatch(false, HttpStatusCode.RequestEntityTooLarge, [], null));

        // Every batch is checked against the limits before it is sent: one the server still refuses is a fault of ours.
        Assert.Equal(StoreErrorKind.Refused, error.Kind);
    }

    [Theory]
    [InlineData(HttpStatusCode.BadRequest)]
    [InlineData(HttpStatusCode.RequestEntityTooLarge)]
    public void A_request_the_server_refuses_though_our_checks_let_it_through_is_a_fault_of_ours_not_the_caller_s(HttpStatusCode status)
    {
        Assert.Equal(StoreErrorKind.Refused, CosmosStatus.ToException(status, null).Kind);

        // Within a batch too: not a conflict the caller could resolve by reading again.
        var inBatch = Assert.Throws<StoreException>(() => CosmosStatus.MapBatch(false, HttpStatusCode.MultiStatus, [(HttpStatusCode.FailedDependency, null), (status, null)], null));
        Assert.Equal(StoreErrorKind.Refused, inBatch.Kind);
    }

    [Theory]
    [InlineData(HttpStatusCode.Unauthorized, 0, StoreErrorKind.Refused)]
    [InlineData(HttpStatusCode.Forbidden, 5301, StoreErrorKind.Refused)]
    [InlineData(HttpStatusCode.Forbidden, 1014, StoreErrorKind.Refused)]
    [InlineData(HttpStatusCode.Forbidden, 3, StoreErrorKind.Unavailable)]
    public void A_refusal_that_waiting_will_not_mend_is_a_fault_to_put_right_not_a_blip_to_try_again(HttpStatusCode status, int subStatus, StoreErrorKind kind)
    {
        var error = CosmosStatus.ToException(status, TimeSpan.FromSeconds(5), subStatus: subStatus);

        Assert.Equal(kind, error.Kind);
        Assert.Equal(kind == StoreErrorKind.Unavailable, error.RetryAfter is not null);
        Assert.Contains(kind == StoreErrorKind.Refused && subStatus != 0 ? $"sub-status {subStatus}" : "", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0, true, StoreErrorKind.NotFound)]
    [InlineData(1003, false, StoreErrorKind.Unavailable)]
    [InlineData(1002, false, StoreErrorKind.Unavailable)]
    public void Only_a_404_without_a_sub_status_says_the_item_is_not_there(int subStatus, bool missingItem, StoreErrorKind kind)
    {
        Assert.Equal(missingItem, CosmosStatus.IsMissingItem(HttpStatusCode.NotFound, subStatus));
        Assert.Equal(kind, CosmosStatus.ToException(HttpStatusCode.NotFound, null, subStatus: subStatus).Kind);
    }

    /// <summary>Records what our code asks of the SDK's batch; executing it is the SDK's business.</summary>
    private sealed class RecordingBatch : TransactionalBatch
    {
        public List<string> Calls { get; } = [];

        public List<string> Bodies { get; } = [];

        private RecordingBatch Record(string call, Stream? body = null)
        {
            Calls.Add(call);
            if (body is not null)
            {
                Bodies.Add(new StreamReader(body).ReadToEnd());
            }

            return this;
        }

        public override TransactionalBatch CreateItemStream(Stream streamPayload, TransactionalBatchItemRequestOptions? requestOptions = null) => Record("create", streamPayload);

        public override TransactionalBatch ReplaceItemStream(string id, Stream streamPayload, TransactionalBatchItemRequestOptions? requestOptions = null) =>
            Record($"replace {id} {requestOptions?.IfMatchEtag}", streamPayload);

        public override TransactionalBatch UpsertItemStream(Stream streamPayload, TransactionalBatchItemRequestOptions? requestOptions = null) => Record("upsert", streamPayload);

        public override TransactionalBatch DeleteItem(string id, TransactionalBatchItemRequestOptions? requestOptions = null) => Record($"delete {id} {requestOptions?.IfMatchEtag}");

        public override TransactionalBatch CreateItem<T>(T item, TransactionalBatchItemRequestOptions? requestOptions = null) => throw new NotSupportedException();

        public override TransactionalBatch ReadItem(string id, TransactionalBatchItemRequestOptions? requestOptions = null) => throw new NotSupportedException();

        public override TransactionalBatch UpsertItem<T>(T item, TransactionalBatchItemRequestOptions? requestOptions = null) => throw new NotSupportedException();

        public override TransactionalBatch ReplaceItem<T>(string id, T item, TransactionalBatchItemRequestOptions? requestOptions = null) => throw new NotSupportedException();

        public override TransactionalBatch PatchItem(string id, IReadOnlyList<PatchOperation> patchOperations, TransactionalBatchPatchItemRequestOptions? requestOptions = null) => throw new NotSupportedException();

        public override Task<TransactionalBatchResponse> ExecuteAsync(CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public override Task<TransactionalBatchResponse> ExecuteAsync(TransactionalBatchRequestOptions requestOptions, CancellationToken cancellationToken = default) => throw new NotSupportedException();
    }
}

public sealed class CosmosContainerPropertiesTests
{
    [Fact]
    public void A_container_that_allows_expiry_is_created_with_per_item_time_to_live()
    {
        var properties = CosmosDocumentStore.ContainerProperties(Containers.Items);

        Assert.Equal(-1, properties.DefaultTimeToLive);
        Assert.Equal("/pk", properties.PartitionKeyPath);
    }

    [Fact]
    public void A_container_without_expiry_never_deletes_items_by_itself()
    {
        Assert.Null(CosmosDocumentStore.ContainerProperties(Containers.Plain).DefaultTimeToLive);
    }

    [Fact]
    public void Every_queryable_field_has_composite_indexes_for_ordering_with_the_id_both_ways()
    {
        var indexes = CosmosDocumentStore.ContainerProperties(Containers.Items).IndexingPolicy.CompositeIndexes
            .Select(c => string.Join(",", c.Select(p => $"{p.Path} {p.Order}")))
            .ToList();

        Assert.Contains("/place/city Ascending,/id Ascending", indexes);
        Assert.Contains("/rank Descending,/id Descending", indexes);
        Assert.Equal(2 * (Containers.Items.QueryableFields.Count - 1), indexes.Count);
    }

    [Fact]
    public void Documents_with_a_time_to_live_carry_it_as_the_ttl_field_Cosmos_reads()
    {
        var json = System.Text.Encoding.UTF8.GetString(DocumentRules.Serialize(new Item { Id = "i", PartitionKey = "p", AgencyId = "a", TimeToLive = 30 }, Containers.Items));

        Assert.Contains("\"ttl\":30", json, StringComparison.Ordinal);
        Assert.DoesNotContain("_etag", json, StringComparison.Ordinal);
    }
}
