namespace SurvivorConnect.Api.Features.Payouts.Rules;

/// <summary>The compensation paid in a calendar year at or above which an information return is due (from a year on).</summary>
public sealed record ReportingThreshold(int FromYear, decimal Amount);

/// <summary>One payee's year: compensation (reported) and reimbursements within the rates (reported apart).</summary>
public sealed record PayeeYear(string PayeeId, int Year, decimal Compensation, decimal Reimbursement)
{
    public decimal Total => Compensation + Reimbursement;
}

/// <summary>
/// Information returns (US: $600 a year of compensation until 2025, $2,000 for payments from 2026). Only
/// compensation counts: reimbursements within the rates are not income to report.
/// </summary>
public static class TaxYear
{
    public static decimal ThresholdFor(int year, IReadOnlyList<ReportingThreshold> thresholds)
    {
        ArgumentNullException.ThrowIfNull(thresholds);
        return thresholds.Where(t => t.FromYear <= year).MaxBy(t => t.FromYear)?.Amount
            ?? throw new InvalidOperationException($"No information-return threshold is configured for {year}.");
    }

    public static bool Crosses(decimal compensation, int year, IReadOnlyList<ReportingThreshold> thresholds) =>
        compensation >= ThresholdFor(year, thresholds);

    /// <summary>Whether paying <paramref name="more"/> compensation takes the year to the threshold, so tax details are needed first.</summary>
    public static bool NeedsTaxDetails(decimal paidThisYear, decimal more, int year, IReadOnlyList<ReportingThreshold> thresholds) =>
        more > 0 && Crosses(paidThisYear + more, year, thresholds);
}
