using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace SurvivorConnect.Api.Infrastructure.Errors;

/// <summary>
/// Request bodies: a list may not hold a null (<c>{"entries":[null]}</c>). Validators read every element of a list,
/// so one such element would otherwise reach them and fail the request with a server error, or be stored and break
/// every later read of its record; refused here, it is a 400 naming the field, for every list of every request.
/// Writing is the serializer's own.
/// </summary>
internal sealed class NullElementsRefused : JsonConverterFactory
{
    private static readonly Type[] ListShapes =
        [typeof(IReadOnlyList<>), typeof(IList<>), typeof(List<>), typeof(IReadOnlyCollection<>), typeof(ICollection<>), typeof(IEnumerable<>)];

    /// <summary>The same options without this factory, to write with: one copy per options instance.</summary>
    private readonly ConditionalWeakTable<JsonSerializerOptions, JsonSerializerOptions> _plain = [];

    public override bool CanConvert(Type typeToConvert) => ElementOf(typeToConvert) is { IsValueType: false };

    public override JsonConverter CreateConverter(Type typeToConvert, JsonSerializerOptions options)
    {
        var plain = _plain.GetValue(options, o =>
        {
            var copy = new JsonSerializerOptions(o);
            copy.Converters.Remove(this);
            return copy;
        });
        return (JsonConverter)Activator.CreateInstance(typeof(Converter<,>).MakeGenericType(typeToConvert, ElementOf(typeToConvert)!), plain)!;
    }

    private static Type? ElementOf(Type type) =>
        type.IsArray && type.GetArrayRank() == 1 ? type.GetElementType()
        : type.IsGenericType && ListShapes.Contains(type.GetGenericTypeDefinition()) ? type.GetGenericArguments()[0]
        : null;

    private sealed class Converter<TList, TElement>(JsonSerializerOptions plain) : JsonConverter<TList>
        where TList : class, IEnumerable<TElement>
    {
        public override TList? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
        {
            if (reader.TokenType == JsonTokenType.Null)
            {
                return null;
            }

            if (reader.TokenType != JsonTokenType.StartArray)
            {
                throw new JsonException("A list was expected.");
            }

            var items = new List<TElement>();
            while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
            {
                items.Add(reader.TokenType == JsonTokenType.Null
                    ? throw new JsonException("A list may not hold a null.")
                    : JsonSerializer.Deserialize<TElement>(ref reader, options)!);
            }

            return (TList)(object)(typeof(TList).IsArray ? items.ToArray() : items);
        }

        public override void Write(Utf8JsonWriter writer, TList value, JsonSerializerOptions options) =>
            JsonSerializer.Serialize(writer, value, plain);
    }
}
