using Mediator;
using SurvivorConnect.Api.Features.Agencies;
using SurvivorConnect.Api.Infrastructure.Auth;
using SurvivorConnect.Api.Infrastructure.Errors;
using SurvivorConnect.Api.Infrastructure.Lists;
using SurvivorConnect.Api.Infrastructure.Pipeline;
using SurvivorConnect.Api.Infrastructure.Tenancy;
using SurvivorConnect.Storage;

namespace SurvivorConnect.Api.Features.People;

/// <param name="SafetyNoticeSeen">Whether the person has been told about quick exit and clearing their history.</param>
public sealed record MeView(string Id, string DisplayName, IReadOnlyList<string> Roles, string AgencyId, string AgencyName, bool SafetyNoticeSeen);

public sealed record GetMe : IQuery<MeView>;

/// <summary>
/// The person has read how to leave the portal quickly and clear their history. Kept on their record, not in
/// the browser, so it holds on a shared or borrowed device and leaves nothing behind there.
/// </summary>
public sealed record AcknowledgeSafetyNotice : ICommand<MeView>;

public sealed record ListPeople(string? Role, bool? Active, int PageSize, string? ContinuationToken) : IQuery<Page<PersonView>>, IValidate, IAgencyAdminOnly, IAudited
{
    public AuditTarget Audit => new("people.list", "person");

    public void Validate(ValidationErrors errors)
    {
        if (Role is not null && !Roles.IsKnown(Role))
        {
            errors.Add("role", $"Unknown role. Known roles: {string.Join(", ", Roles.All)}.");
        }

        Paging.Validate(errors, PageSize);
    }
}

public sealed record GetPerson(string PersonId) : IQuery<Person>, IAgencyAdminOnly, IAudited
{
    public AuditTarget Audit => new("person.read", "person", PersonId);
}

public sealed record CreatePerson(string PersonId, string? DisplayName, IReadOnlyList<string>? Roles) : ICommand<Person>, IValidate, IAgencyAdminOnly, IAudited
{
    public AuditTarget Audit => new("person.create", "person", PersonId);

    public void Validate(ValidationErrors errors)
    {
        errors.Text("displayName", DisplayName, 100);
        PeopleRules.ValidateRoles(errors, Roles);
        if (!PeopleRules.IsValidId(PersonId))
        {
            errors.Add("subjectId", "Use the sign-in subject id: 1 to 128 letters, digits, '-' or '_'.");
        }
        else if (PersonId.StartsWith("system-", StringComparison.OrdinalIgnoreCase))
        {
            // The app's own background work acts under these ids: a person named so would appear in the audit log as it.
            errors.Add("subjectId", "Ids beginning with 'system-' are the app's own.");
        }
    }
}

public sealed record SetRoles(string PersonId, IReadOnlyList<string>? Roles, string? IfMatch) : ICommand<Person>, IValidate, IAgencyAdminOnly, IAudited
{
    public AuditTarget Audit => new("person.set-roles", "person", PersonId);

    public void Validate(ValidationErrors errors) => PeopleRules.ValidateRoles(errors, Roles);
}

public sealed record SetActive(string PersonId, bool Active, string? IfMatch) : ICommand<Person>, IAgencyAdminOnly, IAudited
{
    public AuditTarget Audit => new(Active ? "person.reactivate" : "person.deactivate", "person", PersonId);
}

/// <summary>
/// Ends every portal session the person began before now, on every device, the one asking too, and every token issued
/// more than five minutes before (<see cref="Person.SignInsValidFrom"/>). For a phone or computer left signed in, or
/// taken: whoever has it is signed out at once, and the person signs in again as usual. Their own, from wherever they
/// are signed in.
/// </summary>
public sealed record EndMySignIns : ICommand<Person>, IAudited
{
    public AuditTarget Audit => new("person.end-own-sign-ins", "person");
}

/// <summary>An admin ends someone's sign-ins (<see cref="EndMySignIns"/>) without taking their access away: they sign in again.</summary>
public sealed record EndSignIns(string PersonId) : ICommand<Person>, IAgencyAdminOnly, IAudited
{
    public AuditTarget Audit => new("person.end-sign-ins", "person", PersonId);
}

/// <summary>
/// Every sign-in a person made before now was ended (<see cref="EndMySignIns"/>): their open connections are checked again
/// at once. Nothing else about them changed, so nothing that follows a change of roles or access runs.
/// </summary>
public sealed record SignInsEnded(string AgencyId, string PersonId) : INotification;

