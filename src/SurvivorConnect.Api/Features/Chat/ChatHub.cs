using System.Collections.Concurrent;
using System.Security.Claims;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.Options;
using SurvivorConnect.Api.Infrastructure.Auth;
using SurvivorConnect.Api.Infrastructure.Errors;
using SurvivorConnect.Storage;

namespace SurvivorConnect.Api.Features.Chat;

/// <summary>
/// The chat hub. The caller always comes from the token; every method checks, through
/// <see cref="ChatService"/>, that the caller belongs to the conversation.
/// </summary>
[Authorize(Policy = Policies.MatchParticipant)]
public sealed class ChatHub(ChatService chat) : Hub<IChatClient>
{
    private const string JoinedKey = "joined";

    public override async Task OnConnectedAsync()
    {
        if (Context.User?.HasClaim(ScClaims.Role, Roles.CaseManager) == true && Context.UserIdentifier is { } me)
        {
            await Groups.AddToGroupAsync(Context.ConnectionId, ChatService.CaseManagerGroup(me));
        }

        await base.OnConnectedAsync();
    }

    public async Task<JoinResult> Join(string conversationId)
    {
        var result = await chat.JoinAsync(conversationId, Context.ConnectionAborted);
        await Groups.AddToGroupAsync(Context.ConnectionId, ChatService.Group(conversationId));
        Joined[conversationId] = result.Role;
        return result;
    }

    public async Task Leave(string conversationId)
    {
        Joined.TryRemove(conversationId, out _);
        await Groups.RemoveFromGroupAsync(Context.ConnectionId, ChatService.Group(conversationId));
    }

    public Task<SendResult> Send(string conversationId, string clientMessageId, string text) =>
        chat.SendAsync(conversationId, clientMessageId, text, Context.ConnectionAborted);

    /// <summary>Every message after <paramref name="sequence"/>: what a client missed while away.</summary>
    public Task<IReadOnlyList<ChatMessageView>> Since(string conversationId, long sequence) =>
        chat.SinceAsync(conversationId, sequence, 500, Context.ConnectionAborted);

    public Task<IReadOnlyList<ChatMessageView>> History(string conversationId, long? before, int pageSize) =>
        chat.HistoryAsync(conversationId, before, pageSize, Context.ConnectionAborted);

    /// <summary>Not stored: passed on to the others in the conversation, only from a caller who joined it.</summary>
    public Task Typing(string conversationId) =>
        Joined.TryGetValue(conversationId, out var role) && role != "case-manager"
            ? Clients.OthersInGroup(ChatService.Group(conversationId)).Typing(conversationId, role)
            : Task.CompletedTask;

    public Task MarkRead(string conversationId, long sequence) =>
        Joined.TryGetValue(conversationId, out var role) && role != "case-manager"
            ? Clients.OthersInGroup(ChatService.Group(conversationId)).ReadUpTo(conversationId, role, sequence)
            : Task.CompletedTask;

    private ConcurrentDictionary<string, string> Joined
    {
        get
        {
            if (Context.Items.TryGetValue(JoinedKey, out var joined) && joined is ConcurrentDictionary<string, string> existing)
            {
                return existing;
            }

            var created = new ConcurrentDictionary<string, string>(StringComparer.Ordinal);
            Context.Items[JoinedKey] = created;
            return created;
        }
    }
}

/// <summary>Identifies hub connections by SurvivorConnect's user id, not the token's subject claim.</summary>
public sealed class ChatUserIdProvider : IUserIdProvider
{
    public string? GetUserId(HubConnectionContext connection) => connection.User?.FindFirstValue(ScClaims.UserId);
}

/// <summary>
/// Around every hub call: the caller's identity for this scope, the per-user send rate limit (other
/// users are unaffected), and failures turned into plain words without internals.
/// </summary>
public sealed partial class ChatHubFilter(ChatRateLimiter limiter, ILogger<ChatHubFilter> logger) : IHubFilter
{
    public async ValueTask<object?> InvokeMethodAsync(HubInvocationContext invocationContext, Func<HubInvocationContext, ValueTask<object?>> next)
    {
        ArgumentNullException.ThrowIfNull(invocationContext);
        ArgumentNullException.ThrowIfNull(next);
        invocationContext.ServiceProvider.GetRequiredService<HubCaller>().Principal = invocationContext.Context.User;
        if (invocationContext.HubMethodName == nameof(ChatHub.Send) && !limiter.TryAcquire(invocationContext.Context.UserIdentifier ?? invocationContext.Context.ConnectionId))
        {
            throw new HubException("429: You are sending messages too quickly. Wait a moment, then send again.");
        }

        try
        {
            return await next(invocationContext);
        }
        catch (Exception ex) when (ex is not HubException)
        {
            LogFailure(logger, invocationContext.HubMethodName, ex.GetType().Name);
            throw new HubException(ex switch
            {
                NotFoundException => "There is no such conversation.",
                ConflictException or ForbiddenException => ex.Message,
                StoreException { Kind: StoreErrorKind.Unavailable } => "The service is busy. Nothing was sent; please try again shortly.",
                _ => "Something went wrong. Nothing was sent; please try again.",
            });
        }
    }

    public async Task OnConnectedAsync(HubLifetimeContext context, Func<HubLifetimeContext, Task> next)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(next);
        context.ServiceProvider.GetRequiredService<HubCaller>().Principal = context.Context.User;
        await next(context);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Hub method {Method} failed with {Failure}")]
    private static partial void LogFailure(ILogger logger, string method, string failure);
}

/// <summary>A token bucket per user for chat sends.</summary>
public sealed class ChatRateLimiter(IOptions<ChatOptions> options) : IDisposable
{
    private readonly ConcurrentDictionary<string, TokenBucketRateLimiter> _buckets = new(StringComparer.Ordinal);

    public bool TryAcquire(string userId)
    {
        var bucket = _buckets.GetOrAdd(userId, _ => new TokenBucketRateLimiter(new TokenBucketRateLimiterOptions
        {
            TokenLimit = options.Value.SendBurst,
            TokensPerPeriod = options.Value.SendsPerSecond,
            ReplenishmentPeriod = TimeSpan.FromSeconds(1),
            QueueLimit = 0,
            AutoReplenishment = true,
        }));
        using var lease = bucket.AttemptAcquire();
        return lease.IsAcquired;
    }

    public void Dispose()
    {
        foreach (var bucket in _buckets.Values)
        {
            bucket.Dispose();
        }
    }
}

/// <summary>Refuses a browser handshake from an origin that is not on the allow-list (cross-site WebSocket hijacking).</summary>
public sealed class ChatOriginCheck(RequestDelegate next, IOptions<ChatOptions> options)
{
    public Task InvokeAsync(HttpContext context)
    {
        if (context.Request.Path.StartsWithSegments("/hubs")
            && context.Request.Headers.Origin is { Count: > 0 } origin
            && !options.Value.AllowedOrigins.Contains(origin.ToString(), StringComparer.OrdinalIgnoreCase))
        {
            context.Response.StatusCode = StatusCodes.Status403Forbidden;
            return Task.CompletedTask;
        }

        return next(context);
    }
}
