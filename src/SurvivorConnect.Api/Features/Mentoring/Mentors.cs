using System.Globalization;
using Mediator;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using SurvivorConnect.Api.Features.Agencies;
using SurvivorConnect.Api.Features.Mentoring.Rules;
using SurvivorConnect.Api.Features.Notifications;
using SurvivorConnect.Api.Features.People;
using SurvivorConnect.Api.Infrastructure.Auth;
using SurvivorConnect.Api.Infrastructure.Errors;
using SurvivorConnect.Api.Infrastructure.Pipeline;
using SurvivorConnect.Storage;

namespace SurvivorConnect.Api.Features.Mentoring;

public sealed record MentorView(
    string Id, string DisplayName, IReadOnlyList<string> Languages, string? Gender, string? AgeRange, string? Region, GeoPoint? Location,
    int TravelRadiusMiles, IReadOnlyList<string> Availability, IReadOnlyList<string> Interests, IReadOnlyList<string> LivedExperienceTags,
    IReadOnlyList<StageOfChange> ExperiencedStages, bool LgbtqAffirming, int Capacity, string? SupervisorId,
    ReadinessGate? Screening, ReadinessGate? Training, ReadinessGate? SupervisorClearance, SupervisorHold? Hold,
    int OpenMatches, bool ConsentsToMentoring, IReadOnlyList<string> MatchBlockers, string Version = "", string ReadinessVersion = "");

public sealed record MentorLoad(string MentorId, int Capacity, int OpenMatches, IReadOnlyDictionary<MatchState, int> ByState, bool OnHold);

public sealed record MentorProfileRequest(
    string? DisplayName, string[]? Languages, string? Gender, string? AgeRange, string? Region, GeoPoint? Location, int? TravelRadiusMiles,
    string[]? Availability, string[]? Interests, string[]? LivedExperienceTags, string[]? ExperiencedStages, bool? LgbtqAffirming, int? Capacity);

/// <param name="Take">False for no new matches for now (current ones carry on); true to be offered them again.</param>
public sealed record NewMatchesRequest(bool? Take);

/// <param name="Withdrawn">
/// Checks taken back (by the name of their date's field): one recorded in error, or a clearance a supervisor no longer
/// gives. The mentor is offered to youth again only once it is recorded anew. A date left out keeps the check as it stands.
/// </param>
public sealed record ReadinessRequest(DateOnly? ScreeningPassedOn, DateOnly? TrainingCompletedOn, DateOnly? SupervisorClearedOn, IReadOnlyList<string>? Withdrawn = null)
{
    public const string ScreeningField = "screeningPassedOn";
    public const string TrainingField = "trainingCompletedOn";
    public const string ClearanceField = "supervisorClearedOn";

    public static readonly IReadOnlyList<string> Fields = [ScreeningField, TrainingField, ClearanceField];

    public (string Field, DateOnly? Day)[] Dated() => [(ScreeningField, ScreeningPassedOn), (TrainingField, TrainingCompletedOn), (ClearanceField, SupervisorClearedOn)];

    /// <summary>
    /// The checks as they stand, as the If-Match of a change to them (<see cref="MentorView.ReadinessVersion"/>); null
    /// before any is recorded. Supervisors and admins all record them, so one sending the dates it last saw would
    /// otherwise bring back a check another took back.
    /// </summary>
    public static string? VersionOf(MentorProfile mentor) => VersionOf(mentor.Screening?.On, mentor.Training?.On, mentor.SupervisorClearance?.On);

    public static string? VersionOf(DateOnly? screening, DateOnly? training, DateOnly? clearance) =>
        screening is null && training is null && clearance is null
            ? null
            : string.Join('.', new[] { screening, training, clearance }.Select(d => d?.ToString("yyyyMMdd", CultureInfo.InvariantCulture) ?? "none"));
}

public sealed record SupervisorRequest(string? SupervisorId);

/// <param name="Replaces">When the mentor is already held: the <c>since</c> of the hold being changed, as last seen.</param>
public sealed record HoldRequest(string? Reason, bool? StopsChat, DateTimeOffset? Replaces);

/// <param name="Since">The <c>since</c> of the hold being lifted, as last seen.</param>
public sealed record ReleaseHoldRequest(DateTimeOffset? Since);

public sealed record GetMyMentorProfile : IQuery<MentorView>;

/// <param name="IfMatch">
/// The version of what the mentor shares the page was made from (<see cref="MentorView.Version"/>; empty: before there
/// was a profile), so a save from an older tab does not undo one made since.
/// </param>
public sealed record SaveMyMentorProfile(MentorProfileRequest Profile, string? IfMatch = null) : ICommand<MentorView>, IValidate, IAudited
{
    public AuditTarget Audit => new("mentor.save-own-profile", "mentor");

