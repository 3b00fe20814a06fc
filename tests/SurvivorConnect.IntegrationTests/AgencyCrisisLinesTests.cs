using System.Net.Http.Json;
using System.Text.Json;
using SurvivorConnect.Storage;

namespace SurvivorConnect.IntegrationTests;

/// <summary>
/// An agency adds the crisis lines of its own area. Its people see them first wherever crisis lines are shown, with the
/// national lines still after them; nobody of another agency sees them; and someone in crisis is shown them even while
/// the agency's record cannot be read.
/// </summary>
public sealed class AgencyCrisisLinesTests(AgencyCrisisLinesTests.Api api) : IClassFixture<AgencyCrisisLinesTests.Api>
{
    /// <summary>The demo agency's lines change here, so it has an API of its own.</summary>
    public sealed class Api : CountingApiFactory;

    private const string Eastside = "Eastside Youth Crisis Line";

    private readonly MentoringWorld _world = new(api);

    private static object EastsideLine => new { name = $" {Eastside} ", contact = "Call (555) 010-2030, day or night", call = "(555) 010-2030", text = " " };

    private static async Task<string> HelpAsync(HttpClient client)
    {
        var html = await client.GetStringAsync("/help");
        return html[html.IndexOf("<main", StringComparison.Ordinal)..html.IndexOf("</main>", StringComparison.Ordinal)];
    }

    private static List<string> Names(JsonElement lines) => lines.EnumerateArray().Select(l => l.GetProperty("name").GetString()!).ToList();

    [Fact]
    public async Task The_agencys_own_line_comes_first_for_its_people_everywhere_and_the_national_lines_stay()
    {
        var saved = await HttpAssert.Ok<JsonElement>(await _world.Admin.PutAgencySetting("/api/agency/crisis-lines", new { lines = new[] { EastsideLine } }));

        var line = Assert.Single(saved.GetProperty("crisisLines").EnumerateArray());
        Assert.Equal(Eastside, line.GetProperty("name").GetString());
        Assert.Equal("5550102030", line.GetProperty("call").GetString());
        Assert.Equal(JsonValueKind.Null, line.GetProperty("text").ValueKind);

        var chat = await _world.OpenChatAsync();
        var help = await HelpAsync(await PortalSession.SignedInAsync(api, chat.YouthPersonId));
        Assert.Contains("href=\"tel:5550102030\"", help, StringComparison.Ordinal);
        Assert.True(help.IndexOf(Eastside, StringComparison.Ordinal) < help.IndexOf("988", StringComparison.Ordinal), "the agency's line comes before the national ones");

        var sent = await chat.Youth.SendAsync(chat.Id, "honestly I want to die");
        Assert.Equal(Eastside, sent.CrisisResources![0].Name);
        Assert.Contains(sent.CrisisResources, r => r.Call == "988");

        var safetyPlan = await HttpAssert.Ok<JsonElement>(await chat.YouthHttp.GetAsync("/api/my-team/safety-plan"));
        Assert.Equal(Eastside, Names(safetyPlan.GetProperty("crisisResources"))[0]);

        var (_, mentor) = await _world.ReadyMentorAsync();
        var reply = await HttpAssert.Ok<JsonElement>(await SupervisionTests.CheckInAsync(mentor, SupervisionTests.Answers(1, urgent: 3)));
        var replyLines = Names(reply.GetProperty("crisisResources"));
        Assert.Equal(Eastside, replyLines[0]);
        Assert.Contains("988 Suicide & Crisis Lifeline", replyLines);

        var audit = await HttpAssert.Ok<PageDto<AuditDto>>(await _world.Admin.GetAsync("/api/audit?action=agency.set-crisis-lines"));
        Assert.Contains(audit.Items, e => e is { ActorId: "demo-admin", Outcome: "Succeeded" });
    }

    [Fact]
    public async Task Nobody_of_another_agency_and_nobody_signed_out_sees_the_agencys_own_lines()
    {
        await HttpAssert.Ok<JsonElement>(await _world.Admin.PutAgencySetting("/api/agency/crisis-lines", new { lines = new[] { EastsideLine } }));
        var other = await new TeamingWorld(api).AgencyAsync();

        var theirs = await HelpAsync(await PortalSession.SignedInAsync(api, other.ProfessionalId));
        var anyone = await HelpAsync(api.Anonymous());

        foreach (var page in new[] { theirs, anyone })
        {
            Assert.DoesNotContain(Eastside, page, StringComparison.Ordinal);
            Assert.Contains("href=\"tel:988\"", page, StringComparison.Ordinal);
        }

        var theirAgency = await HttpAssert.Ok<JsonElement>(await other.Admin.GetAsync("/api/agency"));
        Assert.Empty(theirAgency.GetProperty("crisisLines").EnumerateArray());
    }

    [Fact]
    public async Task Someone_in_crisis_still_sees_the_agencys_line_while_the_agency_cannot_be_read()
    {
        await HttpAssert.Ok<JsonElement>(await _world.Admin.PutAgencySetting("/api/agency/crisis-lines", new { lines = new[] { EastsideLine } }));
        var chat = await _world.OpenChatAsync();
        await HttpAssert.Ok<JsonElement>(await chat.YouthHttp.GetAsync("/api/my-team/safety-plan"));

        api.Counter.BeforeRead = id => id == "demo" ? throw StoreException.Unavailable("The store went away.") : Task.CompletedTask;
        try
        {
            var sent = await chat.Youth.SendAsync(chat.Id, "honestly I want to die");

            Assert.Equal(Eastside, sent.CrisisResources![0].Name);
            Assert.Contains(sent.CrisisResources, r => r.Call == "988");
        }
        finally
        {
            api.Counter.BeforeRead = null;
        }
    }

