using SurvivorConnect.Api.Infrastructure.Auth;

namespace SurvivorConnect.IntegrationTests;

/// <summary>A survivor who no longer takes paid work: the seats they gave up with the role are the agency's cancellations.</summary>
public sealed class PaidWorkLeftTests(ClockedCountingApiFactory api) : IClassFixture<ClockedCountingApiFactory>
{
    [Fact]
    public async Task A_survivor_whose_role_is_taken_away_hours_before_a_session_is_told_and_paid_it_as_the_agencys_late_cancellation()
    {
        var world = new EngagementWorld(api);
        var (later, _) = await world.ConfirmedSessionAsync(api.Time, api.Time.Advance, startsIn: TimeSpan.FromDays(10));
        var (soon, advisors) = await world.ConfirmedSessionAsync(api.Time, api.Time.Advance, startsIn: TimeSpan.FromHours(2));
        var leaving = advisors[0];
        await world.ConfirmAsync(later, leaving);

        await new MentoringWorld(api).SetRolesAsync(leaving.Id, Roles.CaseManager);

        // They may still turn up two hours from now: that session pays as the agency's cancellation at short notice.
        var paid = Assert.Single(await HttpAssert.Ok<List<ClaimDto>>(await world.Recruiter.GetAsync($"/api/engagements/opportunities/{soon}/claims")), c => c.PersonId == leaving.Id);
        Assert.Equal("CancelledByAgency", paid.Outcome);
        Assert.True(paid.Amount > 0);
        Assert.DoesNotContain(await HttpAssert.Ok<List<ClaimDto>>(await world.Recruiter.GetAsync($"/api/engagements/opportunities/{later}/claims")), c => c.PersonId == leaving.Id);
        Assert.Equal(2, (await leaving.Client.NoticesAsync()).Count(n => n.Kind == "engagement-seat-given-up"));
        Assert.Equal(0, (await advisors[1].Client.NoticesAsync()).Count(n => n.Kind == "engagement-seat-given-up"));
    }
}
