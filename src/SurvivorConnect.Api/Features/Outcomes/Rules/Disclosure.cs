namespace SurvivorConnect.Api.Features.Outcomes.Rules;

/// <summary>What a measure adds up: how many people it counts, a sum over them, or the median of their values.</summary>
public enum Aggregate
{
    People,
    Sum,
    Median,
}

/// <summary>Whether someone counts in a count of people over some of its months.</summary>
public enum Placement
{
    /// <summary>Whoever has something in the months counts.</summary>
    Fixed,

    /// <summary>Whoever has something for it in the months and nothing against it there (served, and not away, in them).</summary>
    NothingAgainst,

    /// <summary>Whoever's latest record in the months is for it (a wellbeing band by the latest check-in).</summary>
    Latest,
}

/// <summary>Why a cell is not shown.</summary>
public enum Withheld
{
    None,

    /// <summary>Fewer people than the agency's threshold are behind it.</summary>
    Small,

    /// <summary>One person makes up more than half of a sum.</summary>
    Dominated,

    /// <summary>
    /// Shown, it and a report over a shorter stretch of the same months would differ by fewer people than the threshold,
    /// or it and two shorter reports that together cover its months would leave fewer in both; or it and a shown count
    /// of some of its people (one kind of work's) would differ by fewer.
    /// </summary>
    Differencing,

    /// <summary>Shown, it would let a withheld cell be worked out from the totals.</summary>
    Complementary,

    /// <summary>A rate or median whose parts are withheld.</summary>
    FromWithheld,
}

/// <summary>
/// One cell being counted: the people behind it (each with the months of the cell's stretch they count in, as bits of
/// the report's months) and its value. Who is behind a cell decides whether it may be shown, never the value alone.
/// </summary>
public sealed class Measure(Aggregate aggregate, int firstMonth, int lastMonth, Placement placement = Placement.Fixed)
{
    /// <summary>The most of a sum one person may make up before the sum says too much about them.</summary>
    public const decimal LargestShare = 0.5m;

    /// <summary>Stands for "no upper bound" where bounds are added up (far above any count or amount an agency reports).</summary>
    public const decimal Unbounded = 1_000_000_000_000m;

    private readonly Dictionary<string, ulong> _people = new(StringComparer.Ordinal);
    private readonly Dictionary<string, decimal> _shares = new(StringComparer.Ordinal);
    private readonly List<decimal> _values = [];
    private readonly List<(string Person, int First, int Last)> _things = [];
    private readonly Dictionary<string, (ulong For, ulong Against)> _placed = new(StringComparer.Ordinal);
    private readonly List<Measure> _held = [];
    private decimal _sum;
    private decimal _smallestAmount = decimal.MaxValue;
    private bool _spansMonths;

    public Aggregate Aggregate => aggregate;

    public int FirstMonth => firstMonth;

    public int LastMonth => lastMonth;

    public int People => _people.Count;

    public IEnumerable<ulong> Months => _people.Values;

    /// <summary>
    /// What a report over fewer months counts or not, each with its person and its first and last month: a person
    /// (with every month they count in) for a count of people, each thing added for a sum or a median.
    /// </summary>
    public IEnumerable<(string Person, int First, int Last)> Things => aggregate == Aggregate.People
        ? _people.Select(p => (p.Key, System.Numerics.BitOperations.TrailingZeroCount(p.Value), 63 - System.Numerics.BitOperations.LeadingZeroCount(p.Value)))
        : _things;

    /// <summary>
    /// Whether what a person adds can change with the months a report covers, not only whether they count: true of
    /// sums and medians, and of a place decided by the latest record (a wellbeing band).
    /// </summary>
    public bool ValueDependsOnMonths => aggregate != Aggregate.People || placement != Placement.Fixed;

    public Placement Placement => placement;

    /// <summary>Everyone who counts in the cell over some of its months, with the months for and against them counting.</summary>
    public IEnumerable<(ulong For, ulong Against)> Placed => _placed.Values;

    /// <summary>Whether someone with these months for and against counts over the months of <paramref name="stretch"/>.</summary>
    public bool Counts((ulong For, ulong Against) months, ulong stretch) => placement switch
    {
        Placement.NothingAgainst => (months.For & stretch) != 0 && (months.Against & stretch) == 0,
        _ => (months.For & stretch) is var inFavour && inFavour != 0 && (months.Against & stretch) is var against
            && System.Numerics.BitOperations.LeadingZeroCount(inFavour) < System.Numerics.BitOperations.LeadingZeroCount(against),
    };

