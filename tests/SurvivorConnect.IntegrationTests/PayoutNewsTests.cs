using SurvivorConnect.Api.Features.Notifications;

namespace SurvivorConnect.IntegrationTests;

/// <summary>
/// Whoever is to hear that a payout was paid or failed hears it, even when the store fails just after the payout was
/// saved: the payee is not left wondering, and finance is not left with a failure nobody pointed them to.
/// </summary>
public sealed class PayoutNewsTests(PayoutApi api) : IClassFixture<PayoutApi>
{
    private readonly PayoutWorld _world = new(api);

    [Fact]
    public async Task A_payee_whose_paid_notice_could_not_be_stored_hears_of_it_when_Stripe_delivers_the_news_again()
    {
        var (payout, payee) = await ApprovedAsync();
        Assert.Equal(1, await api.SendPayoutsAsync());
        var bank = api.Stripe.Payouts.Single(p => p["metadata"]!["payout_id"]!.GetValue<string>() == payout.Id)["id"]!.GetValue<string>();
        var paid = api.Stripe.EventJson("payout.paid", bank, status: "paid");

        var failed = await api.Store.FailingWriteOnceAsync(d => d is Notification { Kind: "payout-sent" }, () => api.DeliverAsync(paid));
        Assert.False(failed.IsSuccessStatusCode);

        Assert.Equal("Paid", (await _world.PayoutAsync(payout.Id)).State);
        Assert.DoesNotContain(await payee.Client.NoticesAsync(), n => n.Kind == "payout-sent");

        // Stripe delivers what was not acknowledged again, and again if that answer is lost too: one notice.
        Assert.True((await api.DeliverAsync(paid)).IsSuccessStatusCode);
        Assert.True((await api.DeliverAsync(paid)).IsSuccessStatusCode);
        Assert.Single(await payee.Client.NoticesAsync(), n => n.Kind == "payout-sent");
    }

    [Fact]
    public async Task Finance_hears_of_a_payout_Stripe_refused_even_when_the_first_telling_failed()
    {
        var approver = await _world.ApproverAsync();
        var (payout, _) = await ApprovedAsync();
        api.Stripe.RefuseNext("/v1/transfers");

        await api.Store.FailingWriteOnceAsync(d => d is Notification { Kind: "payout-failed" }, () => api.SendPayoutsAsync());

        Assert.Equal("Failed", (await _world.PayoutAsync(payout.Id)).State);
        Assert.DoesNotContain(await approver.Client.NoticesAsync(), n => n.Kind == "payout-failed");

        // The send is tried again once its lease ends, finds the payout failed, and tells finance (once each).
        api.Time.Advance(TimeSpan.FromMinutes(3));
        await api.SendPayoutsAsync();
        api.Time.Advance(TimeSpan.FromMinutes(3));
        await api.SendPayoutsAsync();
        Assert.Single(await approver.Client.NoticesAsync(), n => n.Kind == "payout-failed");
        Assert.Single(await _world.Finance.NoticesAsync(), n => n.Kind == "payout-failed");
    }

    private async Task<(PayoutDto Payout, (string Id, HttpClient Client) Payee)> ApprovedAsync()
    {
        var (opportunity, payees) = await _world.AttendedAsync();
        await _world.PayeeReadyAsync(payees[0], stripe: true);
        var payout = Assert.Single(await _world.PrepareAsync(opportunity));
        await HttpAssert.Ok<PayoutDto>(await PayoutWorld.StepAsync(_world.Finance, payout.Id, "approve"));
        return (payout, payees[0]);
    }
}
