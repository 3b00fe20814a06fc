using Mediator;
using SurvivorConnect.Api.Features.People;
using SurvivorConnect.Api.Infrastructure.Auth;
using SurvivorConnect.Api.Infrastructure.Tenancy;

namespace SurvivorConnect.Api.Features.Notifications;

/// <summary>
/// An admin can change anyone's access and read the audit log: what widens or narrows who holds that power, or gives
/// someone a role that reads youth's or mentors' records, is told to the agency's other admins, so none of it is done by
/// one person unseen (a second account of their own made an admin, a case manager or a finance approver, the other admin
/// taken away).
/// </summary>
internal sealed class AdminGrantedHandler(Notifier notifier, AgencyStore store, ICurrentUser user) : INotificationHandler<PersonAccessChanged>
{
    public async ValueTask Handle(PersonAccessChanged notification, CancellationToken ct)
    {
        if (notification.Again)
        {
            return;
        }

        var person = await store.FindAsync<Person>(Person.Container, notification.PersonId, ct);
        var (notice, alsoThem) = notification switch
        {
            { RolesGained: { } gained } when gained.Contains(Roles.AgencyAdmin) => (Notices.AgencyAdminGranted, false),
            { RolesLost: { } lost } when lost.Contains(Roles.AgencyAdmin) => (Notices.AgencyAdminRemoved, true),
            { RolesLost: null, RolesGained: null } when person is { Active: false } && person.Roles.Contains(Roles.AgencyAdmin) => (Notices.AgencyAdminRemoved, true),
            { RolesGained: { } gained } when gained.Any(Roles.ReadsRecords) => (Notices.RecordRoleGranted, false),
            // A second approver of one's own would pass payouts that need two unseen.
            { RolesGained: { } gained } when gained.Contains(Roles.FinanceApprover) => (Notices.FinanceRoleGranted, false),
            _ => (null, false),
        };
        if (notice is null || person is null)
        {
            return;
        }

        // Not the admin who did it: they know. The one changed knows of a role given; one whose admin role was taken, or
        // who was deactivated, hears it (on their return), so one taken by someone else is seen.
        var key = $"{notice.Kind}~{person.Id}~{person.ETag}";
        foreach (var admin in (await store.AdminsToTellAsync(ct)).Where(a => a != user.UserId && a != person.Id))
        {
            await notifier.SendOnceAsync(admin, notice, key, ct);
        }

        if (alsoThem && person.Id != user.UserId)
        {
            await notifier.SendOnceAsync(person.Id, notice, key, ct);
        }
    }
}
