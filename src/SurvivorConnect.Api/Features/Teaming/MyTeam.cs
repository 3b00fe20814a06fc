using Mediator;
using SurvivorConnect.Api.Features.Agencies;
using SurvivorConnect.Api.Features.Chat;
using SurvivorConnect.Api.Features.Consent;
using SurvivorConnect.Api.Features.Mentoring;
using SurvivorConnect.Api.Features.Notifications;
using SurvivorConnect.Api.Features.Teaming.Rules;
using SurvivorConnect.Api.Infrastructure.Auth;
using SurvivorConnect.Api.Infrastructure.Errors;
using SurvivorConnect.Api.Infrastructure.Pipeline;
using SurvivorConnect.Storage;

namespace SurvivorConnect.Api.Features.Teaming;

/// <param name="YouthId">The youth's record, which their own consents are about.</param>
/// <param name="ShareWith">
/// The partner agencies, in force now, with a professional on the youth's team, and what each partnership lets the youth
/// share: the youth shares with them themselves, again after stopping too (a no of their own is theirs to undo).
/// </param>
/// <param name="SaidNoTo">
/// Supports the youth said no to, or took off their team, lately: while that no stands (nobody may ask them again), it is
/// theirs alone to take back, so a mis-tap, or a change of heart, does not cost them someone for a month.
/// </param>
public sealed record MyTeamView(
    string YouthName, bool Formed, IReadOnlyList<MemberView> Members, IReadOnlyList<MemberView> SupportsToConfirm, IReadOnlyList<PlanItem> Plan,
    IReadOnlyList<MyMeetingView> Meetings, IReadOnlyList<SharingView> Sharing, string YouthId, IReadOnlyList<PartnerOption> ShareWith,
    IReadOnlyList<SaidNoView> SaidNoTo);

/// <param name="Until">When the no stops standing, and the lead may ask the youth about them again.</param>
public sealed record SaidNoView(string Id, string DisplayName, DateTimeOffset Until);

/// <summary>
/// A team meeting as its youth reads it: when, what about, whether they came and who else did, what was decided with
/// their view, and who does what. Not the professionals' notes, written for the team and its partners, and no member's
/// id. The youth is found by their place on the team, not by name: another member may share it.
/// </summary>
/// <param name="YourViews">What the youth sent the team for this meeting, from the sign-in they use now.</param>
/// <param name="TakesViews">The meeting is still to come: views may be sent or changed until it begins.</param>
/// <param name="Version">The meeting's version, so views sent from an older page do not overwrite newer ones.</param>
/// <param name="Cancelled">The meeting was called off.</param>
public sealed record MyMeetingView(
    string Id, DateTimeOffset ScheduledFor, IReadOnlyList<string> Agenda, bool Held, bool YouCame, IReadOnlyList<string> OthersWhoCame,
    IReadOnlyList<Decision> Decisions, IReadOnlyList<MyActionView> Actions, string? YourViews = null, string Version = "", bool TakesViews = false, bool Cancelled = false)
{
    public static MyMeetingView From(TeamMeeting m, IReadOnlyDictionary<string, string> names, string? youthSignIn, DateTimeOffset now) => new(
        m.Id, m.ScheduledFor, m.Agenda, m.HeldAt is not null, m.Attended.Contains(MemberView.YouthId),
        [.. m.Attended.Where(a => a != MemberView.YouthId).Select(a => MeetingView.NameOf(a, names))], m.Decisions,
        [.. m.Actions.Select(a => new MyActionView(a.Text, a.OwnerMemberId == MemberView.YouthId ? null : MeetingView.NameOf(a.OwnerMemberId, names), a.DoneAt is not null))],
        MeetingView.YouthViewsOf(m, youthSignIn), m.ETag ?? "", MeetingRules.IsStillToHold(m) && m.ScheduledFor > now, m.CancelledAt is not null);
}

/// <summary>One action of a meeting; <see cref="Owner"/> is null for the youth's own. No due date, which would read as missed.</summary>
public sealed record MyActionView(string Text, string? Owner, bool Done);

public sealed record MySafetyPlanView(SafetyPlanContent Plan, IReadOnlyList<CrisisResource> CrisisResources);

