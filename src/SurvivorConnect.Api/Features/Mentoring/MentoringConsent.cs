using System.Runtime.ExceptionServices;
using Mediator;
using SurvivorConnect.Api.Features.Agencies;
using SurvivorConnect.Api.Features.Consent;
using SurvivorConnect.Api.Features.Mentoring.Rules;
using SurvivorConnect.Api.Features.Notifications;
using SurvivorConnect.Api.Infrastructure.Auth;
using SurvivorConnect.Api.Infrastructure.Errors;
using SurvivorConnect.Storage;

namespace SurvivorConnect.Api.Features.Mentoring;

/// <summary>
/// Mentoring's side of the consent registry: mentors consent for themselves; a youth, or their case manager,
/// for the youth; a match consent names a match of theirs.
/// </summary>
internal sealed class MentoringConsentSubjects(MentoringData data, MatchConsentGuard guard) : IConsentSubjects
{
    /// <summary>Who may grant or revoke consent about a subject, as which grantor. Anyone else: not found.</summary>
    public async Task<bool> EnsureMayRecordAsync(string subjectId, ConsentGrantor grantor, CancellationToken ct)
    {
        var user = data.User;
        if (grantor == ConsentGrantor.Mentor)
        {
            return user.IsInRole(Roles.Mentor) && subjectId == user.UserId ? true : throw new NotFoundException("consent subject");
        }

        var youth = await SubjectAsync(subjectId, ct);
        if (user.IsInRole(Roles.Youth) && youth.PersonId == user.UserId && grantor == ConsentGrantor.Youth)
        {
            return true;
        }

        return data.IsCaseManagerOf(youth) ? data.Basis.RecordAs(AccessBasis.Caseload, false) : throw new NotFoundException("consent subject");
    }

    /// <summary>One answer for an id that is no youth and for a youth not the caller's: neither says which ids are youth.</summary>
    private async Task<YouthReferral> SubjectAsync(string subjectId, CancellationToken ct) =>
        await data.FindAsync<YouthReferral>(YouthReferral.Container, subjectId, ct) ?? throw new NotFoundException("consent subject");

    public async Task EnsureMayReadAsync(string subjectId, CancellationToken ct)
    {
        if (subjectId == data.User.UserId)
        {
            return;
        }

        var youth = await SubjectAsync(subjectId, ct);
        if (youth.PersonId == data.User.UserId)
        {
            return;
        }

        if (!data.IsCaseManagerOf(youth))
        {
            throw new NotFoundException("consent subject");
        }

        data.Basis.Record(AccessBasis.Caseload);
    }

    public async Task<bool> AdminMayReadAsync(string subjectId, CancellationToken ct) =>
        await data.FindAsync<YouthReferral>(YouthReferral.Container, subjectId, ct) is not { } youth || !await data.KeptFromAdminAsync(youth, ct);

    public async Task<string?> SignInOfAsync(string subjectId, CancellationToken ct) =>
        (await data.FindAsync<YouthReferral>(YouthReferral.Container, subjectId, ct))?.PersonId;

    public async Task<string?> OwnYouthRecordAsync(CancellationToken ct) => (await data.OwnYouthRecordAsync(ct))?.Id;

    public async Task<IReadOnlySet<string>> MatchesKeptFromAdminAsync(IReadOnlyCollection<string> matchIds, CancellationToken ct)
    {
        if (matchIds.Count == 0)
        {
            return new HashSet<string>();
        }

        var matches = await data.ManyAsync<Match>(Match.Container, matchIds, ct);
        var youth = await data.ManyAsync<YouthReferral>(YouthReferral.Container, matches.Select(m => m.YouthId).Distinct(StringComparer.Ordinal), ct);
        var kept = await data.YouthKeptFromAdminAsync(youth, ct);
        var keptYouth = youth.Where(y => kept.Contains(y.Id) && !data.IsCaseManagerOf(y)).Select(y => y.Id).ToHashSet(StringComparer.Ordinal);
        // An admin who mentors reads their own matches as their mentor: the youth is kept from them as admin only.
        return matches.Where(m => keptYouth.Contains(m.YouthId) && m.MentorId != data.User.UserId).Select(m => m.Id).ToHashSet(StringComparer.Ordinal);
    }

