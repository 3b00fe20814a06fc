using System.Text.Json;
using Mediator;
using Microsoft.AspNetCore.Mvc;
using SurvivorConnect.Api.Features.Agencies;
using SurvivorConnect.Api.Features.Chat;
using SurvivorConnect.Api.Features.Mentoring;
using SurvivorConnect.Api.Features.Notifications;
using SurvivorConnect.Api.Features.Supervision.Rules;
using SurvivorConnect.Api.Infrastructure.Auth;
using SurvivorConnect.Api.Infrastructure.Errors;
using SurvivorConnect.Api.Infrastructure.Pipeline;
using SurvivorConnect.Api.Infrastructure.Tenancy;
using SurvivorConnect.Storage;

namespace SurvivorConnect.Api.Features.Supervision;

public sealed record CheckInQuestion(string Id, string Text);

/// <summary>One past check-in in plain words: when, and why it was asked for. Never a score.</summary>
public sealed record MyCheckInView(DateTimeOffset SubmittedAt, string Words);

/// <param name="RegularPaused">Supervised, but not mentoring now (their consent to it withdrawn): no regular check-in is due.</param>
public sealed record MyWellbeingView(
    bool Due, string? DueBecause, DateTimeOffset? NextDueAt, string InstrumentName, string RecallPeriod, int ScaleMin, IReadOnlyList<string> ScaleLabels,
    IReadOnlyList<CheckInQuestion> Questions, IReadOnlyList<MyCheckInView> History, string InstrumentKey, int InstrumentVersion, bool RegularPaused = false);

/// <summary>What the mentor is told after a check-in: kind words, and the crisis lines if they said they are not safe.</summary>
/// <param name="NextDueAt">None while nobody supervises the mentor: no check-in is due until someone does.</param>
public sealed record CheckInReply(string Message, IReadOnlyList<CrisisResource> CrisisResources, DateTimeOffset? NextDueAt);

/// <summary>
/// A check-in that failed on our side was not scored, and its answers may have said the mentor is not safe: the
/// failure carries the crisis lines, as an urgent answer's reply does. So does any refusal of the answers themselves
/// (their questions replaced meanwhile, a field missing): unscored, they may have said the mentor is not safe. Only a
/// caller who is not a signed-in mentor here, or is sending too fast, is answered without them.
/// </summary>
internal sealed class CrisisLinesOnFailure : ServerFailureAddition
{
    public override bool AppliesTo(int status) =>
        status >= 400 && status is not (StatusCodes.Status401Unauthorized or StatusCodes.Status403Forbidden or StatusCodes.Status429TooManyRequests);

    public override void AddTo(ProblemDetails problem, IServiceProvider services) =>
        problem.Extensions["crisisResources"] = services.GetRequiredService<ICurrentUser>() is { IsActive: true } user
            ? services.GetRequiredService<CrisisLineDirectory>().LastKnown(user.AgencyId)
            : services.GetRequiredService<CrisisLineDirectory>().Deployment;
}

/// <param name="SubmissionId">
/// The client's own id for this check-in (1 to 64 letters, digits, '-' or '_'), kept when it sends the same answers
/// again within a day, after an error, a lost reply or a reload: the check-in is then stored, flagged and told once.
/// </param>
/// <param name="InstrumentKey">The instrument whose questions were answered, as the check-in page gave it.</param>
/// <param name="InstrumentVersion">
/// Its version: answers to questions since replaced are refused, not scored on another version's scale, where a worrying
/// answer could read as a calm one.
/// </param>
public sealed record CheckInRequest(Dictionary<string, int>? Answers, string? SubmissionId = null, string? InstrumentKey = null, int? InstrumentVersion = null);

