using SurvivorConnect.Api.Features.Mentoring;
using SurvivorConnect.Api.Features.Mentoring.Rules;
using SurvivorConnect.Api.Infrastructure.Errors;

namespace SurvivorConnect.UnitTests.Mentoring;

public sealed class MissingEpisodeRulesTests
{
    private static readonly DateTimeOffset Now = new(2026, 6, 1, 12, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset Referred = Now.AddDays(-30);

    private static MissingEpisode Episode(string id, int startDaysAgo, int? endDaysAgo) =>
        new(id, Now.AddDays(-startDaysAgo), endDaysAgo is { } e ? Now.AddDays(-e) : null, null, endDaysAgo is null ? null : ReturnRoute.OnTheirOwn, Now, "cm");

    [Fact]
    public void Episodes_are_kept_oldest_first_and_a_correction_replaces_the_episode_it_names()
    {
        var episodes = MissingEpisodeRules.Put([Episode("b", 5, null)], Episode("a", 20, 15), Referred, Now);
        var corrected = MissingEpisodeRules.Put(episodes, Episode("b", 5, 2), Referred, Now);

        Assert.Equal(["a", "b"], episodes.Select(e => e.Id));
        Assert.Equal(Now.AddDays(-2), corrected.Single(e => e.Id == "b").EndedAt);
        Assert.Equal(2, corrected.Count);
    }

    [Fact]
    public void Two_open_episodes_overlapping_ones_and_ones_in_the_future_or_ending_before_they_start_are_refused()
    {
        IReadOnlyList<MissingEpisode> existing = [Episode("a", 20, 15), Episode("b", 5, null)];

        Assert.Throws<ConflictException>(() => MissingEpisodeRules.Put(existing, Episode("c", 3, null), Referred, Now));
        Assert.Throws<ConflictException>(() => MissingEpisodeRules.Put(existing, Episode("c", 16, 10), Referred, Now));
        Assert.Throws<ConflictException>(() => MissingEpisodeRules.Put(existing, Episode("c", 8, 4), Referred, Now));
        Assert.Throws<ConflictException>(() => MissingEpisodeRules.Put(existing, Episode("c", -1, null), Referred, Now));
        Assert.Throws<ConflictException>(() => MissingEpisodeRules.Put(existing, Episode("c", 10, 12), Referred, Now));
        Assert.Equal(3, MissingEpisodeRules.Put(existing, Episode("c", 12, 8), Referred, Now).Count);
    }

    [Fact]
    public void An_episode_long_before_the_referral_or_past_the_most_a_youth_can_have_is_refused()
    {
        var many = Enumerable.Range(0, MissingEpisodeRules.MostPerYouth).Select(i => Episode($"e{i}", 600 - (i * 2), 599 - (i * 2))).ToList();

        Assert.Throws<ConflictException>(() => MissingEpisodeRules.Put([], Episode("old", 500, 499), Referred, Now));
        Assert.Single(MissingEpisodeRules.Put([], Episode("recent", 200, 199), Referred, Now));
        Assert.Throws<ConflictException>(() => MissingEpisodeRules.Put(many, Episode("one-more", 1, 0), Now.AddDays(-700), Now));
    }
}
