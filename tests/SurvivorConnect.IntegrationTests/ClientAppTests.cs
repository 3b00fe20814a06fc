using System.Net;

namespace SurvivorConnect.IntegrationTests;

/// <summary>
/// Only SurvivorConnect's own apps' tokens, held for a person, open the API: one an app got by a person's consent
/// (a phishing app approved for the API's scope) or holds for itself opens nothing, though it names a real person.
/// </summary>
public sealed class ClientAppTests(ClientAppTests.Api api) : IClassFixture<ClientAppTests.Api>
{
    public sealed class Api : ApiFactory
    {
        protected override IDictionary<string, string?> Settings => new Dictionary<string, string?>(base.Settings)
        {
            ["Auth:ClientIds:0"] = "survivorconnect-mobile",

            // Listed by mistake: a token got with the portal's own id (a device-code prompt someone was talked into) still opens nothing.
            ["Auth:ClientIds:1"] = "survivorconnect-portal",
            ["Auth:Portal:ClientId"] = "survivorconnect-portal",
        };
    }

    [Theory]
    [InlineData("survivorconnect-mobile", "user_impersonation", null, HttpStatusCode.OK)]
    [InlineData("another-app", "user_impersonation", null, HttpStatusCode.Unauthorized)]
    [InlineData("survivorconnect-portal", "user_impersonation", null, HttpStatusCode.Unauthorized)]
    [InlineData(null, "user_impersonation", null, HttpStatusCode.Unauthorized)]
    [InlineData("survivorconnect-mobile", null, null, HttpStatusCode.Unauthorized)]
    [InlineData("survivorconnect-mobile", "user_impersonation", "app", HttpStatusCode.Unauthorized)]
    public async Task A_token_opens_the_api_only_from_our_own_app_and_for_a_person(string? app, string? scope, string? tokenType, HttpStatusCode expected)
    {
        var claims = new Dictionary<string, object> { ["sub"] = "demo-casemanager", ["agency"] = "demo" };
        if (app is not null)
        {
            claims["azp"] = app;
        }

        if (scope is not null)
        {
            claims["scp"] = scope;
        }

        if (tokenType is not null)
        {
            claims["idtyp"] = tokenType;
        }

        var client = api.Anonymous();
        client.DefaultRequestHeaders.Authorization = new("Bearer", ApiFactory.Mint(claims));

        Assert.Equal(expected, (await client.GetAsync("/api/me")).StatusCode);
    }

    [Fact]
    public async Task A_v1_token_names_its_app_as_appid()
    {
        var client = api.Anonymous();
        client.DefaultRequestHeaders.Authorization = new("Bearer", ApiFactory.Mint(new Dictionary<string, object>
        {
            ["sub"] = "demo-casemanager", ["agency"] = "demo", ["appid"] = "survivorconnect-mobile", ["scp"] = "user_impersonation",
        }));

        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/me")).StatusCode);
    }
}

/// <summary>Only the portal's own id listed, by mistake: the list names no app the API takes, so no token opens it, rather than every token.</summary>
public sealed class PortalOnlyClientListTests(PortalOnlyClientListTests.Api api) : IClassFixture<PortalOnlyClientListTests.Api>
{
    public sealed class Api : ApiFactory
    {
        protected override IDictionary<string, string?> Settings => new Dictionary<string, string?>(base.Settings)
        {
            ["Auth:ClientIds:0"] = "survivorconnect-portal",
            ["Auth:Portal:ClientId"] = "survivorconnect-portal",
        };
    }

    [Theory]
    [InlineData("survivorconnect-portal")]
    [InlineData("another-app")]
    [InlineData(null)]
    public async Task No_token_opens_the_api(string? app)
    {
        var claims = new Dictionary<string, object> { ["sub"] = "demo-casemanager", ["agency"] = "demo", ["scp"] = "user_impersonation" };
        if (app is not null)
        {
            claims["azp"] = app;
        }

        var client = api.Anonymous();
        client.DefaultRequestHeaders.Authorization = new("Bearer", ApiFactory.Mint(claims));

        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("/api/me")).StatusCode);
    }
}
