using System.Runtime.ExceptionServices;
using Mediator;
using SurvivorConnect.Api.Features.Mentoring;
using SurvivorConnect.Api.Features.Notifications;
using SurvivorConnect.Api.Features.People;
using SurvivorConnect.Api.Features.Supervision.Rules;
using SurvivorConnect.Api.Infrastructure.Auth;
using SurvivorConnect.Api.Infrastructure.Errors;
using SurvivorConnect.Api.Infrastructure.Hosting;
using SurvivorConnect.Api.Infrastructure.Tenancy;
using SurvivorConnect.Storage;

namespace SurvivorConnect.Api.Features.Supervision;

/// <summary>
/// Supervision's reads and writes, within the signed-in person's agency, and its one privacy rule: a mentor's
/// check-ins, flags and supervision notes are for the mentor and their supervisors only (<see cref="SupervisedAsync"/>).
/// </summary>
internal sealed class SupervisionData(AgencyStore store, MentoringData mentoring, AppMetrics metrics)
{
    public AgencyStore Store => store;

    public AppMetrics Metrics => metrics;

    public MentoringData Mentoring => mentoring;

    public static ContainerSpec Container => InstrumentDocument.Container;

    public string Me => store.User.UserId;

    public async Task<SupervisionSettings> SettingsAsync(CancellationToken ct) =>
        await store.FindAsync<SupervisionSettings>(Container, SupervisionSettings.DocumentId, ct) ?? new SupervisionSettings { Id = SupervisionSettings.DocumentId };

    /// <summary>An instrument version: one the agency loaded, or the shipped default.</summary>
    public async Task<InstrumentDefinition?> InstrumentAsync(string key, int version, CancellationToken ct) =>
        key == DefaultInstrument.Key && version == DefaultInstrument.Version1.Version
            ? DefaultInstrument.Version1
            : (await store.ReadAsync<InstrumentDocument>(Container, InstrumentDocument.IdFor(key, version), store.AgencyId, ct))?.Definition;

    public async Task<InstrumentDefinition> ActiveInstrumentAsync(CancellationToken ct)
    {
        var settings = await SettingsAsync(ct);
        return await InstrumentAsync(settings.InstrumentKey, settings.InstrumentVersion, ct) ?? DefaultInstrument.Version1;
    }

    /// <summary>What the supervisor is told of a flag: of its kind, and where an urgent one came from.</summary>
    public static Notice NoticeFor(WellbeingFlag flag) => flag switch
    {
        { Kind: FlagKind.Urgent, ChatFlagId: not null } => Notices.MentorChatUrgentToSupervisor,
        { Kind: FlagKind.Urgent } => Notices.WellbeingUrgent,
        { Kind: FlagKind.Missed } => Notices.WellbeingMissed,
        _ => Notices.WellbeingConcern,
    };

    /// <summary>
    /// Whether a mentor's regular check-ins run: active in the role, supervised by someone active, and not having stopped
    /// mentoring (their consent to it withdrawn): such a mentor is mentoring nobody, and is asked for nothing, no
    /// reminders, and no misses counted.
    /// </summary>
    public async Task<bool> RhythmRunsAsync(MentorProfile mentor, CancellationToken ct) =>
        await mentoring.IsActiveAsync(mentor.Id, Roles.Mentor, ct) && await mentoring.HasActiveSupervisorAsync(mentor, ct)
        && !await mentoring.StoppedMentoringAsync(mentor.Id, ct);

    /// <summary>
    /// Tells a mentor's supervisor of a flag (once for <paramref name="key"/>). Only their own supervisor can open it, so
    /// for a mentor without an active one (none assigned yet, or deactivated, or no longer a supervisor) the agency's
    /// admins are told to assign one instead: the flag then waits for whoever they assign. No notice carries answers.
    /// </summary>
    public async Task AlertAsync(MentorProfile mentor, Notifier notifier, Notice notice, string key, CancellationToken ct)
    {
        if (await mentoring.HasActiveSupervisorAsync(mentor, ct))
        {
            await notifier.SendOnceAsync(mentor.SupervisorId!, notice, key, ct);
            return;
        }

        // A key of its own: an admin asked to assign a supervisor who assigns themselves is then told of the flag too.
        // A mentor who is also an admin is not the one asked to see to their own answer, unless no other admin could be.
        var toAdmins = notice == Notices.MentorChatUrgentToSupervisor ? Notices.MentorChatUrgentWithoutSupervisor
            : notice == Notices.WellbeingUrgent || notice == Notices.WellbeingUrgentWaiting ? Notices.MentorNeedsSupervisorUrgent
            : Notices.MentorNeedsSupervisor;
        await notifier.SendOnceToAdminsAsync(toAdmins, "needs-supervisor~" + key, ct, except: [mentor.Id]);
    }

