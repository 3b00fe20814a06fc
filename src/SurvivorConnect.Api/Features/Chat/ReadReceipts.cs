using System.Runtime.CompilerServices;
using Microsoft.Extensions.Caching.Memory;

namespace SurvivorConnect.Api.Features.Chat;

/// <summary>
/// How far each person has said they read each conversation, on this instance. A receipt is relayed only when it reads
/// on, from whichever of their connections (a new one, a reconnect): receipts going back and forth (5, 5, 9) could
/// otherwise spell digits, a phone number, to the other party past the case manager's oversight. Kept per instance
/// (a day idle, or pushed out by many others): a person reconnecting to another instance may start once more from there.
/// </summary>
public sealed class ReadReceipts : IDisposable
{
    private static readonly TimeSpan Idle = TimeSpan.FromDays(1);

    private readonly MemoryCache _read = new(new MemoryCacheOptions { SizeLimit = ConversationCopies.Capacity * 2, CompactionPercentage = 0.25 });

    public bool ReadsOn(string agencyId, string userId, string conversationId, long sequence)
    {
        // Found or added as one step: two first receipts at once from two connections share one mark.
        StrongBox<long> upTo;
        lock (_read)
        {
            upTo = _read.GetOrCreate($"{agencyId}/{userId}/{conversationId}", entry =>
            {
                entry.Size = 1;
                entry.SlidingExpiration = Idle;
                return new StrongBox<long>(-1);
            })!;
        }

        while (true)
        {
            var before = Volatile.Read(ref upTo.Value);
            if (sequence <= before)
            {
                return false;
            }

            if (Interlocked.CompareExchange(ref upTo.Value, sequence, before) == before)
            {
                return true;
            }
        }
    }

    public void Dispose() => _read.Dispose();
}
