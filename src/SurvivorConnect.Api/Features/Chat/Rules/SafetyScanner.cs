using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using SurvivorConnect.Api.Infrastructure.Pipeline;

namespace SurvivorConnect.Api.Features.Chat.Rules;

/// <summary>What the scan decided for one message.</summary>
public enum SafetyAction
{
    Deliver,
    DeliverAndFlag,
    Hold,
}

public sealed record SafetyFinding(string Kind, string Category);

public sealed record SafetyVerdict(SafetyAction Action, bool Urgent, IReadOnlyList<SafetyFinding> Findings);

/// <summary>
/// One configured rule: a kind (e.g. "phone-number"), and a .NET regular expression that the linear-time
/// engine accepts (no lookarounds, backreferences or atomic groups).
/// </summary>
public sealed class SafetyRule
{
    public string Kind { get; set; } = "";

    public string Pattern { get; set; } = "";
}

/// <summary>
/// The <c>Chat:Safety</c> section. <c>Hold</c>: contact outside the platform (a grooming and recruitment
/// risk), held for case-manager review. <c>Flag</c>: delivered, flagged to the case manager. <c>Crisis</c>:
/// delivered, flagged urgent at once, and the sender is shown crisis resources.
/// </summary>
public sealed class SafetyOptions
{
    public const string SectionName = "Chat:Safety";

    public List<SafetyRule> Hold { get; set; } = [];

    public List<SafetyRule> Flag { get; set; } = [];

    public List<SafetyRule> Crisis { get; set; } = [];

    /// <summary>
    /// Held when the mentor writes them to the youth, delivered and flagged the other way: an adult asking a youth to
    /// keep secrets, offering to fetch them, or money and gifts, is how grooming begins (the policy paper), and the
    /// youth should not read it before their case manager has.
    /// </summary>
    public List<SafetyRule> HoldFromMentor { get; set; } = [];

    /// <summary>
    /// Ten digits as every three or four groups of two to four digits ("559 555 01 34", "5595 550 134"), set apart by up
    /// to three spaces, dots, dashes or brackets. Not a date: no slash or comma between groups (one after the number, before
    /// a word, is only punctuation), no four digits that read as a year (19xx, 20xx: "03-14-2025 10 am"), and no colon
    /// after, which makes the last group an hour ("10:30").
    /// </summary>
    private static string TenDigitsInGroups()
    {
        static IEnumerable<int[]> Shapes(int left, int groups) => groups == 0
            ? left == 0 ? [[]] : []
            : Enumerable.Range(2, 3).Where(n => n <= left).SelectMany(n => Shapes(left - n, groups - 1).Select(rest => (int[])[n, .. rest]));
        static string Group(int n) => n == 4 ? @"(?:[03-9]\d{3}|1[0-8]\d{2}|2[1-9]\d{2})" : $@"\d{{{n}}}";
        var shapes = Shapes(10, 3).Concat(Shapes(10, 4)).Select(shape => string.Join(@"[\s.\-()]{1,3}", shape.Select(Group)));
        return $@"(?:^|[^\d:/,])(?:{string.Join("|", shapes)})(?:[^\d:/,]|[,/](?:\D|$)|$)";
    }

