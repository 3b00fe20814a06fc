using Mediator;
using SurvivorConnect.Api.Features.Notifications;
using SurvivorConnect.Api.Features.Teaming.Rules;
using SurvivorConnect.Api.Infrastructure.Errors;
using SurvivorConnect.Api.Infrastructure.Pipeline;
using SurvivorConnect.Api.Infrastructure.Tenancy;
using SurvivorConnect.Storage;

namespace SurvivorConnect.Api.Features.Teaming;

/// <param name="RequestId">The client's own id for this request (1 to 64 letters, digits, - and _): sent again, it schedules one meeting.</param>
public sealed record MeetingRequest(DateTimeOffset? ScheduledFor, string[]? Agenda, string? RequestId = null)
{
    public void Validate(ValidationErrors errors)
    {
        if (RequestId is not null && !ClientIds.IsValid(RequestId))
        {
            errors.Add("requestId", "1 to 64 letters, digits, - and _.");
        }

        if (ScheduledFor is null)
        {
            errors.Add("scheduledFor", "Required.");
        }

        if (Agenda is not { Length: > 0 and <= ValidationErrors.MaxListItems })
        {
            errors.Add("agenda", $"One to {ValidationErrors.MaxListItems} items.");
        }

        foreach (var item in Agenda ?? [])
        {
            errors.Text("agenda", item, 200);
        }
    }
}

public sealed record DecisionRequest(string? Text, string? YouthView);

public sealed record ActionRequest(string? Text, string? OwnerMemberId, DateOnly? Due);

public sealed record MeetingRecordRequest(string[]? Attended, string? YouthParticipation, DecisionRequest[]? Decisions, ActionRequest[]? Actions, string? Notes)
{
    public void Validate(ValidationErrors errors)
    {
        errors.OneOf<YouthParticipation>("youthParticipation", YouthParticipation).Prose("notes", Notes, 4000, required: false);
        if (Attended is { Length: > 50 } || Decisions is { Length: > ValidationErrors.MaxListItems } || Actions is { Length: > ValidationErrors.MaxListItems })
        {
            errors.Add("actions", $"At most {ValidationErrors.MaxListItems} decisions and actions, and 50 attendees.");
        }

        foreach (var d in Decisions ?? [])
        {
            if (string.IsNullOrWhiteSpace(d?.Text))
            {
                // The youth's view is kept with what it is a view of: written alone, it would be saved as nothing.
                errors.Add("decisions", "Write what was decided beside each view of the youth's.");
            }

            errors.Text("decisions", d?.Text, 500, required: false).Text("decisions", d?.YouthView, 1000, required: false);
        }

        foreach (var a in Actions ?? [])
        {
            if (string.IsNullOrWhiteSpace(a?.OwnerMemberId))
            {
                errors.Add("actions", "Choose who does each action.");
            }

            errors.Text("actions", a?.Text, 300).Text("actions", a?.OwnerMemberId, 160, required: false);
            if (a?.Due is null)
            {
                errors.Add("actions", "Each action has a due date.");
            }

            TeamingValidation.Due(errors, "actions", a?.Due);
        }
    }
}