public sealed record GetMyTeam : IQuery<MyTeamView>, IAudited
{
    public AuditTarget Audit => new("team.read-own", "team");
}

public sealed record GetMySafetyPlan : IQuery<MySafetyPlanView>, IAudited
{
    public AuditTarget Audit => new("safety-plan.read-own", "team");
}

public sealed record RespondToSupport(string MemberId, bool Agree) : ICommand<MyTeamView>, IAudited
{
    public AuditTarget Audit => new(Agree ? "team.support-agreed" : "team.support-declined", "team-member", MemberId);
}

/// <summary>The youth takes back a no of theirs to a support (<see cref="MyTeamView.SaidNoTo"/>): they are on the team again.</summary>
public sealed record PutSupportBack(string MemberId) : ICommand<MyTeamView>, IAudited
{
    public AuditTarget Audit => new("team.support-put-back", "team-member", MemberId);
}

public sealed record MyViewsRequest(string? Views);

/// <summary>
/// The youth tells their team, in their own words, what they want it to know at a meeting still to be held: whether
/// or not they come, their voice is in the room. Empty takes it back.
/// </summary>
public sealed record SendMyViewsToMeeting(string MeetingId, MyViewsRequest Body, string? IfMatch) : ICommand<MyTeamView>, IValidate, IAudited
{
    public AuditTarget Audit => new("team-meeting.youth-views", "team-meeting", MeetingId);

    public void Validate(ValidationErrors errors) => errors.Prose("views", Body.Views, 1000, required: false);
}

