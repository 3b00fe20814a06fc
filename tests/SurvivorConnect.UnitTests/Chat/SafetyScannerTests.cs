using SurvivorConnect.Api.Features.Chat.Rules;

namespace SurvivorConnect.UnitTests.Chat;

public sealed class SafetyScannerTests
{
    private readonly SafetyScanner _scanner = new(SafetyOptions.Defaults());

    [Theory]
    [InlineData("Text me at 559-555-0134", "phone-number")]
    [InlineData("my number is (559) 555 0134", "phone-number")]
    [InlineData("+1 559.555.0134", "phone-number")]
    [InlineData("email me: sam.r@example.org", "email-address")]
    [InlineData("sam (at) example (dot) org", "email-address")]
    [InlineData("look at https://example.net/x", "link")]
    [InlineData("go to www.something.org", "link")]
    [InlineData("add me @sam_rivers", "social-handle")]
    [InlineData("whats your snapchat", "social-handle")]
    [InlineData("I live at 1234 West Shaw Ave", "street-address")]
    public void Contact_outside_the_platform_is_held(string text, string kind)
    {
        var verdict = _scanner.Scan(text);

        Assert.Equal(SafetyAction.Hold, verdict.Action);
        Assert.Contains(verdict.Findings, f => f.Kind == kind);
    }

    [Theory]
    [InlineData("we should meet up this weekend", "meet-off-platform")]
    [InlineData("don't tell your case manager", "meet-off-platform")]
    [InlineData("I can pick you up after school", "meet-off-platform")]
    [InlineData("I'll send you money on cash app", "money-gift-ride")]
    [InlineData("want a gift card?", "money-gift-ride")]
    [InlineData("I can give you a ride", "money-gift-ride")]
    public void Requests_to_meet_and_offers_of_money_gifts_or_rides_are_delivered_and_flagged(string text, string kind)
    {
        var verdict = _scanner.Scan(text);

        Assert.Equal(SafetyAction.DeliverAndFlag, verdict.Action);
        Assert.False(verdict.Urgent);
        Assert.Contains(verdict.Findings, f => f.Kind == kind);
    }

    [Theory]
    [InlineData("sometimes I want to die", "self-harm")]
    [InlineData("I've been cutting myself again", "self-harm")]
    [InlineData("I'm not safe here tonight", "in-danger")]
    [InlineData("he's forcing me to work", "being-forced")]
    [InlineData("they took my phone and my ID... took my id", "being-forced")]
    public void Crisis_language_is_delivered_and_urgent(string text, string kind)
    {
        var verdict = _scanner.Scan(text);

        Assert.Equal(SafetyAction.DeliverAndFlag, verdict.Action);
        Assert.True(verdict.Urgent);
        Assert.Contains(verdict.Findings, f => f.Kind == kind && f.Category == "crisis");
    }

    [Fact]
    public void Contact_details_beside_crisis_language_are_held_and_still_urgent()
    {
        var verdict = _scanner.Scan("I want to die, call me 559-555-0134");

        Assert.Equal(SafetyAction.Hold, verdict.Action);
        Assert.True(verdict.Urgent);
    }

    [Theory]
    [InlineData("How was school today?")]
    [InlineData("I drew a picture of my dog")]
    [InlineData("We talked about the 3 goals for this week")]
    [InlineData("<script>alert('hi')</script>")]
    public void Ordinary_messages_are_delivered_untouched(string text)
    {
        Assert.Equal(new SafetyVerdict(SafetyAction.Deliver, false, []), _scanner.Scan(text) with { Findings = [] });
        Assert.Empty(_scanner.Scan(text).Findings);
    }

    [Fact]
    public void Rules_come_from_configuration()
    {
        var scanner = new SafetyScanner(new SafetyOptions { Hold = [new SafetyRule { Kind = "code-word", Pattern = @"\bpineapple\b" }] });

        Assert.Equal(SafetyAction.Hold, scanner.Scan("pineapple").Action);
        Assert.Equal(SafetyAction.Deliver, scanner.Scan("call 559-555-0134").Action);
    }
}

public sealed class MessageTextTests
{
    [Theory]
    [InlineData("hello", "hello")]
    [InlineData("  padded  ", "padded")]
    [InlineData("call\u200B 559\u200D555", "call 559555")]
    [InlineData("evil\u202Etxt.exe", "eviltxt.exe")]
    [InlineData("isolate\u2066d\u2069", "isolated")]
    [InlineData("<b>bold</b>", "<b>bold</b>")]
    [InlineData("line one\nline two", "line one\nline two")]
    public void Hidden_characters_are_removed_and_the_rest_kept_as_text(string input, string expected)
    {
        Assert.Equal(expected, MessageText.Clean(input).Text);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("\u200B\u200B")]
    public void An_empty_message_is_refused(string? input)
    {
        Assert.Equal("A message needs some text.", MessageText.Clean(input).Problem);
    }

    [Fact]
    public void Broken_UTF16_and_oversized_messages_are_refused()
    {
        Assert.NotNull(MessageText.Clean("bad " + (char)0xD800 + " text").Problem);
        Assert.NotNull(MessageText.Clean("bad " + (char)0xDC00).Problem);
        Assert.NotNull(MessageText.Clean(new string('a', MessageText.MaxLength + 1)).Problem);
        Assert.Null(MessageText.Clean(new string('a', MessageText.MaxLength)).Problem);
        Assert.Null(MessageText.Clean("emoji 😀 ok").Problem);
    }
}
