namespace SurvivorConnect.Storage.Tests;

/// <summary>One contract for every <see cref="IDocumentStore"/>; each store runs it through a derived class.</summary>
public abstract class DocumentStoreContract
{
    private readonly IStoreFixture _fixture;
    private readonly string _pk = "agency-" + Guid.NewGuid().ToString("N");

    protected DocumentStoreContract(IStoreFixture fixture)
    {
        _fixture = fixture;
    }

    private IDocumentStore Store => _fixture.Store;

    private static CancellationToken Ct => CancellationToken.None;

    private Item NewItem(string? id = null, string name = "a", int rank = 0, string? pk = null) => new()
    {
        Id = id ?? Guid.NewGuid().ToString("N"),
        PartitionKey = pk ?? _pk,
        AgencyId = "agency",
        Name = name,
        Rank = rank,
        At = _fixture.Time.GetUtcNow(),
    };

    [Fact]
    public async Task Created_document_reads_back_with_its_fields_and_an_etag()
    {
        var item = NewItem(name: "Ana") with { Place = new Place("Fresno", 3), Note = "<script>alert(1)</script>" };

        var created = await Store.CreateAsync(Containers.Items, item, Ct);
        var read = await Store.ReadAsync<Item>(Containers.Items, item.Id, _pk, Ct);

        Assert.Matches("^\"[^\"]+\"$", created.ETag);
        Assert.NotNull(read);
        Assert.Equal(created.ETag, read.ETag);
        Assert.Equal(item with { ETag = read.ETag }, read);
    }

    [Fact]
    public async Task A_field_written_by_a_newer_version_survives_a_change_saved_by_this_one()
    {
        var newer = await Store.CreateAsync(Containers.Items, new NewerItem { Id = Guid.NewGuid().ToString("N"), PartitionKey = _pk, AgencyId = "agency", Name = "a", Colour = "teal" }, Ct);

        var read = (await Store.ReadAsync<Item>(Containers.Items, newer.Id, _pk, Ct))!;
        await Store.ReplaceAsync(Containers.Items, read with { Name = "b" }, read.ETag!, Ct);
        var after = (await Store.ReadAsync<NewerItem>(Containers.Items, newer.Id, _pk, Ct))!;

        Assert.Equal(["colour"], read.Unknown!.Keys);
        Assert.Equal(("b", "teal"), (after.Name, after.Colour));
    }

    [Fact]
    public async Task Reading_an_unknown_id_or_another_partition_returns_nothing()
    {
        var item = await Store.CreateAsync(Containers.Items, NewItem(), Ct);

        Assert.Null(await Store.ReadAsync<Item>(Containers.Items, "missing", _pk, Ct));
        Assert.Null(await Store.ReadAsync<Item>(Containers.Items, item.Id, "another-partition", Ct));
    }

    [Fact]
    public async Task Reading_an_id_that_holds_another_kind_of_document_returns_nothing()
    {
        await Store.CreateAsync(Containers.Items, new Other { Id = "kind", PartitionKey = _pk, AgencyId = "agency", Rank = 3 }, Ct);

        Assert.Null(await Store.ReadAsync<Item>(Containers.Items, "kind", _pk, Ct));
        Assert.Equal(3, (await Store.ReadAsync<Other>(Containers.Items, "kind", _pk, Ct))!.Rank);
    }

    [Fact]
    public async Task Creating_an_existing_id_conflicts_but_the_same_id_in_another_partition_is_separate()
    {
        var item = await Store.CreateAsync(Containers.Items, NewItem(name: "first"), Ct);

        var error = await Assert.ThrowsAsync<StoreException>(() => Store.CreateAsync(Containers.Items, NewItem(item.Id, "second"), Ct));
        await Store.CreateAsync(Containers.Items, NewItem(item.Id, "elsewhere", pk: _pk + "-b"), Ct);

        Assert.Equal(StoreErrorKind.Conflict, error.Kind);
        Assert.Equal("first", (await Store.ReadAsync<Item>(Containers.Items, item.Id, _pk, Ct))!.Name);
    }

