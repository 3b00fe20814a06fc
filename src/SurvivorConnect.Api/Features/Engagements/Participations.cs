using Mediator;
using SurvivorConnect.Api.Features.Engagements.Rules;
using SurvivorConnect.Api.Features.Notifications;
using SurvivorConnect.Api.Features.People;
using SurvivorConnect.Api.Infrastructure.Auth;
using SurvivorConnect.Api.Infrastructure.Errors;
using SurvivorConnect.Api.Infrastructure.Pipeline;
using SurvivorConnect.Storage;

namespace SurvivorConnect.Api.Features.Engagements;

public sealed record InviteRequest(string? PersonId);

public sealed record InviteToOpportunity(string OpportunityId, string? PersonId) : ICommand<ParticipantView>, IValidate, IAudited
{
    public AuditTarget Audit => new("opportunity.invite", "opportunity", OpportunityId);

    public void Validate(ValidationErrors errors) => errors.Text("personId", PersonId, 128);
}

[System.Text.Json.Serialization.JsonConverter(typeof(System.Text.Json.Serialization.JsonStringEnumConverter<ParticipationMove>))]
public enum ParticipationMove
{
    /// <summary>Take a place in a published opportunity one was not invited to.</summary>
    Apply,

    /// <summary>Take the place one was invited to.</summary>
    Accept,

    /// <summary>Say no to an invitation: no reason asked, nothing held against later invitations.</summary>
    Decline,

    /// <summary>Give up one's seat or place on the waitlist.</summary>
    Withdraw,
}

/// <summary>A survivor's own answer about one opportunity.</summary>
/// <param name="OnlyFrom">
/// Made only while the place is still in this state: a withdrawal meant for a waiting place never gives up a seat the
/// person was given meanwhile.
/// </param>
/// <param name="Terms">For a yes (apply, accept): the terms the survivor read (<see cref="OfferedTerms"/>); refused if the work has changed since.</param>
public sealed record MoveParticipation(string OpportunityId, ParticipationMove Move, ParticipationState? OnlyFrom = null, string? Terms = null) : ICommand<OpportunityView>, IAudited
{
    public AuditTarget Audit => new("engagement." + Move.ToString().ToLowerInvariant(), "opportunity", OpportunityId);
}

/// <summary>
/// Someone who is neither advisor nor mentor now no longer takes paid work here: each invitation to work still going on
/// is declined, each waiting place given up, and a seat in work with a session still to start goes to the next in
/// line. What they took part in stays theirs, and is paid. Nothing is given up while they take paid work again.
/// </summary>
public sealed record ReleasePlaces(string PersonId) : ICommand, IAudited
{
    public AuditTarget Audit => new("engagement.release-places", "person", PersonId);
}

/// <summary>Published opportunities that fit the survivor, and every one they were invited to or took part in.</summary>
public sealed record ListMyOpportunities : IQuery<IReadOnlyList<OpportunityView>>;

