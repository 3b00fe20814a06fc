using Mediator;
using SurvivorConnect.Api.Features.People;
using SurvivorConnect.Api.Infrastructure.Auth;
using SurvivorConnect.Api.Infrastructure.Tenancy;

namespace SurvivorConnect.Api.Features.Notifications;

/// <summary>
/// An admin can change anyone's access and read the audit log: one admin making another (a second account of their own,
/// say) is told to the agency's other admins, so no admin is made by one person unseen.
/// </summary>
internal sealed class AdminGrantedHandler(Notifier notifier, AgencyStore store, ICurrentUser user) : INotificationHandler<PersonAccessChanged>
{
    public async ValueTask Handle(PersonAccessChanged notification, CancellationToken ct)
    {
        if (notification.RolesGained?.Contains(Roles.AgencyAdmin) != true)
        {
            return;
        }

        // Not the admin who did it, nor the one made: both know.
        var key = $"admin-granted~{notification.PersonId}~{store.Now.UtcTicks}";
        foreach (var admin in (await store.ActiveIdsWithRoleAsync(Roles.AgencyAdmin, ct)).Where(a => a != user.UserId && a != notification.PersonId))
        {
            await notifier.SendOnceAsync(admin, Notices.AgencyAdminGranted, key, ct);
        }
    }
}