/// <summary>An admin tried to add, as someone new, a sign-in that is a youth's kept from them (<see cref="IPeopleKeptFromAdmin"/>).</summary>
public sealed record KeptSignInSought(string AgencyId, string PersonId, string By) : INotification;

/// <summary>
/// A person's roles or active state changed: whatever they are doing now (an open chat, say) must follow
/// at once, not only on their next request.
/// </summary>
/// <param name="RolesLost">
/// The roles this change took away (none for a change of active state); for the same roles sent again after a
/// change's follow-ups failed, every role the person once held and no longer does, so it still finishes them.
/// </param>
/// <param name="RolesGained">Roles the change gave them (none said when the follow-ups of a change are run again).</param>
/// <param name="Again">The same change sent again to finish what followed it: nothing new to tell the person's open pages.</param>
/// <param name="RoleChange">The change of roles this is (<see cref="Person.LastRoleChange"/>), made or sent again.</param>
public sealed record PersonAccessChanged(
    string AgencyId, string PersonId, IReadOnlyList<string>? RolesLost = null, IReadOnlyList<string>? RolesGained = null, bool Again = false, string? RoleChange = null) : INotification;

/// <summary>
/// The people another feature keeps from the calling admin: the sign-in of a youth who is never to be matched with them
/// (one linked to their exploiter, say), or whom they mentor. People administration treats them as not there, so such an
/// admin can neither find them nor end or take away their sign-in. None in an agency that never had another admin (one
/// deactivated counts, as it does for the youth's record: brought back, they act for the youth).
/// </summary>
public interface IPeopleKeptFromAdmin
{
    Task<IReadOnlySet<string>> KeptAsync(IReadOnlyCollection<string> personIds, CancellationToken ct);
}

/// <summary>
/// Whether this sign-in is that of a youth the agency serves who is a child under the agency's consent policy (another
/// feature keeps youth records): a child takes on no other work here, whatever their roles say.
/// </summary>
public interface IServedYouthSignIns
{
    Task<bool> ClaimedByAChildAsync(string personId, CancellationToken ct);
}

public static class PeopleRules
{
    public static bool IsValidId(string id) =>
        id.Length is > 0 and <= 128 && id.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_');

    public static void ValidateRoles(ValidationErrors errors, IReadOnlyList<string>? roles)
    {
        if (roles is null)
        {
            errors.Add("roles", "Required (it may be empty).");
            return;
        }

        foreach (var role in roles.Where(r => !Roles.IsKnown(r)).Distinct())
        {
            errors.Add("roles", $"Unknown role '{role}'. Known roles: {string.Join(", ", Roles.All)}.");
        }

        if (roles.Contains(Roles.Analyst) && Roles.ReadPeopleBesideReports(roles.Where(Roles.IsKnown)))
        {
            errors.Add("roles", "An analyst reads reports only, so holds no other role but agency admin: give the other work to someone else.");
        }

        // A youth the agency serves is not also paid, mentoring or staff: each of those would reach other people's
        // records or be offered work without a guardian's or the agency's say.
        if (roles.Contains(Roles.Youth) && roles.Where(Roles.IsKnown).Distinct().Count() > 1)
        {
            errors.Add("roles", "A youth the agency serves holds no other role. Once they take on other work here, take the Youth role away first.");
        }
    }
}

public static class Paging
{
    public const int DefaultPageSize = 50;
    public const int MaxPageSize = 200;

    /// <summary>Reads of the store one page may take, reading past what the caller may not see.</summary>
    public const int MaxReadsPerPage = 100;

    public static void Validate(ValidationErrors errors, int pageSize)
    {
        if (pageSize is < 1 or > MaxPageSize)
        {
            errors.Add("pageSize", $"Between 1 and {MaxPageSize}.");
        }
    }

