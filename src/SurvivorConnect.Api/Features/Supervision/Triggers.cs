using System.Runtime.ExceptionServices;
using System.Security.Claims;
using Mediator;
using SurvivorConnect.Api.Features.Chat;
using SurvivorConnect.Api.Features.Mentoring;
using SurvivorConnect.Api.Features.Notifications;
using SurvivorConnect.Api.Infrastructure.Auth;
using SurvivorConnect.Api.Infrastructure.Errors;
using SurvivorConnect.Api.Infrastructure.Hosting;
using SurvivorConnect.Storage;

namespace SurvivorConnect.Api.Features.Supervision;

/// <summary>
/// Asks a mentor for a check-in now, because of <paramref name="Because"/> (as the mentor reads it; their supervisor reads
/// <paramref name="ForSupervisor"/> when given); the mentor is told kindly, once per ask. Not
/// audited, as a missed check-in is not: it is the service's own doing in someone else's request (a chat message, a
/// match closed), and an entry naming the mentor would tell the audit log's readers whose wellbeing was asked after and when.
/// </summary>
public sealed record RequestCheckIn(string MentorId, string Because, string? ForSupervisor = null) : ICommand<bool>;

/// <summary>
/// What asks for a check-in early: chat flagging a mentor's message (its wellbeing prompt), a match of theirs
/// closed unplanned, a relapse of a youth they mentor, or that youth missing now. Each runs in the request that caused it.
/// </summary>
internal sealed partial class CheckInTriggers(SupervisionData data, Notifier notifier, IMediator mediator, ILogger<CheckInTriggers> logger)
    : INotificationHandler<WellbeingPromptRaised>, INotificationHandler<MatchMoved>, INotificationHandler<YouthRelapsed>, INotificationHandler<YouthWentMissing>,
      INotificationHandler<SupervisorAssigned>,
      INotificationHandler<MentorChatWordsUrgent>, ICommandHandler<RequestCheckIn, bool>
{
    /// <summary>
    /// A mentor's own words of danger in a chat are an urgent flag, as an urgent check-in answer is: held from new matches
    /// until their supervisor reviews it, watched hourly, and the admins asked after two hours. The chat has told the
    /// supervisor (or the admins) already, in words that say where it came from, so the flag is raised without its own notice.
    /// </summary>
    public async ValueTask Handle(MentorChatWordsUrgent notification, CancellationToken ct)
    {
        var mentor = await data.Mentoring.MentorAsync(notification.MentorId, ct);
        await data.RaiseAsync(mentor, new WellbeingFlag
        {
            Id = WellbeingFlag.IdFor($"chat~{notification.ChatFlagId}"),
            MentorId = mentor.Id,
            Kind = FlagKind.Urgent,
            Reasons = [ChatWordsReason],
            ChatFlagId = notification.ChatFlagId,
            RaisedAt = data.Store.Now,
        }, notifier, mediator, ct, alert: false);
    }

    public const string ChatWordsReason = "Words of theirs in a mentoring chat may mean they, or someone, are not safe.";

    /// <summary>
    /// Regular check-ins start when a mentor has someone to read them, not when someone first opens a page; and a new
    /// supervisor is told of each flag still open, raised while the mentor had someone else or nobody (each once).
    /// </summary>
    public async ValueTask Handle(SupervisorAssigned notification, CancellationToken ct)
    {
        var schedule = await data.ScheduleAsync(notification.MentorId, ct);
        // A rhythm that ran while nobody supervised them (begun by a check-in then, or left by a supervisor who went) ran
        // unread and unreminded: counted on, its check-ins would be missed at once. It starts again from now, nothing missed.
        if (notification.HadNone && schedule.DueAt < data.Store.Now.AddDays(schedule.CadenceDays))
        {
            try
            {
                await data.SaveScheduleAsync(schedule with { DueAt = data.Store.Now.AddDays(schedule.CadenceDays), Missed = 0 }, ct);
            }
            catch (StoreException ex) when (ex.Kind == StoreErrorKind.PreconditionFailed)
            {
                // A check-in just started it again itself.
            }
        }

        var open = (await data.FlagsAsync(notification.MentorId, ct)).Where(f => f.Status == WellbeingFlagStatus.Open).ToList();
        if (open.Count > 0)
        {
            var mentor = await data.Mentoring.MentorAsync(notification.MentorId, ct);
            foreach (var flag in open)
            {
                await data.AlertAsync(mentor, notifier, SupervisionData.NoticeFor(flag), flag.AlertKey, ct);
            }
        }
    }

    public async ValueTask Handle(WellbeingPromptRaised notification, CancellationToken ct) =>
        await mediator.Send(new RequestCheckIn(notification.MentorId, MayHaveBeenHard, notification.ForSupervisor), ct);

    public async ValueTask Handle(MatchMoved notification, CancellationToken ct)
    {
        if (notification.Match is { State: MatchState.Closed, Closure.Planned: false } match)
        {
            await mediator.Send(new RequestCheckIn(match.MentorId, "a mentoring match of yours ended unexpectedly."), ct);
        }
    }

    public async ValueTask Handle(YouthRelapsed notification, CancellationToken ct) => await AskMentorsOfAsync(notification.YouthId, ct);

    public async ValueTask Handle(YouthWentMissing notification, CancellationToken ct) => await AskMentorsOfAsync(notification.YouthId, ct);

    /// <summary>The youth's mentors in active matches are asked to check in, in words that say nothing of what happened to the youth.</summary>
    private async Task AskMentorsOfAsync(string youthId, CancellationToken ct)
    {
        var matches = await data.Mentoring.MatchesAsync(Filter.Eq("youthId", youthId), openOnly: true, ct);
        foreach (var mentor in matches.Where(m => m.State == MatchState.Active).Select(m => m.MentorId).Distinct(StringComparer.Ordinal))
        {
            await mediator.Send(new RequestCheckIn(mentor, MayHaveBeenHard), ct);
        }
    }

    public async ValueTask<bool> Handle(RequestCheckIn command, CancellationToken ct)
    {
        MentorProfile mentor;
        try
        {
            mentor = await data.Mentoring.MentorAsync(command.MentorId, ct);
        }
        catch (NotFoundException)
        {
            return false;
        }

        // The schedule may be written meanwhile (the mentor checking in, a missed check-in marked, the cadence changed):
        // the ask is made on the schedule as it is then, never lost, and never fails the request that caused it.
        for (var attempt = 1; ; attempt++)
        {
            var schedule = await data.ScheduleAsync(mentor.Id, ct);
            if (schedule.RequestedBecause is not null)
            {
                // Asked already: its watch and the mentor's notice are made again, in case the request that asked died
                // first; never at the cost of the request that asks now.
                if (schedule.RequestedAt is { } asked)
                {
                    try
                    {
                        await WatchAsync(mentor.Id, asked, ct);
                        await TellAsync(mentor.Id, asked, ct);
                    }
                    catch (StoreException ex)
                    {
                        LogAskNotRepaired(logger, mentor.Id, ex);
                    }
                }

                return false;
            }

            // The watch first: one whose ask was never saved is let go by the worker.
            var now = data.Store.Now;
            await WatchAsync(mentor.Id, now, ct);
            try
            {
                await data.SaveScheduleAsync(schedule with { RequestedBecause = command.Because, RequestedFor = command.ForSupervisor, RequestedAt = now }, ct);
            }
            catch (StoreException ex) when (ex.Kind == StoreErrorKind.PreconditionFailed && attempt < MaxAttempts)
            {
                continue;
            }

            await TellAsync(mentor.Id, now, ct);
            return true;
        }
    }

    private async Task WatchAsync(string mentorId, DateTimeOffset asked, CancellationToken ct) =>
        await data.Store.UpsertAsync(SupervisionData.Container, new CheckInRequestWatch
        {
            Id = CheckInRequestWatch.IdFor(data.Store.AgencyId, mentorId),
            PartitionKey = CheckInRequestWatch.Partition,
            MentorId = mentorId,
            ForRequestedAt = asked,
            DueAt = asked + CheckInRequestWatch.UnansweredAfter,
        }, ct);

    private async Task TellAsync(string mentorId, DateTimeOffset asked, CancellationToken ct) =>
        await notifier.SendOnceAsync(mentorId, Notices.WellbeingCheckInRequested, $"checkin-request~{mentorId}~{asked.UtcTicks}", ct);

    private const int MaxAttempts = 5;

    [LoggerMessage(Level = LogLevel.Warning, Message = "The check-in already asked of mentor {MentorId} could not be watched or told again; its next ask tries again")]
    private static partial void LogAskNotRepaired(ILogger logger, string mentorId, Exception exception);

    private const string MayHaveBeenHard = "something in your mentoring may have been hard lately.";
}

