using System.Net;
using System.Text.RegularExpressions;
using StackExchange.Redis;
using SurvivorConnect.Testing;

namespace SurvivorConnect.IntegrationTests;

/// <summary>Two instances on one store and one Redis: what one signs (a portal cookie, an antiforgery token) the other accepts.</summary>
public sealed partial class SharedKeysTests : IAsyncLifetime
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "sc-keys-" + Guid.NewGuid().ToString("N"));
    private RedisTestServer _redis = null!;
    private InstanceFactory _first = null!;
    private InstanceFactory _second = null!;

    private sealed class InstanceFactory(string folder, string redis) : ApiFactory(folder)
    {
        protected override IDictionary<string, string?> Settings => new Dictionary<string, string?>(base.Settings) { ["Chat:Redis"] = redis };
    }

    public async Task InitializeAsync()
    {
        _redis = await RedisTestServer.StartAsync();
        _first = new InstanceFactory(_folder, _redis.Configuration);
        _second = new InstanceFactory(_folder, _redis.Configuration);
    }

    public async Task DisposeAsync()
    {
        await _first.DisposeAsync();
        await _second.DisposeAsync();
        await _redis.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_folder, recursive: true);
    }

    [Fact]
    public async Task A_form_from_one_instance_signs_in_on_the_other_and_its_cookie_works_on_both()
    {
        var cookies = new CookieContainer();
        var first = Client(_first, cookies);
        var second = Client(_second, cookies);

        // The sign-in page comes from the first instance; the form is posted to the second.
        var token = Token().Match(await first.GetStringAsync("/signin")).Groups[1].Value;
        var signedIn = await second.PostAsync("/signin/demo", new FormUrlEncodedContent([new("personId", "demo-casemanager"), new("__RequestVerificationToken", token)]));

        Assert.Equal(HttpStatusCode.Redirect, signedIn.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await first.GetAsync("/caseload")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await second.GetAsync("/caseload")).StatusCode);

        await using var redis = await ConnectionMultiplexer.ConnectAsync(_redis.Configuration);
        Assert.True(await redis.GetDatabase().ListLengthAsync("survivorconnect:data-protection-keys") >= 1);
    }

    private static HttpClient Client(ApiFactory factory, CookieContainer cookies) =>
        new(new CookieContainerHandler(cookies) { InnerHandler = factory.Server.CreateHandler() }) { BaseAddress = factory.Server.BaseAddress };

    [GeneratedRegex("name=\"__RequestVerificationToken\" value=\"([^\"]+)\"")]
    private static partial Regex Token();

    /// <summary>One browser's cookies, sent to whichever instance a request reaches.</summary>
    private sealed class CookieContainerHandler(CookieContainer cookies) : DelegatingHandler
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var uri = new Uri("http://localhost" + request.RequestUri!.PathAndQuery);
            if (cookies.GetCookieHeader(uri) is { Length: > 0 } header)
            {
                request.Headers.Add("Cookie", header);
            }

            var response = await base.SendAsync(request, cancellationToken);
            if (response.Headers.TryGetValues("Set-Cookie", out var set))
            {
                foreach (var cookie in set)
                {
                    cookies.SetCookies(uri, cookie);
                }
            }

            return response;
        }
    }
}
