using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace SurvivorConnect.IntegrationTests;

/// <summary>
/// The authorization matrix's cross-agency cases: a partner agency's professional (a case manager and supervisor
/// there) who sits on a youth's team and currently has the youth's plans shared with them tries every route to the
/// youth's agency with real ids — the youth, their match and its chat, their consents, the mentor's check-ins, the
/// agency's payouts and audit log. Each is refused; only <c>/api/shared</c> answers.
/// </summary>
public sealed class CrossAgencyMatrixTests(CrossAgencyMatrixTests.World world) : IClassFixture<CrossAgencyMatrixTests.World>
{
    public sealed class World : IAsyncLifetime
    {
        public ApiFactory Api { get; } = new();

        public SharedTeam Team { get; private set; } = null!;

        public MatchDto Match { get; private set; } = null!;

        public string MentorId { get; private set; } = "";

        public string MeetingId { get; private set; } = "";

        public async Task InitializeAsync()
        {
            var teaming = new TeamingWorld(Api);
            Team = await teaming.SharedTeamAsync();
            var (mentorId, mentor) = await teaming.Mentoring.ReadyMentorAsync();
            MentorId = mentorId;
            Match = await teaming.Mentoring.ProposeAsync(Team.YouthId, mentorId);
            await MentoringWorld.Ok(await mentor.PostAsync($"/api/matches/{Match.Id}/accept", null));
            await MentoringWorld.Ok(await Team.Youth.PostAsync($"/api/matches/{Match.Id}/agree", null));
            var meetings = await HttpAssert.Ok<JsonElement>(await teaming.CaseManager.PostJson($"/api/teams/{Team.YouthId}/meetings", new
            {
                scheduledFor = DateTimeOffset.UtcNow.AddDays(2), agenda = new[] { "School" },
            }));
            MeetingId = meetings.GetProperty("meetings")[0].GetProperty("id").GetString()!;
        }

        public async Task DisposeAsync() => await Api.DisposeAsync();
    }

    public sealed record Case(string Method, string Path, object? Body, HttpStatusCode Expected);

    private static readonly Dictionary<string, Case> Cases = new()
    {
        ["youth"] = new("GET", "/api/youth/{youth}", null, HttpStatusCode.NotFound),
        ["youth stages"] = new("GET", "/api/youth/{youth}/stages", null, HttpStatusCode.NotFound),
        ["youth update"] = new("PUT", "/api/youth/{youth}", new { displayName = "x", age = 16 }, HttpStatusCode.NotFound),
        ["youth missing episodes"] = new("GET", "/api/youth/{youth}/missing-episodes", null, HttpStatusCode.NotFound),
        ["record a missing episode"] = new("POST", "/api/youth/{youth}/missing-episodes", new { startedAt = "2026-01-01T00:00:00Z" }, HttpStatusCode.NotFound),
        ["youth recommendations"] = new("GET", "/api/youth/{youth}/recommendations", null, HttpStatusCode.NotFound),
        ["youth do-not-match"] = new("GET", "/api/youth/{youth}/do-not-match?find=a", null, HttpStatusCode.NotFound),
        ["team"] = new("GET", "/api/teams/{youth}", null, HttpStatusCode.NotFound),
        ["team plans"] = new("GET", "/api/teams/{youth}/plans", null, HttpStatusCode.NotFound),
        ["team meetings"] = new("GET", "/api/teams/{youth}/meetings", null, HttpStatusCode.NotFound),
        ["move a team meeting"] = new("PUT", "/api/teams/{youth}/meetings/{meeting}", new { scheduledFor = "2026-12-01T10:00:00Z", agenda = new[] { "x" } }, HttpStatusCode.NotFound),
        ["cancel a team meeting"] = new("POST", "/api/teams/{youth}/meetings/{meeting}/cancel", null, HttpStatusCode.NotFound),
        ["join the team"] = new("POST", "/api/teams/{youth}/members", new { role = "Professional", personId = "{pro}" }, HttpStatusCode.NotFound),
        ["write the plan"] = new("POST", "/api/teams/{youth}/case-plan/items", new { kind = "Goal", text = "x" }, HttpStatusCode.NotFound),
        ["write the safety plan"] = new("PUT", "/api/teams/{youth}/safety-plan", new { }, HttpStatusCode.NotFound),
        ["consents"] = new("GET", "/api/consents?subjectId={youth}", null, HttpStatusCode.NotFound),
        ["grant a consent"] = new("POST", "/api/consents", new { subjectId = "{youth}", grantor = "Youth", scope = "mentoring-match", matchId = "{match}" }, HttpStatusCode.NotFound),
        ["revoke the consent"] = new("POST", "/api/consents/{consent}/revoke", null, HttpStatusCode.NotFound),
        ["match"] = new("GET", "/api/matches/{match}", null, HttpStatusCode.NotFound),
        ["mentor"] = new("GET", "/api/mentors/{mentor}", null, HttpStatusCode.NotFound),
        ["hold the mentor"] = new("POST", "/api/mentors/{mentor}/hold", new { reason = "x" }, HttpStatusCode.NotFound),
        ["mentor check-ins"] = new("GET", "/api/supervision/mentors/{mentor}", null, HttpStatusCode.NotFound),
        ["payouts"] = new("GET", "/api/payouts", null, HttpStatusCode.Forbidden),
        ["audit log"] = new("GET", "/api/audit", null, HttpStatusCode.Forbidden),
        ["partnerships"] = new("GET", "/api/partnerships", null, HttpStatusCode.Forbidden),
        ["end the partnership"] = new("POST", "/api/partnerships/{partnership}/end", null, HttpStatusCode.Forbidden),
        ["overdue actions"] = new("GET", "/api/teams/overdue-actions", null, HttpStatusCode.OK),
    };

