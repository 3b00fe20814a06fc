using System.Text.Json;
using SurvivorConnect.Api.Features.Notifications;

namespace SurvivorConnect.IntegrationTests;

/// <summary>An admin who makes a policy that protects youth ask less does not do it unseen by the agency's other admins.</summary>
public sealed class AgencyPolicyTests(CountingApiFactory api) : IClassFixture<CountingApiFactory>
{
    [Fact]
    public async Task The_other_admins_are_told_when_a_minor_s_match_is_made_to_need_fewer_consents_and_the_log_says_what_it_became()
    {
        var world = await OutcomesWorld.CreateAsync(api);

        await HttpAssert.Ok<JsonElement>(await world.Admin.PutAgencySetting("/api/agency/match-consent-policy", new { adultAge = 18, minorMatchNeeds = new[] { "Guardian", "Agency" } }));
        Assert.Empty(await ToldAsync(world.AdminSupervisor, "agency-consent-policy-loosened"));
        await HttpAssert.Ok<JsonElement>(await world.Admin.PutAgencySetting("/api/agency/match-consent-policy", new { adultAge = 18, minorMatchNeeds = new[] { "Agency" } }));

        Assert.Single(await ToldAsync(world.AdminSupervisor, "agency-consent-policy-loosened"));
        Assert.Single(await ToldAsync(world.AdminCaseManager, "agency-consent-policy-loosened"));
        Assert.Empty(await ToldAsync(world.Admin, "agency-consent-policy-loosened"));

        await HttpAssert.Ok<JsonElement>(await world.Admin.PutAgencySetting("/api/agency/match-consent-policy", new { adultAge = 17, minorMatchNeeds = new[] { "Agency" } }));
        Assert.Equal(2, (await ToldAsync(world.AdminSupervisor, "agency-consent-policy-loosened")).Count);
    }

    [Fact]
    public async Task The_other_admins_are_told_when_reports_are_made_to_show_smaller_groups_and_not_when_larger()
    {
        var world = await OutcomesWorld.CreateAsync(api);

        await HttpAssert.Ok<JsonElement>(await world.Admin.PutAgencySetting("/api/agency/report-threshold", new { threshold = 20 }));
        Assert.Empty(await ToldAsync(world.AdminCaseManager, "agency-report-threshold-lowered"));
        await HttpAssert.Ok<JsonElement>(await world.Admin.PutAgencySetting("/api/agency/report-threshold", new { threshold = 12 }));

        var told = Assert.Single(await ToldAsync(world.AdminCaseManager, "agency-report-threshold-lowered"));
        Assert.Contains("smaller groups", told.Text, StringComparison.Ordinal);
        Assert.Empty(await ToldAsync(world.Admin, "agency-report-threshold-lowered"));
    }

    [Fact]
    public async Task A_loosening_whose_telling_failed_is_told_when_the_admin_sends_it_again_and_only_once()
    {
        var world = await OutcomesWorld.CreateAsync(api);
        await HttpAssert.Ok<JsonElement>(await world.Admin.PutAgencySetting("/api/agency/match-consent-policy", new { adultAge = 18, minorMatchNeeds = new[] { "Guardian" } }));
        var loosen = new { adultAge = 18, minorMatchNeeds = Array.Empty<string>() };

        var first = await api.FailingWriteOnceAsync(d => d is Notification, () => world.Admin.PutAgencySetting("/api/agency/match-consent-policy", loosen));
        await HttpAssert.Problem(first, 503);
        await HttpAssert.Ok<JsonElement>(await world.Admin.PutAgencySetting("/api/agency/match-consent-policy", loosen));
        await HttpAssert.Ok<JsonElement>(await world.Admin.PutAgencySetting("/api/agency/report-threshold", new { threshold = 15 }));

        Assert.Single(await ToldAsync(world.AdminSupervisor, "agency-consent-policy-loosened"));
        Assert.Single(await ToldAsync(world.AdminCaseManager, "agency-consent-policy-loosened"));
    }

    [Fact]
    public async Task A_loosening_whose_telling_failed_is_still_told_when_another_policy_is_loosened_before_it_is_sent_again()
    {
        var world = await OutcomesWorld.CreateAsync(api);
        await HttpAssert.Ok<JsonElement>(await world.Admin.PutAgencySetting("/api/agency/match-consent-policy", new { adultAge = 18, minorMatchNeeds = new[] { "Guardian" } }));
        await HttpAssert.Ok<JsonElement>(await world.Admin.PutAgencySetting("/api/agency/report-threshold", new { threshold = 20 }));

        var first = await api.FailingWriteOnceAsync(d => d is Notification, () => world.Admin.PutAgencySetting("/api/agency/match-consent-policy", new { adultAge = 18, minorMatchNeeds = Array.Empty<string>() }));
        await HttpAssert.Problem(first, 503);
        await HttpAssert.Ok<JsonElement>(await world.Admin.PutAgencySetting("/api/agency/report-threshold", new { threshold = 12 }));

        Assert.Single(await ToldAsync(world.AdminSupervisor, "agency-report-threshold-lowered"));
        Assert.Single(await ToldAsync(world.AdminSupervisor, "agency-consent-policy-loosened"));
        Assert.Single(await ToldAsync(world.AdminCaseManager, "agency-consent-policy-loosened"));
    }

    private static async Task<List<NotificationDto>> ToldAsync(HttpClient admin, string kind) =>
        [.. (await admin.NoticesAsync()).Where(n => n.Kind == kind)];
}
