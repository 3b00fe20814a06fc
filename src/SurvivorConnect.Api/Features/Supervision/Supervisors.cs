using Mediator;
using SurvivorConnect.Api.Features.Agencies;
using SurvivorConnect.Api.Features.Mentoring;
using SurvivorConnect.Api.Features.Supervision.Rules;
using SurvivorConnect.Api.Infrastructure.Auth;
using SurvivorConnect.Api.Infrastructure.Errors;
using SurvivorConnect.Api.Infrastructure.Pipeline;
using SurvivorConnect.Storage;

namespace SurvivorConnect.Api.Features.Supervision;

public sealed record BandView(string Subscale, string Name, string Band, bool Concern, string Trend);

/// <param name="LastSupervisedOn">The latest day the mentor met a supervisor, at a regular session or one about a flag.</param>
/// <param name="SupervisionOverdue">They mentor and have not met a supervisor in <see cref="RegularSupervisionRules.EveryDays"/> days.</param>
/// <param name="RegularPaused">Their regular check-ins do not run (consent to mentoring withdrawn, deactivated, or no longer a mentor): none is due or missed.</param>
public sealed record SupervisedMentorView(
    string MentorId, string Name, IReadOnlyList<BandView> Bands, int? DaysSinceLastCheckIn, DateTimeOffset NextDueAt, bool Due, int OpenFlags, bool UrgentOpen,
    int OverdueFollowUps, bool OnHold, bool HoldIsAutomatic, int ActiveMatches, int CadenceDays, bool HoldWaitsForReview,
    DateOnly? LastSupervisedOn = null, bool SupervisionOverdue = false, bool RegularPaused = false);

public sealed record RegularSessionView(DateOnly Date, string Notes, string By, DateTimeOffset RecordedAt);

public sealed record AnswerView(string ItemId, string Text, int Answer, string Words);

public sealed record CheckInView(string Id, DateTimeOffset SubmittedAt, string InstrumentKey, int InstrumentVersion, IReadOnlyList<BandView> Bands, bool Urgent, IReadOnlyList<string> Concerns, string? RequestedBecause, IReadOnlyList<AnswerView> Answers);

public sealed record FlagView(
    string Id, string MentorId, string? MentorName, FlagKind Kind, IReadOnlyList<string> Reasons, WellbeingFlagStatus Status, DateTimeOffset RaisedAt,
    string? AcknowledgedBy, DateTimeOffset? AcknowledgedAt, IReadOnlyList<SupervisionSession> Sessions, DateOnly? FollowUpDue, bool FollowUpOverdue, DateTimeOffset? ResolvedAt)
{
    /// <summary>The flag as read: marking it seen or resolved from this version is refused once anything changed it (a later check-in's concern, a colleague's session).</summary>
    public string? Version { get; init; }

    public static FlagView From(WellbeingFlag f, string? mentorName, DateOnly today)
    {
        var followUp = f.Status == WellbeingFlagStatus.Resolved || f.Sessions.Count == 0 ? null : f.Sessions[^1].FollowUp;
        return new(f.Id, f.MentorId, mentorName, f.Kind, f.Reasons, f.Status, f.RaisedAt, f.AcknowledgedBy, f.AcknowledgedAt, f.Sessions, followUp, followUp < today, f.ResolvedAt)
        {
            Version = f.ETag,
        };
    }
}

public sealed record MentorWellbeingView(
    SupervisedMentorView Summary, IReadOnlyList<CheckInView> CheckIns, IReadOnlyList<FlagView> Flags, SupervisorHold? Hold, IReadOnlyList<RegularSessionView>? RegularSessions = null);

public sealed record ListSupervisedMentors : IQuery<IReadOnlyList<SupervisedMentorView>>, IAudited
{
    public AuditTarget Audit => new("wellbeing.list-mentors", "mentor");
}

public sealed record GetMentorWellbeing(string MentorId) : IQuery<MentorWellbeingView>, IAudited
{
    public AuditTarget Audit => new("wellbeing.read", "mentor", MentorId);
}

public sealed record CadenceRequest(int? Days);

public sealed record SetCheckInCadence(string MentorId, CadenceRequest Body) : ICommand<SupervisedMentorView>, IValidate, IAudited
{
    public AuditTarget Audit => new("wellbeing.set-cadence", "mentor", MentorId);

    public void Validate(ValidationErrors errors)
    {
        if (Body.Days is null)
        {
            errors.Add("days", "Required.");
        }

        errors.Range("days", Body.Days, 7, 90);
    }
}