    /// <summary>The rules this product ships with; configuration may replace each list.</summary>
    public static SafetyOptions Defaults() => new()
    {
        Hold =
        [
            // Ten digits in threes and a four however they are set apart ("559 - 555 - 0134"), in three or four groups of
            // two to four ("559 555 01 34", "5595 550 134"), each digit on its own ("5 5 9 5 5 5 0 1 3 4"), or ten digits
            // spelled out; not a date and time ("03-14-2025 10:30"), grades or counting.
            new() { Kind = "phone-number", Pattern = @"(?:^|\D)(?:\+?1[\s.,/\-]{0,3})?\(?\d{3}\)?[\s.,/\-]{0,3}\d{3}[\s.,/\-]{0,3}\d{4}(?:\D|$)|(?:^|\D)\d(?:[\s.\-]\d){9}(?:\D|$)|\b(?:(?:zero|oh|one|two|three|four|five|six|seven|eight|nine)[\s,.\-]+){9}(?:zero|oh|one|two|three|four|five|six|seven|eight|nine)\b|" + TenDigitsInGroups() },
            new() { Kind = "email-address", Pattern = @"[A-Za-z0-9._%+\-]+\s*(?:@|\(at\)|\[at\])\s*[A-Za-z0-9.\-]+(?:\.[A-Za-z]{2,}|\s*(?:\.|\(dot\)|\[dot\])\s*(?:com|net|org|edu|gov|io|me|co|us|uk|ca|info|biz)\b)|[A-Za-z0-9._%+\-]+\s+at\s+[A-Za-z0-9\-]+\s+dot\s+(?:com|net|org|edu|gov|io|me|co|us|uk|ca)\b|\bat\s+(?:gmail|yahoo|hotmail|icloud|outlook|aol|proton(?:mail)?)\b|\b(?:gmail|yahoo|hotmail|icloud|outlook|aol|proton(?:mail)?)\s*(?:is|:|-)?\s*@?[A-Za-z][A-Za-z0-9]*(?:[._][A-Za-z0-9]|[0-9])[A-Za-z0-9._]*" },
            // A Cash App tag ("$riley22") reaches a person as a handle does, and money with it.
            new() { Kind = "payment-handle", Pattern = @"(?:^|[^\w$])\$[A-Za-z][A-Za-z0-9_\-]{2,20}" },
            new() { Kind = "link", Pattern = @"(?:https?://|www\.)\S+|\b[a-z0-9\-]+\.(?:com|net|org|io|me|co|app|ly|gg|tv|info|biz|ee|bio|link|xyz|site|page|cc|gd|fm)\b|\b[a-z0-9\-]+\s+dot\s+(?:com|net|org|io|me|co|app|ly|gg|tv|info|biz|ee|bio|link|xyz|site)\b" },
            // A platform's full name is held wherever it stands; its short names are everyday words too ("ig" is "I guess",
            // "oh snap", "I snap at people"), held only as someone's account: "my ig", "add me on insta", "snap me",
            // "ig: riley", or beside a handle-like name ("snap jay_2024", "ig riley.xo").
            new() { Kind = "social-handle", Pattern = @"(?:^|[^\w.])@[A-Za-z0-9_.]{3,30}\b|\b(?:snap\s?chat|insta\s?gram|tik\s?tok|kik|tele\s?gram|whats\s?app?|discord|facebook|twitter|x\.com|facetime|imessage|google\s+voice|textnow|textfree|onlyfans|wickr|wechat|viber)\b|\b(?:on|via)\s+(?:signal|messenger)\b|\b(?:signal|messenger)\s+me\b|\b[A-Za-z][A-Za-z0-9]*[_.0-9][A-Za-z0-9_.]*\s+on\s+(?:the\s+)?(?:gram|snap|insta|ig|sc)\b|\b(?:my|your|ur|on)\s+(?:snap|insta|ig|fb)\b|\bsnap\s+me\b|\b(?:snap|insta|ig|fb)\s*(?:(?:handle|name|id)\b|[:\-@]\s*@?[A-Za-z0-9_.]{3,30})|\b(?:snap|insta|ig|fb)\s+[A-Za-z][A-Za-z0-9]*[_.0-9][A-Za-z0-9_.]*[A-Za-z0-9]|\b(?:gram|sc)\b\s*(?:(?:handle|name|id)\b|[:@]\s*@?[A-Za-z0-9_.]{3,30})|\b(?:gram|sc)\b\s+@?[A-Za-z][A-Za-z0-9.]{2,}[_0-9][A-Za-z0-9_.]*" },
            // Abbreviations read as addresses after any house number; whole words that also end ordinary sentences ("2 weeks
            // until court", "a 20 minute drive", "on my street") only after names written as names ("12 Oak Court").
            new() { Kind = "street-address", Pattern = @"\b\d{1,6}\s+(?:[A-Za-z0-9.]+\s+){1,4}(?:st|ave|avenue|rd|blvd|boulevard|ln)\b\.?|\b\d{1,6}\s+(?:(?-i:[A-Z][A-Za-z]*\.?)\s+){1,4}(?:street|road|drive|dr|lane|court|ct|way|place|pl|apt|apartment)\b\.?" },
        ],
        Flag =
        [
            new() { Kind = "meet-off-platform", Pattern = @"\b(?:meet\s+(?:up|me|irl|somewhere|after|tonight|tomorrow|this|next|on|at|outside)|meet\s+you\s+(?:at|in|after|tonight|tomorrow|somewhere|outside|there|this|next|on)|(?:let'?s|want\s+to|we\s+(?:should|could|can))\s+meet|(?:can|could|should)\s+we\s+meet|(?:when|where)\s+(?:can|could|should|do|will)\s+(?:we|i)\s+meet|love\s+to\s+meet\s+(?:you|u)|meet\s+(?:you|u)\s+(?:irl|in\s+person)|link\s+up|hang\s*out|come\s+over|pick\s+(?:you|u)\s+up|see\s+(?:you|u)\s+in\s+person|just\s+(?:us|the\s+two\s+of\s+us)|(?:don'?t|do\s+not)\s+tell\s+(?:anyone|your\s+case\s*worker|your\s+case\s*manager))\b" },
            new() { Kind = "money-gift-ride", Pattern = @"\b(?:cash\s*app|venmo|zelle|paypal|send\s+(?:you|u)\s+(?:money|\$)|give\s+(?:you|u)\s+(?:money|a\s+ride|a\s+gift)|buy\s+(?:you|u)|gift\s*card|\$\s?\d+|a\s+ride)\b" },
        ],
        HoldFromMentor =
        [
            new() { Kind = "secrecy", Pattern = @"\b(?:(?:don'?t|dont|do\s+not)\s+(?:let\s+(?:your|ur)\s+(?:case\s*(?:worker|manager)|cm|cw|worker|mom|dad|parents?|family|staff|foster\s+\w+)\s+(?:see|know|find\s+out|read)|(?:mention|say\s+anything\s+about)\s+(?:this|it|us)\s+to)|no\s+need\s+to\s+(?:mention|tell)\s+(?:(?:this|it|us)\s+)?(?:to\s+)?(?:your|ur|anyone|anybody|her|him|them|staff|the\s+staff)|just\s+(?:you\s+and\s+me|me\s+and\s+you)|(?:don'?t|dont|do\s+not)\s+tell\s+(?:(?:your|ur)\s+(?:case\s*(?:worker|manager)|cm|cw|worker|mom|dad|parents?|family|friends?|staff|foster\s+\w+)|(?:anyone|anybody|nobody)(?:\s*(?:[.!?,]|$)|\s+(?:about|that|i|we|ok|okay|but|lol|yet|this|or)\b))|our\s+(?:little\s+)?secret|(?:it'?s|this\s+is|that'?s)\s+(?:a|our)\s+(?:little\s+)?secret|keep\s+(?:this|it)\s+(?:between\s+us|to\s+yourself|secret)|between\s+(?:you\s+and\s+me|me\s+and\s+you)|just\s+(?:us\s+two|the\s+two\s+of\s+us)|delete\s+(?:this|these|the)\s+(?:message|messages|chat))" },
            new() { Kind = "pick-up-or-ride", Pattern = @"\b(?:pick\s+(?:you|u)\s+up|come\s+(?:get|grab)\s+(?:you|u)|(?:i'?ll|i\s+will|i\s+can|i\s+could|me\s+to|let\s+me)\s+(?:drive\s+(?:you|u)|give\s+(?:you|u)\s+a\s+(?:ride|lift)|grab\s+(?:you|u)\s+(?:after|at|from|tonight|tomorrow|later|when))|come\s+over\s+to\s+my|(?:be|wait|waiting|park|parked)\s+outside\s+(?:your|ur)\s+(?:school|house|place|home|work|job|building|group\s+home)|swing\s+by\s+(?:your|ur)|come\s+to\s+(?:your|ur)\s+(?:school|house|place|home|work|job|building)|i'?ll\s+come\s+to\s+you|(?:stay|crash|sleep)\s+(?:at|with)\s+me|(?:stay|crash|sleep)\s+(?:at|in)\s+my\s+(?:place|house|apartment|apt|room|car|spot|crib)|(?:you|u)\s+(?:can|could)\s+(?:stay|crash|sleep)\s+(?:at|with)\s+my|come\s+(?:stay|crash|sleep)\s+(?:at|with)|(?:get|order|call|book|send)\s+(?:you|u)\s+an?\s+(?:uber|lyft|cab|taxi)|link\s+up)\b" },
            new() { Kind = "money-or-gift", Pattern = @"\b(?:send\s+(?:you|u)\s+(?:money|cash|\$\s?\d+|\d+\s*(?:dollars|bucks))|give\s+(?:you|u)\s+(?:money|cash|a\s+gift)|buy\s+(?:you|u)\s+(?:a|an|some|something|anything|stuff|clothes)|get\s+(?:you|u)\s+(?:a\s+|an\s+|some\s+)?(?:new\s+)?(?:phone|clothes|shoes|gift|present|something\s+nice|anything\s+you\s+want)|gift\s*cards?|cash\s*app|venmo|zelle|paypal|send\s+(?:you|u)\s+(?:like\s+)?(?:ten|twenty|thirty|forty|fifty|(?:a\s+)?hundred)\s+(?:bucks|dollars)|send\s+(?:you|u)\s+(?:a\s+few\s+bucks|some\s+(?:money|cash|bucks))|put\s+(?:money|cash|\$\s?\d+|\d+)\s+on\s+(?:your|ur)\s+(?:card|account|books|phone)|get\s+(?:you|u)\s+(?:some|sum)\s+new\s+(?:clothes|shoes|kicks|stuff|nails|hair|fits?|phone))\b|\bsend\s+(?:you|u)\s+(?:like\s+)?(?:ten|twenty|thirty|forty|fifty|(?:a\s+)?hundred)\s*(?:[.!,]|$)" },
        ],
        Crisis =
        [
            // Ways of saying it that are also everyday speech ("I don't want to live with my dad", "she beat me at cards",
            // "they have my id at the front desk") count only where the sentence ends with them (an emoji, a question or a
            // new line ends one too) or goes on about it.
            new() { Kind = "self-harm", Pattern = @"\b(?:kill(?:ing)?\s+myself|(?:going\s+to|want\s+to|about\s+to|bout\s+to|i'?ll|i'?ma|i\s+will|i\s+might|i\s+could|i\s+should)\s+kms|^\s*kms|unaliv\w*|end\s+(?:it\s+all|my\s+life|it\s+tonight)|suicid\w*|want\s+to\s+(?:die|be\s+dead|disappear\s+forever)|wish\s+i\s+(?:was|were)\s+dead|better\s+off\s+dead|not\s+(?:be|being)\s+here\s+anymore|hurt(?:ing)?\s+myself|cut(?:ting)?\s+myself|no\s+reason\s+to\s+live|overdose|(?:i|i've|i\s+have|i\s+just|i\s+almost|going\s+to|want\s+to|tried\s+to)\s+overdos\w*|(?:don'?t|do\s+not)\s+want\s+to\s+(?:be\s+here|wake\s+up)\s+(?:anymore|any\s+more|ever\s+again|tomorrow|again))\b|\b(?:don'?t|do\s+not)\s+want\s+to\s+(?:be\s+alive|live|wake\s+up)(?:\s+(?:anymore|any\s+more|ever\s+again))?\s*(?:[^\w\s]|$|lol\b|tbh\b|honestly\b|fr\b)" },
            new() { Kind = "in-danger", Pattern = @"\b(?:i(?:'?m|\s+am)\s+(?:in\s+danger|not\s+safe|scared\s+for\s+my\s+life|(?:so\s+|really\s+)?scared\s+of\s+(?:him|her|them)|(?:so\s+|really\s+)?scared\s+(?:he|she|they)(?:'?s|'?re|'ll|'d|\s+is|\s+are|\s+will|\s+might|\s+would)?(?:\s+going\s+to)?\s+(?:hurt|kill|find|hit|beat|come|coming|get))|(?:don'?t|do\s+not)\s+feel\s+safe|(?:he|she|they)(?:'?s|'?re|'ll|'d|\s+is|\s+are|\s+will|\s+would|\s+might|\s+said\s+(?:he|she|they)(?:'d|'ll|\s+would|\s+will)?)(?:\s+(?:going\s+to|literally|really|actually|prob(?:ably)?))*\s+(?:hurt|kill|choke)\s+me|(?:he|she|they)(?:'ll|'d|\s+will|\s+would|(?:'?s|'?re|\s+is|\s+are)\s+going\s+to)\s+beat\s+me|being\s+followed|help\s+me\s+(?:please|pls|plz))\b|\b(?:he|she|they|my\s+(?:bf|boyfriend|man|daddy|pimp))\s+(?:beats|beat|hits|hit|hurts|hurt|chokes|choked)\s+me\s*(?:[^\w\s]|$|and\b|when\b|if\b|again\b|so\b|last\b|yesterday\b|today\b|tonight\b|out\b|sometimes\b|a\s+lot\b|hard\b|bad\b|all\s+the\s+time|every\s+(?:day|night))|\bi(?:'?m|\s+am)\s+(?:so\s+|really\s+)?scared\s*(?:[^\w\s]|$)|\b(?:please|pls|plz)\s+help(?:\s+me)?\s*(?:[.!?]|$)" },
            new() { Kind = "being-forced", Pattern = @"\b(?:forc(?:e|es|ed|ing)\s+me|mak(?:es?|ing)\s+me\s+(?:do\s+it|sell|see\s+(?:men|guys|people|dudes|johns|clients)|work\s+(?:for\s+(?:him|her|them)|the\s+(?:streets?|track|blade|corner)))|(?:he|she|they)(?:'?s|'?re|\s+is|\s+are)?\s+mak(?:es|ing)\s+me\s+work|(?:won'?t|will\s+not|doesn'?t|does\s+not|don'?t|do\s+not)\s+let\s+me\s+(?:leave|go\s+home)|took\s+my\s+(?:phone|id|papers)|owe\s+(?:him|her|them|daddy)\s+(?:money|\$\s?\d+|\d+))\b|\b(?:he|she|they|daddy)\s+(?:won'?t|will\s+not|doesn'?t|does\s+not|don'?t|do\s+not)\s+let\s+me\s+go\s*(?:[^\w\s]|$)|\b(?:he|she|they)\s+(?:has|have|keeps?|kept|takes)\s+my\s+(?:phone|id|papers|money)\s*(?:[^\w\s]|$|and\b|so\b|now\b)" },
        ],
    };
}

