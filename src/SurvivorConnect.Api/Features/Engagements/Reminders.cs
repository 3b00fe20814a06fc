using SurvivorConnect.Api.Features.Engagements.Rules;
using SurvivorConnect.Api.Features.Notifications;
using SurvivorConnect.Api.Infrastructure.Auth;
using SurvivorConnect.Api.Infrastructure.Hosting;
using SurvivorConnect.Storage;

namespace SurvivorConnect.Api.Features.Engagements;

/// <summary>
/// Keeps an opportunity's sessions on the reminder schedule while they are to come and going ahead. A slot is never
/// later than its session: before a change is written, each session it leaves going ahead has a slot no later than
/// its time before and after (<see cref="PrepareAsync"/>, which only ever brings a slot earlier, so a change refused
/// after it leaves none later than a change made); after, the slots are set to the times written (<see cref="PlanAsync"/>).
/// Should that second step fail, the reminders still go out by the session's own time, and the worker puts the slot
/// right once its time has passed (<see cref="SettleAsync"/>).
/// </summary>
internal sealed class ReminderSchedule(EngagementData data)
{
    public async Task PrepareAsync(Opportunity current, Opportunity changed, CancellationToken ct)
    {
        foreach (var session in Live(changed))
        {
            var before = current.Sessions.FirstOrDefault(s => s.Id == session.Id && s.CancelledAt is null)?.StartUtc;
            var at = before < session.StartUtc ? before.Value : session.StartUtc;
            var slot = await data.Store.ReadAsync<ReminderSlot>(EngagementData.Container, ReminderSlot.IdFor(data.Store.AgencyId, changed.Id, session.Id), ReminderSlot.Partition, ct);
            if (slot is null || slot.StartUtc > at)
            {
                await SetAsync(changed, session, at, ct);
            }
        }
    }

    public async Task PlanAsync(Opportunity opportunity, CancellationToken ct)
    {
        var store = data.Store;
        var live = Live(opportunity).ToList();
        foreach (var session in opportunity.Sessions)
        {
            var id = ReminderSlot.IdFor(store.AgencyId, opportunity.Id, session.Id);
            if (live.Contains(session))
            {
                await SetAsync(opportunity, session, session.StartUtc, ct);
            }
            else if (await store.ReadAsync<ReminderSlot>(EngagementData.Container, id, ReminderSlot.Partition, ct) is not null)
            {
                await store.DeleteAsync(EngagementData.Container, id, ReminderSlot.Partition, null, ct);
            }
        }
    }

    /// <summary>
    /// A slot whose time has passed: moved to its session's time while the session is still to come and going ahead,
    /// otherwise gone (a session begun, cancelled or taken off the work). Only as the worker read it: a slot set since
    /// by a change of the work stands.
    /// </summary>
    public async Task SettleAsync(ReminderSlot slot, CancellationToken ct)
    {
        var opportunity = await data.Store.FindAsync<Opportunity>(EngagementData.Container, slot.OpportunityId, ct);
        var session = opportunity is null ? null : Live(opportunity).FirstOrDefault(s => s.Id == slot.SessionId);
        try
        {
            if (session is null)
            {
                await data.Store.DeleteAsync(EngagementData.Container, slot.Id, ReminderSlot.Partition, slot.ETag, ct);
            }
            else
            {
                await data.Store.ReplaceAsync(EngagementData.Container, slot with { StartUtc = session.StartUtc }, slot.ETag!, ct);
            }
        }
        catch (StoreException ex) when (ex.Kind is StoreErrorKind.PreconditionFailed or StoreErrorKind.NotFound)
        {
            // Set or removed by a change of the work meanwhile: that stands.
        }
    }

    private IEnumerable<EngagementSession> Live(Opportunity opportunity) =>
        opportunity.State is OpportunityState.Published or OpportunityState.Closed
            ? opportunity.Sessions.Where(s => s.CancelledAt is null && s.StartUtc > data.Store.Now)
            : [];

    private async Task SetAsync(Opportunity opportunity, EngagementSession session, DateTimeOffset at, CancellationToken ct) =>
        await data.Store.UpsertAsync(EngagementData.Container, new ReminderSlot
        {
            Id = ReminderSlot.IdFor(data.Store.AgencyId, opportunity.Id, session.Id),
            PartitionKey = ReminderSlot.Partition,
            OpportunityId = opportunity.Id,
            SessionId = session.Id,
            StartUtc = at,
        }, ct);
}