    [Fact]
    public async Task Replace_with_the_current_etag_succeeds_and_a_stale_etag_is_refused()
    {
        var created = await Store.CreateAsync(Containers.Items, NewItem(name: "v1"), Ct);
        var replaced = await Store.ReplaceAsync(Containers.Items, created with { Name = "v2" }, created.ETag!, Ct);

        var stale = await Assert.ThrowsAsync<StoreException>(() =>
            Store.ReplaceAsync(Containers.Items, created with { Name = "lost update" }, created.ETag!, Ct));

        Assert.NotEqual(created.ETag, replaced.ETag);
        Assert.Equal(StoreErrorKind.PreconditionFailed, stale.Kind);
        Assert.Equal("v2", (await Store.ReadAsync<Item>(Containers.Items, created.Id, _pk, Ct))!.Name);
    }

    [Theory]
    [InlineData("*")]
    [InlineData(" * ")]
    [InlineData("")]
    [InlineData("  ")]
    public async Task A_wildcard_or_blank_etag_is_no_version_so_a_replace_delete_or_batch_made_to_it_is_refused(string etag)
    {
        var created = await Store.CreateAsync(Containers.Items, NewItem(name: "kept"), Ct);

        var replace = await Assert.ThrowsAsync<StoreException>(() => Store.ReplaceAsync(Containers.Items, created with { Name = "blind" }, etag, Ct));
        var delete = await Assert.ThrowsAsync<StoreException>(() => Store.DeleteAsync(Containers.Items, created.Id, _pk, etag, Ct));
        var batch = await Assert.ThrowsAsync<StoreException>(() => Store.ExecuteBatchAsync(Containers.Items, _pk,
            [new BatchOperation.Create(NewItem("wildcard-new")), new BatchOperation.Replace(created with { Name = "blind" }, etag)], Ct));
        var batchDelete = await Assert.ThrowsAsync<StoreException>(() => Store.ExecuteBatchAsync(Containers.Items, _pk,
            [new BatchOperation.Create(NewItem("wildcard-new")), new BatchOperation.Delete(created.Id, etag)], Ct));

        Assert.Equal(StoreErrorKind.PreconditionFailed, replace.Kind);
        Assert.Equal(StoreErrorKind.PreconditionFailed, delete.Kind);
        Assert.Equal((StoreErrorKind.BatchFailed, 1, StoreErrorKind.PreconditionFailed), (batch.Kind, batch.FailedOperationIndex, batch.FailedOperationKind));
        Assert.Equal((StoreErrorKind.BatchFailed, 1, StoreErrorKind.PreconditionFailed), (batchDelete.Kind, batchDelete.FailedOperationIndex, batchDelete.FailedOperationKind));
        Assert.Equal("kept", (await Store.ReadAsync<Item>(Containers.Items, created.Id, _pk, Ct))!.Name);
        Assert.Null(await Store.ReadAsync<Item>(Containers.Items, "wildcard-new", _pk, Ct));
    }

    [Fact]
    public async Task A_replace_naming_no_version_is_refused_rather_than_made_blind()
    {
        var created = await Store.CreateAsync(Containers.Items, NewItem(name: "kept"), Ct);

        var replace = await Assert.ThrowsAsync<StoreException>(() => Store.ReplaceAsync(Containers.Items, created with { Name = "blind" }, null!, Ct));

        Assert.Equal(StoreErrorKind.PreconditionFailed, replace.Kind);
        Assert.Equal("kept", (await Store.ReadAsync<Item>(Containers.Items, created.Id, _pk, Ct))!.Name);
        Assert.True(await Store.DeleteAsync(Containers.Items, created.Id, _pk, null, Ct));
    }

    [Fact]
    public async Task Replacing_a_missing_document_is_not_found()
    {
        var error = await Assert.ThrowsAsync<StoreException>(() => Store.ReplaceAsync(Containers.Items, NewItem(), "\"nope\"", Ct));

        Assert.Equal(StoreErrorKind.NotFound, error.Kind);
    }

