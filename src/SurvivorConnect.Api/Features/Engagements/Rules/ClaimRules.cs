using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace SurvivorConnect.Api.Features.Engagements.Rules;

/// <summary>What a participant is owed for one session, by the opportunity's pay policy and what happened.</summary>
public static class ClaimRules
{
    /// <summary>
    /// Days away (per diem and lodging) are a trip's, not a session's: a person's sessions held on the same or following
    /// days (a two-day retreat, say, or a focus group and the next day's advisory board) are one trip, whose days away are
    /// claimed once, on one of its sessions, and for no more days than the trip spans and a day's travel each way. Null
    /// when the claim may stand.
    /// </summary>
    /// <param name="mine">The person's other sessions, each with whether its claim has days away (or lodging), and how many.</param>
    /// <param name="notAttended">
    /// Sessions of the work the person did not attend (missed, or not recorded yet): they join a trip, so its days away
    /// are not claimed on each end of a stay with a day missed or still to record, but do not lengthen it.
    /// </param>
    public static string? WhyNotDaysAway(EngagementSession session, int travelDays, IReadOnlyList<(EngagementSession Session, bool DaysAway, int TravelDays)> mine,
        IReadOnlyList<EngagementSession>? notAttended = null)
    {
        ArgumentNullException.ThrowIfNull(session);
        ArgumentNullException.ThrowIfNull(mine);
        var trip = TripOf(session, [.. mine.Select(o => o.Session)]);
        var first = trip.Append(session).Min(s => DateOnly.FromDateTime(s.Start));
        var last = trip.Append(session).Max(s => DateOnly.FromDateTime(s.End));
        var joined = TripOf(session, [.. mine.Select(o => o.Session), .. notAttended ?? []]);
        if (mine.FirstOrDefault(o => o.DaysAway && joined.Contains(o.Session)) is { Session: { } claimed })
        {
            return $"Days away for this trip are claimed with the session of {claimed.Start.ToString("d MMM yyyy", CultureInfo.InvariantCulture)} already: claim the whole trip's days once, there.";
        }

        var span = last.DayNumber - first.DayNumber + 1;

        // The one day between two trips (sessions on the 14th and the 16th) is a travel day of one of them, not of both:
        // next to a trip whose days away took a travel day on each side of it, this one has none on that side. One that
        // took a single travel day may have taken the other side's, so it is given the benefit of the doubt.
        var sharedDays = new[] { first.AddDays(-2), last.AddDays(2) }.Count(day => mine.Any(o => o.TravelDays > 0 && !joined.Contains(o.Session)
            && (DateOnly.FromDateTime(o.Session.End) == day || DateOnly.FromDateTime(o.Session.Start) == day)
            && o.TravelDays >= SpanOf(o.Session, [.. mine.Select(m => m.Session)]) + 2));
        var most = span + 2 - sharedDays;
        return travelDays <= most ? null
            : sharedDays == 0 ? $"This trip's sessions span {span} {(span == 1 ? "day" : "days")}: at most {most} days away, with a day to travel each way."
            : $"This trip's sessions span {span} {(span == 1 ? "day" : "days")}: at most {most} {(most == 1 ? "day" : "days")} away. The day between it and your trip whose days away are claimed already is paid with that trip.";
    }

    /// <summary>How many days the trip of <paramref name="session"/>, among <paramref name="others"/>, spans.</summary>
    private static int SpanOf(EngagementSession session, IReadOnlyList<EngagementSession> others)
    {
        var trip = TripOf(session, others).Append(session).ToList();
        return trip.Max(s => DateOnly.FromDateTime(s.End)).DayNumber - trip.Min(s => DateOnly.FromDateTime(s.Start)).DayNumber + 1;
    }

