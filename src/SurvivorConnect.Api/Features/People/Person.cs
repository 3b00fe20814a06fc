using SurvivorConnect.Api.Infrastructure.Auth;
using SurvivorConnect.Api.Infrastructure.Lists;
using SurvivorConnect.Api.Infrastructure.Tenancy;
using SurvivorConnect.Storage;

namespace SurvivorConnect.Api.Features.People;

/// <summary>
/// A person of an agency. The id is the person's sign-in subject, so a token maps to its person with one
/// point read. Partitioned by agency.
/// </summary>
public sealed record Person : Document
{
    // displayName stays indexed for one release: instances of the release before, during a rolling deploy, still order
    // by it, and Cosmos DB refuses an ORDER BY without its composite index. Drop it in the next release.
    public static readonly ContainerSpec Container = new("people", "active", NameOrder.Field, "roles", "displayName", "formerRoles");

    public override string Type => "person";

    /// <summary>May be a pseudonym; it is the only name SurvivorConnect keeps.</summary>
    public required string DisplayName { get; init; }

    /// <summary>The name as lists order it; written with the document, worked out again when read.</summary>
    public string SortName => NameOrder.Key(DisplayName);

    public required IReadOnlyList<string> Roles { get; init; }

    /// <summary>Roles taken from them since (recorded from 2026-12): whoever depended on them in that role can be found.</summary>
    public IReadOnlyList<string> FormerRoles { get; init; } = [];

    /// <summary>
    /// The roles the last change of roles gave and took: sent again to finish what followed it (the other admins told,
    /// say), the change is told of as it was, not as nothing.
    /// </summary>
    public RoleChange? LastRoleChange { get; init; }

    public bool Active { get; init; } = true;

    public required DateTimeOffset CreatedAt { get; init; }

    public string? CreatedBy { get; init; }

    public DateTimeOffset? DeactivatedAt { get; init; }

    /// <summary>
    /// Which deactivation keeps them out now, if any: what they left behind is told once per deactivation, so one who
    /// leaves again after being brought back is told of again. Not a role lost: each later change of roles, even one
    /// that takes nothing, is a new <see cref="LastRoleChange"/>, and would tell the same departure again.
    /// </summary>
    public string? Deactivation() =>
        !Active && DeactivatedAt is { } at ? at.UtcTicks.ToString(System.Globalization.CultureInfo.InvariantCulture) : null;

    /// <summary>
    /// When the person was last deactivated or given access back, or their sign-ins were ended (a phone taken): a sign-in
    /// (portal session or token) from before it opens nothing, so a phone or a copied cookie kept from then, or signed in
    /// while they were deactivated, does not come back to life with them.
    /// </summary>
    public DateTimeOffset? SignInsValidFrom { get; init; }

    /// <summary>When the person read how to leave quickly and clear their history (shown once, on their first visit).</summary>
    public DateTimeOffset? SafetyNoticeSeenAt { get; init; }
}

public sealed record PersonView(string Id, string DisplayName, IReadOnlyList<string> Roles, bool Active, DateTimeOffset CreatedAt, DateTimeOffset? DeactivatedAt)
{
    public static PersonView From(Person person) =>
        new(person.Id, person.DisplayName, person.Roles, person.Active, person.CreatedAt, person.DeactivatedAt);
}

public sealed class PeopleRepository(IDocumentStore store)
{
    public Task<Person?> FindAsync(string agencyId, string personId, CancellationToken cancellationToken) =>
        store.ReadAsync<Person>(Person.Container, personId, agencyId, cancellationToken);
}

/// <summary>Lookups of the agency's people that the store answers, so none reads every person of a large agency.</summary>
public static class PeopleReads
{
    /// <summary>The agency's active people who hold a role: a few staff, found by the store among many survivors.</summary>
    public static Task<List<Person>> ActiveWithRoleAsync(this AgencyStore store, string role, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(store);
        return store.AllAsync<Person>(Person.Container, [Filter.Eq("active", true), Filter.Contains("roles", role)], ct);
    }

    public static async Task<IReadOnlyList<string>> ActiveIdsWithRoleAsync(this AgencyStore store, string role, CancellationToken ct) =>
        [.. (await store.ActiveWithRoleAsync(role, ct)).Select(p => p.Id)];

    /// <summary>
    /// The admins told of a change to who holds power or of a loosened policy: deactivated ones too, who read it on their
    /// return, so an admin who first takes the only other one away acts no less seen.
    /// </summary>
    public static async Task<IReadOnlyList<string>> AdminsToTellAsync(this AgencyStore store, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(store);
        return [.. (await store.AllAsync<Person>(Person.Container, [Filter.Contains("roles", Roles.AgencyAdmin)], ct)).Select(p => p.Id)];
    }

    /// <summary>
    /// Whether anyone but <paramref name="adminId"/> is, or was, an admin of the agency (deactivated, or their admin
    /// role taken away): then no admin widens their own access (a role, their own supervisor), since someone else can be
    /// asked, or brought back; counting active admins only, an admin would remove the others first. An agency that only
    /// ever had one admin must still be able to.
    /// </summary>
    public static async Task<bool> AnotherAdminExistsAsync(this AgencyStore store, string adminId, CancellationToken ct) =>
        (await store.AdminsNowOrBeforeAsync(ct)).Any(id => id != adminId);

    /// <summary>Everyone who is, or was, an admin of the agency (deactivated, or their admin role taken away).</summary>
    public static async Task<IReadOnlySet<string>> AdminsNowOrBeforeAsync(this AgencyStore store, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(store);
        var now = await store.AllAsync<Person>(Person.Container, [Filter.Contains("roles", Roles.AgencyAdmin)], ct);
        var before = await store.AllAsync<Person>(Person.Container, [Filter.Contains("formerRoles", Roles.AgencyAdmin)], ct);
        return now.Concat(before).Select(p => p.Id).ToHashSet(StringComparer.Ordinal);
    }
}

/// <summary>What one change of a person's roles gave them and took from them; its id names it in the notices told of it.</summary>
public sealed record RoleChange(string Id, IReadOnlyList<string> Gained, IReadOnlyList<string> Lost);