internal sealed class ParticipationHandlers(EngagementData data, PeopleRepository people, Notifier notifier, WaitingList waitingList, ClaimWriter claims)
    : ICommandHandler<InviteToOpportunity, ParticipantView>,
      ICommandHandler<MoveParticipation, OpportunityView>,
      ICommandHandler<ReleasePlaces>,
      IQueryHandler<ListMyOpportunities, IReadOnlyList<OpportunityView>>
{
    private const int MaxAttempts = 200;

    public const string TermsChanged =
        "The pay, times or places of this work changed after you read them, so nothing was done. Read them again, then answer.";

    public const string TouchesNoTopic =
        "This work touches something you said you will not speak about, so it is not for you. You can decline it; if that has changed for you, change your list first.";

    public async ValueTask<ParticipantView> Handle(InviteToOpportunity command, CancellationToken ct)
    {
        var opportunity = await data.OpportunityToManageAsync(command.OpportunityId, ct);
        if (opportunity.State != OpportunityState.Published)
        {
            throw new ConflictException("Invite people once the opportunity is published.");
        }

        // They could not say yes: the invitation would be news of work they cannot take.
        if (data.Store.Now > opportunity.ApplicationDeadline)
        {
            throw new ConflictException("The deadline to answer has passed. To invite more people, move it later in the work's details.");
        }

        // The benchmark may have risen since it was published: nobody is asked to work below it.
        if (PayParity.Refusal(await data.SettingsAsync(ct), opportunity) is { } why)
        {
            throw new ConflictException(why + " Until then nobody is invited.");
        }

        if (opportunity.SetTermsOf(command.PersonId!))
        {
            throw new ConflictException("They made or changed this work, so they do not take a paid place in it.");
        }

        // Someone who has not opted in, or whom it does not fit, cannot be invited: to the recruiter they are not there.
        var personId = command.PersonId!;
        var person = await people.FindAsync(data.Store.AgencyId, personId, ct);
        var profile = await data.ProfileAsync(personId, ct);
        if (person is null || !EngagementData.TakesPaidWork(person) || profile is null || !await data.OptedInAsync(personId, ct) || !EngagementFit.Assess(profile, opportunity, data.Store.Now).Fits)
        {
            throw new NotFoundException("candidate");
        }

        if (await data.ParticipationAsync(opportunity.Id, personId, ct) is { } existing)
        {
            throw new ConflictException(ParticipantView.StateOf(existing.State) switch
            {
                PlaceState.Invited => "They are invited already.",
                PlaceState.Confirmed => "They have a place already.",
                PlaceState.Waitlisted => "They are waiting for a place already.",
                _ => "They are not taking part this time.",
            });
        }

        var invited = await data.Store.CreateAsync(EngagementData.Container, new Participation
        {
            Id = Participation.IdFor(opportunity.Id, personId),
            OpportunityId = opportunity.Id,
            PersonId = personId,
            State = ParticipationState.Invited,
            Invited = true,
            CreatedAt = data.Store.Now,
        }, ct);

        // Opting out gives up what is asked of them, then withdraws consent: an invitation written between the two was
        // never theirs to answer, and goes, unsaid. One that sees the consent still here was written before the
        // withdrawal, and opting out gives it up once the consent is gone.
        if (!await data.OptedInAsync(personId, ct))
        {
            try
            {
                await data.Store.DeleteAsync(EngagementData.Container, invited.Id, data.Store.AgencyId, invited.ETag, ct);
            }
            catch (StoreException ex) when (ex.Kind is StoreErrorKind.PreconditionFailed or StoreErrorKind.NotFound)
            {
                // Their opting out gave it up already.
            }

            throw new NotFoundException("candidate");
        }

        await notifier.SendAsync([personId], Notices.EngagementInvited, null, ct);
        return ParticipantView.Of(invited, opportunity, person.DisplayName);
    }

    public async ValueTask<OpportunityView> Handle(MoveParticipation command, CancellationToken ct)
    {
        var me = data.Store.User.UserId;
        return await SettledAsync(async () =>
        {
            var opportunity = await data.OpportunityAsync(command.OpportunityId, ct);
            var mine = await data.ParticipationAsync(opportunity.Id, me, ct);
            if (command.OnlyFrom is { } expected && mine?.State != expected)
            {
                throw new ConflictException("Your place has changed since; nothing was done.");
            }

            var profile = await data.ProfileAsync(me, ct);
            var fit = profile is null ? null : EngagementFit.Assess(profile, opportunity, data.Store.Now);
            var (after, promoted) = command.Move switch
            {
                ParticipationMove.Apply or ParticipationMove.Accept => (await TakePlaceAsync(opportunity, mine, fit, command.Move, command.Terms, ct), null),
                ParticipationMove.Decline => (await DeclineAsync(opportunity, mine, ct), null),
                ParticipationMove.Withdraw => await WithdrawAsync(opportunity, mine, ct),
                _ => throw new ArgumentOutOfRangeException(nameof(command), command.Move, "Not a move a person makes."),
            };
            await TellPromotedAsync(promoted, ct);
            return OpportunityViews.ForSurvivor(await data.OpportunityAsync(opportunity.Id, ct), after, fit, await data.CancelledPlacesAsync(me, opportunity.Id, ct));
        }, ct);
    }

    public async ValueTask<Unit> Handle(ReleasePlaces command, CancellationToken ct)
    {
        // By roles alone: a deactivation (a taken phone) gives up nothing, also when the worker finishes a release later.
        if (await data.Store.FindAsync<Person>(Person.Container, command.PersonId, ct) is not { } person || person.Roles.Any(Roles.TakesPaidWork))
        {
            return Unit.Value;
        }

        foreach (var seen in await data.ParticipationsAsync(Filter.Eq("personId", command.PersonId), ct))
        {
            try
            {
                await ReleaseAsync(seen, ct);
            }
            catch (ConflictException)
            {
                // Its last session started meanwhile: nothing is left to give up there.
            }
        }

        // Their calendar link goes too: given the work back one day, a link they may have shared meanwhile (and could not
        // turn off without the role) does not open again.
        await data.Store.DeleteAsync(EngagementData.Container, CalendarFeedSecret.IdFor(command.PersonId), data.Store.AgencyId, null, ct);
        return Unit.Value;
    }

    private async Task ReleaseAsync(Participation seen, CancellationToken ct) =>
        await SettledAsync(async () =>
        {
            var opportunity = await data.Store.FindAsync<Opportunity>(EngagementData.Container, seen.OpportunityId, ct);
            var place = await data.ParticipationAsync(seen.OpportunityId, seen.PersonId, ct);
            if (opportunity is null || place is null)
            {
                return false;
            }

            var goingOn = opportunity.State is OpportunityState.Published or OpportunityState.Closed;
            var toCome = opportunity.Sessions.Max(s => s.StartUtc) > data.Store.Now;
            (Participation, string?) released = place.State switch
            {
                ParticipationState.Invited when goingOn => (await DeclineAsync(opportunity, place, ct), null),
                ParticipationState.Confirmed when goingOn && toCome => await GiveUpSeatAsync(opportunity, place, ct),
                ParticipationState.Waitlisted when goingOn && toCome => await WithdrawAsync(opportunity, place, ct),
                _ => (place, null),
            };
            var (_, promoted) = released;
            await TellPromotedAsync(promoted, ct);
            return true;
        }, ct);

    public async ValueTask<IReadOnlyList<OpportunityView>> Handle(ListMyOpportunities query, CancellationToken ct)
    {
        var me = data.Store.User.UserId;
        var mine = (await data.ParticipationsAsync(Filter.Eq("personId", me), ct)).ToDictionary(p => p.OpportunityId);
        var profile = await data.ProfileAsync(me, ct);
        var optedIn = await data.OptedInAsync(me, ct);
        var cancelledPlaces = await data.CancelledPlacesAsync(me, null, ct);
        // Only those the survivor has a place in, and those open now: never every opportunity the agency ever ran.
        var published = await data.Store.AllAsync<Opportunity>(EngagementData.Container, [Filter.Eq("state", OpportunityState.Published)], ct);
        var theirs = await data.Store.ManyAsync<Opportunity>(EngagementData.Container, mine.Keys.Except(published.Select(o => o.Id)), ct);
        var views = new List<OpportunityView>();
        foreach (var o in published.Concat(theirs))
        {
            var fit = profile is null ? null : EngagementFit.Assess(profile, o, data.Store.Now);
            var open = o.State == OpportunityState.Published && data.Store.Now <= o.ApplicationDeadline && optedIn && fit?.Fits == true && !o.SetTermsOf(me);
            if (mine.TryGetValue(o.Id, out var place) || open)
            {
                views.Add(OpportunityViews.ForSurvivor(o, place, fit, cancelledPlaces));
            }
        }

        return [.. views.OrderBy(v => v.Sessions.Min(s => s.StartUtc))];
    }

    private async Task<Participation> TakePlaceAsync(Opportunity opportunity, Participation? mine, Fit? fit, ParticipationMove move, string? terms, CancellationToken ct)
    {
        // Waiting on sessions the work has changed from: their yes to it as it is now keeps their place in line, also once
        // it takes no new answers (they answered in time), and it names what they read.
        var yesAgain = move == ParticipationMove.Apply && mine is { State: ParticipationState.Waitlisted } && mine.AgreedToOtherTermsThan(opportunity);
        if (yesAgain && terms is null)
        {
            throw new PreconditionRequiredException();
        }

        if (opportunity.State != OpportunityState.Published && !(yesAgain && opportunity.State == OpportunityState.Closed))
        {
            throw new ConflictException("This opportunity is not open for answers.");
        }

        if (data.Store.Now > opportunity.ApplicationDeadline && !yesAgain)
        {
            throw new ConflictException("The deadline to answer has passed.");
        }

        if (opportunity.SetTermsOf(data.Store.User.UserId))
        {
            throw new ConflictException("You made or changed this work, so you cannot take a paid place in it.");
        }

        if (PayParity.Refusal(await data.SettingsAsync(ct), opportunity) is not null)
        {
            throw new ConflictException("This work is closed to answers for now, until its recruiter brings it up to date with the agency's rates.");
        }

        if (move == ParticipationMove.Accept && mine?.State != ParticipationState.Invited)
        {
            throw mine is null ? new NotFoundException("invitation") : new ConflictException($"You are already {mine.State.ToString().ToLowerInvariant()}.");
        }

        if (move == ParticipationMove.Accept && await data.ProfileAsync(data.Store.User.UserId, ct) is { } own && EngagementFit.TouchesWhatTheyWillNotSpeakAbout(own, opportunity))
        {
            throw new ConflictException(TouchesNoTopic);
        }

        // A yes to paid work is given while they still want to hear of it: a yes to being contacted that has run out (it
        // was given until a date) is a no, as one withdrawn is, whose invitations go.
        if (move == ParticipationMove.Accept && !await data.OptedInAsync(data.Store.User.UserId, ct))
        {
            throw new ConflictException("Your yes to hearing about paid work has ended, so this invitation can no longer be taken up. Say yes to being contacted again first.");
        }

        if (move == ParticipationMove.Apply)
        {
            if (mine is not null && mine.State is not (ParticipationState.Declined or ParticipationState.Withdrawn) && !yesAgain)
            {
                throw new ConflictException($"You are already {mine.State.ToString().ToLowerInvariant()}.");
            }

            if (fit?.Fits != true || !await data.OptedInAsync(data.Store.User.UserId, ct))
            {
                throw new NotFoundException("opportunity");
            }
        }

        // Last, so it tells nobody of work they may not see. Checked on each try: a change landing between the read and
        // the write fails the write, and is seen here on the next.
        if (terms is not null && !OfferedTerms.StillAre(opportunity, terms))
        {
            throw new ConflictException(TermsChanged);
        }

        var seat = opportunity.Confirmed < opportunity.Seats;
        var keepsNumber = yesAgain && !seat;
        var place = (mine ?? new Participation
        {
            Id = Participation.IdFor(opportunity.Id, data.Store.User.UserId),
            OpportunityId = opportunity.Id,
            PersonId = data.Store.User.UserId,
            State = ParticipationState.Invited,
            CreatedAt = data.Store.Now,
        }) with
        {
            State = seat ? ParticipationState.Confirmed : ParticipationState.Waitlisted,
            WaitlistNumber = seat ? null : keepsNumber ? mine!.WaitlistNumber : opportunity.NextWaitlistNumber,
            ChangedAt = data.Store.Now,
            ConfirmedAt = seat ? data.Store.Now : null,
            TookASeat = seat || mine?.TookASeat == true,
            AgreedSessions = OfferedTerms.SessionsOf(opportunity),
        };
        var seats = seat ? opportunity with { Confirmed = opportunity.Confirmed + 1 }
            : keepsNumber ? opportunity
            : opportunity with { NextWaitlistNumber = opportunity.NextWaitlistNumber + 1 };
        await WriteAsync(seats, place, mine, null, ct);
        return place;
    }

    private async Task<Participation> DeclineAsync(Opportunity opportunity, Participation? mine, CancellationToken ct)
    {
        if (mine?.State != ParticipationState.Invited)
        {
            throw mine is null ? new NotFoundException("invitation") : new ConflictException($"You are {mine.State.ToString().ToLowerInvariant()}; withdraw instead.");
        }

        var declined = mine with { State = ParticipationState.Declined, ChangedAt = data.Store.Now };
        await data.Store.ReplaceAsync(EngagementData.Container, declined, mine.ETag!, ct);
        return declined;
    }

    /// <summary>
    /// A seat given up because its holder no longer takes paid work is the agency's cancellation, not theirs: a session
    /// close enough that they may be on their way, or that the late-cancellation rule pays, is recorded as cancelled by
    /// the agency (first, so a release finished later writes it too), and they are told, as they may still turn up.
    /// </summary>
    private async Task<(Participation, string?)> GiveUpSeatAsync(Opportunity opportunity, Participation seat, CancellationToken ct)
    {
        var terms = await claims.TermsAsync(opportunity, ct);
        var window = Math.Max(terms.Hours, ClaimRules.TravelWindowHours);
        foreach (var session in opportunity.Sessions.Where(s => s.CancelledAt is null && s.StartUtc > data.Store.Now && ClaimRules.IsLate(data.Store.Now, s.StartUtc, window)))
        {
            await claims.WriteAsync(opportunity, session, seat, AttendanceOutcome.CancelledByAgency, null, terms, ct);
        }

        var released = await WithdrawAsync(opportunity, seat, ct);
        await notifier.SendOnceAsync(seat.PersonId, Notices.EngagementSeatGivenUp, $"seat-given-up~{opportunity.Id}~{seat.ConfirmedAt?.UtcTicks}", ct);
        return released;
    }

    /// <summary>Giving up a seat hands it to the first on the waitlist, in the same transaction.</summary>
    private async Task<(Participation, string?)> WithdrawAsync(Opportunity opportunity, Participation? mine, CancellationToken ct)
    {
        if (mine?.State is not (ParticipationState.Confirmed or ParticipationState.Waitlisted))
        {
            throw mine is null ? new NotFoundException("place") : new ConflictException($"You are {mine.State.ToString().ToLowerInvariant()}, so there is nothing to withdraw from.");
        }

        if (opportunity.Sessions.Max(s => s.StartUtc) <= data.Store.Now)
        {
            throw new ConflictException("Every session has started, so there is nothing left to withdraw from. Tell the recruiter if something went wrong.");
        }

        var withdrawn = mine with { State = ParticipationState.Withdrawn, WaitlistNumber = null, ChangedAt = data.Store.Now };
        if (mine.State == ParticipationState.Waitlisted)
        {
            await data.Store.ReplaceAsync(EngagementData.Container, withdrawn, mine.ETag!, ct);
            return (withdrawn, null);
        }

        // The place commits them, so it goes to the first in line who still takes paid work and has not opted out; in
        // work cancelled or completed it goes to nobody (closed to answers, the work still goes on), nor in work whose
        // pay the benchmark has risen above since: nobody is put to work below it, as nobody may take a place then.
        var promoted = await waitingList.GivesPlacesAsync(opportunity, ct)
            ? (await waitingList.PromotedAsync(opportunity, await data.ParticipationsAsync(Filter.Eq("opportunityId", opportunity.Id), ct), 1, ct)).SingleOrDefault()
            : null;
        await WriteAsync(promoted is null ? opportunity with { Confirmed = opportunity.Confirmed - 1 } : opportunity, withdrawn, mine, promoted, ct);
        return (withdrawn, promoted?.PersonId);
    }

    /// <summary>Concurrent answers for the last seats are settled by trying again against what changed them first.</summary>
    private static async Task<T> SettledAsync<T>(Func<Task<T>> attempt, CancellationToken ct)
    {
        for (var tried = 1; ; tried++)
        {
            try
            {
                return await attempt();
            }
            catch (StoreException ex) when (tried < MaxAttempts && ex.Kind is StoreErrorKind.PreconditionFailed or StoreErrorKind.Conflict or StoreErrorKind.BatchFailed)
            {
                // Someone else's answer changed the seats first: look again, as the next person in line would.
                await Task.Delay(Random.Shared.Next(1, 5 * Math.Min(tried, 10)), ct);
            }
        }
    }

    private async Task TellPromotedAsync(string? promoted, CancellationToken ct)
    {
        if (promoted is not null)
        {
            await notifier.SendAsync([promoted], Notices.EngagementSeatFreed, null, ct);
        }
    }

    /// <summary>The seats and the places change together or not at all; each write is checked against the version read.</summary>
    private async Task WriteAsync(Opportunity seats, Participation place, Participation? placeAsRead, Participation? promoted, CancellationToken ct)
    {
        var operations = new List<BatchOperation>
        {
            new BatchOperation.Replace(seats, seats.ETag!),
            placeAsRead is null ? new BatchOperation.Create(place) : new BatchOperation.Replace(place, placeAsRead.ETag!),
        };
        if (promoted is not null)
        {
            operations.Add(new BatchOperation.Replace(promoted, promoted.ETag!));
        }

        await data.Store.ExecuteBatchAsync(EngagementData.Container, data.Store.AgencyId, operations, ct);
    }
}

