using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using SurvivorConnect.Storage;

namespace SurvivorConnect.Api.Infrastructure.Lists;

/// <summary>
/// How lists order people by name: ignoring case and accents, so "élise" and "Elise" sit together between "Dana" and
/// "Frank". Both stores order text by its code points, so a named document stores this key beside its name (a
/// computed <c>sortName</c>) and lists order by it.
/// </summary>
public static class NameOrder
{
    public const string Field = "sortName";

    // The app runs without ICU (invariant globalization), so Unicode decomposition is not there to strip accents:
    // Latin letters with diacritics (Latin-1, Extended-A and -B, Extended Additional, which covers Vietnamese) and
    // a few letters with strokes are folded to their base letter here.
    private static readonly Dictionary<char, char> Folded = new Dictionary<char, string>
    {
        ['A'] = "ÀÁÂÃÄÅàáâãäåĀāĂăĄąǍǎǞǟǠǡǺǻȀȁȂȃȦȧḀḁẠạẢảẤấẦầẨẩẪẫẬậẮắẰằẲẳẴẵẶặ",
        ['B'] = "ḂḃḄḅḆḇ",
        ['C'] = "ÇçĆćĈĉĊċČčḈḉ",
        ['D'] = "ĎďĐđḊḋḌḍḎḏḐḑḒḓ",
        ['E'] = "ÈÉÊËèéêëĒēĔĕĖėĘęĚěȄȅȆȇȨȩḔḕḖḗḘḙḚḛḜḝẸẹẺẻẼẽẾếỀềỂểỄễỆệ",
        ['F'] = "Ḟḟ",
        ['G'] = "ĜĝĞğĠġĢģǦǧǴǵḠḡ",
        ['H'] = "ĤĥĦħȞȟḢḣḤḥḦḧḨḩḪḫẖ",
        ['I'] = "ÌÍÎÏìíîïĨĩĪīĬĭĮįİıƗǏǐȈȉȊȋḬḭḮḯỈỉỊị",
        ['J'] = "Ĵĵǰ",
        ['K'] = "ĶķǨǩḰḱḲḳḴḵ",
        ['L'] = "ĹĺĻļĽľŁłƚḶḷḸḹḺḻḼḽ",
        ['M'] = "ḾḿṀṁṂṃ",
        ['N'] = "ÑñŃńŅņŇňǸǹṄṅṆṇṈṉṊṋ",
        ['O'] = "ÒÓÔÕÖØòóôõöøŌōŎŏŐőƠơǑǒǪǫǬǭȌȍȎȏȪȫȬȭȮȯȰȱṌṍṎṏṐṑṒṓỌọỎỏỐốỒồỔổỖỗỘộỚớỜờỞởỠỡỢợ",
        ['P'] = "ṔṕṖṗ",
        ['R'] = "ŔŕŖŗŘřȐȑȒȓṘṙṚṛṜṝṞṟ",
        ['S'] = "ŚśŜŝŞşŠšȘșṠṡṢṣṤṥṦṧṨṩ",
        ['T'] = "ŢţŤťŦŧȚțṪṫṬṭṮṯṰṱẗ",
        ['U'] = "ÙÚÛÜùúûüŨũŪūŬŭŮůŰűŲųƯưǓǔǕǖǗǘǙǚǛǜȔȕȖȗṲṳṴṵṶṷṸṹṺṻỤụỦủỨứỪừỬửỮữỰự",
        ['V'] = "ṼṽṾṿ",
        ['W'] = "ŴŵẀẁẂẃẄẅẆẇẈẉẘ",
        ['X'] = "ẊẋẌẍ",
        ['Y'] = "ÝýÿŶŷŸȲȳẎẏẙỲỳỴỵỶỷỸỹ",
        ['Z'] = "ŹźŻżŽžƵƶẐẑẒẓẔẕ",
    }.SelectMany(group => group.Value.Select(marked => (Marked: marked, Base: group.Key))).ToDictionary(pair => pair.Marked, pair => pair.Base);

    // Letters that are more than a base letter with a mark.
    private static readonly Dictionary<char, string> Spelled = new()
    {
        ['Ð'] = "D", ['ð'] = "D", ['Þ'] = "TH", ['þ'] = "TH", ['Ŋ'] = "N", ['ŋ'] = "N", ['Ŀ'] = "L", ['ŀ'] = "L",
        ['ß'] = "SS", ['Æ'] = "AE", ['æ'] = "AE", ['Œ'] = "OE", ['œ'] = "OE",
    };

