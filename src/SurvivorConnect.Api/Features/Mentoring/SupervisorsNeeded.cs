using Mediator;
using Microsoft.AspNetCore.Http.HttpResults;
using SurvivorConnect.Api.Features.Notifications;
using SurvivorConnect.Api.Features.People;
using SurvivorConnect.Api.Infrastructure.Auth;
using SurvivorConnect.Api.Infrastructure.Pipeline;
using SurvivorConnect.Storage;

namespace SurvivorConnect.Api.Features.Mentoring;

/// <summary>An active supervisor, by name: whom a mentor can be given to.</summary>
public sealed record SupervisorView(string Id, string DisplayName);

/// <summary>
/// A mentor with no active supervisor, and whether an urgent wellbeing answer of theirs waits for one; or one whose
/// supervisor has left an urgent answer unseen too long (<paramref name="SupervisorAway"/>), or a concern unseen a week
/// (<paramref name="ConcernUnseen"/>), to give to someone who can act.
/// </summary>
public sealed record MentorNeedingSupervisor(string Id, string DisplayName, bool UrgentWaiting, bool SupervisorAway = false, bool ConcernUnseen = false);

/// <summary>What Supervision tells the admin about mentors' urgent answers and concerns nobody has seen: ids only, never the answers.</summary>
public interface IWellbeingUrgentWaits
{
    Task<IReadOnlySet<string>> MentorsWaitingAsync(CancellationToken ct);

    /// <summary>Mentors whose urgent answer has waited past the time their supervisor had to see it.</summary>
    Task<IReadOnlySet<string>> MentorsWaitingTooLongAsync(CancellationToken ct);

    /// <summary>Mentors with a concern (or missed check-ins) their supervisor has left unseen past the week they had.</summary>
    Task<IReadOnlySet<string>> MentorsConcernUnseenTooLongAsync(CancellationToken ct);
}

public sealed record ListSupervisors : IQuery<IReadOnlyList<SupervisorView>>, IAgencyAdminOnly;

/// <summary>
/// The agency's active mentors with no active supervisor (never given one, or theirs deactivated or no longer a
/// supervisor), those with an urgent answer waiting first; at most <see cref="Limit"/>.
/// </summary>
public sealed record ListMentorsNeedingSupervisor : IQuery<IReadOnlyList<MentorNeedingSupervisor>>, IAgencyAdminOnly, IAudited
{
    public const int Limit = 200;

    public AuditTarget Audit => new("mentor.list-needing-supervisor", "mentor");
}

internal sealed class SupervisorsNeededHandlers(MentoringData data, IWellbeingUrgentWaits urgent)
    : IQueryHandler<ListSupervisors, IReadOnlyList<SupervisorView>>,
      IQueryHandler<ListMentorsNeedingSupervisor, IReadOnlyList<MentorNeedingSupervisor>>
{
    public async ValueTask<IReadOnlyList<SupervisorView>> Handle(ListSupervisors query, CancellationToken ct) =>
        [.. (await data.Store.ActiveWithRoleAsync(Roles.Supervisor, ct)).OrderBy(p => p.DisplayName, StringComparer.CurrentCultureIgnoreCase).Select(p => new SupervisorView(p.Id, p.DisplayName))];

    public async ValueTask<IReadOnlyList<MentorNeedingSupervisor>> Handle(ListMentorsNeedingSupervisor query, CancellationToken ct)
    {
        // Found through the supervisors who left or lost the role, and those never given one, so no request reads every mentor.
        var active = (await data.Store.ActiveIdsWithRoleAsync(Roles.Supervisor, ct)).ToHashSet(StringComparer.Ordinal);
        var without = new Dictionary<string, MentorProfile>(StringComparer.Ordinal);
        foreach (var mentor in await data.AllAsync<MentorProfile>(MentorProfile.Container, [Filter.Eq("supervisorId", null)], ct))
        {
            without[mentor.Id] = mentor;
        }

        foreach (var person in await data.LeftRoleAsync(Roles.Supervisor, active, ct))
        {
            foreach (var mentor in await data.AllAsync<MentorProfile>(MentorProfile.Container, [Filter.Eq("supervisorId", person.Id)], ct))
            {
                without[mentor.Id] = mentor;
            }
        }

        // A supervisor who has left an urgent answer unseen too long, or a concern unseen a week, may be away: the admins
        // were asked to give the mentor someone who can act, and find them here.
        var urgentUnseen = await urgent.MentorsWaitingTooLongAsync(ct);
        var concernUnseen = await urgent.MentorsConcernUnseenTooLongAsync(ct);
        var away = (await data.ManyAsync<MentorProfile>(MentorProfile.Container, [.. urgentUnseen.Union(concernUnseen)], ct))
            .Where(m => !without.ContainsKey(m.Id)).ToDictionary(m => m.Id, StringComparer.Ordinal);

        // Only people who mentor now need one: a mentor deactivated, or no longer a mentor, has no check-ins to read.
        var mentoring = (await data.Store.ActiveIdsWithRoleAsync(Roles.Mentor, ct)).ToHashSet(StringComparer.Ordinal);
        var waiting = await urgent.MentorsWaitingAsync(ct);
        return [.. without.Values.Concat(away.Values).Where(m => mentoring.Contains(m.Id))
            .OrderByDescending(m => waiting.Contains(m.Id)).ThenBy(m => m.DisplayName, StringComparer.CurrentCultureIgnoreCase)
            .Take(ListMentorsNeedingSupervisor.Limit)
            .Select(m => new MentorNeedingSupervisor(m.Id, m.DisplayName, waiting.Contains(m.Id),
                away.ContainsKey(m.Id) && urgentUnseen.Contains(m.Id), away.ContainsKey(m.Id) && concernUnseen.Contains(m.Id)))];
    }
}

