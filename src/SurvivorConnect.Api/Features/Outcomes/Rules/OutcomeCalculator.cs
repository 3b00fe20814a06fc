using SurvivorConnect.Api.Features.Chat;
using SurvivorConnect.Api.Features.Engagements;
using SurvivorConnect.Api.Features.Mentoring;
using SurvivorConnect.Api.Features.Mentoring.Rules;
using SurvivorConnect.Api.Features.Payouts;
using SurvivorConnect.Api.Features.Payouts.Rules;
using SurvivorConnect.Api.Features.Supervision;
using SurvivorConnect.Api.Features.Supervision.Rules;

namespace SurvivorConnect.Api.Features.Outcomes.Rules;

/// <summary>The agency-wide records a report counts beyond its youth; absent from a case manager's caseload report.</summary>
/// <param name="Currency">The agency's currency, which always has its row of payouts.</param>
/// <param name="PayeesForARow">How many people must ever have been paid in another currency before it has a row.</param>
public sealed record AgencyInputs(
    IReadOnlyList<Opportunity> Opportunities, IReadOnlyList<CompensationClaim> Claims, IReadOnlyList<WorkKind> Kinds, IReadOnlyList<Payout> Payouts,
    IReadOnlyList<CheckIn> CheckIns, InstrumentDefinition Instrument, string Currency = "USD", int PayeesForARow = 11);

/// <summary>What a report counts: the youth in scope, their matches and their chats' safety flags, and (agency-wide) the rest.</summary>
public sealed record OutcomeInputs(IReadOnlyList<YouthReferral> Youth, IReadOnlyList<Match> Matches, IReadOnlyList<SafetyFlag> Flags, AgencyInputs? Agency);

/// <summary>
/// Turns records into the report's tables, before any suppression. Every cell names who is behind it: youth (one
/// person however many referrals), mentors or survivors paid for engagement work. No free text is ever read.
/// </summary>
public static class OutcomeCalculator
{
    /// <summary>The key of every table a report can hold (a caseload report leaves out the agency's last three).</summary>
    public static readonly IReadOnlySet<string> TableKeys = new HashSet<string>(StringComparer.Ordinal)
    {
        "youth-served", "youth-served-by-month", "stage-transitions", "time-in-stage", "missing-episodes", "missing-by-month", "matches", "chat-safety",
        "engagements", "payouts", "wellbeing",
    };

    public static IReadOnlyList<DraftTable> Tables(OutcomeInputs inputs, ReportPeriod period, int? practiceChange, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        ArgumentNullException.ThrowIfNull(period);
        var youthById = inputs.Youth.ToDictionary(y => y.Id, StringComparer.Ordinal);
        var matchesOf = inputs.Matches.ToLookup(m => m.YouthId, StringComparer.Ordinal);
        var served = inputs.Youth.GroupBy(PersonOf).ToDictionary(g => g.Key, g => ServedMonths(g, matchesOf, period, now), StringComparer.Ordinal);

        // A number shown in two tables is one measure, so it is withheld in both or shown in both.
        // A row of the missing table over one month (a one-month report, or a month before or from a practice change)
        // is that month's number on the charts too.
        var missing = Missing(inputs.Youth, served, period, practiceChange);
        var whole = missing.Rows.Count - 1;
        Measure MissingAt(int row, int column) => ((DraftCell.Of)missing.Cells[row, column]).Measure;
        Measure? OneMonthOf(int column, int month) =>
            Enumerable.Range(0, missing.Rows.Count).Select(r => MissingAt(r, column)).FirstOrDefault(m => m.FirstMonth == month && m.LastMonth == month);
        var tables = new List<DraftTable>
        {
            Column("youth-served", "Youth served", "Youth", [("Youth served, each counted once", MissingAt(whole, ServedColumn))]),
            ServedByMonth(served, period, MissingAt(whole, ServedColumn), month => OneMonthOf(ServedColumn, month)),
            Transitions(inputs.Youth, period),
            TimeInStage(inputs.Youth, period),
            missing,
            AwayByMonth(inputs.Youth, period, MissingAt(whole, WithEpisode), month => OneMonthOf(WithEpisode, month)),
            Matches(inputs.Matches, youthById, period),
            ChatSafety(inputs.Flags, youthById, period),
        };
        if (inputs.Agency is { } agency)
        {
            tables.Add(Engagements(agency, period));
            tables.Add(PayoutTotals(agency, period));
            tables.Add(Wellbeing(agency, period));
        }

        return tables;
    }

