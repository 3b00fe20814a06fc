using SurvivorConnect.Storage;

namespace SurvivorConnect.Api.Features.Agencies;

/// <summary>An agency (tenant). Its id is its own partition, like every record it owns.</summary>
public sealed record Agency : Document
{
    public static readonly ContainerSpec Container = new("agencies");

    public override string Type => "agency";

    public required string Name { get; init; }

    public required DateTimeOffset CreatedAt { get; init; }
}
