using System.Net;
using System.Text.Json;
using SurvivorConnect.Api.Features.Notifications;
using SurvivorConnect.Api.Features.Teaming;
using SurvivorConnect.Storage;

namespace SurvivorConnect.IntegrationTests;

/// <summary>
/// A team change whose later steps failed after the team was saved is finished by trying again: a partner's
/// professional never reads what the youth shares without the youth having been told, and one taken off loses their seat.
/// </summary>
public sealed class TeamChangeFinishesTests(CountingApiFactory api) : IClassFixture<CountingApiFactory>
{
    private readonly TeamingWorld _world = new(api);

    [Fact]
    public async Task A_partner_professional_added_again_after_the_youths_notice_failed_is_answered_and_the_youth_is_told_once()
    {
        var partner = await _world.AgencyAsync();
        await _world.PartnershipAsync(partner);
        var (youthId, youth) = await _world.Mentoring.YouthAsync();
        await MentoringWorld.Created(await _world.CaseManager.PostAsync($"/api/teams/{youthId}", null));
        object add = new { role = "Professional", personId = partner.ProfessionalId, agencyId = partner.Id };

        var failed = await api.FailingWriteOnceAsync(d => d is Notification { Kind: "team-partner-joined" },
            () => _world.CaseManager.PostJson($"/api/teams/{youthId}/members", add));
        Assert.False(failed.IsSuccessStatusCode);
        Assert.DoesNotContain(await KindsAsync(youth), k => k == "team-partner-joined");
        Assert.Empty(await HttpAssert.Ok<List<JsonElement>>(await partner.Professional.GetAsync("/api/shared")));

        // Before, this was "They are on the team already", and the youth never heard that a partner could read.
        await MentoringWorld.Ok(await _world.CaseManager.PostJson($"/api/teams/{youthId}/members", add));
        await MentoringWorld.Ok(await _world.CaseManager.PostJson($"/api/teams/{youthId}/members", add));

        Assert.Single(await KindsAsync(youth), k => k == "team-partner-joined");
        Assert.Single(await KindsAsync(partner.Professional), k => k == "team-partner");
        var team = await HttpAssert.Ok<JsonElement>(await _world.CaseManager.GetAsync($"/api/teams/{youthId}"));
        Assert.Single(team.GetProperty("members").EnumerateArray(), m => m.GetProperty("fromPartner").GetBoolean());
        Assert.Single(await HttpAssert.Ok<List<JsonElement>>(await partner.Professional.GetAsync("/api/shared")));
    }

    [Fact]
    public async Task A_partner_professional_whose_seat_could_not_be_taken_away_loses_it_when_the_removal_is_tried_again()
    {
        var team = await _world.SharedTeamAsync();
        var view = await HttpAssert.Ok<JsonElement>(await _world.CaseManager.GetAsync($"/api/teams/{team.YouthId}"));
        var memberId = view.GetProperty("members").EnumerateArray().Single(m => m.GetProperty("fromPartner").GetBoolean()).GetProperty("id").GetString();
        var remove = $"/api/teams/{team.YouthId}/members/{memberId}/remove";
        var failed = 0;
        api.Counter.BeforeDelete = id =>
        {
            if (id == team.SeatId && Interlocked.Exchange(ref failed, 1) == 0)
            {
                throw new StoreException(StoreErrorKind.Unavailable, "The store went away.");
            }
        };
        try
        {
            Assert.False((await _world.CaseManager.PostAsync(remove, null)).IsSuccessStatusCode);
        }
        finally
        {
            api.Counter.BeforeDelete = null;
        }

        Assert.Equal(1, failed);
        Assert.Equal(HttpStatusCode.Forbidden, (await TeamingWorld.ReadAsync(team)).StatusCode);

        // Before, this was 404 and the seat stayed in their list for good.
        await MentoringWorld.Ok(await _world.CaseManager.PostAsync(remove, null));
        Assert.Empty(await HttpAssert.Ok<List<JsonElement>>(await team.Partner.Professional.GetAsync("/api/shared")));
    }

    [Fact]
    public async Task A_partnership_ended_while_the_other_agencys_copy_cannot_be_written_still_takes_their_professionals_off_the_youths_team()
    {
        var team = await _world.SharedTeamAsync();
        var failed = 0;
        api.Counter.BeforeReplace = (_, document) =>
        {
            if (document is Partnership theirs && theirs.AgencyId == team.Partner.Id && Interlocked.Exchange(ref failed, 1) == 0)
            {
                throw new StoreException(StoreErrorKind.Unavailable, "The store went away.");
            }

            return Task.CompletedTask;
        };
        try
        {
            Assert.False((await _world.Admin.PostAsync($"/api/partnerships/{team.PartnershipId}/end", null)).IsSuccessStatusCode);
        }
        finally
        {
            api.Counter.BeforeReplace = null;
        }

        Assert.Equal(1, failed);
        var view = await HttpAssert.Ok<JsonElement>(await _world.CaseManager.GetAsync($"/api/teams/{team.YouthId}"));
        Assert.DoesNotContain(view.GetProperty("members").EnumerateArray(), m => m.GetProperty("fromPartner").GetBoolean());
        Assert.Empty(await HttpAssert.Ok<List<JsonElement>>(await team.Partner.Professional.GetAsync("/api/shared")));
    }

    private static async Task<List<string>> KindsAsync(HttpClient client) => [.. (await client.NoticesAsync()).Select(n => n.Kind)];
}
