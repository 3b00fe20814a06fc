using System.Collections.Concurrent;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;
using SurvivorConnect.Api.Features.Notifications;

namespace SurvivorConnect.IntegrationTests;

/// <summary>A real SignalR client on the notifications hub, as a person's open page is.</summary>
public static class NoticeListener
{
    /// <summary>A connection to the hub for <paramref name="subject"/>, not yet started.</summary>
    public static HubConnection Build(ApiFactory api, string subject, string agency = "demo")
    {
        ArgumentNullException.ThrowIfNull(api);
        var token = api.TokenFor(subject, agency);
        return new HubConnectionBuilder()
            .WithUrl(new Uri("http://localhost/hubs/notifications"), o =>
            {
                o.Transports = HttpTransportType.WebSockets;
                o.SkipNegotiation = true;
                o.WebSocketFactory = async (context, ct) => await api.Server.CreateWebSocketClient()
                    .ConnectAsync(new Uri($"{context.Uri}?access_token={Uri.EscapeDataString(token)}"), ct);
            })
            .Build();
    }

    public static async Task<(HubConnection Connection, ConcurrentQueue<NotificationView> Received)> ListenAsync(ApiFactory api, string subject, string agency = "demo")
    {
        var received = new ConcurrentQueue<NotificationView>();
        var connection = Build(api, subject, agency);
        connection.On<NotificationView>(nameof(INotificationClient.NotificationReceived), received.Enqueue);
        await connection.StartAsync();

        // The handshake can finish before the hub has put the connection in its person's group; an invocation is
        // only answered after that, so one round trip (to a method the hub does not have) means the page is listening.
        try
        {
            await connection.InvokeAsync("Listening");
        }
        catch (HubException)
        {
        }

        return (connection, received);
    }
}
