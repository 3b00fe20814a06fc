using SurvivorConnect.Api.Features.Supervision.Rules;
using SurvivorConnect.Api.Infrastructure.Pipeline;

namespace SurvivorConnect.UnitTests.Supervision;

public sealed class CheckInScoringTests
{
    private static readonly InstrumentDefinition Default = DefaultInstrument.Version1;

    private static Dictionary<string, int> Answers(int worse, int better, int urgent = 0) =>
        Default.Items.ToDictionary(i => i.Id, i => i.Urgent ? urgent : i.Subscale is "support" or "self-care" ? better : i.Reverse ? 4 - worse : worse);

    private static SubscaleScore Of(CheckInResult result, string key) => result.Scores.Single(s => s.Key == key);

    [Fact]
    public void The_default_instrument_is_valid_and_has_an_urgent_item_and_four_subscales_besides_safety()
    {
        var errors = new ValidationErrors();
        InstrumentRules.Validate(Default, errors);

        Assert.False(errors.Any);
        Assert.InRange(Default.Items.Count, 10, 15);
        Assert.Single(Default.Items, i => i.Urgent);
        Assert.Equal(["stress", "burnout", "support", "self-care", "safety"], Default.Subscales.Select(s => s.Key));
    }

    [Fact]
    public void Subscales_are_means_with_reverse_items_turned_round_and_banded()
    {
        var result = CheckInScoring.Score(Default, Answers(worse: 3, better: 1), [], 1m);

        Assert.Equal(3m, Of(result, "burnout").Score);
        Assert.Equal(("high", true), (Of(result, "stress").Band, Of(result, "stress").ConcernBand));
        Assert.Equal(("low", true), (Of(result, "support").Band, Of(result, "support").ConcernBand));
        Assert.Equal(4, result.Concerns.Count);
        Assert.False(result.Urgent);
    }

    [Fact]
    public void A_calm_check_in_raises_nothing()
    {
        var result = CheckInScoring.Score(Default, Answers(worse: 0, better: 4), [], 1m);

        Assert.Empty(result.Concerns);
        Assert.False(result.Urgent);
        Assert.All(result.Scores, s => Assert.False(s.ConcernBand));
    }

    [Theory]
    [InlineData(0, false)]
    [InlineData(1, true)]
    [InlineData(4, true)]
    public void Any_answer_above_never_to_the_urgent_item_is_urgent(int answer, bool urgent)
    {
        Assert.Equal(urgent, CheckInScoring.Score(Default, Answers(0, 4, urgent: answer), [], 1m).Urgent);
    }

    [Fact]
    public void An_urgent_answer_is_found_among_answers_that_leave_questions_out_as_the_item_is_scored_and_only_on_the_scale()
    {
        var reversed = Default with { Items = [.. Default.Items.Select(i => i.Urgent ? i with { Reverse = true } : i)] };

        Assert.True(CheckInScoring.EndorsesUrgent(Default, new Dictionary<string, int> { ["safety-1"] = 1 }));
        Assert.False(CheckInScoring.EndorsesUrgent(Default, new Dictionary<string, int> { ["safety-1"] = 0 }));
        Assert.False(CheckInScoring.EndorsesUrgent(Default, new Dictionary<string, int>()));
        Assert.False(CheckInScoring.EndorsesUrgent(Default, new Dictionary<string, int> { ["safety-1"] = 99 }));
        Assert.True(CheckInScoring.EndorsesUrgent(reversed, new Dictionary<string, int> { ["safety-1"] = Default.Scale.Min }));
        Assert.False(CheckInScoring.EndorsesUrgent(reversed, new Dictionary<string, int> { ["safety-1"] = Default.Scale.Max }));
    }

    [Fact]
    public void Worsening_across_the_last_three_check_ins_is_a_concern_even_within_a_calm_band()
    {
        var first = CheckInScoring.Score(Default, Answers(0, 4), [], 1m).Scores;
        var second = CheckInScoring.Score(Default, Answers(0, 3), [first], 1m).Scores;
        var third = CheckInScoring.Score(Default, Answers(1, 3), [second, first], 1m);

        // Support fell from 4 to 3 (better is higher); burnout and stress rose from 0 to 1: all within calm bands.
        Assert.Contains(third.Concerns, c => c.StartsWith("Feeling supported: worse by 1", StringComparison.Ordinal));
        Assert.Contains(third.Concerns, c => c.StartsWith("Carrying others' stories: worse by 1", StringComparison.Ordinal));
    }

