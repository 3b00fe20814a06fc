using System.Collections.Concurrent;
using SurvivorConnect.Api.Features.Consent;
using SurvivorConnect.Api.Features.Mentoring.Rules;
using SurvivorConnect.Api.Features.People;
using SurvivorConnect.Api.Infrastructure.Auth;
using SurvivorConnect.Api.Infrastructure.Tenancy;
using SurvivorConnect.Storage;

namespace SurvivorConnect.Api.Features.Mentoring;

/// <summary>
/// Every mentor of an agency with their open matches, mentoring consent, and whether they and their supervisor are
/// still active in their roles: what recommendations rank. Ranking
/// needs every mentor, and at 10,000 of them reading them costs far more than ranking them, so each instance
/// keeps the pool it read. A mentor, match or consent written through this instance is read again by itself
/// before the pool is used next (all are read again when more was written than <see cref="AgencyWrites"/>
/// keeps); the whole pool is used for <see cref="Lifetime"/> at most, for writes on other instances, and is read
/// again in the background from <see cref="RefreshAfter"/>, so a busy agency's requests do not wait for that read.
/// A recommendation is advice: proposing a match checks holds, capacity and consent afresh, so a pool a few seconds
/// old never starts a match it should not.
/// </summary>
public sealed partial class MentorPool(AgencyWrites writes, TimeProvider time, IServiceScopeFactory scopes, ILogger<MentorPool> logger)
{
    public static readonly TimeSpan Lifetime = TimeSpan.FromSeconds(15);

    /// <summary>From this age a pool in use is read again in the background.</summary>
    public static readonly TimeSpan RefreshAfter = TimeSpan.FromSeconds(10);

    /// <summary>Who reads a pool in the background (reads only, nothing audited).</summary>
    public const string SystemUser = "system-mentoring";

    /// <summary>What the pool is read from: a document written to any of them through this instance is read again.</summary>
    public static readonly IReadOnlyList<ContainerSpec> Sources = [MentorProfile.Container, Match.Container, ConsentRecord.Container, Person.Container];

    /// <summary>More written documents than this and the whole pool is read again, which is then the cheaper.</summary>
    public const int MostReadAgain = 100;

    private readonly ConcurrentDictionary<string, Pool> _pools = new(StringComparer.Ordinal);

    private readonly ConcurrentDictionary<string, Task> _refreshing = new(StringComparer.Ordinal);

    public async Task<IReadOnlyList<MentorCandidate>> CandidatesAsync(MentoringData data, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(data);
        var now = time.GetUtcNow();
        if (_pools.TryGetValue(data.AgencyId, out var pool) && now - pool.ReadAt < Lifetime)
        {
            if (now - pool.ReadAt >= RefreshAfter)
            {
                RefreshInBackground(data.AgencyId);
            }

            // Taken before reading, so a write during the reads is read again next time.
            var written = Sources.Select((source, i) => writes.WrittenSince(data.AgencyId, source, pool.Positions[i])).ToArray();
            if (written.All(w => w.Ids is not null) && written.Sum(w => w.Ids!.Count) <= MostReadAgain)
            {
                if (written.Any(w => w.Ids!.Count > 0))
                {
                    // This request answers from its own patch, even when a later background read is what stays kept.
                    pool = await pool.WithAsync(data, [.. written.Select(w => w.Position)], [.. written.Select(w => w.Ids!)], ct);
                    Keep(data.AgencyId, pool);
                }

                return pool.Candidates;
            }
        }

        return Keep(data.AgencyId, await Pool.ReadAsync(data, Positions(data.AgencyId), now, ct)).Candidates;
    }

    /// <summary>The background read of an agency's pool under way, if any (for tests to wait on).</summary>
    internal Task Refreshing(string agencyId) => _refreshing.TryGetValue(agencyId, out var refresh) ? refresh : Task.CompletedTask;