/// <param name="YouthViews">What the youth sent the team before the meeting, in their own words.</param>
/// <param name="CancelledAt">When the meeting was called off, if it was.</param>
/// <param name="Version">The meeting's version, so a change or cancellation made from an older page does not undo a newer one.</param>
public sealed record MeetingView(
    string Id, DateTimeOffset ScheduledFor, IReadOnlyList<string> Agenda, bool Held, IReadOnlyList<string> Attended, YouthParticipation? YouthParticipation,
    IReadOnlyList<Decision> Decisions, IReadOnlyList<ActionView> Actions, string? Notes, string? YouthViews = null, DateTimeOffset? CancelledAt = null, string Version = "")
{
    public static IReadOnlyList<MeetingView> Newest(IEnumerable<TeamMeeting> meetings, IReadOnlyDictionary<string, string> names, DateOnly today) =>
        [.. meetings.OrderByDescending(m => m.ScheduledFor).Select(m => From(m, names, today))];

    /// <param name="youthSignIn">The youth's sign-in now: views sent from another are not shown as theirs.</param>
    public static MeetingView From(TeamMeeting m, IReadOnlyDictionary<string, string> names, DateOnly today, string? youthSignIn = null) => new(
        m.Id, m.ScheduledFor, m.Agenda, m.HeldAt is not null, [.. m.Attended.Select(a => NameOf(a, names))], m.YouthParticipation,
        m.Decisions, [.. m.Actions.Select(a => ActionView.From(m, a, names, today))], m.Notes, YouthViewsOf(m, youthSignIn), m.CancelledAt, m.ETag ?? "");

    /// <summary>The views the youth sent, only while the sign-in that sent them is still the youth's.</summary>
    public static string? YouthViewsOf(TeamMeeting m, string? youthSignIn) =>
        m.YouthViews is { } views && youthSignIn is not null && m.YouthViewsBy == youthSignIn ? views : null;

    /// <summary>A member's name now; someone since removed from the team is not named.</summary>
    public static string NameOf(string memberId, IReadOnlyDictionary<string, string> names) => names.GetValueOrDefault(memberId, "A former member");
}

public sealed record ActionView(string MeetingId, string Id, string Text, string OwnerMemberId, string Owner, DateOnly Due, bool Done, bool Overdue, string? YouthId = null, string? YouthName = null)
{
    public static ActionView From(TeamMeeting m, MeetingAction a, IReadOnlyDictionary<string, string> names, DateOnly today) =>
        new(m.Id, a.Id, a.Text, a.OwnerMemberId, MeetingView.NameOf(a.OwnerMemberId, names), a.Due, a.DoneAt is not null, MeetingRules.IsOverdue(a, today));
}

public sealed record MeetingsView(string YouthId, string YouthName, bool MayEdit, IReadOnlyList<MemberView> Members, IReadOnlyList<MeetingView> Meetings);

/// <param name="MeetingId">The id the form was made with, so a second tap of it schedules one meeting; new if not given.</param>
public sealed record ScheduleMeeting(string YouthId, MeetingRequest Body, string? MeetingId = null) : ICommand<MeetingsView>, IValidate, IAudited
{
    public AuditTarget Audit => new("team-meeting.schedule", "team", YouthId);

    public void Validate(ValidationErrors errors) => Body.Validate(errors);
}

public sealed record RecordMeeting(string YouthId, string MeetingId, MeetingRecordRequest Body, string? IfMatch) : ICommand<MeetingsView>, IValidate, IAudited
{
    public AuditTarget Audit => new("team-meeting.record", "team", YouthId);

    public void Validate(ValidationErrors errors) => Body.Validate(errors);
}

/// <summary>Moves a meeting not yet held, or changes its agenda; the youth hears of it if it is still to come.</summary>
public sealed record ChangeMeeting(string YouthId, string MeetingId, MeetingRequest Body, string? IfMatch) : ICommand<MeetingsView>, IValidate, IAudited
{
    public AuditTarget Audit => new("team-meeting.change", "team", YouthId);

    public void Validate(ValidationErrors errors) => Body.Validate(errors);
}

/// <summary>Calls off a meeting not yet held; the youth hears of it if it was still to come.</summary>
public sealed record CancelMeeting(string YouthId, string MeetingId, string? IfMatch) : ICommand<MeetingsView>, IAudited
{
    public AuditTarget Audit => new("team-meeting.cancel", "team", YouthId);
}

public sealed record CompleteMeetingAction(string YouthId, string MeetingId, string ActionId) : ICommand<MeetingsView>, IAudited
{
    public AuditTarget Audit => new("team-meeting.complete-action", "team", YouthId);
}

public sealed record GetMeetings(string YouthId) : IQuery<MeetingsView>, IAudited
{
    public AuditTarget Audit => new("team-meeting.list", "team", YouthId);
}

public sealed record ListOverdueActions : IQuery<IReadOnlyList<ActionView>>, IAudited
{
    public AuditTarget Audit => new("team-meeting.overdue", "team");
}

