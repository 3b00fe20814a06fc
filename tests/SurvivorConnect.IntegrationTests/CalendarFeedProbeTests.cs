using System.Net;
using System.Text.Json;

namespace SurvivorConnect.IntegrationTests;

/// <summary>
/// A calendar link that does not open is refused after the same single read whoever it names, so trying links tells
/// nobody whether a person exists, takes paid work, or has a calendar link at all.
/// </summary>
public sealed class CalendarFeedProbeTests(CountingApiFactory api) : IClassFixture<CountingApiFactory>
{
    [Fact]
    public async Task A_link_that_does_not_open_costs_one_read_for_an_advisor_with_a_link_one_without_and_nobody()
    {
        var world = new EngagementWorld(api);
        var (withLink, client) = await world.AdvisorAsync();
        var (withoutLink, _) = await world.AdvisorAsync();
        var real = (await HttpAssert.Ok<JsonElement>(await client.PostAsync("/api/engagements/me/calendar", null))).GetProperty("path").GetString()!;
        var wrongToken = new string('A', 43);

        var uses = new List<StoreUse>();
        foreach (var person in new[] { withLink, withoutLink, "nobody-" + Guid.NewGuid().ToString("N")[..8] })
        {
            uses.Add(await api.Counter.MeasureAsync(async () =>
                Assert.Equal(HttpStatusCode.NotFound, (await api.Anonymous().GetAsync($"/calendar/demo/{person}/{wrongToken}.ics")).StatusCode)));
        }

        Assert.All(uses, use => Assert.Equal(1, use.Reads + use.Queries));
        Assert.Equal(HttpStatusCode.OK, (await api.Anonymous().GetAsync(real)).StatusCode);
    }
}
