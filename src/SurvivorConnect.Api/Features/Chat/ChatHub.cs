using System.Diagnostics;
using System.Security.Claims;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.Options;
using SurvivorConnect.Api.Features.Audit;
using SurvivorConnect.Api.Features.People;
using SurvivorConnect.Api.Infrastructure.Auth;
using SurvivorConnect.Api.Infrastructure.Errors;
using SurvivorConnect.Api.Infrastructure.Hosting;
using SurvivorConnect.Storage;

namespace SurvivorConnect.Api.Features.Chat;

/// <summary>
/// The chat hub. The caller always comes from the token, with roles read afresh for every call (see
/// <see cref="ChatHubFilter"/>); every method checks, through <see cref="ChatService"/>, that the caller
/// belongs to the conversation.
/// </summary>
[Authorize(Policy = Policies.MatchParticipant)]
public sealed class ChatHub(ChatService chat, ChatConnections connections, ChatAccessReconciler reconciler, ReadReceipts receipts, IOptions<ChatOptions> options, TimeProvider time)
    : Hub<IChatClient>
{
    public override async Task OnConnectedAsync()
    {
        if (LiveConnections.FromOtherSession(Context))
        {
            await LiveConnections.RefuseAsync(Context, Clients.Caller.ConnectionRefused, LiveConnections.OtherSession);
            return;
        }

        var added = connections.Add(Context);
        if (connections.All.Count(c => c.AgencyId == added.AgencyId && c.UserId == added.UserId) > options.Value.MaxConnectionsPerPerson)
        {
            connections.Remove(Context.ConnectionId);
            await LiveConnections.RefuseAsync(Context, Clients.Caller.ConnectionRefused);
            return;
        }

        try
        {
            // Checked again once listed (a change between the handshake and now found nothing to close), and put in the
            // case managers' group if one.
            await added.Lock.WaitAsync(Context.ConnectionAborted);
            try
            {
                await reconciler.ReconcileAsync(added, null, Context.ConnectionAborted);
            }
            finally
            {
                added.Lock.Release();
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

    public async Task<HubReply<JoinResult>> Join(string conversationId)
    {
        var connection = Connection;
        await connection.Lock.WaitAsync(Context.ConnectionAborted);
        try
        {
            // Recorded before the checks, so that a revocation arriving meanwhile finds this join and undoes it.
            connection.Joined.TryAdd(conversationId ?? "", null);
            var result = await chat.JoinAsync(conversationId ?? "", Context.ConnectionAborted);
            await reconciler.ReconcileAsync(connection, conversationId, Context.ConnectionAborted);
            return HubReply.Ok(result);
        }
        catch
        {
            // Fail closed: a join that could not be checked leaves the caller outside the conversation.
            connection.Joined.TryRemove(conversationId ?? "", out _);
            await Groups.RemoveFromGroupAsync(Context.ConnectionId, ChatService.Group(conversationId ?? ""));
            throw;
        }
        finally
        {
            connection.Lock.Release();
        }
    }

    public async Task<HubReply> Leave(string conversationId)
    {
        var connection = Connection;
        await connection.Lock.WaitAsync(Context.ConnectionAborted);
        try
        {
            connection.Joined.TryRemove(conversationId ?? "", out _);
            await Groups.RemoveFromGroupAsync(Context.ConnectionId, ChatService.Group(conversationId ?? ""));
            return HubReply.Done;
        }
        finally
        {
            connection.Lock.Release();
        }
    }

    /// <summary>
    /// A message that has arrived is stored and checked even if its page goes away meanwhile (the quick exit straight
    /// after words of danger, say): only a bound on how long it may take stops it, never its connection's end.
    /// </summary>
    public async Task<HubReply<SendResult>> Send(string conversationId, string clientMessageId, string text)
    {
        using var bounded = new CancellationTokenSource(SendBound, time);
        return HubReply.Ok(await chat.SendAsync(conversationId, clientMessageId, text, bounded.Token));
    }

    /// <summary>How long a send that has arrived may take to be stored.</summary>
    public static readonly TimeSpan SendBound = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Messages after <paramref name="sequence"/>, a page at a time: what a client missed while away. It calls
    /// again from <see cref="CatchUpPage.Through"/> while <see cref="CatchUpPage.More"/> is true.
    /// </summary>
    public async Task<HubReply<CatchUpPage>> Since(string conversationId, long sequence) =>
        HubReply.Ok(await chat.SinceAsync(conversationId, sequence, ChatService.MaxCatchUpPage, Context.ConnectionAborted));

    public async Task<HubReply<IReadOnlyList<ChatMessageView>>> History(string conversationId, long? before, int pageSize) =>
        HubReply.Ok(await chat.HistoryAsync(conversationId, before, pageSize, Context.ConnectionAborted));

    public async Task<HubReply> MarkRead(string conversationId, long sequence)
    {
        if (PartyRole(conversationId) is { } role)
        {
            if (!await chat.IsMessageNumberAsync(conversationId, sequence, Context.ConnectionAborted))
            {
                throw new ChatRefusedException(ChatErrorCodes.Invalid, "That is not a message of this chat.");
            }

            var connection = Connection;
            if (receipts.ReadsOn(connection.AgencyId, connection.UserId, conversationId, sequence))
            {
                await Clients.OthersInGroup(ChatService.Group(conversationId)).ReadUpTo(conversationId, role, sequence);
            }
        }

        return HubReply.Done;
    }

    /// <summary>
    /// This connection's record. A call still running when its connection closed (the page gone during its checks) finds
    /// none and is refused: made again, the record would outlive the connection and count against the person's open
    /// connections until the instance restarts.
    /// </summary>
    private ChatConnection Connection => connections.Find(Context.ConnectionId)
        ?? throw new ChatRefusedException(ChatErrorCodes.NotAllowed, "This chat has closed. Open it again to carry on.");

    /// <summary>The caller's part in a conversation they joined and still receive; case managers only read.</summary>
    private string? PartyRole(string conversationId) =>
        connections.Find(Context.ConnectionId) is { } connection && connection.Joined.TryGetValue(conversationId ?? "", out var role)
            && role is ChatService.MentorRole or ChatService.YouthRole ? role : null;
}

/// <summary>
/// Identifies hub connections by the person, not the token's subject claim: their agency and SurvivorConnect user id,
/// as person ids are unique only within an agency. A person's own connections are reached by it without a group of
/// their own, which would cost the backplane a subscription to drop each time they leave a conversation.
/// </summary>
public sealed class ChatUserIdProvider : IUserIdProvider
{
    public static string PersonKey(string agencyId, string userId) => $"{agencyId}:{userId}";

    public string? GetUserId(HubConnectionContext connection) =>
        connection.User?.FindFirstValue(ScClaims.Agency) is { } agency && connection.User.FindFirstValue(ScClaims.UserId) is { } user ? PersonKey(agency, user) : null;
}

/// <summary>
/// Around every hub call: a trace for the call; the end of the token or portal session; the person's active state and roles read
/// afresh (a connection is only as good as the records now, not as they were when it opened; a send has them
/// checked through its conversation's list of senders, which every change to them rewrites); the per-user
/// send rate; and every refusal turned into a <see cref="HubError"/>, logged once without a stack trace.
/// Refused reads are audited, as refused REST reads are.
/// </summary>
public sealed partial class ChatHubFilter(
    ChatRateLimiter limiter,
    PersonPrincipals principals,
    ChatAccessReconciler reconciler,
    PortalSessions sessions,
    IServiceScopeFactory scopes,
    TimeProvider time,
    ILogger<ChatHubFilter> logger) : IHubFilter
{
    private static readonly object SessionEndTimer = new();

    private static readonly object ShutOutKey = new();

    private static readonly Dictionary<string, string> ReadActions = new(StringComparer.Ordinal)
    {
        [nameof(ChatHub.Join)] = ChatService.JoinAction,
        [nameof(ChatHub.Since)] = ChatService.ReadAction,
        [nameof(ChatHub.History)] = ChatService.ReadHistoryAction,
    };

    public async ValueTask<object?> InvokeMethodAsync(HubInvocationContext invocationContext, Func<HubInvocationContext, ValueTask<object?>> next)
    {
        ArgumentNullException.ThrowIfNull(invocationContext);
        ArgumentNullException.ThrowIfNull(next);

        // Hub calls are not HTTP requests: without this, what they write (audit entries, logs) carries no trace id.
        using var activity = Activity.Current is null ? new Activity("SurvivorConnect.Chat." + invocationContext.HubMethodName).Start() : null;
        var method = invocationContext.HubMethodName;
        var services = invocationContext.ServiceProvider;

        // Whoever opened the connection, until the records say who they are now: a refusal is audited as them.
        var hubCaller = services.GetRequiredService<HubCaller>();
        (hubCaller.Principal, hubCaller.ConnectionId) = (invocationContext.Context.User, invocationContext.Context.ConnectionId);
        HubError? error;
        try
        {
            error = await AdmitAsync(invocationContext);
            if (error is null)
            {
                return await next(invocationContext);
            }
        }
        catch (Exception ex)
        {
            error = Describe(ex);
            if (error.Code == ChatErrorCodes.Failed)
            {
                LogFailure(logger, ex, method);
            }
        }

        LogRefused(logger, method, error!.Code);
        if (method == nameof(ChatHub.Send) && error.Code is ChatErrorCodes.NotAllowed or ChatErrorCodes.SessionExpired)
        {
            error = await WithWritersDangerRaisedAsync(invocationContext, error);
        }

        error = WithCrisisLines(invocationContext, error);
        if (ReadActions.TryGetValue(method, out var action) && error.Code is ChatErrorCodes.NotFound or ChatErrorCodes.NotAllowed or ChatErrorCodes.SessionExpired)
        {
            await AuditRefusedReadAsync(services, invocationContext, action, error.Code);
        }

        // The wire shape of a refusal is the same for every method's HubReply, whatever its value type.
        return new HubReply<object>(null, error);
    }

    public async Task OnConnectedAsync(HubLifetimeContext context, Func<HubLifetimeContext, Task> next)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(next);
        context.ServiceProvider.GetRequiredService<HubCaller>().Principal = context.Context.User;

        // Sign-in tolerates a little clock skew; a connection is held to its token's or portal session's own end, and
        // closed then by this instance's clock: a page left open on a shared phone stops showing what arrives.
        var now = time.GetUtcNow();
        if (PersonPrincipals.HasExpired(context.Context.User!, now))
        {
            throw new HubException("Your session has ended. Sign in again to carry on.");
        }

        // A timer cannot be set beyond about 49 days; a connection older than that still has its calls refused.
        var timer = PersonPrincipals.EndsAt(context.Context.User!) is { } end && end - now < TimeSpan.FromDays(45)
            ? time.CreateTimer(static connection => ((HubCallerContext)connection!).Abort(), context.Context, end - now, Timeout.InfiniteTimeSpan)
            : null;
        if (timer is not null)
        {
            context.Context.Items[SessionEndTimer] = timer;
        }

        try
        {
            await next(context);
        }
        catch
        {
            // A connection refused here is never told it disconnected: its timer goes now.
            timer?.Dispose();
            throw;
        }
    }

    public async Task OnDisconnectedAsync(HubLifetimeContext context, Exception? exception, Func<HubLifetimeContext, Exception?, Task> next)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(next);
        if (context.Context.Items.TryGetValue(SessionEndTimer, out var timer))
        {
            ((ITimer)timer!).Dispose();
        }

        await next(context, exception);
    }

    private async Task<HubError?> AdmitAsync(HubInvocationContext invocation)
    {
        var connection = invocation.Context;
        if (connection.Items.TryGetValue(ShutOutKey, out var shutOut))
        {
            return (HubError)shutOut!;
        }

        if (PersonPrincipals.HasExpired(connection.User!, time.GetUtcNow()))
        {
            return new HubError(ChatErrorCodes.SessionExpired, "Your session has ended. Sign in again to carry on.");
        }

        var isSend = invocation.HubMethodName == nameof(ChatHub.Send);

        // Limited before anything is read, so a flood of calls costs no store reads. Subject ids are unique within an
        // agency only, so the bucket is the agency's person's. Words of danger written after a burst of short lines (then
        // perhaps the quick exit, so never sent again) go all the same, from a small bucket of their own.
        var caller = connection.UserIdentifier ?? connection.ConnectionId;
        if (!limiter.TryAcquire(caller, isSend) && !(isSend && IsUrgent(invocation) && limiter.TryAcquireUrgent(caller)))
        {
            return new HubError(ChatErrorCodes.RateLimited, isSend
                ? "You are sending messages too quickly. Wait a moment, then send again."
                : "Too many requests at once. Wait a moment, then try again.");
        }

        // A send checks the person against its conversation's list of senders, which their changes keep (ChatService).
        // Any other call also checks the portal session and who the person is now, in case the close sent to every
        // instance by a session's end or by their sign-ins ended (a phone taken) was lost; a send does too once the
        // connection's last check is a few seconds old, so such a phone cannot go on sending, while a conversation under
        // way reads nothing more.
        var now = time.GetUtcNow();
        var checkDue = !isSend || !connection.Items.TryGetValue(SessionCheckedKey, out var last)
            || last is not DateTimeOffset checkedAt || now - checkedAt >= SendSessionCheckEvery;
        if (checkDue)
        {
            // A send's check goes on if the connection ends meanwhile: the send itself does (Send).
            var ct = isSend ? CancellationToken.None : connection.ConnectionAborted;
            if (await sessions.ConnectionSessionEndedAsync(connection.User!, ct))
            {
                return await ShutOutAsync(connection, new HubError(ChatErrorCodes.SessionExpired, "Your session has ended. Sign in again to carry on."));
            }

            var principal = await principals.RefreshAsync(connection.User!, ct);
            invocation.ServiceProvider.GetRequiredService<HubCaller>().Principal = principal;
            if (!await reconciler.MayUseChatAsync(principal))
            {
                return await ShutOutAsync(connection, new HubError(ChatErrorCodes.NotAllowed, "Your account can no longer use this chat."));
            }

            connection.Items[SessionCheckedKey] = now;
        }

        return null;
    }

    /// <summary>
    /// A send refused before it was read (too fast, a session to check, too long) still brings words of danger the crisis
    /// lines, as a stored one does: whoever wrote them is never left with only a refusal. Read from nothing: the lines
    /// as last known on this instance and the deployment's.
    /// </summary>
    private static HubError WithCrisisLines(HubInvocationContext invocation, HubError error) =>
        invocation.HubMethodName == nameof(ChatHub.Send) && error.CrisisResources is not { Count: > 0 }
        && invocation.Context.User?.FindFirstValue(ScClaims.Agency) is { } agencyId && IsUrgent(invocation)
            ? error with { CrisisResources = invocation.ServiceProvider.GetRequiredService<CrisisLineDirectory>().LastKnown(agencyId) }
            : error;

    /// <summary>
    /// A send whose words, read as the scan reads a stored message's (hidden characters gone), are words of danger. Read
    /// once per call (a refused one is asked more than once), and only as far as twice the longest message: a flood of
    /// long refused sends costs little more than short ones.
    /// </summary>
    private static bool IsUrgent(HubInvocationContext invocation)
    {
        if (invocation.HubMethodArguments is not [_, _, string text, ..])
        {
            return false;
        }

        if (invocation.Context.Items.TryGetValue(UrgentScanKey, out var scanned) && scanned is (string seen, bool urgent) && ReferenceEquals(seen, text))
        {
            return urgent;
        }

        var words = Rules.MessageText.Scannable(text) ?? "";
        var found = invocation.ServiceProvider.GetRequiredService<Rules.SafetyScanner>().Scan(words.Length > 2 * Rules.MessageText.MaxLength ? words[..(2 * Rules.MessageText.MaxLength)] : words).Urgent;
        invocation.Context.Items[UrgentScanKey] = (text, found);
        return found;
    }

    /// <summary>
    /// Words of danger sent by someone who may no longer chat (their account stopped or changed, their sign-in ended)
    /// raise their flag for the youth's case managers, as words written into a stopped chat do. Once per connection (it
    /// is closed within moments, and every later call on it is refused unread, before the rate limit): the page cannot
    /// send them again once it is closed, so a blip of the store is tried again here, the follow-up record being an
    /// upsert; past that, the writer is told the service is busy, which a page still open sends again.
    /// </summary>
    private async Task<HubError> WithWritersDangerRaisedAsync(HubInvocationContext invocation, HubError error)
    {
        var connection = invocation.Context;
        if (connection.Items.ContainsKey(WritersDangerRaisedKey)
            || invocation.HubMethodArguments is not [var conversationId, var clientMessageId, string text, ..]
            || connection.User?.FindFirstValue(ScClaims.Agency) is not { } agencyId || connection.User.FindFirstValue(ScClaims.UserId) is not { } writerId
            || !IsUrgent(invocation))
        {
            return error;
        }

        connection.Items[WritersDangerRaisedKey] = true;
        for (var attempt = 1; attempt <= WritersDangerAttempts; attempt++)
        {
            try
            {
                await using var scope = scopes.CreateAgencyScope(agencyId, ChatFlagWorker.SystemUser);
                var refused = await scope.ServiceProvider.GetRequiredService<ChatService>().RefusedWriterInDangerAsync(
                    conversationId as string, writerId, clientMessageId as string, text, new ChatRefusedException(error.Code, error.Message));
                if (refused.Code != ChatErrorCodes.Unavailable)
                {
                    return refused.CrisisResources is { Count: > 0 } lines ? error with { CrisisResources = lines } : error;
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                LogWritersDangerNotRaised(logger, ex);
            }
        }

        // Nothing holds the words: a page still open sends them again, as for any busy send, and is tried again then.
        connection.Items.Remove(WritersDangerRaisedKey);
        return new HubError(ChatErrorCodes.Unavailable, BusyMessage);
    }

    private const int WritersDangerAttempts = 3;

    private static readonly object WritersDangerRaisedKey = new();

    /// <summary>The last send's words the filter scanned on this connection, and whether they were words of danger.</summary>
    private static readonly object UrgentScanKey = new();

    /// <summary>
    /// The close sent for this connection was lost: nothing more is pushed to it from now, and it is closed once its
    /// refusal has had time to reach it (the session's end timer, brought forward).
    /// </summary>
    private async Task<HubError> ShutOutAsync(HubCallerContext connection, HubError refusal)
    {
        // Once, and every later call refused with it at once (a send between checks too): calls made meanwhile do not
        // put the close off.
        connection.Items[ShutOutKey] = refusal;
        if (connection.Items.TryGetValue(SessionEndTimer, out var timer))
        {
            ((ITimer)timer!).Dispose();
        }

        try
        {
            await reconciler.ShutOutAsync(connection.ConnectionId, CancellationToken.None);
        }
        catch
        {
            // Left in a group it may not be: closed now rather than after the refusal.
            connection.Abort();
            throw;
        }

        // A connection already closing is not waited on: its own close disposes nothing made after it.
        if (!connection.ConnectionAborted.IsCancellationRequested)
        {
            connection.Items[SessionEndTimer] = time.CreateTimer(static c => ((HubCallerContext)c!).Abort(), connection, ShutOutGrace, Timeout.InfiniteTimeSpan);
        }

        return refusal;
    }

    /// <summary>How long a shut-out connection stays open for its refusal to arrive.</summary>
    public static readonly TimeSpan ShutOutGrace = TimeSpan.FromSeconds(1);

    public const string BusyMessage = "The service is busy. Please try again shortly.";

    /// <summary>How old a connection's last check of its portal session and person may be before a send checks them again.</summary>
    public static readonly TimeSpan SendSessionCheckEvery = TimeSpan.FromSeconds(10);

    private const string SessionCheckedKey = "sc-session-checked";

    private static HubError Describe(Exception exception) => exception switch
    {
        ChatRefusedException refused => new HubError(refused.Code, refused.Message, refused.CrisisResources),
        NotFoundException => new HubError(ChatErrorCodes.NotFound, "There is no such conversation."),
        ForbiddenException => new HubError(ChatErrorCodes.NotAllowed, "Your account can no longer use this chat."),
        StoreException { Kind: StoreErrorKind.Unavailable } => new HubError(ChatErrorCodes.Unavailable, BusyMessage),
        _ => new HubError(ChatErrorCodes.Failed, "Something went wrong. Please try again."),
    };

    private static async Task AuditRefusedReadAsync(IServiceProvider services, HubInvocationContext invocation, string action, string code)
    {
        if (invocation.Context.User?.FindFirstValue(ScClaims.Agency) is null)
        {
            return;
        }

        var conversationId = invocation.HubMethodArguments.Count > 0 ? invocation.HubMethodArguments[0] as string : null;
        var recordId = conversationId is not null && PeopleRules.IsValidId(conversationId) ? conversationId : null;
        var user = services.GetRequiredService<ICurrentUser>();
        if (!services.GetRequiredService<RefusalAudit>().ShouldRecord(user.AgencyId, user.UserId, action, recordId))
        {
            return;
        }

        var outcome = code == ChatErrorCodes.NotFound ? AuditOutcome.NotFound : AuditOutcome.Denied;
        await services.GetRequiredService<IAuditLog>().AppendAsync(new AuditEvent(action, "conversation", recordId, outcome), user, CancellationToken.None);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Hub method {Method} refused: {Code}")]
    private static partial void LogRefused(ILogger logger, string method, string code);

    [LoggerMessage(Level = LogLevel.Error, Message = "Words of danger in a send refused to its writer could not be raised as a flag")]
    private static partial void LogWritersDangerNotRaised(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Error, Message = "Hub method {Method} failed unexpectedly")]
    private static partial void LogFailure(ILogger logger, Exception exception, string method);
}

/// <summary>
/// Token buckets per user: one for sends, and one for every other call (joins, catch-ups, read receipts), so neither
/// a flood of messages nor a flood of refused reads, each of which is audited, can be turned on the service.
/// </summary>
public sealed class ChatRateLimiter : IDisposable
{
    private readonly PartitionedRateLimiter<string> _sends;
    private readonly PartitionedRateLimiter<string> _calls;
    private readonly PartitionedRateLimiter<string> _urgentSends;

    public ChatRateLimiter(IOptions<ChatOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        // Partitioned: the bucket of someone who stopped calling (full again) is let go, not kept for everyone ever seen.
        _sends = PerUser(() => Bucket(options.Value.SendsPerSecond, options.Value.SendBurst));
        _calls = PerUser(() => Bucket(options.Value.CallsPerSecond, options.Value.CallBurst));
        // Small: words of danger past the sends' limit still go, but cannot be used to flood a case manager's flags.
        _urgentSends = PerUser(() => Bucket(1, UrgentSendBurst, TimeSpan.FromSeconds(10)));
    }

    /// <summary>How many sends with words of danger go at once past the sends' limit (then one every ten seconds).</summary>
    public const int UrgentSendBurst = 3;

    public bool TryAcquire(string userId, bool isSend)
    {
        using var lease = (isSend ? _sends : _calls).AttemptAcquire(userId);
        return lease.IsAcquired;
    }

    /// <summary>A send with words of danger refused by the sends' own limit (see <see cref="UrgentSendBurst"/>).</summary>
    public bool TryAcquireUrgent(string userId)
    {
        using var lease = _urgentSends.AttemptAcquire(userId);
        return lease.IsAcquired;
    }

    public void Dispose()
    {
        _sends.Dispose();
        _calls.Dispose();
        _urgentSends.Dispose();
    }

    private static PartitionedRateLimiter<string> PerUser(Func<TokenBucketRateLimiterOptions> bucket) =>
        PartitionedRateLimiter.Create<string, string>(userId => RateLimitPartition.GetTokenBucketLimiter(userId, _ => bucket()), StringComparer.Ordinal);

    private static TokenBucketRateLimiterOptions Bucket(int perPeriod, int burst, TimeSpan? period = null) => new()
    {
        TokenLimit = burst,
        TokensPerPeriod = perPeriod,
        ReplenishmentPeriod = period ?? TimeSpan.FromSeconds(1),
        QueueLimit = 0,
        AutoReplenishment = true,
    };
}

/// <summary>
/// Refuses a browser handshake from an origin that is neither the site itself (the portal) nor on the allow-list
/// (cross-site WebSocket hijacking).
/// </summary>
public sealed class ChatOriginCheck(RequestDelegate next, IOptions<ChatOptions> options)
{
    public Task InvokeAsync(HttpContext context)
    {
        if (context.Request.Path.StartsWithSegments("/hubs")
            && context.Request.Headers.Origin is { Count: > 0 } origin
            && !string.Equals(origin.ToString(), $"{context.Request.Scheme}://{context.Request.Host}", StringComparison.OrdinalIgnoreCase)
            && !options.Value.AllowedOrigins.Contains(origin.ToString(), StringComparer.OrdinalIgnoreCase))
        {
            context.Response.StatusCode = StatusCodes.Status403Forbidden;
            return Task.CompletedTask;
        }

        return next(context);
    }
}