/// <summary>
/// A mentor's regular check-in comes up soon: they are told once for that due date, unless they are no longer active,
/// nobody supervises them (the rhythm runs once someone does), they withdrew their consent to mentoring, or they were
/// asked for one already. Not audited: it reads nobody's answers, only when the check-in is due.
/// </summary>
public sealed record RemindCheckIn(string MentorId, DateTimeOffset ForDueAt) : ICommand<bool>;

internal sealed class CheckInReminderHandler(SupervisionData data, Notifier notifier) : ICommandHandler<RemindCheckIn, bool>
{
    public async ValueTask<bool> Handle(RemindCheckIn command, CancellationToken ct)
    {
        var store = data.Store;
        var schedule = await data.ScheduleAsync(command.MentorId, ct);
        var sent = schedule.DueAt == command.ForDueAt && schedule.DueAt > store.Now && schedule.RequestedBecause is null
            && await data.Mentoring.FindMentorAsync(command.MentorId, ct) is { } mentor && await data.RhythmRunsAsync(mentor, ct)
            && await notifier.SendOnceAsync(command.MentorId, Notices.WellbeingCheckInDueSoon, $"checkin-due~{command.MentorId}~{command.ForDueAt.UtcTicks}", ct);

        // Done with this due date; a reminder already moved on to the next one stays.
        var id = CheckInReminder.IdFor(store.AgencyId, command.MentorId);
        if (await store.ReadAsync<CheckInReminder>(SupervisionData.Container, id, CheckInReminder.Partition, ct) is { } reminder && reminder.ForDueAt == command.ForDueAt)
        {
            try
            {
                await store.DeleteAsync(SupervisionData.Container, id, CheckInReminder.Partition, reminder.ETag, ct);
            }
            catch (StoreException ex) when (ex.Kind is StoreErrorKind.PreconditionFailed or StoreErrorKind.NotFound)
            {
                // Moved on or gone meanwhile.
            }
        }

        return sent;
    }
}