public sealed record GetWellbeingFlag(string FlagId) : IQuery<FlagView>, IAudited
{
    public AuditTarget Audit => new("wellbeing.read-flag", "wellbeing-flag", FlagId);
}

[System.Text.Json.Serialization.JsonConverter(typeof(System.Text.Json.Serialization.JsonStringEnumConverter<FlagMove>))]
public enum FlagMove
{
    Acknowledge,
    Resolve,
}

/// <summary>
/// Acknowledging a flag is the review an urgent answer waits for: it lifts the automatic hold (a hold a supervisor placed
/// stays). From a named version only that version is seen: a concern a later check-in added meanwhile is not.
/// </summary>
public sealed record MoveWellbeingFlag(string FlagId, FlagMove Move, string? IfMatch = null) : ICommand<FlagView>, IAudited
{
    public AuditTarget Audit => new(Move == FlagMove.Acknowledge ? "wellbeing.acknowledge-flag" : "wellbeing.resolve-flag", "wellbeing-flag", FlagId);
}

public sealed record SessionRequest(DateOnly? Date, string? Notes, string? AgreedActions, DateOnly? FollowUp);

/// <param name="IfMatch">The flag's version as read: a session on an open flag also marks it seen, which is the review of what it then said.</param>
public sealed record RecordSupervisionSession(string FlagId, SessionRequest Body, string? IfMatch = null) : ICommand<FlagView>, IValidate, IAudited
{
    public AuditTarget Audit => new("wellbeing.record-session", "wellbeing-flag", FlagId);

    public void Validate(ValidationErrors errors)
    {
        if (Body.Date is null)
        {
            errors.Add("date", "Required.");
        }

        errors.Prose("notes", Body.Notes, 4000).Prose("agreedActions", Body.AgreedActions, 2000, required: false);
        if (Body.FollowUp is { } followUp && Body.Date is { } date && followUp < date)
        {
            errors.Add("followUp", "On or after the session's date.");
        }
    }
}

public sealed record RegularSessionRequest(DateOnly? Date, string? Notes);

/// <summary>A regular supervision session held with one of the supervisor's mentors, whatever their check-ins say.</summary>
public sealed record RecordRegularSupervision(string MentorId, RegularSessionRequest Body) : ICommand<MentorWellbeingView>, IValidate, IAudited
{
    public AuditTarget Audit => new("wellbeing.record-regular-session", "mentor", MentorId);

    public void Validate(ValidationErrors errors)
    {
        if (Body.Date is null)
        {
            errors.Add("date", "Required.");
        }

        errors.Prose("notes", Body.Notes, 4000);
    }
}

