namespace SurvivorConnect.Api.Infrastructure.Hosting;

/// <summary>App Service passes a Key Vault reference it could not resolve on as the reference's own text.</summary>
public static class KeyVaultReference
{
    public static bool IsUnresolved(string? value) => value?.StartsWith("@Microsoft.KeyVault(", StringComparison.Ordinal) == true;
}
