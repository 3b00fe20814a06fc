using SurvivorConnect.Api.Features.Agencies;
using SurvivorConnect.Api.Features.Audit;
using SurvivorConnect.Api.Features.Chat;
using SurvivorConnect.Api.Features.Consent;
using SurvivorConnect.Api.Features.Mentoring;
using SurvivorConnect.Api.Features.Notifications;
using SurvivorConnect.Api.Features.People;
using SurvivorConnect.Storage;
using SurvivorConnect.Storage.Sqlite;

namespace SurvivorConnect.Benchmarks;

/// <summary>
/// Writes N active matches with open conversations straight into a SQLite store, exactly as the API
/// would have left them, so the load run measures chat and not setting up a thousand matches.
/// </summary>
internal static class ChatLoadSeed
{
    public const string AgencyId = "load";

    public static IReadOnlyList<ContainerSpec> Containers { get; } =
    [
        Agency.Container, Person.Container, AuditEntry.Container, MentorProfile.Container, YouthReferral.Container, ConsentRecord.Container,
        Match.Container, Notification.Container, Conversation.Container, SafetyFlag.Container, WellbeingPrompt.Container,
    ];

    /// <summary>For conversation i of the API on <paramref name="port"/>: the hub, its mentor's and youth's tokens, and the conversation.</summary>
    public static Func<int, (string Url, string? SenderToken, string? ReceiverToken, string Conversation)> Targets(int port)
    {
        var issuer = ApiProcess.Tokens();
        return i =>
        {
            var (mentor, youth, match) = Ids(i);
            return ($"http://127.0.0.1:{port}/hubs/chat",
                issuer.Issue(mentor, AgencyId, DateTimeOffset.UtcNow).AccessToken,
                issuer.Issue(youth, AgencyId, DateTimeOffset.UtcNow).AccessToken,
                match);
        };
    }

    public static async Task SeedAsync(string databasePath, int conversations)
    {
        using var store = new SqliteDocumentStore(databasePath, Containers, TimeProvider.System);
        await store.InitializeAsync(CancellationToken.None);
        var now = DateTimeOffset.UtcNow;
        var day = DateOnly.FromDateTime(now.UtcDateTime);
        var ct = CancellationToken.None;
        await store.UpsertAsync(Agency.Container, new Agency { Id = AgencyId, PartitionKey = AgencyId, AgencyId = AgencyId, Name = "Load test agency", CreatedAt = now }, ct);
        for (var i = 0; i < conversations; i++)
        {
            var (mentor, youth, match) = Ids(i);
            await store.UpsertAsync(Person.Container, NewPerson(mentor, "Mentor", now), ct);
            await store.UpsertAsync(Person.Container, NewPerson(youth, "Youth", now), ct);
            await store.UpsertAsync(MentorProfile.Container, new MentorProfile
            {
                Id = mentor, PartitionKey = AgencyId, AgencyId = AgencyId, DisplayName = mentor, Capacity = 2,
                Screening = new ReadinessGate(day, "seed"), Training = new ReadinessGate(day, "seed"), SupervisorClearance = new ReadinessGate(day, "seed"),
            }, ct);
            await store.UpsertAsync(YouthReferral.Container, new YouthReferral
            {
                Id = $"{youth}-referral", PartitionKey = AgencyId, AgencyId = AgencyId, DisplayName = youth, PersonId = youth, Age = 19,
                CaseManagerIds = ["load-cm"], Stage = StageOfChange.Action, ReferredAt = now,
            }, ct);
            await store.UpsertAsync(Match.Container, new Match
            {
                Id = match, PartitionKey = AgencyId, AgencyId = AgencyId, YouthId = $"{youth}-referral", MentorId = mentor, CaseManagerId = "load-cm",
                State = MatchState.Active, ProposedAt = now,
            }, ct);
            foreach (var (subject, grantor) in new[] { (mentor, ConsentGrantor.Mentor), ($"{youth}-referral", ConsentGrantor.Youth) })
            {
                await store.UpsertAsync(ConsentRecord.Container, new ConsentRecord
                {
                    Id = $"{match}-{grantor}", PartitionKey = AgencyId, AgencyId = AgencyId, SubjectId = subject, Grantor = grantor,
                    Scope = MentoringScopes.MentoringMatch, MatchId = match, GrantedAt = now, RecordedBy = "seed",
                }, ct);
            }

            await store.UpsertAsync(Conversation.Container, new Conversation { Id = Conversation.DocumentId, PartitionKey = match, AgencyId = AgencyId, MatchId = match, Sequence = 0, OpenedAt = now }, ct);
        }

        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
    }

    public static (string Mentor, string Youth, string Match) Ids(int i) => ($"load-mentor-{i:D5}", $"load-youth-{i:D5}", $"load-match-{i:D5}");

    private static Person NewPerson(string id, string role, DateTimeOffset now) =>
        new() { Id = id, PartitionKey = AgencyId, AgencyId = AgencyId, DisplayName = id, Roles = [role], CreatedAt = now };
}
