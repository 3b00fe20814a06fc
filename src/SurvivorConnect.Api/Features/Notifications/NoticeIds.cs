using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using SurvivorConnect.Api.Infrastructure.Pipeline;
using SurvivorConnect.Storage;

namespace SurvivorConnect.Api.Features.Notifications;

/// <summary>
/// The ids of notices sent once for a key. The key names what the notice is about (a mentor's missed check-ins, an
/// urgent flag in a youth's chat), which the notice's neutral words leave out, and the id reaches the recipient: a plain
/// hash would let them try the keys they can guess (their own chat's, their youth's) until one matched. Hashed with
/// the agency's secret (<see cref="NoticeKey"/>), an id tells nothing to anyone without the store.
/// </summary>
public sealed class NoticeIds(IDocumentStore store, TimeProvider time)
{
    /// <summary>
    /// How long after the secret was made a notice may still be found under the id of before: longer than any reminder
    /// is set ahead and any flag's notice stands unread in practice.
    /// </summary>
    public static readonly TimeSpan FormerIdsKept = TimeSpan.FromDays(30);

    private readonly ConcurrentDictionary<string, NoticeKey> _keys = new(StringComparer.Ordinal);

    public async Task<string> OfAsync(string agencyId, string key, string recipient, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(key);
        var secret = Convert.FromBase64String((await KeyAsync(agencyId, ct)).Key);
        return $"{Convert.ToHexStringLower(HMACSHA256.HashData(secret, Encoding.UTF8.GetBytes(key)))[..32]}~{recipient}";
    }

    /// <summary>
    /// The id the same notice had before ids were keyed by the agency's secret (a plain hash), while a notice sent then may
    /// still be about (<see cref="FormerIdsKept"/>): found under it, a notice counts as sent, and one that stands goes on
    /// standing, so the first day after the change does not tell everyone everything again.
    /// </summary>
    public async Task<string?> FormerOfAsync(string agencyId, string key, string recipient, CancellationToken ct) =>
        (await KeyAsync(agencyId, ct)).MadeAt is { } made && time.GetUtcNow() - made < FormerIdsKept ? $"{Digest.Of(key, 32)}~{recipient}" : null;

    private async Task<NoticeKey> KeyAsync(string agencyId, CancellationToken ct) =>
        _keys.TryGetValue(agencyId, out var known) ? known : _keys.GetOrAdd(agencyId, await ReadOrMakeAsync(agencyId, ct));

    private async Task<NoticeKey> ReadOrMakeAsync(string agencyId, CancellationToken ct)
    {
        for (var attempt = 1; ; attempt++)
        {
            if (await store.ReadAsync<NoticeKey>(Notification.Container, NoticeKey.DocumentId, agencyId, ct) is { } stored)
            {
                return stored;
            }

            try
            {
                return await store.CreateAsync(Notification.Container, new NoticeKey
                {
                    Id = NoticeKey.DocumentId,
                    AgencyId = agencyId,
                    PartitionKey = agencyId,
                    Key = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)),
                    MadeAt = time.GetUtcNow(),
                }, ct);
            }
            catch (StoreException ex) when (ex.IsAlreadyThere && attempt < 3)
            {
                // Another instance made it first (or this one, its answer lost): theirs is the one, read next.
            }
        }
    }
}
