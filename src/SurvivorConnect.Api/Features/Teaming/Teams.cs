using System.Globalization;
using Mediator;
using Microsoft.Extensions.Options;
using SurvivorConnect.Api.Features.Chat;
using SurvivorConnect.Api.Features.Consent;
using SurvivorConnect.Api.Features.Mentoring;
using SurvivorConnect.Api.Features.Notifications;
using SurvivorConnect.Api.Features.People;
using SurvivorConnect.Api.Features.Teaming.Rules;
using SurvivorConnect.Api.Infrastructure.Auth;
using SurvivorConnect.Api.Infrastructure.Errors;
using SurvivorConnect.Api.Infrastructure.Pipeline;
using SurvivorConnect.Api.Infrastructure.Tenancy;
using SurvivorConnect.Storage;

namespace SurvivorConnect.Api.Features.Teaming;

/// <summary>Someone to add to a youth's team: a person of the agency, a professional a partner agency offers, or a support the youth names.</summary>
public sealed record MemberRequest(string? Role, string? PersonId, string? AgencyId, string? Name, string? Title)
{
    public const int MaxMembers = 30;

    /// <summary>
    /// Members ever added, those taken off too (kept for the team's history): a team added to and taken from without end
    /// would grow past what the store keeps in one record, and then no one could be taken off it.
    /// </summary>
    public const int MaxMemberRecords = 1000;

    public void Validate(ValidationErrors errors)
    {
        errors.OneOf<TeamRole>("role", Role).Text("personId", PersonId, 128, required: false).Text("agencyId", AgencyId, 128, required: false)
            .Text("name", Name, 60, required: false).Text("title", Title, 80, required: false);
        if (EnumNames.TryParse(Role, out TeamRole role))
        {
            if (role is TeamRole.Youth or TeamRole.Lead)
            {
                errors.Add("role", "The youth and their case managers are always on the team.");
            }
            else if (role == TeamRole.Professional && string.IsNullOrWhiteSpace(PersonId))
            {
                errors.Add("personId", "Choose the professional.");
            }
            else if (role == TeamRole.Support && string.IsNullOrWhiteSpace(PersonId) && string.IsNullOrWhiteSpace(Name))
            {
                errors.Add("name", "Who is the support? A name or what the youth calls them.");
            }
        }
    }
}

public sealed record MemberView(string Id, TeamRole Role, string DisplayName, string? Title, string AgencyId, string AgencyName, bool FromPartner, bool YouthAgreed)
{
    /// <summary>For the lead: on the youth's do-not-match list since they were named, so the youth is not asked about them (see <see cref="TeamViews.KeptFromYouth"/>).</summary>
    public bool KeptFromYouth { get; init; }

    /// <summary>The youth's own place on their team, in attendance and as an action's owner.</summary>
    public const string YouthId = "youth";
}

public sealed record PartnerOption(string AgencyId, string AgencyName, IReadOnlyList<RecordKind> Kinds, IReadOnlyList<OfferedProfessional> Professionals);

/// <summary>
/// A youth's consent to share with a partner agency. <see cref="Current"/>: not withdrawn or expired;
/// <see cref="InForce"/>: also given under the partnership in force with that agency now, so the agency reads it.
/// </summary>
/// <param name="GivenBySubject">Given by the youth themselves: staff can only stop it at their word, never take it back as their own mistake.</param>
public sealed record SharingView(
    string ConsentId, string PartnerAgencyId, string PartnerAgencyName, IReadOnlyList<string> Kinds, bool Current, bool InForce, DateTimeOffset GrantedAt,
    bool GivenBySubject = false);

/// <param name="Stage">
/// The youth's stage of change, for the agency's own team: every adult working with the youth plans with it in mind. A
/// partner agency's professional reads only what the youth shares (<see cref="SharedRecordsView"/>).
/// </param>
public sealed record TeamView(
    string YouthId, string YouthName, bool Formed, TeamRole MyRole, IReadOnlyList<MemberView> Members, IReadOnlyList<PartnerOption> Partners,
    IReadOnlyList<SharingView> Sharing, IReadOnlyList<PersonOption> Colleagues, StageOfChange? Stage = null);

