using SurvivorConnect.Api.Features.Consent;

namespace SurvivorConnect.Api.Features.Mentoring.Rules;

/// <summary>
/// A youth's no to a mentor stands until they say yes themselves. Once they said no (declined a match with the mentor,
/// ended one, had it closed as their choice, or withdrew their consent to one), staff cannot say yes for them to any
/// match with that mentor, however often it is proposed again; only the youth can. A no staff recorded for the youth
/// counts too (a decline, or their consent to a match revoked by staff, who do it at their word, and did before a
/// revocation said so: the safe side), as the youth may have no sign-in or a phone someone else watches; a yes counts
/// only from the youth. A yes staff took back as recorded in error was never the youth's word at all.
/// Pure: the pair's matches and the youth's consents to them decide.
/// </summary>
public static class YouthsOwnAnswer
{
    /// <param name="youthPersonId">
    /// The youth's sign-in now, which names the youth's own yes in moves recorded before moves said so themselves, and in
    /// their consents. A yes under an earlier sign-in is not counted (the safe side).
    /// </param>
    /// <param name="pairMatches">Every match between the youth and the mentor.</param>
    /// <param name="consents">The youth's consents to those matches.</param>
    public static bool SaidNo(string? youthPersonId, IEnumerable<Match> pairMatches, IEnumerable<ConsentRecord> consents)
    {
        ArgumentNullException.ThrowIfNull(pairMatches);
        ArgumentNullException.ThrowIfNull(consents);
        bool Own(MatchTransition t) => t.ByYouth || (youthPersonId is not null && t.By == youthPersonId);
        var moves = pairMatches
            .SelectMany(m => m.History.Select(t => t.Action switch
            {
                nameof(MatchAction.YouthDecline) or nameof(MatchAction.YouthEnd) => (t.At, No: true),
                nameof(MatchAction.Close) when m.Closure is { Reason: ClosureReason.YouthChoice } => (t.At, No: true),
                nameof(MatchAction.YouthAgree) when Own(t) => (t.At, No: false),
                _ => ((DateTimeOffset At, bool No)?)null,
            }))
            .OfType<(DateTimeOffset At, bool No)>();
        var given = consents
            .Where(c => c.Grantor == ConsentGrantor.Youth && c.Scope == MentoringScopes.MentoringMatch)
            .SelectMany(c => new[]
            {
                youthPersonId is not null && c.RecordedBy == youthPersonId ? (At: c.GrantedAt, No: false) : ((DateTimeOffset At, bool No)?)null,
                c is { RevokedAt: { } withdrawn, RecordedInError: false } ? (withdrawn, true) : null,
            })
            .OfType<(DateTimeOffset At, bool No)>();

        return moves.Concat(given).OrderBy(a => a.At).LastOrDefault() is { No: true };
    }
}
