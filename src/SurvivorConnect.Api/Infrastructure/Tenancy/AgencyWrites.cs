using System.Collections.Concurrent;
using SurvivorConnect.Storage;

namespace SurvivorConnect.Api.Infrastructure.Tenancy;

/// <summary>A container whose writes <see cref="AgencyWrites"/> keeps, because something derived from it is kept.</summary>
public sealed record WatchedContainer(ContainerSpec Container);

/// <summary>
/// The ids of the documents this instance has written lately in each watched container of an agency. Something
/// derived from many records and kept for a while (the mentor pool) reads again just the documents written since
/// it was made, or everything when more was written than the journal holds. Writes to other containers (every
/// chat message) are not kept, so they cost nothing here.
/// </summary>
public sealed class AgencyWrites(IEnumerable<WatchedContainer> watched)
{
    /// <summary>How many of a container's latest written ids are kept.</summary>
    public const int JournalLength = 256;

    private readonly HashSet<string> _watched = watched.Select(w => w.Container.Name).ToHashSet(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<(string Agency, string Container), Journal> _journals = new();

    public void Note(string agencyId, ContainerSpec container, IEnumerable<string> ids)
    {
        ArgumentNullException.ThrowIfNull(container);
        if (_watched.Contains(container.Name))
        {
            _journals.GetOrAdd((agencyId, container.Name), _ => new Journal()).Add(ids);
        }
    }

    /// <summary>Where the container's journal stands now; give it to <see cref="WrittenSince"/> later.</summary>
    public long Position(string agencyId, ContainerSpec container) =>
        _journals.TryGetValue((agencyId, container.Name), out var journal) ? journal.Position : 0;

    /// <summary>
    /// Where the journal stands now and the ids written since <paramref name="position"/>; the ids are null when
    /// more was written since then than the journal holds.
    /// </summary>
    public (long Position, IReadOnlySet<string>? Ids) WrittenSince(string agencyId, ContainerSpec container, long position) =>
        _journals.TryGetValue((agencyId, container.Name), out var journal) ? journal.Since(position) : (0, position == 0 ? new HashSet<string>() : null);

    private sealed class Journal
    {
        private readonly Lock _lock = new();
        private readonly string[] _ids = new string[JournalLength];
        private long _position;

        public void Add(IEnumerable<string> ids)
        {
            lock (_lock)
            {
                foreach (var id in ids)
                {
                    _ids[_position++ % JournalLength] = id;
                }
            }
        }

        public long Position
        {
            get
            {
                lock (_lock)
                {
                    return _position;
                }
            }
        }

        public (long Position, IReadOnlySet<string>? Ids) Since(long position)
        {
            lock (_lock)
            {
                if (position >= _position)
                {
                    return (_position, new HashSet<string>());
                }

                if (_position - position > JournalLength || position < 0)
                {
                    return (_position, null);
                }

                var ids = new HashSet<string>(StringComparer.Ordinal);
                for (var i = position; i < _position; i++)
                {
                    ids.Add(_ids[i % JournalLength]);
                }

                return (_position, ids);
            }
        }
    }
}
