using Mediator;
using SurvivorConnect.Api.Features.Consent;
using SurvivorConnect.Api.Infrastructure.Errors;
using SurvivorConnect.Api.Infrastructure.Pipeline;
using SurvivorConnect.Api.Infrastructure.Tenancy;
using SurvivorConnect.Storage;

namespace SurvivorConnect.Api.Features.Engagements;

public sealed record EngagementProfileRequest(
    string[]? Kinds, string[]? Topics, string[]? NoTopics, string[]? Availability, string? TimeZone, string? AccessibilityNeeds);

/// <param name="Saved">Whether the person has saved a profile yet; until then the other fields are blank.</param>
/// <param name="Version">The saved profile's version, for a save that must not undo a change made since (If-Match); empty before the first save.</param>
public sealed record EngagementProfileView(
    bool Saved, bool OptedIn, IReadOnlyList<string> Kinds, IReadOnlyList<string> Topics, IReadOnlyList<string> NoTopics, IReadOnlyList<DayPart> Availability,
    string TimeZone, string? AccessibilityNeeds, string Version = "");

public sealed record GetMyEngagementProfile : IQuery<EngagementProfileView>;

/// <param name="IfMatch">
/// The version the profile was read at (empty for none saved yet): a save from an older page (another tab, another
/// device) is refused rather than undo what was saved since, such as a topic added to what they will not speak about.
/// </param>
public sealed record SaveMyEngagementProfile(EngagementProfileRequest Body, string? IfMatch = null) : ICommand<EngagementProfileView>, IValidate, IAudited
{
    public AuditTarget Audit => new("engagement.save-own-profile", "engagement-profile");

    public void Validate(ValidationErrors errors)
    {
        errors.Tags("kinds", Body.Kinds).Tags("topics", Body.Topics).Tags("noTopics", Body.NoTopics)
            .Prose("accessibilityNeeds", Body.AccessibilityNeeds, 500, required: false);
        EngagementValidation.Zone(errors, "timeZone", Body.TimeZone);
        foreach (var part in Body.Availability ?? [])
        {
            errors.OneOf<DayPart>("availability", part);
        }
    }
}

/// <summary>
/// Opting in to being contacted about paid work, or out of it: a consent only the survivor gives, and its
/// withdrawal takes them out of every recruiter's list at once.
/// </summary>
public sealed record SetEngagementContact(bool OptIn) : ICommand<EngagementProfileView>, IAudited
{
    public AuditTarget Audit => new(OptIn ? "engagement.opt-in" : "engagement.opt-out", "engagement-profile");
}

