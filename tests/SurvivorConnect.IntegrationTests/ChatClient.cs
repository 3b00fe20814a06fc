using System.Collections.Concurrent;
using System.Net.WebSockets;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.AspNetCore.TestHost;
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
        Connection.On<string, string>(nameof(IChatClient.Typing), (c, role) => Typing.Enqueue(role));
        Connection.On<string, string, long>(nameof(IChatClient.ReadUpTo), (c, role, seq) => Reads.Enqueue(seq));
    }

    public HubConnection Connection { get; }

    public ConcurrentQueue<ChatMessageView> Received { get; } = new();

    public ConcurrentQueue<ConversationStatus> Statuses { get; } = new();

    public ConcurrentQueue<FlagView> Flags { get; } = new();

    public ConcurrentQueue<string> Typing { get; } = new();

    public ConcurrentQueue<long> Reads { get; } = new();

    public static async Task<ChatClient> ConnectAsync(Func<TestServer> server, string token, string? origin = null, bool start = true)
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
                    if (origin is not null)
                    {
                        ws.ConfigureRequest = r => r.Headers.Origin = origin;
                    }

                    var socket = await ws.ConnectAsync(new Uri($"{context.Uri}{(context.Uri.Query.Length > 0 ? "&" : "?")}access_token={Uri.EscapeDataString(token)}"), ct);
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

    public Task<JoinResult> JoinAsync(string conversationId) => Connection.InvokeAsync<JoinResult>("Join", conversationId);

    public Task<SendResult> SendAsync(string conversationId, string text, string? clientId = null) =>
        Connection.InvokeAsync<SendResult>("Send", conversationId, clientId ?? Guid.NewGuid().ToString("N"), text);

    public Task<IReadOnlyList<ChatMessageView>> SinceAsync(string conversationId, long sequence) =>
        Connection.InvokeAsync<IReadOnlyList<ChatMessageView>>("Since", conversationId, sequence);

    public Task<IReadOnlyList<ChatMessageView>> HistoryAsync(string conversationId, long? before, int pageSize) =>
        Connection.InvokeAsync<IReadOnlyList<ChatMessageView>>("History", conversationId, before, pageSize);

    public Task TypingAsync(string conversationId) => Connection.InvokeAsync("Typing", conversationId);

    public Task MarkReadAsync(string conversationId, long sequence) => Connection.InvokeAsync("MarkRead", conversationId, sequence);

    /// <summary>Waits until the condition holds on what was pushed, or fails after a few seconds.</summary>
    public static async Task EventuallyAsync(Func<bool> condition, string what)
    {
        for (var i = 0; i < 200 && !condition(); i++)
        {
            await Task.Delay(25);
        }

        Assert.True(condition(), $"Timed out waiting for: {what}");
    }

    public async ValueTask DisposeAsync() => await Connection.DisposeAsync();
}
