using System.Net.Http.Headers;
using System.Security.Claims;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using SurvivorConnect.Api.Features.Development;
using SurvivorConnect.Api.Features.Notifications;
using SurvivorConnect.Api.Infrastructure.Auth;

namespace SurvivorConnect.IntegrationTests;

/// <summary>
/// The API in memory on its embedded store (a fresh SQLite file per factory), in Development so the demo
/// agencies are seeded. Clients sign in as a demo person with a real bearer token.
/// </summary>
public class ApiFactory : WebApplicationFactory<Program>
{
    public const string SigningKey = "c3Vydml2b3Jjb25uZWN0LXRlc3Qtc2lnbmluZy1rZXktMzItYnl0ZXM=";

    private readonly string _folder;
    private readonly bool _ownsFolder;

    public ApiFactory()
        : this(null)
    {
    }

    /// <summary>An API on the store in <paramref name="folder"/>, which outlives it (a restart of the same server).</summary>
    protected ApiFactory(string? folder)
    {
        _ownsFolder = folder is null;
        _folder = folder ?? Path.Combine(Path.GetTempPath(), "sc-api-" + Guid.NewGuid().ToString("N"));
    }

    public static JsonSerializerOptions Json { get; } = new(JsonSerializerDefaults.Web);

    /// <summary>Settings this factory adds to the app's configuration.</summary>
    protected virtual IDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["Storage:Provider"] = "Sqlite",
        ["Storage:Sqlite:Path"] = Path.Combine(_folder, "api.db"),

        // Tests sharing a server leave their clients connected; the caps are ChatRefusalTests' and NoticeConnectionCapTests' business.
        ["Chat:MaxConnectionsPerPerson"] = "1000",
        ["Notifications:MaxConnectionsPerPerson"] = "1000",

        // Reports, and everything else, are asked for many times a minute by the same demo people here, and the tests
        // sharing a server sign in to the portal from its one address more than a person would; the limits are
        // RequestLimitTests' business.
        ["Api:ReportPermitsPerMinute"] = "100000",
        ["Payouts:StripeChecksPerMinute"] = "100000",
        ["Api:PermitsPerMinutePerUser"] = "100000",
        ["Api:SignInPermitsPerMinute"] = "100000",
    };

    protected virtual string Environment => "Development";

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment(Environment);
        builder.UseSetting("Auth:Development:SigningKey", SigningKey);
        foreach (var (key, value) in Settings)
        {
            builder.UseSetting(key, value);
        }

        builder.ConfigureLogging(logging => logging.AddFakeLogging());
    }

    public HttpClient Anonymous() => CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });

    /// <summary>A client signed in as a demo person, e.g. "demo-admin" or "north-casemanager".</summary>
    public HttpClient As(string userId)
    {
        var agency = DemoData.Agencies.FirstOrDefault(a => a.People.Any(p => p.Id == userId))?.Id ?? "demo";
        return AsSubject(userId, agency);
    }

    /// <summary>A client with a valid token for any subject and agency, whether or not such a person exists.</summary>
    public string TokenFor(string subject, string agencyId = "demo", DateTimeOffset? at = null) =>
        Services.GetRequiredService<DevTokenIssuer>().Issue(subject, agencyId, at ?? DateTimeOffset.UtcNow).AccessToken;

    /// <summary>A token with exactly these claims (any JSON shape), signed with the test key or another one; without "iat" unless <paramref name="dated"/>.</summary>
    public static string Mint(IDictionary<string, object> claims, string? otherKey = null, bool dated = true) =>
        new JsonWebTokenHandler { SetDefaultTimesOnTokenCreation = dated }.CreateToken(new SecurityTokenDescriptor
        {
            Issuer = DevelopmentTokenOptions.Issuer,
            Audience = DevelopmentTokenOptions.Audience,
            Claims = claims,
            Subject = new ClaimsIdentity(),
            Expires = DateTime.UtcNow.AddMinutes(10),
            SigningCredentials = new SigningCredentials(
                otherKey is null ? new SymmetricSecurityKey(Convert.FromBase64String(SigningKey)) : new SymmetricSecurityKey(System.Text.Encoding.UTF8.GetBytes(otherKey)),
                SecurityAlgorithms.HmacSha256),
        });

    public HttpClient AsSubject(string subject, string agencyId)
    {
        var token = TokenFor(subject, agencyId);
        var client = Anonymous();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    public FakeLogCollector Logs => Services.GetFakeLogCollector();

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        if (_ownsFolder && Directory.Exists(_folder))
        {
            Directory.Delete(_folder, recursive: true);
        }
    }
}

