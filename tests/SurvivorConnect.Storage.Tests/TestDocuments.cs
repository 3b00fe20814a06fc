using SurvivorConnect.Storage;

namespace SurvivorConnect.Storage.Tests;

public sealed record Place(string City, int Zone);

public sealed record Item : Document
{
    public override string Type => "item";

    public string Name { get; init; } = "";

    public int Rank { get; init; }

    public bool Active { get; init; }

    public DateTimeOffset At { get; init; }

    public string? Note { get; init; }

    public Place? Place { get; init; }

    public string Payload { get; init; } = "";

    /// <summary>Null unless a test sets it, so records still compare equal by value.</summary>
    public IReadOnlyList<string>? Tags { get; init; }
}

/// <summary>An <see cref="Item"/> as a newer version of the app writes it, with a field this version does not know.</summary>
public sealed record NewerItem : Document
{
    public override string Type => "item";

    public string Name { get; init; } = "";

    public string? Colour { get; init; }
}

public sealed record Other : Document
{
    public override string Type => "other";

    public int Rank { get; init; }
}

public static class Containers
{
    public static readonly ContainerSpec Items = new("items", "name", "rank", "active", "at", "note", "place.city", "tags")
    {
        AllowsTimeToLive = true,
    };

    public static readonly ContainerSpec Plain = new("plain", "rank");

    public static IReadOnlyList<ContainerSpec> All { get; } = [Items, Plain];
}
