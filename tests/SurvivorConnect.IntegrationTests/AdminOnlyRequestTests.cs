using System.Security.Claims;
using System.Text.Json;
using Mediator;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using SurvivorConnect.Api.Features.Agencies;
using SurvivorConnect.Api.Features.Audit;
using SurvivorConnect.Api.Features.Mentoring;
using SurvivorConnect.Api.Features.People;
using SurvivorConnect.Api.Infrastructure.Auth;
using SurvivorConnect.Api.Infrastructure.Errors;
using SurvivorConnect.Api.Infrastructure.Pipeline;

namespace SurvivorConnect.IntegrationTests;

/// <summary>
/// A request only an agency admin may make is refused to anyone else however it is sent, as a portal page whose policy
/// admits more people sends it straight to the handler: the outcomes page, open to analysts, holds the admin's threshold form.
/// </summary>
public sealed class AdminOnlyRequestTests(ApiFactory api) : IClassFixture<ApiFactory>
{
    [Fact]
    public void Every_request_an_admin_only_route_sends_is_admin_only_however_sent()
    {
        var requests = typeof(IAgencyAdminOnly).Assembly.GetTypes().Where(t => typeof(IMessage).IsAssignableFrom(t)).ToDictionary(t => t.Name);
        var adminRoutes = api.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Where(e => e.Metadata.GetOrderedMetadata<IAuthorizeData>().Any(a => a.Policy == Policies.AgencyAdmin))
            .Select(e => e.Metadata.GetMetadata<IEndpointNameMetadata>()?.EndpointName)
            .OfType<string>()
            .Where(requests.ContainsKey)
            .ToList();

        Assert.True(adminRoutes.Count >= 15, $"Only {adminRoutes.Count} admin routes were matched to their requests.");
        Assert.All(adminRoutes, name => Assert.True(typeof(IAgencyAdminOnly).IsAssignableFrom(requests[name]), $"{name} is not IAgencyAdminOnly."));
    }

    public static TheoryData<string> Requests => ["threshold", "consent-policy", "create-person", "assign-supervisor", "audit-log"];

    [Theory]
    [MemberData(nameof(Requests))]
    public async Task An_analyst_sending_an_admins_request_is_refused_before_anything_changes_and_the_refusal_is_audited(string request)
    {
        await using var scope = api.Services.CreateAsyncScope();
        scope.ServiceProvider.GetRequiredService<HubCaller>().Principal = new ClaimsPrincipal(new ClaimsIdentity(
            [new Claim(ScClaims.UserId, "demo-analyst"), new Claim(ScClaims.Agency, "demo"), new Claim(ScClaims.Active, "true"), new Claim(ScClaims.Role, Roles.Analyst)],
            ScClaims.AuthenticationType, ScClaims.UserId, ScClaims.Role));
        var mediator = scope.ServiceProvider.GetRequiredService<IMediator>();

        await Assert.ThrowsAsync<ForbiddenException>(async () => _ = request switch
        {
            "threshold" => await mediator.Send(new SetReportThreshold(new ReportThresholdRequest(100))),
            "consent-policy" => await mediator.Send(new SetMatchConsentPolicy(new MatchConsentPolicyRequest(21, []))),
            "create-person" => await mediator.Send(new CreatePerson("made-by-analyst", "Made by an analyst", [Roles.AgencyAdmin])),
            "assign-supervisor" => await mediator.Send(new AssignSupervisor("demo-mentor", "demo-analyst")),
            _ => (object)await mediator.Send(new ListAuditEntries(null, null, null, 50, null, null, null, null)),
        });

        var agency = await HttpAssert.Ok<JsonElement>(await api.As("demo-admin").GetAsync("/api/agency"));
        Assert.Equal(Agency.DefaultReportThreshold, agency.GetProperty("reportThreshold").GetInt32());
        Assert.Equal(18, agency.GetProperty("matchConsentPolicy").GetProperty("adultAge").GetInt32());
        await HttpAssert.Problem(await api.As("demo-admin").GetAsync("/api/people/made-by-analyst"), 404);
        var denied = await HttpAssert.Ok<PageDto<AuditDto>>(await api.As("demo-admin").GetAsync("/api/audit?actorId=demo-analyst"));
        Assert.Contains(denied.Items, e => e.Outcome == "Denied");
    }
}
