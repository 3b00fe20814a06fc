using System.Diagnostics;

namespace SurvivorConnect.Testing;

/// <summary>
/// Runs <c>@vercel/cosmosdb-server</c> on 127.0.0.1 for tests: installs its npm packages on first use,
/// starts it on a free port behind a <see cref="CosmosBatchFront"/> (which lets it take the .NET SDK's
/// transactional batches), and stops it (by its own PID) when disposed. The server also exits by itself
/// when our stdin closes, so a crashed test host leaves nothing running.
/// </summary>
public sealed class CosmosTestServer : IAsyncDisposable
{
    private static readonly SemaphoreSlim InstallLock = new(1, 1);
    private Process? _process;
    private CosmosBatchFront? _front;
    private int _serverPort;

    /// <summary>The port clients use: the front's.</summary>
    public int Port { get; private set; }

    public string Endpoint => $"http://127.0.0.1:{Port}/";

    /// <summary>Any key is accepted by the test server; this is the emulator's well-known shape.</summary>
    public const string Key = "C2y6yDjf5/R+ob0N8A7Cgv30VRDJIWEHLM+4QDU5DE2nQ9nDuVTqobD4b8mGGyPMbIZnqyMsEcaGQy67XIw/Jw==";

    public static async Task<CosmosTestServer> StartAsync()
    {
        var server = new CosmosTestServer();
        await server.StartProcessAsync(port: 0);
        server._front = CosmosBatchFront.Start(server._serverPort);
        server.Port = server._front.Port;
        return server;
    }

    /// <summary>Kills the server process and closes its front, as an outage would.</summary>
    public async Task KillAsync()
    {
        if (_front is not null)
        {
            await _front.DisposeAsync();
            _front = null;
        }

        if (_process is { HasExited: false } process)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }
    }

    /// <summary>Starts the server again on the same ports (it starts empty: the server keeps data in memory).</summary>
    public async Task RestartAsync()
    {
        await StartProcessAsync(_serverPort);
        _front = CosmosBatchFront.Start(_serverPort, Port);
    }

    /// <summary>Moves the server's clock forward, for time to live.</summary>
    public async Task AdvanceClockAsync(TimeSpan by)
    {
        using var client = new HttpClient();
        var response = await client.PostAsync(
            new Uri($"http://127.0.0.1:{_serverPort}/_test/clock"),
            new StringContent($"{{\"advanceSeconds\": {by.TotalSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture)}}}"));
        response.EnsureSuccessStatusCode();
    }

    public async ValueTask DisposeAsync()
    {
        await KillAsync();
        _process?.Dispose();
    }

    private async Task StartProcessAsync(int port)
    {
        var folder = Folder();
        await EnsureInstalledAsync(folder);
        _process?.Dispose();
        var start = new ProcessStartInfo("node", "server.js")
        {
            WorkingDirectory = folder,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.Environment["PORT"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var process = Process.Start(start) ?? throw new InvalidOperationException("node did not start.");
        _process = process;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var line = await process.StandardOutput.ReadLineAsync(timeout.Token);
        if (line is null || !line.StartsWith("listening ", StringComparison.Ordinal))
        {
            var error = await process.StandardError.ReadToEndAsync(timeout.Token);
            throw new InvalidOperationException($"The Cosmos DB test server did not start: {line} {error}");
        }

        _serverPort = int.Parse(line["listening ".Length..], System.Globalization.CultureInfo.InvariantCulture);
    }

    private static async Task EnsureInstalledAsync(string folder)
    {
        await InstallLock.WaitAsync();
        try
        {
            if (Directory.Exists(Path.Combine(folder, "node_modules", "@vercel", "cosmosdb-server")))
            {
                return;
            }

            // Another test assembly may be installing at the same time; npm ci is not safe to run twice at once.
            using var fileLock = await AcquireFileLockAsync(Path.Combine(folder, ".install.lock"));
            if (Directory.Exists(Path.Combine(folder, "node_modules", "@vercel", "cosmosdb-server")))
            {
                return;
            }

            var install = Process.Start(new ProcessStartInfo("npm", "ci --no-audit --no-fund")
            {
                WorkingDirectory = folder,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            }) ?? throw new InvalidOperationException("npm did not start.");
            var stderr = install.StandardError.ReadToEndAsync();
            await install.StandardOutput.ReadToEndAsync();
            await install.WaitForExitAsync();
            if (install.ExitCode != 0)
            {
                throw new InvalidOperationException($"npm ci failed in {folder}: {await stderr}");
            }
        }
        finally
        {
            InstallLock.Release();
        }
    }

    private static async Task<FileStream> AcquireFileLockAsync(string path)
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 1, FileOptions.DeleteOnClose);
            }
            catch (IOException) when (attempt < 600)
            {
                await Task.Delay(500);
            }
        }
    }

    private static string Folder()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "SurvivorConnect.sln")))
            {
                return Path.Combine(dir.FullName, "tests", "tools", "cosmosdb-server");
            }
        }

        throw new InvalidOperationException("SurvivorConnect.sln not found above the test binaries.");
    }
}
