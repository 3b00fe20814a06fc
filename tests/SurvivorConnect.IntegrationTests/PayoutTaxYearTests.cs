using System.Net.Http.Json;
using System.Text.Json;

namespace SurvivorConnect.IntegrationTests;

/// <summary>
/// The tax year money is paid in is the agency's calendar year: a check recorded at nine in the evening on 31 December
/// in Los Angeles is that year's income, though UTC has already turned. Its own API: the demo agency's zone changes here.
/// </summary>
public sealed class PayoutTaxYearTests(PayoutApi api) : IClassFixture<PayoutApi>
{
    private readonly PayoutWorld _world = new(api);

    [Fact]
    public async Task Money_paid_on_the_evening_of_31_December_in_los_angeles_counts_in_that_years_totals()
    {
        var (payout, payees, paidAt, year) = await ApprovedForNewYearsEveAsync(stripe: false);

        await HttpAssert.Ok<PayoutDto>(await PayoutWorld.StepAsync(_world.Finance, payout.Id, "paid-outside", new { reference = "Check 2001" }));

        Assert.Equal(paidAt, api.Time.GetUtcNow());
        Assert.Equal(150m, await CompensationInAsync(year, payees[0].Id));
        Assert.Equal(0m, await CompensationInAsync(year + 1, payees[0].Id));
        var statement = await HttpAssert.Ok<JsonElement>(await payees[0].Client.GetAsync("/api/payouts/me"));
        Assert.Equal(year, statement.GetProperty("year").GetInt32());
        Assert.Equal(150m, statement.GetProperty("compensation").GetDecimal());
        var csv = await (await payees[0].Client.GetAsync("/api/payouts/me/statement.csv")).Content.ReadAsStringAsync();
        Assert.StartsWith($"{year}-12-31,", csv.Split("\r\n")[1], StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_check_mailed_on_30_December_and_recorded_on_5_January_is_that_Decembers_income()
    {
        // Approved on 20 December (by any American clock), recorded on 5 January.
        var now = api.Time.GetUtcNow();
        var approvedAround = new DateTimeOffset(now.Year, 12, 20, 6, 0, 0, TimeSpan.Zero);
        approvedAround = approvedAround > now ? approvedAround : approvedAround.AddYears(1);
        api.Time.Advance(approvedAround - now);
        var (opportunity, payees) = await _world.AttendedAsync();
        await _world.PayeeReadyAsync(payees[0], stripe: false);
        var payout = Assert.Single(await _world.PrepareAsync(opportunity));
        await HttpAssert.Ok<PayoutDto>(await PayoutWorld.StepAsync(_world.Finance, payout.Id, "approve"));
        var year = approvedAround.Year;
        api.Time.Advance(new DateTimeOffset(year + 1, 1, 5, 18, 0, 0, TimeSpan.Zero) - api.Time.GetUtcNow());

        var tomorrow = await HttpAssert.Problem(await PayoutWorld.StepAsync(_world.Finance, payout.Id, "paid-outside", new { reference = "Check 3001", paidOn = $"{year + 1}-01-06" }), 400);
        var beforeApproval = await HttpAssert.Problem(await PayoutWorld.StepAsync(_world.Finance, payout.Id, "paid-outside", new { reference = "Check 3001", paidOn = $"{year}-12-19" }), 400);
        var paid = await HttpAssert.Ok<PayoutDto>(await PayoutWorld.StepAsync(_world.Finance, payout.Id, "paid-outside", new { reference = "Check 3001", paidOn = $"{year}-12-30" }));

        Assert.True(tomorrow.GetProperty("errors").TryGetProperty("paidOn", out _));
        Assert.True(beforeApproval.GetProperty("errors").TryGetProperty("paidOn", out _));
        Assert.Equal("Paid", paid.State);
        Assert.Equal(150m, await CompensationInAsync(year, payees[0].Id));
        Assert.Equal(0m, await CompensationInAsync(year + 1, payees[0].Id));
        var csv = await (await payees[0].Client.GetAsync($"/api/payouts/me/statement.csv?year={year}")).Content.ReadAsStringAsync();
        Assert.StartsWith($"{year}-12-30,", csv.Split("\r\n")[1], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Stripe_saying_paid_on_the_evening_of_31_December_in_los_angeles_puts_the_payout_in_that_year_and_reconciliation_finds_it_there()
    {
        var (payout, payees, paidAt, year, bank) = await SentForNewYearsEveAsync();

        api.Time.Advance(paidAt - api.Time.GetUtcNow());
        await api.DeliverAsync(api.Stripe.EventJson("payout.paid", bank, status: "paid"));

        Assert.Equal("Paid", (await _world.PayoutAsync(payout.Id)).State);
        Assert.Equal(150m, await CompensationInAsync(year, payees[0].Id));
        Assert.Equal(0m, await CompensationInAsync(year + 1, payees[0].Id));

        // Still 31 December in Los Angeles: finance's default year is the one the money was paid in, and it balances.
        var reconciliation = await HttpAssert.Ok<JsonElement>(await _world.Finance.GetAsync("/api/payouts/reconciliation"));
        Assert.Equal(year, reconciliation.GetProperty("year").GetInt32());
        Assert.Equal(0, reconciliation.GetProperty("differences").GetArrayLength());
        Assert.Contains($"{year}-12-31,", await _world.Finance.GetStringAsync("/api/payouts/export.csv"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_payment_Stripe_made_on_31_December_but_could_only_tell_us_of_on_2_January_counts_in_the_year_it_was_made()
    {
        var (payout, payees, paidAt, year, bank) = await SentForNewYearsEveAsync();
        api.Time.Advance(paidAt - api.Time.GetUtcNow());
        var paid = api.Stripe.EventJson("payout.paid", bank, status: "paid");

        // Our endpoint was away; Stripe tries again for days, and this try gets through.
        api.Time.Advance(TimeSpan.FromDays(2));
        await api.DeliverAsync(paid);

        Assert.Equal("Paid", (await _world.PayoutAsync(payout.Id)).State);
        Assert.Equal(150m, await CompensationInAsync(year, payees[0].Id));
        Assert.Equal(0m, await CompensationInAsync(year + 1, payees[0].Id));
        Assert.Contains($"{year}-12-31,", await _world.Finance.GetStringAsync($"/api/payouts/export.csv?year={year}"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_payout_paid_and_returned_on_31_December_then_paid_in_January_leaves_no_difference_in_either_year()
    {
        var (payout, _, paidAt, year, bank) = await SentForNewYearsEveAsync();
        api.Time.Advance(paidAt - api.Time.GetUtcNow());
        await api.DeliverAsync(api.Stripe.EventJson("payout.paid", bank, status: "paid"));
        await api.DeliverAsync(api.Stripe.EventJson("payout.failed", bank, status: "failed", failureCode: "account_closed"));
        Assert.Equal("Failed", (await _world.PayoutAsync(payout.Id)).State);

        // Two days on, in the new year, it is sent again and paid.
        api.Time.Advance(TimeSpan.FromDays(2));
        var approver = await _world.ApproverAsync();
        await HttpAssert.Ok<PayoutDto>(await PayoutWorld.StepAsync(approver.Client, payout.Id, "retry"));
        await api.SendPayoutsAsync();
        var again = BankPayoutOf(payout.Id);
        Assert.NotEqual(bank, again);
        await api.DeliverAsync(api.Stripe.EventJson("payout.paid", again, status: "paid"));
        Assert.Equal("Paid", (await _world.PayoutAsync(payout.Id)).State);

        foreach (var y in new[] { year, year + 1 })
        {
            var reconciliation = await HttpAssert.Ok<JsonElement>(await _world.Finance.GetAsync($"/api/payouts/reconciliation?year={y}"));
            Assert.DoesNotContain(reconciliation.GetProperty("differences").EnumerateArray(), d => d.GetProperty("payoutId").GetString() == payout.Id);
        }
    }

    /// <summary>
    /// The agency in Los Angeles, and a payout approved a few minutes before 05:00 UTC on 1 January, which is 21:00 on
    /// 31 December there: that instant, and the year it is in Los Angeles.
    /// </summary>
    private async Task<(PayoutDto Payout, List<(string Id, HttpClient Client)> Payees, DateTimeOffset PaidAt, int Year)> ApprovedForNewYearsEveAsync(bool stripe)
    {
        await HttpAssert.Ok<JsonElement>(await _world.Admin.PutAgencySetting("/api/agency/time-zone", new { timeZone = "America/Los_Angeles" }));

        // The attendance below moves the clock six hours.
        var now = api.Time.GetUtcNow();
        var paidAt = new DateTimeOffset(now.Year + 1, 1, 1, 5, 0, 0, TimeSpan.Zero);
        paidAt = paidAt - now > TimeSpan.FromHours(7) ? paidAt : paidAt.AddYears(1);
        api.Time.Advance(paidAt - now - TimeSpan.FromHours(6));
        var (opportunity, payees) = await _world.AttendedAsync();
        await _world.PayeeReadyAsync(payees[0], stripe);
        var payout = Assert.Single(await _world.PrepareAsync(opportunity));
        await HttpAssert.Ok<PayoutDto>(await PayoutWorld.StepAsync(_world.Finance, payout.Id, "approve"));
        return (payout, payees, paidAt, paidAt.Year - 1);
    }

    /// <summary>As <see cref="ApprovedForNewYearsEveAsync"/>, to a payee on Stripe, and sent: with the bank payout Stripe made of it.</summary>
    private async Task<(PayoutDto Payout, List<(string Id, HttpClient Client)> Payees, DateTimeOffset PaidAt, int Year, string Bank)> SentForNewYearsEveAsync()
    {
        var (payout, payees, paidAt, year) = await ApprovedForNewYearsEveAsync(stripe: true);
        Assert.Equal(1, await api.SendPayoutsAsync());
        return (payout, payees, paidAt, year, BankPayoutOf(payout.Id));
    }

    /// <summary>The bank payout Stripe made last of a payout's money.</summary>
    private string BankPayoutOf(string payoutId) => api.Stripe.Payouts.Last(p => p["metadata"]!["payout_id"]!.GetValue<string>() == payoutId)["id"]!.GetValue<string>();

    private async Task<decimal> CompensationInAsync(int year, string payeeId)
    {
        var totals = await HttpAssert.Ok<JsonElement>(await _world.Finance.GetAsync($"/api/payouts/totals?year={year}"));
        return totals.GetProperty("payees").EnumerateArray().Where(p => p.GetProperty("payeeId").GetString() == payeeId)
            .Sum(p => p.GetProperty("compensation").GetDecimal());
    }
}
