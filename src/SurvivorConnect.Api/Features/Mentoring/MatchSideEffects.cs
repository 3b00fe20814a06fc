using Mediator;
using SurvivorConnect.Api.Features.Consent;
using SurvivorConnect.Api.Features.Mentoring.Rules;
using SurvivorConnect.Api.Features.Notifications;
using SurvivorConnect.Api.Features.People;
using SurvivorConnect.Api.Infrastructure.Auth;
using SurvivorConnect.Api.Infrastructure.Pipeline;
using SurvivorConnect.Api.Infrastructure.Tenancy;
using SurvivorConnect.Storage;

namespace SurvivorConnect.Api.Features.Mentoring;

/// <summary>
/// What follows a match's move, in order: the consent it gave is recorded (before the chat is told, as the chat
/// opens only on current consent), whatever depends on the match (its chat) is told, then the people in it.
/// </summary>
internal sealed class MatchMovedHandler(MentoringData data, Notifier notifier, YouthCaseManagerNews caseManagerNews, IPublisher publisher, TimeProvider time) : INotificationHandler<MatchMoved>
{
    public async ValueTask Handle(MatchMoved notification, CancellationToken ct)
    {
        var match = notification.Match;
        var youthSaidNoMeanwhile = false;
        ConsentRecord? given = null;
        if (notification.ConsentGiven is { } grantor)
        {
            // Written after the move, which cannot take it back: a blip must not leave the match without the yes that
            // moved it, which nothing could then give again (the step is made), so it is tried again under one id.
            given = new ConsentRecord
            {
                Id = StepId(match, "consent"),
                SubjectId = grantor == ConsentGrantor.Mentor ? match.MentorId : match.YouthId,
                Grantor = grantor,
                Scope = MentoringScopes.MentoringMatch,
                MatchId = match.Id,
                GrantedAt = data.Now,
                RecordedBy = data.User.UserId,
                GivenBySubject = grantor == ConsentGrantor.Mentor || match.History[^1].ByYouth,
            };
            try
            {
                await CreateOnce.WriteAsync(() => data.Store.CreateAsync(ConsentRecord.Container, given, CancellationToken.None), time);
            }
            catch (StoreException ex) when (ex.IsAlreadyThere)
            {
                // Recorded by the step's first try.
                given = await data.Store.ReadAsync<ConsentRecord>(ConsentRecord.Container, given.Id, data.Store.AgencyId, CancellationToken.None) ?? given;
            }

            youthSaidNoMeanwhile = grantor == ConsentGrantor.Youth && match.History[^1] is { ByYouth: false } && await StopIfYouthSaidNoMeanwhileAsync(given, ct);
        }

        // Its chat is made all the same (closed to sends without the youth's yes, and open again should they give it).
        await publisher.Publish(new MatchChanged(match.Id, Activated: match.State == MatchState.Active), ct);
        if (youthSaidNoMeanwhile)
        {
            // Nobody is told of a yes the youth's no took back; their case managers are told of the withdrawal.
            return;
        }

        var caseManagers = await data.ActiveCaseManagersAsync(notification.Youth, ct);
        // Once for the step, so the step sent again tells nobody twice.
        foreach (var (to, notice) in MatchNotices.For(notification.Action, match, notification.Youth, caseManagers))
        {
            await notifier.SendOnceAsync(to!, notice, $"{StepId(match, "told")}~{notice.Kind}", ct, match.Id);
        }

        if (notification.Action == MatchAction.YouthAgree && match.History[^1] is { ByYouth: false } && given is not null)
        {
            await TellYouthOfYesForThemAsync(notifier, notification.Youth, given, ct);
        }

        // A yes only a case manager can put to the youth, and the youth has none who could: the admins give them one. The
        // only admin, the match's own mentor, is told only that a youth needs an admin: not that their yes was held.
        if (caseManagers.Count == 0 && match.State == MatchState.AwaitingCaseManager)
        {
            var key = $"held-needs-case-manager~{match.Id}";
            await notifier.SendOnceToAdminsAsync(Notices.HeldMatchNeedsCaseManager, key, ct, match.Id, except: [match.MentorId, .. await data.KeptFromYouthAsync(match.YouthId, ct)],
                toExceptedAlone: (Notices.YouthNeedsAnAdmin, $"youth-needs-an-admin~{match.YouthId}~{key}"));
        }
        else if (caseManagers.Count == 0 && MatchNotices.ForCaseManagers(notification.Action, match) is not null)
        {
            // News a case manager would act on, and nobody who could: the admins hand the youth to someone who can.
            await caseManagerNews.TellAdminsAsync(notification.Youth, StepId(match, "told"), match.Id, ct);
        }
    }

