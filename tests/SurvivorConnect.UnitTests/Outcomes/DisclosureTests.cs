using SurvivorConnect.Api.Features.Outcomes.Rules;

namespace SurvivorConnect.UnitTests.Outcomes;

public sealed class DisclosureTests
{
    private const int Threshold = 11;

    private static Measure People(int count, int month = 0, int first = 0, int last = 0, string prefix = "p")
    {
        var measure = new Measure(Aggregate.People, first, last);
        for (var i = 0; i < count; i++)
        {
            measure.Add($"{prefix}{i}", month);
        }

        return measure;
    }

    private static DraftTable Column(params Measure[] measures) =>
        new("t", "T", ["N"], [.. measures.Select((_, i) => $"r{i}")], Cells(measures), [new Line([.. Enumerable.Range(0, measures.Length - 1).Select(r => (r, 0))], (measures.Length - 1, 0))]);

    private static DraftCell[,] Cells(Measure[] measures)
    {
        var cells = new DraftCell[measures.Length, 1];
        for (var i = 0; i < measures.Length; i++)
        {
            cells[i, 0] = new DraftCell.Of(measures[i]);
        }

        return cells;
    }

    [Theory]
    [InlineData(0, Withheld.Small)]
    [InlineData(10, Withheld.Small)]
    [InlineData(11, Withheld.None)]
    public void A_cell_with_fewer_people_than_the_threshold_is_withheld(int people, Withheld expected) =>
        Assert.Equal(expected, Disclosure.Primary(People(people), Threshold));

    [Fact]
    public void A_sum_is_withheld_by_the_people_behind_it_not_by_its_size()
    {
        var hours = new Measure(Aggregate.Sum, 0, 0);
        for (var i = 0; i < 3; i++)
        {
            hours.Add($"p{i}", 0, 40);
        }

        Assert.Equal(120, hours.Value);
        Assert.Equal(Withheld.Small, Disclosure.Primary(hours, Threshold));
    }

    [Fact]
    public void A_cell_a_few_people_away_from_the_same_cell_over_fewer_months_is_withheld()
    {
        // Twenty people across January to May; three more only in June. Jan–Jun minus Jan–May would single out three.
        var measure = new Measure(Aggregate.People, 0, 5);
        for (var i = 0; i < 20; i++)
        {
            measure.Add($"p{i}", i % 5);
        }

        for (var i = 0; i < 3; i++)
        {
            measure.Add($"june{i}", 5);
        }

        Assert.Equal(Withheld.Differencing, Disclosure.Primary(measure, Threshold));
    }

    [Fact]
    public void A_threshold_raised_since_does_not_make_a_shorter_report_shown_under_the_lower_one_count_as_unseen()
    {
        // Twelve people from January to March, four more only in April. At 11, January to March showed 12; raised to 15,
        // January to March (12) is withheld now, but its 12 are known, and January to April (16) would single out four.
        var measure = new Measure(Aggregate.People, 0, 3);
        for (var i = 0; i < 12; i++)
        {
            measure.Add($"p{i}", i % 3);
        }

        for (var i = 0; i < 4; i++)
        {
            measure.Add($"april{i}", 3);
        }

        Assert.Equal(Withheld.None, Disclosure.Primary(measure, 15, shownFrom: 15));
        Assert.Equal(Withheld.Differencing, Disclosure.Primary(measure, 15, shownFrom: Threshold));
    }

    [Fact]
    public void A_cell_whose_shorter_runs_differ_by_none_or_by_many_is_shown()
    {
        var measure = new Measure(Aggregate.People, 0, 2);
        for (var i = 0; i < 30; i++)
        {
            measure.Add($"p{i}", i % 3);
            measure.Add($"p{i}", (i + 1) % 3);
            measure.Add($"p{i}", (i + 2) % 3);
        }

        Assert.Equal(Withheld.None, Disclosure.Primary(measure, Threshold));
    }

