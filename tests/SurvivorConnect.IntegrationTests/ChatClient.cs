using System.Collections.Concurrent;
using System.Net.WebSockets;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.AspNetCore.TestHost;
using SurvivorConnect.Api.Features.Agencies;
using SurvivorConnect.Api.Features.Chat;

namespace SurvivorConnect.IntegrationTests;

/// <summary>
/// A real SignalR client over WebSockets against the in-memory server, sending its token the way
/// browsers do (access_token in the query string). It records what the server pushes to it.
/// </summary>
public sealed class ChatClient : IAsyncDisposable
{
    private WebSocket? _socket;

    private ChatClient(HubConnection connection)
    {
        Connection = connection;
        Connection.On<ChatMessageView>(nameof(IChatClient.MessageReceived), m => Received.Enqueue(m));
        Connection.On<ConversationStatus>(nameof(IChatClient.ConversationStatusChanged), s => Statuses.Enqueue(s));
        Connection.On<FlagView>(nameof(IChatClient.FlagRaised), f => Flags.Enqueue(f));
        Connection.On<string, string, long>(nameof(IChatClient.ReadUpTo), (c, role, seq) => Reads.Enqueue(seq));
        Connection.On<string>(nameof(IChatClient.ConnectionRefused), Refusals.Enqueue);
    }

    /// <summary>Why the server closed this connection as it opened, when it said.</summary>
    public ConcurrentQueue<string> Refusals { get; } = new();

    public HubConnection Connection { get; }

    public ConcurrentQueue<ChatMessageView> Received { get; } = new();

    public ConcurrentQueue<ConversationStatus> Statuses { get; } = new();

    public ConcurrentQueue<FlagView> Flags { get; } = new();

    public ConcurrentQueue<long> Reads { get; } = new();

    public static async Task<ChatClient> ConnectAsync(Func<TestServer> server, string token, string? origin = null, bool start = true) =>
        await ConnectAsync(server, token, cookie: null, origin, start);

    /// <summary>As the portal connects: signed in by its session cookie, not a token.</summary>
    public static async Task<ChatClient> ConnectWithCookieAsync(Func<TestServer> server, string cookie) =>
        await ConnectAsync(server, token: null, cookie, origin: null, start: true);

    private static async Task<ChatClient> ConnectAsync(Func<TestServer> server, string? token, string? cookie, string? origin, bool start)
    {
        ChatClient? client = null;
        var connection = new HubConnectionBuilder()
            .WithUrl(new Uri("http://localhost/hubs/chat"), o =>
            {
                o.Transports = HttpTransportType.WebSockets;
                o.SkipNegotiation = true;
                o.WebSocketFactory = async (context, ct) =>
                {
                    var ws = server().CreateWebSocketClient();
                    ws.ConfigureRequest = r =>
                    {
                        if (origin is not null)
                        {
                            r.Headers.Origin = origin;
                        }

                        if (cookie is not null)
                        {
                            r.Headers.Cookie = cookie;
                        }
                    };

                    var uri = token is null ? context.Uri : new Uri($"{context.Uri}{(context.Uri.Query.Length > 0 ? "&" : "?")}access_token={Uri.EscapeDataString(token)}");
                    var socket = await ws.ConnectAsync(uri, ct);
                    client!._socket = socket;
                    return socket;
                };
            })
            .WithAutomaticReconnect([TimeSpan.Zero, TimeSpan.FromMilliseconds(50), TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2)])
            .WithStatefulReconnect()
            .Build();
        client = new ChatClient(connection);
        if (start)
        {
            await connection.StartAsync();
        }

        return client;
    }

    /// <summary>Breaks the socket under the connection, as a network drop would.</summary>
    public void DropSocket() => _socket?.Abort();

    public async Task<JoinResult> JoinAsync(string conversationId) =>
        Unwrap(await Connection.InvokeAsync<HubReply<JoinResult>>("Join", conversationId));

    public async Task<SendResult> SendAsync(string conversationId, string text, string? clientId = null) =>
        Unwrap(await Connection.InvokeAsync<HubReply<SendResult>>("Send", conversationId, clientId ?? Guid.NewGuid().ToString("N"), text));

    public async Task<CatchUpPage> SincePageAsync(string conversationId, long sequence) =>
        Unwrap(await Connection.InvokeAsync<HubReply<CatchUpPage>>("Since", conversationId, sequence));

    /// <summary>Everything after <paramref name="sequence"/>, page by page, as a client catching up does.</summary>
    public async Task<IReadOnlyList<ChatMessageView>> SinceAsync(string conversationId, long sequence)
    {
        var all = new List<ChatMessageView>();
        CatchUpPage page;
        do
        {
            page = await SincePageAsync(conversationId, sequence);
            all.AddRange(page.Messages);
            sequence = page.Through;
        }
        while (page.More);

        return all;
    }

    public async Task<IReadOnlyList<ChatMessageView>> HistoryAsync(string conversationId, long? before, int pageSize) =>
        Unwrap(await Connection.InvokeAsync<HubReply<IReadOnlyList<ChatMessageView>>>("History", conversationId, before, pageSize));


    public async Task MarkReadAsync(string conversationId, long sequence) => Check(await Connection.InvokeAsync<HubReply>("MarkRead", conversationId, sequence));

    private static T Unwrap<T>(HubReply<T> reply) =>
        reply.Error is { } error ? throw new ChatRefusalException(error.Code, error.Message) { CrisisResources = error.CrisisResources } : reply.Value!;

    private static void Check(HubReply reply)
    {
        if (reply.Error is { } error)
        {
            throw new ChatRefusalException(error.Code, error.Message);
        }
    }

    /// <summary>Waits until the condition holds on what was pushed, or fails after a few seconds.</summary>
    public static async Task EventuallyAsync(Func<bool> condition, string what)
    {
        for (var i = 0; i < 400 && !condition(); i++)
        {
            await Task.Delay(25);
        }

        Assert.True(condition(), $"Timed out waiting for: {what}");
    }

    public async ValueTask DisposeAsync() => await Connection.DisposeAsync();
}

/// <summary>What the hub said no with: its code and its plain sentence, exactly as the client received them.</summary>
public sealed class ChatRefusalException(string code, string message) : Exception(message)
{
    public string Code { get; } = code;

    public IReadOnlyList<CrisisResource>? CrisisResources { get; init; }
}
