using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using SurvivorConnect.Api.Features.Chat;

namespace SurvivorConnect.IntegrationTests;

/// <summary>
/// A message pushed live can be held up (a backplane slow to answer, a connection that stopped reading): words of danger
/// reach the case manager as a flag all the same, and the writer has their crisis lines, without waiting for that push.
/// </summary>
public sealed class ChatStalledPushTests(ChatStalledPushTests.Factory api) : IClassFixture<ChatStalledPushTests.Factory>
{
    /// <summary>An API whose live pushes of messages to a conversation wait, while <see cref="Stalled"/>, until released.</summary>
    public sealed class Factory : ApiFactory
    {
        public bool Stalled { get; set; }

        public TaskCompletionSource Released { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        protected override void ConfigureWebHost(Microsoft.AspNetCore.Hosting.IWebHostBuilder builder)
        {
            base.ConfigureWebHost(builder);
            builder.ConfigureTestServices(services =>
            {
                // SignalR's own typed context (internal), made here so the stalling one can stand in front of it.
                var open = services.Last(d => d.ServiceType == typeof(IHubContext<,>)).ImplementationType!;
                var real = open.MakeGenericType(typeof(ChatHub), typeof(IChatClient));
                services.AddSingleton<IHubContext<ChatHub, IChatClient>>(sp =>
                    new StallingContext((IHubContext<ChatHub, IChatClient>)ActivatorUtilities.CreateInstance(sp, real), this));
            });
        }
    }

    private sealed class StallingContext(IHubContext<ChatHub, IChatClient> inner, Factory factory) : IHubContext<ChatHub, IChatClient>
    {
        public IHubClients<IChatClient> Clients { get; } = new StallingClients(inner.Clients, factory);

        public IGroupManager Groups => inner.Groups;
    }

    private sealed class StallingClients(IHubClients<IChatClient> inner, Factory factory) : IHubClients<IChatClient>
    {
        public IChatClient All => inner.All;

        public IChatClient AllExcept(IReadOnlyList<string> excludedConnectionIds) => inner.AllExcept(excludedConnectionIds);

        public IChatClient Client(string connectionId) => inner.Client(connectionId);

        public IChatClient Clients(IReadOnlyList<string> connectionIds) => inner.Clients(connectionIds);

        public IChatClient Group(string groupName) => new StallingClient(inner.Group(groupName), factory);

        public IChatClient GroupExcept(string groupName, IReadOnlyList<string> excludedConnectionIds) => new StallingClient(inner.GroupExcept(groupName, excludedConnectionIds), factory);

        public IChatClient Groups(IReadOnlyList<string> groupNames) => inner.Groups(groupNames);

        public IChatClient User(string userId) => inner.User(userId);

        public IChatClient Users(IReadOnlyList<string> userIds) => inner.Users(userIds);
    }

    private sealed class StallingClient(IChatClient inner, Factory factory) : IChatClient
    {
        public async Task MessageReceived(ChatMessageView message)
        {
            if (factory.Stalled)
            {
                await factory.Released.Task;
            }

            await inner.MessageReceived(message);
        }

        public Task ConversationStatusChanged(ConversationStatus status) => inner.ConversationStatusChanged(status);

        public Task ReadUpTo(string conversationId, string role, long sequence) => inner.ReadUpTo(conversationId, role, sequence);

        public Task FlagRaised(FlagView flag) => inner.FlagRaised(flag);

        public Task ConnectionRefused(string reason) => inner.ConnectionRefused(reason);
    }

    [Fact]
    public async Task Words_of_danger_reach_the_case_manager_as_a_flag_while_their_live_push_is_held_up()
    {
        var chat = await new MentoringWorld(api).OpenChatAsync();
        api.Stalled = true;
        try
        {
            var send = chat.Youth.SendAsync(chat.Id, "I want to die", "stalled-1");

            // The flag does not wait for the push, and the writer's crisis lines wait for it only a moment.
            await ChatClient.EventuallyAsync(() => chat.CaseManager.Flags.Any(f => f.Urgent), "the urgent flag reaches the case manager");
            Assert.NotEmpty((await send.WaitAsync(TimeSpan.FromSeconds(30))).CrisisResources!);
            Assert.DoesNotContain(chat.Mentor.Received, m => m.Text == "I want to die");

            api.Released.SetResult();
            await ChatClient.EventuallyAsync(() => chat.Mentor.Received.Any(m => m.Text == "I want to die"), "the message reaches the mentor once the push goes on");
        }
        finally
        {
            api.Stalled = false;
            api.Released.TrySetResult();
        }
    }
}
