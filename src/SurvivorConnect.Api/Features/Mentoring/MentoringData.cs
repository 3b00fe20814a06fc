using SurvivorConnect.Api.Features.Agencies;
using SurvivorConnect.Api.Features.Consent;
using SurvivorConnect.Api.Features.Mentoring.Rules;
using SurvivorConnect.Api.Features.People;
using SurvivorConnect.Api.Infrastructure.Auth;
using SurvivorConnect.Api.Infrastructure.Errors;
using SurvivorConnect.Api.Infrastructure.Tenancy;
using SurvivorConnect.Storage;

namespace SurvivorConnect.Api.Features.Mentoring;

/// <summary>
/// Reads and writes of the mentoring records, always in the caller's agency partition, with the access
/// rules of PRODUCT.md: what a caller may not see is "not found", exactly like what does not exist.
/// </summary>
public sealed class MentoringData(AgencyStore store, AccessBasis basis, ListedRecords listed)
{
    /// <summary>Why staff may read what this request reads, said by the guards that let them in.</summary>
    public AccessBasis Basis => basis;

    /// <summary>The youth a list this request answers shows, each written to the audit log as read.</summary>
    public ListedRecords Listed => listed;

    public static readonly object[] OpenStates = [.. Enum.GetValues<MatchState>().Where(MatchLifecycle.IsOpen).Select(s => (object)s)];

    /// <summary>The agency's view of the store: the only one mentoring (and chat, through it) writes and reads with.</summary>
    public AgencyStore Store => store;

    public string AgencyId => store.AgencyId;

    public ICurrentUser User => store.User;

    public DateTimeOffset Now => store.Now;

    public Task<T?> FindAsync<T>(ContainerSpec container, string id, CancellationToken ct)
        where T : Document => store.FindAsync<T>(container, id, ct);

    public Task<MentorProfile?> FindMentorAsync(string mentorId, CancellationToken ct) =>
        FindAsync<MentorProfile>(MentorProfile.Container, mentorId, ct);

    public async Task<MentorProfile> MentorAsync(string mentorId, CancellationToken ct) =>
        await FindMentorAsync(mentorId, ct) ?? throw new NotFoundException("mentor");

    /// <summary>
    /// Whether the caller supervises this mentor now: named as their supervisor and still in the Supervisor role. Taking
    /// the role away leaves the mentors' records naming them until an admin reassigns them, and from then on they are
    /// not that mentor's supervisor, whatever other role they keep.
    /// </summary>
    public bool Supervises(MentorProfile mentor) =>
        mentor.SupervisorId == User.UserId && mentor.Id != User.UserId && User.IsInRole(Roles.Supervisor);

    /// <summary>A mentor profile as staff may see it: case managers and admins any; supervisors their caseload.</summary>
    public async Task<MentorProfile> MentorForStaffAsync(string mentorId, CancellationToken ct)
    {
        var mentor = await MentorAsync(mentorId, ct);
        return User.IsInRole(Roles.CaseManager) || User.IsInRole(Roles.AgencyAdmin) || Supervises(mentor)
            ? basis.RecordAs(MentorBasis(Supervises(mentor)), mentor)
            : throw new NotFoundException("mentor");
    }

    /// <summary>Why staff may read mentors' records: administration, supervision of their own, or matching for a caseload.</summary>
    public string MentorBasis(bool supervised) =>
        User.IsInRole(Roles.AgencyAdmin) ? AccessBasis.AgencyAdministration
        : supervised ? AccessBasis.Supervision
        : AccessBasis.MentorMatching;

    /// <summary>
    /// A mentor whose supervisor is the caller (or any mentor, for an admin), never the caller themselves: an admin who
    /// also mentors does not clear their own readiness or lift their own hold, as nobody supervises themselves.
    /// </summary>
    public async Task<MentorProfile> SupervisedMentorAsync(string mentorId, CancellationToken ct)
    {
        var mentor = await MentorAsync(mentorId, ct);
        return mentor.Id != User.UserId && (User.IsInRole(Roles.AgencyAdmin) || Supervises(mentor))
            ? basis.RecordAs(MentorBasis(supervised: true), mentor)
            : throw new NotFoundException("mentor");
    }

    public async Task<YouthReferral> YouthAsync(string youthId, CancellationToken ct) =>
        await FindAsync<YouthReferral>(YouthReferral.Container, youthId, ct) ?? throw new NotFoundException("youth");

