using SurvivorConnect.Api.Features.Engagements;
using SurvivorConnect.Api.Features.Payouts.Rules;

namespace SurvivorConnect.Api.Features.Payouts;

/// <summary>
/// Claims gone to finance whose payout still waits for approval: nothing has been decided on that amount, so its holder's
/// travel may still be added (the payout then waits for the claim to be sent again).
/// </summary>
internal sealed class ClaimsWithFinance(PayoutData data) : IClaimsWithFinance
{
    public async Task<IReadOnlySet<string>> UnapprovedAsync(IReadOnlyCollection<CompensationClaim> submitted, CancellationToken ct)
    {
        if (submitted.Count == 0)
        {
            return new HashSet<string>(StringComparer.Ordinal);
        }

        var payouts = await data.Store.ManyAsync<Payout>(PayoutData.Container, submitted.Select(c => Payout.IdFor(c.Id)), ct);
        return payouts.Where(p => p.State == PayoutState.Pending).Select(p => p.ClaimId).ToHashSet(StringComparer.Ordinal);
    }
}
