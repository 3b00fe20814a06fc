using System.Buffers.Text;
using System.Text.Json;

namespace SurvivorConnect.Storage;

/// <summary>
/// The shared meaning of a <see cref="DocumentQuery"/>: which fields it may use and how pages continue.
/// Paging is keyset paging on (order field, id), so a continuation token is ours, means the same on both
/// stores, and survives a server restart.
/// </summary>
public static class QueryRules
{
    public static void Validate(ContainerSpec container, DocumentQuery query)
    {
        ArgumentNullException.ThrowIfNull(container);
        ArgumentNullException.ThrowIfNull(query);
        if (string.IsNullOrEmpty(query.PartitionKey))
        {
            throw new StoreException(StoreErrorKind.InvalidQuery, "A query must name its partition.");
        }

        if (query.PageSize is < 1 or > DocumentQuery.MaxPageSize)
        {
            throw new StoreException(StoreErrorKind.InvalidQuery, $"A page size must be between 1 and {DocumentQuery.MaxPageSize}.");
        }

        foreach (var field in query.Filters.Select(f => f.Field).Append(query.OrderBy ?? "id"))
        {
            if (!container.IsQueryable(field))
            {
                throw new StoreException(StoreErrorKind.InvalidQuery, $"'{field}' is not a queryable field of '{container.Name}'.");
            }
        }

        foreach (var filter in query.Filters)
        {
            if (filter.Values.Count == 0 || filter.Operator != FilterOperator.In && filter.Values.Count != 1)
            {
                throw new StoreException(StoreErrorKind.InvalidQuery, $"The filter on '{filter.Field}' has the wrong number of values.");
            }

            if (filter.Operator != FilterOperator.Equal && filter.Values.Any(v => v is null))
            {
                throw new StoreException(StoreErrorKind.InvalidQuery, $"Only an equality filter can match null ('{filter.Field}').");
            }
        }
    }

    /// <summary>A filter value as the JSON primitive it is stored as, so both stores compare like with like.</summary>
    public static JsonElement ToJson(object? value) => JsonSerializer.SerializeToElement(value, StorageJson.Options);

    public static string EncodeCursor(JsonElement orderValue, string id)
    {
        var bytes = JsonSerializer.SerializeToUtf8Bytes(new Cursor(orderValue, id), StorageJson.Options);
        return Base64Url.EncodeToString(bytes);
    }

    public static (JsonElement OrderValue, string Id) DecodeCursor(string token)
    {
        try
        {
            var cursor = JsonSerializer.Deserialize<Cursor>(Base64Url.DecodeFromChars(token), StorageJson.Options);
            if (cursor is null || string.IsNullOrEmpty(cursor.Id))
            {
                throw new FormatException("Empty cursor.");
            }

            return (cursor.Value, cursor.Id);
        }
        catch (Exception ex) when (ex is FormatException or JsonException)
        {
            throw new StoreException(StoreErrorKind.InvalidQuery, "The continuation token is not one this service issued.", ex);
        }
    }

    /// <summary>
    /// Reads the order field's value from a stored document, for the cursor of the next page; null when the document
    /// lacks it (written before the field existed), which sorts first, or last when descending.
    /// </summary>
    public static JsonElement ReadField(JsonElement document, string field)
    {
        var current = document;
        foreach (var part in field.Split('.'))
        {
            if (current.ValueKind != JsonValueKind.Object || !current.TryGetProperty(part, out current))
            {
                return Missing;
            }
        }

        return current.Clone();
    }

    private static readonly JsonElement Missing = JsonDocument.Parse("null").RootElement.Clone();

    /// <summary>
    /// Whether a cursor's value stands for a document without the order field. The condition for the next page then
    /// reads: ascending, the rest of those without it by id, then every one with it; descending, the rest of those
    /// without it by id (they come last).
    /// </summary>
    public static bool IsMissing(JsonElement cursorValue) => cursorValue.ValueKind is JsonValueKind.Null or JsonValueKind.Undefined;

    private sealed record Cursor(JsonElement Value, string Id);
}
