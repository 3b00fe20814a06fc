using Mediator;
using SurvivorConnect.Api.Features.Engagements;
using SurvivorConnect.Api.Features.Engagements.Rules;
using SurvivorConnect.Api.Features.Notifications;
using SurvivorConnect.Api.Features.People;
using SurvivorConnect.Api.Features.Payouts.Rules;
using SurvivorConnect.Api.Infrastructure.Auth;
using SurvivorConnect.Api.Infrastructure.Errors;
using SurvivorConnect.Api.Infrastructure.Pipeline;
using SurvivorConnect.Storage;

namespace SurvivorConnect.Api.Features.Payouts;

public sealed record PayoutView(
    string Id, string OpportunityId, string OpportunityTitle, string SessionId, DateOnly SessionDate, string PayeeId, string? PayeeName,
    IReadOnlyList<PayoutLine> Lines, decimal Compensation, decimal Reimbursement, decimal Total, string Currency, PayoutState State,
    string CreatedBy, DateTimeOffset CreatedAt, int ApprovalsNeeded, IReadOnlyList<PayoutApproval> Approvals, PayeeMethod? Method,
    string? OutsideReference, string? FailureCode, DateTimeOffset? PaidAt, string? WhyYouCannotApprove, bool MayCancel, string Version = "",
    string? WhyYouCannotRecordPaid = null, string? WhyYouCannotSetAside = null)
{
    /// <summary>
    /// What the payee sees: everything about the money, nothing about who in finance handled it or why a payout failed
    /// inside the agency (an approver gone, say), which finance tells them in words if it matters.
    /// </summary>
    public static PayoutView ForPayee(Payout p) => From(p, null, null) with { CreatedBy = "", Approvals = [], FailureCode = null };

    /// <param name="viewer">Who reads it, with who had a hand in the payout, for why they may not approve it or record it paid; null for the payee.</param>
    public static PayoutView From(Payout p, string? payeeName, (string Id, PayoutHands Hands)? viewer) => new(
        p.Id, p.OpportunityId, p.OpportunityTitle, p.SessionId, p.SessionDate, p.PayeeId, payeeName, p.Lines, p.Compensation, p.Reimbursement, p.Total,
        p.Currency, p.State, p.CreatedBy, p.CreatedAt, p.ApprovalsNeeded, p.Approvals, p.Method, p.OutsideReference, p.FailureCode, p.PaidAt,
        viewer is { } v ? PayoutRules.WhyNotApprove(v.Id, v.Hands, p.State, p.ApprovalsNeeded, [.. p.Approvals.Select(a => a.By)]) : null,
        // Set aside by another approver, a check may be on its way: they cancel it (see CancelPayout).
        PayoutRules.CanCancel(p.State, p.TransferId) && (viewer is not { } c || p.SetAsideBy is null || p.SetAsideBy == c.Id), p.ETag ?? "",
        viewer is { } w ? PayoutRules.WhyNotPay(w.Id, w.Hands, PayoutRules.RecordItsPayment) : null,
        viewer is { } a ? PayoutRules.WhyNotPay(a.Id, a.Hands, PayoutRules.SetItAside) : null);
}

public sealed record PreparePayoutsRequest(string? OpportunityId);

/// <summary>Turns an opportunity's recorded claims into payouts waiting for approval, each calculated line by line.</summary>
public sealed record PreparePayouts(PreparePayoutsRequest Body) : ICommand<IReadOnlyList<PayoutView>>, IValidate, IAudited
{
    public AuditTarget Audit => new("payout.prepare", "opportunity", Body.OpportunityId);

    public void Validate(ValidationErrors errors) => errors.Text("opportunityId", Body.OpportunityId, 64);
}

/// <summary>An opportunity with recorded claims not yet sent to finance.</summary>
public sealed record ClaimsToPayView(string OpportunityId, string Title, int Claims, int People, decimal Estimate, string Currency);

public sealed record ListClaimsToPay : IQuery<IReadOnlyList<ClaimsToPayView>>;

/// <summary>
/// The agency's payouts, newest first, a page at a time; narrowed by payee, or by state: one, or several separated by
/// commas. Several states are one list in one order, so a payout that moves between them while the pages are read
/// is listed once.
/// </summary>
public sealed record ListPayouts(string? State, string? PayeeId, int PageSize = Paging.DefaultPageSize, string? ContinuationToken = null)
    : IQuery<Page<PayoutView>>, IValidate, IAudited
{
    public AuditTarget Audit => new("payout.list", "payout");

    public IReadOnlyList<string> States => State is null ? [] : State.Split(',', StringSplitOptions.TrimEntries);

    public void Validate(ValidationErrors errors)
    {
        Paging.Validate(errors, PageSize);
        if (States.Any(state => !EnumNames.TryParse(state, out PayoutState _)))
        {
            errors.OneOf<PayoutState>("state", null);
        }

        errors.Text("payeeId", PayeeId, 128, required: false);
    }
}

