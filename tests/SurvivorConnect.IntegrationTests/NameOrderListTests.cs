using Microsoft.Extensions.DependencyInjection;
using SurvivorConnect.Api.Features.Mentoring;
using SurvivorConnect.Api.Features.People;
using SurvivorConnect.Api.Infrastructure.Auth;
using SurvivorConnect.Api.Infrastructure.Lists;
using SurvivorConnect.Storage;

namespace SurvivorConnect.IntegrationTests;

/// <summary>
/// Lists of youth and people read in the order people read names: case and accents do not move a name past "Z",
/// and records written before lists had a name key are found in their place. An app of its own, so no other test
/// has listed its agency before the old records are made.
/// </summary>
public sealed class NameOrderListTests(ApiFactory api) : IClassFixture<ApiFactory>
{
    private readonly MentoringWorld _world = new(api);

    [Fact]
    public async Task Youth_and_people_are_listed_by_name_whatever_its_case_or_accents_older_records_included()
    {
        var (_, caseManager) = await _world.PersonAsync(Roles.CaseManager);
        var youth = new Dictionary<string, string>();
        foreach (var name in new[] { "zed", "Élise", "bob", "Alice", "dana" })
        {
            youth[name] = (await MentoringWorld.Created<YouthDto>(await caseManager.PostJson("/api/youth", new { displayName = name, age = 16, stage = "contemplation" }))).Id;
        }

        foreach (var (id, name) in new[] { ("name-order-1", "émile"), ("name-order-2", "Aaron"), ("name-order-3", "yves") })
        {
            await MentoringWorld.Created(await _world.Admin.PostJson("/api/people", new { displayName = name, roles = new[] { Roles.Advisor }, subjectId = id }));
        }

        await WithoutNameKeyAsync<StoredYouth>(YouthReferral.Container, youth["dana"]);
        await WithoutNameKeyAsync<StoredPerson>(Person.Container, "name-order-3");

        var listedYouth = (await HttpAssert.PagesAsync<YouthDto>(caseManager, "/api/youth?pageSize=2")).SelectMany(p => p.Items).Select(y => y.DisplayName);
        Assert.Equal(["Alice", "bob", "dana", "Élise", "zed"], listedYouth);

        var people = (await HttpAssert.PagesAsync<PersonDto>(_world.Admin, "/api/people?pageSize=3")).SelectMany(p => p.Items).Select(p => p.DisplayName).ToList();
        Assert.Subset(people.ToHashSet(), new HashSet<string> { "émile", "Aaron", "yves" });
        Assert.Equal(people.OrderBy(NameOrder.Key, StringComparer.Ordinal), people);
        Assert.True(people.IndexOf("émile") < people.IndexOf("yves"), "émile is listed after yves");
    }

    /// <summary>Rewrites a document as it was stored before it carried <see cref="NameOrder.Field"/>.</summary>
    private async Task WithoutNameKeyAsync<T>(ContainerSpec container, string id)
        where T : Stored
    {
        var store = api.Services.GetRequiredService<IDocumentStore>();
        var stored = await store.ReadAsync<T>(container, id, "demo", CancellationToken.None);
        Assert.NotNull(stored);
        Assert.True(stored.Unknown?.Remove(NameOrder.Field), "the document should carry a name key now");
        await store.ReplaceAsync(container, stored, stored.ETag!, CancellationToken.None);
        Assert.False((await store.ReadAsync<T>(container, id, "demo", CancellationToken.None))!.Unknown?.ContainsKey(NameOrder.Field));
    }

    /// <summary>A document kept as its stored JSON (every field unknown to it, so kept as such).</summary>
    private abstract record Stored : Document;

    private sealed record StoredYouth : Stored
    {
        public override string Type => "youth";
    }

    private sealed record StoredPerson : Stored
    {
        public override string Type => "person";
    }
}
