using SurvivorConnect.Api.Features.Teaming;
using SurvivorConnect.Api.Features.Teaming.Rules;

namespace SurvivorConnect.UnitTests.Teaming;

public sealed class SupportRulesTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 4, 12, 0, 0, TimeSpan.Zero);

    private static TeamMember Support(string name, string? personId = null, DateTimeOffset? declinedAt = null) =>
        new("m-" + name, TeamRole.Support, personId, "demo", name, null, YouthAgreed: false, Now.AddDays(-60), "cm", declinedAt, declinedAt);

    [Fact]
    public void A_youths_no_stands_for_thirty_days_for_the_same_person_by_name_or_by_sign_in()
    {
        var declined = Support("Aunt May", "p-aunt", declinedAt: Now.AddDays(-10));

        Assert.Equal(Now.AddDays(20), SupportRules.NoStandsUntil([declined], Support("  aunt  may "), Now));
        Assert.Equal(Now.AddDays(20), SupportRules.NoStandsUntil([declined], Support("May", "p-aunt"), Now));
        Assert.Null(SupportRules.NoStandsUntil([declined], Support("Gran"), Now));
        Assert.Null(SupportRules.NoStandsUntil([declined], Support("Aunt May"), Now.AddDays(20)));
    }

    [Fact]
    public void A_no_is_not_worn_down_by_asking_again_with_the_name_spelled_with_a_full_stop_or_hyphens()
    {
        var declined = Support("Mom", declinedAt: Now.AddDays(-2));

        Assert.NotNull(SupportRules.NoStandsUntil([declined], Support("Mom."), Now));
        Assert.NotNull(SupportRules.NoStandsUntil([declined], Support("M-o-m"), Now));
        Assert.NotNull(SupportRules.NoStandsUntil([declined], Support("MOM !"), Now));
        Assert.Null(SupportRules.NoStandsUntil([declined], Support("Mum"), Now));
    }

    [Fact]
    public void Only_a_no_counts_not_a_support_the_case_manager_took_off_and_the_latest_no_is_the_one_that_stands()
    {
        var takenOff = Support("Gran") with { RemovedAt = Now.AddDays(-1) };
        var nos = new[] { Support("Uncle Jo", declinedAt: Now.AddDays(-40)), Support("Uncle Jo", declinedAt: Now.AddDays(-5)) };

        Assert.Null(SupportRules.NoStandsUntil([takenOff], Support("Gran"), Now));
        Assert.Equal(Now.AddDays(25), SupportRules.NoStandsUntil(nos, Support("uncle jo"), Now));
    }
}