/// <param name="MayBeProfessional">Whether they may join the youth's team as a professional (staff, and neither the youth's mentor nor someone they are not to be matched with).</param>
public sealed record PersonOption(string Id, string DisplayName, IReadOnlyList<string> Roles, bool MayBeProfessional);

public sealed record TeamSummary(string YouthId, string YouthName, TeamRole MyRole, bool Formed);

public sealed record ListMyTeams : IQuery<IReadOnlyList<TeamSummary>>, IAudited
{
    public AuditTarget Audit => new("team.list", "team");
}

public sealed record FormTeam(string YouthId) : ICommand<TeamView>, IAudited
{
    public AuditTarget Audit => new("team.form", "team", YouthId);
}

public sealed record AddTeamMember(string YouthId, MemberRequest Body) : ICommand<TeamView>, IValidate, IAudited
{
    public AuditTarget Audit => new("team.add-member", "team", YouthId);

    public void Validate(ValidationErrors errors) => Body.Validate(errors);
}

public sealed record RemoveTeamMember(string YouthId, string MemberId) : ICommand<TeamView>, IAudited
{
    public AuditTarget Audit => new("team.remove-member", "team", YouthId);
}

public sealed record GetTeam(string YouthId) : IQuery<TeamView>, IAudited
{
    public AuditTarget Audit => new("team.read", "team", YouthId);
}