    public static string Key(string? name)
    {
        var trimmed = (name ?? "").Trim();
        var key = new StringBuilder(trimmed.Length);
        foreach (var c in trimmed)
        {
            if (Folded.TryGetValue(c, out var letter))
            {
                key.Append(letter);
            }
            else if (Spelled.TryGetValue(c, out var letters))
            {
                key.Append(letters);
            }
            else if (char.GetUnicodeCategory(c) != UnicodeCategory.NonSpacingMark)
            {
                // A mark typed after its letter (decomposed text) is left out, as the precomposed letter's is.
                key.Append(char.ToUpperInvariant(c));
            }
        }

        return key.ToString();
    }
}

/// <summary>
/// Brings documents written before their container had <see cref="NameOrder.Field"/> up to date: without it, a list
/// ordered by the key would put them first and page past them wrongly. Before a list, an agency's container is
/// looked at (one query, on the key's index) at most every ten minutes per instance, which also catches records an
/// instance of the previous release wrote during a rolling deploy; each one found is rewritten (re-serialising
/// writes the key). One look at a time per agency and container, whoever asked.
/// </summary>
public sealed partial class NameOrderBackfill(IDocumentStore store, TimeProvider time, ILogger<NameOrderBackfill> logger)
{
    private const int PageSize = 100;

    private static readonly TimeSpan LookEvery = TimeSpan.FromMinutes(10);

    // Lazy, so a look the dictionary's update races discard is never started.
    private readonly ConcurrentDictionary<(string Agency, string Container), (Lazy<Task> Look, DateTimeOffset At)> _looks = new();

    public async Task EnsureAsync<T>(ContainerSpec container, string agencyId, CancellationToken ct)
        where T : Document
    {
        var key = (agencyId, container.Name);
        var now = time.GetUtcNow();
        var look = _looks.AddOrUpdate(
            key,
            _ => (new Lazy<Task>(() => LookAsync<T>(container, agencyId)), now),
            (_, last) => last.Look.Value.IsFaulted || (last.Look.Value.IsCompleted && now - last.At >= LookEvery)
                ? (new Lazy<Task>(() => LookAsync<T>(container, agencyId)), now)
                : last);

        // The look is shared, so it does not stop when this caller gives up; this caller just stops waiting.
        await look.Look.Value.WaitAsync(ct);
    }

    private async Task LookAsync<T>(ContainerSpec container, string agencyId)
        where T : Document
    {
        await Task.Yield();
        var rewritten = 0;
        string? continuation = null;
        do
        {
            var page = await store.QueryAsync<T>(container, new DocumentQuery
            {
                PartitionKey = agencyId,
                Type = DocumentTypes.Of<T>(),
                Filters = [Filter.Eq(NameOrder.Field, null)],
                PageSize = PageSize,
                ContinuationToken = continuation,
            }, CancellationToken.None);

            // The partition is the agency's; a document naming another agency is damaged and left as it is.
            foreach (var document in page.Items.Where(d => d.AgencyId == agencyId))
            {
                try
                {
                    await store.ReplaceAsync(container, document, document.ETag!, CancellationToken.None);
                    rewritten++;
                }
                catch (StoreException ex) when (ex.Kind is StoreErrorKind.PreconditionFailed or StoreErrorKind.NotFound)
                {
                    // Written (with its key) or deleted meanwhile.
                }
                catch (StoreException ex) when (ex.Kind is not StoreErrorKind.Unavailable)
                {
                    // One record that cannot be written again must not keep the whole list from showing.
                    LogNotRewritten(logger, ex, container.Name, document.Id);
                }
            }

            continuation = page.ContinuationToken;
        }
        while (continuation is not null);

        if (rewritten > 0)
        {
            LogRewritten(logger, rewritten, container.Name, agencyId);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Gave {Count} {Container} records of agency {AgencyId} their name key")]
    private static partial void LogRewritten(ILogger logger, int count, string container, string agencyId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "A {Container} record ({DocumentId}) could not be given its name key")]
    private static partial void LogNotRewritten(ILogger logger, Exception exception, string container, string documentId);
}