    /// <summary>
    /// A page of what <paramref name="shown"/> keeps of the store's pages, read on past what it leaves out rather than
    /// left with a gap: a short or empty page with more to come would show that someone kept from the caller is there,
    /// and between which two entries they sort.
    /// </summary>
    /// <param name="read">One page of the store: at most this many, from this continuation token.</param>
    public static async Task<Page<TShown>> ReadPastAsync<T, TShown>(
        int pageSize, string? continuationToken, Func<int, string?, Task<Page<T>>> read, Func<IReadOnlyList<T>, Task<IEnumerable<TShown>>> shown)
    {
        ArgumentNullException.ThrowIfNull(read);
        ArgumentNullException.ThrowIfNull(shown);
        var found = new List<TShown>();
        var token = continuationToken;
        var reads = 0;
        for (; reads < MaxReadsPerPage; reads++)
        {
            var page = await read(pageSize - found.Count, token);
            found.AddRange(await shown(page.Items));
            token = page.ContinuationToken;
            if (token is null || found.Count >= pageSize)
            {
                reads++;
                break;
            }
        }

        // A full page says there is more only when there is more the caller may see: a next page with nothing on it would
        // show that someone kept from them sorts after all they can see.
        for (var look = 1; token is not null && reads < MaxReadsPerPage; reads++, look = pageSize)
        {
            var ahead = await read(look, token);
            if ((await shown(ahead.Items)).Any())
            {
                break;
            }

            token = ahead.ContinuationToken;
        }

        return new Page<TShown>(found, token);
    }
}

