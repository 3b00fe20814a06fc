using Mediator;
using SurvivorConnect.Api.Features.Engagements.Rules;
using SurvivorConnect.Api.Features.Notifications;
using SurvivorConnect.Api.Features.People;
using SurvivorConnect.Api.Infrastructure.Auth;
using SurvivorConnect.Api.Infrastructure.Errors;
using SurvivorConnect.Api.Infrastructure.Pipeline;
using SurvivorConnect.Storage;

namespace SurvivorConnect.Api.Features.Engagements;

/// <summary>A session; <paramref name="Id"/> names the existing session it changes (see <see cref="SessionChanges"/>).</summary>
/// <param name="Area">Where an in-person session is, broadly (a city or neighbourhood): shown to everyone asked. The exact
/// address (<paramref name="Location"/>) is shown only to people whose place is confirmed.</param>
public sealed record SessionRequest(DateTime? Start, DateTime? End, string? TimeZone, bool? InPerson, string? Location, string? Link, string? Id = null, string? Area = null);

public sealed record CompensationRequest(string? Basis, decimal? Rate, int? PrepMinutesPerSession, bool? TravelAllowed, bool? PerDiemAllowed);

public sealed record OpportunityRequest(
    string? Kind, string? Title, string? Description, string[]? Topics, SessionRequest[]? Sessions, int? Seats,
    DateTimeOffset? ApplicationDeadline, CompensationRequest? Compensation)
{
    public const int MaxSessions = 20;
    public const int MaxSeats = 500;

    public void Validate(ValidationErrors errors)
    {
        errors.Text("kind", Kind, 40).Text("title", Title, 120).Prose("description", Description, 4000, required: false).Tags("topics", Topics);
        errors.Range("seats", Seats, 1, MaxSeats);
        if (Seats is null)
        {
            errors.Add("seats", "Required.");
        }

        if (ApplicationDeadline is null)
        {
            errors.Add("applicationDeadline", "Required.");
        }

        if (ValidateSessions(errors) && ApplicationDeadline is { } deadline && deadline >= Sessions!.Min(s => EngagementTime.ToUtc(s.Start!.Value, s.TimeZone!)))
        {
            errors.Add("applicationDeadline", "Before the first session starts.");
        }

        ValidatePay(errors);
    }

    /// <summary>Checks each session; true when all of them name real times, so they can be compared.</summary>
    private bool ValidateSessions(ValidationErrors errors)
    {
        if (Sessions is not { Length: > 0 and <= MaxSessions } sessions)
        {
            errors.Add("sessions", $"1 to {MaxSessions} sessions.");
            return false;
        }

        var valid = true;

        for (var i = 0; i < sessions.Length; i++)
        {
            var s = sessions[i];
            var field = $"sessions[{i}]";
            errors.Text(field + ".id", s.Id, 40, required: false);
            if (s.Start is not { } start || s.End is not { } end)
            {
                errors.Add(field + ".start", "Start and end are required, as local times of the session's time zone.");
                valid = false;
                continue;
            }

            if (!EngagementTime.TryZone(s.TimeZone, out var zone))
            {
                errors.Add(field + ".timeZone", EngagementValidation.ZoneMessage);
                valid = false;
                continue;
            }

            // A time with an offset or Z would be moved to this server's clock, then read again as the session's.
            if (start.Kind != DateTimeKind.Unspecified || end.Kind != DateTimeKind.Unspecified)
            {
                errors.Add(field + ".start", "Give start and end as local times of the session's time zone, without an offset or Z.");
                valid = false;
            }
            else if (start.Year is < 2000 or > 2100 || end.Year is < 2000 or > 2100)
            {
                // A date past any work's, whose next day would lie beyond the calendar when a trip's days are counted.
                errors.Add(field + ".start", "A session falls between the years 2000 and 2100.");
                valid = false;
            }
            else if (!EngagementTime.Exists(start, zone) || !EngagementTime.Exists(end, zone))
            {
                errors.Add(field + ".start", "That local time does not exist on that day (the clocks go forward then).");
                valid = false;
            }

            else if (EngagementTime.ToUtc(end, s.TimeZone!) <= EngagementTime.ToUtc(start, s.TimeZone!))
            {
                errors.Add(field + ".end", "A session ends after it starts.");
            }
            else if (end - start > TimeSpan.FromHours(12))
            {
                errors.Add(field + ".end", "A session lasts at most 12 hours.");
            }

            if (s.InPerson == true)
            {
                errors.Text(field + ".location", s.Location, 200);
                errors.Text(field + ".area", s.Area, 80, required: false);
            }
            else if (!Uri.TryCreate(s.Link, UriKind.Absolute, out var link) || link.Scheme != Uri.UriSchemeHttps || s.Link!.Length > 500)
            {
                errors.Add(field + ".link", "A virtual session needs its https link.");
            }
        }

        return valid;
    }

    private void ValidatePay(ValidationErrors errors)
    {
        if (Compensation is not { } pay)
        {
            errors.Add("compensation", "Required.");
            return;
        }

        errors.OneOf<PayBasis>("compensation.basis", pay.Basis);
        EngagementValidation.Rate(errors, "compensation.rate", pay.Rate);
        errors.Range("compensation.prepMinutesPerSession", pay.PrepMinutesPerSession, 0, 600);
    }

    public IReadOnlyList<SessionDraft> SessionDrafts() => [.. Sessions!.Select(s => new SessionDraft(
        ValidationErrors.Optional(s.Id), DateTime.SpecifyKind(s.Start!.Value, DateTimeKind.Unspecified), DateTime.SpecifyKind(s.End!.Value, DateTimeKind.Unspecified),
        EngagementTime.Canonical(s.TimeZone!), s.InPerson == true, s.InPerson == true ? s.Location!.Trim() : null, s.InPerson == true ? null : s.Link,
        s.InPerson == true ? ValidationErrors.Optional(s.Area) : null))];

    public Opportunity ApplyTo(Opportunity o, SessionChangeResult sessions) => o with
    {
        Kind = Kind!,
        Title = Title!.Trim(),
        Description = ValidationErrors.Optional(Description),
        Topics = ValidationErrors.Clean(Topics),
        Sessions = sessions.Sessions,
        LastSessionNumber = sessions.LastSessionNumber,
        Seats = Seats!.Value,
        ApplicationDeadline = ApplicationDeadline!.Value,
        Compensation = new Compensation(EnumNames.Parse<PayBasis>(Compensation!.Basis), Compensation.Rate!.Value,
            Compensation.PrepMinutesPerSession ?? 0, Compensation.TravelAllowed ?? o.Compensation.TravelAllowed, Compensation.PerDiemAllowed ?? o.Compensation.PerDiemAllowed),
    };
}

