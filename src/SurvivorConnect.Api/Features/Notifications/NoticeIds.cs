using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using SurvivorConnect.Storage;

namespace SurvivorConnect.Api.Features.Notifications;

/// <summary>
/// The ids of notices sent once for a key. The key names what the notice is about (a mentor's missed check-ins, an
/// urgent flag in a youth's chat), which the notice's neutral words leave out, and the id reaches the recipient: a plain
/// hash would let them try the keys they can guess (their own chat's, their youth's) until one matched. Hashed with
/// the agency's secret (<see cref="NoticeKey"/>), an id tells nothing to anyone without the store.
/// </summary>
public sealed class NoticeIds(IDocumentStore store)
{
    private readonly ConcurrentDictionary<string, byte[]> _secrets = new(StringComparer.Ordinal);

    public async Task<string> OfAsync(string agencyId, string key, string recipient, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(key);
        var secret = _secrets.TryGetValue(agencyId, out var known) ? known : _secrets.GetOrAdd(agencyId, await ReadOrMakeAsync(agencyId, ct));
        return $"{Convert.ToHexStringLower(HMACSHA256.HashData(secret, Encoding.UTF8.GetBytes(key)))[..32]}~{recipient}";
    }

    private async Task<byte[]> ReadOrMakeAsync(string agencyId, CancellationToken ct)
    {
        for (var attempt = 1; ; attempt++)
        {
            if (await store.ReadAsync<NoticeKey>(Notification.Container, NoticeKey.DocumentId, agencyId, ct) is { } stored)
            {
                return Convert.FromBase64String(stored.Key);
            }

            try
            {
                var made = new NoticeKey
                {
                    Id = NoticeKey.DocumentId, AgencyId = agencyId, PartitionKey = agencyId, Key = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)),
                };
                return Convert.FromBase64String((await store.CreateAsync(Notification.Container, made, ct)).Key);
            }
            catch (StoreException ex) when (ex.IsAlreadyThere && attempt < 3)
            {
                // Another instance made it first (or this one, its answer lost): theirs is the one, read next.
            }
        }
    }
}