    public async Task<DateTimeOffset?> OpenMatchProposedAtAsync(string matchId, CancellationToken ct) =>
        await data.FindAsync<Match>(Match.Container, matchId, ct) is { } match && MatchLifecycle.IsOpen(match.State) ? match.ProposedAt : null;

    public async Task EnsureMatchConsentAsync(string matchId, string subjectId, ConsentGrantor grantor, bool bySubject, CancellationToken ct)
    {
        var match = await data.MatchAsync(matchId, ct);
        if (match.YouthId != subjectId && match.MentorId != subjectId)
        {
            throw new NotFoundException("match");
        }

        // A closed or declined match takes no new yes: it would stand on the list of consents as current and do nothing,
        // or (a youth's, given again on a match they once declined) undo their no to that mentor without a proposal.
        if (!MatchLifecycle.IsOpen(match.State))
        {
            throw bySubject ? new NotFoundException("match") : new ConflictException("This match is closed or declined: a consent to it would do nothing. Propose the pair again if they should meet.");
        }

        // The youth is asked only once the mentor has said yes: any consent to it recorded before (theirs, a guardian's,
        // the agency's) would tell them of a proposal on their list of consents. To the youth it is no match at all.
        if (match.YouthId == subjectId && !match.PutToYouth())
        {
            throw bySubject ? new NotFoundException("match") : new ConflictException("The youth is asked about a match once it is put to them: the mentor has said yes and it fits what the youth asked for.");
        }

        if (grantor == ConsentGrantor.Youth && !bySubject && match.YouthId == subjectId)
        {
            await guard.EnsureStaffMaySayYesForYouthAsync(match, await data.YouthAsync(subjectId, ct), ct);
        }
    }
}

