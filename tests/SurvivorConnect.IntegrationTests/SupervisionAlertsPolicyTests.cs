using SurvivorConnect.Api.Features.Supervision.Rules;
using SurvivorConnect.Api.Infrastructure.Auth;
using SurvivorConnect.Testing;

namespace SurvivorConnect.IntegrationTests;

/// <summary>
/// An admin making mentors' check-ins alert later (a larger fall before a concern, another instrument) is told to the
/// other admins and the supervisors, so no admin does it unseen. A fixture of its own: the notices are counted.
/// </summary>
public sealed class SupervisionAlertsPolicyTests(ApiFactory api) : IClassFixture<ApiFactory>
{
    private readonly MentoringWorld _world = new(api);

    [Fact]
    public async Task A_larger_fall_before_a_concern_is_told_to_the_other_admins_and_the_supervisors_once_and_a_smaller_one_is_not()
    {
        var (_, otherAdmin) = await _world.PersonAsync(Roles.AgencyAdmin);
        async Task<int> ToldAsync(HttpClient reader) => (await reader.NoticesAsync()).Count(n => n.Kind == "supervision-alerts-changed");
        object Rise(decimal rise) => new { instrumentKey = DefaultInstrument.Key, instrumentVersion = 1, concernRise = rise };

        await SupervisionTests.SaveSettingsAsync(_world.Admin, Rise(1m));
        Assert.Equal(0, await ToldAsync(otherAdmin));

        await SupervisionTests.SaveSettingsAsync(_world.Admin, Rise(1.25m));
        await SupervisionTests.SaveSettingsAsync(_world.Admin, Rise(0.75m));

        Assert.Equal(1, await ToldAsync(otherAdmin));
        Assert.Equal(1, await ToldAsync(_world.Supervisor));
        Assert.Equal(0, await ToldAsync(_world.Admin));
    }
}

/// <summary>A loosening whose telling failed is told when the same settings are sent again (a fixture of its own: the settings' news is counted).</summary>
public sealed class SettingsResendTests(CountingApiFactory api) : IClassFixture<CountingApiFactory>
{
    private readonly MentoringWorld _world = new(api);

    [Fact]
    public async Task A_larger_fall_saved_while_telling_the_others_failed_is_told_when_the_same_settings_are_sent_again_from_the_same_page()
    {
        var (otherId, otherAdmin) = await _world.PersonAsync(Roles.AgencyAdmin);
        var page = (await HttpAssert.Ok<System.Text.Json.JsonElement>(await _world.Admin.GetAsync("/api/supervision/settings"))).GetProperty("version").GetString();
        object body = new { instrumentKey = DefaultInstrument.Key, instrumentVersion = 1, concernRise = 1.4m };
        Task<HttpResponseMessage> SaveAsync() => _world.Admin.PutJson("/api/supervision/settings", body, page is { Length: > 0 } ? page : null);

        await HttpAssert.Problem(await api.FailingWriteOnceAsync(d => d is Api.Features.Notifications.Notification n && n.Kind == "supervision-alerts-changed" && n.RecipientId == otherId, SaveAsync), 503);
        await HttpAssert.Ok<System.Text.Json.JsonElement>(await SaveAsync());

        Assert.Single(await otherAdmin.NoticesAsync(), n => n.Kind == "supervision-alerts-changed");
    }

    [Theory]
    [InlineData("/api/engagements/settings", "engagement-pay-lowered")]
    [InlineData("/api/payouts/settings", "payout-policy-loosened")]
    public async Task Engagement_and_payout_settings_saved_while_telling_the_others_failed_are_told_when_sent_again_from_the_same_page(string url, string kind)
    {
        object Rate(decimal rate) => new { currency = "USD", kinds = new object[] { new { key = "focus-group", name = "Focus group", benchmarkHourlyRate = rate } } };
        if (kind == "engagement-pay-lowered")
        {
            await HttpAssert.Ok<System.Text.Json.JsonElement>(await _world.Admin.PutSettingsAsync(url, Rate(60m)));
        }

        var (otherId, otherAdmin) = await _world.PersonAsync(Roles.AgencyAdmin);
        var read = await HttpAssert.Ok<System.Text.Json.JsonElement>(await _world.Admin.GetAsync(url));
        var page = read.GetProperty("version").GetString();
        var body = kind == "engagement-pay-lowered" ? Rate(41m) : new { twoApproverThreshold = read.GetProperty("twoApproverThreshold").GetDecimal() + 1000m };
        Task<HttpResponseMessage> SaveAsync() => _world.Admin.PutJson(url, body, page is { Length: > 0 } ? page : null);

        await HttpAssert.Problem(await api.FailingWriteOnceAsync(d => d is Api.Features.Notifications.Notification n && n.Kind == kind && n.RecipientId == otherId, SaveAsync), 503);
        await HttpAssert.Ok<System.Text.Json.JsonElement>(await SaveAsync());

        Assert.Single(await otherAdmin.NoticesAsync(), n => n.Kind == kind);
    }
}