internal sealed partial class PeopleHandlers(
    AgencyStore store, ICurrentUser user, TimeProvider time, IPublisher publisher, NameOrderBackfill nameOrder, IPeopleKeptFromAdmin keptFromAdmin,
    IServedYouthSignIns servedYouth, ILogger<PeopleHandlers> logger)
    : IQueryHandler<GetMe, MeView>,
      ICommandHandler<AcknowledgeSafetyNotice, MeView>,
      IQueryHandler<ListPeople, Page<PersonView>>,
      IQueryHandler<GetPerson, Person>,
      ICommandHandler<CreatePerson, Person>,
      ICommandHandler<SetRoles, Person>,
      ICommandHandler<SetActive, Person>,
      ICommandHandler<EndMySignIns, Person>,
      ICommandHandler<EndSignIns, Person>
{
    public async ValueTask<MeView> Handle(GetMe query, CancellationToken cancellationToken)
    {
        var me = await Read(user.UserId, cancellationToken);
        return await MeAsync(me, cancellationToken);
    }

    public async ValueTask<MeView> Handle(AcknowledgeSafetyNotice command, CancellationToken cancellationToken)
    {
        var me = await Read(user.UserId, cancellationToken);
        if (me.SafetyNoticeSeenAt is null)
        {
            me = await store.ReplaceAsync(Person.Container, me with { SafetyNoticeSeenAt = time.GetUtcNow() }, me.ETag!, cancellationToken);
        }

        return await MeAsync(me, cancellationToken);
    }

    private async Task<MeView> MeAsync(Person me, CancellationToken cancellationToken)
    {
        var agency = await store.ReadAsync<Agency>(Agency.Container, user.AgencyId, user.AgencyId, cancellationToken);
        return new MeView(me.Id, me.DisplayName, me.Roles, user.AgencyId, agency?.Name ?? user.AgencyId, me.SafetyNoticeSeenAt is not null);
    }

    public async ValueTask<Page<PersonView>> Handle(ListPeople query, CancellationToken cancellationToken)
    {
        var filters = new List<Filter>();
        if (query.Active is { } active)
        {
            filters.Add(Filter.Eq("active", active));
        }

        // The store filters by role, so a page of one role is full even where most people hold another.
        if (query.Role is { } role)
        {
            filters.Add(Filter.Contains("roles", role));
        }

        await nameOrder.EnsureAsync<Person>(Person.Container, user.AgencyId, cancellationToken);

        // Someone kept from this admin is read past, not left as a gap (a kept youth's sign-in).
        return await Paging.ReadPastAsync(query.PageSize, query.ContinuationToken,
            async (size, token) => await store.QueryAsync<Person>(Person.Container, new DocumentQuery
            {
                PartitionKey = user.AgencyId,
                Type = DocumentTypes.Of<Person>(),
                Filters = filters,
                OrderBy = NameOrder.Field,
                PageSize = size,
                ContinuationToken = token,
            }, cancellationToken),
            async people =>
            {
                var kept = await keptFromAdmin.KeptAsync([.. people.Select(p => p.Id)], cancellationToken);
                return people.Where(p => !kept.Contains(p.Id)).Select(PersonView.From);
            });
    }

    public async ValueTask<Person> Handle(GetPerson query, CancellationToken cancellationToken) =>
        await ReadAdministered(query.PersonId, cancellationToken);

    public async ValueTask<Person> Handle(CreatePerson command, CancellationToken cancellationToken)
    {
        var roles = command.Roles!.Distinct().ToList();
        var person = new Person
        {
            Id = command.PersonId,
            DisplayName = command.DisplayName!.Trim(),
            Roles = roles,
            CreatedAt = time.GetUtcNow(),
            CreatedBy = user.UserId,
            // Kept as a change of roles from none, so the same person sent again tells the other admins of it as it was.
            LastRoleChange = roles.Any(Roles.IsNewsToAdmins) ? new RoleChange(AgencyStore.NewId(), roles, []) : null,
        };
        Person created;
        try
        {
            created = await store.CreateAsync(Person.Container, person, cancellationToken);
        }
        catch (StoreException ex) when (ex.Kind == StoreErrorKind.Conflict)
        {
            if (await SentAgainAsync(person, cancellationToken) is { } made)
            {
                return made;
            }

            // Refused as any sign-in already here is. To an admin kept from the youth whose sign-in it is, that says the
            // youth is the agency's, which nothing else shows them: those who act for the youth hear of it. Telling them
            // failing does not change the answer, which would say whose sign-in it is.
            try
            {
                if ((await keptFromAdmin.KeptAsync([person.Id], cancellationToken)).Count > 0)
                {
                    await publisher.Publish(new KeptSignInSought(user.AgencyId, person.Id, user.UserId), CancellationToken.None);
                }
            }
            catch (Exception told) when (told is not OperationCanceledException)
            {
                LogKeptSignInSoughtUntold(logger, person.Id, told);
            }

            throw new ConflictException("A person with this subject id already exists in your agency.");
        }

        // Nobody had their access before, so only an admin made, someone who reads records or a finance approver is news to
        // anyone (the other admins).
        if (created.LastRoleChange is { } change)
        {
            await TellAccessChangedAsync(created, rolesGained: created.Roles, roleChange: change.Id);
        }

        return created;
    }

    /// <summary>
    /// The same person added again by the admin who added them, unchanged since (a second tap, a resend after telling the
    /// other admins failed): what followed is done again and they are answered as added. Anything else is a sign-in
    /// already here. Not for one kept from this admin, whose answer would say whose sign-in it is.
    /// </summary>
    private async Task<Person?> SentAgainAsync(Person sent, CancellationToken ct)
    {
        var there = await store.ReadAsync<Person>(Person.Container, sent.Id, user.AgencyId, ct);
        if (there is not { Active: true, SignInsValidFrom: null } || there.CreatedBy != user.UserId || there.DisplayName != sent.DisplayName
            || !there.Roles.ToHashSet().SetEquals(sent.Roles) || there.FormerRoles.Count > 0
            || (there.LastRoleChange is null) != (sent.LastRoleChange is null)
            || (await keptFromAdmin.KeptAsync([there.Id], ct)).Count > 0)
        {
            return null;
        }

        if (there.LastRoleChange is { } change)
        {
            await TellAccessChangedAsync(there, again: true, roleChange: change.Id);
        }

        return there;
    }

    public async ValueTask<Person> Handle(SetRoles command, CancellationToken cancellationToken)
    {
        var person = await ReadAdministered(command.PersonId, cancellationToken);
        var roles = command.Roles!.Distinct().ToList();

        // The same roles sent again (after the follow-ups of a change failed, from a page that has not seen its own
        // change's version): nothing to write, and what follows a change is done again for every role they lost.
        if (roles.ToHashSet().SetEquals(person.Roles))
        {
            await TellAccessChangedAsync(person, person.FormerRoles, again: true, roleChange: person.LastRoleChange?.Id);
            return person;
        }

        var ifMatch = command.IfMatch ?? throw new PreconditionRequiredException();

        // Taking the Youth role away first, then giving another, would make a child still served here a mentor, an
        // advisor or staff. A survivor served as an adult may take on work here (their record stays theirs to read).
        if (roles.Any(r => r != Roles.Youth) && await servedYouth.ClaimedByAChildAsync(person.Id, cancellationToken))
        {
            throw new ConflictException("This sign-in is that of a youth the agency serves who is under its adult age, so it takes no other role.");
        }

        if (person.Id == user.UserId && person.Roles.Contains(Roles.AgencyAdmin) && !roles.Contains(Roles.AgencyAdmin))
        {
            throw new ConflictException("You cannot remove your own AgencyAdmin role; ask another admin, so the agency is never left without one.");
        }

        // A role opens records (check-in answers, chats): someone else decides that an admin should read them.
        if (person.Id == user.UserId && roles.Except(person.Roles).Any() && await store.AnotherAdminExistsAsync(user.UserId, cancellationToken))
        {
            throw new ConflictException("Another agency admin gives you a new role (bring one back if none is active): nobody widens their own access while someone else can.");
        }

        // What they read before stays known to them, in either order: records taken from the report's counts would count
        // everyone else in groups too small to show, as if they held both roles at once.
        var held = person.Roles.Union(person.FormerRoles).Where(Roles.IsKnown).ToList();
        if (roles.Contains(Roles.Analyst) && Roles.ReadPeopleBesideReports(held))
        {
            throw new ConflictException("They have read people's records here in another role, so they cannot be an analyst: the report's counts, less what they read, would show the rest in groups too small to show. Give the analyst role to someone who has not.");
        }

        if (held.Contains(Roles.Analyst) && Roles.ReadPeopleBesideReports(roles))
        {
            throw new ConflictException("They have read the agency's reports as an analyst, so they cannot take a role that reads people's records: those records, taken from the report's counts, would show the rest in groups too small to show.");
        }

        var former = person.FormerRoles.Union(person.Roles).Except(roles).ToList();
        var change = new RoleChange(AgencyStore.NewId(), [.. roles.Except(person.Roles)], [.. person.Roles.Except(roles)]);
        var changed = await ReplaceKeepingAnAdminAsync(person, person with { Roles = roles, FormerRoles = former, LastRoleChange = change }, ifMatch, cancellationToken);
        await TellAccessChangedAsync(changed, change.Lost, change.Gained, roleChange: change.Id);
        return changed;
    }

    public async ValueTask<Person> Handle(SetActive command, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            var person = await ReadAdministered(command.PersonId, cancellationToken);
            if (person.Id == user.UserId && !command.Active)
            {
                throw new ConflictException("You cannot deactivate yourself; ask another admin.");
            }

            // Pressed again: what followed the change may have failed the first time (the store busy); it is done again,
            // each part once whatever the repeats, telling of it too as the change did.
            if (person.Active == command.Active)
            {
                await TellAccessChangedAsync(person, rolesGained: GivenBack(person));
                return person;
            }

            try
            {
                var changed = await ReplaceKeepingAnAdminAsync(person, person with
                {
                    Active = command.Active,
                    DeactivatedAt = command.Active ? null : time.GetUtcNow(),
                    // Both ways: Entra ID knows nothing of a deactivation, so a sign-in made meanwhile (a phone taken) must not
                    // come to life with access given back.
                    SignInsValidFrom = time.GetUtcNow(),
                    // Told anew as access changes, a change of roles before it is no longer the one a resend of roles finishes.
                    LastRoleChange = null,
                }, AsSeen(command, person), cancellationToken);
                await TellAccessChangedAsync(changed, rolesGained: GivenBack(changed));
                return changed;
            }
            catch (StoreException ex) when (!command.Active && ex.Kind == StoreErrorKind.PreconditionFailed && attempt < DeactivationAttempts)
            {
                // Changed meanwhile (their sign-ins ended, the safety notice read, perhaps by whoever holds a taken phone
                // again and again): read again and deactivate that.
            }
        }
    }

    /// <summary>How often a deactivation reads the record again when it changed meanwhile: far more than a person changing their own can outrun.</summary>
    private const int DeactivationAttempts = 20;

    /// <summary>
    /// Someone given access back has their powers again (an admin's, a role's that reads records, a finance approver's):
    /// as news to the other admins as if newly given.
    /// </summary>
    private static IReadOnlyList<string>? GivenBack(Person person) => person.Active ? [.. person.Roles.Where(Roles.IsNewsToAdmins)] : null;

    public async ValueTask<Person> Handle(EndMySignIns command, CancellationToken cancellationToken) => await EndSignInsAsync(user.UserId, cancellationToken);

    public async ValueTask<Person> Handle(EndSignIns command, CancellationToken cancellationToken)
    {
        await ReadAdministered(command.PersonId, cancellationToken);
        return await EndSignInsAsync(command.PersonId, cancellationToken);
    }

    /// <summary>
    /// No sign-in from before now opens anything (<see cref="Person.SignInsValidFrom"/>), and their open pages and chats,
    /// on every instance, are checked again at once and close (<see cref="SignInsEnded"/>). Set on the record as it is
    /// now, whatever changed since it was read: the end of their sign-ins needs no version.
    /// </summary>
    private async Task<Person> EndSignInsAsync(string personId, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            var person = await Read(personId, cancellationToken);
            try
            {
                var ended = await store.ReplaceAsync(Person.Container, person with { SignInsValidFrom = time.GetUtcNow() }, person.ETag!, cancellationToken);
                await publisher.FinishAsync(new SignInsEnded(user.AgencyId, ended.Id));
                return ended;
            }
            catch (StoreException ex) when (ex.Kind == StoreErrorKind.PreconditionFailed && attempt < 3)
            {
                // Changed meanwhile (their roles, the safety notice read): read again and set on that.
            }
        }
    }

    /// <summary>
    /// Deactivating takes no version, though a page sends one: access is taken away at once, whatever changed since.
    /// Giving access back needs one, so a page read before another admin took it away again, for a new reason, cannot
    /// undo that unseen.
    /// </summary>
    private static string AsSeen(SetActive command, Person person) =>
        command.Active ? command.IfMatch ?? throw new PreconditionRequiredException() : person.ETag!;

    /// <summary>The change is made: what follows from it (open chats told, youth left without a case manager named).</summary>
    private Task TellAccessChangedAsync(
        Person changed, IReadOnlyList<string>? rolesLost = null, IReadOnlyList<string>? rolesGained = null, bool again = false, string? roleChange = null) =>
        publisher.FinishAsync(new PersonAccessChanged(user.AgencyId, changed.Id, rolesLost, rolesGained, again, roleChange));

    /// <summary>
    /// A change that takes an admin's powers away is written together with the acting admin's own record, unchanged
    /// as it was read: two admins removing each other at the same moment cannot both succeed, so the agency keeps one.
    /// </summary>
    private async Task<Person> ReplaceKeepingAnAdminAsync(Person before, Person after, string ifMatch, CancellationToken ct)
    {
        if (!IsAdmin(before) || IsAdmin(after))
        {
            return await store.ReplaceAsync(Person.Container, after, ifMatch, ct);
        }

        var me = await Read(user.UserId, ct);
        if (!IsAdmin(me))
        {
            throw new ForbiddenException("You are no longer an active admin of this agency.");
        }

        try
        {
            var written = await store.ExecuteBatchAsync(Person.Container, user.AgencyId,
                [new BatchOperation.Replace(after, ifMatch), new BatchOperation.Replace(me, me.ETag!)], ct);
            return after with { ETag = written.ETags[0], AgencyId = user.AgencyId, PartitionKey = user.AgencyId };
        }
        catch (StoreException ex) when (ex is { Kind: StoreErrorKind.BatchFailed, FailedOperationIndex: 0, FailedOperationKind: StoreErrorKind.PreconditionFailed })
        {
            throw new StoreException(StoreErrorKind.PreconditionFailed, "The person's record has changed.", ex);
        }
        catch (StoreException ex) when (ex is { Kind: StoreErrorKind.BatchFailed, FailedOperationIndex: 1 })
        {
            throw new ConflictException("Your own record changed at the same moment, perhaps by another admin. Reload and try again.");
        }
    }

    private static bool IsAdmin(Person person) => person.Active && person.Roles.Contains(Roles.AgencyAdmin);

    /// <summary>Someone the caller administers: one kept from them (<see cref="IPeopleKeptFromAdmin"/>) is not found, as no such person.</summary>
    private async Task<Person> ReadAdministered(string personId, CancellationToken cancellationToken)
    {
        // Whom the admin is kept from is worked out before the read, for an unknown id too: worked out only for one
        // found, the slower 404 would tell a kept youth's sign-in from an id nobody has.
        var kept = await keptFromAdmin.KeptAsync([personId], cancellationToken);
        var person = await Read(personId, cancellationToken);
        return kept.Contains(person.Id) ? throw new NotFoundException("person") : person;
    }

    private async Task<Person> Read(string personId, CancellationToken cancellationToken) =>
        PeopleRules.IsValidId(personId)
            ? await store.ReadAsync<Person>(Person.Container, personId, user.AgencyId, cancellationToken) ?? throw new NotFoundException("person")
            : throw new NotFoundException("person");

    [LoggerMessage(Level = LogLevel.Error, Message = "The youth's case managers and admins were not told that an admin kept from the youth sought sign-in {PersonId}")]
    private static partial void LogKeptSignInSoughtUntold(ILogger logger, string personId, Exception exception);
}
