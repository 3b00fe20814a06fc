using SurvivorConnect.Api.Features.Engagements;
using SurvivorConnect.Api.Features.Mentoring;
using SurvivorConnect.Api.Features.Outcomes.Rules;
using SurvivorConnect.Api.Features.Payouts;
using SurvivorConnect.Api.Features.Payouts.Rules;
using SurvivorConnect.Api.Features.Supervision;
using SurvivorConnect.Api.Features.Supervision.Rules;

namespace SurvivorConnect.UnitTests.Outcomes;

public sealed class OutcomeCalculatorTests
{
    private static readonly DateTimeOffset Now = new(2026, 7, 15, 0, 0, 0, TimeSpan.Zero);
    private static readonly ReportPeriod FirstHalf = new(new DateOnly(2026, 1, 1), 6);

    private static DateTimeOffset On(int month, int day) => new(2026, month, day, 12, 0, 0, TimeSpan.Zero);

    private static YouthReferral Youth(string id, string? person, DateTimeOffset referred, IReadOnlyList<StageEvent>? stages = null, IReadOnlyList<MissingEpisode>? episodes = null) => new()
    {
        Id = id,
        PersonId = person,
        DisplayName = "Youth " + id,
        Age = 16,
        CaseManagerIds = ["cm"],
        Stage = stages is [.., var last] ? last.Stage : StageOfChange.Contemplation,
        StageHistory = stages ?? [new StageEvent("referral", StageOfChange.Contemplation, null, referred, "cm", "private note")],
        MissingEpisodes = episodes ?? [],
        ReferredAt = referred,
    };

    private static MissingEpisode Episode(DateTimeOffset start, int days, bool? contact) =>
        new(Guid.NewGuid().ToString("N"), start, start.AddDays(days), contact, ReturnRoute.OnTheirOwn, start, "cm");

    private static decimal? Value(DraftTable table, int row, int column) => table.Cells[row, column] is DraftCell.Of of ? of.Measure.Value : null;

    private static int Column(DraftTable table, string name) => table.Columns.ToList().IndexOf(name);

    private static DraftTable Table(IReadOnlyList<YouthReferral> youth, string key, int? change = null) =>
        OutcomeCalculator.Tables(new OutcomeInputs(youth, [], [], null), FirstHalf, change, Now).Single(t => t.Key == key);

    [Fact]
    public void A_youth_with_two_referrals_is_served_once()
    {
        var youth = new[] { Youth("a", "person-1", On(1, 5)), Youth("b", "person-1", On(3, 5)), Youth("c", null, On(2, 1)) };

        var served = Table(youth, "youth-served");

        Assert.Equal(2, Value(served, 0, 0));
    }

    [Fact]
    public void Stage_moves_are_counted_from_and_to_with_totals_and_a_relapse_counts_as_a_move_back()
    {
        var youth = Youth("a", null, On(1, 2),
        [
            new StageEvent("referral", StageOfChange.Contemplation, null, On(1, 2), "cm", null),
            new StageEvent("transition", StageOfChange.Preparation, StageOfChange.Contemplation, On(2, 2), "cm", "note"),
            new StageEvent("relapse", StageOfChange.Contemplation, StageOfChange.Preparation, On(4, 2), "cm", null),
        ]);

        var moves = Table([youth], "stage-transitions");

        Assert.Equal(1, Value(moves, (int)StageOfChange.Contemplation, (int)StageOfChange.Preparation));
        Assert.Equal(1, Value(moves, (int)StageOfChange.Preparation, (int)StageOfChange.Contemplation));
        Assert.Equal(2, Value(moves, 5, 5));
        Assert.Equal(59, Table([youth], "time-in-stage").Cells[(int)StageOfChange.Preparation, 1] is DraftCell.Of days ? days.Measure.Value : null);
    }