    /// <summary>A youth counts once however many referrals they have: by their sign-in when they have one.</summary>
    public static string PersonOf(YouthReferral youth) => youth.PersonId is { } person ? "person:" + person : "referral:" + youth.Id;

    private static string PersonOf(string youthId, Dictionary<string, YouthReferral> youth) =>
        youth.TryGetValue(youthId, out var referral) ? PersonOf(referral) : "referral:" + youthId;

    /// <summary>
    /// A youth is served from the first to the last thing recorded for them (today, while a match or an episode is open),
    /// so every youth counted with an episode, a move or a match in some months is counted as served in them too.
    /// </summary>
    private static IReadOnlyList<int> ServedMonths(IEnumerable<YouthReferral> referrals, ILookup<string, Match> matchesOf, ReportPeriod period, DateTimeOffset now)
    {
        var months = new SortedSet<int>();
        foreach (var youth in referrals)
        {
            var own = matchesOf[youth.Id].ToList();
            var times = new[] { youth.ReferredAt }
                .Concat(youth.StageHistory.Select(e => e.At))
                .Concat(WhileServed(youth).SelectMany(e => new[] { e.From, e.Episode.EndedAt ?? now }))
                .Concat(own.Select(m => m.ProposedAt))
                .Concat(own.SelectMany(m => m.History.Select(t => t.At)))
                .Concat(own.Where(m => MatchLifecycle.IsOpen(m.State)).Select(_ => now))
                .ToList();
            months.UnionWith(period.MonthsBetween(times.Min(), times.Max()));
        }

        return [.. months];
    }

    /// <summary>
    /// The episodes while the agency had the youth, each counted from when that began: one over before the referral
    /// (history recorded up to a year back) is not an outcome of the agency's work, nor a month the agency served the
    /// youth; one still going on when the youth was referred (often why they were) counts from the referral.
    /// </summary>
    private static IEnumerable<(MissingEpisode Episode, DateTimeOffset From)> WhileServed(YouthReferral youth) =>
        youth.MissingEpisodes.Where(e => e.EndedAt is not { } ended || ended > youth.ReferredAt)
            .Select(e => (e, e.StartedAt > youth.ReferredAt ? e.StartedAt : youth.ReferredAt));

    /// <param name="counted">A month's measure already counted for another table, if there is one.</param>
    private static DraftTable ServedByMonth(Dictionary<string, IReadOnlyList<int>> served, ReportPeriod period, Measure wholePeriod, Func<int, Measure?> counted)
    {
        var (months, fresh) = MonthMeasures(period, counted);
        foreach (var month in months)
        {
            wholePeriod.Hold(month);
        }

        foreach (var (person, list) in served)
        {
            foreach (var month in list.Where(m => fresh[m]))
            {
                months[month].Add(person, month);
            }
        }

        return Column("youth-served-by-month", "Youth served each month", "Youth", [.. months.Select((m, i) => (period.Label(i), m))]) with { Trend = true };
    }

    private static DraftTable Transitions(IReadOnlyList<YouthReferral> youth, ReportPeriod period)
    {
        var stages = Enum.GetValues<StageOfChange>();
        var size = stages.Length + 1;
        var cells = Grid(size, size, () => new Measure(Aggregate.Sum, 0, period.Months - 1));
        foreach (var y in youth)
        {
            foreach (var e in y.StageHistory.Where(e => e.From is not null))
            {
                if (period.MonthOf(e.At) is { } month)
                {
                    var (from, to) = ((int)e.From!.Value, (int)e.Stage);
                    foreach (var (r, c) in new[] { (from, to), (from, stages.Length), (stages.Length, to), (stages.Length, stages.Length) })
                    {
                        cells[r, c].Add(PersonOf(y), month);
                    }
                }
            }
        }

        var names = stages.Select(s => s.ToString()).Append("All stages").ToList();
        return new DraftTable("stage-transitions", "Moves between stages of change (from the row's stage to the column's)", names, names, Wrap(cells), GridLines(size, size));
    }

