namespace SurvivorConnect.Api.Infrastructure.Auth;

/// <summary>
/// Why the signed-in person may read what this request reads, in words for the audit log (PRODUCT.md rule 7: who,
/// what, when and why). The guards that let staff in say it, per audited request; a purpose the person states
/// (<c>X-Access-Purpose</c>) is kept beside it.
/// </summary>
public sealed class AccessBasis
{
    public const string Caseload = "case management: the youth is on their caseload";
    public const string AgencyAdministration = "agency administration";
    public const string TeamMember = "a professional on the youth's team";
    public const string SharedWithConsent = "a partner agency's professional on the youth's team, shared with the youth's consent";
    public const string Supervision = "supervision of a mentor they supervise";
    public const string MentorMatching = "case management: finding and coordinating mentors for their caseload";

    private List<string> _grounds = [];

    /// <summary>Every ground a guard named, the first first; null when none did.</summary>
    public string? Why => _grounds.Count == 0 ? null : string.Join("; ", _grounds);

    /// <summary>
    /// An audited request begins with no ground of its own; disposing the scope it returns gives the request around it,
    /// if any, its own grounds again.
    /// </summary>
    public IDisposable Begin()
    {
        var outer = new Restore(this, _grounds);
        _grounds = [];
        return outer;
    }

    private sealed class Restore(AccessBasis basis, List<string> grounds) : IDisposable
    {
        public void Dispose() => basis._grounds = grounds;
    }

    /// <summary>
    /// A guard let the caller in on this ground. A request may rest on several (a case manager listing teams of their
    /// caseload and teams they sit on); each is kept once.
    /// </summary>
    public void Record(string why)
    {
        if (!_grounds.Contains(why, StringComparer.Ordinal))
        {
            _grounds.Add(why);
        }
    }

    /// <summary>Records why, and passes on what the guard lets the caller have.</summary>
    public T RecordAs<T>(string why, T granted)
    {
        Record(why);
        return granted;
    }
}
