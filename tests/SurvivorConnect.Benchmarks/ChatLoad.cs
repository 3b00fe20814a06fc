using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.IdentityModel.Tokens;
using SurvivorConnect.Api.Infrastructure.Auth;

namespace SurvivorConnect.Benchmarks;

/// <summary>
/// The chat load runner: real SignalR clients over WebSockets on loopback, one sender and one receiver per
/// conversation, against SurvivorConnect's chat hub (a separate process on the embedded store) and a bare
/// SignalR echo hub in the same run as the baseline. Warm-up is discarded; the figures are messages
/// delivered per second and end-to-end latency (send called → other party received), p50 and p99.
/// </summary>
internal static class ChatLoad
{
    private const int DrainSeconds = 5;

    /// <param name="EchoInOwnProcess">The bare hub in a process of its own, as SurvivorConnect's is, instead of in the runner's.</param>
    private sealed record Options(int[] Conversations, double Rate, int WarmupSeconds, int MeasureSeconds, bool EchoInOwnProcess);

    private sealed record Result(string Hub, int Conversations, double Rate, double MessagesPerSecond, double P50Ms, double P99Ms, long Errors);

    private sealed record LoadMessage(string? ClientMessageId);

    internal sealed record Pair(HubConnection Sender, HubConnection Receiver, string Conversation, int Index);

    public static async Task<int> RunAsync(string[] args)
    {
        var options = Parse(args);
        var results = new List<Result>();
        foreach (var conversations in options.Conversations)
        {
            results.Add(await RunEchoAsync(conversations, options));
            results.Add(await RunSurvivorConnectAsync(conversations, options));
        }

        Console.WriteLine();
        Console.WriteLine($"Offered load: {(options.Rate > 0 ? $"{options.Rate.ToString(CultureInfo.InvariantCulture)} message/s per conversation" : "closed loop, one message in flight per conversation")}; warm-up {options.WarmupSeconds} s discarded, measured {options.MeasureSeconds} s.");
        Console.WriteLine("| hub | conversations | messages/s | p50 ms | p99 ms | errors | throughput vs bare |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|");
        foreach (var r in results)
        {
            var bare = results.First(b => b.Hub == "bare echo" && b.Conversations == r.Conversations);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {r.Hub} | {r.Conversations} | {r.MessagesPerSecond:0} | {r.P50Ms:0.0} | {r.P99Ms:0.0} | {r.Errors} | {r.MessagesPerSecond / bare.MessagesPerSecond:0.00} |"));
        }

        return 0;
    }

    private static Options Parse(string[] args)
    {
        string? Value(string name) => args.SkipWhile(a => a != name).Skip(1).FirstOrDefault();
        return new Options(
            (Value("--conversations") ?? "200,1000").Split(',').Select(int.Parse).ToArray(),
            double.Parse(Value("--rate") ?? "1", CultureInfo.InvariantCulture),
            int.Parse(Value("--warmup") ?? "5", CultureInfo.InvariantCulture),
            int.Parse(Value("--seconds") ?? "20", CultureInfo.InvariantCulture),
            args.Contains("--echo-process"));
    }

    private static async Task<Result> RunEchoAsync(int conversations, Options options)
    {
        var port = ApiProcess.FreePort();
        var url = $"http://127.0.0.1:{port}";
        await using var inRunner = options.EchoInOwnProcess ? null : EchoHub.Build(url);
        using var ownProcess = options.EchoInOwnProcess
            ? Process.Start(new ProcessStartInfo(Environment.ProcessPath!, [ChatMemory.EchoServerMode, port.ToString(CultureInfo.InvariantCulture)])
            {
                UseShellExecute = false,
                RedirectStandardInput = true,
            }) ?? throw new InvalidOperationException("The echo server did not start.")
            : null;
        try
        {
            if (inRunner is not null)
            {
                await inRunner.StartAsync();
            }
            else
            {
                await ApiProcess.WaitReadyAsync($"{url}/ready", ownProcess!);
            }

            var pairs = await ConnectAsync(conversations, i => ($"{url}/hubs/echo", null, null, $"echo-{i}"), join: (c, conversation) => c.InvokeAsync("Join", conversation));
            return await MeasureAsync("bare echo", pairs, options);
        }
        finally
        {
            if (inRunner is not null)
            {
                await inRunner.StopAsync();
            }
            else
            {
                ownProcess!.StandardInput.Close();
                await ownProcess.WaitForExitAsync();
            }
        }
    }

