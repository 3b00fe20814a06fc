using Microsoft.Extensions.Caching.Memory;
using SurvivorConnect.Api.Features.Agencies;
using SurvivorConnect.Api.Features.Audit;
using SurvivorConnect.Api.Features.Consent;
using SurvivorConnect.Api.Features.Mentoring;
using SurvivorConnect.Api.Features.Notifications;
using SurvivorConnect.Api.Features.People;
using SurvivorConnect.Api.Features.Teaming.Rules;
using SurvivorConnect.Api.Infrastructure.Auth;
using SurvivorConnect.Api.Infrastructure.Errors;
using SurvivorConnect.Api.Infrastructure.Pipeline;
using SurvivorConnect.Storage;

namespace SurvivorConnect.Api.Features.Teaming;

/// <summary>
/// The only code that touches another agency's records, and only these: an agency's name, its copy of a
/// partnership with the caller's agency, a partner professional's seat and their place on a team (taken off when
/// the partnership ends), and — through <see cref="OpenSharedAsync"/>
/// alone — the records a youth shares with the caller's agency. Every other read and write of teaming goes
/// through the caller's own agency's store.
/// </summary>
internal sealed class CrossAgency(IDocumentStore store, ICurrentUser user, IAuditLog audit, AccessBasis basis, TimeProvider time, IMemoryCache recent, OpenPages pages)
{
    /// <summary>A refusal is written to the youth's agency's log once a minute for the same person, seat and action.</summary>
    private static readonly TimeSpan WrittenOnce = TimeSpan.FromMinutes(1);

    /// <summary>The audit action of a partner's list of the teams shared with them, which shows each youth's name only.</summary>
    public const string ListAction = "shared.list";

    private static ContainerSpec Container => Partnership.Container;

    public async Task<string?> AgencyNameAsync(string agencyId, CancellationToken ct) =>
        PeopleRules.IsValidId(agencyId)
            ? (await store.ReadAsync<Agency>(Agency.Container, agencyId, agencyId, ct))?.Name
            : null;

    /// <summary>The other agency's copy of a partnership the caller's agency holds.</summary>
    public Task<Partnership?> OtherCopyAsync(Partnership mine, CancellationToken ct) =>
        CounterpartAsync(mine, mine.OtherAgencyId(user.AgencyId), ct);

    /// <summary>
    /// The other agency's first copy of a partnership the caller's agency proposes: the same terms, owned by and filed
    /// under that agency. Every write into another agency's records goes in that agency's audit log too, so its admins see
    /// what was written there and by whom.
    /// </summary>
    public async Task<Partnership> CreateOtherCopyAsync(Partnership mine, CancellationToken ct)
    {
        var other = mine.OtherAgencyId(user.AgencyId);
        var created = await store.CreateAsync(Container, mine with { AgencyId = other, PartitionKey = other, ETag = null }, ct);
        await InTheirLogAsync(other, "partnership.proposed-by-partner", "partnership", created.Id);
        return created;
    }

    /// <summary>
    /// A change to the other agency's copy, made from that copy as read (never from the caller's own copy, so a copy
    /// that one side already ended is never brought back by the other).
    /// </summary>
    public async Task<Partnership> ReplaceOtherCopyAsync(Partnership theirs, CancellationToken ct)
    {
        if (theirs.AgencyId == user.AgencyId || theirs.PartitionKey != theirs.AgencyId)
        {
            throw new InvalidOperationException("Only the other agency's own copy is written here.");
        }

        var replaced = await store.ReplaceAsync(Container, theirs, theirs.ETag!, ct);
        await InTheirLogAsync(theirs.AgencyId, "partnership.changed-by-partner", "partnership", theirs.Id);
        return replaced;
    }

    private Task InTheirLogAsync(string agencyId, string action, string recordType, string recordId) =>
        audit.AppendToAsync(agencyId, new AuditEvent(action, recordType, recordId, AuditOutcome.Succeeded), user, CancellationToken.None);

    /// <summary>Both copies of the partnership are current: a change that reached only one side stops sharing.</summary>
    public async Task<bool> BothCurrentAsync(Partnership mine, CancellationToken ct) =>
        mine.IsCurrent(time.GetUtcNow()) && await OtherCopyAsync(mine, ct) is { } other && other.IsCurrent(time.GetUtcNow());

