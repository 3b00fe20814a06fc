using System.Net;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using SurvivorConnect.Api.Infrastructure.Auth;

namespace SurvivorConnect.IntegrationTests;

/// <summary>
/// Every endpoint the app maps, with who may call it. A new endpoint without a row, or without an
/// authorization policy, fails this test: extend the matrix with every feature. Its cross-agency cases (a partner
/// agency's professional trying every route to a youth's agency with real ids) are in <see cref="CrossAgencyMatrixTests"/>.
/// </summary>
public sealed class AuthorizationMatrixTests(AuthorizationMatrixTests.Factory api) : IClassFixture<AuthorizationMatrixTests.Factory>
{
    public sealed class Factory : ApiFactory;

    private const string Anonymous = nameof(Anonymous);

    /// <summary>An endpoint that takes every method (the SignalR connection endpoint); probed with GET.</summary>
    private const string AnyMethod = "ANY";

    private static readonly string[] All = [.. Roles.All];
    private static readonly string[] Staff = [Roles.CaseManager, Roles.Supervisor, Roles.AgencyAdmin];
    private static readonly string[] SupervisorOrAdmin = [Roles.Supervisor, Roles.AgencyAdmin];
    private static readonly string[] CaseManagerOrAdmin = [Roles.CaseManager, Roles.AgencyAdmin];
    private static readonly string[] Participant = [Roles.Mentor, Roles.Youth, Roles.CaseManager, Roles.AgencyAdmin];
    private static readonly string[] CaseManager = [Roles.CaseManager];
    private static readonly string[] Professional = [Roles.CaseManager, Roles.Supervisor, Roles.PartnerProfessional];
    private static readonly string[] EngagementMember = [Roles.Advisor, Roles.Mentor];
    private static readonly string[] Recruiter = [Roles.Recruiter];
    private static readonly string[] Finance = [Roles.FinanceApprover];
    private static readonly string[] Reports = [Roles.AgencyAdmin, Roles.Analyst, Roles.CaseManager];
    private const string ReportMonths = "?from=2026-01&to=2026-06";
    private const string Opportunity = "/api/engagements/opportunities/0123456789abcdef0123456789abcdef";
    private const string Payout = "/api/payouts/payout~nothing~s1~nobody";

    /// <summary>
    /// Outside the matrix: health probes and the API description (public by design), and Blazor's own redirect
    /// endpoint for enhanced navigation, which the portal does not use and the fallback policy keeps closed.
    /// </summary>
    private static readonly string[] PublicPrefixes = ["/health/", "/openapi/", "/scalar", "/_framework/opaque-redirect"];

    public sealed record Row(string Method, string Route, string Path, object? Body, string[] Allowed);

