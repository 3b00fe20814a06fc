using SurvivorConnect.Api.Features.Agencies;
using SurvivorConnect.Api.Features.Mentoring;
using SurvivorConnect.Api.Features.Mentoring.Rules;
using SurvivorConnect.Api.Features.People;
using SurvivorConnect.Api.Features.Teaming.Rules;
using SurvivorConnect.Api.Infrastructure.Auth;
using SurvivorConnect.Api.Infrastructure.Errors;
using SurvivorConnect.Api.Infrastructure.Tenancy;
using SurvivorConnect.Storage;

namespace SurvivorConnect.Api.Features.Teaming;

/// <summary>
/// Teaming's reads and writes within the signed-in person's agency, and its one rule of who on a youth's team is
/// who (<see cref="MemberAsync"/>). A partner agency's professional never comes through here: see <see cref="CrossAgency"/>.
/// </summary>
internal sealed class TeamingData(AgencyStore store, MentoringData mentoring, CrossAgency cross, AgencyCalendar calendar)
{
    public static ContainerSpec Container => Partnership.Container;

    public AgencyStore Store => store;

    public CrossAgency Cross => cross;

    /// <inheritdoc cref="MentoringData.Listed"/>
    public ListedRecords Listed => mentoring.Listed;

    public DateTimeOffset Now => store.Now;

    /// <summary>The reader's day, by which meeting actions fall due: a partner's professional reads by their own agency's.</summary>
    public Task<DateOnly> TodayAsync(CancellationToken ct) => calendar.TodayAsync(ct);

    public string Me => store.User.UserId;

    public string AgencyId => store.AgencyId;

    public Task<List<Partnership>> PartnershipsAsync(CancellationToken ct) => store.AllAsync<Partnership>(Container, [], ct);

    public async Task<Partnership> PartnershipAsync(string id, CancellationToken ct) =>
        await store.FindAsync<Partnership>(Container, id, ct) ?? throw new NotFoundException("partnership");

    /// <summary>The partnership with an agency that is current on both sides, if there is one.</summary>
    public async Task<Partnership?> CurrentPartnershipWithAsync(string agencyId, CancellationToken ct) =>
        (await PartnerBookAsync(agencyId, ct)).InForce.GetValueOrDefault(agencyId);

    /// <summary>
    /// The agency's partnerships, read once: every other agency's name, and the partnership in force (both copies
    /// current) with each agency, or only with <paramref name="onlyWith"/>.
    /// </summary>
    public async Task<PartnerBook> PartnerBookAsync(string? onlyWith, CancellationToken ct)
    {
        var all = await PartnershipsAsync(ct);
        var inForce = new Dictionary<string, Partnership>(StringComparer.Ordinal);
        foreach (var partnership in all.Where(p => p.IsCurrent(Now) && (onlyWith is null || p.OtherAgencyId(AgencyId) == onlyWith)))
        {
            var other = partnership.OtherAgencyId(AgencyId);
            if (!inForce.ContainsKey(other) && await cross.BothCurrentAsync(partnership, ct))
            {
                inForce[other] = partnership;
            }
        }

        var names = all.GroupBy(p => p.OtherAgencyId(AgencyId)).ToDictionary(g => g.Key, g => g.First().OtherAgencyName(AgencyId), StringComparer.Ordinal);
        return new PartnerBook(names, inForce);
    }

    public async Task<Person?> ActivePersonAsync(string personId, CancellationToken ct) =>
        await store.FindAsync<Person>(Person.Container, personId, ct) is { Active: true } person ? person : null;

    /// <summary>The youth, for one of their case managers (who leads their team); for anyone else, not there.</summary>
    public Task<YouthReferral> YouthToLeadAsync(string youthId, CancellationToken ct) => mentoring.YouthForStaffAsync(youthId, adminMayRead: false, ct);

    public Task<Team?> TeamAsync(string youthId, CancellationToken ct) => store.ReadAsync<Team>(Container, Team.IdFor(youthId), AgencyId, ct);

    /// <summary>
    /// The caller's part on a youth's team within the youth's agency: a case manager of the youth leads it; the
    /// youth is always a member; a current professional member of the agency reads it. Anyone else: not there.
    /// </summary>
    public async Task<(YouthReferral Youth, Team? Team, TeamRole Role)> MemberAsync(string youthId, CancellationToken ct)
    {
        // An id that is no youth answers as one whose team is not theirs: neither says which ids are youth.
        var youth = await mentoring.FindAsync<YouthReferral>(YouthReferral.Container, youthId, ct) ?? throw new NotFoundException("team");
        var team = await TeamAsync(youthId, ct);
        var user = store.User;
        if (mentoring.IsCaseManagerOf(youth))
        {
            mentoring.Basis.Record(AccessBasis.Caseload);
            return (youth, team, TeamRole.Lead);
        }

        if (user.IsInRole(Roles.Youth) && youth.PersonId == Me)
        {
            return (youth, team, TeamRole.Youth);
        }

        // By the roles held now: a member whose staff role was taken away (or a partner professional seated before they
        // could no longer be) reads their own agency's team no more.
        var staff = Roles.All.Where(Roles.StaffsTeams).Any(user.IsInRole);
        return staff && team?.Current.Any(m => m.Role == TeamRole.Professional && m.PersonId == Me && m.AgencyId == AgencyId) == true
            && !(await KeptFromStaffingAsync(youth, ct)).Contains(Me)
            ? (youth, team, mentoring.Basis.RecordAs(AccessBasis.TeamMember, TeamRole.Professional))
            : throw new NotFoundException("team");
    }

