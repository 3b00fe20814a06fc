using System.Collections;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace SurvivorConnect.Api.Infrastructure.Errors;

/// <summary>
/// Request bodies: a list may not hold a null (<c>{"entries":[null]}</c>). Validators read every element of a list,
/// so one such element would otherwise reach them and fail the request with a server error, or be stored and break
/// every later read of its record; refused as each object is read, it is a 400 naming the list, for every list of
/// every request. It adds a check after reading and changes nothing else, so written JSON and the OpenAPI document
/// stay as the serializer makes them.
/// </summary>
internal static class NullElementsRefused
{
    private static readonly Type[] ListShapes =
        [typeof(IReadOnlyList<>), typeof(IList<>), typeof(List<>), typeof(IReadOnlyCollection<>), typeof(ICollection<>), typeof(IEnumerable<>)];

    /// <summary>A type-info modifier: objects with lists of references check them once read.</summary>
    public static void Modify(JsonTypeInfo typeInfo)
    {
        if (typeInfo.Kind != JsonTypeInfoKind.Object)
        {
            return;
        }

        var lists = typeInfo.Properties.Where(p => p.Get is not null && ElementOf(p.PropertyType) is { IsValueType: false }).ToArray();
        if (lists.Length == 0)
        {
            return;
        }

        var before = typeInfo.OnDeserialized;
        typeInfo.OnDeserialized = value =>
        {
            before?.Invoke(value);
            foreach (var list in lists)
            {
                if (list.Get!(value) is IEnumerable items && items.Cast<object?>().Any(item => item is null))
                {
                    throw new NullElementException(list.Name);
                }
            }
        };
    }

    private static Type? ElementOf(Type type) =>
        type.IsArray && type.GetArrayRank() == 1 ? type.GetElementType()
        : type.IsGenericType && ListShapes.Contains(type.GetGenericTypeDefinition()) ? type.GetGenericArguments()[0]
        : null;
}

/// <summary>A list in a request body held a null; <see cref="Property"/> is the list's name in the JSON.</summary>
internal sealed class NullElementException(string property) : JsonException("A list may not hold a null.")
{
    public string Property { get; } = property;
}
