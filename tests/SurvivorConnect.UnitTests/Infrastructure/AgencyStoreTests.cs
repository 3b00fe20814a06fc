using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.Time.Testing;
using Moq;
using SurvivorConnect.Api.Features.People;
using SurvivorConnect.Api.Infrastructure.Auth;
using SurvivorConnect.Api.Infrastructure.Tenancy;
using SurvivorConnect.Storage;

namespace SurvivorConnect.UnitTests.Infrastructure;

/// <summary>The agency's view of the store: another agency's records are not there, and cannot be written.</summary>
public sealed class AgencyStoreTests
{
    private readonly Mock<IDocumentStore> _store = new();
    private readonly EphemeralDataProtectionProvider _protection = new();
    private readonly AgencyStore _agency;

    public AgencyStoreTests() => _agency = StoreOf("mine");

    private AgencyStore StoreOf(string agencyId)
    {
        var user = new Mock<ICurrentUser>();
        user.Setup(u => u.AgencyId).Returns(agencyId);
        return new AgencyStore(_store.Object, user.Object, new FakeTimeProvider(), new AgencyWrites([]), _protection);
    }

    [Fact]
    public async Task A_page_token_never_shows_where_the_page_ended_and_is_taken_back_only_by_the_agency_and_list_it_was_made_for()
    {
        // The store's own token says the page ended at "JANE DOE": it must not reach an address bar.
        const string storeToken = "eyJ2YWx1ZSI6IkpBTkUgRE9FIiwiaWQiOiJwIn0";
        DocumentQuery? asked = null;
        _store.Setup(s => s.QueryAsync<Person>(Person.Container, It.IsAny<DocumentQuery>(), It.IsAny<CancellationToken>()))
            .Callback<ContainerSpec, DocumentQuery, CancellationToken>((_, q, _) => asked = q)
            .ReturnsAsync(new Page<Person>([PersonOf("mine", "a")], storeToken));

        var first = await _agency.QueryAsync<Person>(Person.Container, new DocumentQuery { PartitionKey = "mine" }, CancellationToken.None);
        await _agency.QueryAsync<Person>(Person.Container, new DocumentQuery { PartitionKey = "mine", ContinuationToken = first.ContinuationToken }, CancellationToken.None);

        Assert.NotNull(first.ContinuationToken);
        Assert.DoesNotContain(storeToken, first.ContinuationToken, StringComparison.Ordinal);
        Assert.Equal(storeToken, asked!.ContinuationToken);
        foreach (var elsewhere in new Func<Task>[]
        {
            () => StoreOf("theirs").QueryAsync<Person>(Person.Container, new DocumentQuery { PartitionKey = "theirs", ContinuationToken = first.ContinuationToken }, CancellationToken.None),
            () => _agency.QueryAsync<Api.Features.Mentoring.Match>(Api.Features.Mentoring.Match.Container, new DocumentQuery { PartitionKey = "mine", ContinuationToken = first.ContinuationToken }, CancellationToken.None),
            () => _agency.QueryAsync<Person>(Person.Container, new DocumentQuery { PartitionKey = "mine", ContinuationToken = storeToken }, CancellationToken.None),
        })
        {
            Assert.Equal(StoreErrorKind.InvalidQuery, (await Assert.ThrowsAsync<StoreException>(elsewhere)).Kind);
        }
    }

    private static Person PersonOf(string agency, string id = "p") =>
        new() { Id = id, PartitionKey = agency, AgencyId = agency, DisplayName = "P", Roles = [], CreatedAt = DateTimeOffset.UnixEpoch };

    [Fact]
    public async Task A_document_of_another_agency_reads_as_absent_in_any_partition()
    {
        _store.Setup(s => s.ReadAsync<Person>(Person.Container, "p", "shared-partition", It.IsAny<CancellationToken>())).ReturnsAsync(PersonOf("theirs"));

        Assert.Null(await _agency.ReadAsync<Person>(Person.Container, "p", "shared-partition", CancellationToken.None));
    }