    private long[] Positions(string agencyId) => [.. Sources.Select(source => writes.Position(agencyId, source))];

    /// <summary>Keeps a pool unless one read later is kept already (a background read may finish before a patch of an older one).</summary>
    private Pool Keep(string agencyId, Pool pool) =>
        _pools.AddOrUpdate(agencyId, pool, (_, kept) => kept.ReadAt > pool.ReadAt ? kept : pool);

    /// <summary>One background read per agency at a time; a failure is logged, and the pool is read in a request once too old.</summary>
    private void RefreshInBackground(string agencyId)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        if (!_refreshing.TryAdd(agencyId, done.Task))
        {
            return;
        }

        _ = Task.Run(async () =>
        {
            try
            {
                var readAt = time.GetUtcNow();
                await using var scope = scopes.CreateAgencyScope(agencyId, SystemUser);
                var data = scope.ServiceProvider.GetRequiredService<MentoringData>();
                Keep(agencyId, await Pool.ReadAsync(data, Positions(agencyId), readAt, CancellationToken.None));
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                LogRefreshFailed(logger, agencyId, ex);
            }
            finally
            {
                _refreshing.TryRemove(agencyId, out _);
                done.SetResult();
            }
        });
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "The mentor pool of agency {AgencyId} could not be read in the background")]
    private static partial void LogRefreshFailed(ILogger logger, string agencyId, Exception exception);

    /// <summary>The records one pool is made of, each kind by id, and the candidates worked out from them.</summary>
    private sealed class Pool
    {
        private readonly Dictionary<string, MentorProfile> _mentors;
        private readonly Dictionary<string, string> _openMatchMentors;
        private readonly Dictionary<string, ConsentRecord> _consents;

        /// <summary>The roles of each active person who mentors or supervises.</summary>
        private readonly Dictionary<string, IReadOnlyList<string>> _activeRoles;

        private Pool(
            long[] positions, DateTimeOffset readAt, Dictionary<string, MentorProfile> mentors, Dictionary<string, string> openMatchMentors,
            Dictionary<string, ConsentRecord> consents, Dictionary<string, IReadOnlyList<string>> activeRoles, DateTimeOffset now)
        {
            (Positions, ReadAt, _mentors, _openMatchMentors, _consents, _activeRoles) = (positions, readAt, mentors, openMatchMentors, consents, activeRoles);
            var open = openMatchMentors.Values.GroupBy(m => m, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
            var consenting = consents.Values.Where(c => c.IsCurrent(now)).Select(c => c.SubjectId).ToHashSet(StringComparer.Ordinal);
            Candidates = [.. mentors.Values.OrderBy(m => m.Id, StringComparer.Ordinal).Select(m => new MentorCandidate(
                m, open.GetValueOrDefault(m.Id), consenting.Contains(m.Id), Holds(m.Id, Roles.Mentor), m.SupervisorId is { } supervisor && Holds(supervisor, Roles.Supervisor)))];
        }

        /// <summary>Where each source's journal stood before the pool's records were read.</summary>
        public long[] Positions { get; }

        public DateTimeOffset ReadAt { get; }

        public IReadOnlyList<MentorCandidate> Candidates { get; }

        public static async Task<Pool> ReadAsync(MentoringData data, long[] positions, DateTimeOffset now, CancellationToken ct)
        {
            // Three reads that do not depend on each other, side by side.
            var mentorsRead = data.AllAsync<MentorProfile>(MentorProfile.Container, [], ct);
            var openRead = data.AllAsync<Match>(Match.Container, [Filter.In("state", MentoringData.OpenStates)], ct);
            var consentsRead = data.AllAsync<ConsentRecord>(ConsentRecord.Container, [Filter.Eq("scope", MentoringScopes.Mentoring)], ct);
            var mentorPeopleRead = data.Store.ActiveWithRoleAsync(Roles.Mentor, ct);
            var supervisorsRead = data.Store.ActiveWithRoleAsync(Roles.Supervisor, ct);
            await Task.WhenAll(mentorsRead, openRead, consentsRead, mentorPeopleRead, supervisorsRead);
            return new Pool(positions, now,
                (await mentorsRead).ToDictionary(m => m.Id, StringComparer.Ordinal),
                (await openRead).ToDictionary(m => m.Id, m => m.MentorId, StringComparer.Ordinal),
                (await consentsRead).Where(IsMentorsOwn).ToDictionary(c => c.Id, StringComparer.Ordinal),
                (await mentorPeopleRead).Concat(await supervisorsRead).DistinctBy(p => p.Id).ToDictionary(p => p.Id, p => p.Roles, StringComparer.Ordinal),
                data.Now);
        }

        /// <summary>This pool with the documents written since it was read (by source, in <see cref="Sources"/>' order) read again.</summary>
        public async Task<Pool> WithAsync(MentoringData data, long[] positions, IReadOnlySet<string>[] written, CancellationToken ct)
        {
            // Every written document read side by side: on Cosmos DB each read is a round trip.
            var mentorsRead = ReadEachAsync<MentorProfile>(data, MentorProfile.Container, written[0], ct);
            var matchesRead = ReadEachAsync<Match>(data, Match.Container, written[1], ct);
            var consentsRead = ReadEachAsync<ConsentRecord>(data, ConsentRecord.Container, written[2], ct);
            var peopleRead = ReadEachAsync<Person>(data, Person.Container, written[3], ct);
            await Task.WhenAll(mentorsRead, matchesRead, consentsRead, peopleRead);

            var mentors = new Dictionary<string, MentorProfile>(_mentors, StringComparer.Ordinal);
            var openMatchMentors = new Dictionary<string, string>(_openMatchMentors, StringComparer.Ordinal);
            var consents = new Dictionary<string, ConsentRecord>(_consents, StringComparer.Ordinal);
            var activeRoles = new Dictionary<string, IReadOnlyList<string>>(_activeRoles, StringComparer.Ordinal);
            foreach (var (id, mentor) in await mentorsRead)
            {
                Apply(mentors, id, mentor, m => m);
            }

            foreach (var (id, match) in await matchesRead)
            {
                Apply(openMatchMentors, id, match is not null && MatchLifecycle.IsOpen(match.State) ? match : null, m => m.MentorId);
            }

            foreach (var (id, consent) in await consentsRead)
            {
                Apply(consents, id, consent is not null && IsMentorsOwn(consent) ? consent : null, c => c);
            }

            foreach (var (id, person) in await peopleRead)
            {
                Apply(activeRoles, id, person is { Active: true } ? person : null, p => p.Roles);
            }

            return new Pool(positions, ReadAt, mentors, openMatchMentors, consents, activeRoles, data.Now);
        }

        private bool Holds(string personId, string role) =>
            _activeRoles.TryGetValue(personId, out var roles) && roles.Contains(role, StringComparer.Ordinal);

        private static async Task<(string Id, T? Document)[]> ReadEachAsync<T>(MentoringData data, ContainerSpec container, IEnumerable<string> ids, CancellationToken ct)
            where T : Document =>
            await Task.WhenAll(ids.Select(async id => (id, await data.Store.ReadAsync<T>(container, id, data.AgencyId, ct))));

        private static bool IsMentorsOwn(ConsentRecord consent) =>
            consent.Scope == MentoringScopes.Mentoring && consent.Grantor == ConsentGrantor.Mentor;

        /// <summary>Keeps what a document now says, or forgets it when it is gone or no longer counts.</summary>
        private static void Apply<TDocument, TKept>(Dictionary<string, TKept> kept, string id, TDocument? document, Func<TDocument, TKept> keep)
            where TDocument : Document
        {
            if (document is null)
            {
                kept.Remove(id);
            }
            else
            {
                kept[id] = keep(document);
            }
        }
    }
}