internal sealed class SupervisorHandlers(SupervisionData data, AgencyCalendar calendar, IMediator mediator)
    : IQueryHandler<ListSupervisedMentors, IReadOnlyList<SupervisedMentorView>>,
      IQueryHandler<GetMentorWellbeing, MentorWellbeingView>,
      ICommandHandler<SetCheckInCadence, SupervisedMentorView>,
      IQueryHandler<GetWellbeingFlag, FlagView>,
      ICommandHandler<MoveWellbeingFlag, FlagView>,
      ICommandHandler<RecordSupervisionSession, FlagView>,
      ICommandHandler<RecordRegularSupervision, MentorWellbeingView>
{
    public async ValueTask<IReadOnlyList<SupervisedMentorView>> Handle(ListSupervisedMentors query, CancellationToken ct)
    {
        var instrument = await data.ActiveInstrumentAsync(ct);
        var views = new List<SupervisedMentorView>();
        foreach (var mentor in await data.MyMentorsAsync(ct))
        {
            views.Add(await SummaryAsync(mentor, instrument, await data.CheckInsAsync(mentor.Id, ct), await data.FlagsAsync(mentor.Id, ct), await data.RegularSessionsAsync(mentor.Id, ct), ct));
        }

        return [.. views.OrderByDescending(v => v.UrgentOpen).ThenByDescending(v => v.OpenFlags).ThenBy(v => v.Name, StringComparer.CurrentCulture)];
    }

    public async ValueTask<MentorWellbeingView> Handle(GetMentorWellbeing query, CancellationToken ct)
    {
        var mentor = await data.SupervisedAsync(query.MentorId, ct);
        var instrument = await data.ActiveInstrumentAsync(ct);
        var checkIns = await data.CheckInsAsync(mentor.Id, ct);
        var flags = await data.FlagsAsync(mentor.Id, ct);
        var views = new List<CheckInView>();
        var versions = new Dictionary<(string, int), InstrumentDefinition>();
        for (var i = 0; i < checkIns.Count; i++)
        {
            var version = (checkIns[i].InstrumentKey, checkIns[i].InstrumentVersion);
            if (!versions.TryGetValue(version, out var answered))
            {
                versions[version] = answered = await data.InstrumentAsync(version.InstrumentKey, version.InstrumentVersion, ct) ?? instrument;
            }

            views.Add(new CheckInView(checkIns[i].Id, checkIns[i].SubmittedAt, checkIns[i].InstrumentKey, checkIns[i].InstrumentVersion,
                Bands(answered, checkIns[i], checkIns.Skip(i + 1)), checkIns[i].Urgent, checkIns[i].Concerns, checkIns[i].RequestedFor ?? checkIns[i].RequestedBecause,
                [.. answered.Items.Where(item => checkIns[i].Answers.ContainsKey(item.Id)).Select(item => new AnswerView(item.Id, item.Text, checkIns[i].Answers[item.Id],
                    answered.Scale.Labels.ElementAtOrDefault(checkIns[i].Answers[item.Id] - answered.Scale.Min) ?? ""))]));
        }

        var today = await calendar.TodayAsync(ct);
        var regular = await data.RegularSessionsAsync(mentor.Id, ct);
        return new MentorWellbeingView(await SummaryAsync(mentor, instrument, checkIns, flags, regular, ct), views,
            [.. flags.Select(f => FlagView.From(f, mentor.DisplayName, today))], mentor.Hold,
            [.. regular.Select(s => new RegularSessionView(s.Date, s.Notes, s.By, s.RecordedAt))]);
    }

    public async ValueTask<MentorWellbeingView> Handle(RecordRegularSupervision command, CancellationToken ct)
    {
        var mentor = await data.SupervisedAsync(command.MentorId, ct);
        var date = command.Body.Date!.Value;
        var today = await calendar.TodayAsync(ct);
        if (date > today || date < today.AddYears(-1))
        {
            throw new RequestValidationException("date", "Today or earlier, within the last year: record a session once it has taken place.");
        }

        var notes = command.Body.Notes!.Trim();
        try
        {
            await data.Store.CreateAsync(SupervisionData.Container, new RegularSupervision
            {
                Id = RegularSupervision.IdFor(mentor.Id, date), MentorId = mentor.Id, Date = date, Notes = notes, By = data.Me, RecordedAt = data.Store.Now,
            }, ct);
        }
        catch (StoreException ex) when (ex.IsAlreadyThere)
        {
            // The same form sent again (a second tap) is recorded once; anything else for a day already recorded is refused.
            if (await data.Store.FindAsync<RegularSupervision>(SupervisionData.Container, RegularSupervision.IdFor(mentor.Id, date), ct) is not { } kept
                || kept.Notes != notes || kept.By != data.Me)
            {
                throw new ConflictException("A session on that day is recorded already. Note anything more at the next one.");
            }
        }

        return await Handle(new GetMentorWellbeing(mentor.Id), ct);
    }

    public async ValueTask<SupervisedMentorView> Handle(SetCheckInCadence command, CancellationToken ct)
    {
        var mentor = await data.SupervisedAsync(command.MentorId, ct);
        var schedule = await data.ScheduleAsync(mentor.Id, ct);
        var days = command.Body.Days!.Value;

        // The check-in due now moves with the new rhythm from where its period began, but one already due stays due: saving
        // the form would otherwise wipe a late check-in, and with it the count of misses that raises a flag. A shorter
        // rhythm never makes check-ins already "missed": a date still to come moves to a day from now at the earliest.
        var dueAt = schedule.DueAt;
        if (dueAt > data.Store.Now)
        {
            var due = dueAt.AddDays(days - schedule.CadenceDays);
            var earliest = data.Store.Now.AddDays(1);
            dueAt = due > earliest ? due : earliest;
        }

        await data.SaveScheduleAsync(schedule with { CadenceDays = days, DueAt = dueAt }, ct);
        return await SummaryAsync(mentor, await data.ActiveInstrumentAsync(ct), await data.CheckInsAsync(mentor.Id, ct), await data.FlagsAsync(mentor.Id, ct),
            await data.RegularSessionsAsync(mentor.Id, ct), ct);
    }

    public async ValueTask<FlagView> Handle(GetWellbeingFlag query, CancellationToken ct)
    {
        var (flag, mentor) = await SupervisedFlagAsync(query.FlagId, ct);
        return FlagView.From(flag, mentor.DisplayName, await calendar.TodayAsync(ct));
    }

    public async ValueTask<FlagView> Handle(MoveWellbeingFlag command, CancellationToken ct)
    {
        var (flag, mentor) = await SupervisedFlagAsync(command.FlagId, ct);
        if (flag.Status == WellbeingFlagStatus.Resolved || command.Move == FlagMove.Acknowledge && flag.Status != WellbeingFlagStatus.Open)
        {
            throw new ConflictException(flag.Status == WellbeingFlagStatus.Resolved ? "This flag is resolved." : "This flag is already acknowledged.");
        }

        // Seeing a flag is seeing what it says: a later check-in may have added to it since the page was read.
        StoreException.ThrowIfChangedSince(command.IfMatch ?? throw new PreconditionRequiredException(), flag.ETag);

        var now = data.Store.Now;
        var moved = flag with
        {
            Status = command.Move == FlagMove.Acknowledge ? WellbeingFlagStatus.Acknowledged : WellbeingFlagStatus.Resolved,
            AcknowledgedBy = flag.AcknowledgedBy ?? data.Me,
            AcknowledgedAt = flag.AcknowledgedAt ?? now,
            ResolvedBy = command.Move == FlagMove.Resolve ? data.Me : null,
            ResolvedAt = command.Move == FlagMove.Resolve ? now : null,
        };
        var saved = await data.Store.ReplaceAsync(SupervisionData.Container, moved, flag.ETag!, ct);
        await SeenAsync(flag, mentor, ct);
        return FlagView.From(saved, mentor.DisplayName, await calendar.TodayAsync(ct));
    }

    /// <summary>
    /// An urgent flag seen: its wait is measured the first time, and the hold for its review ends. Ended again on each later
    /// step (resolving it, a session), so a first lifting that failed after the flag was saved is finished by the supervisor,
    /// not left for the hourly watch.
    /// </summary>
    private async Task SeenAsync(WellbeingFlag before, MentorProfile mentor, CancellationToken ct)
    {
        if (before.Kind != FlagKind.Urgent)
        {
            return;
        }

        if (before.Status == WellbeingFlagStatus.Open)
        {
            data.Metrics.UrgentFlagAcknowledged(data.Store.Now - before.RaisedAt);
        }

        await data.EndReviewHoldAsync(mentor.Id, mediator, ct);
    }

    /// <summary>Sessions one flag keeps: its record stays within a document's size.</summary>
    public const int MaxSessions = 100;

    public async ValueTask<FlagView> Handle(RecordSupervisionSession command, CancellationToken ct)
    {
        var (flag, mentor) = await SupervisedFlagAsync(command.FlagId, ct);
        if (flag.Status == WellbeingFlagStatus.Resolved)
        {
            throw new ConflictException("This flag is resolved; raise a new one by talking with the mentor.");
        }

        // A session is recorded once it has taken place, and its follow-up is one that can come round: a far date would
        // keep it from ever showing as overdue.
        var body = command.Body;
        var today = await calendar.TodayAsync(ct);
        var errors = new ValidationErrors();
        if (body.Date > today)
        {
            errors.Add("date", "Today or earlier: record a session once it has taken place.");
        }
        else if (body.Date < calendar.DayOf(flag.RaisedAt))
        {
            errors.Add("date", "On or after the day this flag was raised.");
        }

        if (body.FollowUp > today.AddYears(1))
        {
            errors.Add("followUp", "Within a year from today.");
        }

        if (errors.Any)
        {
            throw new RequestValidationException(errors.ToDictionary());
        }

        var session = new SupervisionSession(body.Date!.Value, body.Notes!.Trim(), body.AgreedActions?.Trim(), body.FollowUp, data.Me, data.Store.Now);
        if (flag.Sessions.Count > 0 && flag.Sessions[^1] with { RecordedAt = session.RecordedAt } == session)
        {
            // The same session sent again (a second tap): it is recorded once.
            return FlagView.From(flag, mentor.DisplayName, today);
        }

        StoreException.ThrowIfChangedSince(command.IfMatch ?? throw new PreconditionRequiredException(), flag.ETag);

        if (flag.Sessions.Count >= MaxSessions)
        {
            throw new ConflictException($"This flag has its {MaxSessions} sessions. Resolve it; a concern that goes on raises a new one.");
        }

        // A supervisor who met the mentor about it has seen it: no more reminders that it waits to be seen.
        var withSession = flag with { Sessions = [.. flag.Sessions, session] };
        if (flag.Status == WellbeingFlagStatus.Open)
        {
            withSession = withSession with { Status = WellbeingFlagStatus.Acknowledged, AcknowledgedBy = data.Me, AcknowledgedAt = data.Store.Now };
        }

        var saved = await data.Store.ReplaceAsync(SupervisionData.Container, withSession, flag.ETag!, ct);
        await SeenAsync(flag, mentor, ct);
        return FlagView.From(saved, mentor.DisplayName, today);
    }

    private async Task<(WellbeingFlag Flag, MentorProfile Mentor)> SupervisedFlagAsync(string flagId, CancellationToken ct)
    {
        var flag = await data.FlagAsync(flagId, ct);
        try
        {
            return (flag, await data.SupervisedAsync(flag.MentorId, ct));
        }
        catch (NotFoundException)
        {
            throw new NotFoundException("flag");
        }
    }

    private async Task<SupervisedMentorView> SummaryAsync(
        MentorProfile mentor, InstrumentDefinition instrument, List<CheckIn> checkIns, List<WellbeingFlag> flags, List<RegularSupervision> regular, CancellationToken ct)
    {
        var schedule = await data.ScheduleAsync(mentor.Id, ct);
        var today = await calendar.TodayAsync(ct);
        var latest = checkIns.FirstOrDefault();
        // Bands are read on the scale the latest check-in was answered on, which an admin may since have replaced.
        var answered = latest is null || (latest.InstrumentKey == instrument.Key && latest.InstrumentVersion == instrument.Version) ? instrument
            : await data.InstrumentAsync(latest.InstrumentKey, latest.InstrumentVersion, ct) ?? instrument;
        var open = flags.Where(f => f.Status != WellbeingFlagStatus.Resolved).ToList();
        var active = await data.Mentoring.MatchesAsync(Filter.Eq("mentorId", mentor.Id), openOnly: true, ct);
        var activeCount = active.Count(m => m.State == MatchState.Active);
        var lastMet = RegularSupervisionRules.LastMet(regular.Select(s => s.Date), flags.SelectMany(f => f.Sessions).Select(s => s.Date));
        // As the rhythm itself (SupervisionData.RhythmRunsAsync): not for a mentor deactivated, no longer a mentor, or
        // who withdrew their consent to mentoring.
        var mentoring = await data.Mentoring.IsActiveAsync(mentor.Id, Roles.Mentor, ct);
        var paused = !mentoring || await data.Mentoring.StoppedMentoringAsync(mentor.Id, ct);
        return new SupervisedMentorView(
            mentor.Id, mentor.DisplayName, latest is null ? [] : Bands(answered, latest, checkIns.Skip(1)),
            latest is null ? null : (int)(data.Store.Now - latest.SubmittedAt).TotalDays, schedule.DueAt,
            mentoring && (schedule.RequestedBecause is not null || !paused && schedule.DueAt <= data.Store.Now),
            open.Count, open.Any(f => f.Kind == FlagKind.Urgent && f.Status == WellbeingFlagStatus.Open),
            open.Count(f => FlagView.From(f, null, today).FollowUpOverdue), mentor.Hold is not null, mentor.Hold is { IsAutomatic: true },
            activeCount, schedule.CadenceDays, mentor.Hold is { IsAutomatic: true } or { ReviewWaiting: true },
            lastMet, mentoring && RegularSupervisionRules.Overdue(lastMet, today, activeCount), paused);
    }

    /// <summary>
    /// The check-in's bands, each with its trend since the latest earlier check-in answered on the same version: as in
    /// scoring, another version may score on another scale, so "better" across versions could hide "worse".
    /// </summary>
    private static IReadOnlyList<BandView> Bands(InstrumentDefinition instrument, CheckIn checkIn, IEnumerable<CheckIn> earlier)
    {
        var before = earlier.FirstOrDefault(c => c.InstrumentKey == checkIn.InstrumentKey && c.InstrumentVersion == checkIn.InstrumentVersion);
        return [.. checkIn.Scores.Select(score => instrument.Subscales.FirstOrDefault(s => s.Key == score.Key) is { } subscale
                ? new BandView(score.Key, subscale.Name, score.Band, score.ConcernBand, CheckInScoring.Trend(subscale, before?.Scores.FirstOrDefault(s => s.Key == score.Key)?.Score, score.Score))
                : new BandView(score.Key, score.Key, score.Band, score.ConcernBand, CheckInScoring.FirstCheckIn))];
    }
}
