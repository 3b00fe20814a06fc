using System.Text;
using System.Text.Json;
using Microsoft.Azure.Cosmos;

namespace SurvivorConnect.Storage.Cosmos;

/// <summary>Turns a <see cref="DocumentQuery"/> into parameterised Cosmos SQL with the same keyset paging as SQLite.</summary>
internal static class CosmosQueryBuilder
{
    public static QueryDefinition Build(DocumentQuery query)
    {
        var where = new List<string> { "c.pk = @pk" };
        var parameters = new List<(string Name, object? Value)> { ("@pk", query.PartitionKey) };
        if (query.Type is not null)
        {
            where.Add("c.type = @type");
            parameters.Add(("@type", query.Type));
        }

        var index = 0;
        foreach (var filter in query.Filters)
        {
            var path = Path(filter.Field);
            var names = new List<string>();
            foreach (var value in filter.Values)
            {
                var name = $"@p{index++}";
                names.Add(name);
                parameters.Add((name, ToParameter(QueryRules.ToJson(value))));
            }

            where.Add(filter.Operator switch
            {
                FilterOperator.Equal when filter.Values[0] is null => $"(NOT IS_DEFINED({path}) OR IS_NULL({path}))",
                FilterOperator.Equal => $"{path} = {names[0]}",
                FilterOperator.In => $"{path} IN ({string.Join(", ", names)})",
                FilterOperator.GreaterThan => $"{path} > {names[0]}",
                FilterOperator.GreaterThanOrEqual => $"{path} >= {names[0]}",
                FilterOperator.LessThan => $"{path} < {names[0]}",
                FilterOperator.LessThanOrEqual => $"{path} <= {names[0]}",
                FilterOperator.Contains => $"ARRAY_CONTAINS({path}, {names[0]})",
                _ => throw new StoreException(StoreErrorKind.InvalidQuery, "Unknown filter operator."),
            });
        }

        var orderField = query.OrderBy ?? "id";
        var orderPath = Path(orderField);
        var direction = query.Descending ? "DESC" : "ASC";
        if (query.ContinuationToken is not null)
        {
            var (value, lastId) = QueryRules.DecodeCursor(query.ContinuationToken);
            var after = query.Descending ? "<" : ">";
            parameters.Add(("@cv", ToParameter(value)));
            parameters.Add(("@cid", lastId));
            // Cosmos DB sorts a document without the field first, and last when descending.
            var missing = $"(NOT IS_DEFINED({orderPath}) OR IS_NULL({orderPath}))";
            where.Add(orderField == "id" ? $"c.id {after} @cid"
                : QueryRules.IsMissing(value) ? query.Descending
                    ? $"({missing} AND c.id < @cid)"
                    : $"(({missing} AND c.id > @cid) OR NOT {missing})"
                : $"({orderPath} {after} @cv OR ({orderPath} = @cv AND c.id {after} @cid){(query.Descending ? $" OR {missing}" : "")})");
        }

        var order = orderField == "id" ? $"c.id {direction}" : $"{orderPath} {direction}, c.id {direction}";
        var sql = new StringBuilder()
            .Append("SELECT TOP ").Append(query.PageSize + 1).Append(" * FROM c WHERE ")
            .AppendJoin(" AND ", where)
            .Append(" ORDER BY ").Append(order)
            .ToString();

        var definition = new QueryDefinition(sql);
        foreach (var (name, value) in parameters)
        {
            definition.WithParameter(name, value);
        }

        return definition;
    }

    /// <summary>Property access by bracket, so field names never clash with Cosmos SQL keywords.</summary>
    public static string Path(string field) =>
        "c" + string.Concat(field.Split('.').Select(part => $"[\"{part}\"]"));

    private static object? ToParameter(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => value.GetString(),
        JsonValueKind.Number when value.TryGetInt64(out var l) => l,
        JsonValueKind.Number => value.GetDouble(),
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        JsonValueKind.Null or JsonValueKind.Undefined => null,
        _ => throw new StoreException(StoreErrorKind.InvalidQuery, "Filters compare single values, not objects or arrays."),
    };
}
