using System.Net.Http.Headers;
using System.Text;
using SurvivorConnect.Api.Infrastructure.Pipeline;

namespace SurvivorConnect.IntegrationTests;

/// <summary>Bad input of every kind answers a clear 4xx ProblemDetails and changes nothing.</summary>
[Collection(SharedApi.Name)]
public sealed class BadInputTests(ApiFactory api)
{
    private readonly HttpClient _admin = api.As("demo-admin");

    private Task<HttpResponseMessage> PostRaw(string url, string json) =>
        _admin.PostAsync(url, new StringContent(json, Encoding.UTF8, "application/json"));

    private async Task AssertNobodyNamed(string displayName)
    {
        var page = await HttpAssert.Ok<PageDto<PersonDto>>(await _admin.GetAsync("/api/people?pageSize=200"));
        Assert.DoesNotContain(page.Items, p => p.DisplayName == displayName);
    }

    [Theory]
    [InlineData("{\"displayName\": \"Malformed\", ")]
    [InlineData("not json at all")]
    [InlineData("{\"displayName\": \"Malformed\", \"roles\": \"Mentor\"}")]
    [InlineData("{\"displayName\": \"Malformed\", \"roles\": [1, 2]}")]
    [InlineData("[\"Malformed\"]")]
    public async Task Malformed_json_or_wrong_types_are_400_and_nothing_is_created(string body)
    {
        await HttpAssert.Problem(await PostRaw("/api/people", body), 400);
        await AssertNobodyNamed("Malformed");
    }

    [Fact]
    public async Task A_list_of_thousands_of_bad_items_is_answered_with_each_reason_once_not_a_refusal_bigger_than_the_request()
    {
        var stages = string.Join(',', Enumerable.Repeat("\"x\"", 5000));
        var languages = string.Join(',', Enumerable.Repeat("\"\"", 5000));
        var mentor = api.As("demo-mentor");

        using var refused = await mentor.PutAsync("/api/mentors/me", new StringContent(
            $"{{\"displayName\": \"Sam\", \"languages\": [{languages}], \"experiencedStages\": [{stages}], \"capacity\": 1}}", Encoding.UTF8, "application/json"));

        var problem = await HttpAssert.Problem(refused, 400);
        Assert.Equal(1, problem.GetProperty("errors").GetProperty("experiencedStages").GetArrayLength());
        Assert.Equal(2, problem.GetProperty("errors").GetProperty("languages").GetArrayLength());
        Assert.True(problem.GetRawText().Length < 4000);

        // Reasons that name each item (an unknown role) are a few at most.
        var roles = string.Join(',', Enumerable.Range(0, 2000).Select(i => $"\"Role{i}\""));
        var manyRoles = await HttpAssert.Problem(await PostRaw("/api/people", $"{{\"displayName\": \"Many roles\", \"roles\": [{roles}]}}"), 400);
        Assert.Equal(ValidationErrors.MaxMessagesPerField, manyRoles.GetProperty("errors").GetProperty("roles").GetArrayLength());
        Assert.True(manyRoles.GetRawText().Length < 8000);
    }

    [Fact]
    public async Task Missing_and_invalid_fields_are_reported_field_by_field()
    {
        var problem = await HttpAssert.Problem(await PostRaw("/api/people", "{\"roles\": [\"Wizard\"], \"subjectId\": \"has spaces\"}"), 400);

        var errors = problem.GetProperty("errors");
        Assert.Equal("Required.", errors.GetProperty("displayName")[0].GetString());
        Assert.Contains("Wizard", errors.GetProperty("roles")[0].GetString(), StringComparison.Ordinal);
        Assert.True(errors.TryGetProperty("subjectId", out _));
    }

