using System.Globalization;

namespace SurvivorConnect.Api.Features.Engagements.Rules;

/// <summary>A session as a change asks for it: the id of the session it is, when it names one.</summary>
public sealed record SessionDraft(string? Id, DateTime Start, DateTime End, string TimeZone, bool InPerson, string? Location, string? Link, string? Area = null);

/// <summary>An opportunity's sessions after a change, or why the change may not be made.</summary>
public sealed record SessionChangeResult(IReadOnlyList<EngagementSession> Sessions, int LastSessionNumber, string? Refusal);

/// <summary>
/// Which session is which when an opportunity changes. Claims, reminders and cancellations are kept by a session's
/// id, so a session keeps it: a requested session is the one it names, or failing that an existing one at the same
/// times, or else a new one under an id never used before. A session that has begun, was cancelled, or has claims
/// stays exactly as it was: its pay was worked out from it, and a cancelled one must not come back.
/// </summary>
public static class SessionChanges
{
    public static SessionChangeResult Apply(
        IReadOnlyList<EngagementSession> before, int lastSessionNumber, IReadOnlyList<SessionDraft> requested, DateTimeOffset now, IReadOnlySet<string> withClaims)
    {
        ArgumentNullException.ThrowIfNull(before);
        ArgumentNullException.ThrowIfNull(requested);
        ArgumentNullException.ThrowIfNull(withClaims);
        var last = Math.Max(lastSessionNumber, before.Select(s => NumberOf(s.Id)).DefaultIfEmpty(0).Max());
        var unmatched = before.ToList();
        var sessions = new List<EngagementSession>();
        foreach (var draft in requested)
        {
            var existing = draft.Id is { } id
                ? before.FirstOrDefault(s => s.Id == id)
                : unmatched.FirstOrDefault(s => s.Start == draft.Start && s.End == draft.End && EngagementTime.SameZone(s.TimeZone, draft.TimeZone));
            if (draft.Id is not null && existing is null)
            {
                return Refused($"There is no session '{draft.Id}' on this opportunity.");
            }

            if (existing is not null && !unmatched.Remove(existing))
            {
                return Refused($"The session '{existing.Id}' is named twice.");
            }

            // A zone spelt another way is the same zone: the session keeps its own spelling, so it is not changed by it.
            var zone = existing is not null && EngagementTime.SameZone(existing.TimeZone, draft.TimeZone) ? existing.TimeZone : draft.TimeZone;
            var session = new EngagementSession(existing?.Id ?? $"s{++last}", draft.Start, draft.End, zone, draft.InPerson, draft.Location, draft.Link)
            {
                CancelledAt = existing?.CancelledAt,
                Area = draft.Area,
            };
            if (existing is not null && WhyKept(existing, now, withClaims) is { } why && session != existing)
            {
                return Refused($"The session on {Day(existing)} {why}, so it stays as it was.");
            }

            // Offered work is not set in the past: attendance could be recorded for it at once, for people never there.
            if ((existing is null || Moved(existing, session)) && session.StartUtc <= now)
            {
                return Refused($"The session on {Day(session)} would begin in the past. Sessions are set to begin later than now.");
            }

            sessions.Add(session);
        }

        foreach (var removed in unmatched)
        {
            if (WhyKept(removed, now, withClaims) is { } why)
            {
                return Refused($"The session on {Day(removed)} {why}, so it cannot be taken off.");
            }
        }

        return new SessionChangeResult(sessions, last, null);

        SessionChangeResult Refused(string why) => new(before, lastSessionNumber, why);
    }

    /// <summary>
    /// With people confirmed, a session not yet begun is cancelled rather than taken off, or moved within the late
    /// cancellation window: a cancellation tells them and pays them as the cancellation terms say; a quiet change would not.
    /// </summary>
    public static string? WhyNotWhileConfirmed(IReadOnlyList<EngagementSession> before, IReadOnlyList<EngagementSession> after, DateTimeOffset now, LateCancellationTerms terms)
    {
        ArgumentNullException.ThrowIfNull(before);
        ArgumentNullException.ThrowIfNull(after);
        ArgumentNullException.ThrowIfNull(terms);
        var paid = terms.Pays ? "told, and paid as the cancellation terms say" : "told as the cancellation terms say";
        foreach (var session in before.Where(s => s.CancelledAt is null && s.StartUtc > now))
        {
            if (after.FirstOrDefault(s => s.Id == session.Id) is not { } kept)
            {
                return $"People are confirmed for the session on {Day(session)}. Cancel it instead, so they are {paid}.";
            }

            if (Moved(session, kept) && session.StartUtc - now < TimeSpan.FromHours(terms.Hours))
            {
                return $"The session on {Day(session)} begins within {terms.Hours} hours and people are confirmed for it. Cancel it instead, so they are {paid}.";
            }

            // Nor is it moved into that time: whoever cannot come at short notice would lose what a cancellation pays.
            if (Moved(session, kept) && kept.StartUtc - now < TimeSpan.FromHours(terms.Hours))
            {
                return $"People are confirmed for the session on {Day(session)}, and it would then begin within {terms.Hours} hours. Cancel it instead, so they are {paid}, and add a new one.";
            }
        }

        return null;
    }

    /// <summary>
    /// A new time, or a switch between in person and online (someone already on their way loses the session, and travel
    /// to an online one is not paid). A new address for an in-person session is told to them, not refused.
    /// </summary>
    private static bool Moved(EngagementSession before, EngagementSession after) =>
        before.Start != after.Start || before.End != after.End || !EngagementTime.SameZone(before.TimeZone, after.TimeZone) || before.InPerson != after.InPerson;

    private static string? WhyKept(EngagementSession session, DateTimeOffset now, IReadOnlySet<string> withClaims) =>
        session.CancelledAt is not null ? "was cancelled"
        : withClaims.Contains(session.Id) ? "has attendance or a cancelled place recorded"
        : session.StartUtc <= now ? "has begun"
        : null;

    private static string Day(EngagementSession session) => session.Start.ToString("d MMM yyyy", CultureInfo.InvariantCulture);

    private static int NumberOf(string id) =>
        id.StartsWith('s') && int.TryParse(id.AsSpan(1), NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : 0;
}
