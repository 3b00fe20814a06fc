using SurvivorConnect.Api.Features.Audit;
using SurvivorConnect.Api.Features.Consent;
using SurvivorConnect.Storage;

namespace SurvivorConnect.Api.Features.Mentoring;

/// <summary>The audit trails of youth an admin does not read as the agency's admin (<see cref="MentoringData.YouthKeptFromAdminAsync"/>).</summary>
internal sealed class YouthTrailsKeptFromAdmin(MentoringData data) : IAuditKeptFromAdmin
{
    public async Task<AuditKept> KeptAsync(CancellationToken ct)
    {
        var youth = await data.AllYouthKeptFromAdminAsync(ct);
        if (youth.Count == 0)
        {
            return AuditKept.None;
        }

        var people = youth.SelectMany(MentoringData.SignInsOf).ToHashSet(StringComparer.Ordinal);
        var records = youth.Select(y => y.Id).ToHashSet(StringComparer.Ordinal);
        var matches = new List<string>();
        foreach (var chunk in youth.Select(y => y.Id).Chunk(DocumentQuery.MaxPageSize))
        {
            matches.AddRange((await data.MatchesAsync(Filter.In("youthId", [.. chunk]), openOnly: false, ct)).Select(m => m.Id));
        }

        // Consents given by or for the youth, and to their matches (a mentor's, whose subject is the mentor).
        foreach (var (field, ids) in new[] { ("subjectId", records.Concat(people).ToList()), ("matchId", matches) })
        {
            foreach (var chunk in ids.Chunk(DocumentQuery.MaxPageSize))
            {
                records.UnionWith((await data.Store.AllAsync<ConsentRecord>(ConsentRecord.Container, [Filter.In(field, [.. chunk])], ct)).Select(c => c.Id));
            }
        }

        records.UnionWith(matches);

        // What an admin once served here did themselves is theirs to read; their record's trail, as others wrote it, is not.
        people.Remove(data.User.UserId);

        return new AuditKept(people, records);
    }
}
