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

/// <summary>A session moved when the reminder schedule cannot be written after the move (a fixture of its own: its sessions are reminded in every round).</summary>
public sealed class ReminderRescheduleFailureTests(ClockedCountingApiFactory api) : IClassFixture<ClockedCountingApiFactory>
{
    private Task RunRemindersAsync() => api.Services.GetRequiredService<EngagementReminderWorker>().RunOnceAsync(CancellationToken.None);

    [Fact]
    public async Task A_session_moved_later_whose_reminder_could_not_be_rescheduled_after_the_move_is_still_reminded_the_day_before_its_new_time()
    {
        var world = new EngagementWorld(api);
        var (opportunityId, advisors) = await world.ConfirmedSessionAsync(api.Time, api.Time.Advance, startsIn: TimeSpan.FromHours(30));
        // The move's own write goes through; setting the reminder to the new time after it does not.
        var (moved, failed) = (false, false);
        api.Counter.BeforeReplace = (_, document) =>
        {
            moved |= document is Opportunity;
            return Task.CompletedTask;
        };
        api.Counter.BeforeUpsert = document =>
        {
            if (document is ReminderSlot && moved && !failed)
            {
                failed = true;
                throw StoreException.Unavailable("The store went away.");
            }
        };
        try
        {
            await EngagementReminderTests.MoveSessionAsync(world.Recruiter, opportunityId, TimeSpan.FromHours(48));
        }
        finally
        {
            (api.Counter.BeforeReplace, api.Counter.BeforeUpsert) = (null, null);
        }

        Assert.True(failed);
        api.Time.Advance(TimeSpan.FromHours(31));
        await RunRemindersAsync();
        api.Time.Advance(TimeSpan.FromHours(24));
        await RunRemindersAsync();

        foreach (var (_, client) in advisors)
        {
            Assert.Single(await EngagementReminderTests.RemindersAsync(client), r => r.Contains("within the next day", StringComparison.Ordinal));
        }
    }

    [Fact]
    public async Task The_reminder_slot_of_a_session_no_longer_on_the_work_goes_once_its_time_has_passed()
    {
        var world = new EngagementWorld(api);
        var (opportunityId, _) = await world.ConfirmedSessionAsync(api.Time, api.Time.Advance, startsIn: TimeSpan.FromHours(30));
        var store = api.Services.GetRequiredService<IDocumentStore>();
        var gone = ReminderSlot.IdFor("demo", opportunityId, "taken-off");
        await store.UpsertAsync(EngagementData.Container, new ReminderSlot
        {
            Id = gone, PartitionKey = ReminderSlot.Partition, AgencyId = "demo", OpportunityId = opportunityId, SessionId = "taken-off", StartUtc = api.Time.GetUtcNow().AddMinutes(1),
        }, CancellationToken.None);

        api.Time.Advance(TimeSpan.FromMinutes(2));
        await RunRemindersAsync();

        Assert.Null(await store.ReadAsync<ReminderSlot>(EngagementData.Container, gone, ReminderSlot.Partition, CancellationToken.None));
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
