using SurvivorConnect.Api.Features.People;
using SurvivorConnect.Api.Infrastructure.Auth;
using SurvivorConnect.Storage;

namespace SurvivorConnect.Api.Features.Mentoring;

/// <summary>The sign-ins of youth an admin does not read as the agency's admin (<see cref="MentoringData.YouthKeptFromAdminAsync"/>).</summary>
internal sealed class YouthSignInsKeptFromAdmin(MentoringData data) : IPeopleKeptFromAdmin
{
    public async Task<IReadOnlySet<string>> KeptAsync(IReadOnlyCollection<string> personIds, CancellationToken ct)
    {
        if (!data.User.IsInRole(Roles.AgencyAdmin) || personIds.Count == 0)
        {
            return new HashSet<string>(StringComparer.Ordinal);
        }

        var youth = await data.AllAsync<YouthReferral>(YouthReferral.Container, [Filter.In("personId", [.. personIds])], ct);
        var kept = await data.YouthKeptFromAdminAsync(youth, ct);
        return youth.Where(y => kept.Contains(y.Id)).Select(y => y.PersonId!).ToHashSet(StringComparer.Ordinal);
    }
}
