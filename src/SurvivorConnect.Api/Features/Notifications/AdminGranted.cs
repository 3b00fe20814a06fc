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
        var person = await store.FindAsync<Person>(Person.Container, notification.PersonId, ct);
        if (person is null)
        {
            return;
        }

        // Sent again to finish what followed a change of roles, the change is told of as it was: telling the other admins
        // may be what failed. Each notice is about that change (its id, or the record's version for any other), so one
        // told already is not told twice, whatever else changed on the record since.
        var (gained, lost) = notification.Again
            ? (person.LastRoleChange is { } last && last.Id == notification.RoleChange ? (last.Gained, last.Lost) : ([], []))
            : (notification.RolesGained ?? [], notification.RolesLost);
        var about = notification.RoleChange ?? person.ETag!;

        // Each change told on its own: one change can give several (a case manager who is also a finance approver), and
        // the one that looks ordinary must not be all the other admins hear of.
        List<(Notice Notice, bool AlsoThem)> told = [];
        if (gained.Contains(Roles.AgencyAdmin))
        {
            told.Add((Notices.AgencyAdminGranted, false));
        }

        if (lost?.Contains(Roles.AgencyAdmin) == true
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
            await TellAsync(notifier, notice, person.Id, about, alsoThem && person.Id != user.UserId ? [.. admins, person.Id] : admins, ct);
        }
    }

    /// <summary>
    /// One notice per kind and person, standing while it is unread (<see cref="Notifier.SendStandingAsync"/>): a role given
    /// and taken again and again is one notice brought back to the top, not a flood that pages the one that mattered away.
    /// A power given (an admin's, a finance approver's) is pushed each time all the same: the one that mattered must not
    /// come in silently under an earlier one left unread.
    /// </summary>
    internal static async Task TellAsync(Notifier notifier, Notice notice, string personId, string change, IEnumerable<string> recipients, CancellationToken ct)
    {
        var pushEachTime = notice == Notices.AgencyAdminGranted || notice == Notices.FinanceRoleGranted;
        foreach (var recipient in recipients)
        {
            await notifier.SendStandingAsync(recipient, notice, $"{notice.Kind}~{personId}", change, Notifier.WhileUnread, ct, pushWhileStanding: pushEachTime);
        }
    }
}

/// <summary>
/// An admin's sign-ins ended by another admin is told to the agency's other admins and to them: done again and again,
/// it would keep an admin out (unable to undo what the other does) with nothing but the audit log to show it.
/// </summary>
internal sealed class AdminSignedOutHandler(Notifier notifier, AgencyStore store, ICurrentUser user) : INotificationHandler<SignInsEnded>
{
    public async ValueTask Handle(SignInsEnded notification, CancellationToken ct)
    {
        if (notification.PersonId == user.UserId
            || await store.FindAsync<Person>(Person.Container, notification.PersonId, ct) is not { Active: true, SignInsValidFrom: { } from } person
            || !person.Roles.Contains(Roles.AgencyAdmin))
        {
            return;
        }

        var admins = (await store.AdminsToTellAsync(ct)).Where(a => a != user.UserId && a != person.Id);
        await AdminGrantedHandler.TellAsync(notifier, Notices.AgencyAdminSignedOut, person.Id, from.UtcTicks.ToString(System.Globalization.CultureInfo.InvariantCulture), [.. admins, person.Id], ct);
    }
}
