using Mediator;
using SurvivorConnect.Api.Features.Agencies;
using SurvivorConnect.Api.Features.Notifications;
using SurvivorConnect.Api.Features.People;
using SurvivorConnect.Api.Infrastructure.Auth;
using SurvivorConnect.Storage;

namespace SurvivorConnect.Api.Features.Mentoring;

/// <summary>The sign-ins of youth an admin does not read as the agency's admin (<see cref="MentoringData.YouthKeptFromAdminAsync"/>).</summary>
internal sealed class YouthSignInsKeptFromAdmin(MentoringData data) : IPeopleKeptFromAdmin
{
    /// <summary>Worked out once a request: a list reading on past kept people asks again for every page it reads.</summary>
    private HashSet<string>? _kept;

    public async Task<IReadOnlySet<string>> KeptAsync(IReadOnlyCollection<string> personIds, CancellationToken ct)
    {
        if (!data.User.IsInRole(Roles.AgencyAdmin) || personIds.Count == 0)
        {
            return new HashSet<string>(StringComparer.Ordinal);
        }

        // A kept youth's sign-ins of before are theirs too: found among the kept youth, as the store has no list of them.
        // Nobody is kept from their own, an admin once served here among them.
        _kept ??= (await data.AllYouthKeptFromAdminAsync(ct)).SelectMany(MentoringData.SignInsOf).Where(id => id != data.User.UserId).ToHashSet(StringComparer.Ordinal);
        return personIds.Where(_kept.Contains).ToHashSet(StringComparer.Ordinal);
    }
}

/// <summary>
/// The youth's case managers and the agency's other admins hear that an admin kept from the youth sought their sign-in;
/// nobody kept from the youth does, and it is told once per youth and admin however often it is tried.
/// </summary>
internal sealed class KeptSignInSoughtHandler(MentoringData data, Notifier notifier) : INotificationHandler<KeptSignInSought>
{
    public async ValueTask Handle(KeptSignInSought notification, CancellationToken ct)
    {
        if (notification.AgencyId != data.Store.AgencyId)
        {
            return;
        }

        var admins = await data.Store.AdminsToTellAsync(ct);
        // Theirs now or before: an old phone's sign-in, in someone else's hands, is sought as much as the current one.
        var current = await data.AllAsync<YouthReferral>(YouthReferral.Container, [Filter.Eq("personId", notification.PersonId)], ct);
        var former = await data.AllAsync<YouthReferral>(YouthReferral.Container, [Filter.Contains("formerPersonIds", notification.PersonId)], ct);
        foreach (var youth in current.Concat(former).DistinctBy(y => y.Id))
        {
            var kept = await data.KeptFromYouthAsync(youth.Id, ct);
            foreach (var recipient in (await data.ActiveCaseManagersAsync(youth, ct)).Union(admins, StringComparer.Ordinal).Where(id => id != notification.By && !kept.Contains(id, StringComparer.Ordinal)))
            {
                await notifier.SendOnceAsync(recipient, Notices.KeptSignInSought, $"kept-sign-in-sought~{youth.Id}~{notification.By}", ct);
            }
        }
    }
}

/// <summary>
/// A sign-in a youth's record claims (its <see cref="YouthPersonLink"/>) is that youth's, a child while under the policy's
/// adult age; so the adult age is not raised over a survivor served as an adult who took on work here while they hold it.
/// </summary>
internal sealed class ServedYouthSignIns(MentoringData data) : IServedYouthSignIns, IAdultAgeRaise
{
    public async Task<bool> ClaimedByAChildAsync(string personId, CancellationToken ct) =>
        await data.Store.ReadAsync<YouthPersonLink>(YouthReferral.Container, YouthPersonLink.IdFor(personId), data.AgencyId, ct) is { } link
        && await data.Store.ReadAsync<YouthReferral>(YouthReferral.Container, link.YouthId, data.AgencyId, ct) is { } youth
        && youth.Age < (await data.PolicyAsync(ct)).AdultAge;

    public async Task<string?> RefusalAsync(int from, int to, CancellationToken ct)
    {
        var signIns = (await data.AllAsync<YouthReferral>(YouthReferral.Container, [], ct))
            .Where(y => y.PersonId is not null && y.Age >= from && y.Age < to).Select(y => y.PersonId!);
        var holding = (await data.Store.ManyAsync<Person>(Person.Container, signIns, ct)).Count(p => p.Roles.Any(r => r != Roles.Youth));
        return holding == 0 ? null
            : $"{holding} youth the agency serves would be under the new adult age while their sign-in holds another role here (paid work or staff), and a child takes none. Take those roles away under People first, or take a sign-in off a youth record that is no longer theirs, then raise the adult age.";
    }
}
