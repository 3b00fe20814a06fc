using Microsoft.Extensions.Options;
using SurvivorConnect.Api.Features.Agencies;
using SurvivorConnect.Api.Features.Engagements;
using SurvivorConnect.Api.Features.Payouts.Rules;
using SurvivorConnect.Api.Features.People;
using SurvivorConnect.Api.Infrastructure.Auth;
using SurvivorConnect.Api.Infrastructure.Errors;
using SurvivorConnect.Api.Infrastructure.Hosting;
using SurvivorConnect.Api.Infrastructure.Tenancy;
using SurvivorConnect.Storage;

namespace SurvivorConnect.Api.Features.Payouts;

/// <summary>The payout feature's reads and its one way of writing a payout change: with its ledger entry, in one transaction.</summary>
internal sealed class PayoutData(AgencyStore store, IOptions<PayoutOptions> options, AppMetrics metrics, AgencyCalendar calendar)
{
    public AgencyStore Store => store;

    public PayoutOptions Options => options.Value;

    public static ContainerSpec Container => Payout.Container;

    /// <summary>Today by the agency's calendar, which dated rates and the tax year follow.</summary>
    public Task<DateOnly> TodayAsync(CancellationToken ct) => calendar.TodayAsync(ct);

    /// <summary>The agency's calendar, its zone read: payment dates are written by it.</summary>
    public async Task<AgencyCalendar> CalendarAsync(CancellationToken ct)
    {
        await calendar.LoadAsync(ct);
        return calendar;
    }

    /// <summary>
    /// The tax year now, by the agency's calendar: money paid on the evening of 31 December in Los Angeles is that
    /// year's, though UTC has already turned.
    /// </summary>
    public async Task<int> TaxYearAsync(CancellationToken ct) => (await TodayAsync(ct)).Year;

    /// <summary>A payout by the id the server gave it ("payout~opportunity~session~person"); anything else is not one.</summary>
    public async Task<Payout> PayoutAsync(string id, CancellationToken ct) =>
        id.StartsWith("payout~", StringComparison.Ordinal) && id.Length <= 200
            && await store.ReadAsync<Payout>(Container, id, store.AgencyId, ct) is { } payout
            ? payout
            : throw new NotFoundException("payout");

    public Task<List<Payout>> PayoutsAsync(IReadOnlyList<Filter> filters, CancellationToken ct) => store.AllAsync<Payout>(Container, filters, ct);

    /// <summary>
    /// The payee's approved payouts Stripe has not started, to be paid <paramref name="method"/> now; those moved. One the
    /// sender moved on meanwhile is left to it (the write is against the version read).
    /// </summary>
    /// <param name="setAsideBy">
    /// The approver whose decision moved them (letting the payee's Stripe account go), who then does not also record them
    /// paid; null when the payee chose the new way themselves.
    /// </param>
    public async Task<List<Payout>> PayOutsideAsync(string payeeId, PayeeMethod method, string? setAsideBy, CancellationToken ct)
    {
        var moved = new List<Payout>();
        foreach (var payout in (await PayoutsAsync([Filter.Eq("payeeId", payeeId), Filter.Eq("state", PayoutState.Approved)], ct)).Where(p => p is { Method: PayeeMethod.Stripe, TransferId: null }))
        {
            try
            {
                moved.Add(await SaveAsync(payout, payout with { Method = method, SetAsideBy = setAsideBy }, ct: ct));
            }
            catch (ConflictException)
            {
            }
        }

        return moved;
    }

    /// <summary>
    /// Whether they have a way of being paid that a change could take their pay from: anything paid to them, or a change
    /// they did not make already refused (whoever made it may try again).
    /// </summary>
    public async Task<bool> PaidBeforeAsync(PayeeAccount account, CancellationToken ct) =>
        account.StripeAccountsLetGo.Count > 0
        || (await store.PageAsync<Payout>(Container, [Filter.Eq("payeeId", account.PersonId), Filter.Eq("state", PayoutState.Paid)], "id", false, 1, null, ct)).Items.Count > 0;

    public async Task<PayeeAccount> AccountAsync(string personId, CancellationToken ct) =>
        await store.ReadAsync<PayeeAccount>(Container, PayeeAccount.IdFor(personId), store.AgencyId, ct)
        ?? new PayeeAccount { Id = PayeeAccount.IdFor(personId), PersonId = personId };

    public Task<PayeeAccount> SaveAccountAsync(PayeeAccount account, CancellationToken ct) =>
        account.ETag is null ? store.CreateAsync(Container, account, ct) : store.ReplaceAsync(Container, account, account.ETag, ct);

    public async Task<PayoutSettings> SettingsAsync(CancellationToken ct) =>
        await store.FindAsync<PayoutSettings>(Container, PayoutSettings.DocumentId, ct) ?? new PayoutSettings { Id = PayoutSettings.DocumentId };

