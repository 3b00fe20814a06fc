using System.Text.Json;
using SurvivorConnect.Api.Infrastructure.Auth;

namespace SurvivorConnect.IntegrationTests;

/// <summary>
/// An admin kept from a youth who asks the audit log for that youth's trail by its id is answered at once: reading on
/// through entries they may not see, the time the answer took would tell them how many there were.
/// </summary>
public sealed class AuditKeptReadsTests(CountingApiFactory api) : IClassFixture<CountingApiFactory>
{
    [Fact]
    public async Task A_list_asked_for_by_a_kept_youth_s_id_is_answered_without_reading_the_log()
    {
        var world = new MentoringWorld(api);
        var (adminMentorId, adminMentor) = await world.AdminMentorAsync();
        var keptSignIn = "kept-" + Guid.NewGuid().ToString("N")[..12];
        var (keptId, _) = await world.YouthAsync(doNotMatch: [adminMentorId], personId: keptSignIn);
        var (otherId, _) = await world.YouthAsync();
        for (var i = 0; i < 3; i++)
        {
            await HttpAssert.Ok<JsonElement>(await world.Admin.GetAsync($"/api/youth/{keptId}"));
        }

        await HttpAssert.Ok<JsonElement>(await world.Admin.GetAsync($"/api/youth/{otherId}"));

        var logReads = 0;
        api.Counter.BeforeQuery = q =>
        {
            if (q.Type == "audit")
            {
                Interlocked.Increment(ref logReads);
            }

            return Task.CompletedTask;
        };
        try
        {
            foreach (var filter in new[] { $"recordId={keptId}", $"actorId={keptSignIn}" })
            {
                var page = await HttpAssert.Ok<PageDto<JsonElement>>(await adminMentor.GetAsync($"/api/audit?{filter}&pageSize=1"));
                Assert.Empty(page.Items);
                Assert.Null(page.ContinuationToken);
            }

            Assert.Equal(0, Volatile.Read(ref logReads));
            Assert.Single((await HttpAssert.Ok<PageDto<JsonElement>>(await adminMentor.GetAsync($"/api/audit?recordId={otherId}&pageSize=1"))).Items);
            Assert.NotEqual(0, Volatile.Read(ref logReads));
        }
        finally
        {
            api.Counter.BeforeQuery = null;
        }
    }

    [Fact]
    public async Task A_kept_youth_s_sign_in_and_an_id_nobody_has_are_answered_alike_after_the_same_store_calls()
    {
        var world = new MentoringWorld(api);
        var (adminMentorId, adminMentor) = await world.AdminMentorAsync();
        var keptSignIn = "kept-" + Guid.NewGuid().ToString("N")[..12];
        await world.YouthAsync(doNotMatch: [adminMentorId], personId: keptSignIn);
        var nobody = "kept-" + Guid.NewGuid().ToString("N")[..12];

        var calls = new Dictionary<string, int>();
        foreach (var id in new[] { keptSignIn, nobody, keptSignIn, nobody })
        {
            HttpResponseMessage? answer = null;
            calls[id] = await api.Counter.CountAsync(async () => answer = await adminMentor.GetAsync($"/api/people/{id}"));
            await HttpAssert.Problem(answer!, 404);
        }

        Assert.Equal(calls[keptSignIn], calls[nobody]);
    }
}