/// <summary>
/// What a consent change means for a match: a step of it (or of the youth's others with the mentor) under way fails
/// (<see cref="MatchFence"/>), its chat follows at once, the youth's case managers are told of a withdrawal, and the youth
/// of a consent someone else recorded for them. A mentor withdrawing consent to mentoring stops their steps under way and
/// declines their matches not yet begun; a party's own no to a match not yet begun declines it.
/// </summary>
internal sealed class ConsentChangedHandler(
    MentoringData data, MentorEligibilityGuard eligibility, Notifier notifier, YouthCaseManagerNews caseManagerNews, IPublisher publisher, ISender sender) : INotificationHandler<ConsentChanged>
{
    public async ValueTask Handle(ConsentChanged notification, CancellationToken ct)
    {
        // The fences first (a step under way fails), then the chats and whoever is told, whatever became of the fences:
        // pressed again, a withdrawal is "already revoked", so nothing else would tell them. A fence that failed is
        // thrown once they have been.
        ExceptionDispatchInfo? fenceFailed = null;
        async Task FenceAsync(Func<Task> fence)
        {
            try
            {
                await fence();
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                fenceFailed ??= ExceptionDispatchInfo.Capture(ex);
            }
        }

        await FollowAsync(notification.Consent, FenceAsync, ct);
        fenceFailed?.Throw();
    }

    private async Task FollowAsync(ConsentRecord consent, Func<Func<Task>, Task> fenceAsync, CancellationToken ct)
    {
        if (consent.MatchId is not { } matchId)
        {
            // A mentor's consent to mentoring is part of whether they may enter a match, and it decides whether the chats
            // of their open matches take new messages: withdrawn, they mentor nobody from then on; given again, the chats
            // follow at once too.
            if (consent is { Scope: MentoringScopes.Mentoring, Grantor: ConsentGrantor.Mentor } mentoring)
            {
                // The fence before the read: a match stepped into meanwhile either fails on it or is among those read.
                if (mentoring.RevokedAt is not null)
                {
                    await fenceAsync(() => eligibility.MentorChangedAsync(mentoring.SubjectId));
                }

                var open = await data.MatchesAsync(Filter.Eq("mentorId", mentoring.SubjectId), openOnly: true, CancellationToken.None);
                await publisher.TellEveryAsync(open);
                if (mentoring.RevokedAt is not null)
                {
                    await TellCaseManagersAsync(mentoring, open, ct);

                    // No longer mentoring, they are no longer a yes to any match not yet begun: a youth must not go on
                    // being asked about them, nor be told "it starts soon".
                    foreach (var notBegun in open)
                    {
                        await DeclineNotBegunAsync(mentoring, notBegun, ct);
                    }
                }
            }

            return;
        }

        // A consent about a match (a yes or a no, the youth's or someone's for them) is read by every step of the
        // youth's matches with this mentor, this one or a later one: their fences go first, before anything that waits.
        var match = await data.FindAsync<Match>(Match.Container, matchId, CancellationToken.None);
        if (match is not null)
        {
            await fenceAsync(() => eligibility.YouthChangedAsync(match.YouthId));
            await fenceAsync(() => eligibility.MentorChangedAsync(match.MentorId));
        }

        await publisher.Publish(new MatchChanged(matchId, Activated: false), CancellationToken.None);
        if (match is null || await data.FindAsync<YouthReferral>(YouthReferral.Container, match.YouthId, ct) is not { } youth)
        {
            return;
        }

        if (consent.RevokedAt is not null && MatchLifecycle.IsOpen(match.State))
        {
            await TellOfWithdrawalAsync(youth, match.Id, consent.Id, ct);
        }
        else if (consent is { RevokedAt: null, Grantor: ConsentGrantor.Youth } && MatchLifecycle.IsOpen(match.State) && youth.PersonId != consent.RecordedBy)
        {
            await MatchMovedHandler.TellYouthOfYesForThemAsync(notifier, youth, consent, ct);
        }

        if (consent.RevokedAt is not null)
        {
            await DeclineNotBegunAsync(consent, match, ct);
        }
    }

    /// <summary>
    /// A party's own no to a match not yet begun is their no to the match: it moves as their decline (or, once the youth
    /// agreed, the mentor's step back) would, so nobody goes on being asked about, or told "it starts soon" of, a match
    /// that can never start. Only a no said by the person themselves, as them: one staff record at the youth's word may
    /// come from a page drawn before the youth's own yes. Sent again after its follow-ups failed, the move is sent again
    /// too, which finishes them. A move it cannot make (their role gone) leaves the match to the case managers, who were told.
    /// </summary>
    private async Task DeclineNotBegunAsync(ConsentRecord consent, Match match, CancellationToken ct)
    {
        if (!consent.WithdrawnBySubject
            || consent.MatchId is null && await data.ConsentsToMentoringAsync(consent.SubjectId, ct)
            || consent.MatchId is not null && (await data.ConsentsAsync(Filter.Eq("matchId", match.Id), ct)).Any(c => c.SubjectId == consent.SubjectId && c.Grantor == consent.Grantor
                && c.RevokedAt is null && c.GrantedAt > consent.GrantedAt))
        {
            // Or they said yes to it again since (another tab): their later word stands.
            return;
        }

        for (var tries = 0; tries < 2 && MoveFor(consent, match) is { } move; tries++)
        {
            try
            {
                await sender.Send(move, ct);
                return;
            }
            catch (Exception ex) when (ex is ConflictException or NotFoundException or ForbiddenException
                or StoreException { Kind: StoreErrorKind.PreconditionFailed or StoreErrorKind.Conflict })
            {
                // Moved meanwhile (the youth agreed as the mentor said no): once more, as it stands now.
                if (await data.FindAsync<Match>(Match.Container, match.Id, ct) is not { } now)
                {
                    return;
                }

                match = now;
            }
        }
    }

    private static ICommand<MatchView>? MoveFor(ConsentRecord consent, Match match)
    {
        var mentor = consent.Grantor == ConsentGrantor.Mentor && consent.SubjectId == match.MentorId;
        var youth = consent.Grantor == ConsentGrantor.Youth && consent.SubjectId == match.YouthId;
        var last = match.History.Count > 0 ? match.History[^1].Action : null;
        return match.State switch
        {
            MatchState.Proposed or MatchState.AwaitingCaseManager or MatchState.AwaitingYouth when mentor => new DeclineMatch(match.Id),
            MatchState.AwaitingConsent when mentor => new StepBackFromMatch(match.Id),
            MatchState.AwaitingYouth or MatchState.AwaitingConsent when youth => new DeclineMatch(match.Id),

            // Made by this no a moment ago, its follow-ups perhaps not: the move sent again finishes them.
            MatchState.Declined when mentor && last == nameof(MatchAction.MentorDecline) || youth && last == nameof(MatchAction.YouthDecline) => new DeclineMatch(match.Id),
            MatchState.Closed when mentor && last == nameof(MatchAction.MentorEnd) => new StepBackFromMatch(match.Id),
            _ => null,
        };
    }

    /// <summary>The case managers of each open match's youth, told of the withdrawal (see <see cref="TellOfWithdrawalAsync"/>).</summary>
    private async Task TellCaseManagersAsync(ConsentRecord mentoring, IReadOnlyList<Match> open, CancellationToken ct)
    {
        foreach (var match in open)
        {
            if (await data.FindAsync<YouthReferral>(YouthReferral.Container, match.YouthId, ct) is { } youth)
            {
                await TellOfWithdrawalAsync(youth, match.Id, mentoring.Id, ct);
            }
        }
    }

    /// <summary>
    /// One notice stands for a match's withdrawals while it is unread: consent given and withdrawn again and again
    /// (a hand on a loop) brings it back to the top, not a notice, and a push, each time. A youth with no case manager who
    /// can act has the admins told instead, to hand them to one.
    /// </summary>
    private async Task TellOfWithdrawalAsync(YouthReferral youth, string matchId, string consentId, CancellationToken ct)
    {
        var caseManagers = await data.ActiveCaseManagersAsync(youth, ct);
        foreach (var caseManager in caseManagers)
        {
            await notifier.SendStandingAsync(caseManager, Notices.ConsentRevokedToCaseManager, $"consent-withdrawn~{matchId}", consentId, Notifier.WhileUnread, ct, matchId);
        }

        if (caseManagers.Count == 0)
        {
            await caseManagerNews.TellAdminsAsync(youth, $"consent-withdrawn~{matchId}~{consentId}", matchId, ct);
        }
    }
}