/// <summary>
/// A youth's multidisciplinary team. The youth and their case managers are members by who they are (never stored,
/// so a hand-over changes the team at once); professionals and supports are added by a case manager. A partner
/// agency's professional must be one that agency offers under a partnership in force, and gets a seat in their own
/// agency that lets them ask — never more — for what the youth shares.
/// </summary>
internal sealed class TeamHandlers(TeamingData data, TeamViews views, Notifier notifier, PartnerNotices partnerNotices, OpenPages pages)
    : ICommandHandler<FormTeam, TeamView>,
      ICommandHandler<AddTeamMember, TeamView>,
      ICommandHandler<RemoveTeamMember, TeamView>,
      IQueryHandler<GetTeam, TeamView>,
      IQueryHandler<ListMyTeams, IReadOnlyList<TeamSummary>>
{
    /// <summary>The youth whose teams the caller leads (their caseload) and the teams of their agency they sit on.</summary>
    public async ValueTask<IReadOnlyList<TeamSummary>> Handle(ListMyTeams query, CancellationToken ct)
    {
        var teams = new List<TeamSummary>();
        foreach (var youth in await data.CaseloadAsync(ct))
        {
            teams.Add(new TeamSummary(youth.Id, youth.DisplayName, TeamRole.Lead, await data.TeamAsync(youth.Id, ct) is not null));
        }

        foreach (var seat in await data.Store.AllAsync<TeamSeat>(TeamingData.Container, [Filter.Eq("personId", data.Me)], ct))
        {
            if (seat.SourceAgencyId == data.AgencyId && teams.All(t => t.YouthId != seat.YouthId))
            {
                try
                {
                    var (youth, team, role) = await data.MemberAsync(seat.YouthId, ct);
                    teams.Add(new TeamSummary(youth.Id, youth.DisplayName, role, team is not null));
                }
                catch (NotFoundException)
                {
                    // A seat left from a team they are no longer on.
                }
            }
        }

        data.Listed.AddYouth(teams.Select(t => t.YouthId));
        return [.. teams.OrderBy(t => t.YouthName, StringComparer.OrdinalIgnoreCase)];
    }

    public async ValueTask<TeamView> Handle(FormTeam command, CancellationToken ct)
    {
        const string Formed = "This youth's team is already formed.";
        var youth = await data.YouthToLeadAsync(command.YouthId, ct);
        if (await data.TeamAsync(youth.Id, ct) is not null)
        {
            throw new ConflictException(Formed);
        }

        try
        {
            await data.Store.CreateAsync(TeamingData.Container, new Team { Id = Team.IdFor(youth.Id), YouthId = youth.Id, FormedAt = data.Now, FormedBy = data.Me, Members = [] }, ct);
        }
        catch (StoreException ex) when (ex.IsAlreadyThere)
        {
            // Formed by another tap, or another case manager, since it was read.
            throw new ConflictException(Formed);
        }

        return await views.ViewAsync(youth.Id, ct);
    }

    public async ValueTask<TeamView> Handle(AddTeamMember command, CancellationToken ct)
    {
        var youth = await data.YouthToLeadAsync(command.YouthId, ct);
        var team = await data.TeamAsync(youth.Id, ct) ?? throw new ConflictException("Form the youth's team first.");
        var body = command.Body;
        var role = EnumNames.Parse<TeamRole>(body.Role);
        var agencyId = string.IsNullOrWhiteSpace(body.AgencyId) ? data.AgencyId : body.AgencyId.Trim();
        var (member, partnershipFrom) = agencyId == data.AgencyId
            ? (await OwnMemberAsync(youth, role, body, ct), DateTimeOffset.MinValue)
            : await PartnerMemberAsync(role, agencyId, body, ct);

        // A partner's professional added under an earlier partnership between the agencies reads nothing under this one
        // (a seat an ended partnership left behind): adding them again takes that seat's place.
        var earlier = member.PersonId is { } personId ? team.Current.Where(m => m.PersonId == personId && m.AgencyId == member.AgencyId).ToList() : [];
        if (earlier.FirstOrDefault(m => m.AddedAt >= partnershipFrom) is { } already)
        {
            // A professional added again (another tap, or a try whose seat or telling failed after the team was saved):
            // what was left undone is done now, so nobody reads unseen by the youth, or is listed but cannot read.
            if (already.Role != TeamRole.Professional || member.Role != TeamRole.Professional)
            {
                throw new ConflictException("They are on the team already.");
            }

            await SeatAndTellAsync(youth, already, again: true, ct);
            return await views.ViewAsync(youth.Id, ct);
        }

        // Someone named as one of the youth's own people is theirs, not staff on their team: a support the youth did not
        // take (or has not answered about) does not come back in another part, with the staff's reading that goes with it.
        if (member.Role == TeamRole.Professional && member.PersonId is { } professional
            && team.Members.Any(m => m.Role == TeamRole.Support && m.PersonId == professional && m.AgencyId == member.AgencyId))
        {
            throw new ConflictException("They were named as one of the youth's supports, so they do not join the team as a professional.");
        }

        if (member.Role == TeamRole.Support && team.Current.Any(m => m.Role == TeamRole.Support && !m.YouthAgreed && SupportRules.NameKey(m.DisplayName) == SupportRules.NameKey(member.DisplayName)))
        {
            throw new ConflictException("The youth has been asked about them already and has not answered yet.");
        }

        if (member.Role == TeamRole.Support && SupportRules.NoStandsUntil(team.Members, member, data.Now) is { } until)
        {
            throw new ConflictException($"The youth said no to them. Talk it through with the youth; they can be asked again from {until.ToString("d MMMM yyyy", CultureInfo.InvariantCulture)}.");
        }

        if (team.Current.Count() - earlier.Count >= MemberRequest.MaxMembers)
        {
            throw new ConflictException($"A team has at most {MemberRequest.MaxMembers} members besides the youth and their case managers.");
        }

        if (team.Members.Count >= MemberRequest.MaxMemberRecords)
        {
            throw new ConflictException($"This team has had {MemberRequest.MaxMemberRecords} members added over time, as many as its history keeps: no one more can be added. Those on it can still be taken off.");
        }

        var members = team.Members.Select(m => earlier.Contains(m) ? m with { RemovedAt = data.Now } : m);
        await data.Store.ReplaceAsync(TeamingData.Container, team with { Members = [.. members, member] }, team.ETag!, ct);
        await SeatAndTellAsync(youth, member, again: false, ct);
        return await views.ViewAsync(youth.Id, ct);
    }

    /// <summary>
    /// Whoever is to hear of a member the team was saved with told, and their seat in their own agency made: the youth
    /// first, since the seat is what a partner reads from. Added <paramref name="again"/> with their seat there already,
    /// only the member's own notice is left to finish.
    /// </summary>
    private async Task SeatAndTellAsync(YouthReferral youth, TeamMember member, bool again, CancellationToken ct)
    {
        var seatId = member.PersonId is { } person ? TeamSeat.IdFor(data.AgencyId, youth.Id, person) : null;
        var fromPartner = member.AgencyId != data.AgencyId;
        var seated = again && seatId is not null
            && (fromPartner ? await data.Cross.OurSeatAsync(member.AgencyId, seatId, ct) : await data.Store.ReadAsync<TeamSeat>(TeamingData.Container, seatId, data.AgencyId, ct))
                is { } existing && existing.MemberId == member.Id;
        if (!seated)
        {
            // Consent is to an agency; the youth hears when one more of its people can read what they share with it. And
            // one more of their own agency's people on their team reads their plans and meetings: the youth is at its centre.
            if (youth.PersonId is { } youthPerson && member.Role == TeamRole.Professional)
            {
                var notice = fromPartner ? Notices.PartnerJoinedYourTeam : Notices.ProfessionalJoinedYourTeam;
                await notifier.SendStandingAsync(youthPerson, notice, $"{notice.Kind}~{member.AgencyId}", member.Id, Notifier.WhileUnread, ct);
            }

            if (seatId is not null)
            {
                var seat = new TeamSeat
                {
                    Id = seatId,
                    PartitionKey = member.AgencyId,
                    AgencyId = member.AgencyId,
                    PersonId = member.PersonId!,
                    SourceAgencyId = data.AgencyId,
                    SourceAgencyName = await data.Cross.AgencyNameAsync(data.AgencyId, ct) ?? data.AgencyId,
                    YouthId = youth.Id,
                    MemberId = member.Id,
                    AddedAt = member.AddedAt,
                };
                await (fromPartner ? data.Cross.SeatAsync(seat, ct) : data.Store.UpsertAsync(TeamingData.Container, seat, ct));
            }
        }

        // A partner's professional taken off and added again (and again) is one notice each while it is unread: the
        // youth's phone is not made to light up at every round. Each is told once for their place on the team.
        var told = (member.Role, fromPartner) switch
        {
            (TeamRole.Support, _) => notifier.SendAsync([youth.PersonId], Notices.SupportToAgree, null, ct),
            (_, false) => notifier.SendOnceAsync(member.PersonId!, Notices.AddedToTeam, $"{Notices.AddedToTeam.Kind}~{member.Id}", ct),
            _ => partnerNotices.ToPersonStandingAsync(member.AgencyId, member.PersonId!, Notices.AddedToPartnerTeam, $"{Notices.AddedToPartnerTeam.Kind}~{data.AgencyId}~{youth.Id}", member.Id, ct),
        };
        await told;
    }

    public async ValueTask<TeamView> Handle(RemoveTeamMember command, CancellationToken ct)
    {
        var youth = await data.YouthToLeadAsync(command.YouthId, ct);
        var team = await data.TeamAsync(youth.Id, ct) ?? throw new NotFoundException("team member");
        if (team.Current.FirstOrDefault(m => m.Id == command.MemberId) is { } member)
        {
            await data.Store.ReplaceAsync(TeamingData.Container, team.With(member with { RemovedAt = data.Now }), team.ETag!, ct);
        }
        else
        {
            // Taken off already (another tap, or a try whose redraw or seat failed after the team was saved): what was
            // left undone is done now, unless they are back on the team since, in the same seat.
            member = team.Members.LastOrDefault(m => m.Id == command.MemberId && m.RemovedAt is not null) ?? throw new NotFoundException("team member");
            if (team.Current.Any(m => m.PersonId is not null && m.PersonId == member.PersonId && m.AgencyId == member.AgencyId))
            {
                return await views.ViewAsync(youth.Id, ct);
            }
        }

        if (member.PersonId is { } seated)
        {
            // A team page or a partner's shared records left open would go on showing the youth's plans: redrawn first
            // (the team as saved already refuses their reads), whatever becomes of the seat.
            await pages.RedrawAsync(member.AgencyId, [seated]);
            var seatId = TeamSeat.IdFor(data.AgencyId, youth.Id, seated);
            await (member.AgencyId == data.AgencyId ? data.Store.DeleteAsync(TeamingData.Container, seatId, data.AgencyId, null, ct) : data.Cross.UnseatAsync(member.AgencyId, seatId, ct));
        }

        return await views.ViewAsync(youth.Id, ct);
    }

    public async ValueTask<TeamView> Handle(GetTeam query, CancellationToken ct)
    {
        var (youth, _, role) = await data.MemberAsync(query.YouthId, ct);
        return role == TeamRole.Youth ? throw new NotFoundException("team") : await views.ViewAsync(youth.Id, ct);
    }

    private async Task<TeamMember> OwnMemberAsync(YouthReferral youth, TeamRole role, MemberRequest body, CancellationToken ct)
    {
        Person? person = null;
        if (body.PersonId is { } personId)
        {
            person = await data.ActivePersonAsync(personId.Trim(), ct);
            var fits = person is not null && !MentoringData.SignInsOf(youth).Contains(person.Id) && !youth.CaseManagerIds.Contains(person.Id) && !person.Roles.Contains(Roles.Youth)
                && (role == TeamRole.Support || person.Roles.Any(Roles.StaffsTeams));
            if (!fits)
            {
                throw new RequestValidationException("personId", "Not a person of your agency who can take that part, or of a partner agency's offered professionals.");
            }

            // Not even as a support the youth is asked about: the list is the youth's safety, not a matter of role.
            if (youth.DoNotMatch.Contains(person!.Id, StringComparer.Ordinal))
            {
                throw new RequestValidationException("personId", "They are on this youth's do-not-match list, so they do not join the team.");
            }

            if (role == TeamRole.Professional && (await data.KeptFromStaffingAsync(youth, ct)).Contains(person.Id))
            {
                throw new RequestValidationException("personId", "They mentor this youth or did, or are not to be matched with them, so they do not join the team as a professional.");
            }
        }

        return new TeamMember(AgencyStore.NewId(), role, person?.Id, data.AgencyId, person?.DisplayName ?? body.Name!.Trim(), ValidationErrors.Optional(body.Title),
            YouthAgreed: role != TeamRole.Support, data.Now, data.Me);
    }

    /// <summary>A partner agency's offered professional as a member, and when the partnership in force began.</summary>
    private async Task<(TeamMember Member, DateTimeOffset PartnershipFrom)> PartnerMemberAsync(TeamRole role, string agencyId, MemberRequest body, CancellationToken ct)
    {
        if (role != TeamRole.Professional)
        {
            throw new RequestValidationException("agencyId", "Only professionals join from a partner agency.");
        }

        var partnership = await data.CurrentPartnershipWithAsync(agencyId, ct)
            ?? throw new RequestValidationException("agencyId", "Your agency has no partnership in force with that agency.");
        var offered = partnership.Professionals.FirstOrDefault(p => p.AgencyId == agencyId && p.PersonId == body.PersonId!.Trim())
            ?? throw new RequestValidationException("personId", "Not a person of your agency, or of a partner agency's offered professionals.");
        return (new TeamMember(AgencyStore.NewId(), role, offered.PersonId, agencyId, offered.DisplayName, ValidationErrors.Optional(body.Title) ?? offered.Title,
            YouthAgreed: true, data.Now, data.Me), partnership.AcceptedAt ?? DateTimeOffset.MinValue);
    }

}

