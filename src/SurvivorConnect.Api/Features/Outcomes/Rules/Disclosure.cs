namespace SurvivorConnect.Api.Features.Outcomes.Rules;

/// <summary>What a measure adds up: how many people it counts, a sum over them, or the median of their values.</summary>
public enum Aggregate
{
    People,
    Sum,
    Median,
}

/// <summary>Why a cell is not shown.</summary>
public enum Withheld
{
    None,

    /// <summary>Fewer people than the agency's threshold are behind it.</summary>
    Small,

    /// <summary>Shown, it and a report over a shorter stretch of the same months would differ by fewer people than the threshold.</summary>
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
public sealed class Measure(Aggregate aggregate, int firstMonth, int lastMonth)
{
    /// <summary>Stands for "no upper bound" where bounds are added up (far above any count or amount an agency reports).</summary>
    public const decimal Unbounded = 1_000_000_000_000m;

    private readonly Dictionary<string, ulong> _people = new(StringComparer.Ordinal);
    private readonly List<decimal> _values = [];
    private decimal _sum;
    private decimal _smallestAmount = decimal.MaxValue;

    public Aggregate Aggregate => aggregate;

    public int FirstMonth => firstMonth;

    public int LastMonth => lastMonth;

    public int People => _people.Count;

    public IEnumerable<ulong> Months => _people.Values;

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

