using System.Globalization;
using System.Text;

namespace SurvivorConnect.Api.Infrastructure.Pipeline;

/// <summary>
/// The text the chat's safety scan and topic matching read: what a person sees, without the tricks that make it look different to a pattern.
/// Styled forms read as plain ones (full-width "５５９" as "559", "ｓｎａｐ" as "snap", mathematical bold and circled
/// letters, superscript digits, every other single digit: circled, parenthesised, other scripts'; not flag letters, which a flag emoji is made of), a phone's curly apostrophe as a straight one, characters that draw nothing are dropped (joiners, variation selectors, tag
/// characters, fillers), and Cyrillic and Greek letters that look like Latin ones read as those. The message itself is
/// stored and shown as it was sent.
/// </summary>
public static class ScanForm
{
    private static readonly Dictionary<int, char> LookAlikes = new()
    {
        ['а'] = 'a', ['в'] = 'b', ['е'] = 'e', ['ё'] = 'e', ['к'] = 'k', ['м'] = 'm', ['н'] = 'h', ['о'] = 'o', ['р'] = 'p', ['с'] = 'c',
        ['т'] = 't', ['у'] = 'y', ['х'] = 'x', ['і'] = 'i', ['ї'] = 'i', ['ј'] = 'j', ['ѕ'] = 's', ['ԁ'] = 'd', ['ԛ'] = 'q', ['ԝ'] = 'w',
        ['ɡ'] = 'g', ['ı'] = 'i', ['α'] = 'a', ['β'] = 'b', ['ε'] = 'e', ['ι'] = 'i', ['κ'] = 'k', ['ν'] = 'v', ['ο'] = 'o', ['ρ'] = 'p',
        ['τ'] = 't', ['υ'] = 'u', ['χ'] = 'x', ['ω'] = 'w', ['Α'] = 'A', ['Β'] = 'B', ['Ε'] = 'E', ['Η'] = 'H', ['Ι'] = 'I', ['Κ'] = 'K',
        ['Μ'] = 'M', ['Ν'] = 'N', ['Ο'] = 'O', ['Ρ'] = 'P', ['Τ'] = 'T', ['Χ'] = 'X', ['Υ'] = 'Y', ['Ζ'] = 'Z', ['А'] = 'A', ['В'] = 'B',
        ['Е'] = 'E', ['К'] = 'K', ['М'] = 'M', ['Н'] = 'H', ['О'] = 'O', ['Р'] = 'P', ['С'] = 'C', ['Т'] = 'T', ['Х'] = 'X', ['Ѕ'] = 'S',
        ['І'] = 'I', ['Ј'] = 'J',

        // Letterlike symbols: script, double-struck and black-letter capitals and the like ("ℐnstagram").
        [0x2102] = 'C', [0x210A] = 'g', [0x210B] = 'H', [0x210C] = 'H', [0x210D] = 'H', [0x210E] = 'h', [0x2110] = 'I', [0x2111] = 'I',
        [0x2112] = 'L', [0x2113] = 'l', [0x2115] = 'N', [0x2119] = 'P', [0x211A] = 'Q', [0x211B] = 'R', [0x211C] = 'R', [0x211D] = 'R',
        [0x2124] = 'Z', [0x2128] = 'Z', [0x212A] = 'K', [0x212B] = 'A', [0x212C] = 'B', [0x212D] = 'C', [0x212F] = 'e', [0x2130] = 'E',
        [0x2131] = 'F', [0x2133] = 'M', [0x2134] = 'o', [0x2139] = 'i', [0x2145] = 'D', [0x2146] = 'd', [0x2147] = 'e', [0x2148] = 'i',
        [0x2149] = 'j',

        // Roman numerals that are one letter ("tⅰktok"), read as letters before any is read as a number.
        [0x2160] = 'I', [0x2164] = 'V', [0x2169] = 'X', [0x216C] = 'L', [0x216D] = 'C', [0x216E] = 'D', [0x216F] = 'M',
        [0x2170] = 'i', [0x2174] = 'v', [0x2179] = 'x', [0x217C] = 'l', [0x217D] = 'c', [0x217E] = 'd', [0x217F] = 'm',
    };

    public static string Of(string text)
    {
        var builder = new StringBuilder(text.Length);
        foreach (var rune in text.EnumerateRunes())
        {
            if (DrawsNothing(rune))
            {
                continue;
            }

            if (Plain(rune.Value) is { } plain)
            {
                builder.Append(plain);
            }
            else
            {
                builder.Append(rune.ToString());
            }
        }

        return builder.ToString();
    }

    /// <summary>
    /// The plain letter, digit or sign a styled one stands for. Written out rather than left to Unicode normalisation,
    /// which the app's invariant globalisation does not do, and so the scan reads the same on every machine.
    /// </summary>
    private static char? Plain(int c) => c switch
    {
        >= 0xFF01 and <= 0xFF5E => (char)(c - 0xFEE0),
        0x3000 or (>= 0x2000 and <= 0x200A) or 0x202F or 0x205F => ' ',
        0xFE6B => '@',
        0x2018 or 0x2019 or 0x201B or 0x02BC or 0x2032 or 0x0060 or 0x00B4 => '\'',
        0xFE52 or 0x2024 => '.',
        >= 0x1D400 and <= 0x1D6A3 => Letter((c - 0x1D400) % 52),
        >= 0x1D7CE and <= 0x1D7FF => (char)('0' + ((c - 0x1D7CE) % 10)),
        >= 0x24B6 and <= 0x24CF => (char)('A' + (c - 0x24B6)),
        >= 0x24D0 and <= 0x24E9 => (char)('a' + (c - 0x24D0)),
        >= 0x2460 and <= 0x2468 => (char)('1' + (c - 0x2460)),
        >= 0x2080 and <= 0x2089 => (char)('0' + (c - 0x2080)),
        0x2070 => '0',
        0x00B9 => '1',
        0x00B2 => '2',
        0x00B3 => '3',
        >= 0x2074 and <= 0x2079 => (char)('4' + (c - 0x2074)),
        _ when LookAlikes.TryGetValue(c, out var latin) => latin,
        _ => Digit(c),
    };

    /// <summary>
    /// Any other character that stands for one digit (circled, negative circled, parenthesised, with a full stop, other
    /// scripts' digits): a phone number written in them is a phone number. Unicode's own numeric values, which are built
    /// into the runtime rather than read from the machine.
    /// </summary>
    private static char? Digit(int c) =>
        c > 0x7F && Rune.IsValid(c) && Rune.GetNumericValue(new Rune(c)) is var value && value >= 0 && value <= 9 && value == Math.Floor(value)
            ? (char)('0' + (int)value)
            : null;

    private static char Letter(int index) => index < 26 ? (char)('A' + index) : (char)('a' + index - 26);

    private static bool DrawsNothing(Rune rune) =>
        HiddenCharacters.IsHidden(rune) || Rune.GetUnicodeCategory(rune) is UnicodeCategory.NonSpacingMark or UnicodeCategory.EnclosingMark;
}
