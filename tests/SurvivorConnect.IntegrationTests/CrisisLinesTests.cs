using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using SurvivorConnect.Api.Features.Chat;

namespace SurvivorConnect.IntegrationTests;

/// <summary>
/// An agency outside the US sets its own emergency number and crisis lines from the environment, which can only
/// overwrite the default lines one by one: the page of help shows its lines, with a tap to call, and none of the US ones.
/// </summary>
public sealed class CrisisLinesTests(CrisisLinesTests.Factory api) : IClassFixture<CrisisLinesTests.Factory>
{
    public sealed class Factory : ApiFactory
    {
        protected override IDictionary<string, string?> Settings => new Dictionary<string, string?>(base.Settings)
        {
            ["Chat:EmergencyNumber"] = "999",
            ["Chat:CrisisResources:0:Name"] = "Samaritans",
            ["Chat:CrisisResources:0:Contact"] = "Call 116 123, free, any time",
            ["Chat:CrisisResources:0:Call"] = "116123",
            ["Chat:CrisisResources:0:Text"] = "",
            ["Chat:CrisisResources:1:Name"] = "",
            ["Chat:CrisisResources:2:Name"] = "",
        };
    }

    [Fact]
    public async Task The_page_of_help_shows_the_agencys_own_numbers_and_none_of_the_defaults()
    {
        var html = await api.Anonymous().GetStringAsync("/help");
        var page = html[html.IndexOf("<main", StringComparison.Ordinal)..html.IndexOf("</main>", StringComparison.Ordinal)];

        Assert.Contains("href=\"tel:999\"", page, StringComparison.Ordinal);
        Assert.Contains("Samaritans", page, StringComparison.Ordinal);
        Assert.Contains("href=\"tel:116123\"", page, StringComparison.Ordinal);
        Assert.DoesNotContain("sms:", page, StringComparison.Ordinal);
        foreach (var us in new[] { "911", "988", "373-7888", "Runaway" })
        {
            Assert.DoesNotContain(us, page, StringComparison.Ordinal);
        }

        // The same lines go to a chat user whose message reads as a crisis, and to a youth's safety plan.
        var lines = api.Services.GetRequiredService<IOptions<ChatOptions>>().Value.CrisisResources;
        Assert.Equal("Samaritans", Assert.Single(lines).Name);
    }
}