    /// <summary>
    /// What a trip someone stayed away for (days away or lodging, on any of its sessions) cost is paid back once: the
    /// drive there and back, and each receipt (the same description and amount), claimed already with another of its
    /// sessions. Someone who comes from home each day pays each day's parking or fare, but once a day: sessions on the
    /// same day (a morning and an afternoon) are one journey. Null when the travel may stand.
    /// </summary>
    /// <param name="session">The session the travel is claimed with.</param>
    /// <param name="trip">The travel claimed for the trip's other sessions, each with its session.</param>
    public static string? WhyNotTravelAgain(EngagementSession session, TravelClaim travel, IReadOnlyList<(EngagementSession Session, TravelClaim Travel)> trip)
    {
        ArgumentNullException.ThrowIfNull(session);
        ArgumentNullException.ThrowIfNull(travel);
        ArgumentNullException.ThrowIfNull(trip);
        var stayed = travel.StaysAway || trip.Any(t => t.Travel.StaysAway);
        var day = DateOnly.FromDateTime(session.Start);
        var once = stayed ? trip : [.. trip.Where(t => DateOnly.FromDateTime(t.Session.Start) == day)];
        var (what, why) = stayed ? ("trip", "a trip you stayed away for is one drive there and back") : ("day", "sessions on one day are one drive there and back");

        static string On(EngagementSession s) => s.Start.ToString("d MMM yyyy", CultureInfo.InvariantCulture);
        foreach (var (other, claimed) in once)
        {
            if (travel.Costs.FirstOrDefault(c => claimed.Costs.Any(d => d.Amount == c.Amount && string.Equals(d.Description.Trim(), c.Description.Trim(), StringComparison.OrdinalIgnoreCase))) is { } again)
            {
                return $"The receipt \"{again.Description.Trim()}\" is on your claim for the session of {On(other)} already: a cost of the {what} is paid back once.";
            }
        }

        if (travel.Miles > 0 && once.FirstOrDefault(t => t.Travel.Miles > 0) is { Session: { } driven })
        {
            return $"The miles for this {what} are on your claim for the session of {On(driven)} already: {why}.";
        }

        // Staying away makes days driven to one by one a single trip: miles or a receipt already on two of its days are
        // one drive, one cost, until all but one are taken off.
        if (stayed && !trip.Any(t => t.Travel.StaysAway))
        {
            var drives = trip.Where(t => t.Travel.Miles > 0).Select(t => t.Session).OrderBy(s => s.Start).ToList();
            if (drives.Count > 1)
            {
                return $"Miles are on your claims for the sessions of {On(drives[0])} and {On(drives[1])}: {why}. Take them off all but one before you claim days away.";
            }

            var costs = trip.SelectMany(t => t.Travel.Costs.Select(c => (t.Session, Key: (c.Amount, c.Description.Trim().ToUpperInvariant()), c.Description)));
            if (costs.GroupBy(c => c.Key).FirstOrDefault(g => g.Count() > 1) is { } twice)
            {
                return $"The receipt \"{twice.First().Description.Trim()}\" is on your claims for more than one of this trip's sessions: a cost of the trip is paid back once. Take it off all but one before you claim days away.";
            }
        }

        return null;
    }

    /// <summary>The other sessions of <paramref name="session"/>'s trip: those of <paramref name="others"/> held on the same or following days, one after another.</summary>
    public static IReadOnlyList<EngagementSession> TripOf(EngagementSession session, IReadOnlyList<EngagementSession> others)
    {
        ArgumentNullException.ThrowIfNull(session);
        ArgumentNullException.ThrowIfNull(others);
        var (first, last) = (DateOnly.FromDateTime(session.Start), DateOnly.FromDateTime(session.End));
        var trip = new List<EngagementSession>();
        for (var joined = true; joined;)
        {
            joined = false;
            foreach (var other in others.Where(o => o.Id != session.Id && !trip.Contains(o)))
            {
                var (start, end) = (DateOnly.FromDateTime(other.Start), DateOnly.FromDateTime(other.End));
                if (start <= last.AddDays(1) && end >= first.AddDays(-1))
                {
                    trip.Add(other);
                    (first, last) = (start < first ? start : first, end > last ? end : last);
                    joined = true;
                }
            }
        }

        return trip;
    }