/// <summary>
/// A mentor's check-in was not made within <see cref="CheckInSchedule.MissedAfter"/> of its due date: it counts as
/// missed, the next is due one cadence after the missed one, and two missed in a row raise a flag.
/// Not audited: the worker reads no answers, and an entry naming the mentor would tell the audit log's readers (admins,
/// who see wellbeing only in aggregate) who missed their check-ins.
/// </summary>
public sealed record MarkCheckInMissed(string MentorId, DateTimeOffset DueAt) : ICommand<bool>;

internal sealed class MissedCheckInHandler(SupervisionData data, Notifier notifier, IMediator mediator) : ICommandHandler<MarkCheckInMissed, bool>
{
    /// <summary>The flag of the misses up to one due date, as every instance counting them names it.</summary>
    public static string MissedFlagId(string mentorId, DateTimeOffset dueAt) =>
        WellbeingFlag.IdFor($"missed\n{mentorId}\n{dueAt.UtcTicks}");

    public async ValueTask<bool> Handle(MarkCheckInMissed command, CancellationToken ct)
    {
        var schedule = await data.ScheduleAsync(command.MentorId, ct);

        // Another instance (or a check-in) moved the due date on already. Its slot is put at the new date, in case the
        // write that moved it failed before the slot's: a slot left behind would never count a miss again.
        if (schedule.DueAt != command.DueAt || schedule.DueAt + CheckInSchedule.MissedAfter > data.Store.Now)
        {
            if (schedule.DueAt != command.DueAt)
            {
                await data.KeepSlotAsync(schedule, ct);
            }

            return false;
        }

        // A check-in was stored and its follow-ups (which start the schedule again) are still to finish; past the time
        // they are given, the miss counts after all.
        foreach (var newer in (await data.CheckInsAsync(command.MentorId, ct)).TakeWhile(c => c.SubmittedAt > (schedule.LastCheckInAt ?? DateTimeOffset.MinValue)))
        {
            var pending = await data.Store.ReadAsync<CheckInFollowUp>(SupervisionData.Container, CheckInFollowUp.IdFor(data.Store.AgencyId, newer.Id), CheckInFollowUp.Partition, ct);
            if (pending is not null && pending.DueAt + CheckInFollowUp.GiveUpAfter > data.Store.Now)
            {
                return false;
            }
        }

        // The flag before the schedule moves on: if raising it fails, the next round counts this miss again (and two
        // instances counting it raise the one flag of this due date).
        // A mentor no longer active, or no longer a mentor, is not asked for check-ins (nor may check in), so misses none:
        // back, they start from none missed. Nor does one who withdrew their consent to mentoring, who is asked for
        // nothing. Nor does a mentor nobody supervises (none yet, or theirs left): nobody reads their check-ins, so the
        // rhythm runs once someone does. Due dates that passed while no worker counted (the workers down) were
        // missed all the same, as check-ins could still be sent: they are counted together, in one flag, and the next
        // due date is one still to come.
        var cadence = Math.Max(1, schedule.CadenceDays);
        var next = schedule.DueAt.AddDays(cadence);
        var passed = 1;
        while (next + CheckInSchedule.MissedAfter <= data.Store.Now)
        {
            next = next.AddDays(cadence);
            passed++;
        }

        var mentor = await MentorOrNullAsync(command.MentorId, ct);
        var counts = mentor is not null && await data.RhythmRunsAsync(mentor, ct);
        var missed = counts ? schedule.Missed + passed : 0;
        if (missed >= 2 && mentor is not null)
        {
            await data.RaiseAsync(mentor, new WellbeingFlag
            {
                Id = MissedFlagId(mentor.Id, command.DueAt),
                MentorId = mentor.Id,
                Kind = FlagKind.Missed,
                Reasons = [$"{missed} check-ins in a row were missed."],
                RaisedAt = data.Store.Now,
            }, notifier, mediator, ct);
        }

        try
        {
            await data.SaveScheduleAsync(schedule with { Missed = missed, DueAt = next }, ct);
        }
        catch (StoreException ex) when (ex.Kind == StoreErrorKind.PreconditionFailed)
        {
            return false;
        }

        return true;
    }