    [Fact]
    public async Task Two_concurrent_replaces_with_the_same_etag_let_exactly_one_win()
    {
        var created = await Store.CreateAsync(Containers.Items, NewItem(rank: 0), Ct);

        var attempts = Enumerable.Range(1, 2).Select(async n =>
        {
            try
            {
                await Store.ReplaceAsync(Containers.Items, created with { Rank = n }, created.ETag!, Ct);
                return (Won: true, Kind: (StoreErrorKind?)null);
            }
            catch (StoreException ex)
            {
                return (Won: false, Kind: ex.Kind);
            }
        });
        var outcomes = await Task.WhenAll(attempts);

        Assert.Single(outcomes, o => o.Won);
        Assert.Single(outcomes, o => o.Kind == StoreErrorKind.PreconditionFailed);
        Assert.NotEqual(0, (await Store.ReadAsync<Item>(Containers.Items, created.Id, _pk, Ct))!.Rank);
    }

    [Fact]
    public async Task Upsert_creates_then_replaces()
    {
        var item = NewItem(name: "one");

        var first = await Store.UpsertAsync(Containers.Items, item, Ct);
        var second = await Store.UpsertAsync(Containers.Items, item with { Name = "two" }, Ct);

        Assert.NotEqual(first.ETag, second.ETag);
        Assert.Equal("two", (await Store.ReadAsync<Item>(Containers.Items, item.Id, _pk, Ct))!.Name);
    }

    [Fact]
    public async Task Delete_removes_once_and_refuses_a_stale_etag()
    {
        var created = await Store.CreateAsync(Containers.Items, NewItem(), Ct);
        var changed = await Store.ReplaceAsync(Containers.Items, created with { Name = "changed" }, created.ETag!, Ct);

        var stale = await Assert.ThrowsAsync<StoreException>(() => Store.DeleteAsync(Containers.Items, created.Id, _pk, created.ETag, Ct));
        var deleted = await Store.DeleteAsync(Containers.Items, created.Id, _pk, changed.ETag, Ct);
        var again = await Store.DeleteAsync(Containers.Items, created.Id, _pk, null, Ct);

        Assert.Equal(StoreErrorKind.PreconditionFailed, stale.Kind);
        Assert.True(deleted);
        Assert.False(again);
        Assert.Null(await Store.ReadAsync<Item>(Containers.Items, created.Id, _pk, Ct));
    }

    [Theory]
    [InlineData("has/slash")]
    [InlineData("has?question")]
    [InlineData("has#hash")]
    [InlineData("has\\backslash")]
    [InlineData("")]
    [InlineData(" padded ")]
    [InlineData("bell\u0007")]
    public async Task An_id_the_store_cannot_take_is_refused_and_nothing_is_written(string id)
    {
        var error = await Assert.ThrowsAsync<StoreException>(() => Store.CreateAsync(Containers.Items, NewItem(id), Ct));
        var page = await Store.QueryAsync<Item>(Containers.Items, new DocumentQuery { PartitionKey = _pk }, Ct);

        Assert.Equal(StoreErrorKind.InvalidDocument, error.Kind);
        Assert.Empty(page.Items);
    }

    [Fact]
    public async Task An_id_longer_than_255_characters_or_with_a_lone_surrogate_is_refused()
    {
        var error = await Assert.ThrowsAsync<StoreException>(() => Store.CreateAsync(Containers.Items, NewItem(new string('x', 256)), Ct));
        var surrogate = await Assert.ThrowsAsync<StoreException>(() => Store.CreateAsync(Containers.Items, NewItem("lone" + (char)0xD800), Ct));

        Assert.Equal(StoreErrorKind.InvalidDocument, surrogate.Kind);

        Assert.Equal(StoreErrorKind.InvalidDocument, error.Kind);
    }

