using Mediator;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using SurvivorConnect.Api.Features.Notifications;
using SurvivorConnect.Api.Features.Payouts.Rules;
using SurvivorConnect.Api.Features.People;
using SurvivorConnect.Api.Infrastructure.Auth;
using SurvivorConnect.Api.Infrastructure.Errors;
using SurvivorConnect.Api.Infrastructure.Hosting;
using SurvivorConnect.Api.Infrastructure.Pipeline;
using SurvivorConnect.Storage;

namespace SurvivorConnect.Api.Features.Payouts;

/// <summary>
/// A change to how someone is paid that waits for finance to check it with them (<see cref="PayoutRules.PayChangeToConfirm"/>):
/// someone holding a survivor's phone could otherwise send their pay to their own bank account, unseen.
/// </summary>
/// <param name="ChangedAt">The latest change: each one made while the check waits is part of what finance checks.</param>
/// <param name="Version">What finance decides on (<see cref="PayeeAccount.PayChangeVersion"/>): a change made since answers 412, to be checked with them too.</param>
public sealed record PayChangeToCheck(string PersonId, string? Name, PayeeMethod? Method, DateTimeOffset Since, DateTimeOffset? ChangedAt, string Version);

public sealed record ListPayChangesToCheck : IQuery<IReadOnlyList<PayChangeToCheck>>, IAudited
{
    public AuditTarget Audit => new("payee.list-pay-changes", "payee-account");
}

public sealed record PayChangeDecision(bool? MadeByThem);

/// <summary>
/// Finance says whether the payee made the change, having asked them by phone or in person. Made by them: their pay
/// goes the new way. Not made by them: the Stripe account it named is let go (nothing more is sent to it), and they are
/// paid by check, their approved payouts Stripe has not started too, until they choose again. <paramref name="IfMatch"/> is
/// the version finance read the change at.
/// </summary>
public sealed record DecidePayChange(string PersonId, PayChangeDecision Body, string? IfMatch) : ICommand<PayChangeDecided>, IValidate, IAudited
{
    public AuditTarget Audit => new("payee.pay-change-checked", "payee-account", PersonId);

    public void Validate(ValidationErrors errors)
    {
        if (Body.MadeByThem is null)
        {
            errors.Add("madeByThem", "Say whether they made this change, once you have asked them.");
        }
    }
}

public sealed record PayChangeDecided(string PersonId, bool MadeByThem);

/// <summary>Finance and the payee hear of each change waiting to be checked, once.</summary>
internal sealed class PayChangeNews(PayoutData data, Notifier notifier)
{
    public async Task TellAsync(PayeeAccount account, CancellationToken ct)
    {
        if (account.PayChangeToConfirmSince is not { } since)
        {
            return;
        }

        // Each change is told, those made while an earlier one waits too: finance checks all of them with the payee.
        var about = $"pay-change~{account.PersonId}~{(account.PayChangedAt ?? since).UtcTicks}";
        var approvers = (await data.FinanceApproversAsync(ct)).Where(a => a != account.PersonId).ToList();

        // A payee who is the only finance approver cannot check their own: the admins are asked to give it to another.
        foreach (var checker in approvers.Count > 0 ? approvers : (await data.Store.ActiveIdsWithRoleAsync(Roles.AgencyAdmin, ct)).Where(a => a != account.PersonId))
        {
            await notifier.SendOnceAsync(checker, Notices.PayChangeToCheck, about, ct);
        }

        await notifier.SendOnceAsync(account.PersonId, Notices.YourPayChanged, about, ct);
    }
}

