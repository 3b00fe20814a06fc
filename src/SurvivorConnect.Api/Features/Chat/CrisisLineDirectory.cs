using Microsoft.Extensions.Options;
using SurvivorConnect.Api.Features.Agencies;
using SurvivorConnect.Api.Infrastructure.Tenancy;

namespace SurvivorConnect.Api.Features.Chat;

/// <summary>
/// The crisis lines shown to an agency's people: the agency's own first (its staff know who answers nearby), then this
/// deployment's. Someone who needs them is never refused them: when the agency cannot be read, its lines as last read on
/// this instance stand in.
/// </summary>
public sealed partial class CrisisLineDirectory(AgencyStore store, IOptions<ChatOptions> options, CrisisLinesLastRead lastRead, ILogger<CrisisLineDirectory> logger)
{
    /// <summary>This deployment's lines, for someone not signed in.</summary>
    public IReadOnlyList<CrisisResource> Deployment => options.Value.CrisisResources;

    public async Task<IReadOnlyList<CrisisResource>> ForMyAgencyAsync(CancellationToken ct)
    {
        var agencyId = store.AgencyId;
        var readAt = store.Now;
        try
        {
            var own = (await store.ReadAsync<Agency>(Agency.Container, agencyId, agencyId, ct))?.CrisisLines ?? [];
            lastRead.Remember(agencyId, own, readAt);
            return [.. own, .. Deployment];
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogUnread(logger, agencyId, ex);
            return LastKnown(agencyId);
        }
    }

    /// <summary>Without reading anything: for the reply to a request that failed, perhaps because the store did.</summary>
    public IReadOnlyList<CrisisResource> LastKnown(string agencyId) => [.. lastRead.For(agencyId), .. Deployment];

    [LoggerMessage(Level = LogLevel.Warning, Message = "Agency {AgencyId} could not be read for its crisis lines; its last known ones are shown")]
    private static partial void LogUnread(ILogger logger, string agencyId, Exception ex);
}
