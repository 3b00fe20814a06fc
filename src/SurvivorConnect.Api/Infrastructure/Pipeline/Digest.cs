using System.Security.Cryptography;
using System.Text;

namespace SurvivorConnect.Api.Infrastructure.Pipeline;

/// <summary>
/// A stable digest of text, as lower-case hex: ids made from other ids (the same request makes the same record) and keys
/// that must not show what they were made from.
/// </summary>
public static class Digest
{
    public static string Of(string text, int length = 64) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)))[..length];
}
