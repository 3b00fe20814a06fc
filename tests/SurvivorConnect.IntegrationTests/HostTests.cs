using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using SurvivorConnect.Api.Infrastructure.Auth;

namespace SurvivorConnect.IntegrationTests;

[Collection(SharedApi.Name)]
public sealed class HostTests(ApiFactory api)
{
    [Fact]
    public async Task Health_endpoints_answer_without_a_token_and_ready_checks_storage()
    {
        var client = api.Anonymous();

        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/health/live")).StatusCode);
        var ready = await client.GetAsync("/health/ready");

        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        Assert.Equal("Healthy", await ready.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task The_OpenAPI_document_and_the_API_reference_are_served_in_Development()
    {
        var client = api.Anonymous();

        var document = await client.GetStringAsync("/openapi/v1.json");
        var reference = await client.GetAsync("/scalar/");

        Assert.Contains("\"/api/people\"", document, StringComparison.Ordinal);
        Assert.Contains("bearer", document, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, reference.StatusCode);

        // Lists are described with what they hold, so a client generated from the document knows its types.
        var schemas = JsonDocument.Parse(document).RootElement.GetProperty("components").GetProperty("schemas");
        var sessions = schemas.GetProperty("OpportunityRequest").GetProperty("properties").GetProperty("sessions");
        Assert.Contains("array", sessions.GetProperty("type").GetRawText(), StringComparison.Ordinal);
        Assert.EndsWith("SessionRequest", sessions.GetProperty("items").GetProperty("$ref").GetString(), StringComparison.Ordinal);

        // A check-in is read leniently (so an urgent answer in a body of the wrong shape is still raised), yet described as one.
        var checkIn = JsonDocument.Parse(document).RootElement.GetProperty("paths").GetProperty("/api/supervision/me/check-ins").GetProperty("post")
            .GetProperty("requestBody").GetProperty("content").GetProperty("application/json").GetProperty("schema");
        Assert.EndsWith("CheckInRequest", checkIn.GetProperty("$ref").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Dev_users_lists_someone_in_every_role_and_two_finance_approvers_in_the_demo_agency_and_a_second_agency()
    {
        var users = await api.Anonymous().GetFromJsonAsync<List<DevUserDto>>("/dev/users", ApiFactory.Json);

        // Two finance approvers, so a payout above the two-approver amount can be approved in the demo.
        var demo = users!.Where(u => u.AgencyId == "demo").ToList();
        Assert.Equal(Roles.All.Append(Roles.FinanceApprover).Order(), demo.SelectMany(u => u.Roles).Order());
        Assert.Contains(users!, u => u.AgencyId == "demo-north");
    }

    [Fact]
    public async Task A_dev_token_signs_the_developer_in_as_that_person()
    {
        var anonymous = api.Anonymous();
        var token = await HttpAssert.Ok<DevTokenDto>(await anonymous.PostJson("/dev/token", new { userId = "demo-casemanager" }));
        anonymous.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token.AccessToken);

        var me = await HttpAssert.Ok<MeDto>(await anonymous.GetAsync("/api/me"));

        Assert.Equal("demo-casemanager", me.Id);
        Assert.Equal([Roles.CaseManager], me.Roles);
        Assert.Equal("Harbor Light Youth Services (demo)", me.AgencyName);
        Assert.True(token.ExpiresAt > DateTimeOffset.UtcNow);
    }

    [Fact]
    public async Task The_demo_case_manager_gets_the_demo_mentor_recommended_for_the_demo_youth()
    {
        var result = await HttpAssert.Ok<MentoringTests.RecommendationsDto>(await api.As("demo-casemanager").GetAsync("/api/youth/demo-youth-referral/recommendations"));

        var mentor = Assert.Single(result.Mentors, m => m.MentorId == "demo-mentor");
        Assert.Contains("experienced with youth in contemplation stage", mentor.Reasons);
    }

    [Fact]
    public async Task In_Development_a_web_page_whose_own_name_was_pointed_at_this_machine_gets_no_dev_token()
    {
        // DNS rebinding: any site the developer visits can point its name at 127.0.0.1 and call the port as its own origin.
        using var request = new HttpRequestMessage(HttpMethod.Post, "/dev/token") { Content = JsonContent.Create(new { userId = "demo-admin" }) };
        request.Headers.Host = "rebound.example.com";

        var answer = await api.Anonymous().SendAsync(request);

        Assert.Equal(HttpStatusCode.BadRequest, answer.StatusCode);
        Assert.DoesNotContain("accessToken", await answer.Content.ReadAsStringAsync(), StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task A_dev_token_for_an_unknown_person_is_refused()
    {
        await HttpAssert.Problem(await api.Anonymous().PostJson("/dev/token", new { userId = "nobody" }), 404);
        await HttpAssert.Problem(await api.Anonymous().PostJson("/dev/token", new { }), 400);
    }

    [Fact]
    public async Task A_forged_or_missing_token_is_401_problem_details()
    {
        var forged = api.Anonymous();
        forged.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJkZW1vLWFkbWluIn0.bad");

        await HttpAssert.Problem(await forged.GetAsync("/api/me"), 401);
        await HttpAssert.Problem(await api.Anonymous().GetAsync("/api/me"), 401);
    }

    [Fact]
    public async Task A_valid_token_for_someone_the_agency_does_not_know_is_forbidden()
    {
        await HttpAssert.Problem(await api.AsSubject("stranger", "demo").GetAsync("/api/me"), 403);
    }

    [Fact]
    public async Task An_unknown_route_is_404_problem_details_for_a_signed_in_person()
    {
        await HttpAssert.Problem(await api.As("demo-youth").GetAsync("/api/nothing-here"), 404);
    }

    [Theory]
    [InlineData("/nothing-here")]
    [InlineData("/matches/nothing-here/deeper")]
    [InlineData("/api/nothing-here")]
    public async Task A_browser_asking_for_an_address_that_is_no_page_gets_a_404_portal_page_with_the_exit_button(string path)
    {
        using var response = await api.Anonymous().BrowseAsync(path);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        var body = await response.Content.ReadAsStringAsync();
        if (path.StartsWith("/api/", StringComparison.Ordinal))
        {
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            return;
        }

        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("This page is not here", body, StringComparison.Ordinal);
        Assert.Contains("data-exit", body, StringComparison.Ordinal);
        Assert.Contains("no-store", response.Headers.CacheControl?.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("demo-admin", "/api/people")]
    [InlineData("demo-admin", "/api/audit")]
    [InlineData("demo-casemanager", "/api/youth")]
    [InlineData("demo-youth", "/api/notifications")]
    [InlineData("demo-finance", "/api/payouts/export.csv")]
    public async Task No_cache_keeps_what_the_api_says_about_people(string userId, string path)
    {
        using var response = await api.As(userId).GetAsync(path);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.True(response.Headers.CacheControl?.NoStore, $"{path} may be kept by a cache");
        Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
    }

    [Fact]
    public async Task The_portals_script_stays_cacheable_as_it_names_nobody_and_is_checked_for_a_newer_one_each_time()
    {
        using var response = await api.Anonymous().GetAsync("/portal-assets/portal.js");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.NotEqual(true, response.Headers.CacheControl?.NoStore);
        Assert.True(response.Headers.CacheControl?.NoCache);
        Assert.NotNull(response.Headers.ETag);
    }

    [Fact]
    public async Task A_pages_title_says_nothing_of_what_the_portal_is_for()
    {
        var page = await (await api.Anonymous().BrowseAsync("/signin")).Content.ReadAsStringAsync();

        var title = System.Text.RegularExpressions.Regex.Match(page, "<title>(.*?)</title>").Groups[1].Value;
        Assert.False(string.IsNullOrEmpty(title));
        Assert.DoesNotContain("survivor", title, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task A_calendar_address_with_a_wrong_token_shows_nothing_of_its_person()
    {
        using var response = await api.Anonymous().BrowseAsync("/calendar/demo/demo-advisor/not-their-token.ics");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        var body = await response.Content.ReadAsStringAsync();
        Assert.DoesNotContain("Sign out", body, StringComparison.Ordinal);
        Assert.DoesNotContain("Paid work", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_post_to_an_address_that_is_no_page_stays_a_bare_404()
    {
        using var response = await api.Anonymous().BrowseAsync("/nothing-here", HttpMethod.Post);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.DoesNotContain("This page is not here", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }
}

public sealed class StagingFactory : ApiFactory
{
    protected override string Environment => "Staging";

    protected override IDictionary<string, string?> Settings => new Dictionary<string, string?>(base.Settings)
    {
        ["Auth:Authority"] = "https://login.microsoftonline.com/00000000-0000-0000-0000-000000000000/v2.0",
        ["Auth:Audience"] = "api://survivorconnect",
        ["Auth:Portal:ClientId"] = "survivorconnect-portal",
    };
}

public sealed class OutsideDevelopmentTests
{
    [Fact]
    public async Task Dev_sign_in_and_the_API_reference_do_not_exist_outside_Development_and_the_API_map_is_for_the_signed_in()
    {
        await using var staging = new StagingFactory();
        var client = staging.Anonymous();

        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("/dev/users")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.PostJson("/dev/token", new { userId = "demo-admin" })).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("/scalar/")).StatusCode);
        var map = await client.GetAsync("/openapi/v1.json");
        Assert.Equal(HttpStatusCode.Found, map.StatusCode);
        Assert.Contains("/signin", map.Headers.Location?.OriginalString, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/health/live")).StatusCode);
    }

    [Fact]
    public void Outside_Development_the_app_refuses_to_start_without_Entra_ID_settings()
    {
        using var factory = new SettingsFactory("Staging", new Dictionary<string, string?>());

        var error = Assert.Throws<InvalidOperationException>(() => factory.Server);

        Assert.Contains("Auth:Authority", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("WEBSITE_SITE_NAME", "App Service")]
    [InlineData("CONTAINER_APP_NAME", "Container Apps")]
    public void On_App_Service_or_Container_Apps_only_Production_starts_so_no_slot_named_otherwise_skips_Productions_checks(string variable, string host)
    {
        using var factory = new SettingsFactory("Staging", new Dictionary<string, string?>
        {
            [variable] = "survivorconnect-staging",
            ["Auth:Authority"] = "https://login.microsoftonline.com/tenant/v2.0",
            ["Auth:Audience"] = "api://survivorconnect",
            ["Auth:Portal:ClientId"] = "survivorconnect-portal",
        });

        var error = Assert.Throws<InvalidOperationException>(() => factory.Server);

        Assert.Contains($"on {host}: run it as Production", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Production_refuses_to_start_on_the_embedded_SQLite_store()
    {
        using var factory = new SettingsFactory("Production", new Dictionary<string, string?>
        {
            ["Auth:Authority"] = "https://login.microsoftonline.com/tenant/v2.0",
            ["Auth:Audience"] = "api://survivorconnect",
            ["Auth:Portal:ClientId"] = "survivorconnect-portal",
        });

        var error = Assert.Throws<InvalidOperationException>(() => factory.Server);

        Assert.Contains("Storage:Provider must be Cosmos", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Production_lists_every_missing_or_contradictory_setting_in_one_error()
    {
        using var factory = new SettingsFactory("Production", new Dictionary<string, string?>
        {
            ["Storage:Cosmos:Key"] = "a-key",
            ["Payouts:Stripe:SecretKey"] = "sk_test_123",
            ["APPLICATIONINSIGHTS_CONNECTION_STRING"] = "not a connection string",
            ["Portal:ExitUrl"] = "weather.com",
        });

        var error = Assert.Throws<InvalidOperationException>(() => factory.Server);

        foreach (var expected in new[] { "Portal:ExitUrl must be an absolute https address", "Storage:Cosmos:Endpoint is required", "Auth:Authority is required", "Chat:Redis is required", "Storage:Provider must be Cosmos",
            "Storage:Cosmos:Key must be empty", "Payouts:Stripe:SecretKey (sk_ or rk_) and Payouts:Stripe:WebhookSecret", "APPLICATIONINSIGHTS_CONNECTION_STRING is not",
            "AZURE_CLIENT_ID is required" })
        {
            Assert.Contains(expected, error.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Production_with_Stripe_on_needs_the_connected_accounts_webhook_secret_and_reads_a_broken_value_as_a_listed_problem()
    {
        using var factory = new SettingsFactory("Production", new Dictionary<string, string?>
        {
            ["Payouts:Stripe:SecretKey"] = "sk_test_123",
            ["Payouts:Stripe:WebhookSecret"] = "whsec_123",
            ["Storage:Provider"] = "Postgres",
        });

        var error = Assert.Throws<InvalidOperationException>(() => factory.Server);

        Assert.Contains("Payouts:Stripe:ConnectWebhookSecret (whsec_) is required", error.Message, StringComparison.Ordinal);
        Assert.Contains("Storage cannot be read", error.Message, StringComparison.Ordinal);
        Assert.Contains("Auth:Authority is required", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Production_refuses_a_Stripe_address_other_than_Stripes_own_and_a_webhook_age_that_refuses_all_or_lets_old_ones_in()
    {
        using var factory = new SettingsFactory("Production", new Dictionary<string, string?>
        {
            ["Payouts:Stripe:ApiBase"] = "http://stripe-fake.example:12111",
            ["Payouts:Stripe:ToleranceSeconds"] = "0",
        });

        var error = Assert.Throws<InvalidOperationException>(() => factory.Server);

        Assert.Contains("Payouts:Stripe:ApiBase is for tests only", error.Message, StringComparison.Ordinal);
        Assert.Contains("Payouts:Stripe:ToleranceSeconds must be from 1 to 600", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Auth:Portal:MaxHours")]
    [InlineData("Auth:Portal:IdleMinutes")]
    public void Production_refuses_to_start_with_a_portal_session_that_would_end_at_once(string key)
    {
        using var factory = new SettingsFactory("Production", new Dictionary<string, string?> { [key] = "0" });

        var error = Assert.Throws<InvalidOperationException>(() => factory.Server);

        Assert.Contains("Auth:Portal:IdleMinutes and Auth:Portal:MaxHours must each be at least 1", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Production_refuses_to_start_with_detailed_errors_on()
    {
        using var factory = new SettingsFactory("Production", new Dictionary<string, string?>
        {
            ["Auth:Authority"] = "https://login.microsoftonline.com/tenant/v2.0",
            ["Auth:Audience"] = "api://survivorconnect",
            ["Auth:Portal:ClientId"] = "survivorconnect-portal",
            ["Storage:Provider"] = "Cosmos",
            ["Storage:Cosmos:Endpoint"] = "https://127.0.0.1:1/",
            ["DetailedErrors"] = "true",
        });

        var error = Assert.Throws<InvalidOperationException>(() => factory.Server);

        Assert.Contains("DetailedErrors", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_configured_safety_pattern_that_needs_backtracking_stops_the_start()
    {
        using var factory = new SettingsFactory("Development", new Dictionary<string, string?>
        {
            ["Chat:Safety:Hold:0:Kind"] = "agency-phone",
            ["Chat:Safety:Hold:0:Pattern"] = @"(?<!\d)\d{10}",
        });

        var error = Assert.Throws<InvalidOperationException>(() => factory.Server);

        Assert.Contains("Chat:Safety:Hold rule 'agency-phone'", error.Message, StringComparison.Ordinal);
    }

    private sealed class SettingsFactory(string environment, IDictionary<string, string?> settings) : ApiFactory
    {
        protected override string Environment => environment;

        protected override IDictionary<string, string?> Settings => new Dictionary<string, string?>(base.Settings).Concat(settings)
            .GroupBy(p => p.Key).ToDictionary(g => g.Key, g => g.Last().Value);
    }
}