    /// <summary>
    /// Whether a report over fewer months drops people who fall wholly outside them: true of counts of people, and of
    /// sums of things that run over several months (an open match), which a shorter report counts whole if it touches them.
    /// </summary>
    public bool CountsWhole => aggregate == Aggregate.People || _spansMonths;

    /// <summary>
    /// Whether one person makes up more than <see cref="LargestShare"/> of a sum, or of the values of a median (whose
    /// middle then mostly lies among their own: one youth's fifteen short episodes beside ten others' one each).
    /// </summary>
    public bool Dominated => aggregate switch
    {
        Aggregate.Sum => _sum > 0 && _shares.Values.Max() > _sum * LargestShare,
        Aggregate.Median => _things.Count > 0 && _things.CountBy(t => t.Person).Max(c => c.Value) > _things.Count * LargestShare,
        _ => false,
    };

    /// <summary>What a reader knows of the value when it is withheld for having few people: under the threshold only when it counts people.</summary>
    public decimal MostWhenSmall(int threshold) => aggregate == Aggregate.People ? threshold - 1 : Unbounded;

    /// <summary>What a reader knows of the value when it is withheld with enough people: at least the threshold when each person adds one or more.</summary>
    public decimal LeastWhenWithheld(int threshold) => aggregate == Aggregate.People || aggregate == Aggregate.Sum && _smallestAmount >= 1 ? threshold : 0;

    public decimal? Value => aggregate switch
    {
        Aggregate.People => _people.Count,
        Aggregate.Sum => _sum,
        _ => Median(_values),
    };

    /// <summary>
    /// For a count whose people depend on its months: records <paramref name="month"/> of <paramref name="person"/> as
    /// for or against them counting (for <see cref="Placement.Latest"/>, the month's latest record), and counts them
    /// when they count over the cell's whole stretch.
    /// </summary>
    public void Place(string person, int month, bool inFavour)
    {
        if (placement == Placement.Fixed || month < firstMonth || month > lastMonth)
        {
            return;
        }

        var bit = 1UL << month;
        var (inFavourOf, against) = _placed.GetValueOrDefault(person);
        _placed[person] = inFavour
            ? (inFavourOf | bit, placement == Placement.Latest ? against & ~bit : against)
            : (placement == Placement.Latest ? inFavourOf & ~bit : inFavourOf, against | bit);
        if (Counts(_placed[person], Stretch(firstMonth, lastMonth)))
        {
            _people[person] = _placed[person].For | _placed[person].Against;
        }
        else
        {
            _people.Remove(person);
        }
    }

    /// <summary>Counts of people whose people a reader knows this count counts too (see <see cref="Hold"/>).</summary>
    public IReadOnlyList<Measure> Held => _held;

    /// <summary>
    /// Says that everyone <paramref name="part"/> counts is counted here too, as a reader knows from what the two are (each
    /// month's youth served, under the whole stretch's; one kind of work's survivors, under every kind's): this count is then
    /// known to be at least that one.
    /// </summary>
    public void Hold(Measure part)
    {
        ArgumentNullException.ThrowIfNull(part);
        if (aggregate != Aggregate.People || part.Aggregate != Aggregate.People)
        {
            throw new InvalidOperationException("Only a count of people holds another.");
        }

        if (!ReferenceEquals(part, this) && !_held.Contains(part))
        {
            _held.Add(part);
        }
    }

    /// <summary>The months from <paramref name="first"/> to <paramref name="last"/> as bits.</summary>
    public static ulong Stretch(int first, int last) => (last - first == 63 ? ulong.MaxValue : (1UL << (last - first + 1)) - 1) << first;

    /// <summary>Counts <paramref name="person"/> in <paramref name="month"/> with <paramref name="amount"/>; a month outside the cell's stretch is ignored.</summary>
    public void Add(string person, int month, decimal amount = 1) => Add(person, [month], amount);