    private static DraftTable TimeInStage(IReadOnlyList<YouthReferral> youth, ReportPeriod period)
    {
        var stages = Enum.GetValues<StageOfChange>();
        var people = stages.Select(_ => new Measure(Aggregate.People, 0, period.Months - 1)).ToArray();
        var days = stages.Select(_ => new Measure(Aggregate.Median, 0, period.Months - 1)).ToArray();
        foreach (var y in youth)
        {
            var history = y.StageHistory.OrderBy(e => e.At).ToList();
            for (var i = 0; i + 1 < history.Count; i++)
            {
                if (period.MonthOf(history[i + 1].At) is { } month)
                {
                    var stage = (int)history[i].Stage;
                    people[stage].Add(PersonOf(y), month);
                    days[stage].Add(PersonOf(y), month, Days(history[i].At, history[i + 1].At));
                }
            }
        }

        var cells = new DraftCell[stages.Length, 2];
        for (var s = 0; s < stages.Length; s++)
        {
            cells[s, 0] = new DraftCell.Of(people[s]);
            cells[s, 1] = new DraftCell.Of(days[s]);
        }

        return new DraftTable("time-in-stage", "Time spent in each stage, for stays that ended in the period",
            ["Youth", "Median days"], [.. stages.Select(s => s.ToString())], cells, []);
    }

    // Opportunities, sessions and hours add up over the kinds of work; survivors do not (one may do several kinds).
    private static readonly int[] AdditiveEngagementColumns = [0, 1, 3];

    private const int ServedColumn = 0, WithEpisode = 1, WithoutEpisode = 2, Episodes = 3, Ended = 4, StillAway = 5, PerYouth = 6, MedianDays = 7,
        InContact = 8, NotInContact = 9, ContactRate = 10;

    // Counts that add up across the before and after rows (episodes are placed by the month they started).
    private static readonly int[] AdditiveEpisodeColumns = [Episodes, Ended, StillAway, InContact, NotInContact];

    private static DraftTable Missing(IReadOnlyList<YouthReferral> youth, Dictionary<string, IReadOnlyList<int>> served, ReportPeriod period, int? change)
    {
        var stretches = change is { } changed && changed > 0 && changed < period.Months
            ? new[] { ("Before the practice change", 0, changed - 1), ("From the practice change", changed, period.Months - 1), ("Whole period", 0, period.Months - 1) }
            : [("Whole period", 0, period.Months - 1)];
        var rows = stretches.Length;
        var cells = new DraftCell[rows, 11];
        var lines = new List<Line>();
        for (var r = 0; r < rows; r++)
        {
            var (_, first, last) = stretches[r];
            var measures = new Measure?[11];
            measures[ServedColumn] = new Measure(Aggregate.People, first, last);
            measures[WithEpisode] = new Measure(Aggregate.People, first, last);

            // Whether a youth was away depends on the months counted, not only on being served in them.
            measures[WithoutEpisode] = new Measure(Aggregate.People, first, last, Placement.NothingAgainst);

            foreach (var column in new[] { Episodes, Ended, StillAway, InContact, NotInContact })
            {
                measures[column] = new Measure(Aggregate.Sum, first, last);
            }

            measures[MedianDays] = new Measure(Aggregate.Median, first, last);
            var away = new Dictionary<string, List<int>>(StringComparer.Ordinal);
            foreach (var y in youth)
            {
                foreach (var (e, from) in WhileServed(y))
                {
                    if (period.MonthOf(from) is not { } month || month < first || month > last)
                    {
                        continue;
                    }

                    var person = PersonOf(y);
                    away.TryAdd(person, []);
                    away[person].Add(month);
                    measures[WithEpisode]!.Add(person, month);
                    measures[Episodes]!.Add(person, month);
                    measures[e.StayedInContact == true ? InContact : NotInContact]!.Add(person, month);
                    // As the period left it: an episode that ended after the period was still going on at its end.
                    if (e.EndedAt is { } ended && ended < period.End)
                    {
                        measures[Ended]!.Add(person, month);
                        measures[MedianDays]!.Add(person, month, Days(e.StartedAt, ended));
                    }
                    else
                    {
                        measures[StillAway]!.Add(person, month);
                    }
                }
            }

            foreach (var (person, months) in served)
            {
                measures[ServedColumn]!.Add(person, months);
                foreach (var month in months)
                {
                    measures[WithoutEpisode]!.Place(person, month, inFavour: true);
                }

                foreach (var month in away.GetValueOrDefault(person) ?? [])
                {
                    measures[WithoutEpisode]!.Place(person, month, inFavour: false);
                }
            }

            for (var c = 0; c < measures.Length; c++)
            {
                cells[r, c] = measures[c] is { } m ? new DraftCell.Of(m) : new DraftCell.None();
            }

            cells[r, PerYouth] = new DraftCell.Rate((r, Episodes), (r, ServedColumn), 1);
            cells[r, ContactRate] = new DraftCell.Rate((r, InContact), (r, Episodes), 100);
            lines.Add(new Line([(r, WithEpisode), (r, WithoutEpisode)], (r, ServedColumn)));
            lines.Add(new Line([(r, Ended), (r, StillAway)], (r, Episodes)));
            lines.Add(new Line([(r, InContact), (r, NotInContact)], (r, Episodes)));
        }

        if (rows == 3)
        {
            lines.AddRange(AdditiveEpisodeColumns.Select(c => new Line([(0, c), (1, c)], (2, c))));
        }

        return new DraftTable("missing-episodes", "Missing-from-care episodes (by the month they started)",
            ["Youth served", "Youth with an episode", "Youth without one", "Episodes", "Ended", "Still away", "Episodes per youth served",
             "Median length (days, ended episodes)", "Stayed in contact with a trusted adult", "Did not, or not known", "Contact rate (%)"],
            [.. stretches.Select(s => s.Item1)], cells, lines);
    }

