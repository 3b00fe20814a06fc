using Microsoft.Extensions.Caching.Memory;

namespace SurvivorConnect.Api.Features.Chat;

/// <summary>
/// This instance's last copy of each conversation it has written a message to, so an ordinary send writes its
/// batch without reading the conversation first. A stale copy cannot let anything through: the batch replaces the
/// conversation only while the copy's ETag still holds, so a change to who may send (or another instance's
/// message) fails the batch, and the send then reads the conversation and checks again.
/// </summary>
public sealed class ConversationCopies : IDisposable
{
    /// <summary>Enough for every conversation busy at once on one instance; the least recently used go first.</summary>
    public const int Capacity = 20_000;

    private static readonly TimeSpan Idle = TimeSpan.FromMinutes(10);

    private readonly MemoryCache _copies = new(new MemoryCacheOptions { SizeLimit = Capacity, CompactionPercentage = 0.25 });

    public Conversation? Find(string agencyId, string conversationId) =>
        _copies.TryGetValue(Key(agencyId, conversationId), out Conversation? copy) ? copy : null;

    public void Keep(Conversation conversation) =>
        _copies.Set(Key(conversation.AgencyId, conversation.PartitionKey), conversation, new MemoryCacheEntryOptions { Size = 1, SlidingExpiration = Idle });

    public void Forget(string agencyId, string conversationId) => _copies.Remove(Key(agencyId, conversationId));

    public void Dispose() => _copies.Dispose();

    private static string Key(string agencyId, string conversationId) => $"{agencyId}/{conversationId}";
}
