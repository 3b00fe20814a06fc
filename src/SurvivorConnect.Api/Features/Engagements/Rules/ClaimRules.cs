namespace SurvivorConnect.Api.Features.Engagements.Rules;

/// <summary>What a participant is owed for one session, by the opportunity's pay policy and what happened.</summary>
public static class ClaimRules
{
    /// <summary>
    /// Attended: the session and its paid preparation. Partial: the minutes attended and the preparation (a flat
    /// stipend in proportion to the session). No-show: nothing. Cancelled by the agency: as if attended when the
    /// cancellation came inside the late window and the agency's rule says so, otherwise nothing.
    /// </summary>
    public static (decimal Hours, decimal Amount) Owed(
        Compensation pay, EngagementSession session, AttendanceOutcome outcome, int? minutesAttended, bool lateCancellation, bool lateCancellationPays)
    {
        ArgumentNullException.ThrowIfNull(pay);
        ArgumentNullException.ThrowIfNull(session);
        var sessionHours = (decimal)session.Hours;
        var prepHours = pay.PrepMinutesPerSession / 60m;
        var share = outcome switch
        {
            AttendanceOutcome.Attended => 1m,
            AttendanceOutcome.Partial => sessionHours <= 0 ? 0 : Math.Min(1m, (minutesAttended ?? 0) / 60m / sessionHours),
            AttendanceOutcome.CancelledByAgency when lateCancellation && lateCancellationPays => 1m,
            _ => 0m,
        };
        if (share == 0)
        {
            return (0, 0);
        }

        var hours = Round(sessionHours * share + prepHours);
        var amount = pay.Basis == PayBasis.Hourly
            ? Round(hours * pay.Rate)
            : Round(pay.Rate * (outcome == AttendanceOutcome.Partial ? share : 1m));
        return (hours, amount);
    }

    /// <summary>A cancellation inside the window before the session starts is late.</summary>
    public static bool IsLate(DateTimeOffset cancelledAt, DateTimeOffset sessionStart, int windowHours) =>
        sessionStart - cancelledAt < TimeSpan.FromHours(windowHours);

    private static decimal Round(decimal value) => decimal.Round(value, 2, MidpointRounding.AwayFromZero);
}
