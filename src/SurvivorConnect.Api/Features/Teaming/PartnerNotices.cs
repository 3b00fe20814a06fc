using SurvivorConnect.Api.Features.Notifications;
using SurvivorConnect.Api.Features.People;
using SurvivorConnect.Api.Infrastructure.Auth;
using SurvivorConnect.Api.Infrastructure.Tenancy;

namespace SurvivorConnect.Api.Features.Teaming;

/// <summary>
/// Notices to people of a partner agency (its admins, a professional seated on a team). They are sent in that
/// agency's own scope, as its teaming system user, so they are stored and pushed there like any of its own
/// notices; they carry no names or records.
/// </summary>
internal sealed class PartnerNotices(IServiceScopeFactory scopes)
{
    public const string SystemUser = "system-teaming";

    public Task ToAdminsAsync(string agencyId, Notice notice, CancellationToken ct) =>
        InAgencyAsync(agencyId, async (store, notifier) =>
        {
            await notifier.SendAsync(await store.ActiveIdsWithRoleAsync(Roles.AgencyAdmin, ct), notice, null, ct);
        });

    /// <summary>
    /// One notice to the agency's admins that stands for every change of <paramref name="key"/> while they have not read it
    /// (<see cref="Notifier.SendStandingAsync"/>): the other agency can make such changes as often as it likes, and a
    /// flood of them must not bury the admins' own news.
    /// </summary>
    public Task ToAdminsStandingAsync(string agencyId, Notice notice, string key, string about, CancellationToken ct) =>
        InAgencyAsync(agencyId, (_, notifier) => notifier.SendStandingToAdminsAsync(notice, key, about, Notifier.WhileUnread, ct));

    /// <summary>One notice to the person that stands for every telling of <paramref name="key"/> while it is unread (see <see cref="ToAdminsStandingAsync"/>).</summary>
    public Task ToPersonStandingAsync(string agencyId, string personId, Notice notice, string key, string about, CancellationToken ct) =>
        InAgencyAsync(agencyId, (_, notifier) => notifier.SendStandingAsync(personId, notice, key, about, Notifier.WhileUnread, ct));

    private async Task InAgencyAsync(string agencyId, Func<AgencyStore, Notifier, Task> send)
    {
        await using var scope = scopes.CreateAgencyScope(agencyId, SystemUser);
        await send(scope.ServiceProvider.GetRequiredService<AgencyStore>(), scope.ServiceProvider.GetRequiredService<Notifier>());
    }
}
