using System.Text.Json;
using SurvivorConnect.Api.Infrastructure.Auth;

namespace SurvivorConnect.IntegrationTests;

/// <summary>
/// The agency's wellbeing overview counts mentors, not flags, in its twelve whole months, from the flags of those months
/// only, and still counts every one. Its own API: the clock moves on by months.
/// </summary>
public sealed class WellbeingOverviewTests(WellbeingOverviewTests.Api api) : IClassFixture<WellbeingOverviewTests.Api>
{
    public sealed class Api : ClockedApiFactory;

    private readonly MentoringWorld _world = new(api);

    [Fact]
    public async Task Flags_raised_over_a_year_ago_and_resolved_last_month_count_as_resolved_last_month_and_the_month_under_way_is_not_shown()
    {
        var flags = new List<string>();
        for (var i = 0; i < 11; i++)
        {
            var (mentorId, mentor) = await _world.ReadyMentorAsync();
            await HttpAssert.Ok<JsonElement>(await SupervisionTests.CheckInAsync(mentor, SupervisionTests.Answers(3)));
            var detail = await HttpAssert.Ok<JsonElement>(await _world.Supervisor.GetAsync($"/api/supervision/mentors/{mentorId}"));
            flags.Add(detail.GetProperty("flags")[0].GetProperty("id").GetString()!);
        }

        var raisedIn = Month(api.Time.GetUtcNow());
        Assert.DoesNotContain(Months(await OverviewAsync()), m => m.GetProperty("month").GetString() == raisedIn);
        ToNextMonth();
        Assert.True(Raised(await OverviewAsync(), raisedIn) >= 11);

        api.Time.Advance(TimeSpan.FromDays(400));
        foreach (var flag in flags)
        {
            await HttpAssert.Ok<JsonElement>(await SupervisionTests.OnFlagAsync(_world.Supervisor, flag, "resolve"));
        }

        var resolvedIn = Month(api.Time.GetUtcNow());
        ToNextMonth();
        var months = Months(await OverviewAsync());
        Assert.Equal(11, months.Single(m => m.GetProperty("month").GetString() == resolvedIn).GetProperty("resolved").GetProperty("count").GetInt32());
        Assert.DoesNotContain(months, m => m.GetProperty("month").GetString() == raisedIn);

        // An agency that raised its threshold for small numbers has it here too, as in its outcome report.
        await HttpAssert.Ok<JsonElement>(await _world.Admin.PutAgencySetting("/api/agency/report-threshold", new { threshold = 15 }));
        var raisedThreshold = await OverviewAsync();
        var resolved = Months(raisedThreshold).Single(m => m.GetProperty("month").GetString() == resolvedIn).GetProperty("resolved");
        Assert.Equal(15, raisedThreshold.GetProperty("smallestGroup").GetInt32());
        Assert.Equal(JsonValueKind.Null, resolved.GetProperty("count").ValueKind);
        Assert.Equal("fewer than 15", resolved.GetProperty("words").GetString());
    }

    [Fact]
    public async Task An_admin_who_supervises_mentors_or_did_is_not_shown_the_agencys_wellbeing_overview()
    {
        var (adminId, admin) = await _world.PersonAsync(Roles.AgencyAdmin);
        await HttpAssert.Ok<JsonElement>(await admin.GetAsync("/api/supervision/overview"));

        await _world.SetRolesAsync(adminId, Roles.AgencyAdmin, Roles.Supervisor);
        var refused = await HttpAssert.Problem(await admin.GetAsync("/api/supervision/overview"), 403);
        await _world.SetRolesAsync(adminId, Roles.AgencyAdmin);

        Assert.Contains("Ask another admin", refused.GetProperty("detail").GetString(), StringComparison.Ordinal);
        await HttpAssert.Problem(await admin.GetAsync("/api/supervision/overview"), 403);
    }

    [Fact]
    public async Task An_admin_who_manages_cases_or_did_is_not_shown_the_agencys_wellbeing_overview()
    {
        // A case manager learns of mentors flagged from their words of danger in a youth's chat.
        var (adminId, admin) = await _world.PersonAsync(Roles.AgencyAdmin);
        await _world.SetRolesAsync(adminId, Roles.AgencyAdmin, Roles.CaseManager);
        await HttpAssert.Problem(await admin.GetAsync("/api/supervision/overview"), 403);
        await _world.SetRolesAsync(adminId, Roles.AgencyAdmin);

        await HttpAssert.Problem(await admin.GetAsync("/api/supervision/overview"), 403);
    }

    internal static void ToNextMonth(ClockedApiFactory api)
    {
        var now = api.Time.GetUtcNow();
        api.Time.Advance(new DateTimeOffset(now.Year, now.Month, 1, 0, 0, 0, TimeSpan.Zero).AddMonths(1).AddHours(1) - now);
    }

    private void ToNextMonth() => ToNextMonth(api);

    private async Task<JsonElement> OverviewAsync() => await HttpAssert.Ok<JsonElement>(await _world.Admin.GetAsync("/api/supervision/overview"));

    internal static List<JsonElement> Months(JsonElement overview) => [.. overview.GetProperty("flagsByMonth").EnumerateArray()];

    internal static int Raised(JsonElement overview, string month) =>
        Months(overview).Single(m => m.GetProperty("month").GetString() == month)
            .GetProperty("raised").GetProperty("count") is { ValueKind: JsonValueKind.Number } count ? count.GetInt32() : 0;

    internal static string Month(DateTimeOffset at) => at.ToString("yyyy-MM", System.Globalization.CultureInfo.InvariantCulture);
}
