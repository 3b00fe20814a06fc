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
    /// <summary>What App Service passes on when it could not resolve a Key Vault reference: the reference itself.</summary>
    private const string UnresolvedKeyVaultReference = "@Microsoft.KeyVault(";

    /// <summary>Keys Production cannot run without (the deployment's app settings give each one).</summary>
    public static IReadOnlyList<string> RequiredInProduction { get; } =
    [
        "Storage:Provider", "Storage:Cosmos:Endpoint", "Storage:Cosmos:Database",
        "Auth:Authority", "Auth:Audience", "Auth:Portal:ClientId",

        // Several instances: the SignalR backplane, chat access changes and the shared Data Protection keys.
        $"{ChatOptions.SectionName}:Redis",
    ];

    public static void Check(IConfiguration configuration, IHostEnvironment environment)
    {
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
            else if (value.StartsWith(UnresolvedKeyVaultReference, StringComparison.Ordinal))
            {
                problems.Add($"{key} is a Key Vault reference App Service could not resolve: give the app's identity access to the secret, and check the secret exists.");
            }
        }

        var storage = configuration.GetSection(StorageOptions.SectionName).Get<StorageOptions>() ?? new StorageOptions();
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

        if (configuration.GetValue<bool>("DetailedErrors"))
        {
            problems.Add("DetailedErrors must be off.");
        }

        if (!string.IsNullOrEmpty(configuration[$"{AuthOptions.SectionName}:Development:SigningKey"]))
        {
            problems.Add("Auth:Development:SigningKey must not be set: sign-in is through Microsoft Entra ID.");
        }

        var stripe = configuration.GetSection($"{PayoutOptions.SectionName}:Stripe").Get<StripeOptions>() ?? new StripeOptions();
        if (Given(stripe.SecretKey) != Given(stripe.WebhookSecret))
        {
            problems.Add("Payouts:Stripe:SecretKey and Payouts:Stripe:WebhookSecret are given together or not at all: payouts sent without their webhook never learn they were paid.");
        }

        if (configuration[Telemetry.ConnectionStringKey] is { Length: > 0 } monitor && !monitor.Contains("InstrumentationKey=", StringComparison.OrdinalIgnoreCase))
        {
            problems.Add($"{Telemetry.ConnectionStringKey} is not an Application Insights connection string (InstrumentationKey=...;IngestionEndpoint=...).");
        }

        return problems;
    }

    /// <summary>A secret that arrived (an unresolved Key Vault reference has not).</summary>
    private static bool Given(string? value) => !string.IsNullOrWhiteSpace(value) && !value.StartsWith(UnresolvedKeyVaultReference, StringComparison.Ordinal);
}
