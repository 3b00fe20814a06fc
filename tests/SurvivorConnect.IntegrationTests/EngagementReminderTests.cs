using System.Net.Http.Json;
using System.Text.Json;
using SurvivorConnect.Api.Features.Engagements;

namespace SurvivorConnect.IntegrationTests;

/// <summary>Session reminders 24 hours and 1 hour before, exactly once, with two API instances working the same store.</summary>
public sealed class EngagementReminderTests() : TwoInstances("remind")
{
    private static Task RunRemindersAsync(Instance instance) => instance.Service<EngagementReminderWorker>().RunOnceAsync(CancellationToken.None);

    [Fact]
    public async Task Each_confirmed_participant_gets_the_day_before_and_the_hour_before_reminders_once_each_whatever_both_instances_do()
    {
        var (_, advisors) = await ConfirmedSessionAsync(startsIn: TimeSpan.FromHours(23));

        await Task.WhenAll(RunRemindersAsync(First), RunRemindersAsync(Second), RunRemindersAsync(First));
        await Task.WhenAll(RunRemindersAsync(First), RunRemindersAsync(Second));
        foreach (var (_, client) in advisors)
        {
            var reminders = await RemindersAsync(client);
            Assert.Equal(["A reminder: you have a paid session within the next day. The time and details are in your portal. If you can no longer come, you can withdraw there."], reminders);
        }

        Advance(TimeSpan.FromHours(22.5));
        await Task.WhenAll(RunRemindersAsync(First), RunRemindersAsync(Second), RunRemindersAsync(Second));
        foreach (var (_, client) in advisors)
        {
            var reminders = await RemindersAsync(client);
            Assert.Equal(2, reminders.Count);
            Assert.Contains(reminders, r => r.Contains("about an hour", StringComparison.Ordinal));
        }

        Advance(TimeSpan.FromHours(1));
        await Task.WhenAll(RunRemindersAsync(First), RunRemindersAsync(Second));
        foreach (var (_, client) in advisors)
        {
            Assert.Equal(2, (await RemindersAsync(client)).Count);
        }
    }

    [Fact]
    public async Task A_cancelled_session_sends_no_reminder()
    {
        var (opportunityId, advisors) = await ConfirmedSessionAsync(startsIn: TimeSpan.FromHours(30));
        var recruiter = First.As("demo-recruiter");
        await HttpAssert.Ok<JsonElement>(await recruiter.PostAsync($"/api/engagements/opportunities/{opportunityId}/sessions/s1/cancel", null));

        Advance(TimeSpan.FromHours(10));
        await Task.WhenAll(RunRemindersAsync(First), RunRemindersAsync(Second));

        foreach (var (_, client) in advisors)
        {
            Assert.Empty(await RemindersAsync(client));
        }
    }

    [Fact]
    public async Task Someone_whose_place_the_agency_cancelled_gets_no_reminder_and_the_others_do()
    {
        var (opportunityId, advisors) = await ConfirmedSessionAsync(startsIn: TimeSpan.FromHours(30));
        var recruiter = First.As("demo-recruiter");
        await HttpAssert.Ok<JsonElement>(await recruiter.PostJson($"/api/engagements/opportunities/{opportunityId}/sessions/s1/attendance",
            new { entries = new[] { new { personId = advisors[0].Id, outcome = "cancelledByAgency" } } }));

        Advance(TimeSpan.FromHours(10));
        await Task.WhenAll(RunRemindersAsync(First), RunRemindersAsync(Second));

        Assert.Empty(await RemindersAsync(advisors[0].Client));
        Assert.Single(await RemindersAsync(advisors[1].Client));
    }

    [Fact]
    public async Task A_session_moved_after_its_day_before_reminder_is_reminded_again_the_day_before_its_new_time()
    {
        var (opportunityId, advisors) = await ConfirmedSessionAsync(startsIn: TimeSpan.FromHours(23), lateCancellationHours: 12);
        await RunRemindersAsync(First);
        var later = TimeSpan.FromHours(24);
        await HttpAssert.Ok<JsonElement>(await MoveSessionAsync(First.As("demo-recruiter"), opportunityId, later));

        Advance(later);
        await Task.WhenAll(RunRemindersAsync(First), RunRemindersAsync(Second));

        foreach (var (_, client) in advisors)
        {
            var reminders = await RemindersAsync(client);
            Assert.Equal(2, reminders.Count(r => r.Contains("within the next day", StringComparison.Ordinal)));
        }
    }

    /// <summary>The recruiter moves the work's one session (made by <see cref="EngagementWorld.ConfirmedSessionAsync"/>) <paramref name="later"/>.</summary>
    public static async Task<HttpResponseMessage> MoveSessionAsync(HttpClient recruiter, string opportunityId, TimeSpan later)
    {
        var work = $"/api/engagements/opportunities/{opportunityId}";
        var current = await recruiter.GetAsync(work);
        var body = System.Text.Json.Nodes.JsonNode.Parse(await current.Content.ReadAsStringAsync())!.AsObject();
        var session = body["sessions"]![0]!.AsObject();
        var moved = new System.Text.Json.Nodes.JsonObject
        {
            ["kind"] = "focus-group", ["title"] = "Reminder check", ["topics"] = new System.Text.Json.Nodes.JsonArray("housing"), ["seats"] = 5,
            ["applicationDeadline"] = body["applicationDeadline"]!.DeepClone(), ["compensation"] = new System.Text.Json.Nodes.JsonObject { ["basis"] = "hourly", ["rate"] = 60m },
            ["sessions"] = new System.Text.Json.Nodes.JsonArray(new System.Text.Json.Nodes.JsonObject
            {
                ["id"] = "s1", ["timeZone"] = "Europe/London", ["inPerson"] = false, ["link"] = "https://meet.example/r",
                ["start"] = (DateTime.Parse(session["start"]!.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture) + later).ToString("s", System.Globalization.CultureInfo.InvariantCulture),
                ["end"] = (DateTime.Parse(session["end"]!.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture) + later).ToString("s", System.Globalization.CultureInfo.InvariantCulture),
            }),
        };
        return await recruiter.PutJson(work, moved, current.Headers.ETag!.Tag);
    }

    public static async Task<List<string>> RemindersAsync(HttpClient client) =>
        [.. (await HttpAssert.Ok<PageDto<NotificationDto>>(await client.GetAsync("/api/notifications"))).Items.Where(n => n.Kind == "engagement-reminder").Select(n => n.Text)];

    private Task<(string OpportunityId, List<(string Id, HttpClient Client)> Advisors)> ConfirmedSessionAsync(TimeSpan startsIn, int lateCancellationHours = 24) =>
        new EngagementWorld(First).ConfirmedSessionAsync(First.Time, Advance, startsIn, lateCancellationHours);
}
