using System.Text.RegularExpressions;

namespace SurvivorConnect.Storage;

/// <summary>
/// A container of documents, partitioned by the document's <c>pk</c>. Queries may filter and order
/// only on the declared fields, so both stores can index exactly what the features ask of them.
/// </summary>
public sealed partial record ContainerSpec
{
    public ContainerSpec(string name, params string[] queryableFields)
    {
        if (!NamePattern().IsMatch(name))
        {
            throw new ArgumentException($"Container name '{name}' must be lower-case letters, digits or '_'.", nameof(name));
        }

        foreach (var field in queryableFields)
        {
            if (!FieldPattern().IsMatch(field))
            {
                throw new ArgumentException($"Field '{field}' must be a dotted path of camelCase names.", nameof(queryableFields));
            }
        }

        Name = name;
        QueryableFields = ["id", "type", .. queryableFields.Distinct(StringComparer.Ordinal).Where(f => f is not ("id" or "type"))];
    }

    public string Name { get; }

    public IReadOnlyList<string> QueryableFields { get; }

    /// <summary>Whether documents may carry a time-to-live (Cosmos needs this at container creation).</summary>
    public bool AllowsTimeToLive { get; init; }

    public bool IsQueryable(string field) => QueryableFields.Contains(field, StringComparer.Ordinal);

    [GeneratedRegex("^[a-z][a-z0-9_]{0,62}$")]
    private static partial Regex NamePattern();

    [GeneratedRegex("^[a-zA-Z][a-zA-Z0-9]*(\\.[a-zA-Z][a-zA-Z0-9]*)*$")]
    private static partial Regex FieldPattern();
}
