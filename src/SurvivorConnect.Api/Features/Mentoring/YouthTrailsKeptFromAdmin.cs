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

        var people = youth.Select(y => y.PersonId).OfType<string>().ToHashSet(StringComparer.Ordinal);
        var records = youth.Select(y => y.Id).ToHashSet(StringComparer.Ordinal);
        foreach (var chunk in youth.Select(y => y.Id).Chunk(DocumentQuery.MaxPageSize))
        {
            records.UnionWith((await data.MatchesAsync(Filter.In("youthId", [.. chunk]), openOnly: false, ct)).Select(m => m.Id));
        }

        foreach (var chunk in records.Concat(people).ToList().Chunk(DocumentQuery.MaxPageSize))
        {
            records.UnionWith((await data.Store.AllAsync<ConsentRecord>(ConsentRecord.Container, [Filter.In("subjectId", [.. chunk])], ct)).Select(c => c.Id));
        }

        return new AuditKept(people, records);
    }
}
