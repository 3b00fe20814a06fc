using SurvivorConnect.Api.Features.Consent;
using SurvivorConnect.Api.Features.Engagements.Rules;
using SurvivorConnect.Api.Features.People;
using SurvivorConnect.Api.Infrastructure.Auth;
using SurvivorConnect.Api.Infrastructure.Errors;
using SurvivorConnect.Api.Infrastructure.Tenancy;
using SurvivorConnect.Storage;

namespace SurvivorConnect.Api.Features.Engagements;

/// <summary>The opt-in engagements ask for: a survivor's yes to being contacted about paid work, theirs alone to give.</summary>
public static class EngagementScopes
{
    public const string Contact = "engagement-contact";
}

/// <summary>The engagement feature's reads, all within the signed-in person's agency.</summary>
internal sealed class EngagementData(AgencyStore store, ConsentLookup consents)
{
    public AgencyStore Store => store;

    /// <summary>An active person who holds a role that takes paid work; anyone else is never offered it.</summary>
    public static bool TakesPaidWork(Person person) =>
        person is { Active: true } && person.Roles.Any(Roles.TakesPaidWork);

    public static ContainerSpec Container => EngagementSettings.Container;

    /// <summary>The agency's settings, or the defaults (no benchmark yet) until its admin saves some.</summary>
    public async Task<EngagementSettings> SettingsAsync(CancellationToken ct) =>
        await store.FindAsync<EngagementSettings>(Container, EngagementSettings.DocumentId, ct)
        ?? new EngagementSettings { Id = EngagementSettings.DocumentId, Kinds = EngagementSettings.DefaultKinds };

    // Composed ids ("profile~person", "opportunity~person") are read directly: FindAsync takes only plain ids.
    public Task<EngagementProfile?> ProfileAsync(string personId, CancellationToken ct) =>
        store.ReadAsync<EngagementProfile>(Container, ProfileId(personId), store.AgencyId, ct);

    public static string ProfileId(string personId) => "profile~" + personId;

    /// <summary>
    /// An opportunity by the id the server gave it. The container holds other kinds of document too, so an id of
    /// any other shape is not read at all: it simply is not an opportunity.
    /// </summary>
    public async Task<Opportunity> OpportunityAsync(string id, CancellationToken ct) =>
        id.Length == 32 && id.All(char.IsAsciiHexDigitLower) && await store.FindAsync<Opportunity>(Container, id, ct) is { } o
            ? o
            : throw new NotFoundException("opportunity");

    /// <summary>
    /// An opportunity the signed-in recruiter is to change: its pay, sessions, places or attendance. What is changed
    /// there decides what its participants are paid, so whoever holds a place in it has another recruiter do that.
    /// </summary>
    public async Task<Opportunity> OpportunityToManageAsync(string id, CancellationToken ct)
    {
        var opportunity = await OpportunityAsync(id, ct);

        if (await ParticipationAsync(opportunity.Id, store.User.UserId, ct) is { HoldsOrHeld: true })
        {
            throw new ConflictException("You have, or had, a place in this work, so someone else looks after it and its pay: what is decided here decides your own pay.");
        }

        return opportunity;
    }

    /// <summary>Of <paramref name="personIds"/>, those who still take paid work here and have not opted out of being asked.</summary>
    public async Task<HashSet<string>> StillTakingPaidWorkAsync(IReadOnlyCollection<string> personIds, CancellationToken ct)
    {
        if (personIds.Count == 0)
        {
            return [];
        }

        var optedIn = await OptedInAsync(personIds, ct);
        return [.. (await store.ManyAsync<Person>(Person.Container, optedIn, ct)).Where(TakesPaidWork).Select(p => p.Id)];
    }

    /// <summary>
    /// Of those waiting for a place in <paramref name="opportunity"/>, who may be given one now: they still take paid
    /// work, the work touches nothing they will not speak about, and some session of it still to come is at a time they
    /// said they are free (sessions moved or cancelled since they joined the list may not be); the others keep waiting.
    /// </summary>
    public async Task<HashSet<string>> MayTakePlaceAsync(IReadOnlyCollection<string> personIds, Opportunity opportunity, CancellationToken ct)
    {
        var able = await StillTakingPaidWorkAsync(personIds, ct);
        var profiles = await store.ManyAsync<EngagementProfile>(Container, able.Select(ProfileId), ct);
        able.ExceptWith(profiles.Where(p => EngagementFit.TouchesWhatTheyWillNotSpeakAbout(p, opportunity) || !EngagementFit.FreeForSomeSessionToCome(p, opportunity, store.Now))
            .Select(p => p.PersonId));
        return able;
    }

    public Task<Participation?> ParticipationAsync(string opportunityId, string personId, CancellationToken ct) =>
        store.ReadAsync<Participation>(Container, Participation.IdFor(opportunityId, personId), store.AgencyId, ct);

    public Task<List<Participation>> ParticipationsAsync(Filter filter, CancellationToken ct) =>
        store.AllAsync<Participation>(Container, [filter], ct);

    /// <summary>
    /// The claims that record the agency cancelling this person's place in a session (of one opportunity, if given):
    /// one cancelled for them alone goes ahead for the others, so only these say it is off for them.
    /// </summary>
    public async Task<List<CompensationClaim>> CancelledPlacesAsync(string personId, string? opportunityId, CancellationToken ct) =>
        [.. (await store.AllAsync<CompensationClaim>(Container, opportunityId is null
                ? [Filter.Eq("personId", personId)]
                : [Filter.Eq("personId", personId), Filter.Eq("opportunityId", opportunityId)], ct))
            .Where(c => c.Outcome == AttendanceOutcome.CancelledByAgency)];

    /// <summary>The profiles of those who chose a kind of work: nobody else fits an opportunity of that kind.</summary>
    public Task<List<EngagementProfile>> ProfilesOfKindAsync(string kind, CancellationToken ct) =>
        store.AllAsync<EngagementProfile>(Container, [Filter.Contains("kinds", kind)], ct);

    public async Task<bool> OptedInAsync(string personId, CancellationToken ct) =>
        (await OptedInAsync([personId], ct)).Contains(personId);

    public Task<HashSet<string>> OptedInAsync(IReadOnlyCollection<string> personIds, CancellationToken ct) =>
        consents.CurrentAsync(EngagementScopes.Contact, ConsentGrantor.Self, personIds, ct);
}
