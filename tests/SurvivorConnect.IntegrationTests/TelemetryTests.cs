using System.Diagnostics;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using OpenTelemetry;
using OpenTelemetry.Logs;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;
using SurvivorConnect.Api.Infrastructure.Hosting;
using SurvivorConnect.Storage;

namespace SurvivorConnect.IntegrationTests;

/// <summary>
/// Traces and metrics go to Azure Monitor only when its connection string is set, and carry no personal data:
/// a youth's name, a chat message, a sign-in token and a calendar link's secret, sent through the API and the chat hub,
/// appear in no exported span or log.
/// </summary>
public sealed class TelemetryTests
{
    private const string SentinelName = "Sentinel Youth Okapi";
    private const string SentinelText = "sentinel message about the okapi";

    private sealed class MonitoredFactory(List<Activity> spans, List<Metric> metrics, List<LogRecord> logs) : ApiFactory
    {
        /// <summary>The store, counted and made to fail where a test says (its hosted services, the exporters among them, keep running).</summary>
        public CountingStore Counter { get; private set; } = null!;

        protected override IDictionary<string, string?> Settings => new Dictionary<string, string?>(base.Settings)
        {
            // Nothing listens there: the exporter's sends fail quietly; the in-memory exporters below see everything.
            [Telemetry.ConnectionStringKey] = "InstrumentationKey=00000000-0000-0000-0000-000000000000;IngestionEndpoint=http://127.0.0.1:9/;LiveEndpoint=http://127.0.0.1:9/",
        };

        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            base.ConfigureWebHost(builder);
            builder.ConfigureTestServices(services =>
            {
                // Every trace, not the exporter's default few a second, so the test sees every request.
                services.Configure<Azure.Monitor.OpenTelemetry.AspNetCore.AzureMonitorOptions>(o =>
                {
                    o.TracesPerSecond = null;
                    o.SamplingRatio = 1.0F;
                });
                CountingStore.Decorate(services, store => Counter = store);
                services.ConfigureOpenTelemetryTracerProvider(tracing => tracing.AddInMemoryExporter(spans));
                services.ConfigureOpenTelemetryMeterProvider(meters => meters.AddInMemoryExporter(metrics));
                services.Configure<OpenTelemetryLoggerOptions>(logging => logging.AddInMemoryExporter(logs));
            });
        }
    }

    [Fact]
    public async Task Without_a_connection_string_nothing_is_exported_but_the_app_still_counts()
    {
        await using var api = new ApiFactory();
        using var sends = new MetricCollector<long>(api.Services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>(), AppMetrics.MeterName, "survivorconnect.chat.messages_sent");
        var chat = await new MentoringWorld(api).OpenChatAsync();

        await chat.Mentor.SendAsync(chat.Id, "hello");

        Assert.Null(api.Services.GetService<TracerProvider>());
        Assert.Null(api.Services.GetService<MeterProvider>());
        Assert.Equal("Deliver", Assert.Single(sends.GetMeasurementSnapshot()).Tags["action"]);
    }

    [Fact]
    public async Task Exported_spans_logs_and_metrics_carry_no_name_message_or_token()
    {
        List<Activity> exportedSpans = [];
        List<Metric> exportedMetrics = [];
        List<LogRecord> exportedLogs = [];
        await using var api = new MonitoredFactory(exportedSpans, exportedMetrics, exportedLogs);
        var world = new MentoringWorld(api);
        var youth = await MentoringWorld.Created<YouthDto>(await world.CaseManager.PostJson("/api/youth", new { displayName = SentinelName, age = 16, stage = "contemplation" }));
        var chat = await world.OpenChatAsync();
        await chat.Mentor.SendAsync(chat.Id, SentinelText);
        await world.CaseManager.GetAsync($"/api/youth/{youth.Id}");

        // A token in a query string, as SignalR sends it, on a request that ends (so its span is exported).
        var token = api.TokenFor(chat.MentorId);
        await api.Anonymous().PostAsync($"/hubs/chat/negotiate?negotiateVersion=1&access_token={token}", null);
        // A calendar link's secret is in its path: a calendar app has no other way to send it. It stays out whether
        // the feed is answered, fails (the store away), or is shown to a browser as a status page.
        var feed = (await HttpAssert.Ok<System.Text.Json.JsonElement>(await api.As("demo-advisor").PostAsync("/api/engagements/me/calendar", null))).GetProperty("path").GetString()!;
        Assert.Equal(System.Net.HttpStatusCode.OK, (await api.Anonymous().GetAsync(feed)).StatusCode);
        var feedSecret = feed.Split('/')[^1].Replace(".ics", "", StringComparison.Ordinal);
        api.Counter.BeforeRead = id => id.StartsWith("calendar~", StringComparison.Ordinal) ? throw StoreException.Unavailable("The store went away.") : Task.CompletedTask;
        Assert.Equal(System.Net.HttpStatusCode.ServiceUnavailable, (await api.Anonymous().GetAsync(feed)).StatusCode);
        Assert.Equal(System.Net.HttpStatusCode.ServiceUnavailable, (await api.Anonymous().BrowseAsync(feed)).StatusCode);
        api.Counter.BeforeRead = null;
        var wrongSecret = new string('a', feedSecret.Length);
        Assert.Equal(System.Net.HttpStatusCode.NotFound, (await api.Anonymous().BrowseAsync(feed.Replace(feedSecret, wrongSecret, StringComparison.Ordinal))).StatusCode);
        await chat.Mentor.DisposeAsync();
        await chat.Youth.DisposeAsync();
        await chat.CaseManager.DisposeAsync();

        api.Services.GetRequiredService<TracerProvider>().ForceFlush();
        api.Services.GetRequiredService<MeterProvider>().ForceFlush();

        // The host goes on exporting (connections closing, background work) while the test reads, so it reads a copy of
        // what was exported so far: copying the first items never enumerates the list an export is adding to.
        var spans = exportedSpans.GetRange(0, exportedSpans.Count);
        var metrics = exportedMetrics.GetRange(0, exportedMetrics.Count);
        var logs = exportedLogs.GetRange(0, exportedLogs.Count);
        Assert.Contains(spans, s => s.Kind == ActivityKind.Server);
        var exported = string.Join('\n', spans.SelectMany(s => new[] { s.DisplayName, s.StatusDescription ?? "" }
            .Concat(s.TagObjects.Select(t => $"{t.Key}={t.Value}"))
            .Concat(s.Events.SelectMany(e => e.Tags.Select(t => $"{e.Name}:{t.Key}={t.Value}")))
            .Concat(s.Baggage.Select(b => $"{b.Key}={b.Value}"))));
        Assert.DoesNotContain("okapi", exported, StringComparison.OrdinalIgnoreCase);
        Assert.Contains(spans, s => s.GetTagItem("url.path") is "/hubs/chat/negotiate");
        Assert.DoesNotContain(token.Split('.')[1], exported, StringComparison.Ordinal);
        Assert.DoesNotContain("access_token", exported, StringComparison.Ordinal);
        Assert.Contains(spans, s => s.GetTagItem("url.path") is "/calendar/{agencyId}/{personId}/{token}.ics");
        Assert.DoesNotContain(feedSecret, exported, StringComparison.Ordinal);
        Assert.DoesNotContain(wrongSecret, exported, StringComparison.Ordinal);
        // Once per export: the periodic reader may have exported before the flush, and every copy is checked.
        var sends = metrics.Where(m => m.Name == "survivorconnect.chat.messages_sent").ToList();
        Assert.NotEmpty(sends);
        foreach (var exportedSends in sends)
        {
            foreach (ref readonly var point in exportedSends.GetMetricPoints())
            {
                foreach (var tag in point.Tags)
                {
                    Assert.Equal("action", tag.Key);
                    Assert.DoesNotContain("okapi", tag.Value?.ToString() ?? "", StringComparison.OrdinalIgnoreCase);
                }
            }
        }

        Assert.Contains(logs, l => !string.IsNullOrEmpty(l.FormattedMessage ?? l.Body));
        var logged = string.Join('\n', logs.Select(l => $"{l.FormattedMessage} {l.Body} {string.Join(' ', l.Attributes?.Select(a => $"{a.Key}={a.Value}") ?? [])} {l.Exception}"));
        Assert.DoesNotContain("okapi", logged, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("access_token", logged, StringComparison.Ordinal);
        Assert.DoesNotContain(feedSecret, logged, StringComparison.Ordinal);
    }
}