    public void Validate(ValidationErrors errors)
    {
        errors.Text("displayName", Profile.DisplayName, 60)
            .Tags("languages", Profile.Languages).Tags("availability", Profile.Availability).Tags("interests", Profile.Interests)
            .Tags("livedExperienceTags", Profile.LivedExperienceTags)
            .Text("gender", Profile.Gender, ValidationErrors.MaxTagLength, required: false)
            .Text("ageRange", Profile.AgeRange, 20, required: false)
            .Text("region", Profile.Region, 80, required: false)
            .Location("location", Profile.Location)
            .Range("travelRadiusMiles", Profile.TravelRadiusMiles, 0, 500)
            .Range("capacity", Profile.Capacity, 1, 10);
        foreach (var stage in Profile.ExperiencedStages ?? [])
        {
            errors.Stage("experiencedStages", stage);
        }
    }
}

/// <summary>The mentor takes no new matches for now, or takes them again; their current matches and chats carry on either way.</summary>
public sealed record SetMyNewMatches(bool? Take) : ICommand<MentorView>, IValidate, IAudited
{
    public AuditTarget Audit => new("mentor.new-matches", "mentor");

    public void Validate(ValidationErrors errors)
    {
        if (Take is null)
        {
            errors.Add("take", "Say whether you take new matches.");
        }
    }
}

/// <summary>Audited: the list carries every mentor's lived-experience tags.</summary>
public sealed record ListMentors(int PageSize, string? ContinuationToken) : IQuery<Page<MentorView>>, IValidate, IAudited
{
    public AuditTarget Audit => new("mentor.list", "mentor");

    public void Validate(ValidationErrors errors) => Paging.Validate(errors, PageSize);
}

public sealed record GetMentor(string MentorId) : IQuery<MentorView>, IAudited
{
    public AuditTarget Audit => new("mentor.read", "mentor", MentorId);
}

/// <param name="IfMatch">The <see cref="MentorView.ReadinessVersion"/> the change was made from; needed once any check is recorded.</param>
public sealed record RecordReadiness(string MentorId, ReadinessRequest Gates, string? IfMatch = null) : ICommand<MentorView>, IValidate, IAudited
{
    public AuditTarget Audit => new("mentor.record-readiness", "mentor", MentorId);

    public void Validate(ValidationErrors errors)
    {
        var withdrawn = Gates.Withdrawn ?? [];
        if (withdrawn.FirstOrDefault(f => !ReadinessRequest.Fields.Contains(f)) is { } unknown)
        {
            errors.Add("withdrawn", $"'{(unknown.Length > 40 ? unknown[..40] : unknown)}' is not a check. Checks: {string.Join(", ", ReadinessRequest.Fields)}.");
        }

        foreach (var (field, day) in Gates.Dated())
        {
            if (day is not null && withdrawn.Contains(field))
            {
                errors.Add(field, "Either a date or taken back, not both.");
            }
        }
    }
}

public sealed record AssignSupervisor(string MentorId, string? SupervisorId) : ICommand<MentorView>, IValidate, IAgencyAdminOnly, IAudited
{
    public AuditTarget Audit => new("mentor.assign-supervisor", "mentor", MentorId);

    public void Validate(ValidationErrors errors) => errors.Text("supervisorId", SupervisorId, 128);
}

/// <param name="StopsChat">Whether the hold pauses the mentor's chats; left out when changing a hold, it stays as it was.</param>
public sealed record PlaceHold(string MentorId, string? Reason, bool? StopsChat, DateTimeOffset? Replaces = null) : ICommand<MentorView>, IValidate, IAudited
{
    public AuditTarget Audit => new("mentor.hold", "mentor", MentorId);

    public void Validate(ValidationErrors errors) => errors.Text("reason", Reason, 500, required: false);
}

/// <summary>
/// Supervision's automatic hold on new matches after an urgent check-in answer, until a supervisor reviews it. It
/// never pauses chats, and it never replaces a hold a supervisor placed. Not audited on its own: an entry naming the
/// mentor would tell whoever reads the audit log that they gave an urgent answer. It is part of the check-in (and its
/// lifting, of the supervisor's review), each audited.
/// </summary>
public sealed record HoldForWellbeingReview(string MentorId) : ICommand<bool>
{
    public const string PlacedBy = "system-supervision";
}

/// <summary>A supervisor reviewed the urgent answer: the automatic hold (only that one) is lifted. Not audited on its own, as above.</summary>
public sealed record EndWellbeingReviewHold(string MentorId) : ICommand<bool>;

public sealed record ReleaseHold(string MentorId, DateTimeOffset? Since) : ICommand<MentorView>, IValidate, IAudited
{
    public AuditTarget Audit => new("mentor.release-hold", "mentor", MentorId);

    public void Validate(ValidationErrors errors)
    {
        if (Since is null)
        {
            errors.Add("since", "Name the hold you lift by when it was placed (its since), as you last saw it.");
        }
    }
}

/// <summary>A mentor stopped taking new matches for now (their open matches go on).</summary>
public sealed record MentorStoppedNewMatches(string MentorId) : INotification;

public sealed record GetMentorLoad(string MentorId) : IQuery<MentorLoad>, IAudited
{
    public AuditTarget Audit => new("mentor.read-load", "mentor", MentorId);
}

