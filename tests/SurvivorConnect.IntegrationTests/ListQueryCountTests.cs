using System.Net.Http.Json;
using System.Text.Json;
using SurvivorConnect.Api.Infrastructure.Auth;

namespace SurvivorConnect.IntegrationTests;

/// <summary>A list costs a fixed number of store calls, however long it is: nothing is read once per row.</summary>
public sealed class ListQueryCountTests(CountingApiFactory api) : IClassFixture<CountingApiFactory>
{
    private const int Rows = 50;

    private readonly MentoringWorld _world = new(api);

    [Fact]
    public async Task Fifty_matches_are_listed_with_a_handful_of_store_calls()
    {
        var (_, caseManager) = await _world.PersonAsync(Roles.CaseManager);
        var mentors = new List<string>();
        for (var i = 0; i < Rows / 10; i++)
        {
            mentors.Add((await _world.ReadyMentorAsync(capacity: 10)).Id);
        }

        for (var i = 0; i < Rows; i++)
        {
            var youth = await MentoringWorld.Created<YouthDto>(await caseManager.PostJson("/api/youth", new { displayName = $"Youth {i}", age = 16, stage = "contemplation" }));
            await MentoringWorld.Created<MatchDto>(await caseManager.PostJson("/api/matches", new { youthId = youth.Id, mentorId = mentors[i % mentors.Count] }));
        }

        var calls = await api.Counter.CountAsync(async () =>
            Assert.Equal(Rows, (await HttpAssert.Ok<PageDto<MatchDto>>(await caseManager.GetAsync($"/api/matches?pageSize={Rows}"))).Items.Count));

        // Two of them ask which mentors still share their profile with case managers (consenting, active): one each for the page.
        Assert.True(calls <= 12, $"listing {Rows} matches took {calls} store calls");
    }

    [Fact]
    public async Task A_page_of_people_works_out_whom_the_admin_is_kept_from_once_however_many_pages_it_reads()
    {
        var calls = await api.Counter.CountAsync(async () =>
            Assert.Equal(2, (await HttpAssert.Ok<PageDto<JsonElement>>(await _world.Admin.GetAsync("/api/people?pageSize=2"))).Items.Count));

        // The page and the look past it, and the youth the admin may be kept from (found by the store), once: 13 when
        // the latter was worked out again for the look past the page.
        Assert.True(calls <= 10, $"a page of people took {calls} store calls");
    }

    [Fact]
    public async Task A_page_of_fifty_mentors_is_listed_with_a_handful_of_store_calls()
    {
        var (supervisorId, supervisor) = await _world.PersonAsync(Roles.Supervisor);
        for (var i = 0; i < Rows; i++)
        {
            var (mentorId, _) = await _world.ReadyMentorAsync();
            await MentoringWorld.Ok(await _world.Admin.PutAsJsonAsync($"/api/mentors/{mentorId}/supervisor", new { supervisorId }));
        }

        var calls = await api.Counter.CountAsync(async () =>
            Assert.Equal(Rows, (await HttpAssert.Ok<PageDto<MentorDto>>(await supervisor.GetAsync($"/api/mentors?pageSize={Rows}"))).Items.Count));

        Assert.True(calls <= 8, $"listing {Rows} mentors took {calls} store calls");
    }

    [Fact]
    public async Task The_match_list_reads_the_callers_caseload_not_the_whole_agency()
    {
        var (_, caseManager) = await _world.PersonAsync(Roles.CaseManager);
        var others = "";
        var (mentorId, _) = await _world.ReadyMentorAsync(capacity: 3);
        for (var i = 0; i < 40; i++)
        {
            if (i % 10 == 0)
            {
                others = (await _world.ReadyMentorAsync(capacity: 10)).Id;
            }

            var (youthId, _) = await _world.YouthAsync();
            await _world.ProposeAsync(youthId, others);
        }

        var mine = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            var youth = await MentoringWorld.Created<YouthDto>(await caseManager.PostJson("/api/youth", new { displayName = $"Mine {i}", age = 16, stage = "contemplation" }));
            mine.Add((await MentoringWorld.Created<MatchDto>(await caseManager.PostJson("/api/matches", new { youthId = youth.Id, mentorId }))).Id);
        }

        PageDto<MatchDto>? page = null;
        var use = await api.Counter.MeasureAsync(async () => page = await HttpAssert.Ok<PageDto<MatchDto>>(await caseManager.GetAsync("/api/matches")));

        Assert.Equal(mine.AsEnumerable().Reverse(), page!.Items.Select(m => m.Id));
        Assert.True(use.Documents <= 20, $"listing 3 matches read {use.Documents} documents; the agency holds more than 40 others");
    }
}
