using SurvivorConnect.Api.Features.Engagements;
using SurvivorConnect.Api.Features.Engagements.Rules;
using SurvivorConnect.Api.Features.Payouts.Rules;

namespace SurvivorConnect.UnitTests.Payouts;

public sealed class PayoutCalculatorTests
{
    // The defaults shipped in appsettings.json: IRS business mileage and GSA standard CONUS per diem.
    private static readonly PayRates Rates = new(
        [new(new(2024, 1, 1), 0.67m), new(new(2025, 1, 1), 0.70m), new(new(2026, 1, 1), 0.725m)],
        [new(new(2023, 10, 1), 59m, 107m), new(new(2024, 10, 1), 68m, 110m), new(new(2025, 10, 1), 68m, 110m)],
        [new(new(2025, 10, 1), 70m, 120m, "IL"), new(new(2025, 10, 1), 92m, 213m, "Chicago, IL"), new(new(2027, 1, 1), 92m, 300m, "Boston, MA")]);

    private static readonly DateOnly In2026 = new(2026, 3, 10);

    private static PayoutInput Hourly(decimal rate = 50m, decimal hours = 2m, int prep = 30, AttendanceOutcome outcome = AttendanceOutcome.Attended, decimal share = 1m) =>
        new(PayBasis.Hourly, rate, hours, prep, outcome, share, In2026, true, "Community room, Chicago, IL 60601", true, true, null, 100m);

    private static PayoutInput Stipend(decimal rate = 150m, AttendanceOutcome outcome = AttendanceOutcome.Attended, decimal share = 1m) =>
        new(PayBasis.PerSession, rate, 2m, 60, outcome, share, In2026, true, "Springfield", true, true, null, 100m);

    private static TravelClaim Travel(decimal miles = 0, int days = 0, decimal lodging = 0, params decimal[] receipts) =>
        new(miles, [.. receipts.Select((r, i) => new ReceiptedCost("receipt " + i, r))], days) { Lodging = lodging };

    [Theory]
    [InlineData(40, 0)]
    [InlineData(7, 30)]
    [InlineData(119, 15)]
    [InlineData(120, 0)]
    public void What_a_survivor_is_shown_for_their_time_is_what_the_payout_pays(int minutes, int prep)
    {
        var session = new EngagementSession("s1", new DateTime(2026, 3, 3, 18, 0, 0), new DateTime(2026, 3, 3, 20, 0, 0), "America/Chicago", true, "Chicago", null);
        var pay = new Compensation(PayBasis.Hourly, 45m, prep, true, true);
        var share = ClaimRules.Share(AttendanceOutcome.Partial, minutes, 2m, false, false);

        var shown = ClaimRules.Owed(pay, session, AttendanceOutcome.Partial, minutes, false, false).Amount;
        var paid = PayoutCalculator.Calculate(Hourly(rate: 45m, prep: prep, outcome: AttendanceOutcome.Partial, share: share), Rates).Compensation;

        Assert.Equal(paid, shown);
    }