    /// <summary>Whether a mentor's assigned supervisor can supervise now: an active person who still has the role.</summary>
    public async Task<bool> HasActiveSupervisorAsync(MentorProfile mentor, CancellationToken ct) =>
        mentor.SupervisorId is { } id && await IsActiveAsync(id, Roles.Supervisor, ct);

    /// <summary>The youth's case managers who can act now: active people who still have the role, and may coordinate the youth (<see cref="YouthReferral.ActingCaseManagerIds"/>).</summary>
    public async Task<IReadOnlyList<string>> ActiveCaseManagersAsync(YouthReferral youth, CancellationToken ct)
    {
        var active = new List<string>();
        foreach (var id in youth.ActingCaseManagerIds)
        {
            if (await IsActiveAsync(id, Roles.CaseManager, ct))
            {
                active.Add(id);
            }
        }

        return active;
    }

    /// <summary>
    /// The people who held <paramref name="role"/> and can no longer act in it (deactivated, or the role taken away), of
    /// those not <paramref name="active"/> in it now: whoever depended on them may have nobody.
    /// </summary>
    public async Task<IReadOnlyList<Person>> LeftRoleAsync(string role, IReadOnlySet<string> active, CancellationToken ct) =>
        [.. (await Store.AllAsync<Person>(Person.Container, [Filter.Eq("active", false), Filter.Contains("roles", role)], ct))
            .Concat(await Store.AllAsync<Person>(Person.Container, [Filter.Contains("formerRoles", role)], ct))
            .Where(p => !active.Contains(p.Id)).DistinctBy(p => p.Id)];

    /// <summary>
    /// The person whose access changed, when they hold or held <paramref name="role"/> in this agency: only they can leave
    /// someone with nobody, and anyone else costs one point read.
    /// </summary>
    public async Task<Person?> HolderOfAsync(PersonAccessChanged changed, string role, CancellationToken ct) =>
        changed.AgencyId == AgencyId && await FindAsync<Person>(Person.Container, changed.PersonId, ct) is { } person
            && person.Roles.Concat(person.FormerRoles).Contains(role, StringComparer.Ordinal) ? person : null;

    public async Task<bool> IsActiveAsync(string personId, string role, CancellationToken ct) =>
        await FindAsync<Person>(Person.Container, personId, ct) is { Active: true } person && person.Roles.Contains(role, StringComparer.Ordinal);

    public bool IsCaseManagerOf(YouthReferral youth) =>
        User.IsInRole(Roles.CaseManager) && youth.ActingCaseManagerIds.Contains(User.UserId, StringComparer.Ordinal);

    /// <summary>A youth record for its case managers and the agency admin only.</summary>
    public async Task<YouthReferral> YouthForStaffAsync(string youthId, bool adminMayRead, CancellationToken ct)
    {
        var youth = await YouthAsync(youthId, ct);
        if (IsCaseManagerOf(youth))
        {
            basis.Record(AccessBasis.Caseload);
        }
        else if (adminMayRead && User.IsInRole(Roles.AgencyAdmin) && !await KeptFromAdminAsync(youth, ct))
        {
            basis.Record(AccessBasis.AgencyAdministration);
        }
        else
        {
            throw new NotFoundException("youth");
        }

        return youth;
    }

    /// <summary>Whether an admin may not read this youth as the agency's admin (<see cref="YouthKeptFromAdminAsync"/>).</summary>
    public async Task<bool> KeptFromAdminAsync(YouthReferral youth, CancellationToken ct) =>
        (await YouthKeptFromAdminAsync([youth], ct)).Count > 0;

    /// <summary>
    /// Of these youth, those an admin does not read as the agency's admin (the record, the do-not-match list, where they
    /// have been, whom they share with, their matches, their place in the agency's lists): those with a match the admin
    /// mentors or said yes to as their mentor, whatever their roles now, those who are never to be matched with them
    /// (one linked to their exploiter, say), as a case manager on that list is no longer theirs, and the admin's own record,
    /// served here as an adult before taking on the role. While another admin, now or before (brought back, they act for
    /// the youth), could read them instead (<see cref="WhileAnotherAdminReadsAsync"/>):
    /// an agency whose every admin is on the list still has one who hands the youth to a case manager and acts on their
    /// urgent flags. None for anyone not an admin.
    /// </summary>
    public async Task<IReadOnlySet<string>> YouthKeptFromAdminAsync(IReadOnlyCollection<YouthReferral> youth, CancellationToken ct)
    {
        if (!User.IsInRole(Roles.AgencyAdmin) || youth.Count == 0)
        {
            return new HashSet<string>(StringComparer.Ordinal);
        }

        var mentored = await MentoredByMeAsync(ct);
        return await WhileAnotherAdminReadsAsync(
            [.. youth.Where(y => mentored.Contains(y.Id) || y.DoNotMatch.Contains(User.UserId, StringComparer.Ordinal) || SignInsOf(y).Contains(User.UserId, StringComparer.Ordinal))], ct);
    }

