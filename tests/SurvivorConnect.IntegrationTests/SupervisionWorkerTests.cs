using System.Net.Http.Json;
using System.Text.Json;
using SurvivorConnect.Api.Features.Supervision;
using SurvivorConnect.Api.Features.Supervision.Rules;

namespace SurvivorConnect.IntegrationTests;

/// <summary>Missed check-ins counted by two API instances working the same store at the same moments: each miss once, one flag.</summary>
public sealed class SupervisionWorkerTests() : TwoInstances("supervise")
{
    private static Task RunAsync(Instance instance) => instance.Service<CheckInWorker>().RunOnceAsync(CancellationToken.None);

    [Fact]
    public async Task Two_instances_count_each_missed_check_in_once_and_raise_one_flag_after_two()
    {
        var world = new MentoringWorld(First);
        var (mentorId, mentor) = await world.ReadyMentorAsync();
        await HttpAssert.Ok<JsonElement>(await mentor.PostAsJsonAsync("/api/supervision/me/check-ins", new
        {
            answers = DefaultInstrument.Version1.Items.ToDictionary(i => i.Id, i => i.Subscale is "support" or "self-care" ? 4 : 0),
        }));

        foreach (var days in new[] { 15, 14, 14 })
        {
            Advance(TimeSpan.FromDays(days));
            await Task.WhenAll(RunAsync(First), RunAsync(Second), RunAsync(First), RunAsync(Second));
        }

        var flags = (await HttpAssert.Ok<JsonElement>(await world.Supervisor.GetAsync($"/api/supervision/mentors/{mentorId}"))).GetProperty("flags").EnumerateArray().ToList();
        Assert.Equal(2, flags.Count(f => f.GetProperty("kind").GetString() == "Missed"));
        Assert.Contains(flags, f => f.GetProperty("reasons")[0].GetString() == "2 check-ins in a row were missed.");
        Assert.Contains(flags, f => f.GetProperty("reasons")[0].GetString() == "3 check-ins in a row were missed.");
    }
}