/// <summary>
/// Scans one message. Pure and deterministic: the same text and rules always give the same verdict.
/// Contact details are always held, even beside crisis language (they must not leave the platform);
/// crisis language is always urgent, so the case manager hears of it at once either way. It reads the message's
/// <see cref="ScanForm"/>, so look-alike and invisible characters do not hide what a person would read.
/// </summary>
/// <remarks>
/// The rules run on .NET's non-backtracking engine: its time is linear in the text, so no input can make a
/// scan slow and no timeout is needed. A timeout would make the verdict depend on how busy the machine is.
/// </remarks>
public sealed partial class SafetyScanner : IContactDetails
{
    private readonly (string Kind, Regex Pattern)[] _hold;
    private readonly (string Kind, Regex Pattern)[] _phone;
    private readonly (string Kind, Regex Pattern)[] _notPhone;
    private readonly (string Kind, Regex Pattern)[] _flag;
    private readonly (string Kind, Regex Pattern)[] _crisis;
    private readonly (string Kind, Regex Pattern)[] _fromMentor;

    private const string PhoneNumber = "phone-number";

    public SafetyScanner(SafetyOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _hold = Compile(options.Hold, nameof(options.Hold));
        _phone = [.. _hold.Where(r => r.Kind == PhoneNumber)];
        _notPhone = [.. _hold.Where(r => r.Kind != PhoneNumber)];
        _flag = Compile(options.Flag, nameof(options.Flag));
        _crisis = Compile(options.Crisis, nameof(options.Crisis));
        _fromMentor = Compile(options.HoldFromMentor, nameof(options.HoldFromMentor));
    }

