using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.IdentityModel.Tokens;
using SurvivorConnect.Api.Features.People;
using SurvivorConnect.Api.Infrastructure.Auth;
using SurvivorConnect.Storage;

namespace SurvivorConnect.IntegrationTests;

/// <summary>
/// Every text field refuses the hidden characters chat strips; a body's shape is checked as strictly as its
/// fields; and a 400 names the field, never a C# type.
/// </summary>
[Collection(SharedApi.Name)]
public sealed class TextAndShapeTests(ApiFactory api)
{
    private readonly MentoringWorld _world = new(api);

    public static TheoryData<string> Hidden() => ["Sam\u202Eevil", "Sam\u200Bantha", "Sam\u2066a\u2069", "Sam\uFEFF", "Sam\u00ADantha"];

    [Theory]
    [MemberData(nameof(Hidden))]
    public async Task Names_notes_reasons_and_profile_fields_refuse_hidden_characters(string text)
    {
        var (youthId, _) = await _world.YouthAsync();
        var (mentorId, mentor) = await _world.ReadyMentorAsync();

        var person = await HttpAssert.Problem(await _world.Admin.PostJson("/api/people", new { displayName = text, roles = Array.Empty<string>(), subjectId = "p-" + Guid.NewGuid().ToString("N") }), 400);
        var referral = await HttpAssert.Problem(await _world.CaseManager.PostJson("/api/youth", new { displayName = "Youth", age = 16, stage = "contemplation", interests = new[] { "music", text } }), 400);
        var note = await HttpAssert.Problem(await _world.CaseManager.PostJson($"/api/youth/{youthId}/stage", new { stage = "preparation", note = text }), 400);
        var hold = await HttpAssert.Problem(await _world.Supervisor.PostJson($"/api/mentors/{mentorId}/hold", new { reason = text, stopsChat = false }), 400);
        var profile = await HttpAssert.Problem(await mentor.PutAsJsonAsync("/api/mentors/me", new { displayName = "Mentor", region = text, capacity = 1 }), 400);

        Assert.True(person.GetProperty("errors").TryGetProperty("displayName", out _));
        Assert.True(referral.GetProperty("errors").TryGetProperty("interests", out _));
        Assert.True(note.GetProperty("errors").TryGetProperty("note", out _));
        Assert.True(hold.GetProperty("errors").TryGetProperty("reason", out _));
        Assert.True(profile.GetProperty("errors").TryGetProperty("region", out _));
    }

    [Theory]
    [InlineData("{}")]
    [InlineData("{\"latitude\": 36.7}")]
    [InlineData("{\"longitude\": -119.7}")]
    [InlineData("{\"latitude\": \"north\", \"longitude\": -119.7}")]
    public async Task A_location_missing_a_coordinate_is_400_not_the_middle_of_the_ocean(string location)
    {
        var body = $"{{\"displayName\": \"Youth\", \"age\": 16, \"stage\": \"contemplation\", \"location\": {location}}}";

        var problem = await HttpAssert.Problem(await PostRawAsync(_world.CaseManager, "/api/youth", body), 400);

        Assert.StartsWith("location", problem.GetProperty("errors").EnumerateObject().Single().Name, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("{\"displayName\": \"One\", \"DisplayName\": \"Two\", \"roles\": []}")]
    [InlineData("{\"displayName\": \"One\", \"displayName\": \"Two\", \"roles\": []}")]
    [InlineData("{\"displayName\": \"One\", \"roles\": [], \"ROLES\": [\"AgencyAdmin\"]}")]
    public async Task A_property_given_twice_in_any_case_is_400_and_nothing_is_created(string body)
    {
        var page = await HttpAssert.Ok<PageDto<PersonDto>>(await _world.Admin.GetAsync("/api/people?pageSize=200"));

        var problem = await HttpAssert.Problem(await PostRawAsync(_world.Admin, "/api/people", body.Replace("}", ", \"subjectId\": \"dup-" + Guid.NewGuid().ToString("N")[..8] + "\"}", StringComparison.Ordinal)), 400);

        Assert.Contains("more than once", problem.GetRawText(), StringComparison.Ordinal);
        Assert.Equal(page.Items.Count, (await HttpAssert.Ok<PageDto<PersonDto>>(await _world.Admin.GetAsync("/api/people?pageSize=200"))).Items.Count);
    }

    [Theory]
    [MemberData(nameof(BadShapes))]
    public async Task A_400_names_the_field_and_never_a_type(string method, string url, string? body, string field)
    {
        var problem = await HttpAssert.Problem(await SendRawAsync(_world.CaseManager, method, url, body), 400);

        AssertNamesOnlyFields(problem, field);
    }

    public static TheoryData<string, string, string?, string> BadShapes() => new()
    {
        { "POST", "/api/youth", "{\"displayName\": \"Youth\", \"age\": \"sixteen\"}", "age" },
        { "POST", "/api/youth", "{\"displayName\": \"Youth\", \"location\": {\"latitude\": [1]}}", "location.latitude" },
        { "POST", "/api/youth", "not json", "body" },
        { "POST", "/api/youth", null, "body" },
        { "GET", "/api/youth/x/recommendations?top=lots", null, "top" },
        { "POST", "/api/matches", "[1, 2]", "body" },
    };

    internal static void AssertNamesOnlyFields(JsonElement problem, string field)
    {
        var text = problem.GetRawText();
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), $"{field} is not named in {text}");
        foreach (var internals in new[] { "Request", "Youth", "Int32", "String", "System.", "parameter", "Failed to", "$." })
        {
            Assert.DoesNotContain(internals, text.Replace("\"title\":\"The request has invalid fields.\"", "", StringComparison.Ordinal), StringComparison.Ordinal);
        }
    }

    internal static Task<HttpResponseMessage> PostRawAsync(HttpClient client, string url, string json) => SendRawAsync(client, "POST", url, json);

    internal static Task<HttpResponseMessage> SendRawAsync(HttpClient client, string method, string url, string? json) =>
        client.SendAsync(new HttpRequestMessage(new HttpMethod(method), url)
        {
            Content = json is null ? null : new StringContent(json, Encoding.UTF8, "application/json"),
        });
}