/// <summary>
/// A check-in's body as sent. One that does not read as a <see cref="CheckInRequest"/> (an answer sent as "3", a version
/// as "1": an app's small mistake) is still read as far as it can be, so that an answer that the mentor is not safe is
/// raised before the refusal, as it is for any other refused check-in.
/// </summary>
public static class CheckInBody
{
    /// <summary>The request, and the fields that could not be read as sent (none when it read as a whole).</summary>
    public static (CheckInRequest Request, IReadOnlyList<string> Unreadable) Read(JsonElement body, JsonSerializerOptions options)
    {
        try
        {
            return (body.Deserialize<CheckInRequest>(options) ?? new CheckInRequest(null), []);
        }
        catch (JsonException ex)
        {
            var field = ex.Path is { Length: > 2 } path && path.StartsWith("$.", StringComparison.Ordinal) ? path[2..].Split('.', '[')[0] : "body";
            return (Leniently(body), [field]);
        }
    }

    private static CheckInRequest Leniently(JsonElement body)
    {
        if (body.ValueKind != JsonValueKind.Object)
        {
            return new CheckInRequest(null);
        }

        JsonElement? Field(string name) =>
            body.EnumerateObject().Where(p => string.Equals(p.Name, name, StringComparison.OrdinalIgnoreCase)).Select(p => (JsonElement?)p.Value).FirstOrDefault();
        // 3.0 is 3, and 2.5 is read as 3: read only to raise an urgent answer, a fraction leans toward concern.
        static int? Number(JsonElement? value) => value switch
        {
            { ValueKind: JsonValueKind.Number } n when n.TryGetDecimal(out var d) => Whole(d),
            { ValueKind: JsonValueKind.String } t when decimal.TryParse(t.GetString(), System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var d) => Whole(d),
            _ => null,
        };
        static int? Whole(decimal d) => d is >= int.MinValue and <= int.MaxValue ? (int)decimal.Ceiling(d) : null;
        static string? Text(JsonElement? value) => value is { ValueKind: JsonValueKind.String } t ? t.GetString() : null;

        Dictionary<string, int>? answers = null;
        if (Field("answers") is { ValueKind: JsonValueKind.Object } given)
        {
            answers = [];
            foreach (var answer in given.EnumerateObject())
            {
                if (Number(answer.Value) is { } value)
                {
                    answers[answer.Name] = value;
                }
            }
        }

        return new CheckInRequest(answers, Text(Field("submissionId")), Text(Field("instrumentKey")), Number(Field("instrumentVersion")));
    }
}

public sealed record GetMyWellbeing : IQuery<MyWellbeingView>, IAudited
{
    public AuditTarget Audit => new("wellbeing.read-own", "check-in");
}

/// <param name="Unreadable">Fields of the body that could not be read as sent (see <see cref="CheckInBody"/>): refused, after any urgent answer is raised.</param>
public sealed record SubmitCheckIn(CheckInRequest Body, IReadOnlyList<string>? Unreadable = null) : ICommand<CheckInReply>, IAudited
{
    public AuditTarget Audit => new("wellbeing.check-in", "check-in");
}

