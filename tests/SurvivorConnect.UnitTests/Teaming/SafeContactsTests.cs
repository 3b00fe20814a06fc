using SurvivorConnect.Api.Features.Teaming.Rules;

namespace SurvivorConnect.UnitTests.Teaming;

public sealed class SafeContactsTests
{
    [Theory]
    [InlineData("555-0100", "5550100")]
    [InlineData("+1 (555) 010-0100", "+15550100100")]
    [InlineData(" 911 ", "911")]
    [InlineData("555.010.0100", "5550100100")]
    public void A_number_written_alone_can_be_called(string contact, string dialled)
    {
        Assert.Equal(dialled, SafeContacts.Dialable(contact));
    }

    [Theory]
    [InlineData("")]
    [InlineData("ask at the front desk")]
    [InlineData("555-0100 after 6pm")]
    [InlineData("12 Main St")]
    [InlineData("12")]
    [InlineData("+1 555 0100 0100 0100 99")]
    [InlineData("555-0100; 911")]
    public void Anything_else_is_not_made_a_button(string contact)
    {
        Assert.Null(SafeContacts.Dialable(contact));
    }
}
