using SurvivorConnect.Api.Features.Mentoring;
using SurvivorConnect.Api.Infrastructure.Tenancy;
using SurvivorConnect.Storage;

namespace SurvivorConnect.Api.Features.Supervision;

/// <summary>
/// The mentors an urgent wellbeing flag is open for, not yet seen by a supervisor, and those whose supervisor has left a
/// flag unseen too long: the admin giving a mentor a supervisor sees which cannot wait. Only ids leave here, never the
/// answers or the flag's reasons.
/// </summary>
internal sealed class WellbeingUrgentWaits(AgencyStore store) : IWellbeingUrgentWaits
{
    public async Task<IReadOnlySet<string>> MentorsWaitingAsync(CancellationToken ct) =>
        (await store.AllAsync<WellbeingFlag>(SupervisionData.Container, [Filter.Eq("status", WellbeingFlagStatus.Open)], ct))
            .Where(f => f.Kind == FlagKind.Urgent).Select(f => f.MentorId).ToHashSet(StringComparer.Ordinal);

    public Task<IReadOnlySet<string>> MentorsWaitingTooLongAsync(CancellationToken ct) =>
        WaitedPastAsync(urgent: true, UrgentFlagWatch.AdminsAfter, UrgentFlagWatch.SupervisorHadTime, ct);

    public Task<IReadOnlySet<string>> MentorsConcernUnseenTooLongAsync(CancellationToken ct) =>
        WaitedPastAsync(urgent: false, ConcernFlagWatch.AdminsAfter, ConcernFlagWatch.SupervisorHadTime, ct);

    /// <summary>Mentors with an open flag (urgent, or a concern or missed check-ins) their supervisor has had <paramref name="after"/> to see.</summary>
    private async Task<IReadOnlySet<string>> WaitedPastAsync(
        bool urgent, TimeSpan after, Func<DateTimeOffset, DateTimeOffset?, DateTimeOffset, bool> supervisorHadTime, CancellationToken ct)
    {
        var oldest = (await store.AllAsync<WellbeingFlag>(SupervisionData.Container, [Filter.Eq("status", WellbeingFlagStatus.Open), Filter.Le("raisedAt", store.Now - after)], ct))
            .Where(f => f.Kind == FlagKind.Urgent == urgent).GroupBy(f => f.MentorId, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Min(f => f.RaisedAt), StringComparer.Ordinal);
        return (await store.ManyAsync<MentorProfile>(MentorProfile.Container, oldest.Keys, ct))
            .Where(m => supervisorHadTime(oldest[m.Id], m.SupervisorSince, store.Now)).Select(m => m.Id).ToHashSet(StringComparer.Ordinal);
    }
}
