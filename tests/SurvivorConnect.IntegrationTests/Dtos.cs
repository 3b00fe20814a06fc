namespace SurvivorConnect.IntegrationTests;

public sealed record PageDto<T>(List<T> Items, string? ContinuationToken);

public sealed record PersonDto(string Id, string DisplayName, List<string> Roles, bool Active);

public sealed record MeDto(string Id, string DisplayName, List<string> Roles, string AgencyId, string AgencyName, bool SafetyNoticeSeen);

public sealed record DevUserDto(string Id, string DisplayName, List<string> Roles, string AgencyId, string AgencyName);

public sealed record DevTokenDto(string AccessToken, DateTimeOffset ExpiresAt);

public sealed record AuditDto(string Id, DateTimeOffset At, string ActorId, List<string> ActorRoles, string Action, string RecordType, string? RecordId, string? Purpose, string? Basis, string Outcome);