    [Fact]
    public void A_count_is_withheld_when_the_two_halves_added_up_less_it_would_leave_a_few_people_in_both()
    {
        // Twelve youth away only in January, twelve only in February, one in both: January + February − both months = 1.
        var away = new Measure(Aggregate.People, 0, 1);
        for (var i = 0; i < 12; i++)
        {
            away.Add($"jan{i}", 0);
            away.Add($"feb{i}", 1);
        }

        away.Add("both", 0);
        away.Add("both", 1);

        Assert.Equal(Withheld.Differencing, Disclosure.Primary(away, Threshold));
    }

    [Fact]
    public void A_count_is_withheld_when_two_overlapping_shorter_runs_share_a_few_people()
    {
        // January to March: Jan–Feb and Feb–Mar both hold 14 youth, the whole 25: three were in both (two of them only in
        // February), though no one-month run or two-month run differs from the whole by fewer than eleven.
        var served = new Measure(Aggregate.People, 0, 2);
        for (var i = 0; i < 11; i++)
        {
            served.Add($"jan{i}", 0);
            served.Add($"mar{i}", 2);
        }

        served.Add("feb0", 1);
        served.Add("feb1", 1);
        served.Add("all", [0, 1, 2]);

        Assert.Equal(Withheld.Differencing, Disclosure.Primary(served, Threshold));
    }

    [Fact]
    public void A_count_is_withheld_when_the_months_before_and_after_a_middle_month_would_leave_a_few_people_in_it()
    {
        // January to March: two youth only in February. January–March less January less March = those two, though every
        // two shorter runs covering the months share eleven or more.
        var served = new Measure(Aggregate.People, 0, 2);
        for (var i = 0; i < 11; i++)
        {
            served.Add($"jan{i}", 0);
            served.Add($"mar{i}", 2);
            served.Add($"janfeb{i}", [0, 1]);
            served.Add($"febmar{i}", [1, 2]);
        }

        served.Add("feb0", 1);
        served.Add("feb1", 1);

        Assert.Equal(Withheld.Differencing, Disclosure.Primary(served, Threshold));
    }

    [Fact]
    public void A_total_is_withheld_when_other_months_would_leave_a_month_with_few_people()
    {
        // Twenty payees every month but March, when three were paid: the year less January–February and April–December is March.
        var paid = new Measure(Aggregate.Sum, 0, 11);
        for (var m = 0; m < 12; m++)
        {
            for (var i = 0; i < (m == 2 ? 3 : 20); i++)
            {
                paid.Add($"p{i}", m, 100);
            }
        }

        Assert.Equal(Withheld.Differencing, Disclosure.Primary(paid, Threshold));
    }

    [Fact]
    public void A_band_is_withheld_when_one_mentor_in_it_over_a_shorter_run_is_in_another_over_the_whole()
    {
        // Twelve mentors in band X in January only, twelve in February only, eleven in Y both months, and one in X in
        // January and Y in February: X in January + X in February − X over both = that one mentor's move.
        var x = new Measure(Aggregate.People, 0, 1, Placement.Latest);
        for (var i = 0; i < 12; i++)
        {
            x.Place($"jan{i}", 0, inFavour: true);
            x.Place($"feb{i}", 1, inFavour: true);
        }

        for (var i = 0; i < 11; i++)
        {
            x.Place($"y{i}", 0, inFavour: false);
            x.Place($"y{i}", 1, inFavour: false);
        }

        x.Place("moved", 0, inFavour: true);
        x.Place("moved", 1, inFavour: false);

        Assert.Equal(24, x.Value);
        Assert.Equal(Withheld.Differencing, Disclosure.Primary(x, Threshold));
    }

    [Fact]
    public void Youth_without_an_episode_are_withheld_when_one_was_away_in_only_one_of_two_months()
    {
        // Served in January only (twelve), in February only (twelve), and one served both months and away in February.
        var without = new Measure(Aggregate.People, 0, 1, Placement.NothingAgainst);
        for (var i = 0; i < 12; i++)
        {
            without.Place($"jan{i}", 0, inFavour: true);
            without.Place($"feb{i}", 1, inFavour: true);
        }

        without.Place("away", 0, inFavour: true);
        without.Place("away", 1, inFavour: true);
        without.Place("away", 1, inFavour: false);

        Assert.Equal(24, without.Value);
        Assert.Equal(Withheld.Differencing, Disclosure.Primary(without, Threshold));
    }