/// <summary>The same answers outside Development, where the framework's defaults for bad requests differ.</summary>
public sealed class TextAndShapeOutsideDevelopmentTests : IAsyncLifetime
{
    private readonly SignedInStagingFactory _staging = new();

    private sealed class SignedInStagingFactory : ApiFactory
    {
        protected override string Environment => "Staging";

        protected override IDictionary<string, string?> Settings => new Dictionary<string, string?>(base.Settings)
        {
            ["Auth:Authority"] = "https://login.microsoftonline.com/00000000-0000-0000-0000-000000000000/v2.0",
            ["Auth:Audience"] = "api://survivorconnect",
            ["Auth:Portal:ClientId"] = "survivorconnect-portal",
            ["Auth:ClientIds:0"] = "survivorconnect-mobile",
        };

        /// <summary>Entra ID cannot be reached from a test, so its tokens are stood in for by ones signed with the test key.</summary>
        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            base.ConfigureWebHost(builder);
            builder.ConfigureTestServices(services => services.PostConfigure<JwtBearerOptions>(JwtBearerDefaults.AuthenticationScheme, o =>
            {
                o.Authority = null;
                o.ConfigurationManager = null;
                o.TokenValidationParameters.ValidIssuer = DevelopmentTokenOptions.Issuer;
                o.TokenValidationParameters.ValidAudience = DevelopmentTokenOptions.Audience;
                o.TokenValidationParameters.IssuerSigningKey = new SymmetricSecurityKey(Convert.FromBase64String(SigningKey));
            }));
        }
    }

    public async Task InitializeAsync()
    {
        var store = _staging.Services.GetRequiredService<IDocumentStore>();
        await store.UpsertAsync(Person.Container, new Person
        {
            Id = "staging-casemanager", PartitionKey = "staging", AgencyId = "staging", DisplayName = "Case manager", Roles = [Roles.CaseManager], CreatedAt = DateTimeOffset.UtcNow,
        }, CancellationToken.None);
    }

    public async Task DisposeAsync() => await _staging.DisposeAsync();

    [Theory]
    [MemberData(nameof(TextAndShapeTests.BadShapes), MemberType = typeof(TextAndShapeTests))]
    public async Task A_400_names_the_field_and_never_a_type(string method, string url, string? body, string field)
    {
        var client = _staging.Anonymous();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", ApiFactory.Mint(new Dictionary<string, object>
        {
            ["oid"] = "staging-casemanager", ["agency"] = "staging", ["azp"] = "survivorconnect-mobile", ["scp"] = "user_impersonation",
        }));

        var problem = await HttpAssert.Problem(await TextAndShapeTests.SendRawAsync(client, method, url, body), 400);

        TextAndShapeTests.AssertNamesOnlyFields(problem, field);
    }

    [Theory]
    [InlineData("survivorconnect-mobile", HttpStatusCode.OK)]
    [InlineData("survivorconnect-portal", HttpStatusCode.Unauthorized)]
    public async Task Only_an_api_client_s_token_opens_the_api_never_one_issued_to_the_portal_whose_pages_use_its_cookie(string app, HttpStatusCode expected)
    {
        var client = _staging.Anonymous();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", ApiFactory.Mint(new Dictionary<string, object>
        {
            ["oid"] = "staging-casemanager", ["agency"] = "staging", ["azp"] = app, ["scp"] = "user_impersonation",
        }));

        Assert.Equal(expected, (await client.GetAsync("/api/me")).StatusCode);
    }
}
