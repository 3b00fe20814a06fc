using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using SurvivorConnect.Api.Features.Payouts;
using SurvivorConnect.Api.Features.Payouts.Rules;
using SurvivorConnect.Storage;

namespace SurvivorConnect.IntegrationTests;

/// <summary>Checking a year's transfers with Stripe asks about the most recently changed ones only, so a year of thousands is not one click.</summary>
public sealed class StripeCheckBoundTests(PayoutApi api) : IClassFixture<PayoutApi>
{
    [Fact]
    public async Task Reconciling_against_Stripe_asks_about_the_most_recent_transfers_and_says_how_many_older_ones_were_not()
    {
        var year = (await HttpAssert.Ok<JsonElement>(await api.As("demo-finance").GetAsync("/api/payouts/reconciliation"))).GetProperty("year").GetInt32();
        var store = api.Services.GetRequiredService<IDocumentStore>();
        var at = new DateTimeOffset(year, 3, 1, 12, 0, 0, TimeSpan.Zero);
        for (var i = 0; i <= ReconciliationHandler.MostStripeChecks; i++)
        {
            await store.CreateAsync(Payout.Container, new Payout
            {
                Id = $"bound-{i}", PartitionKey = "demo", AgencyId = "demo", ClaimId = $"bound-claim-{i}", OpportunityId = "bound", OpportunityTitle = "Focus group",
                SessionId = "s1", SessionDate = DateOnly.FromDateTime(at.UtcDateTime), PayeeId = "demo-advisor", Lines = [], Compensation = 1m, Reimbursement = 0m, Total = 1m,
                Currency = "USD", State = PayoutState.Paid, CreatedBy = "demo-finance", CreatedAt = at, ApprovalsNeeded = 1, PaidAt = at, Year = year,
                TransferId = $"tr_bound_{i}", ChangedAt = at.AddMinutes(i),
            }, default);
        }

        var reconciliation = await HttpAssert.Ok<JsonElement>(await api.As("demo-finance").GetAsync("/api/payouts/reconciliation?stripe=true"));

        var asked = reconciliation.GetProperty("differences").EnumerateArray()
            .Where(d => d.GetProperty("payoutId").GetString()!.StartsWith("bound-", StringComparison.Ordinal) && d.GetProperty("what").GetString()!.StartsWith("Stripe has no transfer", StringComparison.Ordinal))
            .Select(d => d.GetProperty("payoutId").GetString()).ToList();
        Assert.Equal(ReconciliationHandler.MostStripeChecks, asked.Count);
        Assert.DoesNotContain("bound-0", asked);
        Assert.Equal(1, reconciliation.GetProperty("stripeUnchecked").GetInt32());
    }
}