    [Fact]
    public void A_cell_over_later_months_of_the_report_is_checked_over_its_own_months()
    {
        // The rows from a practice change in April: April to June, the middle-month case above three months on.
        var served = new Measure(Aggregate.People, 3, 5);
        for (var i = 0; i < 11; i++)
        {
            served.Add($"apr{i}", 3);
            served.Add($"jun{i}", 5);
            served.Add($"aprmay{i}", [3, 4]);
            served.Add($"mayjun{i}", [4, 5]);
        }

        served.Add("may0", 4);
        served.Add("may1", 4);
        served.Add("before", 1);

        Assert.Equal(Withheld.Differencing, Disclosure.Primary(served, Threshold));
    }

    [Fact]
    public void A_count_whose_shorter_runs_share_many_or_none_is_shown()
    {
        var many = new Measure(Aggregate.People, 0, 1);
        var none = new Measure(Aggregate.People, 0, 1);
        for (var i = 0; i < 15; i++)
        {
            many.Add($"p{i}", [0, 1]);
            none.Add($"jan{i}", 0);
            none.Add($"feb{i}", 1);
        }

        Assert.Equal(Withheld.None, Disclosure.Primary(many, Threshold));
        Assert.Equal(Withheld.None, Disclosure.Primary(none, Threshold));
    }

    [Fact]
    public void A_sum_is_withheld_when_a_few_people_have_something_running_into_both_halves()
    {
        // Twelve matches only in January, twelve only in February, two running through both: halves less the whole = 2.
        var active = new Measure(Aggregate.Sum, 0, 1);
        for (var i = 0; i < 12; i++)
        {
            active.Add($"jan{i}", 0);
            active.Add($"feb{i}", 1);
        }

        active.Add("jan0", [0, 1]);
        active.Add("feb0", [0, 1]);

        Assert.Equal(Withheld.Differencing, Disclosure.Primary(active, Threshold));
    }

    [Fact]
    public void A_sum_of_things_in_one_month_each_is_not_withheld_for_its_halves_as_nothing_lies_in_both()
    {
        // The same person paid in January and in February: the halves add up to the whole exactly.
        var paid = new Measure(Aggregate.Sum, 0, 1);
        for (var i = 0; i < 12; i++)
        {
            paid.Add($"p{i}", 0, 100);
            paid.Add($"p{i}", 1, 100);
        }

        Assert.Equal(Withheld.None, Disclosure.Primary(paid, Threshold));
    }

    [Fact]
    public void A_sum_over_the_same_people_is_withheld_when_a_shorter_run_would_show_what_one_of_them_added()
    {
        // Twelve payees paid in January to May; one of them paid again in June: same people, a different total.
        var paid = new Measure(Aggregate.Sum, 0, 5);
        for (var i = 0; i < 12; i++)
        {
            paid.Add($"p{i}", i % 5, 4000);
        }

        paid.Add("p0", 5, 1200);

        Assert.Equal(Withheld.Differencing, Disclosure.Primary(paid, Threshold));
    }

    [Fact]
    public void A_sum_is_also_withheld_when_a_few_of_its_people_fall_wholly_outside_a_shorter_run()
    {
        // Thirty matches from January on, two only in January: leaving January out drops those two.
        var active = new Measure(Aggregate.Sum, 0, 11);
        for (var i = 0; i < 30; i++)
        {
            active.Add($"p{i}", Enumerable.Range(0, 12));
        }

        active.Add("january-only-1", 0);
        active.Add("january-only-2", 0);

        Assert.Equal(Withheld.Differencing, Disclosure.Primary(active, Threshold));
    }

    [Fact]
    public void A_sum_one_person_makes_most_of_is_withheld_and_someone_who_adds_nothing_is_not_behind_it()
    {
        var lodging = new Measure(Aggregate.Sum, 0, 0);
        lodging.Add("big", 0, 900);
        for (var i = 0; i < 11; i++)
        {
            lodging.Add($"p{i}", 0, 10);
        }

        var travel = new Measure(Aggregate.Sum, 0, 0);
        travel.Add("one", 0, 150);
        for (var i = 0; i < 11; i++)
        {
            travel.Add($"none{i}", 0, 0);
        }

        Assert.Equal(Withheld.Dominated, Disclosure.Primary(lodging, Threshold));
        Assert.Equal(1, travel.People);
        Assert.Equal(Withheld.Small, Disclosure.Primary(travel, Threshold));
    }

