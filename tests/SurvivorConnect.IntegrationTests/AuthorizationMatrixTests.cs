using System.Net;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using SurvivorConnect.Api.Infrastructure.Auth;

namespace SurvivorConnect.IntegrationTests;

/// <summary>
/// Every endpoint the app maps, with who may call it. A new endpoint without a row, or without an
/// authorization policy, fails this test: extend the matrix with every feature.
/// </summary>
public sealed class AuthorizationMatrixTests(AuthorizationMatrixTests.Factory api) : IClassFixture<AuthorizationMatrixTests.Factory>
{
    public sealed class Factory : ApiFactory;

    private const string Anonymous = nameof(Anonymous);

    private static readonly string[] All = [.. Roles.All];

    /// <summary>Public by design and outside the matrix: health probes and the API description.</summary>
    private static readonly string[] PublicPrefixes = ["/health/", "/openapi/", "/scalar"];

    public sealed record Row(string Method, string Route, string Path, object? Body, string[] Allowed);

    public static readonly Row[] Matrix =
    [
        new("GET", "/api/me", "/api/me", null, All),
        new("GET", "/api/people", "/api/people", null, [Roles.AgencyAdmin]),
        new("POST", "/api/people", "/api/people", new { displayName = "Matrix", roles = Array.Empty<string>() }, [Roles.AgencyAdmin]),
        new("GET", "/api/people/{id}", "/api/people/demo-youth", null, [Roles.AgencyAdmin]),
        new("PUT", "/api/people/{id}/roles", "/api/people/nobody/roles", new { roles = Array.Empty<string>() }, [Roles.AgencyAdmin]),
        new("POST", "/api/people/{id}/deactivate", "/api/people/nobody/deactivate", null, [Roles.AgencyAdmin]),
        new("POST", "/api/people/{id}/reactivate", "/api/people/nobody/reactivate", null, [Roles.AgencyAdmin]),
        new("GET", "/api/audit", "/api/audit", null, [Roles.AgencyAdmin]),
        new("GET", "/dev/users", "/dev/users", null, [Anonymous]),
        new("POST", "/dev/token", "/dev/token", new { userId = "demo-youth" }, [Anonymous]),
    ];

    private static readonly Dictionary<string, string> UserForRole = new()
    {
        [Roles.Youth] = "demo-youth",
        [Roles.Mentor] = "demo-mentor",
        [Roles.CaseManager] = "demo-casemanager",
        [Roles.Supervisor] = "demo-supervisor",
        [Roles.Recruiter] = "demo-recruiter",
        [Roles.FinanceApprover] = "demo-finance",
        [Roles.AgencyAdmin] = "demo-admin",
    };

    private static string Key(string method, string route) => $"{method} {route.TrimEnd('/')}";

    [Fact]
    public void Every_endpoint_has_a_policy_and_a_row_and_every_row_an_endpoint()
    {
        var endpoints = api.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Where(e => !PublicPrefixes.Any(p => ("/" + e.RoutePattern.RawText!.TrimStart('/')).StartsWith(p, StringComparison.Ordinal)))
            .SelectMany(e => e.Metadata.GetMetadata<HttpMethodMetadata>()!.HttpMethods.Select(m => (Key: Key(m, e.RoutePattern.RawText!), Endpoint: e)))
            .ToList();
        var rows = Matrix.ToDictionary(r => Key(r.Method, r.Route));

        foreach (var (key, endpoint) in endpoints)
        {
            Assert.True(rows.TryGetValue(key, out var row), $"{key} is not in the authorization matrix.");
            var anonymous = endpoint.Metadata.GetMetadata<IAllowAnonymous>() is not null;
            if (row.Allowed.Contains(Anonymous))
            {
                Assert.True(anonymous, $"{key} is public in the matrix but not marked AllowAnonymous.");
            }
            else
            {
                Assert.False(anonymous, $"{key} must not allow anonymous callers.");
                Assert.Contains(endpoint.Metadata.GetOrderedMetadata<IAuthorizeData>(), a => !string.IsNullOrEmpty(a.Policy));
            }
        }

        Assert.Empty(rows.Keys.Except(endpoints.Select(e => e.Key)));
    }

    public static TheoryData<string, string> Cases()
    {
        var data = new TheoryData<string, string>();
        foreach (var row in Matrix)
        {
            foreach (var caller in All.Append(Anonymous))
            {
                data.Add(Key(row.Method, row.Route), caller);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Each_caller_gets_what_the_matrix_says(string endpoint, string caller)
    {
        var row = Matrix.Single(r => Key(r.Method, r.Route) == endpoint);
        var client = caller == Anonymous ? api.Anonymous() : api.As(UserForRole[caller]);
        var request = new HttpRequestMessage(new HttpMethod(row.Method), row.Path);
        if (row.Body is not null)
        {
            request.Content = JsonContent.Create(row.Body);
        }

        var status = (await client.SendAsync(request)).StatusCode;

        if (row.Allowed.Contains(Anonymous) || row.Allowed.Contains(caller))
        {
            Assert.True(status is not (HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden), $"{caller} should reach {endpoint} but got {(int)status}.");
        }
        else
        {
            Assert.Equal(caller == Anonymous ? HttpStatusCode.Unauthorized : HttpStatusCode.Forbidden, status);
        }
    }
}