    [Fact]
    public async Task A_display_name_that_is_too_long_or_has_control_characters_is_refused()
    {
        await HttpAssert.Problem(await _admin.PostJson("/api/people", new { displayName = new string('a', 101), roles = Array.Empty<string>() }), 400);
        await HttpAssert.Problem(await _admin.PostJson("/api/people", new { displayName = "Bad\u0000Name", roles = Array.Empty<string>() }), 400);
        await AssertNobodyNamed("Bad\u0000Name");
    }

    [Theory]
    [InlineData("Dana\u061CRuiz")]
    [InlineData("Dana Ruiz\U000E0041")]
    [InlineData("\u3164")]
    [InlineData("\u2800 \u2800")]
    [InlineData("Da\u180Ena")]
    public async Task A_display_name_with_a_character_that_draws_nothing_or_turns_text_is_refused(string name)
    {
        var refused = await HttpAssert.Problem(await _admin.PostJson("/api/people", new { displayName = name, roles = Array.Empty<string>(), subjectId = "p-" + Guid.NewGuid().ToString("N") }), 400);

        Assert.Contains("Invisible", refused.GetProperty("errors").GetProperty("displayName")[0].GetString(), StringComparison.Ordinal);
        await AssertNobodyNamed(name);
    }

    [Fact]
    public async Task A_name_written_with_accents_or_in_another_script_is_kept()
    {
        foreach (var name in new[] { "Jose\u0301 Nun\u0303ez", "\u0905\u0928\u093F\u0932", "\u0645\u064F\u062D\u0645\u062F" })
        {
            await HttpAssert.Ok<System.Text.Json.JsonElement>(await _admin.PostJson("/api/people", new { displayName = name, roles = Array.Empty<string>(), subjectId = "p-" + Guid.NewGuid().ToString("N") }));
        }
    }

    [Fact]
    public async Task An_oversized_body_is_413_and_nothing_is_created()
    {
        var huge = "{\"displayName\": \"Oversized\", \"roles\": [], \"padding\": \"" + new string('x', 70_000) + "\"}";

        await HttpAssert.Problem(await PostRaw("/api/people", huge), 413);
        await AssertNobodyNamed("Oversized");
    }

    [Fact]
    public async Task A_body_that_is_not_json_by_content_type_is_415()
    {
        var response = await _admin.PostAsync("/api/people", new StringContent("displayName=x", Encoding.UTF8, "application/x-www-form-urlencoded"));

        await HttpAssert.Problem(response, 415);
    }

