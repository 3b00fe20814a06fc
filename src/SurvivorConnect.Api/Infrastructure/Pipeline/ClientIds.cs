using System.Diagnostics.CodeAnalysis;

namespace SurvivorConnect.Api.Infrastructure.Pipeline;

/// <summary>
/// An id a client makes for its own request (a chat message, a check-in, a meeting), so the same request sent again is
/// done once: 1 to 64 letters, digits, - and _.
/// </summary>
public static class ClientIds
{
    public const int MaxLength = 64;

    public static bool IsValid([NotNullWhen(true)] string? id) =>
        id is { Length: > 0 and <= MaxLength } && id.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_');
}
