using Mediator;
using Microsoft.Extensions.Options;
using SurvivorConnect.Api.Features.Chat;
using SurvivorConnect.Api.Features.Notifications;
using SurvivorConnect.Api.Features.Supervision.Rules;
using SurvivorConnect.Api.Infrastructure.Errors;
using SurvivorConnect.Api.Infrastructure.Pipeline;
using SurvivorConnect.Api.Infrastructure.Tenancy;
using SurvivorConnect.Storage;

namespace SurvivorConnect.Api.Features.Supervision;

public sealed record CheckInQuestion(string Id, string Text);

/// <summary>One past check-in in plain words: when, and why it was asked for. Never a score.</summary>
public sealed record MyCheckInView(DateTimeOffset SubmittedAt, string Words);

public sealed record MyWellbeingView(
    bool Due, string? DueBecause, DateTimeOffset NextDueAt, string InstrumentName, string RecallPeriod, int ScaleMin, IReadOnlyList<string> ScaleLabels,
    IReadOnlyList<CheckInQuestion> Questions, IReadOnlyList<MyCheckInView> History);

/// <summary>What the mentor is told after a check-in: kind words, and the crisis lines if they said they are not safe.</summary>
public sealed record CheckInReply(string Message, IReadOnlyList<CrisisResource> CrisisResources, DateTimeOffset NextDueAt);

public sealed record CheckInRequest(Dictionary<string, int>? Answers);

public sealed record GetMyWellbeing : IQuery<MyWellbeingView>, IAudited
{
    public AuditTarget Audit => new("wellbeing.read-own", "check-in");
}

public sealed record SubmitCheckIn(CheckInRequest Body) : ICommand<CheckInReply>, IAudited
{
    public AuditTarget Audit => new("wellbeing.check-in", "check-in");
}

internal sealed class CheckInHandlers(SupervisionData data, Notifier notifier, IMediator mediator, IOptions<ChatOptions> chat)
    : IQueryHandler<GetMyWellbeing, MyWellbeingView>, ICommandHandler<SubmitCheckIn, CheckInReply>
{
    private const int MaxScheduleAttempts = 5;

    public const string Thanks = "Thank you for checking in. Looking after yourself is part of this work, and your supervisor is there to talk things through.";

    public const string UrgentWords =
        "Thank you for telling us. You matter, and you do not have to carry this alone. Your supervisor has been told and will reach out to you soon. If you are in danger or thinking of harming yourself, please reach out right now:";

    public async ValueTask<MyWellbeingView> Handle(GetMyWellbeing query, CancellationToken ct)
    {
        var me = await data.Mentoring.MentorAsync(data.Me, ct);
        var schedule = await data.ScheduleAsync(me.Id, ct);
        var instrument = await data.ActiveInstrumentAsync(ct);
        var history = (await data.CheckInsAsync(me.Id, ct))
            .Select(c => new MyCheckInView(c.SubmittedAt, c.RequestedBecause is { } because ? $"You checked in, after this: {because}" : "You checked in."))
            .ToList();
        return new MyWellbeingView(
            schedule.RequestedBecause is not null || schedule.DueAt <= data.Store.Now, schedule.RequestedBecause, schedule.DueAt, instrument.Name, instrument.RecallPeriod,
            instrument.Scale.Min, instrument.Scale.Labels, [.. instrument.Items.Select(i => new CheckInQuestion(i.Id, i.Text))], history);
    }

    public async ValueTask<CheckInReply> Handle(SubmitCheckIn command, CancellationToken ct)
    {
        var mentor = await data.Mentoring.MentorAsync(data.Me, ct);
        var settings = await data.SettingsAsync(ct);
        var instrument = await data.ActiveInstrumentAsync(ct);
        var errors = new ValidationErrors();
        InstrumentRules.ValidateAnswers(instrument, command.Body.Answers, errors);
        if (errors.Any)
        {
            throw new RequestValidationException(errors.ToDictionary());
        }

        var answers = command.Body.Answers!;
        var earlier = await data.CheckInsAsync(mentor.Id, ct);
        var result = CheckInScoring.Score(instrument, answers, [.. earlier.Where(c => c.InstrumentKey == instrument.Key).Select(c => c.Scores)], settings.ConcernRise);
        var schedule = await data.ScheduleAsync(mentor.Id, ct);
        var now = data.Store.Now;
        var checkIn = await data.Store.CreateAsync(SupervisionData.Container, new CheckIn
        {
            Id = "checkin~" + AgencyStore.NewId(),
            MentorId = mentor.Id,
            InstrumentKey = instrument.Key,
            InstrumentVersion = instrument.Version,
            Answers = answers,
            Scores = result.Scores,
            Urgent = result.Urgent,
            Concerns = result.Concerns,
            RequestedBecause = schedule.RequestedBecause,
            SubmittedAt = now,
        }, ct);
        schedule = await ResetScheduleAsync(schedule, now, ct);

        // One concern at a time: while one is open its supervisor is already on it; an urgent answer always raises its own.
        var concernOpen = !result.Urgent && (await data.FlagsAsync(mentor.Id, ct)).Any(f => f.Kind == FlagKind.Concern && f.Status != WellbeingFlagStatus.Resolved);
        if (result.Urgent || (result.Concerns.Count > 0 && !concernOpen))
        {
            await data.RaiseAsync(mentor, new WellbeingFlag
            {
                Id = "wflag~" + AgencyStore.NewId(),
                MentorId = mentor.Id,
                Kind = result.Urgent ? FlagKind.Urgent : FlagKind.Concern,
                Reasons = result.Urgent ? ["An urgent question about safety was answered.", .. result.Concerns] : result.Concerns,
                CheckInId = checkIn.Id,
                RaisedAt = now,
            }, notifier, mediator, ct);
        }

        return result.Urgent
            ? new CheckInReply(UrgentWords, chat.Value.CrisisResources, schedule.DueAt)
            : new CheckInReply(Thanks, [], schedule.DueAt);
    }

    /// <summary>
    /// The check-in is stored, so its schedule starts again from now whatever changed it meanwhile: the worker marking
    /// this very check-in missed, or a supervisor changing the cadence. The mentor is never told their check-in failed
    /// because of either.
    /// </summary>
    private async Task<CheckInSchedule> ResetScheduleAsync(CheckInSchedule schedule, DateTimeOffset now, CancellationToken ct)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await data.SaveScheduleAsync(schedule with
                {
                    DueAt = now.AddDays(schedule.CadenceDays),
                    RequestedBecause = null,
                    RequestedAt = null,
                    Missed = 0,
                    LastCheckInAt = now,
                }, ct);
            }
            catch (StoreException ex) when (ex.Kind == StoreErrorKind.PreconditionFailed && attempt < MaxScheduleAttempts)
            {
                schedule = await data.ScheduleAsync(schedule.MentorId, ct);
            }
        }
    }
}