    public async Task<PayRates> RatesAsync(CancellationToken ct) => Options.RatesWith((await SettingsAsync(ct)).LocationRates);

    public Task<List<LedgerEntry>> LedgerAsync(int year, CancellationToken ct) => store.AllAsync<LedgerEntry>(Container, [Filter.Eq("year", year)], ct);

    /// <summary>The names of the people finance's screens show, read by their ids.</summary>
    public async Task<Dictionary<string, string>> NamesAsync(IEnumerable<string> personIds, CancellationToken ct) =>
        (await store.ManyAsync<Person>(Person.Container, personIds, ct)).ToDictionary(p => p.Id, p => p.DisplayName, StringComparer.Ordinal);

    /// <summary>The accounts of these payees, read by their ids; a payee who never set one up has none.</summary>
    public async Task<Dictionary<string, PayeeAccount>> AccountsAsync(IEnumerable<string> personIds, CancellationToken ct) =>
        (await store.ManyAsync<PayeeAccount>(Container, personIds.Select(PayeeAccount.IdFor), ct)).ToDictionary(a => a.PersonId, StringComparer.Ordinal);

    /// <summary>
    /// Who had a hand in each payout, by its id: whom it pays, who prepared it, who recorded the attendance it pays for,
    /// who made or changed its work (so set its rate), as the opportunity says now, who recorded how its payee is
    /// paid, and who recently checked a change of where their Stripe pay goes, as their account says now.
    /// </summary>
    public async Task<IReadOnlyDictionary<string, PayoutHands>> HandsAsync(IReadOnlyList<Payout> payouts, CancellationToken ct)
    {
        var works = (await store.ManyAsync<Opportunity>(EngagementData.Container, payouts.Select(p => p.OpportunityId).Distinct(StringComparer.Ordinal), ct))
            .ToDictionary(o => o.Id, StringComparer.Ordinal);
        var accounts = await AccountsAsync(payouts.Select(p => p.PayeeId).Distinct(StringComparer.Ordinal), ct);
        return payouts.ToDictionary(p => p.Id, p => new PayoutHands(p.PayeeId, p.CreatedBy, p.RecordedBy is { } recorder ? [recorder, .. p.EarlierRecordedBy] : p.EarlierRecordedBy,
            works.TryGetValue(p.OpportunityId, out var work) ? [work.RecruiterId, .. work.ChangedBy] : [])
        {
            PayeeSetUpBy = accounts.TryGetValue(p.PayeeId, out var account) ? account.SetUpBy : null,
            SetAsideBy = p.SetAsideBy,
            PayChangeCheckedBy = account is { Method: PayeeMethod.Stripe, PayChangeCheckedAt: { } checkedAt } && store.Now - checkedAt < PayoutRules.PayChangeCheckerStandsAside
                ? account.PayChangeCheckedBy : null,
        }, StringComparer.Ordinal);
    }

    /// <inheritdoc cref="HandsAsync(IReadOnlyList{Payout}, CancellationToken)"/>
    public async Task<PayoutHands> HandsAsync(Payout payout, CancellationToken ct) => (await HandsAsync([payout], ct))[payout.Id];

    /// <summary>Whether the payout's claim is no longer the one it was calculated from, so it is neither approved, sent nor paid.</summary>
    public async Task<bool> ClaimChangedAsync(Payout payout, CancellationToken ct) =>
        ClaimChanged(payout, await store.ReadAsync<CompensationClaim>(EngagementData.Container, payout.ClaimId, store.AgencyId, ct));

    public static bool ClaimChanged(Payout payout, CompensationClaim? claim) =>
        PayoutRules.ClaimChanged(claim is not null, claim?.State == ClaimState.Submitted, claim?.ETag, payout.ClaimETag);

    /// <summary>
    /// The approvals that still count: an approver deactivated, or no longer a finance approver, since (taken off for
    /// fraud, say) gives none, so a second approver is asked for again.
    /// </summary>
    public async Task<IEnumerable<PayoutApproval>> StandingAsync(IReadOnlyList<PayoutApproval> approvals, CancellationToken ct)
    {
        var approvers = (await store.ManyAsync<Person>(Person.Container, approvals.Select(a => a.By), ct))
            .Where(p => p.Active && p.Roles.Contains(Roles.FinanceApprover)).Select(p => p.Id).ToHashSet(StringComparer.Ordinal);
        return approvals.Where(a => approvers.Contains(a.By));
    }