    [Fact]
    public void Episodes_split_at_the_practice_change_with_their_length_and_contact()
    {
        var youth = new[]
        {
            Youth("a", null, On(1, 1), episodes: [Episode(On(1, 10), 6, true), Episode(On(5, 10), 2, false)]),
            Youth("b", null, On(1, 1), episodes: [Episode(On(2, 10), 4, null)]),
        };

        var missing = Table(youth, "missing-episodes", change: 3);

        Assert.Equal(["Before the practice change", "From the practice change", "Whole period"], missing.Rows);
        Assert.Equal(2, Value(missing, 0, Column(missing, "Episodes")));
        Assert.Equal(1, Value(missing, 1, Column(missing, "Episodes")));
        Assert.Equal(3, Value(missing, 2, Column(missing, "Episodes")));
        Assert.Equal(5, Value(missing, 0, Column(missing, "Median length (days, ended episodes)")));
        Assert.Equal(2, Value(missing, 1, Column(missing, "Median length (days, ended episodes)")));
        Assert.Equal(1, Value(missing, 2, Column(missing, "Stayed in contact with a trusted adult")));
        Assert.Equal(2, Value(missing, 2, Column(missing, "Did not, or not known")));
        Assert.Equal(0, Value(missing, 2, Column(missing, "Youth without one")));
    }

    [Fact]
    public void A_match_open_for_months_counts_once_and_matches_active_before_the_period_are_told_apart()
    {
        var youth = Youth("a", null, On(1, 1));
        Match Open(string id, DateTimeOffset activated) => new()
        {
            Id = id, YouthId = "a", MentorId = "m", CaseManagerId = "cm", State = MatchState.Active, ProposedAt = activated.AddDays(-2),
            History = [new MatchTransition(MatchState.AwaitingConsent, MatchState.Active, "activate", activated, "cm")],
        };

        var matches = OutcomeCalculator.Tables(new OutcomeInputs([youth], [Open("m1", On(2, 1)), Open("m2", new DateTimeOffset(2025, 11, 1, 0, 0, 0, TimeSpan.Zero))], [], null), FirstHalf, null, Now)
            .Single(t => t.Key == "matches");

        Assert.Equal(2, Value(matches, matches.Rows.ToList().IndexOf("Active at some time in the period"), 0));
        Assert.Equal(1, Value(matches, matches.Rows.ToList().IndexOf("Became active in the period"), 0));
        Assert.Equal(1, Value(matches, matches.Rows.ToList().IndexOf("Active from before the period"), 0));
    }

    [Fact]
    public void A_report_whose_first_months_are_all_small_is_still_answered_with_nothing_worked_back()
    {
        // Before the change (January): two episodes, one in contact. After: forty, three in contact.
        var youth = new List<YouthReferral>
        {
            Youth("a", null, On(1, 1), episodes: [Episode(On(1, 3), 1, true), Episode(On(3, 3), 1, false)]),
            Youth("b", null, On(1, 1), episodes: [Episode(On(1, 5), 1, false), Episode(On(3, 5), 1, true)]),
        };
        youth.AddRange(Enumerable.Range(0, 38).Select(i => Youth($"y{i}", null, On(2, 1), episodes: [Episode(On(2 + i % 4, 10), 1, i < 1)])));

        var tables = Disclosure.Protect(OutcomeCalculator.Tables(new OutcomeInputs(youth, [], [], null), FirstHalf, 1, Now), 11);
        var missing = tables.Single(t => t.Key == "missing-episodes");

        var inContact = missing.Columns.ToList().IndexOf("Stayed in contact with a trusted adult");
        Assert.All(Enumerable.Range(0, 3), r => Assert.NotEqual(Withheld.None, missing.Cells[r, inContact]!.Withheld));
        var lines = Enumerable.Range(0, 3).Select(r => new Line([(r, inContact), (r, inContact + 1)], (r, missing.Columns.ToList().IndexOf("Episodes"))))
            .Append(new Line([(0, inContact), (1, inContact)], (2, inContact))).ToList();
        Assert.Empty(Attacker.Solve(missing, lines));
    }