/// <summary>One API for a whole test collection, to keep the suite fast.</summary>
[CollectionDefinition(Name)]
public sealed class SharedApi : ICollectionFixture<ApiFactory>
{
    public const string Name = "api";
}

public static class HttpAssert
{
    /// <summary>
    /// Asserts a portal answer no other site may frame, steer from the tab that opened it, send the page's address to, or
    /// have read as another type, and that may open its own sockets.
    /// </summary>
    public static void MayNotBeFramedOrSniffed(HttpResponseMessage response)
    {
        ArgumentNullException.ThrowIfNull(response);
        Assert.Equal("DENY", response.Headers.GetValues("X-Frame-Options").Single());
        Assert.Equal("same-origin", response.Headers.GetValues("Cross-Origin-Opener-Policy").Single());
        Assert.Equal("no-referrer", response.Headers.GetValues("Referrer-Policy").Single());
        var policy = response.Headers.GetValues("Content-Security-Policy").Single();
        Assert.Contains("frame-ancestors 'none'", policy, StringComparison.Ordinal);

        // Its own socket address named, for browsers that do not count it as 'self' (Safari before 15.4).
        Assert.Contains($"connect-src 'self' ws://{response.RequestMessage!.RequestUri!.Authority};", policy, StringComparison.Ordinal);
        Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
    }