internal sealed class MentorHandlers(
    MentoringData data, PeopleRepository people, MentorEligibilityGuard eligibility, IPublisher publisher, IContactDetails contact, AgencyCalendar calendar,
    OpenPages pages, NoticeIds keyed)
    : IQueryHandler<GetMyMentorProfile, MentorView>,
      ICommandHandler<SaveMyMentorProfile, MentorView>,
      ICommandHandler<SetMyNewMatches, MentorView>,
      IQueryHandler<ListMentors, Page<MentorView>>,
      IQueryHandler<GetMentor, MentorView>,
      ICommandHandler<RecordReadiness, MentorView>,
      ICommandHandler<AssignSupervisor, MentorView>,
      ICommandHandler<PlaceHold, MentorView>,
      ICommandHandler<ReleaseHold, MentorView>,
      ICommandHandler<HoldForWellbeingReview, bool>,
      ICommandHandler<EndWellbeingReviewHold, bool>,
      IQueryHandler<GetMentorLoad, MentorLoad>
{
    private const int MaxReviewAttempts = 5;

    public async ValueTask<MentorView> Handle(GetMyMentorProfile query, CancellationToken ct) =>
        OwnView(await ViewAsync(await data.MentorAsync(data.User.UserId, ct), ct));

    public async ValueTask<MentorView> Handle(SaveMyMentorProfile command, CancellationToken ct)
    {
        var p = command.Profile;
        RefuseContactDetails(p);
        var existing = await data.FindMentorAsync(data.User.UserId, ct);
        StoreException.ThrowIfChangedSince(command.IfMatch, existing?.OwnSaves.ToString(CultureInfo.InvariantCulture));
        var profile = (existing ?? new MentorProfile
        {
            Id = data.User.UserId,
            DisplayName = p.DisplayName!,
        }) with
        {
            DisplayName = p.DisplayName!.Trim(),
            Languages = ValidationErrors.Clean(p.Languages),
            Gender = p.Gender?.Trim(),
            AgeRange = p.AgeRange?.Trim(),
            Region = p.Region?.Trim(),
            Location = p.Location,
            TravelRadiusMiles = p.TravelRadiusMiles ?? 0,
            Availability = ValidationErrors.Clean(p.Availability),
            Interests = ValidationErrors.Clean(p.Interests),
            LivedExperienceTags = ValidationErrors.Clean(p.LivedExperienceTags),
            ExperiencedStages = (p.ExperiencedStages ?? []).Select(MentoringValidation.ParseStage).Distinct().ToList(),
            LgbtqAffirming = p.LgbtqAffirming ?? false,
            Capacity = p.Capacity ?? 1,
            UpdatedAt = data.Now,
            OwnSaves = (existing?.OwnSaves ?? 0) + 1,
        };
        return OwnView(await ViewAsync(await WriteAsync(profile, existing?.ETag, ct), ct));
    }

    public async ValueTask<MentorView> Handle(SetMyNewMatches command, CancellationToken ct)
    {
        var mentor = await data.FindMentorAsync(data.User.UserId, ct)
            ?? throw new ConflictException("Save what you share as a mentor first.");
        DateTimeOffset? since = command.Take!.Value ? null : mentor.NoNewMatchesSince ?? data.Now;
        if (since == mentor.NoNewMatchesSince)
        {
            return OwnView(await ViewAsync(mentor, ct));
        }

        var saved = await SaveAsync(mentor, mentor with { NoNewMatchesSince = since }, ct);
        if (since is not null)
        {
            await publisher.Publish(new MentorStoppedNewMatches(mentor.Id), ct);
        }

        return OwnView(saved);
    }

    /// <summary>
    /// What a matched youth reads of the profile is held to what a chat message is: a way to reach the mentor outside
    /// the portal would reach the youth without the case manager's review.
    /// </summary>
    private void RefuseContactDetails(MentorProfileRequest p)
    {
        var errors = new ValidationErrors();
        foreach (var (field, texts) in new[] { ("displayName", new[] { p.DisplayName }), ("interests", p.Interests), ("languages", p.Languages), ("livedExperienceTags", p.LivedExperienceTags) })
        {
            if ((texts ?? []).FirstOrDefault(t => t is not null && contact.Shares(t)) is { } shared)
            {
                errors.Add(field, $"\"{shared}\" reads like a way to reach you outside the portal. Please leave out phone numbers, addresses, links and social media names: a youth you are matched with reads this, and contact stays inside the chat.");
            }
        }

        if (errors.Any)
        {
            throw new RequestValidationException(errors.ToDictionary());
        }
    }

    public async ValueTask<Page<MentorView>> Handle(ListMentors query, CancellationToken ct)
    {
        // Supervisors see their own caseload; case managers and admins the agency's mentors.
        var supervisorOnly = !data.User.IsInRole(Roles.CaseManager) && !data.User.IsInRole(Roles.AgencyAdmin);
        data.Basis.Record(data.MentorBasis(supervisorOnly));
        var page = await data.Store.QueryAsync<MentorProfile>(MentorProfile.Container, new DocumentQuery
        {
            PartitionKey = data.AgencyId,
            Type = DocumentTypes.Of<MentorProfile>(),
            Filters = supervisorOnly ? [Filter.Eq("supervisorId", data.User.UserId)] : [],
            PageSize = query.PageSize,
            ContinuationToken = query.ContinuationToken,
        }, ct);
        // Two queries for the whole page, not two per mentor.
        var ids = page.Items.Select(m => m.Id).ToList();
        var open = await data.OpenMatchCountsAsync(ids, ct);
        var consenting = await data.MentorsConsentingAsync(ids, ct);
        var supervisors = (await data.Store.ActiveIdsWithRoleAsync(Roles.Supervisor, ct)).ToHashSet(StringComparer.Ordinal);
        var active = await data.ActiveMentorsAsync(ids, ct);
        List<MentorView> views = [];
        foreach (var m in page.Items)
        {
            views.Add(await ForStaffAsync(View(m, open.GetValueOrDefault(m.Id), consenting.Contains(m.Id), m.SupervisorId is { } s && supervisors.Contains(s), active.Contains(m.Id)), m, ct));
        }

        return new Page<MentorView>(views, page.ContinuationToken);
    }

    public async ValueTask<MentorView> Handle(GetMentor query, CancellationToken ct) =>
        await ViewAsync(await data.MentorForStaffAsync(query.MentorId, ct), ct);

    public async ValueTask<MentorView> Handle(RecordReadiness command, CancellationToken ct)
    {
        var mentor = await data.SupervisedMentorAsync(command.MentorId, ct);
        PreconditionRequiredException.ThrowIfChangedSince(command.IfMatch, ReadinessRequest.VersionOf(mentor));
        var by = data.User.UserId;
        var gates = command.Gates;

        // A check counts from the day it passed: one dated ahead would make a mentor matchable before it has.
        var today = await calendar.TodayAsync(ct);
        var errors = new ValidationErrors();
        foreach (var (field, day) in gates.Dated())
        {
            if (day > today)
            {
                errors.Add(field, "Today or earlier: record a check once it has passed.");
            }
        }

        if (errors.Any)
        {
            throw new RequestValidationException(errors.ToDictionary());
        }

        // A date sent as it stands (a client may send all three) keeps who recorded it.
        var withdrawn = gates.Withdrawn ?? [];
        ReadinessGate? Gate(string field, DateOnly? sent, ReadinessGate? stands) =>
            withdrawn.Contains(field) ? null : sent is { } day && day != stands?.On ? new ReadinessGate(day, by) : stands;
        var changed = mentor with
        {
            Screening = Gate(ReadinessRequest.ScreeningField, gates.ScreeningPassedOn, mentor.Screening),
            Training = Gate(ReadinessRequest.TrainingField, gates.TrainingCompletedOn, mentor.Training),
            SupervisorClearance = Gate(ReadinessRequest.ClearanceField, gates.SupervisorClearedOn, mentor.SupervisorClearance),
        };

        // Clearance is the supervisor's judgement that the mentor is ready: an admin may take it back, as any check, but
        // does not give it, nor give it again over the supervisor who took it back.
        if (changed.SupervisorClearance is { } cleared && cleared != mentor.SupervisorClearance && !data.Supervises(mentor))
        {
            throw new ForbiddenException("Only the mentor's supervisor records their clearance.");
        }

        return await SaveAsync(mentor, changed, ct);
    }

    /// <summary>How far up a supervisor's own supervision is followed: further than any agency's line of supervision runs.</summary>
    private const int MaxSupervisionChain = 50;

    public async ValueTask<MentorView> Handle(AssignSupervisor command, CancellationToken ct)
    {
        if (!data.User.IsInRole(Roles.AgencyAdmin))
        {
            throw new ForbiddenException("Only an agency admin assigns supervisors.");
        }

        var mentor = await data.MentorAsync(command.MentorId, ct);

        // An admin who also mentors does not choose who supervises them, as they do not lift their own hold: not even
        // after their supervisor was demoted or deactivated, which an admin can do. An agency that only ever had one
        // admin must give themselves one when they have none who can act.
        if (mentor.Id == data.User.UserId && mentor.SupervisorId != command.SupervisorId
            && (await data.HasActiveSupervisorAsync(mentor, ct) || await data.Store.AnotherAdminExistsAsync(mentor.Id, ct)))
        {
            throw new ConflictException("Another agency admin changes your own supervisor.");
        }

        var supervisor = await people.FindAsync(data.AgencyId, command.SupervisorId!, ct);
        if (supervisor is not { Active: true } || !supervisor.Roles.Contains(Roles.Supervisor))
        {
            throw new RequestValidationException("supervisorId", "Not an active supervisor of your agency.");
        }

        // Supervision is someone else's look at how a mentor is doing: nobody reviews their own urgent answer.
        if (supervisor.Id == mentor.Id)
        {
            throw new RequestValidationException("supervisorId", "A mentor cannot be their own supervisor.");
        }

        // Nobody supervises someone they answer to, through however many others: mentors supervising each other, or in a
        // ring, would each review the others' urgent answers and lift the others' holds.
        if (await AnswersToAsync(supervisor.Id, mentor.Id, ct))
        {
            throw AnswersToThem();
        }

        // Nor does an admin give themselves a mentor's check-in answers while another admin can decide it.
        if (supervisor.Id == data.User.UserId && mentor.SupervisorId != supervisor.Id && await data.Store.AnotherAdminExistsAsync(supervisor.Id, ct))
        {
            throw new ConflictException("Another agency admin makes you a mentor's supervisor.");
        }

        var hadNone = !await data.HasActiveSupervisorAsync(mentor, ct);
        var saved = await WriteAsync(mentor with { SupervisorId = supervisor.Id, SupervisorSince = mentor.SupervisorId == supervisor.Id ? mentor.SupervisorSince : data.Now, UpdatedAt = data.Now }, mentor.ETag!, ct);

        // The chain is read again once this is saved: another assignment saved meanwhile (the supervisor given this
        // mentor as theirs, in another tab) passed its check before this one was there to see. Each that sees the other
        // gives way (both may), so a ring is never left standing; whatever else changed the mentor meanwhile is kept.
        if (await AnswersToAsync(supervisor.Id, mentor.Id, CancellationToken.None))
        {
            await GiveWayAsync(saved, mentor);
            throw AnswersToThem();
        }

        var view = await ViewAsync(saved, ct);
        await publisher.Publish(new SupervisorAssigned(mentor.Id, hadNone), ct);
        if (mentor.SupervisorId is { } before && before != supervisor.Id)
        {
            // Their Supervision page, left open, would go on showing this mentor's check-in answers.
            await pages.RedrawAsync(data.AgencyId, [before]);
        }

        return view;
    }

    public async ValueTask<MentorView> Handle(PlaceHold command, CancellationToken ct)
    {
        var mentor = await data.SupervisedMentorAsync(command.MentorId, ct);
        if (mentor.Hold is { } current && await SinceSeenAsync(mentor, current, ct) != command.Replaces)
        {
            throw HoldChanged();
        }

        // A hold placed over the automatic one (or over one an urgent answer came under) keeps that answer's review waiting.
        // One placed over someone else's goes on top of it, and lifting it brings that one back. Each person's latest
        // hold stands for their earlier ones beneath it, so two people placing holds over each other's again and again
        // stack one hold each, not one a turn until the mentor's record is too big to save (the automatic hold too).
        var user = data.User.UserId;
        var stopsChat = command.StopsChat ?? mentor.Hold?.StopsChat ?? false;
        var under = mentor.Hold is { IsAutomatic: false } over && over.PlacedBy != user
            ? [.. mentor.HoldsUnder.Where(h => h.PlacedBy != over.PlacedBy && h.PlacedBy != user), over with { ReviewWaiting = false }]
            : mentor.HoldsUnder;
        if (!data.Supervises(mentor) && !stopsChat && under.Any(h => h.StopsChat))
        {
            throw new ConflictException("The hold this one goes over pauses the mentor's chats; only the mentor's supervisor can let them go on.");
        }

        var view = await SaveAsync(mentor, mentor with
        {
            Hold = new SupervisorHold(data.Now, user, command.Reason?.Trim(), stopsChat) { ReviewWaiting = mentor.Hold is { IsAutomatic: true } or { ReviewWaiting: true } },
            HoldsUnder = under,
        }, ct);
        await TellOpenChatsAsync(mentor.Id);
        return view;
    }

    public async ValueTask<MentorView> Handle(ReleaseHold command, CancellationToken ct)
    {
        var mentor = await data.SupervisedMentorAsync(command.MentorId, ct);
        if (mentor.Hold is null)
        {
            throw new ConflictException("This mentor is not on a hold.");
        }

        if (await SinceSeenAsync(mentor, mentor.Hold, ct) != command.Since)
        {
            throw HoldChanged();
        }

        if (data.Supervises(mentor))
        {
            if (mentor.Hold is { IsAutomatic: true } or { ReviewWaiting: true })
            {
                throw new ConflictException("An urgent wellbeing concern about this mentor is waiting for your review. Mark it as seen first; the automatic hold then lifts with it.");
            }
        }
        else if (mentor.Hold.PlacedBy != data.User.UserId)
        {
            // Anyone but the supervisor lifts only their own hold, so a refusal says nothing of why a hold is there.
            throw new ConflictException("This hold was placed on the supervisor's side; the mentor's supervisor can lift it.");
        }

        // Lifting a hold brings back the one it was placed over, still waiting for any review it waited for. Check-in
        // answers are for the mentor and their supervisor: with none beneath, someone else lifting their own hold
        // leaves, unexplained, the automatic one the answer that came under it would have placed.
        var under = mentor.HoldsUnder;
        var after = under.Count > 0 ? under[^1] with { ReviewWaiting = mentor.Hold.ReviewWaiting }
            : mentor.Hold.ReviewWaiting ? AutomaticHold()
            : null;
        var view = await SaveAsync(mentor, mentor with { Hold = after, HoldsUnder = [.. under.SkipLast(1)] }, ct);
        await TellOpenChatsAsync(mentor.Id);
        return view;
    }

    // Under a hold of their own, the answer's review is marked on it, so lifting that hold waits for the review.
    public ValueTask<bool> Handle(HoldForWellbeingReview command, CancellationToken ct) =>
        ForReviewAsync(command.MentorId, mentor => mentor.Hold is { IsAutomatic: true } or { ReviewWaiting: true }
            ? null
            : mentor with { Hold = mentor.Hold is { } held ? held with { ReviewWaiting = true } : AutomaticHold() }, ct);

    // The automatic hold lifts; a supervisor's own hold stays, no longer waiting for the review.
    public ValueTask<bool> Handle(EndWellbeingReviewHold command, CancellationToken ct) =>
        ForReviewAsync(command.MentorId, mentor => mentor.Hold is not ({ IsAutomatic: true } or { ReviewWaiting: true })
            ? null
            : mentor with { Hold = mentor.Hold.IsAutomatic ? null : mentor.Hold with { ReviewWaiting = false } }, ct);

    /// <summary>
    /// Makes a wellbeing review's change to the mentor as they now stand, or nothing when <paramref name="change"/> says
    /// there is none. The change is the system's own: a profile saved or readiness recorded at the same moment must
    /// not leave an urgent answer's mentor free to take new matches until the worker comes round, so it is made again.
    /// </summary>
    private async ValueTask<bool> ForReviewAsync(string mentorId, Func<MentorProfile, MentorProfile?> change, CancellationToken ct)
    {
        for (var attempt = 1; ; attempt++)
        {
            var mentor = await data.MentorAsync(mentorId, ct);
            if (change(mentor) is not { } changed)
            {
                return false;
            }

            try
            {
                await WriteAsync(changed with { UpdatedAt = data.Now }, mentor.ETag!, ct);
                return true;
            }
            catch (StoreException ex) when (ex.Kind == StoreErrorKind.PreconditionFailed && attempt < MaxReviewAttempts)
            {
                // Written meanwhile: read it again as it now stands.
            }
        }
    }

    public async ValueTask<MentorLoad> Handle(GetMentorLoad query, CancellationToken ct)
    {
        var mentor = await data.SupervisedMentorAsync(query.MentorId, ct);
        var matches = await data.MatchesAsync(Filter.Eq("mentorId", mentor.Id), openOnly: false, ct);
        return new MentorLoad(
            mentor.Id,
            mentor.Capacity,
            matches.Count(m => MatchLifecycle.IsOpen(m.State)),
            // As the mentor is shown them, whom a supervisor talks with: a yes waiting for the case manager waits for the youth.
            matches.GroupBy(m => m.State == MatchState.AwaitingCaseManager ? MatchState.AwaitingYouth : m.State).ToDictionary(g => g.Key, g => g.Count()),
            mentor.Hold is not null);
    }

    /// <summary>Whether <paramref name="supervisorId"/> answers to <paramref name="mentorId"/> in supervision, through however many others.</summary>
    private async Task<bool> AnswersToAsync(string supervisorId, string mentorId, CancellationToken ct)
    {
        var above = supervisorId;
        for (var step = 0; step < MaxSupervisionChain && above is not null; step++)
        {
            above = (await data.FindAsync<MentorProfile>(MentorProfile.Container, above, ct))?.SupervisorId;
            if (above == mentorId)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Puts back the supervisor <paramref name="before"/> had, while the one <paramref name="saved"/> gave still stands.</summary>
    private async Task GiveWayAsync(MentorProfile saved, MentorProfile before)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await WriteAsync(saved with { SupervisorId = before.SupervisorId, SupervisorSince = before.SupervisorSince, UpdatedAt = data.Now }, saved.ETag!, CancellationToken.None);
                return;
            }
            catch (StoreException ex) when (ex.Kind == StoreErrorKind.PreconditionFailed && attempt < MaxReviewAttempts)
            {
                // A hold or readiness written meanwhile: put it back on the mentor as they now stand.
                if (await data.FindAsync<MentorProfile>(MentorProfile.Container, saved.Id, CancellationToken.None) is not { } now || now.SupervisorId != saved.SupervisorId)
                {
                    return;
                }

                saved = now;
            }
        }
    }

    private static RequestValidationException AnswersToThem() =>
        new("supervisorId", "They answer to this mentor in supervision: choose someone who does not.");

    private SupervisorHold AutomaticHold() =>
        new(data.Now, HoldForWellbeingReview.PlacedBy, "Automatic: an urgent wellbeing concern is waiting for a supervisor's review.", StopsChat: false);

    /// <summary>A page open since before another hold was placed must not lift or soften that one unseen.</summary>
    private static ConflictException HoldChanged() =>
        new("This mentor's hold has changed since you looked. Look at it again before you change or lift it.");

    private async Task TellOpenChatsAsync(string mentorId) =>
        await publisher.TellEveryAsync(await data.MatchesAsync(Filter.Eq("mentorId", mentorId), openOnly: true, CancellationToken.None));

    private async Task<MentorView> SaveAsync(MentorProfile read, MentorProfile changed, CancellationToken ct) =>
        await ViewAsync(await WriteAsync(changed with { UpdatedAt = data.Now }, read.ETag!, ct), ct);

    /// <summary>Every write of a mentor's profile: a match step checked against the profile as it was now fails.</summary>
    private async Task<MentorProfile> WriteAsync(MentorProfile profile, string? ifMatch, CancellationToken ct)
    {
        var written = ifMatch is null
            ? await data.Store.CreateAsync(MentorProfile.Container, profile, ct)
            : await data.Store.ReplaceAsync(MentorProfile.Container, profile, ifMatch, ct);
        await eligibility.MentorChangedAsync(profile.Id);
        return written;
    }

    private async Task<MentorView> ViewAsync(MentorProfile m, CancellationToken ct) =>
        await ForStaffAsync(View(m, await data.OpenMatchCountAsync(m.Id, null, ct), await data.ConsentsToMentoringAsync(m.Id, ct), await data.HasActiveSupervisorAsync(m, ct),
            await data.IsActiveAsync(m.Id, Roles.Mentor, ct)), m, ct);

    /// <summary>
    /// Why a mentor is on a hold belongs to supervision: their supervisor (and whoever placed it) reads the reason;
    /// case managers and admins see only that a hold is there, not that it came from (or waits on) a wellbeing answer,
    /// even an admin whose own hold an answer came under.
    /// </summary>
    private async Task<MentorView> ForStaffAsync(MentorView view, MentorProfile m, CancellationToken ct) =>
        SharedForMatching(view, m) is var shared && shared.Hold is { } hold && !data.Supervises(m)
            ? shared with
            {
                Hold = hold with
                {
                    Since = await SinceSeenAsync(m, hold, ct),
                    Reason = data.User.UserId == hold.PlacedBy ? hold.Reason : null,
                    ReviewWaiting = false,
                    // One word for the supervision side: an empty or deactivated placer would give an automatic hold away.
                    PlacedBy = hold.IsAutomatic || hold.PlacedBy == m.SupervisorId ? SupervisorHold.SupervisionSide : hold.PlacedBy,
                },
            }
            : shared;

    /// <summary>
    /// What a mentor shares of themselves (lived experience, where they are, who they are) is shared for case managers
    /// finding a mentor. Once they stop (their consent to mentoring withdrawn, or no longer active in the role), a case
    /// manager who neither administers nor supervises reads only their name and where they stand.
    /// </summary>
    private MentorView SharedForMatching(MentorView view, MentorProfile m) =>
        data.User.IsInRole(Roles.AgencyAdmin) || data.Supervises(m) || data.User.UserId == m.Id
            || view.ConsentsToMentoring && !view.MatchBlockers.Contains(MentorEligibility.NotActive)
            ? view
            : view with
            {
                Languages = [], Gender = null, AgeRange = null, Region = null, Location = null, TravelRadiusMiles = 0, Availability = [], Interests = [],
                LivedExperienceTags = [], ExperiencedStages = [], LgbtqAffirming = false,
            };

    /// <summary>
    /// A hold's <c>since</c> as the caller is shown it, and must send back to change it. Staff who neither supervise the
    /// mentor nor placed the hold (nor are the mentor, who knows when they checked in) get a stand-in, made from it with
    /// the agency's secret: it changes whenever the hold does, but an automatic hold's time is its urgent check-in's,
    /// which the audit log dates, so the time itself would tell an admin which mentor gave an urgent answer.
    /// </summary>
    private async Task<DateTimeOffset> SinceSeenAsync(MentorProfile m, SupervisorHold hold, CancellationToken ct)
    {
        if (data.Supervises(m) || data.User.UserId == hold.PlacedBy || data.User.UserId == m.Id)
        {
            return hold.Since;
        }

        var key = await keyed.OfAsync(data.AgencyId, $"hold-since~{m.Id}~{hold.Since.UtcTicks}~{hold.PlacedBy}", "", ct);
        return DateTimeOffset.UnixEpoch.AddSeconds(uint.Parse(key.AsSpan(0, 8), NumberStyles.HexNumber, CultureInfo.InvariantCulture));
    }

    /// <summary>
    /// A mentor sees that a hold is there and whether it pauses their chats, never the supervisor's reason:
    /// that belongs to supervision, which talks it through in person.
    /// </summary>
    private static MentorView OwnView(MentorView view) => view with { Hold = view.Hold is { } hold ? hold with { Reason = null, PlacedBy = "" } : null };

    private static MentorView View(MentorProfile m, int open, bool consents, bool supervisorActive, bool active) =>
        new MentorView(m.Id, m.DisplayName, m.Languages, m.Gender, m.AgeRange, m.Region, m.Location, m.TravelRadiusMiles, m.Availability,
            m.Interests, m.LivedExperienceTags, m.ExperiencedStages, m.LgbtqAffirming, m.Capacity, m.SupervisorId, m.Screening, m.Training,
            m.SupervisorClearance, m.Hold, open, consents, [.. MentorEligibility.Blockers(m, open, consents, supervisorActive), .. active ? Array.Empty<string>() : [MentorEligibility.NotActive]], m.OwnSaves.ToString(CultureInfo.InvariantCulture),
            ReadinessRequest.VersionOf(m) ?? "");
}

