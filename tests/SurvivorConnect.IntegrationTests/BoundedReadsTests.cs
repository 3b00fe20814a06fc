using System.Text.Json;
using SurvivorConnect.Api.Infrastructure.Auth;
using SurvivorConnect.Api.Infrastructure.Lists;

namespace SurvivorConnect.IntegrationTests;

/// <summary>
/// However many people and youth an agency holds, a request reads only what it shows or acts on: staff found by
/// their role, people by their ids, and long lists a page at a time.
/// </summary>
public sealed class BoundedReadsTests(CountingApiFactory api) : IClassFixture<CountingApiFactory>
{
    /// <summary>Many people who are none of the staff a request looks for: a request reading everyone reads them all.</summary>
    private const int Crowd = 40;

    private readonly MentoringWorld _world = new(api);

    private async Task CrowdAsync()
    {
        for (var i = 0; i < Crowd; i++)
        {
            await _world.PersonAsync(Roles.Advisor);
        }
    }

    [Fact]
    public async Task A_mentor_without_a_supervisor_asks_every_active_admin_found_by_role_to_assign_one_and_not_a_deactivated_one()
    {
        await CrowdAsync();
        var (_, admin) = await _world.PersonAsync(Roles.AgencyAdmin);
        var (awayId, _) = await _world.PersonAsync(Roles.AgencyAdmin);
        await MentoringWorld.Ok(await _world.Admin.PostAsync($"/api/people/{awayId}/deactivate", null));
        var (_, caseManager) = await _world.PersonAsync(Roles.CaseManager);
        var (_, supervisor) = await _world.PersonAsync(Roles.Supervisor);
        var (_, mentor) = await _world.MentorAsync();

        var use = await api.Counter.MeasureAsync(async () =>
            await HttpAssert.Ok<JsonElement>(await SupervisionTests.CheckInAsync(mentor, SupervisionTests.Answers(1, urgent: 3))));
        await MentoringWorld.Ok(await _world.Admin.ReactivateAsync(awayId));

        Assert.Empty(await KindsAsync(supervisor));
        Assert.Contains("mentor-needs-supervisor", await KindsAsync(admin));
        Assert.Contains("mentor-needs-supervisor", await KindsAsync(_world.Admin));
        Assert.DoesNotContain("mentor-needs-supervisor", await KindsAsync(api.AsSubject(awayId, "demo")));
        Assert.Empty(await KindsAsync(caseManager));
        Assert.True(use.Documents < Crowd, $"an urgent check-in read {use.Documents} documents; the agency has {Crowd} advisors it need not read");
    }

    [Fact]
    public async Task A_case_managers_overdue_actions_read_their_own_caseloads_meetings_not_the_agencys()
    {
        const int OtherTeams = 12;
        for (var i = 0; i < OtherTeams; i++)
        {
            var (youthId, _) = await _world.YouthAsync();
            await MentoringWorld.Created(await _world.CaseManager.PostAsync($"/api/teams/{youthId}", null));
            var meetings = await HttpAssert.Ok<JsonElement>(await _world.CaseManager.PostJson($"/api/teams/{youthId}/meetings", new { scheduledFor = DateTimeOffset.UtcNow.AddDays(-3), agenda = new[] { "Housing" } }));
            var meetingId = meetings.GetProperty("meetings")[0].GetProperty("id").GetString();
            await HttpAssert.Ok<JsonElement>(await _world.CaseManager.RecordMeetingAsync($"/api/teams/{youthId}/meetings/{meetingId}/record", new
            {
                attended = new[] { "youth" }, youthParticipation = "InPerson",
                actions = new[] { new { text = "Call the school", ownerMemberId = "lead~demo-casemanager", due = DateOnly.FromDateTime(DateTime.UtcNow.AddDays(-1)) } },
            }));
        }

        var (_, newcomer) = await _world.PersonAsync(Roles.CaseManager);
        List<JsonElement> overdue = [];
        var use = await api.Counter.MeasureAsync(async () => overdue = await HttpAssert.Ok<List<JsonElement>>(await newcomer.GetAsync("/api/teams/overdue-actions")));

        Assert.Empty(overdue);
        Assert.True(use.Documents < OtherTeams, $"an empty caseload's overdue actions read {use.Documents} documents");
        Assert.True((await HttpAssert.Ok<List<JsonElement>>(await _world.CaseManager.GetAsync("/api/teams/overdue-actions"))).Count >= OtherTeams);
    }

    [Fact]
    public async Task A_page_of_people_of_one_role_is_full_however_many_others_sort_before_them()
    {
        await CrowdAsync();
        await _world.PersonAsync(Roles.Recruiter);
        await _world.PersonAsync(Roles.Recruiter);

        var page = await HttpAssert.Ok<JsonElement>(await _world.Admin.GetAsync("/api/people?role=Recruiter&pageSize=2"));

        var roles = page.GetProperty("items").EnumerateArray().Select(p => p.GetProperty("roles").EnumerateArray().Select(r => r.GetString()).ToList()).ToList();
        Assert.Equal(2, roles.Count);
        Assert.All(roles, r => Assert.Contains(Roles.Recruiter, r));
    }

