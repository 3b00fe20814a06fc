using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using SurvivorConnect.Api.Infrastructure.Auth;

namespace SurvivorConnect.IntegrationTests;

[Collection(SharedApi.Name)]
public sealed class AuditTests(ApiFactory api)
{
    private static async Task<List<AuditDto>> AuditAsync(HttpClient client, string query) =>
        (await HttpAssert.Ok<PageDto<AuditDto>>(await client.GetAsync("/api/audit?" + query))).Items;

    [Fact]
    public async Task The_audit_log_page_names_each_actor_with_their_id_so_two_people_of_one_name_are_told_apart()
    {
        var admin = api.As("demo-admin");
        var twinId = "twin-" + Guid.NewGuid().ToString("N")[..10];
        Assert.Equal(HttpStatusCode.Created, (await admin.PostJson("/api/people", new { subjectId = twinId, displayName = "Alex (demo case manager)", roles = new[] { "CaseManager" } })).StatusCode);
        await HttpAssert.Ok<JsonElement>(await api.AsSubject(twinId, "demo").GetAsync("/api/youth"));

        var page = await PortalSession.PostFormAsync(await PortalSession.SignedInAsync(api, "demo-admin"), "/audit", "audit", ("Actor", twinId));

        Assert.Contains($"Alex (demo case manager) ({twinId})", page, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Reading_a_person_is_audited_with_who_what_when_why_and_outcome_but_no_field_values()
    {
        var admin = api.As("demo-admin");
        admin.DefaultRequestHeaders.Add("X-Access-Purpose", "annual access review");

        await admin.GetAsync("/api/people/demo-mentor");
        var entries = await AuditAsync(admin, "recordId=demo-mentor&actorId=demo-admin");

        var entry = Assert.Single(entries, e => e.Action == "person.read");
        Assert.Equal("person", entry.RecordType);
        Assert.Equal(["AgencyAdmin"], entry.ActorRoles);
        Assert.Equal("annual access review", entry.Purpose);
        Assert.Equal("Succeeded", entry.Outcome);
        Assert.True(entry.At > DateTimeOffset.UtcNow.AddMinutes(-5));
        var raw = await (await admin.GetAsync("/api/audit?recordId=demo-mentor")).Content.ReadAsStringAsync();
        Assert.DoesNotContain("Sam (demo mentor)", raw, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_record_id_that_is_no_id_is_not_written_into_the_log()
    {
        await HttpAssert.Problem(await api.As("demo-casemanager").GetAsync("/api/youth/" + Uri.EscapeDataString("Riley Sanchez \u202Eeno-drocer")), 404);

        var entries = await AuditAsync(api.As("demo-admin"), "action=youth.read&actorId=demo-casemanager&pageSize=100");
        Assert.Contains(entries, e => e.Outcome == "NotFound" && e.RecordId is null);
        Assert.DoesNotContain(entries, e => e.RecordId?.Contains("Riley", StringComparison.Ordinal) == true);
    }

    [Fact]
    public async Task Nobody_is_made_a_person_under_an_id_the_apps_own_work_is_audited_under()
    {
        var refused = await HttpAssert.Problem(await api.As("demo-admin").PostJson("/api/people", new { displayName = "Payouts", roles = new[] { Roles.Advisor }, subjectId = "system-payouts" }), 400);

        Assert.True(refused.GetProperty("errors").TryGetProperty("subjectId", out _));
        await HttpAssert.Problem(await api.As("demo-admin").GetAsync("/api/people/system-payouts"), 404);
    }

    [Fact]
    public async Task A_staff_read_is_audited_with_why_the_reader_may_read_it_beside_any_purpose_they_stated()
    {
        var world = new MentoringWorld(api);
        var (youthId, _) = await world.YouthAsync();
        var admin = api.As("demo-admin");
        var reviewing = api.As("demo-admin");
        reviewing.DefaultRequestHeaders.Add("X-Access-Purpose", "complaint review");

        await MentoringWorld.Ok(await world.CaseManager.GetAsync($"/api/youth/{youthId}"));
        await MentoringWorld.Ok(await admin.GetAsync($"/api/youth/{youthId}"));
        await MentoringWorld.Ok(await reviewing.GetAsync($"/api/youth/{youthId}"));
        await MentoringWorld.Ok(await world.CaseManager.GetAsync($"/api/consents?subjectId={youthId}"));

        var reads = await AuditAsync(admin, $"recordId={youthId}&action=youth.read");
        Assert.Contains(reads, e => e is { ActorId: "demo-casemanager", Purpose: null, Basis: "case management: the youth is on their caseload" });
        Assert.Contains(reads, e => e is { ActorId: "demo-admin", Purpose: null, Basis: "agency administration" });
        Assert.Contains(reads, e => e is { ActorId: "demo-admin", Purpose: "complaint review", Basis: "agency administration" });
        var consents = await AuditAsync(admin, "actorId=demo-casemanager&action=consent.list");
        Assert.Contains(consents, e => e.Basis == "case management: the youth is on their caseload");
    }

    [Fact]
    public async Task A_list_resting_on_two_grounds_names_both()
    {
        var world = new MentoringWorld(api);
        var (_, colleague) = await world.PersonAsync(Roles.CaseManager);
        var theirs = await MentoringWorld.Created<YouthDto>(await colleague.PostJson("/api/youth", new { displayName = "Youth of a colleague", age = 16, stage = "contemplation" }));
        await MentoringWorld.Created(await colleague.PostAsync($"/api/teams/{theirs.Id}", null));
        await MentoringWorld.Ok(await colleague.PostJson($"/api/teams/{theirs.Id}/members", new { role = "Professional", personId = "demo-casemanager", title = "Second case manager" }));

        var teams = await HttpAssert.Ok<List<JsonElement>>(await world.CaseManager.GetAsync("/api/teams"));

        Assert.Contains(teams, t => t.GetProperty("youthId").GetString() == theirs.Id && t.GetProperty("myRole").GetString() == "Professional");
        Assert.Contains(teams, t => t.GetProperty("myRole").GetString() == "Lead");
        var listed = (await AuditAsync(api.As("demo-admin"), "actorId=demo-casemanager&action=team.list")).MaxBy(e => e.At)!;
        Assert.Equal("case management: the youth is on their caseload; a professional on the youth's team", listed.Basis);
    }

    [Fact]
    public async Task Each_youth_a_list_shows_is_in_the_log_as_read_so_asking_who_read_a_youth_finds_the_lists_too()
    {
        var world = new MentoringWorld(api);
        var (caseManagerId, caseManager) = await world.PersonAsync(Roles.CaseManager);
        var shown = await MentoringWorld.Created<YouthDto>(await caseManager.PostJson("/api/youth", new { displayName = "Listed youth", age = 16, stage = "contemplation" }));
        var (elsewhere, _) = await world.YouthAsync();
        var (mentorId, mentor) = await world.ReadyMentorAsync();
        var (youthId, youth) = await world.YouthAsync();
        await world.AcceptedAsync(youthId, mentorId, mentor);

        await HttpAssert.Ok<JsonElement>(await caseManager.GetAsync("/api/youth"));
        await HttpAssert.Ok<JsonElement>(await mentor.GetAsync("/api/matches"));
        await HttpAssert.Ok<JsonElement>(await youth.GetAsync("/api/matches"));

        var admin = api.As("demo-admin");
        var read = Assert.Single(await AuditAsync(admin, $"recordId={shown.Id}&action=youth.list"));
        Assert.Equal((caseManagerId, "youth", "Succeeded", AccessBasisCaseload), (read.ActorId, read.RecordType, read.Outcome, read.Basis));
        Assert.Empty(await AuditAsync(admin, $"recordId={elsewhere}&action=youth.list&actorId={caseManagerId}"));
        Assert.Contains(await AuditAsync(admin, $"recordId={youthId}&action=match.list"), e => e.ActorId == mentorId);
        var youthPerson = (await HttpAssert.Ok<MeDto>(await youth.GetAsync("/api/me"))).Id;
        Assert.DoesNotContain(await AuditAsync(admin, $"recordId={youthId}&action=match.list"), e => e.ActorId == youthPerson);
    }

    [Fact]
    public async Task Reading_one_match_is_in_the_log_as_a_read_of_its_youth()
    {
        var world = new MentoringWorld(api);
        var (mentorId, mentor) = await world.ReadyMentorAsync();
        var (youthId, _) = await world.YouthAsync();
        var match = await world.AcceptedAsync(youthId, mentorId, mentor);

        await HttpAssert.Ok<JsonElement>(await world.CaseManager.GetAsync($"/api/matches/{match.Id}"));

        Assert.Contains(await AuditAsync(api.As("demo-admin"), $"recordId={youthId}&action=match.read"), e => e.ActorId == "demo-casemanager" && e.RecordType == "youth");
    }

    [Fact]
    public async Task Proposing_a_match_is_in_the_log_as_a_read_of_its_youth()
    {
        var world = new MentoringWorld(api);
        var (mentorId, _) = await world.ReadyMentorAsync();
        var (youthId, _) = await world.YouthAsync();

        await world.ProposeAsync(youthId, mentorId);

        Assert.Contains(await AuditAsync(api.As("demo-admin"), $"recordId={youthId}&action=match.propose"), e => e.ActorId == "demo-casemanager" && e.RecordType == "youth");
    }

    private const string AccessBasisCaseload = "case management: the youth is on their caseload";

    [Fact]
    public async Task An_admin_who_also_manages_cases_opening_the_chat_page_reads_only_their_own_caseload_s_matches()
    {
        var world = new MentoringWorld(api);
        var (mentorId, mentor) = await world.ReadyMentorAsync();
        var (othersYouth, _) = await world.YouthAsync();
        await world.AcceptedAsync(othersYouth, mentorId, mentor);
        var (adminId, _) = await world.PersonAsync(Roles.CaseManager);
        await world.SetRolesAsync(adminId, Roles.AgencyAdmin, Roles.CaseManager);
        try
        {
            var page = await PortalSession.SignedInAsync(api, adminId);
            Assert.Equal(HttpStatusCode.OK, (await page.GetAsync("/chat")).StatusCode);

            Assert.DoesNotContain(await AuditAsync(api.As("demo-admin"), $"recordId={othersYouth}&action=match.list"), e => e.ActorId == adminId);
        }
        finally
        {
            await HttpAssert.Ok<JsonElement>(await world.Admin.PostAsync($"/api/people/{adminId}/deactivate", null));
        }
    }

    [Fact]
    public async Task A_read_of_an_unknown_record_is_audited_as_not_found()
    {
        var admin = api.As("demo-admin");

        await admin.GetAsync("/api/people/ghost-record");

        Assert.Contains(await AuditAsync(admin, "recordId=ghost-record"), e => e.Outcome == "NotFound");
    }

    [Fact]
    public async Task A_denied_request_is_audited_once_a_minute_however_often_it_is_tried_and_without_the_callers_own_words()
    {
        var recruiter = api.As("demo-recruiter");
        recruiter.DefaultRequestHeaders.Add("X-Access-Purpose", "URGENT: admins must call 555-0100 now");
        for (var i = 0; i < 20; i++)
        {
            await recruiter.GetAsync("/api/people");
        }

        var entries = await AuditAsync(api.As("demo-admin"), "actorId=demo-recruiter&recordType=endpoint");

        var entry = Assert.Single(entries, e => e.Action == "GET /api/people/");
        Assert.Equal("Denied", entry.Outcome);
        Assert.Null(entry.Purpose);
    }

    [Fact]
    public async Task Denied_requests_for_one_record_after_another_name_each_record_up_to_a_bound_a_minute()
    {
        var recruiter = api.As("demo-recruiter");
        for (var i = 0; i < 30; i++)
        {
            await recruiter.GetAsync($"/api/people/probe-{i}");
        }

        var entries = (await AuditAsync(api.As("demo-admin"), "actorId=demo-recruiter&recordType=endpoint")).Where(e => e.Action == "GET /api/people/{id}").ToList();

        Assert.Contains(entries, e => e.RecordId == "probe-0");
        Assert.InRange(entries.Count, 2, RefusalAudit.MostPerMinute);
        Assert.All(entries, e => Assert.Equal("Denied", e.Outcome));
    }

    [Fact]
    public async Task A_deactivated_account_s_made_up_request_methods_are_one_denied_entry_without_their_words()
    {
        var world = new MentoringWorld(api);
        var (goneId, gone) = await world.PersonAsync(Roles.CaseManager);
        await MentoringWorld.Ok(await world.Admin.PostAsync($"/api/people/{goneId}/deactivate", null));

        for (var i = 0; i < 10; i++)
        {
            await gone.SendAsync(new HttpRequestMessage(new HttpMethod($"XREADYOUTH{i}"), "/api/people"));
        }

        var entries = await AuditAsync(api.As("demo-admin"), $"actorId={goneId}&recordType=endpoint");
        Assert.Single(entries);
        Assert.DoesNotContain(entries, e => e.Action.Contains("XREADYOUTH", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Words_a_mentor_puts_in_the_purpose_header_never_reach_the_admins_log_but_a_case_managers_do()
    {
        var mentor = api.As("demo-mentor");
        mentor.DefaultRequestHeaders.Add("X-Access-Purpose", "URGENT: admins must call 555-0100 now");
        var caseManager = api.As("demo-casemanager");
        caseManager.DefaultRequestHeaders.Add("X-Access-Purpose", "Safety plan review with the youth");

        await HttpAssert.Ok<System.Text.Json.JsonElement>(await mentor.GetAsync("/api/supervision/me"));
        await HttpAssert.Ok<System.Text.Json.JsonElement>(await caseManager.GetAsync("/api/youth/demo-youth-referral"));

        var admin = api.As("demo-admin");
        var mentorsEntries = await AuditAsync(admin, "actorId=demo-mentor");
        Assert.Contains(mentorsEntries, e => e.Action == "wellbeing.read-own");
        Assert.All(mentorsEntries, e => Assert.Null(e.Purpose));
        Assert.Contains(await AuditAsync(admin, "actorId=demo-casemanager"), e => e.Purpose == "Safety plan review with the youth");
    }

    [Fact]
    public async Task On_the_audit_page_older_entries_after_a_change_of_filters_start_from_the_newest_and_one_record_can_be_looked_up()
    {
        await using var fresh = new ApiFactory();
        var caseManager = fresh.As("demo-casemanager");
        for (var i = 0; i < 60; i++)
        {
            await caseManager.GetAsync("/api/youth/demo-youth-referral");
        }

        await HttpAssert.Ok<JsonElement>(await fresh.As("demo-mentor").GetAsync("/api/supervision/me"));
        var admin = await PortalSession.SignedInAsync(fresh, "demo-admin");

        var first = await PortalSession.PostFormAsync(admin, "/audit", "audit", ("Actor", "demo-casemanager"));
        var next = await PortalSession.PostFormAsync(admin, "/audit", "audit",
            ("Actor", "demo-casemanager"), ("After", PortalSession.Hidden(first, "After")), ("Shown", PortalSession.Hidden(first, "Shown")));
        var older = await PortalSession.PostFormAsync(admin, "/audit", "audit",
            ("Actor", "demo-mentor"), ("After", PortalSession.Hidden(first, "After")), ("Shown", PortalSession.Hidden(first, "Shown")));
        var record = await PortalSession.PostFormAsync(admin, "/audit", "audit", ("RecordType", "youth"), ("RecordId", "demo-youth-referral"));

        Assert.Contains("Older entries", first, StringComparison.Ordinal);
        Assert.Equal(50, System.Text.RegularExpressions.Regex.Count(first, "youth.read<"));
        Assert.Equal(10, System.Text.RegularExpressions.Regex.Count(next, "youth.read<"));
        Assert.Contains("wellbeing.read-own", older, StringComparison.Ordinal);
        Assert.Contains("youth.read", record, StringComparison.Ordinal);
        Assert.DoesNotContain("wellbeing.read-own", record, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_request_refused_for_what_it_asked_is_audited_too()
    {
        var admin = api.As("demo-admin");
        var person = await admin.GetAsync("/api/people/demo-recruiter");

        await HttpAssert.Problem(await admin.PutJson("/api/people/demo-recruiter/roles", new { roles = new[] { "Wizard" } }, person.Headers.ETag!.Tag), 400);

        var entries = await AuditAsync(admin, "actorId=demo-admin&recordId=demo-recruiter");
        Assert.Contains(entries, e => e.Action == "person.set-roles" && e.Outcome == "Conflict");
    }

    [Fact]
    public async Task Another_agencys_admin_sees_none_of_these_entries()
    {
        await api.As("demo-admin").GetAsync("/api/people/demo-youth");

        var entries = await AuditAsync(api.As("north-admin"), "recordId=demo-youth");

        Assert.DoesNotContain(entries, e => e.ActorId.StartsWith("demo-", StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_audit_log_pages_newest_first()
    {
        var admin = api.As("demo-admin");
        for (var i = 0; i < 3; i++)
        {
            await admin.GetAsync("/api/people/paging-probe");
        }

        var first = await HttpAssert.Ok<PageDto<AuditDto>>(await admin.GetAsync("/api/audit?recordId=paging-probe&pageSize=2"));
        var second = await HttpAssert.Ok<PageDto<AuditDto>>(await admin.GetAsync("/api/audit?recordId=paging-probe&pageSize=2&continuationToken=" + Uri.EscapeDataString(first.ContinuationToken!)));

        var all = first.Items.Concat(second.Items).ToList();
        Assert.Equal(3, all.Count);
        Assert.Equal(all.OrderByDescending(e => e.At).Select(e => e.Id), all.Select(e => e.Id));

        // The token is sealed for its reader and filters: it shows no entry it was made from, and one written by hand,
        // another admin's, or sent with other filters (to place the entry it was made from among the rest) pages nothing.
        Assert.DoesNotContain(first.Items[^1].Id, Readable(first.ContinuationToken!), StringComparison.Ordinal);
        var forged = Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes($"{{\"value\":\"{first.Items[^1].At:O}\",\"id\":\"{first.Items[^1].Id}\"}}"));
        await HttpAssert.Problem(await admin.GetAsync("/api/audit?recordId=paging-probe&pageSize=2&continuationToken=" + Uri.EscapeDataString(forged)), 400);
        await HttpAssert.Problem(await api.As("north-admin").GetAsync("/api/audit?recordId=paging-probe&pageSize=2&continuationToken=" + Uri.EscapeDataString(first.ContinuationToken!)), 400);
        await HttpAssert.Problem(await admin.GetAsync("/api/audit?pageSize=2&continuationToken=" + Uri.EscapeDataString(first.ContinuationToken!)), 400);
    }

    private static string Readable(string token)
    {
        var base64 = token.Replace('-', '+').Replace('_', '/');
        return System.Text.Encoding.Latin1.GetString(Convert.FromBase64String(base64.PadRight(base64.Length + ((4 - (base64.Length % 4)) % 4), '=')));
    }

    [Fact]
    public async Task The_audit_log_filters_by_action_and_by_whole_utc_days()
    {
        var admin = api.As("demo-admin");
        await admin.GetAsync("/api/people/filter-probe");

        var byAction = await AuditAsync(admin, "action=person.read&recordId=filter-probe");
        var today = byAction[0].At.UtcDateTime.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
        var tomorrow = byAction[0].At.UtcDateTime.AddDays(1).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
        var sameDay = await AuditAsync(admin, $"recordId=filter-probe&from={today}&to={today}");
        var later = await AuditAsync(admin, $"recordId=filter-probe&from={tomorrow}");
        var otherAction = await AuditAsync(admin, "action=person.create&recordId=filter-probe");

        Assert.NotEmpty(byAction);
        Assert.All(byAction, e => Assert.Equal("person.read", e.Action));
        Assert.Contains(sameDay, e => e.Action == "person.read");
        Assert.Empty(later);
        Assert.Empty(otherAction);
    }

    [Fact]
    public async Task The_last_day_there_is_can_end_the_range()
    {
        var admin = api.As("demo-admin");
        await admin.GetAsync("/api/people/far-future-probe");

        var untilTheEnd = await AuditAsync(admin, "recordId=far-future-probe&from=0001-01-01&to=9999-12-31");

        Assert.Contains(untilTheEnd, e => e.Action == "person.read");
    }

    [Theory]
    [InlineData("from=2026-11-02&to=2026-11-01", "to")]
    [InlineData("from=yesterday", null)]
    [InlineData("action=" + "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", "action")]
    public async Task A_bad_audit_filter_is_a_400_naming_the_field(string query, string? field)
    {
        var problem = await HttpAssert.Problem(await api.As("demo-admin").GetAsync("/api/audit?" + query), 400);

        if (field is not null)
        {
            Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _));
        }
    }

    [Fact]
    public void No_endpoint_can_change_or_delete_an_audit_entry()
    {
        var audit = api.Services.GetRequiredService<EndpointDataSource>().Endpoints
            .OfType<RouteEndpoint>()
            .Where(e => e.RoutePattern.RawText!.StartsWith("/api/audit", StringComparison.Ordinal))
            .SelectMany(e => e.Metadata.GetMetadata<Microsoft.AspNetCore.Routing.HttpMethodMetadata>()!.HttpMethods)
            .ToList();

        Assert.Equal(["GET"], audit);
    }
}
