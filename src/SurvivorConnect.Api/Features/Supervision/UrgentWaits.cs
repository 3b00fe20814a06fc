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

    public async Task<IReadOnlySet<string>> MentorsWaitingTooLongAsync(CancellationToken ct)
    {
        var oldest = (await store.AllAsync<WellbeingFlag>(SupervisionData.Container, [Filter.Eq("status", WellbeingFlagStatus.Open), Filter.Le("raisedAt", store.Now - UrgentFlagWatch.AdminsAfter)], ct))
            .Where(f => f.Kind == FlagKind.Urgent).GroupBy(f => f.MentorId, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Min(f => f.RaisedAt), StringComparer.Ordinal);
        return (await store.ManyAsync<MentorProfile>(MentorProfile.Container, oldest.Keys, ct))
            .Where(m => UrgentFlagWatch.SupervisorHadTime(oldest[m.Id], m.SupervisorSince, store.Now)).Select(m => m.Id).ToHashSet(StringComparer.Ordinal);
    }
}