    [Fact]
    public async Task The_admins_youth_list_comes_a_page_at_a_time_by_name_and_never_holds_another_agencys_youth()
    {
        var (_, caseManager) = await _world.PersonAsync(Roles.CaseManager);
        var mine = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            mine.Add((await MentoringWorld.Created<YouthDto>(await caseManager.PostJson("/api/youth", new { displayName = $"Paged {i}", age = 16, stage = "contemplation" }))).Id);
        }

        var north = await MentoringWorld.Created<YouthDto>(await api.As("north-casemanager").PostJson("/api/youth", new { displayName = "Paged north", age = 16, stage = "contemplation" }));

        var listed = new List<YouthDto>();
        string? token = null;
        do
        {
            PageDto<YouthDto>? page = null;
            var use = await api.Counter.MeasureAsync(async () => page = await HttpAssert.Ok<PageDto<YouthDto>>(
                await _world.Admin.GetAsync("/api/youth?pageSize=2" + (token is null ? "" : "&continuationToken=" + Uri.EscapeDataString(token)))));
            Assert.InRange(page!.Items.Count, 0, 2);
            Assert.True(use.Documents <= 4, $"a page of 2 youth read {use.Documents} documents");
            listed.AddRange(page.Items);
            token = page.ContinuationToken;
        }
        while (token is not null);

        Assert.Subset(listed.Select(y => y.Id).ToHashSet(), mine.ToHashSet());
        Assert.Equal(listed.Count, listed.Select(y => y.Id).Distinct().Count());
        Assert.DoesNotContain(listed, y => y.Id == north.Id);
        Assert.Equal(listed.Select(y => NameOrder.Key(y.DisplayName)).Order(StringComparer.Ordinal), listed.Select(y => NameOrder.Key(y.DisplayName)));
        var own = await HttpAssert.Ok<PageDto<YouthDto>>(await caseManager.GetAsync("/api/youth?pageSize=3"));
        var rest = await HttpAssert.Ok<PageDto<YouthDto>>(await caseManager.GetAsync($"/api/youth?pageSize=3&continuationToken={Uri.EscapeDataString(own.ContinuationToken!)}"));
        Assert.Equal(mine.Order(), own.Items.Concat(rest.Items).Select(y => y.Id).Order());
        Assert.Null(rest.ContinuationToken);
    }

    [Theory]
    [InlineData("pageSize=0")]
    [InlineData("pageSize=201")]
    [InlineData("continuationToken=not-one-we-gave")]
    public async Task A_bad_page_of_youth_or_opportunities_is_a_problem_not_a_failure(string query)
    {
        await HttpAssert.Problem(await _world.Admin.GetAsync("/api/youth?" + query), 400);
        await HttpAssert.Problem(await api.As("demo-recruiter").GetAsync("/api/engagements/opportunities?" + query), 400);
    }

    [Fact]
    public async Task A_team_leads_page_names_staff_and_the_youths_own_mentor_to_add_without_reading_everyone()
    {
        await CrowdAsync();
        var (youthId, _) = await _world.YouthAsync();
        var (mentorId, _) = await _world.ReadyMentorAsync();
        var (otherMentorId, _) = await _world.ReadyMentorAsync();
        var (supervisorId, _) = await _world.PersonAsync(Roles.Supervisor);
        await _world.ProposeAsync(youthId, mentorId);
        await MentoringWorld.Created(await _world.CaseManager.PostAsync($"/api/teams/{youthId}", null));

        JsonElement view = default;
        var use = await api.Counter.MeasureAsync(async () => view = await HttpAssert.Ok<JsonElement>(await _world.CaseManager.GetAsync($"/api/teams/{youthId}")));

        var colleagues = view.GetProperty("colleagues").EnumerateArray().Select(c => c.GetProperty("id").GetString()).ToList();
        Assert.Contains(mentorId, colleagues);
        Assert.Contains(supervisorId, colleagues);
        Assert.Contains("demo-supervisor", colleagues);
        Assert.DoesNotContain(otherMentorId, colleagues);
        Assert.DoesNotContain("demo-casemanager", colleagues);
        Assert.True(use.Documents < Crowd, $"a team page read {use.Documents} documents; the agency has {Crowd} advisors it does not offer");
    }

    private static async Task<List<string>> KindsAsync(HttpClient client) =>
        [.. (await HttpAssert.Ok<PageDto<NotificationDto>>(await client.GetAsync("/api/notifications"))).Items.Select(n => n.Kind)];
}