    /// <summary>
    /// Every youth the calling admin, or former admin, is kept from (<see cref="YouthKeptFromAdminAsync"/>), found by the
    /// store rather than by reading every youth.
    /// </summary>
    public async Task<IReadOnlyList<YouthReferral>> AllYouthKeptFromAdminAsync(CancellationToken ct)
    {
        if (!RoleHistory.Of(User).Ever(Roles.AgencyAdmin))
        {
            return [];
        }

        List<YouthReferral> listed = [.. (await AllAsync<YouthReferral>(YouthReferral.Container, [Filter.Contains("doNotMatch", User.UserId)], ct))
            .Concat(await AllAsync<YouthReferral>(YouthReferral.Container, [Filter.Eq("personId", User.UserId)], ct))
            .Concat(await AllAsync<YouthReferral>(YouthReferral.Container, [Filter.Contains("formerPersonIds", User.UserId)], ct))
            .DistinctBy(y => y.Id)];
        var mentored = (await MentoredByMeAsync(ct)).Except(listed.Select(y => y.Id), StringComparer.Ordinal);
        List<YouthReferral> candidates = [.. listed, .. await Store.ManyAsync<YouthReferral>(YouthReferral.Container, mentored, ct)];
        var kept = await WhileAnotherAdminReadsAsync(candidates, ct);
        return [.. candidates.Where(y => kept.Contains(y.Id))];
    }

    /// <summary>
    /// Who is kept from this youth as an admin would be (<see cref="YouthKeptFromAdminAsync"/>): those on their do-not-match
    /// list and their mentors, now or said yes. Notices for the agency's admins about the youth go to the others while any can act.
    /// </summary>
    public async Task<IReadOnlyCollection<string>> KeptFromYouthAsync(string youthId, CancellationToken ct)
    {
        var youth = await Store.ReadAsync<YouthReferral>(YouthReferral.Container, youthId, Store.AgencyId, ct);
        return youth is null ? [] : (await KeptFromYouthAsync([youth], ct))[youthId];
    }

    /// <summary>
    /// The admins kept from every one of these youth as the agency's lists keep them (<see cref="YouthKeptFromAdminAsync"/>):
    /// news naming none of them would send them to a list that shows them none.
    /// </summary>
    public async Task<IReadOnlyCollection<string>> AdminsKeptFromEveryAsync(IReadOnlyList<YouthReferral> youth, CancellationToken ct)
    {
        if (youth.Count == 0)
        {
            return [];
        }

        var admins = await Store.AdminsNowOrBeforeAsync(ct);
        var keptFrom = await KeptFromYouthAsync(youth, ct);
        return [.. admins.Where(admin => youth.All(y => IsKeptFrom(admin, y, keptFrom[y.Id], admins)))];
    }

    /// <summary>
    /// Of youth the calling admin would be kept from, those another admin, now or before, could read instead. One on the
    /// do-not-match list yields to any other admin not on it, even the youth's mentor; a mentor, only to one kept from
    /// the youth in neither way.
    /// </summary>
    private async Task<HashSet<string>> WhileAnotherAdminReadsAsync(List<YouthReferral> youth, CancellationToken ct)
    {
        var kept = new HashSet<string>(StringComparer.Ordinal);
        var others = youth.Count == 0 ? [] : (await Store.AdminsNowOrBeforeAsync(ct)).Where(id => id != User.UserId).ToList();
        if (others.Count == 0)
        {
            return kept;
        }

        var keptFrom = await KeptFromYouthAsync(youth, ct);
        kept.UnionWith(youth.Where(y => IsKeptFrom(User.UserId, y, keptFrom[y.Id], others)).Select(y => y.Id));
        return kept;
    }