    [Fact]
    public void A_median_most_of_whose_values_are_one_persons_is_withheld()
    {
        // Eleven youth with ended episodes: one with fifteen of two days, ten with one of thirty. The median, 2, is theirs.
        var lengths = new Measure(Aggregate.Median, 0, 0);
        for (var i = 0; i < 15; i++)
        {
            lengths.Add("often", 0, 2);
        }

        var spread = new Measure(Aggregate.Median, 0, 0);
        for (var i = 0; i < 10; i++)
        {
            lengths.Add($"p{i}", 0, 30);
            spread.Add($"p{i}", 0, 30);
            spread.Add($"p{i}", 0, 10);
        }

        spread.Add("often", 0, 2);
        Assert.Equal(2, lengths.Value);
        Assert.Equal(Withheld.Dominated, Disclosure.Primary(lengths, Threshold));
        Assert.Equal(Withheld.None, Disclosure.Primary(spread, Threshold));
    }

    [Fact]
    public void A_report_whose_reader_has_gone_is_not_worked_out()
    {
        using var gone = new CancellationTokenSource();
        gone.Cancel();

        Assert.Throws<OperationCanceledException>(() => Disclosure.Protect([Column(People(4), People(30, prefix: "a"), People(34, prefix: "t"))], Threshold, Threshold, gone.Token));
    }

    [Fact]
    public void A_lone_small_cell_in_a_line_takes_the_smallest_other_part_with_it()
    {
        var protectedTable = Disclosure.Protect(Column(People(4), People(30, prefix: "a"), People(50, prefix: "b"), People(84, prefix: "t")), Threshold);

        Assert.Equal(Withheld.Small, protectedTable.Cells[0, 0]!.Withheld);
        Assert.Equal(Withheld.Complementary, protectedTable.Cells[1, 0]!.Withheld);
        Assert.Equal(Withheld.None, protectedTable.Cells[2, 0]!.Withheld);
        Assert.Equal(84, protectedTable.Cells[3, 0]!.Value);
    }

    [Theory]
    [InlineData(0, 11, 20)]
    [InlineData(1, 11, 30)]
    [InlineData(3, 12, 12)]
    public void A_reader_who_knows_small_cells_are_under_eleven_and_the_others_not_cannot_narrow_a_small_cell_much(int small, int b, int c)
    {
        var result = Disclosure.Protect(Column(People(small), People(b, prefix: "b"), People(c, prefix: "c"), People(small + b + c, prefix: "t")), Threshold);

        // What still fits what is shown (withheld parts of 11 or more, the total as shown or any) must span at least half
        // of "0 to 10": a reader may not narrow a small cell to a handful of values.
        var shown = Enumerable.Range(0, 4).Select(r => result.Cells[r, 0]!).ToList();
        Assert.Equal(Withheld.Small, shown[0].Withheld);
        var otherWithheld = shown.Skip(1).Take(2).Count(x => x.Withheld != Withheld.None);
        var knownParts = shown.Skip(1).Take(2).Where(x => x.Withheld == Withheld.None).Sum(x => x.Value!.Value);
        var possible = Enumerable.Range(0, Threshold).Where(a => shown[3].Value is not { } total
            || (otherWithheld == 0 ? a + knownParts == total : total - knownParts - a >= otherWithheld * Threshold)).ToList();
        Assert.True(possible.Max() - possible.Min() >= Disclosure.ProtectionRange(Threshold), $"a reader narrows it to {possible.Min()}–{possible.Max()}");
        Assert.Contains(small, possible);
    }

