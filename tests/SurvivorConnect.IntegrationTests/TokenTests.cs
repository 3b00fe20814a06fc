using System.Net;
using System.Net.Http.Headers;
using SurvivorConnect.Api.Infrastructure.Auth;

namespace SurvivorConnect.IntegrationTests;

/// <summary>Tokens are taken only as they are: not long after they expire, never with a guessed agency, and refusals say nothing useful to a forger.</summary>
[Collection(SharedApi.Name)]
public sealed class TokenTests(ApiFactory api)
{
    [Fact]
    public async Task A_token_that_expired_a_minute_ago_is_refused()
    {
        var lifetime = TimeSpan.FromMinutes(new AuthOptions().Development.LifetimeMinutes);
        var expiredAMinuteAgo = api.TokenFor("demo-mentor", at: DateTimeOffset.UtcNow - lifetime - TimeSpan.FromSeconds(60));
        var stillGood = api.TokenFor("demo-mentor", at: DateTimeOffset.UtcNow - lifetime + TimeSpan.FromSeconds(60));

        Assert.Equal(HttpStatusCode.Unauthorized, (await GetMeAsync(expiredAMinuteAgo)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await GetMeAsync(stillGood)).StatusCode);
    }

    [Fact]
    public async Task A_refused_token_is_called_invalid_without_saying_why()
    {
        var lifetime = TimeSpan.FromMinutes(new AuthOptions().Development.LifetimeMinutes);
        var expired = await GetMeAsync(api.TokenFor("demo-mentor", at: DateTimeOffset.UtcNow - lifetime - TimeSpan.FromHours(1)));
        var forged = await GetMeAsync(ApiFactory.Mint(new Dictionary<string, object> { ["sub"] = "demo-admin", ["agency"] = "demo" }, new string('k', 64)));
        var none = await api.Anonymous().GetAsync("/api/me");

        foreach (var response in new[] { expired, forged })
        {
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
            Assert.Equal("Bearer error=\"invalid_token\"", response.Headers.WwwAuthenticate.ToString());
        }

        Assert.Equal(HttpStatusCode.Unauthorized, none.StatusCode);
        Assert.Equal("Bearer", none.Headers.WwwAuthenticate.ToString());
    }

    [Theory]
    [MemberData(nameof(OddAgencies))]
    public async Task A_token_whose_agency_or_person_is_not_one_string_is_refused(string claim, object value)
    {
        var claims = new Dictionary<string, object> { ["sub"] = "demo-admin", ["agency"] = "demo" };
        claims[claim] = value;

        var response = await GetMeAsync(ApiFactory.Mint(claims));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    public static TheoryData<string, object> OddAgencies() => new()
    {
        { "agency", new[] { "demo", "demo-north" } },
        { "agency", new[] { "demo" } },
        { "agency", 42 },
        { "agency", new Dictionary<string, object> { ["id"] = "demo" } },
        { "sub", new[] { "demo-admin", "north-admin" } },
    };

    [Fact]
    public async Task A_well_formed_minted_token_is_accepted_so_the_refusals_above_are_about_the_claims()
    {
        var response = await GetMeAsync(ApiFactory.Mint(new Dictionary<string, object> { ["sub"] = "demo-admin", ["agency"] = "demo" }));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task A_token_that_carries_SurvivorConnects_own_claims_gets_no_role_or_agency_from_them()
    {
        // Roles and agency are SurvivorConnect's to say: a youth's token dressed up as an admin of another agency is the youth's.
        var forged = api.Anonymous();
        forged.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", ApiFactory.Mint(new Dictionary<string, object>
        {
            ["sub"] = "demo-youth",
            ["agency"] = "demo",
            [ScClaims.UserId] = "north-admin",
            [ScClaims.Agency] = "demo-north",
            [ScClaims.Active] = "true",
            [ScClaims.Role] = Roles.AgencyAdmin,
        }));

        var me = await HttpAssert.Ok<MeDto>(await forged.GetAsync("/api/me"));

        Assert.Equal(("demo-youth", "demo"), (me.Id, me.AgencyId));
        Assert.Equal([Roles.Youth], me.Roles);
        await HttpAssert.Problem(await forged.GetAsync("/api/people"), 403);
        await HttpAssert.Problem(await forged.GetAsync("/api/audit"), 403);
    }

    private Task<HttpResponseMessage> GetMeAsync(string token)
    {
        var client = api.Anonymous();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client.GetAsync("/api/me");
    }
}
