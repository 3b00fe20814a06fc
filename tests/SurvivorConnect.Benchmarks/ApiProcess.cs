using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using Microsoft.IdentityModel.Tokens;
using SurvivorConnect.Api.Infrastructure.Auth;

namespace SurvivorConnect.Benchmarks;

/// <summary>The API as a process of its own (built in Release), on loopback, on a store the runner seeded.</summary>
internal static class ApiProcess
{
    private static readonly byte[] SigningKey = Enumerable.Range(1, 32).Select(i => (byte)i).ToArray();

    /// <summary>Signs development tokens the started API accepts.</summary>
    public static DevTokenIssuer Tokens() => new(new SymmetricSecurityKey(SigningKey), new DevelopmentTokenOptions { LifetimeMinutes = 120 });

    private const string ApiPrefix = "SC_API_";

    public static Process Start(int port, string database, IReadOnlyDictionary<string, string> settings)
    {
        var dll = Path.Combine(RepoRoot(), "src", "SurvivorConnect.Api", "bin", "Release", "net10.0", "SurvivorConnect.Api.dll");
        if (!File.Exists(dll))
        {
            throw new InvalidOperationException($"Build first: dotnet build -c Release tests/SurvivorConnect.Benchmarks ({dll} is missing).");
        }

        var start = new ProcessStartInfo("dotnet", [dll, "--urls", $"http://127.0.0.1:{port}"])
        {
            WorkingDirectory = Path.GetDirectoryName(dll)!,
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Development";
        start.Environment["Storage__Sqlite__Path"] = database;
        start.Environment["Auth__Development__SigningKey"] = Convert.ToBase64String(SigningKey);
        start.Environment["Logging__LogLevel__Default"] = "Warning";
        foreach (var (key, value) in settings)
        {
            start.Environment[key] = value;
        }

        // SC_API_X=v in the runner's environment is X=v for the API alone (runtime settings tried on the API, not the clients).
        foreach (var (key, value) in Environment.GetEnvironmentVariables().Cast<System.Collections.DictionaryEntry>()
            .Select(e => ((string)e.Key, (string?)e.Value)).Where(e => e.Item1.StartsWith(ApiPrefix, StringComparison.Ordinal)))
        {
            start.Environment[key[ApiPrefix.Length..]] = value;
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException("The API did not start.");
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                Console.Error.WriteLine($"api: {e.Data}");
            }
        };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    public static Task WaitReadyAsync(int port, Process api) => WaitReadyAsync($"http://127.0.0.1:{port}/health/ready", api);

    /// <summary>Polls <paramref name="readyUrl"/> until it answers, for up to 30 s, unless the server's process exits first.</summary>
    public static async Task WaitReadyAsync(string readyUrl, Process server)
    {
        using var http = new HttpClient();
        for (var i = 0; i < 300; i++)
        {
            if (server.HasExited)
            {
                throw new InvalidOperationException("The server exited during start-up.");
            }

            try
            {
                if ((await http.GetAsync(readyUrl)).IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }

            await Task.Delay(100);
        }

        throw new InvalidOperationException("The server did not become ready.");
    }

    public static async Task StopAsync(Process api)
    {
        api.Kill(entireProcessTree: true);
        await api.WaitForExitAsync();
    }

    public static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "SurvivorConnect.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("SurvivorConnect.sln not found.");
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>A client of the started API, signed in with <paramref name="token"/>.</summary>
    public static HttpClient Client(int port, string token, TimeSpan timeout)
    {
        var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = timeout };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    /// <summary>Asks for <paramref name="path"/> once to warm up, then <paramref name="runs"/> times: the times, fastest first, and the answer's size.</summary>
    public static async Task<(List<TimeSpan> Times, long Bytes)> TimeAsync(HttpClient client, string path, int runs)
    {
        (await client.GetAsync(path)).EnsureSuccessStatusCode();
        var times = new List<TimeSpan>();
        long bytes = 0;
        for (var run = 0; run < runs; run++)
        {
            var clock = Stopwatch.StartNew();
            var response = await client.GetAsync(path);
            response.EnsureSuccessStatusCode();
            bytes = (await response.Content.ReadAsByteArrayAsync()).Length;
            times.Add(clock.Elapsed);
        }

        times.Sort();
        return (times, bytes);
    }
}
