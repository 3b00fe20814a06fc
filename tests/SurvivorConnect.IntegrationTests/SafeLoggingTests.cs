using System.Net.Http.Headers;
using System.Text;
using Microsoft.Extensions.Logging;

namespace SurvivorConnect.IntegrationTests;

public sealed class SafeLoggingTests
{
    private const string Sentinel = "SENTINEL-7f3c9b";

    [Fact]
    public async Task No_token_query_string_header_or_body_value_reaches_any_log()
    {
        await using var api = new ApiFactory();
        var admin = api.As("demo-admin");
        var token = admin.DefaultRequestHeaders.Authorization!.Parameter!;

        // The SignalR way of sending a token, a forged token, a personal value in a body, and one in a path.
        await api.Anonymous().GetAsync($"/hubs/chat?access_token={Sentinel}&id=1");
        await api.Anonymous().GetAsync($"/api/me?access_token={token}");
        var forged = api.Anonymous();
        forged.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Sentinel + ".x.y");
        await forged.GetAsync("/api/me");
        await admin.PostAsync("/api/people", new StringContent($"{{\"displayName\":\"{Sentinel} Name\",\"roles\":[]}}", Encoding.UTF8, "application/json"));
        await admin.PostAsync("/api/people", new StringContent($"{{\"displayName\":{{\"{Sentinel}\":1}}}}", Encoding.UTF8, "application/json"));
        await admin.GetAsync($"/api/people?role={Sentinel}");

        var logs = api.Logs.GetSnapshot();
        Assert.NotEmpty(logs);
        Assert.Contains(logs, l => l.Message.Contains("/api/people", StringComparison.Ordinal));
        foreach (var record in logs)
        {
            var text = $"{record.Message} {record.Exception} {string.Join(' ', record.StructuredState?.Select(s => s.Value) ?? [])}";
            Assert.DoesNotContain(Sentinel, text, StringComparison.Ordinal);
            Assert.DoesNotContain(token, text, StringComparison.Ordinal);
        }
    }

    /// <summary>Logging turned all the way up, as an operator might during an incident, the framework's own categories too.</summary>
    private sealed class TracingFactory : ApiFactory
    {
        protected override IDictionary<string, string?> Settings => new Dictionary<string, string?>(base.Settings)
        {
            ["Logging:LogLevel:Default"] = "Trace",
            ["Logging:LogLevel:Microsoft.AspNetCore"] = "Trace",
            ["Logging:LogLevel:Microsoft.AspNetCore.SignalR.Internal.DefaultHubDispatcher"] = "Trace",
            ["Logging:LogLevel:Microsoft.AspNetCore.Http.Connections"] = "Trace",
        };
    }

    [Fact]
    public async Task A_chat_session_logs_neither_its_access_token_nor_message_text()
    {
        await using var api = new ApiFactory();
        await AssertChatLogsNeitherTokenNorTextAsync(api);
    }

    [Fact]
    public async Task With_logging_turned_up_to_trace_a_chat_session_still_logs_neither_its_access_token_nor_message_text()
    {
        await using var api = new TracingFactory();
        await AssertChatLogsNeitherTokenNorTextAsync(api);
        Assert.Contains(api.Logs.GetSnapshot(), l => l.Level == LogLevel.Debug);
    }

    private static async Task AssertChatLogsNeitherTokenNorTextAsync(ApiFactory api)
    {
        var (match, _, _, mentorId, _) = await new MentoringWorld(api).ActiveMatchAsync();
        var token = api.TokenFor(mentorId);

        await using (var mentor = await ChatClient.ConnectAsync(() => api.Server, token))
        {
            await mentor.JoinAsync(match.Id);
            await mentor.SendAsync(match.Id, $"{Sentinel} how was your week");
            await mentor.SendAsync(match.Id, $"{Sentinel} call me 559-555-0134");
            await mentor.SendAsync(match.Id, $"{Sentinel} I want to die");
        }

        var logs = api.Logs.GetSnapshot();
        Assert.Contains(logs, l => l.Message.Contains("Chat message stored in", StringComparison.Ordinal));
        foreach (var record in logs)
        {
            var text = $"{record.Message} {record.Exception} {string.Join(' ', record.StructuredState?.Select(s => s.Value) ?? [])}";
            Assert.DoesNotContain(Sentinel, text, StringComparison.Ordinal);
            Assert.DoesNotContain(token, text, StringComparison.Ordinal);
            Assert.DoesNotContain("559-555-0134", text, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Request_logs_name_the_route_template_not_the_raw_url()
    {
        await using var api = new ApiFactory();

        await api.As("demo-admin").GetAsync("/api/people/demo-youth?x=1");

        Assert.Contains(api.Logs.GetSnapshot(), l => l.Level == LogLevel.Information && l.Message.Contains("GET /api/people/{id} answered 200", StringComparison.Ordinal));
    }
}
