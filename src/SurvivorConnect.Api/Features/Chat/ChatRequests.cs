using Mediator;
using Microsoft.AspNetCore.Http.HttpResults;
using SurvivorConnect.Api.Features.Mentoring;
using SurvivorConnect.Api.Features.People;
using SurvivorConnect.Api.Infrastructure.Auth;
using SurvivorConnect.Api.Infrastructure.Pipeline;

namespace SurvivorConnect.Api.Features.Chat;

public sealed record FlagReviewRequest(string? Note);

public sealed record ListFlags(string? Status) : IQuery<IReadOnlyList<FlagView>>, IValidate, IAudited
{
    public AuditTarget Audit => new("flag.list", "flag");

    public void Validate(ValidationErrors errors)
    {
        errors.OneOf<FlagStatus>("status", Status, required: false);
    }
}

public sealed record ReviewFlag(string FlagId, FlagStatus Decision, string? Note) : ICommand<FlagView>, IValidate, IAudited
{
    public AuditTarget Audit => new($"flag.{Decision.ToString().ToLowerInvariant()}", "flag", FlagId);

    public void Validate(ValidationErrors errors) => errors.Text("note", Note, 2000, required: Decision == FlagStatus.Resolved);
}

internal sealed class ChatHandlers(ChatService chat, ChatAccessBus access, ICurrentUser user)
    : IQueryHandler<ListFlags, IReadOnlyList<FlagView>>,
      ICommandHandler<ReviewFlag, FlagView>,
      INotificationHandler<MatchChanged>,
      INotificationHandler<PersonAccessChanged>,
      INotificationHandler<SignInsEnded>,
      INotificationHandler<PortalSessionEnded>,
      INotificationHandler<CaseManagersAdded>
{
    public async ValueTask<IReadOnlyList<FlagView>> Handle(ListFlags query, CancellationToken ct) =>
        await chat.FlagsAsync(query.Status is null ? null : EnumNames.Parse<FlagStatus>(query.Status), ct);

    public async ValueTask<FlagView> Handle(ReviewFlag command, CancellationToken ct) =>
        await chat.ReviewAsync(command.FlagId, command.Decision, command.Note, ct);

    /// <summary>Opens a match's chat when it becomes active, and tells open chats when sending stops or resumes.</summary>
    public async ValueTask Handle(MatchChanged notification, CancellationToken ct)
    {
        try
        {
            if (notification.Activated)
            {
                await chat.OpenAsync(notification.MatchId, ct);
            }

            // Not cancellable, like the access change below: a caller who gave up must not leave a revocation half applied.
            await chat.RefreshGateAsync(notification.MatchId, CancellationToken.None);
            await chat.BroadcastStatusAsync(notification.MatchId, ct);
        }
        finally
        {
            // Whatever became of the broadcast, who receives the conversation must follow the change.
            await access.PublishAsync(new ChatAccessChange(user.AgencyId, null, notification.MatchId));
        }
    }

    /// <summary>A person's roles or active state changed: whether they may send, in each of their chats, follows at once.</summary>
    public async ValueTask Handle(PersonAccessChanged notification, CancellationToken ct)
    {
        try
        {
            await chat.RefreshGatesOfPersonAsync(notification.PersonId, CancellationToken.None);

            // Brought back as a case manager (or that change sent again, its follow-ups having failed): flags raised in their
            // youth's chats while they were away were told to others. Only an active case manager of the youth is told.
            if (notification.RolesGained?.Contains(Roles.CaseManager) == true || notification.Again)
            {
                await chat.TellOpenFlagsOfCaseloadAsync(notification.PersonId, CancellationToken.None);
            }
        }
        finally
        {
            await access.PublishAsync(new ChatAccessChange(notification.AgencyId, notification.PersonId, null));
        }
    }

    /// <summary>A youth's new case managers hear of each flag still open in the youth's chats, as those before them did.</summary>
    public async ValueTask Handle(CaseManagersAdded notification, CancellationToken ct) =>
        await chat.TellOpenFlagsAsync(notification.Youth, notification.Added, ct);

    /// <summary>A person's earlier sign-ins were ended: their connections, chat and notice, are checked again and close.</summary>
    public async ValueTask Handle(SignInsEnded notification, CancellationToken ct) =>
        await access.PublishAsync(new ChatAccessChange(notification.AgencyId, notification.PersonId, null));

    /// <summary>A portal session ended: the connections its pages opened, in any tab and on any instance, close at once.</summary>
    public async ValueTask Handle(PortalSessionEnded notification, CancellationToken ct) =>
        await access.PublishAsync(new ChatAccessChange(notification.AgencyId, notification.PersonId, null, notification.SessionId));
}
