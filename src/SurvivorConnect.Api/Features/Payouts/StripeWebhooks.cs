using System.Globalization;
using Mediator;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Stripe;
using SurvivorConnect.Api.Features.Notifications;
using SurvivorConnect.Api.Features.Payouts.Rules;
using SurvivorConnect.Api.Features.People;
using SurvivorConnect.Api.Infrastructure.Auth;
using SurvivorConnect.Api.Infrastructure.Errors;
using SurvivorConnect.Api.Infrastructure.Pipeline;

namespace SurvivorConnect.Api.Features.Payouts;

/// <summary>What a verified Stripe event says about one of our payouts or payee accounts.</summary>
/// <summary>
/// <paramref name="Amount"/> is what Stripe moved, in minor units; a payout event for another amount than ours,
/// or a reversal of only part of a transfer, moves nothing (the reconciliation shows it).
/// </summary>
/// <param name="Account">The connected account the event came from (a bank payout's); none for the platform's own.</param>
/// <param name="HappenedAt">When Stripe made the event: a payment is dated by it, not by when it reached us (Stripe tries again for days).</param>
/// <param name="BankAccountId">The bank account or card an account's bank details event is about.</param>
public sealed record ApplyStripeEvent(
    string EventId, string EventType, string ObjectId, string? PayoutId, int? Attempt, string? PersonId, string? FailureCode, long? Amount = null,
    string? Account = null, DateTimeOffset? HappenedAt = null, string? BankAccountId = null)
    : ICommand<bool>, IAudited
{
    public AuditTarget Audit => new("payout.stripe-event", PayoutId is null ? "payee-account" : "payout", PayoutId ?? PersonId);
}

/// <summary>
/// <c>POST /webhooks/stripe</c>: Stripe's news, verified with the endpoint's signing secret (a bad, missing or
/// stale signature is a 400 and changes nothing). Our objects carry the agency and payout in their metadata;
/// an event that names nothing of ours is logged by id and acknowledged.
/// </summary>
internal static class StripeWebhook
{
    public const int MaxBodyBytes = 256 * 1024;