    /// <summary>A seat for a professional of another agency on one of the caller's agency's teams, filed in theirs.</summary>
    public async Task SeatAsync(TeamSeat seat, CancellationToken ct)
    {
        if (seat.SourceAgencyId != user.AgencyId || seat.AgencyId == user.AgencyId || seat.PartitionKey != seat.AgencyId)
        {
            throw new InvalidOperationException("A seat is written only in the professional's own agency, for a team of the caller's.");
        }

        await store.UpsertAsync(Container, seat, ct);
        await InTheirLogAsync(seat.AgencyId, "team-seat.add", "team-seat", seat.Id);
    }

    /// <summary>The seat filed in <paramref name="agencyId"/> for one of the caller's agency's teams, if there is one.</summary>
    public async Task<TeamSeat?> OurSeatAsync(string agencyId, string seatId, CancellationToken ct) =>
        await store.ReadAsync<TeamSeat>(Container, seatId, agencyId, ct) is { } seat && seat.SourceAgencyId == user.AgencyId && seat.AgencyId == agencyId ? seat : null;

    public async Task UnseatAsync(string partnerAgencyId, string seatId, CancellationToken ct)
    {
        if (await store.DeleteAsync(Container, seatId, partnerAgencyId, null, ct))
        {
            await InTheirLogAsync(partnerAgencyId, "team-seat.remove", "team-seat", seatId);
        }
    }

    /// <summary>
    /// Takes the member a seat stands for off the team it is on, whichever of the two agencies keeps that team (a
    /// partnership between them ended, or their agency no longer offers them). A change to the other agency's youth's
    /// team goes in that agency's audit log, saying <paramref name="why"/>.
    /// </summary>
    public async Task TakeOffTeamAsync(TeamSeat seat, string why, CancellationToken ct)
    {
        var teamAgency = seat.SourceAgencyId;
        if (teamAgency != user.AgencyId && seat.AgencyId != user.AgencyId)
        {
            throw new InvalidOperationException("Only a seat of the caller's agency, or on its teams, is taken off here.");
        }

        for (var attempt = 0; attempt < 3; attempt++)
        {
            var team = await store.ReadAsync<Team>(Container, Team.IdFor(seat.YouthId), teamAgency, ct);
            if (team?.Current.FirstOrDefault(m => m.Id == seat.MemberId && m.PersonId == seat.PersonId && m.AgencyId == seat.AgencyId) is not { } member)
            {
                return;
            }

            try
            {
                await store.ReplaceAsync(Container, team.With(member with { RemovedAt = time.GetUtcNow() }), team.ETag!, ct);
                if (teamAgency != user.AgencyId)
                {
                    await audit.AppendToAsync(teamAgency, new AuditEvent("team.remove-member", "team", seat.YouthId, AuditOutcome.Succeeded, Purpose: why), user, CancellationToken.None);
                }

                await pages.RedrawAsync(seat.AgencyId, [seat.PersonId]);
                return;
            }
            catch (StoreException ex) when (ex.Kind == StoreErrorKind.PreconditionFailed)
            {
                // The team changed meanwhile: read it again.
            }
        }

        // Left on the team, the member's seat must stay too, for the end asked again to find and finish.
        throw new StoreException(StoreErrorKind.Unavailable, "A team kept changing while a partner's professional was being taken off it.");
    }

    /// <summary>The seats on the caller's agency's teams of the professionals the other agency offers in a partnership.</summary>
    public async Task<IReadOnlyList<TeamSeat>> SeatsOnOurTeamsAsync(Partnership mine, CancellationToken ct)
    {
        var other = mine.OtherAgencyId(user.AgencyId);
        var seats = new List<TeamSeat>();
        foreach (var person in mine.Professionals.Where(p => p.AgencyId == other).Select(p => p.PersonId).Distinct(StringComparer.Ordinal))
        {
            seats.AddRange((await AllAsync<TeamSeat>(Container, other, [Filter.Eq("personId", person)], ct)).Where(s => s.SourceAgencyId == user.AgencyId));
        }

        return seats;
    }