    /// <summary>
    /// The youth's own no, written after the move read their consents and before staff's yes for them was recorded, wins:
    /// the yes is taken back at once, as a yes staff record through the consent registry is. True when it was.
    /// </summary>
    private async Task<bool> StopIfYouthSaidNoMeanwhileAsync(ConsentRecord given, CancellationToken ct)
    {
        List<ConsentRecord> like = [.. (await data.AllAsync<ConsentRecord>(ConsentRecord.Container,
                [Filter.Eq("subjectId", given.SubjectId), Filter.Eq("scope", given.Scope), Filter.Eq("matchId", given.MatchId!)], CancellationToken.None))
            .Where(c => c.Grantor == given.Grantor && c.PartnerAgencyId is null)];
        if (!ConsentRecord.SubjectsLastWordIsNo(like))
        {
            return false;
        }

        // Taken back already when the youth's no, read again after it was written, found it.
        if (like.FirstOrDefault(c => c.Id == given.Id) is { RevokedAt: null } standing)
        {
            try
            {
                await publisher.Publish(new ConsentChanged(
                    await data.Store.ReplaceAsync(ConsentRecord.Container, standing with { RevokedAt = data.Now }, standing.ETag!, CancellationToken.None)), ct);
            }
            catch (StoreException ex) when (ex.Kind == StoreErrorKind.PreconditionFailed)
            {
                // The youth's no reached it first (a yes is changed only by being taken back).
            }
        }

        return true;
    }

    /// <summary>
    /// One id for what a step of the match leads to, so the step sent again (its follow-ups unfinished) records and tells
    /// each once. Made from when the step was taken, which neither party is shown, so nobody works out from a notice's
    /// or a consent's id how many steps the match took (whether a mentor's yes waited for the case manager, say).
    /// </summary>
    private static string StepId(Match match, string what) =>
        Digest.Of($"{match.Id}~{match.History.Count}~{match.History[^1].At.UtcTicks}~{what}", 32);

    /// <summary>
    /// Staff said yes for the youth: the youth hears it, once for each yes recorded (a yes taken back and recorded again is
    /// told again), so a yes they never gave is seen by them.
    /// </summary>
    public static async Task TellYouthOfYesForThemAsync(Notifier notifier, YouthReferral youth, ConsentRecord yes, CancellationToken ct)
    {
        if (youth.PersonId is { } person)
        {
            await notifier.SendOnceAsync(person, Notices.MatchAgreedForYou, $"match-agreed-for-you~{yes.Id}", ct, yes.MatchId);
        }
    }
}

