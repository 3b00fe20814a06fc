using Microsoft.Extensions.Time.Testing;
using SurvivorConnect.Api.Features.Agencies;
using SurvivorConnect.Api.Infrastructure.Pipeline;

namespace SurvivorConnect.UnitTests.Agencies;

public sealed class CrisisLineRulesTests
{
    [Theory]
    [InlineData("988", "988")]
    [InlineData("(555) 010-2030", "5550102030")]
    [InlineData(" +44 116 123 ", "+44116123")]
    [InlineData("1.800.786.2929", "18007862929")]
    public void A_number_is_kept_as_a_phone_dials_it(string typed, string dialled) =>
        Assert.Equal(dialled, CrisisLineRules.Number(typed));

    [Theory]
    [InlineData("call me")]
    [InlineData("+1+2")]
    [InlineData("1")]
    [InlineData("1234567890123456")]
    [InlineData("555;ext=2")]
    [InlineData("javascript:alert(1)")]
    [InlineData("٣٣٣")]
    public void What_a_phone_cannot_dial_is_no_number(string typed) =>
        Assert.Null(CrisisLineRules.Number(typed));

    [Fact]
    public void Lines_are_kept_trimmed_with_blank_numbers_as_none()
    {
        var kept = Assert.Single(CrisisLineRules.Clean([new CrisisLineInput(" Eastside ", " Call any time ", " (555) 010-2030 ", "  ")]));

        Assert.Equal(new CrisisResource("Eastside", "Call any time", "5550102030"), kept);
    }

    [Fact]
    public void More_lines_than_a_page_of_help_should_hold_are_refused()
    {
        var errors = new ValidationErrors();

        CrisisLineRules.Validate(Enumerable.Repeat(new CrisisLineInput("Line", "Call"), CrisisLineRules.MaxLines + 1).ToList(), errors);

        Assert.Contains("lines", errors.ToDictionary().Keys);
    }
}

public sealed class CrisisLinesLastReadTests
{
    [Fact]
    public void An_agency_s_lines_as_last_read_stand_in_for_an_hour_then_only_the_deployment_s_are_left()
    {
        var time = new FakeTimeProvider();
        var lastRead = new CrisisLinesLastRead(time);
        lastRead.Remember("a", [new CrisisResource("Eastside", "Call")], time.GetUtcNow());

        time.Advance(CrisisLinesLastRead.KeptFor - TimeSpan.FromSeconds(1));
        Assert.Single(lastRead.For("a"));
        Assert.Empty(lastRead.For("b"));

        time.Advance(TimeSpan.FromSeconds(1));
        Assert.Empty(lastRead.For("a"));
    }

    [Fact]
    public void A_read_begun_before_a_save_does_not_put_back_a_line_the_save_took_off()
    {
        var time = new FakeTimeProvider();
        var lastRead = new CrisisLinesLastRead(time);
        var readBegun = time.GetUtcNow();
        time.Advance(TimeSpan.FromMilliseconds(5));

        lastRead.Remember("a", [], time.GetUtcNow());
        lastRead.Remember("a", [new CrisisResource("Eastside", "Call")], readBegun);

        Assert.Empty(lastRead.For("a"));
    }
}