    [Fact]
    public async Task A_line_taken_off_is_not_shown_from_the_last_read_copy_while_the_agency_cannot_be_read()
    {
        await HttpAssert.Ok<JsonElement>(await _world.Admin.PutAgencySetting("/api/agency/crisis-lines", new { lines = new[] { EastsideLine } }));
        var chat = await _world.OpenChatAsync();
        await HttpAssert.Ok<JsonElement>(await chat.YouthHttp.GetAsync("/api/my-team/safety-plan"));
        await HttpAssert.Ok<JsonElement>(await _world.Admin.PutAgencySetting("/api/agency/crisis-lines", new { lines = Array.Empty<object>() }));

        api.Counter.BeforeRead = id => id == "demo" ? throw StoreException.Unavailable("The store went away.") : Task.CompletedTask;
        try
        {
            var sent = await chat.Youth.SendAsync(chat.Id, "honestly I want to die");

            Assert.DoesNotContain(sent.CrisisResources!, r => r.Name == Eastside);
            Assert.Contains(sent.CrisisResources!, r => r.Call == "988");
        }
        finally
        {
            api.Counter.BeforeRead = null;
        }
    }

    [Fact]
    public async Task Taking_every_line_off_leaves_the_national_lines()
    {
        await HttpAssert.Ok<JsonElement>(await _world.Admin.PutAgencySetting("/api/agency/crisis-lines", new { lines = new[] { EastsideLine } }));
        var cleared = await HttpAssert.Ok<JsonElement>(await _world.Admin.PutAgencySetting("/api/agency/crisis-lines", new { lines = Array.Empty<object>() }));

        Assert.Empty(cleared.GetProperty("crisisLines").EnumerateArray());
        var help = await HelpAsync(await PortalSession.SignedInAsync(api, "demo-casemanager"));
        Assert.DoesNotContain(Eastside, help, StringComparison.Ordinal);
        Assert.Contains("href=\"tel:988\"", help, StringComparison.Ordinal);
    }

    public static TheoryData<string, string> Refused => new()
    {
        { """{"lines":null}""", "lines" },
        { """{}""", "lines" },
        { """{"lines":[null]}""", "lines" },
        { """{"lines":[{"name":" ","contact":"Call 555"}]}""", "lines[0].name" },
        { """{"lines":[{"name":"Line","contact":""}]}""", "lines[0].contact" },
        { """{"lines":[{"name":"Line","contact":"Call","call":"call me"}]}""", "lines[0].call" },
        { """{"lines":[{"name":"Line","contact":"Call","text":"+1+2"}]}""", "lines[0].text" },
        { """{"lines":[{"name":"Line","contact":"Call","call":"1234567890123456"}]}""", "lines[0].call" },
        { """{"lines":[{"name":"Line","contact":"Call","call":"javascript:alert(1)"}]}""", "lines[0].call" },
        { """{"lines":[{"name":"Line\u202E","contact":"Call"}]}""", "lines[0].name" },
        { """{"lines":[{"name":"A","contact":"B"},{"name":"A","contact":"B"},{"name":"A","contact":"B"},{"name":"A","contact":"B"},{"name":"A","contact":"B"},{"name":"A","contact":"B"}]}""", "lines" },
    };

    [Theory]
    [MemberData(nameof(Refused))]
    public async Task A_line_that_is_not_one_is_refused_with_the_field_to_mend(string body, string field)
    {
        var agency = await HttpAssert.Ok<JsonElement>(await _world.Admin.GetAsync("/api/agency"));
        using var request = new HttpRequestMessage(HttpMethod.Put, "/api/agency/crisis-lines") { Content = new StringContent(body, System.Text.Encoding.UTF8, "application/json") };
        request.Headers.TryAddWithoutValidation("If-Match", agency.GetProperty("version").GetString());

        var problem = await HttpAssert.Problem(await _world.Admin.SendAsync(request), 400);

        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), problem.GetRawText());
    }

    [Fact]
    public async Task A_save_from_a_page_read_before_another_admins_change_is_refused_and_one_naming_no_version_too()
    {
        var seen = await HttpAssert.Ok<JsonElement>(await _world.Admin.GetAsync("/api/agency"));
        await HttpAssert.Ok<JsonElement>(await _world.Admin.PutAgencySetting("/api/agency/crisis-lines", new { lines = new[] { EastsideLine } }));

        await HttpAssert.Problem(await _world.Admin.PutJson("/api/agency/crisis-lines", new { lines = Array.Empty<object>() }, seen.GetProperty("version").GetString()), 412);
        await HttpAssert.Problem(await _world.Admin.PutJson("/api/agency/crisis-lines", new { lines = Array.Empty<object>() }, null), 428);
        var now = await HttpAssert.Ok<JsonElement>(await _world.Admin.GetAsync("/api/agency"));
        Assert.Equal(Eastside, Names(now.GetProperty("crisisLines"))[0]);
    }
}
