using System.Net.Http.Json;
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
}
