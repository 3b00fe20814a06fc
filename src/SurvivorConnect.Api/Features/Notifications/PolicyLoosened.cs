using Mediator;
using SurvivorConnect.Api.Features.Agencies;
using SurvivorConnect.Api.Features.People;
using SurvivorConnect.Api.Infrastructure.Auth;
using SurvivorConnect.Api.Infrastructure.Tenancy;

namespace SurvivorConnect.Api.Features.Notifications;

/// <summary>
/// A policy that protects youth made to ask less (a minor's match needing fewer consents, reports showing smaller groups):
/// told to the agency's other admins, as a new admin is, so no admin loosens one unseen.
/// </summary>
internal sealed class AgencyPolicyLoosenedHandler(Notifier notifier, AgencyStore store) : INotificationHandler<AgencyPolicyLoosened>
{
    public async ValueTask Handle(AgencyPolicyLoosened notification, CancellationToken ct)
    {
        if (notification.AgencyId != store.AgencyId)
        {
            return;
        }

        var loosened = notification.Loosening;
        var notice = loosened.Policy switch
        {
            AgencyPolicy.MatchConsent => Notices.MatchConsentPolicyLoosened,
            AgencyPolicy.ReportThreshold => Notices.ReportThresholdLowered,
            AgencyPolicy.CrisisLines => Notices.CrisisLinesChanged,
            AgencyPolicy.TimeZone => Notices.AgencyTimeZoneChanged,
            AgencyPolicy.PayoutApprovals => Notices.PayoutPolicyLoosened,
            AgencyPolicy.EngagementPay => Notices.EngagementPayLowered,
            AgencyPolicy.SupervisionAlerts => Notices.SupervisionAlertsChanged,
            _ => throw new InvalidOperationException($"No notice says what loosening {loosened.Policy} means."),
        };
        var key = $"agency-policy-loosened~{loosened.Policy}~{loosened.By}~{loosened.At.UtcTicks}";
        // Finance approvers are who a payout's second approval is meant to come from.
        var told = await store.AdminsToTellAsync(ct);
        if (loosened.Policy == AgencyPolicy.PayoutApprovals)
        {
            told = [.. told.Union(await store.ActiveIdsWithRoleAsync(Roles.FinanceApprover, ct))];
        }

        // Supervisors are who a mentor's check-ins alert.
        if (loosened.Policy == AgencyPolicy.SupervisionAlerts)
        {
            told = [.. told.Union(await store.ActiveIdsWithRoleAsync(Roles.Supervisor, ct))];
        }

        foreach (var recipient in told.Where(a => a != loosened.By))
        {
            await notifier.SendOnceAsync(recipient, notice, key, ct);
        }
    }
}
