using Mediator;
using Microsoft.Extensions.Options;
using SurvivorConnect.Api.Features.Notifications;
using SurvivorConnect.Api.Features.People;
using SurvivorConnect.Api.Features.Payouts.Rules;
using SurvivorConnect.Api.Infrastructure.Auth;
using SurvivorConnect.Api.Infrastructure.Errors;
using SurvivorConnect.Api.Infrastructure.Hosting;
using SurvivorConnect.Api.Infrastructure.Pipeline;
using SurvivorConnect.Storage;

namespace SurvivorConnect.Api.Features.Payouts;

public enum SendOutcome
{
    /// <summary>Sent, settled, or no longer to send: the outbox item can go.</summary>
    Done,

    /// <summary>
    /// Approved, but the payee's Stripe account cannot be paid yet; their onboarding, or finance checking a change to how
    /// they are paid, queues it again.
    /// </summary>
    WaitingForPayee,

    /// <summary>The approval that wrote the item has not landed (yet, or ever).</summary>
    NotApproved,
}

/// <summary>
/// Sends one approved payout: the transfer to the payee's Stripe account, then the payout to their bank, each
/// with an idempotency key from the payout's id and attempt. Run again after a crash at any point, it makes no
/// second transfer: Stripe answers the same key with the same transfer.
/// </summary>
public sealed record SendPayout(string PayoutId, int Attempt) : ICommand<SendOutcome>, IAudited
{
    public AuditTarget Audit => new("payout.send", "payout", PayoutId);
}

internal sealed class SendPayoutHandler(PayoutData data, IStripeGateway stripe, Notifier notifier, BankDetailsNews bankDetails) : ICommandHandler<SendPayout, SendOutcome>
{
    /// <summary>Why a payout whose amount is finer than its currency is paid in was not sent.</summary>
    public const string NotPayable = "amount_not_payable_in_currency";

    /// <summary>Why an approved payout whose claim changed since it was calculated (a cancel cut short) was not sent.</summary>
    public const string ClaimChanged = "claim_changed";

    /// <summary>
    /// Why an approved payout waiting on its payee was not sent once they were ready: an approver was taken off
    /// finance (for fraud, say).
    /// </summary>
    public const string ApprovalsGone = "approvals_gone";

    /// <summary>
    /// Why an approved payout was not sent through Stripe: the payee's sign-in was deactivated (they left the programme,
    /// say). Work done is still paid, so finance pays it another way.
    /// </summary>
    public const string PayeeInactive = "payee_inactive";

    /// <summary>
    /// Why a payout left partway was not sent on: the Stripe account it was going to was let go, a change to how they are
    /// paid that the payee did not make. Finance pays it another way.
    /// </summary>
    public const string PayeeAccountLetGo = "payee_account_let_go";

    /// <summary>
    /// As <see cref="PayeeAccountLetGo"/>, with its money already in that account's balance: it is never sent on from
    /// another account (whose balance is other payouts' money). Finance reverses the transfer at Stripe, then pays it another way.
    /// </summary>
    public const string PayeeAccountLetGoAfterTransfer = "payee_account_let_go_after_transfer";

    private async Task<SendOutcome> LetGoAsync(Payout payout, PayeeAccount account, CancellationToken ct)
    {
        // With no money moved, it is no longer Stripe's to send (finance let that way go): set aside, as by the approver who
        // let it go, so nobody sends it through Stripe again and another approver records the check.
        await data.SaveAsync(payout, payout.TransferId is null
            ? payout with { State = PayoutState.Failed, FailureCode = PayeeAccountLetGo, Method = PayeeMethod.Check, SetAsideBy = account.PayChangeCheckedBy }
            : payout with { State = PayoutState.Failed, FailureCode = PayeeAccountLetGoAfterTransfer }, ct: ct);
        await PayoutNews.TellFinanceAsync(data, notifier, payout, ct);
        return SendOutcome.Done;
    }

    public async ValueTask<SendOutcome> Handle(SendPayout command, CancellationToken ct)
    {
        // A webhook may move the payout while this runs; each step is idempotent, so it simply reads again.
        for (var tries = 0; ; tries++)
        {
            try
            {
                return await SendAsync(command, ct);
            }
            catch (ConflictException) when (tries < 5)
            {
            }
        }
    }

