using SurvivorConnect.Api.Infrastructure.Errors;

namespace SurvivorConnect.Api.Features.Mentoring.Rules;

public enum MatchAction
{
    MentorAccept,
    MentorDecline,
    YouthAgree,
    YouthDecline,
    Activate,
    Pause,
    Resume,
    Close,
    YouthEnd,
    MentorEnd,
    PutToYouth,
}

/// <summary>
/// The legal moves of a match. Anything else is a 409. Declining is always open to mentor and youth
/// before the match is active; a youth can end an active match at any time, and a mentor can step back from one
/// they said yes to (their consent is revocable too, and their own wellbeing comes first).
/// </summary>
public static class MatchLifecycle
{
    public static bool IsOpen(MatchState state) => state is not (MatchState.Closed or MatchState.Declined);

    /// <summary>
    /// Steps a match's record keeps: years of pauses and resumes fit many times over, while a script looping over pause
    /// and resume cannot grow it until the store refuses every later change, its closing too.
    /// </summary>
    public const int MostTransitions = 500;

    /// <summary>The history with <paramref name="step"/> added, once there is room for it; a step that ends the match always has room.</summary>
    public static IReadOnlyList<MatchTransition> Add(IReadOnlyList<MatchTransition> history, MatchTransition step)
    {
        ArgumentNullException.ThrowIfNull(history);
        ArgumentNullException.ThrowIfNull(step);
        return history.Count >= MostTransitions && IsOpen(step.To)
            ? throw new ConflictException($"This match's record already holds {MostTransitions} steps, as many as it keeps. Close it, and propose the pair again if they should go on.")
            : [.. history, step];
    }

    /// <summary>Whether <paramref name="action"/> is a move a match in <paramref name="state"/> can make at all.</summary>
    public static bool CanMove(MatchState state, MatchAction action)
    {
        try
        {
            Next(state, action);
            return true;
        }
        catch (ConflictException)
        {
            return false;
        }
    }

    /// <param name="pairFits">At the mentor's yes: the pair still fits what the youth asked for, so it goes to the youth.</param>
    public static MatchState Next(MatchState state, MatchAction action, bool consentsComplete = true, bool pairFits = true) => (state, action) switch
    {
        (MatchState.Proposed, MatchAction.MentorAccept) => pairFits ? MatchState.AwaitingYouth : MatchState.AwaitingCaseManager,
        (MatchState.AwaitingCaseManager, MatchAction.PutToYouth) => MatchState.AwaitingYouth,
        (MatchState.Proposed or MatchState.AwaitingCaseManager or MatchState.AwaitingYouth, MatchAction.MentorDecline) => MatchState.Declined,
        (MatchState.AwaitingYouth, MatchAction.YouthAgree) => consentsComplete ? MatchState.Active : MatchState.AwaitingConsent,
        (MatchState.Proposed or MatchState.AwaitingYouth or MatchState.AwaitingConsent, MatchAction.YouthDecline) => MatchState.Declined,
        (MatchState.AwaitingConsent, MatchAction.Activate) => MatchState.Active,
        (MatchState.Active, MatchAction.Pause) => MatchState.Paused,
        (MatchState.Paused, MatchAction.Resume) => MatchState.Active,
        (MatchState.Active or MatchState.Paused, MatchAction.YouthEnd) => MatchState.Closed,
        (MatchState.AwaitingConsent or MatchState.Active or MatchState.Paused, MatchAction.MentorEnd) => MatchState.Closed,
        (_, MatchAction.Close) when IsOpen(state) => MatchState.Closed,
        _ => throw new ConflictException($"A match that is {Describe(state)} cannot be {Describe(action)}."),
    };

    private static string Describe(MatchState state) => state switch
    {
        MatchState.AwaitingCaseManager => "waiting for the case manager",
        MatchState.AwaitingYouth => "waiting for the youth",
        MatchState.AwaitingConsent => "waiting for consent",
        _ => state.ToString().ToLowerInvariant(),
    };

    private static string Describe(MatchAction action) => action switch
    {
        MatchAction.MentorAccept => "accepted by the mentor",
        MatchAction.MentorDecline => "declined by the mentor",
        MatchAction.YouthAgree => "agreed to by the youth",
        MatchAction.YouthDecline => "declined by the youth",
        MatchAction.Activate => "activated",
        MatchAction.Pause => "paused",
        MatchAction.Resume => "resumed",
        MatchAction.Close => "closed",
        MatchAction.YouthEnd => "ended by the youth",
        MatchAction.MentorEnd => "ended by the mentor",
        MatchAction.PutToYouth => "put to the youth",
        _ => action.ToString(),
    };
}

/// <summary>Stage-of-change rules: a transition moves to another stage; a relapse is an event, never a failure.</summary>
public static class StageRules
{
    /// <summary>
    /// Stage events a youth's record keeps (each may carry a note): years of real change fit many times over, while a
    /// script looping over the stage form cannot grow the record until the store refuses every later change to it.
    /// </summary>
    public const int MostEvents = 300;

    /// <summary>The history with <paramref name="recorded"/> added, once there is room for it.</summary>
    public static IReadOnlyList<StageEvent> Add(IReadOnlyList<StageEvent> history, StageEvent recorded)
    {
        ArgumentNullException.ThrowIfNull(history);
        return history.Count >= MostEvents
            ? throw new ConflictException($"This youth's record already holds {MostEvents} stage changes, as many as it keeps.")
            : [.. history, recorded];
    }

    public static StageEvent Transition(StageOfChange current, StageOfChange next, DateTimeOffset at, string by, string? note) =>
        next == current
            ? throw new ConflictException($"The youth is already in the {current.ToString().ToLowerInvariant()} stage.")
            : new StageEvent("transition", next, current, at, by, note);

    /// <summary>A relapse names the stage the youth is in now: the same or an earlier one.</summary>
    public static StageEvent Relapse(StageOfChange current, StageOfChange now, DateTimeOffset at, string by, string? note) =>
        now > current
            ? throw new ConflictException("A relapse records the stage the youth is in now, which cannot be later than their current stage.")
            : new StageEvent("relapse", now, current, at, by, note);
}
