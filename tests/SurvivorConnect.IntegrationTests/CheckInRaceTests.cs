using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using SurvivorConnect.Api.Features.Supervision;
using SurvivorConnect.Storage;

namespace SurvivorConnect.IntegrationTests;

/// <summary>A mentor's check-in that meets the worker marking the same check-in missed still goes through.</summary>
public sealed class CheckInRaceTests(CountingApiFactory api) : IClassFixture<CountingApiFactory>
{
    private readonly MentoringWorld _world = new(api);

    [Fact]
    public async Task A_check_in_sent_while_the_worker_marks_it_missed_is_thanked_and_starts_the_schedule_again()
    {
        var (mentorId, mentor) = await _world.ReadyMentorAsync();
        await HttpAssert.Ok<JsonElement>(await SupervisionTests.CheckInAsync(mentor, SupervisionTests.Answers(1)));
        var interfered = 0;
        api.Counter.BeforeReplace = async (store, document) =>
        {
            if (document is CheckInSchedule { Missed: 0 } schedule && schedule.MentorId == mentorId && Interlocked.Exchange(ref interfered, 1) == 0)
            {
                // What the worker writes when the check-in's due time passed a moment before the mentor sent it.
                var stored = (await store.ReadAsync<CheckInSchedule>(SupervisionData.Container, schedule.Id, schedule.PartitionKey, CancellationToken.None))!;
                await store.ReplaceAsync(SupervisionData.Container, stored with { Missed = 1 }, stored.ETag!, CancellationToken.None);
            }
        };

        try
        {
            var reply = await HttpAssert.Ok<JsonElement>(await SupervisionTests.CheckInAsync(mentor, SupervisionTests.Answers(1)));
            Assert.Equal(CheckInHandlers.Thanks, reply.GetProperty("message").GetString());
        }
        finally
        {
            api.Counter.BeforeReplace = null;
        }

        Assert.Equal(1, interfered);
        var schedule = await api.Services.GetRequiredService<IDocumentStore>().ReadAsync<CheckInSchedule>(SupervisionData.Container, CheckInSchedule.IdFor(mentorId), "demo", CancellationToken.None);
        Assert.Equal(0, schedule!.Missed);
        var mine = await HttpAssert.Ok<JsonElement>(await mentor.GetAsync("/api/supervision/me"));
        Assert.Equal(2, mine.GetProperty("history").GetArrayLength());
    }
}
