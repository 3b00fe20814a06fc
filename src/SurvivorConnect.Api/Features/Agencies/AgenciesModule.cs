using Mediator;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using SurvivorConnect.Api.Infrastructure.Auth;
using SurvivorConnect.Storage;

namespace SurvivorConnect.Api.Features.Agencies;

/// <summary>The agency (tenant) itself and the policies its admin sets.</summary>
public static class AgenciesModule
{
    public static WebApplicationBuilder AddAgencies(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddContainer(Agency.Container);
        builder.Services.AddScoped<AgencyCalendar>();
        builder.Services.AddSingleton<CrisisLinesLastRead>();
        return builder;
    }

    public static IEndpointRouteBuilder MapAgencies(this IEndpointRouteBuilder app)
    {
        var agency = app.MapGroup("/api/agency").WithTags("Agency");
        agency.MapGet("/", GetAgency).WithName(nameof(GetAgency))
            .RequireAuthorization(Policies.SignedIn).WithSummary("Your agency and its match consent policy.");
        agency.MapPut("/match-consent-policy", SetMatchConsentPolicy).WithName(nameof(SetMatchConsentPolicy))
            .RequireAuthorization(Policies.AgencyAdmin).WithSummary("Whose consent a minor's match needs besides the youth's.");
        agency.MapPut("/report-threshold", SetReportThreshold).WithName(nameof(SetReportThreshold))
            .RequireAuthorization(Policies.AgencyAdmin).WithSummary("The fewest people an outcome report shows a number for: 11 or more.");
        agency.MapPut("/time-zone", SetAgencyTimeZone).WithName(nameof(SetAgencyTimeZone))
            .RequireAuthorization(Policies.AgencyAdmin).WithSummary("Where the agency works: actions and follow-ups fall due by its calendar day.");
        agency.MapPut("/crisis-lines", SetAgencyCrisisLines).WithName(nameof(SetAgencyCrisisLines))
            .RequireAuthorization(Policies.AgencyAdmin).WithSummary("The agency's own crisis lines, shown to its people before the national ones.");
        return app;
    }

    private static async Task<Ok<AgencyView>> GetAgency(IMediator mediator, CancellationToken ct) =>
        TypedResults.Ok(await mediator.Send(new GetAgency(), ct));

    private static async Task<Ok<AgencyView>> SetMatchConsentPolicy(
        IMediator mediator, MatchConsentPolicyRequest body, [FromHeader(Name = "If-Match")] string? ifMatch, CancellationToken ct) =>
        TypedResults.Ok(await mediator.Send(new SetMatchConsentPolicy(body, ifMatch), ct));

    private static async Task<Ok<AgencyView>> SetAgencyTimeZone(
        IMediator mediator, TimeZoneRequest body, [FromHeader(Name = "If-Match")] string? ifMatch, CancellationToken ct) =>
        TypedResults.Ok(await mediator.Send(new SetAgencyTimeZone(body, ifMatch), ct));

    private static async Task<Ok<AgencyView>> SetAgencyCrisisLines(
        IMediator mediator, CrisisLinesRequest body, [FromHeader(Name = "If-Match")] string? ifMatch, CancellationToken ct) =>
        TypedResults.Ok(await mediator.Send(new SetAgencyCrisisLines(body, ifMatch), ct));

    private static async Task<Ok<AgencyView>> SetReportThreshold(
        IMediator mediator, ReportThresholdRequest body, [FromHeader(Name = "If-Match")] string? ifMatch, CancellationToken ct) =>
        TypedResults.Ok(await mediator.Send(new SetReportThreshold(body, ifMatch), ct));
}