    private static async Task<Result> RunSurvivorConnectAsync(int conversations, Options options)
    {
        var folder = Path.Combine(Path.GetTempPath(), "sc-chat-load-" + Guid.NewGuid().ToString("N"));
        var database = Path.Combine(folder, "load.db");
        Console.WriteLine($"Seeding {conversations} active matches…");
        await ChatLoadSeed.SeedAsync(database, conversations);
        var port = ApiProcess.FreePort();
        using var api = ApiProcess.Start(port, database, new Dictionary<string, string>
        {
            ["Chat__SendsPerSecond"] = "100000",
            ["Chat__SendBurst"] = "100000",
        });
        try
        {
            await ApiProcess.WaitReadyAsync(port, api);
            var pairs = await ConnectAsync(conversations, ChatLoadSeed.Targets(port), join: (c, conversation) => c.InvokeAsync<object>("Join", conversation));
            return await MeasureAsync("SurvivorConnect", pairs, options);
        }
        finally
        {
            await ApiProcess.StopAsync(api);
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(folder, recursive: true);
        }
    }

    internal static async Task<List<Pair>> ConnectAsync(int conversations, Func<int, (string Url, string? SenderToken, string? ReceiverToken, string Conversation)> target, Func<HubConnection, string, Task> join)
    {
        Console.WriteLine($"Connecting {conversations * 2} clients…");
        var gate = new SemaphoreSlim(32);
        var pairs = await Task.WhenAll(Enumerable.Range(0, conversations).Select(async i =>
        {
            await gate.WaitAsync();
            try
            {
                var (url, senderToken, receiverToken, conversation) = target(i);
                var sender = await StartAsync(url, senderToken);
                var receiver = await StartAsync(url, receiverToken);
                await join(sender, conversation);
                await join(receiver, conversation);
                return new Pair(sender, receiver, conversation, i);
            }
            finally
            {
                gate.Release();
            }
        }));
        return [.. pairs];
    }

    private static async Task<HubConnection> StartAsync(string url, string? token)
    {
        var connection = new HubConnectionBuilder()
            .WithUrl(url, o =>
            {
                o.Transports = HttpTransportType.WebSockets;
                o.SkipNegotiation = true;
                if (token is not null)
                {
                    o.AccessTokenProvider = () => Task.FromResult<string?>(token);
                }
            })
            .Build();
        await connection.StartAsync();
        return connection;
    }

