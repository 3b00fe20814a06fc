using Mediator;
using SurvivorConnect.Api.Features.Engagements.Rules;
using SurvivorConnect.Api.Features.Notifications;
using SurvivorConnect.Api.Features.People;
using SurvivorConnect.Api.Infrastructure.Errors;
using SurvivorConnect.Api.Infrastructure.Pipeline;
using SurvivorConnect.Storage;

namespace SurvivorConnect.Api.Features.Engagements;

/// <param name="Version">
/// What was recorded for the person in the session as the sender read it (the claim's <see cref="ClaimView.Version"/>;
/// "" when nothing was): another record made since refuses the form (412), not overwritten by one opened before it.
/// Travel added, or finance taking the claim on, is no new record. Left out, whatever is recorded is replaced.
/// </param>
public sealed record AttendanceEntry(string? PersonId, string? Outcome, int? MinutesAttended, string? Version = null);

public sealed record AttendanceRequest(AttendanceEntry[]? Entries);

public sealed record TravelRequest(decimal? Miles, ReceiptedCost[]? Costs, int? TravelDays, decimal? Lodging = null)
{
    public const int MaxReceipts = 20;
}

/// <param name="TravelMayChange">Its travel may still be added or changed: it is open, or its payout waits for approval.</param>
public sealed record ClaimView(
    string OpportunityId, string SessionId, string PersonId, AttendanceOutcome Outcome, int? MinutesAttended, decimal HoursPaid, decimal Amount,
    string Currency, bool TravelAllowed, bool PerDiemAllowed, TravelClaim? Travel, ClaimState State, DateTimeOffset RecordedAt, string Version,
    bool TravelMayChange = false)
{
    public static ClaimView From(CompensationClaim c) => From(c, withFinanceUnapproved: false);

    public static ClaimView From(CompensationClaim c, bool withFinanceUnapproved) =>
        new(c.OpportunityId, c.SessionId, c.PersonId, c.Outcome, c.MinutesAttended, c.HoursPaid, c.Amount, c.Currency, c.TravelAllowed, c.PerDiemAllowed, c.Travel, c.State, c.RecordedAt, VersionOf(c),
            c.State == ClaimState.Open || withFinanceUnapproved);

    /// <summary>
    /// Which record of attendance a claim holds: what was recorded, when and by whom, which only recording it again
    /// changes (travel added, or finance taking it on, does not). Hashed: who recorded it is not the reader's to see.
    /// </summary>
    public static string VersionOf(CompensationClaim? claim) =>
        claim is null ? "" : Digest.Of(FormattableString.Invariant($"{claim.RecordedAt.UtcTicks}~{claim.RecordedBy}~{claim.Outcome}~{claim.MinutesAttended}"), 24);

    /// <summary>Whether this claim records the agency cancelling the place <paramref name="holder"/> holds now.</summary>
    public bool CancelsPlaceOf(ParticipantView holder) =>
        Outcome == AttendanceOutcome.CancelledByAgency && holder.State == PlaceState.Confirmed && ClaimRules.CancelsPlace(RecordedAt, ParticipationState.Confirmed, holder.ConfirmedAt);

    /// <summary>Whether this claim pays nothing: a cancellation it records may be undone (before the session, for someone still taking paid work).</summary>
    public bool OwesNothing => ClaimRules.OwesNothing(Amount, Travel);
}

/// <summary>After a session, the recruiter records what happened for each confirmed participant; each gets a claim.</summary>
public sealed record RecordAttendance(string OpportunityId, string SessionId, AttendanceRequest Body) : ICommand<IReadOnlyList<ClaimView>>, IValidate, IAudited
{
    public AuditTarget Audit => new("opportunity.record-attendance", "opportunity", OpportunityId);

    public void Validate(ValidationErrors errors)
    {
        if (Body.Entries is not { Length: > 0 and <= OpportunityRequest.MaxSeats } entries)
        {
            errors.Add("entries", $"1 to {OpportunityRequest.MaxSeats} entries.");
            return;
        }

        for (var i = 0; i < entries.Length; i++)
        {
            errors.Text($"entries[{i}].personId", entries[i].PersonId, 128).OneOf<AttendanceOutcome>($"entries[{i}].outcome", entries[i].Outcome)
                .Text($"entries[{i}].version", entries[i].Version, 200, required: false);
            if (entries[i].Outcome is { } outcome && EnumNames.TryParse(outcome, out AttendanceOutcome parsed) && parsed == AttendanceOutcome.Partial && entries[i].MinutesAttended is null)
            {
                errors.Add($"entries[{i}].minutesAttended", "Required for partial attendance.");
            }
        }

        if (entries.Select(e => e.PersonId).Distinct(StringComparer.Ordinal).Count() != entries.Length)
        {
            errors.Add("entries", "Each participant once.");
        }
    }
}

/// <summary>The agency cancels one session: every confirmed participant is told, and the late-cancellation rule applies.</summary>
public sealed record CancelSession(string OpportunityId, string SessionId) : ICommand<IReadOnlyList<ClaimView>>, IAudited
{
    public AuditTarget Audit => new("opportunity.cancel-session", "opportunity", OpportunityId);
}

/// <summary>
/// The agency gives back a place it cancelled in a session still to come, as if it had not: the cancellation's claim
/// goes, and the holder is told. Only a cancellation that pays nothing, to someone who still takes paid work.
/// </summary>
public sealed record RestorePlace(string OpportunityId, string SessionId, string PersonId) : ICommand<Unit>, IAudited
{
    public AuditTarget Audit => new("opportunity.restore-place", "claim", CompensationClaim.IdFor(OpportunityId, SessionId, PersonId));
}