    /// <summary>
    /// Attended: the session and its paid preparation. Partial: the minutes attended and the preparation (a flat
    /// stipend in proportion to the time of both). No-show: nothing. Cancelled by the agency: as if attended when the
    /// cancellation came inside the late window and the agency's rule says so, otherwise nothing.
    /// </summary>
    public static (decimal Hours, decimal Amount) Owed(
        Compensation pay, EngagementSession session, AttendanceOutcome outcome, int? minutesAttended, bool lateCancellation, bool lateCancellationPays)
    {
        ArgumentNullException.ThrowIfNull(pay);
        ArgumentNullException.ThrowIfNull(session);
        var sessionHours = (decimal)session.Hours;
        var share = Share(outcome, minutesAttended, sessionHours, lateCancellation, lateCancellationPays);
        if (share == 0)
        {
            return (0, 0);
        }

        // Worked out from the hours as they are, rounded once, as the payout is: rounded hours times the rate would show
        // the survivor an amount (30.15 for 40 minutes at 45) that the payout (30.00) does not pay.
        var hours = sessionHours * share + pay.PrepMinutesPerSession / 60m;
        var amount = pay.Basis == PayBasis.Hourly
            ? Round(hours * pay.Rate)
            : Round(pay.Rate * StipendShare(share, sessionHours, pay.PrepMinutesPerSession));
        return (Round(hours), amount);
    }

    /// <summary>
    /// The part of a flat stipend paid for <paramref name="share"/> of its session. The stipend pays the session and its
    /// preparation together, and the preparation was done in full: scaling the whole stipend by the minutes attended
    /// would pay the preparation below the benchmark the stipend was checked against. Nothing attended pays nothing.
    /// </summary>
    public static decimal StipendShare(decimal share, decimal sessionHours, int prepMinutes)
    {
        var prepHours = prepMinutes / 60m;
        return share <= 0 || sessionHours + prepHours <= 0 ? 0 : (sessionHours * share + prepHours) / (sessionHours + prepHours);
    }

    /// <summary>
    /// The part of the session that is paid: all of it when attended (or cancelled late by an agency whose rule
    /// pays that), the minutes attended of a partial attendance, nothing for a no-show. Unrounded: the payout
    /// rounds once, at the end.
    /// </summary>
    public static decimal Share(AttendanceOutcome outcome, int? minutesAttended, decimal sessionHours, bool lateCancellation, bool lateCancellationPays) => outcome switch
    {
        AttendanceOutcome.Attended => 1m,
        AttendanceOutcome.Partial => sessionHours <= 0 ? 0 : Math.Min(1m, (minutesAttended ?? 0) / 60m / sessionHours),
        AttendanceOutcome.CancelledByAgency when lateCancellation && lateCancellationPays => 1m,
        _ => 0m,
    };

    /// <summary>
    /// Whether one person could have taken part in both sessions for the minutes recorded: sessions at the same time are
    /// paid twice for one stretch of someone's time otherwise. Someone who left one early for the other may have both
    /// recorded, as long as the minutes fit between the first start and the last end.
    /// </summary>
    public static bool CouldTakePartInBoth(EngagementSession one, int oneMinutes, EngagementSession other, int otherMinutes)
    {
        ArgumentNullException.ThrowIfNull(one);
        ArgumentNullException.ThrowIfNull(other);
        if (one.StartUtc >= other.EndUtc || other.StartUtc >= one.EndUtc)
        {
            return true;
        }

        var span = (one.EndUtc > other.EndUtc ? one.EndUtc : other.EndUtc) - (one.StartUtc < other.StartUtc ? one.StartUtc : other.StartUtc);
        return oneMinutes + otherMinutes <= span.TotalMinutes;
    }

    /// <summary>
    /// Whether someone held a seat when a session started, so its attendance is theirs to have recorded: confirmed by
    /// then and still, or confirmed by then and withdrawn only after it began (they may have taken part, and are paid for
    /// what they did). One moved up from the waiting list after it began was not there. A place still confirmed from
    /// before seats kept their time is taken as held; one withdrawn from then is not (when it was held is not known).
    /// </summary>
    public static bool HeldSeatAt(ParticipationState state, DateTimeOffset? confirmedAt, DateTimeOffset? changedAt, DateTimeOffset sessionStart) => state switch
    {
        ParticipationState.Confirmed => confirmedAt is null || confirmedAt <= sessionStart,
        ParticipationState.Withdrawn => confirmedAt <= sessionStart && changedAt > sessionStart,
        _ => false,
    };

    /// <summary>
    /// Whether the agency's cancellation of someone's place in a session, recorded at <paramref name="cancelledAt"/>,
    /// is about the place they hold now: one recorded before they were last confirmed (they withdrew and came back)
    /// was about a place they gave up. A place confirmed before places kept their time is taken as the same one.
    /// </summary>
    public static bool CancelsPlace(DateTimeOffset cancelledAt, ParticipationState state, DateTimeOffset? confirmedAt) =>
        state == ParticipationState.Confirmed && (confirmedAt is null || cancelledAt >= confirmedAt);

