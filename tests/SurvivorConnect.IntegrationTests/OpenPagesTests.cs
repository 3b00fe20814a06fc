using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;
using SurvivorConnect.Api.Features.Notifications;
using SurvivorConnect.Api.Infrastructure.Auth;

namespace SurvivorConnect.IntegrationTests;

/// <summary>
/// A person's open pages hear at once when what they may see shrinks (a youth handed on, a role taken away, sharing
/// stopped, a seat on a team or a mentor to supervise gone), so they
/// draw themselves again rather than go on showing it. Whoever made the change hears it too; only a page whose form
/// is on its way (the one that made it) keeps the answer it is about to show.
/// </summary>
[Collection(SharedApi.Name)]
public sealed class OpenPagesTests(ApiFactory api)
{
    private readonly MentoringWorld _world = new(api);

    [Fact]
    public async Task A_case_manager_s_pages_hear_when_a_youth_is_handed_away_from_them_or_they_are_put_on_the_youth_s_do_not_match_list()
    {
        var (otherId, _) = await _world.PersonAsync(Roles.CaseManager);
        // A mentor too, whom the youth may ask never to be matched with.
        await _world.SetRolesAsync(otherId, Roles.CaseManager, Roles.Mentor);
        var (youthId, _) = await _world.YouthAsync();
        var (other, otherTold) = await ListenAsync(otherId);
        var (actor, actorTold) = await ListenAsync("demo-casemanager");
        await using var _ = other;
        await using var __ = actor;

        await _world.HandOverAsync(youthId, "demo-casemanager", otherId);
        await _world.HandOverAsync(youthId, "demo-casemanager");
        await Settle.UntilAsync(() => Task.FromResult(otherTold() == 1));
        Assert.Equal(1, otherTold());

        await _world.HandOverAsync(youthId, "demo-casemanager", otherId);
        await NeverToMeetAsync(youthId, otherId);
        await Settle.UntilAsync(() => Task.FromResult(otherTold() == 2));
        Assert.Equal(2, otherTold());
        Assert.Equal(0, actorTold());

        // Whoever hands a youth away from themselves hears it too: their other tabs are drawn again (the page the form
        // was sent from keeps its answer, portal.js).
        var (nextId, _) = await _world.PersonAsync(Roles.CaseManager);
        await MentoringWorld.Ok(await _world.CaseManager.PutJson($"/api/youth/{youthId}/case-managers", new { caseManagerIds = new[] { nextId } },
            (await _world.CaseManager.GetAsync($"/api/youth/{youthId}")).Headers.ETag!.Tag));
        await Settle.UntilAsync(() => Task.FromResult(actorTold() == 1));
        Assert.Equal(1, actorTold());
    }

    [Fact]
    public async Task A_professional_on_a_youth_s_team_put_on_their_do_not_match_list_has_their_open_pages_drawn_again_without_the_team()
    {
        // A supervisor who also mentors (whom the youth may ask never to be matched with), on the youth's team.
        var (supervisorId, supervisor, youthId, pages, told) = await ProfessionalWithPlansOpenAsync();
        await using var _ = pages;

        await NeverToMeetAsync(youthId, supervisorId);

        await Settle.UntilAsync(() => Task.FromResult(told() == 1));
        Assert.Equal(1, told());
        await HttpAssert.Problem(await supervisor.GetAsync($"/api/teams/{youthId}/plans"), 404);
    }

    [Fact]
    public async Task A_professional_on_a_youth_s_team_proposed_as_their_mentor_has_their_open_pages_drawn_again_without_the_team()
    {
        var (supervisorId, supervisor, youthId, pages, told) = await ProfessionalWithPlansOpenAsync();
        await using var _ = pages;

        await _world.ProposeAsync(youthId, supervisorId);

        await Settle.UntilAsync(() => Task.FromResult(told() >= 1));
        Assert.True(told() >= 1);
        await HttpAssert.Problem(await supervisor.GetAsync($"/api/teams/{youthId}/plans"), 404);
    }

    [Fact]
    public async Task A_person_s_pages_hear_when_a_role_is_taken_away_and_not_when_one_is_only_given_or_the_same_saved_again()
    {
        var (personId, _) = await _world.PersonAsync(Roles.CaseManager);
        var (pages, told) = await ListenAsync(personId);
        await using var _ = pages;

        await _world.SetRolesAsync(personId, Roles.CaseManager, Roles.Recruiter);
        await _world.SetRolesAsync(personId, Roles.Recruiter);
        // The same roles saved again (a page pressed twice, a directory sync) change nothing they see.
        await _world.SetRolesAsync(personId, Roles.Recruiter);

        await Settle.UntilAsync(() => Task.FromResult(told() == 1));
        await Task.Delay(200);
        Assert.Equal(1, told());
    }