/// <summary>A youth's team as a member within the youth's agency sees it (the lead also sees partners, sharing and colleagues to add).</summary>
internal sealed class TeamViews(TeamingData data, ConsentLookup consents)
{
    /// <summary>How a case manager's member id begins: they are members by who they are, not by a stored member.</summary>
    public const string LeadPrefix = "lead~";

    /// <summary>
    /// A member put on the youth's do-not-match list after they were named: the youth neither sees them on the team nor
    /// is asked about them, while the lead sees them, to take them off.
    /// </summary>
    public static bool KeptFromYouth(YouthReferral youth, TeamMember member) =>
        member.AgencyId == youth.AgencyId && member.PersonId is { } personId && youth.DoNotMatch.Contains(personId, StringComparer.Ordinal);

    public async Task<TeamView> ViewAsync(string youthId, CancellationToken ct)
    {
        var (youth, team, myRole) = await data.MemberAsync(youthId, ct);
        var lead = myRole == TeamRole.Lead;
        var mentors = lead ? await data.MentorsAsync(youth, ct) : ([], []);
        var people = await data.TeamPeopleAsync(youth, lead, mentors.Now, ct);
        var agencyName = await data.Cross.AgencyNameAsync(data.AgencyId, ct) ?? data.AgencyId;
        var members = new List<MemberView> { new(MemberView.YouthId, TeamRole.Youth, youth.DisplayName, null, data.AgencyId, agencyName, false, true) };
        members.AddRange(youth.ActingCaseManagerIds.Select(id => new MemberView(
            LeadPrefix + id, TeamRole.Lead, people.GetValueOrDefault(id)?.DisplayName ?? "A case manager", "Case manager", data.AgencyId, agencyName, false, true)));
        var book = await data.PartnerBookAsync(null, ct);
        // A support counts once the youth agrees: until then only the youth (asked) and their lead see who was named.
        foreach (var m in (team?.Current ?? []).Where(m => (m.YouthAgreed || myRole is TeamRole.Lead or TeamRole.Youth) && !(myRole == TeamRole.Youth && KeptFromYouth(youth, m))))
        {
            var fromPartner = m.AgencyId != data.AgencyId;
            members.Add(new MemberView(m.Id, m.Role, m.DisplayName, m.Title, m.AgencyId, fromPartner ? book.NameOf(m.AgencyId) : agencyName, fromPartner, m.YouthAgreed)
            {
                KeptFromYouth = lead && KeptFromYouth(youth, m),
            });
        }

        var partners = lead
            ? book.InForce.Select(p => new PartnerOption(p.Key, book.NameOf(p.Key), p.Value.Kinds, [.. p.Value.Professionals.Where(o => o.AgencyId == p.Key)])).ToList()
            : [];
        var sharing = lead ? await SharingAsync(youth.Id, youth.PersonId, currentOnly: false, book, ct) : [];
        var keptFromStaffing = TeamingData.KeptFromStaffing(youth, mentors.NowOrBefore);
        var colleagues = lead
            ? people.Values.Where(p => !MentoringData.SignInsOf(youth).Contains(p.Id) && !youth.CaseManagerIds.Contains(p.Id) && !p.Roles.Contains(Roles.Youth) && !youth.DoNotMatch.Contains(p.Id, StringComparer.Ordinal))
                .OrderBy(p => p.DisplayName, StringComparer.OrdinalIgnoreCase)
                .Select(p => new PersonOption(p.Id, p.DisplayName, p.Roles, MayBeProfessional: p.Roles.Any(Roles.StaffsTeams) && !keptFromStaffing.Contains(p.Id))).ToList()
            : [];
        return new TeamView(youth.Id, youth.DisplayName, team is not null, myRole, members, partners, sharing, colleagues, youth.Stage);
    }

    /// <summary>A youth's consents to share with partner agencies, newest first, each saying whether the agency reads it now.</summary>
    public async Task<IReadOnlyList<SharingView>> SharingAsync(string youthId, string? youthSignIn, bool currentOnly, PartnerBook book, CancellationToken ct)
    {
        var all = await consents.AllAsync(youthId, TeamingScopes.MdtSharing, ct);
        bool ReadNow(ConsentRecord c) =>
            c.IsCurrent(data.Now) && book.InForce.GetValueOrDefault(c.PartnerAgencyId!) is { } partnership
            && SharingRules.Governing(all.Where(o => o.PartnerAgencyId == c.PartnerAgencyId), partnership.AcceptedAt)?.Id == c.Id;
        return [.. all
            .Where(c => !currentOnly || c.IsCurrent(data.Now))
            .OrderByDescending(c => c.GrantedAt)
            .Select(c => new SharingView(c.Id, c.PartnerAgencyId!, book.NameOf(c.PartnerAgencyId!), c.Kinds, c.IsCurrent(data.Now), ReadNow(c), c.GrantedAt, c.GivenByThemselves(youthSignIn)))];
    }
}