    /// <summary>The youth's sign-ins, now and before: an adult served here who became staff does not read their own record as staff.</summary>
    public static IEnumerable<string> SignInsOf(YouthReferral youth)
    {
        ArgumentNullException.ThrowIfNull(youth);
        return youth.PersonId is { } current ? youth.FormerPersonIds.Append(current) : youth.FormerPersonIds;
    }

    /// <summary>For each youth, those on their do-not-match list, their mentors, now or said yes, and their own sign-ins.</summary>
    private async Task<Dictionary<string, HashSet<string>>> KeptFromYouthAsync(IReadOnlyList<YouthReferral> youth, CancellationToken ct)
    {
        var keptFrom = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        foreach (var y in youth)
        {
            keptFrom.TryAdd(y.Id, y.DoNotMatch.Concat(SignInsOf(y)).ToHashSet(StringComparer.Ordinal));
        }

        foreach (var chunk in keptFrom.Keys.Chunk(DocumentQuery.MaxPageSize))
        {
            foreach (var match in (await MatchesAsync(Filter.In("youthId", [.. chunk]), openOnly: false, ct)).Where(m => MatchLifecycle.IsOpen(m.State) || m.MentorSaidYes()))
            {
                keptFrom[match.YouthId].Add(match.MentorId);
            }
        }

        return keptFrom;
    }

    /// <summary>
    /// Whether <paramref name="admin"/> is kept from <paramref name="youth"/>, whom <paramref name="keptFromYouth"/> are
    /// (their do-not-match list, mentors and own sign-ins): one on the list while another of <paramref name="admins"/> not on it could
    /// read the youth instead; one of their mentors while another kept in neither way could.
    /// </summary>
    private static bool IsKeptFrom(string admin, YouthReferral youth, HashSet<string> keptFromYouth, IEnumerable<string> admins)
    {
        var others = admins.Where(other => other != admin);
        return youth.DoNotMatch.Contains(admin, StringComparer.Ordinal)
            ? others.Any(other => !youth.DoNotMatch.Contains(other, StringComparer.Ordinal))
            : keptFromYouth.Contains(admin) && others.Any(other => !keptFromYouth.Contains(other));
    }

    /// <summary>
    /// Of <paramref name="youth"/>, those kept from any admin, now or before (<see cref="YouthKeptFromAdminAsync"/>), from
    /// the youth and their <paramref name="matches"/> already read. Left out of the agency's outcome report whoever reads
    /// it: one reader's report less another's would otherwise be exactly such a youth.
    /// </summary>
    public async Task<IReadOnlySet<string>> YouthKeptFromAnyAdminAsync(IReadOnlyList<YouthReferral> youth, IEnumerable<Match> matches, CancellationToken ct)
    {
        var admins = await Store.AdminsNowOrBeforeAsync(ct);
        var keptFrom = youth.ToDictionary(y => y.Id, y => y.DoNotMatch.Concat(SignInsOf(y)).ToHashSet(StringComparer.Ordinal), StringComparer.Ordinal);
        foreach (var match in matches.Where(m => MatchLifecycle.IsOpen(m.State) || m.MentorSaidYes()))
        {
            keptFrom.GetValueOrDefault(match.YouthId)?.Add(match.MentorId);
        }

        return youth.Where(y => admins.Any(admin => IsKeptFrom(admin, y, keptFrom[y.Id], admins))).Select(y => y.Id).ToHashSet(StringComparer.Ordinal);
    }

    private async Task<HashSet<string>> MentoredByMeAsync(CancellationToken ct) =>
        (await MatchesAsync(Filter.Eq("mentorId", User.UserId), openOnly: false, ct))
            .Where(m => MatchLifecycle.IsOpen(m.State) || m.MentorSaidYes()).Select(m => m.YouthId).ToHashSet(StringComparer.Ordinal);

    /// <summary>The caller's caseload, found by the store rather than by reading every youth.</summary>
    public async Task<List<YouthReferral>> CaseloadAsync(CancellationToken ct)
    {
        if (!User.IsInRole(Roles.CaseManager))
        {
            return [];
        }

        basis.Record(AccessBasis.Caseload);
        return await AllAsync<YouthReferral>(YouthReferral.Container, [Filter.Contains("caseManagerIds", User.UserId)], ct);
    }

