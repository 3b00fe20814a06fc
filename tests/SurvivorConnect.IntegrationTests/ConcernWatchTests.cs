using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using SurvivorConnect.Api.Features.Notifications;
using SurvivorConnect.Api.Features.Supervision;

namespace SurvivorConnect.IntegrationTests;

/// <summary>
/// A concern about a mentor's wellbeing is the supervisor's to see; one left unseen for a week (a supervisor away, or
/// overwhelmed) reaches the agency's admins, so no mentor's strain waits on one person for ever.
/// </summary>
public sealed class ConcernWatchTests(ClockedCountingApiFactory api) : IClassFixture<ClockedCountingApiFactory>
{
    private readonly MentoringWorld _world = new(api);

    [Fact]
    public async Task A_concern_its_supervisor_leaves_unseen_a_week_is_told_to_the_admins_once_for_each_supervisor_and_one_seen_in_time_is_not()
    {
        var (unseenId, unseen) = await _world.ReadyMentorAsync();
        var (seenId, seen) = await _world.ReadyMentorAsync();
        await HttpAssert.Ok<JsonElement>(await SupervisionTests.CheckInAsync(unseen, SupervisionTests.Answers(3)));
        await HttpAssert.Ok<JsonElement>(await SupervisionTests.CheckInAsync(seen, SupervisionTests.Answers(3)));
        await HttpAssert.Ok<JsonElement>(await SupervisionTests.OnFlagAsync(_world.Supervisor, await SupervisionTests.FirstFlagAsync(_world.Supervisor, seenId), "acknowledge"));

        await RunWorkerAsync(ConcernFlagWatch.AdminsAfter - TimeSpan.FromHours(1));
        Assert.Equal(0, await ToldAsync());

        await RunWorkerAsync(TimeSpan.FromHours(1));
        Assert.Equal(1, await ToldAsync());

        // The notice names nobody; the admins find whom it is about on the Supervisors page, to reach or replace the supervisor.
        var needing = await HttpAssert.Ok<List<JsonElement>>(await _world.Admin.GetAsync("/api/mentors/needing-supervisor"));
        var listed = Assert.Single(needing, m => m.GetProperty("id").GetString() == unseenId);
        Assert.Equal((true, false), (listed.GetProperty("concernUnseen").GetBoolean(), listed.GetProperty("supervisorAway").GetBoolean()));
        Assert.DoesNotContain(needing, m => m.GetProperty("id").GetString() == seenId);
        var page = await (await PortalSession.SignedInAsync(api, "demo-admin")).GetStringAsync("/supervisors");
        Assert.Contains("has not seen a concern about their wellbeing", page, StringComparison.Ordinal);

        // A week on, still the same supervisor's: not told again.
        await RunWorkerAsync(ConcernFlagWatch.AdminsAfter);
        Assert.Equal(1, await ToldAsync());
        Assert.DoesNotContain(await NoticesAsync(_world.Supervisor), n => n.Text == Notices.WellbeingConcernUnseen.Text);
    }

    private async Task RunWorkerAsync(TimeSpan after)
    {
        api.Time.Advance(after);
        await api.Services.GetRequiredService<CheckInWorker>().RunOnceAsync(CancellationToken.None);
    }

    private async Task<int> ToldAsync() => (await NoticesAsync(_world.Admin)).Count(n => n.Text == Notices.WellbeingConcernUnseen.Text);

    private static async Task<List<NotificationDto>> NoticesAsync(HttpClient client) =>
        (await HttpAssert.Ok<PageDto<NotificationDto>>(await client.GetAsync("/api/notifications?pageSize=100"))).Items;
}