    private async Task<MentorProfile?> MentorOrNullAsync(string mentorId, CancellationToken ct)
    {
        try
        {
            return await data.Mentoring.MentorAsync(mentorId, ct);
        }
        catch (NotFoundException)
        {
            return null;
        }
    }
}

/// <summary>
/// A check-in asked for after something hard in a mentor's mentoring has gone unanswered a week: their supervisor is
/// told with a flag, as for regular check-ins missed, so the ask does not rest on the mentor alone. Not audited, as a
/// missed check-in is not.
/// </summary>
public sealed record MarkCheckInRequestUnanswered(string MentorId, DateTimeOffset ForRequestedAt) : ICommand<bool>;

internal sealed class CheckInRequestUnansweredHandler(SupervisionData data, Notifier notifier, IMediator mediator) : ICommandHandler<MarkCheckInRequestUnanswered, bool>
{
    public const string Reason = "A check-in they were asked for after something hard in their mentoring has not been answered in a week.";

    public static string FlagIdFor(string mentorId, DateTimeOffset requestedAt) => WellbeingFlag.IdFor($"request-unanswered\n{mentorId}\n{requestedAt.UtcTicks}");

    public async ValueTask<bool> Handle(MarkCheckInRequestUnanswered command, CancellationToken ct)
    {
        var store = data.Store;
        var schedule = await data.ScheduleAsync(command.MentorId, ct);
        var raised = false;
        if (schedule.RequestedBecause is not null && schedule.RequestedAt == command.ForRequestedAt)
        {
            // A check-in sent since answers it, though its follow-ups (which clear the ask) may not have finished: the
            // watch waits for them while they still may. Only the ask still standing reads the mentor's check-ins.
            foreach (var answer in (await data.CheckInsAsync(command.MentorId, ct)).TakeWhile(c => c.SubmittedAt >= command.ForRequestedAt))
            {
                var pending = await store.ReadAsync<CheckInFollowUp>(SupervisionData.Container, CheckInFollowUp.IdFor(store.AgencyId, answer.Id), CheckInFollowUp.Partition, ct);
                if (pending is not null && pending.DueAt + CheckInFollowUp.GiveUpAfter > store.Now)
                {
                    return false;
                }
            }

            // Not answered: a mentor no longer active, or whom nobody supervises, is asked for none.
            if (await data.Mentoring.IsActiveAsync(command.MentorId, Roles.Mentor, ct)
                && await data.Mentoring.MentorAsync(command.MentorId, ct) is var mentor && await data.Mentoring.HasActiveSupervisorAsync(mentor, ct))
            {
                await data.RaiseAsync(mentor, new WellbeingFlag
                {
                    Id = FlagIdFor(mentor.Id, command.ForRequestedAt),
                    MentorId = mentor.Id,
                    Kind = FlagKind.Missed,
                    Reasons = [Reason],
                    RaisedAt = store.Now,
                }, notifier, mediator, ct);
                raised = true;
            }
        }

        // Done with this ask. A watch already moved on to a newer one stays; one a late write put back over a newer ask
        // still standing is made that ask's again.
        var id = CheckInRequestWatch.IdFor(store.AgencyId, command.MentorId);
        if (await store.ReadAsync<CheckInRequestWatch>(SupervisionData.Container, id, CheckInRequestWatch.Partition, ct) is { } watch && watch.ForRequestedAt == command.ForRequestedAt)
        {
            try
            {
                if (schedule is { RequestedBecause: not null, RequestedAt: { } standing } && standing != command.ForRequestedAt)
                {
                    await store.ReplaceAsync(SupervisionData.Container, watch with { ForRequestedAt = standing, DueAt = standing + CheckInRequestWatch.UnansweredAfter }, watch.ETag!, ct);
                }
                else
                {
                    await store.DeleteAsync(SupervisionData.Container, id, CheckInRequestWatch.Partition, watch.ETag, ct);
                }
            }
            catch (StoreException ex) when (ex.Kind is StoreErrorKind.PreconditionFailed or StoreErrorKind.NotFound)
            {
                // Moved on or gone meanwhile.
            }
        }

        return raised;
    }
}

