using System.Globalization;
using System.Text.Json.Serialization;
using SurvivorConnect.Api.Features.Engagements;
using SurvivorConnect.Api.Features.Engagements.Rules;

namespace SurvivorConnect.Api.Features.Payouts.Rules;

[JsonConverter(typeof(JsonStringEnumConverter<LineKind>))]
public enum LineKind
{
    SessionTime,
    Preparation,
    Stipend,
    Mileage,
    Receipts,
    MealsAndIncidentals,
    Lodging,
}

public static class LineKinds
{
    /// <summary>A line's kind as a payee's statement names it.</summary>
    public static string Words(LineKind kind) => kind switch
    {
        LineKind.SessionTime => "Session time",
        LineKind.MealsAndIncidentals => "Meals and incidentals",
        _ => kind.ToString(),
    };
}

/// <summary>
/// One line of a payout, as the payee reads it. The amount is exact (never rounded on its own): the payout's
/// total is rounded once. Compensation is reported for tax; reimbursements within the rates are not.
/// </summary>
public sealed record PayoutLine(LineKind Kind, string Description, decimal Quantity, decimal Rate, decimal Amount)
{
    public bool IsReimbursement => Kind is LineKind.Mileage or LineKind.Receipts or LineKind.MealsAndIncidentals or LineKind.Lodging;
}

/// <summary>What one session's claim pays, from the opportunity's pay policy and what the participant added for travel.</summary>
public sealed record PayoutInput(
    PayBasis Basis,
    decimal Rate,
    decimal SessionHours,
    int PrepMinutes,
    AttendanceOutcome Outcome,
    decimal Share,
    DateOnly SessionDate,
    bool InPerson,
    string? Location,
    bool TravelAllowed,
    bool PerDiemAllowed,
    TravelClaim? Travel,
    decimal ReceiptCap);

/// <summary>The lines, the compensation and reimbursement parts, and the total rounded once to the cent.</summary>
public sealed record PayoutCalculation(IReadOnlyList<PayoutLine> Lines, decimal Compensation, decimal Reimbursement, decimal Total);

/// <summary>The refusal of a claim the policy does not pay as asked (negative miles, per diem for a virtual session...).</summary>
public sealed class PayoutRuleException(string message) : Exception(message);

/// <summary>
/// What a payout pays: time (hourly with paid preparation, or the flat stipend; partial attendance pro-rated by
/// the minutes attended), mileage at the rate in force on the session's date, receipted costs up to the cap,
/// and per diem at the location's rate (meals and incidentals at 75% on the first and last travel day, as GSA
/// does; lodging as spent, up to the nightly rate). Decimal throughout; rounded once, at the end.
/// </summary>
public static class PayoutCalculator
{
    /// <summary>The share of meals and incidentals paid on the first and on the last day of travel.</summary>
    public const decimal TravelDayShare = 0.75m;

    public static PayoutCalculation Calculate(PayoutInput input, PayRates rates)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(rates);
        var lines = new List<PayoutLine>();
        AddTime(input, lines);
        if (input.Travel is { } travel)
        {
            AddTravel(input, travel, rates, lines);
        }

