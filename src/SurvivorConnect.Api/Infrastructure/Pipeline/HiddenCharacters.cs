namespace SurvivorConnect.Api.Infrastructure.Pipeline;

/// <summary>
/// Characters a reader cannot see that change what they do see: zero-width characters, bidirectional
/// overrides and isolates, the byte-order mark and the soft hyphen. They can disguise a link or a phone
/// number, or make a name read backwards; chat strips them and every other text field refuses them.
/// </summary>
public static class HiddenCharacters
{
    public static bool IsHidden(char c) =>
        c is >= '\u200B' and <= '\u200F' or >= '\u202A' and <= '\u202E' or >= '\u2060' and <= '\u2069' or '\uFEFF' or '\u00AD';
}