public sealed record GetPayout(string Id) : IQuery<PayoutView>, IAudited
{
    public AuditTarget Audit => new("payout.read", "payout", Id);
}

/// <summary>
/// A finance approver approves; above the agency's amount a second, different approver must too. Each step on a payout
/// names the version it was shown at (<c>IfMatch</c>, 428 without it): a payout cancelled and prepared again keeps its
/// id, and an approval from the card of the old one would approve an amount nobody saw.
/// </summary>
public sealed record ApprovePayout(string Id, string? IfMatch = null) : ICommand<PayoutView>, IAudited
{
    public AuditTarget Audit => new("payout.approve", "payout", Id);
}

public sealed record CancelPayout(string Id, string? IfMatch = null) : ICommand<PayoutView>, IAudited
{
    public AuditTarget Audit => new("payout.cancel", "payout", Id);
}

/// <param name="PaidOn">
/// The day the check was mailed or the card given, by the agency's calendar; today when left out. It decides the tax
/// year, so a check mailed on 30 December and recorded on 5 January is December's income, as the payee knows it.
/// </param>
public sealed record PaidOutsideRequest(string? Reference, DateOnly? PaidOn = null);

/// <summary>Finance paid an approved payout by check or prepaid card, and records the reference.</summary>
public sealed record RecordPaidOutside(string Id, PaidOutsideRequest Body, string? IfMatch = null) : ICommand<PayoutView>, IValidate, IAudited
{
    public AuditTarget Audit => new("payout.paid-outside", "payout", Id);

    public void Validate(ValidationErrors errors) => errors.Text("reference", Body.Reference, 100);
}

/// <summary>
/// Finance will pay an approved payout another way (a check, a prepaid card) rather than through Stripe: it is taken out
/// of Stripe's hands first, so the sender cannot pay it too while the check is being written.
/// </summary>
public sealed record SetPayoutAside(string Id, string? IfMatch = null) : ICommand<PayoutView>, IAudited
{
    public AuditTarget Audit => new("payout.set-aside", "payout", Id);
}

/// <summary>Finance sends a failed payout again, as a new attempt: nothing is retried by itself.</summary>
public sealed record RetryPayout(string Id, string? IfMatch = null) : ICommand<PayoutView>, IAudited
{
    public AuditTarget Audit => new("payout.retry", "payout", Id);
}