/// <summary>
/// Bank details given at Stripe (on its pages, or in its dashboard, where someone holding the payee's phone can sign in)
/// that we had not been told of: told by Stripe's event, or found by the sender just before money moves, as the event
/// may come hours late. As a change made here, one that could send a payee's pay elsewhere waits for finance to check
/// it with them: for a payee paid before, or whose first bank details are known already. One made while a check waits
/// is part of it, and told again. Details given no later than the latest change finance checked with them, or than the
/// latest change already known, are part of that change (Stripe may deliver late).
/// </summary>
internal sealed class BankDetailsNews(PayoutData data, PayChangeNews payChanges)
{
    /// <param name="listed">All the account holds, as the sender listed it (not one bank's event).</param>
    /// <returns>The payee's account as it now stands; none when it no longer names that Stripe account.</returns>
    public async Task<PayeeAccount?> TellAsync(
        string personId, string stripeAccountId, IReadOnlyCollection<string> banks, DateTimeOffset happened, bool listed, CancellationToken ct)
    {
        for (var tries = 0; ; tries++)
        {
            var account = await data.AccountAsync(personId, ct);
            if (account.StripeAccountId != stripeAccountId)
            {
                return null;
            }

            var known = account.KnownBanks ?? [];
            var news = banks.Except(known, StringComparer.Ordinal).ToList();
            if (news.Count == 0 && account.KnownBanks is not null)
            {
                return account;
            }

            // An account opened before banks were kept: what it holds when first listed is taken as known, its news having
            // been judged as it came (each event since, judged as ever, and the sender's listings, keep it from then on).
            var firstListing = listed && account.KnownBanks is null;
            var partOfKnownChange = firstListing || account.PayChangeCheckedThrough >= happened || account.PayChangedAt >= happened;
            // Judged as a change to Stripe pay whatever way they are paid now: a bank added while they are paid by check
            // would otherwise be known, unchecked, by the time they come back to Stripe, and be paid to.
            var toCheck = !partOfKnownChange && (account.PayChangeToConfirmSince is not null
                || PayoutRules.PayChangeToConfirm(known.Count > 0 || await data.PaidBeforeAsync(account, ct), PayeeMethod.Stripe, PayeeMethod.Stripe, bankDetailsGiven: true));
            try
            {
                var saved = await data.SaveAccountAsync(account with
                {
                    KnownBanks = [.. known, .. news],
                    PayChangedAt = partOfKnownChange ? account.PayChangedAt : happened,
                    PayChangeToConfirmSince = toCheck ? account.PayChangeToConfirmSince ?? data.Store.Now : account.PayChangeToConfirmSince,
                    ChangedAt = data.Store.Now,
                }, ct);
                if (!partOfKnownChange)
                {
                    await payChanges.TellAsync(saved, ct);
                }

                return saved;
            }
            catch (Storage.StoreException ex) when (ex.Kind == Storage.StoreErrorKind.PreconditionFailed && tries < 5)
            {
                // Written meanwhile (another delivery, the sender, the payee's own change): read again.
            }
        }
    }
}

internal sealed class PayChangeHandlers(PayoutData data)
    : IQueryHandler<ListPayChangesToCheck, IReadOnlyList<PayChangeToCheck>>,
      ICommandHandler<DecidePayChange, PayChangeDecided>
{
    public async ValueTask<IReadOnlyList<PayChangeToCheck>> Handle(ListPayChangesToCheck query, CancellationToken ct)
    {
        var waiting = await data.Store.AllAsync<PayeeAccount>(PayoutData.Container, [Filter.Le("payChangeToConfirmSince", data.Store.Now)], ct);
        var names = await data.NamesAsync(waiting.Select(a => a.PersonId), ct);
        return [.. waiting.OrderBy(a => a.PayChangeToConfirmSince)
            .Select(a => new PayChangeToCheck(a.PersonId, names.GetValueOrDefault(a.PersonId), a.Method, a.PayChangeToConfirmSince!.Value, a.PayChangedAt, a.PayChangeVersion!))];
    }

    public async ValueTask<PayChangeDecided> Handle(DecidePayChange command, CancellationToken ct)
    {
        if (command.PersonId == data.Store.User.UserId)
        {
            throw new ForbiddenException("This is how you are paid: another finance approver checks it with you.");
        }

        var ifMatch = command.IfMatch ?? throw new PreconditionRequiredException();
        var madeByThem = command.Body.MadeByThem!.Value;

        // Said to be theirs, the change sends their waiting pay the new way: not on the word of someone who alone approved
        // some of that pay (who would then both vouch for the bank and have sent the money there).
        if (madeByThem && (await data.PayoutsAsync([Filter.Eq("payeeId", command.PersonId)], ct)).Any(p =>
                p.Method == PayeeMethod.Stripe && p.State is PayoutState.Approved or PayoutState.Sending && p.BankPayoutId is null
                && p.Approvals.Count > 0 && p.Approvals.All(a => a.By == data.Store.User.UserId)))
        {
            throw new ForbiddenException("You alone approved pay of theirs that waits on this change: another finance approver checks it with them.");
        }
        PayeeAccount saved;
        for (var attempt = 1; ; attempt++)
        {
            var account = PeopleRules.IsValidId(command.PersonId) ? await data.AccountAsync(command.PersonId, ct) : null;
            if (account?.PayChangeToConfirmSince is null)
            {
                throw new ConflictException("No change to how they are paid is waiting to be checked (another finance approver may have just checked it).");
            }

            // Decided on the change finance read: one made since (more bank details given) is checked with them too. Letting
            // the account go covers any change since in the same check, so whoever holds the phone cannot keep finance from
            // it with more; never a check begun after the one read (that one was decided, and this is news nobody saw).
            if (madeByThem ? account.PayChangeVersion != ifMatch : !account.IsOfWaitingCheck(ifMatch))
            {
                throw new StoreException(StoreErrorKind.PreconditionFailed, "Another change to how they are paid came since you read it: check that one with them too.");
            }

            var checkedNow = account with
            {
                PayChangeToConfirmSince = null,
                PayChangeCheckedBy = data.Store.User.UserId,
                PayChangeCheckedAt = data.Store.Now,
                PayChangeCheckedThrough = account.PayChangedAt ?? account.PayChangeToConfirmSince,
                ChangedAt = data.Store.Now,
            };
            try
            {
                saved = await data.SaveAccountAsync(madeByThem
                    ? checkedNow
                    : checkedNow with
                    {
                        // Someone paid by prepaid card keeps it: a check mailed to them is what they chose not to have.
                        Method = account.Method is PayeeMethod.PrepaidCard ? PayeeMethod.PrepaidCard : PayeeMethod.Check,
                        StripeAccountId = null, StripeReady = false, PayChangedAt = data.Store.Now, KnownBanks = null,
                        StripeAccountsLetGo = account.StripeAccountId is { } letGo ? [.. account.StripeAccountsLetGo, letGo] : account.StripeAccountsLetGo,
                    }, ct);
                break;
            }
            catch (StoreException ex) when (ex.Kind == StoreErrorKind.PreconditionFailed && attempt < 3)
            {
                // Written meanwhile by something else (a payout approved, Stripe's readiness): read again.
            }
        }

        if (!madeByThem)
        {
            await data.PayOutsideAsync(saved.PersonId, saved.Method!.Value, data.Store.User.UserId, ct);
        }
        else if (saved.StripeReady)
        {
            await StatementHandlers.QueueWaitingAsync(data, saved.PersonId, ct);
        }

        return new PayChangeDecided(saved.PersonId, madeByThem);
    }
}

