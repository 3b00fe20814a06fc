using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using SurvivorConnect.Api.Features.Mentoring;
using SurvivorConnect.Api.Features.Supervision;
using SurvivorConnect.Storage;

namespace SurvivorConnect.IntegrationTests;

/// <summary>
/// A mentor's check-in that meets the worker marking the same check-in missed still goes through, and an urgent one
/// that meets another write to the mentor still holds them.
/// </summary>
public sealed class CheckInRaceTests(CountingApiFactory api) : IClassFixture<CountingApiFactory>
{
    private readonly MentoringWorld _world = new(api);

    [Fact]
    public async Task An_urgent_answer_whose_hold_meets_a_save_of_the_mentors_profile_still_holds_them_from_new_matches_at_once()
    {
        var (mentorId, mentor) = await _world.ReadyMentorAsync();
        var interfered = 0;
        api.Counter.BeforeReplace = async (store, document) =>
        {
            if (document is MentorProfile { Hold: not null } held && held.Id == mentorId && Interlocked.Exchange(ref interfered, 1) == 0)
            {
                // The mentor saving their profile at that moment.
                var stored = (await store.ReadAsync<MentorProfile>(MentorProfile.Container, held.Id, held.PartitionKey, CancellationToken.None))!;
                await store.ReplaceAsync(MentorProfile.Container, stored with { Interests = ["art", "music", "poetry"] }, stored.ETag!, CancellationToken.None);
            }
        };

        try
        {
            await HttpAssert.Ok<JsonElement>(await SupervisionTests.CheckInAsync(mentor, SupervisionTests.Answers(1, urgent: 3)));
        }
        finally
        {
            api.Counter.BeforeReplace = null;
        }

        Assert.Equal(1, interfered);
        var seen = await HttpAssert.Ok<JsonElement>(await _world.Supervisor.GetAsync($"/api/mentors/{mentorId}"));
        Assert.NotEqual(JsonValueKind.Null, seen.GetProperty("hold").ValueKind);
        Assert.Equal(["art", "music", "poetry"], seen.GetProperty("interests").EnumerateArray().Select(e => e.GetString()));
        var (youthId, _) = await _world.YouthAsync();
        await HttpAssert.Problem(await _world.CaseManager.PostJson("/api/matches", new { youthId, mentorId }), 409);
    }

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