public static class MentorEndpoints
{
    public static IEndpointRouteBuilder MapMentors(this IEndpointRouteBuilder app)
    {
        var me = app.MapGroup("/api/mentors/me").RequireAuthorization(Policies.Mentor).WithTags("Mentors");
        me.MapGet("/", GetMyMentorProfile).WithName(nameof(GetMyMentorProfile))
            .WithSummary("Your mentor profile, readiness and what stands between you and a new match.");
        me.MapPut("/", SaveMyMentorProfile).WithName(nameof(SaveMyMentorProfile))
            .WithSummary("Create or update what you share as a mentor.");
        me.MapPut("/new-matches", SetMyNewMatches).WithName(nameof(SetMyNewMatches))
            .WithSummary("Take no new matches for now (take=false), or take them again; current matches carry on.");

        var staff = app.MapGroup("/api/mentors").WithTags("Mentors").ProducesProblem(StatusCodes.Status404NotFound);
        staff.MapGet("/", ListMentors).WithName(nameof(ListMentors))
            .RequireAuthorization(Policies.Staff).WithSummary("Mentors (a supervisor sees their caseload).");
        staff.MapGet("/{id}", GetMentor).WithName(nameof(GetMentor))
            .RequireAuthorization(Policies.Staff);
        staff.MapPut("/{id}/readiness", RecordReadiness).WithName(nameof(RecordReadiness))
            .RequireAuthorization(Policies.SupervisorOrAdmin)
            .WithSummary("Record screening, training and supervisor clearance; If-Match: the mentor's readinessVersion once any is recorded.")
            .ProducesProblem(StatusCodes.Status412PreconditionFailed).ProducesProblem(StatusCodes.Status428PreconditionRequired);
        staff.MapPut("/{id}/supervisor", AssignSupervisor).WithName(nameof(AssignSupervisor))
            .RequireAuthorization(Policies.AgencyAdmin);
        staff.MapPost("/{id}/hold", PlaceHold).WithName(nameof(PlaceHold))
            .RequireAuthorization(Policies.SupervisorOrAdmin).WithSummary("Pause new matches for a mentor you supervise.");
        staff.MapPost("/{id}/hold/release", ReleaseHold).WithName(nameof(ReleaseHold))
            .RequireAuthorization(Policies.SupervisorOrAdmin);
        staff.MapGet("/{id}/load", GetMentorLoad).WithName(nameof(GetMentorLoad))
            .RequireAuthorization(Policies.SupervisorOrAdmin).WithSummary("A supervised mentor's match load, without youth details.");
        return app;
    }