public sealed record ListClaims(string OpportunityId) : IQuery<IReadOnlyList<ClaimView>>, IAudited
{
    public AuditTarget Audit => new("opportunity.list-claims", "opportunity", OpportunityId);
}

public sealed record ListMyClaims : IQuery<IReadOnlyList<ClaimView>>;

/// <summary>
/// What Payouts tells of claims gone to finance: those whose payout still waits for approval, whose travel the person
/// may still add. Sent to finance the moment attendance is recorded, a claim would otherwise lose the travel and per diem
/// its holder was told to add.
/// </summary>
public interface IClaimsWithFinance
{
    Task<IReadOnlySet<string>> UnapprovedAsync(IReadOnlyCollection<CompensationClaim> submitted, CancellationToken ct);
}

/// <summary>The participant adds travel to their claim for an in-person session, as the opportunity allows.</summary>
public sealed record AttachTravel(string OpportunityId, string SessionId, TravelRequest Body) : ICommand<ClaimView>, IValidate, IAudited
{
    public AuditTarget Audit => new("claim.attach-travel", "claim", OpportunityId);

    public void Validate(ValidationErrors errors)
    {
        if (Body.Miles is { } miles && (miles < 0 || miles > 2000))
        {
            errors.Add("miles", "Between 0 and 2000.");
        }

        errors.Range("travelDays", Body.TravelDays, 0, 30);
        if (Body.Costs is { Length: > TravelRequest.MaxReceipts })
        {
            errors.Add("costs", $"At most {TravelRequest.MaxReceipts} receipts.");
        }

        foreach (var cost in Body.Costs ?? [])
        {
            errors.Text("costs", cost.Description, 200);
            EngagementValidation.Rate(errors, "costs", cost.Amount);
        }

        // Nothing for lodging is 0 (the page shows a saved claim without it so), not a refused amount.
        if (Body.Lodging is { } lodging && lodging != 0)
        {
            EngagementValidation.Rate(errors, "lodging", lodging);
            if ((Body.TravelDays ?? 0) < 2)
            {
                errors.Add("lodging", "Lodging is for a night away: at least two travel days.");
            }
        }
    }
}