internal sealed partial class CheckInHandlers(SupervisionData data, CheckInFollowUps followUps, CrisisLineDirectory crisisLines, ILogger<CheckInHandlers> logger)
    : IQueryHandler<GetMyWellbeing, MyWellbeingView>, ICommandHandler<SubmitCheckIn, CheckInReply>
{
    /// <summary>How long the same check-in sent again is recognised as the first send.</summary>
    public static readonly TimeSpan ResendWindow = TimeSpan.FromDays(1);

    public const string Thanks = "Thank you for checking in. Looking after yourself is part of this work, and your supervisor is there to talk things through.";

    /// <summary>To a mentor with no active supervisor just now; the agency is asked for one only when the answers raised a concern.</summary>
    public const string ThanksWithoutSupervisor = "Thank you for checking in. Looking after yourself is part of this work.";

    public const string ThanksAskingForSupervisor = "Thank you for checking in. Looking after yourself is part of this work. You have no supervisor just now, so the agency has been asked to give you one to talk things through with.";

    public const string UrgentWords =
        "Thank you for telling us. You matter, and you do not have to carry this alone. Your supervisor has been told and will reach out to you soon. If you are in danger or thinking of harming yourself, please reach out right now:";

    /// <summary>To a mentor whose supervisor is not told yet (a follow-up failed; the worker tells them within minutes): nobody is told a supervisor knows before they do.</summary>
    public const string UrgentWordsBeingTold =
        "Thank you for telling us. You matter, and you do not have to carry this alone. Your supervisor is being told and will reach out to you soon. If you are in danger or thinking of harming yourself, please reach out right now:";

    /// <summary>To a mentor with no active supervisor just now: nobody is told a supervisor knows when none does.</summary>
    public const string UrgentWordsWithoutSupervisor =
        "Thank you for telling us. You matter, and you do not have to carry this alone. You have no supervisor just now, so the agency has been asked to give you one at once, who will reach out to you. If you are in danger or thinking of harming yourself, please reach out right now:";

    /// <summary>As <see cref="UrgentWordsWithoutSupervisor"/>, before the agency has been asked (a follow-up failed; the worker asks within minutes).</summary>
    public const string UrgentWordsWithoutSupervisorBeingAsked =
        "Thank you for telling us. You matter, and you do not have to carry this alone. You have no supervisor just now, so the agency is being asked to give you one at once, who will reach out to you. If you are in danger or thinking of harming yourself, please reach out right now:";

    public async ValueTask<MyWellbeingView> Handle(GetMyWellbeing query, CancellationToken ct)
    {
        var me = await data.Mentoring.MentorAsync(data.Me, ct);
        // Regular check-ins run once someone supervises the mentor (a mentor supervised from before schedules were kept
        // starts theirs here); until then nothing is due, and nothing starts, though they checked in before (or had a
        // supervisor who left). A check-in someone asked for stays asked.
        var supervised = await data.Mentoring.HasActiveSupervisorAsync(me, ct);
        var schedule = supervised ? await data.ScheduleAsync(me.Id, ct) : await data.StartedScheduleAsync(me.Id, ct);
        // Nor is a regular one due while they are not mentoring (consent withdrawn); they may still check in.
        var paused = supervised && await data.Mentoring.StoppedMentoringAsync(me.Id, ct);
        supervised &= !paused;
        var instrument = await data.ActiveInstrumentAsync(ct);
        var history = (await data.CheckInsAsync(me.Id, ct))
            .Select(c => new MyCheckInView(c.SubmittedAt, c.RequestedBecause is { } because ? $"You checked in, after this: {because}" : "You checked in."))
            .ToList();
        return new MyWellbeingView(
            schedule is not null && (schedule.RequestedBecause is not null || supervised && schedule.DueAt <= data.Store.Now), schedule?.RequestedBecause, supervised ? schedule?.DueAt : null, instrument.Name, instrument.RecallPeriod,
            instrument.Scale.Min, instrument.Scale.Labels, [.. instrument.Items.Select(i => new CheckInQuestion(i.Id, i.Text))], history, instrument.Key, instrument.Version,
            paused);
    }

    public async ValueTask<CheckInReply> Handle(SubmitCheckIn command, CancellationToken ct)
    {
        var mentor = await data.Mentoring.MentorAsync(data.Me, ct);
        var settings = await data.SettingsAsync(ct);
        var instrument = await data.ActiveInstrumentAsync(ct);

        // Answers are scored only on the questions they answered: items keep their ids from one version to the next, and
        // one reversed in the next would read a worrying answer as a calm one.
        var (key, version) = (command.Body.InstrumentKey, command.Body.InstrumentVersion);
        if (key is not null && version is not null && (key != instrument.Key || version != instrument.Version))
        {
            await followUps.RaiseUrgentNotSentAsync(mentor, command.Body, instrument, ct);
            throw new ConflictException(QuestionsChanged);
        }

        var errors = new ValidationErrors();
        const string Required = "Required: the instrument and version whose questions were answered, as GET /api/supervision/me gives them.";
        if (key is null)
        {
            errors.Add("instrumentKey", Required);
        }

        if (version is null)
        {
            errors.Add("instrumentVersion", Required);
        }

        foreach (var field in command.Unreadable ?? [])
        {
            errors.Add(field, "Not in the form this takes: see GET /api/supervision/me (answers are whole numbers, the version a number).");
        }

        InstrumentRules.ValidateAnswers(instrument, command.Body.Answers, errors);
        if (command.Body.SubmissionId is { } submission && !ClientIds.IsValid(submission))
        {
            errors.Add("submissionId", "Use 1 to 64 letters, digits, '-' or '_'.");
        }

        if (errors.Any)
        {
            await followUps.RaiseUrgentNotSentAsync(mentor, command.Body, instrument, ct);
            throw new RequestValidationException(errors.ToDictionary());
        }

        var answers = command.Body.Answers!;
        var earlier = await data.CheckInsAsync(mentor.Id, ct);
        var schedule = await data.ScheduleAsync(mentor.Id, ct);
        // Sent again (after an error, a lost reply or a reload): the check-in as first stored stands. Long after, or with
        // an answer changed (perhaps to "not safe"), it is a check-in of its own, under the form's next id, so that one
        // sent twice in its turn is stored once too.
        var id = CheckInId(mentor.Id, command.Body.SubmissionId, 0);
        for (var resend = 1; earlier.FirstOrDefault(c => c.Id == id) is { } sentBefore; resend++)
        {
            if (SameAnswers(sentBefore, answers) && data.Store.Now - sentBefore.SubmittedAt <= ResendWindow)
            {
                // Its follow-ups finished already (a reload of the page that sent it): answered as then, nothing raised again.
                return await followUps.PendingAsync(sentBefore.Id, ct)
                    ? await FinishAsync(mentor, sentBefore, schedule, ct)
                    : await ReplyAsync(mentor, sentBefore, schedule.DueAt, ct);
            }

            id = CheckInId(mentor.Id, resend < MaxResends ? command.Body.SubmissionId : null, resend);
        }

        // Only answers to this very version are compared: another version may score on another scale.
        var sameVersion = earlier.Where(c => c.InstrumentKey == instrument.Key && c.InstrumentVersion == instrument.Version).ToList();
        // A slide is told once: each part measures from the last check-in that raised a concern about it (the scoring's).
        var comparable = sameVersion.Where((c, newer) => CheckInScoring.ComparedWith(newer, c.SubmittedAt, data.Store.Now)).ToList();
        var result = CheckInScoring.Score(instrument, answers, [.. comparable.Select(c => c.Scores)], settings.ConcernRise, [.. comparable.Select(c => c.Concerns)]);
        var checkIn = new CheckIn
        {
            Id = id,
            MentorId = mentor.Id,
            InstrumentKey = instrument.Key,
            InstrumentVersion = instrument.Version,
            Answers = answers,
            Scores = result.Scores,
            Urgent = result.Urgent,
            Concerns = result.Concerns,
            RequestedBecause = schedule.RequestedBecause,
            RequestedFor = schedule.RequestedFor,
            SubmittedAt = data.Store.Now,
        };
        await followUps.BeginAsync(checkIn, ct);
        try
        {
            checkIn = await data.Store.CreateAsync(SupervisionData.Container, checkIn, ct);
        }
        catch (StoreException ex) when (ex.Kind == StoreErrorKind.Conflict)
        {
            // The same check-in sent twice at once: the one stored first stands. Changed answers are one of their own.
            var stored = await data.Store.ReadAsync<CheckIn>(SupervisionData.Container, checkIn.Id, data.Store.AgencyId, ct);
            if (stored is null)
            {
                throw;
            }

            if (SameAnswers(stored, answers))
            {
                checkIn = stored;
            }
            else
            {
                // Its own follow-up record first, as for any check-in: an urgent answer here must not rest on this request.
                checkIn = checkIn with { Id = CheckInId(mentor.Id, null, 0) };
                await followUps.BeginAsync(checkIn, ct);
                checkIn = await data.Store.CreateAsync(SupervisionData.Container, checkIn, ct);
            }
        }

        return await FinishAsync(mentor, checkIn, schedule, ct);
    }

    /// <summary>
    /// The check-in is stored, so the mentor gets their reply (with the crisis lines for an urgent answer) even when a
    /// follow-up fails now: the worker finishes those from the follow-up record.
    /// </summary>
    private async Task<CheckInReply> FinishAsync(MentorProfile mentor, CheckIn checkIn, CheckInSchedule schedule, CancellationToken ct)
    {
        DateTimeOffset nextDueAt;
        try
        {
            nextDueAt = (await followUps.FinishAsync(mentor, checkIn, ct)).DueAt;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogFollowUpsLeft(logger, checkIn.Id, ex);
            return await ReplyAsync(mentor, checkIn, checkIn.SubmittedAt.AddDays(schedule.CadenceDays), ct, followedUp: false);
        }

        return await ReplyAsync(mentor, checkIn, nextDueAt, ct);
    }

    private async Task<CheckInReply> ReplyAsync(MentorProfile mentor, CheckIn checkIn, DateTimeOffset nextDueAt, CancellationToken ct, bool followedUp = true)
    {
        var supervised = await SupervisedNowAsync(mentor);
        var due = supervised ? nextDueAt : (DateTimeOffset?)null;
        return checkIn.Urgent
            ? new CheckInReply((supervised, followedUp) switch
            {
                (true, true) => UrgentWords,
                (true, false) => UrgentWordsBeingTold,
                (false, true) => UrgentWordsWithoutSupervisor,
                (false, false) => UrgentWordsWithoutSupervisorBeingAsked,
            }, await crisisLines.ForMyAgencyAsync(ct), due)
            : new CheckInReply(supervised ? Thanks : checkIn.Concerns.Count > 0 ? ThanksAskingForSupervisor : ThanksWithoutSupervisor, [], due);
    }

    /// <summary>Not known while the store fails: the usual words then, as nearly every mentor has a supervisor.</summary>
    private async Task<bool> SupervisedNowAsync(MentorProfile mentor)
    {
        try
        {
            return await data.Mentoring.HasActiveSupervisorAsync(mentor, CancellationToken.None);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            return true;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Check-in {CheckInId} is stored but its follow-ups failed; the supervision worker finishes them")]
    private static partial void LogFollowUpsLeft(ILogger logger, string checkInId, Exception exception);

    public const string QuestionsChanged = "The check-in's questions changed while you were answering. Please look at them again and send your answers.";

    /// <summary>How many changed sends of one form get ids of their own; past that, each is new.</summary>
    private const int MaxResends = 20;

    /// <summary>
    /// Made from the mentor, the client's submission id and which send of the form with changed answers it is (hashed,
    /// so it stays short), or new. Never from the answers: the id is shown in the audit log, and a hash of so few
    /// possible answers could be worked back to them.
    /// </summary>
    private static string CheckInId(string mentorId, string? submissionId, int resend) =>
        submissionId is null
            ? "checkin~" + AgencyStore.NewId()
            : "checkin~" + Digest.Of(resend == 0 ? $"{mentorId}~{submissionId}" : $"{mentorId}~{submissionId}~{resend}", 32);

    private static bool SameAnswers(CheckIn stored, Dictionary<string, int> answers) =>
        stored.Answers.Count == answers.Count && answers.All(a => stored.Answers.TryGetValue(a.Key, out var value) && value == a.Value);

}

/// <summary>Finishes the follow-ups of a check-in whose request failed after it was stored (see <see cref="CheckInFollowUp"/>).</summary>
public sealed record FinishCheckIn(string FollowUpId) : ICommand<bool>, IAudited
{
    public AuditTarget Audit => new("wellbeing.finish-check-in", "check-in-follow-up", FollowUpId);
}

internal sealed class FinishCheckInHandler(SupervisionData data, CheckInFollowUps followUps) : ICommandHandler<FinishCheckIn, bool>
{
    public async ValueTask<bool> Handle(FinishCheckIn command, CancellationToken ct)
    {
        var followUp = await data.Store.ReadAsync<CheckInFollowUp>(SupervisionData.Container, command.FollowUpId, CheckInFollowUp.Partition, ct);
        if (followUp is null || followUp.DueAt > data.Store.Now)
        {
            return false;
        }

        if (await data.Store.ReadAsync<CheckIn>(SupervisionData.Container, followUp.CheckInId, data.Store.AgencyId, ct) is not { } checkIn)
        {
            // Its request failed before storing it (the mentor was told so), or is still trying through an outage.
            if (followUp.DueAt + CheckInFollowUp.GiveUpAfter <= data.Store.Now)
            {
                await followUps.EndAsync(followUp.CheckInId, ct);
            }

            return false;
        }

        if (await data.Mentoring.FindMentorAsync(checkIn.MentorId, ct) is not { } mentor)
        {
            await followUps.EndAsync(followUp.CheckInId, ct);
            return false;
        }

        await followUps.FinishAsync(mentor, checkIn, ct);
        return true;
    }
}

/// <summary>
/// What follows a stored check-in: a flag if it raised one (with the hold, the hourly watch and the supervisors'
/// notices), its schedule starting again from it, then the follow-up record goes. No step happens twice however
/// often this runs, so the worker can finish what a failed request began.
/// </summary>
internal sealed class CheckInFollowUps(SupervisionData data, Notifier notifier, IMediator mediator)
{
    private const int MaxWriteAttempts = 5;

    /// <summary>Upserted: a check-in sent again finds the record of its first attempt, or none if that one finished.</summary>
    public async Task BeginAsync(CheckIn checkIn, CancellationToken ct) =>
        await data.Store.UpsertAsync(SupervisionData.Container, new CheckInFollowUp
        {
            Id = CheckInFollowUp.IdFor(data.Store.AgencyId, checkIn.Id),
            PartitionKey = CheckInFollowUp.Partition,
            CheckInId = checkIn.Id,
            DueAt = checkIn.SubmittedAt + CheckInFollowUp.Grace,
        }, ct);

    /// <summary>
    /// An urgent answer in a check-in refused (a question left out, the questions changed while it was filled in) is not
    /// left with a mentor who may close the page: their supervisor is told and the hold placed, as for any urgent answer.
    /// One flag for the form however often it is refused (its submission id; without one, for the mentor's day), and a
    /// flag of its own: the check-in sent whole later raises its own, with its concerns, whatever became of this one. No
    /// answer is kept. Should raising it fail, the refusal is a failure on our side: its problem carries the crisis
    /// lines, and the page keeps the answers to send again, which raises it again. Answers that do not say which questions
    /// they answer (an app leaving the instrument and its version out) are read as answers to the questions asked now, <paramref name="active"/>.
    /// </summary>
    public async Task RaiseUrgentNotSentAsync(MentorProfile mentor, CheckInRequest body, InstrumentDefinition active, CancellationToken ct)
    {
        var answered = body is { InstrumentKey: { } key, InstrumentVersion: { } version } && ClientIds.IsValid(key)
            ? await data.InstrumentAsync(key, version, ct) ?? active
            : active;
        if (body.Answers is not { } answers || !CheckInScoring.EndorsesUrgent(answered, answers))
        {
            return;
        }

        var form = body.SubmissionId is { } submission && ClientIds.IsValid(submission) ? submission : $"{data.Store.Now:yyyy-MM-dd}";
        await data.RaiseAsync(mentor, new WellbeingFlag
        {
            Id = await UnreviewedFlagIdAsync($"check-in not sent\n{mentor.Id}\n{form}", ct),
            MentorId = mentor.Id,
            Kind = FlagKind.Urgent,
            Reasons = [UrgentNotSent],
            RaisedAt = data.Store.Now,
        }, notifier, mediator, ct);
    }

    /// <summary>
    /// The form's flag, or, once a supervisor has reviewed it, the next one after it: an urgent answer refused again
    /// after that review (later that day, or from the same page) is news, and holds the mentor again.
    /// </summary>
    private async Task<string> UnreviewedFlagIdAsync(string form, CancellationToken ct)
    {
        var id = WellbeingFlag.IdFor(form);
        for (var reviewed = 0; reviewed < MaxReviewedFlagsPerForm
            && await data.Store.ReadAsync<WellbeingFlag>(SupervisionData.Container, id, data.Store.AgencyId, ct) is { Status: not WellbeingFlagStatus.Open }; reviewed++)
        {
            id = WellbeingFlag.IdFor($"{form}\nafter {id}");
        }

        return id;
    }

    // A bound on reads for a form refused and reviewed over and over; past it, the last flag stands for them all.
    private const int MaxReviewedFlagsPerForm = 20;

    public const string UrgentNotSent = "An urgent question about safety was answered in a check-in that could not be sent as it was.";

    /// <summary>The flag first: a schedule that keeps failing must never keep an urgent answer from its supervisor.</summary>
    public async Task<CheckInSchedule> FinishAsync(MentorProfile mentor, CheckIn checkIn, CancellationToken ct)
    {
        if (checkIn.Urgent || checkIn.Concerns.Count > 0)
        {
            var flagId = WellbeingFlag.IdFor($"check-in\n{checkIn.Id}");
            var raisedBefore = await data.Store.ReadAsync<WellbeingFlag>(SupervisionData.Container, flagId, data.Store.AgencyId, ct) is not null;

            // A check-in whose follow-ups were left to the worker before flag ids were opaque raised its flag as "wflag~"
            // and its own id: finished now, it is that flag whose steps are finished (none once reviewed), not a second raised.
            if (!raisedBefore && await data.Store.ReadAsync<WellbeingFlag>(SupervisionData.Container, "wflag~" + checkIn.Id, data.Store.AgencyId, ct) is not null)
            {
                (flagId, raisedBefore) = ("wflag~" + checkIn.Id, true);
            }

            // One unseen concern at a time: until the supervisor has seen it, what a later check-in adds goes on it (and
            // is seen with it). Once seen, a later concern is news and raises its own; an urgent answer always does. A
            // check-in added to one already is finished with it, seen since or not.
            var flags = raisedBefore || checkIn.Urgent ? [] : await data.FlagsAsync(mentor.Id, ct);
            var addedTo = flags.FirstOrDefault(f => f.AddedCheckIns.Contains(checkIn.Id, StringComparer.Ordinal));
            var unseen = flags.FirstOrDefault(f => f.Kind == FlagKind.Concern && f.Status == WellbeingFlagStatus.Open && f.AddedCheckIns.Count < WellbeingFlag.MaxAddedCheckIns);
            if (addedTo is not null)
            {
                if (addedTo.Status == WellbeingFlagStatus.Open)
                {
                    await data.AlertAsync(mentor, notifier, Notices.WellbeingConcernGrown, GrownKey(addedTo, checkIn), ct);
                }
            }
            else if (unseen is null || !await AddedToUnseenAsync(unseen, checkIn, mentor, ct))
            {
                await data.RaiseAsync(mentor, new WellbeingFlag
                {
                    Id = flagId,
                    MentorId = mentor.Id,
                    Kind = checkIn.Urgent ? FlagKind.Urgent : FlagKind.Concern,
                    Reasons = checkIn.Urgent ? ["An urgent question about safety was answered.", .. checkIn.Concerns] : checkIn.Concerns,
                    CheckInId = checkIn.Id,
                    RaisedAt = checkIn.SubmittedAt,
                }, notifier, mediator, ct);
            }
        }

        var schedule = await StartScheduleAgainAsync(checkIn, ct);
        await EndAsync(checkIn.Id, ct);
        return schedule;
    }

    /// <summary>
    /// Adds what a later check-in found to the concern its supervisor has not seen yet, each reason once, and tells the
    /// supervisor once for the check-in (a first notice may have gone unread, and finished again after a failure it is
    /// still told); false when the supervisor saw it (or it went) before this was added, or it holds as many as a flag may,
    /// so it is raised as news of its own.
    /// </summary>
    private async Task<bool> AddedToUnseenAsync(WellbeingFlag flag, CheckIn checkIn, MentorProfile mentor, CancellationToken ct)
    {
        for (var attempt = 1; ; attempt++)
        {
            if (flag.Status != WellbeingFlagStatus.Open || (flag.AddedCheckIns.Count >= WellbeingFlag.MaxAddedCheckIns && !flag.AddedCheckIns.Contains(checkIn.Id, StringComparer.Ordinal)))
            {
                return false;
            }

            // Added meanwhile by another finishing it (two instances, or the request and the worker): once is enough,
            // and writing it again would move the flag's version under a supervisor about to mark it seen.
            if (flag.AddedCheckIns.Contains(checkIn.Id, StringComparer.Ordinal))
            {
                await data.AlertAsync(mentor, notifier, Notices.WellbeingConcernGrown, GrownKey(flag, checkIn), ct);
                return true;
            }

            var added = checkIn.Concerns.Where(r => !flag.Reasons.Contains(r, StringComparer.Ordinal)).ToList();
            try
            {
                // Written also when every reason is there already: its version moves on, so "seen" sent from a page
                // read before this check-in is asked to read it again, and one sent meanwhile makes this a flag of its own.
                await data.Store.ReplaceAsync(SupervisionData.Container, flag with { Reasons = [.. flag.Reasons, .. added], AddedCheckIns = [.. flag.AddedCheckIns, checkIn.Id] }, flag.ETag!, ct);

                await data.AlertAsync(mentor, notifier, Notices.WellbeingConcernGrown, GrownKey(flag, checkIn), ct);
                return true;
            }
            catch (StoreException ex) when (ex.Kind == StoreErrorKind.PreconditionFailed && attempt < MaxWriteAttempts)
            {
                if (await data.Store.ReadAsync<WellbeingFlag>(SupervisionData.Container, flag.Id, data.Store.AgencyId, ct) is not { } current)
                {
                    return false;
                }

                flag = current;
            }
        }
    }

    private static string GrownKey(WellbeingFlag flag, CheckIn checkIn) => $"{flag.Id}~grew~{checkIn.Id}";

    /// <summary>Whether a check-in's follow-ups are still to finish (their record is there until they have).</summary>
    public async Task<bool> PendingAsync(string checkInId, CancellationToken ct) =>
        await data.Store.ReadAsync<CheckInFollowUp>(SupervisionData.Container, CheckInFollowUp.IdFor(data.Store.AgencyId, checkInId), CheckInFollowUp.Partition, ct) is not null;

    public async Task EndAsync(string checkInId, CancellationToken ct) =>
        await data.Store.DeleteAsync(SupervisionData.Container, CheckInFollowUp.IdFor(data.Store.AgencyId, checkInId), CheckInFollowUp.Partition, null, ct);

    /// <summary>
    /// The check-in is stored, so its schedule starts again from it whatever changed the schedule meanwhile: the worker
    /// marking this very check-in missed, or a supervisor changing the cadence. The mentor is never told their check-in
    /// failed because of either. A request for a check-in made after this one stays.
    /// </summary>
    private async Task<CheckInSchedule> StartScheduleAgainAsync(CheckIn checkIn, CancellationToken ct)
    {
        for (var attempt = 1; ; attempt++)
        {
            var schedule = await data.ScheduleAsync(checkIn.MentorId, ct);
            if (schedule.LastCheckInId == checkIn.Id || schedule.LastCheckInAt > checkIn.SubmittedAt)
            {
                return schedule;
            }

            var answered = schedule.RequestedAt is null || schedule.RequestedAt <= checkIn.SubmittedAt;
            try
            {
                return await data.SaveScheduleAsync(schedule with
                {
                    DueAt = checkIn.SubmittedAt.AddDays(schedule.CadenceDays),
                    RequestedBecause = answered ? null : schedule.RequestedBecause,
                    RequestedFor = answered ? null : schedule.RequestedFor,
                    RequestedAt = answered ? null : schedule.RequestedAt,
                    Missed = 0,
                    LastCheckInAt = checkIn.SubmittedAt,
                    LastCheckInId = checkIn.Id,
                }, ct);
            }
            catch (StoreException ex) when (ex.Kind == StoreErrorKind.PreconditionFailed && attempt < MaxWriteAttempts)
            {
                // Read it again as it now stands.
            }
        }
    }
}
