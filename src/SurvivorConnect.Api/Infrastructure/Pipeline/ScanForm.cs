using System.Globalization;
using System.Text;

namespace SurvivorConnect.Api.Infrastructure.Pipeline;

/// <summary>
/// The text the chat's safety scan and topic matching read: what a person sees, without the tricks that make it look different to a pattern.
/// Styled forms read as plain ones (full-width "５５９" as "559", "ｓｎａｐ" as "snap", mathematical bold, circled,
/// squared and bracketed letters, small capitals, superscript and subscript letters and digits, accented Latin letters as plain ones (also
/// those of Latin Extended-B and Extended Additional), IPA, Armenian and Cherokee letters that look like Latin ones, every other single digit: circled, parenthesised, other scripts'; not flag letters, which a flag emoji is made of), a phone's curly apostrophe as a straight one, characters that draw nothing are dropped (joiners, variation selectors, tag
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

        // Small capitals and superscript letters, as "fancy text" keyboards write them ("ꜱɴᴀᴘᴄʜᴀᴛ", "ˢⁿᵃᵖ").
        [0x1D00] = 'a', [0x0299] = 'b', [0x1D04] = 'c', [0x1D05] = 'd', [0x1D07] = 'e', [0xA730] = 'f', [0x0262] = 'g', [0x029C] = 'h',
        [0x026A] = 'i', [0x1D0A] = 'j', [0x1D0B] = 'k', [0x029F] = 'l', [0x1D0D] = 'm', [0x0274] = 'n', [0x1D0F] = 'o', [0x1D18] = 'p',
        [0x01EB] = 'o', [0x0280] = 'r', [0xA731] = 's', [0x1D1B] = 't', [0x1D1C] = 'u', [0x1D20] = 'v', [0x1D21] = 'w', [0x028F] = 'y',
        [0x1D22] = 'z',
        [0x1D43] = 'a', [0x1D47] = 'b', [0x1D9C] = 'c', [0x1D48] = 'd', [0x1D49] = 'e', [0x1DA0] = 'f', [0x1D4D] = 'g', [0x02B0] = 'h',
        [0x2071] = 'i', [0x02B2] = 'j', [0x1D4F] = 'k', [0x02E1] = 'l', [0x1D50] = 'm', [0x207F] = 'n', [0x1D52] = 'o', [0x1D56] = 'p',
        [0x02B3] = 'r', [0x02E2] = 's', [0x1D57] = 't', [0x1D58] = 'u', [0x1D5B] = 'v', [0x02B7] = 'w', [0x02E3] = 'x', [0x02B8] = 'y',
        [0x1DBB] = 'z',

        // Superscript capitals and subscript letters ("ᴵᴺˢᵀᴬ", "ₛₙₐₚ").
        [0x1D2C] = 'A', [0x1D2E] = 'B', [0x1D30] = 'D', [0x1D31] = 'E', [0x1D33] = 'G', [0x1D34] = 'H', [0x1D35] = 'I', [0x1D36] = 'J',
        [0x1D37] = 'K', [0x1D38] = 'L', [0x1D39] = 'M', [0x1D3A] = 'N', [0x1D3C] = 'O', [0x1D3E] = 'P', [0x1D3F] = 'R', [0x1D40] = 'T',
        [0x1D41] = 'U', [0x1D42] = 'W', [0x2C7D] = 'V',
        [0x2090] = 'a', [0x2091] = 'e', [0x2092] = 'o', [0x2093] = 'x', [0x2095] = 'h', [0x2096] = 'k', [0x2097] = 'l', [0x2098] = 'm',
        [0x2099] = 'n', [0x209A] = 'p', [0x209B] = 's', [0x209C] = 't', [0x1D62] = 'i', [0x1D63] = 'r', [0x1D64] = 'u', [0x1D65] = 'v',
        [0x2C7C] = 'j',
    };

    /// <summary>
    /// Latin letters with an accent a long press on any phone keyboard gives ("snápchat"), read as the plain letter. The
    /// accent written as a separate mark is dropped anyway (it draws nothing by itself).
    /// </summary>
    private static readonly (string Accented, char Plain)[] Accented =
    [
        ("ÀÁÂÃÄÅĀĂĄ", 'A'), ("àáâãäåāăą", 'a'), ("ÇĆĈĊČ", 'C'), ("çćĉċč", 'c'), ("ÐĎĐ", 'D'), ("ďđ", 'd'),
        ("ÈÉÊËĒĔĖĘĚ", 'E'), ("èéêëēĕėęě", 'e'), ("ĜĞĠĢ", 'G'), ("ĝğġģ", 'g'), ("ĤĦ", 'H'), ("ĥħ", 'h'),
        ("ÌÍÎÏĨĪĬĮİ", 'I'), ("ìíîïĩīĭį", 'i'), ("Ĵ", 'J'), ("ĵ", 'j'), ("Ķ", 'K'), ("ķ", 'k'), ("ĹĻĽĿŁ", 'L'), ("ĺļľŀł", 'l'),
        ("ÑŃŅŇ", 'N'), ("ñńņňŉ", 'n'), ("ÒÓÔÕÖØŌŎŐ", 'O'), ("òóôõöøōŏő", 'o'), ("ŔŖŘ", 'R'), ("ŕŗř", 'r'),
        ("ŚŜŞŠ", 'S'), ("śŝşšſ", 's'), ("ŢŤŦ", 'T'), ("ţťŧ", 't'), ("ÙÚÛÜŨŪŬŮŰŲ", 'U'), ("ùúûüũūŭůűų", 'u'),
        ("Ŵ", 'W'), ("ŵ", 'w'), ("ÝŶŸ", 'Y'), ("ýÿŷ", 'y'), ("ŹŻŽ", 'Z'), ("źżž", 'z'),
    ];

    /// <summary>
    /// The plain letter of each of Latin Extended Additional (U+1E00 on: "snạpchat", "yọu"), '·' for none: Unicode's
    /// decompositions, written out as the ones above are.
    /// </summary>
    private const string ExtendedAdditional =
        "AaBbBbBbCcDdDdDdDdDdEeEeEeEeEeFfGgHhHhHhHhHhIiIiKkKkKkLlLlLlLlMm"
        + "MmMmNnNnNnNnOoOoOoOoPpPpRrRrRrRrSsSsSsSsSsTtTtTtTtUuUuUuUuUuVvVv"
        + "WwWwWwWwWwXxXxYyZzZzZzhtwyas····AaAaAaAaAaAaAaAaAaAaAaAaEeEeEeEe"
        + "EeEeEeEeIiIiOoOoOoOoOoOoOoOoOoOoOoOoUuUuUuUuUuUuUuYyYyYyYy······";

    /// <summary>The same for Latin Extended-B (U+0180 on: "ǎ", "ȧ").</summary>
    private const string ExtendedB =
        "································Oo·············Uu···············"
        + "····DDdLLlNNnAaIiOoUuUuUuUuUu·AaAa····GgKkOoOo··jDDdGg··NnAa····"
        + "AaAaEeEeIiIiOoOoRrRrUuUuSsTt··Hh······AaEeOoOoOoOoYy············"
        + "················";

    /// <summary>Letters that look like Latin ones and have no decomposition: IPA, Armenian, Cherokee, and Latin ones with a stroke or hook.</summary>
    private static readonly (string LookAlike, char Plain)[] OtherAlphabets =
    [
        ("\u0251", 'a'), ("\u0269", 'i'), ("\u025B", 'e'), ("\u0254", 'o'), ("\u0237", 'j'), ("\u0261", 'g'),
        ("\u0585", 'o'), ("\u057D", 'u'), ("\u0570", 'h'), ("\u0578", 'n'), ("\u0581", 'g'), ("\u0566", 'q'),
        ("\u13AA", 'A'), ("\u13A0", 'D'), ("\u13AC", 'E'), ("\u13C0", 'G'), ("\u13BB", 'H'), ("\u13A5", 'i'), ("\u13AB", 'J'),
        ("\u13E6", 'K'), ("\u13DE", 'L'), ("\u13B7", 'M'), ("\u13DF", 'C'), ("\u13A2", 'T'), ("\u13D2", 'R'), ("\u13DA", 'S'),
        ("\u13D9", 'V'), ("\u13B3", 'W'), ("\u13E2", 'P'), ("\u13C3", 'Z'), ("\u13A9", 'y'),

        // Latin letters with a stroke or a hook, which have no decomposition ("snaƥchat", "ƙik").
        ("\u0180", 'b'), ("\u0253", 'b'), ("\u0188", 'c'), ("\u023C", 'c'), ("\u0256", 'd'), ("\u0257", 'd'), ("\u0247", 'e'),
        ("\u0192", 'f'), ("\u0260", 'g'), ("\u0266", 'h'), ("\u0268", 'i'), ("\u0199", 'k'), ("\u019A", 'l'), ("\u0271", 'm'),
        ("\u019E", 'n'), ("\u0272", 'n'), ("\u01A5", 'p'), ("\u024D", 'r'), ("\u01AB", 't'), ("\u01AD", 't'), ("\u0288", 't'),
        ("\u0289", 'u'), ("\u01B4", 'y'), ("\u024F", 'y'), ("\u01B6", 'z'), ("\u0225", 'z'),
    ];

    static ScanForm()
    {
        foreach (var (accented, plain) in Accented)
        {
            foreach (var c in accented)
            {
                LookAlikes[c] = plain;
            }
        }

        foreach (var (letters, from) in new[] { (ExtendedAdditional, 0x1E00), (ExtendedB, 0x0180) })
        {
            for (var i = 0; i < letters.Length; i++)
            {
                if (letters[i] != '·')
                {
                    LookAlikes.TryAdd(from + i, letters[i]);
                }
            }
        }

        foreach (var (lookAlike, plain) in OtherAlphabets)
        {
            LookAlikes.TryAdd(char.ConvertToUtf32(lookAlike, 0), plain);
        }
    }

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
        0x3000 or (>= 0x2000 and <= 0x200A) or 0x202F or 0x205F or 0x00A0 or 0x1680 => ' ',
        0xFE6B => '@',
        0x2018 or 0x2019 or 0x201B or 0x02BC or 0x2032 or 0x0060 or 0x00B4 => '\'',
        0xFE52 or 0x2024 => '.',
        >= 0x1D400 and <= 0x1D6A3 => Letter((c - 0x1D400) % 52),
        >= 0x1D7CE and <= 0x1D7FF => (char)('0' + ((c - 0x1D7CE) % 10)),
        >= 0x24B6 and <= 0x24CF => (char)('A' + (c - 0x24B6)),
        >= 0x24D0 and <= 0x24E9 => (char)('a' + (c - 0x24D0)),
        >= 0x249C and <= 0x24B5 => (char)('a' + (c - 0x249C)),
        >= 0x1F110 and <= 0x1F129 => (char)('A' + (c - 0x1F110)),
        >= 0x1F130 and <= 0x1F149 => (char)('A' + (c - 0x1F130)),
        >= 0x1F150 and <= 0x1F169 => (char)('A' + (c - 0x1F150)),
        >= 0x1F170 and <= 0x1F189 => (char)('A' + (c - 0x1F170)),
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
