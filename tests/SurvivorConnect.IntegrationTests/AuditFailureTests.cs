using System.Net.Http.Json;
using System.Text.Json;
using SurvivorConnect.Api.Features.Audit;
using SurvivorConnect.Api.Infrastructure.Auth;
using SurvivorConnect.Storage;

namespace SurvivorConnect.IntegrationTests;

/// <summary>
/// The audit log is written even through a blip of the store, once; a change that was made is never reported as not
/// made because its entry could not be written (it says it was saved, showing nothing of the record), and a read whose
/// entry cannot be written shows nothing.
/// </summary>
public sealed class AuditFailureTests(CountingApiFactory api) : IClassFixture<CountingApiFactory>
{
    private readonly MentoringWorld _world = new(api);

    [Fact]
    public async Task A_deactivation_is_audited_once_through_a_blip_of_the_store()
    {
        var (personId, _) = await _world.PersonAsync(Roles.Mentor);

        await api.FailingWriteOnceAsync(d => d is AuditEntry, async () => await HttpAssert.Ok<PersonDto>(await _world.Admin.PostAsync($"/api/people/{personId}/deactivate", null)));

        Assert.Single(await AuditAsync(personId), e => e.Action == "person.deactivate" && e.Outcome == "Succeeded");
    }

    [Fact]
    public async Task An_entry_whose_answer_was_lost_is_found_written_and_not_written_twice()
    {
        var (personId, _) = await _world.PersonAsync(Roles.Mentor);

        await api.FailingWriteOnceAsync(d => d is AuditEntry, async () => await HttpAssert.Ok<PersonDto>(await _world.Admin.PostAsync($"/api/people/{personId}/deactivate", null)), FailedWrite.AnswerLost);

        Assert.Single(await AuditAsync(personId), e => e.Action == "person.deactivate");
    }

    [Fact]
    public async Task A_role_change_made_while_the_log_cannot_be_written_is_reported_as_saved_without_the_record_and_a_read_shows_nothing()
    {
        var (personId, _) = await _world.PersonAsync(Roles.Mentor);
        var version = (await _world.Admin.GetAsync($"/api/people/{personId}")).Headers.ETag!.Tag;
        api.Counter.BeforeCreate = document =>
        {
            if (document is AuditEntry)
            {
                throw new StoreException(StoreErrorKind.Unavailable, "The store went away.");
            }
        };
        try
        {
            using var setRoles = new HttpRequestMessage(HttpMethod.Put, $"/api/people/{personId}/roles") { Content = JsonContent.Create(new { roles = new[] { Roles.Mentor, Roles.Supervisor } }) };
            setRoles.Headers.TryAddWithoutValidation("If-Match", version);
            var problem = await HttpAssert.Problem(await _world.Admin.SendAsync(setRoles), 503);
            Assert.Contains("was saved", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
            Assert.DoesNotContain(personId, problem.ToString(), StringComparison.Ordinal);
            await HttpAssert.Problem(await _world.Admin.GetAsync($"/api/people/{personId}"), 503);
        }
        finally
        {
            api.Counter.BeforeCreate = null;
        }

        var person = await HttpAssert.Ok<PersonDto>(await _world.Admin.GetAsync($"/api/people/{personId}"));
        Assert.Contains(Roles.Supervisor, person.Roles);
    }

    [Fact]
    public async Task A_readiness_check_taken_back_while_the_log_cannot_be_written_is_said_to_be_saved_not_overtaken()
    {
        var (mentorId, _) = await _world.ReadyMentorAsync();
        var portal = await PortalSession.SignedInAsync(api, "demo-supervisor");
        var page = await PortalSession.PostFormAsync(portal, "/supervision", "open-mentor", ("MentorId", mentorId));
        (string, string)[] shown = [.. new[] { "screeningPassedOn", "trainingCompletedOn", "supervisorClearedOn" }.Select(f => ($"shown-{f}", PortalSession.Hidden(page, $"shown-{f}")))];
        api.Counter.BeforeCreate = document =>
        {
            if (document is AuditEntry { Action: "mentor.record-readiness" })
            {
                throw new StoreException(StoreErrorKind.Unavailable, "The store went away.");
            }
        };
        string answer;
        try
        {
            answer = await PortalSession.PostFormAsync(portal, "/supervision", "readiness",
                [("MentorId", mentorId), .. shown, ("screeningPassedOn", "2026-01-05"), ("trainingCompletedOn", "2026-02-01"), ("supervisorClearedOn", "")]);
        }
        finally
        {
            api.Counter.BeforeCreate = null;
        }

        Assert.Contains("Your change was saved, but we could not record it just now.", answer, StringComparison.Ordinal);
        Assert.DoesNotContain("Someone else changed these checks", answer, StringComparison.Ordinal);
        Assert.Equal(JsonValueKind.Null, (await HttpAssert.Ok<JsonElement>(await _world.Admin.GetAsync($"/api/mentors/{mentorId}"))).GetProperty("supervisorClearance").ValueKind);
    }

    private async Task<List<AuditDto>> AuditAsync(string recordId) =>
        (await HttpAssert.Ok<PageDto<AuditDto>>(await _world.Admin.GetAsync($"/api/audit?recordId={recordId}"))).Items;
}
