using System.Net;
using SurvivorConnect.Testing;

namespace SurvivorConnect.IntegrationTests;

/// <summary>Sending through the outbox survives a crash at the worst moment and two instances sending at once.</summary>
public sealed class PayoutSendingTests : IAsyncLifetime
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "sc-payout-" + Guid.NewGuid().ToString("N"));
    private readonly FakeStripe _stripe = FakeStripe.Start();

    private sealed class Instance(string folder, DateTimeOffset start, FakeStripe stripe, int networkRetries, TimeSpan? stripeTimeout)
        : PayoutApi(folder, start, stripe, ownsStripe: false, networkRetries, stripeTimeout);

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        await _stripe.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_folder, recursive: true);
    }

    private Instance Start(DateTimeOffset at, int networkRetries = 2, TimeSpan? stripeTimeout = null)
    {
        var instance = new Instance(_folder, at, _stripe, networkRetries, stripeTimeout);
        _ = instance.Server;
        return instance;
    }

    private static async Task<List<PayoutDto>> ApprovedAsync(PayoutApi api, int people)
    {
        var world = new PayoutWorld(api);
        var (opportunity, payees) = await world.AttendedAsync(people);
        foreach (var payee in payees)
        {
            await world.PayeeReadyAsync(payee, stripe: true);
        }

        var payouts = await world.PrepareAsync(opportunity);
        foreach (var payout in payouts)
        {
            await HttpAssert.Ok<PayoutDto>(await PayoutWorld.StepAsync(world.Finance, payout.Id, "approve"));
        }

        return payouts;
    }

    private int TransfersFor(string payoutId) => _stripe.Transfers.Count(t => t["metadata"]!["payout_id"]!.GetValue<string>() == payoutId);

    private int BankPayoutsFor(string payoutId) => _stripe.Payouts.Count(t => t["metadata"]!["payout_id"]!.GetValue<string>() == payoutId);

    [Fact]
    public async Task A_Stripe_that_never_answers_holds_up_only_its_own_payout_which_is_sent_once_when_its_lease_ends()
    {
        await using var api = Start(DateTimeOffset.UtcNow, networkRetries: 0, stripeTimeout: TimeSpan.FromSeconds(2));
        var payouts = await ApprovedAsync(api, people: 2);
        _stripe.HangNext("/v1/transfers");

        // Before, the time-out was a cancellation nobody caught: it ended the sender (and the host with it).
        await api.SendPayoutsAsync();

        Assert.Equal(1, payouts.Count(p => TransfersFor(p.Id) == 1));
        Assert.Contains(api.Logs.GetSnapshot(), l => l.Message.Contains("was not sent (StripeGatewayException)", StringComparison.Ordinal));
        api.Time.Advance(TimeSpan.FromMinutes(3));
        await api.SendPayoutsAsync();
        Assert.All(payouts, p => Assert.Equal((1, 1), (TransfersFor(p.Id), BankPayoutsFor(p.Id))));
    }

    [Fact]
    public async Task A_worker_killed_after_Stripe_made_the_transfer_leaves_one_transfer_once_another_takes_over()
    {
        var first = Start(DateTimeOffset.UtcNow, networkRetries: 0);
        var payout = Assert.Single(await ApprovedAsync(first, people: 1));
        _stripe.LoseNextResponse("/v1/transfers");

        await first.SendPayoutsAsync();

        Assert.Equal("Sending", (await new PayoutWorld(first).PayoutAsync(payout.Id)).State);
        Assert.Equal(1, TransfersFor(payout.Id));
        Assert.Equal(0, BankPayoutsFor(payout.Id));
        var diedAt = first.Time.GetUtcNow();
        await first.DisposeAsync();

        // The restarted instance waits out the dead one's lease, then finds the transfer the dead one made.
        await using var second = Start(diedAt.AddSeconds(30));
        Assert.Equal(0, await second.SendPayoutsAsync());
        second.Time.Advance(TimeSpan.FromMinutes(3));
        Assert.Equal(1, await second.SendPayoutsAsync());

        Assert.Equal(1, TransfersFor(payout.Id));
        Assert.Equal(1, BankPayoutsFor(payout.Id));
        var bank = _stripe.Payouts.Single(p => p["metadata"]!["payout_id"]!.GetValue<string>() == payout.Id)["id"]!.GetValue<string>();
        Assert.Equal(HttpStatusCode.OK, (await second.DeliverAsync(_stripe.EventJson("payout.paid", bank, status: "paid"))).StatusCode);
        Assert.Equal("Paid", (await new PayoutWorld(second).PayoutAsync(payout.Id)).State);
    }

    [Fact]
    public async Task A_payout_sent_again_after_Stripe_forgot_its_idempotency_keys_makes_no_second_transfer_or_bank_payout()
    {
        await using var api = Start(DateTimeOffset.UtcNow, networkRetries: 0);
        var payout = Assert.Single(await ApprovedAsync(api, people: 1));

        // Stripe made the transfer, its answer was lost, and the store stayed down for more than a day.
        _stripe.LoseNextResponse("/v1/transfers");
        await api.SendPayoutsAsync();
        _stripe.ForgetIdempotencyKeys();
        api.Time.Advance(TimeSpan.FromDays(2));

        // A refused lookup says nothing about the payment: the payout waits for the next round, it does not fail.
        _stripe.RefuseNextLookup("/v1/transfers");
        await api.SendPayoutsAsync();
        Assert.Equal("Sending", (await new PayoutWorld(api).PayoutAsync(payout.Id)).State);
        Assert.Equal(1, TransfersFor(payout.Id));

        api.Time.Advance(TimeSpan.FromMinutes(3));
        _stripe.LoseNextResponse("/v1/payouts");
        await api.SendPayoutsAsync();
        Assert.Equal((1, 1), (TransfersFor(payout.Id), BankPayoutsFor(payout.Id)));

        // Then the same for the bank payout.
        _stripe.ForgetIdempotencyKeys();
        api.Time.Advance(TimeSpan.FromDays(2));
        Assert.Equal(1, await api.SendPayoutsAsync());

        Assert.Equal((1, 1), (TransfersFor(payout.Id), BankPayoutsFor(payout.Id)));
        var bank = _stripe.Payouts.Single(p => p["metadata"]!["payout_id"]!.GetValue<string>() == payout.Id)["id"]!.GetValue<string>();
        Assert.Equal(HttpStatusCode.OK, (await api.DeliverAsync(_stripe.EventJson("payout.paid", bank, status: "paid"))).StatusCode);
        Assert.Equal("Paid", (await new PayoutWorld(api).PayoutAsync(payout.Id)).State);
    }

    [Fact]
    public async Task Two_instances_sending_at_once_pay_each_payout_once()
    {
        var now = DateTimeOffset.UtcNow;
        await using var first = Start(now);
        await using var second = Start(now);
        var payouts = await ApprovedAsync(first, people: 8);
        second.Time.Advance(first.Time.GetUtcNow() - second.Time.GetUtcNow());

        var sent = await Task.WhenAll(first.SendPayoutsAsync(), second.SendPayoutsAsync(), first.SendPayoutsAsync());

        Assert.Equal(payouts.Count, sent.Sum());
        Assert.All(payouts, p => Assert.Equal((1, 1), (TransfersFor(p.Id), BankPayoutsFor(p.Id))));
        Assert.Equal(0, await second.SendPayoutsAsync());
    }
}
