using SurvivorConnect.Api.Infrastructure.Pipeline;

namespace SurvivorConnect.Api.Features.Supervision.Rules;

/// <summary>A response scale: whole numbers from <paramref name="Min"/> to <paramref name="Max"/>, each with its words.</summary>
public sealed record ResponseScale(int Min, int Max, IReadOnlyList<string> Labels);

/// <summary>One question. An urgent item is endorsed by any answer above the scale's lowest.</summary>
public sealed record InstrumentItem(string Id, string Text, string Subscale, bool Reverse = false, bool Urgent = false);

/// <summary>A band of a subscale's mean score, from <paramref name="From"/> (inclusive); a concern band raises a flag.</summary>
public sealed record ScoreBand(string Name, decimal From, bool Concern = false);

/// <summary>A subscale: its bands in rising order, and whether a higher score is the better one (support, self-care).</summary>
public sealed record InstrumentSubscale(string Key, string Name, IReadOnlyList<ScoreBand> Bands, bool HigherIsBetter = false);

/// <summary>
/// A wellbeing instrument as data, versioned: its items, scale, subscales with bands, and the period it asks about.
/// A check-in records the key and version it answered, so a later version never rewrites what was said.
/// </summary>
public sealed record InstrumentDefinition(
    string Key, int Version, string Name, string RecallPeriod, ResponseScale Scale, IReadOnlyList<InstrumentSubscale> Subscales,
    IReadOnlyList<InstrumentItem> Items, string? Credit = null);

/// <summary>What makes an instrument usable: each refusal is a field error.</summary>
public static class InstrumentRules
{
    public const int MaxItems = 60;

    /// <summary>
    /// Subscales and bands an instrument may have: each band is a row of every outcome report, checked against every
    /// shorter run of months for small groups, so thousands of them would tie up the reports of every agency on the
    /// instance. Published instruments have a few of each.
    /// </summary>
    public const int MaxSubscales = 12;

    public const int MaxBandsPerSubscale = 8;

    public static void Validate(InstrumentDefinition? instrument, ValidationErrors errors)
    {
        ArgumentNullException.ThrowIfNull(errors);
        if (instrument is null)
        {
            errors.Add("instrument", "Required.");
            return;
        }

        if (instrument.Key is not { Length: > 0 and <= 40 } key || !key.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '-'))
        {
            errors.Add("key", "1 to 40 lower-case letters, digits or '-'.");
        }

        errors.Range("version", instrument.Version, 1, 1000);
        errors.Text("name", instrument.Name, 120).Text("recallPeriod", instrument.RecallPeriod, 120).Text("credit", instrument.Credit, 400, required: false);
        if (instrument.Scale is not { } scale || scale.Min < 0 || scale.Max <= scale.Min || scale.Max > 10 || scale.Labels is null || scale.Labels.Count != scale.Max - scale.Min + 1)
        {
            errors.Add("scale", "Whole numbers from a minimum (0 or more) to a higher maximum (10 at most), with one label for each.");
        }
        else
        {
            foreach (var label in scale.Labels)
            {
                errors.Text("scale.labels", label, 60);
            }
        }

        if ((instrument.Items ?? []).Any(i => i is null) || (instrument.Subscales ?? []).Any(s => s is null || (s.Bands ?? []).Any(b => b is null)))
        {
            errors.Add("instrument", "Each item, subscale and band is an object.");
            return;
        }

        var items = instrument.Items ?? [];
        var subscales = instrument.Subscales ?? [];
        if (items.Count is 0 or > MaxItems)
        {
            errors.Add("items", $"1 to {MaxItems} items.");
        }

        foreach (var duplicate in items.GroupBy(i => i.Id).Where(g => g.Count() > 1))
        {
            errors.Add("items", $"The item id '{duplicate.Key}' is used more than once.");
        }

        foreach (var item in items)
        {
            errors.Text("items.id", item.Id, 40).Text("items.text", item.Text, 300);
            if (subscales.All(s => s.Key != item.Subscale))
            {
                errors.Add("items", $"The item '{item.Id}' names a subscale the instrument does not have.");
            }
        }

        if (subscales.Count > MaxSubscales)
        {
            errors.Add("subscales", $"At most {MaxSubscales} subscales.");
        }

