using System.Text.Json.Serialization;

namespace SurvivorConnect.Storage;

/// <summary>
/// A stored document. Every document belongs to an agency and lives in one logical partition.
/// </summary>
public abstract record Document
{
    [JsonPropertyName("id")]
    public required string Id { get; init; }

    /// <summary>The logical partition. Left empty, the agency's store view files the document under the agency.</summary>
    [JsonPropertyName("pk")]
    public string PartitionKey { get; init; } = "";

    /// <summary>The owning agency. Left empty, the agency's store view fills in the signed-in person's; a store refuses a document without one.</summary>
    [JsonPropertyName("agencyId")]
    public string AgencyId { get; init; } = "";

    /// <summary>The discriminator written with every document, so one container can hold several kinds.</summary>
    [JsonPropertyName("type")]
    public abstract string Type { get; }

    /// <summary>Set by the store on every read and write; pass it back to replace without losing an update.</summary>
    [JsonPropertyName("_etag")]
    public string? ETag { get; init; }

    /// <summary>Seconds until the store removes the document; null keeps it.</summary>
    [JsonPropertyName("ttl")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int? TimeToLive { get; init; }

    /// <summary>
    /// What the stored JSON holds that this version of the app does not know (written by a newer one while two run side
    /// by side in a deploy): kept, and written back with the document, so a save made by this version does not erase it.
    /// Never a store's own properties (those starting with an underscore).
    /// </summary>
    [JsonExtensionData]
    public Dictionary<string, System.Text.Json.JsonElement>? Unknown { get; init; }

    /// <summary>A copy carrying the ETag a store just wrote (the record's clone keeps the derived type).</summary>
    internal T WithETag<T>(string etag)
        where T : Document => (T)(this with { ETag = etag });
}

/// <summary>The type discriminator each document class writes, read from the class itself so no query spells it again.</summary>
public static class DocumentTypes
{
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<Type, string> Names = new();

    // Every document's Type returns a constant, so an instance made without a constructor answers it.
    public static string Of<T>()
        where T : Document =>
        Names.GetOrAdd(typeof(T), static t => ((Document)System.Runtime.CompilerServices.RuntimeHelpers.GetUninitializedObject(t)).Type);
}
