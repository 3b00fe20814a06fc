using Mediator;
using Microsoft.AspNetCore.Http.HttpResults;
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

internal sealed class NotificationHandlers(MentoringData data)
    : IQueryHandler<ListNotifications, Page<NotificationView>>,
      ICommandHandler<MarkNotificationRead, NotificationView>
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
        return app;
    }
}