    [Fact]
    public void The_payouts_table_has_a_row_for_the_agencys_currency_and_for_another_only_once_many_were_ever_paid_in_it()
    {
        Payout Payout(string id, string currency, PayoutState state, DateTimeOffset? paidAt) => new()
        {
            Id = id, ClaimId = "c-" + id, OpportunityId = "o", OpportunityTitle = "Focus group", SessionId = "s", SessionDate = new DateOnly(2026, 1, 5),
            PayeeId = "p-" + id, Lines = [], Compensation = 100m, Reimbursement = 0m, Total = 100m, Currency = currency, State = state,
            CreatedBy = "finance", CreatedAt = On(1, 5), ApprovalsNeeded = 1, PaidAt = paidAt,
        };
        var payouts = new[]
        {
            Payout("usd", "usd", PayoutState.Paid, On(2, 1)),
            Payout("eur-lone", "EUR", PayoutState.Paid, On(3, 1)),
            Payout("eur-failed", "EUR", PayoutState.Failed, null),
        }.Concat(Enumerable.Range(0, 3).Select(i => Payout($"cad-{i}", "CAD", PayoutState.Paid, new DateTimeOffset(2023, 5, 1, 0, 0, 0, TimeSpan.Zero)))).ToArray();

        var instrument = new InstrumentDefinition("i", 1, "Check-in", "the last month", new ResponseScale(0, 3, ["No", "Some", "Often", "Always"]),
            [new("stress", "Stress", [new("low", 0m), new("high", 2m, Concern: true)])], [new("a", "A", "stress")]);

        var table = OutcomeCalculator.Tables(new OutcomeInputs([], [], [], new AgencyInputs([], [], [], payouts, [], instrument, "usd", PayeesForARow: 3)), FirstHalf, null, Now)
            .Single(t => t.Key == "payouts");

        Assert.Equal(["USD", "CAD"], table.Rows);
        Assert.Equal(100m, Value(table, 0, 3));
        Assert.Equal(0m, Value(table, 1, 3));
    }

    [Fact]
    public void Wellbeing_bands_of_one_part_cannot_be_worked_back_from_another_parts_total()
    {
        var instrument = new InstrumentDefinition("i", 1, "Check-in", "the last month", new ResponseScale(0, 3, ["No", "Some", "Often", "Always"]),
            [new("stress", "Stress", [new("low", 0m), new("moderate", 1m), new("high", 2m, Concern: true)]), new("burnout", "Burnout", [new("low", 0m), new("moderate", 1m), new("high", 2m)])],
            [new("a", "A", "stress"), new("b", "B", "burnout")]);
        string[] stress = [.. Enumerable.Repeat("low", 30), .. Enumerable.Repeat("moderate", 25), .. Enumerable.Repeat("high", 4)];
        string[] burnout = [.. Enumerable.Repeat("low", 20), .. Enumerable.Repeat("moderate", 25), .. Enumerable.Repeat("high", 14)];
        var checkIns = stress.Select((band, i) => new CheckIn
        {
            Id = $"c{i}", MentorId = $"m{i}", InstrumentKey = "i", InstrumentVersion = 1, Answers = new Dictionary<string, int>(), Urgent = false, Concerns = [],
            Scores = [new SubscaleScore("stress", 1, band, false), new SubscaleScore("burnout", 1, burnout[i], false)], SubmittedAt = On(2, 1),
        }).ToList();
        var agency = new AgencyInputs([], [], [], [], checkIns, instrument);

        var drafts = OutcomeCalculator.Tables(new OutcomeInputs([], [], [], agency), FirstHalf, null, Now);
        var wellbeing = Disclosure.Protect(drafts, 11).Single(t => t.Key == "wellbeing");

        Assert.Equal("Mentors who checked in", wellbeing.Rows[0]);
        Assert.Equal(Withheld.Small, wellbeing.Cells[wellbeing.Rows.ToList().IndexOf("Stress: high"), 0]!.Withheld);
        Assert.Empty(Attacker.Solve(wellbeing, drafts.Single(t => t.Key == "wellbeing").Lines));
    }

