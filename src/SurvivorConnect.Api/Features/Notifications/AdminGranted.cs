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
        if (person is null)
        {
            return;
        }

        // Each change told on its own: one change can give several (a case manager who is also a finance approver), and
        // the one that looks ordinary must not be all the other admins hear of.
        var gained = notification.RolesGained ?? [];
        List<(Notice Notice, bool AlsoThem)> told = [];
        if (gained.Contains(Roles.AgencyAdmin))
        {
            told.Add((Notices.AgencyAdminGranted, false));
        }

        if (notification.RolesLost?.Contains(Roles.AgencyAdmin) == true
            || notification is { RolesLost: null, RolesGained: null } && person is { Active: false } && person.Roles.Contains(Roles.AgencyAdmin))
        {
            told.Add((Notices.AgencyAdminRemoved, true));
        }

        if (gained.Any(Roles.ReadsRecords))
        {
            told.Add((Notices.RecordRoleGranted, false));
        }

        // A second approver of one's own would pass payouts that need two unseen.
        if (gained.Contains(Roles.FinanceApprover))
        {
            told.Add((Notices.FinanceRoleGranted, false));
        }

        // Not the admin who did it: they know. The one changed knows of a role given; one whose admin role was taken, or
        // who was deactivated, hears it (on their return), so one taken by someone else is seen.
        var admins = told.Count > 0 ? (await store.AdminsToTellAsync(ct)).Where(a => a != user.UserId && a != person.Id).ToList() : [];
        foreach (var (notice, alsoThem) in told)
        {
            var key = $"{notice.Kind}~{person.Id}~{person.ETag}";
            foreach (var admin in admins)
            {
                await notifier.SendOnceAsync(admin, notice, key, ct);
            }

            if (alsoThem && person.Id != user.UserId)
            {
                await notifier.SendOnceAsync(person.Id, notice, key, ct);
            }
        }
    }
}
