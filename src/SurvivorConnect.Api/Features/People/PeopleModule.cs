using Mediator;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using SurvivorConnect.Api.Infrastructure.Auth;
using SurvivorConnect.Api.Infrastructure.Tenancy;
using SurvivorConnect.Storage;

namespace SurvivorConnect.Api.Features.People;

public sealed record CreatePersonRequest(string? DisplayName, string[]? Roles, string? SubjectId);

public sealed record SetRolesRequest(string[]? Roles);

/// <summary>The people of an agency and their roles; the person record every sign-in is checked against.</summary>
public static class PeopleModule
{
    public static WebApplicationBuilder AddPeople(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddContainer(Person.Container);
        builder.Services.AddSingleton<PeopleRepository>();
        return builder;
    }

    public static IEndpointRouteBuilder MapPeople(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/me", GetMe).WithName(nameof(GetMe))
            .RequireAuthorization(Policies.SignedIn)
            .WithTags("People")
            .WithSummary("The signed-in person's profile, roles and agency.");
        app.MapPost("/api/me/safety-notice", AcknowledgeSafetyNotice).WithName(nameof(AcknowledgeSafetyNotice))
            .RequireAuthorization(Policies.SignedIn)
            .WithTags("People")
            .WithSummary("Record that you have read how to leave quickly and clear your history.");
        app.MapPost("/api/me/end-sign-ins", EndMySignIns).WithName(nameof(EndMySignIns))
            .RequireAuthorization(Policies.SignedIn)
            .WithTags("People")
            .WithSummary("Sign out on every device, this one too: portal sessions from before now, and tokens issued more than five minutes before, open nothing, and open pages and chats close.");

        var people = app.MapGroup("/api/people")
            .RequireAuthorization(Policies.AgencyAdmin)
            .WithTags("People")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound);

        people.MapGet("/", List).WithName("ListPeople").WithSummary("People of your agency, ordered by display name.");
        people.MapPost("/", Create).WithName("CreatePerson").WithSummary("Add a person to your agency with roles.").ProducesProblem(StatusCodes.Status409Conflict);
        people.MapGet("/{id}", Get).WithName("GetPerson").WithSummary("One person of your agency (audited).");
        people.MapPut("/{id}/roles", SetRolesOf).WithName("SetRoles").WithSummary("Replace a person's roles; send If-Match.")
            .ProducesProblem(StatusCodes.Status412PreconditionFailed).ProducesProblem(StatusCodes.Status428PreconditionRequired);
        people.MapPost("/{id}/deactivate", Deactivate).WithName("DeactivatePerson").WithSummary("Stop a person's access at once.").ProducesProblem(StatusCodes.Status409Conflict);
        people.MapPost("/{id}/reactivate", Reactivate).WithName("ReactivatePerson").WithSummary("Restore a person's access.");
        people.MapPost("/{id}/end-sign-ins", EndSignInsOf).WithName("EndSignIns")
            .WithSummary("Sign a person out on every device without taking their access away: they sign in again.");
        return app;
    }

    private static async Task<Ok<MeView>> GetMe(IMediator mediator, CancellationToken ct) =>
        TypedResults.Ok(await mediator.Send(new GetMe(), ct));

    private static async Task<Ok<MeView>> AcknowledgeSafetyNotice(IMediator mediator, CancellationToken ct) =>
        TypedResults.Ok(await mediator.Send(new AcknowledgeSafetyNotice(), ct));

    private static async Task<Ok<Page<PersonView>>> List(IMediator mediator, string? role, bool? active, int? pageSize, string? continuationToken, CancellationToken ct) =>
        TypedResults.Ok(await mediator.Send(new ListPeople(role, active, pageSize ?? Paging.DefaultPageSize, continuationToken), ct));

    private static async Task<Created<PersonView>> Create(IMediator mediator, CreatePersonRequest request, HttpResponse response, CancellationToken ct)
    {
        var person = await mediator.Send(new CreatePerson(request.SubjectId ?? AgencyStore.NewId(), request.DisplayName, request.Roles), ct);
        response.Headers.ETag = person.ETag;
        return TypedResults.Created($"/api/people/{person.Id}", PersonView.From(person));
    }

    private static async Task<Ok<PersonView>> Get(IMediator mediator, string id, HttpResponse response, CancellationToken ct) =>
        WithETag(response, await mediator.Send(new GetPerson(id), ct));

    private static async Task<Ok<PersonView>> SetRolesOf(IMediator mediator, string id, SetRolesRequest request, [FromHeader(Name = "If-Match")] string? ifMatch, HttpResponse response, CancellationToken ct) =>
        WithETag(response, await mediator.Send(new SetRoles(id, request.Roles, ifMatch), ct));

    private static async Task<Ok<PersonView>> Deactivate(IMediator mediator, string id, [FromHeader(Name = "If-Match")] string? ifMatch, HttpResponse response, CancellationToken ct) =>
        WithETag(response, await mediator.Send(new SetActive(id, false, ifMatch), ct));

    private static async Task<Ok<PersonView>> Reactivate(IMediator mediator, string id, [FromHeader(Name = "If-Match")] string? ifMatch, HttpResponse response, CancellationToken ct) =>
        WithETag(response, await mediator.Send(new SetActive(id, true, ifMatch), ct));

    private static async Task<NoContent> EndMySignIns(IMediator mediator, CancellationToken ct)
    {
        await mediator.Send(new EndMySignIns(), ct);
        return TypedResults.NoContent();
    }

    private static async Task<Ok<PersonView>> EndSignInsOf(IMediator mediator, string id, HttpResponse response, CancellationToken ct) =>
        WithETag(response, await mediator.Send(new EndSignIns(id), ct));

    private static Ok<PersonView> WithETag(HttpResponse response, Person person)
    {
        response.Headers.ETag = person.ETag;
        return TypedResults.Ok(PersonView.From(person));
    }
}
