using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using SurvivorConnect.Api.Infrastructure.Auth;

namespace SurvivorConnect.IntegrationTests;

public sealed record MatchDto(string Id, string State, JsonElement? Youth, JsonElement? Mentor, string? CaseManagerId, List<JsonElement>? History, List<string>? MissingConsents, string? PreviousMatchId, JsonElement? Closure, bool? YouthSaidNo = null, List<string>? NoLongerFits = null, string? Version = null);

public sealed record MentorDto(string Id, string DisplayName, int OpenMatches, bool ConsentsToMentoring, List<string> MatchBlockers);

public sealed record YouthDto(string Id, string DisplayName, string Stage);

public sealed record NotificationDto(string Id, string Kind, string? MatchId, string Text, DateTimeOffset At, DateTimeOffset? ReadAt = null);

public sealed record OpenChat(
    string Id, ChatClient Mentor, ChatClient Youth, ChatClient CaseManager, HttpClient MentorHttp, HttpClient YouthHttp, string MentorId, string YouthId, string YouthPersonId);

/// <summary>Builds mentors and youth through the API, as the agency's staff would.</summary>
public sealed class MentoringWorld(ApiFactory api)
{
    public HttpClient Admin { get; } = api.As("demo-admin");

    public HttpClient CaseManager { get; } = api.As("demo-casemanager");

    public HttpClient Supervisor { get; } = api.As("demo-supervisor");

    public async Task<(string Id, HttpClient Client)> PersonAsync(string role, string? id = null)
    {
        id ??= $"{role.ToLowerInvariant()}-{Guid.NewGuid():N}"[..30];
        var response = await Admin.PostJson("/api/people", new { displayName = role + " " + id[^6..], roles = new[] { role }, subjectId = id });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (id, api.AsSubject(id, "demo"));
    }

    /// <summary>A ready mentor (<see cref="ReadyMentorAsync"/>) who is also an agency admin: one a youth can be kept from.</summary>
    public async Task<(string Id, HttpClient Client)> AdminMentorAsync()
    {
        var (id, client) = await ReadyMentorAsync();
        await SetRolesAsync(id, Roles.Mentor, Roles.AgencyAdmin);
        return (id, client);
    }

    /// <summary>A mentor who passed every gate, is supervised by demo-supervisor and consents to mentoring; <paramref name="existing"/>: someone already here, given the Mentor role.</summary>
    public async Task<(string Id, HttpClient Client)> ReadyMentorAsync(string[]? languages = null, string[]? interests = null, int capacity = 2, bool consent = true, string? id = null, bool existing = false)
    {
        (id, var client) = await MentorAsync(languages, interests, capacity, id, existing);
        await Ok(await Admin.PutAsJsonAsync($"/api/mentors/{id}/supervisor", new { supervisorId = "demo-supervisor" }));
        await Ok(await Supervisor.PutAsJsonAsync($"/api/mentors/{id}/readiness", new { screeningPassedOn = "2026-01-05", trainingCompletedOn = "2026-02-01", supervisorClearedOn = "2026-02-10" }));
        if (consent)
        {
            await Created(await client.PostJson("/api/consents", new { subjectId = id, grantor = "Mentor", scope = "mentoring" }));
        }

        return (id, client);
    }

    /// <summary>A mentor with a profile and nothing more: no supervisor yet, not ready to match.</summary>
    public async Task<(string Id, HttpClient Client)> MentorAsync(string[]? languages = null, string[]? interests = null, int capacity = 2, string? id = null, bool existing = false)
    {
        (id, var client) = existing ? (id!, api.AsSubject(id!, "demo")) : await PersonAsync(Roles.Mentor, id);
        await Ok(await client.PutAsJsonAsync("/api/mentors/me", new
        {
            displayName = "Mentor " + id[^6..],
            languages = languages ?? ["English", "Spanish"],
            gender = "female",
            location = new { latitude = 36.7378, longitude = -119.7871 },
            travelRadiusMiles = 25,
            interests = interests ?? ["art", "music"],
            livedExperienceTags = new[] { "housing" },
            experiencedStages = new[] { "contemplation" },
            capacity,
        }));
        return (id, client);
    }

    /// <summary>A youth referred by demo-casemanager, with a sign-in of their own.</summary>
    public async Task<(string Id, HttpClient Client)> YouthAsync(int age = 16, string stage = "contemplation", string[]? doNotMatch = null, string? personId = null)
    {
        (personId, var client) = await PersonAsync(Roles.Youth, personId);
        return (await ReferAsync("Youth " + personId[^6..], age, stage, doNotMatch, personId), client);
    }

    /// <summary>A youth referred without a sign-in, as one with no phone of their own yet is.</summary>
    public Task<string> YouthWithoutSignInAsync() => ReferAsync("Youth without a sign-in", 17, "contemplation", null, null);

