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
            _ => Notices.AgencyTimeZoneChanged,
        };
        var key = $"agency-policy-loosened~{loosened.Policy}~{loosened.By}~{loosened.At.UtcTicks}";
        foreach (var admin in (await store.ActiveIdsWithRoleAsync(Roles.AgencyAdmin, ct)).Where(a => a != loosened.By))
        {
            await notifier.SendOnceAsync(admin, notice, key, ct);
        }
    }
}