    /// <param name="fromMentor">Written by a mentor to a youth: what would only be flagged the other way may be held.</param>
    public SafetyVerdict Scan(string text, bool fromMentor = false)
    {
        text = Lines(text);
        var spoken = Spoken(text);
        var folded = Folded(spoken);
        string[] readings = [.. new[] { text, spoken, folded }.Distinct(StringComparer.Ordinal)];
        var crisis = Find(_crisis, readings, "crisis");
        List<SafetyFinding> hold = [.. Contact(text, folded), .. fromMentor ? Find(_fromMentor, readings, "grooming") : []];
        var flag = Find(_flag, readings, "concern");
        var findings = crisis.Concat(hold).Concat(flag).ToList();
        var action = hold.Count > 0 ? SafetyAction.Hold
            : findings.Count > 0 ? SafetyAction.DeliverAndFlag
            : SafetyAction.Deliver;
        return new SafetyVerdict(action, crisis.Count > 0, findings);
    }

    /// <summary>What a message holding it would be held for.</summary>
    public bool Shares(string text)
    {
        text = Lines(text);
        return Contact(text, Folded(Spoken(text))).Count > 0;
    }

    /// <summary>
    /// Contact details as written; as read with the letters that stand in for digits read as digits, so a handle that
    /// begins "lol9" is still a handle while "559 555 O134" is a phone number; and, for all but phone numbers, as read
    /// with digits that stand in for letters read as letters ("sn4pchat"). Phone numbers are looked for with digits
    /// spelled out read as digits too ("559 five five five 0134"), and with marks no number is written with between digits
    /// read as a space ("559_555_0134", "559 🔥 555 🔥 0134"); only they, as "one more st" is no address.
    /// </summary>
    private List<SafetyFinding> Contact(string text, string folded)
    {
        var digits = LettersAmongDigits(text);
        string[] asWritten = [.. new[] { text, digits }.Distinct(StringComparer.Ordinal)];
        // Each reading is looked at only where it differs from those before (most messages read one way).
        return [.. Find(_hold, asWritten, "contact")
            .Concat(Find(_notPhone, [.. new[] { folded }.Except(asWritten, StringComparer.Ordinal)], "contact"))
            .Concat(Find(_phone, [.. new[] { SpelledDigitsRead(digits), MarksBetweenDigitsRead(digits) }.Except(asWritten, StringComparer.Ordinal)], "contact"))
            .DistinctBy(f => f.Kind)];
    }