    [Fact]
    public void Survivors_engaged_in_every_kind_of_work_is_withheld_when_taking_one_kinds_from_it_would_count_a_few()
    {
        // Twelve came to focus groups; two others only advised. Shown 14 and 12, the two would be worked out.
        var engagements = Engagements([.. Enumerable.Range(0, 12).Select(i => Came("focus", $"p{i}")), Came("advice", "q1"), Came("advice", "q2")]);

        var survivors = engagements.Columns.ToList().IndexOf("Survivors engaged");
        var rows = engagements.Rows.ToList();
        Assert.Equal(12, engagements.Cells[rows.IndexOf("Focus group"), survivors]!.Value);
        Assert.Equal(Withheld.Small, engagements.Cells[rows.IndexOf("Advisory"), survivors]!.Withheld);
        Assert.Null(engagements.Cells[rows.IndexOf("All kinds of work"), survivors]!.Value);
        Assert.Equal(Withheld.Differencing, engagements.Cells[rows.IndexOf("All kinds of work"), survivors]!.Withheld);
    }

    [Fact]
    public void Survivors_engaged_in_every_kind_of_work_is_withheld_when_the_kinds_together_would_count_a_few_who_did_more_than_one()
    {
        // Fourteen at focus groups and thirteen advising, two of them in both: shown 14, 13 and 25, the two would be
        // worked out as 14 + 13 - 25, though each count, and each difference with the whole, is 11 or more.
        var engagements = Engagements([
            .. Enumerable.Range(0, 14).Select(i => Came("focus", $"p{i}")),
            .. Enumerable.Range(12, 13).Select(i => Came("advice", $"p{i}"))]);

        var survivors = engagements.Columns.ToList().IndexOf("Survivors engaged");
        var rows = engagements.Rows.ToList();
        Assert.Equal(14, engagements.Cells[rows.IndexOf("Focus group"), survivors]!.Value);
        Assert.Equal(13, engagements.Cells[rows.IndexOf("Advisory"), survivors]!.Value);
        Assert.Null(engagements.Cells[rows.IndexOf("All kinds of work"), survivors]!.Value);
        Assert.Equal(Withheld.Differencing, engagements.Cells[rows.IndexOf("All kinds of work"), survivors]!.Withheld);
    }

    [Fact]
    public void Survivors_engaged_in_every_kind_of_work_is_shown_when_none_did_more_than_one_kind()
    {
        var engagements = Engagements([
            .. Enumerable.Range(0, 14).Select(i => Came("focus", $"p{i}")),
            .. Enumerable.Range(14, 13).Select(i => Came("advice", $"p{i}"))]);

        var survivors = engagements.Columns.ToList().IndexOf("Survivors engaged");
        Assert.Equal(27, engagements.Cells[engagements.Rows.ToList().IndexOf("All kinds of work"), survivors]!.Value);
    }

    /// <summary>The engagement table of an agency with focus groups and advisory work, and a kind of work nobody did (its row withheld).</summary>
    private static ProtectedTable Engagements(List<CompensationClaim> claims)
    {
        var agency = new AgencyInputs([Work("focus", "focus-group"), Work("advice", "advisory")], claims,
            [new WorkKind("focus-group", "Focus group", null), new WorkKind("advisory", "Advisory", null), new WorkKind("review", "Policy review", null)],
            [], [], DefaultInstrument.Version1);
        return Disclosure.Protect(OutcomeCalculator.Tables(new OutcomeInputs([], [], [], agency), FirstHalf, null, Now), 11).Single(t => t.Key == "engagements");
    }