/// <summary>
/// A youth given a sign-in hears of each yes on a match still open that they did not give from it: one staff recorded
/// for them (their agreement, or their consent), as they would have heard it had they had a sign-in, and one given from
/// their earlier sign-in, which may have been in someone else's hands. A yes they never gave is seen by them.
/// </summary>
internal sealed class YesForYouthOnSignIn(MentoringData data, Notifier notifier) : INotificationHandler<YouthSignInLinked>
{
    public async ValueTask Handle(YouthSignInLinked notification, CancellationToken ct)
    {
        var youth = notification.Youth;
        var open = await data.MatchesAsync(Filter.Eq("youthId", youth.Id), openOnly: true, ct);
        if (open.Count == 0)
        {
            return;
        }

        // Agreeing to a match records the youth's consent, whoever agreed, so the consents tell every such yes.
        var consents = await data.ConsentsAsync(Filter.In("matchId", [.. open.Select(m => m.Id)]), ct);
        var yeses = consents
            .Where(c => c is { Grantor: ConsentGrantor.Youth, Scope: MentoringScopes.MentoringMatch } && c.SubjectId == youth.Id && c.IsCurrent(data.Now)
                && c.RecordedBy != youth.PersonId)
            .DistinctBy(c => (c.MatchId, c.RecordedBy == notification.PreviousPersonId));
        foreach (var yes in yeses)
        {
            if (yes.RecordedBy != notification.PreviousPersonId)
            {
                await MatchMovedHandler.TellYouthOfYesForThemAsync(notifier, youth, yes, ct);
            }
            else if (youth.PersonId is { } person)
            {
                await notifier.SendOnceAsync(person, Notices.MatchAgreedUnderEarlierSignIn, $"match-agreed-earlier~{yes.MatchId}", ct, yes.MatchId);
            }
        }
    }
}

/// <summary>
/// Who is told what when a match moves. Pure: the match as it is after the move decides.
/// </summary>
public static class MatchNotices
{
    /// <param name="action">The move.</param>
    /// <param name="match">The match as it is after the move.</param>
    /// <param name="youth">The match's youth.</param>
    /// <param name="caseManagers">
    /// The youth's case managers who can act now, for staff news: the youth may have been handed over since the match
    /// was proposed, and someone who lost the role stays on the youth's list until an admin hands the youth over.
    /// </param>
    public static IReadOnlyList<(string? To, Notice Notice)> For(MatchAction action, Match match, YouthReferral youth, IReadOnlyList<string> caseManagers)
    {
        ArgumentNullException.ThrowIfNull(match);
        ArgumentNullException.ThrowIfNull(youth);
        (string?, Notice)[] active = [(match.MentorId, Notices.MatchActive), (youth.PersonId, Notices.MatchActive)];
        IReadOnlyList<(string? To, Notice Notice)> parties = action switch
        {
            MatchAction.MentorAccept when match.State == MatchState.AwaitingCaseManager => [],
            MatchAction.MentorAccept or MatchAction.PutToYouth => [(youth.PersonId, Notices.MentorAcceptedToYouth)],
            MatchAction.YouthDecline => [(match.MentorId, Notices.YouthDeclinedToMentor)],
            MatchAction.YouthAgree when match.State == MatchState.Active => active,
            MatchAction.YouthAgree => [(match.MentorId, Notices.YouthAgreedAwaitingConsentToMentor)],
            MatchAction.Activate or MatchAction.Resume => active,
            MatchAction.Pause => [(match.MentorId, Notices.MatchPaused), (youth.PersonId, Notices.MatchPaused)],
            MatchAction.Close => [(match.MentorId, Notices.MatchClosedToMentor), (match.PutToYouth() ? youth.PersonId : null, Notices.MatchClosedToYouth)],
            MatchAction.YouthEnd => [(match.MentorId, Notices.YouthEndedToMentor)],
            MatchAction.MentorEnd => [(youth.PersonId, Notices.MentorEndedToYouth)],
            _ => [],
        };
        IEnumerable<(string? To, Notice Notice)> staff = ForCaseManagers(action, match) is { } news ? caseManagers.Select(id => ((string?)id, news)) : [];

        // A youth without a sign-in has nobody to tell.
        return [.. staff.Concat(parties).Where(n => n.To is not null)];
    }

    /// <summary>What the youth's case managers are told of the move, if anything: news they act on, or would want to.</summary>
    public static Notice? ForCaseManagers(MatchAction action, Match match)
    {
        ArgumentNullException.ThrowIfNull(match);
        return action switch
        {
            MatchAction.MentorAccept when match.State == MatchState.AwaitingCaseManager => Notices.MentorAcceptedNoLongerFitsToCaseManager,
            MatchAction.MentorAccept => Notices.MentorAcceptedToCaseManager,
            MatchAction.MentorDecline => Notices.MentorDeclinedToCaseManager,
            MatchAction.YouthDecline => Notices.YouthDeclinedToCaseManager,
            MatchAction.YouthAgree when match.State == MatchState.Active => Notices.YouthAgreedActiveToCaseManager,
            MatchAction.YouthAgree => Notices.YouthAgreedAwaitingConsentToCaseManager,
            MatchAction.YouthEnd => Notices.YouthEndedToCaseManager,
            MatchAction.MentorEnd => Notices.MentorEndedToCaseManager,
            _ => null,
        };
    }
}