    /// <summary>Counts one thing of <paramref name="person"/> that runs over <paramref name="months"/> (an open match, say) once, with <paramref name="amount"/>.</summary>
    public void Add(string person, IEnumerable<int> months, decimal amount = 1)
    {
        // Someone who adds nothing to a sum (no travel claimed, say) is not behind it.
        var mask = months.Where(m => m >= firstMonth && m <= lastMonth).Aggregate(0UL, (bits, m) => bits | 1UL << m);
        if (mask == 0 || aggregate == Aggregate.Sum && amount == 0)
        {
            return;
        }

        _people[person] = _people.GetValueOrDefault(person) | mask;
        _spansMonths |= System.Numerics.BitOperations.PopCount(mask) > 1;
        _shares[person] = _shares.GetValueOrDefault(person) + amount;
        _sum += amount;
        _values.Add(amount);
        _things.Add((person, System.Numerics.BitOperations.TrailingZeroCount(mask), 63 - System.Numerics.BitOperations.LeadingZeroCount(mask)));
        _smallestAmount = Math.Min(_smallestAmount, amount);
    }

    private static decimal? Median(List<decimal> values)
    {
        if (values.Count == 0)
        {
            return null;
        }

        var sorted = values.Order().ToList();
        var middle = sorted.Count / 2;
        return sorted.Count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
    }
}

/// <summary>A cell of a draft table: a measure, or a rate of two other cells of the table, or nothing.</summary>
public abstract record DraftCell
{
    public sealed record Of(Measure Measure) : DraftCell;

    /// <summary>Numerator over denominator (times <paramref name="Scale"/>), shown only when both are.</summary>
    public sealed record Rate((int Row, int Column) Numerator, (int Row, int Column) Denominator, decimal Scale) : DraftCell;

    public sealed record None : DraftCell;
}

/// <summary>Cells of a table that add up: the parts, then their total. What a reader could solve for, so suppression must see it.</summary>
public sealed record Line(IReadOnlyList<(int Row, int Column)> Parts, (int Row, int Column) Total);

/// <summary>A line as the measures it names, wherever in the report they are shown.</summary>
public sealed record Sum(IReadOnlyList<Measure> Parts, Measure Total)
{
    public IEnumerable<Measure> Cells => Parts.Append(Total);
}

public sealed record DraftTable(string Key, string Title, IReadOnlyList<string> Columns, IReadOnlyList<string> Rows, DraftCell[,] Cells, IReadOnlyList<Line> Lines, bool Trend = false);

/// <summary>A cell as it may be shown; <paramref name="CountsPeople"/> says whether "fewer than N" describes its value or the people behind it.</summary>
public sealed record ProtectedCell(decimal? Value, Withheld Withheld, bool CountsPeople = true);

public sealed record ProtectedTable(string Key, string Title, IReadOnlyList<string> Columns, IReadOnlyList<string> Rows, ProtectedCell?[,] Cells, bool Trend);

/// <summary>
/// Statistical disclosure control for outcome reports, in three steps over a whole report at once (a number that
/// appears in two tables is one number, withheld in both or shown in both):
/// 1. a cell with fewer people behind it than the threshold is withheld ("fewer than 11");
/// 2. a cell is withheld when a report over any shorter run of the same months would differ from it by fewer people
///    than the threshold, so two overlapping reports cannot be subtracted to single a few people out, or when two
///    shorter runs covering its months added up less it would leave a few people in both, or when a shown count of
///    some of its people (one kind of work's survivors, of every kind's) would;
/// 3. more cells are withheld until no withheld cell can be worked out from the lines that add up, neither exactly
///    (solving the lines as equations) nor by bounds (a small cell is known to be under the threshold, others over).
/// </summary>
public static class Disclosure
{
    public static ProtectedTable Protect(DraftTable table, int threshold) => Protect([table], threshold)[0];

    public static IReadOnlyList<ProtectedTable> Protect(IReadOnlyList<DraftTable> tables, int threshold) => Protect(tables, threshold, threshold);

    /// <summary>
    /// As <see cref="Protect(IReadOnlyList{DraftTable}, int)"/>, with a shorter report taken to be shown once it counts
    /// <paramref name="shownFrom"/> people: the lowest threshold the agency may set, so a threshold raised since an
    /// earlier report was read does not make that report count as unseen (12 shown at 11 is known at 15 too).
    /// </summary>
    /// <param name="ct">Checked between cells and between steps: a reader who has gone stops the work for their report.</param>
    public static IReadOnlyList<ProtectedTable> Protect(IReadOnlyList<DraftTable> tables, int threshold, int shownFrom, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(tables);
        var withheld = new Dictionary<Measure, Withheld>(ReferenceEqualityComparer.Instance);
        foreach (var table in tables)
        {
            foreach (var cell in table.Cells)
            {
                ct.ThrowIfCancellationRequested();
                if (cell is DraftCell.Of of && !withheld.ContainsKey(of.Measure))
                {
                    withheld[of.Measure] = Primary(of.Measure, threshold, shownFrom);
                }
            }
        }

        WithholdWholesFewMoreThanAPart(withheld, threshold);
        var lines = tables.SelectMany(t => t.Lines.Select(l => new Sum([.. l.Parts.Select(p => MeasureAt(t, p))], MeasureAt(t, l.Total)))).ToList();
        Complement(lines, withheld, threshold, ct);
        return [.. tables.Select(t => Protected(t, withheld))];
    }