    private static async Task<Result> MeasureAsync(string hub, List<Pair> pairs, Options options)
    {
        var sent = new ConcurrentDictionary<string, long>(StringComparer.Ordinal);
        var latencies = new ConcurrentQueue<double>();
        long measureFrom = long.MaxValue, measureTo = long.MaxValue, errors = 0, deliveredInWindow = 0;
        foreach (var pair in pairs)
        {
            pair.Receiver.On<LoadMessage>("MessageReceived", m =>
            {
                var received = Stopwatch.GetTimestamp();
                if (received >= Volatile.Read(ref measureFrom) && received < Volatile.Read(ref measureTo))
                {
                    Interlocked.Increment(ref deliveredInWindow);
                }

                // Latency of every message sent in the window, however late it arrives (within the drain).
                if (m.ClientMessageId is { } id && sent.TryRemove(id, out var at) && at >= Volatile.Read(ref measureFrom) && at < Volatile.Read(ref measureTo))
                {
                    latencies.Enqueue(Stopwatch.GetElapsedTime(at, received).TotalMilliseconds);
                }
            });
        }

        Console.WriteLine($"{hub}: {pairs.Count} conversations, warming up…");
        var start = Stopwatch.GetTimestamp();
        var warm = start + (long)(options.WarmupSeconds * Stopwatch.Frequency);
        var end = warm + (long)(options.MeasureSeconds * Stopwatch.Frequency);
        Volatile.Write(ref measureFrom, warm);
        Volatile.Write(ref measureTo, end);
        var random = new Random(7);
        var senders = Task.WhenAll(pairs.Select(pair => SendLoopAsync(pair, options.Rate, random.NextDouble(), end, sent, () => Interlocked.Increment(ref errors))));
        await Task.WhenAny(senders, Task.Delay(TimeSpan.FromSeconds(options.WarmupSeconds + options.MeasureSeconds + DrainSeconds)));
        var undelivered = sent.Count(s => s.Value >= warm && s.Value < end);
        foreach (var pair in pairs)
        {
            await pair.Sender.DisposeAsync();
            await pair.Receiver.DisposeAsync();
        }

        // A message sent in the window but never delivered within the drain counts at the drain's end, so a
        // server that falls behind cannot hide its backlog from the percentiles.
        var sorted = latencies.Concat(Enumerable.Repeat(DrainSeconds * 1000.0 + options.MeasureSeconds * 1000.0, undelivered)).Order().ToArray();
        double Percentile(double p) => sorted.Length == 0 ? double.NaN : sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p * sorted.Length) - 1)];
        var result = new Result(hub, pairs.Count, options.Rate, deliveredInWindow / (double)options.MeasureSeconds, Percentile(0.50), Percentile(0.99), errors);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{hub}: {result.MessagesPerSecond:0} messages/s, p50 {result.P50Ms:0.0} ms, p99 {result.P99Ms:0.0} ms, {errors} errors"));
        return result;
    }

    /// <summary>Open loop at the offered rate (spread over the first interval), or closed loop when the rate is 0.</summary>
    private static async Task SendLoopAsync(Pair pair, double rate, double phase, long end, ConcurrentDictionary<string, long> sent, Action onError)
    {
        var outstanding = new List<Task>();
        var interval = rate > 0 ? TimeSpan.FromSeconds(1 / rate) : TimeSpan.Zero;
        var next = Stopwatch.GetTimestamp() + (long)(phase * interval.TotalSeconds * Stopwatch.Frequency);
        for (var n = 0; Stopwatch.GetTimestamp() < end; n++)
        {
            if (rate > 0)
            {
                var wait = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), next);
                if (wait > TimeSpan.Zero)
                {
                    await Task.Delay(wait);
                }

                next += (long)(interval.TotalSeconds * Stopwatch.Frequency);
            }

            var id = $"c{pair.Index}-{n}";
            sent[id] = Stopwatch.GetTimestamp();
            var send = SendAsync(pair, id, onError);
            if (rate > 0)
            {
                outstanding.Add(send);
            }
            else
            {
                await send;
            }
        }

        await Task.WhenAll(outstanding);
    }

    private static async Task SendAsync(Pair pair, string id, Action onError)
    {
        try
        {
            // SurvivorConnect refuses a send with a reply that carries an error; the echo hub answers a number.
            var reply = await pair.Sender.InvokeCoreAsync("Send", typeof(JsonElement), [pair.Conversation, id, "How was your day? Anything you want to talk about?"]);
            if (reply is JsonElement { ValueKind: JsonValueKind.Object } json && json.TryGetProperty("error", out var error) && error.ValueKind != JsonValueKind.Null)
            {
                onError();
            }
        }
        catch (Exception ex) when (ex is HubException or InvalidOperationException or IOException)
        {
            onError();
        }
    }
}

/// <summary>The baseline: a SignalR hub that only relays to the group, with no checks and no storage.</summary>
public sealed class EchoHub : Hub
{
    /// <summary>A bare server with only this hub (at /hubs/echo) and a /ready answer, on <paramref name="url"/>.</summary>
    public static WebApplication Build(string url)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls(url);
        builder.Logging.ClearProviders();
        builder.Services.AddSignalR();
        var app = builder.Build();
        app.MapHub<EchoHub>("/hubs/echo");
        app.MapGet("/ready", () => "ready");
        return app;
    }

    public Task Join(string conversation) => Groups.AddToGroupAsync(Context.ConnectionId, conversation);

    public async Task<long> Send(string conversation, string clientMessageId, string text)
    {
        await Clients.OthersInGroup(conversation).SendAsync("MessageReceived", new { clientMessageId, text });
        return 0;
    }
}
