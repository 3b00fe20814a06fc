using System.Globalization;
using System.Text;
using Mediator;
using SurvivorConnect.Api.Features.Notifications;
using SurvivorConnect.Api.Features.Payouts.Rules;
using SurvivorConnect.Api.Features.People;
using SurvivorConnect.Api.Infrastructure.Auth;
using SurvivorConnect.Api.Infrastructure.Errors;
using SurvivorConnect.Api.Infrastructure.Hosting;
using SurvivorConnect.Api.Infrastructure.Pipeline;
using SurvivorConnect.Storage;

namespace SurvivorConnect.Api.Features.Payouts;

/// <param name="PayChangeToCheck">A change to how they are paid waits for finance to check it with them; nothing goes through Stripe meanwhile.</param>
public sealed record PayeeAccountView(
    PayeeMethod? Method, bool StripeConnected, bool StripeReady, bool BenefitsNoticeSeen, bool TaxDetailsOnFile, bool TaxDetailsNeeded, bool StripePayoutsOn,
    bool PayChangeToCheck);

/// <summary>A payee's statement: every payout of theirs with its lines, and the year's totals, compensation apart from reimbursements.</summary>
public sealed record MyPaymentsView(PayeeAccountView Account, int Year, decimal Compensation, decimal Reimbursement, decimal Total, string? Currency, IReadOnlyList<PayoutView> Payouts);

public sealed record GetMyPayments(int? Year) : IQuery<MyPaymentsView>, IValidate
{
    public void Validate(ValidationErrors errors) => errors.Range("year", Year, 2000, 2100);
}

public sealed record AcknowledgeBenefitsNotice : ICommand<PayeeAccountView>, IAudited
{
    public AuditTarget Audit => new("payee.benefits-notice", "payee-account");
}

public sealed record PayeeMethodRequest(string? Method);

public sealed record ChoosePayeeMethod(PayeeMethodRequest Body) : ICommand<PayeeAccountView>, IValidate, IAudited
{
    public AuditTarget Audit => new("payee.choose-method", "payee-account");

    public void Validate(ValidationErrors errors) => errors.OneOf<PayeeMethod>("method", Body.Method);
}

public sealed record OnboardingLink(Uri Url);

/// <summary>Opens (once) the payee's Stripe Express account and gives the link to Stripe's own onboarding, where they enter bank details.</summary>
public sealed record StartStripeOnboarding(Uri BackFromStripe) : ICommand<OnboardingLink>, IAudited
{
    public AuditTarget Audit => new("payee.stripe-onboarding", "payee-account");
}

/// <summary>
/// Back from Stripe: asks Stripe whether the account can now be paid. Audited: it can mark the account ready and send
/// the payee's approved payouts, as the webhook's news does.
/// </summary>
public sealed record RefreshStripeStatus : ICommand<PayeeAccountView>, IAudited
{
    public AuditTarget Audit => new("payee.stripe-status", "payee-account");
}

public sealed record GetMyStatementCsv(int? Year) : IQuery<string>, IValidate
{
    public void Validate(ValidationErrors errors) => errors.Range("year", Year, 2000, 2100);
}

public sealed record PayeeTotalsView(
    string PayeeId, string? PayeeName, int Year, decimal Compensation, decimal Reimbursement, decimal Total, bool CrossesThreshold, bool TaxDetailsOnFile);

public sealed record YearlyTotalsView(int Year, decimal Threshold, string Currency, IReadOnlyList<PayeeTotalsView> Payees);

public sealed record GetYearlyTotals(int? Year) : IQuery<YearlyTotalsView>, IValidate, IAudited
{
    public AuditTarget Audit => new("payout.yearly-totals", "payout");

    public void Validate(ValidationErrors errors) => errors.Range("year", Year, 2000, 2100);
}

/// <summary>Finance records that a payee's tax form is on file (the form itself, and the number on it, are kept outside SurvivorConnect).</summary>
public sealed record RecordTaxDetails(string PersonId) : ICommand<PayeeTotalsView>, IAudited
{
    public AuditTarget Audit => new("payee.tax-details-on-file", "payee-account", PersonId);
}

