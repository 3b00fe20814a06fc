using System.Collections.Concurrent;
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
    private static readonly Dictionary<char, char> Folded = new Dictionary<string, string>
    {
        ["A"] = "ÀÁÂÃÄÅàáâãäåĀāĂăĄąǍǎǞǟǠǡǺǻȀȁȂȃȦȧḀḁẠạẢảẤấẦầẨẩẪẫẬậẮắẰằẲẳẴẵẶặ",
        ["B"] = "ḂḃḄḅḆḇ",
        ["C"] = "ÇçĆćĈĉĊċČčḈḉ",
        ["D"] = "ĎďĐđḊḋḌḍḎḏḐḑḒḓ",
        ["E"] = "ÈÉÊËèéêëĒēĔĕĖėĘęĚěȄȅȆȇȨȩḔḕḖḗḘḙḚḛḜḝẸẹẺẻẼẽẾếỀềỂểỄễỆệ",
        ["F"] = "Ḟḟ",
        ["G"] = "ĜĝĞğĠġĢģǦǧǴǵḠḡ",
        ["H"] = "ĤĥĦħȞȟḢḣḤḥḦḧḨḩḪḫẖ",
        ["I"] = "ÌÍÎÏìíîïĨĩĪīĬĭĮįİıƗǏǐȈȉȊȋḬḭḮḯỈỉỊị",
        ["J"] = "Ĵĵǰ",
        ["K"] = "ĶķǨǩḰḱḲḳḴḵ",
        ["L"] = "ĹĺĻļĽľŁłƚḶḷḸḹḺḻḼḽ",
        ["M"] = "ḾḿṀṁṂṃ",
        ["N"] = "ÑñŃńŅņŇňǸǹṄṅṆṇṈṉṊṋ",
        ["O"] = "ÒÓÔÕÖØòóôõöøŌōŎŏŐőƠơǑǒǪǫǬǭȌȍȎȏȪȫȬȭȮȯȰȱṌṍṎṏṐṑṒṓỌọỎỏỐốỒồỔổỖỗỘộỚớỜờỞởỠỡỢợ",
        ["P"] = "ṔṕṖṗ",
        ["R"] = "ŔŕŖŗŘřȐȑȒȓṘṙṚṛṜṝṞṟ",
        ["S"] = "ŚśŜŝŞşŠšȘșṠṡṢṣṤṥṦṧṨṩ",
        ["T"] = "ŢţŤťŦŧȚțṪṫṬṭṮṯṰṱẗ",
        ["U"] = "ÙÚÛÜùúûüŨũŪūŬŭŮůŰűŲųƯưǓǔǕǖǗǘǙǚǛǜȔȕȖȗṲṳṴṵṶṷṸṹṺṻỤụỦủỨứỪừỬửỮữỰự",
        ["V"] = "ṼṽṾṿ",
        ["W"] = "ŴŵẀẁẂẃẄẅẆẇẈẉẘ",
        ["X"] = "ẊẋẌẍ",
        ["Y"] = "ÝýÿŶŷŸȲȳẎẏẙỲỳỴỵỶỷỸỹ",
        ["Z"] = "ŹźŻżŽžƵƶẐẑẒẓẔẕ",
    }.SelectMany(group => group.Value.Select(letter => (letter, group.Key[0]))).ToDictionary(pair => pair.letter, pair => pair.Item2);

    public static string Key(string? name)
    {
        var trimmed = (name ?? "").Trim();
        return string.Create(trimmed.Length, trimmed, static (key, source) =>
        {
            for (var i = 0; i < source.Length; i++)
            {
                key[i] = Folded.TryGetValue(source[i], out var letter) ? letter : char.ToUpperInvariant(source[i]);
            }
        });
    }
}

/// <summary>
/// Brings documents written before their container had <see cref="NameOrder.Field"/> up to date: without it, a list
/// ordered by the key would put them first and page past them wrongly. The first list of an agency's container on
/// an instance rewrites any such document (re-serialising writes the key) and then never looks again.
/// </summary>
public sealed class NameOrderBackfill(IDocumentStore store)
{
    private const int PageSize = 100;

    private readonly ConcurrentDictionary<(string Agency, string Container), bool> _done = new();

    public async Task EnsureAsync<T>(ContainerSpec container, string agencyId, CancellationToken ct)
        where T : Document
    {
        if (_done.ContainsKey((agencyId, container.Name)))
        {
            return;
        }

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
            }, ct);
            foreach (var document in page.Items)
            {
                try
                {
                    await store.ReplaceAsync(container, document, document.ETag!, ct);
                }
                catch (StoreException ex) when (ex.Kind is StoreErrorKind.PreconditionFailed or StoreErrorKind.NotFound)
                {
                    // Written (with its key) or deleted meanwhile.
                }
            }

            continuation = page.ContinuationToken;
        }
        while (continuation is not null);

        _done[(agencyId, container.Name)] = true;
    }
}