    [Theory]
    [InlineData("has/slash")]
    [InlineData("has?query")]
    [InlineData("")]
    public async Task Reading_or_deleting_by_an_id_the_store_cannot_take_is_refused_as_invalid_on_every_store(string id)
    {
        var read = await Assert.ThrowsAsync<StoreException>(() => Store.ReadAsync<Item>(Containers.Items, id, _pk, Ct));
        var delete = await Assert.ThrowsAsync<StoreException>(() => Store.DeleteAsync(Containers.Items, id, _pk, null, Ct));
        var noPartition = await Assert.ThrowsAsync<StoreException>(() => Store.ReadAsync<Item>(Containers.Items, "fine", "", Ct));

        Assert.All(new[] { read, delete, noPartition }, e => Assert.Equal(StoreErrorKind.InvalidDocument, e.Kind));
    }

    [Fact]
    public async Task A_document_over_2MB_is_refused_and_nothing_is_written()
    {
        var item = NewItem() with { Payload = new string('x', DocumentRules.MaxDocumentBytes) };

        var error = await Assert.ThrowsAsync<StoreException>(() => Store.CreateAsync(Containers.Items, item, Ct));

        Assert.Equal(StoreErrorKind.InvalidDocument, error.Kind);
        Assert.Null(await Store.ReadAsync<Item>(Containers.Items, item.Id, _pk, Ct));
    }

    [Fact]
    public async Task A_document_without_a_partition_key_is_refused()
    {
        var error = await Assert.ThrowsAsync<StoreException>(() => Store.CreateAsync(Containers.Items, NewItem(pk: ""), Ct));

        Assert.Equal(StoreErrorKind.InvalidDocument, error.Kind);
    }

    [Fact]
    public async Task Query_filters_by_equality_in_and_range_on_declared_fields()
    {
        for (var i = 0; i < 6; i++)
        {
            await Store.CreateAsync(Containers.Items, NewItem($"q{i}", name: i % 2 == 0 ? "even" : "odd", rank: i) with
            {
                Active = i < 3,
                Place = new Place(i < 2 ? "Oakland" : "Fresno", i),
            }, Ct);
        }

        await Store.CreateAsync(Containers.Items, NewItem("elsewhere", name: "even", pk: _pk + "-other"), Ct);

        async Task<string[]> Ids(params Filter[] filters) =>
            (await Store.QueryAsync<Item>(Containers.Items, new DocumentQuery { PartitionKey = _pk, Filters = filters, OrderBy = "rank" }, Ct))
            .Items.Select(i => i.Id).ToArray();

        Assert.Equal(["q0", "q2", "q4"], await Ids(Filter.Eq("name", "even")));
        Assert.Equal(["q0", "q1", "q2"], await Ids(Filter.Eq("active", true)));
        Assert.Equal(["q1", "q4"], await Ids(Filter.In("rank", 1, 4)));
        Assert.Equal(["q2", "q3"], await Ids(Filter.Ge("rank", 2), Filter.Lt("rank", 4)));
        Assert.Equal(["q4", "q5"], await Ids(Filter.Gt("rank", 3)));
        Assert.Equal(["q0", "q1"], await Ids(Filter.Eq("place.city", "Oakland")));
        Assert.Equal(["q0", "q1", "q2", "q3", "q4", "q5"], await Ids(Filter.Eq("note", null)));
        Assert.Equal(["q0", "q1", "q2"], await Ids(Filter.Le("at", _fixture.Time.GetUtcNow()), Filter.Eq("active", true)));
    }

    [Fact]
    public async Task Query_finds_documents_whose_list_holds_a_value()
    {
        await Store.CreateAsync(Containers.Items, NewItem("both", rank: 1) with { Tags = ["cm-a", "cm-b"] }, Ct);
        await Store.CreateAsync(Containers.Items, NewItem("only-b", rank: 2) with { Tags = ["cm-b"] }, Ct);
        await Store.CreateAsync(Containers.Items, NewItem("none", rank: 3), Ct);
        await Store.CreateAsync(Containers.Items, NewItem("prefix", rank: 4) with { Tags = ["cm-a2"] }, Ct);

        async Task<string[]> Ids(string tag) =>
            (await Store.QueryAsync<Item>(Containers.Items, new DocumentQuery { PartitionKey = _pk, Filters = [Filter.Contains("tags", tag)], OrderBy = "rank" }, Ct))
            .Items.Select(i => i.Id).ToArray();

        Assert.Equal(["both"], await Ids("cm-a"));
        Assert.Equal(["both", "only-b"], await Ids("cm-b"));
        Assert.Empty(await Ids("cm"));
    }

