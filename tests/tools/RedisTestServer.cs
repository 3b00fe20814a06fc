using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace SurvivorConnect.Testing;

/// <summary>
/// A redis-server on 127.0.0.1 on a free port, for the SignalR scale-out tests. It runs under a shell
/// that stops it when our stdin closes, so a crashed test host leaves nothing running; disposing stops
/// it by its own PID.
/// </summary>
public sealed class RedisTestServer : IAsyncDisposable
{
    private Process _process;
    private int _redisPid;
    private bool _stalled;

    private RedisTestServer(Process process, int redisPid, int port)
    {
        _process = process;
        _redisPid = redisPid;
        Port = port;
    }

    public int Port { get; }

    public string Configuration => $"127.0.0.1:{Port}";

    public static async Task<RedisTestServer> StartAsync()
    {
        var port = FreePort();
        var (process, pid) = await LaunchAsync(port);
        return new RedisTestServer(process, pid, port);
    }

    /// <summary>
    /// A redis-server on <paramref name="port"/>, under the shell that stops it, once it accepts connections. What it writes
    /// goes to stderr: on stdout, a warning it logs as it starts could come before the PID the shell echoes.
    /// </summary>
    private static async Task<(Process Process, int RedisPid)> LaunchAsync(int port)
    {
        var redis = $"redis-server --port {port} --bind 127.0.0.1 --save '' --appendonly no --protected-mode yes --daemonize no --loglevel warning";
        var start = new ProcessStartInfo("bash", ["-c", $"command -v redis-server >/dev/null || {{ echo 'redis-server is not installed (README: Prerequisites)' >&2; exit 3; }}; {redis} 1>&2 & pid=$!; echo $pid; trap 'kill -CONT $pid; kill $pid; wait $pid' EXIT; cat >/dev/null"])
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        var process = Process.Start(start) ?? throw new InvalidOperationException("bash did not start.");
        var pidLine = await process.StandardOutput.ReadLineAsync();
        if (!int.TryParse(pidLine, NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
        {
            await StopAsync(process);
            throw new InvalidOperationException($"redis-server did not start: {await process.StandardError.ReadToEndAsync()}");
        }

        for (var attempt = 0; attempt < 100; attempt++)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"redis-server did not start: {await process.StandardError.ReadToEndAsync()}");
            }

            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, port);
                return (process, pid);
            }
            catch (SocketException)
            {
                await Task.Delay(50);
            }
        }

        await StopAsync(process);
        throw new InvalidOperationException("redis-server did not accept connections in time.");
    }

    /// <summary>
    /// Redis stops answering (SIGSTOP) while its connections stay open, as a server that is overloaded or failing over
    /// looks to its clients; disposing the result lets it answer again.
    /// </summary>
    public async Task<IAsyncDisposable> StallAsync()
    {
        await SignalAsync("STOP");
        _stalled = true;
        return new Stall(this);
    }

    private sealed class Stall(RedisTestServer server) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync() => await server.ResumeAsync();
    }

    /// <summary>
    /// Redis goes away, every connection to it dropped, as in a failover: what is published meanwhile reaches nobody.
    /// Disposing the result starts an empty one on the same port, which the clients reconnect to.
    /// </summary>
    public async Task<IAsyncDisposable> DownAsync()
    {
        await ResumeAsync();
        await StopAsync(_process);
        return new Down(this);
    }

    private sealed class Down(RedisTestServer server) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            server._process.Dispose();
            (server._process, server._redisPid) = await LaunchAsync(server.Port);
        }
    }

    private async Task ResumeAsync()
    {
        if (_stalled)
        {
            await SignalAsync("CONT");
            _stalled = false;
        }
    }

    private async Task SignalAsync(string signal)
    {
        using var kill = Process.Start(new ProcessStartInfo("kill", [$"-{signal}", _redisPid.ToString(CultureInfo.InvariantCulture)]) { UseShellExecute = false })
            ?? throw new InvalidOperationException("kill did not start.");
        await kill.WaitForExitAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await ResumeAsync();
        await StopAsync(_process);
        _process.Dispose();
    }

    /// <summary>Closing the shell's input stops redis-server (its trap), and then the shell.</summary>
    private static async Task StopAsync(Process process)
    {
        if (process.HasExited)
        {
            return;
        }

        process.StandardInput.Close();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
