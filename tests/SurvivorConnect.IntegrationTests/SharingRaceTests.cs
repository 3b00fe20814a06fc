using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using SurvivorConnect.Api.Features.Consent;
using SurvivorConnect.Storage;

namespace SurvivorConnect.IntegrationTests;

/// <summary>A youth's "Stop sharing" and staff recording sharing for them, at the same moment: the youth's no wins.</summary>
public sealed class SharingRaceTests(CountingApiFactory api) : IClassFixture<CountingApiFactory>
{
    private readonly TeamingWorld _world = new(api);

    private static object Share(SharedTeam team, params string[] kinds) =>
        new { subjectId = team.YouthId, grantor = "Youth", scope = "mdt-sharing", partnerAgencyId = team.Partner.Id, kinds };

    private async Task<List<MentoringTests.ConsentDto>> SharingAsync(SharedTeam team) =>
        [.. (await HttpAssert.Ok<List<MentoringTests.ConsentDto>>(await _world.CaseManager.GetAsync($"/api/consents?subjectId={team.YouthId}")))
            .Where(c => c.Scope == "mdt-sharing" && c.Current)];

    [Fact]
    public async Task Staff_recording_sharing_while_the_youth_stops_it_is_refused_and_nothing_is_shared()
    {
        var team = await _world.SharedTeamAsync(kinds: ["CasePlan"]);
        HttpResponseMessage? stopped = null;
        api.Counter.WhileCreating = async document =>
        {
            if (document is ConsentRecord { Scope: "mdt-sharing" })
            {
                api.Counter.WhileCreating = null;
                stopped = await team.Youth.PostAsync($"/api/consents/{team.ConsentId}/revoke", null);
            }
        };

        HttpResponseMessage recorded;
        try
        {
            recorded = await _world.CaseManager.PostJson("/api/consents", Share(team, "CasePlan", "SafetyPlan"));
        }
        finally
        {
            api.Counter.WhileCreating = null;
        }

        Assert.Equal(HttpStatusCode.OK, stopped!.StatusCode);
        Assert.Equal(1, (await HttpAssert.Ok<PageDto<NotificationDto>>(await team.Youth.GetAsync("/api/notifications"))).Items.Count(n => n.Kind == "sharing-recorded"));
        var refused = await HttpAssert.Problem(recorded, 409);
        Assert.Contains("withdrew", refused.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Empty(await SharingAsync(team));
        await TeamingWorld.RefusedAsync(await TeamingWorld.ReadAsync(team), HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task The_youths_stop_also_stops_sharing_staff_recorded_while_it_was_being_stopped()
    {
        var team = await _world.SharedTeamAsync(kinds: ["CasePlan"]);
        api.Counter.BeforeReplace = async (store, document) =>
        {
            if (document is ConsentRecord { WithdrawnBySubject: true })
            {
                api.Counter.BeforeReplace = null;
                await store.CreateAsync(ConsentRecord.Container, new ConsentRecord
                {
                    Id = Guid.NewGuid().ToString("N"), PartitionKey = "demo", AgencyId = "demo", SubjectId = team.YouthId, Grantor = ConsentGrantor.Youth,
                    Scope = "mdt-sharing", PartnerAgencyId = team.Partner.Id, Kinds = ["CasePlan", "SafetyPlan"], GrantedAt = DateTimeOffset.UtcNow, RecordedBy = "demo-casemanager",
                }, CancellationToken.None);
            }
        };

        try
        {
            await MentoringWorld.Ok(await team.Youth.PostAsync($"/api/consents/{team.ConsentId}/revoke", null));
        }
        finally
        {
            api.Counter.BeforeReplace = null;
        }

        Assert.Empty(await SharingAsync(team));
        await TeamingWorld.RefusedAsync(await TeamingWorld.ReadAsync(team), HttpStatusCode.Forbidden);
        await HttpAssert.Problem(await _world.CaseManager.PostJson("/api/consents", Share(team, "CasePlan")), 409);
    }

    [Fact]
    public async Task A_youths_stop_sharing_on_sharing_staff_took_back_as_recorded_in_error_is_still_their_no()
    {
        var team = await _world.SharedTeamAsync(kinds: ["CasePlan"]);
        await MentoringWorld.Ok(await _world.CaseManager.PostAsync($"/api/consents/{team.ConsentId}/correct", null));

        // Their page, drawn before, still offers "Stop sharing" on it.
        await MentoringWorld.Ok(await team.Youth.PostAsync($"/api/consents/{team.ConsentId}/revoke", null));

        var refused = await HttpAssert.Problem(await _world.CaseManager.PostJson("/api/consents", Share(team, "CasePlan")), 409);
        Assert.Contains("withdrew", refused.GetProperty("detail").GetString(), StringComparison.Ordinal);
        await HttpAssert.Problem(await team.Youth.PostAsync($"/api/consents/{team.ConsentId}/revoke", null), 409);
        Assert.Empty(await SharingAsync(team));
    }

    [Fact]
    public async Task Of_two_consents_left_current_the_newest_alone_says_what_is_shared()
    {
        var team = await _world.SharedTeamAsync(kinds: ["CasePlan", "SafetyPlan"]);
        var store = api.Services.GetRequiredService<IDocumentStore>();

        // As a narrower consent whose replacing of the wider one failed part way would leave them.
        await store.CreateAsync(ConsentRecord.Container, new ConsentRecord
        {
            Id = Guid.NewGuid().ToString("N"), PartitionKey = "demo", AgencyId = "demo", SubjectId = team.YouthId, Grantor = ConsentGrantor.Youth,
            Scope = "mdt-sharing", PartnerAgencyId = team.Partner.Id, Kinds = ["CasePlan"], GrantedAt = DateTimeOffset.UtcNow.AddSeconds(1), RecordedBy = team.YouthPersonId, GivenBySubject = true,
        }, CancellationToken.None);

        var shared = await HttpAssert.Ok<JsonElement>(await TeamingWorld.ReadAsync(team));

        Assert.Equal(2, (await SharingAsync(team)).Count);
        Assert.Equal(["CasePlan"], shared.GetProperty("kinds").EnumerateArray().Select(k => k.GetString()));
        Assert.Equal(JsonValueKind.Null, shared.GetProperty("safetyPlan").ValueKind);

        // Staff take the newest back: the older, wider one still current does not come back to life.
        var newest = (await SharingAsync(team)).Single(c => c.Id != team.ConsentId);
        await MentoringWorld.Ok(await _world.CaseManager.PostAsync($"/api/consents/{newest.Id}/revoke", null));
        await TeamingWorld.RefusedAsync(await TeamingWorld.ReadAsync(team), HttpStatusCode.Forbidden);
        var sharing = await HttpAssert.Ok<JsonElement>(await team.Youth.GetAsync("/api/my-team"));
        Assert.DoesNotContain(sharing.GetProperty("sharing").EnumerateArray(), s => s.GetProperty("inForce").GetBoolean());
    }
}
