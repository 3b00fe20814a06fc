using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using SurvivorConnect.Api.Features.Agencies;
using SurvivorConnect.Api.Features.Engagements;
using SurvivorConnect.Api.Features.Payouts;
using SurvivorConnect.Api.Features.People;
using SurvivorConnect.Storage;
using SurvivorConnect.Storage.Sqlite;
using SurvivorConnect.Testing;

namespace SurvivorConnect.Benchmarks;

/// <summary>
/// The payouts load runner. N claims (an in-person session with mileage, a receipt, two travel days and a night's
/// lodging, so every line of the calculator runs) are seeded straight into a SQLite store, with payees onboarded
/// to a loopback fake of Stripe's API. Against the API as a process of its own it measures: preparing (calculating
/// and recording) the N payouts, approving them, and, after a restart with the sender on, the outbox sending all N
/// (a transfer and a bank payout each) to the fake. It then checks that each payout made exactly one of each.
/// </summary>
internal static class PayoutLoad
{
    private const string AgencyId = "load";
    private const int PerOpportunity = 200;

    public static async Task<int> RunAsync(string[] args)
    {
        var payouts = args.Length > 1 && args[0] == "--payouts" ? int.Parse(args[1], CultureInfo.InvariantCulture) : 10_000;
        var folder = Path.Combine(Path.GetTempPath(), "sc-payout-load-" + Guid.NewGuid().ToString("N"));
        var database = Path.Combine(folder, "load.db");
        await using var stripe = FakeStripe.Start();
        Console.WriteLine($"Seeding {payouts} claims and onboarded payees…");
        var opportunities = await SeedAsync(database, payouts, stripe);
        var settings = new Dictionary<string, string>
        {
            ["Payouts__Stripe__SecretKey"] = FakeStripe.SecretKey,
            ["Payouts__Stripe__WebhookSecret"] = FakeStripe.WebhookSecret,
            ["Payouts__Stripe__ApiBase"] = stripe.ApiBase,
            ["Payouts__SendEvery"] = "00:00:01",
            ["Api__PermitsPerMinutePerUser"] = "1000000",
        };
        var tokens = ApiProcess.Tokens();
        try
        {
            var port = ApiProcess.FreePort();
            var api = ApiProcess.Start(port, database, new Dictionary<string, string>(settings) { ["Payouts__SendInBackground"] = "false" });
            TimeSpan prepare, approve;
            try
            {
                await ApiProcess.WaitReadyAsync(port, api);
                using var recruiter = ApiProcess.Client(port, tokens.Issue("load-recruiter", AgencyId, DateTimeOffset.UtcNow).AccessToken, TimeSpan.FromMinutes(10));
                using var finance = ApiProcess.Client(port, tokens.Issue("load-finance", AgencyId, DateTimeOffset.UtcNow).AccessToken, TimeSpan.FromMinutes(10));
                var clock = Stopwatch.StartNew();
                foreach (var opportunity in opportunities)
                {
                    (await recruiter.PostAsJsonAsync("/api/payouts", new { opportunityId = opportunity })).EnsureSuccessStatusCode();
                }

                prepare = clock.Elapsed;
                var pending = new List<JsonElement>();
                string? token = null;
                do
                {
                    var page = await finance.GetFromJsonAsync<JsonElement>(
                        "/api/payouts?state=pending&pageSize=200" + (token is null ? "" : "&continuationToken=" + Uri.EscapeDataString(token)));
                    pending.AddRange(page.GetProperty("items").EnumerateArray());
                    token = page.GetProperty("continuationToken").GetString();
                }
                while (token is not null);

                if (pending.Count != payouts)
                {
                    throw new InvalidOperationException($"{pending.Count} payouts were prepared, not {payouts}.");
                }

                clock.Restart();
                await Parallel.ForEachAsync(pending, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (p, ct) =>
                {
                    using var approval = new HttpRequestMessage(HttpMethod.Post, $"/api/payouts/{p.GetProperty("id").GetString()}/approve");
                    approval.Headers.TryAddWithoutValidation("If-Match", p.GetProperty("version").GetString());
                    (await finance.SendAsync(approval, ct)).EnsureSuccessStatusCode();
                });
                approve = clock.Elapsed;
            }
            finally
            {
                await ApiProcess.StopAsync(api);
            }

            // A restart with the sender on: every approved payout is waiting in the outbox.
            api = ApiProcess.Start(port, database, settings);
            TimeSpan send;
            try
            {
                var clock = Stopwatch.StartNew();
                await ApiProcess.WaitReadyAsync(port, api);
                while (stripe.Count("payout") < payouts)
                {
                    if (clock.Elapsed > TimeSpan.FromMinutes(30))
                    {
                        throw new InvalidOperationException($"Only {stripe.Count("payout")} of {payouts} were sent in 30 minutes.");
                    }

                    await Task.Delay(100);
                }

                send = clock.Elapsed;
                await Task.Delay(TimeSpan.FromSeconds(3));
            }
            finally
            {
                await ApiProcess.StopAsync(api);
            }

            var transfers = stripe.Transfers.GroupBy(t => t["metadata"]!["payout_id"]!.GetValue<string>()).ToList();
            var bankPayouts = stripe.Payouts.GroupBy(t => t["metadata"]!["payout_id"]!.GetValue<string>()).ToList();
            Console.WriteLine();
            Console.WriteLine("| step | payouts | seconds | payouts/s | ms per payout |");
            Console.WriteLine("|---|---:|---:|---:|---:|");
            foreach (var (step, elapsed) in new[] { ("calculate and record (prepare)", prepare), ("approve (8 at once)", approve), ("send through the outbox (transfer + bank payout)", send) })
            {
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"| {step} | {payouts} | {elapsed.TotalSeconds:0.0} | {payouts / elapsed.TotalSeconds:0} | {elapsed.TotalMilliseconds / payouts:0.00} |"));
            }