    /// <summary>
    /// The youth of every match the caller may have a part in: their caseload, their own record, those they mentor.
    /// <c>MentorOnly</c> when mentoring is the caller's only part, so their matches are found by their own id.
    /// </summary>
    public async Task<(HashSet<string> YouthIds, bool MentorOnly)> YouthOfCallersMatchesAsync(CancellationToken ct)
    {
        var ids = (await CaseloadAsync(ct)).Select(y => y.Id).ToHashSet(StringComparer.Ordinal);
        if (User.IsInRole(Roles.Youth) && await OwnYouthRecordAsync(ct) is { } own)
        {
            ids.Add(own.Id);
        }

        if (!User.IsInRole(Roles.Mentor))
        {
            return (ids, false);
        }

        var mentorOnly = ids.Count == 0;
        ids.UnionWith((await MatchesAsync(Filter.Eq("mentorId", User.UserId), openOnly: false, ct)).Select(m => m.YouthId));
        return (ids, mentorOnly);
    }

    /// <summary>The documents with these ids: for the few a page of something else refers to.</summary>
    public Task<List<T>> ManyAsync<T>(ContainerSpec container, IEnumerable<string> ids, CancellationToken ct)
        where T : Document => store.ManyAsync<T>(container, ids, ct);

    /// <summary>The youth record of the signed-in youth.</summary>
    public Task<YouthReferral?> OwnYouthRecordAsync(CancellationToken ct) => OwnYouthRecordOfAsync(User.UserId, ct);

    /// <summary>The youth record this sign-in is linked to, if any.</summary>
    public async Task<YouthReferral?> OwnYouthRecordOfAsync(string personId, CancellationToken ct)
    {
        var page = await store.QueryAsync<YouthReferral>(YouthReferral.Container, new DocumentQuery
        {
            PartitionKey = AgencyId,
            Type = DocumentTypes.Of<YouthReferral>(),
            Filters = [Filter.Eq("personId", personId)],
            PageSize = 1,
        }, ct);
        return page.Items.Count > 0 ? page.Items[0] : null;
    }

    public async Task<Match> MatchAsync(string matchId, CancellationToken ct) =>
        await FindAsync<Match>(Match.Container, matchId, ct) ?? throw new NotFoundException("match");

    /// <summary>Who the caller is to a match; a caller who is nobody to it gets "not found".</summary>
    public async Task<(Match Match, YouthReferral Youth, MatchRole Role)> MatchForCallerAsync(string matchId, CancellationToken ct)
    {
        var match = await MatchAsync(matchId, ct);
        var youth = await YouthAsync(match.YouthId, ct);
        var role = RoleIn(match, youth) ?? throw new NotFoundException("match");
        if (role == MatchRole.Admin && await KeptFromAdminAsync(youth, ct))
        {
            throw new NotFoundException("match");
        }

        if (role is MatchRole.CaseManager or MatchRole.Admin)
        {
            basis.Record(role == MatchRole.CaseManager ? AccessBasis.Caseload : AccessBasis.AgencyAdministration);
        }

        // What a match shows staff of its youth is a read of their record: asking who read a youth finds it.
        if (role is MatchRole.CaseManager or MatchRole.Admin)
        {
            listed.AddYouth([youth.Id]);
        }

        return (match, youth, role);
    }

    /// <summary>
    /// The caller's part in a match, or null when they have none. Staff coordinate a match through the youth's
    /// caseload, so a case manager who hands the youth over loses the match with them. The youth has a part only once
    /// the match is put to them.
    /// </summary>
    public MatchRole? RoleIn(Match match, YouthReferral youth) =>
        User.IsInRole(Roles.Mentor) && match.MentorId == User.UserId ? MatchRole.Mentor
        : User.IsInRole(Roles.Youth) && youth.PersonId == User.UserId ? (match.PutToYouth() ? MatchRole.Youth : null)
        : IsCaseManagerOf(youth) ? MatchRole.CaseManager
        : User.IsInRole(Roles.AgencyAdmin) ? MatchRole.Admin
        : null;

    public async Task<IReadOnlyList<Match>> MatchesAsync(Filter filter, bool openOnly, CancellationToken ct)
    {
        var filters = new List<Filter> { filter };
        if (openOnly)
        {
            filters.Add(Filter.In("state", OpenStates));
        }

        return await AllAsync<Match>(Match.Container, filters, ct);
    }

