using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using SurvivorConnect.Api.Features.Engagements;

namespace SurvivorConnect.IntegrationTests;

/// <summary>Session reminders 24 hours and 1 hour before, exactly once, with two API instances working the same store.</summary>
public sealed class EngagementReminderTests : IAsyncLifetime
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "sc-remind-" + Guid.NewGuid().ToString("N"));
    private readonly DateTimeOffset _start = DateTimeOffset.UtcNow;
    private Instance _first = null!;
    private Instance _second = null!;

    private sealed class Instance(string folder, DateTimeOffset start) : ClockedApiFactory(folder, start)
    {
        public Task RunRemindersAsync() => Services.GetRequiredService<EngagementReminderWorker>().RunOnceAsync(CancellationToken.None);
    }

    public Task InitializeAsync()
    {
        _first = new Instance(_folder, _start);
        _ = _first.Server;
        _second = new Instance(_folder, _start);
        _ = _second.Server;
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await _first.DisposeAsync();
        await _second.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_folder, recursive: true);
    }

    [Fact]
    public async Task Each_confirmed_participant_gets_the_day_before_and_the_hour_before_reminders_once_each_whatever_both_instances_do()
    {
        var (_, advisors) = await ConfirmedSessionAsync(startsIn: TimeSpan.FromHours(23));

        await Task.WhenAll(_first.RunRemindersAsync(), _second.RunRemindersAsync(), _first.RunRemindersAsync());
        await Task.WhenAll(_first.RunRemindersAsync(), _second.RunRemindersAsync());
        foreach (var (_, client) in advisors)
        {
            var reminders = await RemindersAsync(client);
            Assert.Equal(["A reminder: you have a paid session tomorrow. The details are in your portal. If you can no longer come, you can withdraw there."], reminders);
        }

        Advance(TimeSpan.FromHours(22.5));
        await Task.WhenAll(_first.RunRemindersAsync(), _second.RunRemindersAsync(), _second.RunRemindersAsync());
        foreach (var (_, client) in advisors)
        {
            var reminders = await RemindersAsync(client);
            Assert.Equal(2, reminders.Count);
            Assert.Contains(reminders, r => r.Contains("about an hour", StringComparison.Ordinal));
        }

        Advance(TimeSpan.FromHours(1));
        await Task.WhenAll(_first.RunRemindersAsync(), _second.RunRemindersAsync());
        foreach (var (_, client) in advisors)
        {
            Assert.Equal(2, (await RemindersAsync(client)).Count);
        }
    }

    [Fact]
    public async Task A_cancelled_session_sends_no_reminder()
    {
        var (opportunityId, advisors) = await ConfirmedSessionAsync(startsIn: TimeSpan.FromHours(30));
        var recruiter = _first.As("demo-recruiter");
        await HttpAssert.Ok<JsonElement>(await recruiter.PostAsync($"/api/engagements/opportunities/{opportunityId}/sessions/s1/cancel", null));

        Advance(TimeSpan.FromHours(10));
        await Task.WhenAll(_first.RunRemindersAsync(), _second.RunRemindersAsync());

        foreach (var (_, client) in advisors)
        {
            Assert.Empty(await RemindersAsync(client));
        }
    }

    private void Advance(TimeSpan by)
    {
        _first.Time.Advance(by);
        _second.Time.Advance(by);
    }

    private static async Task<List<string>> RemindersAsync(HttpClient client) =>
        [.. (await HttpAssert.Ok<PageDto<NotificationDto>>(await client.GetAsync("/api/notifications"))).Items.Where(n => n.Kind == "engagement-reminder").Select(n => n.Text)];

    private async Task<(string OpportunityId, List<(string Id, HttpClient Client)> Advisors)> ConfirmedSessionAsync(TimeSpan startsIn)
    {
        var world = new EngagementWorld(_first);
        var recruiter = world.Recruiter;
        await world.SetBenchmarkAsync(50m);
        var now = _first.Time.GetUtcNow();
        string Local(DateTimeOffset at) => TimeZoneInfo.ConvertTimeBySystemTimeZoneId(at, "Europe/London").ToString("yyyy-MM-dd'T'HH:mm:ss", System.Globalization.CultureInfo.InvariantCulture);
        var draft = await HttpAssert.Ok<JsonElement>(await recruiter.PostJson("/api/engagements/opportunities", new
        {
            kind = "focus-group",
            title = "Reminder check",
            topics = new[] { "housing" },
            sessions = new[] { new { start = Local(now + startsIn), end = Local(now + startsIn + TimeSpan.FromHours(2)), timeZone = "Europe/London", inPerson = false, link = "https://meet.example/r" } },
            seats = 5,
            applicationDeadline = now.AddMinutes(30),
            compensation = new { basis = "hourly", rate = 60m },
        }));
        var id = draft.GetProperty("id").GetString()!;
        await HttpAssert.Ok<JsonElement>(await recruiter.PostAsync($"/api/engagements/opportunities/{id}/publish", null));

        var advisors = new List<(string Id, HttpClient Client)>();
        for (var i = 0; i < 2; i++)
        {
            var advisor = await world.AdvisorAsync(availableAnyTime: true, timeZone: "Europe/London");
            await world.ConfirmAsync(id, advisor);
            advisors.Add(advisor);
        }

        return (id, advisors);
    }
}