    [Fact]
    public async Task A_query_never_returns_another_agencys_documents()
    {
        _store.Setup(s => s.QueryAsync<Person>(Person.Container, It.IsAny<DocumentQuery>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync(new Page<Person>([PersonOf("mine", "a"), PersonOf("theirs", "b")], null));

        var page = await _agency.QueryAsync<Person>(Person.Container, new DocumentQuery { PartitionKey = "shared-partition" }, CancellationToken.None);

        Assert.Equal(["a"], page.Items.Select(p => p.Id));
    }

    [Fact]
    public async Task A_document_of_another_agency_is_never_written_alone_or_in_a_batch()
    {
        await Assert.ThrowsAsync<InvalidOperationException>(() => _agency.CreateAsync(Person.Container, PersonOf("theirs"), CancellationToken.None));
        await Assert.ThrowsAsync<InvalidOperationException>(() => _agency.ReplaceAsync(Person.Container, PersonOf("theirs"), "\"e\"", CancellationToken.None));
        await Assert.ThrowsAsync<InvalidOperationException>(() => _agency.UpsertAsync(Person.Container, PersonOf("theirs"), CancellationToken.None));
        await Assert.ThrowsAsync<InvalidOperationException>(() => _agency.ExecuteBatchAsync(Person.Container, "mine",
            [new BatchOperation.Create(PersonOf("mine", "ok")), new BatchOperation.Create(PersonOf("theirs", "no"))], CancellationToken.None));

        _store.VerifyNoOtherCalls();
    }

    [Fact]
    public async Task Nothing_is_overwritten_or_removed_unread_at_an_address_not_the_agencys_own()
    {
        // Another agency's partition, or an id in a shared partition that does not name this agency ("mine-2" is not "mine").
        await Assert.ThrowsAsync<InvalidOperationException>(() => _agency.UpsertAsync(Person.Container, PersonOf("mine") with { PartitionKey = "theirs" }, CancellationToken.None));
        await Assert.ThrowsAsync<InvalidOperationException>(() => _agency.UpsertAsync(Person.Container, PersonOf("mine", "mine-2~p") with { PartitionKey = "shared" }, CancellationToken.None));
        await Assert.ThrowsAsync<InvalidOperationException>(() => _agency.DeleteAsync(Person.Container, "p", "theirs", null, CancellationToken.None));
        await Assert.ThrowsAsync<InvalidOperationException>(() => _agency.DeleteAsync(Person.Container, "theirs~p", "shared", null, CancellationToken.None));
        await Assert.ThrowsAsync<InvalidOperationException>(() => _agency.ExecuteBatchAsync(Person.Container, "theirs", [new BatchOperation.Delete("p")], CancellationToken.None));
        await Assert.ThrowsAsync<InvalidOperationException>(() => _agency.ExecuteBatchAsync(Person.Container, "theirs",
            [new BatchOperation.Upsert(PersonOf("mine") with { PartitionKey = "theirs" })], CancellationToken.None));
        _store.VerifyNoOtherCalls();

        // Its own partition, and its own ids in a shared one.
        _store.Setup(s => s.DeleteAsync(Person.Container, It.IsAny<string>(), It.IsAny<string>(), null, It.IsAny<CancellationToken>())).ReturnsAsync(true);
        Assert.True(await _agency.DeleteAsync(Person.Container, "p", "mine", null, CancellationToken.None));
        Assert.True(await _agency.DeleteAsync(Person.Container, "mine~p", "shared", null, CancellationToken.None));
        _store.Setup(s => s.UpsertAsync(Person.Container, It.IsAny<Person>(), It.IsAny<CancellationToken>())).ReturnsAsync((ContainerSpec _, Person p, CancellationToken _) => p);
        Assert.Equal("shared", (await _agency.UpsertAsync(Person.Container, PersonOf("mine", "mine~p") with { PartitionKey = "shared" }, CancellationToken.None)).PartitionKey);
    }

    [Theory]
    [InlineData("")]
    [InlineData("has space")]
    [InlineData("../etc")]
    public async Task An_id_no_record_could_have_is_simply_not_there(string id)
    {
        Assert.Null(await _agency.FindAsync<Person>(Person.Container, id, CancellationToken.None));
        _store.VerifyNoOtherCalls();
    }

    [Fact]
    public async Task A_new_document_belongs_to_the_agency_and_lives_in_its_partition_unless_it_names_another()
    {
        _store.Setup(s => s.CreateAsync(Person.Container, It.IsAny<Person>(), It.IsAny<CancellationToken>())).ReturnsAsync((ContainerSpec _, Person p, CancellationToken _) => p);
        _store.Setup(s => s.ExecuteBatchAsync(Person.Container, "conversation", It.IsAny<IReadOnlyList<BatchOperation>>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync(new BatchResult([null]));

        var created = await _agency.CreateAsync(Person.Container, new Person { Id = "p", DisplayName = "P", Roles = [], CreatedAt = DateTimeOffset.UnixEpoch }, CancellationToken.None);
        await _agency.ExecuteBatchAsync(Person.Container, "conversation",
            [new BatchOperation.Create(new Person { Id = "q", DisplayName = "Q", Roles = [], CreatedAt = DateTimeOffset.UnixEpoch })], CancellationToken.None);

        Assert.Equal(("mine", "mine"), (created.AgencyId, created.PartitionKey));
        _store.Verify(s => s.ExecuteBatchAsync(Person.Container, "conversation",
            It.Is<IReadOnlyList<BatchOperation>>(ops => ops.Single().Target.PartitionKey == "conversation"
                && ((BatchOperation.Create)ops.Single()).Document.AgencyId == "mine"), It.IsAny<CancellationToken>()));
    }
}
