using SurvivorConnect.Api.Features.Payouts.Rules;
using SurvivorConnect.Api.Infrastructure.Pipeline;

namespace SurvivorConnect.UnitTests.Infrastructure;

public sealed class EnumNamesTests
{
    [Theory]
    [InlineData("Pending", true)]
    [InlineData("approved", true)]
    [InlineData("3", false)]
    [InlineData("Pending, Approved", false)]
    [InlineData("Pending,Approved", false)]
    [InlineData("Lost", false)]
    public void Only_one_defined_name_is_a_value_never_a_number_or_a_combination(string text, bool isValue) =>
        Assert.Equal(isValue, EnumNames.TryParse(text, out PayoutState _));
}