    /// <summary>
    /// An urgent answer its supervisor has left unseen past <see cref="UrgentFlagWatch.AdminsAfter"/>: they may be away,
    /// and only they can open it, so the admins are asked (once for each supervisor's turn) to give the mentor one who can act now.
    /// </summary>
    public async Task EscalateUnseenAsync(MentorProfile mentor, WellbeingFlag urgent, Notifier notifier, CancellationToken ct)
    {
        if (UrgentFlagWatch.SupervisorHadTime(urgent.RaisedAt, mentor.SupervisorSince, Store.Now) && await mentoring.HasActiveSupervisorAsync(mentor, ct))
        {
            // Once for each supervisor who left it unseen: one given the mentor since has their own two hours.
            await notifier.SendOnceToAdminsAsync(Notices.WellbeingUrgentUnseen, $"urgent-unseen~{urgent.Id}~{mentor.SupervisorId}~{mentor.SupervisorSince?.UtcTicks}", ct, except: [mentor.Id]);
        }
    }

    /// <summary>A mentor the signed-in supervisor is assigned to; any other mentor reads as not there.</summary>
    public async Task<MentorProfile> SupervisedAsync(string mentorId, CancellationToken ct)
    {
        var mentor = await mentoring.MentorAsync(mentorId, ct);
        return mentoring.Supervises(mentor)
            ? mentoring.Basis.RecordAs(AccessBasis.Supervision, mentor)
            : throw new NotFoundException("mentor");
    }

    /// <summary>
    /// The mentors the signed-in supervisor is assigned to (never themselves), each a read of that mentor's wellbeing in
    /// the audit log, under the supervision they give.
    /// </summary>
    public async Task<IReadOnlyList<MentorProfile>> MyMentorsAsync(CancellationToken ct)
    {
        List<MentorProfile> mentors = [.. (await store.AllAsync<MentorProfile>(MentorProfile.Container, [Filter.Eq("supervisorId", Me)], ct)).Where(m => m.Id != Me)];
        mentoring.Basis.Record(AccessBasis.Supervision);
        mentoring.Listed.AddMentors(mentors.Select(m => m.Id));
        return mentors;
    }

    /// <summary>A mentor's schedule; the first time anyone looks, it starts, with the first check-in due one cadence on.</summary>
    public async Task<CheckInSchedule> ScheduleAsync(string mentorId, CancellationToken ct) =>
        await store.ReadAsync<CheckInSchedule>(Container, CheckInSchedule.IdFor(mentorId), store.AgencyId, ct)
        ?? await StartScheduleAsync(mentorId, ct);

    /// <summary>
    /// The schedule if it was started, without starting it: a mentor opening their page before anyone supervises them
    /// starts no clock whose missed check-ins would be counted and raised.
    /// </summary>
    public async Task<CheckInSchedule?> StartedScheduleAsync(string mentorId, CancellationToken ct) =>
        await store.ReadAsync<CheckInSchedule>(Container, CheckInSchedule.IdFor(mentorId), store.AgencyId, ct);

    private CheckInSchedule NewSchedule(string mentorId) =>
        new() { Id = CheckInSchedule.IdFor(mentorId), MentorId = mentorId, DueAt = store.Now.AddDays(SupervisionSettings.DefaultCadenceDays) };

    /// <summary>
    /// Its slot first: a schedule stored without one (the store or the request gone between the two writes) would never
    /// count a miss, as later reads find the schedule and leave it be; a slot without a schedule starts one when it falls due.
    /// </summary>
    private async Task<CheckInSchedule> StartScheduleAsync(string mentorId, CancellationToken ct)
    {
        var schedule = NewSchedule(mentorId);
        await KeepSlotAsync(schedule, ct);
        try
        {
            return await store.CreateAsync(Container, schedule, ct);
        }
        catch (StoreException ex) when (ex.Kind == StoreErrorKind.Conflict)
        {
            // Started meanwhile by another request, whose slot this one's may have moved.
            var started = (await store.ReadAsync<CheckInSchedule>(Container, CheckInSchedule.IdFor(mentorId), store.AgencyId, ct))!;
            await KeepSlotAsync(started, ct);
            return started;
        }
    }