    private async Task<SendOutcome> SendAsync(SendPayout command, CancellationToken ct)
    {
        var payout = await data.Store.ReadAsync<Payout>(PayoutData.Container, command.PayoutId, data.Store.AgencyId, ct);
        if (payout is { State: PayoutState.Failed } && payout.Attempt == command.Attempt)
        {
            // Failed by an earlier round whose telling failed after the payout was saved: finance hears of it now (each
            // approver once for the attempt, however often this runs).
            await PayoutNews.TellFinanceAsync(data, notifier, payout, ct);
            return SendOutcome.Done;
        }

        if (payout is null || payout.Attempt != command.Attempt || payout.Method != PayeeMethod.Stripe)
        {
            // An attempt not yet saved (a retry queues it first) is waited for as an approval is; an older one is done.
            return payout?.State == PayoutState.Pending || payout?.Attempt < command.Attempt ? SendOutcome.NotApproved : SendOutcome.Done;
        }

        if (payout.State == PayoutState.Pending)
        {
            return SendOutcome.NotApproved;
        }

        if (payout.State is not (PayoutState.Approved or PayoutState.Sending))
        {
            return SendOutcome.Done;
        }

        // Stripe can only be asked for whole units of the currency; such a payout is finance's to pay another way.
        if (!Money.TryToMinorUnits(payout.Total, payout.Currency, out var amount))
        {
            await data.SaveAsync(payout, payout with { State = PayoutState.Failed, FailureCode = NotPayable }, ct: ct);
            await PayoutNews.TellFinanceAsync(data, notifier, payout, ct);
            return SendOutcome.Done;
        }

        // Already sending, an earlier try may have reached Stripe more than a day ago, past its idempotency keys.
        var resumed = payout.State == PayoutState.Sending;
        // An approval may wait weeks on the payee's account: money moves only if it still stands then.
        var whyNot = payout.State != PayoutState.Approved || payout.TransferId is not null ? null
            : await data.ClaimChangedAsync(payout, ct) ? ClaimChanged
            : !await data.ApprovalsStandAsync(payout, ct) ? ApprovalsGone
            : await data.Store.FindAsync<Person>(Person.Container, payout.PayeeId, ct) is not { Active: true } ? PayeeInactive
            : null;
        if (whyNot is not null)
        {
            await data.SaveAsync(payout, payout with { State = PayoutState.Failed, FailureCode = whyNot }, ct: ct);
            await PayoutNews.TellFinanceAsync(data, notifier, payout, ct);
            return SendOutcome.Done;
        }

        // A refusal of Stripe's for good (the account no longer connected, say), also on listing its banks, fails the payout
        // for finance to pay another way.
        try
        {
            if (payout.State == PayoutState.Approved)
            {
                var account = await data.AccountAsync(payout.PayeeId, ct);
                if (payout.TransferId is not null && account.StripeAccountId != payout.StripeAccountId)
                {
                    return await LetGoAsync(payout, account, ct);
                }

                // A change to how they are paid that finance has yet to check with them is waited for as onboarding is.
                if (account is not { StripeAccountId: not null, StripeReady: true, PayChangeToConfirmSince: null }
                    || await BanksCheckedAsync(payout.PayeeId, account.StripeAccountId, payout.Currency, ct) is not { } banks)
                {
                    return SendOutcome.WaitingForPayee;
                }

                account = banks.Account;

                // Against the account as read: a change flagged meanwhile stops this send (it is read again).
                payout = await data.SaveAsync(payout, payout with { State = PayoutState.Sending, StripeAccountId = account.StripeAccountId }, checkedPayee: account, ct: ct);
            }
            else if (payout.BankPayoutId is null && await data.AccountAsync(payout.PayeeId, ct) is var now)
            {
                // Resumed after a failure partway: nothing more goes to an account let go (a change the payee did not make),
                // and finance pays it another way; nor, meanwhile, to one whose change finance has yet to check with them.
                if (now.StripeAccountId != payout.StripeAccountId)
                {
                    // What finance must do turns on whether the earlier try moved the money: a transfer it made is found
                    // and kept first, so that the payout is never paid again another way while it sits in that account.
                    if (payout.TransferId is null && await stripe.FindTransferAsync(OrderOf(payout, amount), ct) is { } made)
                    {
                        payout = await data.SaveAsync(payout, payout with { TransferId = made }, ct: ct);
                    }

                    return await LetGoAsync(payout, now, ct);
                }

                if (now.PayChangeToConfirmSince is not null)
                {
                    return SendOutcome.WaitingForPayee;
                }
            }

            var order = OrderOf(payout, amount);
            if (payout.TransferId is null)
            {
                var transfer = (resumed ? await stripe.FindTransferAsync(order, ct) : null)
                    ?? await stripe.CreateTransferAsync(order with { IdempotencyKey = payout.IdempotencyKey("transfer") }, ct);
                payout = await data.SaveAsync(payout, payout with { TransferId = transfer }, ct: ct);
            }

            if (payout.BankPayoutId is null)
            {
                var bankPayout = resumed ? await stripe.FindBankPayoutAsync(order, ct) : null;
                if (bankPayout is null)
                {
                    // Bank details given since the transfer are checked as any are; the payout goes to one checked.
                    if (await BanksCheckedAsync(payout.PayeeId, order.AccountId, payout.Currency, ct) is not { } banks)
                    {
                        return SendOutcome.WaitingForPayee;
                    }

                    bankPayout = await stripe.CreateBankPayoutAsync(order with { IdempotencyKey = payout.IdempotencyKey("bank-payout"), BankAccountId = banks.PayTo }, ct);
                }

                await data.SaveAsync(payout, payout with { BankPayoutId = bankPayout }, ct: ct);
            }

            return SendOutcome.Done;
        }
        catch (StripeGatewayException ex) when (ex.Permanent)
        {
            await data.SaveAsync(payout, payout with { State = PayoutState.Failed, FailureCode = ex.Code }, ct: ct);
            await PayoutNews.TellFinanceAsync(data, notifier, payout, ct);
            return SendOutcome.Done;
        }
    }

