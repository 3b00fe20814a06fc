using System.Net;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using SurvivorConnect.Api.Features.Teaming;
using SurvivorConnect.Api.Features.Teaming.Rules;
using SurvivorConnect.Storage;

namespace SurvivorConnect.IntegrationTests;

/// <summary>Two agencies each accept the other's proposal at the same moment: one partnership is in force, not two.</summary>
public sealed class PartnershipRaceTests(CountingApiFactory api) : IClassFixture<CountingApiFactory>
{
    private readonly TeamingWorld _world = new(api);

    [Fact]
    public async Task Crossed_proposals_accepted_by_both_agencies_at_the_same_moment_leave_one_partnership_in_force()
    {
        var partner = await _world.AgencyAsync();
        var ours = (await MentoringWorld.Created<JsonElement>(await _world.Admin.PostJson("/api/partnerships", new
        {
            partnerAgencyId = partner.Id, kinds = new[] { "CasePlan" }, legalBasis = "Written agreement", expiresAt = DateTimeOffset.UtcNow.AddMonths(6),
        }))).GetProperty("id").GetString()!;

        var theirs = await _world.CrossedProposalAsync(partner, ours);

        // The partner's admin accepts ours; while its acceptance is written to our copy, our admin accepts theirs.
        HttpResponseMessage? meanwhile = null;
        api.Counter.BeforeReplace = async (_, document) =>
        {
            if (document is Partnership { Id: var id, AgencyId: "demo", State: PartnershipState.Active } && id == ours && meanwhile is null)
            {
                api.Counter.BeforeReplace = null;
                meanwhile = await _world.Admin.PostJson($"/api/partnerships/{theirs}/accept", new { professionals = Array.Empty<object>() });
            }
        };
        HttpResponseMessage accepted;
        try
        {
            accepted = await partner.Admin.PostJson($"/api/partnerships/{ours}/accept", new { professionals = Array.Empty<object>() });
        }
        finally
        {
            api.Counter.BeforeReplace = null;
        }

        Assert.NotNull(meanwhile);
        Assert.Contains(HttpStatusCode.OK, new[] { accepted.StatusCode, meanwhile!.StatusCode });
        var store = api.Services.GetRequiredService<IDocumentStore>();
        foreach (var agency in new[] { "demo", partner.Id })
        {
            var copies = await store.QueryAsync<Partnership>(TeamingData.Container, new DocumentQuery { PartitionKey = agency, Type = "partnership" }, default);
            Assert.Single(copies.Items, p => p.IsCurrent(DateTimeOffset.UtcNow) && p.OtherAgencyId(agency) == (agency == "demo" ? partner.Id : "demo"));
        }
    }
}