    /// <summary>Asserts an RFC 9110 ProblemDetails body with the status and a trace id, and no stack trace.</summary>
    public static async Task<JsonElement> Problem(HttpResponseMessage response, int status)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True((int)response.StatusCode == status, $"Expected {status}, got {(int)response.StatusCode}: {body}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        using var document = JsonDocument.Parse(body);
        var root = document.RootElement.Clone();
        Assert.Equal(status, root.GetProperty("status").GetInt32());
        Assert.Matches("^https://tools.ietf.org/html/(rfc9110#section-15\\.|rfc6585#section-)", root.GetProperty("type").GetString());
        Assert.False(string.IsNullOrEmpty(root.GetProperty("traceId").GetString()));
        Assert.DoesNotContain("   at ", body, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", body, StringComparison.Ordinal);
        return root;
    }

    public static async Task<T> Ok<T>(HttpResponseMessage response)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"Expected success, got {(int)response.StatusCode}: {body}");
        return JsonSerializer.Deserialize<T>(body, ApiFactory.Json)!;
    }

    /// <summary>Every page of a paged list (the url already has a query), following its continuation tokens from the first.</summary>
    public static async Task<List<PageDto<T>>> PagesAsync<T>(HttpClient client, string url)
    {
        ArgumentNullException.ThrowIfNull(client);
        var pages = new List<PageDto<T>>();
        string? token = null;
        do
        {
            var page = await Ok<PageDto<T>>(await client.GetAsync(token is null ? url : $"{url}&continuationToken={Uri.EscapeDataString(token)}"));
            pages.Add(page);
            token = page.ContinuationToken;
        }
        while (token is not null);

        return pages;
    }

    /// <summary>A request as a browser's address bar or form makes it, asking for a page rather than JSON.</summary>
    public static async Task<HttpResponseMessage> BrowseAsync(this HttpClient client, string path, HttpMethod? method = null)
    {
        ArgumentNullException.ThrowIfNull(client);
        using var request = new HttpRequestMessage(method ?? HttpMethod.Get, path);
        request.Headers.Accept.ParseAdd("text/html,application/xhtml+xml,*/*;q=0.8");
        return await client.SendAsync(request);
    }

    public static Task<HttpResponseMessage> PostJson(this HttpClient client, string url, object body) => client.PostAsJsonAsync(url, body);

    /// <summary>The id the server gives the notice sent once for <paramref name="key"/> to <paramref name="recipient"/>.</summary>
    public static Task<string> NoticeIdAsync(this WebApplicationFactory<Program> api, string key, string recipient, string agencyId = "demo") =>
        api.Services.GetRequiredService<NoticeIds>().OfAsync(agencyId, key, recipient, CancellationToken.None);

    /// <summary>The signed-in person's notices, newest first, as many as one page holds.</summary>
    public static async Task<List<NotificationDto>> NoticesAsync(this HttpClient client) =>
        (await HttpAssert.Ok<PageDto<NotificationDto>>(await client.GetAsync("/api/notifications?pageSize=100"))).Items;

    /// <summary>Gives a person access back, as the admin sees the person now (their version as If-Match).</summary>
    public static async Task<HttpResponseMessage> ReactivateAsync(this HttpClient admin, string personId)
    {
        var person = await admin.GetAsync($"/api/people/{personId}");
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/people/{personId}/reactivate");
        request.Headers.TryAddWithoutValidation("If-Match", person.Headers.ETag!.Tag);
        return await admin.SendAsync(request);
    }

    /// <summary>An agency setting saved over the agency's settings as they are now (their version as If-Match).</summary>
    public static async Task<HttpResponseMessage> PutAgencySetting(this HttpClient admin, string url, object body)
    {
        var agency = await HttpAssert.Ok<System.Text.Json.JsonElement>(await admin.GetAsync("/api/agency"));
        return await admin.PutJson(url, body, agency.GetProperty("version").GetString());
    }

    /// <summary>A PUT of <paramref name="body"/> made to the version <paramref name="ifMatch"/> (none when null).</summary>
    public static Task<HttpResponseMessage> PutJson(this HttpClient client, string url, object body, string? ifMatch) => client.SendJson(HttpMethod.Put, url, body, ifMatch);

    /// <summary>A POST (of <paramref name="body"/>, if any) made to the version <paramref name="ifMatch"/> (none when null).</summary>
    public static Task<HttpResponseMessage> PostJson(this HttpClient client, string url, object? body, string? ifMatch) => client.SendJson(HttpMethod.Post, url, body, ifMatch);

    /// <summary>
    /// Records a team meeting (<c>/api/teams/{youthId}/meetings/{meetingId}/record</c>) on the meeting as the caller reads it
    /// now, as the page does; a meeting they cannot read is sent without a version.
    /// </summary>
    public static async Task<HttpResponseMessage> RecordMeetingAsync(this HttpClient client, string recordUrl, object body)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(recordUrl);
        var meetingsUrl = recordUrl[..recordUrl.LastIndexOf('/', recordUrl.Length - "/record".Length - 1)];
        var meetingId = recordUrl[(meetingsUrl.Length + 1)..^"/record".Length];
        var read = await client.GetAsync(meetingsUrl);
        var version = read.IsSuccessStatusCode
            ? (await read.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("meetings").EnumerateArray()
                .Where(m => m.GetProperty("id").GetString() == meetingId).Select(m => m.GetProperty("version").GetString()).FirstOrDefault()
            : null;
        return await client.PostJson(recordUrl, body, version);
    }

    private static Task<HttpResponseMessage> SendJson(this HttpClient client, HttpMethod method, string url, object? body, string? ifMatch)
    {
        var request = new HttpRequestMessage(method, url) { Content = body is null ? null : JsonContent.Create(body) };
        if (ifMatch is not null)
        {
            request.Headers.TryAddWithoutValidation("If-Match", ifMatch);
        }

        return client.SendAsync(request);
    }
}