            Console.WriteLine($"Transfers: {stripe.Transfers.Count} for {transfers.Count} payouts (most for one: {transfers.Max(g => g.Count())}); bank payouts: {stripe.Payouts.Count} for {bankPayouts.Count} payouts (most for one: {bankPayouts.Max(g => g.Count())}).");
            return transfers.Count == payouts && transfers.All(g => g.Count() == 1) && bankPayouts.Count == payouts && bankPayouts.All(g => g.Count() == 1) ? 0 : 1;
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(folder, recursive: true);
        }
    }

    private static async Task<List<string>> SeedAsync(string databasePath, int payouts, FakeStripe stripe)
    {
        using var store = new SqliteDocumentStore(databasePath, [Agency.Container, Person.Container, EngagementSettings.Container, Payout.Container], TimeProvider.System);
        await store.InitializeAsync(CancellationToken.None);
        var ct = CancellationToken.None;
        var now = DateTimeOffset.UtcNow;
        await store.UpsertAsync(Agency.Container, new Agency { Id = AgencyId, PartitionKey = AgencyId, AgencyId = AgencyId, Name = "Load test agency", CreatedAt = now }, ct);
        await store.UpsertAsync(Person.Container, NewPerson("load-recruiter", "Recruiter", now), ct);
        await store.UpsertAsync(Person.Container, NewPerson("load-finance", "FinanceApprover", now), ct);
        var day = now.UtcDateTime.Date.AddDays(-2);
        var session = new EngagementSession("s1", day.AddHours(17), day.AddHours(19), "America/Chicago", true, "Harbor Light, Chicago, IL", null);
        var opportunities = new List<string>();
        for (var start = 0; start < payouts; start += PerOpportunity)
        {
            var opportunity = Guid.NewGuid().ToString("N");
            opportunities.Add(opportunity);
            await store.UpsertAsync(EngagementSettings.Container, new Opportunity
            {
                Id = opportunity, PartitionKey = AgencyId, AgencyId = AgencyId, Kind = "focus-group", Title = "Load focus group " + opportunities.Count,
                Sessions = [session], Seats = PerOpportunity, ApplicationDeadline = now.AddDays(-3), Compensation = new Compensation(PayBasis.PerSession, 160m, 30, true, true),
                Currency = "USD", State = OpportunityState.Completed, RecruiterId = "load-recruiter", CreatedAt = now.AddDays(-10),
            }, ct);
            for (var i = start; i < Math.Min(payouts, start + PerOpportunity); i++)
            {
                var payee = $"load-payee-{i:D5}";
                await store.UpsertAsync(Person.Container, NewPerson(payee, "Advisor", now), ct);
                await store.UpsertAsync(EngagementSettings.Container, new CompensationClaim
                {
                    Id = CompensationClaim.IdFor(opportunity, session.Id, payee), PartitionKey = AgencyId, AgencyId = AgencyId,
                    OpportunityId = opportunity, SessionId = session.Id, PersonId = payee, Outcome = AttendanceOutcome.Attended, HoursPaid = 2.5m, Amount = 160m, Share = 1m,
                    Currency = "USD", TravelAllowed = true, PerDiemAllowed = true, Travel = new TravelClaim(12.3m, [new("Parking", 8.50m)], 2) { Lodging = 150m },
                    RecordedAt = now, RecordedBy = "load-recruiter",
                }, ct);
                await store.UpsertAsync(Payout.Container, new PayeeAccount
                {
                    Id = PayeeAccount.IdFor(payee), PartitionKey = AgencyId, AgencyId = AgencyId, PersonId = payee, Method = PayeeMethod.Stripe,
                    StripeAccountId = stripe.ReadyAccount(AgencyId, payee), StripeReady = true, BenefitsNoticeSeenAt = now, TaxDetailsOnFileAt = now,
                }, ct);
            }
        }

        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        return opportunities;
    }

    private static Person NewPerson(string id, string role, DateTimeOffset now) =>
        new() { Id = id, PartitionKey = AgencyId, AgencyId = AgencyId, DisplayName = id, Roles = [role], CreatedAt = now };
}