    public static readonly Row[] Matrix =
    [
        new("GET", "/api/me", "/api/me", null, All),
        new("POST", "/api/me/safety-notice", "/api/me/safety-notice", null, All),
        new("POST", "/api/me/end-sign-ins", "/api/me/end-sign-ins", null, All),
        new("GET", "/api/people", "/api/people", null, [Roles.AgencyAdmin]),
        new("POST", "/api/people", "/api/people", new { displayName = "Matrix", roles = Array.Empty<string>() }, [Roles.AgencyAdmin]),
        new("GET", "/api/people/{id}", "/api/people/demo-youth", null, [Roles.AgencyAdmin]),
        new("PUT", "/api/people/{id}/roles", "/api/people/nobody/roles", new { roles = Array.Empty<string>() }, [Roles.AgencyAdmin]),
        new("POST", "/api/people/{id}/deactivate", "/api/people/nobody/deactivate", null, [Roles.AgencyAdmin]),
        new("POST", "/api/people/{id}/reactivate", "/api/people/nobody/reactivate", null, [Roles.AgencyAdmin]),
        new("POST", "/api/people/{id}/end-sign-ins", "/api/people/nobody/end-sign-ins", null, [Roles.AgencyAdmin]),
        new("GET", "/api/audit", "/api/audit", null, [Roles.AgencyAdmin]),
        new("GET", "/api/notifications", "/api/notifications", null, All),
        new("POST", "/api/notifications/{id}/read", "/api/notifications/nobody/read", null, All),
        new("GET", "/api/agency", "/api/agency", null, All),
        new("PUT", "/api/agency/report-threshold", "/api/agency/report-threshold", new { threshold = 11 }, [Roles.AgencyAdmin]),
        // UTC, as the demo agency's days already are: other tests on this API count days in it.
        new("PUT", "/api/agency/time-zone", "/api/agency/time-zone", new { timeZone = "UTC" }, [Roles.AgencyAdmin]),
        new("PUT", "/api/agency/crisis-lines", "/api/agency/crisis-lines", new { lines = Array.Empty<object>() }, [Roles.AgencyAdmin]),
        new("GET", "/api/outcomes", "/api/outcomes" + ReportMonths, null, Reports),
        new("GET", "/api/outcomes/{table}.csv", "/api/outcomes/youth-served.csv" + ReportMonths, null, Reports),
        new("GET", "/outcomes/{table}.csv", "/outcomes/youth-served.csv" + ReportMonths, null, Reports),
        new("GET", "/outcomes", "/outcomes", null, Reports),
        new("POST", "/outcomes", "/outcomes", null, Reports),
        new("PUT", "/api/agency/match-consent-policy", "/api/agency/match-consent-policy", new { adultAge = 18, minorMatchNeeds = Array.Empty<string>() }, [Roles.AgencyAdmin]),
        new("GET", "/api/mentors/me", "/api/mentors/me", null, [Roles.Mentor]),
        new("PUT", "/api/mentors/me", "/api/mentors/me", new { displayName = "Matrix mentor" }, [Roles.Mentor]),
        new("PUT", "/api/mentors/me/new-matches", "/api/mentors/me/new-matches", new { take = true }, [Roles.Mentor]),
        new("GET", "/api/mentors", "/api/mentors", null, Staff),
        new("GET", "/api/mentors/{id}", "/api/mentors/nobody", null, Staff),
        new("PUT", "/api/mentors/{id}/readiness", "/api/mentors/nobody/readiness", new { }, SupervisorOrAdmin),
        new("PUT", "/api/mentors/{id}/supervisor", "/api/mentors/nobody/supervisor", new { supervisorId = "demo-supervisor" }, [Roles.AgencyAdmin]),
        new("POST", "/api/mentors/{id}/hold", "/api/mentors/nobody/hold", new { }, SupervisorOrAdmin),
        new("POST", "/api/mentors/{id}/hold/release", "/api/mentors/nobody/hold/release", new { since = "2026-01-01T00:00:00Z" }, SupervisorOrAdmin),
        new("GET", "/api/mentors/{id}/load", "/api/mentors/nobody/load", null, SupervisorOrAdmin),
        new("POST", "/api/youth", "/api/youth", new { displayName = "Matrix youth", age = 16, stage = "contemplation" }, CaseManager),
        new("GET", "/api/youth", "/api/youth", null, CaseManagerOrAdmin),
        new("GET", "/api/youth/{id}", "/api/youth/nobody", null, CaseManagerOrAdmin),
        new("PUT", "/api/youth/{id}", "/api/youth/nobody", new { displayName = "Matrix youth", age = 16 }, CaseManager),
        new("PUT", "/api/youth/{id}/case-managers", "/api/youth/nobody/case-managers", new { caseManagerIds = new[] { "demo-casemanager" } }, CaseManagerOrAdmin),
        new("GET", "/api/case-managers", "/api/case-managers", null, CaseManagerOrAdmin),
        new("GET", "/api/youth/needing-case-manager", "/api/youth/needing-case-manager", null, [Roles.AgencyAdmin]),
        new("GET", "/api/supervisors", "/api/supervisors", null, [Roles.AgencyAdmin]),
        new("GET", "/api/payouts/payees/needing-setup", "/api/payouts/payees/needing-setup", null, [Roles.FinanceApprover]),
        new("POST", "/api/payouts/payees/{personId}/setup", "/api/payouts/payees/nobody/setup", new { method = "Check", noticeGiven = true }, [Roles.FinanceApprover]),
        new("GET", "/api/payouts/payees/pay-changes", "/api/payouts/payees/pay-changes", null, [Roles.FinanceApprover]),
        new("POST", "/api/payouts/payees/{personId}/pay-change", "/api/payouts/payees/nobody/pay-change", new { madeByThem = true }, [Roles.FinanceApprover]),
        new("GET", "/api/mentors/needing-supervisor", "/api/mentors/needing-supervisor", null, [Roles.AgencyAdmin]),
        new("POST", "/api/youth/{id}/stage", "/api/youth/nobody/stage", new { stage = "action" }, CaseManager),
        new("POST", "/api/youth/{id}/relapse", "/api/youth/nobody/relapse", new { stage = "contemplation" }, CaseManager),
        new("GET", "/api/youth/{id}/stages", "/api/youth/nobody/stages", null, CaseManagerOrAdmin),
        new("POST", "/api/youth/{id}/missing-episodes", "/api/youth/nobody/missing-episodes", new { startedAt = "2026-01-01T00:00:00Z" }, CaseManager),
        new("PUT", "/api/youth/{id}/missing-episodes/{episodeId}", "/api/youth/nobody/missing-episodes/nothing", new { startedAt = "2026-01-01T00:00:00Z" }, CaseManager),
        new("GET", "/api/youth/{id}/missing-episodes", "/api/youth/nobody/missing-episodes", null, CaseManagerOrAdmin),
        new("GET", "/api/youth/{id}/recommendations", "/api/youth/nobody/recommendations", null, CaseManager),
        new("GET", "/api/youth/{id}/do-not-match", "/api/youth/nobody/do-not-match", null, CaseManager),
        new("POST", "/api/consents", "/api/consents", new { subjectId = "nobody", grantor = "Youth", scope = "mentoring-match", matchId = "nobody" }, Participant),
        new("POST", "/api/consents/{id}/revoke", "/api/consents/nobody/revoke", null, All),
        new("POST", "/api/consents/{id}/correct", "/api/consents/nobody/correct", null, Participant),
        new("GET", "/api/consents", "/api/consents?subjectId=nobody", null, Participant),
        new("GET", "/api/consents/mine", "/api/consents/mine", null, All),
        new("POST", "/api/matches", "/api/matches", new { youthId = "nobody", mentorId = "nobody" }, CaseManager),
        new("GET", "/api/matches", "/api/matches", null, Participant),
        new("GET", "/api/matches/{id}", "/api/matches/nobody", null, Participant),
        new("POST", "/api/matches/{id}/accept", "/api/matches/nobody/accept", null, [Roles.Mentor]),
        new("POST", "/api/matches/{id}/decline", "/api/matches/nobody/decline", null, Participant),
        new("POST", "/api/matches/{id}/agree", "/api/matches/nobody/agree", null, Participant),
        new("POST", "/api/matches/{id}/activate", "/api/matches/nobody/activate", null, CaseManager),
        new("POST", "/api/matches/{id}/put-to-youth", "/api/matches/nobody/put-to-youth", null, CaseManager),
        new("POST", "/api/matches/{id}/pause", "/api/matches/nobody/pause", null, CaseManager),
        new("POST", "/api/matches/{id}/resume", "/api/matches/nobody/resume", null, CaseManager),
        new("POST", "/api/matches/{id}/end", "/api/matches/nobody/end", null, Participant),
        new("POST", "/api/matches/{id}/step-back", "/api/matches/nobody/step-back", null, Participant),
        new("POST", "/api/matches/{id}/close", "/api/matches/nobody/close", new { reason = "GoalsMet", planned = true }, CaseManager),
        new("POST", "/api/matches/{id}/rematch", "/api/matches/nobody/rematch", new { mentorId = "nobody" }, CaseManager),
        new(AnyMethod, "/hubs/chat/negotiate", "/hubs/chat/negotiate?negotiateVersion=1", null, Participant),
        new(AnyMethod, "/hubs/chat", "/hubs/chat", null, Participant),
        new(AnyMethod, "/hubs/notifications/negotiate", "/hubs/notifications/negotiate?negotiateVersion=1", null, All),
        new(AnyMethod, "/hubs/notifications", "/hubs/notifications", null, All),
        new("GET", "/api/flags", "/api/flags", null, CaseManager),
        new("POST", "/api/flags/{id}/release", "/api/flags/nobody/release", null, CaseManager),
        new("POST", "/api/flags/{id}/reject", "/api/flags/nobody/reject", null, CaseManager),
        new("POST", "/api/flags/{id}/resolve", "/api/flags/nobody/resolve", new { note = "checked" }, CaseManager),
        new("GET", "/api/engagements/settings", "/api/engagements/settings", null, [Roles.Recruiter, Roles.Advisor, Roles.Mentor, Roles.AgencyAdmin]),
        new("PUT", "/api/engagements/settings", "/api/engagements/settings", new { }, [Roles.AgencyAdmin]),
        new("GET", "/api/engagements/me/profile", "/api/engagements/me/profile", null, EngagementMember),
        new("PUT", "/api/engagements/me/profile", "/api/engagements/me/profile", new { }, EngagementMember),
        new("POST", "/api/engagements/me/contact", "/api/engagements/me/contact", new { optIn = false }, EngagementMember),
        new("GET", "/api/engagements/me/opportunities", "/api/engagements/me/opportunities", null, EngagementMember),
        new("GET", "/api/engagements/me/claims", "/api/engagements/me/claims", null, EngagementMember),
        new("GET", "/api/engagements/me/calendar", "/api/engagements/me/calendar", null, EngagementMember),
        new("POST", "/api/engagements/me/calendar", "/api/engagements/me/calendar", null, EngagementMember),
        new("DELETE", "/api/engagements/me/calendar", "/api/engagements/me/calendar", null, EngagementMember),
        new("GET", "/calendar/{agencyId}/{personId}/{token}.ics", "/calendar/demo/demo-advisor/nothing.ics", null, [Anonymous]),
        new("POST", "/api/engagements/opportunities/{id}/sessions/{sessionId}/attendance", Opportunity + "/sessions/s1/attendance", new { entries = new[] { new { personId = "nobody", outcome = "attended" } } }, Recruiter),
        new("POST", "/api/engagements/opportunities/{id}/sessions/{sessionId}/cancel", Opportunity + "/sessions/s1/cancel", null, Recruiter),
        new("POST", "/api/engagements/opportunities/{id}/sessions/{sessionId}/places/{personId}/restore", Opportunity + "/sessions/s1/places/nobody/restore", null, Recruiter),
        new("PUT", "/api/engagements/opportunities/{id}/sessions/{sessionId}/travel", Opportunity + "/sessions/s1/travel", new { miles = 1 }, EngagementMember),
        new("GET", "/api/engagements/opportunities/{id}/claims", Opportunity + "/claims", null, Recruiter),
        new("GET", "/api/engagements/opportunities", "/api/engagements/opportunities", null, Recruiter),
        new("POST", "/api/engagements/opportunities", "/api/engagements/opportunities", new { }, Recruiter),
        new("GET", "/api/engagements/opportunities/{id}", Opportunity, null, [Roles.Recruiter, Roles.Advisor, Roles.Mentor, Roles.AgencyAdmin]),
        new("PUT", "/api/engagements/opportunities/{id}", Opportunity, new { }, Recruiter),
        new("POST", "/api/engagements/opportunities/{id}/publish", Opportunity + "/publish", null, Recruiter),
        new("POST", "/api/engagements/opportunities/{id}/close", Opportunity + "/close", null, Recruiter),
        new("POST", "/api/engagements/opportunities/{id}/complete", Opportunity + "/complete", null, Recruiter),
        new("POST", "/api/engagements/opportunities/{id}/cancel", Opportunity + "/cancel", null, Recruiter),
        new("GET", "/api/engagements/opportunities/{id}/candidates", Opportunity + "/candidates", null, Recruiter),
        new("POST", "/api/engagements/opportunities/{id}/invitations", Opportunity + "/invitations", new { personId = "nobody" }, Recruiter),
        new("POST", "/api/engagements/opportunities/{id}/apply", Opportunity + "/apply", null, EngagementMember),
        new("POST", "/api/engagements/opportunities/{id}/accept", Opportunity + "/accept", null, EngagementMember),
        new("POST", "/api/engagements/opportunities/{id}/decline", Opportunity + "/decline", null, EngagementMember),
        new("POST", "/api/engagements/opportunities/{id}/withdraw", Opportunity + "/withdraw", null, EngagementMember),
        new("GET", "/api/payouts/settings", "/api/payouts/settings", null, [Roles.FinanceApprover, Roles.AgencyAdmin]),
        new("PUT", "/api/payouts/settings", "/api/payouts/settings", new { twoApproverThreshold = 500 }, [Roles.AgencyAdmin]),
        new("POST", "/api/payouts", "/api/payouts", new { opportunityId = "0123456789abcdef0123456789abcdef" }, [Roles.Recruiter, Roles.FinanceApprover]),
        new("GET", "/api/payouts", "/api/payouts", null, Finance),
        new("GET", "/api/payouts/totals", "/api/payouts/totals", null, Finance),
        new("GET", "/api/payouts/export.csv", "/api/payouts/export.csv", null, Finance),
        new("GET", "/api/payouts/reconciliation", "/api/payouts/reconciliation", null, Finance),
        new("POST", "/api/payouts/payees/{personId}/tax-details", "/api/payouts/payees/nobody/tax-details", null, Finance),
        new("GET", "/api/payouts/{id}", Payout, null, Finance),
        new("POST", "/api/payouts/{id}/approve", Payout + "/approve", null, Finance),
        new("POST", "/api/payouts/{id}/cancel", Payout + "/cancel", null, Finance),
        new("POST", "/api/payouts/{id}/paid-outside", Payout + "/paid-outside", new { reference = "check 1" }, Finance),
        new("POST", "/api/payouts/{id}/set-aside", Payout + "/set-aside", null, Finance),
        new("POST", "/api/payouts/{id}/retry", Payout + "/retry", null, Finance),
        new("GET", "/api/payouts/me", "/api/payouts/me", null, EngagementMember),
        new("POST", "/api/payouts/me/benefits-notice", "/api/payouts/me/benefits-notice", null, EngagementMember),
        new("PUT", "/api/payouts/me/method", "/api/payouts/me/method", new { method = "check" }, EngagementMember),
        new("POST", "/api/payouts/me/onboarding", "/api/payouts/me/onboarding", null, EngagementMember),
        new("POST", "/api/payouts/me/stripe-status", "/api/payouts/me/stripe-status", null, EngagementMember),
        new("GET", "/api/payouts/me/statement.csv", "/api/payouts/me/statement.csv", null, EngagementMember),
        new("POST", "/webhooks/stripe", "/webhooks/stripe", new { }, [Anonymous]),
        new("GET", "/payments/statement.csv", "/payments/statement.csv", null, EngagementMember),
        new("GET", "/finance/payouts.csv", "/finance/payouts.csv", null, Finance),
        new("GET", "/api/supervision/me", "/api/supervision/me", null, [Roles.Mentor]),
        new("POST", "/api/supervision/me/check-ins", "/api/supervision/me/check-ins", new { answers = new Dictionary<string, int>() }, [Roles.Mentor]),
        new("GET", "/api/supervision/mentors", "/api/supervision/mentors", null, [Roles.Supervisor]),
        new("GET", "/api/supervision/mentors/{id}", "/api/supervision/mentors/nobody", null, [Roles.Supervisor]),
        new("PUT", "/api/supervision/mentors/{id}/cadence", "/api/supervision/mentors/nobody/cadence", new { days = 14 }, [Roles.Supervisor]),
        new("POST", "/api/supervision/mentors/{id}/sessions", "/api/supervision/mentors/nobody/sessions", new { date = "2026-01-05", notes = "x" }, [Roles.Supervisor]),
        new("GET", "/api/supervision/flags/{id}", "/api/supervision/flags/wflag~nothing", null, [Roles.Supervisor]),
        new("POST", "/api/supervision/flags/{id}/acknowledge", "/api/supervision/flags/wflag~nothing/acknowledge", null, [Roles.Supervisor]),
        new("POST", "/api/supervision/flags/{id}/sessions", "/api/supervision/flags/wflag~nothing/sessions", new { date = "2026-11-30", notes = "x" }, [Roles.Supervisor]),
        new("POST", "/api/supervision/flags/{id}/resolve", "/api/supervision/flags/wflag~nothing/resolve", null, [Roles.Supervisor]),
        new("GET", "/api/supervision/settings", "/api/supervision/settings", null, [Roles.AgencyAdmin]),
        new("PUT", "/api/supervision/settings", "/api/supervision/settings", new { }, [Roles.AgencyAdmin]),
        new("POST", "/api/supervision/instruments", "/api/supervision/instruments", new { }, [Roles.AgencyAdmin]),
        new("GET", "/api/supervision/overview", "/api/supervision/overview", null, [Roles.AgencyAdmin]),
        new("GET", "/api/partnerships", "/api/partnerships", null, [Roles.AgencyAdmin]),
        new("POST", "/api/partnerships", "/api/partnerships", new { }, [Roles.AgencyAdmin]),
        new("POST", "/api/partnerships/{id}/accept", "/api/partnerships/nothing/accept", null, [Roles.AgencyAdmin]),
        new("PUT", "/api/partnerships/{id}/professionals", "/api/partnerships/nothing/professionals", new { }, [Roles.AgencyAdmin]),
        new("POST", "/api/partnerships/{id}/end", "/api/partnerships/nothing/end", null, [Roles.AgencyAdmin]),
        new("GET", "/api/teams", "/api/teams", null, Professional),
        new("GET", "/api/teams/overdue-actions", "/api/teams/overdue-actions", null, CaseManager),
        new("GET", "/api/teams/{youthId}", "/api/teams/nobody", null, Professional),
        new("POST", "/api/teams/{youthId}", "/api/teams/nobody", null, CaseManager),
        new("POST", "/api/teams/{youthId}/members", "/api/teams/nobody/members", new { role = "Support", name = "x" }, CaseManager),
        new("POST", "/api/teams/{youthId}/members/{memberId}/remove", "/api/teams/nobody/members/nobody/remove", null, CaseManager),
        new("GET", "/api/teams/{youthId}/plans", "/api/teams/nobody/plans", null, Professional),
        new("POST", "/api/teams/{youthId}/case-plan/items", "/api/teams/nobody/case-plan/items", new { kind = "Goal", text = "x" }, CaseManager),
        new("PUT", "/api/teams/{youthId}/case-plan/items/{itemId}", "/api/teams/nobody/case-plan/items/nothing", new { kind = "Goal", text = "x" }, CaseManager),
        new("PUT", "/api/teams/{youthId}/safety-plan", "/api/teams/nobody/safety-plan", new { }, CaseManager),
        new("GET", "/api/teams/{youthId}/meetings", "/api/teams/nobody/meetings", null, Professional),
        new("POST", "/api/teams/{youthId}/meetings", "/api/teams/nobody/meetings", new { scheduledFor = "2026-12-01T10:00:00Z", agenda = new[] { "x" } }, CaseManager),
        new("PUT", "/api/teams/{youthId}/meetings/{meetingId}", "/api/teams/nobody/meetings/nothing", new { scheduledFor = "2026-12-01T10:00:00Z", agenda = new[] { "x" } }, CaseManager),
        new("POST", "/api/teams/{youthId}/meetings/{meetingId}/cancel", "/api/teams/nobody/meetings/nothing/cancel", null, CaseManager),
        new("POST", "/api/teams/{youthId}/meetings/{meetingId}/record", "/api/teams/nobody/meetings/nothing/record", new { youthParticipation = "InPerson" }, CaseManager),
        new("POST", "/api/teams/{youthId}/meetings/{meetingId}/actions/{actionId}/done", "/api/teams/nobody/meetings/nothing/actions/nothing/done", null, CaseManager),
        new("GET", "/api/my-team", "/api/my-team", null, [Roles.Youth]),
        new("GET", "/api/my-team/safety-plan", "/api/my-team/safety-plan", null, [Roles.Youth]),
        new("POST", "/api/my-team/supports/{memberId}/agree", "/api/my-team/supports/nobody/agree", null, [Roles.Youth]),
        new("POST", "/api/my-team/supports/{memberId}/decline", "/api/my-team/supports/nobody/decline", null, [Roles.Youth]),
        new("POST", "/api/my-team/supports/{memberId}/put-back", "/api/my-team/supports/nobody/put-back", null, [Roles.Youth]),
        new("PUT", "/api/my-team/meetings/{meetingId}/views", "/api/my-team/meetings/nobody/views", new { views = "x" }, [Roles.Youth]),
        new("GET", "/api/shared", "/api/shared", null, Professional),
        new("GET", "/api/shared/{seatId}", "/api/shared/nothing", null, Professional),
        new("GET", "/dev/users", "/dev/users", null, [Anonymous]),
        new("POST", "/dev/token", "/dev/token", new { userId = "demo-youth" }, [Anonymous]),

        // The portal's pages: someone not signed in is sent to sign-in instead of being told 401.
        new("GET", "/", "/", null, All),
        new("POST", "/", "/", null, All),
        new("GET", "/matches", "/matches", null, Participant),
        new("POST", "/matches", "/matches", null, Participant),
        new("GET", "/chat", "/chat", null, Participant),
        new("POST", "/chat", "/chat", null, Participant),
        new("GET", "/caseload", "/caseload", null, CaseManager),
        new("POST", "/caseload", "/caseload", null, CaseManager),
        new("GET", "/flags", "/flags", null, CaseManager),
        new("POST", "/flags", "/flags", null, CaseManager),
        new("GET", "/profile", "/profile", null, [Roles.Mentor]),
        new("POST", "/profile", "/profile", null, [Roles.Mentor]),
        new("GET", "/people", "/people", null, [Roles.AgencyAdmin]),
        new("POST", "/people", "/people", null, [Roles.AgencyAdmin]),
        new("GET", "/case-managers", "/case-managers", null, [Roles.AgencyAdmin]),
        new("POST", "/case-managers", "/case-managers", null, [Roles.AgencyAdmin]),
        new("GET", "/supervisors", "/supervisors", null, [Roles.AgencyAdmin]),
        new("POST", "/supervisors", "/supervisors", null, [Roles.AgencyAdmin]),
        new("GET", "/audit", "/audit", null, [Roles.AgencyAdmin]),
        new("POST", "/audit", "/audit", null, [Roles.AgencyAdmin]),
        new("GET", "/paid-work", "/paid-work", null, EngagementMember),
        new("POST", "/paid-work", "/paid-work", null, EngagementMember),
        new("GET", "/opportunities", "/opportunities", null, Recruiter),
        new("POST", "/opportunities", "/opportunities", null, Recruiter),
        new("GET", "/pay-rates", "/pay-rates", null, [Roles.AgencyAdmin]),
        new("POST", "/pay-rates", "/pay-rates", null, [Roles.AgencyAdmin]),
        new("GET", "/payments", "/payments", null, EngagementMember),
        new("GET", "/payments/from-stripe", "/payments/from-stripe", null, [Anonymous]),
        new("POST", "/payments", "/payments", null, EngagementMember),
        new("GET", "/finance", "/finance", null, Finance),
        new("POST", "/finance", "/finance", null, Finance),
        new("GET", "/claims-to-pay", "/claims-to-pay", null, [Roles.Recruiter, Roles.FinanceApprover]),
        new("POST", "/claims-to-pay", "/claims-to-pay", null, [Roles.Recruiter, Roles.FinanceApprover]),
        new("GET", "/payout-policy", "/payout-policy", null, [Roles.AgencyAdmin]),
        new("POST", "/payout-policy", "/payout-policy", null, [Roles.AgencyAdmin]),
        new("GET", "/wellbeing", "/wellbeing", null, [Roles.Mentor]),
        new("POST", "/wellbeing", "/wellbeing", null, [Roles.Mentor]),
        new("GET", "/supervision", "/supervision", null, [Roles.Supervisor]),
        new("POST", "/supervision", "/supervision", null, [Roles.Supervisor]),
        new("GET", "/wellbeing-overview", "/wellbeing-overview", null, [Roles.AgencyAdmin]),
        new("POST", "/wellbeing-overview", "/wellbeing-overview", null, [Roles.AgencyAdmin]),
        new("GET", "/partnerships", "/partnerships", null, [Roles.AgencyAdmin]),
        new("POST", "/partnerships", "/partnerships", null, [Roles.AgencyAdmin]),
        new("GET", "/agency", "/agency", null, [Roles.AgencyAdmin]),
        new("POST", "/agency", "/agency", null, [Roles.AgencyAdmin]),
        new("GET", "/teams", "/teams", null, Professional),
        new("POST", "/teams", "/teams", null, Professional),
        new("GET", "/teams/{YouthId}", "/teams/nobody", null, Professional),
        new("POST", "/teams/{YouthId}", "/teams/nobody", null, Professional),
        new("GET", "/teams/{YouthId}/plans", "/teams/nobody/plans", null, Professional),
        new("POST", "/teams/{YouthId}/plans", "/teams/nobody/plans", null, Professional),
        new("GET", "/teams/{YouthId}/meetings", "/teams/nobody/meetings", null, Professional),
        new("POST", "/teams/{YouthId}/meetings", "/teams/nobody/meetings", null, Professional),
        new("GET", "/shared", "/shared", null, Professional),
        new("POST", "/shared", "/shared", null, Professional),
        new("GET", "/my-team", "/my-team", null, [Roles.Youth]),
        new("POST", "/my-team", "/my-team", null, [Roles.Youth]),
        new("GET", "/my-plan", "/my-plan", null, [Roles.Youth]),
        new("POST", "/my-plan", "/my-plan", null, [Roles.Youth]),
        new("GET", "/my-consents", "/my-consents", null, All),
        new("POST", "/my-consents", "/my-consents", null, All),
        new("GET", "/notifications", "/notifications", null, All),
        new("POST", "/notifications", "/notifications", null, All),
        new("GET", "/signin", "/signin", null, [Anonymous]),
        new("POST", "/signin", "/signin", null, [Anonymous]),
        new("GET", "/help", "/help", null, [Anonymous]),
        new("POST", "/help", "/help", null, [Anonymous]),
        new("GET", "/not-available", "/not-available", null, [Anonymous]),
        new("POST", "/not-available", "/not-available", null, [Anonymous]),
        new("GET", "/status/{Code:int}", "/status/404", null, [Anonymous]),
        new("POST", "/status/{Code:int}", "/status/404", null, [Anonymous]),
        new("POST", "/signin/demo", "/signin/demo", null, [Anonymous]),
        new("POST", "/signout", "/signout", null, [Anonymous]),
        new("POST", "/signout/everywhere", "/signout/everywhere", null, All),
        new("POST", "/exit", "/exit", null, [Anonymous]),
        new("POST", "/session/alive", "/session/alive", null, All),
        new("GET", "/session", "/session", null, All),
        new("GET", "/exit", "/exit", null, [Anonymous]),
    ];

