using SurvivorConnect.Api.Features.Notifications;

namespace SurvivorConnect.Api.Features.Mentoring;

/// <summary>
/// News of a youth's match that their case managers act on. It goes to the youth's case managers who can act now, once
/// for each key; with none, to the agency's admins, who hand the youth to someone who can: one notice for the match
/// while it is unread, however much news comes (a no, then the decline it makes), and anew once read. Not to an admin
/// kept from the youth, nor to the match's mentor, unless nobody else could be told, and then in words that name no match.
/// </summary>
internal sealed class YouthCaseManagerNews(MentoringData data, Notifier notifier)
{
    public async Task TellAsync(YouthReferral youth, Notice notice, string key, string matchId, CancellationToken ct)
    {
        var caseManagers = await data.ActiveCaseManagersAsync(youth, ct);
        foreach (var caseManager in caseManagers)
        {
            await notifier.SendOnceAsync(caseManager, notice, key, ct, matchId);
        }

        if (caseManagers.Count == 0)
        {
            await TellAdminsAsync(youth, key, matchId, ct);
        }
    }

    /// <summary>The admins' part of <see cref="TellAsync"/>, for news told to the case managers some other way.</summary>
    public async Task TellAdminsAsync(YouthReferral youth, string key, string matchId, CancellationToken ct)
    {
        List<string> except = [.. await data.KeptFromYouthAsync(youth.Id, ct)];
        if (await data.FindAsync<Match>(Match.Container, matchId, ct) is { } match)
        {
            except.Add(match.MentorId);
        }

        var standing = $"match-needs-case-manager~{matchId}";
        await notifier.SendStandingToAdminsAsync(Notices.MatchNeedsCaseManager, standing, key, Notifier.WhileUnread, ct, matchId, except,
            toExceptedAlone: (Notices.YouthNeedsAnAdmin, $"youth-needs-an-admin~{youth.Id}~{standing}"));
    }
}
