using System.Net;
using SurvivorConnect.Api.Features.Teaming;
using SurvivorConnect.Storage;
using static SurvivorConnect.IntegrationTests.PortalSession;

namespace SurvivorConnect.IntegrationTests;

/// <summary>
/// Two taps of the same button (a slow phone, two case managers at once) that both find the record not yet made: the
/// second is told it is done already, never shown an error page.
/// </summary>
public sealed class DoubleTapTests(CountingApiFactory api) : IClassFixture<CountingApiFactory>
{
    private readonly MentoringWorld _world = new(api);

    [Fact]
    public async Task A_quick_exit_replayed_with_a_copy_of_its_cookie_records_the_sessions_end_once()
    {
        var cookie = await SessionCookieAsync(api, "demo-mentor");
        var client = api.CreateClient(new Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = false });
        async Task<HttpStatusCode> ExitAsync()
        {
            using var exit = new HttpRequestMessage(HttpMethod.Post, "/exit");
            exit.Headers.Add("Cookie", cookie);
            return (await client.SendAsync(exit)).StatusCode;
        }

        var first = await api.Counter.MeasureAsync(async () => Assert.Equal(HttpStatusCode.NoContent, await ExitAsync()));
        var replayed = await api.Counter.MeasureAsync(async () =>
        {
            for (var i = 0; i < 5; i++)
            {
                Assert.Equal(HttpStatusCode.NoContent, await ExitAsync());
            }
        });

        Assert.Equal(1, first.Writes);
        Assert.Equal(0, replayed.Writes);
    }

    [Fact]
    public async Task Forming_a_team_twice_at_once_forms_it_once_and_says_so_to_the_second_tap()
    {
        var (youthId, _) = await _world.YouthAsync();
        var portal = await SignedInAsync(api, "demo-casemanager");
        HttpResponseMessage? first = null;
        api.Counter.WhileCreating = async document =>
        {
            if (document is Team)
            {
                api.Counter.WhileCreating = null;
                first = await _world.CaseManager.PostAsync($"/api/teams/{youthId}", null);
            }
        };

        string second;
        try
        {
            second = await PostFormAsync(portal, $"/teams/{youthId}", "form-team");
        }
        finally
        {
            api.Counter.WhileCreating = null;
        }

        Assert.Equal(HttpStatusCode.Created, first!.StatusCode);
        Assert.Contains("This youth&#x27;s team is already formed.", second, StringComparison.Ordinal);
        await HttpAssert.Problem(await _world.CaseManager.PostAsync($"/api/teams/{youthId}", null), 409);
    }

    [Fact]
    public async Task A_proposal_sent_again_after_the_other_agencys_copy_failed_to_be_written_reaches_them_once()
    {
        var partner = await new TeamingWorld(api).AgencyAsync();
        var portal = await SignedInAsync(api, "demo-admin");
        var proposalId = PortalSession.Hidden(await portal.GetStringAsync("/partnerships"), "ProposalId");
        (string, string)[] fields = [("ProposalId", proposalId), ("PartnerAgencyId", partner.Id), ("Kinds", "CasePlan"), ("LegalBasis", "Our written agreement"),
            ("ExpiresOn", DateTime.UtcNow.AddMonths(6).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture))];

        var failed = await api.FailingWriteOnceAsync(d => d is Partnership && d.AgencyId == partner.Id, () => PostFormAsync(portal, "/partnerships", "propose", fields));
        var again = await PostFormAsync(portal, "/partnerships", "propose", fields);

        Assert.Contains("We could not save this just now", failed, StringComparison.Ordinal);
        Assert.Contains("Proposed.", again, StringComparison.Ordinal);
        Assert.Equal(proposalId, Assert.Single(await HttpAssert.Ok<List<System.Text.Json.JsonElement>>(await partner.Admin.GetAsync("/api/partnerships"))).GetProperty("id").GetString());
        Assert.Single((await HttpAssert.Ok<PageDto<NotificationDto>>(await partner.Admin.GetAsync("/api/notifications"))).Items, n => n.Kind == "partnership-proposed");
    }

    [Fact]
    public async Task A_partnership_accepted_again_after_the_proposing_agencys_copy_failed_to_be_written_is_in_force_on_both_sides()
    {
        var admin = api.As("demo-admin");
        var northAdmin = api.AsSubject("north-admin", "demo-north");
        var proposed = await MentoringWorld.Created<System.Text.Json.JsonElement>(await admin.PostJson("/api/partnerships", new
        {
            partnerAgencyId = "demo-north", kinds = new[] { "CasePlan" }, legalBasis = "Our written agreement", expiresAt = DateTimeOffset.UtcNow.AddMonths(6),
        }));
        var id = proposed.GetProperty("id").GetString()!;
        (string, string)[] offer = [($"accept-{id}-offer", "north-casemanager"), ($"accept-{id}-title-north-casemanager", "Youth advocate")];
        var portal = await SignedInAsync(api, "north-admin");

        var failed = 0;
        api.Counter.BeforeReplace = (_, document) => document is Partnership && document.AgencyId == "demo" && Interlocked.Exchange(ref failed, 1) == 0
            ? throw new StoreException(StoreErrorKind.Unavailable, "The store went away.")
            : Task.CompletedTask;
        try
        {
            await PostFormAsync(portal, "/partnerships", $"accept-{id}", offer);
        }
        finally
        {
            api.Counter.BeforeReplace = null;
        }

        Assert.Contains("Finish accepting to share as agreed.", await portal.GetStringAsync("/partnerships"), StringComparison.Ordinal);
        // Finished with the offer made when it was accepted: whom we offer changes only with the version it was read at.
        Assert.Contains("Accepted.", await PostFormAsync(portal, "/partnerships", $"accept-{id}"), StringComparison.Ordinal);

        foreach (var reader in new[] { admin, northAdmin })
        {
            var listed = Assert.Single(await HttpAssert.Ok<List<System.Text.Json.JsonElement>>(await reader.GetAsync("/api/partnerships")), p => p.GetProperty("id").GetString() == id);
            Assert.True(listed.GetProperty("current").GetBoolean());
            var offered = Assert.Single(listed.GetProperty(reader == admin ? "theirProfessionals" : "ourProfessionals").EnumerateArray());
            Assert.Equal("north-casemanager", offered.GetProperty("personId").GetString());
            Assert.Equal("Youth advocate", offered.GetProperty("title").GetString());
        }

        Assert.Equal(1, failed);
        await HttpAssert.Problem(await northAdmin.PostJson($"/api/partnerships/{id}/accept", new { }), 409);
    }
}