    /// <summary>A portal page rather than the API, a hub, the page script's keep-alive or development sign-in.</summary>
    private static bool IsPage(Row row) => !new[] { "/api", "/dev", "/hubs", "/webhooks", "/session" }.Any(p => row.Route.StartsWith(p, StringComparison.Ordinal));

    private static readonly Dictionary<string, string> UserForRole = new()
    {
        [Roles.Youth] = "demo-youth",
        [Roles.Mentor] = "demo-mentor",
        [Roles.Advisor] = "demo-advisor",
        [Roles.CaseManager] = "demo-casemanager",
        [Roles.Supervisor] = "demo-supervisor",
        [Roles.PartnerProfessional] = "demo-partner-pro",
        [Roles.Recruiter] = "demo-recruiter",
        [Roles.FinanceApprover] = "demo-finance",
        [Roles.AgencyAdmin] = "demo-admin",
        [Roles.Analyst] = "demo-analyst",
    };

    private static string Key(string method, string route) => $"{method} {route.TrimEnd('/')}";

    [Fact]
    public void Every_endpoint_has_a_policy_and_a_row_and_every_row_an_endpoint()
    {
        var endpoints = api.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Where(e => !PublicPrefixes.Any(p => ("/" + e.RoutePattern.RawText!.TrimStart('/')).StartsWith(p, StringComparison.Ordinal)))
            .SelectMany(e => (e.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? [AnyMethod]).Select(m => (Key: Key(m, e.RoutePattern.RawText!), Endpoint: e)))
            .ToList();
        var rows = Matrix.ToDictionary(r => Key(r.Method, r.Route));

        foreach (var (key, endpoint) in endpoints)
        {
            Assert.True(rows.TryGetValue(key, out var row), $"{key} is not in the authorization matrix.");
            var anonymous = endpoint.Metadata.GetMetadata<IAllowAnonymous>() is not null;
            if (row.Allowed.Contains(Anonymous))
            {
                Assert.True(anonymous, $"{key} is public in the matrix but not marked AllowAnonymous.");
            }
            else
            {
                Assert.False(anonymous, $"{key} must not allow anonymous callers.");
                Assert.Contains(endpoint.Metadata.GetOrderedMetadata<IAuthorizeData>(), a => !string.IsNullOrEmpty(a.Policy));
            }
        }

        Assert.Empty(rows.Keys.Except(endpoints.Select(e => e.Key)));
    }

