using Microsoft.Extensions.DependencyInjection;
using SurvivorConnect.Api.Features.Engagements;
using SurvivorConnect.Api.Features.Notifications;

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