    private TransferOrder OrderOf(Payout payout, long amount) =>
        new(data.Store.AgencyId, payout.Id, payout.Attempt, payout.StripeAccountId!, amount, payout.Currency, "");

    /// <summary>
    /// The bank accounts the payee's Stripe account holds now, each one we had not been told of (its event may come hours
    /// late) told as Stripe's event would tell it; none when one of them waits for finance to check it with the payee,
    /// or the account was let go. The bank payout goes to the default of those, so one added after this is never paid.
    /// </summary>
    private async Task<(PayeeAccount Account, string? PayTo)?> BanksCheckedAsync(string payeeId, string stripeAccountId, string currency, CancellationToken ct)
    {
        // Dated before Stripe is asked: a bank added while it answers is not taken as part of the change known then.
        var asked = data.Store.Now;
        var banks = await stripe.BankAccountsAsync(stripeAccountId, ct);
        return await bankDetails.TellAsync(payeeId, stripeAccountId, [.. banks.Select(b => b.Id)], asked, listed: true, ct) is { PayChangeToConfirmSince: null } account
            ? (account, banks.FirstOrDefault(b => b.DefaultForCurrency && string.Equals(b.Currency, currency, StringComparison.OrdinalIgnoreCase))?.Id)
            : null;
    }
}

internal static class PayoutNews
{
    public static async Task TellFinanceAsync(PayoutData data, Notifier notifier, Payout payout, CancellationToken ct)
    {
        foreach (var approver in await data.FinanceApproversAsync(ct))
        {
            await notifier.SendOnceAsync(approver, Notices.PayoutFailed, $"payout-failed~{payout.Id}~{payout.Attempt}", ct);
        }
    }
}

