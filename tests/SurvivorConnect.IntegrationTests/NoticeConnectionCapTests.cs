using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.Logging;
using SurvivorConnect.Api.Infrastructure.Auth;

namespace SurvivorConnect.IntegrationTests;

/// <summary>One person cannot hold notice connections without limit: each costs the instance memory and a recheck on every change.</summary>
public sealed class NoticeConnectionCapTests(NoticeConnectionCapTests.Factory api) : IClassFixture<NoticeConnectionCapTests.Factory>
{
    public sealed class Factory : ApiFactory
    {
        protected override IDictionary<string, string?> Settings => new Dictionary<string, string?>(base.Settings)
        {
            ["Notifications:MaxConnectionsPerPerson"] = "3",
        };
    }

    private readonly MentoringWorld _world = new(api);

    [Fact]
    public async Task A_person_s_notice_connections_past_three_are_closed_saying_why_and_their_others_still_hear_of_a_proposed_match()
    {
        var (mentorId, _) = await _world.ReadyMentorAsync();
        var open = new List<(HubConnection Connection, System.Collections.Concurrent.ConcurrentQueue<Api.Features.Notifications.NotificationView> Received)>();
        try
        {
            for (var i = 0; i < 3; i++)
            {
                open.Add(await NoticeListener.ListenAsync(api, mentorId));
            }

            await using var extra = NoticeListener.Build(api, mentorId);
            var refused = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
            extra.On<string>("ConnectionRefused", reason => refused.TrySetResult(reason));
            await extra.StartAsync();

            // The portal's page reads this reason and tries again only now and then, where it would retry at once after a drop.
            Assert.Equal("too-many-connections", await refused.Task.WaitAsync(TimeSpan.FromSeconds(10)));
            await ChatClient.EventuallyAsync(() => extra.State != HubConnectionState.Connected, "the fourth connection is closed");

            // Refused quietly: no error with a stack trace in the log for each one.
            Assert.DoesNotContain(api.Logs.GetSnapshot(), l => l.Level >= LogLevel.Error);

            // Someone else is not counted against them.
            var (supervisorId, _) = await _world.PersonAsync(Roles.Supervisor);
            await using var other = (await NoticeListener.ListenAsync(api, supervisorId)).Connection;
            Assert.Equal(HubConnectionState.Connected, other.State);

            var (youthId, _) = await _world.YouthAsync();
            await _world.ProposeAsync(youthId, mentorId);
            await ChatClient.EventuallyAsync(() => open.All(c => c.Received.Any(n => n.Kind == "match-proposed")), "each open page hears of the proposal");
            Assert.All(open, c => Assert.Equal(HubConnectionState.Connected, c.Connection.State));
        }
        finally
        {
            foreach (var (connection, _) in open)
            {
                await connection.DisposeAsync();
            }
        }
    }
}
