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
        Assert.Equal(NameOrder.Key("Élise"), NameOrder.Key("E\u0301lise"));
    }

    [Fact]
    public void Letters_that_are_more_than_a_marked_letter_are_spelled_out_so_none_sorts_past_z()
    {
        Assert.Equal("THORA", NameOrder.Key("Þóra"));
        Assert.Equal("STRASSE AESA OEDIPE DAGUR", NameOrder.Key("Straße Æsa Œdipe Ðagur"));
        Assert.All(new[] { "Þóra", "Æsa", "Ŋoma", "Ŀuc", "ðan" }, name => Assert.True(string.CompareOrdinal(NameOrder.Key(name), "Z") < 0, name));
    }
}
