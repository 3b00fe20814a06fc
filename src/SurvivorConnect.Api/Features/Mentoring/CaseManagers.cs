using Mediator;
using Microsoft.AspNetCore.Http.HttpResults;
using SurvivorConnect.Api.Features.Notifications;
using SurvivorConnect.Api.Features.People;
using SurvivorConnect.Api.Infrastructure.Auth;
using SurvivorConnect.Api.Infrastructure.Errors;
using SurvivorConnect.Api.Infrastructure.Pipeline;
using SurvivorConnect.Storage;

namespace SurvivorConnect.Api.Features.Mentoring;

/// <summary>A case manager who can take a youth now.</summary>
public sealed record CaseManagerView(string Id, string DisplayName);

/// <summary>
/// A youth for the admin to hand to a case manager who can act: none of theirs can (deactivated, or no longer case
/// managers), or an urgent flag in their chat has waited for one (<paramref name="UrgentWaiting"/>): theirs may be away.
/// </summary>
public sealed record YouthNeedingCaseManager(string Id, string DisplayName, string Version, bool UrgentWaiting = false);

/// <summary>
/// Youth an urgent chat flag has waited on past its first check, as the chat feature keeps them: the admins it told
/// to hand the youth over find them on the same page as youth left with nobody.
/// </summary>
public interface IUrgentWaits
{
    Task<IReadOnlyList<string>> YouthWaitingAsync(CancellationToken ct);
}

/// <summary>The agency's active case managers, by name: whom a youth can be handed to.</summary>
public sealed record ListCaseManagers : IQuery<IReadOnlyList<CaseManagerView>>;

/// <summary>The youth whose case managers were all deactivated or lost the role, by name; at most <see cref="Limit"/>.</summary>
public sealed record ListYouthNeedingCaseManager : IQuery<IReadOnlyList<YouthNeedingCaseManager>>, IAgencyAdminOnly, IAudited
{
    public const int Limit = 200;

    public AuditTarget Audit => new("youth.list-needing-case-manager", "youth");
}

internal sealed class CaseManagerHandlers(MentoringData data, IUrgentWaits urgent)
    : IQueryHandler<ListCaseManagers, IReadOnlyList<CaseManagerView>>,
      IQueryHandler<ListYouthNeedingCaseManager, IReadOnlyList<YouthNeedingCaseManager>>
{
    public async ValueTask<IReadOnlyList<CaseManagerView>> Handle(ListCaseManagers query, CancellationToken ct)
    {
        if (!data.User.IsInRole(Roles.CaseManager) && !data.User.IsInRole(Roles.AgencyAdmin))
        {
            throw new ForbiddenException("Only case managers and the agency admin hand youth over.");
        }

        return [.. (await data.Store.ActiveWithRoleAsync(Roles.CaseManager, ct)).OrderBy(p => p.DisplayName, StringComparer.CurrentCultureIgnoreCase).Select(p => new CaseManagerView(p.Id, p.DisplayName))];
    }

    public async ValueTask<IReadOnlyList<YouthNeedingCaseManager>> Handle(ListYouthNeedingCaseManager query, CancellationToken ct)
    {
        if (!data.User.IsInRole(Roles.AgencyAdmin))
        {
            throw new ForbiddenException("Only the agency admin sees every youth's case managers.");
        }

        // Found through the case managers who left or lost the role, so no request reads every youth of the agency.
        var active = (await data.Store.ActiveIdsWithRoleAsync(Roles.CaseManager, ct)).ToHashSet(StringComparer.Ordinal);
        var youth = new Dictionary<string, YouthReferral>(StringComparer.Ordinal);
        foreach (var person in await data.LeftRoleAsync(Roles.CaseManager, active, ct))
        {
            foreach (var referral in await data.AllAsync<YouthReferral>(YouthReferral.Container, [Filter.Contains("caseManagerIds", person.Id)], ct))
            {
                youth[referral.Id] = referral;
            }
        }

        var waiting = (await data.ManyAsync<YouthReferral>(YouthReferral.Container, await urgent.YouthWaitingAsync(ct), ct)).ToDictionary(y => y.Id, StringComparer.Ordinal);
        // A youth this admin mentors, or is never to be matched with, is another admin's to hand over, as their record is.
        var kept = await data.YouthKeptFromAdminAsync([.. youth.Values.Concat(waiting.Values)], ct);
        List<YouthNeedingCaseManager> listed = [.. youth.Values.Where(y => !y.CaseManagerIds.Any(active.Contains)).Concat(waiting.Values).DistinctBy(y => y.Id)
            .Where(y => !kept.Contains(y.Id))
            .OrderByDescending(y => waiting.ContainsKey(y.Id)).ThenBy(y => y.DisplayName, StringComparer.CurrentCultureIgnoreCase)
            .Take(ListYouthNeedingCaseManager.Limit)
            .Select(y => new YouthNeedingCaseManager(y.Id, y.DisplayName, y.ETag!, waiting.ContainsKey(y.Id)))];
        data.Listed.AddYouth(listed.Select(y => y.Id));
        return listed;
    }
}

