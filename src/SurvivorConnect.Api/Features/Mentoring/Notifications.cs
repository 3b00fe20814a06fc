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
        var notifications = app.MapGroup("/api/notifications").RequireAuthorization(Policies.SignedIn).WithTags("Notifications");
        notifications.MapGet("/", ListNotifications).WithName(nameof(ListNotifications))
            .WithSummary("Your notifications, newest first.");
        notifications.MapPost("/{id}/read", MarkNotificationRead).WithName(nameof(MarkNotificationRead))
            .ProducesProblem(StatusCodes.Status404NotFound);
        return app;
    }

    private static async Task<Ok<Page<NotificationView>>> ListNotifications(IMediator mediator, bool? unreadOnly, int? pageSize, string? continuationToken, CancellationToken ct) =>
        TypedResults.Ok(await mediator.Send(new ListNotifications(unreadOnly ?? false, pageSize ?? Paging.DefaultPageSize, continuationToken), ct));

    private static async Task<Ok<NotificationView>> MarkNotificationRead(IMediator mediator, string id, CancellationToken ct) =>
        TypedResults.Ok(await mediator.Send(new MarkNotificationRead(id), ct));
}
