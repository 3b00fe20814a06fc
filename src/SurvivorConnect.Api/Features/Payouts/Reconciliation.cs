using System.Threading.RateLimiting;
using Mediator;
using SurvivorConnect.Api.Features.Payouts.Rules;
using SurvivorConnect.Api.Infrastructure.Pipeline;
using SurvivorConnect.Storage;

namespace SurvivorConnect.Api.Features.Payouts;

public sealed record Difference(string PayoutId, string? PayeeName, string What);

/// <summary>One opportunity's year: what the ledger holds for it and what its paid payouts come to.</summary>
public sealed record OpportunityTotal(string OpportunityId, string Title, decimal Ledger, decimal Paid);

/// <summary>The year's ledger against the payouts and against Stripe: an empty list of differences means they agree.</summary>
/// <param name="StripeAskedJustNow">Stripe was asked for this person, or their agency, as often as it may be in the last minute, so it was not asked again.</param>
public sealed record ReconciliationView(
    int Year, string Currency, decimal LedgerTotal, decimal PaidTotal, bool StripeChecked, IReadOnlyList<OpportunityTotal> ByOpportunity, IReadOnlyList<Difference> Differences,
    bool StripeAskedJustNow = false)
{
    /// <summary>Transfers of the year left unchecked with Stripe, beyond the most recent it was asked about at once.</summary>
    public int StripeUnchecked { get; init; }
}

/// <summary>
/// How often each of a year's transfers is asked of Stripe, from the API or the finance page alike: up to
/// <see cref="ReconciliationHandler.MostStripeChecks"/> calls each time, on the key every agency shares, so a couple of times a minute a person
/// (<c>Payouts:StripeChecksPerMinute</c>) and three people's worth an agency, and nobody's sends wait on it.
/// </summary>
internal sealed class StripeChecks(IConfiguration configuration) : IDisposable
{
    private readonly PartitionedRateLimiter<string> _limiter = PartitionedRateLimiter.Create<string, string>(who => RateLimitPartition.GetFixedWindowLimiter(who,
        _ => new FixedWindowRateLimiterOptions
        {
            PermitLimit = configuration.GetValue("Payouts:StripeChecksPerMinute", 2) * (who.Contains('/', StringComparison.Ordinal) ? 1 : 3),
            Window = TimeSpan.FromMinutes(1),
            QueueLimit = 0,
        }));

    public bool MayAsk(string agencyId, string personId)
    {
        // The agency's budget looked at first, so a person is not charged for a check it refuses.
        using (var agencyOpen = _limiter.AttemptAcquire(agencyId, 0))
        {
            if (!agencyOpen.IsAcquired)
            {
                return false;
            }
        }

        using var person = _limiter.AttemptAcquire($"{agencyId}/{personId}");
        if (!person.IsAcquired)
        {
            return false;
        }

        using var agency = _limiter.AttemptAcquire(agencyId);
        return agency.IsAcquired;
    }

    public void Dispose() => _limiter.Dispose();
}

/// <summary>The year's reconciliation; with <paramref name="CheckStripe"/>, each transfer is also asked of Stripe (one call each, up to <see cref="ReconciliationHandler.MostStripeChecks"/>).</summary>
public sealed record GetReconciliation(int? Year, bool CheckStripe = false) : IQuery<ReconciliationView>, IValidate, IAudited
{
    public AuditTarget Audit => new("payout.reconcile", "payout");

    public void Validate(ValidationErrors errors) => errors.Range("year", Year, 2000, 2100);
}

internal sealed class ReconciliationHandler(PayoutData data, IStripeGateway stripe, StripeChecks checks) : IQueryHandler<GetReconciliation, ReconciliationView>
{
    /// <summary>A payout still being sent after this long is worth a look.</summary>
    public static readonly TimeSpan SendingTooLong = TimeSpan.FromDays(1);

    /// <summary>Transfers asked of Stripe at once, the most recently changed first: one call each, so a year of thousands is not one click.</summary>
    public const int MostStripeChecks = 200;

