using Microsoft.AspNetCore.Http.HttpResults;
using SurvivorConnect.Api.Features.People;
using SurvivorConnect.Api.Infrastructure.Auth;
using SurvivorConnect.Api.Infrastructure.Hosting;
using SurvivorConnect.Storage;

namespace SurvivorConnect.Api.Features.Development;

public sealed record DevUser(string Id, string DisplayName, IReadOnlyList<string> Roles, string AgencyId, string AgencyName);

public sealed record DevTokenRequest(string? UserId);

public sealed record DevToken(string AccessToken, DateTimeOffset ExpiresAt);

/// <summary>
/// Sign-in for developers and the web client, as one of the seeded demo people. Mapped only in
/// Development, so these routes answer 404 everywhere else.
/// </summary>
public static class DevelopmentModule
{
    public static IEndpointRouteBuilder MapDevelopment(this IEndpointRouteBuilder app, IHostEnvironment environment)
    {
        if (!environment.IsDevelopment())
        {
            return app;
        }

        var dev = app.MapGroup("/dev").AllowAnonymous().WithTags("Development");
        dev.MapGet("/users", ListUsers).WithName("ListDemoUsers").WithSummary("The seeded demo people you can sign in as.");
        dev.MapPost("/token", IssueToken).WithName("IssueDemoToken").WithSummary("A bearer token for one demo person.").ProducesProblem(StatusCodes.Status404NotFound)
            .RequireRateLimiting(RequestLimits.SignIn);
        return app;
    }

    private static async Task<Ok<List<DevUser>>> ListUsers(IDocumentStore store, CancellationToken ct) =>
        TypedResults.Ok(await DemoPeople.ActiveAsync(store, ct));

    private static async Task<Results<Ok<DevToken>, ProblemHttpResult>> IssueToken(
        DevTokenRequest request, IDocumentStore store, DevTokenIssuer issuer, TimeProvider time, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(request.UserId) || !PeopleRules.IsValidId(request.UserId))
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Bad request.", detail: "Send the userId of a demo person from GET /dev/users.");
        }

        foreach (var agency in DemoData.Agencies)
        {
            if (await store.ReadAsync<Person>(Person.Container, request.UserId, agency.Id, ct) is { } person)
            {
                var (token, expires) = issuer.Issue(person.Id, agency.Id, time.GetUtcNow());
                return TypedResults.Ok(new DevToken(token, expires));
            }
        }

        return TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Not found.", detail: "No demo person with that id.");
    }
}

/// <summary>The seeded demo people who may still sign in, for the development sign-in (API and portal).</summary>
public static class DemoPeople
{
    public static async Task<List<DevUser>> ActiveAsync(IDocumentStore store, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(store);
        var users = new List<DevUser>();
        foreach (var agency in DemoData.Agencies)
        {
            foreach (var (id, _, _) in agency.People)
            {
                if (await store.ReadAsync<Person>(Person.Container, id, agency.Id, ct) is { Active: true } p)
                {
                    users.Add(new DevUser(p.Id, p.DisplayName, p.Roles, agency.Id, agency.Name));
                }
            }
        }

        return users;
    }
}