    /// <summary>Chat shorthand as the words it stands for ("i wanna die" reads "i want to die"), so each rule is written once.</summary>
    private static string Spoken(string text) => Shorthand().Replace(text, m => m.Value.ToUpperInvariant() switch
    {
        "WANNA" => "want to",
        "GONNA" or "FINNA" => "going to",
        "TRYNA" => "trying to",
        "U" => "you",
        "UR" => "your",
        "IM" => "i'm",
        _ => "i'm going to",
    });

    [GeneratedRegex(@"\b(?:wanna|gonna|finna|tryna|u|ur|im|imma|ima)\b", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant | RegexOptions.NonBacktracking)]
    private static partial Regex Shorthand();

    /// <summary>
    /// Words written with digits or signs for letters read as words ("sn4pch4t", "k1ll mys3lf", "venm0"), and a word spelled
    /// out letter by letter read as one ("s n a p c h a t"). Only within words that hold a letter: "3 kids" stays as it is.
    /// </summary>
    private static string Folded(string text)
    {
        var words = LetterWord().Replace(text, m => m.Value.Any(char.IsAsciiLetter) && m.Value.Any(c => StandsForLetter(c) is not null)
            ? string.Concat(m.Value.Select(c => StandsForLetter(c) ?? c))
            : m.Value);
        return SpelledOutRead(words);
    }

