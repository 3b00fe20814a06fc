using Mediator;
using SurvivorConnect.Api.Features.Agencies;
using SurvivorConnect.Api.Features.Consent;
using SurvivorConnect.Api.Features.Mentoring.Rules;
using SurvivorConnect.Api.Infrastructure.Errors;
using SurvivorConnect.Storage;

namespace SurvivorConnect.Api.Features.Mentoring;

/// <summary>A request that would put a mentor into a match (propose, accept, rematch).</summary>
public interface IStartsMatch
{
    /// <summary>The match being accepted, when there is one; it does not count against the mentor's capacity.</summary>
    string? MatchId { get; }

    /// <summary>The mentor and youth of a match not yet created.</summary>
    (string MentorId, string YouthId)? NewPair { get; }
}

/// <summary>A request that makes a match active (activate, resume): every consent it needs must be current.</summary>
public interface IRequiresMatchConsent
{
    string MatchId { get; }
}

/// <summary>
/// The one place that decides whether a mentor may enter a match: readiness gates, supervisor holds,
/// capacity, the mentor's consent, and the youth's do-not-match list and preferences.
/// </summary>
public sealed class MentorEligibilityBehaviour<TMessage, TResponse>(MentoringData data) : IPipelineBehavior<TMessage, TResponse>
    where TMessage : IMessage
{
    public async ValueTask<TResponse> Handle(TMessage message, MessageHandlerDelegate<TMessage, TResponse> next, CancellationToken cancellationToken)
    {
        if (message is IStartsMatch starts)
        {
            var (mentorId, youthId) = starts.NewPair ?? await PairOfAsync(starts.MatchId!, cancellationToken);
            var mentor = await data.MentorAsync(mentorId, cancellationToken);
            var youth = await data.YouthAsync(youthId, cancellationToken);
            var blockers = MentorEligibility.Blockers(mentor, await data.OpenMatchCountAsync(mentorId, starts.MatchId, cancellationToken), await data.ConsentsToMentoringAsync(mentorId, cancellationToken))
                .Concat(PairConstraints.Violations(youth, mentor))
                .ToList();
            if (blockers.Count > 0)
            {
                throw new ConflictException($"This mentor cannot be matched now: {string.Join("; ", blockers)}.");
            }
        }

        return await next(message, cancellationToken);
    }

    private async Task<(string MentorId, string YouthId)> PairOfAsync(string matchId, CancellationToken ct)
    {
        var (match, _, _) = await data.MatchForCallerAsync(matchId, ct);
        return (match.MentorId, match.YouthId);
    }
}

/// <summary>The one place that knows which consents a match needs, and checks they are current.</summary>
public sealed class MatchConsentGuard(MentoringData data)
{
    /// <param name="givenNow">A party whose consent the caller is giving in this very request, counted as current.</param>
    public async Task<IReadOnlyList<string>> MissingAsync(Match match, YouthReferral youth, CancellationToken ct, ConsentGrantor? givenNow = null) =>
        Missing(match, youth, await data.PolicyAsync(ct), await data.ConsentsAsync(Filter.Eq("matchId", match.Id), ct), data.Now, givenNow);

    /// <summary>The consents a match still needs, from the agency's policy and the match's consent records.</summary>
    public static IReadOnlyList<string> Missing(
        Match match, YouthReferral youth, MatchConsentPolicy policy, IEnumerable<ConsentRecord> matchConsents, DateTimeOffset now, ConsentGrantor? givenNow = null)
    {
        var consents = matchConsents
            .Where(c => c.MatchId == match.Id && c.Scope == MentoringScopes.MentoringMatch && c.IsCurrent(now))
            .ToList();
        var needed = new List<(ConsentGrantor Grantor, string Subject, string Words)>
        {
            (ConsentGrantor.Mentor, match.MentorId, "the mentor's agreement"),
            (ConsentGrantor.Youth, match.YouthId, "the youth's agreement"),
        };
        if (youth.Age < policy.AdultAge)
        {
            needed.AddRange(policy.MinorMatchNeeds.Select(g => (g, match.YouthId, $"{g.ToString().ToLowerInvariant()} consent")));
        }

        return needed
            .Where(n => n.Grantor != givenNow && !consents.Any(c => c.Grantor == n.Grantor && c.SubjectId == n.Subject))
            .Select(n => n.Words).ToList();
    }

    public async Task EnsureAsync(Match match, YouthReferral youth, CancellationToken ct)
    {
        var missing = await MissingAsync(match, youth, ct);
        if (missing.Count > 0)
        {
            throw new ConflictException($"This match needs current consent first: {string.Join(", ", missing)}.");
        }
    }
}

public sealed class MatchConsentBehaviour<TMessage, TResponse>(MentoringData data, MatchConsentGuard guard) : IPipelineBehavior<TMessage, TResponse>
    where TMessage : IMessage
{
    public async ValueTask<TResponse> Handle(TMessage message, MessageHandlerDelegate<TMessage, TResponse> next, CancellationToken cancellationToken)
    {
        if (message is IRequiresMatchConsent requires)
        {
            var (match, youth, _) = await data.MatchForCallerAsync(requires.MatchId, cancellationToken);
            await guard.EnsureAsync(match, youth, cancellationToken);
        }

        return await next(message, cancellationToken);
    }
}
