using System.Text;
using Mediator;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using SurvivorConnect.Api.Features.Engagements;
using SurvivorConnect.Api.Features.People;
using SurvivorConnect.Api.Infrastructure.Auth;
using SurvivorConnect.Api.Infrastructure.Errors;
using SurvivorConnect.Api.Infrastructure.Hosting;
using SurvivorConnect.Api.Portal;
using SurvivorConnect.Storage;

namespace SurvivorConnect.Api.Features.Payouts;

/// <summary>
/// Paying survivors for their expertise, travel and per diem: payouts calculated from engagement claims, approved
/// by finance (two approvers above the agency's amount), sent once through Stripe Connect or recorded as paid
/// outside it, with a ledger, statements and yearly totals. Without Stripe's secrets the API runs with Stripe off.
/// </summary>
public static class PayoutsModule
{
    public static WebApplicationBuilder AddPayouts(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddOptions<PayoutOptions>().Bind(builder.Configuration.GetSection(PayoutOptions.SectionName))
            .Validate(o => o.MileageRates.Count > 0 && o.StandardPerDiem.Count > 0 && o.ReportingThresholds.Count > 0,
                "Payouts needs mileage rates, standard per diem rates and information-return thresholds.")
            .Validate(o => o.SendEvery >= TimeSpan.FromSeconds(1) && o.SendEvery <= TimeSpan.FromHours(1) && o.Lease >= TimeSpan.FromSeconds(10),
                "Payouts:SendEvery is a second to an hour, and Payouts:Lease at least ten seconds.")
            .Validate(o => StripeOptions.IsStatementDescriptor(o.Stripe.StatementDescriptor),
                "Payouts:Stripe:StatementDescriptor is 5 to 22 letters, digits, spaces or punctuation (not < > \\ ' \" *): it is what a payee's bank statement shows.")
            .ValidateOnStart();
        builder.Services.AddContainer(Payout.Container);
        var stripe = builder.Configuration.GetSection(PayoutOptions.SectionName).GetSection("Stripe").Get<StripeOptions>() ?? new StripeOptions();
        if (stripe.Enabled)
        {
            builder.Services.AddSingleton(new FormActionOrigin(new Uri(stripe.OnboardingOrigin).GetLeftPart(UriPartial.Authority)));
        }

        builder.Services.AddHttpClient(nameof(StripeGateway), client => client.Timeout = stripe.RequestTimeout);
        builder.Services.AddSingleton<IStripeGateway, StripeGateway>();
        builder.Services.AddScoped<PayoutData>();
        builder.Services.AddScoped<IClaimsWithFinance, ClaimsWithFinance>();
        builder.Services.AddScoped<PayChangeNews>();
        builder.Services.AddScoped<BankDetailsNews>();
        builder.Services.AddSingleton<StripeChecks>();
        builder.Services.AddSingleton<PayeeStripeAsks>();
        builder.Services.AddSingleton<PayoutSender>();
        builder.Services.AddHostedService(services => services.GetRequiredService<PayoutSender>());
        return builder;
    }

    public static IEndpointRouteBuilder MapPayouts(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/payouts").WithTags("Payouts")
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);

        group.MapGet("/settings", GetPayoutSettings).WithName(nameof(GetPayoutSettings)).RequireAuthorization(Policies.FinanceOrAdmin)
            .WithSummary("The two-approver amount, the agency's per diem rates, today's mileage and standard rates, and whether Stripe payouts are on.");
        group.MapPut("/settings", SavePayoutSettings).WithName(nameof(SavePayoutSettings)).RequireAuthorization(Policies.AgencyAdmin)
            .ProducesProblem(StatusCodes.Status412PreconditionFailed).ProducesProblem(StatusCodes.Status428PreconditionRequired)
            .WithSummary("Set the amount from which two approvers are needed, and load per diem rates for the agency's locations; once there are settings, send their `version` as If-Match.");