    /// <summary>
    /// Four or more single letters in a row, each set apart from the next by up to four of anything but letters and digits
    /// (spaces, line breaks, marks, signs, an underscore, an emoji: "s n a p", "s_n_a_p", "s🔥n🔥a🔥p"), read as the word
    /// they spell. Everything else stays as it is, apostrophes and full stops too, which the rules read.
    /// </summary>
    private static string SpelledOutRead(string text)
    {
        // Each run of letters and digits: where it starts and ends, and whether it is one letter alone.
        var words = new List<(int Start, int End, bool Single)>();
        for (var at = 0; at < text.Length;)
        {
            Rune.DecodeFromUtf16(text.AsSpan(at), out var rune, out var length);
            if (!Rune.IsLetterOrDigit(rune))
            {
                at += length;
                continue;
            }

            var (start, runes, letter) = (at, 0, Rune.IsLetter(rune));
            while (at < text.Length && Rune.DecodeFromUtf16(text.AsSpan(at), out rune, out length) == System.Buffers.OperationStatus.Done && Rune.IsLetterOrDigit(rune))
            {
                (at, runes) = (at + length, runes + 1);
            }

            words.Add((start, at, runes == 1 && letter));
        }

        var read = new StringBuilder(text.Length);
        var copied = 0;
        for (var first = 0; first < words.Count;)
        {
            var last = first;
            while (words[last].Single && last + 1 < words.Count && words[last + 1].Single && Separator(text, words[last].End, words[last + 1].Start))
            {
                last++;
            }

            if (words[first].Single && last - first >= 3)
            {
                read.Append(text, copied, words[first].Start - copied);
                for (var i = first; i <= last; i++)
                {
                    read.Append(text, words[i].Start, words[i].End - words[i].Start);
                }

                copied = words[last].End;
            }

            first = last + 1;
        }

        return read.Append(text, copied, text.Length - copied).ToString();
    }

