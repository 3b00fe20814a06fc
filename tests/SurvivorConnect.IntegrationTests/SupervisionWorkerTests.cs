using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using SurvivorConnect.Api.Features.Supervision;
using SurvivorConnect.Api.Features.Supervision.Rules;

namespace SurvivorConnect.IntegrationTests;

/// <summary>Missed check-ins counted by two API instances working the same store at the same moments: each miss once, one flag.</summary>
public sealed class SupervisionWorkerTests : IAsyncLifetime
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "sc-supervise-" + Guid.NewGuid().ToString("N"));
    private readonly DateTimeOffset _start = DateTimeOffset.UtcNow;
    private Instance _first = null!;
    private Instance _second = null!;

    private sealed class Instance(string folder, DateTimeOffset start) : ClockedApiFactory(folder, start)
    {
        public Task RunAsync() => Services.GetRequiredService<CheckInWorker>().RunOnceAsync(CancellationToken.None);
    }

    public Task InitializeAsync()
    {
        _first = new Instance(_folder, _start);
        _ = _first.Server;
        _second = new Instance(_folder, _start);
        _ = _second.Server;
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await _first.DisposeAsync();
        await _second.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_folder, recursive: true);
    }

    [Fact]
    public async Task Two_instances_count_each_missed_check_in_once_and_raise_one_flag_after_two()
    {
        var world = new MentoringWorld(_first);
        var (mentorId, mentor) = await world.ReadyMentorAsync();
        await HttpAssert.Ok<JsonElement>(await mentor.PostAsJsonAsync("/api/supervision/me/check-ins", new
        {
            answers = DefaultInstrument.Version1.Items.ToDictionary(i => i.Id, i => i.Subscale is "support" or "self-care" ? 4 : 0),
        }));

        foreach (var days in new[] { 15, 14, 14 })
        {
            _first.Time.Advance(TimeSpan.FromDays(days));
            _second.Time.Advance(TimeSpan.FromDays(days));
            await Task.WhenAll(_first.RunAsync(), _second.RunAsync(), _first.RunAsync(), _second.RunAsync());
        }

        var flags = (await HttpAssert.Ok<JsonElement>(await world.Supervisor.GetAsync($"/api/supervision/mentors/{mentorId}"))).GetProperty("flags").EnumerateArray().ToList();
        Assert.Equal(2, flags.Count(f => f.GetProperty("kind").GetString() == "Missed"));
        Assert.Contains(flags, f => f.GetProperty("reasons")[0].GetString() == "2 check-ins in a row were missed.");
        Assert.Contains(flags, f => f.GetProperty("reasons")[0].GetString() == "3 check-ins in a row were missed.");
    }
}
