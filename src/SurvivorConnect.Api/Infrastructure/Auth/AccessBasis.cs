namespace SurvivorConnect.Api.Infrastructure.Auth;

/// <summary>
/// Why the signed-in person may read what this request reads, in words for the audit log (PRODUCT.md rule 7: who,
/// what, when and why). The guard that lets staff in says it, once per audited request; a purpose the person states
/// (<c>X-Access-Purpose</c>) comes before it.
/// </summary>
public sealed class AccessBasis
{
    public const string Caseload = "case management: the youth is on their caseload";
    public const string AgencyAdministration = "agency administration";
    public const string TeamMember = "a professional on the youth's team";
    public const string SharedWithConsent = "a partner agency's professional on the youth's team, shared with the youth's consent";
    public const string Supervision = "supervision of a mentor they supervise";
    public const string MentorMatching = "case management: finding and coordinating mentors for their caseload";

    public string? Why { get; private set; }

    /// <summary>An audited request begins: it starts with no why of its own; the one before it is handed back.</summary>
    public string? Begin()
    {
        var outer = Why;
        Why = null;
        return outer;
    }

    /// <summary>The audited request has ended: the request around it, if any, has its own why again.</summary>
    public void End(string? outer) => Why = outer;

    /// <summary>The first guard to let the caller in says why: what a request reads next hangs on it.</summary>
    public void Record(string why) => Why ??= why;

    /// <summary>Records why, and passes on what the guard lets the caller have.</summary>
    public T RecordAs<T>(string why, T granted)
    {
        Record(why);
        return granted;
    }
}
