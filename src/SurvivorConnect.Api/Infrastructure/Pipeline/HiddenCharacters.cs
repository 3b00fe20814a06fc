using System.Globalization;
using System.Text;

namespace SurvivorConnect.Api.Infrastructure.Pipeline;

/// <summary>
/// Characters a reader cannot see that change what they do see: format characters (zero-width ones, direction marks,
/// overrides and isolates, the byte-order mark, the soft hyphen, tag characters) and the fillers that draw a blank
/// where a letter should be. They can disguise a link or a phone number, make a name read backwards, or make two
/// people's names look alike or a name look empty; chat strips them and every other text field refuses them.
/// </summary>
public static class HiddenCharacters
{
    public static bool IsHidden(Rune rune) =>
        Rune.GetUnicodeCategory(rune) == UnicodeCategory.Format || rune.Value is 0x115F or 0x1160 or 0x3164 or 0xFFA0 or 0x2800;

    public static bool AnyIn(string text) => text.EnumerateRunes().Any(IsHidden);
}
