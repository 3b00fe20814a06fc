using System.Globalization;
using Mediator;
using SurvivorConnect.Api.Infrastructure.Auth;
using SurvivorConnect.Api.Infrastructure.Errors;
using SurvivorConnect.Api.Infrastructure.Pipeline;
using SurvivorConnect.Api.Infrastructure.Tenancy;
using SurvivorConnect.Api.Features.Teaming.Rules;
using SurvivorConnect.Storage;

namespace SurvivorConnect.Api.Features.Teaming;

/// <param name="RequestId">
/// For a new item, the client's own id for this request (1 to 64 letters, digits, - and _): sent again (a lost answer),
/// it adds the item once. The item's id is made from it (<see cref="PlanItemIds"/>).
/// </param>
public sealed record PlanItemRequest(string? Kind, string? Text, string? Owner, string? Status, DateOnly? Due, string? YouthWords, string? RequestId = null)
{
    public const int MaxItems = 100;

    public void Validate(ValidationErrors errors)
    {
        errors.OneOf<PlanItemKind>("kind", Kind).Prose("text", Text, 500).Text("owner", Owner, 80, required: false)
            .OneOf<PlanItemStatus>("status", Status, required: false).Prose("youthWords", YouthWords, 1000, required: false);
        TeamingValidation.Due(errors, "due", Due);
        if (RequestId is not null && !ClientIds.IsValid(RequestId))
        {
            errors.Add("requestId", "1 to 64 letters, digits, - and _.");
        }
    }
}

public static class PlanItemIds
{
    /// <summary>An item's id from the client's request id: never the client's own words, which the youth and partners would read.</summary>
    public static string ForRequest(string youthId, string requestId) => "item-" + Digest.Of($"{youthId}\n{requestId}", 16);
}

public sealed record SafetyPlanRequest(
    string[]? WarningSigns, string[]? CopingSteps, SafeContact[]? SafePeople, string[]? SafePlaces, SafeContact[]? Numbers, string? YouthWords)
{
    public const int MaxItems = 20;

    public void Validate(ValidationErrors errors)
    {
        Lines(errors, "warningSigns", WarningSigns);
        Lines(errors, "copingSteps", CopingSteps);
        Lines(errors, "safePlaces", SafePlaces);
        Contacts(errors, "safePeople", SafePeople);
        Contacts(errors, "numbers", Numbers);
        errors.Prose("youthWords", YouthWords, 1000, required: false);
    }

    public SafetyPlanContent ToContent() => new(
        Clean(WarningSigns), Clean(CopingSteps), CleanContacts(SafePeople), Clean(SafePlaces), CleanContacts(Numbers),
        ValidationErrors.Optional(YouthWords));

    private static void Lines(ValidationErrors errors, string field, string[]? lines)
    {
        if (lines is { Length: > MaxItems })
        {
            errors.Add(field, $"At most {MaxItems}.");
        }

        foreach (var line in lines ?? [])
        {
            errors.Text(field, line, 300, required: false);
        }
    }

    private static void Contacts(ValidationErrors errors, string field, SafeContact[]? contacts)
    {
        if (contacts is { Length: > MaxItems })
        {
            errors.Add(field, $"At most {MaxItems}.");
        }

        foreach (var contact in contacts ?? [])
        {
            errors.Text(field, contact?.Name, 80).Text(field, contact?.Contact, 120, required: false);
        }
    }

    private static List<string> Clean(string[]? lines) => [.. (lines ?? []).Where(l => !string.IsNullOrWhiteSpace(l)).Select(l => l.Trim())];

    private static List<SafeContact> CleanContacts(SafeContact[]? contacts) =>
        [.. (contacts ?? []).Where(c => c is not null && !string.IsNullOrWhiteSpace(c.Name)).Select(c => new SafeContact(c.Name.Trim(), c.Contact?.Trim() ?? ""))];
}

public sealed record RevisionView(DateTimeOffset At, string By, string Change, PlanItem? ItemBefore, PlanItem? ItemAfter, SafetyPlanContent? SafetyBefore);

/// <summary>A youth's plans; each version (null until the plan is first written) is sent back as If-Match to change it.</summary>
public sealed record PlansView(
    string YouthId, string YouthName, bool MayEdit, IReadOnlyList<PlanItem> CasePlan, SafetyPlanContent SafetyPlan, IReadOnlyList<RevisionView> History,
    string? CasePlanVersion, string? SafetyPlanVersion, string? OlderHistory = null);

/// <summary>Adds a decision (<paramref name="ItemId"/> null), or changes one of the case plan as of <paramref name="IfMatch"/>.</summary>
/// <param name="NewItemId">For a new item, the id its form was made with: the same form sent twice adds it once.</param>
public sealed record SavePlanItem(string YouthId, string? ItemId, PlanItemRequest Body, string? IfMatch, string? NewItemId = null) : ICommand<PlansView>, IValidate, IAudited
{
    public AuditTarget Audit => new("case-plan.save", "team", YouthId);

    public void Validate(ValidationErrors errors) => Body.Validate(errors);
}