internal sealed class AttendanceHandlers(EngagementData data, ClaimWriter claims, ReminderSchedule reminders, IClaimsWithFinance finance)
    : ICommandHandler<RecordAttendance, IReadOnlyList<ClaimView>>,
      ICommandHandler<CancelSession, IReadOnlyList<ClaimView>>,
      ICommandHandler<RestorePlace, Unit>,
      IQueryHandler<ListClaims, IReadOnlyList<ClaimView>>,
      IQueryHandler<ListMyClaims, IReadOnlyList<ClaimView>>,
      ICommandHandler<AttachTravel, ClaimView>
{
    public async ValueTask<IReadOnlyList<ClaimView>> Handle(RecordAttendance command, CancellationToken ct)
    {
        var opportunity = await data.OpportunityToManageAsync(command.OpportunityId, ct);
        var session = SessionOf(opportunity, command.SessionId);
        // Cancelling work cancels only its sessions still to come: one that went ahead before is paid as any other.
        if (opportunity.State is OpportunityState.Draft || session.CancelledAt is not null)
        {
            throw new ConflictException("Attendance is recorded for a session that went ahead.");
        }

        var entries = command.Body.Entries!;
        if (entries.Any(e => EnumNames.Parse<AttendanceOutcome>(e.Outcome) != AttendanceOutcome.CancelledByAgency) && data.Store.Now < session.EndUtc)
        {
            throw new ConflictException("Record attendance once the session has ended.");
        }

        var seated = (await data.ParticipationsAsync(Filter.Eq("opportunityId", opportunity.Id), ct))
            .Where(p => ClaimRules.HeldSeatAt(p.State, p.ConfirmedAt, p.ChangedAt, session.StartUtc)).ToDictionary(p => p.PersonId, StringComparer.Ordinal);
        var errors = new ValidationErrors();
        var sessionMinutes = session.Minutes;
        for (var i = 0; i < entries.Length; i++)
        {
            if (!seated.ContainsKey(entries[i].PersonId!))
            {
                errors.Add($"entries[{i}].personId", "Not confirmed for this session when it began.");
            }
            else if (entries[i].PersonId == data.Store.User.UserId)
            {
                // What is recorded decides the pay: nobody records their own.
                errors.Add($"entries[{i}].personId", "Another recruiter records your own attendance.");
            }

            errors.Range($"entries[{i}].minutesAttended", entries[i].MinutesAttended, 1, sessionMinutes);
        }

        if (errors.Any)
        {
            throw new RequestValidationException(errors.ToDictionary());
        }

        // A place is cancelled before its session begins: one written after would be paid as a short-notice
        // cancellation (and open travel) for someone who may simply not have come. One cancelled in time, for the place
        // its holder has, is sent again with the rest of the session's form, and kept as it is.
        var inTime = new Dictionary<string, CompensationClaim>(StringComparer.Ordinal);
        if (data.Store.Now >= session.StartUtc)
        {
            foreach (var entry in entries.Where(e => EnumNames.Parse<AttendanceOutcome>(e.Outcome) == AttendanceOutcome.CancelledByAgency))
            {
                var cancelled = await data.Store.ReadAsync<CompensationClaim>(EngagementData.Container, CompensationClaim.IdFor(opportunity.Id, session.Id, entry.PersonId!), data.Store.AgencyId, ct);
                if (cancelled is not { Outcome: AttendanceOutcome.CancelledByAgency }
                    || !ClaimRules.CancelledInTime(cancelled.RecordedAt, session.StartUtc, seated[entry.PersonId!].ConfirmedAt))
                {
                    throw new ConflictException("This session has begun: record whether each person came, took part or did not come.");
                }

                inTime[entry.PersonId!] = cancelled;
            }
        }

        var terms = await claims.TermsAsync(opportunity, ct);

        // Refused before anything is written, so a form is recorded whole or not at all, and nobody is told of part of it.
        // Each write checks its entry's version again, against the claim it replaces (a record made in between).
        foreach (var entry in entries.Where(e => e.Version is not null))
        {
            ClaimWriter.EnsureRecordedAsRead(
                await data.Store.ReadAsync<CompensationClaim>(EngagementData.Container, CompensationClaim.IdFor(opportunity.Id, session.Id, entry.PersonId!), data.Store.AgencyId, ct),
                entry.Version);
        }

        foreach (var entry in entries.Where(e => !inTime.ContainsKey(e.PersonId!)))
        {
            if (await claims.WhyNotRecordAsync(opportunity, session, seated[entry.PersonId!], EnumNames.Parse<AttendanceOutcome>(entry.Outcome), entry.MinutesAttended, terms, ct) is { } why)
            {
                throw new ConflictException(why);
            }
        }

        var written = new List<ClaimView>();
        foreach (var entry in entries)
        {
            if (inTime.TryGetValue(entry.PersonId!, out var kept))
            {
                written.Add(ClaimView.From(kept));
                continue;
            }

            var place = seated[entry.PersonId!];
            var (claim, recordedBefore) = await claims.WriteAsync(opportunity, session, place, EnumNames.Parse<AttendanceOutcome>(entry.Outcome), entry.MinutesAttended, terms, ct, entry.Version);
            written.Add(claim);

            // A place cancelled before the session is news to its holder, who would otherwise come (the session goes ahead).
            if (claim.Outcome == AttendanceOutcome.CancelledByAgency && data.Store.Now < session.StartUtc)
            {
                await claims.PlaceCancelledAsync(claim, ct);
            }
            else if (claim is { Outcome: AttendanceOutcome.Attended or AttendanceOutcome.Partial, State: ClaimState.Open })
            {
                await claims.AttendanceRecordedAsync(claim, ct);
            }
            else if (claim.Outcome == AttendanceOutcome.NoShow && !recordedBefore)
            {
                // Never silent: someone who was there learns it while it can still be put right (recorded so after
                // something else, they hear of it as a claim that pays less).
                await claims.RecordedAbsentAsync(claim, ct);
            }
        }

        return written;
    }

    public async ValueTask<IReadOnlyList<ClaimView>> Handle(CancelSession command, CancellationToken ct)
    {
        var opportunity = await data.OpportunityToManageAsync(command.OpportunityId, ct);
        var session = SessionOf(opportunity, command.SessionId);
        if (opportunity.State is OpportunityState.Draft or OpportunityState.Cancelled or OpportunityState.Completed || session.CancelledAt is not null || data.Store.Now >= session.StartUtc)
        {
            throw new ConflictException("Only a session still to come can be cancelled.");
        }

        var due = await claims.OweForAsync(opportunity, [session], ct);
        var saved = await data.Store.ReplaceAsync(EngagementData.Container, opportunity with
        {
            Sessions = [.. opportunity.Sessions.Select(s => s.Id == session.Id ? s with { CancelledAt = data.Store.Now } : s)],
        }, opportunity.ETag!, ct);
        await reminders.PlanAsync(saved, ct);
        return await claims.CancelledAsync(saved, [.. saved.Sessions.Where(s => s.Id == session.Id)], due, ct);
    }

    public async ValueTask<Unit> Handle(RestorePlace command, CancellationToken ct)
    {
        var opportunity = await data.OpportunityToManageAsync(command.OpportunityId, ct);
        var session = SessionOf(opportunity, command.SessionId);
        var place = PeopleRules.IsValidId(command.PersonId) ? await data.ParticipationAsync(opportunity.Id, command.PersonId, ct) : null;
        if (place is null)
        {
            throw new NotFoundException("place");
        }

        if (opportunity.State is not (OpportunityState.Published or OpportunityState.Closed) || session.CancelledAt is not null || data.Store.Now >= session.StartUtc)
        {
            throw new ConflictException("A place can be given back only in a session still to come.");
        }

        var claim = await data.Store.ReadAsync<CompensationClaim>(EngagementData.Container, CompensationClaim.IdFor(opportunity.Id, session.Id, place.PersonId), data.Store.AgencyId, ct);
        if (!ClaimRules.CancelsPlace(claim, place))
        {
            throw new ConflictException("Their place in this session is not cancelled.");
        }

        // A cancellation that pays (it came at short notice, or carries their travel) stands: giving the place back would
        // take away pay they were promised, and it may already be in a payout.
        if (!ClaimRules.OwesNothing(claim.Amount, claim.Travel))
        {
            throw new ConflictException("This cancellation pays them (it came at short notice, or carries their travel), so it stands. Ask them whether they would still like to come; what happened is recorded after the session.");
        }

        // Nor to work paid below the agency's benchmark, risen since it was published: nobody is committed to that.
        if (PayParity.Refusal(await data.SettingsAsync(ct), opportunity) is { } why)
        {
            throw new ConflictException(why + " Until then no place is given back.");
        }

        // Giving a place back commits them again: only to someone who still takes paid work, has not opted out of it, has
        // not since said they will not speak about what it touches, and is free at one of its times.
        if (!(await data.MayTakePlaceAsync([place.PersonId], opportunity, ct)).Contains(place.PersonId))
        {
            throw new ConflictException("They no longer take this paid work (they stopped taking paid work here, it touches something they will not speak about, or none of its sessions is at a time they said they are free), so their place cannot be given back.");
        }

        // The opportunity and the place are written back as read with the claim's removal: a session cancelled or a
        // place given up meanwhile fails the batch, so nobody is told their place is back in a session that is not.
        try
        {
            await data.Store.ExecuteBatchAsync(EngagementData.Container, data.Store.AgencyId,
                [new BatchOperation.Delete(claim.Id, claim.ETag), new BatchOperation.Replace(opportunity, opportunity.ETag!), new BatchOperation.Replace(place, place.ETag!)], ct);
        }
        catch (StoreException ex) when (ex.Kind == StoreErrorKind.BatchFailed)
        {
            throw new ConflictException("The opportunity changed meanwhile; look at it again.");
        }

        await claims.PlaceRestoredAsync(claim, ct);
        return Unit.Value;
    }

    public async ValueTask<IReadOnlyList<ClaimView>> Handle(ListClaims query, CancellationToken ct)
    {
        // Everyone's pay, attendance and travel: not for a recruiter who is one of those paid.
        var opportunity = await data.OpportunityToManageAsync(query.OpportunityId, ct);
        return [.. (await data.Store.AllAsync<CompensationClaim>(EngagementData.Container, [Filter.Eq("opportunityId", opportunity.Id)], ct)).Select(ClaimView.From)];
    }

    public async ValueTask<IReadOnlyList<ClaimView>> Handle(ListMyClaims query, CancellationToken ct)
    {
        var mine = await data.Store.AllAsync<CompensationClaim>(EngagementData.Container, [Filter.Eq("personId", data.Store.User.UserId)], ct);
        var unapproved = await finance.UnapprovedAsync([.. mine.Where(c => c.State == ClaimState.Submitted)], ct);
        return [.. mine.Select(c => ClaimView.From(c, unapproved.Contains(c.Id)))];
    }

    public async ValueTask<ClaimView> Handle(AttachTravel command, CancellationToken ct)
    {
        var opportunity = await data.OpportunityAsync(command.OpportunityId, ct);
        var session = SessionOf(opportunity, command.SessionId);
        var claim = await data.Store.ReadAsync<CompensationClaim>(EngagementData.Container, CompensationClaim.IdFor(opportunity.Id, session.Id, data.Store.User.UserId), data.Store.AgencyId, ct)
            ?? throw new NotFoundException("claim");
        var body = command.Body;
        var wantsTravel = (body.Miles ?? 0) > 0 || body.Costs is { Length: > 0 };
        if (claim.Outcome == AttendanceOutcome.NoShow && (wantsTravel || (body.TravelDays ?? 0) > 0 || (body.Lodging ?? 0) > 0))
        {
            throw new ConflictException("Travel is paid for a session someone came to, or one the agency cancelled; this one is recorded as not attended.");
        }

        // Cancelled days ahead, nobody was on their way yet: what they paid ahead (a ticket, a room, with its receipt) is
        // paid back, but no mileage or days away. Closer to the session, as for a cancellation at short notice, they are.
        var travelWindow = Math.Max(ClaimRules.TravelWindowHours, (await claims.TermsAsync(opportunity, ct)).Hours);
        if (claim.Outcome == AttendanceOutcome.CancelledByAgency && ((body.Miles ?? 0) > 0 || (body.TravelDays ?? 0) > 0 || (body.Lodging ?? 0) > 0)
            && !ClaimRules.IsLate(claim.RecordedAt, session.StartUtc, travelWindow))
        {
            throw new ConflictException("This session was cancelled days before it began, before anyone set out: costs you paid ahead (a ticket, a room), with a receipt, are paid back, but not mileage or days away.");
        }

        if (!session.InPerson || (wantsTravel && !claim.TravelAllowed) || ((body.TravelDays ?? 0) > 0 && !claim.PerDiemAllowed))
        {
            throw new ConflictException("This session does not cover that: travel and per diem are for in-person sessions whose pay policy allows them.");
        }

        // Gone to finance, its travel changes until its payout is approved: saved, the claim is open again, and the payout,
        // no longer matching it, is neither approved nor sent until the claim is sent again (see PayoutData.ClaimChanged).
        var withFinance = claim.State != ClaimState.Open;
        if (withFinance && !(await finance.UnapprovedAsync([claim], ct)).Contains(claim.Id))
        {
            throw new ConflictException(ApprovedAlready);
        }

        // Receipts filed under a higher cap (since lowered) stay paid up to it when the trip is saved again with more.
        var cap = Math.Max(opportunity.ReceiptCapApplying(await data.SettingsAsync(ct)), claim.Travel?.ReceiptCap ?? 0);
        if ((body.Costs ?? []).Sum(c => c.Amount) > cap)
        {
            throw new RequestValidationException("costs", $"Receipts for one session are reimbursed up to {cap:0.00} {claim.Currency}; these add up to more.");
        }

        var travel = new TravelClaim(body.Miles ?? 0, [.. (body.Costs ?? []).Select(c => c with { Description = c.Description.Trim() })], body.TravelDays ?? 0)
        {
            Lodging = body.Lodging ?? 0,
            ReceiptCap = cap,
        };

        // The person's sessions on the same or following days are one trip, whose costs are paid once: this opportunity's,
        // and any other's they came to in person (a focus group in the morning, an advisory board the next day).
        List<CompensationClaim> tripClaims = [];
        if (travel.ClaimsAnything)
        {
            var here = Keyed(opportunity.Id, session);
            var mine = await MyOtherSessionsAsync(claim, opportunity, ct);
            // Another opportunity's days lengthen the trip this one pays days away for only where it pays them too.
            var daysAway = mine.Where(o => o.Claim.OpportunityId == opportunity.Id || o.Claim.PerDiemAllowed);
            // This work's other in-person sessions they did not attend (missed, or not recorded yet) still join its trip.
            var notAttended = opportunity.Sessions
                .Where(s => s.InPerson && s.CancelledAt is null && s.Id != session.Id && !mine.Any(o => o.Claim.OpportunityId == opportunity.Id && o.Claim.SessionId == s.Id))
                .Select(s => Keyed(opportunity.Id, s));
            if (travel.StaysAway && ClaimRules.WhyNotDaysAway(here, travel.TravelDays, [.. daysAway.Select(o => (o.Session, o.Claim.Travel is { StaysAway: true }, o.Claim.Travel?.TravelDays ?? 0))], [.. notAttended]) is { } why)
            {
                throw new ConflictException(why);
            }

            var trip = ClaimRules.TripOf(here, [.. mine.Select(o => o.Session)]);
            var onTrip = mine.Where(o => trip.Contains(o.Session)).ToList();
            if (ClaimRules.WhyNotTravelAgain(here, travel, [.. onTrip.Where(o => o.Claim.Travel is not null).Select(o => (o.Session, o.Claim.Travel!))]) is { } again)
            {
                throw new ConflictException(again);
            }

            // Those that can still change meanwhile: open ones, and those with finance whose payout waits for approval.
            // Written back as read, one with finance stays with finance, its payout as it was.
            var unapproved = await finance.UnapprovedAsync([.. onTrip.Where(o => o.Claim.State != ClaimState.Open).Select(o => o.Claim)], ct);
            tripClaims = [.. onTrip.Where(o => o.Claim.State == ClaimState.Open || unapproved.Contains(o.Claim.Id)).Select(o => o.Claim)];
        }

        // The same travel sent again to a claim with finance (the form saved as it stands) changes nothing: its payout
        // goes on as it is.
        var kept = travel.ClaimsAnything ? travel : null;
        if (withFinance && ClaimRules.SameTravel(claim.Travel, kept))
        {
            return ClaimView.From(claim, withFinanceUnapproved: true);
        }

        // The trip's other claims are written back as read, in one batch with this one: travel saved meanwhile on
        // another of its sessions (a second tab) fails this save, so the trip is never paid twice.
        var changed = claim with { Travel = kept, State = ClaimState.Open };
        var written = tripClaims.Count == 0
            ? (await data.Store.ReplaceAsync(EngagementData.Container, changed, claim.ETag!, ct)).ETag!
            : (await data.Store.ExecuteBatchAsync(EngagementData.Container, data.Store.AgencyId,
                [new BatchOperation.Replace(changed, claim.ETag!), .. tripClaims.Select(c => new BatchOperation.Replace(c, c.ETag!))], ct)).ETags[0];

        // Approved between the check above and this save, the payout goes as it was approved: the claim goes back to
        // finance as it was. Approved after it, the payout is neither sent nor paid (its claim changed) until finance
        // cancels it and the claim is sent again.
        if (withFinance && !(await finance.UnapprovedAsync([claim], CancellationToken.None)).Contains(claim.Id))
        {
            await data.Store.ReplaceAsync(EngagementData.Container, claim, written!, CancellationToken.None);
            throw new ConflictException(ApprovedAlready);
        }

        return ClaimView.From(changed);
    }

    private const string ApprovedAlready =
        "Finance has approved this claim's payment, so its travel can no longer change. If something is missing, tell your agency contact.";

    private static EngagementSession SessionOf(Opportunity opportunity, string sessionId) =>
        opportunity.Sessions.FirstOrDefault(s => s.Id == sessionId) ?? throw new NotFoundException("session");

    /// <summary>
    /// The caller's other claimed sessions that could share a trip with <paramref name="claim"/>'s: the in-person ones
    /// they did not miss, of any opportunity. Each session is named with its opportunity, as session ids are an
    /// opportunity's own.
    /// </summary>
    private async Task<List<(CompensationClaim Claim, EngagementSession Session)>> MyOtherSessionsAsync(CompensationClaim claim, Opportunity opportunity, CancellationToken ct)
    {
        var others = (await data.Store.AllAsync<CompensationClaim>(EngagementData.Container, [Filter.Eq("personId", data.Store.User.UserId)], ct))
            .Where(c => c.Id != claim.Id).ToList();
        var opportunities = (await data.Store.ManyAsync<Opportunity>(EngagementData.Container, others.Select(c => c.OpportunityId).Where(id => id != opportunity.Id).Distinct(), ct))
            .Append(opportunity).ToDictionary(o => o.Id, StringComparer.Ordinal);
        return [.. others
            .Select(c => (Claim: c, Session: opportunities.GetValueOrDefault(c.OpportunityId)?.Sessions.FirstOrDefault(s => s.Id == c.SessionId)))
            .Where(o => o.Session is { InPerson: true } && o.Claim.Outcome != AttendanceOutcome.NoShow)
            .Select(o => (o.Claim, Keyed(o.Claim.OpportunityId, o.Session!)))];
    }

    private static EngagementSession Keyed(string opportunityId, EngagementSession session) => session with { Id = $"{opportunityId}~{session.Id}" };
}