    /// <summary>Up to four characters (an emoji counts once) between two letters of a word spelled out.</summary>
    private static bool Separator(string text, int from, int to)
    {
        var runes = 0;
        foreach (var _ in text.AsSpan(from, to - from).EnumerateRunes())
        {
            runes++;
        }

        return runes is > 0 and <= 4;
    }

    private static char? StandsForLetter(char c) => c switch
    {
        '4' or '@' => 'a',
        '3' => 'e',
        '1' => 'i',
        '0' => 'o',
        '5' or '$' => 's',
        '7' => 't',
        _ => null,
    };

    [GeneratedRegex(@"[\p{L}\p{N}$@]+", RegexOptions.CultureInvariant | RegexOptions.NonBacktracking)]
    private static partial Regex LetterWord();

    /// <summary>
    /// Marks between two digits that no number is written with (an underscore, a star, a tilde, an emoji), or several
    /// ("5 5 9 - 5 5 5"), read as one space, as a dash sets a phone number's groups apart. Not those of a date, a time, a
    /// list or a sum (slash, colon, comma, plus, equals, per cent, currency), which set apart numbers, not groups of one.
    /// </summary>
    private static string MarksBetweenDigitsRead(string text)
    {
        var read = new StringBuilder(text.Length);
        for (var at = 0; at < text.Length;)
        {
            var end = at;
            var odd = false;
            var ofNumbers = false;
            while (end < text.Length && !char.IsLetterOrDigit(text[end]))
            {
                odd |= !char.IsWhiteSpace(text[end]) && text[end] is not ('.' or '-' or '(' or ')');
                ofNumbers |= text[end] is ':' or '/' or ',' or '+' or '=' or '%' || char.GetUnicodeCategory(text[end]) == UnicodeCategory.CurrencySymbol;
                end++;
            }

            if (end == at)
            {
                read.Append(text[at++]);
                continue;
            }

            var betweenDigits = at > 0 && char.IsAsciiDigit(text[at - 1]) && end < text.Length && char.IsAsciiDigit(text[end]);
            if (betweenDigits && (odd || end - at > 1) && !ofNumbers)
            {
                read.Append(' ');
            }
            else
            {
                read.Append(text, at, end - at);
            }

            at = end;
        }

        return read.ToString();
    }

    /// <summary>Number words (zero or oh to nine) as digits, those one after another as one group: "five five five" is "555".</summary>
    private static string SpelledDigitsRead(string text) =>
        SpelledDigits().Replace(text, m => string.Concat(DigitWord().Matches(m.Value).Select(w => DigitOf(w.Value))));

    private static char DigitOf(string word) => word.ToUpperInvariant() switch
    {
        "ZERO" or "OH" => '0',
        "ONE" => '1',
        "TWO" => '2',
        "THREE" => '3',
        "FOUR" => '4',
        "FIVE" => '5',
        "SIX" => '6',
        "SEVEN" => '7',
        "EIGHT" => '8',
        _ => '9',
    };

    [GeneratedRegex(@"\b(?:zero|oh|one|two|three|four|five|six|seven|eight|nine)(?:[\s,\-]+(?:zero|oh|one|two|three|four|five|six|seven|eight|nine))*\b", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant | RegexOptions.NonBacktracking)]
    private static partial Regex SpelledDigits();

