using System.Net;
using SurvivorConnect.Api.Features.Teaming;
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
}
