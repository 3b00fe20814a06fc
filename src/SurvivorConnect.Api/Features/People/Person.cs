using SurvivorConnect.Storage;

namespace SurvivorConnect.Api.Features.People;

/// <summary>
/// A person of an agency. The id is the person's sign-in subject, so a token maps to its person with one
/// point read. Partitioned by agency.
/// </summary>
public sealed record Person : Document
{
    public static readonly ContainerSpec Container = new("people", "active", "displayName");

    public override string Type => "person";

    /// <summary>May be a pseudonym; it is the only name SurvivorConnect keeps.</summary>
    public required string DisplayName { get; init; }

    public required IReadOnlyList<string> Roles { get; init; }

    public bool Active { get; init; } = true;

    public required DateTimeOffset CreatedAt { get; init; }

    public string? CreatedBy { get; init; }

    public DateTimeOffset? DeactivatedAt { get; init; }

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