    /// <summary>
    /// Step 2 across cells: a shown count and a shown count of some of its people (survivors engaged in every kind of
    /// work, and in one) differ by whoever is in the one and not the other. Where that is a few, the whole is withheld,
    /// as it is for a shorter run of its months. So it is where its shown parts together count a few more than the whole:
    /// at least that few are counted in more than one part (survivors in two kinds of work, 14 + 13 - 25), and exactly
    /// that few when the withheld parts are known to be empty (kinds of work with no opportunities).
    /// </summary>
    private static void WithholdWholesFewMoreThanAPart(Dictionary<Measure, Withheld> withheld, int threshold)
    {
        bool Shown(Measure part) => withheld.TryGetValue(part, out var shown) && shown == Withheld.None;
        foreach (var whole in withheld.Where(w => w.Value == Withheld.None && w.Key.Held.Count > 0).Select(w => w.Key).ToList())
        {
            if (whole.Held.Any(part => Shown(part) && whole.People - part.People is > 0 and var few && few < threshold)
                || whole.Held.Where(Shown).Sum(part => part.People) - whole.People is > 0 and var inMore && inMore < threshold)
            {
                withheld[whole] = Withheld.Differencing;
            }
        }
    }

    /// <summary>Steps 1 and 2 for one cell.</summary>
    public static Withheld Primary(Measure measure, int threshold) => Primary(measure, threshold, threshold);

    /// <summary>Steps 1 and 2 for one cell, with shorter reports taken to be shown from <paramref name="shownFrom"/> people.</summary>
    public static Withheld Primary(Measure measure, int threshold, int shownFrom)
    {
        ArgumentNullException.ThrowIfNull(measure);
        var people = measure.People;
        if (people < threshold || measure.Value is null)
        {
            return Withheld.Small;
        }

        if (measure.Dominated)
        {
            return Withheld.Dominated;
        }

        var months = measure.Months.ToArray();
        for (var first = measure.FirstMonth; first <= measure.LastMonth; first++)
        {
            for (var last = first; last <= measure.LastMonth; last++)
            {
                if (first == measure.FirstMonth && last == measure.LastMonth)
                {
                    continue;
                }

                // A count (or a sum of things running over months) changes by the people wholly outside the shorter run;
                // a sum, a median or a latest band by anyone with a month outside it.
                var stretch = Measure.Stretch(first, last);
                var shorter = months.Count(m => (m & stretch) != 0);
                var whollyOutside = measure.CountsWhole ? people - shorter : 0;
                var partlyOutside = measure.ValueDependsOnMonths ? months.Count(m => (m & ~stretch) != 0) : 0;
                if (shorter >= shownFrom && (whollyOutside is > 0 && whollyOutside < threshold || partlyOutside > 0 && partlyOutside < threshold))
                {
                    return Withheld.Differencing;
                }
            }
        }

        var left = measure.Placement == Placement.Fixed ? FewLeftByShorter(measure, threshold, shownFrom) : FewLeftWherePlacesChange(measure, threshold, shownFrom);
        return measure.Aggregate != Aggregate.Median && left ? Withheld.Differencing : Withheld.None;
    }