/// <summary>
/// The youth's own view: their team, their plan in plain words, their safety plan (with the crisis lines), what they
/// share with which agency (they stop sharing by withdrawing that consent), and the supports waiting for their yes.
/// </summary>
internal sealed class MyTeamHandlers(TeamingData data, TeamViews teams, CrisisLineDirectory crisisLines, Notifier notifier)
    : IQueryHandler<GetMyTeam, MyTeamView>,
      IQueryHandler<GetMySafetyPlan, MySafetyPlanView>,
      ICommandHandler<RespondToSupport, MyTeamView>,
      ICommandHandler<PutSupportBack, MyTeamView>,
      ICommandHandler<SendMyViewsToMeeting, MyTeamView>
{
    public async ValueTask<MyTeamView> Handle(GetMyTeam query, CancellationToken ct)
    {
        var youth = await data.MyYouthRecordAsync(ct);
        return await ViewAsync(youth, ct);
    }

    public async ValueTask<MySafetyPlanView> Handle(GetMySafetyPlan query, CancellationToken ct)
    {
        var youth = await data.MyYouthRecordAsync(ct);
        var (_, safetyPlan) = await PlanHandlers.PlansAsync(data.Store, youth.Id, ct);
        return new MySafetyPlanView(safetyPlan, await crisisLines.ForMyAgencyAsync(ct));
    }

    public async ValueTask<MyTeamView> Handle(RespondToSupport command, CancellationToken ct)
    {
        var youth = await data.MyYouthRecordAsync(ct);
        var team = await data.TeamAsync(youth.Id, ct) ?? throw new NotFoundException("team member");
        // One named before they were put on the youth's do-not-match list is not asked about (Teams.ViewAsync).
        var member = team.Current.FirstOrDefault(m => m.Id == command.MemberId && m.Role == TeamRole.Support && !TeamViews.KeptFromYouth(youth, m))
            ?? throw new NotFoundException("team member");
        var changed = command.Agree ? member with { YouthAgreed = true } : member with { RemovedAt = data.Now, DeclinedAt = data.Now };
        await data.Store.ReplaceAsync(TeamingData.Container, team.With(changed), team.ETag!, ct);
        return await ViewAsync(youth, ct);
    }

    public async ValueTask<MyTeamView> Handle(PutSupportBack command, CancellationToken ct)
    {
        var youth = await data.MyYouthRecordAsync(ct);
        var team = await data.TeamAsync(youth.Id, ct) ?? throw new NotFoundException("team member");
        var now = data.Now;
        var member = SaidNoTo(youth, team, now).FirstOrDefault(m => m.Id == command.MemberId) ?? throw new NotFoundException("team member");
        if (team.Current.Count() >= MemberRequest.MaxMembers)
        {
            throw new ConflictException("Your team is full just now. Ask your case manager to make room.");
        }

        // Someone with a sign-in here joins only as the lead would have them join: still active, not the youth's case
        // manager, a sign-in of their own from before, nor a youth served here.
        if (member.PersonId is { } personId && (await data.ActivePersonAsync(personId, ct) is not { } person
            || youth.CaseManagerIds.Contains(person.Id) || MentoringData.SignInsOf(youth).Contains(person.Id) || person.Roles.Contains(Roles.Youth)))
        {
            throw new ConflictException("They can't be put back on your team now. Your case manager can tell you more.");
        }

        await data.Store.ReplaceAsync(TeamingData.Container, team.With(member with { RemovedAt = null, DeclinedAt = null, YouthAgreed = true }), team.ETag!, ct);

        // The lead hears of it at once: a no may have been the youth's safety, and a yes taken back under pressure. One
        // notice while unread, however often the phone takes someone off and puts them back: it cannot bury urgent news.
        foreach (var lead in youth.ActingCaseManagerIds)
        {
            await notifier.SendStandingAsync(lead, Notices.SupportPutBack, $"support-put-back~{youth.Id}", $"{member.Id}~{now.UtcTicks}", Notifier.WhileUnread, ct);
        }

        return await ViewAsync(youth, ct);
    }

    /// <summary>
    /// The supports whose latest no from the youth still stands, one each, and who are not on the team again; never one put on
    /// the youth's do-not-match list since.
    /// </summary>
    private static IEnumerable<TeamMember> SaidNoTo(YouthReferral youth, Team team, DateTimeOffset now) =>
        team.Members.Where(m => m is { Role: TeamRole.Support, RemovedAt: not null, DeclinedAt: not null } && !TeamViews.KeptFromYouth(youth, m)
                && !team.Current.Any(c => SupportRules.SamePerson(c, m)) && SupportRules.NoStandsUntil(team.Members, m, now) is not null)
            .GroupBy(m => SupportRules.NameKey(m.DisplayName))
            .Select(same => same.MaxBy(m => m.DeclinedAt)!);

    public async ValueTask<MyTeamView> Handle(SendMyViewsToMeeting command, CancellationToken ct)
    {
        var youth = await data.MyYouthRecordAsync(ct);
        var meeting = await data.Store.FindAsync<TeamMeeting>(TeamingData.Container, command.MeetingId, ct) is { } m && m.YouthId == youth.Id
            ? m : throw new NotFoundException("meeting");
        // Views reach the team before it meets: afterwards they would read as said beforehand.
        if (meeting.HeldAt is not null || meeting.ScheduledFor <= data.Now)
        {
            throw new ConflictException("This meeting has begun or been held. Tell your case manager, or send your views for the next meeting.");
        }

        if (meeting.CancelledAt is not null)
        {
            throw new ConflictException("This meeting was cancelled. Your case manager can tell you more, and you can send your views for the next one.");
        }

        var ifMatch = command.IfMatch ?? throw new PreconditionRequiredException();
        var views = ValidationErrors.Optional(command.Body.Views);
        await data.Store.ReplaceAsync(TeamingData.Container, meeting with { YouthViews = views, YouthViewsBy = views is null ? null : data.Me }, ifMatch, ct);
        return await ViewAsync(youth, ct);
    }

    private async Task<MyTeamView> ViewAsync(YouthReferral youth, CancellationToken ct)
    {
        var youthId = youth.Id;
        var now = data.Now;
        var saidNoTo = await data.TeamAsync(youthId, ct) is { } stored
            ? [.. SaidNoTo(youth, stored, now).Select(m => new SaidNoView(m.Id, m.DisplayName, SupportRules.NoStandsUntil(stored.Members, m, now)!.Value))]
            : new List<SaidNoView>();
        var team = await teams.ViewAsync(youthId, ct);
        var (plan, _) = await PlanHandlers.PlansAsync(data.Store, youthId, ct);
        var book = await data.PartnerBookAsync(null, ct);
        var sharing = await teams.SharingAsync(youthId, data.Me, currentOnly: true, book, ct);
        var names = team.Members.ToDictionary(m => m.Id, m => m.DisplayName);
        var onTeam = team.Members.Where(m => m.FromPartner).Select(m => m.AgencyId).ToHashSet(StringComparer.Ordinal);
        var shareWith = book.InForce.Where(p => onTeam.Contains(p.Key)).Select(p => new PartnerOption(p.Key, book.NameOf(p.Key), p.Value.Kinds, [])).ToList();
        return new MyTeamView(team.YouthName, team.Formed, [.. team.Members.Where(m => m.YouthAgreed)], [.. team.Members.Where(m => !m.YouthAgreed)],
            [.. plan.Where(i => i.Status != PlanItemStatus.Stopped)], [.. (await data.MeetingsOfAsync(youthId, ct)).Select(m => MyMeetingView.From(m, names, data.Me, data.Now))], sharing,
            youthId, shareWith, saidNoTo);
    }
}