    /// <summary>
    /// Youth away each month (by the month an episode started), and over the whole period: counts of youth, which do not
    /// add up across months (one youth may be away in several), so no month is tied to a total another report could show.
    /// </summary>
    private static DraftTable AwayByMonth(IReadOnlyList<YouthReferral> youth, ReportPeriod period, Measure wholePeriod, Func<int, Measure?> counted)
    {
        var (months, fresh) = MonthMeasures(period, counted);
        foreach (var month in months)
        {
            wholePeriod.Hold(month);
        }

        foreach (var y in youth)
        {
            foreach (var (_, from) in WhileServed(y))
            {
                if (period.MonthOf(from) is { } month && fresh[month])
                {
                    months[month].Add(PersonOf(y), month);
                }
            }
        }

        var labels = Enumerable.Range(0, period.Months).Select(period.Label).Append("Whole period").ToList();
        return Column("missing-by-month", "Youth missing from care each month", "Youth", [.. labels.Zip(months.Append(wholePeriod))]) with { Trend = true };
    }

    /// <summary>A count of people for each month of the period: the one already counted where there is one, else a new one to fill (fresh).</summary>
    private static (Measure[] Months, bool[] Fresh) MonthMeasures(ReportPeriod period, Func<int, Measure?> counted)
    {
        var months = Enumerable.Range(0, period.Months).Select(counted).ToArray();
        return ([.. months.Select((m, i) => m ?? new Measure(Aggregate.People, i, i))], [.. months.Select(m => m is null)]);
    }

