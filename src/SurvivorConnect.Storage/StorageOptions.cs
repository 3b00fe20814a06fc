using System.ComponentModel.DataAnnotations;

namespace SurvivorConnect.Storage;

public enum StorageProvider
{
    Sqlite,
    Cosmos,
}

/// <summary>The <c>Storage</c> configuration section.</summary>
public sealed class StorageOptions
{
    public const string SectionName = "Storage";

    public StorageProvider Provider { get; set; } = StorageProvider.Sqlite;

    public SqliteStoreOptions Sqlite { get; set; } = new();

    public CosmosStoreOptions Cosmos { get; set; } = new();
}

public sealed class SqliteStoreOptions
{
    /// <summary>The database file; a relative path is under the app's content root. Its folder is created.</summary>
    [Required]
    public string Path { get; set; } = "data/survivorconnect.db";
}

public sealed class CosmosStoreOptions
{
    /// <summary>The account endpoint, e.g. https://myaccount.documents.azure.com:443/.</summary>
    public string? Endpoint { get; set; }

    /// <summary>An account key (emulator, test server). Without one the store signs in with managed identity.</summary>
    public string? Key { get; set; }

    public string Database { get; set; } = "survivorconnect";

    /// <summary>Create the database and containers when missing. Off where infrastructure owns them.</summary>
    public bool CreateIfMissing { get; set; } = true;

    /// <summary>Gateway (HTTPS) or Direct (TCP) connectivity.</summary>
    public string ConnectionMode { get; set; } = "Direct";

    /// <summary>Talk only to the configured endpoint (needed by emulators that advertise other addresses).</summary>
    public bool LimitToEndpoint { get; set; }

    /// <summary>How many times the SDK retries a request throttled with 429 before we report 503.</summary>
    [Range(0, 20)]
    public int MaxRetryAttemptsOnRateLimitedRequests { get; set; } = 9;

    [Range(0, 120)]
    public int MaxRetryWaitSeconds { get; set; } = 30;

    [Range(1, 120)]
    public int RequestTimeoutSeconds { get; set; } = 10;
}