/// <summary>
/// Team meetings: a case manager of the youth schedules them with an agenda, moves or cancels them until they are
/// held, then records who came, how the youth took part, the decisions with the youth's view, and actions with owners
/// and due dates. Overdue actions reach the case manager's list of teams.
/// </summary>
internal sealed class MeetingHandlers(TeamingData data, TeamViews teams, Notifier notifier)
    : ICommandHandler<ScheduleMeeting, MeetingsView>,
      ICommandHandler<RecordMeeting, MeetingsView>,
      ICommandHandler<ChangeMeeting, MeetingsView>,
      ICommandHandler<CancelMeeting, MeetingsView>,
      ICommandHandler<CompleteMeetingAction, MeetingsView>,
      IQueryHandler<GetMeetings, MeetingsView>,
      IQueryHandler<ListOverdueActions, IReadOnlyList<ActionView>>
{
    public async ValueTask<MeetingsView> Handle(ScheduleMeeting command, CancellationToken ct)
    {
        var youth = await data.YouthToLeadAsync(command.YouthId, ct);
        _ = await data.TeamAsync(youth.Id, ct) ?? throw new ConflictException("Form the youth's team first.");
        var at = WithinReach(command.Body);
        var id = command.MeetingId is { } given ? TeamMeeting.IdFor(youth.Id, given) : AgencyStore.NewId();
        try
        {
            await data.Store.CreateAsync(TeamingData.Container, new TeamMeeting
            {
                Id = id, YouthId = youth.Id, ScheduledFor = at, ScheduledBy = data.Me,
                Agenda = AgendaOf(command.Body),
            }, ct);
        }
        catch (StoreException ex) when (ex.IsAlreadyThere)
        {
            // The same form sent again (a second tap, a resend on a slow network): it is scheduled once. Sent again with
            // another time or agenda, it would be answered as scheduled with neither: that is a change, made by moving it.
            var sentBefore = await data.Store.ReadAsync<TeamMeeting>(TeamingData.Container, id, data.AgencyId, ct);
            if (sentBefore is null || sentBefore.ScheduledFor != at || !sentBefore.Agenda.SequenceEqual(AgendaOf(command.Body)))
            {
                throw new ConflictException("This meeting was scheduled already. To change its time or agenda, change the meeting.");
            }
        }

        // The youth is at the centre of their team: they hear of a meeting to come, and may send it their views.
        if (youth.PersonId is { } person && at > data.Now)
        {
            await notifier.SendOnceAsync(person, Notices.TeamMeetingScheduled, $"team-meeting~{id}", ct);
        }

        return await ViewAsync(youth.Id, ct);
    }

    public async ValueTask<MeetingsView> Handle(RecordMeeting command, CancellationToken ct)
    {
        var youth = await data.YouthToLeadAsync(command.YouthId, ct);
        var meeting = await MeetingAsync(youth.Id, command.MeetingId, ct);
        if (meeting.HeldAt is not null)
        {
            throw new ConflictException("This meeting is already recorded, and its record is kept as it was. Note anything new at the next meeting.");
        }

        if (meeting.CancelledAt is not null)
        {
            throw new ConflictException(CancelledAlready);
        }

        // Recorded on the meeting as the lead last read it: views the youth sent since, or a move or new agenda, are read first.
        var ifMatch = command.IfMatch ?? throw new PreconditionRequiredException();

        // A support the youth has not yet agreed to is not on the team: not at its meetings, and not owning its actions; nor
        // is someone put on the youth's do-not-match list since they were named, whom the youth would see there.
        var members = (await teams.ViewAsync(youth.Id, ct)).Members.Where(m => m.YouthAgreed && !m.KeptFromYouth).Select(m => m.Id).ToHashSet(StringComparer.Ordinal);
        var body = command.Body;
        if (body.Attended?.Any(a => !members.Contains(a)) == true || body.Actions?.Any(a => !members.Contains(a.OwnerMemberId!)) == true)
        {
            throw new RequestValidationException("attended", "Attendees and action owners are members of the team.");
        }

        if (!MeetingRules.MayBeRecorded(meeting.ScheduledFor, data.Now))
        {
            throw new ConflictException("This meeting is still to come. Record it once it has been held; for one held at another time, schedule it at that time and record that.");
        }

        var actions = (body.Actions ?? []).Select(a => new MeetingAction(AgencyStore.NewId(), a.Text!.Trim(), a.OwnerMemberId!, a.Due!.Value)).ToList();
        await data.Store.ReplaceAsync(TeamingData.Container, meeting with
        {
            HeldAt = data.Now,
            Attended = [.. (body.Attended ?? []).Distinct()],
            YouthParticipation = EnumNames.Parse<YouthParticipation>(body.YouthParticipation),
            Decisions = [.. (body.Decisions ?? []).Select(d => new Decision(d.Text!.Trim(), ValidationErrors.Optional(d.YouthView)))],
            Actions = actions,
            Notes = ValidationErrors.Optional(body.Notes),
            HasOpenActions = actions.Count > 0,
        }, ifMatch, ct);
        return await ViewAsync(youth.Id, ct);
    }

    public async ValueTask<MeetingsView> Handle(ChangeMeeting command, CancellationToken ct)
    {
        var youth = await data.YouthToLeadAsync(command.YouthId, ct);
        var meeting = await MeetingAsync(youth.Id, command.MeetingId, ct);
        var ifMatch = command.IfMatch ?? throw new PreconditionRequiredException();
        var at = WithinReach(command.Body);
        var agenda = AgendaOf(command.Body);
        var wasToCome = meeting.ScheduledFor > data.Now;
        var sameAgain = MeetingRules.IsStillToHold(meeting) && meeting.ScheduledFor == at && meeting.Agenda.SequenceEqual(agenda, StringComparer.Ordinal);
        if (!sameAgain)
        {
            EnsureStillToHold(meeting);
            meeting = await data.Store.ReplaceAsync(TeamingData.Container, meeting with { ScheduledFor = at, Agenda = agenda, ChangedAt = data.Now }, ifMatch, ct);
        }

        // Sent again (a second tap, or after telling the youth failed), the change is told of once: the notice is about
        // this time and agenda. Unread, it stands for every later change too, and comes back to the top of the list. A
        // form saved with nothing changed on a meeting never changed tells of nothing. Moved into the past, a meeting
        // the youth was told was coming is news too: their views can no longer reach it.
        if (youth.PersonId is { } person && meeting.ChangedAt is not null && (at > data.Now || wasToCome))
        {
            await notifier.SendStandingAsync(person, Notices.TeamMeetingChanged, $"team-meeting-changed~{meeting.Id}",
                Digest.Of($"{at.UtcTicks}\n{string.Join('\n', agenda)}", 32), Notifier.WhileUnread, ct);
        }

        return await ViewAsync(youth.Id, ct);
    }

    public async ValueTask<MeetingsView> Handle(CancelMeeting command, CancellationToken ct)
    {
        var youth = await data.YouthToLeadAsync(command.YouthId, ct);
        var meeting = await MeetingAsync(youth.Id, command.MeetingId, ct);
        if (meeting.CancelledAt is null)
        {
            EnsureStillToHold(meeting);
            meeting = await data.Store.ReplaceAsync(TeamingData.Container, meeting with { CancelledAt = data.Now, CancelledBy = data.Me },
                command.IfMatch ?? throw new PreconditionRequiredException(), ct);
        }

        // A youth told of a meeting to come is told it is off; sent again, the cancellation tells them then if it could not before.
        if (youth.PersonId is { } person && meeting.ScheduledFor > meeting.CancelledAt)
        {
            await notifier.SendOnceAsync(person, Notices.TeamMeetingCancelled, $"team-meeting-cancelled~{meeting.Id}", ct);
        }

        return await ViewAsync(youth.Id, ct);
    }

    public async ValueTask<MeetingsView> Handle(CompleteMeetingAction command, CancellationToken ct)
    {
        var youth = await data.YouthToLeadAsync(command.YouthId, ct);
        var meeting = await MeetingAsync(youth.Id, command.MeetingId, ct);
        var action = meeting.Actions.FirstOrDefault(a => a.Id == command.ActionId) ?? throw new NotFoundException("action");
        if (action.DoneAt is not null)
        {
            throw new ConflictException("That action is already done.");
        }

        var actions = meeting.Actions.Select(a => a.Id == action.Id ? a with { DoneAt = data.Now } : a).ToList();
        await data.Store.ReplaceAsync(TeamingData.Container, meeting with { Actions = actions, HasOpenActions = actions.Any(a => a.DoneAt is null) }, meeting.ETag!, ct);
        return await ViewAsync(youth.Id, ct);
    }

    public async ValueTask<MeetingsView> Handle(GetMeetings query, CancellationToken ct)
    {
        var (youth, _, role) = await data.MemberAsync(query.YouthId, ct);
        return role == TeamRole.Youth ? throw new NotFoundException("team") : await ViewAsync(youth.Id, ct);
    }

    public async ValueTask<IReadOnlyList<ActionView>> Handle(ListOverdueActions query, CancellationToken ct)
    {
        var today = await data.TodayAsync(ct);
        var overdue = new List<ActionView>();

        // Only the caller's caseload's meetings are read: never every open action in the agency on each page load.
        var open = new List<TeamMeeting>();
        foreach (var youthIds in (await data.CaseloadAsync(ct)).Select(y => y.Id).Chunk(DocumentQuery.MaxPageSize))
        {
            open.AddRange(await data.Store.AllAsync<TeamMeeting>(TeamingData.Container, [Filter.Eq("hasOpenActions", true), Filter.In("youthId", [.. youthIds])], ct));
        }

        foreach (var group in open.GroupBy(m => m.YouthId))
        {
            if (!group.Any(m => m.Actions.Any(a => MeetingRules.IsOverdue(a, today))))
            {
                continue;
            }

            try
            {
                var team = await teams.ViewAsync(group.Key, ct);
                if (team.MyRole != TeamRole.Lead)
                {
                    continue;
                }

                var names = team.Members.ToDictionary(m => m.Id, m => m.DisplayName);
                overdue.AddRange(group.SelectMany(m => m.Actions.Where(a => MeetingRules.IsOverdue(a, today))
                    .Select(a => ActionView.From(m, a, names, today) with { YouthId = team.YouthId, YouthName = team.YouthName })));
            }
            catch (NotFoundException)
            {
                // Not a youth on the caller's caseload.
            }
        }

        data.Listed.AddYouth(overdue.Select(a => a.YouthId!));
        return [.. overdue.OrderBy(a => a.Due)];
    }

    private const string CancelledAlready = "This meeting was cancelled. For one held after all, schedule it at the time it was held and record that.";

    private static void EnsureStillToHold(TeamMeeting meeting)
    {
        if (meeting.HeldAt is not null)
        {
            throw new ConflictException("This meeting is already recorded, so it can no longer be moved or cancelled.");
        }

        if (meeting.CancelledAt is not null)
        {
            throw new ConflictException(CancelledAlready);
        }
    }

    private DateTimeOffset WithinReach(MeetingRequest body)
    {
        var at = body.ScheduledFor!.Value;
        return at < data.Now.AddDays(-MeetingRules.MaxDaysAway) || at > data.Now.AddDays(MeetingRules.MaxDaysAway)
            ? throw new RequestValidationException("scheduledFor", $"Within {MeetingRules.MaxDaysAway} days of today.")
            : at;
    }

    private static List<string> AgendaOf(MeetingRequest body) => [.. body.Agenda!.Select(a => a.Trim())];

    private async Task<TeamMeeting> MeetingAsync(string youthId, string meetingId, CancellationToken ct) =>
        await data.Store.FindAsync<TeamMeeting>(TeamingData.Container, meetingId, ct) is { } m && m.YouthId == youthId ? m : throw new NotFoundException("meeting");

    private async Task<MeetingsView> ViewAsync(string youthId, CancellationToken ct)
    {
        var team = await teams.ViewAsync(youthId, ct);
        return new MeetingsView(team.YouthId, team.YouthName, team.MyRole == TeamRole.Lead, team.Members, await data.MeetingsAsync(team, ct));
    }
}