internal sealed class EngagementProfileHandlers(EngagementData data, IMediator mediator, StillAskedOf stillAsked, WaitingList waitingList)
    : IQueryHandler<GetMyEngagementProfile, EngagementProfileView>,
      ICommandHandler<SaveMyEngagementProfile, EngagementProfileView>,
      ICommandHandler<SetEngagementContact, EngagementProfileView>
{
    private string Me => data.Store.User.UserId;

    public async ValueTask<EngagementProfileView> Handle(GetMyEngagementProfile query, CancellationToken ct) =>
        await ViewAsync(await data.ProfileAsync(Me, ct), ct);

    public async ValueTask<EngagementProfileView> Handle(SaveMyEngagementProfile command, CancellationToken ct)
    {
        var body = command.Body;
        var kinds = (await data.SettingsAsync(ct)).Kinds.Select(k => k.Key).ToHashSet(StringComparer.Ordinal);
        if (body.Kinds?.FirstOrDefault(k => !kinds.Contains(k)) is { } unknown)
        {
            throw new RequestValidationException("kinds", $"'{unknown}' is not a kind of work your agency offers: {string.Join(", ", kinds)}.");
        }

        var existing = await data.ProfileAsync(Me, ct);
        StoreException.ThrowIfChangedSince(command.IfMatch, existing?.ETag);

        var profile = new EngagementProfile
        {
            Id = EngagementData.ProfileId(Me),
            PersonId = Me,
            Kinds = ValidationErrors.Clean(body.Kinds),
            Topics = ValidationErrors.Clean(body.Topics),
            NoTopics = ValidationErrors.Clean(body.NoTopics),
            Availability = [.. (body.Availability ?? []).Select(EnumNames.Parse<DayPart>).Distinct()],
            TimeZone = Rules.EngagementTime.Canonical(body.TimeZone!),
            AccessibilityNeeds = ValidationErrors.Optional(body.AccessibilityNeeds),
            UpdatedAt = data.Store.Now,
        };
        var saved = existing is null
            ? await data.Store.CreateAsync(EngagementData.Container, profile, ct)
            : await data.Store.ReplaceAsync(EngagementData.Container, profile, existing.ETag!, ct);

        // New free times may fit work they wait for whose place came free while nobody waiting could take it. The profile
        // is saved whatever becomes of that: the next change to the work's places gives them out.
        await waitingList.TryFillFreePlacesForAsync(Me, ct);

        return await ViewAsync(saved, ct);
    }

    public async ValueTask<EngagementProfileView> Handle(SetEngagementContact command, CancellationToken ct)
    {
        var profile = await data.ProfileAsync(Me, ct) ?? throw new ConflictException("Save your engagement profile first, so recruiters know what work you want.");
        if (command.OptIn)
        {
            if (!await data.OptedInAsync(Me, ct))
            {
                await mediator.Send(new GrantConsent(AgencyStore.NewId(), new ConsentRequest(Me, nameof(ConsentGrantor.Self), EngagementScopes.Contact, null, null)), ct);
            }
        }
        else
        {
            // First what is still asked of them, then the consent: should a step fail, they are still opted in, and
            // pressing again finishes it, rather than being told nothing changed with the consent already gone. The
            // withdrawal gives up anything asked of them meanwhile (ContactWithdrawnHandler).
            await stillAsked.GiveUpAsync(ct);
            foreach (var consent in (await mediator.Send(new ListConsents(Me), ct)).Where(c => c.Current && c.Scope == EngagementScopes.Contact))
            {
                await mediator.Send(new RevokeConsent(consent.Id), ct);
            }
        }

        return await ViewAsync(profile, ct);
    }

    private async Task<EngagementProfileView> ViewAsync(EngagementProfile? p, CancellationToken ct) =>
        p is null
            ? new EngagementProfileView(false, false, [], [], [], [], "", null)
            : new EngagementProfileView(true, await data.OptedInAsync(p.PersonId, ct), p.Kinds, p.Topics, p.NoTopics, p.Availability, p.TimeZone, p.AccessibilityNeeds, p.ETag ?? "");
}

/// <summary>What is still asked of the signed-in survivor in paid work, given up when they stop being told of it.</summary>
internal sealed class StillAskedOf(EngagementData data, IMediator mediator)
{
    /// <summary>
    /// Nobody contacts them about work they have not taken: each invitation to work still going on is declined and each
    /// waiting place given up, as they would do it themselves (audited each), and each only from the state it was
    /// seen in. Places they hold stay theirs, and an invitation to work over or cancelled is left as history.
    /// </summary>
    public async Task GiveUpAsync(CancellationToken ct)
    {
        foreach (var place in await data.ParticipationsAsync(Filter.Eq("personId", data.Store.User.UserId), ct))
        {
            ParticipationMove? move = place.State switch
            {
                ParticipationState.Invited when await data.Store.FindAsync<Opportunity>(EngagementData.Container, place.OpportunityId, ct)
                    is { State: OpportunityState.Published or OpportunityState.Closed } => ParticipationMove.Decline,
                ParticipationState.Waitlisted => ParticipationMove.Withdraw,
                _ => null,
            };
            try
            {
                if (move is { } giveUp)
                {
                    await mediator.Send(new MoveParticipation(place.OpportunityId, giveUp, place.State), ct);
                }
            }
            catch (Exception ex) when (ex is ConflictException or StoreException { Kind: StoreErrorKind.PreconditionFailed })
            {
                // Every session has started, or the place moved meanwhile (a seat given): nothing is given up.
            }
        }
    }
}

/// <summary>
/// A survivor's consent to be told of paid work was withdrawn, by opting out or from their consents: an invitation
/// written while it was being withdrawn (its recruiter saw it still given), or any left open, is declined and each
/// waiting place given up, as opting out does.
/// </summary>
internal sealed class ContactWithdrawnHandler(EngagementData data, StillAskedOf stillAsked) : INotificationHandler<ConsentChanged>
{
    public async ValueTask Handle(ConsentChanged notification, CancellationToken ct)
    {
        if (notification.Consent is { Scope: EngagementScopes.Contact, RevokedAt: not null } consent && consent.SubjectId == data.Store.User.UserId
            && !await data.OptedInAsync(consent.SubjectId, ct))
        {
            await stillAsked.GiveUpAsync(ct);
        }
    }
}