    private static async Task<Ok<MentorView>> GetMyMentorProfile(IMediator mediator, CancellationToken ct) =>
        TypedResults.Ok(await mediator.Send(new GetMyMentorProfile(), ct));

    private static async Task<Ok<MentorView>> SaveMyMentorProfile(
        IMediator mediator, MentorProfileRequest body, [FromHeader(Name = "If-Match")] string? ifMatch, CancellationToken ct) =>
        TypedResults.Ok(await mediator.Send(new SaveMyMentorProfile(body, ifMatch), ct));

    private static async Task<Ok<MentorView>> SetMyNewMatches(IMediator mediator, NewMatchesRequest body, CancellationToken ct) =>
        TypedResults.Ok(await mediator.Send(new SetMyNewMatches(body.Take), ct));

    private static async Task<Ok<Page<MentorView>>> ListMentors(IMediator mediator, int? pageSize, string? continuationToken, CancellationToken ct) =>
        TypedResults.Ok(await mediator.Send(new ListMentors(pageSize ?? Paging.DefaultPageSize, continuationToken), ct));

    private static async Task<Ok<MentorView>> GetMentor(IMediator mediator, string id, CancellationToken ct) =>
        TypedResults.Ok(await mediator.Send(new GetMentor(id), ct));

    private static async Task<Ok<MentorView>> RecordReadiness(
        IMediator mediator, string id, ReadinessRequest body, [FromHeader(Name = "If-Match")] string? ifMatch, CancellationToken ct) =>
        TypedResults.Ok(await mediator.Send(new RecordReadiness(id, body, ifMatch), ct));

    private static async Task<Ok<MentorView>> AssignSupervisor(IMediator mediator, string id, SupervisorRequest body, CancellationToken ct) =>
        TypedResults.Ok(await mediator.Send(new AssignSupervisor(id, body.SupervisorId), ct));

    private static async Task<Ok<MentorView>> PlaceHold(IMediator mediator, string id, HoldRequest body, CancellationToken ct) =>
        TypedResults.Ok(await mediator.Send(new PlaceHold(id, body.Reason, body.StopsChat, body.Replaces), ct));

    private static async Task<Ok<MentorView>> ReleaseHold(IMediator mediator, string id, ReleaseHoldRequest? body, CancellationToken ct) =>
        TypedResults.Ok(await mediator.Send(new ReleaseHold(id, body?.Since), ct));

    private static async Task<Ok<MentorLoad>> GetMentorLoad(IMediator mediator, string id, CancellationToken ct) =>
        TypedResults.Ok(await mediator.Send(new GetMentorLoad(id), ct));
}
