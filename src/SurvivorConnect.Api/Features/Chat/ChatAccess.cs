using System.Collections.Concurrent;
using System.Security.Claims;
using System.Text.Json;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.Options;
using StackExchange.Redis;
using SurvivorConnect.Api.Features.Notifications;
using SurvivorConnect.Api.Infrastructure.Auth;
using SurvivorConnect.Api.Infrastructure.Hosting;

namespace SurvivorConnect.Api.Features.Chat;

/// <summary>
/// Something changed who may use chat: a person (roles, deactivation), a conversation (match state, consent, hold,
/// caseload), or a portal session that ended (<paramref name="SessionId"/>: its connections close).
/// </summary>
public sealed record ChatAccessChange(string AgencyId, string? UserId, string? ConversationId, string? SessionId = null);

/// <summary>
/// This instance's open chat connections: whose they are and which conversations they joined. Group
/// membership in SignalR cannot be listed, so this is what lets a revocation find the connections it concerns.
/// </summary>
public sealed class ChatConnections
{
    private readonly ConcurrentDictionary<string, ChatConnection> _connections = new(StringComparer.Ordinal);

    public ChatConnection Add(HubCallerContext context)
    {
        var connection = new ChatConnection(context);
        _connections[context.ConnectionId] = connection;
        return connection;
    }

    public void Remove(string connectionId) => _connections.TryRemove(connectionId, out _);

    public ChatConnection? Find(string connectionId) => _connections.GetValueOrDefault(connectionId);

    public IEnumerable<ChatConnection> All => _connections.Values;

    public IEnumerable<ChatConnection> Affected(ChatAccessChange change) =>
        _connections.Values.Where(c => c.AgencyId == change.AgencyId
            && (change.UserId is null || c.UserId == change.UserId)
            && (change.ConversationId is null || c.Joined.ContainsKey(change.ConversationId)));
}

/// <summary>One open connection. Its lock orders a join against a revocation, so neither can undo the other.</summary>
public sealed class ChatConnection(HubCallerContext context)
{
    public HubCallerContext Context { get; } = context;

    public string UserId { get; } = context.User?.FindFirstValue(ScClaims.UserId) ?? "";

    public string AgencyId { get; } = context.User?.FindFirstValue(ScClaims.Agency) ?? "";

    /// <summary>
    /// Conversations the client joined, each with the caller's part in it while the connection is in the
    /// conversation's group, and null while it is not (it may no longer receive, or the join is under way).
    /// </summary>
    public ConcurrentDictionary<string, string?> Joined { get; } = new(StringComparer.Ordinal);

    /// <summary>Joined conversations the client was told it may no longer read (so its page cleared them), until it may again.</summary>
    public ConcurrentDictionary<string, bool> Unreadable { get; } = new(StringComparer.Ordinal);

    public SemaphoreSlim Lock { get; } = new(1, 1);
}