    [Fact]
    public void In_a_grid_with_totals_no_withheld_cell_can_be_solved_from_the_rows_and_columns()
    {
        int[,] counts =
        {
            { 40, 3, 25, 68 },
            { 30, 20, 15, 65 },
            { 12, 18, 2, 32 },
            { 82, 41, 42, 165 },
        };
        var cells = new DraftCell[4, 4];
        for (var r = 0; r < 4; r++)
        {
            for (var c = 0; c < 4; c++)
            {
                cells[r, c] = new DraftCell.Of(People(counts[r, c], prefix: $"{r}-{c}-"));
            }
        }

        var lines = Enumerable.Range(0, 4).Select(r => new Line([(r, 0), (r, 1), (r, 2)], (r, 3)))
            .Concat(Enumerable.Range(0, 4).Select(c => new Line([(0, c), (1, c), (2, c)], (3, c)))).ToList();
        var table = new DraftTable("grid", "Grid", ["a", "b", "c", "all"], ["x", "y", "z", "all"], cells, lines);

        var result = Disclosure.Protect(table, Threshold);

        Assert.Equal(Withheld.Small, result.Cells[0, 1]!.Withheld);
        Assert.Equal(Withheld.Small, result.Cells[2, 2]!.Withheld);
        Assert.Empty(Attacker.Solve(result, lines));
    }

    [Fact]
    public void Two_reports_a_month_apart_pick_the_same_partner_for_a_withheld_month_so_neither_fills_in_the_other()
    {
        // Monthly sums with their total: one person makes most of March; December is the smallest full month. (A March
        // with few people would withhold the totals themselves: the months before and after it would leave it.)
        decimal Amount(int month, int person) => month == 2 && person == 0 ? 100 : 1;
        int PeopleIn(int month) => month == 11 ? 17 : 20;

        Measure Month(int month)
        {
            var measure = new Measure(Aggregate.Sum, month, month);
            for (var i = 0; i < PeopleIn(month); i++)
            {
                measure.Add($"p{i}", month, Amount(month, i));
            }

            return measure;
        }

        DraftTable Months(int count)
        {
            var months = Enumerable.Range(0, count).Select(Month).ToList();
            var total = new Measure(Aggregate.Sum, 0, count - 1);
            for (var m = 0; m < count; m++)
            {
                for (var i = 0; i < PeopleIn(m); i++)
                {
                    total.Add($"p{i}", m, Amount(m, i));
                }
            }

            var cells = new DraftCell[count + 1, 1];
            for (var m = 0; m < count; m++)
            {
                cells[m, 0] = new DraftCell.Of(months[m]);
            }

            cells[count, 0] = new DraftCell.Of(total);
            return new DraftTable("months", "Months", ["N"], [.. Enumerable.Range(0, count).Select(m => $"m{m}"), "total"], cells,
                [new Line([.. Enumerable.Range(0, count).Select(m => (m, 0))], (count, 0))]);
        }

        var known = new Dictionary<string, decimal>();
        var sums = new List<(List<string> Parts, string Total)>();
        foreach (var (table, name) in new[] { (Disclosure.Protect(Months(12), Threshold), "year"), (Disclosure.Protect(Months(11), Threshold), "eleven") })
        {
            var parts = Enumerable.Range(0, table.Rows.Count - 1).Select(r => table.Rows[r]).ToList();
            for (var r = 0; r < table.Rows.Count; r++)
            {
                if (table.Cells[r, 0] is { Withheld: Withheld.None, Value: { } value })
                {
                    known[r == table.Rows.Count - 1 ? name : table.Rows[r]] = value;
                }
            }

            sums.Add((parts, name));
        }

        // The reader puts both together (a month is the same number in both) and solves what they can.
        for (var progress = true; progress;)
        {
            progress = false;
            foreach (var (parts, total) in sums)
            {
                if (parts.Append(total).Where(x => !known.ContainsKey(x)).ToList() is [var only])
                {
                    known[only] = only == total ? parts.Sum(p => known[p]) : known[total] - parts.Where(p => p != only).Sum(p => known[p]);
                    progress = true;
                }
            }
        }

        Assert.True(known.ContainsKey("year"), "the year's total is shown");
        Assert.False(known.ContainsKey("m2"), $"March worked out as {known.GetValueOrDefault("m2")}");
    }