    private static Opportunity Work(string id, string kind) => new()
    {
        Id = id, Kind = kind, Title = id, Seats = 20, ApplicationDeadline = On(1, 1), Currency = "USD", RecruiterId = "r", CreatedAt = On(1, 1),
        Compensation = new Compensation(PayBasis.PerSession, 150, 60, false, false),
        Sessions = [new EngagementSession("s1", new DateTime(2026, 3, 3, 18, 0, 0), new DateTime(2026, 3, 3, 20, 0, 0), "UTC", false, null, "https://meet.example/x")],
    };

    private static CompensationClaim Came(string opportunity, string person) => new()
    {
        Id = opportunity + person, OpportunityId = opportunity, SessionId = "s1", PersonId = person, Outcome = AttendanceOutcome.Attended, HoursPaid = 2,
        Amount = 150, Share = 1, Currency = "USD", TravelAllowed = false, PerDiemAllowed = false, RecordedAt = On(3, 4), RecordedBy = "r",
    };

    [Fact]
    public void Wellbeing_counts_check_ins_on_the_version_in_use_so_its_bands_add_up_to_the_mentors_who_checked_in()
    {
        var instrument = new InstrumentDefinition("i", 2, "Check-in", "the last month", new ResponseScale(0, 3, ["No", "Some", "Often", "Always"]),
            [new("stress", "Stress", [new("low", 0m), new("high", 2m, Concern: true)])], [new("a", "A", "stress")]);
        var checkIns = Enumerable.Range(0, 40).Select(i => new CheckIn
        {
            Id = $"c{i}", MentorId = $"m{i}", InstrumentKey = "i", InstrumentVersion = i < 25 ? 2 : 1, Answers = new Dictionary<string, int>(), Urgent = false, Concerns = [],
            Scores = [new SubscaleScore("stress", 1, i < 13 ? "low" : i < 25 ? "high" : "elevated", false)], SubmittedAt = On(2, 1),
        }).ToList();

        var wellbeing = Disclosure.Protect(OutcomeCalculator.Tables(new OutcomeInputs([], [], [], new AgencyInputs([], [], [], [], checkIns, instrument)), FirstHalf, null, Now), 11)
            .Single(t => t.Key == "wellbeing");

        Assert.Equal(25, wellbeing.Cells[0, 0]!.Value);
        Assert.Equal(13, wellbeing.Cells[wellbeing.Rows.ToList().IndexOf("Stress: low"), 0]!.Value);
        Assert.Equal(12, wellbeing.Cells[wellbeing.Rows.ToList().IndexOf("Stress: high"), 0]!.Value);
    }

    [Fact]
    public void The_monthly_trend_counts_youth_away_which_no_total_adds_up_and_its_whole_period_is_the_episode_tables_number()
    {
        // Thirty youth away in each of January to May; two of them away in June too.
        var youth = Enumerable.Range(0, 30).Select(i => Youth($"y{i}", null, On(1, 1),
            episodes: [.. Enumerable.Range(1, i < 2 ? 6 : 5).Select(m => Episode(On(m, 3), 1, true))])).ToList();

        var drafts = OutcomeCalculator.Tables(new OutcomeInputs(youth, [], [], null), FirstHalf, null, Now);
        var tables = Disclosure.Protect(drafts, 11);
        var byMonth = tables.Single(t => t.Key == "missing-by-month");
        var missing = tables.Single(t => t.Key == "missing-episodes");

        Assert.Empty(drafts.Single(t => t.Key == "missing-by-month").Lines);
        Assert.Equal(30, byMonth.Cells[0, 0]!.Value);
        Assert.Equal(Withheld.Small, byMonth.Cells[5, 0]!.Withheld);
        Assert.Equal(byMonth.Cells[6, 0], missing.Cells[0, missing.Columns.ToList().IndexOf("Youth with an episode")]);
    }