    public async ValueTask<ReconciliationView> Handle(GetReconciliation query, CancellationToken ct)
    {
        var year = query.Year ?? await data.TaxYearAsync(ct);
        var askedJustNow = query.CheckStripe && stripe.Enabled && !checks.MayAsk(data.Store.AgencyId, data.Store.User.UserId);
        var checkStripe = query.CheckStripe && stripe.Enabled && !askedJustNow;
        var ledger = await data.LedgerAsync(year, ct);
        var payouts = (await data.PayoutsAsync([Filter.Eq("year", year)], ct))
            .Concat(await data.PayoutsAsync([Filter.Eq("state", PayoutState.Sending)], ct))
            .DistinctBy(p => p.Id)
            .ToList();
        var withTransfers = payouts.Where(p => p.TransferId is not null).ToList();
        var toCheck = checkStripe
            ? withTransfers.OrderByDescending(p => p.ChangedAt ?? p.CreatedAt).Take(MostStripeChecks).Select(p => p.Id).ToHashSet(StringComparer.Ordinal)
            : [];
        var names = await data.NamesAsync(payouts.Select(p => p.PayeeId), ct);
        string? Name(string payeeId) => names.GetValueOrDefault(payeeId);
        var differences = new List<Difference>();
        var byPayout = ledger.GroupBy(e => e.PayoutId).ToDictionary(g => g.Key, g => g.Sum(e => e.Amount), StringComparer.Ordinal);
        foreach (var payout in payouts)
        {
            var expected = payout.State == PayoutState.Paid && payout.Year == year ? payout.Total : 0m;
            var booked = byPayout.GetValueOrDefault(payout.Id);
            if (booked != expected)
            {
                differences.Add(new(payout.Id, Name(payout.PayeeId), $"The ledger holds {booked:0.00} for it; as it is {StateWords(payout.State)}, it should hold {expected:0.00}."));
            }

            if (payout.State == PayoutState.Sending && data.Store.Now - (payout.ChangedAt ?? payout.CreatedAt) > SendingTooLong)
            {
                differences.Add(new(payout.Id, Name(payout.PayeeId), "Still being sent after a day: Stripe has not said it was paid or failed."));
            }

            if (toCheck.Contains(payout.Id) && payout.TransferId is { } transferId)
            {
                differences.AddRange(await AgainstStripeAsync(payout, transferId, Name(payout.PayeeId), ct));
            }
        }

        // A payout paid this year and returned, then paid again next year (or another way), leaves this year's ledger
        // netting to nothing for it: that agrees.
        var known = payouts.Select(p => p.Id).ToHashSet(StringComparer.Ordinal);
        foreach (var orphan in byPayout.Where(e => e.Value != 0m && !known.Contains(e.Key)).Select(e => e.Key))
        {
            differences.Add(new(orphan, null, "The ledger has money for a payout not paid this year."));
        }

        var paid = payouts.Where(p => p.State == PayoutState.Paid && p.Year == year).ToList();
        var titles = payouts.GroupBy(p => p.OpportunityId).ToDictionary(g => g.Key, g => g.First().OpportunityTitle, StringComparer.Ordinal);
        var byOpportunity = ledger.Select(e => e.OpportunityId).Concat(paid.Select(p => p.OpportunityId)).Distinct(StringComparer.Ordinal)
            .Select(id => new OpportunityTotal(id, titles.GetValueOrDefault(id) ?? "An engagement no longer listed", ledger.Where(e => e.OpportunityId == id).Sum(e => e.Amount), paid.Where(p => p.OpportunityId == id).Sum(p => p.Total)))
            .OrderBy(o => o.Title, StringComparer.CurrentCulture)
            .ToList();
        return new ReconciliationView(year, ledger.FirstOrDefault()?.Currency ?? "USD", ledger.Sum(e => e.Amount), paid.Sum(p => p.Total), checkStripe, byOpportunity, differences, askedJustNow)
        {
            StripeUnchecked = checkStripe ? withTransfers.Count - toCheck.Count : 0,
        };
    }

    private async Task<IEnumerable<Difference>> AgainstStripeAsync(Payout payout, string transferId, string? name, CancellationToken ct)
    {
        StripeTransferState? transfer;
        try
        {
            transfer = await stripe.GetTransferAsync(transferId, ct);
        }
        catch (StripeGatewayException)
        {
            return [new(payout.Id, name, "Stripe could not be asked about this transfer just now.")];
        }

        if (transfer is null)
        {
            return [new(payout.Id, name, "Stripe has no transfer with the id this payout recorded.")];
        }

        var found = new List<Difference>();
        if (transfer.Amount != Money.ToMinorUnits(payout.Total, payout.Currency))
        {
            found.Add(new(payout.Id, name, $"Stripe transferred {transfer.Amount} (minor units); the payout is {payout.Total:0.00} {payout.Currency}."));
        }

        if (transfer.Reversed != PayoutRules.TransferTakenBack(payout.State, payout.TransferId, payout.OutsideReference))
        {
            found.Add(new(payout.Id, name, transfer.Reversed ? "Stripe reversed this transfer; the payout does not say so." : "The payout says its transfer was taken back; Stripe's transfer is not."));
        }
        else if (!transfer.Reversed && transfer.AmountReversed > 0)
        {
            found.Add(new(payout.Id, name, $"Stripe took back part of this transfer ({transfer.AmountReversed} minor units)."));
        }

        return found;
    }

    private static string StateWords(PayoutState state) => state switch
    {
        PayoutState.Pending => "waiting for approval",
        PayoutState.Sending => "being sent",
        _ => state.ToString().ToLowerInvariant(),
    };
}