/// <summary>
/// Someone who ends all their sign-ins may have lost their phone: a recent change to how they are paid through Stripe,
/// which whoever held it could have made, is checked with them again before more money goes that way.
/// </summary>
internal sealed class PayChangeOnSignOutHandler(PayoutData data, PayChangeNews news) : INotificationHandler<SignInsEnded>
{
    public async ValueTask Handle(SignInsEnded notification, CancellationToken ct)
    {
        var account = await data.AccountAsync(notification.PersonId, ct);
        if (account is not { Method: PayeeMethod.Stripe, PayChangedAt: { } changedAt, PayChangeToConfirmSince: null }
            || changedAt < data.Store.Now - PayoutRules.PayChangeRecheckedOnSignOut
            || account.PayChangeCheckedThrough >= changedAt)
        {
            return;
        }

        await news.TellAsync(await data.SaveAccountAsync(account with { PayChangeToConfirmSince = data.Store.Now, ChangedAt = data.Store.Now }, ct), ct);
    }
}

public static class PayChangeEndpoints
{
    public static IEndpointRouteBuilder MapPayChanges(this IEndpointRouteBuilder app)
    {
        var payees = app.MapGroup("/api/payouts/payees").WithTags("Payouts").RequireAuthorization(Policies.FinanceApprover);
        payees.MapGet("/pay-changes", ListPayChangesToCheck).WithName(nameof(ListPayChangesToCheck))
            .WithSummary("Changes to how someone is paid that wait for you to check them with the payee before money goes that way.");
        payees.MapPost("/{personId}/pay-change", DecidePayChange).WithName(nameof(DecidePayChange))
            .WithSummary("Say whether the payee made the change, once you have asked them by phone or in person (If-Match: the version listed).")
            .ProducesProblem(StatusCodes.Status409Conflict).ProducesProblem(StatusCodes.Status412PreconditionFailed).ProducesProblem(StatusCodes.Status428PreconditionRequired);
        return app;
    }

    private static async Task<Ok<IReadOnlyList<PayChangeToCheck>>> ListPayChangesToCheck(IMediator mediator, CancellationToken ct) =>
        TypedResults.Ok(await mediator.Send(new ListPayChangesToCheck(), ct));

    private static async Task<Ok<PayChangeDecided>> DecidePayChange(
        IMediator mediator, string personId, PayChangeDecision body, [FromHeader(Name = "If-Match")] string? ifMatch, CancellationToken ct) =>
        TypedResults.Ok(await mediator.Send(new DecidePayChange(personId, body, ifMatch), ct));
}
