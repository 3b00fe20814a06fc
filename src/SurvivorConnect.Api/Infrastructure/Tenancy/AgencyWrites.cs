using System.Collections.Concurrent;
using SurvivorConnect.Storage;

namespace SurvivorConnect.Api.Infrastructure.Tenancy;

/// <summary>
/// How many writes this instance has made to each of an agency's containers. Something derived from many records
/// and kept for a while (the mentor pool) is read again as soon as one of its containers is written here.
/// </summary>
public sealed class AgencyWrites
{
    private readonly ConcurrentDictionary<(string Agency, string Container), long> _counts = new();

    public void Note(string agencyId, ContainerSpec container)
    {
        ArgumentNullException.ThrowIfNull(container);
        _counts.AddOrUpdate((agencyId, container.Name), 1, (_, count) => count + 1);
    }

    /// <summary>Changes whenever one of these containers of the agency is written on this instance.</summary>
    public long Stamp(string agencyId, IEnumerable<ContainerSpec> containers) =>
        containers.Sum(c => _counts.GetValueOrDefault((agencyId, c.Name)));
}