/// <summary>The whole safety plan, replacing the one of version <paramref name="IfMatch"/> (none is needed for the first).</summary>
public sealed record SaveSafetyPlan(string YouthId, SafetyPlanRequest Body, string? IfMatch) : ICommand<PlansView>, IValidate, IAudited
{
    public AuditTarget Audit => new("safety-plan.save", "team", YouthId);

    public void Validate(ValidationErrors errors) => Body.Validate(errors);
}

/// <param name="HistoryAfter">Where the plans' history goes on: a view's <see cref="PlansView.OlderHistory"/>; none for the latest changes.</param>
public sealed record GetPlans(string YouthId, string? HistoryAfter = null) : IQuery<PlansView>, IAudited
{
    public AuditTarget Audit => new("plans.read", "team", YouthId);
}

/// <summary>
/// A youth's case plan and safety plan. A case manager of the youth writes them, with the youth's own words beside
/// each decision; every change writes, in the same batch, what the plan was before it (its history). A change is made
/// to the version its writer saw: a youth can have several case managers, and a form opened before another's change
/// must not put back what they took out (a "safe" person found to be unsafe, say).
/// </summary>
internal sealed class PlanHandlers(TeamingData data)
    : ICommandHandler<SavePlanItem, PlansView>,
      ICommandHandler<SaveSafetyPlan, PlansView>,
      IQueryHandler<GetPlans, PlansView>
{
    public async ValueTask<PlansView> Handle(SavePlanItem command, CancellationToken ct)
    {
        var youth = await data.YouthToLeadAsync(command.YouthId, ct);
        var plan = await CasePlanAsync(youth.Id, ct);
        var body = command.Body;
        // The same form sent again is the item added; sent again with changes, it is an item to change where it is.
        if (command.ItemId is null && command.NewItemId is { } added && plan?.Items.FirstOrDefault(i => i.Id == added) is { } sentBefore)
        {
            return SameItem(sentBefore, body)
                ? await ViewAsync(youth.Id, ct)
                : throw new ConflictException("This was added to the plan already. To change it, change it in the plan.");
        }

        var before = command.ItemId is null ? null : plan?.Items.FirstOrDefault(i => i.Id == command.ItemId) ?? throw new NotFoundException("plan item");
        var etag = before is null ? plan?.ETag : command.IfMatch ?? throw new PreconditionRequiredException();
        var item = new PlanItem(
            before?.Id ?? command.NewItemId ?? AgencyStore.NewId(), EnumNames.Parse<PlanItemKind>(body.Kind), body.Text!.Trim(), ValidationErrors.Optional(body.Owner),
            body.Status is null ? before?.Status ?? PlanItemStatus.Open : EnumNames.Parse<PlanItemStatus>(body.Status), body.Due, ValidationErrors.Optional(body.YouthWords));
        // Saved as it was (a second tap, a form sent again): nothing changed, so nothing is written and the history stays
        // the changes it holds.
        if (before == item)
        {
            return await ViewAsync(youth.Id, ct);
        }

        if (before is null && plan?.Items.Count >= PlanItemRequest.MaxItems)
        {
            throw new ConflictException($"A plan holds at most {PlanItemRequest.MaxItems} decisions. Mark finished ones done or stopped and change them instead.");
        }

        var items = before is null ? [.. plan?.Items ?? [], item] : plan!.Items.Select(i => i.Id == item.Id ? item : i).ToList();
        var saved = (plan ?? new CasePlan { Id = CasePlan.IdFor(youth.Id), YouthId = youth.Id }) with { Items = items, UpdatedAt = data.Now, UpdatedBy = data.Me };
        await SaveAsync(saved, etag, Revision(saved.Id, youth.Id, before is null ? $"Added a {item.Kind.ToString().ToLowerInvariant()}" : Changes(before, item)) with
        {
            ItemBefore = before, ItemAfter = item,
        }, ct);
        return await ViewAsync(youth.Id, ct);
    }

    private static bool SameItem(PlanItem item, PlanItemRequest body) =>
        item.Kind == EnumNames.Parse<PlanItemKind>(body.Kind) && item.Text == body.Text!.Trim() && item.Owner == ValidationErrors.Optional(body.Owner)
        && (body.Status is null || item.Status == EnumNames.Parse<PlanItemStatus>(body.Status)) && item.Due == body.Due && item.YouthWords == ValidationErrors.Optional(body.YouthWords);

    public async ValueTask<PlansView> Handle(SaveSafetyPlan command, CancellationToken ct)
    {
        var youth = await data.YouthToLeadAsync(command.YouthId, ct);
        var plan = await data.Store.ReadAsync<SafetyPlan>(TeamingData.Container, SafetyPlan.IdFor(youth.Id), data.AgencyId, ct);
        var etag = plan is null ? null : command.IfMatch ?? throw new PreconditionRequiredException();
        var content = command.Body.ToContent();
        if ((plan?.Content ?? SafetyPlanContent.Empty).SaysTheSameAs(content))
        {
            return await ViewAsync(youth.Id, ct);
        }

        var saved = (plan ?? new SafetyPlan { Id = SafetyPlan.IdFor(youth.Id), YouthId = youth.Id, Content = SafetyPlanContent.Empty }) with
        {
            Content = content, UpdatedAt = data.Now, UpdatedBy = data.Me,
        };
        await SaveAsync(saved, etag, Revision(saved.Id, youth.Id, "Changed the safety plan") with { SafetyBefore = plan?.Content }, ct);
        return await ViewAsync(youth.Id, ct);
    }

    /// <summary>How many of the plans' changes a view carries, the latest first.</summary>
    public const int HistoryShown = 50;

    public async ValueTask<PlansView> Handle(GetPlans query, CancellationToken ct)
    {
        var (youth, _, role) = await data.MemberAsync(query.YouthId, ct);
        return role == TeamRole.Youth ? throw new NotFoundException("team") : await ViewAsync(youth.Id, ct, query.HistoryAfter);
    }

    private async Task<PlansView> ViewAsync(string youthId, CancellationToken ct, string? historyAfter = null)
    {
        var (youth, _, role) = await data.MemberAsync(youthId, ct);
        var casePlan = await CasePlanAsync(youth.Id, ct);
        var safetyPlan = await data.Store.ReadAsync<SafetyPlan>(TeamingData.Container, SafetyPlan.IdFor(youth.Id), data.AgencyId, ct);
        // The newest changes (a revision's id begins with its time), a page at a time, not every one ever made: a page and
        // every save's answer stay the same size however long the youth has had a plan.
        var history = await data.Store.QueryAsync<PlanRevision>(TeamingData.Container, new DocumentQuery
        {
            PartitionKey = data.AgencyId,
            Type = DocumentTypes.Of<PlanRevision>(),
            Filters = [Filter.In("planId", CasePlan.IdFor(youth.Id), SafetyPlan.IdFor(youth.Id))],
            Descending = true,
            PageSize = HistoryShown,
            ContinuationToken = historyAfter,
        }, ct);
        return new PlansView(youth.Id, youth.DisplayName, role == TeamRole.Lead, casePlan?.Items ?? [], safetyPlan?.Content ?? SafetyPlanContent.Empty,
            [.. history.Items.Select(r => new RevisionView(r.At, r.By, r.Change, r.ItemBefore, r.ItemAfter, r.SafetyBefore))],
            casePlan?.ETag, safetyPlan?.ETag, history.ContinuationToken);
    }

    /// <summary>A youth's two plans as stored in their agency (empty until written).</summary>
    public static async Task<(IReadOnlyList<PlanItem> CasePlan, SafetyPlanContent SafetyPlan)> PlansAsync(AgencyStore store, string youthId, CancellationToken ct)
    {
        var casePlan = await store.ReadAsync<CasePlan>(TeamingData.Container, CasePlan.IdFor(youthId), store.AgencyId, ct);
        var safetyPlan = await store.ReadAsync<SafetyPlan>(TeamingData.Container, SafetyPlan.IdFor(youthId), store.AgencyId, ct);
        return (casePlan?.Items ?? [], safetyPlan?.Content ?? SafetyPlanContent.Empty);
    }

    private Task<CasePlan?> CasePlanAsync(string youthId, CancellationToken ct) =>
        data.Store.ReadAsync<CasePlan>(TeamingData.Container, CasePlan.IdFor(youthId), data.AgencyId, ct);

    /// <summary>
    /// The plan and its revision in one batch: a change is never saved without its history. A plan changed since
    /// <paramref name="etag"/>, or first written by someone else at the same moment, is a 412: either way another
    /// change came first.
    /// </summary>
    private async Task SaveAsync(Document plan, string? etag, PlanRevision revision, CancellationToken ct)
    {
        try
        {
            await data.Store.ExecuteBatchAsync(TeamingData.Container, data.AgencyId,
            [
                etag is null ? new BatchOperation.Create(plan) : new BatchOperation.Replace(plan, etag),
                new BatchOperation.Create(revision),
            ], ct);
        }
        catch (StoreException ex) when (ex is { Kind: StoreErrorKind.BatchFailed, FailedOperationIndex: 0, FailedOperationKind: StoreErrorKind.Conflict or StoreErrorKind.PreconditionFailed })
        {
            throw new StoreException(StoreErrorKind.PreconditionFailed, ex.Message, ex);
        }
    }

    private PlanRevision Revision(string planId, string youthId, string change) => new()
    {
        Id = string.Create(CultureInfo.InvariantCulture, $"revision~{data.Now:yyyyMMddHHmmssfffffff}~{AgencyStore.NewId()}"),
        PlanId = planId, YouthId = youthId, At = data.Now, By = data.Me, Change = change,
    };

    private static string Changes(PlanItem before, PlanItem after)
    {
        var changed = new List<string>();
        if (before.Text != after.Text) changed.Add("wording");
        if (before.Status != after.Status) changed.Add($"status to {after.Status}");
        if (before.Owner != after.Owner) changed.Add("owner");
        if (before.Due != after.Due) changed.Add("due date");
        if (before.YouthWords != after.YouthWords) changed.Add("the youth's words");
        if (before.Kind != after.Kind) changed.Add("kind");
        return $"Changed {string.Join(", ", changed)}";
    }

}
