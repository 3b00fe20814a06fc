using System.Net;
using System.Net.Sockets;
using System.Reflection;
using System.Text.Json.Nodes;
using Microsoft.Azure.Cosmos.Serialization.HybridRow;
using Microsoft.Azure.Cosmos.Serialization.HybridRow.IO;
using Microsoft.Azure.Cosmos.Serialization.HybridRow.Layouts;
using Microsoft.Azure.Cosmos.Serialization.HybridRow.RecordIO;

namespace SurvivorConnect.Testing;

/// <summary>
/// A loopback front for the Cosmos DB test server. It passes every request through unchanged, except a
/// transactional batch: the .NET SDK writes those as HybridRow records, which the node server cannot read,
/// so the front turns the operations into JSON for the server's batch handler and its JSON results back
/// into HybridRow, exactly as the SDK expects them from Cosmos DB.
/// </summary>
public sealed class CosmosBatchFront : IAsyncDisposable
{
    private static readonly HashSet<string> HopByHop = new(StringComparer.OrdinalIgnoreCase)
    {
        "Host", "Connection", "Keep-Alive", "Transfer-Encoding", "Content-Length", "Expect", "Proxy-Connection", "Upgrade", "TE", "Trailer",
    };

    private readonly HttpListener _listener = new();
    private readonly HttpClient _upstream;
    private readonly Task _loop;

