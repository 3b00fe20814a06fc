namespace SurvivorConnect.Storage;

/// <summary>
/// A query within one partition. Every query names its partition: cross-partition fan-out is a
/// design smell at our scale and the Cosmos test server cannot plan one (see ADR 0002).
/// </summary>
public sealed record DocumentQuery
{
    public const int MaxPageSize = 1000;

    public required string PartitionKey { get; init; }

    /// <summary>Only documents of this <see cref="Document.Type"/>; null for any type.</summary>
    public string? Type { get; init; }

    public IReadOnlyList<Filter> Filters { get; init; } = [];

    /// <summary>The field to order by (ties broken by id); null orders by id.</summary>
    public string? OrderBy { get; init; }

    public bool Descending { get; init; }

    public int PageSize { get; init; } = 50;

    /// <summary>The token a previous page returned, to continue where it ended.</summary>
    public string? ContinuationToken { get; init; }
}

public enum FilterOperator
{
    Equal,
    In,
    GreaterThan,
    GreaterThanOrEqual,
    LessThan,
    LessThanOrEqual,

    /// <summary>The field is an array that holds the value.</summary>
    Contains,
}

public sealed record Filter(string Field, FilterOperator Operator, IReadOnlyList<object?> Values)
{
    public static Filter Eq(string field, object? value) => new(field, FilterOperator.Equal, [value]);

    public static Filter In(string field, params object?[] values) => new(field, FilterOperator.In, values);

    public static Filter Gt(string field, object value) => new(field, FilterOperator.GreaterThan, [value]);

    public static Filter Ge(string field, object value) => new(field, FilterOperator.GreaterThanOrEqual, [value]);

    public static Filter Lt(string field, object value) => new(field, FilterOperator.LessThan, [value]);

    public static Filter Le(string field, object value) => new(field, FilterOperator.LessThanOrEqual, [value]);

    public static Filter Contains(string field, object value) => new(field, FilterOperator.Contains, [value]);
}

public sealed record Page<T>(IReadOnlyList<T> Items, string? ContinuationToken);
