using System.Net;
using System.Net.Http.Json;

namespace SurvivorConnect.IntegrationTests;

/// <summary>
/// Every portal page reads its agency's time zone before it is made. A read that answers late, as Cosmos DB's does
/// over the network, must not break the page. Its own API: the demo agency's zone changes here.
/// </summary>
public sealed class AgencyClockPageTests(CountingApiFactory api) : IClassFixture<CountingApiFactory>, IAsyncLifetime
{
    private const string Meetings = "/teams/demo-youth-referral/meetings";

    public async Task InitializeAsync() =>
        await HttpAssert.Ok<System.Text.Json.JsonElement>(await api.As("demo-admin").PutAsJsonAsync("/api/agency/time-zone", new { timeZone = "America/New_York" }));

    public Task DisposeAsync()
    {
        api.Counter.BeforeRead = null;
        return Task.CompletedTask;
    }

    [Fact]
    public async Task A_page_whose_agency_arrives_late_is_made_by_the_agencys_clock()
    {
        api.Counter.BeforeRead = async id =>
        {
            if (id == "demo")
            {
                await Task.Delay(50);
            }
        };

        var page = await api.As("demo-casemanager").GetAsync(Meetings);

        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Contains("When (New York time)", await page.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }
}