/// <summary>
/// An urgent flag's hour is up: if no supervisor has seen it, they are told again (and it is counted). Not audited: an
/// entry per urgent flag, an hour after a mentor's check-in, would tell the audit log's readers whose answer was urgent.
/// </summary>
public sealed record CheckUrgentFlagSeen(string WatchId, DateTimeOffset DueAt) : ICommand<bool>;

internal sealed class UrgentFlagWatchHandler(SupervisionData data, Notifier notifier, IMediator mediator) : ICommandHandler<CheckUrgentFlagSeen, bool>
{
    public async ValueTask<bool> Handle(CheckUrgentFlagSeen command, CancellationToken ct)
    {
        var store = data.Store;
        var watch = await store.ReadAsync<UrgentFlagWatch>(SupervisionData.Container, command.WatchId, UrgentFlagWatch.Partition, ct);
        if (watch is null || watch.DueAt != command.DueAt)
        {
            return false;
        }

        var flag = await store.ReadAsync<WellbeingFlag>(SupervisionData.Container, watch.FlagId, store.AgencyId, ct);
        if (flag is not { Status: WellbeingFlagStatus.Open })
        {
            // Seen: a review whose lifting of the automatic hold failed after the flag was saved is finished here.
            if (flag is not null)
            {
                await data.EndReviewHoldAsync(flag.MentorId, mediator, ct);
            }

            await store.DeleteAsync(SupervisionData.Container, watch.Id, UrgentFlagWatch.Partition, watch.ETag, ct);
            return false;
        }

        // The hold again: one whose write failed when the flag was raised (a check-in refused, with no follow-up of its
        // own to finish it) would otherwise leave the mentor free to be matched until a supervisor looks. Its failing
        // keeps nobody from being told; it is tried again at the next look.
        Exception? holdFailed = null;
        try
        {
            await data.HoldUntilReviewedAsync(flag.MentorId, flag.Id, mediator, ct);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            holdFailed = ex;
        }

        // Told before the watch moves on: a failure here leaves it due for the next round, not an hour away, and the
        // notices' keys (of this due time) keep several instances from telling twice. Moving it lets one of them count
        // it. From now, after a time the worker was away: one notice for the hours missed, not one per hour in a burst.
        bool told;
        try
        {
            told = await TellStillUnseenAsync(flag, watch, ct);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // Nobody could be told: that above all is for the operators' alert, each round it stays so.
            data.Metrics.UrgentFlagStillUnseen();
            throw;
        }

        var next = watch.DueAt + UrgentFlagWatch.Every;
        try
        {
            await store.ReplaceAsync(SupervisionData.Container, watch with { DueAt = next > store.Now ? next : store.Now + UrgentFlagWatch.Every }, watch.ETag!, ct);
        }
        catch (StoreException ex) when (ex.Kind == StoreErrorKind.PreconditionFailed)
        {
            return false;
        }

        data.Metrics.UrgentFlagStillUnseen();
        if (holdFailed is not null)
        {
            ExceptionDispatchInfo.Throw(holdFailed);
        }

        return told;
    }