    /// <summary>Counts <paramref name="person"/> in <paramref name="month"/> with <paramref name="amount"/>; a month outside the cell's stretch is ignored.</summary>
    public void Add(string person, int month, decimal amount = 1)
    {
        if (month < firstMonth || month > lastMonth)
        {
            return;
        }

        _people[person] = _people.GetValueOrDefault(person) | 1UL << month;
        _sum += amount;
        _values.Add(amount);
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

/// <summary>Cells that add up: the parts, then their total. What a reader could solve for, so suppression must see it.</summary>
public sealed record Line(IReadOnlyList<(int Row, int Column)> Parts, (int Row, int Column) Total);

public sealed record DraftTable(string Key, string Title, IReadOnlyList<string> Columns, IReadOnlyList<string> Rows, DraftCell[,] Cells, IReadOnlyList<Line> Lines, bool Trend = false);

public sealed record ProtectedCell(decimal? Value, Withheld Withheld);

public sealed record ProtectedTable(string Key, string Title, IReadOnlyList<string> Columns, IReadOnlyList<string> Rows, ProtectedCell?[,] Cells, bool Trend);

/// <summary>
/// Statistical disclosure control for outcome reports, in three steps over each table:
/// 1. a cell with fewer people behind it than the threshold is withheld ("fewer than 11");
/// 2. a cell is withheld when a report over any shorter run of the same months would differ from it by fewer people
///    than the threshold, so two overlapping reports cannot be subtracted to single a few people out;
/// 3. more cells are withheld until no withheld cell can be worked out from the lines that add up, neither exactly
///    (solving the lines as equations) nor by bounds (a small cell is known to be under the threshold, others over).
/// </summary>
public static class Disclosure
{
    public static ProtectedTable Protect(DraftTable table, int threshold)
    {
        ArgumentNullException.ThrowIfNull(table);
        var rows = table.Rows.Count;
        var columns = table.Columns.Count;
        var withheld = new Withheld[rows, columns];
        for (var r = 0; r < rows; r++)
        {
            for (var c = 0; c < columns; c++)
            {
                withheld[r, c] = table.Cells[r, c] is DraftCell.Of of ? Primary(of.Measure, threshold) : Withheld.None;
            }
        }

        Complement(table, withheld, threshold);
        var cells = new ProtectedCell?[rows, columns];
        for (var r = 0; r < rows; r++)
        {
            for (var c = 0; c < columns; c++)
            {
                cells[r, c] = table.Cells[r, c] switch
                {
                    DraftCell.Of of => withheld[r, c] == Withheld.None ? new ProtectedCell(of.Measure.Value, Withheld.None) : new ProtectedCell(null, withheld[r, c]),
                    DraftCell.Rate rate => RateOf(table, withheld, rate),
                    _ => null,
                };
            }
        }

        return new ProtectedTable(table.Key, table.Title, table.Columns, table.Rows, cells, table.Trend);
    }

    /// <summary>Steps 1 and 2 for one cell.</summary>
    public static Withheld Primary(Measure measure, int threshold)
    {
        ArgumentNullException.ThrowIfNull(measure);
        var people = measure.People;
        if (people < threshold || measure.Value is null)
        {
            return Withheld.Small;
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

                var stretch = Stretch(first, last);
                var shorter = months.Count(m => (m & stretch) != 0);
                var difference = people - shorter;
                if (shorter >= threshold && difference > 0 && difference < threshold)
                {
                    return Withheld.Differencing;
                }
            }
        }

        return Withheld.None;
    }

    private static ulong Stretch(int first, int last) => (last - first == 63 ? ulong.MaxValue : (1UL << (last - first + 1)) - 1) << first;

    /// <summary>Step 3: withholds the smallest shown part of a line until every withheld cell is safe.</summary>
    private static void Complement(DraftTable table, Withheld[,] withheld, int threshold)
    {
        while (Exposed(table, withheld, threshold) is { } exposed)
        {
            var candidates = table.Lines.Where(l => Cells(l).Contains(exposed))
                .SelectMany(Cells)
                .Where(cell => withheld[cell.Row, cell.Column] == Withheld.None)
                .OrderBy(cell => table.Lines.Any(l => l.Total == cell) ? 1 : 0)
                .ThenBy(cell => ValueOf(table, cell))
                .ToList();
            if (candidates.Count == 0)
            {
                throw new InvalidOperationException($"Table '{table.Key}' has a withheld cell that no other cell can protect.");
            }

            var chosen = candidates[0];
            withheld[chosen.Row, chosen.Column] = Withheld.Complementary;
        }
    }

    /// <summary>A withheld cell a reader could work out from the lines, or null when there is none.</summary>
    public static (int Row, int Column)? Exposed(DraftTable table, Withheld[,] withheld, int threshold)
    {
        ArgumentNullException.ThrowIfNull(table);
        ArgumentNullException.ThrowIfNull(withheld);
        var unknowns = new List<(int Row, int Column)>();
        foreach (var line in table.Lines)
        {
            foreach (var cell in Cells(line))
            {
                if (withheld[cell.Row, cell.Column] != Withheld.None && !unknowns.Contains(cell))
                {
                    unknowns.Add(cell);
                }
            }
        }

        if (unknowns.Count == 0)
        {
            return null;
        }

        var equations = table.Lines.Select(line =>
        {
            var coefficients = new double[unknowns.Count];
            var constant = 0m;
            foreach (var cell in Cells(line))
            {
                var sign = cell == line.Total ? -1 : 1;
                var index = unknowns.IndexOf(cell);
                if (index >= 0)
                {
                    coefficients[index] += sign;
                }
                else
                {
                    constant -= sign * ValueOf(table, cell);
                }
            }

            return (Coefficients: coefficients, Constant: constant);
        }).Where(e => e.Coefficients.Any(x => x != 0)).ToList();

        var rank = Rank(equations.Select(e => e.Coefficients).ToList());
        for (var i = 0; i < unknowns.Count; i++)
        {
            var single = new double[unknowns.Count];
            single[i] = 1;
            if (Rank([.. equations.Select(e => e.Coefficients), single]) == rank)
            {
                return unknowns[i];
            }
        }

        return Pinned(table, unknowns, equations, withheld, threshold);
    }

    /// <summary>Bounds a reader knows (small cells 0 to threshold − 1; others at least the threshold), tightened by each line until nothing moves.</summary>
    private static (int Row, int Column)? Pinned(
        DraftTable table, List<(int Row, int Column)> unknowns, List<(double[] Coefficients, decimal Constant)> equations, Withheld[,] withheld, int threshold)
    {
        var measures = unknowns.Select(u => ((DraftCell.Of)table.Cells[u.Row, u.Column]).Measure).ToArray();
        var small = unknowns.Select(u => withheld[u.Row, u.Column] == Withheld.Small).ToArray();
        var low = measures.Select((m, i) => small[i] ? 0m : m.LeastWhenWithheld(threshold)).ToArray();
        var high = measures.Select((m, i) => small[i] ? m.MostWhenSmall(threshold) : Measure.Unbounded).ToArray();
        for (var changed = true; changed;)
        {
            changed = false;
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
        }

        for (var i = 0; i < unknowns.Count; i++)
        {
            if (high[i] - low[i] < 1)
            {
                return unknowns[i];
            }
        }

        return null;
    }

    private static int Rank(List<double[]> rows)
    {
        var matrix = rows.Select(r => (double[])r.Clone()).ToList();
        var rank = 0;
        var columns = matrix.Count == 0 ? 0 : matrix[0].Length;
        for (var column = 0; column < columns && rank < matrix.Count; column++)
        {
            var pivot = Enumerable.Range(rank, matrix.Count - rank).Where(r => Math.Abs(matrix[r][column]) > 1e-9).Cast<int?>().FirstOrDefault();
            if (pivot is not { } p)
            {
                continue;
            }

            (matrix[rank], matrix[p]) = (matrix[p], matrix[rank]);
            for (var r = 0; r < matrix.Count; r++)
            {
                if (r != rank && Math.Abs(matrix[r][column]) > 1e-9)
                {
                    var factor = matrix[r][column] / matrix[rank][column];
                    for (var c = column; c < columns; c++)
                    {
                        matrix[r][c] -= factor * matrix[rank][c];
                    }
                }
            }

            rank++;
        }

        return rank;
    }

    private static IEnumerable<(int Row, int Column)> Cells(Line line) => line.Parts.Append(line.Total);

    private static decimal ValueOf(DraftTable table, (int Row, int Column) cell) =>
        table.Cells[cell.Row, cell.Column] is DraftCell.Of of ? of.Measure.Value ?? 0 : 0;

    private static ProtectedCell RateOf(DraftTable table, Withheld[,] withheld, DraftCell.Rate rate)
    {
        if (withheld[rate.Numerator.Row, rate.Numerator.Column] != Withheld.None || withheld[rate.Denominator.Row, rate.Denominator.Column] != Withheld.None)
        {
            return new ProtectedCell(null, Withheld.FromWithheld);
        }

        var denominator = ValueOf(table, rate.Denominator);
        return denominator == 0
            ? new ProtectedCell(null, Withheld.FromWithheld)
            : new ProtectedCell(Math.Round(ValueOf(table, rate.Numerator) / denominator * rate.Scale, 2), Withheld.None);
    }
}