    [Theory]
    [InlineData("demo-admin", "POST", "/api/people", "{\"displayName\":\"Nulls\",\"roles\":[null]}", "roles")]
    [InlineData("demo-admin", "PUT", "/api/payouts/settings", "{\"twoApproverThreshold\":500,\"locationRates\":[null]}", "locationRates")]
    [InlineData("demo-recruiter", "POST", "/api/engagements/opportunities", "{\"title\":\"Nulls\",\"sessions\":[null]}", "sessions")]
    [InlineData("demo-recruiter", "POST", "/api/engagements/opportunities/nothing/sessions/s1/attendance", "{\"entries\":[{\"personId\":\"x\",\"outcome\":\"Attended\"},null]}", "entries")]
    [InlineData("demo-casemanager", "POST", "/api/teams/demo-youth/meetings/nothing/record", "{\"attended\":[\"youth\",null],\"youthParticipation\":\"InPerson\"}", "attended")]
    [InlineData("demo-casemanager", "POST", "/api/teams/demo-youth/meetings/nothing/record", "{\"youthParticipation\":\"InPerson\",\"actions\":[null]}", "actions")]
    [InlineData("demo-casemanager", "PUT", "/api/teams/demo-youth/meetings/nothing", "{\"scheduledFor\":\"2026-12-01T10:00:00Z\",\"agenda\":[\"School\",null]}", "agenda")]
    public async Task A_list_holding_a_null_is_a_400_naming_the_list_never_a_server_error(string userId, string method, string url, string body, string field)
    {
        using var request = new HttpRequestMessage(new HttpMethod(method), url) { Content = new StringContent(body, Encoding.UTF8, "application/json") };

        var problem = await HttpAssert.Problem(await api.As(userId).SendAsync(request), 400);

        Assert.Contains(problem.GetProperty("errors").EnumerateObject(), e => e.Name.StartsWith(field, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("/api/people?pageSize=0")]
    [InlineData("/api/people?pageSize=5000")]
    [InlineData("/api/people?pageSize=abc")]
    [InlineData("/api/people?role=Wizard")]
    [InlineData("/api/people?continuationToken=forged")]
    [InlineData("/api/audit?pageSize=-1")]
    public async Task Bad_query_parameters_are_400(string url)
    {
        await HttpAssert.Problem(await _admin.GetAsync(url), 400);
    }

    [Fact]
    public async Task A_forged_page_link_is_told_plainly_without_the_store_s_own_words()
    {
        var problem = await HttpAssert.Problem(await _admin.GetAsync("/api/people?continuationToken=" + Uri.EscapeDataString(Convert.ToBase64String("{\"o\":1}"u8.ToArray()))), 400);

        var detail = problem.GetProperty("detail").GetString();
        Assert.Contains("Ask for the list again from the start", detail, StringComparison.Ordinal);
        Assert.DoesNotContain("token", detail, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("container", detail, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task An_unknown_route_or_wrong_method_is_a_4xx_problem()
    {
        await HttpAssert.Problem(await _admin.GetAsync("/api/peoples"), 404);
        await HttpAssert.Problem(await _admin.DeleteAsync("/api/people/demo-youth"), 405);
    }

    [Fact]
    public async Task An_id_the_store_cannot_hold_is_404_not_a_server_error()
    {
        await HttpAssert.Problem(await _admin.GetAsync("/api/people/" + Uri.EscapeDataString("a?b#c")), 404);
        await HttpAssert.Problem(await _admin.GetAsync("/api/people/" + new string('x', 300)), 404);
    }

    [Fact]
    public async Task A_json_body_without_a_content_type_is_refused()
    {
        var content = new StringContent("{\"displayName\":\"NoType\",\"roles\":[]}");
        content.Headers.ContentType = null;

        var response = await _admin.PostAsync("/api/people", content);

        Assert.InRange((int)response.StatusCode, 400, 415);
        await AssertNobodyNamed("NoType");
    }

    [Fact]
    public async Task A_purpose_header_is_trimmed_to_its_limit_not_refused()
    {
        var client = api.As("demo-admin");
        client.DefaultRequestHeaders.Add("X-Access-Purpose", new string('p', 500));

        var response = await client.GetAsync("/api/people/demo-recruiter");
        var entries = await HttpAssert.Ok<PageDto<AuditDto>>(await _admin.GetAsync("/api/audit?recordId=demo-recruiter"));

        Assert.True(response.IsSuccessStatusCode);
        Assert.All(entries.Items.Where(e => e.Purpose is not null), e => Assert.True(e.Purpose!.Length <= 200));
        Assert.Equal(new MediaTypeHeaderValue("application/json").MediaType, response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task A_purpose_header_keeps_no_control_or_hidden_character()
    {
        var client = api.As("demo-admin");
        client.DefaultRequestHeaders.TryAddWithoutValidation("X-Access-Purpose", "Checking\tthe\u202Erecord");

        await HttpAssert.Ok<System.Text.Json.JsonElement>(await client.GetAsync("/api/people/demo-finance2"));
        var entries = await HttpAssert.Ok<PageDto<AuditDto>>(await _admin.GetAsync("/api/audit?recordId=demo-finance2"));

        Assert.Contains(entries.Items, e => e.Purpose == "Checking the record");
        Assert.DoesNotContain(entries.Items, e => e.Purpose is { } p && p.Any(c => char.IsControl(c) || c == '\u202E'));
    }
}