    /// <summary>Gives a referred youth a sign-in, as their case manager does once they have a phone.</summary>
    public async Task LinkSignInAsync(string youthId, string personId)
    {
        var current = await CaseManager.GetAsync($"/api/youth/{youthId}");
        var youth = await Ok<JsonElement>(current);
        await Ok(await CaseManager.PutJson($"/api/youth/{youthId}", new
        {
            displayName = youth.GetProperty("displayName").GetString(), age = youth.GetProperty("age").GetInt32(), personId,
        }, current.Headers.ETag!.Tag));
    }

    private async Task<string> ReferAsync(string displayName, int age, string stage, string[]? doNotMatch, string? personId)
    {
        var response = await CaseManager.PostJson("/api/youth", new
        {
            displayName,
            age,
            languages = new[] { "Spanish", "English" },
            location = new { latitude = 36.8252, longitude = -119.7029 },
            interests = new[] { "music", "cooking" },
            needs = new[] { "housing" },
            doNotMatch = doNotMatch ?? [],
            personId,
            stage,
        });
        return (await Created<YouthDto>(response)).Id;
    }

    /// <summary>The agency's match consent policy, set from the version just read, as an admin's page does.</summary>
    public static async Task SetConsentPolicyAsync(HttpClient admin, object policy)
    {
        var version = (await Ok<JsonElement>(await admin.GetAsync("/api/agency"))).GetProperty("version").GetString();
        await Ok(await admin.PutJson("/api/agency/match-consent-policy", policy, version));
    }

    /// <summary>Runs <paramref name="test"/> while the agency's policy says a minor's match needs their guardian's consent too.</summary>
    public async Task WhileMinorsNeedAGuardianAsync(Func<Task> test)
    {
        ArgumentNullException.ThrowIfNull(test);
        await SetConsentPolicyAsync(Admin, new { adultAge = 18, minorMatchNeeds = new[] { "Guardian" } });
        try
        {
            await test();
        }
        finally
        {
            await SetConsentPolicyAsync(Admin, new { adultAge = 18, minorMatchNeeds = Array.Empty<string>() });
        }
    }

    public async Task<MatchDto> ProposeAsync(string youthId, string mentorId) =>
        await Created<MatchDto>(await CaseManager.PostJson("/api/matches", new { youthId, mentorId }));

    /// <summary>A match proposed and accepted by its mentor: it waits for the youth.</summary>
    public async Task<MatchDto> AcceptedAsync(string youthId, string mentorId, HttpClient mentor)
    {
        var match = await ProposeAsync(youthId, mentorId);
        await Ok(await mentor.PostAsync($"/api/matches/{match.Id}/accept", null));
        return match;
    }

    /// <summary>The case manager records the youth's no, against the match as it is now (its version as If-Match).</summary>
    public async Task<HttpResponseMessage> RecordYouthsNoAsync(string matchId)
    {
        var shown = await Ok<MatchDto>(await CaseManager.GetAsync($"/api/matches/{matchId}"));
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/matches/{matchId}/decline");
        request.Headers.TryAddWithoutValidation("If-Match", shown.Version);
        return await CaseManager.SendAsync(request);
    }

    /// <summary>
    /// A staff step on a match (activate, put-to-youth, pause, resume) as the page sends it: against the match as the
    /// caller reads it now (its version as If-Match), or with none when they cannot read it.
    /// </summary>
    public static async Task<HttpResponseMessage> StepAsync(HttpClient client, string matchId, string step)
    {
        using var read = await client.GetAsync($"/api/matches/{matchId}");
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/matches/{matchId}/{step}");
        if (read.IsSuccessStatusCode)
        {
            request.Headers.TryAddWithoutValidation("If-Match", (await read.Content.ReadFromJsonAsync<MatchDto>())!.Version);
        }

        return await client.SendAsync(request);
    }

    /// <summary>The case manager records a stage (<paramref name="step"/> "stage" or "relapse") from the youth's record as it is now.</summary>
    public async Task<HttpResponseMessage> RecordStageAsync(string youthId, string step, object body)
    {
        var shown = await Ok<JsonElement>(await CaseManager.GetAsync($"/api/youth/{youthId}/stages"));
        return await CaseManager.PostJson($"/api/youth/{youthId}/{step}", body, shown.GetProperty("version").GetString());
    }

    /// <summary>The case manager closes the match as the youth's choice (or another), against the match as it is now (its version as If-Match).</summary>
    public async Task<HttpResponseMessage> CloseAsYouthsChoiceAsync(string matchId, string reason = "YouthChoice")
    {
        var shown = await Ok<MatchDto>(await CaseManager.GetAsync($"/api/matches/{matchId}"));
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/matches/{matchId}/close") { Content = JsonContent.Create(new { reason, planned = false }) };
        request.Headers.TryAddWithoutValidation("If-Match", shown.Version);
        return await CaseManager.SendAsync(request);
    }