    public static async Task<Results<Ok, ProblemHttpResult>> Receive(
        HttpContext context, IOptions<PayoutOptions> options, TimeProvider time, IServiceScopeFactory scopes, IStripeGateway gateway, ILogger<PayoutSender> log,
        CancellationToken ct)
    {
        var stripe = options.Value.Stripe;
        if (!stripe.Enabled)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status503ServiceUnavailable, title: "Payouts through Stripe are off on this server.");
        }

        if (context.Request.ContentLength is > MaxBodyBytes)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status413PayloadTooLarge, title: "Too large.");
        }

        using var reader = new StreamReader(context.Request.Body);
        var json = await reader.ReadToEndAsync(ct);
        Event? stripeEvent = null;
        try
        {
            var signature = context.Request.Headers["Stripe-Signature"].ToString();
            var now = time.GetUtcNow().ToUnixTimeSeconds();
            foreach (var secret in stripe.WebhookSecrets)
            {
                try
                {
                    stripeEvent = EventUtility.ConstructEvent(json, signature, secret, stripe.ToleranceSeconds, now, throwOnApiVersionMismatch: false);
                    break;
                }
                catch (StripeException)
                {
                    // Signed for the other endpoint, or not by Stripe at all: the next secret, or a refusal below.
                }
            }
        }
        catch (Exception ex) when (ex is Newtonsoft.Json.JsonException or System.Text.Json.JsonException or ArgumentException)
        {
            PayoutLog.WebhookRefused(log, "body");
            return TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "The body is not a Stripe event.");
        }

        if (stripeEvent is null)
        {
            PayoutLog.WebhookRefused(log, "signature");
            return TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "The Stripe signature is missing, wrong or too old.");
        }

        var (agencyId, command) = Read(stripeEvent);
        try
        {
            if (command is { EventType: EventTypes.AccountExternalAccountCreated, ObjectId: { Length: > 0 } account })
            {
                // Bank details carry none of our metadata: the account they belong to says whose they are.
                (agencyId, var personId) = await gateway.AccountOwnerAsync(account, ct);
                command = command with { PersonId = personId };
            }
        }
        catch (StripeGatewayException ex) when (!ex.Permanent)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status503ServiceUnavailable, title: "Stripe could not be asked about this just now.");
        }
        catch (StripeGatewayException ex)
        {
            PayoutLog.EventRefusedByStripe(log, stripeEvent.Id, stripeEvent.Type, ex.Code);
            return TypedResults.Ok();
        }

        if (agencyId is null || command is null || !PeopleRules.IsValidId(agencyId))
        {
            PayoutLog.EventIgnored(log, stripeEvent.Id, stripeEvent.Type);
            return TypedResults.Ok();
        }

        await using var scope = scopes.CreateAgencyScope(agencyId, PayoutSender.SystemUser);
        try
        {
            if (!await scope.ServiceProvider.GetRequiredService<IMediator>().Send(command, ct))
            {
                PayoutLog.EventIgnored(log, stripeEvent.Id, stripeEvent.Type);
            }
        }
        catch (StripeGatewayException ex) when (!ex.Permanent)
        {
            // Stripe sends the event again later, when it may answer.
            return TypedResults.Problem(statusCode: StatusCodes.Status503ServiceUnavailable, title: "Stripe could not be asked about this just now.");
        }
        catch (StripeEventTooEarlyException)
        {
            // Stripe sends it again later (for days), by when the send it is about has recorded what it made.
            return TypedResults.Problem(statusCode: StatusCodes.Status503ServiceUnavailable, title: "Not ready for this event yet.");
        }
        catch (StripeGatewayException ex)
        {
            // Stripe refuses for good to say more (an account disconnected from the platform, say): sent again, the event
            // would meet the same refusal for days. A transfer to that account fails on its own, and finance is told.
            PayoutLog.EventRefusedByStripe(log, stripeEvent.Id, stripeEvent.Type, ex.Code);
        }

        return TypedResults.Ok();
    }

    private static (string? AgencyId, ApplyStripeEvent? Command) Read(Event e) => e.Data?.Object switch
    {
        // A bank payout cancelled at Stripe never reaches the bank: for finance it failed, and may be sent again.
        Stripe.Payout p when e.Type is EventTypes.PayoutPaid or EventTypes.PayoutFailed or EventTypes.PayoutCanceled =>
            (Meta(p.Metadata, "agency_id"), new ApplyStripeEvent(e.Id, e.Type, p.Id, Meta(p.Metadata, "payout_id"), Attempt(p.Metadata), null,
                e.Type == EventTypes.PayoutCanceled ? p.FailureCode ?? "payout_canceled" : p.FailureCode, p.Amount,
                e.Account, new DateTimeOffset(DateTime.SpecifyKind(e.Created, DateTimeKind.Utc)))),
        Transfer t when e.Type == EventTypes.TransferReversed && t.Reversed =>
            (Meta(t.Metadata, "agency_id"), new ApplyStripeEvent(e.Id, e.Type, t.Id, Meta(t.Metadata, "payout_id"), Attempt(t.Metadata), null, "transfer_reversed", t.Amount)),
        Account a when e.Type == EventTypes.AccountUpdated =>
            (Meta(a.Metadata, "agency_id"), new ApplyStripeEvent(e.Id, e.Type, a.Id, null, null, Meta(a.Metadata, "person_id"), null)),
        // A bank account or card added: one cannot be changed at Stripe, only another added (its updates are its status).
        IExternalAccount bank when e.Type == EventTypes.AccountExternalAccountCreated && e.Account is { } account && bank.Id is { Length: > 0 } =>
            (null, new ApplyStripeEvent(e.Id, e.Type, account, null, null, null, null, HappenedAt: new DateTimeOffset(DateTime.SpecifyKind(e.Created, DateTimeKind.Utc)),
                BankAccountId: bank.Id)),
        _ => (null, null),
    };

    private static string? Meta(Dictionary<string, string>? metadata, string key) => metadata?.GetValueOrDefault(key);

    private static int? Attempt(Dictionary<string, string>? metadata) =>
        int.TryParse(Meta(metadata, "attempt"), NumberStyles.None, CultureInfo.InvariantCulture, out var attempt) ? attempt : null;
}

/// <summary>An event about something of ours not yet recorded as made: Stripe is asked to send it again later.</summary>
public sealed class StripeEventTooEarlyException() : Exception("The event came before what it is about was recorded.");