/// <summary>
/// A person's roles changed: one who was an advisor or a mentor and is neither now gives up what they hold or were
/// asked. A deactivation gives up nothing (a taken phone is not a survivor leaving paid work: given access back, they
/// find their places as they were; meanwhile nobody waiting who cannot sign in is given a seat). The roles are saved
/// whatever happens here: what is left undone is finished by the reminder worker.
/// </summary>
internal sealed partial class PaidWorkLeftHandler(EngagementData data, IMediator mediator, ILogger<PaidWorkLeftHandler> logger) : INotificationHandler<PersonAccessChanged>
{
    public async ValueTask Handle(PersonAccessChanged notification, CancellationToken ct)
    {
        if (notification.AgencyId != data.Store.AgencyId || notification.RolesLost?.Any(Roles.TakesPaidWork) != true
            || await data.Store.FindAsync<Person>(Person.Container, notification.PersonId, ct) is not { } person
            || person.Roles.Any(Roles.TakesPaidWork))
        {
            return;
        }

        try
        {
            var due = await data.Store.UpsertAsync(EngagementData.Container, new ReleaseDue
            {
                Id = ReleaseDue.IdFor(data.Store.AgencyId, person.Id),
                PartitionKey = ReleaseDue.Partition,
                PersonId = person.Id,
                CreatedAt = data.Store.Now,
            }, ct);
            await FinishAsync(mediator, data, due, ct);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogReleaseLeft(logger, person.Id, ex);
        }
    }

    /// <summary>
    /// Gives up the person's places, then the record that they are owed it, as it was read: one written again meanwhile
    /// (the roles taken away again) stays for its own release.
    /// </summary>
    public static async Task FinishAsync(IMediator mediator, EngagementData data, ReleaseDue due, CancellationToken ct)
    {
        await mediator.Send(new ReleasePlaces(due.PersonId), ct);
        try
        {
            await data.Store.DeleteAsync(EngagementData.Container, due.Id, ReleaseDue.Partition, due.ETag, ct);
        }
        catch (StoreException ex) when (ex.Kind is StoreErrorKind.PreconditionFailed or StoreErrorKind.NotFound)
        {
            // Written again, or finished by another instance.
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "The places of person {PersonId}, who no longer takes paid work, were not all given up; the reminder worker finishes it")]
    private static partial void LogReleaseLeft(ILogger logger, string personId, Exception exception);
}
