using System.Globalization;

namespace SurvivorConnect.Api.Features.Mentoring.Rules;

/// <summary>The <c>Matching:Weights</c> section: how much each kind of fit counts.</summary>
public sealed class MatchingWeights
{
    public const string SectionName = "Matching:Weights";

    public double FirstLanguage { get; set; } = 20;

    public double OtherSharedLanguage { get; set; } = 8;

    public double PerSharedInterest { get; set; } = 5;

    public int MaxSharedInterests { get; set; } = 3;

    public double StageExperience { get; set; } = 15;

    public double Proximity { get; set; } = 10;

    public double PerRelevantLivedExperience { get; set; } = 10;

    public int MaxRelevantLivedExperience { get; set; } = 2;

    public double Headroom { get; set; } = 5;
}

public sealed record ScoredMentor(string MentorId, string DisplayName, double Score, IReadOnlyList<string> Reasons);

/// <summary>
/// How well an eligible mentor fits a youth, with the reasons in words a case manager can check. Pure:
/// no I/O, no clock, so it is unit-tested and benchmarked on its own.
/// </summary>
public sealed class MatchScorer(MatchingWeights weights)
{
    public ScoredMentor Score(YouthReferral youth, MentorProfile mentor, int openMatches)
    {
        ArgumentNullException.ThrowIfNull(youth);
        ArgumentNullException.ThrowIfNull(mentor);
        var reasons = new List<string>(4);
        var score = 0.0;

        var shared = youth.Languages.Where(l => mentor.Languages.Contains(l, StringComparer.OrdinalIgnoreCase)).ToList();
        if (shared.Count > 0)
        {
            var first = string.Equals(shared[0], youth.Languages[0], StringComparison.OrdinalIgnoreCase);
            score += first ? weights.FirstLanguage : weights.OtherSharedLanguage;
            reasons.Add($"speaks {string.Join(" and ", shared)}");
        }

        var interests = youth.Interests.Where(i => mentor.Interests.Contains(i, StringComparer.OrdinalIgnoreCase)).Take(weights.MaxSharedInterests).ToList();
        if (interests.Count > 0)
        {
            score += interests.Count * weights.PerSharedInterest;
            reasons.Add($"shares interests: {string.Join(", ", interests)}");
        }

        if (mentor.ExperiencedStages.Contains(youth.Stage))
        {
            score += weights.StageExperience;
            reasons.Add($"experienced with youth in {youth.Stage.ToString().ToLowerInvariant()} stage");
        }

        if (Geo.Miles(youth.Location, mentor.Location) is { } miles && mentor.TravelRadiusMiles > 0)
        {
            score += weights.Proximity * Math.Max(0, 1 - miles / mentor.TravelRadiusMiles);
            reasons.Add(string.Create(CultureInfo.InvariantCulture, $"within {Math.Max(1, Math.Ceiling(miles)):0} miles"));
        }

        var relevant = youth.Needs.Where(n => mentor.LivedExperienceTags.Contains(n, StringComparer.OrdinalIgnoreCase)).Take(weights.MaxRelevantLivedExperience).ToList();
        if (relevant.Count > 0)
        {
            score += relevant.Count * weights.PerRelevantLivedExperience;
            reasons.Add($"lived experience relevant to: {string.Join(", ", relevant)}");
        }

        if (mentor.Capacity > 0)
        {
            score += weights.Headroom * (mentor.Capacity - openMatches) / mentor.Capacity;
        }

        return new ScoredMentor(mentor.Id, mentor.DisplayName, Math.Round(score, 1), reasons);
    }
}

/// <summary>One mentor as the recommender sees them: their profile, open matches, and mentoring consent.</summary>
/// <param name="Active">The mentor is an active person of the agency who still has the mentor role.</param>
/// <param name="SupervisorActive">The mentor's supervisor, if one is assigned, is active and still a supervisor.</param>
public sealed record MentorCandidate(MentorProfile Profile, int OpenMatches, bool ConsentsToMentoring, bool Active = true, bool SupervisorActive = true);

public sealed record Recommendations(IReadOnlyList<ScoredMentor> Mentors, int Considered, int Excluded, IReadOnlyDictionary<string, int> ExcludedBy);

/// <summary>Ranks the eligible mentors for a youth and counts, without naming anyone, why the others were excluded.</summary>
public static class Recommender
{
    /// <param name="pairHistory">What the youth's own matches say of a mentor (<see cref="PairConstraints.FromHistory"/>).</param>
    public static Recommendations Recommend(
        YouthReferral youth, IReadOnlyList<MentorCandidate> candidates, MatchScorer scorer, int top, IReadOnlyDictionary<string, string>? pairHistory = null)
    {
        ArgumentNullException.ThrowIfNull(candidates);
        ArgumentNullException.ThrowIfNull(scorer);
        var excludedBy = new Dictionary<string, int>(StringComparer.Ordinal);
        var eligible = new List<ScoredMentor>(candidates.Count);
        var excluded = 0;
        foreach (var candidate in candidates)
        {
            var blockers = MentorEligibility.Blockers(candidate.Profile, candidate.OpenMatches, candidate.ConsentsToMentoring, candidate.SupervisorActive)
                .Concat(PairConstraints.Violations(youth, candidate.Profile))
                .ToList();

            // As proposing refuses them: the profile alone does not say its person has left.
            if (!candidate.Active)
            {
                blockers.Add(MentorEligibility.NotActive);
            }

            if (pairHistory?.GetValueOrDefault(candidate.Profile.Id) is { } said)
            {
                blockers.Add(said);
            }

            if (blockers.Count > 0)
            {
                excluded++;
                foreach (var blocker in blockers)
                {
                    excludedBy[blocker] = excludedBy.GetValueOrDefault(blocker) + 1;
                }

                continue;
            }

            eligible.Add(scorer.Score(youth, candidate.Profile, candidate.OpenMatches));
        }

        var best = eligible
            .OrderByDescending(m => m.Score)
            .ThenBy(m => m.MentorId, StringComparer.Ordinal)
            .Take(top)
            .ToList();
        return new Recommendations(best, candidates.Count, excluded, excludedBy);
    }
}
