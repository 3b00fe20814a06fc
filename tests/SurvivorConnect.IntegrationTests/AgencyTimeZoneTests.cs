using System.Net.Http.Json;
using System.Text.Json;

namespace SurvivorConnect.IntegrationTests;

/// <summary>
/// An agency says where it works, and its days are that zone's: a follow-up due today is not overdue in Los Angeles
/// at ten in the evening, though UTC has moved on to tomorrow. Its own API: the demo agency's zone changes here.
/// </summary>
public sealed class AgencyTimeZoneTests(AgencyTimeZoneTests.Api api) : IClassFixture<AgencyTimeZoneTests.Api>
{
    public sealed class Api : ClockedApiFactory;

    private readonly MentoringWorld _world = new(api);

    [Fact]
    public async Task A_follow_up_due_today_in_los_angeles_is_not_overdue_there_in_the_evening_though_it_is_by_utc()
    {
        // The flag is raised after 06:00 UTC, so the next 06:00 UTC is the Los Angeles evening of the day it was raised.
        var start = api.Time.GetUtcNow();
        if (start.UtcDateTime.Hour < 7)
        {
            api.Time.Advance(start.UtcDateTime.Date.AddHours(7) - start.UtcDateTime);
        }
        var (mentorId, mentor) = await _world.ReadyMentorAsync();
        await HttpAssert.Ok<JsonElement>(await SupervisionTests.CheckInAsync(mentor, SupervisionTests.Answers(3)));
        var flagId = await SupervisionTests.FirstFlagAsync(_world.Supervisor, mentorId);

        // 06:00 UTC is the evening before in Los Angeles (22:00, or 23:00 in summer).
        var now = api.Time.GetUtcNow();
        var evening = new DateTimeOffset(now.UtcDateTime.Date.AddHours(6), TimeSpan.Zero);
        evening = evening > now ? evening : evening.AddDays(1);
        var losAngelesDay = DateOnly.FromDateTime(evening.UtcDateTime).AddDays(-1);
        await HttpAssert.Ok<JsonElement>(await SupervisionTests.OnFlagAsync(_world.Supervisor, flagId, "sessions", new
        {
            date = losAngelesDay, notes = "Talked it through.", followUp = losAngelesDay,
        }));
        api.Time.Advance(evening - now);

        Assert.True(await OverdueAsync(flagId!));
        Assert.Equal(1, await OverdueFollowUpsAsync(mentorId));

        var saved = await HttpAssert.Ok<JsonElement>(await _world.Admin.PutAgencySetting("/api/agency/time-zone", new { timeZone = " America/Los_Angeles " }));

        Assert.Equal("America/Los_Angeles", saved.GetProperty("timeZone").GetString());
        Assert.False(await OverdueAsync(flagId!));
        Assert.Equal(0, await OverdueFollowUpsAsync(mentorId));
        api.Time.Advance(TimeSpan.FromHours(3));
        Assert.True(await OverdueAsync(flagId!));
        var retyped = await HttpAssert.Ok<JsonElement>(await _world.Admin.PutAgencySetting("/api/agency/time-zone", new { timeZone = "america/los_angeles" }));
        Assert.Equal("America/Los_Angeles", retyped.GetProperty("timeZone").GetString());
        var audit = await HttpAssert.Ok<PageDto<AuditDto>>(await _world.Admin.GetAsync("/api/audit?action=agency.set-time-zone"));
        Assert.Contains(audit.Items, e => e is { ActorId: "demo-admin", Outcome: "Succeeded", Basis: "agency administration" });
    }

    [Theory]
    [InlineData("Mars/Olympus_Mons")]
    [InlineData("Pacific Standard Time")]
    [InlineData("")]
    [InlineData("America/Los_Angeles/../../etc/passwd")]
    [InlineData("Etc/GMT+5")]
    public async Task A_zone_that_is_not_an_iana_time_zone_is_400_and_the_agency_keeps_its_own(string zone)
    {
        var before = await HttpAssert.Ok<JsonElement>(await _world.Admin.GetAsync("/api/agency"));

        var problem = await HttpAssert.Problem(await _world.Admin.PutAgencySetting("/api/agency/time-zone", new { timeZone = zone }), 400);

        Assert.True(problem.GetProperty("errors").TryGetProperty("timeZone", out _));
        var after = await HttpAssert.Ok<JsonElement>(await _world.Admin.GetAsync("/api/agency"));
        Assert.Equal(before.GetProperty("timeZone").ToString(), after.GetProperty("timeZone").ToString());
    }

    [Fact]
    public async Task Only_the_agencys_admin_sets_its_time_zone_and_another_agencys_is_untouched()
    {
        await HttpAssert.Problem(await _world.Supervisor.PutAsJsonAsync("/api/agency/time-zone", new { timeZone = "America/New_York" }), 403);
        await HttpAssert.Ok<JsonElement>(await api.As("north-admin").PutAgencySetting("/api/agency/time-zone", new { timeZone = "America/New_York" }));

        var ours = await HttpAssert.Ok<JsonElement>(await _world.Admin.GetAsync("/api/agency"));

        Assert.NotEqual("America/New_York", ours.GetProperty("timeZone").ToString());
    }

    private async Task<bool> OverdueAsync(string flagId) =>
        (await HttpAssert.Ok<JsonElement>(await _world.Supervisor.GetAsync($"/api/supervision/flags/{flagId}"))).GetProperty("followUpOverdue").GetBoolean();

    private async Task<int> OverdueFollowUpsAsync(string mentorId) =>
        (await HttpAssert.Ok<List<JsonElement>>(await _world.Supervisor.GetAsync("/api/supervision/mentors")))
            .Single(m => m.GetProperty("mentorId").GetString() == mentorId).GetProperty("overdueFollowUps").GetInt32();
}
