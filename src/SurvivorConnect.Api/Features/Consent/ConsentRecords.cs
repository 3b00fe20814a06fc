using System.Text.Json.Serialization;
using SurvivorConnect.Storage;

namespace SurvivorConnect.Api.Features.Consent;

[JsonConverter(typeof(JsonStringEnumConverter<ConsentGrantor>))]
public enum ConsentGrantor
{
    Youth,
    Guardian,
    Agency,
    Mentor,

    /// <summary>The person the consent is about, for themselves (an advisor opting in to being contacted).</summary>
    Self,
}

/// <summary>A consent: whose, from whom, for what, when, until when; revocable, and never deleted.</summary>
public sealed record ConsentRecord : Document
{
    public static readonly ContainerSpec Container = new("consents", "subjectId", "scope", "matchId", "partnerAgencyId");

    public override string Type => "consent";

    public required string SubjectId { get; init; }

    public required ConsentGrantor Grantor { get; init; }

    public required string Scope { get; init; }

    public string? MatchId { get; init; }

    /// <summary>For a scope that shares with another agency: which agency, and which kinds of record.</summary>
    public string? PartnerAgencyId { get; init; }

    public IReadOnlyList<string> Kinds { get; init; } = [];

    public required DateTimeOffset GrantedAt { get; init; }

    public DateTimeOffset? ExpiresAt { get; init; }

    public DateTimeOffset? RevokedAt { get; init; }

    /// <summary>Withdrawn by the person it is about, for themselves: no one may give it again on their behalf.</summary>
    public bool WithdrawnBySubject { get; init; }

    /// <summary>A yes staff recorded by mistake and took back: never the person's word, neither a yes nor a no.</summary>
    public bool RecordedInError { get; init; }

    /// <summary>
    /// A youth's yes (to a match, to sharing with a partner, to anything) that staff withdrew, which they do at the youth's
    /// word: the youth's no, as if withdrawn by them (their case manager may be the only way a youth without a sign-in says
    /// it). A yes recorded by mistake is taken back as recorded in error instead, which is no one's no.
    /// </summary>
    public bool WithdrawnForSubject { get; init; }

    /// <summary>The person's own no: withdrawn by them, or by staff at their word.</summary>
    [JsonIgnore]
    public bool SubjectSaidNo => WithdrawnBySubject || WithdrawnForSubject;

    /// <summary>Given by the person it is about, for themselves (not recorded for them by staff).</summary>
    public bool GivenBySubject { get; init; }

    public required string RecordedBy { get; init; }

    public bool IsCurrent(DateTimeOffset now) => RevokedAt is null && (ExpiresAt is null || ExpiresAt > now);

    /// <summary>
    /// Given by the person it is about, under their sign-in (<paramref name="signIn"/>, for a youth): recorded so, or
    /// written before records said so (a youth's yes given by agreeing to the match themselves).
    /// </summary>
    public bool GivenByThemselves(string? signIn) =>
        GivenBySubject || RecordedBy == SubjectId || (signIn is not null && RecordedBy == signIn);

    /// <summary>
    /// Of one consent's records (one subject, grantor, scope, match and partner), whether the subject withdrew it and has
    /// not given it themselves since: "you can say no at any time" means staff cannot say yes again for them, whichever
    /// of several such records the no was said to, and whatever staff recorded after it.
    /// </summary>
    public static bool SubjectsLastWordIsNo(IReadOnlyList<ConsentRecord> like) =>
        like.Where(c => c.SubjectSaidNo).Max(c => c.RevokedAt) is { } withdrawn && !like.Any(c => c.GivenBySubject && c.GrantedAt > withdrawn);
}

/// <summary>Who among some subjects currently holds a consent: for features that must show or contact only those who said yes.</summary>
public sealed class ConsentLookup(SurvivorConnect.Api.Infrastructure.Tenancy.AgencyStore store)
{
    /// <summary>Every consent of a scope about one subject, current or not.</summary>
    public Task<List<ConsentRecord>> AllAsync(string subjectId, string scope, CancellationToken ct) =>
        store.AllAsync<ConsentRecord>(ConsentRecord.Container, [Filter.Eq("subjectId", subjectId), Filter.Eq("scope", scope)], ct);

    public async Task<HashSet<string>> CurrentAsync(string scope, ConsentGrantor grantor, IReadOnlyCollection<string> subjectIds, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(subjectIds);
        if (subjectIds.Count == 0)
        {
            return [];
        }

        var now = store.Now;
        return (await store.AllAsync<ConsentRecord>(ConsentRecord.Container, [Filter.In("subjectId", [.. subjectIds]), Filter.Eq("scope", scope)], ct))
            .Where(c => c.Grantor == grantor && c.IsCurrent(now))
            .Select(c => c.SubjectId)
            .ToHashSet(StringComparer.Ordinal);
    }
}
