using Mediator;
using Microsoft.AspNetCore.Http.HttpResults;
using SurvivorConnect.Api.Features.People;
using SurvivorConnect.Api.Infrastructure.Auth;
using SurvivorConnect.Api.Infrastructure.Errors;
using SurvivorConnect.Api.Infrastructure.Pipeline;
using SurvivorConnect.Api.Infrastructure.Tenancy;
using SurvivorConnect.Storage;

namespace SurvivorConnect.Api.Features.Notifications;

public sealed record ListNotifications(bool UnreadOnly, int PageSize, string? ContinuationToken) : IQuery<Page<NotificationView>>, IValidate
{
    public void Validate(ValidationErrors errors) => Paging.Validate(errors, PageSize);
}

/// <param name="Shown">The notice's time as the reader saw it: a notice that stands for a run of news (a flag's) is sent
/// again under its id, and what came since is not marked read unseen.</param>
public sealed record MarkNotificationRead(string NotificationId, DateTimeOffset? Shown = null) : ICommand<NotificationView>;

internal sealed class NotificationHandlers(AgencyStore store)
    : IQueryHandler<ListNotifications, Page<NotificationView>>,
      ICommandHandler<MarkNotificationRead, NotificationView>
{
    public async ValueTask<Page<NotificationView>> Handle(ListNotifications query, CancellationToken ct)
    {
        var page = await store.QueryAsync<Notification>(Notification.Container, new DocumentQuery
        {
            PartitionKey = store.AgencyId,
            Type = DocumentTypes.Of<Notification>(),
            // Unread is filtered by the store, not after paging, so a page of read notices cannot hide later unread ones.
            Filters = query.UnreadOnly
                ? [Filter.Eq("recipientId", store.User.UserId), Filter.Eq("readAt", null)]
                : [Filter.Eq("recipientId", store.User.UserId)],
            OrderBy = "at",
            Descending = true,
            PageSize = query.PageSize,
            ContinuationToken = query.ContinuationToken,
        }, ct);
        return new Page<NotificationView>(page.Items.Select(NotificationView.From).ToList(), page.ContinuationToken);
    }

    public async ValueTask<NotificationView> Handle(MarkNotificationRead command, CancellationToken ct)
    {
        // Read by the exact id: a notice sent once has one made of its key and its recipient (NoticeIds), not a plain id.
        var notification = command.NotificationId.Length <= 200
            ? await store.ReadAsync<Notification>(Notification.Container, command.NotificationId, store.AgencyId, ct)
            : null;
        if (notification is null || notification.RecipientId != store.User.UserId)
        {
            throw new NotFoundException("notification");
        }

        // To the millisecond, as a browser's script or an app's clock keeps times.
        if (command.Shown is { } shown && notification.At.ToUnixTimeMilliseconds() > shown.ToUnixTimeMilliseconds())
        {
            throw new ConflictException("This notice has news since you saw it. Read it again.");
        }

        return notification.ReadAt is not null
            ? NotificationView.From(notification)
            : NotificationView.From(await store.ReplaceAsync(Notification.Container, notification.MarkedRead(store.Now), notification.ETag!, ct));
    }
}

public static class NotificationsModule
{
    public static WebApplicationBuilder AddNotifications(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddContainer(Notification.Container);
        builder.Services.AddScoped<Notifier>();
        builder.Services.AddSingleton<NoticeIds>();
        builder.Services.AddSingleton<OpenPages>();
        builder.Services.AddSingleton<NoticeConnections>();
        builder.Services.Configure<NotificationOptions>(builder.Configuration.GetSection(NotificationOptions.SectionName));
        return builder;
    }

    public static IEndpointRouteBuilder MapNotifications(this IEndpointRouteBuilder app)
    {
        // Closed when its token or portal session ends by the hub filter, as the chat hub's connections are.
        app.MapHub<NotificationHub>("/hubs/notifications")
            .RequireAuthorization(Policies.SignedIn);

        var notifications = app.MapGroup("/api/notifications").RequireAuthorization(Policies.SignedIn).WithTags("Notifications");
        notifications.MapGet("/", ListNotifications).WithName(nameof(ListNotifications))
            .WithSummary("Your notifications, newest first.");
        notifications.MapPost("/{id}/read", MarkNotificationRead).WithName(nameof(MarkNotificationRead))
            .ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);
        return app;
    }

    private static async Task<Ok<Page<NotificationView>>> ListNotifications(IMediator mediator, bool? unreadOnly, int? pageSize, string? continuationToken, CancellationToken ct) =>
        TypedResults.Ok(await mediator.Send(new ListNotifications(unreadOnly ?? false, pageSize ?? Paging.DefaultPageSize, continuationToken), ct));

    private static async Task<Ok<NotificationView>> MarkNotificationRead(IMediator mediator, string id, DateTimeOffset? at, CancellationToken ct) =>
        TypedResults.Ok(await mediator.Send(new MarkNotificationRead(id, at), ct));
}
