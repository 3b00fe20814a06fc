using SurvivorConnect.Api.Features.Engagements;
using SurvivorConnect.Api.Features.Payouts.Rules;

namespace SurvivorConnect.Api.Features.Payouts;

/// <summary>
/// Claims gone to finance whose payout, prepared from the claim as it is, still waits for approval: nothing has been
/// decided on that amount, so its holder's travel may still be added (the payout then waits for the claim to be sent again).
/// </summary>
internal sealed class ClaimsWithFinance(PayoutData data) : IClaimsWithFinance
{
    public async Task<IReadOnlySet<string>> UnapprovedAsync(IReadOnlyCollection<CompensationClaim> submitted, CancellationToken ct)
    {
        if (submitted.Count == 0)
        {
            return new HashSet<string>(StringComparer.Ordinal);
        }

        var claims = submitted.ToDictionary(c => c.Id, StringComparer.Ordinal);
        var payouts = await data.Store.ManyAsync<Payout>(PayoutData.Container, claims.Keys.Select(Payout.IdFor), ct);
        return payouts
            .Where(p => p.State == PayoutState.Pending && claims.TryGetValue(p.ClaimId, out var claim) && !PayoutData.ClaimChanged(p, claim))
            .Select(p => p.ClaimId)
            .ToHashSet(StringComparer.Ordinal);
    }
}
