using System.Diagnostics;
using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using SurvivorConnect.Storage;

namespace SurvivorConnect.IntegrationTests;

/// <summary>
/// <c>infra/</c> as the app needs it: Bicep compiles with no warning (the compiler is restored from NuGet), and the
/// compiled template gives the API exactly settings it binds, every one Production requires, and the containers it uses.
/// </summary>
[Collection(SharedApi.Name)]
public sealed class InfrastructureTests(ApiFactory api)
{
    private sealed record InfraContainer(string Name, string[] QueryableFields, bool AllowsTimeToLive);

    /// <summary>Settings read by the platform rather than by an options class: the host, Azure.Identity and the Azure Monitor exporter.</summary>
    private static readonly string[] PlatformSettings = ["ASPNETCORE_ENVIRONMENT", "ASPNETCORE_FORWARDEDHEADERS_ENABLED", "AZURE_CLIENT_ID", "APPLICATIONINSIGHTS_CONNECTION_STRING"];

    private static readonly Lazy<(int ExitCode, string Output, string Errors)> Compiled = new(Compile);

    private static string Root
    {
        get
        {
            var root = AppContext.BaseDirectory;
            while (!File.Exists(Path.Combine(root, "SurvivorConnect.sln")))
            {
                root = Path.GetDirectoryName(root)!;
            }

            return root;
        }
    }

