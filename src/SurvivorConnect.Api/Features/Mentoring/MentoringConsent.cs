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
internal sealed class MentoringConsentSubjects(MentoringData data) : IConsentSubjects
{
    /// <summary>Who may grant or revoke consent about a subject, as which grantor. Anyone else: not found.</summary>
    public async Task<bool> EnsureMayRecordAsync(string subjectId, ConsentGrantor grantor, CancellationToken ct)
    {
        var user = data.User;
        if (grantor == ConsentGrantor.Mentor)
        {
            return user.IsInRole(Roles.Mentor) && subjectId == user.UserId ? true : throw new NotFoundException("consent subject");
        }

        var youth = await data.YouthAsync(subjectId, ct);
        var isTheYouth = user.IsInRole(Roles.Youth) && youth.PersonId == user.UserId && grantor == ConsentGrantor.Youth;
        return isTheYouth || data.IsCaseManagerOf(youth) ? isTheYouth : throw new NotFoundException("consent subject");
    }

    public async Task EnsureMayReadAsync(string subjectId, CancellationToken ct)
    {
        if (subjectId == data.User.UserId)
        {
            return;
        }

        var youth = await data.YouthAsync(subjectId, ct);
        if (youth.PersonId != data.User.UserId && !data.IsCaseManagerOf(youth))
        {
            throw new NotFoundException("consent subject");
        }
    }

    public async Task EnsureMatchPartyAsync(string matchId, string subjectId, CancellationToken ct)
    {
        var match = await data.MatchAsync(matchId, ct);
        if (match.YouthId != subjectId && match.MentorId != subjectId)
        {
            throw new NotFoundException("match");
        }
    }
}

/// <summary>What a consent change means for a match: its chat follows at once, and the youth's case managers are told of a withdrawal.</summary>
internal sealed class ConsentChangedHandler(MentoringData data, Notifier notifier, IPublisher publisher) : INotificationHandler<ConsentChanged>
{
    public async ValueTask Handle(ConsentChanged notification, CancellationToken ct)
    {
        if (notification.Consent.MatchId is not { } matchId)
        {
            return;
        }

        await publisher.Publish(new MatchChanged(matchId, Activated: false), ct);
        if (notification.Consent.RevokedAt is not null && await data.FindAsync<Match>(Match.Container, matchId, ct) is { } match && MatchLifecycle.IsOpen(match.State)
            && await data.FindAsync<YouthReferral>(YouthReferral.Container, match.YouthId, ct) is { } youth)
        {
            await notifier.SendAsync(youth.CaseManagerIds, Notices.ConsentRevokedToCaseManager, match.Id, ct);
        }
    }
}

/// <summary>A new consent policy may leave open matches without a consent they now need: their chats follow at once.</summary>
internal sealed class ConsentPolicyChangedHandler(MentoringData data, IPublisher publisher) : INotificationHandler<MatchConsentPolicyChanged>
{
    public async ValueTask Handle(MatchConsentPolicyChanged notification, CancellationToken ct) =>
        await publisher.TellEveryAsync(await data.AllAsync<Match>(Match.Container, [Filter.In("state", MentoringData.OpenStates)], CancellationToken.None));
}