    /// <summary>
    /// Who may not read a youth's team as staff, even holding a staff role: their mentors, now or before (a mentor who is
    /// also a supervisor would read the youth's safety plan and the team's notes about them, as no mentor does, and a youth
    /// who turned them down would have them back), anyone the youth is never to be matched with, and the youth's own
    /// sign-ins of before (given a staff role since, they would read their own team as staff). Read each time, so a
    /// match or a "do not match" made later counts at once.
    /// </summary>
    public async Task<HashSet<string>> KeptFromStaffingAsync(YouthReferral youth, CancellationToken ct) =>
        KeptFromStaffing(youth, (await MentorsAsync(youth, ct)).NowOrBefore);

    /// <inheritdoc cref="KeptFromStaffingAsync"/>
    public static HashSet<string> KeptFromStaffing(YouthReferral youth, IEnumerable<string> mentorIds) => [.. youth.DoNotMatch, .. mentorIds, .. MentoringData.SignInsOf(youth)];

    /// <summary>
    /// The youth's mentors: now (their open matches' mentors, whom a lead may name as a support) and now or before
    /// (with every mentor who said yes to a match with them, though the youth turned them down or it closed).
    /// </summary>
    public async Task<(IReadOnlyList<string> Now, IReadOnlyList<string> NowOrBefore)> MentorsAsync(YouthReferral youth, CancellationToken ct)
    {
        var matches = await mentoring.MatchesAsync(Filter.Eq("youthId", youth.Id), openOnly: false, ct);
        return (
            [.. matches.Where(m => MatchLifecycle.IsOpen(m.State)).Select(m => m.MentorId).Distinct(StringComparer.Ordinal)],
            [.. matches.Where(m => MatchLifecycle.IsOpen(m.State) || m.MentorSaidYes()).Select(m => m.MentorId).Distinct(StringComparer.Ordinal)]);
    }

    /// <summary>A youth's team meetings, newest first, with members named as the team shows them.</summary>
    public async Task<IReadOnlyList<MeetingView>> MeetingsAsync(TeamView team, CancellationToken ct)
    {
        var names = team.Members.ToDictionary(m => m.Id, m => m.DisplayName);
        var today = await TodayAsync(ct);
        var signIn = (await mentoring.FindAsync<YouthReferral>(YouthReferral.Container, team.YouthId, ct))?.PersonId;
        return [.. (await MeetingsOfAsync(team.YouthId, ct)).Select(m => MeetingView.From(m, names, today, signIn))];
    }

    /// <summary>A youth's team meetings, newest first.</summary>
    public async Task<IReadOnlyList<TeamMeeting>> MeetingsOfAsync(string youthId, CancellationToken ct) =>
        [.. (await store.AllAsync<TeamMeeting>(Container, [Filter.Eq("youthId", youthId)], ct)).OrderByDescending(m => m.ScheduledFor)];

    /// <summary>The youth on the signed-in case manager's caseload.</summary>
    public async Task<IReadOnlyList<YouthReferral>> CaseloadAsync(CancellationToken ct) =>
        [.. (await mentoring.CaseloadAsync(ct)).OrderBy(y => y.DisplayName, StringComparer.OrdinalIgnoreCase)];

    /// <summary>
    /// The active people a youth's team page names or offers, read by who they are rather than from the whole
    /// agency: the youth's case managers, and for the lead the staff and the youth's current mentors to add.
    /// </summary>
    /// <param name="mentorIds">For the lead, the youth's mentors now (<see cref="MentorsAsync"/>); otherwise none.</param>
    public async Task<Dictionary<string, Person>> TeamPeopleAsync(YouthReferral youth, bool lead, IReadOnlyList<string> mentorIds, CancellationToken ct)
    {
        var ids = youth.CaseManagerIds.ToList();
        var people = new List<Person>();
        if (lead)
        {
            ids.AddRange(mentorIds);
            foreach (var role in (string[])[Roles.CaseManager, Roles.Supervisor, Roles.AgencyAdmin])
            {
                people.AddRange(await store.ActiveWithRoleAsync(role, ct));
            }
        }

        people.AddRange(await store.ManyAsync<Person>(Person.Container, ids, ct));
        return people.Where(p => p.Active).DistinctBy(p => p.Id).ToDictionary(p => p.Id, StringComparer.Ordinal);
    }

    /// <summary>The signed-in youth's own referral; a youth without one has no team.</summary>
    public async Task<YouthReferral> MyYouthRecordAsync(CancellationToken ct) =>
        await mentoring.OwnYouthRecordAsync(ct) ?? throw new NotFoundException("team");
}

/// <summary>Other agencies by id: their names, and the partnership in force with each that has one.</summary>
internal sealed record PartnerBook(IReadOnlyDictionary<string, string> Names, IReadOnlyDictionary<string, Partnership> InForce)
{
    public string NameOf(string agencyId) => Names.GetValueOrDefault(agencyId, agencyId);
}