    [Fact]
    public async Task A_partner_s_pages_hear_when_the_youth_stops_sharing_and_when_they_are_taken_off_the_team()
    {
        var teaming = new TeamingWorld(api);
        var team = await teaming.SharedTeamAsync();
        var (pages, told) = await ListenAsync(team.Partner.ProfessionalId, team.Partner.Id);
        await using var _ = pages;

        await MentoringWorld.Ok(await team.Youth.PostAsync($"/api/consents/{team.ConsentId}/revoke", null));
        await Settle.UntilAsync(() => Task.FromResult(told() == 1));

        var members = (await MentoringWorld.Ok<JsonElement>(await _world.CaseManager.GetAsync($"/api/teams/{team.YouthId}"))).GetProperty("members").EnumerateArray();
        var partner = members.Single(m => m.GetProperty("agencyId").GetString() == team.Partner.Id).GetProperty("id").GetString();
        await MentoringWorld.Ok(await _world.CaseManager.PostAsync($"/api/teams/{team.YouthId}/members/{partner}/remove", null));
        await Settle.UntilAsync(() => Task.FromResult(told() == 2));
        Assert.Equal(2, told());
    }

    [Fact]
    public async Task A_partner_s_pages_hear_when_the_partnership_ends()
    {
        var team = await new TeamingWorld(api).SharedTeamAsync();
        var (pages, told) = await ListenAsync(team.Partner.ProfessionalId, team.Partner.Id);
        await using var _ = pages;

        await MentoringWorld.Ok(await _world.Admin.PostAsync($"/api/partnerships/{team.PartnershipId}/end", null));

        await Settle.UntilAsync(() => Task.FromResult(told() >= 1));
        Assert.True(told() >= 1);
    }

    [Fact]
    public async Task A_supervisor_s_pages_hear_when_a_mentor_of_theirs_is_given_another_supervisor()
    {
        var (mentorId, _) = await _world.ReadyMentorAsync();
        var (otherId, _) = await _world.PersonAsync(Roles.Supervisor);
        var (pages, told) = await ListenAsync("demo-supervisor");
        await using var _ = pages;

        await MentoringWorld.Ok(await _world.Admin.PutAsJsonAsync($"/api/mentors/{mentorId}/supervisor", new { supervisorId = otherId }));

        await Settle.UntilAsync(() => Task.FromResult(told() == 1));
        Assert.Equal(1, told());
    }

    [Theory]
    [InlineData("/hubs/notifications")]
    [InlineData("/hubs/chat")]
    public async Task A_page_drawn_in_another_session_than_its_connection_s_is_refused_the_connection_and_told_why(string hub)
    {
        var (personId, _) = await _world.PersonAsync(Roles.Mentor);
        var token = api.TokenFor(personId);
        var refused = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        var connection = new HubConnectionBuilder()
            .WithUrl(new Uri($"http://localhost{hub}?session=0123456789abcdef"), o =>
            {
                o.Transports = Microsoft.AspNetCore.Http.Connections.HttpTransportType.WebSockets;
                o.SkipNegotiation = true;
                o.WebSocketFactory = async (context, ct) => await api.Server.CreateWebSocketClient()
                    .ConnectAsync(new Uri($"{context.Uri}&access_token={Uri.EscapeDataString(token)}"), ct);
            })
            .Build();
        connection.On<string>(nameof(INotificationClient.ConnectionRefused), reason => refused.TrySetResult(reason));
        await using var _ = connection;

        await connection.StartAsync();

        Assert.Equal("other-session", await refused.Task.WaitAsync(TimeSpan.FromSeconds(5)));
    }

    /// <summary>The youth's case manager puts <paramref name="personId"/> on the youth's do-not-match list.</summary>
    private async Task NeverToMeetAsync(string youthId, string personId)
    {
        var youth = await _world.CaseManager.GetAsync($"/api/youth/{youthId}");
        await MentoringWorld.Ok(await _world.CaseManager.PutJson($"/api/youth/{youthId}", new
        {
            displayName = (await MentoringWorld.Ok<JsonElement>(youth)).GetProperty("displayName").GetString(), age = 16, doNotMatch = new[] { personId },
        }, youth.Headers.ETag!.Tag));
    }

    /// <summary>A supervisor who also mentors (ready to), on a youth's team, with its plans read and their open pages listening.</summary>
    private async Task<(string SupervisorId, HttpClient Supervisor, string YouthId, HubConnection Pages, Func<int> Told)> ProfessionalWithPlansOpenAsync()
    {
        var (supervisorId, supervisor) = await _world.ReadyMentorAsync();
        await _world.SetRolesAsync(supervisorId, Roles.Mentor, Roles.Supervisor);
        var (youthId, _) = await _world.YouthAsync();
        await MentoringWorld.Ok(await _world.CaseManager.PostAsync($"/api/teams/{youthId}", null));
        await MentoringWorld.Ok(await _world.CaseManager.PostJson($"/api/teams/{youthId}/members", new { role = "Professional", personId = supervisorId }));
        await MentoringWorld.Ok(await supervisor.GetAsync($"/api/teams/{youthId}/plans"));
        var (pages, told) = await ListenAsync(supervisorId);
        return (supervisorId, supervisor, youthId, pages, told);
    }

    private async Task<(HubConnection Connection, Func<int> Told)> ListenAsync(string personId, string agency = "demo")
    {
        var told = 0;
        var connection = NoticeListener.Build(api, personId, agency);
        connection.On(nameof(INotificationClient.AccessChanged), () => Interlocked.Increment(ref told));
        await connection.StartAsync();
        try
        {
            // Answered only once the hub has put the connection in its person's group (NoticeListener).
            await connection.InvokeAsync("Listening");
        }
        catch (HubException)
        {
        }

        return (connection, () => Volatile.Read(ref told));
    }
}
