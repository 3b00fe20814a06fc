using System.Diagnostics.Metrics;
using Azure.Monitor.OpenTelemetry.AspNetCore;
using OpenTelemetry.Instrumentation.AspNetCore;
using OpenTelemetry.Instrumentation.Http;
using OpenTelemetry.Metrics;

namespace SurvivorConnect.Api.Infrastructure.Hosting;

/// <summary>
/// Traces and metrics to Azure Monitor when <c>APPLICATIONINSIGHTS_CONNECTION_STRING</c> is set, nothing when not.
/// What is exported carries ids, routes, counts and timings, never a name, a message, an answer or a token: the
/// app's own measurements (<see cref="AppMetrics"/>) are counts tagged with fixed words, and query strings (where
/// SignalR carries the access token) are left out of request spans.
/// </summary>
internal static class Telemetry
{
    public const string ConnectionStringKey = "APPLICATIONINSIGHTS_CONNECTION_STRING";

    public static WebApplicationBuilder AddTelemetry(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton<AppMetrics>();
        if (string.IsNullOrWhiteSpace(builder.Configuration[ConnectionStringKey]))
        {
            return builder;
        }

        builder.Services.AddOpenTelemetry()
            .UseAzureMonitor(o =>
            {
                o.ConnectionString = builder.Configuration[ConnectionStringKey];

                // Deployed, Application Insights takes no key (local authentication is off): the app's identity signs in.
                if (!string.IsNullOrEmpty(builder.Configuration[AzureIdentity.ClientIdKey]))
                {
                    o.Credential = AzureIdentity.For(builder.Configuration);
                }
            })
            .WithMetrics(metrics => metrics.AddMeter(AppMetrics.MeterName));

        // Query strings never reach a span: SignalR sends the access token in one, and ids are all a trace needs.
        builder.Services.Configure<AspNetCoreTraceInstrumentationOptions>(o => o.EnrichWithHttpRequest = (activity, _) => activity.SetTag("url.query", null));
        builder.Services.Configure<HttpClientTraceInstrumentationOptions>(o => o.EnrichWithHttpRequestMessage = (activity, request) =>
        {
            if (request.RequestUri is { } uri)
            {
                activity.SetTag("url.full", AddressWithoutIds(uri));
            }
        });
        return builder;
    }

    /// <summary>
    /// An outgoing call's address as a span shows it: no query, and each part of its path that names one thing (a
    /// survivor's Stripe account, a transfer, a document) as <c>{id}</c>, so the call is seen without whose it was.
    /// </summary>
    public static string AddressWithoutIds(Uri uri)
    {
        ArgumentNullException.ThrowIfNull(uri);
        return uri.GetLeftPart(UriPartial.Authority) + string.Join('/', uri.AbsolutePath.Split('/').Select(part => NamesOne(part) ? "{id}" : part));
    }

    /// <summary>Ids carry digits (Stripe's "acct_1Nq…", a GUID, a message's number); the names of endpoints ("account_links") do not.</summary>
    private static bool NamesOne(string part) => part.Length > 3 && part.Any(c => char.IsAsciiDigit(c) || c is '~' or '%');
}

/// <summary>Endpoint metadata: the request's path carries a secret, so telemetry shows its route instead.</summary>
public sealed class SecretInPath
{
    public static readonly SecretInPath Instance = new();

    private SecretInPath()
    {
    }

    /// <summary>
    /// Right after routing, puts the route in the request span in place of the address: later the endpoint may be gone
    /// (the exception handler clears it) or be another (a status page run again), while the span keeps this tag.
    /// </summary>
    public static Task HideAsync(HttpContext context, RequestDelegate next)
    {
        if (context.GetEndpoint() is RouteEndpoint endpoint && endpoint.Metadata.GetMetadata<SecretInPath>() is not null)
        {
            context.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpActivityFeature>()?.Activity.SetTag("url.path", endpoint.RoutePattern.RawText);
        }

        return next(context);
    }
}

/// <summary>
/// SurvivorConnect's own measurements, for the alerts in docs/operations.md. Tags are fixed words (a safety action,
/// a payout state), never a value a person typed.
/// </summary>
public sealed class AppMetrics
{
    public const string MeterName = "SurvivorConnect";

    private readonly Counter<long> _chatSends;
    private readonly Counter<long> _chatHeld;
    private readonly Histogram<double> _chatSendTime;
    private readonly Counter<long> _urgentFlags;
    private readonly Histogram<double> _urgentFlagWait;
    private readonly Counter<long> _urgentFlagsUnseen;
    private readonly Counter<long> _payouts;
    private readonly Histogram<double> _outboxAge;

    public AppMetrics(IMeterFactory meters)
    {
        ArgumentNullException.ThrowIfNull(meters);
        var meter = meters.Create(MeterName);
        _chatSends = meter.CreateCounter<long>("survivorconnect.chat.messages_sent", description: "Chat messages stored, by the safety scan's action.");
        _chatHeld = meter.CreateCounter<long>("survivorconnect.chat.messages_held", description: "Chat messages held for case-manager review.");
        _chatSendTime = meter.CreateHistogram<double>("survivorconnect.chat.send_duration", unit: "ms", description: "From a send's arrival to its message stored.");
        _urgentFlags = meter.CreateCounter<long>("survivorconnect.supervision.urgent_flags", description: "Urgent wellbeing flags raised.");
        _urgentFlagWait = meter.CreateHistogram<double>("survivorconnect.supervision.urgent_flag_wait", unit: "min", description: "From an urgent flag raised to a supervisor acknowledging it.");
        _urgentFlagsUnseen = meter.CreateCounter<long>("survivorconnect.supervision.urgent_flags_unseen", description: "Urgent wellbeing flags still not seen an hour after they were raised (counted each hour).");
        _payouts = meter.CreateCounter<long>("survivorconnect.payouts.transitions", description: "Payouts moving into a state (Paid, Failed, Reversed, ...).");
        _outboxAge = meter.CreateHistogram<double>("survivorconnect.payouts.outbox_age", unit: "s", description: "How long the oldest due payout has waited to be sent, each round.");
    }

    public void ChatMessageStored(string safetyAction, TimeSpan took)
    {
        _chatSends.Add(1, new KeyValuePair<string, object?>("action", safetyAction));
        _chatSendTime.Record(took.TotalMilliseconds);
        if (safetyAction == "Hold")
        {
            _chatHeld.Add(1);
        }
    }

    public void UrgentFlagRaised() => _urgentFlags.Add(1);

    public void UrgentFlagAcknowledged(TimeSpan after) => _urgentFlagWait.Record(after.TotalMinutes);

    public void UrgentFlagStillUnseen() => _urgentFlagsUnseen.Add(1);

    public void PayoutMoved(string toState) => _payouts.Add(1, new KeyValuePair<string, object?>("state", toState));

    public void OutboxWaited(TimeSpan oldest) => _outboxAge.Record(oldest.TotalSeconds);
}
