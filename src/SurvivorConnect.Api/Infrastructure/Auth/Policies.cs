using Microsoft.AspNetCore.Authorization;

namespace SurvivorConnect.Api.Infrastructure.Auth;

/// <summary>
/// Named authorization policies. Each requires a signed-in, active person of an agency; role policies add
/// the roles that may act. Every endpoint names one (the authorization-matrix test checks).
/// </summary>
public static class Policies
{
    public const string SignedIn = nameof(SignedIn);
    public const string AgencyAdmin = nameof(AgencyAdmin);
    public const string CaseManager = nameof(CaseManager);
    public const string CaseManagerOrAdmin = nameof(CaseManagerOrAdmin);
    public const string Mentor = nameof(Mentor);
    public const string Staff = nameof(Staff);
    public const string SupervisorOrAdmin = nameof(SupervisorOrAdmin);
    public const string Supervisor = nameof(Supervisor);
    public const string MatchParticipant = nameof(MatchParticipant);
    public const string EngagementMember = nameof(EngagementMember);
    public const string Recruiter = nameof(Recruiter);
    public const string RecruiterOrAdmin = nameof(RecruiterOrAdmin);
    public const string EngagementReader = nameof(EngagementReader);
    public const string PayHistory = nameof(PayHistory);
    public const string FinanceApprover = nameof(FinanceApprover);
    public const string FinanceOrAdmin = nameof(FinanceOrAdmin);
    public const string PayoutPreparer = nameof(PayoutPreparer);
    public const string Youth = nameof(Youth);
    public const string Professional = nameof(Professional);
    public const string Reports = nameof(Reports);

    public static AuthorizationPolicy ActivePerson { get; } = new AuthorizationPolicyBuilder()
        .RequireAuthenticatedUser()
        .RequireClaim(ScClaims.Active, "true")
        .RequireClaim(ScClaims.Agency)
        .Build();

    public static void Add(AuthorizationOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.AddPolicy(SignedIn, ActivePerson);
        options.AddPolicy(AgencyAdmin, For(Roles.AgencyAdmin));
        options.AddPolicy(CaseManager, For(Roles.CaseManager));
        options.AddPolicy(CaseManagerOrAdmin, For(Roles.CaseManager, Roles.AgencyAdmin));
        options.AddPolicy(Mentor, For(Roles.Mentor));
        options.AddPolicy(Staff, For(Roles.CaseManager, Roles.Supervisor, Roles.AgencyAdmin));
        options.AddPolicy(SupervisorOrAdmin, For(Roles.Supervisor, Roles.AgencyAdmin));
        options.AddPolicy(Supervisor, For(Roles.Supervisor));
        options.AddPolicy(MatchParticipant, For(Roles.Mentor, Roles.Youth, Roles.CaseManager, Roles.AgencyAdmin));

        // Survivors who take paid engagement work, and those who recruit them.
        options.AddPolicy(EngagementMember, For(Roles.Advisor, Roles.Mentor));
        options.AddPolicy(Recruiter, For(Roles.Recruiter));
        options.AddPolicy(RecruiterOrAdmin, For(Roles.Recruiter, Roles.AgencyAdmin));
        options.AddPolicy(EngagementReader, For(Roles.Recruiter, Roles.Advisor, Roles.Mentor, Roles.AgencyAdmin));

        // Money: finance approves and pays; a recruiter may prepare payouts from the claims they recorded.
        options.AddPolicy(FinanceApprover, For(Roles.FinanceApprover));
        options.AddPolicy(FinanceOrAdmin, For(Roles.FinanceApprover, Roles.AgencyAdmin));
        options.AddPolicy(PayoutPreparer, For(Roles.Recruiter, Roles.FinanceApprover));

        // What someone was paid stays theirs to read (a year's statement, for tax) once the role it was earned in is taken
        // away; saying how to be paid anew needs the role now.
        options.AddPolicy(PayHistory, new AuthorizationPolicyBuilder().Combine(ActivePerson)
            .RequireAssertion(context => Roles.AnyTakingPaidWork(RoleHistory.Of(context.User).Ever)).Build());

        // Teaming: the youth's own view, and professionals who sit on youth's teams (their own agency's or a partner's).
        options.AddPolicy(Youth, For(Roles.Youth));
        // The roles that take a seat on a youth's team reach the team pages: one list, so the two cannot drift apart.
        options.AddPolicy(Professional, For([.. Roles.All.Where(Roles.SitsOnTeams)]));

        // Outcome reports: the agency's for its admins and analysts, a case manager's own caseload for them.
        options.AddPolicy(Reports, For(Roles.AgencyAdmin, Roles.Analyst, Roles.CaseManager));

        // Anything mapped without a policy is still closed.
        options.FallbackPolicy = ActivePerson;
        options.DefaultPolicy = ActivePerson;
    }

    public static AuthorizationPolicy For(params string[] roles) =>
        new AuthorizationPolicyBuilder().Combine(ActivePerson).RequireRole(roles).Build();
}