        foreach (var duplicate in subscales.GroupBy(s => s.Key).Where(g => g.Count() > 1))
        {
            errors.Add("subscales", $"The subscale '{duplicate.Key}' is defined more than once.");
        }

        foreach (var subscale in subscales)
        {
            errors.Text("subscales.key", subscale.Key, 40).Text("subscales.name", subscale.Name, 80);
            if (items.All(i => i.Subscale != subscale.Key))
            {
                errors.Add("subscales", $"The subscale '{subscale.Key}' has no items.");
            }

            var bands = subscale.Bands ?? [];
            if (bands.Count > MaxBandsPerSubscale)
            {
                errors.Add("subscales", $"The subscale '{subscale.Key}' has more than {MaxBandsPerSubscale} bands.");
            }

            if (bands.Count == 0 || bands[0].From != (instrument.Scale?.Min ?? 0) || bands.Zip(bands.Skip(1)).Any(p => p.Second.From <= p.First.From))
            {
                errors.Add("subscales", $"The bands of '{subscale.Key}' must start at the scale's lowest answer and rise.");
            }

            foreach (var band in bands)
            {
                errors.Text("subscales.bands", band.Name, 40);
            }

            // Two bands of one name would be counted as two groups of mentors in outcome reports, and subtracted.
            if (bands.GroupBy(b => b.Name, StringComparer.OrdinalIgnoreCase).Any(g => g.Count() > 1))
            {
                errors.Add("subscales", $"The bands of '{subscale.Key}' each have a name of their own.");
            }
        }

        // Concern is flagged to the supervisor and urgent answers at once: an instrument that could do neither would
        // silently switch off both for every mentor of the agency.
        if (items.Count > 0 && !HasUrgentItem(instrument))
        {
            errors.Add("items", "At least one item is urgent: an answer to it above the lowest tells the supervisor at once.");
        }

        if (subscales.Count > 0 && !ReachesConcern(instrument))
        {
            errors.Add("subscales", "At least one band a score can reach marks concern, so a score in it is flagged to the supervisor.");
        }
    }

    /// <summary>Whether the instrument can tell the supervisor anything: an urgent item, and a concern band a score can reach.</summary>
    public static bool Alerts(InstrumentDefinition instrument)
    {
        ArgumentNullException.ThrowIfNull(instrument);
        return HasUrgentItem(instrument) && ReachesConcern(instrument);
    }

    /// <summary>
    /// The largest rise in a subscale's mean that may be chosen to raise a concern: half the scale. A rise the scale
    /// can barely (or never) reach would silence the trend concern while seeming to keep it.
    /// </summary>
    public static decimal MaxConcernRise(InstrumentDefinition instrument)
    {
        ArgumentNullException.ThrowIfNull(instrument);
        return (instrument.Scale.Max - instrument.Scale.Min) / 2m;
    }

    private static bool HasUrgentItem(InstrumentDefinition instrument) => (instrument.Items ?? []).Any(i => i?.Urgent == true);

    private static bool ReachesConcern(InstrumentDefinition instrument) =>
        instrument.Scale is { } scale && (instrument.Subscales ?? []).Any(s => (s?.Bands ?? []).Any(b => b is { Concern: true } && b.From <= scale.Max));

    /// <summary>The answers' own errors: every item answered, within the scale, and nothing else.</summary>
    public static void ValidateAnswers(InstrumentDefinition instrument, IReadOnlyDictionary<string, int>? answers, ValidationErrors errors)
    {
        ArgumentNullException.ThrowIfNull(instrument);
        ArgumentNullException.ThrowIfNull(errors);
        answers ??= new Dictionary<string, int>();
        foreach (var item in instrument.Items)
        {
            if (!answers.TryGetValue(item.Id, out var answer))
            {
                errors.Add($"answers.{item.Id}", "Please answer this one.");
            }
            else if (answer < instrument.Scale.Min || answer > instrument.Scale.Max)
            {
                errors.Add($"answers.{item.Id}", $"From {instrument.Scale.Min} to {instrument.Scale.Max}.");
            }
        }

        foreach (var unknown in answers.Keys.Where(k => instrument.Items.All(i => i.Id != k)))
        {
            errors.Add("answers", $"'{unknown}' is not a question of this check-in.");
        }
    }
}
