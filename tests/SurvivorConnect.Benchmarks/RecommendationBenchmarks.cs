using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using SurvivorConnect.Api.Features.Mentoring;
using SurvivorConnect.Api.Features.Mentoring.Rules;

namespace SurvivorConnect.Benchmarks;

/// <summary>
/// Ranking an agency's mentors for one youth: eligibility, hard constraints and scoring of every mentor,
/// then the top 10. The mentors are varied so that every rule does real work.
/// </summary>
[Config(typeof(Config))]
[MemoryDiagnoser]
public class RecommendationBenchmarks
{
    private static readonly string[] Languages = ["English", "Spanish", "Vietnamese", "Hmong", "Tagalog", "ASL"];
    private static readonly string[] Interests = ["art", "music", "soccer", "cooking", "gaming", "poetry", "hiking", "dance", "faith", "coding"];
    private static readonly string[] Experience = ["housing", "court", "school", "family", "health", "employment"];

    private List<MentorCandidate> _candidates = [];
    private YouthReferral _youth = null!;
    private readonly MatchScorer _scorer = new(new MatchingWeights());

    [Params(1_000, 10_000)]
    public int Mentors { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(42);
        var day = new DateOnly(2026, 1, 1);
        string[] Pick(string[] from, int count) => from.OrderBy(_ => random.Next()).Take(count).ToArray();

        _candidates = Enumerable.Range(0, Mentors).Select(i => new MentorCandidate(new MentorProfile
        {
            Id = $"mentor-{i:D5}",
            PartitionKey = "agency",
            AgencyId = "agency",
            DisplayName = $"Mentor {i}",
            Languages = Pick(Languages, 1 + random.Next(2)),
            Gender = random.Next(3) == 0 ? "male" : "female",
            Location = new GeoPoint(36.5 + random.NextDouble(), -120 + random.NextDouble()),
            TravelRadiusMiles = 10 + random.Next(50),
            Interests = Pick(Interests, 2 + random.Next(3)),
            LivedExperienceTags = Pick(Experience, 1 + random.Next(2)),
            ExperiencedStages = [(StageOfChange)random.Next(5)],
            LgbtqAffirming = random.Next(2) == 0,
            Capacity = 1 + random.Next(3),
            Screening = random.Next(20) == 0 ? null : new ReadinessGate(day, "staff"),
            Training = new ReadinessGate(day, "staff"),
            SupervisorClearance = new ReadinessGate(day, "supervisor"),
            SupervisorId = "supervisor",
            Hold = random.Next(25) == 0 ? new SupervisorHold(DateTimeOffset.UnixEpoch, "sup", null, false) : null,
        }, random.Next(3), random.Next(10) != 0)).ToList();

        _youth = new YouthReferral
        {
            Id = "youth",
            PartitionKey = "agency",
            AgencyId = "agency",
            DisplayName = "Youth",
            Age = 16,
            Languages = ["Spanish", "English"],
            Location = new GeoPoint(36.9, -119.6),
            Interests = ["music", "art", "coding"],
            Needs = ["housing", "school"],
            Preferences = new MentorPreferences("female", LgbtqAffirming: false),
            DoNotMatch = ["mentor-00007", "mentor-00070"],
            CaseManagerIds = ["cm"],
            Stage = StageOfChange.Contemplation,
            ReferredAt = DateTimeOffset.UnixEpoch,
        };
    }

    [Benchmark]
    public Recommendations Recommend() => Recommender.Recommend(_youth, _candidates, _scorer, top: 10);

    private sealed class Config : BenchmarkDotNet.Configs.ManualConfig
    {
        public Config()
        {
            ArtifactsPath = Path.Combine(AppContext.BaseDirectory, "BenchmarkDotNet.Artifacts");
            AddJob(Job.Default.WithToolchain(InProcessEmitToolchain.Instance).WithWarmupCount(3).WithIterationCount(15));
        }
    }
}
