using SurvivorConnect.Api.Features.Agencies;

namespace SurvivorConnect.Api.Features.Chat;

/// <summary>Why a hub call was refused: a stable code for the client to act on, and a plain sentence for the person.</summary>
/// <param name="CrisisResources">Given with a refused send whose words read as someone not being safe.</param>
public sealed record HubError(string Code, string Message, IReadOnlyList<CrisisResource>? CrisisResources = null);

/// <summary>
/// What every chat hub method answers. A refusal travels as a value, not as a hub exception, because the
/// framework prefixes every exception's text with "An unexpected error occurred invoking ...".
/// </summary>
public sealed record HubReply<T>(T? Value, HubError? Error);

/// <summary>The answer of a hub method that returns nothing but may be refused.</summary>
public sealed record HubReply(HubError? Error)
{
    public static HubReply Done { get; } = new((HubError?)null);

    public static HubReply<T> Ok<T>(T value) => new(value, null);
}

/// <summary>The codes of <see cref="HubError"/>; clients may rely on them.</summary>
public static class ChatErrorCodes
{
    /// <summary>Sending too quickly; wait a moment and send again.</summary>
    public const string RateLimited = "rate-limited";

    /// <summary>The token has expired: sign in again.</summary>
    public const string SessionExpired = "session-expired";

    /// <summary>The person is no longer active or no longer has a role that may use chat.</summary>
    public const string NotAllowed = "not-allowed";

    /// <summary>No such conversation for this caller (including one they may no longer see).</summary>
    public const string NotFound = "not-found";

    /// <summary>The conversation exists but takes no messages now (paused, ended, consent withdrawn, a hold, a reader).</summary>
    public const string CannotSend = "cannot-send";

    /// <summary>The message or its client id is not acceptable.</summary>
    public const string Invalid = "invalid";

    /// <summary>The store is busy or unreachable; a send may or may not be stored: send it again under its own id shortly.</summary>
    public const string Unavailable = "unavailable";

    /// <summary>Something unexpected failed; a send may or may not be stored: send it again later under its own id.</summary>
    public const string Failed = "failed";
}

/// <summary>A chat rule refused the call; the hub filter turns it into a <see cref="HubError"/>.</summary>
public sealed class ChatRefusedException(string code, string message) : Exception(message)
{
    public string Code { get; } = code;

    public IReadOnlyList<CrisisResource>? CrisisResources { get; init; }
}
