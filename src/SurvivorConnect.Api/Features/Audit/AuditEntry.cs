using System.Text.Json.Serialization;
using SurvivorConnect.Storage;

namespace SurvivorConnect.Api.Features.Audit;

[JsonConverter(typeof(JsonStringEnumConverter<AuditOutcome>))]
public enum AuditOutcome
{
    Succeeded,
    NotFound,
    Denied,
    Conflict,
    Failed,
}

/// <summary>What happened, to which record: never a field value.</summary>
/// <param name="Purpose">The purpose the actor stated (<c>X-Access-Purpose</c>). Entries written before grounds were kept apart hold the ground here.</param>
/// <param name="Basis">The grounds the guards let the actor in on (<c>AccessBasis</c>), whatever purpose they stated.</param>
public sealed record AuditEvent(string Action, string RecordType, string? RecordId, AuditOutcome Outcome, string? Purpose = null, string? Basis = null);

/// <summary>One audit entry: who, what, which record, when, why and how it ended. Partitioned by agency and month (<see cref="AuditPartitions"/>).</summary>
public sealed record AuditEntry : Document
{
    public static readonly ContainerSpec Container = new("audit", "at", "actorId", "recordType", "recordId", "action", "outcome");

    public override string Type => "audit";

    public required DateTimeOffset At { get; init; }

    public required string ActorId { get; init; }

    /// <summary>The actor's agency, when it is not this log's (a partner agency's professional reading shared records).</summary>
    public string? ActorAgencyId { get; init; }

    public required IReadOnlyList<string> ActorRoles { get; init; }

    public required string Action { get; init; }

    public required string RecordType { get; init; }

    public string? RecordId { get; init; }

    public string? Purpose { get; init; }

    /// <summary>Why the actor may: the grounds their access rested on, beside any purpose they stated.</summary>
    public string? Basis { get; init; }

    public required AuditOutcome Outcome { get; init; }

    public string? TraceId { get; init; }
}