    private static DraftTable Matches(IReadOnlyList<Match> matches, Dictionary<string, YouthReferral> youth, ReportPeriod period)
    {
        var all = period.Months - 1;
        Measure New(Aggregate a = Aggregate.Sum) => new(a, 0, all);
        var (proposed, firsts, rematches, active, activated, already) = (New(), New(), New(), New(), New(), New());
        var (planned, unplanned, closed, length) = (New(), New(), New(), New(Aggregate.Median));
        foreach (var m in matches)
        {
            var person = PersonOf(m.YouthId, youth);
            if (period.MonthOf(m.ProposedAt) is { } proposedIn)
            {
                proposed.Add(person, proposedIn);
                (m.PreviousMatchId is null ? firsts : rematches).Add(person, proposedIn);
            }

            var start = m.History.FirstOrDefault(t => t.To == MatchState.Active)?.At;
            if (start is { } from)
            {
                var end = m.Closure?.At ?? (m.State == MatchState.Closed ? m.History[^1].At : period.End);
                var months = period.MonthsBetween(from, end).ToList();
                if (months.Count > 0)
                {
                    active.Add(person, months);
                    (from >= period.Start ? activated : already).Add(person, months);
                }
            }

            // Only a match that ran can end, as planned or not: a proposal the youth or mentor said no to, or that was
            // withdrawn, is a choice made, never shown as a match that failed.
            if (start is not null && m.Closure is { } closure && period.MonthOf(closure.At) is { } closedIn)
            {
                (closure.Planned ? planned : unplanned).Add(person, closedIn);
                closed.Add(person, closedIn);
                length.Add(person, closedIn, Days(start.Value, closure.At));
            }
        }

        var table = Column("matches", "Mentoring matches", "Matches",
        [
            ("First matches proposed", firsts), ("Rematches proposed", rematches), ("Proposed", proposed),
            ("Became active in the period", activated), ("Active from before the period", already), ("Active at some time in the period", active),
            ("Closed as planned", planned), ("Closed not as planned", unplanned), ("Closed", closed), ("Median length of closed matches (days)", length),
        ]);
        return table with { Lines = [new Line([(0, 0), (1, 0)], (2, 0)), new Line([(3, 0), (4, 0)], (5, 0)), new Line([(6, 0), (7, 0)], (8, 0))] };
    }

    private static DraftTable ChatSafety(IReadOnlyList<SafetyFlag> flags, Dictionary<string, YouthReferral> youth, ReportPeriod period)
    {
        var all = period.Months - 1;
        Measure New(Aggregate a = Aggregate.Sum) => new(a, 0, all);
        var (flagged, held, notHeld, urgent, notUrgent, review) = (New(), New(), New(), New(), New(), New(Aggregate.Median));
        // Messages: words written into a stopped chat were never one, so are not counted as flagged messages.
        foreach (var flag in flags.Where(f => !f.NotSent))
        {
            if (period.MonthOf(flag.RaisedAt) is not { } month)
            {
                continue;
            }

            var person = PersonOf(flag.YouthId, youth);
            flagged.Add(person, month);
            (flag.Held ? held : notHeld).Add(person, month);
            (flag.Urgent ? urgent : notUrgent).Add(person, month);

            if (flag.ResolvedAt is { } resolved)
            {
                review.Add(person, month, Math.Round((decimal)(resolved - flag.RaisedAt).TotalHours, 1));
            }
        }

        var table = Column("chat-safety", "Chat safety (messages flagged, by the month they were raised)", "Number",
        [
            ("Held for review", held), ("Not held", notHeld), ("Urgent", urgent), ("Not urgent", notUrgent), ("Messages flagged", flagged),
            ("Median time to review (hours)", review),
        ]);
        return table with { Lines = [new Line([(0, 0), (1, 0)], (4, 0)), new Line([(2, 0), (3, 0)], (4, 0))] };
    }