    /// <summary>Saves a schedule (checked against the version read) and keeps its slot on the shared due list.</summary>
    public async Task<CheckInSchedule> SaveScheduleAsync(CheckInSchedule schedule, CancellationToken ct)
    {
        var saved = schedule.ETag is null ? await store.CreateAsync(Container, schedule, ct) : await store.ReplaceAsync(Container, schedule, schedule.ETag, ct);
        await KeepSlotAsync(saved, ct);
        return saved;
    }

    /// <summary>Puts the schedule's slot on the shared due list at the time its check-in counts as missed, and its reminder before the due date.</summary>
    public async Task KeepSlotAsync(CheckInSchedule schedule, CancellationToken ct)
    {
        await store.UpsertAsync(Container, new CheckInSlot
        {
            Id = CheckInSlot.IdFor(store.AgencyId, schedule.MentorId),
            PartitionKey = CheckInSlot.Partition,
            MentorId = schedule.MentorId,
            DueAt = schedule.DueAt + CheckInSchedule.MissedAfter,
        }, ct);
        await store.UpsertAsync(Container, new CheckInReminder
        {
            Id = CheckInReminder.IdFor(store.AgencyId, schedule.MentorId),
            PartitionKey = CheckInReminder.Partition,
            MentorId = schedule.MentorId,
            ForDueAt = schedule.DueAt,
            DueAt = schedule.DueAt - CheckInReminder.Lead,
        }, ct);
    }

    /// <summary>A mentor's check-ins, newest first.</summary>
    public async Task<List<CheckIn>> CheckInsAsync(string mentorId, CancellationToken ct) =>
        [.. (await store.AllAsync<CheckIn>(Container, [Filter.Eq("mentorId", mentorId)], ct)).OrderByDescending(c => c.SubmittedAt)];

    public async Task<List<RegularSupervision>> RegularSessionsAsync(string mentorId, CancellationToken ct) =>
        [.. (await store.AllAsync<RegularSupervision>(Container, [Filter.Eq("mentorId", mentorId)], ct)).OrderByDescending(s => s.Date)];

    public async Task<List<WellbeingFlag>> FlagsAsync(string mentorId, CancellationToken ct) =>
        [.. (await store.AllAsync<WellbeingFlag>(Container, [Filter.Eq("mentorId", mentorId)], ct)).OrderByDescending(f => f.RaisedAt)];

    /// <summary>
    /// Raises a flag (once for its id), tells whoever should know at once (stored, and pushed live to those signed
    /// in), and for an urgent one holds the mentor from new matches until a supervisor reviews it. A flag raised
    /// before by a request that failed part way gets the rest: each step happens once however often this runs, and
    /// the hold and the hourly watch only while nobody has seen the flag.
    /// </summary>
    /// <param name="alert">False when whoever should know was told already, by what raised it.</param>
    public async Task RaiseAsync(MentorProfile mentor, WellbeingFlag flag, Notifier notifier, IMediator mediator, CancellationToken ct, bool alert = true)
    {
        WellbeingFlag raised;
        try
        {
            raised = await store.CreateAsync(Container, flag, ct);
            if (raised.Kind == FlagKind.Urgent)
            {
                metrics.UrgentFlagRaised();
            }
        }
        catch (StoreException ex) when (ex.Kind == StoreErrorKind.Conflict)
        {
            // Raised before; gone only if erased since, and then there is nothing left to tell.
            if (await store.ReadAsync<WellbeingFlag>(Container, flag.Id, store.AgencyId, ct) is not { } before)
            {
                return;
            }

            raised = before;
        }

        // Each step is tried whatever became of the others: the notices' store failing must not leave the mentor free to
        // be matched, nor a hold's failure keep the answer from the supervisor. The first failure is thrown after, for
        // the worker to finish the rest (each step is done once however often it is tried).
        // The hold first: until it is written, a match step could still take the mentor on.
        var failures = new List<Exception>();
        var urgent = raised is { Kind: FlagKind.Urgent, Status: WellbeingFlagStatus.Open };
        if (urgent)
        {
            await TryAsync(() => HoldUntilReviewedAsync(mentor.Id, raised.Id, mediator, ct), failures);
        }

        if (alert)
        {
            await TryAsync(() => AlertAsync(mentor, notifier, NoticeFor(raised), raised.AlertKey, ct), failures);
        }

        if (raised.Status == WellbeingFlagStatus.Open)
        {
            await TryAsync(() => WatchAsync(raised, ct), failures);
        }

        if (failures.Count > 0)
        {
            ExceptionDispatchInfo.Throw(failures[0]);
        }
    }