    public async Task<int> OpenMatchCountAsync(string mentorId, string? excludingMatchId, CancellationToken ct) =>
        (await MatchesAsync(Filter.Eq("mentorId", mentorId), openOnly: true, ct)).Count(m => m.Id != excludingMatchId);

    public async Task<IReadOnlyList<ConsentRecord>> ConsentsAsync(Filter filter, CancellationToken ct) =>
        await AllAsync<ConsentRecord>(ConsentRecord.Container, [filter], ct);

    public async Task<bool> ConsentsToMentoringAsync(string mentorId, CancellationToken ct) =>
        (await MentorsConsentingAsync([mentorId], ct)).Contains(mentorId);

    /// <summary>
    /// Whether the mentor gave consent to mentoring and has none now (withdrew it, or let it run out): they are mentoring
    /// nobody, and are asked for nothing. One who never gave it is still taking it up.
    /// </summary>
    public async Task<bool> StoppedMentoringAsync(string mentorId, CancellationToken ct)
    {
        var theirs = (await ConsentsAsync(Filter.Eq("subjectId", mentorId), ct))
            .Where(c => c.Scope == MentoringScopes.Mentoring && c.Grantor == ConsentGrantor.Mentor).ToList();
        return theirs.Count > 0 && !theirs.Any(c => c.IsCurrent(Now));
    }

    /// <summary>Whether a consent record is a mentor's current consent to mentoring at all.</summary>
    public bool IsConsentToMentor(ConsentRecord consent) =>
        consent.Scope == MentoringScopes.Mentoring && consent.Grantor == ConsentGrantor.Mentor && consent.IsCurrent(Now);

    /// <summary>Which of these mentors currently consent to mentoring, in one query.</summary>
    /// <summary>
    /// Of these mentors, those whose profile (what they share of themselves) a case manager reads: shared for finding a
    /// mentor, so only while they consent to mentoring and are active in the role.
    /// </summary>
    public async Task<IReadOnlySet<string>> MentorsSharingAsync(IReadOnlyCollection<string> mentorIds, CancellationToken ct) =>
        await ActiveMentorsAsync(await MentorsConsentingAsync(mentorIds, ct), ct);

    /// <summary>Of these people, those active in the Mentor role, read by their ids.</summary>
    public async Task<HashSet<string>> ActiveMentorsAsync(IEnumerable<string> personIds, CancellationToken ct) =>
        (await Store.ManyAsync<Person>(Person.Container, personIds, ct))
            .Where(p => p.Active && p.Roles.Contains(Roles.Mentor, StringComparer.Ordinal)).Select(p => p.Id).ToHashSet(StringComparer.Ordinal);

    public async Task<HashSet<string>> MentorsConsentingAsync(IReadOnlyCollection<string> mentorIds, CancellationToken ct) =>
        mentorIds.Count == 0
            ? []
            : (await ConsentsAsync(Filter.In("subjectId", [.. mentorIds]), ct))
                .Where(IsConsentToMentor)
                .Select(c => c.SubjectId)
                .ToHashSet(StringComparer.Ordinal);

    /// <summary>How many open matches each of these mentors has, in one query.</summary>
    public async Task<Dictionary<string, int>> OpenMatchCountsAsync(IReadOnlyCollection<string> mentorIds, CancellationToken ct) =>
        mentorIds.Count == 0
            ? []
            : (await MatchesAsync(Filter.In("mentorId", [.. mentorIds]), openOnly: true, ct))
                .GroupBy(m => m.MentorId)
                .ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);

    public async Task<MatchConsentPolicy> PolicyAsync(CancellationToken ct) =>
        (await store.ReadAsync<Agency>(Agency.Container, AgencyId, AgencyId, ct))?.MatchConsentPolicy ?? new MatchConsentPolicy(18, []);

    /// <summary>Every document of a type that meets the filters, page by page (all within the agency's partition).</summary>
    public Task<List<T>> AllAsync<T>(ContainerSpec container, IReadOnlyList<Filter> filters, CancellationToken ct)
        where T : Document => store.AllAsync<T>(container, filters, ct);
}

[System.Text.Json.Serialization.JsonConverter(typeof(System.Text.Json.Serialization.JsonStringEnumConverter<MatchRole>))]
public enum MatchRole
{
    Mentor,
    Youth,
    CaseManager,
    Admin,
}
