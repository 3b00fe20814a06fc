using System.Net.Http.Json;
using System.Text.Json;

namespace SurvivorConnect.IntegrationTests;

/// <summary>
/// A hold is changed or lifted only by someone who has seen it: a page left open since before another hold was placed
/// cannot lift that hold, or quietly let the chats it paused go on.
/// </summary>
public sealed class HoldChangeTests(HoldChangeTests.Factory api) : IClassFixture<HoldChangeTests.Factory>
{
    public sealed class Factory : ApiFactory;

    private readonly MentoringWorld _world = new(api);

    [Fact]
    public async Task A_supervisor_s_stale_page_neither_lifts_nor_softens_the_hold_an_administrator_placed_since()
    {
        var (mentorId, _) = await _world.ReadyMentorAsync();
        var seenBySupervisor = HoldOf(await MentoringWorld.Ok<JsonElement>(await MentoringWorld.HoldAsync(_world.Supervisor, mentorId, "Rest after a hard month")));
        var adminHold = HoldOf(await MentoringWorld.Ok<JsonElement>(await MentoringWorld.HoldAsync(_world.Admin, mentorId, "A youth reported a concern", stopsChat: true)));
        Assert.NotEqual(seenBySupervisor, adminHold);

        var lift = await HttpAssert.Problem(await _world.Supervisor.PostAsJsonAsync($"/api/mentors/{mentorId}/hold/release", new { since = seenBySupervisor }), 409);
        var soften = await HttpAssert.Problem(await _world.Supervisor.PostAsJsonAsync($"/api/mentors/{mentorId}/hold", new { reason = "Back to normal", stopsChat = false, replaces = seenBySupervisor }), 409);
        var unnamed = await HttpAssert.Problem(await _world.Supervisor.PostAsJsonAsync($"/api/mentors/{mentorId}/hold", new { reason = "Back to normal", stopsChat = false }), 409);

        Assert.All(new[] { lift, soften, unnamed }, p => Assert.Contains("has changed since you looked", p.GetProperty("detail").GetString(), StringComparison.Ordinal));
        var hold = (await HttpAssert.Ok<JsonElement>(await _world.Admin.GetAsync($"/api/mentors/{mentorId}"))).GetProperty("hold");
        Assert.True(hold.GetProperty("stopsChat").GetBoolean());
        Assert.Equal("A youth reported a concern", hold.GetProperty("reason").GetString());

        // Having looked again, the supervisor may lift it.
        await MentoringWorld.Ok(await MentoringWorld.LiftHoldAsync(_world.Supervisor, mentorId));
        Assert.Equal(JsonValueKind.Null, (await HttpAssert.Ok<JsonElement>(await _world.Admin.GetAsync($"/api/mentors/{mentorId}"))).GetProperty("hold").ValueKind);
    }

    [Fact]
    public async Task A_lift_must_name_the_hold_it_lifts()
    {
        var (mentorId, _) = await _world.ReadyMentorAsync();
        await MentoringWorld.Ok(await MentoringWorld.HoldAsync(_world.Supervisor, mentorId, "Rest"));

        var withoutBody = await HttpAssert.Problem(await _world.Supervisor.PostAsync($"/api/mentors/{mentorId}/hold/release", null), 400);
        var withoutSince = await HttpAssert.Problem(await _world.Supervisor.PostAsJsonAsync($"/api/mentors/{mentorId}/hold/release", new { }), 400);

        Assert.True(withoutBody.GetProperty("errors").TryGetProperty("since", out _));
        Assert.True(withoutSince.GetProperty("errors").TryGetProperty("since", out _));
        Assert.NotEqual(JsonValueKind.Null, (await HttpAssert.Ok<JsonElement>(await _world.Supervisor.GetAsync($"/api/mentors/{mentorId}"))).GetProperty("hold").ValueKind);
    }

    private static string HoldOf(JsonElement mentor) => mentor.GetProperty("hold").GetProperty("since").GetString()!;
}