    [Fact]
    public void Every_api_endpoint_is_a_named_method_so_its_route_greps_to_its_handler()
    {
        var unnamed = api.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Where(e => ("/" + e.RoutePattern.RawText!.TrimStart('/')) is var route && (route.StartsWith("/api", StringComparison.Ordinal) || route.StartsWith("/dev", StringComparison.Ordinal)))
            .Where(e => e.Metadata.GetMetadata<IEndpointNameMetadata>() is null)
            .Select(e => e.RoutePattern.RawText)
            .ToList();

        Assert.Empty(unnamed);
    }

    public static TheoryData<string, string> Cases()
    {
        var data = new TheoryData<string, string>();
        foreach (var row in Matrix)
        {
            foreach (var caller in All.Append(Anonymous))
            {
                data.Add(Key(row.Method, row.Route), caller);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Each_caller_gets_what_the_matrix_says(string endpoint, string caller)
    {
        var row = Matrix.Single(r => Key(r.Method, r.Route) == endpoint);
        var client = caller == Anonymous ? api.Anonymous() : api.As(UserForRole[caller]);
        var request = new HttpRequestMessage(row.Method == AnyMethod ? HttpMethod.Get : new HttpMethod(row.Method), row.Path);
        if (row.Body is not null)
        {
            request.Content = JsonContent.Create(row.Body);
        }

        var response = await client.SendAsync(request);
        var status = response.StatusCode;

        if (row.Allowed.Contains(Anonymous) || row.Allowed.Contains(caller))
        {
            Assert.True(status is not (HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden), $"{caller} should reach {endpoint} but got {(int)status}.");
        }
        else if (caller == Anonymous && IsPage(row))
        {
            Assert.Equal(HttpStatusCode.Redirect, status);
            Assert.Equal("/signin", response.Headers.Location?.OriginalString);
        }
        else
        {
            Assert.Equal(caller == Anonymous ? HttpStatusCode.Unauthorized : HttpStatusCode.Forbidden, status);
        }
    }
}
