using System.Net;
using System.Net.Http.Headers;

namespace SurvivorConnect.IntegrationTests;

/// <summary>Rate limits that stop a flood without stopping anyone else, and never the platform's health probes.</summary>
public sealed class RequestLimitTests(RequestLimitTests.Factory api) : IClassFixture<RequestLimitTests.Factory>
{
    public sealed class Factory : ApiFactory
    {
        protected override IDictionary<string, string?> Settings => new Dictionary<string, string?>(base.Settings)
        {
            ["Api:PermitsPerMinutePerUser"] = "30",
            ["Api:AnonymousPermitsPerMinute"] = "10",
            ["Api:SignInPermitsPerMinute"] = "3",
            ["Api:PublicDocumentPermitsPerMinute"] = "40",
        };
    }

    [Fact]
    public async Task A_flood_of_bad_tokens_is_limited_but_health_and_signed_in_people_are_not()
    {
        var forged = api.Anonymous();
        forged.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", "not-a-token");

        var flood = new List<HttpResponseMessage>();
        for (var i = 0; i < 40; i++)
        {
            flood.Add(await forged.GetAsync("/api/me"));
        }

        var limited = flood.Where(r => r.StatusCode == HttpStatusCode.TooManyRequests).ToList();
        Assert.True(limited.Count >= 25, $"only {limited.Count} of the flood were limited");
        await HttpAssert.Problem(limited[0], 429);
        Assert.All(limited, r => Assert.InRange(r.Headers.RetryAfter!.Delta!.Value.TotalSeconds, 1, 60));
        for (var i = 0; i < 50; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await api.Anonymous().GetAsync("/health/live")).StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await api.Anonymous().GetAsync("/health/ready")).StatusCode);
        }

        Assert.Equal(HttpStatusCode.OK, (await api.As("demo-mentor").GetAsync("/api/me")).StatusCode);
    }

    [Fact]
    public async Task One_person_over_their_budget_is_limited_with_retry_after_and_others_are_not()
    {
        var busy = api.As("demo-supervisor");
        var statuses = new List<HttpResponseMessage>();
        for (var i = 0; i < 35; i++)
        {
            statuses.Add(await busy.GetAsync("/api/me"));
        }

        var limited = statuses.Last();
        await HttpAssert.Problem(limited, 429);
        Assert.NotNull(limited.Headers.RetryAfter?.Delta);
        Assert.Equal(HttpStatusCode.OK, (await api.As("demo-recruiter").GetAsync("/api/me")).StatusCode);
    }

}

/// <summary>Sign-in apart from the rest, so no other test's traffic from the same address counts against it.</summary>
public sealed class SignInLimitTests(SignInLimitTests.Factory api) : IClassFixture<SignInLimitTests.Factory>
{
    public sealed class Factory : ApiFactory
    {
        protected override IDictionary<string, string?> Settings => new Dictionary<string, string?>(base.Settings)
        {
            ["Api:SignInPermitsPerMinute"] = "3",
        };
    }

    [Fact]
    public async Task Sign_in_has_a_strict_limit_of_its_own()
    {
        var client = api.Anonymous();
        var responses = new List<HttpResponseMessage>();
        for (var i = 0; i < 5; i++)
        {
            responses.Add(await client.PostJson("/dev/token", new { userId = "demo-youth" }));
        }

        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.OK], responses.Take(3).Select(r => r.StatusCode));
        await HttpAssert.Problem(responses[^1], 429);
        Assert.NotNull(responses[^1].Headers.RetryAfter?.Delta);
        Assert.Equal(HttpStatusCode.OK, (await api.Anonymous().GetAsync("/dev/users")).StatusCode);
    }
}
