using System.Net.Http.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using SurvivorConnect.Api.Infrastructure.Auth;
using SurvivorConnect.Storage;

namespace SurvivorConnect.IntegrationTests;

/// <summary>A list costs a fixed number of store calls, however long it is: nothing is read once per row.</summary>
public sealed class ListQueryCountTests(ListQueryCountTests.Factory api) : IClassFixture<ListQueryCountTests.Factory>
{
    private const int Rows = 50;

    public sealed class Factory : ApiFactory
    {
        public CountingStore Counter { get; private set; } = null!;

        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            base.ConfigureWebHost(builder);
            builder.ConfigureTestServices(services =>
            {
                var inner = services.Last(d => d.ServiceType == typeof(IDocumentStore));
                services.Remove(inner);
                services.AddSingleton<IDocumentStore>(sp => Counter = new CountingStore((IDocumentStore)inner.ImplementationFactory!(sp)));
            });
        }
    }

    private readonly MentoringWorld _world = new(api);

    [Fact]
    public async Task Fifty_matches_are_listed_with_a_handful_of_store_calls()
    {
        var (_, caseManager) = await _world.PersonAsync(Roles.CaseManager);
        var mentors = new List<string>();
        for (var i = 0; i < Rows / 10; i++)
        {
            mentors.Add((await _world.ReadyMentorAsync(capacity: 10)).Id);
        }

        for (var i = 0; i < Rows; i++)
        {
            var youth = await MentoringWorld.Created<YouthDto>(await caseManager.PostJson("/api/youth", new { displayName = $"Youth {i}", age = 16, stage = "contemplation" }));
            await MentoringWorld.Created<MatchDto>(await caseManager.PostJson("/api/matches", new { youthId = youth.Id, mentorId = mentors[i % mentors.Count] }));
        }

        var calls = await api.Counter.CountAsync(async () =>
            Assert.Equal(Rows, (await HttpAssert.Ok<List<MatchDto>>(await caseManager.GetAsync("/api/matches"))).Count));

        Assert.True(calls <= 10, $"listing {Rows} matches took {calls} store calls");
    }

    [Fact]
    public async Task A_page_of_fifty_mentors_is_listed_with_a_handful_of_store_calls()
    {
        var (supervisorId, supervisor) = await _world.PersonAsync(Roles.Supervisor);
        for (var i = 0; i < Rows; i++)
        {
            var (mentorId, _) = await _world.ReadyMentorAsync();
            await MentoringWorld.Ok(await _world.Admin.PutAsJsonAsync($"/api/mentors/{mentorId}/supervisor", new { supervisorId }));
        }

        var calls = await api.Counter.CountAsync(async () =>
            Assert.Equal(Rows, (await HttpAssert.Ok<PageDto<MentorDto>>(await supervisor.GetAsync($"/api/mentors?pageSize={Rows}"))).Items.Count));

        Assert.True(calls <= 8, $"listing {Rows} mentors took {calls} store calls");
    }
}

/// <summary>Counts every call made to the store while a piece of work runs.</summary>
public sealed class CountingStore(IDocumentStore inner) : IDocumentStore
{
    private int _calls;

    public async Task<int> CountAsync(Func<Task> work)
    {
        ArgumentNullException.ThrowIfNull(work);
        var before = Volatile.Read(ref _calls);
        await work();
        return Volatile.Read(ref _calls) - before;
    }

    public Task InitializeAsync(CancellationToken cancellationToken) => inner.InitializeAsync(cancellationToken);

    public Task CheckHealthAsync(CancellationToken cancellationToken) => inner.CheckHealthAsync(cancellationToken);

    public Task<T?> ReadAsync<T>(ContainerSpec container, string id, string partitionKey, CancellationToken cancellationToken)
        where T : Document => Count(inner.ReadAsync<T>(container, id, partitionKey, cancellationToken));

    public Task<T> CreateAsync<T>(ContainerSpec container, T document, CancellationToken cancellationToken)
        where T : Document => Count(inner.CreateAsync(container, document, cancellationToken));

    public Task<T> ReplaceAsync<T>(ContainerSpec container, T document, string ifMatchETag, CancellationToken cancellationToken)
        where T : Document => Count(inner.ReplaceAsync(container, document, ifMatchETag, cancellationToken));

    public Task<T> UpsertAsync<T>(ContainerSpec container, T document, CancellationToken cancellationToken)
        where T : Document => Count(inner.UpsertAsync(container, document, cancellationToken));

    public Task<bool> DeleteAsync(ContainerSpec container, string id, string partitionKey, string? ifMatchETag, CancellationToken cancellationToken) =>
        Count(inner.DeleteAsync(container, id, partitionKey, ifMatchETag, cancellationToken));

    public Task<Page<T>> QueryAsync<T>(ContainerSpec container, DocumentQuery query, CancellationToken cancellationToken)
        where T : Document => Count(inner.QueryAsync<T>(container, query, cancellationToken));

    public Task<BatchResult> ExecuteBatchAsync(ContainerSpec container, string partitionKey, IReadOnlyList<BatchOperation> operations, CancellationToken cancellationToken) =>
        Count(inner.ExecuteBatchAsync(container, partitionKey, operations, cancellationToken));

    private Task<T> Count<T>(Task<T> call)
    {
        Interlocked.Increment(ref _calls);
        return call;
    }
}
