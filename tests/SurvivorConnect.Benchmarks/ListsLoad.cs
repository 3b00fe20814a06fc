using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using SurvivorConnect.Api.Features.Agencies;
using SurvivorConnect.Api.Features.Chat;
using SurvivorConnect.Api.Features.Consent;
using SurvivorConnect.Api.Features.Mentoring;
using SurvivorConnect.Api.Features.People;
using SurvivorConnect.Storage.Sqlite;

namespace SurvivorConnect.Benchmarks;

/// <summary>
/// The lists load runner. One agency of 10,000 mentors, 5,000 youth and 20,000 matches (and 1,000 chat safety flags)
/// is seeded straight into a SQLite store; against the API as a process of its own, a case manager with 100 youth
/// on their caseload asks for a page of mentors, the match list, the flag queue and one youth's recommendations, 50
/// times each after a warm-up, and the runner prints p50 and p95.
/// </summary>
internal static class ListsLoad
{
    private const string AgencyId = "lists";
    private const string CaseManager = "lists-cm";
    private const int Mentors = 10_000;
    private const int Youth = 5_000;
    private const int Matches = 20_000;
    private const int Flags = 1_000;
    private const int Caseload = 100;
    private const int Runs = 50;
    private const int ColdRuns = 20;

    public static async Task<int> RunAsync()
    {
        var folder = Path.Combine(Path.GetTempPath(), "sc-lists-load-" + Guid.NewGuid().ToString("N"));
        var database = Path.Combine(folder, "load.db");
        var now = DateTimeOffset.UtcNow;
        Console.WriteLine($"Seeding {Mentors} mentors, {Youth} youth, {Matches} matches and {Flags} flags…");
        await SeedAsync(database, now);
        var port = ApiProcess.FreePort();
        var api = ApiProcess.Start(port, database, new Dictionary<string, string> { ["Api__PermitsPerMinutePerUser"] = "1000000" });
        try
        {
            await ApiProcess.WaitReadyAsync(port, api);
            using var client = ApiProcess.Client(port, ApiProcess.Tokens().Issue(CaseManager, AgencyId, now).AccessToken, TimeSpan.FromMinutes(2));
            Console.WriteLine();
            Console.WriteLine("| request | runs | p50 | p95 | response |");
            Console.WriteLine("|---|---:|---:|---:|---:|");
            foreach (var (name, path) in new[]
            {
                ("a page of 50 mentors", "/api/mentors?pageSize=50"),
                ("a page of the match list", "/api/matches"),
                ("the flag queue", "/api/flags"),
                ("one youth's recommendations", "/api/youth/youth-00000/recommendations?top=10"),
            })
            {
                var (times, size) = await ApiProcess.TimeAsync(client, path, Runs);
                Row(name, times, size);
            }

            // Every proposal is a write to the agency's matches, so the next ranking reads what it wrote into the mentor pool.
            var afterWrite = new List<TimeSpan>();
            long bytes = 0;
            for (var run = 0; run < ColdRuns; run++)
            {
                var proposal = await client.PostAsJsonAsync("/api/matches", new { youthId = $"fresh-{run:D2}", mentorId = $"mentor-{Mentors - 5 * (run + 1):D5}" });
                if (!proposal.IsSuccessStatusCode)
                {
                    throw new InvalidOperationException($"The proposal was refused: {await proposal.Content.ReadAsStringAsync()}");
                }

                var clock = Stopwatch.StartNew();
                var response = await client.GetAsync("/api/youth/youth-00000/recommendations?top=10");
                response.EnsureSuccessStatusCode();
                bytes = (await response.Content.ReadAsByteArrayAsync()).Length;
                afterWrite.Add(clock.Elapsed);
            }

            afterWrite.Sort();
            Row("recommendations just after a proposal", afterWrite, bytes);
            return 0;
        }
        finally
        {
            await ApiProcess.StopAsync(api);
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(folder, recursive: true);
        }
    }

