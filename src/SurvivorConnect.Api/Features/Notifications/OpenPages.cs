using Mediator;
using Microsoft.AspNetCore.SignalR;
using SurvivorConnect.Api.Features.People;
using SurvivorConnect.Api.Infrastructure.Hosting;

namespace SurvivorConnect.Api.Features.Notifications;

/// <summary>
/// Tells people's open portal pages, in every tab and on every instance, that what they may see has shrunk (a role taken
/// away, a youth handed to another case manager): each clears itself and is drawn again as they may see it now, rather
/// than go on showing a flag list or a youth's record they may no longer read. Every signed-in page keeps a notice
/// connection (unless refused as one too many), which is how it hears.
/// </summary>
public sealed partial class OpenPages(IHubContext<NotificationHub, INotificationClient> hub, ILogger<OpenPages> logger)
{
    /// <summary>
    /// Every open page of theirs hears it, those of whoever made the change too; the page a form is on its way from does
    /// not redraw itself (portal.js), as the form's answer is drawn as they may see it now and shows its outcome.
    /// </summary>
    public async Task RedrawAsync(string agencyId, IEnumerable<string> personIds)
    {
        ArgumentNullException.ThrowIfNull(personIds);
        foreach (var personId in personIds.Distinct(StringComparer.Ordinal))
        {
            try
            {
                await hub.Clients.Group(NotificationHub.Group(agencyId, personId)).AccessChanged();
            }
            catch (Exception ex) when (Backplane.Failed(ex))
            {
                // The pages still refuse whatever is asked of them, and clear at the idle time: the change itself is made.
                LogNotTold(logger, personId, ex);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "The open pages of {PersonId} could not be told their access changed (the SignalR backplane is unreachable)")]
    private static partial void LogNotTold(ILogger logger, string personId, Exception exception);
}

/// <summary>Roles taken away: the person's open pages are drawn again as they may see them now.</summary>
internal sealed class RolesLostHandler(OpenPages pages) : INotificationHandler<PersonAccessChanged>
{
    public async ValueTask Handle(PersonAccessChanged notification, CancellationToken ct)
    {
        if (notification is { RolesLost.Count: > 0, Again: false })
        {
            await pages.RedrawAsync(notification.AgencyId, [notification.PersonId]);
        }
    }
}
