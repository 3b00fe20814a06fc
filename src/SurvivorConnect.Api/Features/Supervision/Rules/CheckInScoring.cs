namespace SurvivorConnect.Api.Features.Supervision.Rules;

/// <summary>One subscale's mean score (items reversed where the instrument says) and its band.</summary>
public sealed record SubscaleScore(string Key, decimal Score, string Band, bool ConcernBand);

public sealed record CheckInResult(IReadOnlyList<SubscaleScore> Scores, bool Urgent, IReadOnlyList<string> Concerns);

/// <summary>
/// Scores a check-in and says what it raises: "urgent" when an urgent item is endorsed; a "concern" when a
/// subscale is in a concern band, or worsened by at least <c>rise</c> since any earlier check-in it is compared with
/// (<see cref="ComparedWith"/>: the two before it, and every one of the last month), whichever it worsened most from.
/// Pure: no storage, no clock.
/// </summary>
public static class CheckInScoring
{
    /// <summary>How far back every check-in counts for a slide, however often the mentor checks in.</summary>
    public static readonly TimeSpan TrendWindow = TimeSpan.FromDays(30);

    /// <summary>
    /// Whether any urgent question answered (of those answered, with an answer on the scale) is endorsed, as the item is
    /// scored: "I felt safe" (reversed) answered "never" is the urgent answer, not "very often". Asked of a check-in
    /// refused too, whose other answers may be missing.
    /// </summary>
    public static bool EndorsesUrgent(InstrumentDefinition instrument, IReadOnlyDictionary<string, int> answers)
    {
        ArgumentNullException.ThrowIfNull(instrument);
        ArgumentNullException.ThrowIfNull(answers);
        var scale = instrument.Scale;
        return instrument.Items.Any(i => i.Urgent && answers.TryGetValue(i.Id, out var answer) && answer >= scale.Min && answer <= scale.Max
            && (i.Reverse ? scale.Max + scale.Min - answer : answer) > scale.Min);
    }

    /// <summary>
    /// Whether an earlier check-in, with <paramref name="newer"/> check-ins between it and the one being scored, is compared
    /// with: the two before it always (a slow slide over a long cadence), and every one within <see cref="TrendWindow"/>,
    /// so checking in often cannot spread a slide thin, step by step below the rise.
    /// </summary>
    public static bool ComparedWith(int newer, DateTimeOffset submittedAt, DateTimeOffset now) => newer < 2 || now - submittedAt <= TrendWindow;

    /// <param name="earlier">The check-ins compared with, newest first (the one just before this first).</param>
    /// <param name="earlierConcerns">
    /// What each of <paramref name="earlier"/> raised, in the same order. A slide is told once: each part is compared only
    /// back to the last check-in that raised a concern about that part, so a concern about one part (self-care low at
    /// every check-in, say) does not hide a slow slide in another.
    /// </param>
    public static CheckInResult Score(InstrumentDefinition instrument, IReadOnlyDictionary<string, int> answers, IReadOnlyList<IReadOnlyList<SubscaleScore>> earlier, decimal rise,
        IReadOnlyList<IReadOnlyList<string>>? earlierConcerns = null)
    {
        ArgumentNullException.ThrowIfNull(instrument);
        ArgumentNullException.ThrowIfNull(answers);
        ArgumentNullException.ThrowIfNull(earlier);
        var scale = instrument.Scale;

        // A rise saved before it was capped is held to the cap: it could otherwise still keep the trend concern silent.
        rise = Math.Min(rise, InstrumentRules.MaxConcernRise(instrument));
        int Scored(InstrumentItem item) => item.Reverse ? scale.Max + scale.Min - answers[item.Id] : answers[item.Id];
        var scores = instrument.Subscales.Select(subscale =>
        {
            // Banded unrounded: a band from 2.333 must take a mean of 7/3, which shows as 2.33.
            var mean = instrument.Items.Where(i => i.Subscale == subscale.Key).Select(i => (decimal)Scored(i)).Average();
            var band = subscale.Bands.Last(b => b.From <= mean);
            return new SubscaleScore(subscale.Key, decimal.Round(mean, 2, MidpointRounding.AwayFromZero), band.Name, band.Concern);
        }).ToList();

        var urgent = EndorsesUrgent(instrument, answers);
        var concerns = new List<string>();
        foreach (var score in scores)
        {
            var subscale = instrument.Subscales.First(s => s.Key == score.Key);
            if (score.ConcernBand)
            {
                concerns.Add($"{subscale.Name}: {score.Band}");
            }

            // A slow slide shows against an older one, a sharp fall after a rally against the one just before.
            var lastTold = earlierConcerns?.Take(earlier.Count).ToList().FindIndex(raised => raised.Any(r => r.StartsWith(subscale.Name + ":", StringComparison.Ordinal))) ?? -1;
            var (worsened, sincePrevious) = earlier.Take(lastTold < 0 ? earlier.Count : lastTold + 1)
                .Select((before, i) => (Worsened: before.FirstOrDefault(s => s.Key == score.Key) is { } then ? (subscale.HigherIsBetter ? then.Score - score.Score : score.Score - then.Score) : 0, SincePrevious: i == 0))
                .OrderByDescending(w => w.Worsened).ThenByDescending(w => w.SincePrevious).FirstOrDefault();
            if (rise > 0 && worsened >= rise && !score.ConcernBand)
            {
                concerns.Add(sincePrevious
                    ? $"{subscale.Name}: worse by {worsened:0.##} since the check-in before"
                    : $"{subscale.Name}: worse by {worsened:0.##} over recent check-ins");
            }
        }

        return new CheckInResult(scores, urgent, concerns);
    }

    public const string FirstCheckIn = "first check-in";

    /// <summary>
    /// How a subscale moved since the check-in before: "better", "worse" or "steady"; "first check-in" when there is none
    /// to compare with (the first, or the first since the instrument changed), which is no sign of being steady.
    /// </summary>
    public static string Trend(InstrumentSubscale subscale, decimal? before, decimal now, decimal steadyWithin = 0.25m)
    {
        ArgumentNullException.ThrowIfNull(subscale);
        if (before is not { } previous)
        {
            return FirstCheckIn;
        }

        if (Math.Abs(now - previous) < steadyWithin)
        {
            return "steady";
        }

        return (now > previous) == subscale.HigherIsBetter ? "better" : "worse";
    }
}