    /// <summary>
    /// Money moves on an approval only while its approvers are still finance approvers, and as many as the agency's
    /// two-approver amount asks now: one lowered because fraud is feared holds payouts approved and not yet paid too.
    /// </summary>
    public async Task<bool> ApprovalsStandAsync(Payout payout, CancellationToken ct) =>
        (await StandingAsync(payout.Approvals, ct)).Count()
            >= Math.Max(payout.ApprovalsNeeded, PayoutRules.ApprovalsNeeded(payout.Total, (await SettingsAsync(ct)).TwoApproverThreshold));

    public Task<IReadOnlyList<string>> FinanceApproversAsync(CancellationToken ct) => store.ActiveIdsWithRoleAsync(Roles.FinanceApprover, ct);

    /// <summary>Records that a Stripe event was handled, so it is handled once; one recorded already is fine.</summary>
    public async Task NoteEventAsync(string eventId, string eventType, CancellationToken ct)
    {
        try
        {
            await store.CreateAsync(Container, new StripeEventRecord { Id = StripeEventRecord.IdFor(eventId), EventType = eventType, ReceivedAt = store.Now }, ct);
        }
        catch (StoreException ex) when (ex.IsAlreadyThere)
        {
            // Told twice at once: noted by the other.
        }
    }

    /// <summary>
    /// Writes a payout's change together with the ledger entry it causes (a payment when it becomes paid, a
    /// reversal when paid money comes back) and, for Stripe's news, the record that the event was acted on:
    /// all or nothing, so the ledger always matches the payouts and an event never counts twice. With
    /// <paramref name="checkedPayee"/>, the payee's account as read for the year's tax check is rewritten in the same
    /// write, so two payouts to one payee committed at once cannot each pass that check without the other.
    /// </summary>
    public async Task<Payout> SaveAsync(
        Payout before, Payout after, string? stripeEventId = null, string? stripeEventType = null, string? reference = null, PayeeAccount? checkedPayee = null, CancellationToken ct = default)
    {
        var changed = after with { ChangedAt = store.Now };
        var taxYear = after.Year ?? await TaxYearAsync(ct);
        var operations = new List<BatchOperation> { new BatchOperation.Replace(changed, before.ETag!) };
        if (checkedPayee is not null)
        {
            operations.Add(new BatchOperation.Replace(checkedPayee, checkedPayee.ETag!));
        }

        if (LedgerMove(before.State, after.State) is { } kind)
        {
            var sign = kind == LedgerKind.Payment ? 1 : -1;
            operations.Add(new BatchOperation.Create(new LedgerEntry
            {
                Id = LedgerEntry.IdFor(after, kind),
                PayoutId = after.Id,
                PayeeId = after.PayeeId,
                OpportunityId = after.OpportunityId,
                Kind = kind,
                Amount = sign * after.Total,
                Compensation = sign * after.Compensation,
                Reimbursement = sign * after.Reimbursement,
                Currency = after.Currency,
                Year = taxYear,
                At = store.Now,
                Reference = reference,
            }));
        }

        if (stripeEventId is not null)
        {
            operations.Add(new BatchOperation.Create(new StripeEventRecord { Id = StripeEventRecord.IdFor(stripeEventId), EventType = stripeEventType!, ReceivedAt = store.Now }));
        }

        try
        {
            var result = await store.ExecuteBatchAsync(Container, store.AgencyId, operations, ct);
            if (before.State != after.State)
            {
                metrics.PayoutMoved(after.State.ToString());
            }

            return changed with { ETag = result.ETags[0] };
        }
        catch (StoreException ex) when (ex.Kind is StoreErrorKind.PreconditionFailed or StoreErrorKind.BatchFailed or StoreErrorKind.Conflict)
        {
            throw new ConflictException(checkedPayee is null
                ? "Someone else changed this payout just now. Look at it again."
                : "Someone else changed this payout, or another payout to the same person, just now. Look at it again.");
        }
    }

    /// <summary>Money moves when a payout becomes paid, and moves back when a paid one fails at the bank or is reversed.</summary>
    public static LedgerKind? LedgerMove(PayoutState from, PayoutState to) =>
        to == PayoutState.Paid && from != PayoutState.Paid ? LedgerKind.Payment
        : from == PayoutState.Paid && to is PayoutState.Failed or PayoutState.Reversed ? LedgerKind.Reversal
        : null;

    /// <summary>The intent to send, written before the payout is approved so that no approved payout lacks one.</summary>
    public Task QueueAsync(Payout payout, CancellationToken ct) =>
        store.UpsertAsync(Container, new PayoutOutboxItem
        {
            Id = PayoutOutboxItem.IdFor(store.AgencyId, payout.Id, payout.Attempt),
            PartitionKey = PayoutOutboxItem.Partition,
            PayoutId = payout.Id,
            Attempt = payout.Attempt,
            DueAt = store.Now,
            CreatedAt = store.Now,
        }, ct);
}