    private static DraftTable Engagements(AgencyInputs agency, ReportPeriod period)
    {
        var kinds = agency.Kinds.Select(k => k.Key).Union(agency.Opportunities.Select(o => o.Kind), StringComparer.Ordinal).ToList();
        var rows = kinds.Count + 1;
        var all = period.Months - 1;
        var cells = Grid(rows, 4, () => new Measure(Aggregate.Sum, 0, all));
        var survivors = Enumerable.Range(0, rows).Select(_ => new Measure(Aggregate.People, 0, all)).ToArray();
        var opportunities = agency.Opportunities.ToDictionary(o => o.Id, StringComparer.Ordinal);
        foreach (var o in agency.Opportunities)
        {
            var row = kinds.IndexOf(o.Kind);
            var held = o.Sessions.Where(s => s.CancelledAt is null && period.MonthOf(s.StartUtc) is not null).ToList();
            if (held.Count > 0)
            {
                foreach (var r in new[] { row, rows - 1 })
                {
                    cells[r, 0].Add("opportunity:" + o.Id, held.Select(session => period.MonthOf(session.StartUtc)!.Value));
                }
            }

            foreach (var session in held)
            {
                foreach (var r in new[] { row, rows - 1 })
                {
                    cells[r, 1].Add("session:" + o.Id + "/" + session.Id, period.MonthOf(session.StartUtc)!.Value);
                }
            }
        }

        foreach (var claim in agency.Claims.Where(c => c.Outcome is AttendanceOutcome.Attended or AttendanceOutcome.Partial))
        {
            if (!opportunities.TryGetValue(claim.OpportunityId, out var o) || o.Sessions.FirstOrDefault(s => s.Id == claim.SessionId) is not { } session
                || period.MonthOf(session.StartUtc) is not { } month)
            {
                continue;
            }

            var hours = claim.Outcome == AttendanceOutcome.Partial ? (claim.MinutesAttended ?? 0) / 60m : (decimal)session.Hours;
            foreach (var r in new[] { kinds.IndexOf(o.Kind), rows - 1 })
            {
                survivors[r].Add(claim.PersonId, month);
                cells[r, 3].Add(claim.PersonId, month, Math.Round(hours, 2));
            }
        }

        var draft = Wrap(cells);
        for (var r = 0; r < rows; r++)
        {
            draft[r, 2] = new DraftCell.Of(survivors[r]);
            survivors[rows - 1].Hold(survivors[r]);
        }

        var names = kinds.Select(k => agency.Kinds.FirstOrDefault(w => w.Key == k)?.Name ?? k).Append("All kinds of work").ToList();
        var lines = AdditiveEngagementColumns.Select(c => new Line([.. Enumerable.Range(0, rows - 1).Select(r => (r, c))], (rows - 1, c))).ToList();
        return new DraftTable("engagements", "Paid engagement work (sessions held in the period)", ["Opportunities", "Sessions held", "Survivors engaged", "Hours attended"],
            names, draft, lines);
    }

    private static DraftTable PayoutTotals(AgencyInputs agency, ReportPeriod period)
    {
        // The rows say nothing of who was paid when: the agency's currency always has one, and another only once many
        // people have been paid in it (ever, not in the period). A row that came and went with the months someone was
        // paid in a currency of their own would say when the one survivor paid in it was paid; their payouts are left out.
        var own = agency.Currency.ToUpperInvariant();
        var payouts = agency.Payouts.Where(p => p.State == PayoutState.Paid).ToList();
        List<string> currencies = [own, .. payouts.GroupBy(p => p.Currency.ToUpperInvariant(), StringComparer.Ordinal)
            .Where(g => g.Key != own && g.Select(p => p.PayeeId).Distinct(StringComparer.Ordinal).Count() >= agency.PayeesForARow)
            .Select(g => g.Key).Order(StringComparer.Ordinal)];
        var paid = payouts.Where(p => p.PaidAt is { } at && period.MonthOf(at) is not null && currencies.Contains(p.Currency.ToUpperInvariant()))
            .Select(p => (Payout: p, Month: period.MonthOf(p.PaidAt!.Value)!.Value)).ToList();
        var cells = Grid(currencies.Count, 4, () => new Measure(Aggregate.Sum, 0, period.Months - 1));
        foreach (var (payout, month) in paid)
        {
            var row = currencies.IndexOf(payout.Currency.ToUpperInvariant());
            // As stored, so a payout of travel only adds nothing (not a rounding remainder) to compensation.
            var travel = payout.Lines.Where(l => l.Kind is LineKind.Mileage or LineKind.Receipts or LineKind.Lodging).Sum(l => l.Amount);
            var perDiem = payout.Lines.Where(l => l.Kind == LineKind.MealsAndIncidentals).Sum(l => l.Amount);
            cells[row, 0].Add(payout.PayeeId, month, payout.Compensation);
            cells[row, 1].Add(payout.PayeeId, month, travel);
            cells[row, 2].Add(payout.PayeeId, month, perDiem);
            cells[row, 3].Add(payout.PayeeId, month, payout.Total);
        }

        var lines = Enumerable.Range(0, currencies.Count).Select(r => new Line([(r, 0), (r, 1), (r, 2)], (r, 3))).ToList();
        return new DraftTable("payouts", "Payouts paid in the period, by kind (in the agency's currency, and in others many people were paid in)",
            ["Compensation", "Travel", "Per diem", "Total"], currencies, Wrap(cells), lines);
    }