/// <summary>
/// Brings this instance's open connections in line with the records after a change: a connection whose
/// person may no longer use chat is closed; one that may no longer receive a conversation's messages leaves
/// its group (and is told why); one that may again rejoins it. A person's notice connections are closed once
/// they may no longer sign in, so their open pages clear themselves; every connection of a portal session that has
/// ended is closed.
/// </summary>
public sealed partial class ChatAccessReconciler(
    ChatConnections connections,
    NoticeConnections notices,
    PersonPrincipals principals,
    PortalSessions sessions,
    IAuthorizationService authorization,
    IServiceScopeFactory scopes,
    IHubContext<ChatHub, IChatClient> hub,
    ILogger<ChatAccessReconciler> logger)
{
    public async Task ReconcileAsync(ChatAccessChange change, CancellationToken ct)
    {
        if (change.SessionId is { } session)
        {
            await CloseSessionAsync(change, session, ct);
            return;
        }

        await ReconcileAsync(connections.Affected(change), change.ConversationId, ct);
        if (change.ConversationId is null)
        {
            await CloseNoticesOfSignedOutAsync(notices.Of(change.AgencyId, change.UserId), ct);
        }
    }

    /// <summary>Every open connection of this instance, every conversation it joined.</summary>
    public async Task ReconcileAllAsync(CancellationToken ct)
    {
        await ReconcileAsync(connections.All, null, ct);
        await CloseNoticesOfSignedOutAsync(notices.Of(null, null), ct);
    }

    private async Task CloseSessionAsync(ChatAccessChange change, string session, CancellationToken ct)
    {
        foreach (var connection in connections.Affected(change).Where(c => PortalSessions.SessionOf(c.Context.User!) == session).ToList())
        {
            await connection.Lock.WaitAsync(ct);
            try
            {
                LogSessionEnded(logger, connection.Context.ConnectionId);
                await CloseAsync(connection, ct);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // Closed all the same: leaving its groups is a courtesy to the backplane.
                LogReconcileFailed(logger, ex, connection.Context.ConnectionId);
                connection.Context.Abort();
            }
            finally
            {
                connection.Lock.Release();
            }
        }

        foreach (var notice in notices.Of(change.AgencyId, change.UserId).Where(c => PortalSessions.SessionOf(c.User!) == session))
        {
            LogSessionEnded(logger, notice.ConnectionId);
            notice.Abort();
        }
    }

    private async Task CloseNoticesOfSignedOutAsync(IReadOnlyList<HubCallerContext> affected, CancellationToken ct)
    {
        foreach (var connection in affected)
        {
            try
            {
                var principal = await principals.RefreshAsync(connection.User!, ct);
                if ((await authorization.AuthorizeAsync(principal, Policies.SignedIn)).Succeeded && !await sessions.ConnectionSessionEndedAsync(principal, ct))
                {
                    continue;
                }

                LogNoticesClosed(logger, connection.ConnectionId);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                LogReconcileFailed(logger, ex, connection.ConnectionId);
            }

            connection.Abort();
        }
    }

    private async Task ReconcileAsync(IEnumerable<ChatConnection> affected, string? conversationId, CancellationToken ct)
    {
        foreach (var connection in affected.ToList())
        {
            await connection.Lock.WaitAsync(ct);
            try
            {
                await ReconcileAsync(connection, conversationId, ct);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // Fail closed: a connection that could not be checked is closed, and is checked again when it reconnects.
                LogReconcileFailed(logger, ex, connection.Context.ConnectionId);
                connection.Context.Abort();
            }
            finally
            {
                connection.Lock.Release();
            }
        }
    }

    /// <summary>Call with the connection's lock held. With <paramref name="conversationId"/>, only that conversation is checked.</summary>
    public async Task ReconcileAsync(ChatConnection connection, string? conversationId, CancellationToken ct)
    {
        var principal = await principals.RefreshAsync(connection.Context.User!, ct);
        if (!await MayUseChatAsync(principal) || await sessions.ConnectionSessionEndedAsync(principal, ct))
        {
            LogClosed(logger, connection.Context.ConnectionId);
            await CloseAsync(connection, ct);
            return;
        }

        // Flags are pushed to case managers' connections: one given the role meanwhile hears of them from now on too.
        var caseManagers = ChatService.CaseManagerGroup(connection.AgencyId, connection.UserId);
        if (principal.HasClaim(ScClaims.Role, Roles.CaseManager))
        {
            await hub.Groups.AddToGroupAsync(connection.Context.ConnectionId, caseManagers, ct);
        }
        else
        {
            await hub.Groups.RemoveFromGroupAsync(connection.Context.ConnectionId, caseManagers, ct);
        }

        await using var scope = scopes.CreateAsyncScope();
        scope.ServiceProvider.GetRequiredService<HubCaller>().Principal = principal;
        var chat = scope.ServiceProvider.GetRequiredService<ChatService>();
        foreach (var (joined, current) in connection.Joined.Where(j => conversationId is null || j.Key == conversationId).ToList())
        {
            var (role, status) = await chat.ReceiveStatusAsync(joined, ct);

            // Told once each way: that it may no longer be read at all (its page clears it), and that it may be again.
            var toldUnreadable = !status.Readable ? connection.Unreadable.TryAdd(joined, true) : connection.Unreadable.TryRemove(joined, out _);
            if (toldUnreadable && (role is not null) == (current is not null))
            {
                await hub.Clients.Client(connection.Context.ConnectionId).ConversationStatusChanged(status);
            }

            if (role is not null && current is null)
            {
                await hub.Groups.AddToGroupAsync(connection.Context.ConnectionId, ChatService.Group(joined), ct);
                connection.Joined[joined] = role;
                await hub.Clients.Client(connection.Context.ConnectionId).ConversationStatusChanged(status);
            }
            else if (role is null && current is not null)
            {
                await hub.Groups.RemoveFromGroupAsync(connection.Context.ConnectionId, ChatService.Group(joined), ct);
                connection.Joined[joined] = null;
                await hub.Clients.Client(connection.Context.ConnectionId).ConversationStatusChanged(status);
                LogLeft(logger, connection.Context.ConnectionId, joined);
            }
        }
    }

    /// <summary>Out of every group first, so nothing more reaches the connection while it closes. Call with its lock held.</summary>
    private async Task CloseAsync(ChatConnection connection, CancellationToken ct)
    {
        await LeaveEveryGroupAsync(connection, ct);
        connection.Context.Abort();
    }

    /// <summary>
    /// A connection a call of its own found shut out (its session ended, its person no longer allowed) when the close
    /// sent for that was lost: out of every group at once, so nothing more is pushed to it. Its caller closes it.
    /// </summary>
    public async Task ShutOutAsync(string connectionId, CancellationToken ct)
    {
        if (connections.Find(connectionId) is not { } connection)
        {
            return;
        }

        await connection.Lock.WaitAsync(ct);
        try
        {
            await LeaveEveryGroupAsync(connection, ct);
        }
        finally
        {
            connection.Lock.Release();
        }
    }

    private async Task LeaveEveryGroupAsync(ChatConnection connection, CancellationToken ct)
    {
        foreach (var joined in connection.Joined.Keys)
        {
            await hub.Groups.RemoveFromGroupAsync(connection.Context.ConnectionId, ChatService.Group(joined), ct);
        }

        await hub.Groups.RemoveFromGroupAsync(connection.Context.ConnectionId, ChatService.CaseManagerGroup(connection.AgencyId, connection.UserId), ct);
        connection.Joined.Clear();
    }

    public async Task<bool> MayUseChatAsync(ClaimsPrincipal principal) =>
        (await authorization.AuthorizeAsync(principal, Policies.MatchParticipant)).Succeeded;

    [LoggerMessage(Level = LogLevel.Error, Message = "Connection {ConnectionId} could not be checked after an access change and was closed")]
    private static partial void LogReconcileFailed(ILogger logger, Exception exception, string connectionId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Chat connection {ConnectionId} closed: its person may no longer use chat, or its portal session has ended")]
    private static partial void LogClosed(ILogger logger, string connectionId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Connection {ConnectionId} closed: the portal session it was opened with has ended")]
    private static partial void LogSessionEnded(ILogger logger, string connectionId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Notice connection {ConnectionId} closed: its person may no longer sign in, or its portal session has ended")]
    private static partial void LogNoticesClosed(ILogger logger, string connectionId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Chat connection {ConnectionId} stopped receiving {ConversationId}")]
    private static partial void LogLeft(ILogger logger, string connectionId, string conversationId);
}

/// <summary>
/// Carries a <see cref="ChatAccessChange"/> to every instance: this one at once, the others through Redis
/// when the chat is scaled out, so a revocation reaches a connection wherever it is open. The change waits (a
/// little while at most) for each other instance to say it has applied it: a message sent after the revocation's
/// request ended travels another way (SignalR's own Redis channels) and could otherwise reach a connection the
/// revocation had not yet closed. Redis being down never stops an instance: it starts and keeps subscribing in the
/// background, and a change it could not send reaches the other instances at their next recheck
/// (<see cref="ChatAccessRecheck"/>).
/// </summary>
public sealed partial class ChatAccessBus(ChatAccessReconciler reconciler, IOptions<ChatOptions> options, ILogger<ChatAccessBus> logger)
    : IHostedService, IAsyncDisposable
{
    private static readonly RedisChannel Channel = RedisChannel.Literal("survivorconnect:chat-access");
    private static readonly RedisChannel AppliedChannel = RedisChannel.Literal("survivorconnect:chat-access-applied");

    /// <summary>How long a change waits for the other instances to apply it; one that does not is left to its recheck.</summary>
    public static readonly TimeSpan WaitForOthers = TimeSpan.FromSeconds(5);

    /// <summary>
    /// After instances failed to answer in time, changes wait for this long only for the instances that did answer: a
    /// change of policy touches every open match one after another, and each must not wait again for an instance that is
    /// down or (during a deploy) too old to answer. Those that answered are named, not counted, so a silent one that
    /// goes away meanwhile never stands in for one that is still there.
    /// </summary>
    public static readonly TimeSpan NoWaitAfterSilence = TimeSpan.FromSeconds(30);

    private readonly ConcurrentDictionary<string, Applied> _waiting = new(StringComparer.Ordinal);
    private readonly Lock _silence = new();
    private HashSet<string> _answering = new(StringComparer.Ordinal);
    private readonly HashSet<string> _readmitted = new(StringComparer.Ordinal);
    private long _silentUntil;
    private volatile ChannelMessageQueue? _appliedQueue;
    private volatile ChannelMessageQueue? _changesQueue;
    private static readonly TimeSpan RetrySubscribe = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan SubscriptionOpening = TimeSpan.FromMilliseconds(50);
    private readonly string _instance = Guid.NewGuid().ToString("N");
    private ConnectionMultiplexer? _redis;
    private volatile bool _stopped;

    /// <summary>Not cancellable: a caller who gave up must not leave a revocation half applied.</summary>
    public async Task PublishAsync(ChatAccessChange change)
    {
        await reconciler.ReconcileAsync(change, CancellationToken.None);
        if (_redis is null)
        {
            return;
        }

        var id = Guid.NewGuid().ToString("N");
        var applied = _waiting[id] = new Applied();
        try
        {
            // Every subscribed instance hears it, this one too, which has applied it already.
            var heard = await _redis.GetSubscriber().PublishAsync(Channel, JsonSerializer.Serialize(new Envelope(_instance, change, id)));
            var others = (int)heard - (_changesQueue is null ? 0 : 1);
            if (!await applied.ByAsync(others, AnsweringNow(), WaitForOthers))
            {
                lock (_silence)
                {
                    if (Environment.TickCount64 >= _silentUntil)
                    {
                        _readmitted.Clear();
                    }

                    _answering = applied.Instances();
                    _silentUntil = Environment.TickCount64 + (long)NoWaitAfterSilence.TotalMilliseconds;
                }

                LogNotApplied(logger, others - applied.Count);
            }
        }
        catch (Exception ex) when (Backplane.Failed(ex))
        {
            LogNotSent(logger, ex);
        }
        finally
        {
            _waiting.TryRemove(id, out _);
        }
    }

    /// <summary>
    /// An instance answered, in time or late. While changes wait only for the instances that answer, it is one of them
    /// again: an instance that was slow once (a pause, a busy moment) is alive, and is not left out of the wait for the
    /// rest of <see cref="NoWaitAfterSilence"/>. Once only while instances keep going silent: one that is always late
    /// would otherwise hold every other change of a long run (a policy change touches every open match) for the whole wait.
    /// </summary>
    private void Answered(string instance)
    {
        lock (_silence)
        {
            if (Environment.TickCount64 < _silentUntil && !_answering.Contains(instance) && _readmitted.Add(instance))
            {
                _answering = new HashSet<string>(_answering, StringComparer.Ordinal) { instance };
                LogAnsweringAgain(logger, instance);
            }
        }
    }

    /// <summary>While instances stayed silent lately, the ones that answered then, which are all a change waits for; otherwise null.</summary>
    private HashSet<string>? AnsweringNow()
    {
        lock (_silence)
        {
            return Environment.TickCount64 < _silentUntil ? _answering : null;
        }
    }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (options.Value.Redis is not { Length: > 0 } configuration)
        {
            return;
        }

        var redis = ConfigurationOptions.Parse(configuration);
        redis.AbortOnConnectFail = false;
        redis.BacklogPolicy = BacklogPolicy.FailFast;
        _redis = await ConnectionMultiplexer.ConnectAsync(redis);

        // Changes published while this instance's subscription was down (Redis failing over, a network blip) never reach
        // it: once it is back, every open connection is checked at once, not at the next recheck up to a minute later.
        _redis.ConnectionRestored += (_, restored) =>
        {
            if (restored.ConnectionType == ConnectionType.Subscription)
            {
                _ = RecheckAfterGapAsync();
            }
        };

        // Subscribed before the instance serves when Redis answers; otherwise it serves and keeps trying. Redis can
        // answer while the subscription connection is still opening: an instance that served meanwhile would hear no
        // change until its recheck, so it waits for that connection as long as a connection may take to open.
        var opening = System.Diagnostics.Stopwatch.StartNew();
        while (_redis.IsConnected && !_redis.GetSubscriber().IsConnected(Channel) && opening.ElapsedMilliseconds < redis.ConnectTimeout)
        {
            await Task.Delay(SubscriptionOpening, cancellationToken);
        }

        if (await TrySubscribeAsync(_redis) is { } failed)
        {
            LogNotSubscribed(logger, failed);
            _ = KeepTryingAsync(_redis);
        }
    }

    private async Task KeepTryingAsync(ConnectionMultiplexer redis)
    {
        while (!_stopped)
        {
            await Task.Delay(RetrySubscribe);
            if (_stopped)
            {
                return;
            }

            if (await TrySubscribeAsync(redis) is not { } failed)
            {
                // Serving meanwhile, it heard no change: what changed is applied now.
                await RecheckAfterGapAsync();
                return;
            }

            LogNotSubscribed(logger, failed);
        }
    }

    /// <summary>
    /// One recheck at a time, off the connection's own thread: the restores of a failover (several, on every instance at
    /// once) ask for one, and one more if another was asked for while it ran.
    /// </summary>
    private async Task RecheckAfterGapAsync()
    {
        // Running (2) or asked for (1) already: the one running goes round once more.
        if (Interlocked.Exchange(ref _recheckAsked, 1) != 0)
        {
            return;
        }

        await Task.Yield();
        while (Interlocked.Exchange(ref _recheckAsked, 2) != 0 && !_stopped)
        {
            try
            {
                await reconciler.ReconcileAllAsync(CancellationToken.None);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                LogRecheckFailed(logger, ex);
            }

            // Asked again meanwhile (1): once more; otherwise (2) done.
            if (Interlocked.CompareExchange(ref _recheckAsked, 0, 2) == 2)
            {
                return;
            }
        }
    }

    /// <summary>0: no recheck; 1: one asked for; 2: one running, none asked for since.</summary>
    private int _recheckAsked;

    /// <summary>Null once subscribed to both channels; otherwise why not.</summary>
    private async Task<Exception?> TrySubscribeAsync(ConnectionMultiplexer redis)
    {
        // Asked only while the subscription connection is open: a subscribe that fails leaves its queue behind, which
        // would hold every message of the channel from then on.
        if (!redis.GetSubscriber().IsConnected(Channel))
        {
            return new RedisConnectionException(ConnectionFailureType.UnableToConnect, "The subscription connection is not open.");
        }

        try
        {
            // Each channel once: a retry after one of the two failed must not add a second reader of the other.
            var subscriber = redis.GetSubscriber();
            if (_appliedQueue is null)
            {
                _appliedQueue = await subscriber.SubscribeAsync(AppliedChannel);
                _appliedQueue.OnMessage(message =>
                {
                    // "id instance"; a version before that said only the id, each answer counting as one instance.
                    var said = message.Message.ToString().Split(' ');
                    var instance = said.Length > 1 ? said[1] : Guid.NewGuid().ToString("N");
                    if (_waiting.TryGetValue(said[0], out var applied))
                    {
                        applied.Add(instance);
                    }

                    if (said.Length > 1)
                    {
                        Answered(instance);
                    }
                });
            }

            if (_changesQueue is null)
            {
                var changes = await subscriber.SubscribeAsync(Channel);
                changes.OnMessage(async message =>
                {
                    var envelope = JsonSerializer.Deserialize<Envelope>(message.Message.ToString());
                    if (envelope is null || envelope.Instance == _instance)
                    {
                        return;
                    }

                    try
                    {
                        await reconciler.ReconcileAsync(envelope.Change, CancellationToken.None);
                    }
                    finally
                    {
                        if (envelope.Id is { } id)
                        {
                            await TellAppliedAsync(subscriber, id);
                        }
                    }
                });
                _changesQueue = changes;
            }

            return null;
        }
        catch (Exception ex) when (Backplane.Failed(ex))
        {
            return ex;
        }
    }

    private async Task TellAppliedAsync(ISubscriber subscriber, string id)
    {
        try
        {
            await subscriber.PublishAsync(AppliedChannel, $"{id} {_instance}");
        }
        catch (Exception ex) when (Backplane.Failed(ex))
        {
            LogNotSent(logger, ex);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        _stopped = true;
        return Task.CompletedTask;
    }

    public async ValueTask DisposeAsync()
    {
        _stopped = true;
        if (_redis is not null)
        {
            await _redis.DisposeAsync();
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "A chat access change could not be sent to the other instances through Redis; they apply it at their next recheck")]
    private static partial void LogNotSent(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Open chat connections could not be checked after the subscription to access changes came back; the next recheck does")]
    private static partial void LogRecheckFailed(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Not subscribed to chat access changes through Redis yet; trying again")]
    private static partial void LogNotSubscribed(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Instances} other instances did not say in time that they applied a chat access change; their recheck will")]
    private static partial void LogNotApplied(ILogger logger, int instances);

    [LoggerMessage(Level = LogLevel.Information, Message = "Instance {Instance} answers chat access changes again; changes wait for it")]
    private static partial void LogAnsweringAgain(ILogger logger, string instance);

    /// <summary>The change; its id, for the instances that apply it to say so (null from a version that waited for none).</summary>
    private sealed record Envelope(string Instance, ChatAccessChange Change, string? Id = null);

    /// <summary>Which other instances have said they applied one change (each counted once, however often it says so).</summary>
    private sealed class Applied
    {
        private readonly HashSet<string> _instances = new(StringComparer.Ordinal);
        private TaskCompletionSource _said = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public int Count
        {
            get
            {
                lock (_instances)
                {
                    return _instances.Count;
                }
            }
        }

        private bool Done(int instances, IReadOnlySet<string>? enough)
        {
            lock (_instances)
            {
                return _instances.Count >= instances || (enough is not null && enough.All(_instances.Contains));
            }
        }

        public void Add(string instance)
        {
            lock (_instances)
            {
                _instances.Add(instance);
            }

            Interlocked.Exchange(ref _said, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
        }

        public HashSet<string> Instances()
        {
            lock (_instances)
            {
                return new HashSet<string>(_instances, StringComparer.Ordinal);
            }
        }

        /// <summary>
        /// True once <paramref name="instances"/> have said so, or every one of <paramref name="enough"/> has; false if
        /// neither within <paramref name="timeout"/>.
        /// </summary>
        public async Task<bool> ByAsync(int instances, IReadOnlySet<string>? enough, TimeSpan timeout)
        {
            var waited = System.Diagnostics.Stopwatch.StartNew();
            while (true)
            {
                var said = Volatile.Read(ref _said).Task;
                var left = timeout - waited.Elapsed;
                if (Done(instances, enough) || left <= TimeSpan.Zero)
                {
                    return Done(instances, enough);
                }

                await said.WaitAsync(left).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
        }
    }
}

/// <summary>Re-checks every open connection now and then, in case a change's message to this instance was lost.</summary>
public sealed class ChatAccessRecheck(ChatAccessReconciler reconciler, IOptions<ChatOptions> options, TimeProvider time) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(Math.Max(1, options.Value.RecheckSeconds)), time);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            await reconciler.ReconcileAllAsync(stoppingToken);
        }
    }
}
