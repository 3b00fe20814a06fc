namespace SurvivorConnect.Api.Features.Audit;

/// <summary>
/// The trails another feature keeps from the calling admin: those of a youth who is never to be matched with them (one
/// linked to their exploiter, say), or whom they mentor, which would tell them when the youth is here, who reads their
/// record and why, and whom they share it with. None while no other admin can read them.
/// </summary>
public interface IAuditKeptFromAdmin
{
    Task<AuditKept> KeptAsync(CancellationToken ct);
}

/// <param name="People">Sign-ins whose own actions, and any record named by them, are kept.</param>
/// <param name="Records">Ids of records kept (a youth's, their matches', their consents'), also where a record's id is built on one (a chat's flag, its watch).</param>
public sealed record AuditKept(IReadOnlySet<string> People, IReadOnlyCollection<string> Records)
{
    public static readonly AuditKept None = new(new HashSet<string>(), []);

    public bool Hides(AuditEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        return HidesEvery(entry.ActorId, entry.RecordId);
    }

    /// <summary>Whether every entry by this actor, or about this record, is kept: a list asked for by one has nothing to show.</summary>
    public bool HidesEvery(string? actorId, string? recordId) =>
        actorId is not null && People.Contains(actorId) || recordId is { } id && (People.Contains(id) || Records.Any(kept => BuiltOn(id, kept)));

    /// <summary>A flag is "{conversation}-m{n}" and its watch "{agency}~{flag}": the kept id, whole, between those separators.</summary>
    private static bool BuiltOn(string id, string kept) =>
        id == kept || id.StartsWith(kept + "-", StringComparison.Ordinal) || id.Contains("~" + kept + "-", StringComparison.Ordinal)
        || id.EndsWith("~" + kept, StringComparison.Ordinal);
}
