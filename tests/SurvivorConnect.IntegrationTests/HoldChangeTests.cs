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
    public async Task An_agency_admin_who_also_mentors_neither_lifts_the_hold_another_admin_placed_on_them_nor_clears_their_own_readiness()
    {
        var (mentorId, mentor) = await _world.ReadyMentorAsync();
        await _world.SetRolesAsync(mentorId, "Mentor", "AgencyAdmin");
        await MentoringWorld.Ok(await MentoringWorld.HoldAsync(_world.Admin, mentorId, "Rest after a hard month"));
        var since = HoldOf(await HttpAssert.Ok<JsonElement>(await _world.Admin.GetAsync($"/api/mentors/{mentorId}")));

        await HttpAssert.Problem(await mentor.PostAsJsonAsync($"/api/mentors/{mentorId}/hold/release", new { since }), 404);
        await HttpAssert.Problem(await mentor.PostAsJsonAsync($"/api/mentors/{mentorId}/hold", new { reason = "Fine now", stopsChat = false, replaces = since }), 404);
        await HttpAssert.Problem(await mentor.PutAsJsonAsync($"/api/mentors/{mentorId}/readiness", new { screeningPassedOn = "2026-03-01", trainingCompletedOn = "2026-03-01", supervisorClearedOn = "2026-03-01" }), 404);

        Assert.Equal(since, HoldOf(await HttpAssert.Ok<JsonElement>(await _world.Admin.GetAsync($"/api/mentors/{mentorId}"))));
        await MentoringWorld.Ok(await _world.Admin.PostAsJsonAsync($"/api/mentors/{mentorId}/hold/release", new { since }));
    }

    [Fact]
    public async Task A_hold_changed_without_saying_whether_it_pauses_chats_keeps_them_as_they_were()
    {
        var (mentorId, _) = await _world.ReadyMentorAsync();
        var since = HoldOf(await MentoringWorld.Ok<JsonElement>(await MentoringWorld.HoldAsync(_world.Supervisor, mentorId, "Talk first", stopsChat: true)));

        var changed = await MentoringWorld.Ok<JsonElement>(await _world.Supervisor.PostAsJsonAsync($"/api/mentors/{mentorId}/hold", new { reason = "Talk first, then we will see", replaces = since }));

        Assert.True(changed.GetProperty("hold").GetProperty("stopsChat").GetBoolean());
        Assert.Equal("Talk first, then we will see", changed.GetProperty("hold").GetProperty("reason").GetString());
    }

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

        // Having looked again, the supervisor may lift it; their own from before comes back, and goes when they lift it too.
        await MentoringWorld.Ok(await MentoringWorld.LiftHoldAsync(_world.Supervisor, mentorId));
        Assert.Equal("Rest after a hard month", (await HttpAssert.Ok<JsonElement>(await _world.Supervisor.GetAsync($"/api/mentors/{mentorId}"))).GetProperty("hold").GetProperty("reason").GetString());
        await MentoringWorld.Ok(await MentoringWorld.LiftHoldAsync(_world.Supervisor, mentorId));
        Assert.Equal(JsonValueKind.Null, (await HttpAssert.Ok<JsonElement>(await _world.Admin.GetAsync($"/api/mentors/{mentorId}"))).GetProperty("hold").ValueKind);
    }

    [Fact]
    public async Task Holds_placed_over_each_other_again_and_again_stack_one_for_each_person_so_two_lifts_leave_none()
    {
        var (mentorId, _) = await _world.ReadyMentorAsync();
        for (var turn = 0; turn < 10; turn++)
        {
            await MentoringWorld.Ok(await MentoringWorld.HoldAsync(turn % 2 == 0 ? _world.Supervisor : _world.Admin, mentorId, $"Turn {turn}"));
        }

        await MentoringWorld.Ok(await MentoringWorld.LiftHoldAsync(_world.Admin, mentorId));
        Assert.Equal("Turn 8", (await HttpAssert.Ok<JsonElement>(await _world.Supervisor.GetAsync($"/api/mentors/{mentorId}"))).GetProperty("hold").GetProperty("reason").GetString());
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

    [Fact]
    public async Task An_administrator_who_puts_a_hold_over_the_supervisor_s_and_lifts_it_brings_the_supervisor_s_back()
    {
        var chat = await _world.OpenChatAsync();
        await MentoringWorld.Ok(await MentoringWorld.HoldAsync(_world.Supervisor, chat.MentorId, "Rest after a hard month", stopsChat: true));

        var softer = await HttpAssert.Problem(await MentoringWorld.HoldAsync(_world.Admin, chat.MentorId, "Back to normal", stopsChat: false), 409);
        await MentoringWorld.Ok(await MentoringWorld.HoldAsync(_world.Admin, chat.MentorId, "A youth reported a concern", stopsChat: true));
        await MentoringWorld.Ok(await MentoringWorld.LiftHoldAsync(_world.Admin, chat.MentorId));
        var stillPaused = await Assert.ThrowsAsync<ChatRefusalException>(() => chat.Mentor.SendAsync(chat.Id, "hello again"));
        var liftAgain = await HttpAssert.Problem(await MentoringWorld.LiftHoldAsync(_world.Admin, chat.MentorId), 409);

        Assert.Contains("only the mentor's supervisor can let them go on", softer.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal("This chat is paused for now.", stillPaused.Message);
        Assert.Contains("the mentor's supervisor can lift it", liftAgain.GetProperty("detail").GetString(), StringComparison.Ordinal);
        var hold = (await HttpAssert.Ok<JsonElement>(await _world.Supervisor.GetAsync($"/api/mentors/{chat.MentorId}"))).GetProperty("hold");
        Assert.Equal("Rest after a hard month", hold.GetProperty("reason").GetString());
        Assert.Equal("demo-supervisor", hold.GetProperty("placedBy").GetString());

        // The supervisor lifts it, and nothing comes back.
        await MentoringWorld.Ok(await MentoringWorld.LiftHoldAsync(_world.Supervisor, chat.MentorId));
        await chat.Mentor.SendAsync(chat.Id, "back again");
        Assert.Equal(JsonValueKind.Null, (await HttpAssert.Ok<JsonElement>(await _world.Admin.GetAsync($"/api/mentors/{chat.MentorId}"))).GetProperty("hold").ValueKind);
    }

    [Fact]
    public async Task A_hold_put_over_another_administrator_s_brings_theirs_back_when_lifted_and_the_supervisor_s_beneath_it()
    {
        var (mentorId, _) = await _world.ReadyMentorAsync();
        var (_, otherAdmin) = await _world.PersonAsync("AgencyAdmin");
        await MentoringWorld.Ok(await MentoringWorld.HoldAsync(_world.Supervisor, mentorId, "Supervisor's"));
        await MentoringWorld.Ok(await MentoringWorld.HoldAsync(_world.Admin, mentorId, "First admin's"));
        await MentoringWorld.Ok(await MentoringWorld.HoldAsync(otherAdmin, mentorId, "Second admin's"));

        await MentoringWorld.Ok(await MentoringWorld.LiftHoldAsync(otherAdmin, mentorId));
        var firstAdmins = (await HttpAssert.Ok<JsonElement>(await _world.Admin.GetAsync($"/api/mentors/{mentorId}"))).GetProperty("hold");
        await MentoringWorld.Ok(await MentoringWorld.LiftHoldAsync(_world.Admin, mentorId));
        var supervisors = (await HttpAssert.Ok<JsonElement>(await _world.Supervisor.GetAsync($"/api/mentors/{mentorId}"))).GetProperty("hold");

        Assert.Equal("First admin's", firstAdmins.GetProperty("reason").GetString());
        Assert.Equal("Supervisor's", supervisors.GetProperty("reason").GetString());
    }

    private static string HoldOf(JsonElement mentor) => mentor.GetProperty("hold").GetProperty("since").GetString()!;
}
