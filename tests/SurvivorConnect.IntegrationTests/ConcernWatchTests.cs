using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using SurvivorConnect.Api.Features.Notifications;
using SurvivorConnect.Api.Features.Supervision;
using SurvivorConnect.Api.Infrastructure.Auth;

namespace SurvivorConnect.IntegrationTests;

/// <summary>
/// A concern about a mentor's wellbeing is the supervisor's to see; one left unseen for a week (a supervisor away, or
/// overwhelmed) reaches the agency's admins, so no mentor's strain waits on one person for ever.
/// </summary>
public sealed class ConcernWatchTests(ClockedCountingApiFactory api) : IClassFixture<ClockedCountingApiFactory>
{
    private readonly ConcernWatchWorld _world = new(api);

    [Fact]
    public async Task A_concern_its_supervisor_leaves_unseen_a_week_is_told_to_the_admins_once_for_each_supervisor_and_one_seen_in_time_is_not()
    {
        var (unseenId, unseen) = await _world.Mentoring.ReadyMentorAsync();
        var (seenId, seen) = await _world.Mentoring.ReadyMentorAsync();
        await HttpAssert.Ok<JsonElement>(await SupervisionTests.CheckInAsync(unseen, SupervisionTests.Answers(3)));
        await HttpAssert.Ok<JsonElement>(await SupervisionTests.CheckInAsync(seen, SupervisionTests.Answers(3)));
        var supervisor = _world.Mentoring.Supervisor;
        await HttpAssert.Ok<JsonElement>(await SupervisionTests.OnFlagAsync(supervisor, await SupervisionTests.FirstFlagAsync(supervisor, seenId), "acknowledge"));

        await _world.RunWorkerAsync(ConcernFlagWatch.AdminsAfter - TimeSpan.FromHours(1));
        Assert.Equal(0, await _world.ToldAsync());

        await _world.RunWorkerAsync(TimeSpan.FromHours(1));
        Assert.Equal(1, await _world.ToldAsync());

        // The notice names nobody; the admins find whom it is about on the Supervisors page, to reach or replace the supervisor.
        var admin = _world.Mentoring.Admin;
        var needing = await HttpAssert.Ok<List<JsonElement>>(await admin.GetAsync("/api/mentors/needing-supervisor"));
        var listed = Assert.Single(needing, m => m.GetProperty("id").GetString() == unseenId);
        Assert.Equal((true, false), (listed.GetProperty("concernUnseen").GetBoolean(), listed.GetProperty("supervisorAway").GetBoolean()));
        Assert.DoesNotContain(needing, m => m.GetProperty("id").GetString() == seenId);
        var page = await (await PortalSession.SignedInAsync(api, "demo-admin")).GetStringAsync("/supervisors");
        Assert.Contains("has not seen a concern about their wellbeing", page, StringComparison.Ordinal);

        // A week on, still the same supervisor's: not told again. Given another, who leaves it unseen their own week: told.
        await _world.RunWorkerAsync(ConcernFlagWatch.AdminsAfter);
        Assert.Equal(1, await _world.ToldAsync());
        var (anotherId, _) = await _world.Mentoring.PersonAsync(Roles.Supervisor);
        await MentoringWorld.Ok(await admin.PutAsJsonAsync($"/api/mentors/{unseenId}/supervisor", new { supervisorId = anotherId }));
        await _world.RunWorkerAsync(ConcernFlagWatch.AdminsAfter - TimeSpan.FromHours(1));
        Assert.Equal(1, await _world.ToldAsync());
        await _world.RunWorkerAsync(TimeSpan.FromHours(1));
        Assert.Equal(2, await _world.ToldAsync());
    }
}

/// <summary>A concern left unseen is told to the admins even when the store fails them the first time (a fixture of its own: its flag stays open).</summary>
public sealed class ConcernWatchFailureTests(ClockedCountingApiFactory api) : IClassFixture<ClockedCountingApiFactory>
{
    private readonly ConcernWatchWorld _world = new(api);

    [Fact]
    public async Task A_concern_left_unseen_whose_notice_to_the_admins_could_not_be_written_is_told_at_the_next_round_not_a_week_later()
    {
        var (_, mentor) = await _world.Mentoring.ReadyMentorAsync();
        await HttpAssert.Ok<JsonElement>(await SupervisionTests.CheckInAsync(mentor, SupervisionTests.Answers(3)));

        await api.FailingWriteOnceAsync(d => d is Notification { Kind: "mentor-needs-supervisor" } n && n.Text == Notices.WellbeingConcernUnseen.Text, async () =>
        {
            await _world.RunWorkerAsync(ConcernFlagWatch.AdminsAfter);
            return true;
        });
        Assert.Equal(0, await _world.ToldAsync());
        await _world.RunWorkerAsync(TimeSpan.FromMinutes(5));

        Assert.Equal(1, await _world.ToldAsync());
    }
}

/// <summary>Missed check-ins raise a flag for each one missed; the admins hear of the mentor once, not of each.</summary>
public sealed class MissedCheckInWatchTests(ClockedCountingApiFactory api) : IClassFixture<ClockedCountingApiFactory>
{
    private readonly ConcernWatchWorld _world = new(api);

    [Fact]
    public async Task Check_ins_missed_week_after_week_reach_the_admins_as_one_notice_not_one_for_each_missed()
    {
        var (mentorId, mentor) = await _world.Mentoring.ReadyMentorAsync();
        await HttpAssert.Ok<JsonElement>(await SupervisionTests.CheckInAsync(mentor, SupervisionTests.Answers(0)));

        for (var fortnight = 0; fortnight < 6; fortnight++)
        {
            await _world.RunWorkerAsync(TimeSpan.FromDays(14));
        }

        var flags = (await HttpAssert.Ok<JsonElement>(await _world.Mentoring.Supervisor.GetAsync($"/api/supervision/mentors/{mentorId}"))).GetProperty("flags").EnumerateArray();
        Assert.True(flags.Count(f => f.GetProperty("kind").GetString() == "Missed") >= 3);
        Assert.Equal(1, await _world.ToldAsync());
    }
}

public sealed class ConcernWatchWorld(ClockedCountingApiFactory api)
{
    public MentoringWorld Mentoring { get; } = new(api);

    public async Task RunWorkerAsync(TimeSpan after)
    {
        api.Time.Advance(after);
        await api.Services.GetRequiredService<CheckInWorker>().RunOnceAsync(CancellationToken.None);
    }

    /// <summary>How many times the admins were told of a concern left unseen.</summary>
    public async Task<int> ToldAsync() =>
        (await HttpAssert.Ok<PageDto<NotificationDto>>(await Mentoring.Admin.GetAsync("/api/notifications?pageSize=100"))).Items.Count(n => n.Text == Notices.WellbeingConcernUnseen.Text);
}
