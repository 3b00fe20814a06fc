using Mediator;
using Microsoft.AspNetCore.Http.HttpResults;
using SurvivorConnect.Api.Features.Agencies;
using SurvivorConnect.Api.Features.People;
using SurvivorConnect.Api.Infrastructure.Auth;
using SurvivorConnect.Api.Infrastructure.Errors;
using SurvivorConnect.Api.Infrastructure.Pipeline;
using SurvivorConnect.Storage;

namespace SurvivorConnect.Api.Features.Mentoring;

public sealed record NotificationView(string Id, string Kind, string? MatchId, string Text, DateTimeOffset At, DateTimeOffset? ReadAt);

public sealed record ListNotifications(bool UnreadOnly, int PageSize, string? ContinuationToken) : IQuery<Page<NotificationView>>, IValidate
{
    public void Validate(ValidationErrors errors) => Paging.Validate(errors, PageSize);
}

public sealed record MarkNotificationRead(string NotificationId) : ICommand<NotificationView>;

public sealed record AgencyView(string Id, string Name, MatchConsentPolicy MatchConsentPolicy);

public sealed record MatchConsentPolicyRequest(int? AdultAge, string[]? MinorMatchNeeds);

public sealed record GetAgency : IQuery<AgencyView>;

public sealed record SetMatchConsentPolicy(MatchConsentPolicyRequest Body) : ICommand<AgencyView>, IValidate, IAudited
{
    public AuditTarget Audit => new("agency.set-match-consent-policy", "agency");

    public void Validate(ValidationErrors errors)
    {
        errors.Range("adultAge", Body.AdultAge, 16, 21);
        if (Body.AdultAge is null)
        {
            errors.Add("adultAge", "Required.");
        }

        foreach (var grantor in Body.MinorMatchNeeds ?? [])
        {
            if (grantor is not (nameof(ConsentGrantor.Guardian) or nameof(ConsentGrantor.Agency)))
            {
                errors.Add("minorMatchNeeds", "Each entry is Guardian or Agency.");
            }
        }
    }
}

internal sealed class NotificationHandlers(MentoringData data)
    : IQueryHandler<ListNotifications, Page<NotificationView>>,
      ICommandHandler<MarkNotificationRead, NotificationView>,
      IQueryHandler<GetAgency, AgencyView>,
      ICommandHandler<SetMatchConsentPolicy, AgencyView>
{
    public async ValueTask<Page<NotificationView>> Handle(ListNotifications query, CancellationToken ct)
    {
        var page = await data.Store.QueryAsync<Notification>(Notification.Container, new DocumentQuery
        {
            PartitionKey = data.AgencyId,
            Type = "notification",
            Filters = [Filter.Eq("recipientId", data.User.UserId)],
            OrderBy = "at",
            Descending = true,
            PageSize = query.PageSize,
            ContinuationToken = query.ContinuationToken,
        }, ct);
        return new Page<NotificationView>(page.Items.Where(n => !query.UnreadOnly || n.ReadAt is null).Select(View).ToList(), page.ContinuationToken);
    }

    public async ValueTask<NotificationView> Handle(MarkNotificationRead command, CancellationToken ct)
    {
        var notification = await data.FindAsync<Notification>(Notification.Container, command.NotificationId, ct);
        if (notification is null || notification.RecipientId != data.User.UserId)
        {
            throw new NotFoundException("notification");
        }

        return notification.ReadAt is not null
            ? View(notification)
            : View(await data.Store.ReplaceAsync(Notification.Container, notification with { ReadAt = data.Now }, notification.ETag!, ct));
    }

    public async ValueTask<AgencyView> Handle(GetAgency query, CancellationToken ct) => View(await AgencyAsync(ct));

    public async ValueTask<AgencyView> Handle(SetMatchConsentPolicy command, CancellationToken ct)
    {
        var agency = await AgencyAsync(ct);
        var policy = new MatchConsentPolicy(command.Body.AdultAge!.Value, (command.Body.MinorMatchNeeds ?? []).Distinct().Select(Enum.Parse<ConsentGrantor>).ToList());
        return View(await data.Store.ReplaceAsync(Agency.Container, agency with { MatchConsentPolicy = policy }, agency.ETag!, ct));
    }

    private async Task<Agency> AgencyAsync(CancellationToken ct) =>
        await data.Store.ReadAsync<Agency>(Agency.Container, data.AgencyId, data.AgencyId, ct) ?? throw new NotFoundException("agency");

    private static AgencyView View(Agency a) => new(a.Id, a.Name, a.MatchConsentPolicy);

    private static NotificationView View(Notification n) => new(n.Id, n.Kind, n.MatchId, n.Text, n.At, n.ReadAt);
}

public static class NotificationEndpoints
{
    public static IEndpointRouteBuilder MapNotifications(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/notifications", async Task<Ok<Page<NotificationView>>> (IMediator m, bool? unreadOnly, int? pageSize, string? continuationToken, CancellationToken ct) =>
                TypedResults.Ok(await m.Send(new ListNotifications(unreadOnly ?? false, pageSize ?? Paging.DefaultPageSize, continuationToken), ct)))
            .RequireAuthorization(Policies.SignedIn).WithTags("Notifications").WithSummary("Your notifications, newest first.");
        app.MapPost("/api/notifications/{id}/read", async Task<Ok<NotificationView>> (IMediator m, string id, CancellationToken ct) =>
                TypedResults.Ok(await m.Send(new MarkNotificationRead(id), ct)))
            .RequireAuthorization(Policies.SignedIn).WithTags("Notifications").ProducesProblem(StatusCodes.Status404NotFound);
        app.MapGet("/api/agency", async Task<Ok<AgencyView>> (IMediator m, CancellationToken ct) => TypedResults.Ok(await m.Send(new GetAgency(), ct)))
            .RequireAuthorization(Policies.SignedIn).WithTags("Agency").WithSummary("Your agency and its match consent policy.");
        app.MapPut("/api/agency/match-consent-policy", async Task<Ok<AgencyView>> (IMediator m, MatchConsentPolicyRequest body, CancellationToken ct) =>
                TypedResults.Ok(await m.Send(new SetMatchConsentPolicy(body), ct)))
            .RequireAuthorization(Policies.AgencyAdmin).WithTags("Agency").WithSummary("Whose consent a minor's match needs besides the youth's.");
        return app;
    }
}