    [Fact]
    public async Task A_field_that_is_not_a_list_holds_nothing_even_when_its_text_reads_as_one()
    {
        await Store.CreateAsync(Containers.Items, NewItem("plain", rank: 1) with { Name = "cm-a" }, Ct);
        await Store.CreateAsync(Containers.Items, NewItem("list-text", rank: 2) with { Name = "[\"cm-a\"]" }, Ct);

        var found = await Store.QueryAsync<Item>(Containers.Items, new DocumentQuery { PartitionKey = _pk, Filters = [Filter.Contains("name", "cm-a")] }, Ct);

        Assert.Empty(found.Items);
    }

    [Fact]
    public async Task Query_by_type_keeps_other_kinds_out()
    {
        await Store.CreateAsync(Containers.Items, NewItem("it"), Ct);
        await Store.CreateAsync(Containers.Items, new Other { Id = "ot", PartitionKey = _pk, AgencyId = "agency" }, Ct);

        var items = await Store.QueryAsync<Item>(Containers.Items, new DocumentQuery { PartitionKey = _pk, Type = "item" }, Ct);

        Assert.Equal(["it"], items.Items.Select(i => i.Id));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Paging_by_a_field_some_documents_lack_visits_every_document_once_those_without_it_first_or_last(bool descending)
    {
        // Written by an older release, say, before the field existed: they are listed, never a failure or a gap.
        for (var i = 0; i < 7; i++)
        {
            await Store.CreateAsync(Containers.Items, NewItem($"n{i}") with { Note = i % 2 == 0 ? null : $"note {i % 3}" }, Ct);
        }

        var seen = new List<Item>();
        string? token = null;
        do
        {
            var page = await Store.QueryAsync<Item>(Containers.Items, new DocumentQuery
            {
                PartitionKey = _pk, OrderBy = "note", Descending = descending, PageSize = 2, ContinuationToken = token,
            }, Ct);
            seen.AddRange(page.Items);
            token = page.ContinuationToken;
        }
        while (token is not null);

        List<string> without = ["n0", "n2", "n4", "n6"];
        List<string> with = ["n3", "n1", "n5"];
        var expected = descending ? [.. Enumerable.Reverse(with), .. Enumerable.Reverse(without)] : without.Concat(with).ToList();
        Assert.Equal(expected, seen.Select(s => s.Id));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Paging_by_continuation_visits_every_document_once_in_order(bool descending)
    {
        // Ranks repeat, so the id must break ties for the cursor to be exact.
        for (var i = 0; i < 23; i++)
        {
            await Store.CreateAsync(Containers.Items, NewItem($"p{i:D2}", rank: i % 5), Ct);
        }

        var seen = new List<Item>();
        string? token = null;
        var pages = 0;
        do
        {
            var page = await Store.QueryAsync<Item>(Containers.Items, new DocumentQuery
            {
                PartitionKey = _pk,
                OrderBy = "rank",
                Descending = descending,
                PageSize = 5,
                ContinuationToken = token,
            }, Ct);
            Assert.True(page.Items.Count <= 5);
            seen.AddRange(page.Items);
            token = page.ContinuationToken;
            pages++;
        }
        while (token is not null);

        var expected = Enumerable.Range(0, 23).Select(i => (Rank: i % 5, Id: $"p{i:D2}")).OrderBy(x => x.Rank).ThenBy(x => x.Id, StringComparer.Ordinal).ToList();
        if (descending)
        {
            expected.Reverse();
        }

        Assert.Equal(5, pages);
        Assert.Equal(expected.Select(e => e.Id), seen.Select(s => s.Id));
    }

    [Fact]
    public async Task A_query_on_an_undeclared_field_or_with_a_forged_token_is_refused()
    {
        var field = await Assert.ThrowsAsync<StoreException>(() =>
            Store.QueryAsync<Item>(Containers.Items, new DocumentQuery { PartitionKey = _pk, Filters = [Filter.Eq("payload", "x")] }, Ct));
        var token = await Assert.ThrowsAsync<StoreException>(() =>
            Store.QueryAsync<Item>(Containers.Items, new DocumentQuery { PartitionKey = _pk, ContinuationToken = "not-a-token" }, Ct));

        Assert.Equal(StoreErrorKind.InvalidQuery, field.Kind);
        Assert.Equal(StoreErrorKind.InvalidQuery, token.Kind);
    }

    [Fact]
    public async Task A_batch_writes_all_of_its_operations_together()
    {
        var existing = await Store.CreateAsync(Containers.Items, NewItem("b-existing", rank: 1), Ct);
        var doomed = await Store.CreateAsync(Containers.Items, NewItem("b-doomed"), Ct);

        var result = await Store.ExecuteBatchAsync(Containers.Items, _pk,
        [
            new BatchOperation.Create(NewItem("b-new")),
            new BatchOperation.Replace(existing with { Rank = 2 }, existing.ETag!),
            new BatchOperation.Upsert(NewItem("b-upserted")),
            new BatchOperation.Delete(doomed.Id, doomed.ETag),
        ], Ct);

        Assert.Equal(4, result.ETags.Count);
        Assert.Null(result.ETags[3]);
        Assert.NotNull(await Store.ReadAsync<Item>(Containers.Items, "b-new", _pk, Ct));
        Assert.Equal(2, (await Store.ReadAsync<Item>(Containers.Items, existing.Id, _pk, Ct))!.Rank);
        Assert.NotNull(await Store.ReadAsync<Item>(Containers.Items, "b-upserted", _pk, Ct));
        Assert.Null(await Store.ReadAsync<Item>(Containers.Items, doomed.Id, _pk, Ct));
    }

    [Fact]
    public async Task A_batch_with_one_failing_operation_writes_nothing()
    {
        var existing = await Store.CreateAsync(Containers.Items, NewItem("bf-existing", rank: 1), Ct);

        var error = await Assert.ThrowsAsync<StoreException>(() => Store.ExecuteBatchAsync(Containers.Items, _pk,
        [
            new BatchOperation.Create(NewItem("bf-new")),
            new BatchOperation.Replace(existing with { Rank = 5 }, existing.ETag!),
            new BatchOperation.Create(NewItem("bf-existing")),
        ], Ct));

        Assert.Equal(StoreErrorKind.BatchFailed, error.Kind);
        Assert.Equal(2, error.FailedOperationIndex);
        Assert.Equal(StoreErrorKind.Conflict, error.FailedOperationKind);
        Assert.Null(await Store.ReadAsync<Item>(Containers.Items, "bf-new", _pk, Ct));
        Assert.Equal(1, (await Store.ReadAsync<Item>(Containers.Items, existing.Id, _pk, Ct))!.Rank);
    }

    [Fact]
    public async Task Concurrent_batches_stand_or_fall_alone_even_when_committed_together()
    {
        await Store.CreateAsync(Containers.Items, NewItem("cb-taken"), Ct);

        // Odd batches end on an id already taken; even ones are whole. On SQLite they share commits (group commit).
        var outcomes = await Task.WhenAll(Enumerable.Range(0, 40).Select(async i =>
        {
            try
            {
                await Store.ExecuteBatchAsync(Containers.Items, _pk,
                [
                    new BatchOperation.Create(NewItem($"cb-{i}-a")),
                    new BatchOperation.Create(NewItem(i % 2 == 0 ? $"cb-{i}-b" : "cb-taken")),
                ], Ct);
                return true;
            }
            catch (StoreException ex) when (ex.Kind == StoreErrorKind.BatchFailed)
            {
                return false;
            }
        }));

        for (var i = 0; i < 40; i++)
        {
            Assert.Equal(i % 2 == 0, outcomes[i]);
            Assert.Equal(i % 2 == 0, await Store.ReadAsync<Item>(Containers.Items, $"cb-{i}-a", _pk, Ct) is not null);
        }
    }

    [Fact]
    public async Task A_batch_with_a_stale_etag_fails_at_that_operation_and_writes_nothing()
    {
        var existing = await Store.CreateAsync(Containers.Items, NewItem("bs-existing", rank: 1), Ct);
        await Store.ReplaceAsync(Containers.Items, existing with { Rank = 2 }, existing.ETag!, Ct);

        var error = await Assert.ThrowsAsync<StoreException>(() => Store.ExecuteBatchAsync(Containers.Items, _pk,
        [
            new BatchOperation.Create(NewItem("bs-new")),
            new BatchOperation.Replace(existing with { Rank = 9 }, existing.ETag!),
        ], Ct));

        Assert.Equal((StoreErrorKind.BatchFailed, 1, StoreErrorKind.PreconditionFailed), (error.Kind, error.FailedOperationIndex, error.FailedOperationKind));
        Assert.Null(await Store.ReadAsync<Item>(Containers.Items, "bs-new", _pk, Ct));
        Assert.Equal(2, (await Store.ReadAsync<Item>(Containers.Items, existing.Id, _pk, Ct))!.Rank);
    }

    [Fact]
    public async Task A_batch_over_the_Cosmos_limits_is_refused_before_anything_is_sent()
    {
        var tooMany = Enumerable.Range(0, 101).Select(i => (BatchOperation)new BatchOperation.Create(NewItem($"many{i}"))).ToList();
        var tooBig = Enumerable.Range(0, 3).Select(i => (BatchOperation)new BatchOperation.Create(NewItem($"big{i}") with { Payload = new string('x', 800_000) })).ToList();
        var mixed = new List<BatchOperation> { new BatchOperation.Create(NewItem("mixed", pk: _pk + "-x")) };

        var many = await Assert.ThrowsAsync<StoreException>(() => Store.ExecuteBatchAsync(Containers.Items, _pk, tooMany, Ct));
        var big = await Assert.ThrowsAsync<StoreException>(() => Store.ExecuteBatchAsync(Containers.Items, _pk, tooBig, Ct));
        var cross = await Assert.ThrowsAsync<StoreException>(() => Store.ExecuteBatchAsync(Containers.Items, _pk, mixed, Ct));

        Assert.All(new[] { many, big, cross }, e => Assert.Equal(StoreErrorKind.InvalidDocument, e.Kind));
        Assert.Empty((await Store.QueryAsync<Item>(Containers.Items, new DocumentQuery { PartitionKey = _pk }, Ct)).Items);
    }

    [Fact]
    public async Task A_document_with_a_time_to_live_is_gone_once_it_expires()
    {
        var item = await Store.CreateAsync(Containers.Items, NewItem() with { TimeToLive = 60 }, Ct);

        await _fixture.AdvanceTimeAsync(TimeSpan.FromSeconds(59));
        var before = await Store.ReadAsync<Item>(Containers.Items, item.Id, _pk, Ct);
        await _fixture.AdvanceTimeAsync(TimeSpan.FromSeconds(2));
        var after = await Store.ReadAsync<Item>(Containers.Items, item.Id, _pk, Ct);
        var recreated = await Store.CreateAsync(Containers.Items, NewItem(item.Id), Ct);

        Assert.NotNull(before);
        Assert.Null(after);
        Assert.NotNull(recreated.ETag);
    }

    [Fact]
    public async Task A_time_to_live_is_refused_where_the_container_does_not_allow_expiry()
    {
        var error = await Assert.ThrowsAsync<StoreException>(() =>
            Store.CreateAsync(Containers.Plain, new Other { Id = "o", PartitionKey = _pk, AgencyId = "a", TimeToLive = 5 }, Ct));

        Assert.Equal(StoreErrorKind.InvalidDocument, error.Kind);
    }
}

public sealed class SqliteStoreContract(SqliteStoreFixture fixture) : DocumentStoreContract(fixture), IClassFixture<SqliteStoreFixture>;

public sealed class CosmosStoreContract(CosmosStoreFixture fixture) : DocumentStoreContract(fixture), IClassFixture<CosmosStoreFixture>;