/// <summary>
/// A person was deactivated or lost the supervisor role: the mentors they supervised have nobody to read their
/// check-ins, and the admins are told at once (the notice names no mentor; the Supervisors page lists them).
/// </summary>
internal sealed class SupervisorLeftHandler(MentoringData data, Notifier notifier) : INotificationHandler<PersonAccessChanged>
{
    public async ValueTask Handle(PersonAccessChanged notification, CancellationToken ct)
    {
        if (await data.HolderOfAsync(notification, Roles.Supervisor, ct) is not { } person || await data.IsActiveAsync(person.Id, Roles.Supervisor, ct))
        {
            return;
        }

        var mentoring = (await data.Store.ActiveIdsWithRoleAsync(Roles.Mentor, ct)).ToHashSet(StringComparer.Ordinal);
        var left = (await data.AllAsync<MentorProfile>(MentorProfile.Container, [Filter.Eq("supervisorId", person.Id)], ct))
            .Select(m => m.Id).Where(mentoring.Contains).Order(StringComparer.Ordinal).ToList();
        if (left.Count == 0)
        {
            return;
        }

        // Once for the same mentors left by the same person in each deactivation (any loss of the role counts as one), however often it is told again.
        var key = $"mentors-need-supervisor~{person.Id}~{person.Deactivation()}~{Digest.Of(string.Join('\n', left), 16)}";
        await notifier.SendOnceToAdminsAsync(Notices.MentorsNeedSupervisor, key, ct);
    }
}

public static class SupervisorsNeededEndpoints
{
    public static IEndpointRouteBuilder MapSupervisorsNeeded(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/supervisors", ListSupervisors).WithName(nameof(ListSupervisors)).WithTags("Mentors")
            .RequireAuthorization(Policies.AgencyAdmin).WithSummary("The agency's active supervisors: whom a mentor can be given to.");
        app.MapGet("/api/mentors/needing-supervisor", ListMentorsNeedingSupervisor).WithName(nameof(ListMentorsNeedingSupervisor)).WithTags("Mentors")
            .RequireAuthorization(Policies.AgencyAdmin).WithSummary("Active mentors with no active supervisor, or whose supervisor has left an urgent wellbeing answer unseen over two hours or a concern unseen a week, those with an urgent answer waiting first, to give to someone who can act. Audited.");
        return app;
    }

    private static async Task<Ok<IReadOnlyList<SupervisorView>>> ListSupervisors(IMediator mediator, CancellationToken ct) =>
        TypedResults.Ok(await mediator.Send(new ListSupervisors(), ct));

    private static async Task<Ok<IReadOnlyList<MentorNeedingSupervisor>>> ListMentorsNeedingSupervisor(IMediator mediator, CancellationToken ct) =>
        TypedResults.Ok(await mediator.Send(new ListMentorsNeedingSupervisor(), ct));
}
