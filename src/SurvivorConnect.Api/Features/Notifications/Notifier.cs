using System.Collections.Concurrent;
using System.Security.Claims;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.Options;
using SurvivorConnect.Api.Features.People;
using SurvivorConnect.Api.Infrastructure.Auth;
using SurvivorConnect.Api.Infrastructure.Hosting;
using SurvivorConnect.Api.Infrastructure.Pipeline;
using SurvivorConnect.Api.Infrastructure.Tenancy;
using SurvivorConnect.Storage;

namespace SurvivorConnect.Api.Features.Notifications;

/// <summary>What the notifications hub calls on its clients.</summary>
public interface INotificationClient
{
    Task NotificationReceived(NotificationView notification);

    /// <summary>Why the server is closing this connection as it opens (see <see cref="LiveConnections"/>).</summary>
    Task ConnectionRefused(string reason);

    /// <summary>What the person may see has shrunk: the page clears itself and is drawn again (<see cref="OpenPages"/>).</summary>
    Task AccessChanged();
}

/// <summary>
/// Live notices for the signed-in person (any role), at <c>/hubs/notifications</c>. It has no methods: it only
/// delivers. Each connection joins its person's group, named by agency and person, since person ids are
/// unique only within an agency.
/// </summary>
[Authorize(Policy = Policies.SignedIn)]
public sealed class NotificationHub(
    NoticeConnections connections, PersonPrincipals principals, PortalSessions sessions, IAuthorizationService authorization, IOptions<NotificationOptions> options)
    : Hub<INotificationClient>
{
    public static string Group(string agencyId, string personId) => $"notify:{agencyId}:{personId}";

    public override async Task OnConnectedAsync()
    {
        if (LiveConnections.FromOtherSession(Context))
        {
            await LiveConnections.RefuseAsync(Context, Clients.Caller.ConnectionRefused, LiveConnections.OtherSession);
            return;
        }

        var agency = Context.User?.FindFirstValue(ScClaims.Agency);
        var person = Context.User?.FindFirstValue(ScClaims.UserId);
        connections.Add(Context);
        if (agency is not null && person is not null && connections.Of(agency, person).Count > options.Value.MaxConnectionsPerPerson)
        {
            connections.Remove(Context.ConnectionId);
            await LiveConnections.RefuseAsync(Context, Clients.Caller.ConnectionRefused);
            return;
        }

        try
        {
            if (agency is not null && person is not null)
            {
                await Groups.AddToGroupAsync(Context.ConnectionId, Group(agency, person));
            }

            // Checked again once listed: a deactivation or sign-out between the handshake and now found nothing to close.
            var now = await principals.RefreshAsync(Context.User!, Context.ConnectionAborted);
            if (!(await authorization.AuthorizeAsync(now, Policies.SignedIn)).Succeeded || await sessions.ConnectionSessionEndedAsync(now, Context.ConnectionAborted))
            {
                Context.Abort();
            }
        }
        catch
        {
            // A connection refused here is never told it disconnected.
            connections.Remove(Context.ConnectionId);
            throw;
        }

        await base.OnConnectedAsync();
    }

    public override Task OnDisconnectedAsync(Exception? exception)
    {
        connections.Remove(Context.ConnectionId);
        return base.OnDisconnectedAsync(exception);
    }
}

public sealed class NotificationOptions
{
    public const string SectionName = "Notifications";

    /// <summary>
    /// Notice connections one person may hold on an instance: one for each open portal page, on every device, far more
    /// than anyone needs; each is rechecked on every change that concerns them. More are closed, saying why.
    /// </summary>
    public int MaxConnectionsPerPerson { get; set; } = 20;
}

/// <summary>
/// This instance's open notice connections. Group membership in SignalR cannot be listed, so this is what lets a
/// deactivation find and close them: every page keeps one open, and its closing is what makes the page clear itself.
/// </summary>
public sealed class NoticeConnections
{
    private readonly ConcurrentDictionary<string, HubCallerContext> _connections = new(StringComparer.Ordinal);

    public void Add(HubCallerContext context) => _connections[context.ConnectionId] = context;

    public void Remove(string connectionId) => _connections.TryRemove(connectionId, out _);

    /// <summary>The connections of one agency's person, or of everyone on this instance when <paramref name="agencyId"/> is null.</summary>
    public IReadOnlyList<HubCallerContext> Of(string? agencyId, string? userId) =>
        _connections.Values.Where(c => agencyId is null
            || (c.User?.FindFirstValue(ScClaims.Agency) == agencyId && (userId is null || c.User.FindFirstValue(ScClaims.UserId) == userId))).ToList();
}