    private async Task<bool> TellStillUnseenAsync(WellbeingFlag flag, UrgentFlagWatch watch, CancellationToken ct)
    {
        var mentor = await data.Mentoring.MentorAsync(flag.MentorId, ct);

        // Of someone who no longer mentors, with no supervisor who could open it, the admins would be asked every hour to
        // give a supervisor to someone they do not find listed. The watch goes on: brought back, or given a supervisor, it tells again.
        if (!await data.Mentoring.IsActiveAsync(mentor.Id, Roles.Mentor, ct) && !await data.Mentoring.HasActiveSupervisorAsync(mentor, ct))
        {
            return false;
        }

        await data.AlertAsync(mentor, notifier, Notices.WellbeingUrgentWaiting, $"urgent-waiting~{flag.Id}~{watch.DueAt.UtcTicks}", ct);
        await data.EscalateUnseenAsync(mentor, flag, notifier, ct);

        return true;
    }
}

/// <summary>
/// A concern's week is up: if its supervisor has not seen it, the admins are told. Not audited, as an urgent flag's
/// watch is not: an entry a week after a check-in would tell the audit log's readers whose answers raised a concern.
/// </summary>
public sealed record CheckConcernFlagSeen(string WatchId, DateTimeOffset DueAt) : ICommand<bool>;

