using SurvivorConnect.Api.Features.Consent;

namespace SurvivorConnect.Api.Features.Mentoring.Rules;

/// <summary>
/// A youth's own answer about a mentor stands until they give another. Once they said no themselves (declined a match
/// with the mentor, ended one, or withdrew their consent to one), staff cannot say yes for them to any match with that
/// mentor, however often it is proposed again; only the youth can. Pure: the pair's matches and the youth's consents to
/// them decide.
/// </summary>
public static class YouthsOwnAnswer
{
    /// <param name="youthPersonId">
    /// The youth's sign-in now, which names the youth's own moves recorded before moves said so themselves, and their
    /// own consents. A no stands whatever the sign-in becomes; a yes under an earlier sign-in is not counted (the safe side).
    /// </param>
    /// <param name="pairMatches">Every match between the youth and the mentor.</param>
    /// <param name="consents">The youth's consents to those matches.</param>
    public static bool SaidNo(string? youthPersonId, IEnumerable<Match> pairMatches, IEnumerable<ConsentRecord> consents)
    {
        ArgumentNullException.ThrowIfNull(pairMatches);
        ArgumentNullException.ThrowIfNull(consents);
        var moves = pairMatches
            .SelectMany(m => m.History)
            .Where(t => (t.ByYouth || (youthPersonId is not null && t.By == youthPersonId))
                && t.Action is nameof(MatchAction.YouthAgree) or nameof(MatchAction.YouthDecline) or nameof(MatchAction.YouthEnd))
            .Select(t => (t.At, No: t.Action != nameof(MatchAction.YouthAgree)));
        var given = consents
            .Where(c => c.Grantor == ConsentGrantor.Youth && c.Scope == MentoringScopes.MentoringMatch)
            .SelectMany(c => new[]
            {
                youthPersonId is not null && c.RecordedBy == youthPersonId ? (At: c.GrantedAt, No: false) : ((DateTimeOffset At, bool No)?)null,
                c is { WithdrawnBySubject: true, RevokedAt: { } withdrawn } ? (withdrawn, true) : null,
            })
            .OfType<(DateTimeOffset At, bool No)>();

        return moves.Concat(given).OrderBy(a => a.At).LastOrDefault() is { No: true };
    }
}