/// <summary>Writes claims: from attendance, and for every confirmed participant of a cancelled session (who is told).</summary>
internal sealed class ClaimWriter(EngagementData data, Notifier notifier)
{
    /// <summary>
    /// Before sessions are cancelled: what will be owed for them, kept until <see cref="CancelledAsync"/> has written it.
    /// </summary>
    public async Task<CancellationDue> OweForAsync(Opportunity opportunity, IReadOnlyList<EngagementSession> sessions, CancellationToken ct) =>
        await data.Store.UpsertAsync(EngagementData.Container, new CancellationDue
        {
            Id = CancellationDue.IdFor(data.Store.AgencyId, opportunity.Id, sessions.Select(s => s.Id)),
            PartitionKey = CancellationDue.Partition,
            OpportunityId = opportunity.Id,
            SessionIds = [.. sessions.Select(s => s.Id)],
            CreatedAt = data.Store.Now,
            CancelledBy = data.Store.User.UserId,
        }, ct);

    /// <summary>
    /// Cancelled sessions (as saved, with when): everyone who held a seat then gets a claim under the late-cancellation
    /// rule and is told once, unless their place in them was cancelled already (they were told then). All of it is worked
    /// out from the saved cancellation, not from today, so doing it again (the worker finishing a failed request) writes
    /// the same claims and tells nobody twice. Then what was owed is done.
    /// </summary>
    public async Task<IReadOnlyList<ClaimView>> CancelledAsync(Opportunity opportunity, IReadOnlyList<EngagementSession> sessions, CancellationDue due, CancellationToken ct)
    {
        var terms = await TermsAsync(opportunity, ct);
        var places = await data.ParticipationsAsync(Filter.Eq("opportunityId", opportunity.Id), ct);
        var claims = new List<ClaimView>();
        var failed = new List<Exception>();
        foreach (var session in sessions)
        {
            var at = session.CancelledAt ?? throw new InvalidOperationException("Claims are written for a cancelled session.");
            foreach (var place in places.Where(p => ClaimRules.HeldSeatAt(p.State, p.ConfirmedAt, p.ChangedAt, at)))
            {
                // One person's claim that cannot be written keeps nobody else from theirs; what is owed stays until all are.
                try
                {
                    var (claim, kept, _) = await WriteOrKeepAsync(opportunity, session, place, AttendanceOutcome.CancelledByAgency, null, terms, ct, at, due.CancelledBy);
                    claims.Add(claim);

                    // Someone whose place in it was cancelled before was told then; this is no news to them.
                    if (!kept || claim.RecordedAt == at)
                    {
                        await notifier.SendOnceAsync(place.PersonId, Notices.EngagementCancelled, $"engagement-cancelled~{opportunity.Id}~{at:O}", ct);
                    }
                }
                catch (Exception ex) when (ex is StoreException or ConflictException)
                {
                    failed.Add(ex);
                }
            }
        }

        if (failed.Count > 0)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(failed[0]);
        }

