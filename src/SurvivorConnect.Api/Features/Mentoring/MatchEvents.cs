using Mediator;
using SurvivorConnect.Api.Features.Consent;
using SurvivorConnect.Api.Features.Mentoring.Rules;
using SurvivorConnect.Api.Infrastructure.Pipeline;

namespace SurvivorConnect.Api.Features.Mentoring;

/// <summary>
/// Something that decides whether a match may go on changed: its state (<paramref name="Activated"/> when it has
/// just become active), one of its consents, its mentor's hold, or its youth's case managers. Mentoring says
/// what happened; other features (chat) decide what follows.
/// </summary>
public sealed record MatchChanged(string MatchId, bool Activated) : INotification;

public static class MatchChanges
{
    /// <summary>
    /// Raises <see cref="MatchChanged"/> for every one of these matches, even when one of them fails or the caller
    /// has gone (<see cref="EveryOne.TryEachAsync"/>).
    /// </summary>
    public static Task TellEveryAsync(this IPublisher publisher, IEnumerable<Match> matches)
    {
        ArgumentNullException.ThrowIfNull(publisher);
        return EveryOne.TryEachAsync(matches, match => publisher.Publish(new MatchChanged(match.Id, Activated: false), CancellationToken.None).AsTask());
    }
}

/// <summary>
/// A match moved (<paramref name="Action"/> took it to <c>Match.State</c>), and with it <paramref name="ConsentGiven"/>
/// consented to the match when the move was a mentor's acceptance or a youth's agreement. Its side effects are this
/// event's handlers.
/// </summary>
public sealed record MatchMoved(Match Match, YouthReferral Youth, MatchAction Action, ConsentGrantor? ConsentGiven) : INotification;

/// <summary>A youth's case manager recorded a relapse (<paramref name="YouthId"/> is the referral's id): their mentors may need support.</summary>
public sealed record YouthRelapsed(string YouthId) : INotification;

/// <summary>A youth's case manager recorded that the youth is missing now (an episode not yet ended): their mentors may need support.</summary>
public sealed record YouthWentMissing(string YouthId) : INotification;

/// <summary>
/// A youth's referral was given a sign-in, a first one or another: they can now read what was recorded for them
/// before, which the handlers tell them of. <paramref name="PreviousPersonId"/> is the sign-in it had, if any.
/// </summary>
public sealed record YouthSignInLinked(YouthReferral Youth, string? PreviousPersonId) : INotification;

/// <summary>
/// A youth was handed to case managers new to them (<paramref name="Added"/>): what waits on the youth's side, an open
/// flag in their chats, is theirs to hear of now, as the one before them heard of it.
/// </summary>
public sealed record CaseManagersAdded(YouthReferral Youth, IReadOnlyList<string> Added) : INotification;

/// <summary>A mentor has a supervisor now (<paramref name="MentorId"/>): their regular check-ins start, whoever looks first.</summary>
/// <param name="HadNone">Nobody active supervised them before: a rhythm started while nobody read it starts again from now.</param>
public sealed record SupervisorAssigned(string MentorId, bool HadNone = false) : INotification;