    [Fact]
    public void Bicep_compiles_the_infrastructure_with_no_warning()
    {
        var (exitCode, output, errors) = Compiled.Value;

        Assert.True(exitCode == 0, errors);
        Assert.Equal("", errors.Trim());
        Assert.Contains("\"$schema\"", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_app_setting_the_template_gives_names_a_key_the_app_binds()
    {
        var bound = BoundKeys();
        var unknown = AppSettings().Keys
            .Where(k => !PlatformSettings.Contains(k))
            .Select(k => k.Replace("__", ":", StringComparison.Ordinal))
            .Where(k => !bound.Contains(Shape(k)))
            .ToList();

        Assert.NotEmpty(bound);
        Assert.Empty(unknown);
    }

    [Fact]
    public void The_template_gives_every_setting_Production_requires_and_they_pass_the_start_up_check()
    {
        var settings = AppSettings().ToDictionary(s => s.Key.Replace("__", ":", StringComparison.Ordinal), s => (string?)Resolved(s.Key, s.Value));

        Assert.All(SurvivorConnect.Api.Infrastructure.Hosting.StartupGuards.RequiredInProduction, k => Assert.Contains(k, settings.Keys));
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        Assert.Empty(SurvivorConnect.Api.Infrastructure.Hosting.StartupGuards.Problems(configuration));
        Assert.Equal("Production", settings["ASPNETCORE_ENVIRONMENT"]);
    }

    [Fact]
    public async Task The_host_starts_in_Production_with_the_settings_the_template_gives()
    {
        await using var redis = await SurvivorConnect.Testing.RedisTestServer.StartAsync();
        await using var host = TemplateHost(redis);

        var client = host.CreateClient();

        Assert.Equal(System.Net.HttpStatusCode.OK, (await client.GetAsync("/health/live")).StatusCode);
        Assert.Equal(System.Net.HttpStatusCode.ServiceUnavailable, (await client.GetAsync("/health/ready")).StatusCode);
    }

    [Fact]
    public async Task In_Production_a_page_had_over_HTTPS_tells_the_browser_never_to_ask_over_plain_HTTP_again()
    {
        await using var redis = await SurvivorConnect.Testing.RedisTestServer.StartAsync();
        await using var host = TemplateHost(redis);
        var client = host.CreateClient();

        // App Service ends TLS and passes the request on over HTTP, saying how the browser asked.
        var overHttps = new HttpRequestMessage(HttpMethod.Get, "http://survivorconnect.example/signin");
        overHttps.Headers.Add("X-Forwarded-Proto", "https");
        var https = await client.SendAsync(overHttps);
        var http = await client.GetAsync("http://survivorconnect.example/signin");
        var development = await api.CreateClient().GetAsync("https://survivorconnect.example/signin");

        Assert.Equal(System.Net.HttpStatusCode.OK, https.StatusCode);
        Assert.Equal("max-age=31536000", Assert.Single(https.Headers.GetValues("Strict-Transport-Security")));
        Assert.False(http.Headers.Contains("Strict-Transport-Security"));
        Assert.False(development.Headers.Contains("Strict-Transport-Security"));
    }

    /// <summary>
    /// The host as App Service starts it from the template, with Redis on loopback. Settings reach the app as environment
    /// variables, whose ASPNETCORE_ prefix the host takes off (ASPNETCORE_FORWARDEDHEADERS_ENABLED is read as FORWARDEDHEADERS_ENABLED).
    /// </summary>
    private static ProductionFactory TemplateHost(SurvivorConnect.Testing.RedisTestServer redis)
    {
        var settings = AppSettings().ToDictionary(
            s => s.Key.Replace("__", ":", StringComparison.Ordinal) is var key && key.StartsWith("ASPNETCORE_", StringComparison.Ordinal) ? key["ASPNETCORE_".Length..] : key,
            s => (string?)Plausible(s.Key, s.Value));
        settings["Chat:Redis"] = redis.Configuration;
        return new ProductionFactory(settings);
    }

    /// <summary>
    /// The API as App Service runs it: Production, with exactly the template's settings, Redis on loopback, and no
    /// Cosmos DB or managed identity to reach (so the store reports not ready, and the host still serves).
    /// </summary>
    private sealed class ProductionFactory(IDictionary<string, string?> settings) : Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactory<Program>
    {
        protected override void ConfigureWebHost(Microsoft.AspNetCore.Hosting.IWebHostBuilder builder)
        {
            builder.UseEnvironment("Production");
            foreach (var (key, value) in settings)
            {
                builder.UseSetting(key, value);
            }
        }
    }

    /// <summary>A value of the shape App Service would pass on once ARM and Key Vault have resolved it.</summary>
    private static string Plausible(string key, string value) => key switch
    {
        "Storage__Cosmos__Endpoint" => "https://127.0.0.1:9/",
        "Auth__Authority" => "https://login.microsoftonline.com/tenant/v2.0",
        _ => Resolved(key, value),
    };

    [Fact]
    public void Secrets_reach_the_app_only_as_Key_Vault_references_the_identity_may_read_and_the_app_scales_out()
    {
        var settings = AppSettings();
        foreach (var key in new[] { "Chat__Redis", "Auth__Portal__ClientSecret", "Payouts__Stripe__SecretKey", "Payouts__Stripe__WebhookSecret", "Payouts__Stripe__ConnectWebhookSecret" })
        {
            Assert.Contains("@Microsoft.KeyVault(SecretUri=", settings[key], StringComparison.Ordinal);
        }

        var template = Template();
        Assert.DoesNotContain(template["outputs"]!.AsObject(), o => o.Key.Contains("KEY", StringComparison.OrdinalIgnoreCase) || o.Key.Contains("SECRET", StringComparison.OrdinalIgnoreCase));
        var site = Resources(template).Single(r => (string?)r["type"] == "Microsoft.Web/sites");
        Assert.Equal("[parameters('identityId')]", (string?)site["properties"]!["keyVaultReferenceIdentity"]);
        Assert.True((bool)site["properties"]!["siteConfig"]!["webSocketsEnabled"]!);
        Assert.True((bool)site["properties"]!["clientAffinityEnabled"]!);
        var roles = Resources(template).Where(r => (string?)r["type"] == "Microsoft.Authorization/roleAssignments").Select(r => (string?)r["properties"]!["roleDefinitionId"]).ToList();
        Assert.Contains(roles, r => r!.Contains("4633458b-17de-408a-b874-0445c86b69e6", StringComparison.Ordinal));
        var cosmosRole = Resources(template).Single(r => (string?)r["type"] == "Microsoft.DocumentDB/databaseAccounts/sqlRoleAssignments");
        Assert.Contains("00000000-0000-0000-0000-000000000002", (string?)cosmosRole["properties"]!["roleDefinitionId"], StringComparison.Ordinal);
        var autoscale = Resources(template).Single(r => (string?)r["type"] == "Microsoft.Insights/autoscalesettings");
        Assert.Contains("parameters('instanceCount')", autoscale["properties"]!["profiles"]![0]!["capacity"]!["minimum"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(2, autoscale["properties"]!["profiles"]![0]!["rules"]!.AsArray().Count);
        var cosmos = Resources(template).Single(r => (string?)r["type"] == "Microsoft.DocumentDB/databaseAccounts");
        Assert.True((bool)cosmos["properties"]!["disableLocalAuth"]!);
        Assert.Equal("Continuous", (string?)cosmos["properties"]!["backupPolicy"]!["type"]);
        // Every instance reads what another just wrote: a gate that only reads (is this person still active, is this
        // consent still given) is not passed on a replica that has not seen the change yet.
        Assert.Equal("Strong", (string?)cosmos["properties"]!["consistencyPolicy"]!["defaultConsistencyLevel"]);

        // Telemetry is sent signed in as the app's identity: a leaked connection string cannot write into the logs.
        var insights = Resources(template).Single(r => (string?)r["type"] == "Microsoft.Insights/components");
        Assert.True((bool)insights["properties"]!["DisableLocalAuth"]!);
        Assert.Contains(roles, r => r!.Contains("3913510d-42f4-4e42-8a64-420c390055eb", StringComparison.Ordinal));
    }

    [Fact]
    public void Given_an_address_operators_are_mailed_when_an_urgent_answer_goes_unseen_payouts_fail_or_stop_and_the_API_fails()
    {
        var alerts = Resources(Template()).Single(r => (string?)r["type"] == "Microsoft.Resources/deployments" && (string?)r["name"] == "alerts");
        Assert.Equal("[not(empty(parameters('alertEmail')))]", (string?)alerts["condition"]);
        Assert.Equal("[parameters('alertEmail')]", (string?)alerts["properties"]!["parameters"]!["alertEmail"]!["value"]);
        var module = alerts["properties"]!["template"]!.AsObject();
        var mailed = Resources(module).ToList();
        Assert.Equal("[parameters('alertEmail')]", (string?)mailed.Single(r => (string?)r["type"] == "Microsoft.Insights/actionGroups")["properties"]!["emailReceivers"]![0]!["emailAddress"]);
        var rules = mailed.Where(r => (string?)r["type"] is "Microsoft.Insights/scheduledQueryRules" or "Microsoft.Insights/metricAlerts").ToList();
        Assert.Equal(2, rules.Count);
        Assert.All(rules, r => Assert.Contains("Microsoft.Insights/actionGroups", r["properties"]!["actions"]!.ToJsonString(), StringComparison.Ordinal));

        // Each query names a measurement the app really makes: a renamed one would leave its alert silent for ever.
        var measured = MeasurementsTheAppMakes();
        var queried = module["variables"]!["appAlerts"]!.AsArray().Select(a => System.Text.RegularExpressions.Regex.Match((string)a!["query"]!, "name == \"([^\"]+)\"").Groups[1].Value).ToList();
        Assert.Equal(["survivorconnect.supervision.urgent_flags_unseen", "survivorconnect.payouts.transitions", "survivorconnect.payouts.outbox_age", "survivorconnect.chat.send_duration"], queried);
        Assert.All(queried, name => Assert.Contains(name, measured.Keys));

        // The payouts alert reads the state each move is tagged with, by the tag's name and the states' names.
        var failed = (string)module["variables"]!["appAlerts"]!.AsArray().Single(a => ((string)a!["query"]!).Contains("transitions", StringComparison.Ordinal))!["query"]!;
        Assert.Contains($"customDimensions.{measured["survivorconnect.payouts.transitions"].Single()}", failed, StringComparison.Ordinal);
        Assert.Contains($"\"{nameof(SurvivorConnect.Api.Features.Payouts.Rules.PayoutState.Failed)}\"", failed, StringComparison.Ordinal);
        Assert.Contains($"\"{nameof(SurvivorConnect.Api.Features.Payouts.Rules.PayoutState.Reversed)}\"", failed, StringComparison.Ordinal);

        // Another urgent answer unseen mails again, however long the first stays so.
        var unseen = module["variables"]!["appAlerts"]!.AsArray().Single(a => ((string)a!["query"]!).Contains("urgent_flags_unseen", StringComparison.Ordinal))!;
        Assert.True((bool)unseen["counts"]!);
        var rule = Resources(module).Single(r => (string?)r["type"] == "Microsoft.Insights/scheduledQueryRules");
        Assert.Equal("[not(variables('appAlerts')[copyIndex()].counts)]", (string?)rule["properties"]!["autoMitigate"]);
        var platform = module["variables"]!["platformAlerts"]!.AsArray().Select(a => (string)a!["metric"]!).ToList();
        Assert.Equal(["Http5xx", "HealthCheckStatus", "errors", "TotalRequests"], platform);
    }

    /// <summary>Each measurement the app makes, with the names of the tags it is made with.</summary>
    private static Dictionary<string, HashSet<string>> MeasurementsTheAppMakes()
    {
        var measured = new Dictionary<string, HashSet<string>>();
        using var listener = new System.Diagnostics.Metrics.MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Name == SurvivorConnect.Api.Infrastructure.Hosting.AppMetrics.MeterName)
                {
                    measured[instrument.Name] = [];
                    l.EnableMeasurementEvents(instrument);
                }
            },
        };
        listener.SetMeasurementEventCallback<long>((instrument, _, tags, _) =>
        {
            foreach (var tag in tags)
            {
                measured[instrument.Name].Add(tag.Key);
            }
        });
        listener.Start();
        using var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var metrics = new SurvivorConnect.Api.Infrastructure.Hosting.AppMetrics(services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>());
        metrics.PayoutMoved(nameof(SurvivorConnect.Api.Features.Payouts.Rules.PayoutState.Failed));
        return measured;
    }

    [Fact]
    public void The_Cosmos_containers_in_infra_match_the_containers_the_app_uses()
    {
        var infra = JsonSerializer.Deserialize<List<InfraContainer>>(File.ReadAllText(Path.Combine(Root, "infra", "cosmos-containers.json")), ApiFactory.Json)!;
        var app = api.Services.GetServices<ContainerSpec>().ToList();

        Assert.Equal(app.Select(c => c.Name).Order(), infra.Select(c => c.Name).Order());
        foreach (var spec in app)
        {
            var declared = infra.Single(c => c.Name == spec.Name);
            Assert.Equal(spec.QueryableFields.Where(f => f is not ("id" or "type")).Order(), declared.QueryableFields.Order());
            Assert.Equal(spec.AllowsTimeToLive, declared.AllowsTimeToLive);
        }

        var compiled = Template().ToJsonString();
        Assert.All(app, spec => Assert.Contains($"\"name\":\"{spec.Name}\"", compiled, StringComparison.Ordinal));
        var containers = Resources(Template()).Single(r => (string?)r["type"] == "Microsoft.DocumentDB/databaseAccounts/sqlDatabases/containers");
        Assert.Equal("/pk", (string?)containers["properties"]!["resource"]!["partitionKey"]!["paths"]![0]);

        // Cosmos DB refuses ORDER BY (field, id) without a composite index: the template makes them for every queryable
        // field and the type, each way, as the app does when it creates a container itself.
        var composite = (string?)containers["properties"]!["resource"]!["indexingPolicy"]!["compositeIndexes"];
        Assert.Contains("concat(createArray('type'), parameters('containers')[copyIndex()].queryableFields)", composite, StringComparison.Ordinal);
        Assert.Contains("createObject('path', '/id', 'order', 'ascending')", composite, StringComparison.Ordinal);
        Assert.Contains("createObject('path', '/id', 'order', 'descending')", composite, StringComparison.Ordinal);
    }

    /// <summary>Every configuration key an options class binds (a class with a <c>SectionName</c>), list positions as <c>#</c>.</summary>
    private static HashSet<string> BoundKeys()
    {
        var keys = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var type in new[] { typeof(Program).Assembly, typeof(StorageOptions).Assembly }.SelectMany(a => a.GetTypes()))
        {
            if (type.GetField("SectionName", BindingFlags.Public | BindingFlags.Static)?.GetRawConstantValue() is string section)
            {
                AddKeys(keys, section, type, depth: 0);
            }
        }

        return keys;
    }