        await data.Store.DeleteAsync(EngagementData.Container, due.Id, CancellationDue.Partition, null, ct);
        return claims;
    }

    /// <summary>Finishes what a failed cancellation left owed; one for a cancellation never saved is only taken away.</summary>
    public async Task FinishAsync(CancellationDue due, CancellationToken ct)
    {
        var opportunity = await data.Store.FindAsync<Opportunity>(EngagementData.Container, due.OpportunityId, ct);
        var cancelled = opportunity?.Sessions.Where(s => due.SessionIds.Contains(s.Id, StringComparer.Ordinal) && s.CancelledAt is not null).ToList() ?? [];
        if (opportunity is null || cancelled.Count == 0)
        {
            await data.Store.DeleteAsync(EngagementData.Container, due.Id, CancellationDue.Partition, null, ct);
            return;
        }

        await CancelledAsync(opportunity, cancelled, due, ct);
    }

    /// <summary>
    /// Tells the person, once for this cancellation, that the agency cancelled their place in the session: recorded
    /// again it is the same cancellation (it keeps when it was made), given back and cancelled again it is news again.
    /// </summary>
    public Task PlaceCancelledAsync(ClaimView cancellation, CancellationToken ct) =>
        notifier.SendOnceAsync(cancellation.PersonId, Notices.EngagementPlaceCancelled, PlaceKey("place-cancelled", cancellation.OpportunityId, cancellation.SessionId, cancellation.RecordedAt), ct);

    /// <summary>
    /// Tells the person, once for the session, that their taking part is recorded and their claim waits on their paid work
    /// page: travel is added there, and only until finance approves its payout.
    /// </summary>
    public Task AttendanceRecordedAsync(ClaimView claim, CancellationToken ct) =>
        notifier.SendOnceAsync(claim.PersonId, Notices.EngagementAttendanceRecorded, $"attendance-recorded~{claim.OpportunityId}~{claim.SessionId}", ct);

    /// <summary>
    /// Tells the person, once for the session, that it is recorded as one they did not come to (recorded so again after
    /// a change, they hear of it as a claim that pays less).
    /// </summary>
    public Task RecordedAbsentAsync(ClaimView claim, CancellationToken ct) =>
        notifier.SendOnceAsync(claim.PersonId, Notices.EngagementRecordedAbsent, $"recorded-absent~{claim.OpportunityId}~{claim.SessionId}", ct);

    /// <summary>Tells the person, once for the cancellation undone, that their place in the session is theirs again.</summary>
    public Task PlaceRestoredAsync(CompensationClaim cancellation, CancellationToken ct) =>
        notifier.SendOnceAsync(cancellation.PersonId, Notices.EngagementPlaceRestored, PlaceKey("place-restored", cancellation.OpportunityId, cancellation.SessionId, cancellation.RecordedAt), ct);

    private static string PlaceKey(string what, string opportunityId, string sessionId, DateTimeOffset cancelledAt) =>
        $"{what}~{opportunityId}~{sessionId}~{cancelledAt:O}";

    public const string HeldByFinance = "A payout has been prepared from this claim; ask finance to cancel it before recording the session again.";

    public const string CancellationStands =
        "The agency cancelled their place in this session, and that stands: record instead only that they came all the same.";

    /// <summary>
    /// Why recording <paramref name="outcome"/> for the place is refused, as it would be recorded now, or null: it would
    /// take the place of the agency's cancellation of it in a way that is refused (<see cref="ClaimRules.MayReplaceCancellation"/>),
    /// or change a claim finance already has. The claim is read once for both.
    /// </summary>
    public async Task<string?> WhyNotRecordAsync(
        Opportunity opportunity, EngagementSession session, Participation place, AttendanceOutcome outcome, int? minutes, LateCancellationTerms terms, CancellationToken ct)
    {
        var existing = await data.Store.ReadAsync<CompensationClaim>(EngagementData.Container, CompensationClaim.IdFor(opportunity.Id, session.Id, place.PersonId), data.Store.AgencyId, ct);
        var late = ClaimRules.IsLate(data.Store.Now, session.StartUtc, terms.Hours);
        if (outcome != AttendanceOutcome.CancelledByAgency && ClaimRules.CancelsPlace(existing, place)
            && !ClaimRules.MayReplaceCancellation(existing.Amount, outcome, ClaimRules.Owed(PayFor(opportunity, session, terms, existing), session, outcome, minutes, late, terms.Pays).Amount))
        {
            return CancellationStands;
        }

        if (ClaimRules.ChangesHeldClaim(existing, outcome, minutes))
        {
            return HeldByFinance;
        }

        // Sent again as it stands (the form sends everyone seated), a claim is kept as it is, whatever else was recorded.
        var unchanged = existing is { } before && before.Outcome == outcome && before.MinutesAttended == (outcome == AttendanceOutcome.Partial ? minutes : null);
        return !unchanged && outcome is AttendanceOutcome.Attended or AttendanceOutcome.Partial
            && await TakesPartElsewhereAtOnceAsync(opportunity, session, place.PersonId, outcome == AttendanceOutcome.Partial && minutes is { } part ? part : session.Minutes, ct)
            ? AtTheSameTime
            : null;
    }

    public const string AtTheSameTime =
        "They are recorded as taking part in another session at the same time, for more minutes than the two leave between them: correct one of the two first.";

    /// <summary>Whether the person's other sessions recorded as attended leave no room for these minutes (<see cref="ClaimRules.CouldTakePartInBoth"/>).</summary>
    private async Task<bool> TakesPartElsewhereAtOnceAsync(Opportunity opportunity, EngagementSession session, string personId, int minutes, CancellationToken ct)
    {
        var others = (await data.Store.AllAsync<CompensationClaim>(EngagementData.Container, [Filter.Eq("personId", personId)], ct))
            .Where(c => c.Outcome is AttendanceOutcome.Attended or AttendanceOutcome.Partial && !(c.OpportunityId == opportunity.Id && c.SessionId == session.Id))
            .ToList();
        if (others.Count == 0)
        {
            return false;
        }

        var opportunities = (await data.Store.ManyAsync<Opportunity>(EngagementData.Container, others.Select(c => c.OpportunityId).Where(id => id != opportunity.Id).Distinct(), ct))
            .Append(opportunity).ToDictionary(o => o.Id, StringComparer.Ordinal);
        return others.Any(c => opportunities.GetValueOrDefault(c.OpportunityId)?.Sessions.FirstOrDefault(s => s.Id == c.SessionId) is { } other
            && !ClaimRules.CouldTakePartInBoth(session, minutes, other, c.MinutesAttended ?? other.Minutes));
    }

    /// <summary>
    /// The pay a claim is written at: of the work's pay now and the pay the claim was recorded at before (a correction,
    /// or the form sent again with everyone seated), whichever pays more for the whole session, with travel and a per
    /// diem if either paid them. A pay lowered since (once no one still asked held the work at it) is for work to come,
    /// whatever the claim was recorded as meanwhile (a no-show, which pays nothing under either).
    /// </summary>
    private static Compensation PayFor(Opportunity opportunity, EngagementSession session, LateCancellationTerms terms, CompensationClaim? existing)
    {
        var now = opportunity.Compensation;
        if (existing?.Pay is not { } recorded)
        {
            return now;
        }

        decimal Whole(Compensation pay) => ClaimRules.Owed(pay, session, AttendanceOutcome.Attended, null, false, terms.Pays).Amount;
        return (Whole(recorded) > Whole(now) ? recorded : now) with
        {
            TravelAllowed = recorded.TravelAllowed || now.TravelAllowed,
            PerDiemAllowed = recorded.PerDiemAllowed || now.PerDiemAllowed,
        };
    }

    /// <summary>The late-cancellation terms the work's claims are written on.</summary>
    public async Task<LateCancellationTerms> TermsAsync(Opportunity opportunity, CancellationToken ct) =>
        LateCancellationTerms.Applying(opportunity.LateCancellation, await data.SettingsAsync(ct));

    /// <summary>The claim as written or kept, and whether one was recorded for the place before.</summary>
    /// <param name="version">What the writer read as recorded (<see cref="ClaimView.VersionOf"/>), or null to replace whatever is.</param>
    public async Task<(ClaimView Claim, bool RecordedBefore)> WriteAsync(
        Opportunity opportunity, EngagementSession session, Participation place, AttendanceOutcome outcome, int? minutes, LateCancellationTerms terms, CancellationToken ct,
        string? version = null)
    {
        var (claim, _, recordedBefore) = await WriteOrKeepAsync(opportunity, session, place, outcome, minutes, terms, ct, version: version);
        return (claim, recordedBefore);
    }

    /// <summary>Refuses (412) a record of attendance made from a form drawn before another was recorded.</summary>
    public static void EnsureRecordedAsRead(CompensationClaim? recorded, string? version)
    {
        if (version is not null && ClaimView.VersionOf(recorded) != version)
        {
            throw new StoreException(StoreErrorKind.PreconditionFailed, "What happened in this session was recorded for someone on this form since it was opened.");
        }
    }

    /// <summary>
    /// The claim as written, or as it stood when a cancellation of the place was already recorded (kept). A claim for a
    /// session's cancellation is recorded as made when, and by whom, the session was cancelled (<paramref name="cancelledAt"/>,
    /// <paramref name="cancelledBy"/>), so no one who cancelled approves its pay alone because the worker wrote it.
    /// </summary>
    private async Task<(ClaimView Claim, bool Kept, bool RecordedBefore)> WriteOrKeepAsync(
        Opportunity opportunity, EngagementSession session, Participation place, AttendanceOutcome outcome, int? minutes, LateCancellationTerms terms, CancellationToken ct,
        DateTimeOffset? cancelledAt = null, string? cancelledBy = null, string? version = null)
    {
        var personId = place.PersonId;
        var recordedAt = cancelledAt ?? data.Store.Now;
        var late = ClaimRules.IsLate(recordedAt, session.StartUtc, terms.Hours);
        var id = CompensationClaim.IdFor(opportunity.Id, session.Id, personId);
        var existing = await data.Store.ReadAsync<CompensationClaim>(EngagementData.Container, id, data.Store.AgencyId, ct);
        // Against the claim the write below replaces by its ETag (or creates): a record made after this read fails that write.
        EnsureRecordedAsRead(existing, version);

        var pay = PayFor(opportunity, session, terms, existing);
        var (hours, amount) = ClaimRules.Owed(pay, session, outcome, minutes, late, terms.Pays);

        // Cancelled again (the whole session after the place, or the same place recorded twice), a cancellation keeps
        // when it was made: whether it was late, and so what it pays, does not change with the day it is recorded again.
        // So does the session's own cancellation written before, whatever became of the place since.
        if (outcome == AttendanceOutcome.CancelledByAgency
            && (ClaimRules.CancelsPlace(existing, place) || existing is { Outcome: AttendanceOutcome.CancelledByAgency } && existing.RecordedAt == cancelledAt))
        {
            return (ClaimView.From(existing), true, true);
        }

        // Sent again as it stands (the attendance form sends everyone seated), a claim finance has is kept as it is.
        if (existing is { State: not ClaimState.Open })
        {
            return ClaimRules.ChangesHeldClaim(existing, outcome, minutes) ? throw new ConflictException(HeldByFinance) : (ClaimView.From(existing), true, true);
        }

        if (ClaimRules.CancelsPlace(existing, place) && !ClaimRules.MayReplaceCancellation(existing.Amount, outcome, amount))
        {
            throw new ConflictException(CancellationStands);
        }

        var claim = new CompensationClaim
        {
            Id = id,
            OpportunityId = opportunity.Id,
            SessionId = session.Id,
            PersonId = personId,
            Outcome = outcome,
            MinutesAttended = outcome == AttendanceOutcome.Partial ? minutes : null,
            HoursPaid = hours,
            Amount = amount,
            Pay = pay,
            Share = ClaimRules.Share(outcome, minutes, (decimal)session.Hours, late, terms.Pays),
            Currency = opportunity.Currency,
            TravelAllowed = pay.TravelAllowed && session.InPerson,
            PerDiemAllowed = pay.PerDiemAllowed && session.InPerson,
            // Travel is for a session someone came to or the agency cancelled: recorded again as not attended, it goes.
            Travel = outcome == AttendanceOutcome.NoShow ? null : existing?.Travel,
            RecordedAt = recordedAt,
            RecordedBy = cancelledBy ?? data.Store.User.UserId,
        };
        claim = claim with { EarlierRecordedBy = ClaimRules.EarlierRecorders(existing, claim.RecordedBy) };
        if (existing is null)
        {
            return (ClaimView.From(await data.Store.CreateAsync(EngagementData.Container, claim, ct)), false, false);
        }

        var saved = await data.Store.ReplaceAsync(EngagementData.Container, claim, existing.ETag!, ct);

        // A correction that pays them less is theirs to know of (and to question), not something found on a statement.
        if (ClaimRules.PaysLess(existing.Amount, existing.Travel, saved.Amount, saved.Travel))
        {
            await notifier.SendOnceAsync(personId, Notices.EngagementClaimLowered, $"claim-lowered~{saved.Id}~{saved.RecordedAt:O}", ct);
        }

        return (ClaimView.From(saved), false, true);
    }
}
