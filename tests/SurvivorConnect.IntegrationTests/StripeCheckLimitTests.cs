using System.Text.Json;

namespace SurvivorConnect.IntegrationTests;

/// <summary>Checking the year's transfers with Stripe asks Stripe once per transfer, on the key every agency shares.</summary>
public sealed class StripeCheckLimitTests(StripeCheckLimitTests.Factory api) : IClassFixture<StripeCheckLimitTests.Factory>
{
    public sealed class Factory : PayoutApi
    {
        protected override IDictionary<string, string?> Settings => new Dictionary<string, string?>(base.Settings) { ["Payouts:StripeChecksPerMinute"] = "3" };
    }

    [Fact]
    public async Task Reconciling_against_Stripe_asks_Stripe_a_few_times_a_minute_per_person_from_the_finance_page_as_from_the_API()
    {
        var page = await PortalSession.SignedInAsync(api, "demo-finance");
        var later = new List<bool>();
        for (var i = 0; i < 8; i++)
        {
            later.Add((await PortalSession.PostFormAsync(page, "/finance", "reconcile", ("CheckStripe", "true"))).Contains("data-stripe-later", StringComparison.Ordinal));
        }

        // A one-minute window may roll over once: at most two windows' worth reach Stripe.
        Assert.True(later.Count(l => l) >= 8 - (2 * 3), string.Join(", ", later));

        // Someone else's check still asks Stripe, up to three people's worth for the agency.
        var other = await HttpAssert.Ok<JsonElement>(await api.As("demo-finance2").GetAsync("/api/payouts/reconciliation?stripe=true"));
        Assert.True(other.GetProperty("stripeChecked").GetBoolean());
        Assert.False(other.GetProperty("stripeAskedJustNow").GetBoolean());
    }
}

/// <summary>An agency's approvers together ask Stripe no more than three people's worth. Its own API: the agency's budget is spent here.</summary>
public sealed class StripeCheckAgencyLimitTests(StripeCheckLimitTests.Factory api) : IClassFixture<StripeCheckLimitTests.Factory>
{
    [Fact]
    public async Task An_agencys_approvers_together_ask_Stripe_at_most_three_peoples_worth_a_minute()
    {
        var asked = 0;
        for (var person = 0; person < 8; person++)
        {
            var approver = await new PayoutWorld(api).ApproverAsync();
            for (var i = 0; i < 3; i++)
            {
                var reconciled = await HttpAssert.Ok<JsonElement>(await approver.Client.GetAsync("/api/payouts/reconciliation?stripe=true"));
                asked += reconciled.GetProperty("stripeChecked").GetBoolean() ? 1 : 0;
            }
        }

        // A one-minute window may roll over once: at most two windows' worth reach Stripe.
        Assert.True(asked is >= 9 and <= 2 * 9, $"{asked} checks reached Stripe");
    }
}
