using SurvivorConnect.Api.Features.Chat;
using SurvivorConnect.Api.Features.Payouts;
using SurvivorConnect.Api.Infrastructure.Auth;
using SurvivorConnect.Storage;

namespace SurvivorConnect.Api.Infrastructure.Hosting;

/// <summary>
/// Settings Production must have, and settings it must never run with. Checked before anything starts; every
/// problem is listed in one error, so a deployment is fixed in one pass.
/// </summary>
internal static class StartupGuards
{
    // Optional secrets (the Stripe keys, the portal's client secret) may arrive unresolved while an agency has not
    // added them to Key Vault yet: each feature then runs without it (Stripe payouts off; sign-in with PKCE only).


    /// <summary>Keys Production cannot run without (the deployment's app settings give each one).</summary>
    public static IReadOnlyList<string> RequiredInProduction { get; } =
    [
        "Storage:Provider", "Storage:Cosmos:Endpoint", "Storage:Cosmos:Database",
        "Auth:Authority", "Auth:Audience", "Auth:Portal:ClientId",

        // Several instances: the SignalR backplane, chat access changes and the shared Data Protection keys.
        $"{ChatOptions.SectionName}:Redis",

        // The user-assigned identity the app signs in to Cosmos DB and Application Insights with (AzureIdentity).
        "AZURE_CLIENT_ID",
    ];


    public static void Check(IConfiguration configuration, IHostEnvironment environment)
    {
        if (environment.IsDevelopment() && DevelopmentProblems(configuration) is { Count: > 0 } here)
        {
            throw new InvalidOperationException("SurvivorConnect will not start in Development here:" + Environment.NewLine
                + string.Join(Environment.NewLine, here.Select(p => "- " + p)));
        }

        // A deployment slot named Staging would need Entra ID but skip every check below (SQLite, a Cosmos key, a Stripe
        // address of someone else's with the live key): deployed, on App Service or Container Apps, only Production runs.
        if (!environment.IsProduction() && HostedIn(configuration) is { } host)
        {
            throw new InvalidOperationException($"SurvivorConnect will not start as {environment.EnvironmentName} on {host}: run it as Production, with Production's settings.");
        }

        if (!environment.IsProduction())
        {
            return;
        }

        if (Problems(configuration) is { Count: > 0 } problems)
        {
            throw new InvalidOperationException("SurvivorConnect will not start in Production until these settings are fixed:" + Environment.NewLine
                + string.Join(Environment.NewLine, problems.Select(p => "- " + p)));
        }
    }

    /// <summary>The Azure host the app runs on, by the variables each sets in every app it runs; null elsewhere.</summary>
    private static string? HostedIn(IConfiguration configuration) =>
        !string.IsNullOrEmpty(configuration["WEBSITE_SITE_NAME"]) ? "App Service"
        : !string.IsNullOrEmpty(configuration["CONTAINER_APP_NAME"]) ? "Container Apps"
        : null;