    public static TheoryData<string> CaseNames() => [.. Cases.Keys];

    [Theory]
    [MemberData(nameof(CaseNames))]
    public async Task A_partner_professional_is_refused_every_route_to_the_youths_agency(string name)
    {
        var c = Cases[name];
        var path = Fill(c.Path);
        var request = new HttpRequestMessage(new HttpMethod(c.Method), path);
        request.Headers.TryAddWithoutValidation("If-Match", "\"any\"");
        if (c.Body is not null)
        {
            request.Content = new StringContent(Fill(JsonSerializer.Serialize(c.Body)), System.Text.Encoding.UTF8, "application/json");
        }

        var response = await world.Team.Partner.Professional.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();

        Assert.True(response.StatusCode == c.Expected, $"{name}: expected {(int)c.Expected}, got {(int)response.StatusCode}: {body}");
        Assert.DoesNotContain(world.Team.YouthId, body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_partner_professional_cannot_open_the_youths_chat()
    {
        var token = world.Api.TokenFor(world.Team.Partner.ProfessionalId, world.Team.Partner.Id);
        await using var chat = await ChatClient.ConnectAsync(() => world.Api.Server, token);

        await Assert.ThrowsAsync<ChatRefusalException>(() => chat.JoinAsync(world.Match.Id));
        await Assert.ThrowsAsync<ChatRefusalException>(() => chat.HistoryAsync(world.Match.Id, null, 10));
    }

    [Fact]
    public async Task The_partner_agencys_admin_sees_only_their_own_audit_log_and_the_shared_read_is_in_both()
    {
        await MentoringWorld.Ok(await TeamingWorld.ReadAsync(world.Team));

        var theirs = await TeamingWorld.AuditAsync(world.Team.Partner.Admin, "shared.read");
        Assert.NotEmpty(theirs);
        var all = await HttpAssert.Ok<JsonElement>(await world.Team.Partner.Admin.GetAsync("/api/audit?pageSize=100"));
        // Of the other agency's people, only what they wrote into this agency's records (a seat, its copy of the partnership), named as theirs.
        Assert.All(all.GetProperty("items").EnumerateArray().Where(e => e.GetProperty("actorId").GetString() is "demo-casemanager" or "demo-admin"), e =>
        {
            Assert.Equal("demo", e.GetProperty("actorAgencyId").GetString());
            Assert.Contains(e.GetProperty("action").GetString(), (string[])["team-seat.add", "team-seat.remove", "partnership.proposed-by-partner", "partnership.changed-by-partner"]);
        });
        var ours = await TeamingWorld.AuditAsync(world.Api.As("demo-admin"), "shared.read");
        Assert.Contains(ours, e => e.GetProperty("actorAgencyId").GetString() == world.Team.Partner.Id);
        const string Why = "a partner agency's professional on the youth's team, shared with the youth's consent";
        Assert.Contains(ours, e => e.GetProperty("basis").GetString() == Why);
        Assert.Contains(theirs, e => e.GetProperty("basis").GetString() == Why);
    }

    [Fact]
    public async Task Only_the_shared_records_answer_and_they_never_carry_chat_check_ins_or_payouts()
    {
        var shared = await HttpAssert.Ok<JsonElement>(await TeamingWorld.ReadAsync(world.Team));
        var fields = shared.EnumerateObject().Select(p => p.Name).ToList();
        Assert.Equal(["seatId", "agencyName", "youthName", "kinds", "casePlan", "safetyPlan", "meetings", "sharedUntil"], fields);
        var text = shared.GetRawText();
        Assert.DoesNotContain(world.Match.Id, text, StringComparison.Ordinal);
        Assert.DoesNotContain(world.MentorId, text, StringComparison.Ordinal);
    }

    private string Fill(string template) => template
        .Replace("{youth}", world.Team.YouthId, StringComparison.Ordinal)
        .Replace("{pro}", world.Team.Partner.ProfessionalId, StringComparison.Ordinal)
        .Replace("{consent}", world.Team.ConsentId, StringComparison.Ordinal)
        .Replace("{match}", world.Match.Id, StringComparison.Ordinal)
        .Replace("{mentor}", world.MentorId, StringComparison.Ordinal)
        .Replace("{meeting}", world.MeetingId, StringComparison.Ordinal)
        .Replace("{partnership}", world.Team.PartnershipId, StringComparison.Ordinal);
}
