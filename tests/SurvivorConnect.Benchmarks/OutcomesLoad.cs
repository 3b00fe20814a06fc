using System.Globalization;
using SurvivorConnect.Api.Features.Agencies;
using SurvivorConnect.Api.Features.Chat;
using SurvivorConnect.Api.Features.Mentoring;
using SurvivorConnect.Api.Features.People;
using SurvivorConnect.Storage.Sqlite;

namespace SurvivorConnect.Benchmarks;

/// <summary>
/// The outcome report load runner. An agency of 5,000 youth (with 20,000 events in their histories: stage moves,
/// relapses and missing-from-care episodes over three years), 2,000 matches and 1,000 chat safety flags is seeded
/// straight into a SQLite store; against the API as a process of its own it times the agency's report (every
/// table, suppressed) over 12 and 36 months, as an analyst would ask for it, and prints the figures.
/// </summary>
internal static class OutcomesLoad
{
    private const string AgencyId = "outcomes";
    private const int Youth = 5_000;
    private const int Matches = 2_000;
    private const int Flags = 1_000;
    private const int Runs = 10;

    public static async Task<int> RunAsync()
    {
        var folder = Path.Combine(Path.GetTempPath(), "sc-outcomes-load-" + Guid.NewGuid().ToString("N"));
        var database = Path.Combine(folder, "load.db");
        var now = DateTimeOffset.UtcNow;
        Console.WriteLine($"Seeding {Youth} youth, {Youth * 4} events, {Matches} matches and {Flags} flags…");
        await SeedAsync(database, now);
        var tokens = ApiProcess.Tokens();
        var port = ApiProcess.FreePort();
        var api = ApiProcess.Start(port, database, new Dictionary<string, string> { ["Api__PermitsPerMinutePerUser"] = "1000000" });
        try
        {
            await ApiProcess.WaitReadyAsync(port, api);
            using var analyst = ApiProcess.Client(port, tokens.Issue("outcomes-analyst", AgencyId, now).AccessToken, TimeSpan.FromMinutes(2));
            Console.WriteLine();
            Console.WriteLine("| months | runs | p50 | slowest | response |");
            Console.WriteLine("|---:|---:|---:|---:|---:|");
            var slowest = TimeSpan.Zero;
            foreach (var months in new[] { 12, 36 })
            {
                var to = new DateOnly(now.Year, now.Month, 1).AddMonths(-1);
                var query = $"/api/outcomes?from={to.AddMonths(1 - months):yyyy-MM}&to={to:yyyy-MM}&practiceChangedFrom={to.AddMonths(-months / 2):yyyy-MM}";
                var (times, size) = await ApiProcess.TimeAsync(analyst, query, Runs);
                slowest = times[^1] > slowest ? times[^1] : slowest;
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"| {months} | {Runs} | {times[Runs / 2].TotalMilliseconds:0} ms | {times[^1].TotalMilliseconds:0} ms | {size / 1024.0:0} KB |"));
            }