    /// <summary>
    /// Development mints a sign-in for any person (<c>/dev/token</c>, the demo sign-in): it runs on a developer's own
    /// machine, reached from it alone, never where others can reach it (App Service, Container Apps, or any address but loopback), as a
    /// deployed host set to Development while someone debugs it would be.
    /// </summary>
    public static IReadOnlyList<string> DevelopmentProblems(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var problems = new List<string>();
        if (HostedIn(configuration) is { } host)
        {
            problems.Add($"This is {host}: Development lets anyone sign in as anyone. Run it as Production.");
        }

        // Kestrel's endpoints are listened on when given, else urls, else the ports (which a container image sets).
        var endpoints = configuration.GetSection("Kestrel:Endpoints").GetChildren().Select(e => e["Url"]).OfType<string>().ToList();
        var urls = endpoints.Count > 0 ? [] : (configuration["urls"] ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (endpoints.Count == 0 && urls.Length == 0)
        {
            foreach (var key in (string[])["http_ports", "https_ports"])
            {
                if (!string.IsNullOrWhiteSpace(configuration[key]))
                {
                    problems.Add($"{key} listens on every address: in Development, give urls on 127.0.0.1 or localhost only.");
                }
            }
        }

        foreach (var url in urls.Concat(endpoints))
        {
            if (!LoopbackOnly(url))
            {
                problems.Add($"{url} can be reached from other machines: in Development, listen on 127.0.0.1 or localhost only.");
            }
        }

        return problems;
    }

    /// <summary>A listening address only this machine reaches. "+", "*" and "0.0.0.0" are every address, as is any other host.</summary>
    private static bool LoopbackOnly(string url)
    {
        var rest = url.Contains("://", StringComparison.Ordinal) ? url[(url.IndexOf("://", StringComparison.Ordinal) + 3)..] : url;
        var host = rest.StartsWith('[') ? rest[..(rest.IndexOf(']') + 1)] : rest.Split(':', '/')[0];
        return host.Equals("localhost", StringComparison.OrdinalIgnoreCase)
            || (System.Net.IPAddress.TryParse(host.Trim('[', ']'), out var address) && System.Net.IPAddress.IsLoopback(address));
    }

    /// <summary>Every missing or contradictory Production setting, in plain words; none when it may start.</summary>
    public static IReadOnlyList<string> Problems(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var problems = new List<string>();
        foreach (var key in RequiredInProduction)
        {
            var value = configuration[key];
            if (string.IsNullOrWhiteSpace(value))
            {
                problems.Add($"{key} is required.");
            }
            else if (KeyVaultReference.IsUnresolved(value))
            {
                problems.Add($"{key} is a Key Vault reference App Service could not resolve: give the app's identity access to the secret, and check the secret exists.");
            }
        }

        var storage = Read<StorageOptions>(configuration, StorageOptions.SectionName, problems);
        if (storage.Provider != StorageProvider.Cosmos)
        {
            problems.Add("Storage:Provider must be Cosmos: the embedded SQLite store is for local use only.");
        }

        if (!string.IsNullOrEmpty(storage.Cosmos.Key))
        {
            problems.Add("Storage:Cosmos:Key must be empty: Cosmos DB is reached with the managed identity only.");
        }

        if (storage.Cosmos.CreateIfMissing)
        {
            problems.Add("Storage:Cosmos:CreateIfMissing must be false: the infrastructure creates the database and its containers.");
        }

        if (bool.TryParse(configuration["DetailedErrors"], out var detailed) && detailed)
        {
            problems.Add("DetailedErrors must be off.");
        }

        if (!string.IsNullOrEmpty(configuration[$"{AuthOptions.SectionName}:Development:SigningKey"]))
        {
            problems.Add("Auth:Development:SigningKey must not be set: sign-in is through Microsoft Entra ID.");
        }

        var portal = Read<PortalSignInOptions>(configuration, $"{AuthOptions.SectionName}:Portal", problems);
        if (portal.IdleMinutes < 1 || portal.MaxHours < 1)
        {
            problems.Add("Auth:Portal:IdleMinutes and Auth:Portal:MaxHours must each be at least 1: otherwise every sign-in ends at once.");
        }

        // A relative or plain-http address would send the quick exit back into the portal, or to a page a network can read.
        var exitUrl = Read<Portal.PortalOptions>(configuration, Portal.PortalOptions.SectionName, problems).ExitUrl;
        if (!Uri.TryCreate(exitUrl, UriKind.Absolute, out var exit) || exit.Scheme != Uri.UriSchemeHttps)
        {
            problems.Add("Portal:ExitUrl must be an absolute https address (https://weather.com, say): the quick exit goes there.");
        }

        var stripe = Read<StripeOptions>(configuration, $"{PayoutOptions.SectionName}:Stripe", problems);
        var stripeSecrets = new[] { stripe.SecretKey, stripe.WebhookSecret, stripe.ConnectWebhookSecret };
        if (stripeSecrets.Any(Given) && !stripe.Enabled)
        {
            problems.Add("Payouts:Stripe:SecretKey (sk_ or rk_) and Payouts:Stripe:WebhookSecret (whsec_) are given together or not at all: payouts sent without their webhook never learn they were paid.");
        }

        if (stripe.Enabled && stripe.ConnectWebhookSecret?.StartsWith("whsec_", StringComparison.Ordinal) != true)
        {
            problems.Add("Payouts:Stripe:ConnectWebhookSecret (whsec_) is required with Stripe on: without it every connected account's event (onboarding, bank payouts) is refused.");
        }

        // A test's fake of Stripe, left set by a stray setting, would be sent the live secret key.
        if (stripe.ApiBase is { Length: > 0 } apiBase && !apiBase.TrimEnd('/').Equals("https://api.stripe.com", StringComparison.OrdinalIgnoreCase))
        {
            problems.Add("Payouts:Stripe:ApiBase is for tests only: leave it out, or set it to https://api.stripe.com.");
        }

        if (stripe.ToleranceSeconds is < 1 or > 600)
        {
            problems.Add("Payouts:Stripe:ToleranceSeconds must be from 1 to 600: 0 refuses every webhook, and a long one lets an old one be played again.");
        }

        if (configuration[Telemetry.ConnectionStringKey] is { Length: > 0 } monitor && !monitor.Contains("InstrumentationKey=", StringComparison.OrdinalIgnoreCase))
        {
            problems.Add($"{Telemetry.ConnectionStringKey} is not an Application Insights connection string (InstrumentationKey=...;IngestionEndpoint=...).");
        }

        return problems;
    }

    /// <summary>A section as its options class, or the class's defaults and a problem saying why it could not be read.</summary>
    private static T Read<T>(IConfiguration configuration, string section, List<string> problems)
        where T : new()
    {
        try
        {
            return configuration.GetSection(section).Get<T>() ?? new T();
        }
        catch (InvalidOperationException ex)
        {
            problems.Add($"{section} cannot be read: {ex.Message}");
            return new T();
        }
    }

    /// <summary>A secret that arrived (an unresolved Key Vault reference has not).</summary>
    private static bool Given(string? value) => !string.IsNullOrWhiteSpace(value) && !KeyVaultReference.IsUnresolved(value);
}