    [Fact]
    public void Travel_on_a_day_before_every_configured_rate_is_a_configuration_gap_refused_as_a_rule_naming_the_day_not_a_guess()
    {
        var before = Hourly() with { SessionDate = new DateOnly(2023, 6, 1), Travel = Travel(miles: 10) };
        var perDiem = Hourly() with { SessionDate = new DateOnly(2023, 6, 1), Travel = Travel(days: 1) };

        var mileage = Assert.Throws<PayoutRuleException>(() => PayoutCalculator.Calculate(before, Rates));
        var days = Assert.Throws<PayoutRuleException>(() => PayoutCalculator.Calculate(perDiem, new PayRates(Rates.Mileage, Rates.StandardPerDiem, [])));

        Assert.Contains("2023-06-01", mileage.Message, StringComparison.Ordinal);
        Assert.Contains("2023-06-01", days.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Hourly_work_pays_the_session_and_the_paid_preparation_at_the_rate()
    {
        var result = PayoutCalculator.Calculate(Hourly(), Rates);

        Assert.Equal([LineKind.SessionTime, LineKind.Preparation], result.Lines.Select(l => l.Kind));
        Assert.Equal(100m, result.Lines[0].Amount);
        Assert.Equal(25m, result.Lines[1].Amount);
        Assert.Equal(125m, result.Total);
        Assert.Equal(125m, result.Compensation);
        Assert.Equal(0m, result.Reimbursement);
    }

    [Fact]
    public void Partial_attendance_pays_the_minutes_attended_and_the_whole_preparation()
    {
        var result = PayoutCalculator.Calculate(Hourly(outcome: AttendanceOutcome.Partial, share: 0.5m), Rates);

        Assert.Equal(1m, result.Lines[0].Quantity);
        Assert.Equal("Session time attended", result.Lines[0].Description);
        Assert.Equal(75m, result.Total);
    }

    [Fact]
    public void A_flat_stipend_is_paid_whole_when_attended_and_for_the_time_attended_and_the_whole_preparation_when_partial()
    {
        Assert.Equal(150m, PayoutCalculator.Calculate(Stipend(), Rates).Total);
        // A third of the 2-hour session and all of the hour's preparation: 5/3 of the stipend's 3 hours.
        var partial = PayoutCalculator.Calculate(Stipend(outcome: AttendanceOutcome.Partial, share: 1m / 3m), Rates);
        Assert.Equal(83.33m, partial.Total);
        Assert.Single(partial.Lines);
    }

    [Fact]
    public void A_short_notice_cancellation_is_paid_and_named_as_one_not_as_time_attended()
    {
        var hourly = PayoutCalculator.Calculate(Hourly(outcome: AttendanceOutcome.CancelledByAgency), Rates);
        var stipend = PayoutCalculator.Calculate(Stipend(outcome: AttendanceOutcome.CancelledByAgency), Rates);

        Assert.Equal(125m, hourly.Total);
        Assert.Contains("cancelled at short notice", hourly.Lines[0].Description, StringComparison.Ordinal);
        Assert.Equal(150m, stipend.Total);
        Assert.Contains("cancelled at short notice", stipend.Lines[0].Description, StringComparison.Ordinal);
    }

    [Fact]
    public void A_no_show_is_paid_nothing()
    {
        var result = PayoutCalculator.Calculate(Hourly(outcome: AttendanceOutcome.NoShow, share: 0), Rates);

        Assert.Empty(result.Lines);
        Assert.Equal(0m, result.Total);
    }

    [Fact]
    public void The_total_is_rounded_once_at_the_end_not_line_by_line()
    {
        // 15 minutes at 50.01 is 12.5025 and 0.1 mile at 72.5 cents is 0.0725: 12.575 in all, 12.58 to the cent.
        // Rounded line by line it would be 12.50 + 0.07 = 12.57.
        var input = Hourly(rate: 50.01m, hours: 0.25m, prep: 0) with { Travel = Travel(miles: 0.1m) };

        var result = PayoutCalculator.Calculate(input, Rates);

        Assert.Equal(12.5025m, result.Lines[0].Amount);
        Assert.Equal(0.0725m, result.Lines[1].Amount);
        Assert.Equal(12.58m, result.Total);
    }

    [Fact]
    public void Amounts_are_decimal_so_tenths_add_up_exactly()
    {
        var input = Hourly(rate: 0.1m, hours: 1m, prep: 60) with { Travel = Travel(receipts: [0.1m]) };

        Assert.Equal(0.3m, PayoutCalculator.Calculate(input, Rates).Lines.Sum(l => l.Amount));
    }

    [Theory]
    [InlineData(2026, 1, 1, 0.725)]
    [InlineData(2025, 12, 31, 0.70)]
    [InlineData(2025, 6, 1, 0.70)]
    [InlineData(2024, 2, 29, 0.67)]
    public void Mileage_is_paid_at_the_rate_in_force_on_the_session_date(int year, int month, int day, double perMile)
    {
        var input = Hourly() with { SessionDate = new DateOnly(year, month, day), Travel = Travel(miles: 10m) };

        var mileage = PayoutCalculator.Calculate(input, Rates).Lines.Single(l => l.Kind == LineKind.Mileage);

        Assert.Equal((decimal)perMile, mileage.Rate);
        Assert.Equal((decimal)perMile * 10m, mileage.Amount);
        Assert.True(mileage.IsReimbursement);
    }

    [Fact]
    public void Receipts_are_paid_as_spent_up_to_the_policy_cap()
    {
        var under = PayoutCalculator.Calculate(Hourly() with { Travel = Travel(receipts: [12.50m, 30m]) }, Rates);
        var over = PayoutCalculator.Calculate(Hourly() with { Travel = Travel(receipts: [80m, 45m]) }, Rates);

        Assert.Equal(42.50m, under.Lines.Single(l => l.Kind == LineKind.Receipts).Amount);
        var capped = over.Lines.Single(l => l.Kind == LineKind.Receipts);
        Assert.Equal(100m, capped.Amount);
        Assert.Contains("cap", capped.Description, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(1, 69.0)]
    [InlineData(2, 138.0)]
    [InlineData(3, 230.0)]
    [InlineData(5, 414.0)]
    public void Meals_and_incidentals_pay_75_percent_on_the_first_and_last_travel_day(int days, double expected)
    {
        // Chicago, IL at 92 a day: 69 on a travel day, 92 on a full day between.
        var result = PayoutCalculator.Calculate(Hourly(prep: 0) with { Travel = Travel(days: days) }, Rates);

        Assert.Equal((decimal)expected, result.Lines.Where(l => l.Kind == LineKind.MealsAndIncidentals).Sum(l => l.Amount));
        Assert.Equal((decimal)expected, result.Reimbursement);
    }

    [Fact]
    public void Lodging_is_paid_as_spent_up_to_the_nightly_rate_for_each_night_away()
    {
        var within = PayoutCalculator.Calculate(Hourly() with { Travel = Travel(days: 3, lodging: 300m) }, Rates);
        var above = PayoutCalculator.Calculate(Hourly() with { Travel = Travel(days: 3, lodging: 500m) }, Rates);
        var dayTrip = PayoutCalculator.Calculate(Hourly() with { Travel = Travel(days: 1, lodging: 90m) }, Rates);

        Assert.Equal(300m, within.Lines.Single(l => l.Kind == LineKind.Lodging).Amount);
        Assert.Equal(426m, above.Lines.Single(l => l.Kind == LineKind.Lodging).Amount);
        Assert.DoesNotContain(dayTrip.Lines, l => l.Kind == LineKind.Lodging);
    }

    [Fact]
    public void The_agency_rate_whose_location_the_session_names_most_closely_wins()
    {
        Assert.Equal("Chicago, IL", Rates.PerDiemFor("Community room, Chicago, IL 60601", In2026).Location);
        Assert.Equal("IL", Rates.PerDiemFor("Library, Peoria, IL", In2026).Location);
        Assert.Null(Rates.PerDiemFor("Springfield, MO", In2026).Location);
        Assert.Null(Rates.PerDiemFor("Wilmington, DE", In2026).Location);
        Assert.Equal("IL", Rates.PerDiemFor("Joliet, il 60431", In2026).Location);
        Assert.Null(Rates.PerDiemFor(null, In2026).Location);
    }

    [Fact]
    public void Two_locations_named_as_fully_pay_each_its_own_latest_rate_and_the_better_of_them()
    {
        // The same length of name, the county's rate entered later: the county's rate is not the city's.
        var rates = new PayRates(Rates.Mileage, Rates.StandardPerDiem,
            [new(new(2025, 10, 1), 72m, 213m, "Chicago, IL"), new(new(2026, 1, 1), 80m, 150m, "Cook County"), new(new(2025, 1, 1), 99m, 250m, "Cook County")]);

        var both = rates.PerDiemFor("Town hall, Cook County, Chicago, IL", In2026);
        var county = rates.PerDiemFor("Town hall, Cook County", In2026);

        Assert.Equal((80m, 213m), (both.MealsAndIncidentals, both.Lodging));
        Assert.Equal(("Cook County", 80m, 150m), (county.Location, county.MealsAndIncidentals, county.Lodging));
    }

    [Fact]
    public void A_location_rate_set_below_the_standard_rate_pays_the_standard_rate_for_what_it_sets_too_low()
    {
        var rates = new PayRates(Rates.Mileage, Rates.StandardPerDiem, [new(new(2025, 10, 1), 1m, 150m, "Chicago, IL")]);

        var rate = rates.PerDiemFor("Community room, Chicago, IL 60601", In2026);

        Assert.Equal((68m, 150m, "Chicago, IL"), (rate.MealsAndIncidentals, rate.Lodging, rate.Location));
    }

    [Fact]
    public void A_location_rate_in_force_before_any_standard_rate_is_paid_as_set()
    {
        var rates = new PayRates(Rates.Mileage, Rates.StandardPerDiem, [new(new(2023, 1, 1), 80m, 180m, "Chicago, IL")]);

        var rate = rates.PerDiemFor("Community room, Chicago, IL 60601", new DateOnly(2023, 6, 1));

        Assert.Equal((80m, 180m, "Chicago, IL"), (rate.MealsAndIncidentals, rate.Lodging, rate.Location));
        Assert.Throws<PayoutRuleException>(() => rates.PerDiemFor("Springfield", new DateOnly(2023, 6, 1)));
    }

    [Fact]
    public void A_location_rate_not_yet_in_force_falls_back_to_the_standard_rate()
    {
        var rate = Rates.PerDiemFor("Back Bay, Boston, MA", In2026);

        Assert.Null(rate.Location);
        Assert.Equal(68m, rate.MealsAndIncidentals);
        Assert.Equal(110m, rate.Lodging);
    }

    [Theory]
    [InlineData(2024, 9, 30, 59.0, 107.0)]
    [InlineData(2024, 10, 1, 68.0, 110.0)]
    [InlineData(2026, 3, 10, 68.0, 110.0)]
    public void The_standard_per_diem_follows_the_federal_fiscal_year(int year, int month, int day, double meals, double lodging)
    {
        var rate = Rates.PerDiemFor("Springfield, MO", new DateOnly(year, month, day));

        Assert.Equal((decimal)meals, rate.MealsAndIncidentals);
        Assert.Equal((decimal)lodging, rate.Lodging);
    }

    [Fact]
    public void Compensation_and_reimbursement_are_reported_apart_and_add_up_to_the_total()
    {
        var input = Hourly(rate: 33.33m, hours: 1.5m, prep: 20) with { Travel = Travel(miles: 23.4m, days: 2, lodging: 100m, receipts: [7.25m]) };

        var result = PayoutCalculator.Calculate(input, Rates);

        Assert.Equal(decimal.Round(result.Lines.Where(l => !l.IsReimbursement).Sum(l => l.Amount), 2, MidpointRounding.AwayFromZero), result.Compensation);
        Assert.Equal(result.Total, result.Compensation + result.Reimbursement);
        Assert.Equal(decimal.Round(result.Lines.Sum(l => l.Amount), 2, MidpointRounding.AwayFromZero), result.Total);
    }

    [Fact]
    public void Negative_miles_receipts_or_days_are_refused()
    {
        Assert.Throws<PayoutRuleException>(() => PayoutCalculator.Calculate(Hourly() with { Travel = Travel(miles: -1m) }, Rates));
        Assert.Throws<PayoutRuleException>(() => PayoutCalculator.Calculate(Hourly() with { Travel = Travel(receipts: [-5m]) }, Rates));
        Assert.Throws<PayoutRuleException>(() => PayoutCalculator.Calculate(Hourly() with { Travel = Travel(days: -2) }, Rates));
    }

    [Fact]
    public void Per_diem_for_a_virtual_session_is_refused()
    {
        var input = Hourly() with { InPerson = false, Travel = Travel(days: 1) };

        Assert.Throws<PayoutRuleException>(() => PayoutCalculator.Calculate(input, Rates));
    }

    [Fact]
    public void Travel_the_policy_does_not_cover_is_refused()
    {
        Assert.Throws<PayoutRuleException>(() => PayoutCalculator.Calculate(Hourly() with { TravelAllowed = false, Travel = Travel(miles: 4m) }, Rates));
        Assert.Throws<PayoutRuleException>(() => PayoutCalculator.Calculate(Hourly() with { PerDiemAllowed = false, Travel = Travel(days: 2) }, Rates));
    }

    [Fact]
    public void A_share_outside_none_to_all_is_refused()
    {
        Assert.Throws<PayoutRuleException>(() => PayoutCalculator.Calculate(Hourly(share: 1.2m), Rates));
    }
}