    /// <summary>
    /// Mentors by the band of their latest check-in in the period. Every check-in scores every part, so each part's bands
    /// add up to the mentors who checked in: that total is shown as a row and each part is a sum to it. A shorter report
    /// may place a mentor in another band, so every month a mentor checked in stands behind their place.
    /// </summary>
    private static DraftTable Wellbeing(AgencyInputs agency, ReportPeriod period)
    {
        var instrument = agency.Instrument;
        // Only check-ins on the version in use: another version's bands may be named or cut otherwise, so would not add up.
        var checkIns = agency.CheckIns.Where(c => c.InstrumentKey == instrument.Key && c.InstrumentVersion == instrument.Version && period.MonthOf(c.SubmittedAt) is not null)
            .GroupBy(c => c.MentorId).ToList();
        var rows = new List<string> { "Mentors who checked in" };
        var total = new Measure(Aggregate.People, 0, period.Months - 1);
        foreach (var mentor in checkIns)
        {
            total.Add(mentor.Key, mentor.Select(c => period.MonthOf(c.SubmittedAt)!.Value));
        }

        var measures = new List<Measure> { total };
        var lines = new List<Line>();
        foreach (var subscale in instrument.Subscales)
        {
            var parts = new List<(int, int)>();
            foreach (var band in subscale.Bands)
            {
                var measure = new Measure(Aggregate.People, 0, period.Months - 1, Placement.Latest);
                foreach (var mentor in checkIns)
                {
                    foreach (var month in mentor.GroupBy(c => period.MonthOf(c.SubmittedAt)!.Value))
                    {
                        measure.Place(mentor.Key, month.Key, month.MaxBy(c => c.SubmittedAt)!.Scores.Any(s => s.Key == subscale.Key && s.Band == band.Name));
                    }
                }

                parts.Add((rows.Count, 0));
                rows.Add($"{subscale.Name}: {band.Name}");
                measures.Add(measure);
            }

            lines.Add(new Line(parts, (0, 0)));
        }

        var cells = new DraftCell[rows.Count, 1];
        for (var r = 0; r < rows.Count; r++)
        {
            cells[r, 0] = new DraftCell.Of(measures[r]);
        }

        return new DraftTable("wellbeing", "Mentor wellbeing bands (each mentor's latest check-in in the period, on the check-in in use now)", ["Mentors"], rows, cells, lines);
    }

    private static decimal Days(DateTimeOffset from, DateTimeOffset to) => Math.Round((decimal)(to - from).TotalDays, 1);

    private static DraftTable Column(string key, string title, string column, IReadOnlyList<(string Label, Measure Measure)> rows)
    {
        var cells = new DraftCell[rows.Count, 1];
        for (var r = 0; r < rows.Count; r++)
        {
            cells[r, 0] = new DraftCell.Of(rows[r].Measure);
        }

        return new DraftTable(key, title, [column], [.. rows.Select(r => r.Label)], cells, []);
    }

    private static Measure[,] Grid(int rows, int columns, Func<Measure> create)
    {
        var grid = new Measure[rows, columns];
        for (var r = 0; r < rows; r++)
        {
            for (var c = 0; c < columns; c++)
            {
                grid[r, c] = create();
            }
        }

        return grid;
    }

    private static DraftCell[,] Wrap(Measure[,] measures)
    {
        var cells = new DraftCell[measures.GetLength(0), measures.GetLength(1)];
        for (var r = 0; r < cells.GetLength(0); r++)
        {
            for (var c = 0; c < cells.GetLength(1); c++)
            {
                cells[r, c] = new DraftCell.Of(measures[r, c]);
            }
        }

        return cells;
    }

    /// <summary>Each row and each column of a grid whose last row and last column are totals.</summary>
    private static List<Line> GridLines(int rows, int columns) =>
    [
        .. Enumerable.Range(0, rows).Select(r => new Line([.. Enumerable.Range(0, columns - 1).Select(c => (r, c))], (r, columns - 1))),
        .. Enumerable.Range(0, columns).Select(c => new Line([.. Enumerable.Range(0, rows - 1).Select(r => (r, c))], (rows - 1, c))),
    ];
}