public sealed record SessionView(
    string Id, DateTime Start, DateTime End, string TimeZone, DateTimeOffset StartUtc, DateTimeOffset EndUtc, bool InPerson, string? Location, string? Link, DateTimeOffset? CancelledAt,
    string? Area = null);

/// <summary>
/// A place as the people who look after the work see it: a no, at the invitation or later, and a place given up read
/// the same and say nothing more (declining never counts against anyone), so who said no to what, or when, is not told.
/// Only a place given up after a session began still shows that session (<see cref="ParticipantView.SessionsHeld"/>):
/// its attendance is theirs to have recorded, and they are paid for it.
/// </summary>
[System.Text.Json.Serialization.JsonConverter(typeof(System.Text.Json.Serialization.JsonStringEnumConverter<PlaceState>))]
public enum PlaceState
{
    Invited,
    Confirmed,
    Waitlisted,
    NotTakingPart,
}

/// <remarks>
/// <paramref name="Invited"/> is whether the recruiter invited them to the place they hold (false once they are not taking part).
/// <paramref name="SessionsHeld"/> are the sessions they held a seat at when each began (<see cref="ClaimRules.HeldSeatAt"/>), whose attendance is theirs to have recorded.
/// <paramref name="ConfirmedAt"/> is when they took the seat they hold or held at a session's start, and nothing otherwise.
/// <paramref name="AccessNeeds"/> is what would help them take part, as they wrote it, for the recruiter of work they are confirmed for only.
/// </remarks>
public sealed record ParticipantView(
    string PersonId, string DisplayName, PlaceState State, bool Invited, int? WaitlistNumber, IReadOnlyList<string> SessionsHeld, DateTimeOffset? ConfirmedAt = null,
    string? AccessNeeds = null)
{
    public static PlaceState StateOf(ParticipationState state) => state switch
    {
        ParticipationState.Invited => PlaceState.Invited,
        ParticipationState.Confirmed => PlaceState.Confirmed,
        ParticipationState.Waitlisted => PlaceState.Waitlisted,
        _ => PlaceState.NotTakingPart,
    };

    public static ParticipantView Of(Participation place, Opportunity work, string displayName, string? accessNeeds = null)
    {
        ArgumentNullException.ThrowIfNull(place);
        ArgumentNullException.ThrowIfNull(work);
        var state = StateOf(place.State);
        var held = work.Sessions.Where(s => ClaimRules.HeldSeatAt(place.State, place.ConfirmedAt, place.ChangedAt, s.StartUtc)).Select(s => s.Id).ToList();
        return new ParticipantView(place.PersonId, displayName, state, place.Invited && state != PlaceState.NotTakingPart, place.WaitlistNumber, held,
            state == PlaceState.Confirmed || held.Count > 0 ? place.ConfirmedAt : null, accessNeeds);
    }
}

