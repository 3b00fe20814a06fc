using System.Text;
using SurvivorConnect.Api.Infrastructure.Pipeline;

namespace SurvivorConnect.Api.Features.Chat.Rules;

/// <summary>
/// What a chat message's text may be. Invisible and direction-changing characters are removed (they can
/// disguise links and phone numbers from people and from the safety scan); broken text is refused.
/// </summary>
public static class MessageText
{
    public const int MaxLength = 2000;

    public sealed record Result(string? Text, string? Problem);

    public static Result Clean(string? text)
    {
        if (text is null)
        {
            return new Result(null, "A message needs some text.");
        }

        if (!IsValidUtf16(text))
        {
            return new Result(null, "The message contains broken characters and was not sent.");
        }

        var cleaned = Stripped(text);
        if (cleaned.Length == 0)
        {
            return new Result(null, "A message needs some text.");
        }

        return cleaned.Length > MaxLength
            ? new Result(null, $"A message can be at most {MaxLength} characters.")
            : new Result(cleaned, null);
    }

    /// <summary>
    /// The words of a message refused as too long, for the safety scan only (never stored or shown): such a message is
    /// not sent, but words of danger in it must still reach someone.
    /// </summary>
    public static string? Scannable(string? text) => text is null ? null : Stripped(text) is { Length: > 0 } words ? words : null;

    /// <summary>Without hidden and control characters (a broken one reads as U+FFFD), trimmed.</summary>
    private static string Stripped(string text)
    {
        var builder = new StringBuilder(text.Length);
        foreach (var rune in text.EnumerateRunes())
        {
            if (!HiddenCharacters.IsHidden(rune) && (!Rune.IsControl(rune) || rune.Value is '\n' or '\t'))
            {
                builder.Append(rune.ToString());
            }
        }

        return builder.ToString().Trim();
    }

    private static bool IsValidUtf16(string text)
    {
        for (var i = 0; i < text.Length; i++)
        {
            if (char.IsHighSurrogate(text[i]))
            {
                if (i + 1 >= text.Length || !char.IsLowSurrogate(text[i + 1]))
                {
                    return false;
                }

                i++;
            }
            else if (char.IsLowSurrogate(text[i]))
            {
                return false;
            }
        }

        return true;
    }
}
