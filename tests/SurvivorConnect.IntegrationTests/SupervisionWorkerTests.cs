using System.Diagnostics.Metrics;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using SurvivorConnect.Api.Infrastructure.Hosting;
using SurvivorConnect.Api.Features.Supervision;
using SurvivorConnect.Api.Features.Supervision.Rules;

namespace SurvivorConnect.IntegrationTests;

/// <summary>Missed check-ins counted by two API instances working the same store at the same moments: each miss once, one flag.</summary>
public sealed class SupervisionWorkerTests() : TwoInstances("supervise")
{
    private static Task RunAsync(Instance instance) => instance.Service<CheckInWorker>().RunOnceAsync(CancellationToken.None);

    [Fact]
    public async Task Two_instances_count_each_missed_check_in_once_and_raise_one_flag_after_two()
    {
        var world = new MentoringWorld(First);
        var (mentorId, mentor) = await world.ReadyMentorAsync();
        await HttpAssert.Ok<JsonElement>(await SupervisionTests.CheckInAsync(mentor, DefaultInstrument.Version1.Items.ToDictionary(i => i.Id, i => i.Subscale is "support" or "self-care" ? 4 : 0)));

        foreach (var days in new[] { 18, 14, 14 })
        {
            Advance(TimeSpan.FromDays(days));
            await Task.WhenAll(RunAsync(First), RunAsync(Second), RunAsync(First), RunAsync(Second));
        }

        await Settle.UntilAsync(async () => (await FlagsAsync(world, mentorId)).Count(f => f.GetProperty("kind").GetString() == "Missed") >= 2);
        var flags = await FlagsAsync(world, mentorId);
        Assert.Equal(2, flags.Count(f => f.GetProperty("kind").GetString() == "Missed"));
        Assert.Contains(flags, f => f.GetProperty("reasons")[0].GetString() == "2 check-ins in a row were missed.");
        Assert.Contains(flags, f => f.GetProperty("reasons")[0].GetString() == "3 check-ins in a row were missed.");
    }

    [Fact]
    public async Task Due_dates_that_passed_while_no_worker_ran_are_counted_together_in_one_flag_not_a_flag_each_round()
    {
        var world = new MentoringWorld(First);
        var (mentorId, mentor) = await world.ReadyMentorAsync();
        await HttpAssert.Ok<JsonElement>(await SupervisionTests.CheckInAsync(mentor, SupervisionTests.Answers(0)));

        // Due on days 14, 28, … 98 (each missed three days after): by day 100, six were missed.
        Advance(TimeSpan.FromDays(100));
        foreach (var _ in Enumerable.Range(0, 3))
        {
            await Task.WhenAll(RunAsync(First), RunAsync(Second));
        }

        await Settle.UntilAsync(async () => (await FlagsAsync(world, mentorId)).Any(f => f.GetProperty("kind").GetString() == "Missed"));
        var missed = Assert.Single(await FlagsAsync(world, mentorId), f => f.GetProperty("kind").GetString() == "Missed");
        Assert.Equal("6 check-ins in a row were missed.", missed.GetProperty("reasons")[0].GetString());
        var due = (await HttpAssert.Ok<JsonElement>(await mentor.GetAsync("/api/supervision/me"))).GetProperty("nextDueAt").GetDateTimeOffset();
        Assert.True(due + TimeSpan.FromDays(3) > First.Time.GetUtcNow());
    }

    [Fact]
    public async Task An_urgent_answer_nobody_has_seen_after_an_hour_is_told_again_once_each_hour_until_seen()
    {
        var world = new MentoringWorld(First);
        var (mentorId, mentor) = await world.ReadyMentorAsync();
        using var firstCount = new MetricCollector<long>(First.Service<IMeterFactory>(), AppMetrics.MeterName, "survivorconnect.supervision.urgent_flags_unseen");
        using var secondCount = new MetricCollector<long>(Second.Service<IMeterFactory>(), AppMetrics.MeterName, "survivorconnect.supervision.urgent_flags_unseen");
        await HttpAssert.Ok<JsonElement>(await SupervisionTests.CheckInAsync(mentor, SupervisionTests.Answers(1, urgent: 3)));

        Advance(TimeSpan.FromMinutes(30));
        await Task.WhenAll(RunAsync(First), RunAsync(Second));
        Assert.Equal(0, await StillWaitingAsync(world));

        Advance(TimeSpan.FromMinutes(31));
        await Task.WhenAll(RunAsync(First), RunAsync(Second), RunAsync(First), RunAsync(Second));
        await Settle.UntilAsync(async () => firstCount.GetMeasurementSnapshot().Count + secondCount.GetMeasurementSnapshot().Count > 0 && await StillWaitingAsync(world) > 0);
        Assert.Equal(1, await StillWaitingAsync(world));
        Assert.Equal(1, firstCount.GetMeasurementSnapshot().Count + secondCount.GetMeasurementSnapshot().Count);

        var flag = (await FlagsAsync(world, mentorId)).Single(f => f.GetProperty("kind").GetString() == "Urgent");
        await HttpAssert.Ok<JsonElement>(await SupervisionTests.OnFlagAsync(world.Supervisor, flag.GetProperty("id").GetString(), "acknowledge"));
        Advance(TimeSpan.FromHours(2));
        await Task.WhenAll(RunAsync(First), RunAsync(Second));

        Assert.Equal(1, await StillWaitingAsync(world));
        Assert.Equal(1, firstCount.GetMeasurementSnapshot().Count + secondCount.GetMeasurementSnapshot().Count);
    }

    private static async Task<List<JsonElement>> FlagsAsync(MentoringWorld world, string mentorId) =>
        (await HttpAssert.Ok<JsonElement>(await world.Supervisor.GetAsync($"/api/supervision/mentors/{mentorId}"))).GetProperty("flags").EnumerateArray().ToList();

    private static async Task<int> StillWaitingAsync(MentoringWorld world) =>
        (await HttpAssert.Ok<PageDto<NotificationDto>>(await world.Supervisor.GetAsync("/api/notifications?pageSize=100"))).Items.Count(n => n.Text.StartsWith("Urgent, still waiting", StringComparison.Ordinal));
}