    /// <summary>
    /// <see cref="FewLeftByShorter"/> for a count whose people depend on its months: a shorter report may count
    /// someone the cell does not (a mentor whose latest band in January differs from their latest in the year), so
    /// everyone who counts over some of its months is weighed, by whether they count over each report's months. A
    /// shorter report is taken to be shown when it counts at least <paramref name="shownFrom"/>.
    /// </summary>
    private static bool FewLeftWherePlacesChange(Measure measure, int threshold, int shownFrom)
    {
        var (first, last) = (measure.FirstMonth, measure.LastMonth);
        var whole = Measure.Stretch(first, last);
        var placed = measure.Placed.ToList();
        int Counted(ulong stretch) => placed.Count(p => measure.Counts(p, stretch));
        bool Few(Func<(ulong For, ulong Against), int> behind)
        {
            var people = placed.Count(p => behind(p) != 0);
            return people > 0 && people < threshold;
        }

        int In((ulong For, ulong Against) p, ulong stretch) => measure.Counts(p, stretch) ? 1 : 0;
        for (var from = first; from <= last; from++)
        {
            for (var to = from; to <= last; to++)
            {
                var shorter = Measure.Stretch(from, to);
                if (shorter == whole || Counted(shorter) < shownFrom)
                {
                    continue;
                }

                // Taken from the cell; and, with the shorter one starting the cell's months, added to one ending them.
                if (Few(p => In(p, whole) - In(p, shorter)))
                {
                    return true;
                }

                for (var start = first + 1; from == first && to < last && start <= to + 1; start++)
                {
                    var other = Measure.Stretch(start, last);
                    if (Counted(other) >= shownFrom && Few(p => In(p, shorter) + In(p, other) - In(p, whole)))
                    {
                        return true;
                    }
                }

                for (var after = to + 2; from == first && after <= last; after++)
                {
                    var other = Measure.Stretch(after, last);
                    if (Counted(other) >= shownFrom && Few(p => In(p, whole) - In(p, shorter) - In(p, other)))
                    {
                        return true;
                    }
                }
            }
        }

        return false;
    }

    /// <summary>
    /// Whether shorter reports the cell's own checks take to be shown (their people reach <paramref name="shownFrom"/>) would, added
    /// to or taken from the cell, leave 1 to threshold − 1 people behind what remains:
    /// - two that together cover its months (January to June and June to December, or the months before and from a
    ///   practice change), added up less the cell: whoever has something in both;
    /// - the months before and after a middle stretch, taken from the cell: whoever has something wholly inside the
    ///   middle, or something running from before it to after it (for a count, the difference of those two groups).
    /// </summary>
    private static bool FewLeftByShorter(Measure measure, int threshold, int shownFrom)
    {
        var first = measure.FirstMonth;
        var span = measure.LastMonth - first + 1;
        if (span < 2)
        {
            return false;
        }

        // Counts over the end months of the shorter reports, kept as differences along the second index:
        // inBoth[k, j] for [first, first + k] and [first + j, last]; inMiddle[c, d] for the middle [first + c, first + d].
        var inBoth = new int[span, span + 1];
        var inMiddle = new int[span, span + 1];
        var startingBy = new int[span];
        var endingFrom = new int[span + 1];
        foreach (var person in measure.Things.GroupBy(t => t.Person, StringComparer.Ordinal))
        {
            // reach[k]: the latest end of something starting by k; innerEnd[c]: the earliest end of something starting from c.
            var reach = Enumerable.Repeat(-1, span).ToArray();
            var innerEnd = Enumerable.Repeat(span, span + 1).ToArray();
            foreach (var (_, from, to) in person)
            {
                reach[from - first] = Math.Max(reach[from - first], to - first);
                innerEnd[from - first] = Math.Min(innerEnd[from - first], to - first);
            }

            for (var k = 1; k < span; k++)
            {
                reach[k] = Math.Max(reach[k], reach[k - 1]);
            }

            for (var c = span - 1; c >= 0; c--)
            {
                innerEnd[c] = Math.Min(innerEnd[c], innerEnd[c + 1]);
            }

            for (var k = 0; k < span - 1; k++)
            {
                Mark(inBoth, k, 1, Math.Min(reach[k], k + 1));
            }

            for (var c = 1; c < span - 1; c++)
            {
                var (runsThrough, inside) = ((From: c, To: Math.Min(reach[c - 1] - 1, span - 2)), (From: Math.Max(c, innerEnd[c]), To: span - 2));
                if (runsThrough.To >= runsThrough.From && inside.From <= inside.To && inside.From <= runsThrough.To + 1)
                {
                    Mark(inMiddle, c, c, span - 2);
                }
                else
                {
                    Mark(inMiddle, c, runsThrough.From, runsThrough.To);
                    Mark(inMiddle, c, inside.From, inside.To);
                }
            }

            startingBy[person.Min(t => t.First) - first]++;
            endingFrom[person.Max(t => t.Last) - first]++;
        }

        for (var m = 1; m < span; m++)
        {
            startingBy[m] += startingBy[m - 1];
        }

        for (var m = span - 1; m >= 0; m--)
        {
            endingFrom[m] += endingFrom[m + 1];
        }

        bool Few(int people) => people > 0 && people < threshold;
        for (var k = 0; k < span - 1; k++)
        {
            var both = 0;
            for (var j = 1; j <= k + 1; j++)
            {
                both += inBoth[k, j];
                if (Few(both) && startingBy[k] >= shownFrom && endingFrom[j] >= shownFrom)
                {
                    return true;
                }
            }
        }

        for (var c = 1; c < span - 1; c++)
        {
            var middle = 0;
            for (var d = c; d < span - 1; d++)
            {
                middle += inMiddle[c, d];
                if (Few(middle) && startingBy[c - 1] >= shownFrom && endingFrom[d + 1] >= shownFrom)
                {
                    return true;
                }
            }
        }

        return false;
    }