    [Fact]
    public void A_concern_about_one_part_at_every_check_in_does_not_hide_a_slow_slide_in_another_which_is_told_once()
    {
        // Looking after yourself is low every time; carrying others' stories climbs by 1 a check-in, under the rise of 2.
        var first = CheckInScoring.Score(Default, Answers(0, 0), [], 2m);
        var second = CheckInScoring.Score(Default, Answers(1, 0), [first.Scores], 2m, [first.Concerns]);
        var third = CheckInScoring.Score(Default, Answers(2, 0), [second.Scores, first.Scores], 2m, [second.Concerns, first.Concerns]);
        var fourth = CheckInScoring.Score(Default, Answers(2, 0), [third.Scores, second.Scores, first.Scores], 2m, [third.Concerns, second.Concerns, first.Concerns]);

        Assert.All(new[] { first, second, third, fourth }, r => Assert.Contains(r.Concerns, c => c.StartsWith("Looking after yourself:", StringComparison.Ordinal)));
        Assert.DoesNotContain(second.Concerns, c => c.StartsWith("Carrying others' stories", StringComparison.Ordinal));
        Assert.Contains(third.Concerns, c => c == "Carrying others' stories: worse by 2 over recent check-ins");
        Assert.DoesNotContain(fourth.Concerns, c => c.StartsWith("Carrying others' stories", StringComparison.Ordinal));
    }

    [Fact]
    public void A_rise_set_beyond_half_the_scale_before_it_was_capped_is_held_to_the_cap()
    {
        var first = CheckInScoring.Score(Default, Answers(0, 4), [], 10m).Scores;

        var second = CheckInScoring.Score(Default, Answers(2, 4), [first], 10m);

        Assert.Contains(second.Concerns, c => c == "Carrying others' stories: worse by 2 since the check-in before");
    }

    [Fact]
    public void A_rise_over_only_two_check_ins_says_it_is_since_the_one_before()
    {
        var first = CheckInScoring.Score(Default, Answers(0, 4), [], 1m).Scores;

        var second = CheckInScoring.Score(Default, Answers(1, 3), [first], 1m);

        Assert.Contains(second.Concerns, c => c == "Feeling supported: worse by 1 since the check-in before");
        Assert.DoesNotContain(second.Concerns, c => c.Contains("three", StringComparison.Ordinal));
    }

    [Fact]
    public void A_sharp_fall_after_a_rally_is_a_concern_though_it_is_no_worse_than_the_oldest_of_the_three()
    {
        var first = CheckInScoring.Score(Default, Answers(2, 4), [], 1m).Scores;
        var rally = CheckInScoring.Score(Default, Answers(0, 4), [first], 1m).Scores;

        var now = CheckInScoring.Score(Default, Answers(2, 4), [rally, first], 1m);

        Assert.Contains(now.Concerns, c => c == "Carrying others' stories: worse by 2 since the check-in before");
    }

    [Fact]
    public void A_mean_is_banded_before_it_is_rounded_for_showing()
    {
        var stress = Default.Subscales.Single(s => s.Key == "stress");
        var items = Default.Items.Where(i => i.Subscale == "stress").Take(3).ToList();
        var instrument = Default with
        {
            Items = [.. Default.Items.Where(i => i.Subscale != "stress"), .. items.Select(i => i with { Reverse = false })],
            Subscales = [.. Default.Subscales.Select(s => s.Key == "stress" ? s with { Bands = [new("calm", 0m), new("high", 2.333m, Concern: true)] } : s)],
        };
        var answers = Answers(0, 4);
        foreach (var item in items)
        {
            answers[item.Id] = item == items[0] ? 3 : 2;
        }

        var result = CheckInScoring.Score(instrument, answers, [], 1m);

        Assert.Equal(2.33m, Of(result, "stress").Score);
        Assert.Equal(("high", true), (Of(result, "stress").Band, Of(result, "stress").ConcernBand));
        Assert.Contains($"{stress.Name}: high", result.Concerns);
    }

    [Fact]
    public void A_slide_spread_over_check_ins_each_a_little_worse_shows_against_the_oldest_compared_with()
    {
        var old = CheckInScoring.Score(Default, Answers(0, 4), [], 1m).Scores;
        var a = CheckInScoring.Score(Default, Answers(1, 4), [], 1m).Scores;
        var b = CheckInScoring.Score(Default, Answers(1, 4), [a, old], 1m).Scores;

        var withOld = CheckInScoring.Score(Default, Answers(1, 4), [b, a, old], 1m);
        var withoutOld = CheckInScoring.Score(Default, Answers(1, 4), [b, a], 1m);

        Assert.Contains(withOld.Concerns, c => c.EndsWith("over recent check-ins", StringComparison.Ordinal));
        Assert.Empty(withoutOld.Concerns);
    }

