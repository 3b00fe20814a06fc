using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using SurvivorConnect.Api.Features.Agencies;
using SurvivorConnect.Api.Features.People;
using SurvivorConnect.Api.Infrastructure.Auth;
using SurvivorConnect.Storage;

namespace SurvivorConnect.IntegrationTests;

[Collection(SharedApi.Name)]
public sealed class PeopleTests(ApiFactory api)
{
    private readonly HttpClient _admin = api.As("demo-admin");

    private async Task<(PersonDto Person, string ETag)> CreateAsync(string? subject = null, params string[] roles)
    {
        var response = await _admin.PostJson("/api/people", new { displayName = "Person " + Guid.NewGuid().ToString("N")[..6], roles, subjectId = subject ?? "p-" + Guid.NewGuid().ToString("N") });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await HttpAssert.Ok<PersonDto>(response), response.Headers.ETag!.Tag);
    }

    private async Task<HttpResponseMessage> SetRolesAsync(string id, string? etag, params string[] roles)
    {
        var request = new HttpRequestMessage(HttpMethod.Put, $"/api/people/{id}/roles") { Content = JsonContent.Create(new { roles }) };
        if (etag is not null)
        {
            request.Headers.TryAddWithoutValidation("If-Match", etag);
        }

        return await _admin.SendAsync(request);
    }

    [Fact]
    public async Task A_calendar_link_made_before_its_owner_s_access_was_taken_away_stays_dead_when_it_is_given_back()
    {
        var (person, _) = await CreateAsync(null, Roles.Advisor);
        var link = (await HttpAssert.Ok<JsonElement>(await api.AsSubject(person.Id, "demo").PostAsync("/api/engagements/me/calendar", null))).GetProperty("path").GetString()!;
        Assert.Equal(HttpStatusCode.OK, (await api.Anonymous().GetAsync(link)).StatusCode);

        // The phone was lost, or the account taken over: access goes, then comes back.
        await Task.Delay(TimeSpan.FromMilliseconds(5));
        await HttpAssert.Ok<PersonDto>(await _admin.PostAsync($"/api/people/{person.Id}/deactivate", null));
        await HttpAssert.Ok<PersonDto>(await _admin.ReactivateAsync(person.Id));

        Assert.Equal(HttpStatusCode.NotFound, (await api.Anonymous().GetAsync(link)).StatusCode);
        var newer = (await HttpAssert.Ok<JsonElement>(await api.AsSubject(person.Id, "demo").PostAsync("/api/engagements/me/calendar", null))).GetProperty("path").GetString()!;
        Assert.Equal(HttpStatusCode.OK, (await api.Anonymous().GetAsync(newer)).StatusCode);
    }

    [Fact]
    public async Task A_calendar_link_made_before_its_owner_stopped_taking_paid_work_stays_dead_when_the_work_is_given_back()
    {
        var (person, etag) = await CreateAsync(null, Roles.Advisor);
        var link = (await HttpAssert.Ok<JsonElement>(await api.AsSubject(person.Id, "demo").PostAsync("/api/engagements/me/calendar", null))).GetProperty("path").GetString()!;

        // While they take no paid work they cannot turn the link off themselves: it goes with the role.
        var changed = await SetRolesAsync(person.Id, etag, Roles.Recruiter);
        await HttpAssert.Ok<PersonDto>(changed);
        await HttpAssert.Ok<PersonDto>(await SetRolesAsync(person.Id, changed.Headers.ETag!.Tag, Roles.Advisor));

        Assert.Equal(HttpStatusCode.NotFound, (await api.Anonymous().GetAsync(link)).StatusCode);
    }

    [Fact]
    public async Task A_sign_in_naming_an_agency_id_no_agency_could_be_given_opens_nothing_even_where_such_a_record_exists()
    {
        // An agency's id starts the ids of its records in partitions every agency shares: "demo~x" would write as "demo"'s.
        var store = api.Services.GetRequiredService<IDocumentStore>();
        await store.UpsertAsync(Person.Container, new Person
        {
            Id = "tilde-admin", PartitionKey = "demo~x", AgencyId = "demo~x", DisplayName = "Tilde admin", Roles = [Roles.AgencyAdmin], Active = true,
            CreatedAt = DateTimeOffset.UnixEpoch,
        }, CancellationToken.None);

        await HttpAssert.Problem(await api.AsSubject("tilde-admin", "demo~x").GetAsync("/api/people"), 403);
        await HttpAssert.Problem(await api.AsSubject("tilde~admin", "demo").GetAsync("/api/people"), 403);
    }

    [Fact]
    public async Task The_safety_notice_is_shown_until_the_person_says_they_read_it_and_only_for_them()
    {
        var (first, _) = await CreateAsync(null, Roles.Youth);
        var (second, _) = await CreateAsync(null, Roles.Youth);
        var youth = api.As(first.Id);

        Assert.False((await HttpAssert.Ok<MeDto>(await youth.GetAsync("/api/me"))).SafetyNoticeSeen);
        Assert.True((await HttpAssert.Ok<MeDto>(await youth.PostAsync("/api/me/safety-notice", null))).SafetyNoticeSeen);
        Assert.True((await HttpAssert.Ok<MeDto>(await youth.PostAsync("/api/me/safety-notice", null))).SafetyNoticeSeen);

        Assert.True((await HttpAssert.Ok<MeDto>(await youth.GetAsync("/api/me"))).SafetyNoticeSeen);
        Assert.False((await HttpAssert.Ok<MeDto>(await api.As(second.Id).GetAsync("/api/me"))).SafetyNoticeSeen);
    }

    [Fact]
    public async Task An_admin_adds_a_person_who_can_then_sign_in_with_their_roles()
    {
        var (person, _) = await CreateAsync(null, Roles.Mentor, Roles.Recruiter);

        var me = await HttpAssert.Ok<MeDto>(await api.AsSubject(person.Id, "demo").GetAsync("/api/me"));

        Assert.Equal(person.Id, me.Id);
        Assert.Equal([Roles.Mentor, Roles.Recruiter], me.Roles);
        Assert.Equal("demo", me.AgencyId);
    }

    [Fact]
    public async Task Adding_the_same_subject_twice_is_a_conflict()
    {
        var (person, _) = await CreateAsync();

        var again = await _admin.PostJson("/api/people", new { displayName = "Again", roles = Array.Empty<string>(), subjectId = person.Id });

        await HttpAssert.Problem(again, 409);
    }

    [Fact]
    public async Task Roles_change_with_the_current_ETag_and_take_effect_on_the_next_request()
    {
        var (person, etag) = await CreateAsync(null, Roles.Youth);
        var client = api.AsSubject(person.Id, "demo");
        await HttpAssert.Problem(await client.GetAsync("/api/people"), 403);

        var changed = await SetRolesAsync(person.Id, etag, Roles.AgencyAdmin);

        Assert.Equal([Roles.AgencyAdmin], (await HttpAssert.Ok<PersonDto>(changed)).Roles);
        Assert.NotEqual(etag, changed.Headers.ETag!.Tag);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/people")).StatusCode);
    }

    [Fact]
    public async Task A_youth_holds_no_other_role_so_is_never_offered_paid_work_or_staff_reads()
    {
        var (youth, etag) = await CreateAsync(null, Roles.Youth);

        foreach (var other in Roles.All.Where(r => r is not (Roles.Youth or Roles.Analyst)))
        {
            var refused = await HttpAssert.Problem(await SetRolesAsync(youth.Id, etag, Roles.Youth, other), 400);
            Assert.Contains("A youth the agency serves holds no other role", refused.GetProperty("errors").GetProperty("roles")[0].GetString(), StringComparison.Ordinal);
            Assert.Equal(HttpStatusCode.BadRequest, (await _admin.PostJson("/api/people", new { displayName = "Two hats", roles = new[] { other, Roles.Youth }, subjectId = "p-" + Guid.NewGuid().ToString("N") })).StatusCode);
        }

        Assert.Equal([Roles.Advisor], (await HttpAssert.Ok<PersonDto>(await SetRolesAsync(youth.Id, etag, Roles.Advisor))).Roles);
    }

    [Fact]
    public async Task A_child_the_agency_serves_is_not_made_a_mentor_or_advisor_by_taking_the_youth_role_away_first()
    {
        var world = new MentoringWorld(api);
        var (person, etag) = await CreateAsync(null, Roles.Youth);
        var youthId = await world.YouthWithoutSignInAsync();
        await world.LinkSignInAsync(youthId, person.Id);

        await HttpAssert.Problem(await SetRolesAsync(person.Id, etag, Roles.Mentor), 409);
        var noRole = await SetRolesAsync(person.Id, etag);
        Assert.Empty((await HttpAssert.Ok<PersonDto>(noRole)).Roles);
        var refused = await HttpAssert.Problem(await SetRolesAsync(person.Id, noRole.Headers.ETag!.Tag, Roles.Advisor), 409);
        Assert.Contains("a youth the agency serves who is under its adult age", refused.GetProperty("detail").GetString(), StringComparison.Ordinal);

        // Their case manager takes the sign-in off the youth's record: it may take on other work now.
        await world.LinkSignInAsync(youthId, "");
        Assert.Equal([Roles.Advisor], (await HttpAssert.Ok<PersonDto>(await SetRolesAsync(person.Id, noRole.Headers.ETag!.Tag, Roles.Advisor))).Roles);
    }

    [Fact]
    public async Task A_survivor_served_as_an_adult_who_took_on_work_is_not_recorded_a_child_while_they_hold_it()
    {
        var world = new MentoringWorld(api);
        var (youthId, _) = await world.YouthAsync(age: 19);
        var personId = (await HttpAssert.Ok<JsonElement>(await world.CaseManager.GetAsync($"/api/youth/{youthId}"))).GetProperty("personId").GetString()!;
        var advisor = await SetRolesAsync(personId, (await _admin.GetAsync($"/api/people/{personId}")).Headers.ETag!.Tag, Roles.Advisor);
        await HttpAssert.Ok<PersonDto>(advisor);

        var current = await world.CaseManager.GetAsync($"/api/youth/{youthId}");
        var refused = await HttpAssert.Problem(
            await world.CaseManager.PutJson($"/api/youth/{youthId}", new { displayName = "Found younger", age = 16 }, current.Headers.ETag!.Tag), 409);
        Assert.Contains("a child the agency serves takes none", refused.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(19, (await HttpAssert.Ok<JsonElement>(await world.CaseManager.GetAsync($"/api/youth/{youthId}"))).GetProperty("age").GetInt32());

        // Nor by a higher adult age: the agency's admin takes the role away first.
        var agency = await HttpAssert.Ok<JsonElement>(await _admin.GetAsync("/api/agency"));
        var policy = agency.GetProperty("matchConsentPolicy");
        var raised = await HttpAssert.Problem(await _admin.PutJson("/api/agency/match-consent-policy",
            new { adultAge = 21, minorMatchNeeds = policy.GetProperty("minorMatchNeeds") }, agency.GetProperty("version").GetString()), 409);
        Assert.Contains("youth the agency serves would be under the new adult age", raised.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(policy.GetProperty("adultAge").GetInt32(), (await HttpAssert.Ok<JsonElement>(await _admin.GetAsync("/api/agency"))).GetProperty("matchConsentPolicy").GetProperty("adultAge").GetInt32());

        await HttpAssert.Ok<PersonDto>(await SetRolesAsync(personId, advisor.Headers.ETag!.Tag, Roles.Youth));
        var saved = await HttpAssert.Ok<JsonElement>(await world.CaseManager.PutJson($"/api/youth/{youthId}", new { displayName = "Found younger", age = 16 }, current.Headers.ETag!.Tag));
        Assert.Equal(16, saved.GetProperty("age").GetInt32());
    }

    [Fact]
    public async Task An_analyst_holds_no_role_that_reads_peoples_records_besides_admin()
    {
        var (analyst, etag) = await CreateAsync(null, Roles.Analyst);

        foreach (var other in new[] { Roles.CaseManager, Roles.Supervisor, Roles.Recruiter, Roles.FinanceApprover, Roles.Mentor, Roles.Advisor, Roles.Youth })
        {
            var refused = await HttpAssert.Problem(await SetRolesAsync(analyst.Id, etag, Roles.Analyst, other), 400);
            Assert.Contains("reads reports only", refused.GetProperty("errors").GetProperty("roles")[0].GetString(), StringComparison.Ordinal);
            Assert.Equal(HttpStatusCode.BadRequest, (await _admin.PostJson("/api/people", new { displayName = "Two hats", roles = new[] { other, Roles.Analyst }, subjectId = "p-" + Guid.NewGuid().ToString("N") })).StatusCode);
        }

        Assert.Equal([Roles.Analyst, Roles.AgencyAdmin], (await HttpAssert.Ok<PersonDto>(await SetRolesAsync(analyst.Id, etag, Roles.Analyst, Roles.AgencyAdmin))).Roles);
    }

    [Fact]
    public async Task Someone_who_read_peoples_records_in_another_role_does_not_become_an_analyst_later()
    {
        var (caseManager, etag) = await CreateAsync(null, Roles.CaseManager);

        var refused = await HttpAssert.Problem(await SetRolesAsync(caseManager.Id, etag, Roles.Analyst), 409);
        var stepped = await HttpAssert.Ok<PersonDto>(await SetRolesAsync(caseManager.Id, etag, Roles.Advisor));
        var current = await _admin.GetAsync($"/api/people/{caseManager.Id}");
        await HttpAssert.Problem(await SetRolesAsync(caseManager.Id, current.Headers.ETag!.Tag, Roles.Analyst), 409);

        Assert.Contains("cannot be an analyst", refused.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal([Roles.Advisor], stepped.Roles);
        var (analyst, analystTag) = await CreateAsync(null, Roles.Analyst);
        Assert.Equal([Roles.Analyst, Roles.AgencyAdmin], (await HttpAssert.Ok<PersonDto>(await SetRolesAsync(analyst.Id, analystTag, Roles.Analyst, Roles.AgencyAdmin))).Roles);
    }

    [Fact]
    public async Task An_analyst_does_not_later_take_a_role_that_reads_peoples_records()
    {
        var (analyst, etag) = await CreateAsync(null, Roles.Analyst);

        var refused = await HttpAssert.Problem(await SetRolesAsync(analyst.Id, etag, Roles.CaseManager), 409);

        Assert.Contains("read the agency's reports as an analyst", refused.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal([Roles.AgencyAdmin], (await HttpAssert.Ok<PersonDto>(await SetRolesAsync(analyst.Id, etag, Roles.AgencyAdmin))).Roles);
    }

    [Theory]
    [InlineData(false, HttpStatusCode.OK)]
    [InlineData(true, HttpStatusCode.Conflict)]
    public async Task An_admin_gives_themselves_a_role_only_where_no_one_else_is_or_was_an_admin(bool anotherWasDeactivated, HttpStatusCode expected)
    {
        var agencyId = "solo-" + Guid.NewGuid().ToString("N")[..10];
        var store = api.Services.GetRequiredService<IDocumentStore>();
        var now = DateTimeOffset.UtcNow;
        await store.CreateAsync(Agency.Container, new Agency { Id = agencyId, PartitionKey = agencyId, AgencyId = agencyId, Name = "Agency " + agencyId, CreatedAt = now }, CancellationToken.None);
        var admins = anotherWasDeactivated ? new[] { ("a", true), ("b", false) } : [("a", true)];
        foreach (var (suffix, active) in admins)
        {
            await store.CreateAsync(Person.Container, new Person
            {
                Id = $"{agencyId}-{suffix}", PartitionKey = agencyId, AgencyId = agencyId, DisplayName = "Admin " + suffix, Roles = [Roles.AgencyAdmin], Active = active, CreatedAt = now,
            }, CancellationToken.None);
        }

        var admin = api.AsSubject($"{agencyId}-a", agencyId);
        var me = await admin.GetAsync($"/api/people/{agencyId}-a");
        using var widen = new HttpRequestMessage(HttpMethod.Put, $"/api/people/{agencyId}-a/roles") { Content = JsonContent.Create(new { roles = new[] { Roles.AgencyAdmin, Roles.Supervisor } }) };
        widen.Headers.TryAddWithoutValidation("If-Match", me.Headers.ETag!.Tag);

        Assert.Equal(expected, (await admin.SendAsync(widen)).StatusCode);
    }

    [Fact]
    public async Task A_stale_ETag_is_412_and_a_missing_one_is_428_and_nothing_changes()
    {
        var (person, etag) = await CreateAsync(null, Roles.Youth);
        await HttpAssert.Ok<PersonDto>(await SetRolesAsync(person.Id, etag, Roles.Mentor));

        await HttpAssert.Problem(await SetRolesAsync(person.Id, etag, Roles.AgencyAdmin), 412);
        await HttpAssert.Problem(await SetRolesAsync(person.Id, null, Roles.AgencyAdmin), 428);

        var read = await HttpAssert.Ok<PersonDto>(await _admin.GetAsync($"/api/people/{person.Id}"));
        Assert.Equal([Roles.Mentor], read.Roles);
    }

    [Fact]
    public async Task Two_admins_changing_roles_at_once_from_the_same_version_one_wins_one_gets_412()
    {
        var (person, etag) = await CreateAsync(null, Roles.Youth);

        var results = await Task.WhenAll(SetRolesAsync(person.Id, etag, Roles.Mentor), SetRolesAsync(person.Id, etag, Roles.Supervisor));

        Assert.Single(results, r => r.StatusCode == HttpStatusCode.OK);
        Assert.Single(results, r => r.StatusCode == HttpStatusCode.PreconditionFailed);
    }

    [Fact]
    public async Task A_deactivation_pressed_on_a_page_drawn_before_the_person_changed_their_own_record_still_takes_their_access_away()
    {
        var (person, _) = await CreateAsync(null, Roles.CaseManager);
        var seen = (await _admin.GetAsync($"/api/people/{person.Id}")).Headers.ETag!.Tag;
        // Whoever holds their taken phone keeps ending their sign-ins, which changes the record each time.
        (await api.As(person.Id).PostAsync("/api/me/end-sign-ins", null)).EnsureSuccessStatusCode();

        using var deactivate = new HttpRequestMessage(HttpMethod.Post, $"/api/people/{person.Id}/deactivate");
        deactivate.Headers.TryAddWithoutValidation("If-Match", seen);
        var deactivated = await HttpAssert.Ok<PersonDto>(await _admin.SendAsync(deactivate));

        Assert.False(deactivated.Active);
        await HttpAssert.Problem(await api.As(person.Id).GetAsync("/api/me"), 403);
    }

    [Fact]
    public async Task A_deactivated_person_loses_access_at_once_and_regains_it_when_reactivated_by_signing_in_again()
    {
        var (person, _) = await CreateAsync(null, Roles.CaseManager);
        var client = api.Anonymous();
        client.DefaultRequestHeaders.Authorization = new("Bearer", api.TokenFor(person.Id, at: DateTimeOffset.UtcNow.AddMinutes(-10)));
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/me")).StatusCode);

        var seenActive = (await _admin.GetAsync($"/api/people/{person.Id}")).Headers.ETag!.Tag;
        var deactivated = await HttpAssert.Ok<PersonDto>(await _admin.PostAsync($"/api/people/{person.Id}/deactivate", null));
        await HttpAssert.Problem(await client.GetAsync("/api/me"), 403);

        // Access comes back only from the record as it is now: not blindly, nor from a page read before it was taken away.
        await HttpAssert.Problem(await _admin.PostAsync($"/api/people/{person.Id}/reactivate", null), 428);
        using (var stale = new HttpRequestMessage(HttpMethod.Post, $"/api/people/{person.Id}/reactivate"))
        {
            stale.Headers.TryAddWithoutValidation("If-Match", seenActive);
            await HttpAssert.Problem(await _admin.SendAsync(stale), 412);
        }

        await HttpAssert.Ok<PersonDto>(await _admin.ReactivateAsync(person.Id));

        // A token from before the deactivation (a phone taken, a copy kept) stays refused; a new sign-in is let in.
        Assert.False(deactivated.Active);
        await HttpAssert.Problem(await client.GetAsync("/api/me"), 403);
        Assert.Equal(HttpStatusCode.OK, (await api.AsSubject(person.Id, "demo").GetAsync("/api/me")).StatusCode);
    }

    [Fact]
    public async Task An_admin_signs_someone_out_everywhere_keeping_their_access_and_another_agency_s_admin_cannot()
    {
        var (person, _) = await CreateAsync(null, Roles.CaseManager);
        var kept = api.Anonymous();
        kept.DefaultRequestHeaders.Authorization = new("Bearer", api.TokenFor(person.Id, at: DateTimeOffset.UtcNow.AddMinutes(-10)));
        Assert.Equal(HttpStatusCode.OK, (await kept.GetAsync("/api/me")).StatusCode);

        await HttpAssert.Problem(await api.As("north-admin").PostAsync($"/api/people/{person.Id}/end-sign-ins", null), 404);
        await HttpAssert.Problem(await api.As("demo-casemanager").PostAsync($"/api/people/{person.Id}/end-sign-ins", null), 403);
        Assert.Equal(HttpStatusCode.OK, (await kept.GetAsync("/api/me")).StatusCode);

        var ended = await HttpAssert.Ok<PersonDto>(await _admin.PostAsync($"/api/people/{person.Id}/end-sign-ins", null));

        Assert.True(ended.Active);
        await HttpAssert.Problem(await kept.GetAsync("/api/me"), 403);
        Assert.Equal(HttpStatusCode.OK, (await api.AsSubject(person.Id, "demo").GetAsync("/api/me")).StatusCode);
        var audit = await HttpAssert.Ok<PageDto<AuditDto>>(await _admin.GetAsync($"/api/audit?action=person.end-sign-ins&recordId={person.Id}"));
        Assert.Single(audit.Items, a => a.ActorId == "demo-admin" && a.Outcome == "Succeeded");
    }

    [Fact]
    public async Task Anyone_signs_themselves_out_everywhere_through_the_api_and_a_token_from_before_opens_nothing()
    {
        var (person, _) = await CreateAsync(null, Roles.Advisor);
        var kept = api.Anonymous();
        kept.DefaultRequestHeaders.Authorization = new("Bearer", api.TokenFor(person.Id, at: DateTimeOffset.UtcNow.AddMinutes(-10)));

        Assert.Equal(HttpStatusCode.NoContent, (await api.AsSubject(person.Id, "demo").PostAsync("/api/me/end-sign-ins", null)).StatusCode);

        await HttpAssert.Problem(await kept.GetAsync("/api/me"), 403);
        Assert.Equal(HttpStatusCode.OK, (await api.AsSubject(person.Id, "demo").GetAsync("/api/me")).StatusCode);
    }

    [Fact]
    public async Task Once_a_person_was_deactivated_a_token_that_does_not_say_when_it_was_issued_opens_nothing()
    {
        var (person, _) = await CreateAsync(null, Roles.CaseManager);
        var undated = api.Anonymous();
        undated.DefaultRequestHeaders.Authorization = new("Bearer", ApiFactory.Mint(new Dictionary<string, object> { ["sub"] = person.Id, ["agency"] = "demo" }, dated: false));
        Assert.Equal(HttpStatusCode.OK, (await undated.GetAsync("/api/me")).StatusCode);

        await HttpAssert.Ok<PersonDto>(await _admin.PostAsync($"/api/people/{person.Id}/deactivate", null));
        await HttpAssert.Ok<PersonDto>(await _admin.ReactivateAsync(person.Id));

        await HttpAssert.Problem(await undated.GetAsync("/api/me"), 403);
    }

    [Fact]
    public async Task An_admin_cannot_lock_themselves_out()
    {
        var (admin, etag) = await CreateAsync(null, Roles.AgencyAdmin);
        var self = api.AsSubject(admin.Id, "demo");

        await HttpAssert.Problem(await self.PostAsync($"/api/people/{admin.Id}/deactivate", null), 409);
        var request = new HttpRequestMessage(HttpMethod.Put, $"/api/people/{admin.Id}/roles") { Content = JsonContent.Create(new { roles = new[] { Roles.Mentor } }) };
        request.Headers.TryAddWithoutValidation("If-Match", etag);
        await HttpAssert.Problem(await self.SendAsync(request), 409);
    }

    [Fact]
    public async Task Another_agencys_person_is_404_exactly_like_an_unknown_id()
    {
        var north = api.As("north-admin");

        var other = await HttpAssert.Problem(await north.GetAsync("/api/people/demo-youth"), 404);
        var unknown = await HttpAssert.Problem(await north.GetAsync("/api/people/no-such-person"), 404);
        await HttpAssert.Problem(await north.PostAsync("/api/people/demo-youth/deactivate", null), 404);

        Assert.Equal(unknown.GetProperty("detail").GetString(), other.GetProperty("detail").GetString());
        Assert.True((await HttpAssert.Ok<PersonDto>(await _admin.GetAsync("/api/people/demo-youth"))).Active);
    }

    [Fact]
    public async Task The_people_list_holds_only_the_callers_agency_and_pages_by_token()
    {
        var seen = (await HttpAssert.PagesAsync<PersonDto>(api.As("north-admin"), "/api/people?pageSize=2")).SelectMany(page => page.Items).ToList();

        Assert.Equal(["north-admin", "north-casemanager", "north-mentor", "north-youth"], seen.Select(p => p.Id).Order());
    }

    [Fact]
    public async Task The_people_list_filters_by_role()
    {
        var mentors = await HttpAssert.Ok<PageDto<PersonDto>>(await api.As("north-admin").GetAsync("/api/people?role=Mentor"));

        Assert.Equal(["north-mentor"], mentors.Items.Select(p => p.Id));
    }
}