/// <summary>
/// An opportunity as its reader may see it: a recruiter sees everything, including who takes part; a survivor
/// sees none of the other participants, and a virtual session's link only once confirmed.
/// </summary>
public sealed record OpportunityView(
    string Id, string Kind, string Title, string? Description, IReadOnlyList<string> Topics, IReadOnlyList<SessionView> Sessions,
    int Seats, int SeatsTaken, DateTimeOffset ApplicationDeadline, Compensation Compensation, string Currency, decimal EffectiveHourlyRate,
    OpportunityState State, DateTimeOffset? PublishedAt, ParticipationState? MyState, IReadOnlyList<string>? FitReasons,
    IReadOnlyList<ParticipantView>? Participants, string? Version)
{
    /// <summary>For a survivor waiting for a place: the work changed since their yes, so a place waits for a yes to it as it is now.</summary>
    public bool WaitsForYesAgain { get; init; }
}

public sealed record CreateOpportunity(string OpportunityId, OpportunityRequest Body) : ICommand<Opportunity>, IValidate, IAudited
{
    public AuditTarget Audit => new("opportunity.create", "opportunity", OpportunityId);

    public void Validate(ValidationErrors errors) => Body.Validate(errors);
}

public sealed record UpdateOpportunity(string OpportunityId, OpportunityRequest Body, string? IfMatch) : ICommand<Opportunity>, IValidate, IAudited
{
    public AuditTarget Audit => new("opportunity.update", "opportunity", OpportunityId);

    public void Validate(ValidationErrors errors) => Body.Validate(errors);
}

[System.Text.Json.Serialization.JsonConverter(typeof(System.Text.Json.Serialization.JsonStringEnumConverter<OpportunityMove>))]
public enum OpportunityMove
{
    Publish,
    Close,
    Complete,
    Cancel,
}

/// <param name="IfMatch">
/// The version a page showed: publishing from a page read before another recruiter's change to the draft (new pay, a
/// session moved) is 412, not that change published unseen. An API client may leave it out. Only publishing checks it:
/// published work is rewritten by every answer to it, so closing or cancelling (stopping it) acts on it as it is.
/// </param>
public sealed record MoveOpportunity(string OpportunityId, OpportunityMove Move, string? IfMatch = null) : ICommand<Opportunity>, IAudited
{
    public AuditTarget Audit => new("opportunity." + Move.ToString().ToLowerInvariant(), "opportunity", OpportunityId);
}

/// <summary>The agency's opportunities, newest first, a page at a time.</summary>
public sealed record ListOpportunities(int PageSize = Paging.DefaultPageSize, string? ContinuationToken = null)
    : IQuery<Page<OpportunityView>>, IValidate, IAudited
{
    public AuditTarget Audit => new("opportunity.list", "opportunity");

    public void Validate(ValidationErrors errors) => Paging.Validate(errors, PageSize);
}

public sealed record GetOpportunity(string OpportunityId) : IQuery<OpportunityView>, IAudited
{
    public AuditTarget Audit => new("opportunity.read", "opportunity", OpportunityId);
}

public sealed record CandidateView(string PersonId, string DisplayName, IReadOnlyList<string> Reasons, PlaceState? State);

/// <summary>Opted-in survivors who fit, with why: never one who has not opted in, or whose "will not speak about" list it touches.</summary>
public sealed record ListCandidates(string OpportunityId) : IQuery<IReadOnlyList<CandidateView>>, IAudited
{
    public AuditTarget Audit => new("opportunity.list-candidates", "opportunity", OpportunityId);
}