        var total = Round(lines.Sum(l => l.Amount));
        var compensation = Round(lines.Where(l => !l.IsReimbursement).Sum(l => l.Amount));
        return new PayoutCalculation(lines, compensation, total - compensation, total);
    }

    private static void AddTime(PayoutInput input, List<PayoutLine> lines)
    {
        if (input.Share is < 0 or > 1)
        {
            throw new PayoutRuleException("The paid share of a session is between none and all of it.");
        }

        if (input.Share == 0)
        {
            return;
        }

        var prepHours = input.PrepMinutes / 60m;
        var cancelled = input.Outcome == AttendanceOutcome.CancelledByAgency;
        if (input.Basis == PayBasis.PerSession)
        {
            var partial = input.Outcome == AttendanceOutcome.Partial;
            var part = partial ? ClaimRules.StipendShare(input.Share, input.SessionHours, input.PrepMinutes) : 1m;
            lines.Add(new(LineKind.Stipend,
                partial ? "Session stipend, for the part attended and the whole preparation"
                : cancelled ? "Session stipend for a session the agency cancelled at short notice"
                : "Session stipend (preparation included)",
                part, input.Rate, input.Rate * part));
            return;
        }

        // An approver sees a short-notice cancellation for what it is, not as time someone attended.
        var hours = input.SessionHours * input.Share;
        lines.Add(new(LineKind.SessionTime,
            input.Outcome == AttendanceOutcome.Partial ? "Session time attended"
            : cancelled ? "Session time of a session the agency cancelled at short notice"
            : "Session time",
            hours, input.Rate, hours * input.Rate));
        if (prepHours > 0)
        {
            lines.Add(new(LineKind.Preparation, "Paid preparation", prepHours, input.Rate, prepHours * input.Rate));
        }
    }

    private static void AddTravel(PayoutInput input, TravelClaim travel, PayRates rates, List<PayoutLine> lines)
    {
        var receipts = travel.Costs.Sum(c => c.Amount);
        if (travel.Miles < 0 || receipts < 0 || travel.Costs.Any(c => c.Amount < 0) || travel.TravelDays < 0 || travel.Lodging < 0)
        {
            throw new PayoutRuleException("Miles, receipts, travel days and lodging cannot be negative.");
        }

        if ((travel.Miles > 0 || receipts > 0) && !(input.InPerson && input.TravelAllowed))
        {
            throw new PayoutRuleException("Travel is paid only for an in-person session whose policy covers it.");
        }

        if (travel.StaysAway && !(input.InPerson && input.PerDiemAllowed))
        {
            throw new PayoutRuleException("Per diem is paid only for an in-person session whose policy covers it.");
        }

        if (travel.Miles > 0)
        {
            var perMile = rates.MileageOn(input.SessionDate);
            lines.Add(new(LineKind.Mileage, string.Create(CultureInfo.InvariantCulture, $"Mileage at the rate for {input.SessionDate:yyyy}"), travel.Miles, perMile, travel.Miles * perMile));
        }

        if (receipts > 0)
        {
            var paid = Math.Min(receipts, input.ReceiptCap);
            // The approver sees what each receipt was for, as the person described it.
            var what = string.Join("; ", travel.Costs.Select(c => string.Create(CultureInfo.InvariantCulture, $"{c.Description} {c.Amount:0.00}")));
            lines.Add(new(LineKind.Receipts, paid < receipts ? $"Receipted costs, up to the policy's cap: {what}" : $"Receipted costs: {what}", 1, paid, paid));
        }

        if (travel.TravelDays > 0)
        {
            AddPerDiem(travel, rates.PerDiemFor(input.Location, input.SessionDate), lines);
        }
    }

    private static void AddPerDiem(TravelClaim travel, PerDiemRate rate, List<PayoutLine> lines)
    {
        var where = rate.Location is null ? "standard rate" : $"rate for {rate.Location}";

        // One day away is both the first and the last day; longer trips pay the days between in full.
        var travelDays = Math.Min(travel.TravelDays, 2);
        var fullDays = travel.TravelDays - travelDays;
        var dayRate = rate.MealsAndIncidentals * TravelDayShare;
        lines.Add(new(LineKind.MealsAndIncidentals, $"Meals and incidentals, first and last day at 75% ({where})", travelDays, dayRate, travelDays * dayRate));
        if (fullDays > 0)
        {
            lines.Add(new(LineKind.MealsAndIncidentals, $"Meals and incidentals, full days ({where})", fullDays, rate.MealsAndIncidentals, fullDays * rate.MealsAndIncidentals));
        }

        var nights = travel.TravelDays - 1;
        if (travel.Lodging > 0 && nights > 0)
        {
            var paid = Math.Min(travel.Lodging, nights * rate.Lodging);
            lines.Add(new(LineKind.Lodging, paid < travel.Lodging ? $"Lodging, up to the nightly {where}" : "Lodging", nights, rate.Lodging, paid));
        }
    }

    private static decimal Round(decimal amount) => decimal.Round(amount, 2, MidpointRounding.AwayFromZero);
}
