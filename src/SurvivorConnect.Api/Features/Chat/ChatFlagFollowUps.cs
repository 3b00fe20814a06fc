using Mediator;
using SurvivorConnect.Api.Features.Chat.Rules;
using SurvivorConnect.Api.Features.Mentoring;
using SurvivorConnect.Api.Infrastructure.Errors;
using SurvivorConnect.Api.Infrastructure.Hosting;
using SurvivorConnect.Api.Infrastructure.Pipeline;
using SurvivorConnect.Storage;

namespace SurvivorConnect.Api.Features.Chat;

/// <summary>
/// Raises the flag of a message whose send died after storing it, or of urgent words whose send died before (see
/// <see cref="ChatFlagFollowUp"/>). Not audited:
/// every instance asks each minute about a send that never stored its message, and a flag is not a read of anyone's record.
/// </summary>
public sealed record FinishChatFlag(string FollowUpId) : ICommand<bool>;

internal sealed class FinishChatFlagHandler(MentoringData data, ChatService chat, SafetyScanner scanner) : ICommandHandler<FinishChatFlag, bool>
{
    public async ValueTask<bool> Handle(FinishChatFlag command, CancellationToken ct)
    {
        var followUp = await data.Store.ReadAsync<ChatFlagFollowUp>(SafetyFlag.Container, command.FollowUpId, ChatFlagFollowUp.Partition, ct);
        if (followUp is null || followUp.DueAt > data.Now)
        {
            return false;
        }

        if (followUp.NotSentKinds.Count > 0)
        {
            return await NotSentAsync(followUp, followUp.NotSentKinds, ct);
        }

        var key = await data.Store.ReadAsync<ClientMessageKey>(Conversation.Container, ClientMessageKey.IdFor(followUp.SenderId, followUp.ClientMessageId), followUp.ConversationId, ct);
        var message = key is null ? null : await data.Store.ReadAsync<ChatMessage>(Conversation.Container, ChatMessage.IdFor(key.Sequence), followUp.ConversationId, ct);
        if (message is { FlagKinds.Count: 0 })
        {
            // The id was first sent with words that raised nothing; a resend under it with other words is not stored.
            await chat.EndFlagFollowUpAsync(followUp, ct);
            return false;
        }

        if (message is null)
        {
            // Its send failed before storing it (the sender was told so). Words of danger are not left to a resend the
            // page may never make (it was left, the phone died): they are raised as words not sent; sent again, they
            // are stored with a flag of their own.
            if (followUp.UrgentKinds.Count > 0)
            {
                var raised = await NotSentAsync(followUp, followUp.UrgentKinds, ct);

                // Stored by a resend while this was raising them (it found no flag to close): the message's flag stands.
                if (await data.Store.ReadAsync<ClientMessageKey>(Conversation.Container, ClientMessageKey.IdFor(followUp.SenderId, followUp.ClientMessageId), followUp.ConversationId, ct) is not null)
                {
                    await chat.CloseNotSentAsync(followUp.ConversationId, followUp.SenderId, followUp.ClientMessageId, ct);
                }

                return raised;
            }

            if (followUp.DueAt + ChatFlagFollowUp.GiveUpAfter <= data.Now)
            {
                await chat.EndFlagFollowUpAsync(followUp, ct);
            }

            return false;
        }

        // Whether it is urgent is read from the text again: only the kinds found are kept on the message.
        await chat.FinishFlagAsync(followUp.ConversationId, message, scanner.Scan(message.Text).Urgent, ct);
        return true;
    }

    /// <summary>Words of danger not stored: their flag is raised until it is (a conversation that is no match's never is).</summary>
    private async Task<bool> NotSentAsync(ChatFlagFollowUp followUp, IReadOnlyList<string> kinds, CancellationToken ct)
    {
        try
        {
            return await chat.RaiseNotSentFlagAsync(followUp.ConversationId, followUp.SenderId, followUp.ClientMessageId, kinds, ct);
        }
        catch (NotFoundException)
        {
            await chat.EndFlagFollowUpAsync(followUp, ct);
            return false;
        }
    }
}

/// <summary>An urgent flag's watch fell due: if it is still open, its case managers and the admins are told (audited, as an escalation).</summary>
public sealed record CheckChatFlagSeen(string WatchId, DateTimeOffset DueAt) : ICommand<bool>, IAudited
{
    public AuditTarget Audit => new("chat.urgent-still-open", "chat-flag-watch", WatchId);
}

internal sealed class CheckChatFlagSeenHandler(ChatService chat) : ICommandHandler<CheckChatFlagSeen, bool>
{
    public async ValueTask<bool> Handle(CheckChatFlagSeen command, CancellationToken ct) => await chat.CheckUrgentSeenAsync(command.WatchId, command.DueAt, ct);
}

/// <summary>
/// Every instance runs this (ADR 0005), from the partition every agency shares and each record in its agency's scope
/// as that agency's system user: it raises the flags of messages whose send died after storing them (the flag's id is
/// the message's, so two instances trying at once raise it once), and tells again of urgent flags still open.
/// </summary>
internal sealed class ChatFlagWorker(IServiceScopeFactory scopes, IDocumentStore store, TimeProvider time, ILogger<ChatFlagWorker> log) : PeriodicWork(time, log)
{
    public const string SystemUser = "system-chat";

    protected override TimeSpan Every => TimeSpan.FromMinutes(1);

    protected override Task RoundAsync(CancellationToken ct) => RunOnceAsync(ct);

    public async Task RunOnceAsync(CancellationToken ct)
    {
        // Flags first: a flag raised here is watched from its own time, not told again in the same round.
        await SendEachAsync(scopes, await store.QueryAllAsync<ChatFlagFollowUp>(SafetyFlag.Container, ChatFlagFollowUp.Partition, [Filter.Le("dueAt", Time.GetUtcNow())], ct),
            SystemUser, followUp => new FinishChatFlag(followUp.Id), ct);
        await SendEachAsync(scopes, await store.QueryAllAsync<ChatUrgentWatch>(SafetyFlag.Container, ChatUrgentWatch.Partition, [Filter.Le("dueAt", Time.GetUtcNow())], ct),
            SystemUser, watch => new CheckChatFlagSeen(watch.Id, watch.DueAt), ct);
    }
}