public sealed record ExportPayoutsCsv(int? Year) : IQuery<string>, IValidate, IAudited
{
    public AuditTarget Audit => new("payout.export", "payout");

    public void Validate(ValidationErrors errors) => errors.Range("year", Year, 2000, 2100);
}

internal sealed class StatementHandlers(PayoutData data, IStripeGateway stripe, Notifier notifier, PayChangeNews payChanges, PayeeStripeAsks asks)
    : IQueryHandler<GetMyPayments, MyPaymentsView>,
      ICommandHandler<AcknowledgeBenefitsNotice, PayeeAccountView>,
      ICommandHandler<ChoosePayeeMethod, PayeeAccountView>,
      ICommandHandler<StartStripeOnboarding, OnboardingLink>,
      ICommandHandler<RefreshStripeStatus, PayeeAccountView>,
      IQueryHandler<GetMyStatementCsv, string>,
      IQueryHandler<GetYearlyTotals, YearlyTotalsView>,
      ICommandHandler<RecordTaxDetails, PayeeTotalsView>,
      IQueryHandler<ExportPayoutsCsv, string>
{
    private string Me => data.Store.User.UserId;

    /// <summary>
    /// Saying how one is paid is for someone who takes paid work now: one who no longer does still reads their payments,
    /// and finance arranges with them anything still owed (see <see cref="ListPayeesNeedingSetup"/>).
    /// </summary>
    private void EnsureTakesPaidWork()
    {
        if (!Roles.AnyTakingPaidWork(data.Store.User.IsInRole))
        {
            throw new ForbiddenException("You no longer take paid work here. Your agency's finance team arranges with you how anything still owed is paid.");
        }
    }

    public async ValueTask<MyPaymentsView> Handle(GetMyPayments query, CancellationToken ct)
    {
        var year = query.Year ?? await data.TaxYearAsync(ct);
        var payouts = await data.PayoutsAsync([Filter.Eq("payeeId", Me)], ct);
        var paid = payouts.Where(p => p.State == PayoutState.Paid && p.Year == year).ToList();
        var account = await data.AccountAsync(Me, ct);
        return new MyPaymentsView(
            await AccountViewAsync(account, payouts, ct), year, paid.Sum(p => p.Compensation), paid.Sum(p => p.Reimbursement), paid.Sum(p => p.Total),
            payouts.FirstOrDefault()?.Currency,
            [.. payouts.Where(p => p.State != PayoutState.Cancelled).OrderByDescending(p => p.SessionDate).Select(PayoutView.ForPayee)]);
    }

    public async ValueTask<PayeeAccountView> Handle(AcknowledgeBenefitsNotice command, CancellationToken ct)
    {
        EnsureTakesPaidWork();
        var account = await data.AccountAsync(Me, ct);
        return await AccountViewAsync(account.BenefitsNoticeSeenAt is null
            ? await data.SaveAccountAsync(account with { BenefitsNoticeSeenAt = data.Store.Now, ChangedAt = data.Store.Now }, ct)
            : account, null, ct);
    }

    public async ValueTask<PayeeAccountView> Handle(ChoosePayeeMethod command, CancellationToken ct)
    {
        EnsureTakesPaidWork();
        var method = EnumNames.Parse<PayeeMethod>(command.Body.Method);
        if (method == PayeeMethod.Stripe && !stripe.Enabled)
        {
            throw new ConflictException("Payments through Stripe are off on this server. Choose a check or a prepaid card, or ask your agency.");
        }

        var account = await data.AccountAsync(Me, ct);
        var saved = account.Method == method
            ? account
            : await data.SaveAccountAsync(await PayChangedAsync(account, account with { Method = method, SetUpBy = null }, bankDetailsGiven: false, ct), ct);
        await payChanges.TellAsync(saved, ct);
        if (method != PayeeMethod.Stripe)
        {
            await PayOutsideAsync(method, ct);
        }

        return await AccountViewAsync(saved, null, ct);
    }

    /// <summary>
    /// The account as changed (another way chosen, or bank details about to be given to Stripe), waiting for finance to
    /// check the change with them where it could send their pay elsewhere.
    /// </summary>
    private async Task<PayeeAccount> PayChangedAsync(PayeeAccount before, PayeeAccount changed, bool bankDetailsGiven, CancellationToken ct)
    {
        var toCheck = changed.Method is { } after && PayoutRules.PayChangeToConfirm(await data.PaidBeforeAsync(before, ct), before.Method, after, bankDetailsGiven);
        return changed with
        {
            PayChangedAt = data.Store.Now,
            PayChangeToConfirmSince = toCheck ? changed.PayChangeToConfirmSince ?? data.Store.Now : changed.PayChangeToConfirmSince,
            ChangedAt = data.Store.Now,
        };
    }

    /// <summary>
    /// A payee who leaves Stripe (one who cannot finish its onboarding, say) would otherwise leave their approved payouts
    /// waiting for an account that never comes, unseen by finance: each one Stripe has not started is to be paid their
    /// new way, and finance is told.
    /// </summary>
    private async Task PayOutsideAsync(PayeeMethod method, CancellationToken ct)
    {
        foreach (var payout in await data.PayOutsideAsync(Me, method, setAsideBy: null, ct))
        {
            foreach (var approver in await data.FinanceApproversAsync(ct))
            {
                await notifier.SendOnceAsync(approver, Notices.PayoutToPayOutside, $"payout-outside~{payout.Id}~{payout.Attempt}", ct);
            }
        }
    }

    public async ValueTask<OnboardingLink> Handle(StartStripeOnboarding command, CancellationToken ct)
    {
        EnsureTakesPaidWork();
        if (!stripe.Enabled)
        {
            throw new ConflictException("Payments through Stripe are off on this server. Choose a check or a prepaid card, or ask your agency.");
        }

        asks.Spend(data.Store.AgencyId, Me);
        var account = await data.AccountAsync(Me, ct);
        var opened = account;
        if (account.StripeAccountId is null)
        {
            // The idempotency key is the person's, so a second click (or a lost answer) opens no second account.
            var id = await Stripe(() => stripe.CreateExpressAccountAsync(data.Store.AgencyId, Me, account.StripeAccountsLetGo.Count, ct));
            opened = account with { StripeAccountId = id, Method = PayeeMethod.Stripe, KnownBanks = [], SetUpBy = null };
        }

        // Stripe's page takes bank details, new or changed: written before the link is given, so none goes unchecked. A
        // link asked for again while a check waits is part of it: moving what finance decides on each time would let
        // whoever holds the phone keep finance from ever deciding, and fill their notices; bank details given on it are
        // news of their own (Stripe's event, the sender's listing).
        if (account is not { StripeAccountId: not null, PayChangeToConfirmSince: not null })
        {
            account = await data.SaveAccountAsync(await PayChangedAsync(account, opened, bankDetailsGiven: true, ct), ct);
            await payChanges.TellAsync(account, ct);
        }

        var back = command.BackFromStripe;
        return new OnboardingLink(new Uri(await Stripe(() => stripe.CreateOnboardingLinkAsync(account.StripeAccountId!, new Uri(back, "?stripe=again"), new Uri(back, "?stripe=back"), ct))));
    }

    public async ValueTask<PayeeAccountView> Handle(RefreshStripeStatus command, CancellationToken ct)
    {
        EnsureTakesPaidWork();
        var account = await data.AccountAsync(Me, ct);
        if (stripe.Enabled && account.StripeAccountId is { } id && !account.StripeReady && await PayoutsEnabledAsync(id, ct))
        {
            account = await data.SaveAccountAsync(account with { StripeReady = true, ChangedAt = data.Store.Now }, ct);
            await QueueWaitingAsync(data, account.PersonId, ct);
        }

        return await AccountViewAsync(account, null, ct);
    }

    private async Task<bool> PayoutsEnabledAsync(string stripeAccountId, CancellationToken ct)
    {
        asks.Spend(data.Store.AgencyId, Me);
        return await Stripe(() => stripe.PayoutsEnabledAsync(stripeAccountId, ct));
    }

    public async ValueTask<string> Handle(GetMyStatementCsv query, CancellationToken ct)
    {
        var year = query.Year ?? await data.TaxYearAsync(ct);
        var paid = (await data.PayoutsAsync([Filter.Eq("payeeId", Me)], ct)).Where(p => p.State == PayoutState.Paid && p.Year == year);
        return StatementCsv.Write(paid.OrderBy(p => p.PaidAt), null, (await data.CalendarAsync(ct)).DayOf);
    }

    public async ValueTask<YearlyTotalsView> Handle(GetYearlyTotals query, CancellationToken ct) => await TotalsAsync(query.Year ?? await data.TaxYearAsync(ct), ct);

    public async ValueTask<PayeeTotalsView> Handle(RecordTaxDetails command, CancellationToken ct)
    {
        // Only someone who takes paid work here, now or before, is a payee: any other id (a youth's, staff's) is not found,
        // so finance neither learns their name nor that they are here.
        var person = await data.Store.FindAsync<Person>(Person.Container, command.PersonId, ct) is { } found
            && Roles.AnyTakingPaidWork(role => found.Roles.Contains(role) || found.FormerRoles.Contains(role))
            ? found
            : throw new NotFoundException("person");

        // Tax details on file let payouts past the reporting threshold go; like a payout, they are not one's own to approve.
        if (person.Id == Me)
        {
            throw new ForbiddenException("These are your own tax details: another finance approver must record them.");
        }

        var account = await data.AccountAsync(command.PersonId, ct);
        await data.SaveAccountAsync(account with { TaxDetailsOnFileAt = data.Store.Now, TaxDetailsRecordedBy = Me, ChangedAt = data.Store.Now }, ct);
        var totals = await TotalsAsync(await data.TaxYearAsync(ct), ct);
        return totals.Payees.FirstOrDefault(p => p.PayeeId == command.PersonId)
            ?? new PayeeTotalsView(command.PersonId, person.DisplayName, totals.Year, 0, 0, 0, false, true);
    }

    public async ValueTask<string> Handle(ExportPayoutsCsv query, CancellationToken ct)
    {
        var year = query.Year ?? await data.TaxYearAsync(ct);
        var paid = await data.PayoutsAsync([Filter.Eq("year", year), Filter.Eq("state", PayoutState.Paid)], ct);
        var names = await data.NamesAsync(paid.Select(p => p.PayeeId), ct);
        return StatementCsv.Write(paid.OrderBy(p => p.PaidAt), id => names.GetValueOrDefault(id) ?? id, (await data.CalendarAsync(ct)).DayOf);
    }

    /// <summary>
    /// Approved payouts of a payee whose Stripe account has just become ready (or whose change finance just checked),
    /// and those held between their transfer and their bank payout: sent now.
    /// </summary>
    public static async Task QueueWaitingAsync(PayoutData data, string personId, CancellationToken ct)
    {
        foreach (var state in (PayoutState[])[PayoutState.Approved, PayoutState.Sending])
        {
            foreach (var waiting in await data.PayoutsAsync([Filter.Eq("payeeId", personId), Filter.Eq("state", state)], ct))
            {
                if (waiting.Method == PayeeMethod.Stripe && waiting.BankPayoutId is null)
                {
                    await data.QueueAsync(waiting, ct);
                }
            }
        }
    }

    private async Task<YearlyTotalsView> TotalsAsync(int year, CancellationToken ct)
    {
        var thresholds = data.Options.ReportingThresholds;
        var ledger = await data.LedgerAsync(year, ct);
        var years = ledger
            .GroupBy(e => e.PayeeId)
            .Select(g => new PayeeYear(g.Key, year, g.Sum(e => e.Compensation), g.Sum(e => e.Reimbursement)))
            .ToList();
        var accounts = await data.AccountsAsync(years.Select(y => y.PayeeId), ct);
        var names = await data.NamesAsync(years.Select(y => y.PayeeId), ct);
        var payees = years
            .Select(y => new PayeeTotalsView(y.PayeeId, names.GetValueOrDefault(y.PayeeId), year, y.Compensation, y.Reimbursement, y.Total,
                TaxYear.Crosses(y.Compensation, year, thresholds), accounts.GetValueOrDefault(y.PayeeId)?.TaxDetailsOnFileAt is not null))
            .OrderByDescending(p => p.Compensation)
            .ToList();
        return new YearlyTotalsView(year, TaxYear.ThresholdFor(year, thresholds), ledger.FirstOrDefault()?.Currency ?? "USD", payees);
    }

    private async Task<PayeeAccountView> AccountViewAsync(PayeeAccount account, IReadOnlyList<Payout>? payouts, CancellationToken ct)
    {
        var year = await data.TaxYearAsync(ct);
        payouts ??= await data.PayoutsAsync([Filter.Eq("payeeId", account.PersonId)], ct);
        var compensation = payouts.Where(p => p.Year == year || p.State is PayoutState.Pending or PayoutState.Approved or PayoutState.Sending)
            .Where(p => p.State is not (PayoutState.Cancelled or PayoutState.Failed or PayoutState.Reversed)).Sum(p => p.Compensation);
        return new PayeeAccountView(
            account.Method, account.StripeAccountId is not null, account.StripeReady, account.BenefitsNoticeSeenAt is not null, account.TaxDetailsOnFileAt is not null,
            account.TaxDetailsOnFileAt is null && TaxYear.Crosses(compensation, year, data.Options.ReportingThresholds), stripe.Enabled,
            account.PayChangeToConfirmSince is not null);
    }

    private static async Task<T> Stripe<T>(Func<Task<T>> call)
    {
        try
        {
            return await call();
        }
        catch (StripeGatewayException ex)
        {
            throw new ConflictException(ex.Permanent
                ? "Stripe could not set this up. Please ask your agency's finance team."
                : "Stripe did not answer just now. Please try again in a minute.");
        }
    }
}