internal sealed class OpportunityHandlers(EngagementData data, ClaimWriter claims, ReminderSchedule reminders, Notifier notifier, WaitingList waitingList)
    : ICommandHandler<CreateOpportunity, Opportunity>,
      ICommandHandler<UpdateOpportunity, Opportunity>,
      ICommandHandler<MoveOpportunity, Opportunity>,
      IQueryHandler<ListOpportunities, Page<OpportunityView>>,
      IQueryHandler<GetOpportunity, OpportunityView>,
      IQueryHandler<ListCandidates, IReadOnlyList<CandidateView>>
{
    public async ValueTask<Opportunity> Handle(CreateOpportunity command, CancellationToken ct)
    {
        var settings = await data.SettingsAsync(ct);
        EnsureKind(settings, command.Body.Kind!);
        var draft = command.Body.ApplyTo(new Opportunity
        {
            Id = command.OpportunityId,
            Kind = "",
            Title = "",
            Seats = 1,
            ApplicationDeadline = data.Store.Now,
            // Travel and per diem are paid on top unless the recruiter says otherwise.
            Compensation = new Compensation(PayBasis.Hourly, 0, 0, TravelAllowed: true, PerDiemAllowed: true),
            Currency = settings.Currency,
            RecruiterId = data.Store.User.UserId,
            CreatedAt = data.Store.Now,
        }, Sessions([], 0, command.Body, DateTimeOffset.MinValue, new HashSet<string>()));
        try
        {
            return await data.Store.CreateAsync(EngagementData.Container, draft, ct);
        }
        catch (StoreException ex) when (ex.IsAlreadyThere)
        {
            // The same form sent again (a second tap): one draft.
            throw new ConflictException("This draft is saved already. It is in the list below.");
        }
    }

    public async ValueTask<Opportunity> Handle(UpdateOpportunity command, CancellationToken ct)
    {
        var ifMatch = command.IfMatch ?? throw new PreconditionRequiredException();
        var current = await data.OpportunityToManageAsync(command.OpportunityId, ct);
        if (current.State is not (OpportunityState.Draft or OpportunityState.Published))
        {
            throw new ConflictException($"A {current.State.ToString().ToLowerInvariant()} opportunity cannot be changed.");
        }

        // A change written since (a publish from another tab, say) is answered as such, before anything is said of
        // what this one asks.
        StoreException.ThrowIfChangedSince(ifMatch, current.ETag);
        var settings = await data.SettingsAsync(ct);
        // Published work keeps its kind (below): one the agency no longer offers is refused by the parity check, which says
        // to cancel it and publish it anew, not as a kind to choose again.
        if (current.State == OpportunityState.Draft || command.Body.Kind != current.Kind)
        {
            EnsureKind(settings, command.Body.Kind!);
        }

        // A draft's sessions were never offered to anyone, so none of them is kept as it was.
        var claims = current.State == OpportunityState.Draft ? []
            : await data.Store.AllAsync<CompensationClaim>(EngagementData.Container, [Filter.Eq("opportunityId", current.Id)], ct);
        var withClaims = claims.Select(c => c.SessionId).ToHashSet(StringComparer.Ordinal);
        var now = current.State == OpportunityState.Draft ? DateTimeOffset.MinValue : data.Store.Now;
        var changed = command.Body.ApplyTo(current, Sessions(current.Sessions, current.LastSessionNumber, command.Body, now, withClaims));
        changed = current.SetTermsOf(data.Store.User.UserId) ? changed : changed with { ChangedBy = [.. current.ChangedBy, data.Store.User.UserId] };
        if (changed.Seats < current.Confirmed)
        {
            throw new ConflictException($"{current.Confirmed} people are already confirmed; seats cannot go below that.");
        }

        // A published opportunity stays at pay parity through every change, and at what people were asked to.
        IReadOnlyList<Participation> places = [];
        if (current.State == OpportunityState.Published)
        {
            EnsureParity(settings, changed);
            if (AskedTerms.WhyNotChangeWhatItIsAbout(current, changed) is { } fixedAbout)
            {
                throw new ConflictException(fixedAbout);
            }

            changed = changed with { Description = current.Description, Topics = current.Topics };

            places = await data.ParticipationsAsync(Filter.Eq("opportunityId", current.Id), ct);
            var asked = places.Where(p => p.State is ParticipationState.Invited or ParticipationState.Waitlisted or ParticipationState.Confirmed).Select(p => p.PersonId).ToList();
            if (asked.Count > 0 && AskedTerms.WhyNotChange(current, changed) is { } why)
            {
                throw new ConflictException(why);
            }

            // Someone who worked a session and withdrew after it is paid for it at the pay they came for, until their
            // claim is written (at the pay then): the pay is not lowered under them, whatever else changes.
            if (places.Any(p => WorkedUnrecorded(current, p, claims)) && AskedTerms.WhyNotChange(current, changed) is { } lower)
            {
                throw new ConflictException(lower);
            }

            if (places.Any(p => p.State == ParticipationState.Confirmed)
                && SessionChanges.WhyNotWhileConfirmed(current.Sessions, changed.Sessions, data.Store.Now, LateCancellationTerms.Applying(current.LateCancellation, settings)) is { } whyCancel)
            {
                throw new ConflictException(whyCancel);
            }
        }

        // Seats added go to those waiting, in their order, in the same write: not to whoever answers next.
        var promoted = await waitingList.PromotedAsync(changed, places, changed.Seats - current.Confirmed, ct);
        await reminders.PrepareAsync(current, changed, ct);
        var saved = promoted.Count == 0
            ? await data.Store.ReplaceAsync(EngagementData.Container, changed, ifMatch, ct)
            : await WriteWithPromotedAsync(changed with { Confirmed = current.Confirmed + promoted.Count }, ifMatch, promoted, ct);
        await reminders.PlanAsync(saved, ct);
        await notifier.SendAsync(promoted.Select(p => p.PersonId), Notices.EngagementSeatFreed, null, ct);

        // Those confirmed, and those asked or waiting (who may be confirmed on the new terms by one tap, or by a place
        // coming free), hear at once when a session moves or changes place or the pay changes.
        // Of those not holding a place, only those who still want to hear about paid work are told.
        // One notice a person per work stands for its changes while unread: edits made again and again (a place changed and
        // changed back) bring it back to the top, not a notice, and a push, each time.
        if (current.State == OpportunityState.Published && (!SameTimesAndPlaces(current, saved) || current.Compensation != saved.Compensation))
        {
            var asked = await data.StillTakingPaidWorkAsync([.. places.Where(p => p.State is ParticipationState.Invited or ParticipationState.Waitlisted).Select(p => p.PersonId)], ct);
            var told = places.Where(p => p.State == ParticipationState.Confirmed || asked.Contains(p.PersonId) || current.Compensation != saved.Compensation && WorkedUnrecorded(current, p, claims))
                .Select(p => p.PersonId).Distinct(StringComparer.Ordinal);
            foreach (var person in told)
            {
                await notifier.SendStandingAsync(person, Notices.EngagementChanged, $"engagement-changed~{saved.Id}", saved.ETag!, Notifier.WhileUnread, ct);
            }
        }

        return saved;
    }

    /// <summary>Whether <paramref name="place"/> held a seat at a session of the work that has begun (withdrawn since, perhaps) and has no claim for it yet.</summary>
    private bool WorkedUnrecorded(Opportunity work, Participation place, IReadOnlyList<CompensationClaim> claims) =>
        work.Sessions.Any(s => s.CancelledAt is null && s.StartUtc <= data.Store.Now && ClaimRules.HeldSeatAt(place.State, place.ConfirmedAt, place.ChangedAt, s.StartUtc)
            && !claims.Any(c => c.SessionId == s.Id && c.PersonId == place.PersonId));

    private async Task<Opportunity> WriteWithPromotedAsync(Opportunity changed, string ifMatch, IReadOnlyList<Participation> promoted, CancellationToken ct)
    {
        try
        {
            var written = await data.Store.ExecuteBatchAsync(EngagementData.Container, data.Store.AgencyId,
                [new BatchOperation.Replace(changed, ifMatch), .. promoted.Select(p => new BatchOperation.Replace(p, p.ETag!))], ct);
            return changed with { ETag = written.ETags[0], AgencyId = data.Store.AgencyId, PartitionKey = data.Store.AgencyId };
        }
        catch (StoreException ex) when (ex.Kind == StoreErrorKind.BatchFailed)
        {
            throw new StoreException(StoreErrorKind.PreconditionFailed, "The opportunity or its waiting list changed.", ex);
        }
    }

    private static SessionChangeResult Sessions(
        IReadOnlyList<EngagementSession> before, int lastSessionNumber, OpportunityRequest body, DateTimeOffset now, IReadOnlySet<string> withClaims)
    {
        var drafts = body.SessionDrafts();
        RefuseTimesThatHappenTwice(before, drafts);
        var result = SessionChanges.Apply(before, lastSessionNumber, drafts, now, withClaims);
        return result.Refusal is { } why ? throw new ConflictException(why) : result;
    }

    /// <summary>
    /// A local time the clocks pass twice (01:30 on the fall-back night) is read by calendars as its first passing and by
    /// reminders as its second: a session is set only at times that happen once. One already set at such a time and sent
    /// back unchanged (the edit form sends every session) stays as it is.
    /// </summary>
    private static void RefuseTimesThatHappenTwice(IReadOnlyList<EngagementSession> before, IReadOnlyList<SessionDraft> drafts)
    {
        var errors = new ValidationErrors();
        for (var i = 0; i < drafts.Count; i++)
        {
            var d = drafts[i];
            var unchanged = before.Any(s => s.Id == d.Id && s.Start == d.Start && s.End == d.End && EngagementTime.SameZone(s.TimeZone, d.TimeZone));
            if (!unchanged && EngagementTime.TryZone(d.TimeZone, out var zone) && (EngagementTime.Twice(d.Start, zone) || EngagementTime.Twice(d.End, zone)))
            {
                errors.Add($"sessions[{i}].start", "That local time happens twice that night (the clocks go back then). Choose a time outside that hour.");
            }
        }

        if (errors.Any)
        {
            throw new RequestValidationException(errors.ToDictionary());
        }
    }

    public async ValueTask<Opportunity> Handle(MoveOpportunity command, CancellationToken ct)
    {
        var current = await data.OpportunityToManageAsync(command.OpportunityId, ct);
        var next = OpportunityLifecycle.Next(current.State, command.Move)
            ?? throw new ConflictException($"A {current.State.ToString().ToLowerInvariant()} opportunity cannot be {OpportunityLifecycle.Done(command.Move)}.");
        if (command.Move == OpportunityMove.Publish)
        {
            StoreException.ThrowIfChangedSince(command.IfMatch, current.ETag);
        }
        // Completing is for work done: sessions still to come are cancelled (under the late-cancellation rule) or held first.
        if (command.Move == OpportunityMove.Complete && current.Sessions.Any(s => s.CancelledAt is null && s.EndUtc > data.Store.Now))
        {
            throw new ConflictException("A session of this work has not ended yet. Cancel each session still to come, or complete the work once they are over.");
        }

        LateCancellationTerms? asked = current.LateCancellation;
        var receiptCap = current.ReceiptCap;
        if (command.Move == OpportunityMove.Publish)
        {
            if (current.ApplicationDeadline <= data.Store.Now)
            {
                throw new ConflictException("The deadline to answer has already passed; move it before publishing.");
            }

            var settings = await data.SettingsAsync(ct);
            EnsureParity(settings, current);
            asked = LateCancellationTerms.Of(settings);
            receiptCap = settings.ReceiptCap;
        }

        // Cancelling cancels every session still to come, under the late-cancellation rule, and tells those confirmed.
        var cancelled = command.Move == OpportunityMove.Cancel
            ? current.Sessions.Where(s => s.CancelledAt is null && s.StartUtc > data.Store.Now).ToList()
            : [];
        var due = cancelled.Count > 0 ? await claims.OweForAsync(current, cancelled, ct) : null;
        var now = data.Store.Now;
        var changed = current with
        {
            State = next,
            PublishedAt = command.Move == OpportunityMove.Publish ? data.Store.Now : current.PublishedAt,
            LateCancellation = asked,
            ReceiptCap = receiptCap,
            // One moment for the whole cancellation: its claims and its notice (one to each person) are worked out from it.
            Sessions = [.. current.Sessions.Select(s => cancelled.Contains(s) ? s with { CancelledAt = now } : s)],
            // Publishing fixes the terms a cancellation pays on: whoever does it set part of the pay.
            ChangedBy = command.Move == OpportunityMove.Publish && !current.SetTermsOf(data.Store.User.UserId) ? [.. current.ChangedBy, data.Store.User.UserId] : current.ChangedBy,
        };
        await reminders.PrepareAsync(current, changed, ct);
        var moved = await data.Store.ReplaceAsync(EngagementData.Container, changed, current.ETag!, ct);
        if (due is not null)
        {
            await claims.CancelledAsync(moved, [.. moved.Sessions.Where(s => cancelled.Any(c => c.Id == s.Id))], due, ct);
        }

        await reminders.PlanAsync(moved, ct);
        return moved;
    }

    public async ValueTask<Page<OpportunityView>> Handle(ListOpportunities query, CancellationToken ct)
    {
        var page = await data.Store.PageAsync<Opportunity>(EngagementData.Container, [], orderBy: "createdAt", descending: true, query.PageSize, query.ContinuationToken, ct);
        return new Page<OpportunityView>([.. page.Items.Select(o => OpportunityViews.ForRecruiter(o, null))], page.ContinuationToken);
    }

    public async ValueTask<OpportunityView> Handle(GetOpportunity query, CancellationToken ct)
    {
        var opportunity = await data.OpportunityAsync(query.OpportunityId, ct);
        var me = data.Store.User.UserId;
        var mine = await data.ParticipationAsync(opportunity.Id, me, ct);

        // A recruiter who holds or held a place is one of the participants here, and sees the work as they do.
        if (data.Store.User.IsInRole(Roles.Recruiter) && mine is not { HoldsOrHeld: true })
        {
            var participations = await data.ParticipationsAsync(Filter.Eq("opportunityId", opportunity.Id), ct);
            var names = await NamesAsync(participations.Select(p => p.PersonId), ct);
            var needs = await AccessNeedsAsync(opportunity, participations, names, ct);
            return OpportunityViews.ForRecruiter(opportunity, [.. participations
                .OrderBy(p => ParticipantView.StateOf(p.State)).ThenBy(p => p.WaitlistNumber).ThenBy(p => p.CreatedAt)
                .Select(p => ParticipantView.Of(p, opportunity, names.GetValueOrDefault(p.PersonId, "(no longer here)"),
                    p.State == ParticipationState.Confirmed ? needs.GetValueOrDefault(p.PersonId) : null))]);
        }

        // A survivor sees a published opportunity that fits them, or one they were invited to or took part in.
        var fit = await data.ProfileAsync(me, ct) is { } profile ? EngagementFit.Assess(profile, opportunity, data.Store.Now) : null;
        var visible = mine is not null || (opportunity.State == OpportunityState.Published && fit?.Fits == true && await data.OptedInAsync(me, ct));
        return visible ? OpportunityViews.ForSurvivor(opportunity, mine, fit, await data.CancelledPlacesAsync(me, opportunity.Id, ct)) : throw new NotFoundException("opportunity");
    }

    /// <summary>
    /// What would help each confirmed participant take part, for a recruiter who looks after the work: not one who holds
    /// or held a place in it (another participant), and not for work over or cancelled, nor for someone no longer here.
    /// </summary>
    private async Task<Dictionary<string, string?>> AccessNeedsAsync(
        Opportunity opportunity, IReadOnlyList<Participation> participations, Dictionary<string, string> names, CancellationToken ct)
    {
        var me = data.Store.User.UserId;
        if (opportunity.State is not (OpportunityState.Published or OpportunityState.Closed)
            || participations.Any(p => p.PersonId == me && p.HoldsOrHeld))
        {
            return [];
        }

        var confirmed = participations.Where(p => p.State == ParticipationState.Confirmed && names.ContainsKey(p.PersonId)).Select(p => EngagementData.ProfileId(p.PersonId));
        return (await data.Store.ManyAsync<EngagementProfile>(EngagementData.Container, confirmed, ct))
            .Where(p => !string.IsNullOrWhiteSpace(p.AccessibilityNeeds)).ToDictionary(p => p.PersonId, p => p.AccessibilityNeeds);
    }

    public async ValueTask<IReadOnlyList<CandidateView>> Handle(ListCandidates query, CancellationToken ct)
    {
        var opportunity = await data.OpportunityToManageAsync(query.OpportunityId, ct);
        // Only work as it is offered, which keeps what it is about: a draft's words could be changed and its candidates
        // drawn again, word by word, to find who will not speak about what.
        if (opportunity.State != OpportunityState.Published)
        {
            throw new ConflictException("Who the work fits is shown once it is published.");
        }

        var profiles = await data.ProfilesOfKindAsync(opportunity.Kind, ct);
        var optedIn = await data.OptedInAsync([.. profiles.Select(p => p.PersonId)], ct);
        // Whoever made or changed the work takes no paid place in it.
        var fitting = profiles
            .Where(p => optedIn.Contains(p.PersonId) && !opportunity.SetTermsOf(p.PersonId))
            .Select(p => (Profile: p, Fit: EngagementFit.Assess(p, opportunity, data.Store.Now)))
            .Where(x => x.Fit.Fits)
            .ToList();
        var states = (await data.ParticipationsAsync(Filter.Eq("opportunityId", opportunity.Id), ct)).ToDictionary(p => p.PersonId, p => ParticipantView.StateOf(p.State));
        var names = await NamesAsync(fitting.Select(x => x.Profile.PersonId), ct);
        return [.. fitting
            .Where(x => names.ContainsKey(x.Profile.PersonId))
            .OrderByDescending(x => x.Fit.Reasons.Count)
            .Select(x => new CandidateView(x.Profile.PersonId, names[x.Profile.PersonId], x.Fit.Reasons, states.TryGetValue(x.Profile.PersonId, out var s) ? s : null))];
    }

    /// <summary>Display names by id, of active people who still take paid work (an advisor or a mentor), read by their ids.</summary>
    private async Task<Dictionary<string, string>> NamesAsync(IEnumerable<string> ids, CancellationToken ct) =>
        (await data.Store.ManyAsync<Person>(Person.Container, ids, ct))
            .Where(EngagementData.TakesPaidWork)
            .ToDictionary(p => p.Id, p => p.DisplayName, StringComparer.Ordinal);

    /// <summary>Whether every session keeps its time and place as anyone asked was shown them: a change of area or time zone alone changes what a yes agreed to too.</summary>
    private static bool SameTimesAndPlaces(Opportunity before, Opportunity after) =>
        before.Sessions.Select(s => (s.StartUtc, s.EndUtc, s.TimeZone, s.InPerson, s.Area, s.Location, s.Link))
            .SequenceEqual(after.Sessions.Select(s => (s.StartUtc, s.EndUtc, s.TimeZone, s.InPerson, s.Area, s.Location, s.Link)));

    private static void EnsureKind(EngagementSettings settings, string kind)
    {
        if (!settings.Kinds.Any(k => k.Key == kind))
        {
            throw new RequestValidationException("kind", $"One of your agency's kinds of work: {string.Join(", ", settings.Kinds.Select(k => k.Key))}.");
        }
    }

    private static void EnsureParity(EngagementSettings settings, Opportunity opportunity)
    {
        if (PayParity.Refusal(settings, opportunity) is { } why)
        {
            throw new ConflictException(why);
        }
    }
}