internal sealed class ConcernFlagWatchHandler(SupervisionData data, Notifier notifier) : ICommandHandler<CheckConcernFlagSeen, bool>
{
    public async ValueTask<bool> Handle(CheckConcernFlagSeen command, CancellationToken ct)
    {
        var store = data.Store;
        var watch = await store.ReadAsync<ConcernFlagWatch>(SupervisionData.Container, command.WatchId, ConcernFlagWatch.Partition, ct);
        if (watch is null || watch.DueAt != command.DueAt)
        {
            return false;
        }

        // Seen, or of someone who no longer mentors (whom nobody supervises, and the admins do not find listed): done.
        if (await store.ReadAsync<WellbeingFlag>(SupervisionData.Container, watch.FlagId, store.AgencyId, ct) is not { Status: WellbeingFlagStatus.Open } flag
            || !await data.Mentoring.IsActiveAsync(flag.MentorId, Roles.Mentor, ct))
        {
            await store.DeleteAsync(SupervisionData.Container, watch.Id, ConcernFlagWatch.Partition, watch.ETag, ct);
            return false;
        }

        // Told before the watch moves on, so a failure leaves it due for the next round rather than a week away; the
        // notice's key keeps several instances from telling twice. Looked at again when a supervisor given the mentor
        // since has had their week, or a week on.
        var mentor = await data.Mentoring.MentorAsync(flag.MentorId, ct);
        await data.EscalateUnseenConcernAsync(mentor, notifier, ct);
        var theirWeek = mentor.SupervisorSince + ConcernFlagWatch.AdminsAfter;
        try
        {
            await store.ReplaceAsync(SupervisionData.Container, watch with { DueAt = theirWeek > store.Now ? theirWeek.Value : store.Now + ConcernFlagWatch.AdminsAfter }, watch.ETag!, ct);
        }
        catch (StoreException ex) when (ex.Kind == StoreErrorKind.PreconditionFailed)
        {
            return false;
        }

        return true;
    }
}

/// <summary>
/// Every instance runs this (ADR 0005), from partitions every agency shares and each record in its agency's scope as
/// that agency's system user: it finishes check-ins whose request failed part way, tells again of urgent flags whose
/// hour is up, tells the admins of concerns left unseen a week, reminds mentors of check-ins coming up, and marks due
/// check-ins missed. Two instances may both try; the schedule's (and the watch's) version lets one, and no follow-up of
/// a check-in happens twice.
/// </summary>
internal sealed partial class CheckInWorker(IServiceScopeFactory scopes, IDocumentStore store, TimeProvider time, ILogger<CheckInWorker> log) : PeriodicWork(time, log)
{
    public const string SystemUser = "system-supervision";

    protected override TimeSpan Every => TimeSpan.FromMinutes(5);

    protected override Task RoundAsync(CancellationToken ct) => RunOnceAsync(ct);

    public async Task RunOnceAsync(CancellationToken ct)
    {
        // Check-ins first: one finished here starts its schedule again before that schedule could count as missed.
        await EachDueAsync<CheckInFollowUp>(CheckInFollowUp.Partition, followUp => new FinishCheckIn(followUp.Id), ct);
        await EachDueAsync<UrgentFlagWatch>(UrgentFlagWatch.Partition, watch => new CheckUrgentFlagSeen(watch.Id, watch.DueAt), ct);
        await EachDueAsync<ConcernFlagWatch>(ConcernFlagWatch.Partition, watch => new CheckConcernFlagSeen(watch.Id, watch.DueAt), ct);
        await EachDueAsync<CheckInReminder>(CheckInReminder.Partition, reminder => new RemindCheckIn(reminder.MentorId, reminder.ForDueAt), ct);
        await EachDueAsync<CheckInSlot>(CheckInSlot.Partition, slot => new MarkCheckInMissed(slot.MentorId, slot.DueAt - CheckInSchedule.MissedAfter), ct);
        await EachDueAsync<CheckInRequestWatch>(CheckInRequestWatch.Partition, watch => new MarkCheckInRequestUnanswered(watch.MentorId, watch.ForRequestedAt), ct);
    }

    /// <summary>
    /// Sends the command for each record of the shared partition that is due, in its agency's scope. One that fails is
    /// logged and tried again next round; it never keeps another agency's urgent flag from being told again.
    /// </summary>
    private async Task EachDueAsync<T>(string partition, Func<T, ICommand<bool>> command, CancellationToken ct)
        where T : Document
    {
        IReadOnlyList<T> dueNow;
        try
        {
            dueNow = await store.QueryAllAsync<T>(SupervisionData.Container, partition, [Filter.Le("dueAt", Time.GetUtcNow())], ct);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogDueUnread(log, partition, ex);
            return;
        }

        await SendEachAsync(scopes, dueNow, SystemUser, command, ct);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Supervision's due {Partition} could not be read; the next round tries again")]
    private static partial void LogDueUnread(ILogger logger, string partition, Exception exception);

}