    [GeneratedRegex(@"zero|oh|one|two|three|four|five|six|seven|eight|nine", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant | RegexOptions.NonBacktracking)]
    private static partial Regex DigitWord();

    /// <summary>
    /// A letter that stands in for a digit (O and o for 0; I, i, l and | for 1; Z for 2; S for 5; B for 8) reads as that digit among digits
    /// ("559 555 O134", "5 5 9 5 5 5 O 1 3 4"): within a run of digits and such letters once it holds a digit, and a run
    /// of such letters alone set apart only by spaces or punctuation from runs holding digits on both sides. Words,
    /// which hold other letters, are left as they are.
    /// </summary>
    private static string LettersAmongDigits(string text)
    {
        var runs = new List<(int Start, int End, bool HoldsDigit)>();
        for (var start = 0; start < text.Length;)
        {
            var end = start;
            var holdsDigit = false;
            while (end < text.Length && (char.IsAsciiDigit(text[end]) || StandsForDigit(text[end]) is not null))
            {
                holdsDigit |= char.IsAsciiDigit(text[end]);
                end++;
            }

            if (end > start)
            {
                runs.Add((start, end, holdsDigit));
            }

            start = end == start ? end + 1 : end;
        }

        char[]? read = null;
        for (var i = 0; i < runs.Count; i++)
        {
            var (start, end, holdsDigit) = runs[i];
            if (!holdsDigit && !(i > 0 && runs[i - 1].HoldsDigit && SetApart(text, runs[i - 1].End, start)
                && i + 1 < runs.Count && runs[i + 1].HoldsDigit && SetApart(text, end, runs[i + 1].Start)))
            {
                continue;
            }

            for (var at = start; at < end; at++)
            {
                if (StandsForDigit(text[at]) is { } digit)
                {
                    read ??= text.ToCharArray();
                    read[at] = digit;
                }
            }
        }

        return read is null ? text : new string(read);
    }

    /// <summary>Nothing but spaces and punctuation between two places of the text.</summary>
    private static bool SetApart(string text, int from, int to)
    {
        for (var at = from; at < to; at++)
        {
            if (char.IsLetterOrDigit(text[at]))
            {
                return false;
            }
        }

        return true;
    }

    private static char? StandsForDigit(char c) => c switch
    {
        'O' or 'o' => '0',
        'I' or 'i' or 'l' or '|' => '1',
        'Z' => '2',
        'S' => '5',
        'B' => '8',
        _ => null,
    };

    /// <summary>The rules that match any of the readings of a message, each once.</summary>
    private static List<SafetyFinding> Find((string Kind, Regex Pattern)[] rules, string[] readings, string category)
    {
        var found = new List<SafetyFinding>();
        foreach (var (kind, pattern) in rules)
        {
            if (readings.Any(pattern.IsMatch))
            {
                found.Add(new SafetyFinding(kind, category));
            }
        }

        return found;
    }

    /// <summary>The scan form, each line ended by <c>\n</c> alone: a rule's <c>$</c> (multiline) ends a sentence at any line's end.</summary>
    private static string Lines(string text) => ScanForm.Of(text).ReplaceLineEndings("\n");

    /// <summary>
    /// Refuses, with the rule's kind, a pattern that is invalid or needs backtracking: the app must not start with it. Multiline, as a new
    /// line ends a sentence as a full stop does (<c>^</c> and <c>$</c> are each line's start and end).
    /// </summary>
    private static (string, Regex)[] Compile(IEnumerable<SafetyRule> rules, string list) =>
        rules.Select(r =>
        {
            try
            {
                return (r.Kind, new Regex(r.Pattern, RegexOptions.IgnoreCase | RegexOptions.CultureInvariant | RegexOptions.Multiline | RegexOptions.NonBacktracking, Regex.InfiniteMatchTimeout));
            }
            catch (Exception ex) when (ex is ArgumentException or NotSupportedException)
            {
                throw new InvalidOperationException(
                    $"Chat:Safety:{list} rule '{r.Kind}' has a pattern the safety scan cannot use ({ex.Message}). Patterns may not use lookarounds, backreferences or atomic groups.", ex);
            }
        }).ToArray();
}
