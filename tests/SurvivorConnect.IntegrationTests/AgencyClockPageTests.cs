using System.Net;
using System.Net.Http.Json;
using SurvivorConnect.Storage;

namespace SurvivorConnect.IntegrationTests;

/// <summary>
/// Every portal page reads its agency's time zone before it is made. A read that answers late, as Cosmos DB's does
/// over the network, must not break the page. Its own API: the demo agency's zone changes here.
/// </summary>
public sealed class AgencyClockPageTests(CountingApiFactory api) : IClassFixture<CountingApiFactory>, IAsyncLifetime
{
    private const string Meetings = "/teams/demo-youth-referral/meetings";

    public async Task InitializeAsync() =>
        await HttpAssert.Ok<System.Text.Json.JsonElement>(await api.As("demo-admin").PutAgencySetting("/api/agency/time-zone", new { timeZone = "America/New_York" }));

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

    [Theory]
    [InlineData(1)]
    [InlineData(int.MaxValue)]
    public async Task A_page_the_store_cannot_make_is_shown_to_a_browser_as_a_portal_page_with_the_exit_button(int failing)
    {
        var failures = 0;
        api.Counter.BeforeRead = id => id == "demo" && Interlocked.Increment(ref failures) <= failing ? throw StoreException.Unavailable("The store went away.") : Task.CompletedTask;
        var page = await api.As("demo-casemanager").BrowseAsync(Meetings);
        var json = await api.As("demo-casemanager").GetAsync(Meetings);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, page.StatusCode);
        var html = await page.Content.ReadAsStringAsync();
        Assert.Contains("That did not work", html, StringComparison.Ordinal);
        Assert.Contains("data-exit", html, StringComparison.Ordinal);
        Assert.Contains("/portal-assets/portal.js", html, StringComparison.Ordinal);
        // Whoever meets it may be in danger: the way to help and the crisis lines are there, store or no store.
        Assert.Contains("href=\"/help\"", html, StringComparison.Ordinal);
        Assert.Contains("href=\"tel:988\"", html, StringComparison.Ordinal);
        if (failing == 1)
        {
            Assert.Equal(HttpStatusCode.OK, json.StatusCode);
            return;
        }

        // The API's callers still get ProblemDetails.
        await HttpAssert.Problem(json, 503);
    }

    [Fact]
    public async Task A_form_sent_from_a_page_while_the_store_is_away_is_answered_with_a_portal_page_with_the_exit_button()
    {
        var portal = await PortalSession.SignedInAsync(api, "demo-casemanager");
        var token = await PortalSession.FormTokenAsync(portal, Meetings);
        api.Counter.BeforeRead = id => id == "demo" ? throw StoreException.Unavailable("The store went away.") : Task.CompletedTask;

        var answer = await portal.PostAsync(Meetings, new FormUrlEncodedContent([new("_handler", "schedule"), new("__RequestVerificationToken", token), new("Agenda", "Housing")]));

        Assert.Equal(HttpStatusCode.ServiceUnavailable, answer.StatusCode);
        Assert.StartsWith("text/html", answer.Content.Headers.ContentType?.MediaType, StringComparison.Ordinal);
        var html = await answer.Content.ReadAsStringAsync();
        Assert.Contains("That did not work", html, StringComparison.Ordinal);
        Assert.Contains("data-exit", html, StringComparison.Ordinal);
        Assert.Contains("href=\"tel:988\"", html, StringComparison.Ordinal);
    }
}