    /// <summary>A match taken through every step to active.</summary>
    public async Task<(MatchDto Match, HttpClient Mentor, HttpClient Youth, string MentorId, string YouthId)> ActiveMatchAsync()
    {
        var (mentorId, mentor) = await ReadyMentorAsync();
        var (youthId, youth) = await YouthAsync();
        var match = await AcceptedAsync(youthId, mentorId, mentor);
        var active = await Ok<MatchDto>(await youth.PostAsync($"/api/matches/{match.Id}/agree", null));
        Assert.Equal("Active", active.State);
        return (active, mentor, youth, mentorId, youthId);
    }

    /// <summary>An active match whose mentor, youth and case manager are connected to its chat and have joined it.</summary>
    public async Task<OpenChat> OpenChatAsync()
    {
        var (match, mentorHttp, youthHttp, mentorId, youthId) = await ActiveMatchAsync();
        var youthPerson = (await HttpAssert.Ok<MeDto>(await youthHttp.GetAsync("/api/me"))).Id;
        var chat = new OpenChat(match.Id, await ConnectAsync(mentorId), await ConnectAsync(youthPerson), await ConnectAsync("demo-casemanager"),
            mentorHttp, youthHttp, mentorId, youthId, youthPerson);
        await chat.Mentor.JoinAsync(match.Id);
        await chat.Youth.JoinAsync(match.Id);
        await chat.CaseManager.JoinAsync(match.Id);
        return chat;
    }

    /// <summary>Replaces a person's roles, as the admin sees the person now.</summary>
    public async Task SetRolesAsync(string personId, params string[] roles)
    {
        var person = await Admin.GetAsync($"/api/people/{personId}");
        var request = new HttpRequestMessage(HttpMethod.Put, $"/api/people/{personId}/roles") { Content = JsonContent.Create(new { roles }) };
        request.Headers.TryAddWithoutValidation("If-Match", person.Headers.ETag!.Tag);
        await Ok(await Admin.SendAsync(request));
    }

    /// <summary>Hands a youth to other case managers, as the youth's current case manager sees the record now.</summary>
    public async Task HandOverAsync(string youthId, params string[] caseManagerIds)
    {
        var youth = await CaseManager.GetAsync($"/api/youth/{youthId}");
        var request = new HttpRequestMessage(HttpMethod.Put, $"/api/youth/{youthId}/case-managers") { Content = JsonContent.Create(new { caseManagerIds }) };
        request.Headers.TryAddWithoutValidation("If-Match", youth.Headers.ETag!.Tag);
        await Ok(await CaseManager.SendAsync(request));
    }

    /// <summary>Lifts the mentor's hold as the staff member sees it now (a release names the hold it lifts).</summary>
    public static async Task<HttpResponseMessage> LiftHoldAsync(HttpClient staff, string mentorId) =>
        await staff.PostAsJsonAsync($"/api/mentors/{mentorId}/hold/release", new { since = await HoldSinceAsync(staff, mentorId) ?? "2000-01-01T00:00:00Z" });

    /// <summary>Places a hold, or changes the one the staff member sees now.</summary>
    public static async Task<HttpResponseMessage> HoldAsync(HttpClient staff, string mentorId, string? reason, bool stopsChat = false) =>
        await staff.PostAsJsonAsync($"/api/mentors/{mentorId}/hold", new { reason, stopsChat, replaces = await HoldSinceAsync(staff, mentorId) });

    private static async Task<string?> HoldSinceAsync(HttpClient staff, string mentorId) =>
        (await HttpAssert.Ok<JsonElement>(await staff.GetAsync($"/api/mentors/{mentorId}"))).GetProperty("hold") is { ValueKind: JsonValueKind.Object } hold
            ? hold.GetProperty("since").GetString()
            : null;

    public Task<ChatClient> ConnectAsync(string subject, string agency = "demo") =>
        ChatClient.ConnectAsync(() => api.Server, api.TokenFor(subject, agency));

    public static async Task<T> Ok<T>(HttpResponseMessage response) => await HttpAssert.Ok<T>(response);

    public static async Task Ok(HttpResponseMessage response)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"Expected success, got {(int)response.StatusCode}: {body}");
    }

    public static async Task<T> Created<T>(HttpResponseMessage response)
    {
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return await HttpAssert.Ok<T>(response);
    }

    public static async Task Created(HttpResponseMessage response)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created, $"Expected 201, got {(int)response.StatusCode}: {body}");
    }
}