/// <summary>
/// Every instance runs this: it leases due outbox items (an ETag-checked write, so one instance holds each) and
/// sends them in their agency's scope. A crash leaves the lease to run out; the next holder sends again with
/// the same idempotency keys. Stripe's transient failures wait for the lease too; its refusals fail the payout.
/// </summary>
internal sealed class PayoutSender(IServiceScopeFactory scopes, IDocumentStore store, TimeProvider time, IOptions<PayoutOptions> options, AppMetrics metrics, ILogger<PayoutSender> log)
    : PeriodicWork(time, log)
{
    public const string SystemUser = "system-payouts";

    /// <summary>How long an item whose approval never landed is kept before it is dropped.</summary>
    public static readonly TimeSpan ApprovalGrace = TimeSpan.FromMinutes(10);

    /// <summary>How long an approved payout waits before its payee's onboarding is looked at again.</summary>
    public static readonly TimeSpan PayeeWait = TimeSpan.FromHours(6);

    public const int Concurrency = 4;

    protected override TimeSpan Every => options.Value.SendEvery;

    protected override bool Enabled => options.Value.Stripe.Enabled && options.Value.SendInBackground;

    protected override Task RoundAsync(CancellationToken ct) => RunOnceAsync(ct);

    /// <summary>Sends what is due now; returns how many items it finished with.</summary>
    public async Task<int> RunOnceAsync(CancellationToken ct)
    {
        var finished = 0;
        string? token = null;
        do
        {
            var page = await store.QueryAsync<PayoutOutboxItem>(PayoutData.Container, new DocumentQuery
            {
                PartitionKey = PayoutOutboxItem.Partition,
                Type = DocumentTypes.Of<PayoutOutboxItem>(),
                Filters = [Filter.Le("dueAt", Time.GetUtcNow())],
                OrderBy = "dueAt",
                PageSize = DocumentQuery.MaxPageSize,
                ContinuationToken = token,
            }, ct);
            if (token is null && page.Items.Count > 0)
            {
                // Oldest first: how long the longest-waiting approved payout has waited for this round.
                metrics.OutboxWaited(Time.GetUtcNow() - page.Items[0].CreatedAt);
            }

            await Parallel.ForEachAsync(page.Items, new ParallelOptions { MaxDegreeOfParallelism = Concurrency, CancellationToken = ct }, async (item, itemCt) =>
            {
                if (await SendOneAsync(item, itemCt))
                {
                    Interlocked.Increment(ref finished);
                }
            });
            token = page.ContinuationToken;
        }
        while (token is not null);

        return finished;
    }

    private async Task<bool> SendOneAsync(PayoutOutboxItem item, CancellationToken ct)
    {
        var now = Time.GetUtcNow();
        PayoutOutboxItem leased;
        try
        {
            leased = await store.ReplaceAsync(PayoutData.Container, item with { DueAt = now + options.Value.Lease }, item.ETag!, ct);
        }
        catch (StoreException ex) when (ex.Kind is StoreErrorKind.PreconditionFailed or StoreErrorKind.NotFound)
        {
            return false;
        }

        try
        {
            await using var scope = scopes.CreateAgencyScope(item.AgencyId, SystemUser);
            var outcome = await scope.ServiceProvider.GetRequiredService<IMediator>().Send(new SendPayout(item.PayoutId, item.Attempt), ct);
            var later = outcome switch
            {
                SendOutcome.WaitingForPayee => now + PayeeWait,
                SendOutcome.NotApproved when now - item.CreatedAt < ApprovalGrace => now + TimeSpan.FromMinutes(1),
                _ => (DateTimeOffset?)null,
            };
            if (later is { } due)
            {
                await store.ReplaceAsync(PayoutData.Container, leased with { DueAt = due }, leased.ETag!, ct);
                return false;
            }

            await store.DeleteAsync(PayoutData.Container, leased.Id, PayoutOutboxItem.Partition, leased.ETag, ct);
            return true;
        }
        catch (Exception ex) when (ex is StripeGatewayException or StoreException or ConflictException or UnrecordedChangeException)
        {
            // Left leased: when the lease runs out, this or another instance sends it again with the same keys (and a
            // send made whose audit entry was lost is then audited, finding nothing left to send).
            PayoutLog.SendFailed(log, item.PayoutId, ex.GetType().Name);
            return false;
        }
    }
}

internal static partial class PayoutLog
{
    [LoggerMessage(Level = LogLevel.Warning, Message = "Payout {PayoutId} was not sent ({Failure}); it is tried again when its lease ends")]
    public static partial void SendFailed(ILogger logger, string payoutId, string failure);

    [LoggerMessage(Level = LogLevel.Information, Message = "Stripe event {EventId} ({EventType}) names nothing of ours; acknowledged")]
    public static partial void EventIgnored(ILogger logger, string eventId, string eventType);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Stripe event {EventId} ({EventType}) could not be acted on: Stripe refused to say more ({Code}); acknowledged")]
    public static partial void EventRefusedByStripe(ILogger logger, string eventId, string eventType, string code);

    [LoggerMessage(Level = LogLevel.Warning, Message = "A Stripe webhook was refused: {Reason}")]
    public static partial void WebhookRefused(ILogger logger, string reason);
}
