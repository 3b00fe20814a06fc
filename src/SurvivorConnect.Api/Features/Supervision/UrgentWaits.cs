using SurvivorConnect.Api.Features.Mentoring;
using SurvivorConnect.Api.Infrastructure.Tenancy;
using SurvivorConnect.Storage;

namespace SurvivorConnect.Api.Features.Supervision;

/// <summary>
/// The mentors an urgent wellbeing flag is open for, not yet seen by a supervisor: the admin giving a mentor a supervisor
/// sees which cannot wait. Only ids leave here, never the answers or the flag's reasons.
/// </summary>
internal sealed class WellbeingUrgentWaits(AgencyStore store) : IWellbeingUrgentWaits
{
    public async Task<IReadOnlySet<string>> MentorsWaitingAsync(CancellationToken ct) =>
        (await store.AllAsync<WellbeingFlag>(SupervisionData.Container, [Filter.Eq("status", WellbeingFlagStatus.Open)], ct))
            .Where(f => f.Kind == FlagKind.Urgent).Select(f => f.MentorId).ToHashSet(StringComparer.Ordinal);
}