internal sealed partial class PayoutHandlers(PayoutData data, EngagementData engagements, Notifier notifier, ILogger<PayoutHandlers> logger)
    : ICommandHandler<PreparePayouts, IReadOnlyList<PayoutView>>,
      IQueryHandler<ListClaimsToPay, IReadOnlyList<ClaimsToPayView>>,
      IQueryHandler<ListPayouts, Page<PayoutView>>,
      IQueryHandler<GetPayout, PayoutView>,
      ICommandHandler<ApprovePayout, PayoutView>,
      ICommandHandler<CancelPayout, PayoutView>,
      ICommandHandler<RecordPaidOutside, PayoutView>,
      ICommandHandler<SetPayoutAside, PayoutView>,
      ICommandHandler<RetryPayout, PayoutView>
{
    private string Me => data.Store.User.UserId;

    public async ValueTask<IReadOnlyList<PayoutView>> Handle(PreparePayouts command, CancellationToken ct)
    {
        // Nobody prepares the pay of work they hold, or held, a place in, a finance approver no more than a recruiter:
        // preparing it again would also undo colleagues' approvals of their own payout.
        var opportunity = await engagements.OpportunityToManageAsync(command.Body.OpportunityId!, ct);
        var claims = await data.Store.AllAsync<CompensationClaim>(EngagementData.Container, [Filter.Eq("opportunityId", opportunity.Id)], ct);
        var rates = await data.RatesAsync(ct);
        var settings = await data.SettingsAsync(ct);
        var cap = opportunity.ReceiptCapApplying(await engagements.SettingsAsync(ct));
        var prepared = new List<Payout>();
        var held = 0;
        foreach (var claim in claims.Where(c => c.State == ClaimState.Open))
        {
            var session = opportunity.Sessions.FirstOrDefault(s => s.Id == claim.SessionId)
                ?? throw new ConflictException("A claim is for a session no longer on the opportunity; put the session back or ask the recruiter to record attendance again.");
            var calculation = Calculate(opportunity, session, claim, rates, cap);
            if (calculation.Total <= 0)
            {
                await WithdrawUnapprovedAsync(claim, ct);
                continue;
            }

            var (payout, live) = await CreateOrRenewAsync(opportunity, session, claim, calculation, settings, ct);
            if (payout is not null)
            {
                prepared.Add(payout);
            }

            // A payout approved or sent from the claim as it was stands; the changed claim stays open, not marked as
            // gone to finance, so its difference is not lost (nor the old amount made to look current).
            if (live is not null && PayoutData.ClaimChanged(live, claim))
            {
                held++;
                continue;
            }

            await data.Store.ReplaceAsync(EngagementData.Container, claim with { State = ClaimState.Submitted }, claim.ETag!, ct);
        }

        if (held > 0)
        {
            throw new ConflictException(
                $"{held} claim(s) changed after their payout was approved. In Finance, cancel that payout (one not yet sent), then send the claims again; the others were sent.");
        }

        return await ViewsAsync(prepared, ct);
    }

    public async ValueTask<IReadOnlyList<ClaimsToPayView>> Handle(ListClaimsToPay query, CancellationToken ct)
    {
        // Work the viewer has or had a place in is left out: with few others in it, its total less their own is someone's pay.
        var theirs = (await data.Store.AllAsync<Participation>(EngagementData.Container, [Filter.Eq("personId", data.Store.User.UserId)], ct))
            .Where(p => p.HoldsOrHeld).Select(p => p.OpportunityId).ToHashSet(StringComparer.Ordinal);
        var open = (await data.Store.AllAsync<CompensationClaim>(EngagementData.Container, [Filter.Eq("state", ClaimState.Open)], ct))
            .Where(c => !ClaimRules.OwesNothing(c.Amount, c.Travel) && !theirs.Contains(c.OpportunityId));
        var groups = open.GroupBy(c => c.OpportunityId).ToList();

        // The opportunities are read together, not one by one.
        var opportunities = (await data.Store.ManyAsync<Opportunity>(EngagementData.Container, groups.Select(g => g.Key), ct)).ToDictionary(o => o.Id, StringComparer.Ordinal);

        // Claims are only made for an opportunity of the agency; one without it means damaged records, and must not go unseen.
        foreach (var orphan in groups.Where(g => !opportunities.ContainsKey(g.Key)))
        {
            LogClaimsWithoutOpportunity(logger, orphan.Key, orphan.Count());
        }
        return [.. groups
            .Where(g => opportunities.ContainsKey(g.Key))
            .Select(g => (Opportunity: opportunities[g.Key], Claims: g))
            .Select(x => new ClaimsToPayView(x.Opportunity.Id, x.Opportunity.Title, x.Claims.Count(), x.Claims.Select(c => c.PersonId).Distinct().Count(), x.Claims.Sum(c => c.Amount), x.Opportunity.Currency))
            .OrderBy(v => v.Title, StringComparer.CurrentCulture)];
    }

    public async ValueTask<Page<PayoutView>> Handle(ListPayouts query, CancellationToken ct)
    {
        var filters = new List<Filter>();
        object[] states = [.. query.States.Select(state => (object)EnumNames.Parse<PayoutState>(state)).Distinct()];
        if (states.Length > 0)
        {
            // One state as an equality, which the SQLite store answers from the state's index.
            filters.Add(states.Length == 1 ? Filter.Eq("state", states[0]) : Filter.In("state", states));
        }

        if (query.PayeeId is not null)
        {
            filters.Add(Filter.Eq("payeeId", query.PayeeId));
        }

        var page = await data.Store.PageAsync<Payout>(PayoutData.Container, filters, orderBy: "createdAt", descending: true, query.PageSize, query.ContinuationToken, ct);
        return new Page<PayoutView>(await ViewsAsync(page.Items, ct), page.ContinuationToken);
    }

    public async ValueTask<PayoutView> Handle(GetPayout query, CancellationToken ct) => await ViewAsync(await data.PayoutAsync(query.Id, ct), ct);

    public async ValueTask<PayoutView> Handle(ApprovePayout command, CancellationToken ct)
    {
        var payout = (await AsApprovedNowAsync([await data.PayoutAsync(command.Id, ct)], ct))[0];
        var me = Me;
        var hands = await data.HandsAsync(payout, ct);
        if (PayoutRules.WhyNotApprove(me, hands, payout.State, payout.ApprovalsNeeded, [.. payout.Approvals.Select(a => a.By)]) is { } why)
        {
            // Who they are refuses them (403); what was done already refuses anyone (409), a second press too.
            var whoTheyAre = payout.State == PayoutState.Pending && PayoutRules.OwnHand(me, hands, alone: true) is not null && payout.Approvals.All(a => a.By != me);
            throw whoTheyAre ? new ForbiddenException(why) : new ConflictException(why);
        }

        StoreException.ThrowIfChangedSince(command.IfMatch ?? throw new PreconditionRequiredException(), payout.ETag);

        // A preparation that failed to close the claim leaves it open, and it may have changed since (recorded again,
        // travel added): the payout is approved only while the claim is as it was calculated from.
        if (await data.ClaimChangedAsync(payout, ct))
        {
            throw new ConflictException(PayoutRules.ClaimChangedRefusal);
        }

        var approvals = payout.Approvals.Append(new PayoutApproval(me, data.Store.Now)).ToList();
        if (approvals.Count < payout.ApprovalsNeeded)
        {
            return await ViewAsync(await data.SaveAsync(payout, payout with { Approvals = approvals }, ct: ct), ct);
        }

        var account = await data.AccountAsync(payout.PayeeId, ct);
        await EnsureMayBePaidAsync(payout, account, await data.TaxYearAsync(ct), ct);
        var approved = payout with { Approvals = approvals, State = PayoutState.Approved, Method = account.Method, StripeAccountId = account.StripeAccountId };
        if (account.Method == PayeeMethod.Stripe)
        {
            await data.QueueAsync(approved, ct);
        }

        return await ViewAsync(await data.SaveAsync(payout, approved, checkedPayee: account, ct: ct), ct);
    }

    public async ValueTask<PayoutView> Handle(CancelPayout command, CancellationToken ct)
    {
        var payout = await data.PayoutAsync(command.Id, ct);
        if (payout.State == PayoutState.Cancelled)
        {
            // Pressed again, it finishes what a first press left undone: its claim open for a corrected payout.
            await ReopenClaimAsync(payout, ct);
            return await ViewAsync(payout, ct);
        }

        // Cancelling opens the claim again for a new amount: the payee does not decide when their own payout starts over.
        if (payout.PayeeId == Me)
        {
            throw new ForbiddenException("This payout pays you: another finance approver must cancel it.");
        }

        StoreException.ThrowIfChangedSince(command.IfMatch ?? throw new PreconditionRequiredException(), payout.ETag);

        // Set aside, a check or card may be on its way already: only whoever set it aside knows, and a claim opened again
        // behind their back would be paid twice. Once they are no longer a finance approver, another may.
        if (payout.SetAsideBy is { } setter && setter != Me && (await data.FinanceApproversAsync(ct)).Contains(setter))
        {
            throw new ConflictException("It was set aside to pay by check or card, and a check may be on its way: only the finance approver who set it aside can cancel it.");
        }

        if (!PayoutRules.CanCancel(payout.State, payout.TransferId))
        {
            throw new ConflictException(payout.TransferId is null
                ? "Only a payout not yet sent (or one that failed before Stripe moved any money) can be cancelled."
                : "Its money is already in the payee's Stripe account, so it cannot be cancelled: send it again once their bank details are fixed, or have the transfer reversed in Stripe first.");
        }

        // The claim opens again first, so the session can be recorded again and a corrected payout prepared. Should the
        // payout's own change then fail, the claim is back on Claims to pay and the payout, no longer matching it, is
        // neither approved, sent nor paid (see ClaimChanged). The other order could leave the claim closed behind a
        // cancelled payout.
        var reopened = await ReopenClaimAsync(payout, ct);
        try
        {
            return await ViewAsync(await data.SaveAsync(payout, payout with { State = PayoutState.Cancelled }, ct: ct), ct);
        }
        catch (ConflictException) when (reopened is not null)
        {
            // Approved meanwhile, the payout stands and its claim stays with finance; cancelled meanwhile (a second
            // press), its claim stays open.
            if ((await data.PayoutAsync(payout.Id, CancellationToken.None)).State != PayoutState.Cancelled)
            {
                await data.Store.ReplaceAsync(EngagementData.Container, reopened with { State = ClaimState.Submitted }, reopened.ETag!, CancellationToken.None);
            }

            throw;
        }
    }

    /// <summary>Opens the payout's claim again when it is with finance; the claim as written, or null when there was nothing to open.</summary>
    private async Task<CompensationClaim?> ReopenClaimAsync(Payout payout, CancellationToken ct) =>
        await data.Store.ReadAsync<CompensationClaim>(EngagementData.Container, payout.ClaimId, data.Store.AgencyId, ct) is { State: ClaimState.Submitted } claim
            ? await data.Store.ReplaceAsync(EngagementData.Container, claim with { State = ClaimState.Open }, claim.ETag!, ct)
            : null;

    public async ValueTask<PayoutView> Handle(RecordPaidOutside command, CancellationToken ct)
    {
        var payout = await data.PayoutAsync(command.Id, ct);
        if (PayoutRules.WhyNotPay(Me, await data.HandsAsync(payout, ct), PayoutRules.RecordItsPayment) is { } why)
        {
            throw new ForbiddenException(why);
        }

        if (!PayoutRules.CanPayOutside(payout.State, payout.TransferId))
        {
            throw new ConflictException("Only an approved payout not yet sent (or one that failed before Stripe moved any money, or whose transfer Stripe took back) can be recorded as paid outside Stripe.");
        }

        StoreException.ThrowIfChangedSince(command.IfMatch ?? throw new PreconditionRequiredException(), payout.ETag);

        if (await data.ClaimChangedAsync(payout, ct))
        {
            throw new ConflictException(PayoutRules.ClaimChangedRefusal);
        }

        await EnsureApprovalsStandAsync(payout, ct);

        // Still Stripe's to send, it could be paid twice: by the check and by the sender once the payee is ready, or, failed
        // before any money moved, by another approver pressing "Send again" while the check is in the post.
        if (PayoutRules.StripesToSend(payout.State, payout.Method, payout.TransferId))
        {
            throw new ConflictException(PayoutRules.SetAsideFirst);
        }

        // Paid on a day no later than today, and no earlier than it last changed: approved, set aside, failed or taken back
        // at Stripe (a check is not mailed for money still on its way through Stripe), by the agency's calendar.
        var now = data.Store.Now;
        var calendar = await data.CalendarAsync(ct);
        var today = calendar.DayOf(now);
        var paidOn = command.Body.PaidOn ?? today;
        var lastChange = payout.Approvals.Select(a => a.At).Append(payout.ChangedAt ?? payout.CreatedAt).Max();
        var earliest = calendar.DayOf(lastChange);
        if (paidOn > today || paidOn < earliest)
        {
            throw new RequestValidationException("paidOn", $"The day it was paid: from {earliest:yyyy-MM-dd}, when it was approved or last changed, to today.");
        }

        // A failed payout counted in nobody's threshold check since it failed (see EnsureMayBePaidAsync).
        var account = await data.AccountAsync(payout.PayeeId, ct);
        await EnsureMayBePaidAsync(payout, account, paidOn.Year, ct);

        // A day before today is dated at its noon (clear of any change of the clocks), yet never before its last change.
        var paidAt = paidOn == today ? now : calendar.FromLocal(paidOn.ToDateTime(new TimeOnly(12, 0)));
        paidAt = paidAt < lastChange ? lastChange : paidAt;
        var reference = command.Body.Reference!.Trim();
        var paid = await data.SaveAsync(payout, payout with
        {
            State = PayoutState.Paid,
            // Paid another way after its transfer was taken back, it is no longer Stripe's (late news of the old transfer
            // moves nothing), and it is a new attempt: its ledger entry and the payee's notice are its own, not the transfer's.
            Method = payout.TransferId is null ? payout.Method : PayeeMethod.Check,
            Attempt = payout.TransferId is null ? payout.Attempt : payout.Attempt + 1,
            OutsideReference = reference,
            PaidAt = paidAt,
            Year = paidOn.Year,
        }, reference: reference, checkedPayee: account, ct: ct);
        await notifier.SendOnceAsync(paid.PayeeId, Notices.PayoutSent, $"payout-paid~{paid.Id}~{paid.Attempt}", ct);

        // Money booked as paid outside Stripe rests on one person's word: at an amount that needs two approvers, the other
        // approvers hear of it, so a second person sees each such payment.
        if (paid.ApprovalsNeeded > 1)
        {
            foreach (var approver in (await data.FinanceApproversAsync(ct)).Where(a => a != Me && a != paid.PayeeId))
            {
                await notifier.SendOnceAsync(approver, Notices.PayoutPaidOutsideRecorded, $"payout-paid-outside~{paid.Id}~{paid.Attempt}", ct);
            }
        }
        return await ViewAsync(paid, ct);
    }

    public async ValueTask<PayoutView> Handle(SetPayoutAside command, CancellationToken ct)
    {
        var payout = await data.PayoutAsync(command.Id, ct);
        if (PayoutRules.WhyNotPay(Me, await data.HandsAsync(payout, ct), PayoutRules.SetItAside) is { } why)
        {
            throw new ForbiddenException(why);
        }

        if (!PayoutRules.StripesToSend(payout.State, payout.Method, payout.TransferId))
        {
            throw new ConflictException("Only a payout Stripe has not started to send (approved, or failed before any money moved) can be set aside to pay another way.");
        }

        StoreException.ThrowIfChangedSince(command.IfMatch ?? throw new PreconditionRequiredException(), payout.ETag);

        // Written against the version read: if the sender moved it on meanwhile, this fails and nothing is set aside. The
        // payee, who chose Stripe, hears that it comes another way: a payment they were not told of is one they cannot query.
        var setAside = await data.SaveAsync(payout, payout with { Method = PayeeMethod.Check, SetAsideBy = Me }, ct: ct);
        await notifier.SendOnceAsync(setAside.PayeeId, Notices.PayoutComingAnotherWay, $"payout-another-way~{setAside.Id}~{setAside.Attempt}", ct);
        return await ViewAsync(setAside, ct);
    }

    public async ValueTask<PayoutView> Handle(RetryPayout command, CancellationToken ct)
    {
        var payout = await data.PayoutAsync(command.Id, ct);
        if (PayoutRules.WhyNotPay(Me, await data.HandsAsync(payout, ct), PayoutRules.SendItAgain) is { } why)
        {
            throw new ForbiddenException(why);
        }

        if (payout.State != PayoutState.Failed || payout.Method != PayeeMethod.Stripe)
        {
            throw new ConflictException("Only a payout that failed at Stripe can be sent again.");
        }

        StoreException.ThrowIfChangedSince(command.IfMatch ?? throw new PreconditionRequiredException(), payout.ETag);

        // Once its money is in the payee's Stripe balance it can only be sent on, whatever happened to its claim or
        // its approvers since.
        if (payout.TransferId is null)
        {
            if (await data.ClaimChangedAsync(payout, ct))
            {
                throw new ConflictException(PayoutRules.ClaimChangedRefusal);
            }

            await EnsureApprovalsStandAsync(payout, ct);
        }

        // While it was failed, other payouts were approved without it in the year's total: it is checked again.
        var account = await data.AccountAsync(payout.PayeeId, ct);
        await EnsureMayBePaidAsync(payout, account, await data.TaxYearAsync(ct), ct);

        // Its money is in the balance of an account since let go: sent on from their new one, it would be other payouts' money.
        if (payout.TransferId is not null && account.StripeAccountId != payout.StripeAccountId)
        {
            throw new ConflictException("Its money went to a Stripe account the payee no longer uses (a change they did not make). Reverse that transfer at Stripe; once Stripe says so, pay it another way.");
        }

        // A payee who left Stripe since (one who could not finish its onboarding, say) would wait for it for ever.
        if (payout.TransferId is null && account.Method != PayeeMethod.Stripe)
        {
            throw new ConflictException("The payee now takes their pay another way, not through Stripe: pay it that way, then record it as paid.");
        }

        // A transfer that went through stays (its money is in the payee's Stripe balance); the rest is asked again.
        var again = payout with { State = PayoutState.Approved, Attempt = payout.Attempt + 1, BankPayoutId = null, FailureCode = null, PaidAt = null, Year = null };
        await data.QueueAsync(again, ct);
        return await ViewAsync(await data.SaveAsync(payout, again, checkedPayee: account, ct: ct), ct);
    }

    /// <summary>Money moves on an approval only while its approvers are still finance approvers (not taken off for fraud, say).</summary>
    private async Task EnsureApprovalsStandAsync(Payout payout, CancellationToken ct)
    {
        if (!await data.ApprovalsStandAsync(payout, ct))
        {
            throw new ConflictException(PayoutRules.ApprovalsGone);
        }
    }

    /// <summary>
    /// Before money goes: the payee has chosen how to be paid and has seen the public-benefits notice, and if this
    /// payout takes their compensation this year to the information-return threshold, finance holds their tax details.
    /// The caller writes the account back with the payout, so the check holds until then.
    /// </summary>
    private async Task EnsureMayBePaidAsync(Payout payout, PayeeAccount account, int year, CancellationToken ct)
    {
        if (account.BenefitsNoticeSeenAt is null)
        {
            throw new ConflictException("The payee has not yet seen the notice that payments may affect public benefits. They see it on their payments page; for one who can no longer set up payment themselves, finance records telling them.");
        }

        if (account.Method is null)
        {
            throw new ConflictException("The payee has not yet chosen how to be paid.");
        }

        // Approved pay still to be paid counts in this year; for a year gone by (a check mailed before the year ended),
        // only what was paid in it.
        var pastYear = year < await data.TaxYearAsync(ct);
        var committed = (await data.PayoutsAsync([Filter.Eq("payeeId", payout.PayeeId)], ct))
            .Where(p => p.Id != payout.Id && (p.Year == year || !pastYear && p.State is PayoutState.Approved or PayoutState.Sending))
            .Where(p => p.State is PayoutState.Approved or PayoutState.Sending or PayoutState.Paid)
            .Sum(p => p.Compensation);
        if (account.TaxDetailsOnFileAt is null && TaxYear.NeedsTaxDetails(committed, payout.Compensation, year, data.Options.ReportingThresholds))
        {
            throw new ConflictException(
                $"This payout takes the payee's compensation this year to the information-return threshold ({TaxYear.ThresholdFor(year, data.Options.ReportingThresholds):0.00}). Ask them for their tax details and record that they are on file first.");
        }
    }

    private static PayoutCalculation Calculate(Opportunity opportunity, EngagementSession session, CompensationClaim claim, PayRates rates, decimal cap)
    {
        var pay = claim.Pay ?? opportunity.Compensation;
        try
        {
            return PayoutCalculator.Calculate(new PayoutInput(
                pay.Basis, pay.Rate, (decimal)(session.EndUtc - session.StartUtc).TotalMinutes / 60m,
                pay.PrepMinutesPerSession, claim.Outcome, claim.Share, DateOnly.FromDateTime(session.Start), session.InPerson,
                session.Location, claim.TravelAllowed, claim.PerDiemAllowed, claim.Travel, Math.Max(claim.Travel?.ReceiptCap ?? 0, cap)), rates);
        }
        catch (PayoutRuleException ex)
        {
            throw new ConflictException(ex.Message);
        }
    }

    /// <summary>The payout made or worked out again, and the one already approved or sent from the claim, if any.</summary>
    private async Task<(Payout? Prepared, Payout? Live)> CreateOrRenewAsync(
        Opportunity opportunity, EngagementSession session, CompensationClaim claim, PayoutCalculation calculation, PayoutSettings settings, CancellationToken ct)
    {
        var fresh = new Payout
        {
            Id = Payout.IdFor(claim.Id),
            ClaimId = claim.Id,
            OpportunityId = opportunity.Id,
            OpportunityTitle = opportunity.Title,
            SessionId = session.Id,
            SessionDate = DateOnly.FromDateTime(session.Start),
            PayeeId = claim.PersonId,
            Lines = calculation.Lines,
            Compensation = calculation.Compensation,
            Reimbursement = calculation.Reimbursement,
            Total = calculation.Total,
            Currency = claim.Currency,
            CreatedBy = Me,
            RecordedBy = claim.RecordedBy,
            EarlierRecordedBy = claim.EarlierRecordedBy,
            ClaimETag = claim.ETag,
            CreatedAt = data.Store.Now,
            ApprovalsNeeded = PayoutRules.ApprovalsNeeded(calculation.Total, settings.TwoApproverThreshold),
        };
        var existing = await data.Store.ReadAsync<Payout>(PayoutData.Container, fresh.Id, data.Store.AgencyId, ct);
        if (existing is null)
        {
            try
            {
                return (await data.Store.CreateAsync(PayoutData.Container, fresh, ct), null);
            }
            catch (StoreException ex) when (ex.Kind == StoreErrorKind.Conflict)
            {
                // Another preparation made it meanwhile, perhaps from the claim before travel was added: worked out again
                // below, from the claim as read here while it is still the claim as it is.
                existing = await data.Store.ReadAsync<Payout>(PayoutData.Container, fresh.Id, data.Store.AgencyId, ct)
                    ?? throw new ConflictException(SentMeanwhile);
            }
        }

        // A payout not yet approved is worked out again, its approvals starting over: its claim is still open, so it
        // changed since (travel added while the payout was being prepared, say) or the claim's update failed after. Only
        // from the claim as it is now: a preparation that read it before a change must not overwrite the payout another
        // worked out from the changed claim.
        if (existing.State is PayoutState.Cancelled or PayoutState.Pending && !await ClaimAsReadAsync(claim, ct))
        {
            throw new ConflictException(SentMeanwhile);
        }

        return existing.State switch
        {
            PayoutState.Cancelled => (await data.SaveAsync(existing, fresh with { Attempt = existing.Attempt + 1 }, ct: ct), null),
            PayoutState.Pending => (await data.SaveAsync(existing, fresh with { Attempt = existing.Attempt }, ct: ct), null),
            _ => (null, existing),
        };
    }

    /// <summary>Whether the claim is still open and as <paramref name="claim"/> read it.</summary>
    private async Task<bool> ClaimAsReadAsync(CompensationClaim claim, CancellationToken ct) =>
        await data.Store.ReadAsync<CompensationClaim>(EngagementData.Container, claim.Id, data.Store.AgencyId, ct) is { State: ClaimState.Open } now && now.ETag == claim.ETag;

    private const string SentMeanwhile =
        "Someone else sent these claims to finance just now, or a claim changed as they did. Look at the payouts waiting for approval, then send any claims still to pay again.";

    /// <summary>
    /// A claim that now pays nothing (recorded again as not attended) takes back a payout made from it earlier whose
    /// claim update failed, while it is not yet approved (one of two approvals given does not make it so).
    /// </summary>
    private async Task WithdrawUnapprovedAsync(CompensationClaim claim, CancellationToken ct)
    {
        if (await data.Store.ReadAsync<Payout>(PayoutData.Container, Payout.IdFor(claim.Id), data.Store.AgencyId, ct) is { State: PayoutState.Pending } stale)
        {
            await data.SaveAsync(stale, stale with { State = PayoutState.Cancelled }, ct: ct);
        }
    }

    /// <summary>
    /// Payouts waiting for approval as approving them now counts them: only the approvals of people still finance
    /// approvers, and two approvals needed where the agency's two-approver amount was lowered to their total since they
    /// were prepared (one lowered because fraud is feared must hold the payouts already waiting too).
    /// </summary>
    private async Task<IReadOnlyList<Payout>> AsApprovedNowAsync(IReadOnlyList<Payout> payouts, CancellationToken ct)
    {
        var pending = payouts.Where(p => p.State == PayoutState.Pending).ToList();
        if (pending.Count == 0)
        {
            return payouts;
        }

        var threshold = (await data.SettingsAsync(ct)).TwoApproverThreshold;
        var standing = (await data.StandingAsync([.. pending.SelectMany(p => p.Approvals)], ct)).ToHashSet();
        return [.. payouts.Select(p => p.State != PayoutState.Pending ? p : p with
        {
            Approvals = [.. p.Approvals.Where(standing.Contains)],
            ApprovalsNeeded = Math.Max(p.ApprovalsNeeded, PayoutRules.ApprovalsNeeded(p.Total, threshold)),
        })];
    }

    private async Task<PayoutView> ViewAsync(Payout payout, CancellationToken ct) => (await ViewsAsync([payout], ct))[0];

    /// <summary>The payouts as this viewer sees them; one waiting for approval whose claim changed says so before Approve is pressed.</summary>
    private async Task<IReadOnlyList<PayoutView>> ViewsAsync(IReadOnlyList<Payout> payouts, CancellationToken ct)
    {
        payouts = await AsApprovedNowAsync(payouts, ct);
        var names = await data.NamesAsync(payouts.Select(p => p.PayeeId), ct);
        var hands = await data.HandsAsync(payouts, ct);
        var pending = payouts.Where(p => p.State == PayoutState.Pending).ToList();
        var claims = pending.Count == 0
            ? []
            : (await data.Store.ManyAsync<CompensationClaim>(EngagementData.Container, pending.Select(p => p.ClaimId), ct)).ToDictionary(c => c.Id, StringComparer.Ordinal);
        return [.. payouts.Select(p =>
        {
            var view = PayoutView.From(p, names.GetValueOrDefault(p.PayeeId), (Me, hands[p.Id]));
            return p.State == PayoutState.Pending && view.WhyYouCannotApprove is null && PayoutData.ClaimChanged(p, claims.GetValueOrDefault(p.ClaimId))
                ? view with { WhyYouCannotApprove = PayoutRules.ClaimChangedRefusal }
                : view;
        })];
    }


    [LoggerMessage(Level = LogLevel.Warning, Message = "{Count} open claims name opportunity {OpportunityId}, which the agency does not have; they are left out of the claims to pay")]
    private static partial void LogClaimsWithoutOpportunity(ILogger logger, string opportunityId, int count);
}