    private static void AddKeys(HashSet<string> keys, string prefix, Type type, int depth)
    {
        foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.SetMethod is not null || IsList(p.PropertyType)))
        {
            var key = $"{prefix}:{property.Name}";
            var target = Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType;
            if (IsList(target))
            {
                var element = target.IsArray ? target.GetElementType()! : target.GetGenericArguments()[0];
                keys.Add($"{key}:#");
                if (!IsLeaf(element) && depth < 5)
                {
                    AddKeys(keys, $"{key}:#", element, depth + 1);
                }
            }
            else if (IsLeaf(target) || depth >= 5)
            {
                keys.Add(key);
            }
            else
            {
                AddKeys(keys, key, target, depth + 1);
            }
        }
    }

    private static bool IsList(Type type) => type != typeof(string) && (type.IsArray || (type.IsGenericType && typeof(System.Collections.IEnumerable).IsAssignableFrom(type)));

    private static bool IsLeaf(Type type) => type.IsPrimitive || type.IsEnum || type == typeof(string) || type == typeof(decimal) || type == typeof(DateOnly)
        || type == typeof(DateTimeOffset) || type == typeof(TimeSpan) || type == typeof(Uri) || Nullable.GetUnderlyingType(type) is not null;

    private static string Shape(string key) => string.Join(':', key.Split(':').Select(s => s.All(char.IsAsciiDigit) ? "#" : s));

    /// <summary>The API's app settings as the compiled template gives them (values are ARM expressions or text).</summary>
    private static Dictionary<string, string> AppSettings()
    {
        var api = Resources(Template()).Single(r => (string?)r["type"] == "Microsoft.Resources/deployments" && (string?)r["name"] == "api");
        return api["properties"]!["parameters"]!["appSettings"]!["value"]!.AsObject().ToDictionary(p => p.Key, p => p.Value!.GetValue<string>());
    }

    /// <summary>
    /// A value as App Service passes it on the day of `azd up`: ARM expressions resolved, the Redis secret (which the
    /// template writes) resolved, and the optional secrets an agency adds later still unresolved references.
    /// </summary>
    private static string Resolved(string key, string value) => value switch
    {
        _ when key == "Chat__Redis" => "resolved-secret",
        _ when System.Text.RegularExpressions.Regex.Match(value, @"^\[parameters\('(\w+)'\)\]$") is { Success: true } parameter
            && Template()["parameters"]?[parameter.Groups[1].Value]?["defaultValue"] is JsonValue given && given.TryGetValue<string>(out var text) => text,
        _ when value.Contains("Microsoft.KeyVault", StringComparison.Ordinal) => $"@Microsoft.KeyVault(SecretUri=https://kv.vault.azure.net/secrets/{key})",
        _ when value.Contains("appInsightsConnectionString", StringComparison.Ordinal) => "InstrumentationKey=00000000-0000-0000-0000-000000000000;IngestionEndpoint=http://127.0.0.1:9/",
        _ when value.StartsWith('[') => "resolved-by-arm",
        _ => value,
    };

    private static JsonObject Template() => JsonNode.Parse(Compiled.Value.Output)!.AsObject();

    private static IEnumerable<JsonObject> Resources(JsonObject template)
    {
        foreach (var resource in template["resources"] is JsonObject named ? named.Select(r => r.Value!) : template["resources"]!.AsArray()!)
        {
            yield return resource!.AsObject();
            if (resource!["properties"]?["template"] is JsonObject nested)
            {
                foreach (var inner in Resources(nested))
                {
                    yield return inner;
                }
            }
        }
    }

    private static (int, string, string) Compile()
    {
        var bicep = typeof(InfrastructureTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "BicepPath").Value!;
        // The compiler is a Linux binary (the package CI restores); a restore that dropped its execute bit is mended here.
        if (!OperatingSystem.IsWindows() && !File.GetUnixFileMode(bicep).HasFlag(UnixFileMode.UserExecute))
        {
            File.SetUnixFileMode(bicep, File.GetUnixFileMode(bicep) | UnixFileMode.UserExecute);
        }

        var start = new ProcessStartInfo(bicep, ["build", Path.Combine(Root, "infra", "main.bicep"), "--stdout"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, output.Result, errors);
    }
}
