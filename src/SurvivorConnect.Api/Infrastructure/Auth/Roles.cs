namespace SurvivorConnect.Api.Infrastructure.Auth;

/// <summary>The roles of PRODUCT.md. A person's roles are kept by their agency in SurvivorConnect, not in the token.</summary>
public static class Roles
{
    public const string Youth = "Youth";
    public const string Mentor = "Mentor";
    public const string CaseManager = "CaseManager";
    public const string Supervisor = "Supervisor";
    public const string Recruiter = "Recruiter";
    public const string FinanceApprover = "FinanceApprover";
    public const string AgencyAdmin = "AgencyAdmin";

    /// <summary>A survivor who takes paid engagement work (focus groups, advisory seats) without mentoring; a mentor may hold it too.</summary>
    public const string Advisor = "Advisor";

    /// <summary>Reads the agency's outcome reports, in aggregate and suppressed, and nothing else: no person-level record.</summary>
    public const string Analyst = "Analyst";

    /// <summary>
    /// A professional (probation, health, a school) who sits on the teams of youth of agencies in partnership with their
    /// own, and reads only what each youth shares with their agency: never a team of their own agency (a youth shares with
    /// an agency, so there it would read everything), no caseload, referrals, matching, chats or holds.
    /// </summary>
    public const string PartnerProfessional = "PartnerProfessional";

    public static IReadOnlyList<string> All { get; } = [Youth, Mentor, Advisor, CaseManager, Supervisor, PartnerProfessional, Recruiter, FinanceApprover, AgencyAdmin, Analyst];

    /// <summary>Whether a role may take a professional's seat on a youth's team: of its own agency or, offered, a partner's.</summary>
    public static bool SitsOnTeams(string role) => StaffsTeams(role) || role is PartnerProfessional;

    /// <summary>Whether a role sits on its own agency's youth's teams, which its members read in full.</summary>
    public static bool StaffsTeams(string role) => role is CaseManager or Supervisor;

    /// <summary>Whether a role opens youth's or mentors' records (cases, chats, plans, check-in answers).</summary>
    public static bool ReadsRecords(string role) => role is CaseManager or Supervisor or PartnerProfessional;

    /// <summary>A role whose giving the agency's other admins hear of: an admin's, one that reads records, or a finance approver's.</summary>
    public static bool IsNewsToAdmins(string role) => role is AgencyAdmin or FinanceApprover || ReadsRecords(role);

    /// <summary>Whether a role takes paid engagement work, and is paid for it.</summary>
    public static bool TakesPaidWork(string role) => role is Advisor or Mentor;

    /// <summary>Whether any role that takes paid work is one <paramref name="holds"/> (now, or ever, as the caller asks).</summary>
    public static bool AnyTakingPaidWork(Func<string, bool> holds) => All.Where(TakesPaidWork).Any(holds);

    public static bool IsKnown(string role) => All.Contains(role, StringComparer.Ordinal);

    /// <summary>
    /// Whether the roles read some people's records beside the agency's outcome report. An analyst may not hold them too:
    /// the records they could read, taken from the report's counts, would count everyone else in groups too small to show.
    /// (An admin may hold them; one who also manages cases or supervises mentors does not see the agency's report: see OutcomeQuery.SeesAgency.)
    /// </summary>
    public static bool ReadPeopleBesideReports(IEnumerable<string> roles) =>
        roles.Any(r => r is not (Analyst or AgencyAdmin));
}
