using System.Collections.Concurrent;
using SurvivorConnect.Api.Features.Consent;
using SurvivorConnect.Api.Features.Mentoring.Rules;
using SurvivorConnect.Api.Infrastructure.Tenancy;
using SurvivorConnect.Storage;

namespace SurvivorConnect.Api.Features.Mentoring;

/// <summary>
/// Every mentor of an agency with their open matches and mentoring consent: what recommendations rank. Ranking
/// needs every mentor, and at 10,000 of them reading them costs far more than ranking them, so each instance
/// keeps the pool it read until a mentor, match or consent of the agency is written here, or for
/// <see cref="Lifetime"/> at most (a write on another instance). A recommendation is advice: proposing a match
/// checks holds, capacity and consent afresh, so a pool a few seconds old never starts a match it should not.
/// </summary>
public sealed class MentorPool(AgencyWrites writes, TimeProvider time)
{
    public static readonly TimeSpan Lifetime = TimeSpan.FromSeconds(15);

    /// <summary>What the pool is read from: a write to any of them through this instance makes it read again.</summary>
    public static readonly IReadOnlyList<ContainerSpec> Sources = [MentorProfile.Container, Match.Container, ConsentRecord.Container];

    private readonly ConcurrentDictionary<string, Pool> _pools = new(StringComparer.Ordinal);

    public async Task<IReadOnlyList<MentorCandidate>> CandidatesAsync(MentoringData data, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(data);

        // Taken before reading, so a write during the read leaves the pool already out of date.
        var stamp = writes.Stamp(data.AgencyId, Sources);
        var now = time.GetUtcNow();
        if (_pools.TryGetValue(data.AgencyId, out var pool) && pool.Stamp == stamp && now - pool.ReadAt < Lifetime)
        {
            return pool.Candidates;
        }

        var candidates = await ReadAsync(data, ct);
        _pools[data.AgencyId] = new Pool(stamp, now, candidates);
        return candidates;
    }

    private static async Task<IReadOnlyList<MentorCandidate>> ReadAsync(MentoringData data, CancellationToken ct)
    {
        // Three reads that do not depend on each other, side by side.
        var mentorsRead = data.AllAsync<MentorProfile>(MentorProfile.Container, [], ct);
        var openRead = data.AllAsync<Match>(Match.Container, [Filter.In("state", MentoringData.OpenStates)], ct);
        var consentsRead = data.AllAsync<ConsentRecord>(ConsentRecord.Container, [Filter.Eq("scope", MentoringScopes.Mentoring)], ct);
        await Task.WhenAll(mentorsRead, openRead, consentsRead);
        var mentors = await mentorsRead;
        var open = (await openRead)
            .GroupBy(m => m.MentorId)
            .ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
        var consenting = (await consentsRead)
            .Where(c => c.Grantor == ConsentGrantor.Mentor && c.IsCurrent(data.Now))
            .Select(c => c.SubjectId)
            .ToHashSet(StringComparer.Ordinal);
        return [.. mentors.Select(m => new MentorCandidate(m, open.GetValueOrDefault(m.Id), consenting.Contains(m.Id)))];
    }

    private sealed record Pool(long Stamp, DateTimeOffset ReadAt, IReadOnlyList<MentorCandidate> Candidates);
}