    /// <summary>Who recorded <paramref name="existing"/> before <paramref name="recorder"/> records it again, the latest kept when there are too many.</summary>
    public static IReadOnlyList<string> EarlierRecorders(CompensationClaim? existing, string recorder) =>
        existing is null
            ? []
            : [.. existing.EarlierRecordedBy.Append(existing.RecordedBy).Where(r => r != recorder).Reverse().Distinct(StringComparer.Ordinal)
                .Take(CompensationClaim.MaxEarlierRecorders).Reverse()];

    /// <summary>
    /// Whether recording <paramref name="outcome"/> (and <paramref name="minutes"/> attended) would change a claim finance
    /// already has: sent again as it stands, it changes nothing.
    /// </summary>
    public static bool ChangesHeldClaim([NotNullWhen(true)] CompensationClaim? claim, AttendanceOutcome outcome, int? minutes) =>
        claim is { State: not ClaimState.Open }
        && (claim.Outcome != outcome || claim.MinutesAttended != (outcome == AttendanceOutcome.Partial ? minutes : null));

    /// <summary>Whether <paramref name="claim"/> records the agency cancelling the place <paramref name="place"/> is now.</summary>
    public static bool CancelsPlace([NotNullWhen(true)] CompensationClaim? claim, Participation? place) =>
        claim is { Outcome: AttendanceOutcome.CancelledByAgency } && place is not null && CancelsPlace(claim.RecordedAt, place.State, place.ConfirmedAt);

    /// <summary>
    /// Whether a cancellation recorded at <paramref name="recordedAt"/> cancelled in time the place of someone confirmed at
    /// <paramref name="confirmedAt"/>: before the session began, and for the place they hold (not an earlier one they left).
    /// </summary>
    public static bool CancelledInTime(DateTimeOffset recordedAt, DateTimeOffset sessionStart, DateTimeOffset? confirmedAt) =>
        recordedAt < sessionStart && (confirmedAt is null || recordedAt >= confirmedAt);

    /// <summary>
    /// Whether what was recorded of a session may take the place of the agency's cancellation of someone's place in it:
    /// only that they came all the same, paid no less than the cancellation. They were told not to come, so "did not come"
    /// is not theirs to answer for, and a cancellation's pay, once promised, is not taken back.
    /// </summary>
    public static bool MayReplaceCancellation(decimal cancellationAmount, AttendanceOutcome outcome, decimal amount) =>
        outcome is AttendanceOutcome.Attended or AttendanceOutcome.Partial && amount >= cancellationAmount;

    /// <summary>Whether a claim recorded again pays less than before, which its holder is told of.</summary>
    public static bool PaysLess(decimal before, TravelClaim? travelBefore, decimal after, TravelClaim? travelAfter) =>
        after < before || travelBefore is { ClaimsAnything: true } && travelAfter is null;

    /// <summary>Whether two travel claims ask for the same: the same miles, receipts, days away and lodging.</summary>
    public static bool SameTravel(TravelClaim? before, TravelClaim? after) =>
        before is null || after is null
            ? before is null && after is null
            : before.Miles == after.Miles && before.TravelDays == after.TravelDays && before.Lodging == after.Lodging && before.Costs.SequenceEqual(after.Costs);

    /// <summary>Whether a claim pays nothing: no share of the session and no travel claimed on it.</summary>
    public static bool OwesNothing(decimal amount, TravelClaim? travel) => amount == 0 && travel is not { ClaimsAnything: true };

    /// <summary>
    /// How long before a session someone may already be on their way to it (a day's travel, and a night away before):
    /// a place cancelled inside it may still pay mileage and days away, whatever the agency's window for paying time.
    /// </summary>
    public const int TravelWindowHours = 48;

    /// <summary>A cancellation inside the window before the session starts is late.</summary>
    public static bool IsLate(DateTimeOffset cancelledAt, DateTimeOffset sessionStart, int windowHours) =>
        sessionStart - cancelledAt < TimeSpan.FromHours(windowHours);

    private static decimal Round(decimal value) => decimal.Round(value, 2, MidpointRounding.AwayFromZero);
}
