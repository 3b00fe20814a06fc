using System.Net.Http.Json;
using System.Net;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using SurvivorConnect.Api.Features.Payouts;
using SurvivorConnect.Storage;

namespace SurvivorConnect.IntegrationTests;

/// <summary>Without Stripe's secrets the API starts, says payouts through Stripe are off, and still pays by check.</summary>
public sealed class PayoutsOffTests(ApiFactory api) : IClassFixture<ApiFactory>
{
    [Fact]
    public async Task Without_Stripe_secrets_the_API_runs_and_says_Stripe_payouts_are_off()
    {
        var settings = await HttpAssert.Ok<JsonElement>(await api.As("demo-finance").GetAsync("/api/payouts/settings"));
        Assert.False(settings.GetProperty("stripePayoutsOn").GetBoolean());
        Assert.Equal(0.725m, settings.GetProperty("mileageRateToday").GetDecimal());
        Assert.Equal(68m, settings.GetProperty("standardPerDiemToday").GetProperty("mealsAndIncidentals").GetDecimal());
        Assert.Equal(2000m, settings.GetProperty("informationReturnThreshold").GetDecimal());

        var advisor = api.As("demo-advisor");
        Assert.False((await HttpAssert.Ok<JsonElement>(await advisor.GetAsync("/api/payouts/me"))).GetProperty("account").GetProperty("stripePayoutsOn").GetBoolean());
        var onboarding = await HttpAssert.Problem(await advisor.PostAsync("/api/payouts/me/onboarding", null), 409);
        Assert.Contains("check or a prepaid card", onboarding.GetProperty("detail").GetString(), StringComparison.Ordinal);
        var throughStripe = await HttpAssert.Problem(await advisor.PutAsJsonAsync("/api/payouts/me/method", new { method = "stripe" }), 409);
        Assert.Contains("check or a prepaid card", throughStripe.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.NotEqual("Stripe", (await HttpAssert.Ok<JsonElement>(await advisor.GetAsync("/api/payouts/me"))).GetProperty("account").GetProperty("method").GetString());
        await HttpAssert.Ok<JsonElement>(await advisor.PutAsJsonAsync("/api/payouts/me/method", new { method = "check" }));

        var webhook = await api.Anonymous().PostAsync("/webhooks/stripe", new StringContent("{}"));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, webhook.StatusCode);
    }

    [Fact]
    public async Task A_change_to_Stripe_made_before_Stripe_payouts_went_off_still_shows_the_payee_its_warning()
    {
        var id = "adv-" + Guid.NewGuid().ToString("N")[..12];
        Assert.Equal(HttpStatusCode.Created, (await api.As("demo-admin").PostJson("/api/people", new { subjectId = id, displayName = "Advisor " + id[^4..], roles = new[] { "Advisor" } })).StatusCode);
        await api.Services.GetRequiredService<IDocumentStore>().UpsertAsync(Payout.Container, new PayeeAccount
        {
            Id = PayeeAccount.IdFor(id), PartitionKey = "demo", AgencyId = "demo", PersonId = id, Method = PayeeMethod.Stripe, PayChangeToConfirmSince = DateTimeOffset.UtcNow,
        }, CancellationToken.None);

        var page = await (await PortalSession.SignedInAsync(api, id)).GetStringAsync("/payments");

        Assert.Contains("Payments through Stripe are not available here right now.", page, StringComparison.Ordinal);
        Assert.Contains("If you did not make it, tell your agency now.", page, StringComparison.Ordinal);
    }
}
