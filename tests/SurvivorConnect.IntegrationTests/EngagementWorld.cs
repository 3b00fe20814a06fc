using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using SurvivorConnect.Api.Infrastructure.Auth;
using SurvivorConnect.Testing;

namespace SurvivorConnect.IntegrationTests;

/// <summary>Builds the engagement side through the API, as the agency's admin and its survivors would.</summary>
public sealed class EngagementWorld(ApiFactory api)
{
    public HttpClient Admin { get; } = api.As("demo-admin");

    public HttpClient Recruiter { get; } = api.As("demo-recruiter");

    public async Task SetBenchmarkAsync(decimal? focusGroupRate = 60m, bool lateCancellationPays = true, int lateCancellationHours = 24) =>
        await HttpAssert.Ok<JsonElement>(await Admin.PutSettingsAsync("/api/engagements/settings", new
        {
            currency = "USD",
            lateCancellationPays,
            lateCancellationHours,
            kinds = new object[]
            {
                new { key = "focus-group", name = "Focus group", benchmarkHourlyRate = focusGroupRate },
                new { key = "policy-review", name = "Policy or protocol review", benchmarkHourlyRate = 80m },
            },
        }));

    /// <summary>A new survivor of the demo agency who wants focus groups about housing, opted in unless told otherwise.</summary>
    public async Task<(string Id, HttpClient Client)> AdvisorAsync(
        bool optIn = true, string[]? noTopics = null, string role = Roles.Advisor, bool availableAnyTime = false, string timeZone = "America/Los_Angeles")
    {
        var id = "adv-" + Guid.NewGuid().ToString("N")[..12];
        Assert.Equal(HttpStatusCode.Created, (await Admin.PostJson("/api/people", new { subjectId = id, displayName = "Advisor " + id[^4..], roles = new[] { role } })).StatusCode);
        var client = api.AsSubject(id, "demo");
        await HttpAssert.Ok<JsonElement>(await client.PutAsJsonAsync("/api/engagements/me/profile", new
        {
            kinds = new[] { "focus-group" },
            topics = new[] { "housing" },
            noTopics = noTopics ?? [],
            availability = availableAnyTime ? Array.Empty<string>() : new[] { "weekdayEvening", "weekendAfternoon" },
            timeZone,
        }));
        if (optIn)
        {
            await HttpAssert.Ok<JsonElement>(await client.PostJson("/api/engagements/me/contact", new { optIn = true }));
        }

        return (id, client);
    }

    /// <summary>The survivor saves their profile saying they will not speak about <paramref name="topic"/>.</summary>
    public static async Task WillNotSpeakAboutAsync((string Id, HttpClient Client) survivor, string topic) =>
        await HttpAssert.Ok<JsonElement>(await survivor.Client.PutAsJsonAsync("/api/engagements/me/profile", new
        {
            kinds = new[] { "focus-group" }, noTopics = new[] { topic }, timeZone = "America/Los_Angeles",
        }));

    /// <summary>Invites the survivor and takes their yes.</summary>
    public async Task ConfirmAsync(string opportunityId, (string Id, HttpClient Client) survivor)
    {
        await HttpAssert.Ok<JsonElement>(await Recruiter.PostJson($"/api/engagements/opportunities/{opportunityId}/invitations", new { personId = survivor.Id }));
        await HttpAssert.Ok<JsonElement>(await survivor.Client.PostAsync($"/api/engagements/opportunities/{opportunityId}/accept", null));
    }

    /// <summary>
    /// A published online session <paramref name="startsIn"/> from now (London time, the clock first moved clear of a
    /// change of the clocks) with two advisors confirmed.
    /// </summary>
    public async Task<(string OpportunityId, List<(string Id, HttpClient Client)> Advisors)> ConfirmedSessionAsync(
        TimeProvider time, Action<TimeSpan> advance, TimeSpan startsIn, int lateCancellationHours = 24)
    {
        await SetBenchmarkAsync(50m, lateCancellationHours: lateCancellationHours);
        advance(ClockChanges.UntilSteadyClocks(time.GetUtcNow(), "Europe/London"));
        var now = time.GetUtcNow();
        string Local(DateTimeOffset at) => TimeZoneInfo.ConvertTimeBySystemTimeZoneId(at, "Europe/London").ToString("yyyy-MM-dd'T'HH:mm:ss", System.Globalization.CultureInfo.InvariantCulture);
        var draft = await HttpAssert.Ok<JsonElement>(await Recruiter.PostJson("/api/engagements/opportunities", new
        {
            kind = "focus-group",
            title = "Reminder check",
            topics = new[] { "housing" },
            sessions = new[] { new { start = Local(now + startsIn), end = Local(now + startsIn + TimeSpan.FromHours(2)), timeZone = "Europe/London", inPerson = false, link = "https://meet.example/r" } },
            seats = 5,
            applicationDeadline = now.AddMinutes(30),
            compensation = new { basis = "hourly", rate = 60m },
        }));
        var id = draft.GetProperty("id").GetString()!;
        await HttpAssert.Ok<JsonElement>(await Recruiter.PostAsync($"/api/engagements/opportunities/{id}/publish", null));

        var advisors = new List<(string Id, HttpClient Client)>();
        for (var i = 0; i < 2; i++)
        {
            var advisor = await AdvisorAsync(availableAnyTime: true, timeZone: "Europe/London");
            await ConfirmAsync(id, advisor);
            advisors.Add(advisor);
        }

        return (id, advisors);
    }
}
