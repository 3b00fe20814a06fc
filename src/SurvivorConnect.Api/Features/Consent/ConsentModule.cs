using Mediator;
using Microsoft.AspNetCore.Http.HttpResults;
using SurvivorConnect.Api.Infrastructure.Auth;
using SurvivorConnect.Api.Infrastructure.Pipeline;
using SurvivorConnect.Api.Infrastructure.Tenancy;
using SurvivorConnect.Storage;

namespace SurvivorConnect.Api.Features.Consent;

/// <summary>
/// The consent registry: whose consent, from whom, for what and until when, revocable and never deleted.
/// Its subjects (who may record consent about whom) come from <see cref="IConsentSubjects"/>.
/// </summary>
public static class ConsentModule
{
    public static WebApplicationBuilder AddConsent(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddContainer(ConsentRecord.Container);
        builder.Services.AddSingleton<ConsentScopes>();
        builder.Services.AddScoped<ConsentLookup>();
        builder.Services.AddScoped<IValidator<GrantConsent>, GrantConsentScopeValidator>();
        return builder;
    }

    public static IEndpointRouteBuilder MapConsent(this IEndpointRouteBuilder app)
    {
        var consents = app.MapGroup("/api/consents").WithTags("Consent").RequireAuthorization(Policies.MatchParticipant)
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status404NotFound);
        consents.MapPost("/", GrantConsent).WithName(nameof(GrantConsent))
            .WithSummary("Record a consent: your own, or one a youth on your caseload (or their guardian or agency) gave. The same yes already standing is answered as it is (200).");
        // Anyone signed in may withdraw a consent they gave for themselves, whatever their roles now: a mentor whose role
        // was taken away still says no to mentoring, so it does not count again if the role comes back.
        app.MapPost("/api/consents/{id}/revoke", RevokeConsent).WithName(nameof(RevokeConsent)).WithTags("Consent").RequireAuthorization(Policies.SignedIn)
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status404NotFound)
            .WithSummary("Withdraw a consent; it takes effect at once. Staff withdrawing a youth's consent record the youth's no.");
        consents.MapPost("/{id}/correct", CorrectConsent).WithName(nameof(CorrectConsent))
            .WithSummary("Take back a consent staff recorded by mistake, as never given: unlike a revocation, not the youth's no. It takes effect at once.");
        consents.MapGet("/", ListConsents).WithName(nameof(ListConsents))
            .WithSummary("Consents about a subject: yourself, or a youth on your caseload.");
        app.MapGet("/api/consents/mine", ListMyConsents).WithName(nameof(ListMyConsents)).WithTags("Consent").RequireAuthorization(Policies.SignedIn)
            .WithSummary("What you said yes to yourself and can say no to (revoke), whatever your roles now.");
        return app;
    }

    private static async Task<Results<Created<ConsentView>, Ok<ConsentView>>> GrantConsent(IMediator mediator, ConsentRequest body, CancellationToken ct)
    {
        var id = AgencyStore.NewId();
        var consent = await mediator.Send(new GrantConsent(id, body), ct);
        return consent.Id == id ? TypedResults.Created($"/api/consents/{consent.Id}", consent) : TypedResults.Ok(consent);
    }

    private static async Task<Ok<ConsentView>> RevokeConsent(IMediator mediator, string id, CancellationToken ct) =>
        TypedResults.Ok(await mediator.Send(new RevokeConsent(id), ct));

    private static async Task<Ok<ConsentView>> CorrectConsent(IMediator mediator, string id, CancellationToken ct) =>
        TypedResults.Ok(await mediator.Send(new RevokeConsent(id, InError: true), ct));

    private static async Task<Ok<IReadOnlyList<MyConsent>>> ListMyConsents(IMediator mediator, CancellationToken ct) =>
        TypedResults.Ok(await mediator.Send(new ListMyConsents(), ct));

    private static async Task<Ok<IReadOnlyList<ConsentView>>> ListConsents(IMediator mediator, string subjectId, CancellationToken ct) =>
        TypedResults.Ok(await mediator.Send(new ListConsents(subjectId), ct));
}