    [Fact]
    public void A_referral_served_across_months_counts_in_each_month_it_was_known()
    {
        var youth = Youth("a", null, On(2, 1), episodes: [Episode(On(4, 3), 1, true)]);

        var byMonth = Table([youth], "youth-served-by-month");

        Assert.Equal([0m, 1m, 1m, 1m, 0m, 0m], Enumerable.Range(0, 6).Select(m => Value(byMonth, m, 0)!.Value));
    }

    [Fact]
    public void An_episode_that_ended_after_the_period_was_still_away_at_its_end_and_has_no_length_in_it()
    {
        var youth = new[] { Youth("a", null, On(1, 1), episodes: [Episode(On(6, 20), 20, true), Episode(On(2, 1), 3, true)]) };

        var missing = Table(youth, "missing-episodes");

        Assert.Equal(1, Value(missing, 0, Column(missing, "Ended")));
        Assert.Equal(1, Value(missing, 0, Column(missing, "Still away")));
        Assert.Equal(3, Value(missing, 0, Column(missing, "Median length (days, ended episodes)")));
    }

    [Fact]
    public void An_episode_over_before_the_referral_is_not_counted_nor_are_months_before_it_and_one_still_going_on_counts_from_the_referral()
    {
        var over = new[] { Youth("a", null, On(4, 1), episodes: [Episode(On(2, 1), 3, false)]) };
        var ongoing = new[] { Youth("b", null, On(4, 1), episodes: [Episode(On(3, 20), 20, false)]) };

        var missing = Table(over, "missing-episodes");
        var byMonth = Table(over, "youth-served-by-month");
        var referredWhileAway = Table(ongoing, "missing-by-month");

        Assert.Equal(0, Value(missing, 0, Column(missing, "Episodes")));
        Assert.Equal([0m, 0m, 0m, 1m, 0m, 0m], Enumerable.Range(0, 6).Select(m => Value(byMonth, m, 0)!.Value));
        Assert.Equal([0m, 0m, 0m, 1m, 0m, 0m], Enumerable.Range(0, 6).Select(m => Value(referredWhileAway, m, 0)!.Value));
        Assert.Equal(20, Value(Table(ongoing, "missing-episodes"), 0, Column(missing, "Median length (days, ended episodes)")));
    }

    [Fact]
    public void A_proposal_said_no_to_is_not_a_match_that_closed_not_as_planned()
    {
        var youth = Youth("a", null, On(1, 1));
        var declined = new Match
        {
            Id = "m1", YouthId = "a", MentorId = "m", CaseManagerId = "cm", State = MatchState.Closed, ProposedAt = On(2, 1),
            History = [new MatchTransition(MatchState.AwaitingYouth, MatchState.Closed, "close", On(2, 3), "youth", ByYouth: true)],
            Closure = new MatchClosure(ClosureReason.YouthChoice, Planned: false, null, On(2, 3), "youth"),
        };

        var matches = OutcomeCalculator.Tables(new OutcomeInputs([youth], [declined], [], null), FirstHalf, null, Now).Single(t => t.Key == "matches");

        Assert.Equal(1, Value(matches, matches.Rows.ToList().IndexOf("Proposed"), 0));
        Assert.Equal(0, Value(matches, matches.Rows.ToList().IndexOf("Closed not as planned"), 0));
        Assert.Equal(0, Value(matches, matches.Rows.ToList().IndexOf("Closed"), 0));
    }

    [Fact]
    public void Every_table_a_report_holds_is_one_of_the_known_tables_a_download_may_ask_for()
    {
        var drafts = OutcomeCalculator.Tables(new OutcomeInputs([], [], [], new AgencyInputs([], [], [], [], [], DefaultInstrument.Version1)), FirstHalf, null, Now);

        Assert.Equal(OutcomeCalculator.TableKeys.Order(StringComparer.Ordinal), drafts.Select(t => t.Key).Order(StringComparer.Ordinal));
    }
}
