using System.Globalization;

namespace SurvivorConnect.Api.Features.Engagements.Rules;

/// <summary>A session as a change asks for it: the id of the session it is, when it names one.</summary>
public sealed record SessionDraft(string? Id, DateTime Start, DateTime End, string TimeZone, bool InPerson, string? Location, string? Link);

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
            };
            if (existing is not null && WhyKept(existing, now, withClaims) is { } why && session != existing)
            {
                return Refused($"The session on {Day(existing)} {why}, so it stays as it was.");
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

    private static string? WhyKept(EngagementSession session, DateTimeOffset now, IReadOnlySet<string> withClaims) =>
        session.CancelledAt is not null ? "was cancelled"
        : withClaims.Contains(session.Id) ? "has attendance or a cancelled place recorded"
        : session.StartUtc <= now ? "has begun"
        : null;

    private static string Day(EngagementSession session) => session.Start.ToString("d MMM yyyy", CultureInfo.InvariantCulture);

    private static int NumberOf(string id) =>
        id.StartsWith('s') && int.TryParse(id.AsSpan(1), NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : 0;
}
