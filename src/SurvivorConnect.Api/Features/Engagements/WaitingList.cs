using SurvivorConnect.Api.Features.Engagements.Rules;
using SurvivorConnect.Api.Features.Notifications;
using SurvivorConnect.Storage;

namespace SurvivorConnect.Api.Features.Engagements;

/// <summary>
/// A piece of work's waiting list: a free place goes to those waiting, first in line first, of those who may take one
/// (still taking paid work, free at a session still to come, not asked to speak of what they will not), and only while
/// the work still takes answers and pays at least the agency's benchmark.
/// </summary>
internal sealed partial class WaitingList(EngagementData data, Notifier notifier, ILogger<WaitingList> logger)
{
    /// <summary>Whether a free place in the work goes to anyone waiting: not in work cancelled or completed, nor below the benchmark since.</summary>
    public async Task<bool> GivesPlacesAsync(Opportunity work, CancellationToken ct) =>
        work.State is OpportunityState.Published or OpportunityState.Closed && PayParity.Refusal(await data.SettingsAsync(ct), work) is null;

    /// <summary>Up to <paramref name="free"/> of those waiting in <paramref name="places"/>, first in line first, who may take a place in the work, confirmed.</summary>
    public async Task<IReadOnlyList<Participation>> PromotedAsync(Opportunity work, IEnumerable<Participation> places, int free, CancellationToken ct)
    {
        var waiting = places.Where(p => p.State == ParticipationState.Waitlisted).OrderBy(p => p.WaitlistNumber).ToList();
        if (free <= 0 || waiting.Count == 0)
        {
            return [];
        }

        var able = await data.MayTakePlaceAsync([.. waiting.Select(p => p.PersonId)], work, ct);
        return [.. waiting.Where(p => able.Contains(p.PersonId)).Take(free)
            .Select(p => p with { State = ParticipationState.Confirmed, WaitlistNumber = null, ChangedAt = data.Store.Now, ConfirmedAt = data.Store.Now })];
    }

    /// <summary>
    /// Places that came free while nobody waiting could take them (none free at a session to come, say) go to those who
    /// can now, once someone waiting says when they are free. A change to the work meanwhile settles its own places;
    /// one this cannot make now (the store failing) waits for the next change to the work's places.
    /// </summary>
    public async Task TryFillFreePlacesAsync(string opportunityId, CancellationToken ct)
    {
        try
        {
            await FillFreePlacesAsync(opportunityId, ct);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogNotFilled(logger, opportunityId, ex);
        }
    }

    private async Task FillFreePlacesAsync(string opportunityId, CancellationToken ct)
    {
        var work = await data.OpportunityAsync(opportunityId, ct);
        if (work.Confirmed >= work.Seats || !await GivesPlacesAsync(work, ct))
        {
            return;
        }

        var promoted = await PromotedAsync(work, await data.ParticipationsAsync(Filter.Eq("opportunityId", work.Id), ct), work.Seats - work.Confirmed, ct);
        if (promoted.Count == 0)
        {
            return;
        }

        try
        {
            await data.Store.ExecuteBatchAsync(EngagementData.Container, data.Store.AgencyId,
                [new BatchOperation.Replace(work with { Confirmed = work.Confirmed + promoted.Count }, work.ETag!), .. promoted.Select(p => new BatchOperation.Replace(p, p.ETag!))], ct);
        }
        catch (StoreException ex) when (ex.Kind is StoreErrorKind.BatchFailed or StoreErrorKind.PreconditionFailed)
        {
            return;
        }

        await notifier.SendAsync(promoted.Select(p => p.PersonId), Notices.EngagementSeatFreed, null, ct);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Free places of opportunity {OpportunityId} could not be given to those waiting now; the next change to its places does")]
    private static partial void LogNotFilled(ILogger logger, string opportunityId, Exception exception);
}
