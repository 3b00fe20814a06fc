using System.Net;
using System.Text.Json;
using SurvivorConnect.Testing;

namespace SurvivorConnect.IntegrationTests;

/// <summary>The money path on Cosmos DB (the test server on 127.0.0.1): its transactions are Cosmos DB batches there.</summary>
public sealed class PayoutCosmosTests : IAsyncLifetime
{
    private CosmosTestServer _server = null!;
    private CosmosPayoutApi _api = null!;

    private sealed class CosmosPayoutApi(CosmosTestServer server, FakeStripe stripe) : PayoutApi(null, DateTimeOffset.UtcNow, stripe, ownsStripe: true)
    {
        protected override IDictionary<string, string?> Settings => new Dictionary<string, string?>(base.Settings)
        {
            ["Storage:Provider"] = "Cosmos",
            ["Storage:Cosmos:Endpoint"] = server.Endpoint,
            ["Storage:Cosmos:Key"] = CosmosTestServer.Key,
            ["Storage:Cosmos:Database"] = "payout-tests",
            ["Storage:Cosmos:ConnectionMode"] = "Gateway",
            ["Storage:Cosmos:LimitToEndpoint"] = "true",
            ["Storage:Cosmos:CreateIfMissing"] = "true",
        };
    }

    public async Task InitializeAsync()
    {
        _server = await CosmosTestServer.StartAsync();
        _api = new CosmosPayoutApi(_server, FakeStripe.Start());
    }

    public async Task DisposeAsync()
    {
        await _api.DisposeAsync();
        await _server.DisposeAsync();
    }

    [Fact]
    public async Task A_payout_is_prepared_approved_sent_once_and_paid_once_on_Cosmos_DB()
    {
        var world = new PayoutWorld(_api);
        var (opportunity, payees) = await world.AttendedAsync();
        await world.PayeeReadyAsync(payees[0], stripe: true);
        var payout = Assert.Single(await world.PrepareAsync(opportunity));
        var other = await world.ApproverAsync();

        var approvals = await Task.WhenAll(PayoutWorld.StepAsync(world.Finance, payout.Id, "approve"), PayoutWorld.StepAsync(other.Client, payout.Id, "approve"));
        Assert.Single(approvals, a => a.StatusCode == HttpStatusCode.OK);
        Assert.Equal(1, await _api.SendPayoutsAsync());
        var bank = _api.Stripe.Payouts.Single(p => p["metadata"]!["payout_id"]!.GetValue<string>() == payout.Id)["id"]!.GetValue<string>();
        var paid = _api.Stripe.EventJson("payout.paid", bank, status: "paid");
        var deliveries = await Task.WhenAll(Enumerable.Range(0, 5).Select(_ => _api.DeliverAsync(paid)));

        Assert.All(deliveries, d => Assert.Equal(HttpStatusCode.OK, d.StatusCode));
        Assert.Equal("Paid", (await world.PayoutAsync(payout.Id)).State);
        Assert.Single(_api.Stripe.Transfers, t => t["metadata"]!["payout_id"]!.GetValue<string>() == payout.Id);
        var reconciliation = await HttpAssert.Ok<JsonElement>(await world.Finance.GetAsync("/api/payouts/reconciliation?stripe=true"));
        Assert.Equal(payout.Total, reconciliation.GetProperty("ledgerTotal").GetDecimal());
        Assert.Empty(reconciliation.GetProperty("differences").EnumerateArray());
    }
}
