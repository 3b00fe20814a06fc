using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using SurvivorConnect.Api.Features.Chat;
using SurvivorConnect.Storage;

namespace SurvivorConnect.IntegrationTests;

/// <summary>
/// The emergency number and crisis lines are this deployment's: the United States' unless others are set, and when
/// others are set, none of the US numbers is left under their names.
/// </summary>
public sealed class CrisisLinesTests(CrisisLinesTests.Factory abroad, ApiFactory home) : IClassFixture<CrisisLinesTests.Factory>, IClassFixture<ApiFactory>
{
    /// <summary>A deployment outside the US, set as a hosting environment sets it: one value at a time.</summary>
    public sealed class Factory : ApiFactory
    {
        protected override IDictionary<string, string?> Settings => new Dictionary<string, string?>(base.Settings)
        {
            ["Chat:EmergencyNumber"] = "999",
            ["Chat:CrisisResources:0:Name"] = "Samaritans",
            ["Chat:CrisisResources:0:Contact"] = "Call 116 123, free, any time",
            ["Chat:CrisisResources:0:Call"] = "116123",
        };
    }

    private static async Task<string> HelpAsync(ApiFactory api)
    {
        var html = await api.Anonymous().GetStringAsync("/help");
        return html[html.IndexOf("<main", StringComparison.Ordinal)..html.IndexOf("</main>", StringComparison.Ordinal)];
    }

    [Fact]
    public async Task Abroad_the_page_of_help_shows_the_deployments_own_numbers_and_none_of_the_US_ones()
    {
        var page = await HelpAsync(abroad);

        Assert.Contains("href=\"tel:999\"", page, StringComparison.Ordinal);
        Assert.Contains("Samaritans", page, StringComparison.Ordinal);
        Assert.Contains("href=\"tel:116123\"", page, StringComparison.Ordinal);
        Assert.DoesNotContain("sms:", page, StringComparison.Ordinal);
        foreach (var us in new[] { "911", "988", "373-7888", "233733", "Runaway" })
        {
            Assert.DoesNotContain(us, page, StringComparison.Ordinal);
        }

        // The same lines go to a chat user whose message reads as a crisis, and to a youth's safety plan.
        var lines = abroad.Services.GetRequiredService<IOptions<ChatOptions>>().Value.CrisisResources;
        Assert.Equal("Samaritans", Assert.Single(lines).Name);
    }

    [Fact]
    public async Task Abroad_a_chat_opens_with_the_deployments_emergency_number_also_in_a_chat_stored_with_another()
    {
        var chat = await new MentoringWorld(abroad).OpenChatAsync();
        var store = abroad.Services.GetRequiredService<IDocumentStore>();
        var first = (await store.ReadAsync<ChatMessage>(Conversation.Container, ChatMessage.IdFor(1), chat.Id, CancellationToken.None))!;
        Assert.Contains("call 999", first.Text, StringComparison.Ordinal);

        // A chat opened before the deployment's number was set still holds the default's words.
        await store.ReplaceAsync(Conversation.Container, first with { Text = first.Text.Replace("999", "911", StringComparison.Ordinal) }, first.ETag!, CancellationToken.None);

        var join = await chat.Youth.JoinAsync(chat.Id);
        var shown = (await chat.Youth.SinceAsync(chat.Id, 0)).Single(m => m.Sequence == 1);
        foreach (var notice in new[] { join.OversightNotice, shown.Text })
        {
            Assert.Contains("If you are ever in danger, call 999.", notice, StringComparison.Ordinal);
            Assert.DoesNotContain("911", notice, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task With_nothing_set_the_page_of_help_has_the_US_numbers_a_tap_away()
    {
        var page = await HelpAsync(home);

        foreach (var link in new[] { "tel:911", "tel:988", "sms:988", "tel:18883737888", "sms:233733", "tel:18007862929" })
        {
            Assert.Contains($"href=\"{link}\"", page, StringComparison.Ordinal);
        }
    }
}