        group.MapPost("/", PreparePayouts).WithName(nameof(PreparePayouts)).RequireAuthorization(Policies.PayoutPreparer)
            .WithSummary("Turn an opportunity's recorded claims into payouts waiting for approval, line by line.");
        group.MapGet("/", ListPayouts).WithName(nameof(ListPayouts)).RequireAuthorization(Policies.FinanceApprover)
            .WithSummary("Payouts, newest first, by state or payee.");
        // Each of these reads the year's ledger and payouts whole: limited as the outcome reports are.
        group.MapGet("/totals", GetYearlyTotals).WithName(nameof(GetYearlyTotals)).RequireAuthorization(Policies.FinanceApprover).RequireRateLimiting(RequestLimits.Reports)
            .WithSummary("Each payee's year: compensation, reimbursements, and whether they reach the information-return threshold.");
        group.MapGet("/export.csv", ExportPayoutsCsv).WithName(nameof(ExportPayoutsCsv)).RequireAuthorization(Policies.FinanceApprover).RequireRateLimiting(RequestLimits.Reports)
            .WithSummary("Every payout line paid in a year, as CSV.");
        group.MapGet("/reconciliation", GetReconciliation).WithName(nameof(GetReconciliation)).RequireAuthorization(Policies.FinanceApprover).RequireRateLimiting(RequestLimits.Reports)
            .WithSummary("Where the ledger and the payouts disagree for a year; with stripe=true, Stripe's transfers are checked too.");
        group.MapPost("/payees/{personId}/tax-details", RecordTaxDetails).WithName(nameof(RecordTaxDetails)).RequireAuthorization(Policies.FinanceApprover)
            .WithSummary("Record that a payee's tax form is on file (kept outside SurvivorConnect).");
        group.MapGet("/{id}", GetPayout).WithName(nameof(GetPayout)).RequireAuthorization(Policies.FinanceApprover);
        group.MapPost("/{id}/approve", ApprovePayout).WithName(nameof(ApprovePayout)).RequireAuthorization(Policies.FinanceApprover)
            .WithSummary("Approve; not your own payout nor one you prepared; above the agency's amount a second approver must too.")
            .ProducesProblem(StatusCodes.Status403Forbidden);
        group.MapPost("/{id}/cancel", CancelPayout).WithName(nameof(CancelPayout)).RequireAuthorization(Policies.FinanceApprover)
            .WithSummary("Cancel a payout not yet sent; its claim opens again.");
        group.MapPost("/{id}/paid-outside", RecordPaidOutside).WithName(nameof(RecordPaidOutside)).RequireAuthorization(Policies.FinanceApprover)
            .WithSummary("Record an approved payout as paid by check or prepaid card, with its reference.")
            .ProducesProblem(StatusCodes.Status403Forbidden);
        group.MapPost("/{id}/set-aside", SetPayoutAside).WithName(nameof(SetPayoutAside)).RequireAuthorization(Policies.FinanceApprover)
            .WithSummary("Take an approved payout out of Stripe's hands, to pay it by check or prepaid card; then record its payment.")
            .ProducesProblem(StatusCodes.Status403Forbidden);
        group.MapPost("/{id}/retry", RetryPayout).WithName(nameof(RetryPayout)).RequireAuthorization(Policies.FinanceApprover)
            .WithSummary("Send a payout that failed at Stripe again, as a new attempt.");

        var myHistory = group.MapGroup("/me").RequireAuthorization(Policies.PayHistory);
        myHistory.MapGet("/", GetMyPayments).WithName(nameof(GetMyPayments))
            .WithSummary("Your payouts with their lines, the year's totals, and how you are paid (also once you no longer take paid work).");
        myHistory.MapGet("/statement.csv", GetMyStatementCsv).WithName(nameof(GetMyStatementCsv))
            .WithSummary("Your year's payouts, line by line, as CSV (also once you no longer take paid work).");

        var me = group.MapGroup("/me").RequireAuthorization(Policies.EngagementMember);
        me.MapPost("/benefits-notice", AcknowledgeBenefitsNotice).WithName(nameof(AcknowledgeBenefitsNotice))
            .WithSummary("Say you have read that payments may affect public benefits (needed before your first payout).");
        me.MapPut("/method", ChoosePayeeMethod).WithName(nameof(ChoosePayeeMethod))
            .WithSummary("Stripe (bank or debit card), check, or prepaid card.");
        me.MapPost("/onboarding", StartStripeOnboarding).WithName(nameof(StartStripeOnboarding))
            .WithSummary("A link to Stripe's own page, where you give your bank details to Stripe (never to SurvivorConnect).");
        me.MapPost("/stripe-status", RefreshStripeStatus).WithName(nameof(RefreshStripeStatus))
            .WithSummary("Back from Stripe: check whether your account can now be paid.");