/// <summary>
/// A mentor resting from new matches cannot say yes to a proposal still waiting for them: its case managers hear so, to
/// close it and propose someone else, or wait, rather than the youth waiting unknowingly.
/// </summary>
internal sealed class MentorStoppedNewMatchesHandler(MentoringData data, Notifier notifier) : INotificationHandler<MentorStoppedNewMatches>
{
    public async ValueTask Handle(MentorStoppedNewMatches notification, CancellationToken ct)
    {
        // Once a day for each proposal: a mentor switching new matches off and on again would otherwise fill the case
        // managers' notices (and phones) with the same news.
        var day = data.Store.Now.UtcDateTime.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
        foreach (var match in (await data.MatchesAsync(Filter.Eq("mentorId", notification.MentorId), openOnly: true, ct)).Where(m => m.State == MatchState.Proposed))
        {
            foreach (var caseManager in await data.ActiveCaseManagersAsync(await data.YouthAsync(match.YouthId, ct), ct))
            {
                await notifier.SendOnceAsync(caseManager, Notices.MentorRestingToCaseManager, $"mentor-resting~{match.Id}~{day}", ct, match.Id);
            }
        }
    }
}

/// <summary>
/// A mentor or a youth can no longer take part in their matches (deactivated, or the role taken away): the case managers
/// of each open match they are in are told once for that change, so nobody waits on a chat the other side can no longer
/// read. The other party is not told: whether someone's access was ended is not theirs to know.
/// </summary>
internal sealed class MatchPartyLeftHandler(MentoringData data, YouthCaseManagerNews caseManagerNews) : INotificationHandler<PersonAccessChanged>
{
    public async ValueTask Handle(PersonAccessChanged notification, CancellationToken ct)
    {
        if (notification.AgencyId != data.AgencyId || await data.FindAsync<Person>(Person.Container, notification.PersonId, ct) is not { } person)
        {
            return;
        }

        // Which change: a deactivation of someone holding the role, by when it was made; the role taken from someone
        // active, by the record it left (the same change sent again tells nobody twice; given back and taken again, it is
        // news again). A role taken while deactivated, or a deactivation after the role went, was told already.
        var change = notification.RolesLost is null ? $"off-{person.DeactivatedAt?.UtcTicks}" : Digest.Of(person.ETag ?? "", 16);
        bool Left(string role) => notification.RolesLost is null
            ? !person.Active && person.Roles.Contains(role, StringComparer.Ordinal)
            : person.Active && notification.RolesLost.Contains(role, StringComparer.Ordinal) && !person.Roles.Contains(role, StringComparer.Ordinal);

        var told = new List<(Match Match, Notice Notice)>();
        if (Left(Roles.Mentor))
        {
            told.AddRange((await data.MatchesAsync(Filter.Eq("mentorId", person.Id), openOnly: true, ct)).Select(m => (m, Notices.MentorLeftToCaseManager)));
        }

        if (Left(Roles.Youth) && await data.OwnYouthRecordOfAsync(person.Id, ct) is { } own)
        {
            told.AddRange((await data.MatchesAsync(Filter.Eq("youthId", own.Id), openOnly: true, ct)).Select(m => (m, Notices.YouthLeftToCaseManager)));
        }

        foreach (var (match, notice) in told)
        {
            await caseManagerNews.TellAsync(await data.YouthAsync(match.YouthId, ct), notice, $"{notice.Kind}~{match.Id}~{person.Id}~{change}", match.Id, ct);
        }
    }
}
