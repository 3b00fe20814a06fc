using Mediator;
using SurvivorConnect.Api.Features.Teaming.Rules;
using SurvivorConnect.Api.Infrastructure.Errors;
using SurvivorConnect.Api.Infrastructure.Pipeline;
using SurvivorConnect.Storage;

namespace SurvivorConnect.Api.Features.Teaming;

/// <param name="SharedUntil">While shared, when sharing runs out unless renewed: a page naming the youth stops then.</param>
public sealed record SharedSummary(string SeatId, string AgencyName, string? YouthName, IReadOnlyList<RecordKind> Kinds, bool Shared, DateTimeOffset? SharedUntil = null);

/// <param name="SharedUntil">When sharing runs out unless renewed: a page showing the records clears them then.</param>
public sealed record SharedRecordsView(
    string SeatId, string AgencyName, string YouthName, IReadOnlyList<RecordKind> Kinds,
    IReadOnlyList<PlanItem>? CasePlan, SafetyPlanContent? SafetyPlan, IReadOnlyList<MeetingView>? Meetings, DateTimeOffset SharedUntil);

public sealed record ListSharedWithMe : IQuery<IReadOnlyList<SharedSummary>>, IAudited
{
    public AuditTarget Audit => new("shared.list", "team-seat");
}

public sealed record GetSharedRecords(string SeatId) : IQuery<SharedRecordsView>, IAudited
{
    public AuditTarget Audit => new("shared.read", "team-seat", SeatId);
}

/// <summary>
/// What a partner agency's professional sees: the teams of another agency they sit on, and of each, only the kinds
/// of record the partnership and the youth's consent both name, read through <see cref="CrossAgency.OpenSharedAsync"/>
/// on every request. Nothing else of the other agency is reachable from here.
/// </summary>
internal sealed class SharedHandlers(TeamingData data)
    : IQueryHandler<ListSharedWithMe, IReadOnlyList<SharedSummary>>,
      IQueryHandler<GetSharedRecords, SharedRecordsView>
{
    public async ValueTask<IReadOnlyList<SharedSummary>> Handle(ListSharedWithMe query, CancellationToken ct)
    {
        var list = new List<SharedSummary>();
        var seats = await data.Store.AllAsync<TeamSeat>(TeamingData.Container, [Filter.Eq("personId", data.Me)], ct);
        foreach (var seat in seats.Where(s => s.SourceAgencyId != data.AgencyId).OrderBy(s => s.AddedAt))
        {
            try
            {
                var grant = await data.Cross.OpenSharedAsync(seat, CrossAgency.ListAction, ct);
                list.Add(new SharedSummary(seat.Id, seat.SourceAgencyName, await data.Cross.YouthNameAsync(grant, ct), [.. grant.Kinds.Order()], true, grant.Until));
            }
            catch (ForbiddenException)
            {
                list.Add(new SharedSummary(seat.Id, seat.SourceAgencyName, null, [], false));
            }
        }

        return list;
    }

    public async ValueTask<SharedRecordsView> Handle(GetSharedRecords query, CancellationToken ct)
    {
        var seat = await data.Store.FindAsync<TeamSeat>(TeamingData.Container, query.SeatId, ct) is { } s && s.PersonId == data.Me && s.SourceAgencyId != data.AgencyId
            ? s
            : throw new NotFoundException("shared record");
        var grant = await data.Cross.OpenSharedAsync(seat, "shared.read", ct);
        var youthName = await data.Cross.YouthNameAsync(grant, ct);
        // An owner is whatever staff typed (an aunt, another agency's officer): a partner reads what was decided, not
        // who in the youth's life carries it, as meeting actions name supports and other agencies only by their part.
        // What the youth said beside their plans stays with their own team, as their words in meetings do.
        var casePlan = (await data.Cross.SharedCasePlanAsync(grant, ct))?.Select(item => item with { Owner = null, YouthWords = null }).ToList();
        var safetyPlan = await data.Cross.SharedSafetyPlanAsync(grant, ct) is { } shared ? shared with { YouthWords = null } : null;
        IReadOnlyList<MeetingView>? meetings = null;
        if (await data.Cross.SharedMeetingsAsync(grant, ct) is { } held)
        {
            var names = grant.Team.Current.Where(m => m.YouthAgreed).ToDictionary(m => m.Id, m => SharingRules.NameToPartner(m, data.AgencyId, seat.SourceAgencyId, seat.SourceAgencyName));
            names[MemberView.YouthId] = youthName;
            foreach (var lead in held.SelectMany(m => m.Attended.Concat(m.Actions.Select(a => a.OwnerMemberId))).Where(IsLead))
            {
                names[lead] = "The youth's case manager";
            }

            var today = await data.TodayAsync(ct);
            // What the youth said to their own team stays with it, written by them or recorded beside a decision: sharing
            // meeting notes shares what the team decided, not their words. So does whether and how they took part, and how
            // their own actions are going: read by a partner (probation, say), a meeting missed or an action overdue would
            // read as non-compliance, as a stopped service is kept from partners so it never reads as something they failed at.
            var partnersPart = held.Select(m => m with
            {
                Attended = [.. m.Attended.Where(a => a != MemberView.YouthId)],
                YouthParticipation = null,
                Actions = [.. m.Actions.Where(a => a.OwnerMemberId != MemberView.YouthId)],
            });
            // No version: partners change nothing, and one that moved would tell them when the youth wrote to their team.
            meetings = [.. MeetingView.Newest(partnersPart, names, today).Select(m => m with
            {
                Decisions = [.. m.Decisions.Select(d => d with { YouthView = null })], Actions = [.. m.Actions.Select(ForPartner)], YouthViews = null, Version = "",
            })];
        }

        return new SharedRecordsView(seat.Id, seat.SourceAgencyName, youthName, [.. grant.Kinds.Order()], casePlan, safetyPlan, meetings, grant.Until);
    }

    /// <summary>An action as a partner reads it: who owns it by name or part, never a member id of the other agency.</summary>
    private static ActionView ForPartner(ActionView action) => action with { OwnerMemberId = "" };

    private static bool IsLead(string memberId) => memberId.StartsWith(TeamViews.LeadPrefix, StringComparison.Ordinal);
}