        // The portal's downloads, on its session cookie (the API above takes bearer tokens only).
        app.MapGet("/payments/statement.csv", GetMyStatementCsv).WithName("DownloadMyStatement").WithTags("Payouts").RequireAuthorization(Policies.PayHistory)
            .WithSummary("The portal's download of your statement.");
        app.MapGet(FromStripePath, FromStripe).WithName(nameof(FromStripe)).AllowAnonymous().ExcludeFromDescription();
        app.MapGet("/finance/payouts.csv", ExportPayoutsCsv).WithName("DownloadPayouts").WithTags("Payouts").RequireAuthorization(Policies.FinanceApprover).RequireRateLimiting(RequestLimits.Reports)
            .WithSummary("The portal's download of the year's payouts.");

        // Stripe cannot sign in: the signature on the body is its proof. Its events may be larger than anything a person sends.
        app.MapPost("/webhooks/stripe", StripeWebhook.Receive).WithName("StripeWebhook").WithTags("Payouts").AllowAnonymous()
            .WithMetadata(new Microsoft.AspNetCore.Mvc.RequestSizeLimitAttribute(StripeWebhook.MaxBodyBytes))
            .WithSummary("Stripe's events, verified by signature; each acted on once, in any order.")
            .ProducesProblem(StatusCodes.Status400BadRequest);
        app.MapPayeeSetup();
        app.MapPayChanges();
        return app;
    }

    private static async Task<Ok<PayoutSettingsView>> GetPayoutSettings(IMediator mediator, CancellationToken ct) =>
        TypedResults.Ok(await mediator.Send(new GetPayoutSettings(), ct));

    private static async Task<Ok<PayoutSettingsView>> SavePayoutSettings(
        IMediator mediator, PayoutSettingsRequest body, [FromHeader(Name = "If-Match")] string? ifMatch, CancellationToken ct) =>
        TypedResults.Ok(await mediator.Send(new SavePayoutSettings(body, ifMatch), ct));

    private static async Task<Ok<IReadOnlyList<PayoutView>>> PreparePayouts(IMediator mediator, PreparePayoutsRequest body, CancellationToken ct) =>
        TypedResults.Ok(await mediator.Send(new PreparePayouts(body), ct));

    private static async Task<Ok<Page<PayoutView>>> ListPayouts(
        IMediator mediator, string? state, string? payeeId, int? pageSize, string? continuationToken, CancellationToken ct) =>
        TypedResults.Ok(await mediator.Send(new ListPayouts(state, payeeId, pageSize ?? Paging.DefaultPageSize, continuationToken), ct));

    private static async Task<Ok<YearlyTotalsView>> GetYearlyTotals(IMediator mediator, int? year, CancellationToken ct) =>
        TypedResults.Ok(await mediator.Send(new GetYearlyTotals(year), ct));

    private static async Task<FileContentHttpResult> ExportPayoutsCsv(IMediator mediator, int? year, CancellationToken ct) =>
        Csv(await mediator.Send(new ExportPayoutsCsv(year), ct), "payouts");

    private static async Task<Ok<ReconciliationView>> GetReconciliation(IMediator mediator, int? year, bool? stripe, CancellationToken ct) =>
        TypedResults.Ok(await mediator.Send(new GetReconciliation(year, stripe ?? false), ct));

    private static async Task<Ok<PayeeTotalsView>> RecordTaxDetails(IMediator mediator, string personId, CancellationToken ct) =>
        TypedResults.Ok(await mediator.Send(new RecordTaxDetails(personId), ct));

    private static async Task<Ok<PayoutView>> GetPayout(IMediator mediator, string id, CancellationToken ct) =>
        TypedResults.Ok(await mediator.Send(new GetPayout(id), ct));

    private static async Task<Ok<PayoutView>> ApprovePayout(IMediator mediator, string id, [FromHeader(Name = "If-Match")] string? ifMatch, CancellationToken ct) =>
        TypedResults.Ok(await mediator.Send(new ApprovePayout(id, ifMatch), ct));

    private static async Task<Ok<PayoutView>> CancelPayout(IMediator mediator, string id, [FromHeader(Name = "If-Match")] string? ifMatch, CancellationToken ct) =>
        TypedResults.Ok(await mediator.Send(new CancelPayout(id, ifMatch), ct));

    private static async Task<Ok<PayoutView>> RecordPaidOutside(
        IMediator mediator, string id, PaidOutsideRequest body, [FromHeader(Name = "If-Match")] string? ifMatch, CancellationToken ct) =>
        TypedResults.Ok(await mediator.Send(new RecordPaidOutside(id, body, ifMatch), ct));

    private static async Task<Ok<PayoutView>> SetPayoutAside(IMediator mediator, string id, [FromHeader(Name = "If-Match")] string? ifMatch, CancellationToken ct) =>
        TypedResults.Ok(await mediator.Send(new SetPayoutAside(id, ifMatch), ct));

    private static async Task<Ok<PayoutView>> RetryPayout(IMediator mediator, string id, [FromHeader(Name = "If-Match")] string? ifMatch, CancellationToken ct) =>
        TypedResults.Ok(await mediator.Send(new RetryPayout(id, ifMatch), ct));

    private static async Task<Ok<MyPaymentsView>> GetMyPayments(IMediator mediator, int? year, CancellationToken ct) =>
        TypedResults.Ok(await mediator.Send(new GetMyPayments(year), ct));

    private static async Task<Ok<PayeeAccountView>> AcknowledgeBenefitsNotice(IMediator mediator, CancellationToken ct) =>
        TypedResults.Ok(await mediator.Send(new AcknowledgeBenefitsNotice(), ct));

    private static async Task<Ok<PayeeAccountView>> ChoosePayeeMethod(IMediator mediator, PayeeMethodRequest body, CancellationToken ct) =>
        TypedResults.Ok(await mediator.Send(new ChoosePayeeMethod(body), ct));

    private static async Task<Ok<OnboardingLink>> StartStripeOnboarding(IMediator mediator, HttpRequest request, CancellationToken ct) =>
        TypedResults.Ok(await mediator.Send(new StartStripeOnboarding(BackFromStripe(request)), ct));

    private static async Task<Ok<PayeeAccountView>> RefreshStripeStatus(IMediator mediator, CancellationToken ct) =>
        TypedResults.Ok(await mediator.Send(new RefreshStripeStatus(), ct));

    private static async Task<FileContentHttpResult> GetMyStatementCsv(IMediator mediator, int? year, CancellationToken ct) =>
        Csv(await mediator.Send(new GetMyStatementCsv(year), ct), "statement");

    private const string FromStripePath = "/payments/from-stripe";

    /// <summary>Where Stripe sends the payee back (with <c>?stripe=back</c>, or <c>again</c> for a link that ran out): on to their payments page.</summary>
    public static Uri BackFromStripe(HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        // A request without a host (HTTP/1.0) has no address of ours to come back to.
        return request.Host.HasValue && Uri.TryCreate($"{request.Scheme}://{request.Host}{FromStripePath}", UriKind.Absolute, out var back)
            ? back
            : throw new RequestValidationException("host", "The request names no host to come back to.");
    }

    /// <summary>
    /// Stripe sends the payee back from its own site, which the browser counts as cross-site: it withholds the session
    /// cookie, and the payments page would show sign-in. This step, which reads and shows nothing, moves on from here.
    /// </summary>
    private static ContentHttpResult FromStripe(string? stripe, IOptions<PortalOptions> options) =>
        PortalModule.SameSiteStep(stripe is "back" or "again" ? "/payments?stripe=" + stripe : "/payments", "Payments", options.Value);

    private static FileContentHttpResult Csv(string csv, string name) => CsvText.File(csv, name);
}
