namespace SurvivorConnect.Api.Infrastructure.Auth;

/// <summary>Claim types SurvivorConnect adds after sign-in. They never come from a token.</summary>
public static class ScClaims
{
    public const string Role = "sc:role";

    /// <summary>A role the person held before and no longer does: what they read in it stays known to them.</summary>
    public const string FormerRole = "sc:former-role";
    public const string Active = "sc:active";
    public const string UserId = "sc:user";
    public const string Agency = "sc:agency";

    /// <summary>The claim a token's expiry arrives in (Unix seconds); a portal session's end is given the same one.</summary>
    public const string TokenExpiry = "exp";

    /// <summary>When the token expires (Unix seconds), so a long-lived chat connection can tell.</summary>
    public const string Expires = "sc:expires";
    public const string AuthenticationType = "SurvivorConnect";

    /// <summary>A portal session's own id, so that ending it can refuse its cookie and close the connections it opened.</summary>
    public const string Session = "sc:session";

    /// <summary>When a portal session began (Unix seconds), which its renewals keep, so it ends a fixed time after sign-in.</summary>
    public const string SessionStarted = "sc:started";

    /// <summary>When the sign-in behind a principal began (Unix seconds): its portal session's start, or its token's issue.</summary>
    public const string SignedInAt = "sc:signed-in-at";
}