/// <summary>Which move takes an opportunity where: draft → published → closed → completed, or cancelled before completion.</summary>
public static class OpportunityLifecycle
{
    public static OpportunityState? Next(OpportunityState state, OpportunityMove move) => (state, move) switch
    {
        (OpportunityState.Draft, OpportunityMove.Publish) => OpportunityState.Published,
        (OpportunityState.Published, OpportunityMove.Close) => OpportunityState.Closed,
        (OpportunityState.Published or OpportunityState.Closed, OpportunityMove.Complete) => OpportunityState.Completed,
        (OpportunityState.Draft or OpportunityState.Published or OpportunityState.Closed, OpportunityMove.Cancel) => OpportunityState.Cancelled,
        _ => null,
    };

    public static string Done(OpportunityMove move) => move switch
    {
        OpportunityMove.Publish => "published",
        OpportunityMove.Close => "closed",
        OpportunityMove.Complete => "completed",
        _ => "cancelled",
    };
}

internal static class OpportunityViews
{
    /// <summary>The recruiter's view carries the version (ETag) a change must name; a survivor's, the terms an answer names.</summary>
    public static OpportunityView ForRecruiter(Opportunity o, IReadOnlyList<ParticipantView>? participants) =>
        View(o, static _ => true, null, null, participants) with { Version = o.ETag };

