using System.Text.Json.Serialization;
using SurvivorConnect.Storage;

namespace SurvivorConnect.Api.Features.Consent;

[JsonConverter(typeof(JsonStringEnumConverter<ConsentGrantor>))]
public enum ConsentGrantor
{
    Youth,
    Guardian,
    Agency,
    Mentor,
}

/// <summary>A consent: whose, from whom, for what, when, until when; revocable, and never deleted.</summary>
public sealed record ConsentRecord : Document
{
    public static readonly ContainerSpec Container = new("consents", "subjectId", "scope", "matchId");

    public override string Type => "consent";

    public required string SubjectId { get; init; }

    public required ConsentGrantor Grantor { get; init; }

    public required string Scope { get; init; }

    public string? MatchId { get; init; }

    public required DateTimeOffset GrantedAt { get; init; }

    public DateTimeOffset? ExpiresAt { get; init; }

    public DateTimeOffset? RevokedAt { get; init; }

    public required string RecordedBy { get; init; }

    public bool IsCurrent(DateTimeOffset now) => RevokedAt is null && (ExpiresAt is null || ExpiresAt > now);
}