/// <summary>Sends one agency's due reminders for the sessions given: 24 hours and 1 hour before, each exactly once.</summary>
internal sealed class ReminderSender(EngagementData data, Notifier notifier)
{
    public async Task SendDueAsync(IEnumerable<ReminderSlot> slots, CancellationToken ct)
    {
        var now = data.Store.Now;
        foreach (var slot in slots)
        {
            var opportunity = await data.Store.FindAsync<Opportunity>(EngagementData.Container, slot.OpportunityId, ct);
            var session = opportunity?.Sessions.FirstOrDefault(s => s.Id == slot.SessionId);
            if (opportunity?.State is not (OpportunityState.Published or OpportunityState.Closed) || session is null || session.CancelledAt is not null)
            {
                continue;
            }

            var (kind, notice) = (session.StartUtc - now) switch
            {
                var left when left <= TimeSpan.Zero => (null, null),
                var left when left <= TimeSpan.FromHours(1) => ("1h", Notices.EngagementReminderHour),
                var left when left <= TimeSpan.FromHours(24) => ("24h", Notices.EngagementReminderDay),
                _ => ((string?)null, (Notice?)null),
            };
            if (kind is null || notice is null)
            {
                continue;
            }

            var confirmed = await data.ParticipationsAsync(Filter.Eq("opportunityId", opportunity.Id), ct);
            var claimsFor = (await data.Store.AllAsync<CompensationClaim>(EngagementData.Container, [Filter.Eq("opportunityId", opportunity.Id)], ct))
                .Where(c => c.SessionId == session.Id).ToDictionary(c => c.PersonId, StringComparer.Ordinal);
            Exception? failed = null;
            foreach (var place in confirmed.Where(p => p.State == ParticipationState.Confirmed && !ClaimRules.CancelsPlace(claimsFor.GetValueOrDefault(p.PersonId), p)))
            {
                try
                {
                    // Once for each time the session is set for: moved after a reminder went out, it is news again.
                    await notifier.SendOnceAsync(place.PersonId, notice, $"reminder~{opportunity.Id}~{session.Id}~{session.StartUtc:O}~{kind}", ct);
                }
                catch (Exception ex) when (!ct.IsCancellationRequested)
                {
                    // The others are still reminded; the next round tries this one again.
                    failed ??= ex;
                }
            }

            if (failed is not null)
            {
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(failed);
            }
        }
    }
}

/// <summary>
/// Every instance runs this once a minute. The schedule is read across agencies (the one place the feature
/// takes the raw store: it holds ids and times only); the sending runs in each agency's own scope, as that
/// agency's system. Exactly-once does not depend on which instance gets there first: a reminder's notice id is
/// made from the session and the kind, so a second instance's attempt is refused by the store. Cancellations whose
/// request failed before everyone's claim was written are finished here too, once the request has had its time.
/// </summary>
internal sealed class EngagementReminderWorker(IServiceScopeFactory scopes, IDocumentStore store, TimeProvider time, ILogger<EngagementReminderWorker> log)
    : PeriodicWork(time, log)
{
    public const string SystemUser = "system-reminders";

    protected override TimeSpan Every => TimeSpan.FromMinutes(1);

    /// <summary>Longer than a request runs, so a cancellation still being written is left to it.</summary>
    public static readonly TimeSpan CancellationGrace = TimeSpan.FromMinutes(2);

    // A reminder counts as sent only once its notice exists, so a failed round is finished by the next.
    protected override Task RoundAsync(CancellationToken ct) => RunOnceAsync(ct);

    public async Task RunOnceAsync(CancellationToken ct)
    {
        var now = Time.GetUtcNow();
        var owed = await store.QueryAllAsync<CancellationDue>(EngagementData.Container, CancellationDue.Partition, [Filter.Le("createdAt", now - CancellationGrace)], ct);
        await ForEachAsync(scopes, owed, SystemUser, (services, cancellation) => services.GetRequiredService<ClaimWriter>().FinishAsync(cancellation, ct), ct);
        var released = await store.QueryAllAsync<ReleaseDue>(EngagementData.Container, ReleaseDue.Partition, [Filter.Le("createdAt", now - CancellationGrace)], ct);
        await ForEachAsync(scopes, released, SystemUser, (services, due) =>
            PaidWorkLeftHandler.FinishAsync(services.GetRequiredService<Mediator.IMediator>(), services.GetRequiredService<EngagementData>(), due, ct), ct);

        var due = await store.QueryAllAsync<ReminderSlot>(EngagementData.Container, ReminderSlot.Partition, [Filter.Le("startUtc", now.AddHours(24))], ct);

        // Each session on its own: one that cannot be reminded now (its agency's data, a store blip) holds up no other.
        await ForEachAsync(scopes, due.Where(s => s.StartUtc > now), SystemUser, (services, slot) => services.GetRequiredService<ReminderSender>().SendDueAsync([slot], ct), ct);

        // A slot whose time has passed is set again from its work as it is now: gone with a session that has begun, or
        // moved to the session's time where writing that after the change failed.
        await ForEachAsync(scopes, due.Where(s => s.StartUtc <= now), SystemUser, (services, slot) => services.GetRequiredService<ReminderSchedule>().SettleAsync(slot, ct), ct);
    }
}
