using System.Net.Http.Json;
using SurvivorConnect.Api.Features.Audit;
using SurvivorConnect.Api.Infrastructure.Auth;
using SurvivorConnect.Storage;

namespace SurvivorConnect.IntegrationTests;

/// <summary>
/// The audit log is written even through a blip of the store, once; a change that was made is never reported as not
/// made because its entry could not be written, while a read whose entry cannot be written shows nothing.
/// </summary>
public sealed class AuditFailureTests(CountingApiFactory api) : IClassFixture<CountingApiFactory>
{
    private readonly MentoringWorld _world = new(api);

    [Fact]
    public async Task A_deactivation_is_audited_once_through_a_blip_of_the_store()
    {
        var (personId, _) = await _world.PersonAsync(Roles.Mentor);
        var failed = 0;
        api.Counter.BeforeCreate = document =>
        {
            if (document is AuditEntry && Interlocked.Exchange(ref failed, 1) == 0)
            {
                throw new StoreException(StoreErrorKind.Unavailable, "The store went away.");
            }
        };
        try
        {
            await HttpAssert.Ok<PersonDto>(await _world.Admin.PostAsync($"/api/people/{personId}/deactivate", null));
        }
        finally
        {
            api.Counter.BeforeCreate = null;
        }

        Assert.Equal(1, failed);
        Assert.Single(await AuditAsync(personId), e => e.Action == "person.deactivate" && e.Outcome == "Succeeded");
    }

    [Fact]
    public async Task A_role_change_made_while_the_log_cannot_be_written_is_reported_as_made_and_a_read_shows_nothing()
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
            await HttpAssert.Ok<PersonDto>(await _world.Admin.SendAsync(setRoles));
            await HttpAssert.Problem(await _world.Admin.GetAsync($"/api/people/{personId}"), 503);
        }
        finally
        {
            api.Counter.BeforeCreate = null;
        }

        var person = await HttpAssert.Ok<PersonDto>(await _world.Admin.GetAsync($"/api/people/{personId}"));
        Assert.Contains(Roles.Supervisor, person.Roles);
    }

    private async Task<List<AuditDto>> AuditAsync(string recordId) =>
        (await HttpAssert.Ok<PageDto<AuditDto>>(await _world.Admin.GetAsync($"/api/audit?recordId={recordId}"))).Items;
}