/// <summary>
/// Statements as CSV: one row per payout line, so compensation and reimbursements can be told apart.
/// </summary>
public static class StatementCsv
{
    /// <param name="dayOf">The date a payment was made on, by the agency's calendar (its tax year's).</param>
    public static string Write(IEnumerable<Payout> payouts, Func<string, string>? payeeName, Func<DateTimeOffset, DateOnly> dayOf)
    {
        ArgumentNullException.ThrowIfNull(payouts);
        ArgumentNullException.ThrowIfNull(dayOf);
        var csv = new StringBuilder();
        CsvText.Row(csv, [.. payeeName is null ? Array.Empty<string>() : ["Payee"], "Paid on", "Engagement", "Session date", "Line", "Kind", "Quantity", "Rate", "Amount", "Reported as", "Currency", "Payout total", "Reference"]);
        foreach (var payout in payouts)
        {
            foreach (var line in payout.Lines)
            {
                CsvText.Row(csv, [
                    .. payeeName is null ? Array.Empty<string>() : [payeeName(payout.PayeeId)],
                    payout.PaidAt is { } paidAt ? dayOf(paidAt).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) : "",
                    payout.OpportunityTitle,
                    payout.SessionDate.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
                    line.Description,
                    LineKinds.Words(line.Kind),
                    line.Quantity.ToString("0.####", CultureInfo.InvariantCulture),
                    line.Rate.ToString("0.00##", CultureInfo.InvariantCulture),
                    line.Amount.ToString("0.00##", CultureInfo.InvariantCulture),
                    line.IsReimbursement ? "Reimbursement" : "Compensation",
                    payout.Currency,
                    payout.Total.ToString("0.00", CultureInfo.InvariantCulture),
                    payout.OutsideReference ?? payout.TransferId ?? "",
                ]);
            }
        }

        return csv.ToString();
    }
}
