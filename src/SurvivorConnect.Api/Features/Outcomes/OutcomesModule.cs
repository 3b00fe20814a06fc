using Mediator;
using Microsoft.AspNetCore.Http.HttpResults;
using SurvivorConnect.Api.Infrastructure.Auth;
using SurvivorConnect.Api.Infrastructure.Hosting;

namespace SurvivorConnect.Api.Features.Outcomes;

/// <summary>
/// Outcome reports: what an agency's work achieves, in aggregate only, for its admins and analysts (and a case
/// manager's own caseload). It reads the other features' records and writes nothing; nothing depends on it.
/// </summary>
public static class OutcomesModule
{
    public static WebApplicationBuilder AddOutcomes(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.Configure<ReportOptions>(builder.Configuration.GetSection(ReportOptions.SectionName));
        builder.Services.AddSingleton<ReportGate>();
        return builder;
    }

    public static IEndpointRouteBuilder MapOutcomes(this IEndpointRouteBuilder app)
    {
        var outcomes = app.MapGroup("/api/outcomes").WithTags("Outcomes").RequireRateLimiting(RequestLimits.Reports)
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status403Forbidden);
        outcomes.MapGet("/", GetOutcomeReport).WithName(nameof(GetOutcomeReport)).RequireAuthorization(Policies.Reports)
            .WithSummary("The outcome report for whole months (from, to as yyyy-MM; practiceChangedFrom optional; scope agency or caseload). Suppressed; audited.");
        outcomes.MapGet("/{table}.csv", ExportOutcomeTable).WithName(nameof(ExportOutcomeTable)).RequireAuthorization(Policies.Reports)
            .ProducesProblem(StatusCodes.Status404NotFound).WithSummary("One table of the report as CSV, suppressed, with a first row saying what was withheld and why. Audited.");

        // The portal's download, on its session cookie (the API above takes bearer tokens only).
        app.MapGet("/outcomes/{table}.csv", ExportOutcomeTable).WithName("DownloadOutcomeTable").WithTags("Outcomes").RequireAuthorization(Policies.Reports)
            .RequireRateLimiting(RequestLimits.Reports)
            .WithSummary("The portal's download of one table.");
        return app;
    }

    private static async Task<Ok<OutcomeReport>> GetOutcomeReport(
        IMediator mediator, ICurrentUser user, string? from, string? to, string? practiceChangedFrom, string? scope, CancellationToken ct) =>
        TypedResults.Ok(await mediator.Send(new GetOutcomeReport(new OutcomeQuery(from, to, practiceChangedFrom, scope).ScopedFor(RoleHistory.Of(user))), ct));

    private static async Task<FileContentHttpResult> ExportOutcomeTable(
        IMediator mediator, ICurrentUser user, string table, string? from, string? to, string? practiceChangedFrom, string? scope, CancellationToken ct)
    {
        var query = new OutcomeQuery(from, to, practiceChangedFrom, scope).ScopedFor(RoleHistory.Of(user));
        var csv = await mediator.Send(new ExportOutcomeTable(query, table), ct);
        return CsvText.File(csv, $"outcomes-{table}-{query.From}-{query.To}");
    }
}
