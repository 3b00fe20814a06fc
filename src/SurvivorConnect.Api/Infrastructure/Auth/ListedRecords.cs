namespace SurvivorConnect.Api.Infrastructure.Auth;

/// <summary>
/// The people a list showed its reader, each as the record it read of them: a youth (their name, and what the list says
/// of them: a stage, a match, a flag), or a mentor (their wellbeing on a supervisor's list). Each is a read of that
/// record, written to the audit log beside the list's own entry, so an admin asking who read someone's record finds the
/// lists that showed it too. Scoped to the request; each audited request keeps its own.
/// </summary>
public sealed class ListedRecords
{
    public const string Youth = "youth";

    public const string Mentor = "mentor";

    private HashSet<(string Type, string Id)> _records = [];

    public IReadOnlyCollection<(string Type, string Id)> Records => _records;

    public void AddYouth(IEnumerable<string> youthIds) => _records.UnionWith(youthIds.Select(id => (Youth, id)));

    public void AddMentors(IEnumerable<string> mentorIds) => _records.UnionWith(mentorIds.Select(id => (Mentor, id)));

    /// <summary>An audited request begins with none listed; disposing the scope gives the request around it its own again.</summary>
    public IDisposable Begin()
    {
        var outer = new Restore(this, _records);
        _records = [];
        return outer;
    }

    private sealed class Restore(ListedRecords listed, HashSet<(string Type, string Id)> records) : IDisposable
    {
        public void Dispose() => listed._records = records;
    }
}
