using Mediator;
using SurvivorConnect.Api.Features.Engagements.Rules;
using SurvivorConnect.Api.Features.Notifications;
using SurvivorConnect.Api.Features.People;
using SurvivorConnect.Storage;

namespace SurvivorConnect.Api.Features.Engagements;

/// <summary>
/// A piece of work's waiting list: a free place goes to those waiting, first in line first, of those who may take one
/// (still taking paid work, free at a session still to come, not asked to speak of what they will not, and in the sessions
/// they said yes to), and only while the work still takes answers and pays at least the agency's benchmark.
/// </summary>
internal sealed partial class WaitingList(EngagementData data, Notifier notifier, ILogger<WaitingList> logger)
{
    /// <summary>Whether a free place in the work goes to anyone waiting: not in work cancelled or completed, nor below the benchmark since.</summary>
    public async Task<bool> GivesPlacesAsync(Opportunity work, CancellationToken ct) =>
        work.State is OpportunityState.Published or OpportunityState.Closed && PayParity.Refusal(await data.SettingsAsync(ct), work) is null;

    /// <summary>Up to <paramref name="free"/> of those waiting in <paramref name="places"/>, first in line first, who may take a place in the work, confirmed.</summary>
    public async Task<IReadOnlyList<Participation>> PromotedAsync(Opportunity work, IEnumerable<Participation> places, int free, CancellationToken ct)
    {
        // Only in the sessions they said yes to: one whose sessions moved since keeps their place in line for a yes again.
        var waiting = places.Where(p => p.State == ParticipationState.Waitlisted && !p.AgreedToOtherTermsThan(work)).OrderBy(p => p.WaitlistNumber).ToList();
        if (free <= 0 || waiting.Count == 0)
        {
            return [];
        }

        var able = await data.MayTakePlaceAsync([.. waiting.Select(p => p.PersonId)], work, ct);
        return [.. waiting.Where(p => able.Contains(p.PersonId)).Take(free)
            .Select(p => p with { State = ParticipationState.Confirmed, WaitlistNumber = null, ChangedAt = data.Store.Now, ConfirmedAt = data.Store.Now, TookASeat = true })];
    }

    /// <summary>
    /// Someone waiting may take a place now that they could not before (they said when they are free, or were given
    /// access back): places that came free meanwhile, while nobody waiting could take them, are given out now in each
    /// work they wait for. Best-effort: a change to the work meanwhile settles its own places, and one this cannot make
    /// now (the store failing) waits for the next change to the work's places.
    /// </summary>
    public async Task TryFillFreePlacesForAsync(string personId, CancellationToken ct)
    {
        List<Participation> places;
        try
        {
            places = await data.ParticipationsAsync(Filter.Eq("personId", personId), ct);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogNotFilledFor(logger, personId, ex);
            return;
        }

        foreach (var waiting in places.Where(p => p.State == ParticipationState.Waitlisted))
        {
            try
            {
                await FillFreePlacesAsync(waiting.OpportunityId, ct);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                LogNotFilled(logger, waiting.OpportunityId, ex);
            }
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

    [LoggerMessage(Level = LogLevel.Warning, Message = "The work person {PersonId} waits for was not read to give them a free place now; the next change to its places does")]
    private static partial void LogNotFilledFor(ILogger logger, string personId, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Free places of opportunity {OpportunityId} could not be given to those waiting now; the next change to its places does")]
    private static partial void LogNotFilled(ILogger logger, string opportunityId, Exception exception);
}

/// <summary>
/// Someone given access back (or a paid-work role back) waits where they waited: a place that came free while they could
/// not sign in, and went to nobody, is theirs now if they are first in line.
/// </summary>
internal sealed class PaidWorkBackHandler(EngagementData data, WaitingList waitingList) : INotificationHandler<PersonAccessChanged>
{
    /// <summary>Whether they may take a place is the waiting list's to judge (active, still taking paid work), as for anyone waiting.</summary>
    public async ValueTask Handle(PersonAccessChanged notification, CancellationToken ct)
    {
        if (notification.AgencyId == data.Store.AgencyId)
        {
            await waitingList.TryFillFreePlacesForAsync(notification.PersonId, ct);
        }
    }
}