    /// <summary>
    /// The one gate to a youth's records for a partner agency's professional, checked on every read: the seat is
    /// theirs, they are a current professional member of the youth's team, the partnership is current on both sides,
    /// and the youth's current consent names their agency. What they may read is what both the partnership and
    /// the consent name. Every read is written to the youth's agency's audit log (the caller's own log has it from the
    /// request pipeline), a refusal and a listing once a minute; a refusal is a <see cref="ForbiddenException"/> saying it
    /// is no longer shared.
    /// </summary>
    public async Task<SharedGrant> OpenSharedAsync(TeamSeat seat, string action, CancellationToken ct)
    {
        var source = seat.SourceAgencyId;
        var grant = await GrantAsync(seat, ct);
        if (grant is not null)
        {
            basis.Record(AccessBasis.SharedWithConsent);
        }

        // Every read of records is written; a refusal, and a listing (a name, for each of the partner's seats), once a
        // minute, so a list or a seat whose sharing ended, asked over and over, cannot bury another agency's log, which
        // that agency can neither trim nor stop.
        var once = grant is null || action == ListAction;
        // A listing under a consent given since is written anew.
        var onceKey = (source, user.AgencyId, user.UserId, seat.Id, action, grant?.ConsentId);
        if (!once || !recent.TryGetValue(onceKey, out _))
        {
            await audit.AppendToAsync(source, new AuditEvent(action, "team", seat.YouthId, grant is null ? AuditOutcome.Denied : AuditOutcome.Succeeded, Basis: grant is null ? null : AccessBasis.SharedWithConsent), user, CancellationToken.None);
            if (once)
            {
                recent.Set(onceKey, true, WrittenOnce);
            }
        }

        return grant ?? throw new ForbiddenException("These records are no longer shared with your agency.");
    }

    private async Task<SharedGrant?> GrantAsync(TeamSeat seat, CancellationToken ct)
    {
        var source = seat.SourceAgencyId;
        var me = user.AgencyId;
        var now = time.GetUtcNow();
        if (seat.PersonId != user.UserId || source == me)
        {
            return null;
        }

        var team = await store.ReadAsync<Team>(Container, Team.IdFor(seat.YouthId), source, ct);
        var member = team?.Current.FirstOrDefault(m => m.Id == seat.MemberId && m.PersonId == user.UserId && m.AgencyId == me);
        if (team is null || member is null)
        {
            return null;
        }

        // Both agencies' copies must be in force and both must still offer this professional: a change that reached
        // only one copy fails closed.
        (Partnership Source, Partnership Partner)? copies = null;
        foreach (var candidate in (await AllAsync<Partnership>(Container, source, [], ct)).Where(p => p.OtherAgencyId(source) == me && p.IsCurrent(now)))
        {
            if (await CounterpartAsync(candidate, me, ct) is { } mine && mine.IsCurrent(now))
            {
                copies = (candidate, mine);
                break;
            }
        }

        if (copies is not { } pair || !new[] { pair.Source, pair.Partner }.All(c => c.Professionals.Any(p => p.AgencyId == me && p.PersonId == user.UserId)))
        {
            return null;
        }

        // A member added under an earlier partnership between the two agencies is not one under this: a case manager
        // adds them again, and the youth is told.
        if (member.AddedAt < pair.Source.AcceptedAt)
        {
            return null;
        }

        var toUs = (await AllAsync<ConsentRecord>(ConsentRecord.Container, source, [Filter.Eq("subjectId", seat.YouthId), Filter.Eq("scope", TeamingScopes.MdtSharing)], ct))
            .Where(c => c.PartnerAgencyId == me && c.GrantedAt >= pair.Source.AcceptedAt).ToList();
        var governing = SharingRules.Governing(toUs, pair.Source.AcceptedAt);
        var current = governing is { } consent && consent.IsCurrent(now) ? consent : null;
        var consented = (current?.Kinds ?? [])
            .Select(k => EnumNames.TryParse(k, out RecordKind kind) ? kind : (RecordKind?)null)
            .OfType<RecordKind>();
        var readable = SharingRules.Readable(member.Role, fromPartnerAgency: true, pair.Source.Kinds.Intersect(pair.Partner.Kinds), consented);
        if (readable.Count == 0 || current is null)
        {
            return null;
        }

        var until = new[] { pair.Source.ExpiresAt, pair.Partner.ExpiresAt, current.ExpiresAt ?? DateTimeOffset.MaxValue }.Min();
        return new SharedGrant(team, readable, SharingRules.MeetingsFrom(toUs, current, member.AddedAt), current.Id, until);
    }