/// <summary>
/// A person was deactivated or lost a role: youth whose only case managers they were are left with nobody, and the
/// admins are told at once (the notice names no youth; the page lists them).
/// </summary>
internal sealed class CaseManagerLeftHandler(MentoringData data, Notifier notifier) : INotificationHandler<PersonAccessChanged>
{
    public async ValueTask Handle(PersonAccessChanged notification, CancellationToken ct)
    {
        if (await data.HolderOfAsync(notification, Roles.CaseManager, ct) is not { } person)
        {
            return;
        }

        var caseload = await data.AllAsync<YouthReferral>(YouthReferral.Container, [Filter.Contains("caseManagerIds", notification.PersonId)], ct);
        if (caseload.Count == 0)
        {
            return;
        }

        var active = (await data.Store.ActiveIdsWithRoleAsync(Roles.CaseManager, ct)).ToHashSet(StringComparer.Ordinal);
        List<YouthReferral> left = [.. caseload.Where(y => !y.CaseManagerIds.Any(active.Contains)).OrderBy(y => y.Id, StringComparer.Ordinal)];
        if (left.Count > 0)
        {
            // Once for the same youth left by the same person in each deactivation (any loss of the role counts as one), however often it is told again.
            var key = $"youth-need-case-manager~{person.Id}~{person.Deactivation()}~{Digest.Of(string.Join('\n', left.Select(y => y.Id)), 16)}";
            // An admin kept from every one of them would find none listed, and so learn of a youth kept from them.
            await notifier.SendOnceToAdminsAsync(Notices.YouthNeedCaseManager, key, ct, except: await data.AdminsKeptFromEveryAsync(left, ct),
                toExceptedAlone: (Notices.YouthNeedsAnAdmin, $"youth-needs-an-admin~{key}"));
        }
    }
}

public static class CaseManagerEndpoints
{
    public static IEndpointRouteBuilder MapCaseManagers(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/case-managers", ListCaseManagers).WithName(nameof(ListCaseManagers)).WithTags("Youth")
            .RequireAuthorization(Policies.CaseManagerOrAdmin).WithSummary("The agency's active case managers: whom a youth can be handed to.");
        app.MapGet("/api/youth/needing-case-manager", ListYouthNeedingCaseManager).WithName(nameof(ListYouthNeedingCaseManager)).WithTags("Youth")
            .RequireAuthorization(Policies.AgencyAdmin).WithSummary("Youth whose case managers were all deactivated, or for whom an urgent chat flag has waited, to hand to someone who can act. Audited.");
        return app;
    }

    private static async Task<Ok<IReadOnlyList<CaseManagerView>>> ListCaseManagers(IMediator mediator, CancellationToken ct) =>
        TypedResults.Ok(await mediator.Send(new ListCaseManagers(), ct));

    private static async Task<Ok<IReadOnlyList<YouthNeedingCaseManager>>> ListYouthNeedingCaseManager(IMediator mediator, CancellationToken ct) =>
        TypedResults.Ok(await mediator.Send(new ListYouthNeedingCaseManager(), ct));
}
