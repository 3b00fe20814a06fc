using SurvivorConnect.Api.Features.Payouts;
using SurvivorConnect.Api.Features.Payouts.Rules;

namespace SurvivorConnect.UnitTests.Payouts;

public sealed class StatementCsvTests
{
    private static Payout Paid(string title) => new()
    {
        Id = "payout~o~s~sam",
        ClaimId = "claim~o~s~sam",
        OpportunityId = "o",
        OpportunityTitle = title,
        SessionId = "s",
        SessionDate = new DateOnly(2026, 3, 10),
        PayeeId = "sam",
        Lines = [new(LineKind.SessionTime, "Session time", 2m, 50m, 100m), new(LineKind.Mileage, "Mileage at the rate for 2026", 10m, 0.725m, 7.25m)],
        Compensation = 100m,
        Reimbursement = 7.25m,
        Total = 107.25m,
        Currency = "USD",
        State = PayoutState.Paid,
        CreatedBy = "jamie",
        CreatedAt = DateTimeOffset.UnixEpoch,
        ApprovalsNeeded = 1,
        PaidAt = new DateTimeOffset(2026, 3, 12, 0, 0, 0, TimeSpan.Zero),
        OutsideReference = "check 1042",
    };

    private static DateOnly UtcDay(DateTimeOffset at) => DateOnly.FromDateTime(at.UtcDateTime);

    [Fact]
    public void A_payment_is_dated_by_the_day_the_agency_paid_it_on()
    {
        var payout = Paid("Focus group") with { PaidAt = new DateTimeOffset(2027, 1, 1, 5, 0, 0, TimeSpan.Zero) };

        var rows = StatementCsv.Write([payout], null, at => DateOnly.FromDateTime(at.UtcDateTime.AddHours(-8))).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);

        Assert.StartsWith("2026-12-31,", rows[1], StringComparison.Ordinal);
    }

    [Fact]
    public void Each_line_is_a_row_marked_compensation_or_reimbursement()
    {
        var rows = StatementCsv.Write([Paid("Housing focus group")], null, UtcDay).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);

        Assert.Equal(3, rows.Length);
        Assert.Equal("2026-03-12,Housing focus group,2026-03-10,Session time,Session time,2,50.00,100.00,Compensation,USD,107.25,check 1042", rows[1]);
        Assert.EndsWith("Reimbursement,USD,107.25,check 1042", rows[2], StringComparison.Ordinal);
    }

    [Fact]
    public void A_title_a_spreadsheet_would_run_as_a_formula_stays_text()
    {
        var csv = StatementCsv.Write([Paid("=HYPERLINK(\"http://evil.example\",\"x\")")], null, UtcDay);

        Assert.Contains("\"'=HYPERLINK(\"\"http://evil.example\"\",\"\"x\"\")\"", csv, StringComparison.Ordinal);
    }

    [Fact]
    public void Finance_exports_name_the_payee()
    {
        var csv = StatementCsv.Write([Paid("Focus group")], id => id == "sam" ? "Sam, mentor" : id, UtcDay);

        Assert.StartsWith("Payee,", csv, StringComparison.Ordinal);
        Assert.Contains("\"Sam, mentor\",2026-03-12", csv, StringComparison.Ordinal);
    }
}
