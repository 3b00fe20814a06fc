using Mediator;
using SurvivorConnect.Api.Features.Agencies;
using SurvivorConnect.Api.Features.Consent;
using SurvivorConnect.Api.Features.Mentoring.Rules;
using SurvivorConnect.Api.Infrastructure.Errors;
using SurvivorConnect.Storage;

namespace SurvivorConnect.Api.Features.Mentoring;

/// <summary>
/// A request that would put a mentor into a match or take one a step towards going live: propose (and rematch),
/// the mentor's acceptance, the youth's agreement, activation.
/// </summary>
public interface IStartsMatch
{
    /// <summary>The match being moved, when there is one; it does not count against the mentor's capacity.</summary>
    string? MatchId { get; }

    /// <summary>The mentor and youth of a match not yet created.</summary>
    (string MentorId, string YouthId)? NewPair { get; }

    /// <summary>The move made on <see cref="MatchId"/>, and who may make it (the handler refuses anyone else).</summary>
    (MatchAction Action, IReadOnlyList<MatchRole> By)? Move { get; }
}

/// <summary>A request that makes a match active (activate, resume): every consent it needs must be current.</summary>
public interface IRequiresMatchConsent
{
    string MatchId { get; }

    /// <summary>The move made, and who may make it.</summary>
    (MatchAction Action, IReadOnlyList<MatchRole> By) Move { get; }
}

/// <summary>
/// The one place that decides whether a mentor may enter a match: readiness gates, supervisor holds, capacity, the
/// mentor's consent, and the youth's do-not-match list and preferences. It runs again at every step towards the match
/// going live, so a hold placed (or a do-not-match added) after the mentor accepted still stops it. It looks only once
/// the caller is known to be one who may make the move, and its reasons go only to those who may know them: the
/// youth's case manager and the agency admin see every reason; the mentor sees their own, and only that the match no
/// longer fits the youth; the youth, that it cannot start now. Anyone else is refused by the handler, learning nothing.
/// </summary>
public sealed class MentorEligibilityBehaviour<TMessage, TResponse>(MentoringData data) : IPipelineBehavior<TMessage, TResponse>
    where TMessage : IMessage
{
    public async ValueTask<TResponse> Handle(TMessage message, MessageHandlerDelegate<TMessage, TResponse> next, CancellationToken cancellationToken)
    {
        if (message is IStartsMatch starts && await CallerAsync(starts, cancellationToken) is var (mentorId, youth, caller))
        {
            var mentor = await data.MentorAsync(mentorId, cancellationToken);
            var own = MentorEligibility.Blockers(mentor, await data.OpenMatchCountAsync(mentorId, starts.MatchId, cancellationToken), await data.ConsentsToMentoringAsync(mentorId, cancellationToken));
            var pair = PairConstraints.Violations(youth, mentor);
            if (own.Count + pair.Count > 0)
            {
                throw new ConflictException(caller switch
                {
                    MatchRole.Mentor => string.Join(" ", new[]
                    {
                        own.Count > 0 ? $"You cannot take this match now: {string.Join("; ", own)}." : null,
                        pair.Count > 0 ? "It no longer fits what the youth asked for; their case manager can tell you more." : null,
                    }.OfType<string>()),
                    MatchRole.Youth => "This match cannot start right now. Your case manager will talk it through with you.",
                    _ => $"This mentor cannot be matched now: {string.Join("; ", own.Concat(pair))}.",
                });
            }
        }

        return await next(message, cancellationToken);
    }

    /// <summary>The mentor, the youth and the caller's part, when the caller may make this move; null when the handler will refuse it.</summary>
    private async Task<(string MentorId, YouthReferral Youth, MatchRole Caller)?> CallerAsync(IStartsMatch starts, CancellationToken ct)
    {
        if (starts.NewPair is var (mentorId, youthId))
        {
            // A proposal is for a youth on the caller's caseload: anyone else is refused as if the youth did not exist.
            return (mentorId, await data.YouthForStaffAsync(youthId, adminMayRead: false, ct), MatchRole.CaseManager);
        }

        var (match, youth, role) = await data.MatchForCallerAsync(starts.MatchId!, ct);
        return starts.Move is var (action, by) && by.Contains(role) && MatchLifecycle.TryNext(match.State, action) is not null
            ? (match.MentorId, youth, role)
            : null;
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
            // Only for a caller who may make the move: the missing consents (a guardian's, say) are not for anyone else.
            var (match, youth, role) = await data.MatchForCallerAsync(requires.MatchId, cancellationToken);
            if (requires.Move.By.Contains(role) && MatchLifecycle.TryNext(match.State, requires.Move.Action) is not null)
            {
                await guard.EnsureAsync(match, youth, cancellationToken);
            }
        }

        return await next(message, cancellationToken);
    }
}