    /// <summary>Counts one more person for the second index running from <paramref name="from"/> to <paramref name="to"/> (none when empty).</summary>
    private static void Mark(int[,] counts, int row, int from, int to)
    {
        if (from <= to)
        {
            counts[row, from]++;
            counts[row, to + 1]--;
        }
    }

    /// <summary>
    /// Every withheld cell a reader could work out: exactly (its unit vector is a row of the sums' equations in
    /// reduced form), or too closely by bounds (see <see cref="Narrowed"/>).
    /// </summary>
    private static List<Measure> AllExposed(List<Sum> sums, Dictionary<Measure, Withheld> withheld, int threshold)
    {
        var unknowns = sums.SelectMany(s => s.Cells).Where(m => withheld[m] != Withheld.None).Distinct(ReferenceEqualityComparer.Instance).Cast<Measure>().ToList();
        if (unknowns.Count == 0)
        {
            return [];
        }

        var index = new Dictionary<Measure, int>(ReferenceEqualityComparer.Instance);
        for (var i = 0; i < unknowns.Count; i++)
        {
            index[unknowns[i]] = i;
        }

        var equations = sums.Select(sum =>
        {
            var coefficients = new double[unknowns.Count];
            var constant = 0m;
            foreach (var cell in sum.Cells)
            {
                var sign = ReferenceEquals(cell, sum.Total) ? -1 : 1;
                if (index.TryGetValue(cell, out var at))
                {
                    coefficients[at] += sign;
                }
                else
                {
                    constant -= sign * (cell.Value ?? 0);
                }
            }

            return (Coefficients: coefficients, Constant: constant);
        }).Where(e => e.Coefficients.Any(x => x != 0)).ToList();

        var solved = Solvable(equations.Select(e => e.Coefficients).ToList(), unknowns.Count);
        var narrowed = Narrowed(unknowns, equations, withheld, threshold);
        return [.. unknowns.Where((_, i) => solved[i] || narrowed[i])];
    }

    private static Measure MeasureAt(DraftTable table, (int Row, int Column) cell) =>
        table.Cells[cell.Row, cell.Column] is DraftCell.Of of ? of.Measure : throw new InvalidOperationException($"A line of '{table.Key}' names a cell that is not a measure.");

    /// <summary>
    /// Step 3: while a withheld cell can be worked out, withholds another shown cell of a sum through it: the smallest
    /// that protects it on its own, else the smallest that leaves fewer cells exposed, else the smallest. A cell with no
    /// shown cell left on its sums is left as it is (only withheld numbers stand around it) and the report is answered.
    /// </summary>
    private static void Complement(List<Sum> sums, Dictionary<Measure, Withheld> withheld, int threshold, CancellationToken ct)
    {
        // A cell all of whose sums are already withheld cannot be helped further; the others still can.
        var beyondHelp = new HashSet<Measure>(ReferenceEqualityComparer.Instance);
        while (AllExposed(sums, withheld, threshold) is var before && before.FirstOrDefault(m => !beyondHelp.Contains(m)) is { } exposed)
        {
            ct.ThrowIfCancellationRequested();
            var through = sums.Where(s => s.Cells.Any(c => ReferenceEquals(c, exposed))).ToList();
            // First the shown counts that bound a withheld count of its sums from below (a month's, under the whole
            // stretch's), largest first: a headline total is worth more than one month of a trend. Then the cells of its sums.
            List<Measure> candidates = [.. through.SelectMany(s => s.Cells).Where(c => withheld[c] != Withheld.None)
                .SelectMany(m => m.Held).Where(m => withheld.TryGetValue(m, out var shown) && shown == Withheld.None)
                .Distinct(ReferenceEqualityComparer.Instance).Cast<Measure>().OrderByDescending(m => m.People)];
            candidates.AddRange(Shown(through, sums, withheld, exposed).Where(m => !candidates.Contains(m, ReferenceEqualityComparer.Instance)));
            if (candidates.Count == 0)
            {
                beyondHelp.Add(exposed);
                continue;
            }

            var outcomes = candidates.Take(8).Select(candidate =>
            {
                ct.ThrowIfCancellationRequested();
                withheld[candidate] = Withheld.Complementary;
                var after = AllExposed(sums, withheld, threshold);
                withheld[candidate] = Withheld.None;
                return (Candidate: candidate, Protects: !after.Any(m => ReferenceEquals(m, exposed)), Left: after.Count);
            }).ToList();
            var chosen = outcomes.FirstOrDefault(o => o.Protects).Candidate
                ?? outcomes.Where(o => o.Left < before.Count).Select(o => o.Candidate).FirstOrDefault()
                ?? candidates[0];
            withheld[chosen] = Withheld.Complementary;
        }
    }