/// <summary>
/// A new consent policy may leave open matches without a consent they now need: their chats follow at once, and the
/// case managers of an active match it stops are told, once for each policy, as for a consent withdrawn: its youth and
/// mentor see only that consent is not in place, and someone must record the consent it now needs.
/// </summary>
internal sealed class ConsentPolicyChangedHandler(MentoringData data, IPublisher publisher, YouthCaseManagerNews caseManagerNews) : INotificationHandler<MatchConsentPolicyChanged>
{
    public async ValueTask Handle(MatchConsentPolicyChanged notification, CancellationToken ct)
    {
        var open = await data.AllAsync<Match>(Match.Container, [Filter.In("state", MentoringData.OpenStates)], CancellationToken.None);
        await publisher.TellEveryAsync(open);

        var active = open.Where(m => m.State == MatchState.Active).ToList();
        if (active.Count == 0)
        {
            return;
        }

        // Only a consent the policy asks of minors tells of the policy: a party's own yes missing was told when withdrawn.
        // Keyed by the policy's save, so a policy made stricter again after being loosened is told again, and the same
        // policy sent again (to finish what failed) is not told twice.
        var agency = await data.Store.ReadAsync<Agency>(Agency.Container, data.AgencyId, data.AgencyId, CancellationToken.None);
        if (agency is null)
        {
            return;
        }

        var policy = agency.MatchConsentPolicy;
        var askedOfMinors = policy.MinorMatchNeeds.Select(MatchConsentGuard.Words).ToHashSet(StringComparer.Ordinal);
        var youth = (await data.ManyAsync<YouthReferral>(YouthReferral.Container, active.Select(m => m.YouthId).Distinct(StringComparer.Ordinal), CancellationToken.None))
            .ToDictionary(y => y.Id, StringComparer.Ordinal);
        var consents = await data.ConsentsAsync(Filter.In("matchId", [.. active.Select(m => m.Id)]), CancellationToken.None);
        var policyKey = agency.MatchConsentPolicySetAt?.UtcTicks.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "initial";
        foreach (var match in active)
        {
            if (youth.TryGetValue(match.YouthId, out var its) && MatchConsentGuard.Missing(match, its, policy, consents, data.Now).Any(askedOfMinors.Contains))
            {
                await caseManagerNews.TellAsync(its, Notices.ConsentPolicyStoppedChat, $"consent-policy-stopped~{match.Id}~{policyKey}", match.Id, CancellationToken.None);
            }
        }
    }
}
