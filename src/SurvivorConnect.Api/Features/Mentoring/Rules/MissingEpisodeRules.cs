using SurvivorConnect.Api.Infrastructure.Errors;

namespace SurvivorConnect.Api.Features.Mentoring.Rules;

/// <summary>
/// A youth's missing-from-care episodes stay a history that adds up: none in the future, none ending before it
/// starts, no two overlapping, and at most one still open. An episode is never a failure and touches no match.
/// </summary>
public static class MissingEpisodeRules
{
    /// <summary>Far more than any youth's history holds; a record that grows past it is refused rather than left to grow.</summary>
    public const int MostPerYouth = 200;

    /// <summary>A youth is often referred because they are away: an episode may start a while before the referral, not years.</summary>
    public static readonly TimeSpan EarliestBeforeReferral = TimeSpan.FromDays(365);

    public static IReadOnlyList<MissingEpisode> Put(IReadOnlyList<MissingEpisode> episodes, MissingEpisode episode, DateTimeOffset referredAt, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(episodes);
        ArgumentNullException.ThrowIfNull(episode);
        if (episode.StartedAt > now || episode.EndedAt > now)
        {
            throw new ConflictException("An episode cannot start or end in the future.");
        }

        if (episode.StartedAt < referredAt - EarliestBeforeReferral)
        {
            throw new ConflictException("Record episodes from a year before the referral on; earlier history belongs in the youth's case notes.");
        }

        if (episodes.All(e => e.Id != episode.Id) && episodes.Count >= MostPerYouth)
        {
            throw new ConflictException($"This youth already has {MostPerYouth} episodes recorded.");
        }

        if (episode.EndedAt < episode.StartedAt)
        {
            throw new ConflictException("An episode cannot end before it starts.");
        }

        var others = episodes.Where(e => e.Id != episode.Id).ToList();
        if (episode.EndedAt is null && others.Any(e => e.EndedAt is null))
        {
            throw new ConflictException("Another episode is still open. Record when it ended first.");
        }

        if (others.Any(e => Overlaps(e, episode, now)))
        {
            throw new ConflictException("This episode overlaps another one already recorded for this youth.");
        }

        return [.. others.Append(episode).OrderBy(e => e.StartedAt)];
    }

    private static bool Overlaps(MissingEpisode a, MissingEpisode b, DateTimeOffset now) =>
        a.StartedAt < (b.EndedAt ?? now) && b.StartedAt < (a.EndedAt ?? now);
}