    [Fact]
    public void The_two_check_ins_before_and_every_one_of_the_last_month_are_compared_with()
    {
        var now = new DateTimeOffset(2026, 12, 5, 12, 0, 0, TimeSpan.Zero);

        Assert.True(CheckInScoring.ComparedWith(0, now.AddDays(-90), now));
        Assert.True(CheckInScoring.ComparedWith(1, now.AddDays(-90), now));
        Assert.False(CheckInScoring.ComparedWith(2, now.AddDays(-31), now));
        Assert.True(CheckInScoring.ComparedWith(7, now.AddDays(-29), now));
    }

    [Theory]
    [InlineData(null, 2.0, "first check-in")]
    [InlineData(2.0, 2.1, "steady")]
    [InlineData(1.0, 2.0, "worse")]
    [InlineData(3.0, 2.0, "better")]
    public void Trend_reads_the_direction_that_is_worse_for_the_subscale(double? before, double now, string trend)
    {
        var stress = Default.Subscales.Single(s => s.Key == "stress");
        var support = Default.Subscales.Single(s => s.Key == "support");

        Assert.Equal(trend, CheckInScoring.Trend(stress, (decimal?)before, (decimal)now));
        Assert.Equal(trend switch { "worse" => "better", "better" => "worse", _ => trend }, CheckInScoring.Trend(support, (decimal?)before, (decimal)now));
    }

    [Fact]
    public void An_instrument_with_duplicate_items_a_subscale_without_items_or_bands_that_do_not_rise_is_refused()
    {
        var errors = new ValidationErrors();
        InstrumentRules.Validate(Default with
        {
            Items = [.. Default.Items, Default.Items[0]],
            Subscales = [.. Default.Subscales, new("empty", "Nothing", [new("low", 0m)]), new("bad", "Bad bands", [new("a", 1m), new("b", 0.5m)])],
        }, errors);

        var all = errors.ToDictionary();
        Assert.Contains(all["items"], m => m.Contains("used more than once", StringComparison.Ordinal));
        Assert.Contains(all["subscales"], m => m.Contains("'empty' has no items", StringComparison.Ordinal));
        Assert.Contains(all["subscales"], m => m.Contains("bands of 'bad'", StringComparison.Ordinal));
    }

    [Fact]
    public void Answers_must_cover_every_item_within_the_scale_and_nothing_else()
    {
        var answers = Answers(1, 1);
        answers["stress-1"] = 5;
        answers.Remove("burnout-1");
        answers["extra"] = 1;
        var errors = new ValidationErrors();

        InstrumentRules.ValidateAnswers(Default, answers, errors);

        Assert.Equal(["answers", "answers.burnout-1", "answers.stress-1"], errors.ToDictionary().Keys.Order());
    }

    [Fact]
    public void A_reversed_urgent_item_is_urgent_when_its_answer_is_the_worrying_end()
    {
        var safeItem = Default.Items.Single(i => i.Urgent) with { Reverse = true };
        var reversed = Default with { Items = [.. Default.Items.Select(i => i.Urgent ? safeItem : i)] };

        Assert.True(CheckInScoring.Score(reversed, Answers(0, 4, urgent: Default.Scale.Min), [], 1m).Urgent);
        Assert.False(CheckInScoring.Score(reversed, Answers(0, 4, urgent: Default.Scale.Max), [], 1m).Urgent);
    }

    [Fact]
    public void A_subscale_whose_bands_share_a_name_is_refused()
    {
        var errors = new ValidationErrors();
        var stress = Default.Subscales[0];

        InstrumentRules.Validate(Default with { Subscales = [stress with { Bands = [.. stress.Bands, new(stress.Bands[^1].Name.ToUpperInvariant(), stress.Bands[^1].From + 0.5m)] }, .. Default.Subscales.Skip(1)] }, errors);

        Assert.Contains(errors.ToDictionary()["subscales"], m => m.Contains("name of their own", StringComparison.Ordinal));
    }

    [Fact]
    public void An_instrument_with_a_subscale_of_thousands_of_bands_is_refused_before_it_can_slow_every_report()
    {
        var errors = new ValidationErrors();
        var stress = Default.Subscales[0];
        var many = Enumerable.Range(0, 2500).Select(i => new ScoreBand($"b{i}", stress.Bands[0].From + i * 0.001m)).ToList();

        InstrumentRules.Validate(Default with { Subscales = [stress with { Bands = many }, .. Default.Subscales.Skip(1)] }, errors);

        Assert.Contains(errors.ToDictionary()["subscales"], m => m.Contains($"more than {InstrumentRules.MaxBandsPerSubscale} bands", StringComparison.Ordinal));
    }
}