    /// <summary>
    /// Shown cells of these sums in the order they are tried: parts before totals; then, across months, the nearest
    /// later stretch, then the nearest earlier one, then the same stretch; then the smallest. Months are chosen by where
    /// they lie, not by their size, so two reports over overlapping months pick the same partners for a small month and
    /// one cannot fill in what the other withholds.
    /// </summary>
    private static List<Measure> Shown(IEnumerable<Sum> through, List<Sum> sums, Dictionary<Measure, Withheld> withheld, Measure exposed) =>
        [.. through.SelectMany(s => s.Cells)
            .Where(cell => withheld[cell] == Withheld.None)
            .Distinct(ReferenceEqualityComparer.Instance).Cast<Measure>()
            .OrderBy(cell => sums.Any(s => ReferenceEquals(s.Total, cell)) ? 1 : 0)
            .ThenBy(cell => cell.FirstMonth > exposed.LastMonth ? 0 : cell.LastMonth < exposed.FirstMonth ? 1 : 2)
            .ThenBy(cell => cell.FirstMonth > exposed.LastMonth ? cell.FirstMonth - exposed.LastMonth : cell.LastMonth < exposed.FirstMonth ? exposed.FirstMonth - cell.LastMonth : 0)
            .ThenBy(cell => cell.Value ?? 0)];

    /// <summary>
    /// How far apart the least and the most a reader can work out for a cell withheld for what it would say about a few
    /// people must stay: half the range "fewer than the threshold" gives (0 to 10 → at least 5 apart).
    /// </summary>
    public static decimal ProtectionRange(int threshold) => (threshold - 1) / 2m;

    /// <summary>
    /// Bounds a reader knows (a small count is 0 to threshold − 1; others at least the threshold when each person adds
    /// one or more), tightened by each sum until nothing moves. A cell withheld for what it would say about a few people
    /// (small, dominated or differencing) must keep <see cref="ProtectionRange"/>; a complementary one must not be
    /// pinned to one value.
    /// </summary>
    private static bool[] Narrowed(
        List<Measure> unknowns, List<(double[] Coefficients, decimal Constant)> equations, Dictionary<Measure, Withheld> withheld, int threshold)
    {
        var small = unknowns.Select(u => withheld[u] == Withheld.Small).ToArray();
        var low = unknowns.Select((m, i) => small[i] ? 0m : m.LeastWhenWithheld(threshold)).ToArray();
        var high = unknowns.Select((m, i) => small[i] ? m.MostWhenSmall(threshold) : Measure.Unbounded).ToArray();

        // A count of people is at least any shown count of some of the same people (a month's youth served, under the
        // whole stretch's), and at least, as a part at most, a withheld one it holds or is held in.
        var within = new List<(int Outer, int Inner)>();
        for (var i = 0; i < unknowns.Count; i++)
        {
            foreach (var part in unknowns[i].Held.Where(withheld.ContainsKey))
            {
                if (withheld[part] == Withheld.None)
                {
                    low[i] = Math.Max(low[i], part.People);
                }
                else if (unknowns.FindIndex(u => ReferenceEquals(u, part)) is var j and >= 0)
                {
                    within.Add((i, j));
                }
            }
        }

        for (var pass = 0; pass < 100; pass++)
        {
            var changed = false;
            foreach (var (outer, inner) in within)
            {
                if (low[inner] > low[outer])
                {
                    low[outer] = low[inner];
                    changed = true;
                }

                if (high[outer] < high[inner])
                {
                    high[inner] = high[outer];
                    changed = true;
                }
            }

            foreach (var (coefficients, constant) in equations)
            {
                for (var i = 0; i < unknowns.Count; i++)
                {
                    if (coefficients[i] == 0)
                    {
                        continue;
                    }

                    // a_i x_i = constant − Σ a_j x_j: the others' bounds bound x_i.
                    decimal othersLow = 0, othersHigh = 0;
                    for (var j = 0; j < unknowns.Count; j++)
                    {
                        if (j == i || coefficients[j] == 0)
                        {
                            continue;
                        }

                        var a = (decimal)coefficients[j];
                        othersLow += a > 0 ? a * low[j] : a * high[j];
                        othersHigh += a > 0 ? a * high[j] : a * low[j];
                    }

                    var ai = (decimal)coefficients[i];
                    var (from, to) = ai > 0 ? ((constant - othersHigh) / ai, (constant - othersLow) / ai) : ((constant - othersLow) / ai, (constant - othersHigh) / ai);
                    if (from > low[i])
                    {
                        low[i] = from;
                        changed = true;
                    }

                    if (to < high[i])
                    {
                        high[i] = to;
                        changed = true;
                    }
                }
            }

            if (!changed)
            {
                break;
            }
        }

        return [.. unknowns.Select((m, i) => high[i] - low[i] < (withheld[m] == Withheld.Complementary ? 1 : ProtectionRange(threshold)))];
    }

