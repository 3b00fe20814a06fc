using System.Diagnostics;
using System.Diagnostics.Tracing;
using System.Globalization;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Diagnostics.NETCore.Client;
using Microsoft.Diagnostics.Tracing;
using Microsoft.Diagnostics.Tracing.Parsers;

namespace SurvivorConnect.Benchmarks;

/// <summary>
/// The managed heap a server holds per open chat connection: SurvivorConnect's hub and the bare echo hub, each in
/// a process of its own, are asked for their heap after a full collection (over EventPipe, as dotnet-gcdump does)
/// before and after the clients connect and join their conversations.
/// </summary>
internal static class ChatMemory
{
    public const string EchoServerMode = "echo-server";

    // GC events (0x1) carry the heap statistics; GCHeapCollect (0x800000) makes the runtime collect fully first.
    private const long GcKeywords = 0x1 | 0x800000;

    public static async Task<int> RunAsync(string[] args)
    {
        var connections = int.Parse(args.SkipWhile(a => a != "--connections").Skip(1).FirstOrDefault() ?? "1000", CultureInfo.InvariantCulture);
        var conversations = connections / 2;
        var echo = await MeasureEchoAsync(conversations);
        var ours = await MeasureSurvivorConnectAsync(conversations);
        Console.WriteLine();
        Console.WriteLine("| hub | open connections | heap before | heap after | per connection |");
        Console.WriteLine("|---|---:|---:|---:|---:|");
        foreach (var (hub, before, after) in new[] { ("bare echo", echo.Before, echo.After), ("SurvivorConnect", ours.Before, ours.After) })
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {hub} | {conversations * 2} | {before / 1048576.0:0.0} MB | {after / 1048576.0:0.0} MB | {(after - before) / 1024.0 / (conversations * 2):0.0} KB |"));
        }

        return 0;
    }

    /// <summary>The echo hub of the load runner, alone in this process, until its standard input closes.</summary>
    public static async Task<int> ServeEchoAsync(int port)
    {
        await using var app = EchoHub.Build($"http://127.0.0.1:{port}");
        await app.StartAsync();
        await Console.In.ReadToEndAsync();
        await app.StopAsync();
        return 0;
    }

    private static async Task<(long Before, long After)> MeasureEchoAsync(int conversations)
    {
        var port = ApiProcess.FreePort();
        var start = new ProcessStartInfo(Environment.ProcessPath!, [EchoServerMode, port.ToString(CultureInfo.InvariantCulture)])
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
        };
        using var server = Process.Start(start) ?? throw new InvalidOperationException("The echo server did not start.");
        try
        {
            await ApiProcess.WaitReadyAsync($"http://127.0.0.1:{port}/ready", server);
            var before = await HeapAfterFullCollectionAsync(server.Id);
            var pairs = await ChatLoad.ConnectAsync(conversations, i => ($"http://127.0.0.1:{port}/hubs/echo", null, null, $"echo-{i}"),
                join: (c, conversation) => c.InvokeAsync("Join", conversation));
            var after = await HeapAfterFullCollectionAsync(server.Id);
            await CloseAsync(pairs);
            return (before, after);
        }
        finally
        {
            server.StandardInput.Close();
            await server.WaitForExitAsync();
        }
    }

    private static async Task<(long Before, long After)> MeasureSurvivorConnectAsync(int conversations)
    {
        var folder = Path.Combine(Path.GetTempPath(), "sc-chat-memory-" + Guid.NewGuid().ToString("N"));
        var database = Path.Combine(folder, "load.db");
        await ChatLoadSeed.SeedAsync(database, conversations);
        var port = ApiProcess.FreePort();
        using var api = ApiProcess.Start(port, database, new Dictionary<string, string>());
        try
        {
            await ApiProcess.WaitReadyAsync(port, api);
            var before = await HeapAfterFullCollectionAsync(api.Id);
            var pairs = await ChatLoad.ConnectAsync(conversations, ChatLoadSeed.Targets(port), join: (c, conversation) => c.InvokeAsync<object>("Join", conversation));
            var after = await HeapAfterFullCollectionAsync(api.Id);
            await CloseAsync(pairs);
            return (before, after);
        }
        finally
        {
            await ApiProcess.StopAsync(api);
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(folder, recursive: true);
        }
    }

    private static async Task<long> HeapAfterFullCollectionAsync(int processId)
    {
        var client = new DiagnosticsClient(processId);
        using var session = client.StartEventPipeSession(
            new EventPipeProvider(ClrTraceEventParser.ProviderName, EventLevel.Informational, GcKeywords), requestRundown: false);
        using var source = new EventPipeEventSource(session.EventStream);
        var heap = new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously);
        source.Clr.GCHeapStats += stats => heap.TrySetResult(stats.TotalHeapSize);
        var processing = Task.Run(source.Process);
        var bytes = await heap.Task.WaitAsync(TimeSpan.FromSeconds(60));
        session.Stop();
        await processing;
        return bytes;
    }

    private static async Task CloseAsync(List<ChatLoad.Pair> pairs)
    {
        foreach (var pair in pairs)
        {
            await pair.Sender.DisposeAsync();
            await pair.Receiver.DisposeAsync();
        }
    }
}
