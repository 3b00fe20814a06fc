using System.Net.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using SurvivorConnect.Api.Features.Chat;
using SurvivorConnect.Api.Infrastructure.Auth;
using SurvivorConnect.Storage;

namespace SurvivorConnect.IntegrationTests;

/// <summary>
/// A change to who may send reaches each of the person's chats: one chat whose list of senders cannot be cleared at
/// that moment does not leave the person's other chats open to them.
/// </summary>
public sealed class ChatGateRefreshTests(CountingApiFactory api) : IClassFixture<CountingApiFactory>
{
    private readonly MentoringWorld _world = new(api);

    [Fact]
    public async Task A_mentor_who_loses_the_role_sends_in_no_chat_but_the_one_whose_senders_could_not_be_cleared()
    {
        var (mentorId, mentorHttp) = await _world.ReadyMentorAsync(capacity: 2);
        var matches = new List<string>();
        for (var i = 0; i < 2; i++)
        {
            var (youthId, youth) = await _world.YouthAsync();
            var match = await _world.AcceptedAsync(youthId, mentorId, mentorHttp);
            matches.Add((await MentoringWorld.Ok<MatchDto>(await youth.PostAsync($"/api/matches/{match.Id}/agree", null))).Id);
        }

        await _world.SetRolesAsync(mentorId, Roles.Mentor, Roles.Recruiter);
        await using var mentor = await _world.ConnectAsync(mentorId);
        foreach (var match in matches)
        {
            await mentor.JoinAsync(match);
            await mentor.SendAsync(match, "hello");
        }

        var failed = 0;
        api.Counter.BeforeReplace = (_, document) => document is Conversation { Gate: null } && Interlocked.Exchange(ref failed, 1) == 0
            ? throw new StoreException(StoreErrorKind.Unavailable, "The store went away.")
            : Task.CompletedTask;
        try
        {
            var person = await _world.Admin.GetAsync($"/api/people/{mentorId}");
            using var request = new HttpRequestMessage(HttpMethod.Put, $"/api/people/{mentorId}/roles") { Content = JsonContent.Create(new { roles = new[] { Roles.Youth } }) };
            request.Headers.TryAddWithoutValidation("If-Match", person.Headers.ETag!.Tag);
            await _world.Admin.SendAsync(request);
        }
        finally
        {
            api.Counter.BeforeReplace = null;
        }

        var refused = 0;
        foreach (var match in matches)
        {
            try
            {
                await mentor.SendAsync(match, "still here?");
            }
            catch (ChatRefusalException)
            {
                refused++;
            }
        }

        Assert.Equal(1, failed);
        Assert.Equal(1, refused);
    }

    [Fact]
    public async Task A_send_under_way_as_the_match_is_paused_is_refused_though_the_chat_kept_no_list_of_senders_and_its_refresh_failed()
    {
        var chat = await _world.OpenChatAsync();
        var store = api.Services.GetRequiredService<IDocumentStore>();
        var conversation = (await store.ReadAsync<Conversation>(Conversation.Container, Conversation.DocumentId, chat.Id, CancellationToken.None))!;
        await store.ReplaceAsync(Conversation.Container, conversation with { Gate = null }, conversation.ETag!, CancellationToken.None);

        // Just before the send writes what it checked, the case manager pauses the match, and writing the new list of
        // senders fails (the store went away for a moment).
        var paused = false;
        api.Counter.BeforeBatch = async operations =>
        {
            if (!paused && operations.Any(o => o.Target == (Conversation.DocumentId, chat.Id)))
            {
                paused = true;
                api.Counter.BeforeBatch = null;
                api.Counter.BeforeReplace = (_, document) => document is Conversation { Gate: not null }
                    ? throw new StoreException(StoreErrorKind.Unavailable, "The store went away.")
                    : Task.CompletedTask;
                await MentoringWorld.StepAsync(_world.CaseManager, chat.Id, "pause");
                api.Counter.BeforeReplace = null;
            }
        };
        Exception? inFlight;
        try
        {
            inFlight = await Record.ExceptionAsync(() => chat.Mentor.SendAsync(chat.Id, "as the pause lands"));
        }
        finally
        {
            api.Counter.BeforeBatch = null;
            api.Counter.BeforeReplace = null;
        }

        Assert.True(paused);
        Assert.Equal("Paused", (await MentoringWorld.Ok<MatchDto>(await _world.CaseManager.GetAsync($"/api/matches/{chat.Id}"))).State);
        Assert.IsType<ChatRefusalException>(inFlight);
        await Assert.ThrowsAsync<ChatRefusalException>(() => chat.Mentor.SendAsync(chat.Id, "and after"));
    }
}
