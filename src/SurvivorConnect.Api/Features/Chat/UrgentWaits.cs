using SurvivorConnect.Api.Features.Mentoring;
using SurvivorConnect.Api.Infrastructure.Tenancy;
using SurvivorConnect.Storage;

namespace SurvivorConnect.Api.Features.Chat;

/// <summary>
/// The youth an urgent flag is still open for past its first check: the admins were told to hand them to a case
/// manager who can act, and find them listed for it. Only ids leave here, never what the flag found.
/// </summary>
internal sealed class UrgentWaits(AgencyStore store) : IUrgentWaits
{
    public async Task<IReadOnlyList<string>> YouthWaitingAsync(CancellationToken ct) =>
        [.. (await store.AllAsync<SafetyFlag>(SafetyFlag.Container, [Filter.Eq("status", FlagStatus.Open), Filter.Le("raisedAt", store.Now - ChatUrgentWatch.First)], ct))
            .Where(f => f.Urgent).Select(f => f.YouthId).Distinct(StringComparer.Ordinal)];
}