    /// <summary>Which unknowns the equations fix: those whose unit vector is a row of the reduced row echelon form.</summary>
    private static bool[] Solvable(List<double[]> rows, int unknowns)
    {
        var matrix = rows.Select(r => (double[])r.Clone()).ToList();
        var rank = 0;
        for (var column = 0; column < unknowns && rank < matrix.Count; column++)
        {
            var pivot = Enumerable.Range(rank, matrix.Count - rank).Where(r => Math.Abs(matrix[r][column]) > 1e-9).Cast<int?>().FirstOrDefault();
            if (pivot is not { } p)
            {
                continue;
            }

            (matrix[rank], matrix[p]) = (matrix[p], matrix[rank]);
            var lead = matrix[rank][column];
            for (var c = 0; c < unknowns; c++)
            {
                matrix[rank][c] /= lead;
            }

            for (var r = 0; r < matrix.Count; r++)
            {
                if (r != rank && Math.Abs(matrix[r][column]) > 1e-9)
                {
                    var factor = matrix[r][column];
                    for (var c = 0; c < unknowns; c++)
                    {
                        matrix[r][c] -= factor * matrix[rank][c];
                    }
                }
            }

            rank++;
        }

        var solvable = new bool[unknowns];
        foreach (var row in matrix.Take(rank))
        {
            var nonZero = Enumerable.Range(0, unknowns).Where(c => Math.Abs(row[c]) > 1e-9).ToList();
            if (nonZero.Count == 1)
            {
                solvable[nonZero[0]] = true;
            }
        }

        return solvable;
    }

    private static ProtectedTable Protected(DraftTable table, Dictionary<Measure, Withheld> withheld)
    {
        var cells = new ProtectedCell?[table.Rows.Count, table.Columns.Count];
        for (var r = 0; r < table.Rows.Count; r++)
        {
            for (var c = 0; c < table.Columns.Count; c++)
            {
                cells[r, c] = table.Cells[r, c] switch
                {
                    DraftCell.Of of => withheld[of.Measure] == Withheld.None
                        ? new ProtectedCell(of.Measure.Value, Withheld.None, of.Measure.Aggregate == Aggregate.People)
                        : new ProtectedCell(null, withheld[of.Measure], of.Measure.Aggregate == Aggregate.People),
                    DraftCell.Rate rate => RateOf(MeasureAt(table, rate.Numerator), MeasureAt(table, rate.Denominator), rate.Scale, withheld),
                    _ => null,
                };
            }
        }

        return new ProtectedTable(table.Key, table.Title, table.Columns, table.Rows, cells, table.Trend);
    }

    private static ProtectedCell RateOf(Measure numerator, Measure denominator, decimal scale, Dictionary<Measure, Withheld> withheld) =>
        withheld[numerator] != Withheld.None || withheld[denominator] != Withheld.None || denominator.Value is null or 0
            ? new ProtectedCell(null, Withheld.FromWithheld, CountsPeople: false)
            : new ProtectedCell(Math.Round(numerator.Value!.Value / denominator.Value.Value * scale, 2), Withheld.None, CountsPeople: false);
}
