namespace SurvivorConnect.Api.Infrastructure.Auth;

/// <summary>
/// The youth a list showed its reader (each one's name, and what the list says of them: a stage, a match, a flag): each
/// is a read of that youth's record, written to the audit log beside the list's own entry, so an admin asking who read a
/// youth's record finds the lists that showed it too. Scoped to the request; each audited request keeps its own.
/// </summary>
public sealed class ListedYouth
{
    private HashSet<string> _ids = new(StringComparer.Ordinal);

    public IReadOnlyCollection<string> Ids => _ids;

    public void Add(IEnumerable<string> youthIds) => _ids.UnionWith(youthIds);

    /// <summary>An audited request begins with none listed; disposing the scope gives the request around it its own again.</summary>
    public IDisposable Begin()
    {
        var outer = new Restore(this, _ids);
        _ids = new HashSet<string>(StringComparer.Ordinal);
        return outer;
    }

    private sealed class Restore(ListedYouth listed, HashSet<string> ids) : IDisposable
    {
        public void Dispose() => listed._ids = ids;
    }
}
