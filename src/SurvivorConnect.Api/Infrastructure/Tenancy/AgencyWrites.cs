using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using SurvivorConnect.Storage;

namespace SurvivorConnect.Api.Infrastructure.Tenancy;

/// <summary>A container whose writes <see cref="AgencyWrites"/> counts, because something derived from it is kept.</summary>
public sealed record WatchedContainer(ContainerSpec Container);

/// <summary>
/// How many writes this instance has made to each watched container of an agency. Something derived from many
/// records and kept for a while (the mentor pool) is read again as soon as one of its containers is written here.
/// Writes to other containers (every chat message) are not counted, so they cost nothing here.
/// </summary>
public sealed class AgencyWrites(IEnumerable<WatchedContainer> watched)
{
    private readonly HashSet<string> _watched = watched.Select(w => w.Container.Name).ToHashSet(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<(string Agency, string Container), StrongBox<long>> _counts = new();

    public void Note(string agencyId, ContainerSpec container)
    {
        ArgumentNullException.ThrowIfNull(container);
        if (_watched.Contains(container.Name))
        {
            Interlocked.Increment(ref _counts.GetOrAdd((agencyId, container.Name), _ => new StrongBox<long>()).Value);
        }
    }

    /// <summary>Changes whenever one of these watched containers of the agency is written on this instance.</summary>
    public long Stamp(string agencyId, IEnumerable<ContainerSpec> containers) =>
        containers.Sum(c => _counts.TryGetValue((agencyId, c.Name), out var count) ? Interlocked.Read(ref count.Value) : 0);
}