    /// <summary>The name the youth goes by, for a professional the youth shares with.</summary>
    public async Task<string> YouthNameAsync(SharedGrant grant, CancellationToken ct) =>
        (await store.ReadAsync<YouthReferral>(YouthReferral.Container, grant.Team.YouthId, grant.Team.AgencyId, ct))?.DisplayName ?? "The youth";

    /// <summary>
    /// The youth's case plan, if the grant names it (null when it does not; empty until written): the items the youth
    /// sees on their own team page, so a stopped service never reads to a partner as something the youth failed at.
    /// </summary>
    public async Task<IReadOnlyList<PlanItem>?> SharedCasePlanAsync(SharedGrant grant, CancellationToken ct) =>
        grant.Kinds.Contains(RecordKind.CasePlan)
            ? [.. ((await store.ReadAsync<CasePlan>(Container, CasePlan.IdFor(grant.Team.YouthId), grant.Team.AgencyId, ct))?.Items ?? []).Where(i => i.Status != PlanItemStatus.Stopped)]
            : null;

    /// <summary>The youth's safety plan, if the grant names it.</summary>
    public async Task<SafetyPlanContent?> SharedSafetyPlanAsync(SharedGrant grant, CancellationToken ct) =>
        grant.Kinds.Contains(RecordKind.SafetyPlan)
            ? (await store.ReadAsync<SafetyPlan>(Container, SafetyPlan.IdFor(grant.Team.YouthId), grant.Team.AgencyId, ct))?.Content ?? SafetyPlanContent.Empty
            : null;

    /// <summary>
    /// The youth's team meetings the grant reaches, if it names meeting notes: scheduled and (once held) held since
    /// the grant's start, as a meeting may be recorded a little before its scheduled time.
    /// </summary>
    public async Task<IReadOnlyList<TeamMeeting>?> SharedMeetingsAsync(SharedGrant grant, CancellationToken ct) =>
        grant.Kinds.Contains(RecordKind.MdtNotes)
            ? [.. (await AllAsync<TeamMeeting>(Container, grant.Team.AgencyId, [Filter.Eq("youthId", grant.Team.YouthId)], ct))
                .Where(m => m.ScheduledFor >= grant.MeetingsFrom && (m.HeldAt is not { } held || held >= grant.MeetingsFrom))]
            : null;

    /// <summary>One agency's copy of a partnership, only if it is that agency's and between the same two agencies.</summary>
    private async Task<Partnership?> CounterpartAsync(Partnership known, string agencyId, CancellationToken ct) =>
        await store.ReadAsync<Partnership>(Container, known.Id, agencyId, ct) is { } copy && copy.AgencyId == agencyId
            && copy.ProposingAgencyId == known.ProposingAgencyId && copy.AcceptingAgencyId == known.AcceptingAgencyId
            ? copy
            : null;

    /// <summary>Every document of a type in one agency's own partition that meets the filters.</summary>
    private async Task<List<T>> AllAsync<T>(ContainerSpec container, string agencyId, IReadOnlyList<Filter> filters, CancellationToken ct)
        where T : Document =>
        [.. (await store.QueryAllAsync<T>(container, agencyId, filters, ct)).Where(d => d.AgencyId == agencyId)];
}

/// <summary>What one partner professional may read of one youth's records, for this one request.</summary>
/// <param name="MeetingsFrom">The first meeting time the grant reaches (see <see cref="SharingRules.MeetingsFrom"/>).</param>
/// <param name="ConsentId">The youth's consent the sharing stands on now.</param>
/// <param name="Until">When sharing runs out unless renewed: the youth's consent, or either agency's copy of the partnership.</param>
internal sealed record SharedGrant(Team Team, IReadOnlySet<RecordKind> Kinds, DateTimeOffset MeetingsFrom, string ConsentId, DateTimeOffset Until);
