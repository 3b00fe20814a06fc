using SurvivorConnect.Api.Infrastructure.Lists;

namespace SurvivorConnect.UnitTests.Infrastructure;

public sealed class NameOrderTests
{
    [Fact]
    public void Names_order_as_people_read_them_whatever_their_case_or_accents()
    {
        string[] names = ["Zed", "élise", "bob", "Alice", "Émile", "Chloë", "  dana"];

        var ordered = names.OrderBy(NameOrder.Key, StringComparer.Ordinal).ThenBy(n => n, StringComparer.Ordinal).ToArray();

        Assert.Equal(["Alice", "bob", "Chloë", "  dana", "élise", "Émile", "Zed"], ordered);
    }

    [Fact]
    public void The_same_name_in_another_case_or_with_accents_has_the_same_key()
    {
        Assert.Equal(NameOrder.Key("ELISE"), NameOrder.Key("élise"));
        Assert.Equal("ZOE NGUYEN", NameOrder.Key(" Zoë Nguyễn "));
    }
}
