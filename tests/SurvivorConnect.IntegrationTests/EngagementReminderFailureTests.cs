using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using SurvivorConnect.Api.Features.Engagements;
using SurvivorConnect.Api.Features.Notifications;
using SurvivorConnect.Api.Infrastructure.Auth;
using SurvivorConnect.Storage;

namespace SurvivorConnect.IntegrationTests;

/// <summary>Reminders when a write fails: one that cannot be sent now holds up nobody else's.</summary>
public sealed class EngagementReminderFailureTests(ClockedCountingApiFactory api) : IClassFixture<ClockedCountingApiFactory>
{
    private Task RunRemindersAsync() => api.Services.GetRequiredService<EngagementReminderWorker>().RunOnceAsync(CancellationToken.None);

    [Fact]
    public async Task A_reminder_that_cannot_be_written_holds_up_no_one_elses_and_goes_out_the_next_round()
    {
        var world = new EngagementWorld(api);
        var (_, first) = await world.ConfirmedSessionAsync(api.Time, api.Time.Advance, startsIn: TimeSpan.FromHours(30));
        var (_, second) = await world.ConfirmedSessionAsync(api.Time, api.Time.Advance, startsIn: TimeSpan.FromHours(30));
        var everyone = first.Concat(second).ToList();
        api.Time.Advance(TimeSpan.FromHours(10));

        await api.FailingWriteOnceAsync(d => d is Notification, RunRemindersAsync);

        var reminded = 0;
        foreach (var (_, client) in everyone)
        {
            reminded += (await EngagementReminderTests.RemindersAsync(client)).Count;
        }

        Assert.Equal(everyone.Count - 1, reminded);

        await RunRemindersAsync();
        foreach (var (_, client) in everyone)
        {
            Assert.Single(await EngagementReminderTests.RemindersAsync(client));
        }
    }

}

/// <summary>Giving up the places of someone who no longer takes paid work when a write fails: the worker finishes it.</summary>
public sealed class PlacesReleaseFailureTests(ClockedCountingApiFactory api) : IClassFixture<ClockedCountingApiFactory>
{
    private Task RunRemindersAsync() => api.Services.GetRequiredService<EngagementReminderWorker>().RunOnceAsync(CancellationToken.None);

    [Fact]
    public async Task Roles_taken_away_are_saved_even_if_giving_up_the_places_fails_and_the_worker_gives_them_up_after()
    {
        var world = new EngagementWorld(api);
        var (opportunityId, advisors) = await world.ConfirmedSessionAsync(api.Time, api.Time.Advance, startsIn: TimeSpan.FromHours(30));
        var leaving = advisors[0];
        var person = await world.Admin.GetAsync($"/api/people/{leaving.Id}");
        using var roles = new HttpRequestMessage(HttpMethod.Put, $"/api/people/{leaving.Id}/roles") { Content = JsonContent.Create(new { roles = new[] { Roles.CaseManager } }) };
        roles.Headers.TryAddWithoutValidation("If-Match", person.Headers.ETag!.Tag);
        api.Counter.BeforeBatch = _ => throw StoreException.Unavailable("The store went away.");
        try
        {
            await HttpAssert.Ok<JsonElement>(await world.Admin.SendAsync(roles));
        }
        finally
        {
            api.Counter.BeforeBatch = null;
        }

        Assert.Equal(2, (await HttpAssert.Ok<OpportunityDto>(await world.Recruiter.GetAsync($"/api/engagements/opportunities/{opportunityId}"))).SeatsTaken);

        api.Time.Advance(EngagementReminderWorker.CancellationGrace + TimeSpan.FromMinutes(1));
        await RunRemindersAsync();

        Assert.Equal(1, (await HttpAssert.Ok<OpportunityDto>(await world.Recruiter.GetAsync($"/api/engagements/opportunities/{opportunityId}"))).SeatsTaken);
    }
}