/// <summary>
/// Acts on one Stripe event once: the event's record is written in the same transaction as the change, so of
/// five deliveries at once one changes the payout and the rest find it done. Events only ever move a payout
/// forward (see <see cref="PayoutRules.StripeMoves"/>), so the order they come in does not change the end.
/// </summary>
internal sealed class ApplyStripeEventHandler(PayoutData data, Notifier notifier, IStripeGateway stripe, BankDetailsNews bankDetails) : ICommandHandler<ApplyStripeEvent, bool>
{
    public async ValueTask<bool> Handle(ApplyStripeEvent command, CancellationToken ct)
    {
        if (command.EventType == EventTypes.AccountUpdated)
        {
            return await AccountAsync(command, ct);
        }

        if (command.EventType == EventTypes.AccountExternalAccountCreated)
        {
            return await BankDetailsAsync(command, ct);
        }

        var target = command.EventType switch
        {
            EventTypes.PayoutPaid => PayoutState.Paid,
            EventTypes.PayoutFailed or EventTypes.PayoutCanceled => PayoutState.Failed,
            _ => PayoutState.Reversed,
        };
        for (var tries = 0; ; tries++)
        {
            var known = await data.Store.ReadAsync<StripeEventRecord>(PayoutData.Container, StripeEventRecord.IdFor(command.EventId), data.Store.AgencyId, ct) is not null;
            var payout = command.PayoutId is { Length: <= 200 } id && id.StartsWith("payout~", StringComparison.Ordinal)
                ? await data.Store.ReadAsync<Payout>(PayoutData.Container, id, data.Store.AgencyId, ct)
                : null;
            if (known)
            {
                // Delivered again, perhaps because its telling failed after the payout was saved: whoever is to hear of
                // it, while it still stands, hears now (once for the attempt, however often Stripe delivers it).
                if (payout is not null && payout.State == target && payout.Method == PayeeMethod.Stripe && Concerns(payout, command))
                {
                    await TellAsync(payout, ct);
                }

                return true;
            }

            // The transfer's reversal came before its send recorded the transfer (the answer lost, the instance gone): acted
            // on now it would be lost, since nothing would know the transfer; a delivery after the send resumes finds it.
            if (payout is { TransferId: null, State: PayoutState.Sending, Method: PayeeMethod.Stripe } && command.EventType == EventTypes.TransferReversed
                && command.Attempt == payout.Attempt)
            {
                throw new StripeEventTooEarlyException();
            }

            if (payout is null || !Concerns(payout, command) || payout.Method != PayeeMethod.Stripe
                || command.Amount is { } amount && amount != Money.ToMinorUnits(payout.Total, payout.Currency))
            {
                return false;
            }

            // News that moves nothing (late, or told twice) is only noted: rewriting the payout would make a finance
            // approver's next step on it refused as out of date.
            if (!PayoutRules.StripeMoves(payout.State, target))
            {
                await data.NoteEventAsync(command.EventId, command.EventType, ct);
                return true;
            }

            var paidAt = command.HappenedAt is { } happened && happened < data.Store.Now ? happened : data.Store.Now;
            var year = (await data.CalendarAsync(ct)).DayOf(paidAt).Year;
            var after = payout with
            {
                State = target,
                PaidAt = target == PayoutState.Paid ? paidAt : payout.PaidAt,
                Year = target == PayoutState.Paid ? year : payout.Year,
                FailureCode = target == PayoutState.Paid ? null : command.FailureCode ?? "failed",
                BankPayoutId = command.EventType.StartsWith("payout.", StringComparison.Ordinal) ? payout.BankPayoutId ?? command.ObjectId : payout.BankPayoutId,
            };

            try
            {
                await data.SaveAsync(payout, after, command.EventId, command.EventType, payout.TransferId, ct: ct);
            }
            catch (ConflictException) when (tries < 5)
            {
                continue;
            }

            await TellAsync(after, ct);

            return true;
        }
    }

    /// <summary>
    /// Whether the event is about this payout as it stands: a bank payout is made again on each attempt, so its news
    /// must be the current attempt's, from the payee's own account, and about the bank payout made for it once known (a
    /// second one made for the same attempt must not have the first one's failure undo its success); the transfer is
    /// made once and kept by a retry, so its reversal is known by its id.
    /// </summary>
    private static bool Concerns(Payout payout, ApplyStripeEvent command) => command.EventType == EventTypes.TransferReversed
        ? payout.TransferId is not null && payout.TransferId == command.ObjectId
        : payout.Attempt == command.Attempt && payout.StripeAccountId is not null && command.Account == payout.StripeAccountId
            && (payout.BankPayoutId is null || payout.BankPayoutId == command.ObjectId);

    private async Task TellAsync(Payout payout, CancellationToken ct)
    {
        if (payout.State == PayoutState.Paid)
        {
            await notifier.SendOnceAsync(payout.PayeeId, Notices.PayoutSent, $"payout-paid~{payout.Id}~{payout.Attempt}", ct);
        }
        else
        {
            await PayoutNews.TellFinanceAsync(data, notifier, payout, ct);
        }
    }

    private async Task<bool> BankDetailsAsync(ApplyStripeEvent command, CancellationToken ct) =>
        command.PersonId is { } personId && PeopleRules.IsValidId(personId) && command.BankAccountId is { } bank
        && await bankDetails.TellAsync(personId, command.ObjectId, [bank], command.HappenedAt is { } at && at < data.Store.Now ? at : data.Store.Now, listed: false, ct) is not null;

    private async Task<bool> AccountAsync(ApplyStripeEvent command, CancellationToken ct)
    {
        if (command.PersonId is not { } personId || !PeopleRules.IsValidId(personId))
        {
            return false;
        }

        // Stripe sends an account's news in no set order (a late delivery of an older "ready" may come after "not
        // ready"): what Stripe says of the account now decides, not what the event carried.
        bool? ready = null;
        for (var tries = 0; ; tries++)
        {
            var account = await data.AccountAsync(personId, ct);
            if (account.StripeAccountId != command.ObjectId)
            {
                return false;
            }

            ready ??= await stripe.PayoutsEnabledAsync(command.ObjectId, ct);
            if (account.StripeReady == ready)
            {
                return true;
            }

            try
            {
                await data.SaveAccountAsync(account with { StripeReady = ready.Value, ChangedAt = data.Store.Now }, ct);
                break;
            }
            catch (Storage.StoreException ex) when (ex.Kind == Storage.StoreErrorKind.PreconditionFailed && tries < 5)
            {
                // Written meanwhile (another delivery, or a payout approved, which writes the account back): read again.
            }
        }

        if (ready.Value)
        {
            await StatementHandlers.QueueWaitingAsync(data, personId, ct);
        }

        return true;
    }
}
