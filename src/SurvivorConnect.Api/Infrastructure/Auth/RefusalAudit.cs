using System.Runtime.CompilerServices;
using Microsoft.Extensions.Caching.Memory;

namespace SurvivorConnect.Api.Infrastructure.Auth;

/// <summary>
/// Whether a refusal is written to the audit: once a minute for the same person, action and record, and at most
/// <see cref="MostPerMinute"/> a minute for one person, so someone refused over and over (a deactivated account's
/// script, say) cannot bury the log, and someone trying id after id is seen doing so. One count for an endpoint
/// refused over HTTP and a chat read refused over a live connection: a second way in is not a second budget.
/// </summary>
public sealed class RefusalAudit(IMemoryCache recent)
{
    public const int MostPerMinute = 20;

    private static readonly TimeSpan Once = TimeSpan.FromMinutes(1);

    public bool ShouldRecord(string agencyId, string userId, string action, string? recordId)
    {
        var count = recent.GetOrCreate((nameof(RefusalAudit), agencyId, userId), entry =>
        {
            entry.AbsoluteExpirationRelativeToNow = Once;
            return new StrongBox<int>();
        })!;
        if (recent.TryGetValue((nameof(RefusalAudit), agencyId, userId, action, recordId), out _) || Interlocked.Increment(ref count.Value) > MostPerMinute)
        {
            return false;
        }

        recent.Set((nameof(RefusalAudit), agencyId, userId, action, recordId), true, Once);
        return true;
    }
}