/// <summary>Stores a notice for each recipient and pushes it live to those signed in and still active.</summary>
public sealed partial class Notifier(
    AgencyStore store, PeopleRepository people, NoticeIds ids, IHubContext<NotificationHub, INotificationClient> hub, ILogger<Notifier> logger)
{
    public async Task SendAsync(IEnumerable<string?> recipients, Notice notice, string? matchId, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(recipients);
        ArgumentNullException.ThrowIfNull(notice);
        foreach (var recipient in recipients.OfType<string>().Distinct(StringComparer.Ordinal))
        {
            await StoreAndPushAsync(AgencyStore.NewId(), recipient, notice, matchId, ct);
        }
    }

    /// <summary>
    /// Sends a notice at most once for <paramref name="key"/>, however many instances try at the same moment: the
    /// notice's id is made from the key (<see cref="NoticeIds"/>), and the store lets only one of them create it. True if this call sent it.
    /// </summary>
    public async Task<bool> SendOnceAsync(string recipient, Notice notice, string key, CancellationToken ct, string? matchId = null)
    {
        ArgumentNullException.ThrowIfNull(notice);
        // Made first: a conflict making the agency's secret is no sign the notice was sent.
        var id = await ids.OfAsync(store.AgencyId, key, recipient, ct);
        if (await FormerAsync(key, recipient, ct) is not null)
        {
            return false;
        }

        try
        {
            await StoreAndPushAsync(id, recipient, notice, matchId, ct);
            return true;
        }
        catch (StoreException ex) when (ex.Kind == StoreErrorKind.Conflict)
        {
            return false;
        }
    }

    /// <summary>Sends a notice once for <paramref name="key"/> to each of the agency's active admins: whoever can act when nobody else can.</summary>
    /// <param name="except">Who is not asked (the person the notice is about, those kept from the youth it is about), unless nobody else could be.</param>
    /// <param name="toExceptedAlone">
    /// What <paramref name="except"/> is told instead, with no match named, when nobody else could be: the only admin who is
    /// also the chat's mentor must act on a flag in it, but not read what the youth wrote or that their own words were held.
    /// Under a key of its own, so that it is not the notice the others would have had.
    /// </param>
    public async Task SendOnceToAdminsAsync(Notice notice, string key, CancellationToken ct, string? matchId = null, IReadOnlyCollection<string>? except = null, (Notice Notice, string Key)? toExceptedAlone = null)
    {
        var (admins, alone) = await AdminsAsync(except, ct);
        foreach (var admin in admins)
        {
            if (alone && toExceptedAlone is { } instead)
            {
                await SendOnceAsync(admin, instead.Notice, instead.Key, ct);
            }
            else
            {
                await SendOnceAsync(admin, notice, key, ct, matchId);
            }
        }
    }

    /// <summary>The admins to ask, and whether that is only excepted ones (nobody else could be).</summary>
    private async Task<(IEnumerable<string> Admins, bool ExceptedAlone)> AdminsAsync(IReadOnlyCollection<string>? except, CancellationToken ct)
    {
        var admins = await store.ActiveIdsWithRoleAsync(Roles.AgencyAdmin, ct);
        var others = admins.Where(a => except is null || !except.Contains(a)).ToList();
        return others.Count > 0 ? (others, false) : (admins, admins.Count > 0 && except is not null);
    }

    /// <summary>For <see cref="SendStandingAsync"/>: news that stands for more of its kind for as long as the notice is unread.</summary>
    public static readonly Func<string, Task<bool>> WhileUnread = _ => Task.FromResult(true);

    /// <summary>
    /// Sends a notice that stands for everything of one <paramref name="key"/>, told now of <paramref name="about"/>.
    /// While it is unread and what it last told of is still to be dealt with (<paramref name="stillOpen"/>), it stands
    /// for this too: it comes back to the top of their list, unread, without being pushed again. Otherwise they are told
    /// anew. A flood of the same news is then one notice, and cannot bury other news. True if this call told it anew.
    /// With <paramref name="pushWhileStanding"/> (news that cannot wait, each time: another urgent flag) the notice
    /// standing is pushed again too, so a phone in a pocket is told of this one as well.
    /// </summary>
    public async Task<bool> SendStandingAsync(
        string recipient, Notice notice, string key, string about, Func<string, Task<bool>> stillOpen, CancellationToken ct, string? matchId = null, bool pushWhileStanding = false)
    {
        ArgumentNullException.ThrowIfNull(notice);
        ArgumentNullException.ThrowIfNull(stillOpen);
        var id = await ids.OfAsync(store.AgencyId, key, recipient, ct);
        for (var attempt = 1; ; attempt++)
        {
            var current = await store.ReadAsync<Notification>(Notification.Container, id, store.AgencyId, ct);
            var existing = current ?? await FormerAsync(key, recipient, ct);
            if (existing?.About == about)
            {
                return false;
            }

            var standing = existing is { ReadAt: null, About: { } told } && await stillOpen(told);
            try
            {
                // Pushed again, it tells of this one from now on: a re-run of the same news pushes nothing more.
                var stored = standing
                    ? await store.ReplaceAsync(Notification.Container, existing! with { At = store.Now, About = pushWhileStanding ? about : existing.About }, existing!.ETag!, ct)
                    : current is null
                        ? await store.CreateAsync(Notification.Container, New(id, recipient, notice, matchId) with { About = about }, ct)
                        : await store.ReplaceAsync(Notification.Container, New(id, recipient, notice, matchId) with { About = about }, current.ETag!, ct);
                if (!standing && current is null && existing is { ReadAt: null })
                {
                    // The notice of before, which this one takes over from, is not left unread beside it.
                    await store.ReplaceAsync(Notification.Container, existing.MarkedRead(store.Now), existing.ETag!, ct);
                }

                if (!standing || pushWhileStanding)
                {
                    await PushAsync(recipient, stored, ct);
                }

                return !standing;
            }
            catch (StoreException ex) when (ex.Kind is StoreErrorKind.Conflict or StoreErrorKind.PreconditionFailed && attempt < 3)
            {
                // Told by another instance, or read by the person, meanwhile: decided again on what it is now.
            }
        }
    }

    /// <summary><see cref="SendStandingAsync"/> to each of the agency's active admins, as <see cref="SendOnceToAdminsAsync"/> chooses them; true if any was pushed.</summary>
    public async Task<bool> SendStandingToAdminsAsync(
        Notice notice, string key, string about, Func<string, Task<bool>> stillOpen, CancellationToken ct, string? matchId = null, IReadOnlyCollection<string>? except = null,
        (Notice Notice, string Key)? toExceptedAlone = null, bool pushWhileStanding = false)
    {
        var (admins, alone) = await AdminsAsync(except, ct);
        var pushed = false;
        foreach (var admin in admins)
        {
            pushed |= alone && toExceptedAlone is { } instead
                ? await SendStandingAsync(admin, instead.Notice, instead.Key, about, stillOpen, ct, pushWhileStanding: pushWhileStanding)
                : await SendStandingAsync(admin, notice, key, about, stillOpen, ct, matchId, pushWhileStanding);
        }

        return pushed;
    }

    /// <summary>The notice sent for <paramref name="key"/> under its id of before (<see cref="NoticeIds.FormerOfAsync"/>), if any.</summary>
    private async Task<Notification?> FormerAsync(string key, string recipient, CancellationToken ct) =>
        await ids.FormerOfAsync(store.AgencyId, key, recipient, ct) is { } former
            ? await store.ReadAsync<Notification>(Notification.Container, former, store.AgencyId, ct)
            : null;

    private async Task StoreAndPushAsync(string id, string recipient, Notice notice, string? matchId, CancellationToken ct) =>
        await PushAsync(recipient, await store.CreateAsync(Notification.Container, New(id, recipient, notice, matchId), ct), ct);

    private Notification New(string id, string recipient, Notice notice, string? matchId) =>
        new() { Id = id, RecipientId = recipient, Kind = notice.Kind, MatchId = matchId, Text = notice.Text, At = store.Now };

    private async Task PushAsync(string recipient, Notification stored, CancellationToken ct)
    {
        // Stored for everyone; pushed only to a person who may still sign in. The push is a courtesy: with the
        // backplane down the notice still waits in their list, and the action that sent it has happened.
        if (await people.FindAsync(store.AgencyId, recipient, ct) is { Active: true })
        {
            try
            {
                await hub.Clients.Group(NotificationHub.Group(store.AgencyId, recipient)).NotificationReceived(NotificationView.From(stored));
            }
            catch (Exception ex) when (Backplane.Failed(ex))
            {
                LogNotPushed(logger, stored.Id, ex);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Notice {NotificationId} is stored but could not be pushed live (the SignalR backplane is unreachable)")]
    private static partial void LogNotPushed(ILogger logger, string notificationId, Exception exception);
}