            return slowest < TimeSpan.FromSeconds(2) ? 0 : 1;
        }
        finally
        {
            await ApiProcess.StopAsync(api);
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(folder, recursive: true);
        }
    }

    private static async Task SeedAsync(string databasePath, DateTimeOffset now)
    {
        using var store = new SqliteDocumentStore(databasePath, [Agency.Container, Person.Container, YouthReferral.Container, Match.Container, SafetyFlag.Container], TimeProvider.System);
        await store.InitializeAsync(CancellationToken.None);
        var ct = CancellationToken.None;
        var random = new Random(16);
        await store.UpsertAsync(Agency.Container, new Agency { Id = AgencyId, PartitionKey = AgencyId, AgencyId = AgencyId, Name = "Outcomes load agency", CreatedAt = now }, ct);
        await store.UpsertAsync(Person.Container, new Person { Id = "outcomes-analyst", PartitionKey = AgencyId, AgencyId = AgencyId, DisplayName = "Analyst", Roles = ["Analyst"], CreatedAt = now }, ct);
        var stages = Enum.GetValues<StageOfChange>();
        var youthIds = new List<string>();
        for (var y = 0; y < Youth; y++)
        {
            var referred = now.AddDays(-random.Next(30, 1_100));
            var at = referred;
            var stage = StageOfChange.Contemplation;
            var history = new List<StageEvent> { new("referral", stage, null, referred, "cm", null) };
            var episodes = new List<MissingEpisode>();
            // Four events each: moves (some back, as relapses) and episodes away, spread over the time since referral.
            for (var e = 0; e < 4; e++)
            {
                at = at.AddDays(random.Next(1, Math.Max(2, (int)(now - at).TotalDays / 3)));
                if (random.Next(3) == 0)
                {
                    var back = at.AddDays(random.Next(1, 10));
                    episodes.Add(new MissingEpisode($"e{e}", at, back < now ? back : null, random.Next(3) > 0, back < now ? ReturnRoute.OnTheirOwn : null, at, "cm"));
                    at = back;
                    continue;
                }

                var next = stages[random.Next(stages.Length)];
                next = next == stage ? stages[((int)stage + 1) % stages.Length] : next;
                history.Add(new StageEvent(next < stage ? "relapse" : "transition", next, stage, at, "cm", null));
                stage = next;
            }

            var id = $"youth-{y:D5}";
            youthIds.Add(id);
            await store.UpsertAsync(YouthReferral.Container, new YouthReferral
            {
                Id = id, PartitionKey = AgencyId, AgencyId = AgencyId, DisplayName = id, Age = 16, CaseManagerIds = [$"cm-{y % 40}"], Stage = stage,
                StageHistory = history, MissingEpisodes = episodes, ReferredAt = referred,
            }, ct);
        }

        for (var m = 0; m < Matches; m++)
        {
            var proposed = now.AddDays(-random.Next(20, 1_000));
            var active = proposed.AddDays(random.Next(1, 10));
            var closed = random.Next(2) == 0 ? active.AddDays(random.Next(30, 300)) : (DateTimeOffset?)null;
            var history = new List<MatchTransition> { new(MatchState.Proposed, MatchState.Active, "activate", active, "cm") };
            if (closed is { } end && end < now)
            {
                history.Add(new MatchTransition(MatchState.Active, MatchState.Closed, "close", end, "cm"));
            }

            await store.UpsertAsync(Match.Container, new Match
            {
                Id = $"match-{m:D5}", PartitionKey = AgencyId, AgencyId = AgencyId, YouthId = youthIds[random.Next(Youth)], MentorId = $"mentor-{m % 300}",
                CaseManagerId = "cm", State = history.Count > 1 ? MatchState.Closed : MatchState.Active, ProposedAt = proposed, History = history,
                Closure = history.Count > 1 ? new MatchClosure(ClosureReason.GoalsMet, random.Next(3) > 0, null, history[1].At, "cm") : null,
                PreviousMatchId = m % 10 == 0 && m > 0 ? $"match-{m - 1:D5}" : null,
            }, ct);
        }

        for (var f = 0; f < Flags; f++)
        {
            var raised = now.AddDays(-random.Next(1, 1_000));
            await store.UpsertAsync(SafetyFlag.Container, new SafetyFlag
            {
                Id = $"flag-{f:D5}", PartitionKey = AgencyId, AgencyId = AgencyId, ConversationId = $"conversation-{f % 500}", MessageSequence = f, SenderId = "someone",
                SenderRole = "Mentor", Kinds = ["contact-info"], Urgent = f % 7 == 0, Held = f % 3 == 0, Status = FlagStatus.Resolved, YouthId = youthIds[random.Next(Youth)],
                RaisedAt = raised, ResolvedAt = raised.AddHours(random.Next(1, 48)),
            }, ct);
        }

        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
    }
}