    private CosmosBatchFront(int port, int upstreamPort)
    {
        Port = port;
        _upstream = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = false })
        {
            BaseAddress = new Uri($"http://127.0.0.1:{upstreamPort}/"),
        };
        _listener.Prefixes.Add($"http://127.0.0.1:{port}/");
        _listener.Start();
        _loop = Task.Run(AcceptAsync);
    }

    public int Port { get; }

    /// <summary>Starts on <paramref name="port"/>, or on a free loopback port when it is 0.</summary>
    public static CosmosBatchFront Start(int upstreamPort, int port = 0)
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                return new CosmosBatchFront(port == 0 ? FreePort() : port, upstreamPort);
            }
            catch (HttpListenerException) when (port == 0 && attempt < 5)
            {
                // Someone took the free port between finding it and listening on it: find another.
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        _listener.Stop();
        _listener.Close();
        try
        {
            await _loop;
        }
        catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException)
        {
            // Stopping the listener ends the accept loop this way.
        }

        _upstream.Dispose();
    }

    private static int FreePort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }

    private async Task AcceptAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }

            _ = Task.Run(() => ForwardAsync(context));
        }
    }

    private async Task ForwardAsync(HttpListenerContext context)
    {
        try
        {
            var isBatch = string.Equals(context.Request.Headers["x-ms-cosmos-is-batch-request"], "true", StringComparison.OrdinalIgnoreCase);
            using var body = new MemoryStream();
            await context.Request.InputStream.CopyToAsync(body);
            var content = isBatch ? await BatchCodec.OperationsToJsonAsync(body.ToArray()) : body.ToArray();

            using var request = new HttpRequestMessage(new HttpMethod(context.Request.HttpMethod), context.Request.RawUrl);
            if (content.Length > 0 || context.Request.HasEntityBody)
            {
                request.Content = new ByteArrayContent(content);
            }

            foreach (var name in context.Request.Headers.AllKeys.OfType<string>().Where(n => !HopByHop.Contains(n)))
            {
                var value = context.Request.Headers[name];
                if (!request.Headers.TryAddWithoutValidation(name, value))
                {
                    request.Content?.Headers.TryAddWithoutValidation(name, value);
                }
            }

            // The server describes the account with the address it was called on; it must be this front's.
            request.Headers.Host = context.Request.Headers["Host"];
            if (isBatch)
            {
                request.Content!.Headers.ContentType = new("application/json");
            }

            using var response = await _upstream.SendAsync(request);
            var answer = await response.Content.ReadAsByteArrayAsync();
            if (isBatch && response.StatusCode is HttpStatusCode.OK or HttpStatusCode.MultiStatus)
            {
                answer = await BatchCodec.ResultsToHybridRowAsync(answer);
            }

            context.Response.StatusCode = (int)response.StatusCode;
            foreach (var header in response.Headers.Concat(response.Content.Headers).Where(h => !HopByHop.Contains(h.Key)))
            {
                context.Response.Headers[header.Key] = string.Join(",", header.Value);
            }

            context.Response.ContentLength64 = answer.Length;
            await context.Response.OutputStream.WriteAsync(answer);
            context.Response.Close();
        }
        catch (HttpRequestException)
        {
            // The server is down (a test killed it): the client must see a broken connection, as it would.
            context.Response.Abort();
        }
    }

    /// <summary>HybridRow batch operations to the node server's JSON, and its JSON results back, with the SDK's own layouts.</summary>
    private static class BatchCodec
    {
        private static readonly Type SchemaProvider = Type.GetType("Microsoft.Azure.Cosmos.BatchSchemaProvider, Microsoft.Azure.Cosmos.Client", throwOnError: true)!;
        private static readonly LayoutResolver Resolver = SdkValue<LayoutResolver>("BatchLayoutResolver");
        private static readonly Layout ResultLayout = SdkValue<Layout>("BatchResultLayout");
        private static readonly Type OperationTypes = Type.GetType("Microsoft.Azure.Documents.OperationType, Microsoft.Azure.Cosmos.Direct", throwOnError: true)!;

        public static async Task<byte[]> OperationsToJsonAsync(byte[] body)
        {
            var operations = new JsonArray();
            using var stream = new MemoryStream(body);
            var result = await stream.ReadRecordIOAsync(
                (ReadOnlyMemory<byte> record) =>
                {
                    var operation = ReadOperation(record);
                    operations.Add(operation);
                    return operation is null ? Result.Failure : Result.Success;
                },
                resizer: new MemorySpanResizer<byte>(Math.Max(body.Length, 1)));
            return result == Result.Success
                ? System.Text.Encoding.UTF8.GetBytes(operations.ToJsonString())
                : throw new InvalidOperationException($"The batch request could not be read as HybridRow ({result}).");
        }

        public static async Task<byte[]> ResultsToHybridRowAsync(byte[] json)
        {
            var rows = JsonNode.Parse(json)!.AsArray().Select(r => WriteResult(r!)).ToList();
            using var stream = new MemoryStream();
            var result = await stream.WriteRecordIOAsync(default, (long index, out ReadOnlyMemory<byte> buffer) =>
            {
                buffer = index < rows.Count ? rows[(int)index] : default;
                return Result.Success;
            });
            return result == Result.Success ? stream.ToArray() : throw new InvalidOperationException($"The batch results could not be written ({result}).");
        }

        private static JsonObject? ReadOperation(ReadOnlyMemory<byte> record)
        {
            var row = new RowBuffer(record.Length);
            if (!row.ReadFrom(record.Span, HybridRowVersion.V1, Resolver))
            {
                return null;
            }

            var operation = new JsonObject();
            var reader = new RowReader(ref row);
            while (reader.Read())
            {
                switch (reader.Path.ToString())
                {
                    case "operationType":
                        reader.ReadInt32(out var type);
                        operation["operationType"] = Enum.GetName(OperationTypes, type);
                        break;
                    case "id":
                        reader.ReadString(out string id);
                        operation["id"] = id;
                        break;
                    case "partitionKey":
                        reader.ReadString(out string partitionKey);
                        operation["partitionKey"] = partitionKey;
                        break;
                    case "ifMatch":
                        reader.ReadString(out string ifMatch);
                        operation["ifMatch"] = ifMatch;
                        break;
                    case "resourceBody":
                        reader.ReadBinary(out byte[] resource);
                        operation["resourceBody"] = JsonNode.Parse(resource);
                        break;
                }
            }

            return operation;
        }

        private static ReadOnlyMemory<byte> WriteResult(JsonNode result)
        {
            var resource = result["resourceBody"] is { } body ? System.Text.Encoding.UTF8.GetBytes(body.ToJsonString()) : null;
            var resizer = new MemorySpanResizer<byte>(256 + (resource?.Length ?? 0));
            var row = new RowBuffer(resizer.Memory.Length, resizer);
            row.InitLayout(HybridRowVersion.V1, ResultLayout, Resolver);
            var written = RowWriter.WriteBuffer(ref row, (Result: result, Resource: resource), static (ref RowWriter writer, TypeArgument _, (JsonNode Result, byte[]? Resource) context) =>
            {
                var r = writer.WriteInt32("statusCode", context.Result["statusCode"]!.GetValue<int>());
                if (r == Result.Success)
                {
                    r = writer.WriteInt32("subStatusCode", 0);
                }

                if (r == Result.Success && context.Result["eTag"]?.GetValue<string>() is { } eTag)
                {
                    r = writer.WriteString("eTag", eTag);
                }

                if (r == Result.Success && context.Resource is not null)
                {
                    r = writer.WriteBinary("resourceBody", context.Resource);
                }

                return r == Result.Success ? writer.WriteFloat64("requestCharge", 1.0) : r;
            });
            return written == Result.Success ? resizer.Memory[..row.Length] : throw new InvalidOperationException($"A batch result could not be written ({written}).");
        }

        private static T SdkValue<T>(string name) =>
            (T)(SchemaProvider.GetProperty(name, BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic)?.GetValue(null)
                ?? throw new InvalidOperationException($"The Cosmos SDK no longer has {name}; the test front must follow it."));
    }
}