    [Fact]
    public void A_rate_is_shown_only_when_both_of_its_numbers_are()
    {
        var cells = new DraftCell[3, 2];
        cells[0, 0] = new DraftCell.Of(People(5));
        cells[1, 0] = new DraftCell.Of(People(40, prefix: "a"));
        cells[2, 0] = new DraftCell.Of(People(45, prefix: "b"));
        cells[0, 1] = new DraftCell.Rate((0, 0), (2, 0), 100);
        cells[1, 1] = new DraftCell.Rate((1, 0), (2, 0), 100);
        cells[2, 1] = new DraftCell.None();
        var table = new DraftTable("rates", "Rates", ["N", "%"], ["yes", "no", "all"], cells, [new Line([(0, 0), (1, 0)], (2, 0))]);

        var result = Disclosure.Protect(table, Threshold);

        Assert.Equal(Withheld.FromWithheld, result.Cells[0, 1]!.Withheld);
        Assert.Equal(Withheld.FromWithheld, result.Cells[1, 1]!.Withheld);
        Assert.Null(result.Cells[2, 1]);
    }

    [Fact]
    public void A_withheld_total_is_not_pinned_by_the_counts_of_each_month_shown_beside_it()
    {
        // Twenty youth served in each of January to March, the same twenty; ten with an episode and ten without, both
        // withheld. With the total withheld too, the months' 20s would still say the total is 20, and so both parts 10.
        var served = new Measure(Aggregate.People, 0, 2);
        var with = new Measure(Aggregate.People, 0, 2);
        var without = new Measure(Aggregate.People, 0, 2);
        var months = Enumerable.Range(0, 3).Select(m => new Measure(Aggregate.People, m, m)).ToArray();
        for (var i = 0; i < 20; i++)
        {
            for (var m = 0; m < 3; m++)
            {
                served.Add($"y{i}", m);
                months[m].Add($"y{i}", m);
                (i < 10 ? with : without).Add($"y{i}", m);
            }
        }

        foreach (var month in months)
        {
            served.Hold(month);
        }

        var split = new DraftTable("missing", "Missing", ["N"], ["with", "without", "all"], Cells([with, without, served]), [new Line([(0, 0), (1, 0)], (2, 0))]);
        var trend = new DraftTable("served", "Served", ["N"], ["Jan", "Feb", "Mar"], Cells(months), []);

        var shown = Disclosure.Protect([split, trend], Threshold);

        Assert.Equal(Withheld.Small, shown[0].Cells[0, 0]!.Withheld);
        Assert.NotEqual(Withheld.None, shown[0].Cells[2, 0]!.Withheld);
        // Whatever is shown, no month may be 20 beside a withheld total of the same twenty with parts under 11.
        var largestShownMonth = Enumerable.Range(0, 3).Select(m => shown[1].Cells[m, 0]!).Where(c => c.Withheld == Withheld.None).Select(c => c.Value ?? 0).DefaultIfEmpty(0).Max();
        Assert.True(largestShownMonth <= 20 - Disclosure.ProtectionRange(Threshold), $"A month shows {largestShownMonth}.");
    }
}

/// <summary>What a reader of a table could work out: repeatedly, any line with one number missing gives it away.</summary>
internal static class Attacker
{
    public static List<(int Row, int Column)> Solve(ProtectedTable table, IReadOnlyList<Line> lines)
    {
        var known = new Dictionary<(int, int), decimal>();
        for (var r = 0; r < table.Rows.Count; r++)
        {
            for (var c = 0; c < table.Columns.Count; c++)
            {
                if (table.Cells[r, c] is { Withheld: Withheld.None, Value: { } value })
                {
                    known[(r, c)] = value;
                }
            }
        }

        var solved = new List<(int Row, int Column)>();
        for (var progress = true; progress;)
        {
            progress = false;
            foreach (var line in lines)
            {
                var all = line.Parts.Append(line.Total).ToList();
                var missing = all.Where(cell => !known.ContainsKey(cell)).ToList();
                if (missing.Count != 1)
                {
                    continue;
                }

                var cell = missing[0];
                known[cell] = cell == line.Total ? line.Parts.Sum(p => known[p]) : known[line.Total] - line.Parts.Where(p => p != cell).Sum(p => known[p]);
                solved.Add(cell);
                progress = true;
            }
        }

        return solved;
    }
}