/// <summary>
/// A youth hears when someone else records their consent to share with a partner agency, so a consent they never
/// gave is seen, and stopped, by the one person who can say so.
/// </summary>
internal sealed class SharingConsentRecorded(MentoringData mentoring, Notifier notifier) : INotificationHandler<ConsentChanged>
{
    public async ValueTask Handle(ConsentChanged notification, CancellationToken ct)
    {
        var consent = notification.Consent;
        if (consent.Scope != TeamingScopes.MdtSharing || consent.RevokedAt is not null)
        {
            return;
        }

        // Once for the consent: a yes sent again (after its telling failed) is the same yes.
        if (await mentoring.FindAsync<YouthReferral>(YouthReferral.Container, consent.SubjectId, ct) is { PersonId: { } person } && person != consent.RecordedBy)
        {
            await notifier.SendOnceAsync(person, Notices.SharingRecordedForYou, $"sharing-recorded~{consent.Id}", ct);
        }
    }
}

/// <summary>
/// Sharing with a partner agency stopped (by the youth, or recorded in error): the open pages of that agency's people on
/// the youth's team are drawn again, so shared records left on a screen go with the consent.
/// </summary>
internal sealed class SharingStoppedHandler(TeamingData data, OpenPages pages) : INotificationHandler<ConsentChanged>
{
    public async ValueTask Handle(ConsentChanged notification, CancellationToken ct)
    {
        var consent = notification.Consent;
        if (consent is not { Scope: TeamingScopes.MdtSharing, RevokedAt: not null, PartnerAgencyId: { } partner } || await data.TeamAsync(consent.SubjectId, ct) is not { } team)
        {
            return;
        }

        await pages.RedrawAsync(partner, team.Members.Where(m => m.AgencyId == partner && m.PersonId is not null).Select(m => m.PersonId!));
    }
}

/// <summary>
/// A youth given a sign-in hears of sharing with a partner agency that they did not agree to from it: recorded for them
/// by staff, as they would have heard it had they had a sign-in, or given from their earlier sign-in, which may have
/// been in someone else's hands.
/// </summary>
internal sealed class SharingForYouthOnSignIn(MentoringData mentoring, Notifier notifier) : INotificationHandler<YouthSignInLinked>
{
    public async ValueTask Handle(YouthSignInLinked notification, CancellationToken ct)
    {
        var youth = notification.Youth;
        if (youth.PersonId is not { } person)
        {
            return;
        }

        var sharing = (await mentoring.AllAsync<ConsentRecord>(ConsentRecord.Container, [Filter.Eq("subjectId", youth.Id), Filter.Eq("scope", TeamingScopes.MdtSharing)], ct))
            .Where(c => c.IsCurrent(mentoring.Now) && c.RecordedBy != person).ToList();
        if (sharing.Any(c => c.RecordedBy != notification.PreviousPersonId))
        {
            await notifier.SendOnceAsync(person, Notices.SharingRecordedForYou, $"sharing-recorded~{youth.Id}", ct);
        }

        if (sharing.Any(c => c.RecordedBy == notification.PreviousPersonId))
        {
            await notifier.SendOnceAsync(person, Notices.SharingGivenUnderEarlierSignIn, $"sharing-earlier~{youth.Id}", ct);
        }
    }
}