    private static void Row(string name, List<TimeSpan> times, long size) =>
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"| {name} | {times.Count} | {times[times.Count / 2].TotalMilliseconds:0} ms | {times[(int)Math.Ceiling(times.Count * 0.95) - 1].TotalMilliseconds:0} ms | {size / 1024.0:0.0} KB |"));

    private static async Task SeedAsync(string databasePath, DateTimeOffset now)
    {
        using var store = new SqliteDocumentStore(databasePath, [Agency.Container, Person.Container, ConsentRecord.Container, MentorProfile.Container, YouthReferral.Container, Match.Container, SafetyFlag.Container], TimeProvider.System);
        await store.InitializeAsync(CancellationToken.None);
        var ct = CancellationToken.None;
        var random = new Random(17);
        string[] languages = ["English", "Spanish", "Vietnamese", "Somali", "Arabic"];
        string[] interests = ["art", "music", "football", "cooking", "school", "coding", "dance", "faith"];
        await store.UpsertAsync(Agency.Container, new Agency { Id = AgencyId, PartitionKey = AgencyId, AgencyId = AgencyId, Name = "Lists load agency", CreatedAt = now }, ct);
        await store.UpsertAsync(Person.Container, new Person { Id = CaseManager, PartitionKey = AgencyId, AgencyId = AgencyId, DisplayName = "Case manager", Roles = ["CaseManager"], CreatedAt = now }, ct);
        for (var m = 0; m < Mentors; m++)
        {
            var ready = new ReadinessGate(DateOnly.FromDateTime(now.UtcDateTime.AddDays(-30)), "lists-supervisor");
            await store.UpsertAsync(MentorProfile.Container, new MentorProfile
            {
                Id = $"mentor-{m:D5}", PartitionKey = AgencyId, AgencyId = AgencyId, DisplayName = $"Mentor {m}", Languages = [languages[m % languages.Length]],
                Interests = [interests[m % interests.Length], interests[(m / 3) % interests.Length]], Capacity = 3, SupervisorId = $"supervisor-{m % 50}",
                Screening = ready, Training = ready, SupervisorClearance = ready, ExperiencedStages = [StageOfChange.Contemplation, StageOfChange.Action], UpdatedAt = now,
            }, ct);
            await store.UpsertAsync(ConsentRecord.Container, new ConsentRecord
            {
                Id = $"consent-{m:D5}", PartitionKey = AgencyId, AgencyId = AgencyId, SubjectId = $"mentor-{m:D5}", Grantor = ConsentGrantor.Mentor,
                Scope = MentoringScopes.Mentoring, GrantedAt = now.AddDays(-60), RecordedBy = $"mentor-{m:D5}",
            }, ct);
        }

        for (var y = 0; y < Youth; y++)
        {
            await store.UpsertAsync(YouthReferral.Container, new YouthReferral
            {
                Id = $"youth-{y:D5}", PartitionKey = AgencyId, AgencyId = AgencyId, DisplayName = $"Youth {y}", Age = 16, Languages = [languages[y % languages.Length]],
                Interests = [interests[y % interests.Length]], CaseManagerIds = [y < Caseload ? CaseManager : $"cm-{y % 60}"], Stage = StageOfChange.Contemplation,
                ReferredAt = now.AddDays(-random.Next(10, 700)),
            }, ct);
        }

        // Youth on the caseload without a match, for the proposals that make the runner's writes.
        for (var y = 0; y < ColdRuns; y++)
        {
            await store.UpsertAsync(YouthReferral.Container, new YouthReferral
            {
                Id = $"fresh-{y:D2}", PartitionKey = AgencyId, AgencyId = AgencyId, DisplayName = $"Fresh {y}", Age = 16, Languages = ["English"],
                CaseManagerIds = [CaseManager], Stage = StageOfChange.Contemplation, ReferredAt = now.AddDays(-3),
            }, ct);
        }

        for (var i = 0; i < Matches; i++)
        {
            var youth = i % 4 == 0 ? random.Next(Caseload) : random.Next(Youth);
            var closed = i % 3 != 0;
            await store.UpsertAsync(Match.Container, new Match
            {
                Id = $"match-{i:D5}", PartitionKey = AgencyId, AgencyId = AgencyId, YouthId = $"youth-{youth:D5}", MentorId = $"mentor-{random.Next(Mentors):D5}",
                CaseManagerId = youth < Caseload ? CaseManager : $"cm-{youth % 60}", State = closed ? MatchState.Closed : MatchState.Active, ProposedAt = now.AddDays(-random.Next(5, 600)),
                Closure = closed ? new MatchClosure(ClosureReason.GoalsMet, true, null, now.AddDays(-random.Next(1, 5)), "cm") : null,
            }, ct);
        }

        for (var f = 0; f < Flags; f++)
        {
            var youth = f % 2 == 0 ? random.Next(Caseload) : random.Next(Youth);
            await store.UpsertAsync(SafetyFlag.Container, new SafetyFlag
            {
                Id = $"flag-{f:D5}", PartitionKey = AgencyId, AgencyId = AgencyId, ConversationId = $"conversation-{youth}", MessageSequence = f, SenderId = "someone",
                SenderRole = "Mentor", Kinds = ["contact-info"], Urgent = f % 9 == 0, Held = f % 3 == 0, Status = f % 4 == 0 ? FlagStatus.Open : FlagStatus.Resolved,
                YouthId = $"youth-{youth:D5}", RaisedAt = now.AddDays(-random.Next(1, 300)),
            }, ct);
        }

        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
    }
}