    /// <summary>
    /// As the survivor sees it: a session the agency cancelled their place in is cancelled, for them, and a cancelled
    /// session shows no join link (there is nothing to join). The address of a gathering of survivors, like its link, is
    /// for those whose place is confirmed; everyone else sees its area.
    /// </summary>
    public static OpportunityView ForSurvivor(Opportunity o, Participation? mine, Fit? fit, IEnumerable<CompensationClaim> cancelledPlaces)
    {
        var confirmed = mine?.State == ParticipationState.Confirmed;
        return View(o, cancelledAt => confirmed && cancelledAt is null, mine?.State, fit?.Fits == true ? fit.Reasons : null, null,
            cancelledPlaces.Where(c => c.OpportunityId == o.Id && ClaimRules.CancelsPlace(c, mine))
                .ToDictionary(c => c.SessionId, c => c.RecordedAt, StringComparer.Ordinal)) with
        {
            Version = OfferedTerms.Of(o),
            WaitsForYesAgain = mine is { State: ParticipationState.Waitlisted } && mine.AgreedToOtherTermsThan(o),
        };
    }

    private static SessionView SessionViewOf(EngagementSession s, Func<DateTimeOffset?, bool> showWhere, DateTimeOffset? cancelledAt) =>
        new(s.Id, s.Start, s.End, s.TimeZone, s.StartUtc, s.EndUtc, s.InPerson, showWhere(cancelledAt) ? s.Location : null, showWhere(cancelledAt) ? s.Link : null, cancelledAt, s.Area);

    private static OpportunityView View(
        Opportunity o, Func<DateTimeOffset?, bool> showWhere, ParticipationState? mine, IReadOnlyList<string>? reasons, IReadOnlyList<ParticipantView>? participants,
        Dictionary<string, DateTimeOffset>? placeCancelled = null) =>
        new(o.Id, o.Kind, o.Title, o.Description, o.Topics,
            [.. o.Sessions.Select(s => SessionViewOf(s, showWhere, s.CancelledAt ?? (placeCancelled is not null && placeCancelled.TryGetValue(s.Id, out var at) ? at : null)))],
            o.Seats, o.Confirmed, o.ApplicationDeadline, o.Compensation, o.Currency, PayParity.EffectiveHourlyRate(o.Compensation, o.Sessions),
            o.State, o.PublishedAt, mine, reasons, participants, null);
}