    private static async Task TryAsync(Func<Task> step, List<Exception> failures)
    {
        try
        {
            await step();
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            failures.Add(ex);
        }
    }

    /// <summary>Holds the mentor from new matches while an urgent flag waits for review; done again, it changes nothing.</summary>
    public async Task HoldUntilReviewedAsync(string mentorId, string flagId, IMediator mediator, CancellationToken ct)
    {
        await mediator.Send(new HoldForWellbeingReview(mentorId), ct);

        // A supervisor who reviewed the flag in the meantime lifted a hold that was not there yet.
        if (await store.ReadAsync<WellbeingFlag>(Container, flagId, store.AgencyId, ct) is not { Status: WellbeingFlagStatus.Open })
        {
            await EndReviewHoldAsync(mentorId, mediator, ct);
        }
    }

    /// <summary>
    /// Lifts the automatic hold, unless another urgent flag of the mentor still waits for a supervisor's review. An
    /// urgent flag raised while it was being lifted (whose own hold found this one still there) puts it back.
    /// </summary>
    public async Task EndReviewHoldAsync(string mentorId, IMediator mediator, CancellationToken ct)
    {
        if (await UrgentWaitingAsync(mentorId, ct) || !await mediator.Send(new EndWellbeingReviewHold(mentorId), ct))
        {
            return;
        }

        if (await UrgentWaitingAsync(mentorId, ct))
        {
            await mediator.Send(new HoldForWellbeingReview(mentorId), ct);
        }
    }

    private async Task<bool> UrgentWaitingAsync(string mentorId, CancellationToken ct) =>
        (await FlagsAsync(mentorId, ct)).Any(f => f is { Kind: FlagKind.Urgent, Status: WellbeingFlagStatus.Open });

    /// <summary>Puts a flag on its watch (an urgent one hourly, a concern weekly), unless it is there already (and perhaps moved on).</summary>
    private async Task WatchAsync(WellbeingFlag flag, CancellationToken ct)
    {
        var id = FlagWatch.IdFor(store.AgencyId, flag.Id);
        FlagWatch watch = flag.Kind == FlagKind.Urgent
            ? new UrgentFlagWatch { Id = id, PartitionKey = UrgentFlagWatch.Partition, FlagId = flag.Id, DueAt = flag.RaisedAt + UrgentFlagWatch.Every }
            : new ConcernFlagWatch { Id = id, PartitionKey = ConcernFlagWatch.Partition, FlagId = flag.Id, DueAt = flag.RaisedAt + ConcernFlagWatch.AdminsAfter };
        try
        {
            await store.CreateAsync(Container, watch, ct);
        }
        catch (StoreException ex) when (ex.Kind == StoreErrorKind.Conflict)
        {
            // Watched already, and its next look may have moved on since: that one stands.
        }
    }

    /// <summary>
    /// A concern its supervisor has left unseen for <see cref="ConcernFlagWatch.AdminsAfter"/>: the admins are told, once
    /// for each supervisor's turn, of the mentor's oldest concern still unseen (a mentor missing check-ins has a flag for
    /// each one missed, which is one thing to tell). Not of a mentor without an active supervisor, of whom the admins
    /// were told when it was raised.
    /// </summary>
    public async Task EscalateUnseenConcernAsync(MentorProfile mentor, Notifier notifier, CancellationToken ct)
    {
        var oldest = (await FlagsAsync(mentor.Id, ct)).Where(f => f is { Status: WellbeingFlagStatus.Open, Kind: not FlagKind.Urgent }).MinBy(f => f.RaisedAt);
        if (oldest is not null && ConcernFlagWatch.SupervisorHadTime(oldest.RaisedAt, mentor.SupervisorSince, Store.Now) && await mentoring.HasActiveSupervisorAsync(mentor, ct))
        {
            await notifier.SendOnceToAdminsAsync(Notices.WellbeingConcernUnseen, $"concern-unseen~{oldest.Id}~{mentor.SupervisorId}~{mentor.SupervisorSince?.UtcTicks}", ct, except: [mentor.Id]);
        }
    }

    public async Task<WellbeingFlag> FlagAsync(string flagId, CancellationToken ct) =>
        // An id no flag could have is not there, as an unknown one is: not a store's refusal of its characters (400).
        flagId.StartsWith("wflag~", StringComparison.Ordinal) && flagId.Length <= 200 && flagId.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '~')
        && await store.ReadAsync<WellbeingFlag>(Container, flagId, store.AgencyId, ct) is { } flag
            ? flag
            : throw new NotFoundException("flag");
}
