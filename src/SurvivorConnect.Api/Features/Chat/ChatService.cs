using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.Options;
using SurvivorConnect.Api.Features.Agencies;
using SurvivorConnect.Api.Features.Audit;
using SurvivorConnect.Api.Features.Chat.Rules;
using SurvivorConnect.Api.Features.Consent;
using SurvivorConnect.Api.Features.Mentoring;
using SurvivorConnect.Api.Features.Notifications;
using SurvivorConnect.Api.Features.People;
using SurvivorConnect.Api.Infrastructure.Auth;
using SurvivorConnect.Api.Infrastructure.Errors;
using SurvivorConnect.Api.Infrastructure.Hosting;
using SurvivorConnect.Api.Infrastructure.Pipeline;
using SurvivorConnect.Api.Infrastructure.Tenancy;
using SurvivorConnect.Storage;

namespace SurvivorConnect.Api.Features.Chat;

/// <summary>
/// The chat's rules in one place: who may read and send, the per-send checks (active match, current
/// consent, no chat-stopping hold, active person), the safety scan, and storing each message with its
/// sequence number before anyone is told of it. The per-send checks are kept on the conversation
/// (<see cref="SendGate"/>), so an ordinary send writes one batch, reading the conversation only when this
/// instance has no current copy of it (<see cref="ConversationCopies"/>).
/// </summary>
public sealed partial class ChatService(
    MentoringData data,
    MatchConsentGuard consent,
    PersonPrincipals principals,
    IAuthorizationService authorization,
    HubCaller caller,
    ConversationCopies copies,
    SafetyScanner scanner,
    IAuditLog audit,
    IHubContext<ChatHub, IChatClient> hub,
    IOptions<ChatOptions> options,
    CrisisLineDirectory crisisLines,
    Mediator.IPublisher publisher,
    Notifier notifier,
    AppMetrics metrics,
    TimeProvider time,
    ILogger<ChatService> logger)
{

    /// <summary>The sender of the oversight notice, the only message nobody wrote.</summary>
    public const string SystemRole = "system";

    public const string MentorRole = "mentor";
    public const string YouthRole = "youth";
    public const string CaseManagerRole = "case-manager";

    public const string JoinAction = "chat.join";
    public const string ReadAction = "chat.read";
    public const string ReadHistoryAction = "chat.read-history";

    /// <summary>Why a case manager's reading of a chat is in the audit log.</summary>
    public const string OversightBasis = "case-manager oversight of a chat";

    /// <summary>The most messages one catch-up page carries.</summary>
    public const int MaxCatchUpPage = 500;

    private const int MaxHiddenHistoryPages = 10;

    private const int MaxSequenceAttempts = 8;

    private const int MaxClearAttempts = 32;

    private const string NoLongerAvailable = "This chat is no longer available to you.";

    /// <summary>Why a mentor the chat is closed to cannot send in it, whatever they send: nothing about what became of earlier messages.</summary>
    public const string ChatClosedToYou = "This chat has closed for you.";

    private const string CaseManagersOnlyRead = "Case managers can read this chat but not write in it.";

    private const string HeldNotice =
        "Your message is being held for the case manager to review before it is delivered. Keeping contact inside this chat keeps you both safe.";

    /// <summary>How long a conversation's list of senders is trusted without a full check, in case a change's write to it was lost.</summary>
    public static readonly TimeSpan GateLifetime = TimeSpan.FromSeconds(30);

    private AgencyStore Store => data.Store;

    public static string Group(string conversationId) => $"conversation:{conversationId}";

    /// <summary>Person ids are unique only within an agency, so the group names both.</summary>
    public static string CaseManagerGroup(string agencyId, string userId) => $"case-manager:{agencyId}:{userId}";

    /// <summary>Opens the conversation of a match that has become active, with the oversight notice as its first message.</summary>
    public async Task OpenAsync(string matchId, CancellationToken ct)
    {
        if (await Store.ReadAsync<Conversation>(Conversation.Container, Conversation.DocumentId, matchId, ct) is not null)
        {
            return;
        }

        var now = data.Now;
        try
        {
            await Store.ExecuteBatchAsync(Conversation.Container, matchId,
            [
                new BatchOperation.Create(new Conversation { Id = Conversation.DocumentId, PartitionKey = matchId, MatchId = matchId, Sequence = 1, OpenedAt = now }),
                new BatchOperation.Create(new ChatMessage
                {
                    Id = ChatMessage.IdFor(1), PartitionKey = matchId, Sequence = 1, SenderId = SystemRole, SenderRole = SystemRole,
                    Text = options.Value.OversightNotice, SentAt = now, Status = MessageStatus.Delivered,
                }),
            ], ct);
        }
        catch (StoreException ex) when (ex is { Kind: StoreErrorKind.BatchFailed, FailedOperationKind: StoreErrorKind.Conflict })
        {
            // Opened by a concurrent activation: the conversation exists, which is all we wanted.
        }
    }

    /// <summary>
    /// Whether <paramref name="sequence"/> is a number the conversation has reached: read receipts carry only those, so
    /// a number made up (a phone number, say) is not relayed to the other party past the chat's oversight.
    /// </summary>
    public async Task<bool> IsMessageNumberAsync(string conversationId, long sequence, CancellationToken ct) =>
        sequence >= 0 && (copies.Find(Store.AgencyId, conversationId) is { } copy && sequence <= copy.Sequence
            || (await Store.ReadAsync<Conversation>(Conversation.Container, Conversation.DocumentId, conversationId, ct))?.Sequence >= sequence);

    public async Task<JoinResult> JoinAsync(string conversationId, CancellationToken ct)
    {
        var access = await AccessAsync(conversationId, ct);
        if (access.Match.State == MatchState.Active)
        {
            // Opening is idempotent; this heals a conversation whose opening failed when the match started.
            await OpenAsync(access.Match.Id, ct);
        }

        var conversation = await Store.ReadAsync<Conversation>(Conversation.Container, Conversation.DocumentId, conversationId, ct)
            ?? throw new ChatRefusedException(ChatErrorCodes.CannotSend, "This chat starts when the match is active.");
        await AuditCaseManagerReadAsync(access, JoinAction, ct);
        var reason = await CannotSendReasonAsync(access, ct);
        return new JoinResult(conversationId, RoleName(access.Role), reason is null, reason, options.Value.OversightNotice, conversation.Sequence);
    }

    /// <summary>
    /// Whether the caller may receive a conversation's messages live now, as their part in it (null when not),
    /// and what to tell them: case managers while it is on their caseload, mentor and youth while it is open.
    /// </summary>
    public async Task<(string? Role, ConversationStatus Status)> ReceiveStatusAsync(string conversationId, CancellationToken ct)
    {
        ChatAccess access;
        try
        {
            access = await AccessAsync(conversationId, ct);
        }
        catch (ChatRefusedException)
        {
            return (null, new ConversationStatus(conversationId, false, NoLongerAvailable) { Readable = false });
        }

        var reason = await CannotSendReasonAsync(access, ct);
        var receives = access.Role == MatchRole.CaseManager || reason is null;
        return await MentorMayReadAsync(access, ct)
            ? (receives ? RoleName(access.Role) : null, new ConversationStatus(conversationId, reason is null, reason))
            : (null, new ConversationStatus(conversationId, false, reason ?? NoLongerAvailable) { Readable = false });
    }

    public async Task<CatchUpPage> SinceAsync(string conversationId, long sequence, int max, CancellationToken ct)
    {
        var access = await AccessAsync(conversationId, ct);
        await EnsureMentorMayReadAsync(access, ct);
        await AuditCaseManagerReadAsync(access, ReadAction, ct);
        var page = await Store.QueryAsync<ChatMessage>(Conversation.Container, new DocumentQuery
        {
            PartitionKey = conversationId,
            Type = DocumentTypes.Of<ChatMessage>(),
            Filters = [Filter.Gt("id", ChatMessage.IdFor(sequence))],
            PageSize = Math.Clamp(max, 1, MaxCatchUpPage),
        }, ct);

        // Through counts messages the caller may not see (held for review), so a client never asks for them again.
        var through = page.Items.Count > 0 ? page.Items[^1].Sequence : sequence;
        return new CatchUpPage(Visible(access, page.Items).ToList(), through, page.ContinuationToken is not null);
    }

    public async Task<IReadOnlyList<ChatMessageView>> HistoryAsync(string conversationId, long? before, int pageSize, CancellationToken ct)
    {
        var access = await AccessAsync(conversationId, ct);
        await EnsureMentorMayReadAsync(access, ct);
        await AuditCaseManagerReadAsync(access, ReadHistoryAction, ct);

        // A page holding only messages this reader may not see (the other's, held for review) is read past, or the
        // reader's page would come back empty and the messages before it out of reach; a few pages at most per call.
        for (var (cursor, round) = (before, 1); ; round++)
        {
            var page = await Store.QueryAsync<ChatMessage>(Conversation.Container, new DocumentQuery
            {
                PartitionKey = conversationId,
                Type = DocumentTypes.Of<ChatMessage>(),
                Filters = cursor is { } b ? [Filter.Lt("id", ChatMessage.IdFor(b))] : [],
                Descending = true,
                PageSize = Math.Clamp(pageSize, 1, 200),
            }, ct);
            var visible = Visible(access, page.Items).Reverse().ToList();
            if (visible.Count > 0 || page.ContinuationToken is null || page.Items.Count == 0 || round == MaxHiddenHistoryPages)
            {
                return visible;
            }

            cursor = page.Items[^1].Sequence;
        }
    }

    public async Task<SendResult> SendAsync(string conversationId, string? clientMessageId, string? text, CancellationToken ct)
    {
        try
        {
            return await StoreAndDeliverAsync(conversationId, clientMessageId, text, ct);
        }
        catch (StoreException ex) when (ex.Kind == StoreErrorKind.Unavailable && MessageText.Clean(text) is { Problem: null, Text: { } clean } && scanner.Scan(clean).Urgent)
        {
            // Words of someone in danger that could not be stored just now: the page tries them again, and meanwhile
            // the writer has the crisis lines, as they would with the message stored.
            throw new ChatRefusedException(ChatErrorCodes.Unavailable, ChatHubFilter.BusyMessage) { CrisisResources = crisisLines.LastKnown(Store.AgencyId) };
        }
    }

    private async Task<SendResult> StoreAndDeliverAsync(string conversationId, string? clientMessageId, string? text, CancellationToken ct)
    {
        var started = time.GetTimestamp();
        if (!ClientIds.IsValid(clientMessageId))
        {
            throw new ChatRefusedException(ChatErrorCodes.Invalid, "Each message needs a client message id of 1 to 64 letters, digits, '-' or '_'.");
        }

        var me = data.User.UserId;
        (string Text, SafetyVerdict Verdict)? scanned = null;
        var followUpBegun = false;
        for (var attempt = 0; attempt < MaxSequenceAttempts; attempt++)
        {
            // A first attempt trusts this instance's copy (the batch's ETag check catches a stale one); a retry reads.
            var conversation = attempt == 0 && copies.Find(Store.AgencyId, conversationId ?? "") is { } copy
                ? copy
                : PeopleRules.IsValidId(conversationId ?? "")
                    ? await Store.ReadAsync<Conversation>(Conversation.Container, Conversation.DocumentId, conversationId!, ct)
                    : null;
            var sender = conversation?.Gate is { } gate && data.Now < gate.ValidUntil
                ? gate.Senders.FirstOrDefault(s => s.UserId == me)
                : null;
            SendGate? renewed = null;
            if (sender is null)
            {
                // Not on the conversation's list of senders (or the list is old): every check, and the list worked out again.
                (GateSender? Sender, SendGate? Gate, SendResult? Duplicate) checkedSend;
                try
                {
                    checkedSend = await CheckSendAsync(conversationId ?? "", me, clientMessageId, text, conversation, ct);
                }
                catch (ChatRefusedException refused) when (refused.Code == ChatErrorCodes.CannotSend)
                {
                    throw await RefusedInDangerAsync(conversationId!, me, clientMessageId, text, refused);
                }

                if (checkedSend.Duplicate is { } duplicate)
                {
                    return duplicate;
                }

                (sender, renewed) = (checkedSend.Sender, checkedSend.Gate);
            }

            try
            {
                scanned ??= Scan(text, fromMentor: sender!.Role == MentorRole);
            }
            catch (ChatRefusedException refused) when (refused.Code == ChatErrorCodes.Invalid)
            {
                throw await RefusedInDangerAsync(conversationId!, me, clientMessageId, text, refused);
            }

            var (clean, verdict) = scanned.Value;
            if (verdict.Findings.Count > 0 && !followUpBegun)
            {
                await BeginFlagFollowUpAsync(conversationId!, me, clientMessageId, ct, urgentKinds: verdict.Urgent ? [.. verdict.Findings.Select(f => f.Kind)] : null);
                followUpBegun = true;
            }

            var message = new ChatMessage
            {
                Id = ChatMessage.IdFor(conversation!.Sequence + 1), PartitionKey = conversationId!, Sequence = conversation.Sequence + 1, SenderId = me,
                SenderRole = sender!.Role, ClientMessageId = clientMessageId, Text = clean, SentAt = data.Now,
                Status = verdict.Action == SafetyAction.Hold ? MessageStatus.Held : MessageStatus.Delivered,
                FlagKinds = verdict.Findings.Select(f => f.Kind).ToList(),
            };
            var next = conversation with { Sequence = message.Sequence, Gate = renewed ?? conversation.Gate };
            try
            {
                var written = await Store.ExecuteBatchAsync(Conversation.Container, conversationId!,
                [
                    new BatchOperation.Replace(next, conversation.ETag!),
                    new BatchOperation.Create(new ClientMessageKey { Id = ClientMessageKey.IdFor(me, clientMessageId), PartitionKey = conversationId!, Sequence = message.Sequence }),
                    new BatchOperation.Create(message),
                ], ct);
                copies.Keep(next with { ETag = written.ETags[0] });
            }
            catch (StoreException ex) when (ex is { Kind: StoreErrorKind.BatchFailed, FailedOperationIndex: 0 } or { Kind: StoreErrorKind.BatchFailed, FailedOperationIndex: 2 })
            {
                // Someone else took this number first, or a change rewrote who may send: read the conversation again.
                copies.Forget(Store.AgencyId, conversationId!);
                continue;
            }
            catch (StoreException ex) when (ex is { Kind: StoreErrorKind.BatchFailed, FailedOperationIndex: 1 })
            {
                var existing = await Store.ReadAsync<ClientMessageKey>(Conversation.Container, ClientMessageKey.IdFor(me, clientMessageId), conversationId!, ct);
                return await ResentAsync(conversationId!, me, clientMessageId, text, existing!.Sequence, ct);
            }

            return await DeliverAsync(conversationId!, message, verdict, started);
        }

        throw new ChatRefusedException(ChatErrorCodes.Unavailable, "The chat is very busy; your message was not sent. Please send it again.");
    }

    /// <summary>
    /// Every check of a send, as the records hold them now: the caller's person and roles, their part in the match,
    /// a resend of a stored message, and whether the match allows messages. Returns the caller as a sender and the
    /// conversation's list of senders worked out afresh, or the first message when this is a resend.
    /// </summary>
    private async Task<(GateSender? Sender, SendGate? Gate, SendResult? Duplicate)> CheckSendAsync(
        string conversationId, string me, string clientMessageId, string? text, Conversation? conversation, CancellationToken ct)
    {
        var principal = await principals.RefreshAsync(caller.Principal!, ct);
        caller.Principal = principal;
        if (!(await authorization.AuthorizeAsync(principal, Policies.MatchParticipant)).Succeeded)
        {
            throw new ChatRefusedException(ChatErrorCodes.NotAllowed, "Your account can no longer use this chat.");
        }

        var access = await AccessAsync(conversationId, ct);
        if (await Store.ReadAsync<ClientMessageKey>(Conversation.Container, ClientMessageKey.IdFor(me, clientMessageId), conversationId, ct) is { } key)
        {
            // A mentor the chat is closed to (the match closed, the youth's do-not-match list) learns nothing more by
            // sending again: not whether a held message was released or kept back since. Refused as any send to a closed
            // chat is, so words of danger in it still raise their flag.
            if (!await MentorMayReadAsync(access, ct))
            {
                throw new ChatRefusedException(ChatErrorCodes.CannotSend, ChatClosedToYou);
            }

            return (null, null, await ResentAsync(conversationId, me, clientMessageId, text, key.Sequence, ct));
        }

        if (access.Role is not (MatchRole.Mentor or MatchRole.Youth))
        {
            throw new ChatRefusedException(ChatErrorCodes.CannotSend, CaseManagersOnlyRead);
        }

        // The list of senders is worked out from the same reads that say why the match stops the chat, if it does.
        var (gate, stop) = await GateAsync(access.Match, access.Youth, ct);
        if (stop is not null)
        {
            throw new ChatRefusedException(ChatErrorCodes.CannotSend, stop);
        }

        if (conversation is null)
        {
            throw new ChatRefusedException(ChatErrorCodes.CannotSend, "This chat starts when the match is active.");
        }

        var sender = gate.Senders.FirstOrDefault(s => s.UserId == me)
            ?? throw new ChatRefusedException(ChatErrorCodes.NotAllowed, "Your account can no longer use this chat.");
        return (sender, gate, null);
    }

    private const string ReusedIdMessage = "This message id was used for another message, so these words were not sent. Send them again as a new message.";

    /// <summary>
    /// A stopped chat stores no message, nor does a send refused as too long, but words of someone in danger
    /// are not lost with it: the sender is shown the crisis lines, and an urgent flag is raised without the words (that
    /// they were written, by whom and when), so the youth's case managers are told at once and again until one deals
    /// with it, as for a crisis message that was sent.
    /// </summary>
    private async Task<ChatRefusedException> RefusedInDangerAsync(string conversationId, string me, string clientMessageId, string? text, ChatRefusedException refused)
    {
        if (MessageText.Scannable(text) is not { } clean || scanner.Scan(clean) is not { Urgent: true } verdict)
        {
            return refused;
        }

        // The crisis lines first, whatever else fails: they are what the writer needs now.
        var inDanger = new ChatRefusedException(refused.Code, refused.Message) { CrisisResources = await crisisLines.ForMyAgencyAsync(CancellationToken.None) };
        List<string> kinds = [.. verdict.Findings.Select(f => f.Kind)];
        try
        {
            // Written before anything else, so that whatever fails below, the worker raises the flag and tells people.
            await BeginFlagFollowUpAsync(conversationId, me, clientMessageId, CancellationToken.None, kinds);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // Nothing holds the words for the worker: the page sends them again under the same id (it does for this
            // answer), and the writer has the crisis lines meanwhile.
            LogNotSentNotRecorded(logger, conversationId, ex);
            return new ChatRefusedException(ChatErrorCodes.Unavailable, ChatHubFilter.BusyMessage) { CrisisResources = inDanger.CrisisResources };
        }

        try
        {
            if (!await RaiseNotSentFlagAsync(conversationId, me, clientMessageId, kinds, CancellationToken.None))
            {
                return refused;
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogNotSentFlagFailed(logger, conversationId, ex);
        }

        return inDanger;
    }

    /// <summary>
    /// Words of danger in a send refused because its writer may no longer chat (their account stopped or changed, their
    /// sign-in ended) are raised as a stopped chat's are. Called as the agency's chat system user, since the writer's
    /// own records open nothing now; nothing is written unless the writer is a party to the match. Returns the refusal
    /// with the agency's crisis lines when the words were urgent.
    /// </summary>
    public async Task<ChatRefusedException> RefusedWriterInDangerAsync(string? conversationId, string writerId, string? clientMessageId, string? text, ChatRefusedException refused)
    {
        if (!PeopleRules.IsValidId(conversationId ?? "") || !ClientIds.IsValid(clientMessageId)
            || MessageText.Scannable(text) is not { } clean || !scanner.Scan(clean).Urgent)
        {
            return refused;
        }

        try
        {
            var match = await data.MatchAsync(conversationId!, CancellationToken.None);
            var youth = await data.YouthAsync(match.YouthId, CancellationToken.None);
            if (writerId != match.MentorId && writerId != youth.PersonId)
            {
                return refused;
            }
        }
        catch (NotFoundException)
        {
            return refused;
        }

        return await RefusedInDangerAsync(conversationId!, writerId, clientMessageId!, text, refused);
    }

    /// <summary>
    /// Raises (or adds to) the flag of words of danger a party to the match wrote into its stopped chat, tells people of
    /// it, and ends its follow-up record. False, with the record ended, when the writer is no party to the match.
    /// </summary>
    public async Task<bool> RaiseNotSentFlagAsync(string conversationId, string me, string clientMessageId, IReadOnlyList<string> kinds, CancellationToken ct)
    {
        var match = await data.MatchAsync(conversationId, ct);
        var youth = await data.YouthAsync(match.YouthId, ct);
        var followUpId = ChatFlagFollowUp.IdFor(Store.AgencyId, conversationId, me, clientMessageId);
        if (me != match.MentorId && me != youth.PersonId)
        {
            await Store.DeleteAsync(SafetyFlag.Container, followUpId, ChatFlagFollowUp.Partition, null, ct);
            return false;
        }

        // While one is open, more words of danger from the same shut-out sender are not another flag: its watch tells
        // the case managers until one deals with it, and a flood of them cannot bury other flags or notices. A kind of
        // danger it did not name yet is added to it, and whatever of its telling did not happen before happens now.
        var open = (await Store.AllAsync<SafetyFlag>(SafetyFlag.Container, [Filter.Eq("conversationId", match.Id), Filter.Eq("status", FlagStatus.Open)], ct))
            .FirstOrDefault(f => f.NotSent && f.SenderId == me);
        SafetyFlag flag;
        var raisedNow = false;
        var words = SafetyFlag.NotSentWordsOf(me, clientMessageId);
        if (open is not null)
        {
            var added = kinds.Except(open.Kinds, StringComparer.Ordinal).ToList();
            List<string> standsFor = [.. open.NotSentWords.Union([words])];
            flag = added.Count > 0 || !open.NotSentWords.Contains(words)
                ? await Store.ReplaceAsync(SafetyFlag.Container, open with
                {
                    Kinds = [.. open.Kinds, .. added],
                    NotSentWords = [.. standsFor.TakeLast(SafetyFlag.MostNotSentWords)],
                    NotSentWordsLetGo = open.NotSentWordsLetGo || standsFor.Count > SafetyFlag.MostNotSentWords,
                }, open.ETag!, ct)
                : open;
        }
        else
        {
            (flag, raisedNow) = await CreateFlagAsync(new SafetyFlag
            {
                Id = SafetyFlag.NotSentIdFor(match.Id, me, clientMessageId),
                ConversationId = match.Id,
                MessageSequence = 0,
                NotSent = true,
                SenderId = me,
                SenderRole = me == match.MentorId ? MentorRole : YouthRole,
                Kinds = [.. kinds],
                NotSentWords = [words],
                Urgent = true,
                Held = false,
                Status = FlagStatus.Open,
                YouthId = youth.Id,
                RaisedAt = data.Now,
            }, ct);
        }

        // Told of these words: while the notice is unread it stands for them too; once read, new words are told anew,
        // and the watch tells again at their own fifteen minutes, not at the old words' next hour.
        if (await FollowFlagAsync(match, youth, flag, raisedNow, ct, about: $"{flag.Id}{AboutWords}{words}") && open is not null)
        {
            await WatchNewWordsAsync(flag, ct);
        }

        await Store.DeleteAsync(SafetyFlag.Container, followUpId, ChatFlagFollowUp.Partition, null, ct);
        return true;
    }

    /// <summary>Between a flag's id and the words a notice of it told of (ids never hold it).</summary>
    private const char AboutWords = '~';

    /// <summary>Words of danger added to an open flag, told anew, are told again within fifteen minutes if it is still open then.</summary>
    private async Task WatchNewWordsAsync(SafetyFlag flag, CancellationToken ct)
    {
        var due = data.Now + ChatUrgentWatch.First;
        if (await Store.ReadAsync<ChatUrgentWatch>(SafetyFlag.Container, ChatUrgentWatch.IdFor(Store.AgencyId, flag.Id), ChatUrgentWatch.Partition, ct) is { } watch && watch.DueAt > due)
        {
            try
            {
                await Store.ReplaceAsync(SafetyFlag.Container, watch with { DueAt = due }, watch.ETag!, ct);
            }
            catch (StoreException ex) when (ex.Kind == StoreErrorKind.PreconditionFailed)
            {
                // Moved on meanwhile (the worker's round, or other words): that due time stands.
            }
        }
    }

    private (string Text, SafetyVerdict Verdict) Scan(string? text, bool fromMentor)
    {
        var cleaned = MessageText.Clean(text);
        return cleaned.Problem is null
            ? (cleaned.Text!, scanner.Scan(cleaned.Text!, fromMentor))
            : throw new ChatRefusedException(ChatErrorCodes.Invalid, cleaned.Problem);
    }

    /// <summary>Everyone in a conversation but the calling connection, which has what it sent in its reply.</summary>
    private IChatClient OthersInConversation(string conversationId) =>
        caller.ConnectionId is { } sender ? hub.Clients.GroupExcept(Group(conversationId), sender) : hub.Clients.Group(Group(conversationId));

    /// <summary>A stored message goes to the conversation (unless held), and a flag to the youth's case managers.</summary>
    private async Task<SendResult> DeliverAsync(string conversationId, ChatMessage stored, SafetyVerdict verdict, long started)
    {
        var view = ChatMessageView.From(conversationId, stored);
        LogStored(logger, conversationId, stored.Sequence, verdict.Action);
        metrics.ChatMessageStored(verdict.Action.ToString(), time.GetElapsedTime(started));

        // The sending connection has the message in its reply; everyone else in the conversation (the sender's other
        // devices too) is told now.
        var pushed = stored.Status == MessageStatus.Delivered
            ? LiveAsync(() => OthersInConversation(conversationId).MessageReceived(view.ForOthers()))
            : Task.CompletedTask;
        if (!verdict.Urgent)
        {
            await pushed;
            if (verdict.Findings.Count > 0)
            {
                await FinishFlagSafelyAsync(conversationId, stored, urgent: false);
            }

            return new SendResult(view, false, stored.Status == MessageStatus.Held ? HeldNotice : null, null);
        }

        // Words of danger: their flag is raised, and the writer's crisis lines fetched, while the message goes out live,
        // neither waiting on the other; and the writer's answer waits only a moment for a push held up (a backplane slow
        // to answer, a connection that stopped reading), which goes on by itself.
        await FinishFlagSafelyAsync(conversationId, stored, urgent: true);
        var crisis = await crisisLines.ForMyAgencyAsync(CancellationToken.None);
        await Task.WhenAny(pushed, Task.Delay(UrgentPushWait, time));
        return new SendResult(view, false, stored.Status == MessageStatus.Held ? HeldNotice : null, crisis);
    }

    /// <summary>How long the writer of words of danger waits for their message's live push before their crisis lines come back.</summary>
    private static readonly TimeSpan UrgentPushWait = TimeSpan.FromSeconds(2);

    /// <summary>
    /// Written before a flagged message is stored, so its flag is raised even if the send dies once it is, and, for
    /// urgent words (<paramref name="urgentKinds"/>), even if it dies before; for words not sent, with the kinds of
    /// danger found (<paramref name="notSentKinds"/>).
    /// </summary>
    private async Task BeginFlagFollowUpAsync(
        string conversationId, string senderId, string clientMessageId, CancellationToken ct, IReadOnlyList<string>? notSentKinds = null, IReadOnlyList<string>? urgentKinds = null) =>
        await Store.UpsertAsync(SafetyFlag.Container, new ChatFlagFollowUp
        {
            Id = ChatFlagFollowUp.IdFor(Store.AgencyId, conversationId, senderId, clientMessageId),
            PartitionKey = ChatFlagFollowUp.Partition,
            ConversationId = conversationId,
            SenderId = senderId,
            ClientMessageId = clientMessageId,
            DueAt = data.Now + ChatFlagFollowUp.Grace,
            NotSentKinds = notSentKinds ?? [],
            UrgentKinds = urgentKinds ?? [],
        }, ct);

    public async Task EndFlagFollowUpAsync(ChatFlagFollowUp followUp, CancellationToken ct) =>
        await Store.DeleteAsync(SafetyFlag.Container, followUp.Id, ChatFlagFollowUp.Partition, null, ct);

    /// <summary>
    /// Raises a stored message's flag without the connection's token (a sender leaving the page the moment they sent
    /// must not cancel it), as the sender is now, and never fails the send: the message is stored, and whatever did not
    /// happen here the worker finishes from the follow-up record.
    /// </summary>
    private async Task FinishFlagSafelyAsync(string conversationId, ChatMessage stored, bool urgent)
    {
        try
        {
            caller.Principal = await principals.RefreshAsync(caller.Principal!, CancellationToken.None);
            await FinishFlagAsync(conversationId, stored, urgent, CancellationToken.None);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogFlagLeftToWorker(logger, conversationId, stored.Sequence, ex);
        }
    }

    /// <summary>
    /// What follows a flagged message: its flag, pushed live to the youth's active case managers, a notice each (urgent,
    /// held or flagged), the mentor's wellbeing prompt, then the follow-up record goes. Nothing is done twice over however
    /// often this runs (the flag's id is the message's, notices go once, a check-in already asked for is not asked
    /// again), so the worker can finish what a send began.
    /// </summary>
    public async Task FinishFlagAsync(string conversationId, ChatMessage message, bool urgent, CancellationToken ct)
    {
        var match = await data.MatchAsync(conversationId, ct);
        var youth = await data.YouthAsync(match.YouthId, ct);
        var (flag, raisedNow) = await CreateFlagAsync(new SafetyFlag
        {
            Id = SafetyFlag.IdFor(match.Id, message.Sequence),
            ConversationId = match.Id,
            MessageSequence = message.Sequence,
            SenderId = message.SenderId,
            SenderRole = message.SenderRole,
            Kinds = message.FlagKinds,
            Urgent = urgent,
            Held = message.Status == MessageStatus.Held,
            Status = FlagStatus.Open,
            YouthId = youth.Id,
            RaisedAt = message.SentAt,
        }, ct);
        await FollowFlagAsync(match, youth, flag, raisedNow, ct);
        if (message.ClientMessageId is { } clientMessageId)
        {
            await CloseNotSentAsync(match.Id, message.SenderId, clientMessageId, ct);
            await Store.DeleteAsync(SafetyFlag.Container, ChatFlagFollowUp.IdFor(Store.AgencyId, conversationId, message.SenderId, clientMessageId), ChatFlagFollowUp.Partition, null, ct);
        }
    }

    /// <summary>
    /// Words the worker raised as not sent (their send failed and the page went quiet) that a resend stored after all:
    /// the message's own flag stands for them now. A flag that stood for them alone is closed, saying why; one that
    /// stands for other words of the sender's too stays open for those.
    /// </summary>
    public async Task CloseNotSentAsync(string conversationId, string senderId, string clientMessageId, CancellationToken ct)
    {
        var words = SafetyFlag.NotSentWordsOf(senderId, clientMessageId);
        var open = (await Store.AllAsync<SafetyFlag>(SafetyFlag.Container, [Filter.Eq("conversationId", conversationId), Filter.Eq("status", FlagStatus.Open)], ct))
            .FirstOrDefault(f => f.NotSent && f.SenderId == senderId && f.NotSentWords.Contains(words));
        if (open is null)
        {
            return;
        }

        try
        {
            await Store.ReplaceAsync(SafetyFlag.Container, open.NotSentWords.Count == 1 && !open.NotSentWordsLetGo
                ? open with
                {
                    Status = FlagStatus.Resolved,
                    ResolvedBy = ChatFlagWorker.SystemUser,
                    ResolvedAt = data.Now,
                    ResolutionNote = "These words were stored after all: the flag of the message stands for them.",
                }
                : open with { NotSentWords = [.. open.NotSentWords.Where(w => w != words)] }, open.ETag!, ct);
        }
        catch (StoreException ex) when (ex.Kind == StoreErrorKind.PreconditionFailed)
        {
            // Reviewed, or added to, meanwhile: whoever did so has it in hand.
        }
    }

    /// <summary>A raised flag pushed live to the youth's active case managers, its watch, a notice each (or the admins'), and the mentor's prompt.</summary>
    /// <param name="about">What the notices tell of: the flag, or (for words not sent) the flag and the words added to it.</param>
    /// <returns>Whether a notice was pushed anew (not only brought back to the top of an unread one).</returns>
    private async Task<bool> FollowFlagAsync(Match match, YouthReferral youth, SafetyFlag flag, bool raisedNow, CancellationToken ct, string? about = null)
    {
        about ??= flag.Id;
        var toldAnew = false;
        var caseManagers = await data.ActiveCaseManagersAsync(youth, ct);
        if (raisedNow)
        {
            var view = FlagView.From(flag, youth.DisplayName);
            foreach (var caseManager in caseManagers)
            {
                await LiveAsync(() => hub.Clients.Group(CaseManagerGroup(Store.AgencyId, caseManager)).FlagRaised(view));
            }
        }

        if (flag.Urgent && flag.Status == FlagStatus.Open)
        {
            await WatchUrgentAsync(flag, ct);
        }

        // Every flag is told, not only urgent and held ones: a grooming sign (meeting alone, money, "don't tell") is
        // delivered, and the case manager must hear of it whether or not they have the flag queue open. One notice
        // stands for a conversation's flags of one sender and kind while the flag it told of is open and it is unread:
        // a flood of flagged messages is one notice, and cannot bury another conversation's urgent one. Once that flag
        // is dealt with, or the notice read, the next is told anew. Each urgent message is pushed all the same: "I took
        // the pills" after "I want to die" is news of its own. (Words not sent stay one push: each word typed to a chat
        // that takes none would otherwise be one.)
        foreach (var caseManager in caseManagers)
        {
            toldAnew |= await TellCaseManagerAsync(caseManager, flag, about, ct);
        }

        // Nobody on the youth's side could see it: the admins hand the youth to someone who can. Words that were not
        // sent have no message to hand over: the admins are asked to reach the people themselves.
        if (caseManagers.Count == 0)
        {
            toldAnew |= await notifier.SendStandingToAdminsAsync(flag.NotSent ? NoticeOf(flag) : AdminNoticeOf(flag), FlagsKey(flag), about, FlagOpenAsync, ct, flag.ConversationId, except: [match.MentorId, .. await data.KeptFromYouthAsync(match.YouthId, ct)], toExceptedAlone: (Notices.YouthNeedsAnAdmin, AloneKey(flag, FlagsKey(flag))), pushWhileStanding: flag.Urgent && !flag.NotSent);
        }

        // A youth's words that were not delivered were not shared with the mentor: nothing weighs on them from it, and a
        // prompt now would tell them a held message is waiting. A released one prompts them when it is delivered.
        if (!(flag.SenderRole == YouthRole && (flag.NotSent || flag.Held)) && !AskedAtReview(flag))
        {
            await PromptMentorAsync(match, flag, ct);
        }

        return toldAnew;
    }

    private Task<bool> TellCaseManagerAsync(string caseManager, SafetyFlag flag, string about, CancellationToken ct) =>
        notifier.SendStandingAsync(caseManager, NoticeOf(flag), FlagsKey(flag), about, FlagOpenAsync, ct, flag.NotSent ? flag.ConversationId : null, pushWhileStanding: flag.Urgent && !flag.NotSent);

    private static string FlagsKey(SafetyFlag flag) => $"chat-flags~{flag.ConversationId}~{flag.SenderRole}~{NoticeOf(flag).Kind}";

    /// <summary>
    /// A youth handed to new case managers: each hears of the flags still open in the youth's chats (a held message waits
    /// for nobody else), oldest first, as their case managers of before did.
    /// </summary>
    public async Task TellOpenFlagsAsync(YouthReferral youth, IReadOnlyCollection<string> added, CancellationToken ct)
    {
        var open = await Store.AllAsync<SafetyFlag>(SafetyFlag.Container, [Filter.Eq("youthId", youth.Id), Filter.Eq("status", FlagStatus.Open)], ct);
        var told = (await data.ActiveCaseManagersAsync(youth, ct)).Intersect(added, StringComparer.Ordinal).ToList();
        foreach (var flag in open.OrderBy(f => f.RaisedAt))
        {
            foreach (var caseManager in told)
            {
                await TellCaseManagerAsync(caseManager, flag, flag.Id, ct);
            }
        }
    }

    /// <summary>A case manager brought back hears of the flags still open in the chats of each youth on their caseload.</summary>
    public async Task TellOpenFlagsOfCaseloadAsync(string caseManagerId, CancellationToken ct)
    {
        foreach (var youth in await data.AllAsync<YouthReferral>(YouthReferral.Container, [Filter.Contains("caseManagerIds", caseManagerId)], ct))
        {
            await TellOpenFlagsAsync(youth, [caseManagerId], ct);
        }
    }

    /// <summary>
    /// An urgent flag's watch fell due: while the flag is open, its youth's active case managers are told again and the
    /// admins asked to reach one. They are told before the watch moves on, so a failure part way leaves it due for the
    /// next round, not an hour away; the notices' keys (of this due time) keep several instances from telling twice.
    /// False when there was nothing to tell, or another instance moved the watch on.
    /// </summary>
    public async Task<bool> CheckUrgentSeenAsync(string watchId, DateTimeOffset dueAt, CancellationToken ct)
    {
        var watch = await Store.ReadAsync<ChatUrgentWatch>(SafetyFlag.Container, watchId, ChatUrgentWatch.Partition, ct);
        if (watch is null || watch.DueAt != dueAt)
        {
            return false;
        }

        var flag = await Store.FindAsync<SafetyFlag>(SafetyFlag.Container, watch.FlagId, ct);
        if (flag is not { Status: FlagStatus.Open })
        {
            await Store.DeleteAsync(SafetyFlag.Container, watch.Id, ChatUrgentWatch.Partition, watch.ETag, ct);
            return false;
        }

        // Of a conversation's urgent flags still open, an older one of the same sender told of since this one was raised
        // stands for it: a flood of crisis messages is not a flood of reminders, and once the oldest is dealt with the
        // next takes its turn. Another sender's never does: whoever deals with a mentor's flag may not look further.
        // A new crisis under an old flag left open is told at its own fifteen minutes, not at the old one's next hour.
        var toldOfAnother = await ToldOfOlderSinceAsync(flag, ct);
        if (!toldOfAnother)
        {
            var key = $"chat-urgent-waiting~{flag.Id}~{watch.DueAt.UtcTicks}";
            var youth = await data.FindAsync<YouthReferral>(YouthReferral.Container, flag.YouthId, ct);
            foreach (var caseManager in youth is null ? [] : await data.ActiveCaseManagersAsync(youth, ct))
            {
                await notifier.SendOnceAsync(caseManager, Notices.ChatFlagUrgentWaiting, key, ct, flag.ConversationId);
            }

            await TellAdminsAsync(flag, (await data.FindAsync<Match>(Match.Container, flag.ConversationId, ct))?.MentorId, key, ct);
        }

        try
        {
            await Store.ReplaceAsync(SafetyFlag.Container, watch with
            {
                DueAt = watch.DueAt + ChatUrgentWatch.Every,
                ToldAt = toldOfAnother ? watch.ToldAt : watch.DueAt,
            }, watch.ETag!, ct);
        }
        catch (StoreException ex) when (ex.Kind == StoreErrorKind.PreconditionFailed)
        {
            return false;
        }

        return !toldOfAnother;
    }

    private async Task WatchUrgentAsync(SafetyFlag flag, CancellationToken ct)
    {
        try
        {
            await Store.CreateAsync(SafetyFlag.Container, new ChatUrgentWatch
            {
                Id = ChatUrgentWatch.IdFor(Store.AgencyId, flag.Id),
                PartitionKey = ChatUrgentWatch.Partition,
                FlagId = flag.Id,
                DueAt = flag.RaisedAt + ChatUrgentWatch.First,
            }, ct);
        }
        catch (StoreException ex) when (ex.Kind == StoreErrorKind.Conflict)
        {
            // Watched already, and perhaps moved on since: that one stands.
        }
    }

    private static Notice NoticeOf(SafetyFlag flag) =>
        flag.NotSent ? (flag.SenderRole == MentorRole ? Notices.ChatUrgentNotSentByMentor : Notices.ChatUrgentNotSentByYouth)
        : flag.Urgent ? Notices.ChatFlagUrgent : flag.Held ? Notices.ChatMessageHeld : Notices.ChatFlagged;

    /// <summary>
    /// What the admins are told of a flag no case manager can see: pointed at the match (whose youth they may hand to
    /// another case manager), never at the message, and asked to act at once only when the flag is urgent.
    /// </summary>
    private static Notice AdminNoticeOf(SafetyFlag flag) => flag.Urgent ? Notices.ChatFlagUrgentNeedsCaseManager : Notices.ChatFlagNeedsCaseManager;

    /// <summary>
    /// The chat's mentor, and anyone kept from the youth, is not asked while another admin can be: one who is also an
    /// admin must not learn of a flag in their own chat. When they are the only admins, they are asked to act without being told why.
    /// </summary>
    private async Task TellAdminsAsync(SafetyFlag flag, string? mentorId, string key, CancellationToken ct)
    {
        var kept = (await data.KeptFromYouthAsync(flag.YouthId, ct)).Append(mentorId).OfType<string>().ToList();
        await notifier.SendOnceToAdminsAsync(AdminNoticeOf(flag), key, ct, flag.ConversationId, except: kept, toExceptedAlone: (Notices.YouthNeedsAnAdmin, AloneKey(flag, key)));
    }

    /// <summary>The key of what the only admin, the chat's mentor, is told instead: one such notice for each notice the others would have had.</summary>
    private static string AloneKey(SafetyFlag flag, string key) => $"youth-needs-an-admin~{flag.YouthId}~{key}";

    /// <summary>Whether a flag (one a standing notice told of) is still to be dealt with.</summary>
    private async Task<bool> FlagOpenAsync(string about) =>
        await Store.FindAsync<SafetyFlag>(SafetyFlag.Container, about.Split(AboutWords)[0], CancellationToken.None) is { Status: FlagStatus.Open };

    /// <summary>
    /// Whether an urgent flag of the conversation and sender raised before this one (by time, then message) is still open
    /// and its watch told of it after this one was raised.
    /// </summary>
    private async Task<bool> ToldOfOlderSinceAsync(SafetyFlag flag, CancellationToken ct)
    {
        var older = (await Store.AllAsync<SafetyFlag>(SafetyFlag.Container, [Filter.Eq("conversationId", flag.ConversationId), Filter.Eq("status", FlagStatus.Open)], ct))
            .Where(f => f.Urgent && f.Id != flag.Id && f.SenderId == flag.SenderId
                && (f.RaisedAt < flag.RaisedAt || (f.RaisedAt == flag.RaisedAt && string.CompareOrdinal(f.Id, flag.Id) < 0)));
        foreach (var each in older)
        {
            if (await Store.ReadAsync<ChatUrgentWatch>(SafetyFlag.Container, ChatUrgentWatch.IdFor(Store.AgencyId, each.Id), ChatUrgentWatch.Partition, ct) is { ToldAt: { } told }
                && told > flag.RaisedAt)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// Works out who may send in a match's conversation now and writes it there. Every change that decides it
    /// calls this before its request ends. The list is first taken away (a conversation without one makes every
    /// send check everything), so a refresh that then fails, or loses every race to busy senders, never leaves an
    /// old list trusted. The conversation is read before the records, so a send or another change written meanwhile
    /// makes the write fail, and the list is worked out again from what the records hold then.
    /// </summary>
    public async Task RefreshGateAsync(string matchId, CancellationToken ct)
    {
        if (!await ClearGateAsync(matchId, ct))
        {
            return;
        }

        for (var attempt = 0; attempt < MaxSequenceAttempts; attempt++)
        {
            if (await Store.ReadAsync<Conversation>(Conversation.Container, Conversation.DocumentId, matchId, ct) is not { } conversation)
            {
                return;
            }

            var match = await data.MatchAsync(matchId, ct);
            var (gate, _) = await GateAsync(match, await data.YouthAsync(match.YouthId, ct), ct);
            try
            {
                await Store.ReplaceAsync(Conversation.Container, conversation with { Gate = gate }, conversation.ETag!, ct);
                return;
            }
            catch (StoreException ex) when (ex.Kind == StoreErrorKind.PreconditionFailed)
            {
                // Written meanwhile: work it out again.
            }
        }

        // The list stays cleared: the next send checks everything and writes it.
    }

    /// <summary>Takes a conversation's list of senders away; false when there is no conversation.</summary>
    private async Task<bool> ClearGateAsync(string matchId, CancellationToken ct)
    {
        for (var attempt = 0; attempt < MaxClearAttempts; attempt++)
        {
            if (await Store.ReadAsync<Conversation>(Conversation.Container, Conversation.DocumentId, matchId, ct) is not { } conversation)
            {
                return false;
            }

            // Written even when there is no list: a send that read the conversation before this change, and checked the
            // records before it too, would otherwise write the list it worked out then, and be trusted with it.
            try
            {
                await Store.ReplaceAsync(Conversation.Container, conversation with { Gate = null }, conversation.ETag!, ct);
                return true;
            }
            catch (StoreException ex) when (ex.Kind == StoreErrorKind.PreconditionFailed)
            {
                // A send took the next number meanwhile: read it again.
            }
        }

        throw new StoreException(StoreErrorKind.Unavailable, "A conversation's list of senders could not be cleared.");
    }

    /// <summary>Works out who may send again in every open conversation a person is in, as mentor or as youth.</summary>
    public async Task RefreshGatesOfPersonAsync(string personId, CancellationToken ct)
    {
        var matches = (await data.MatchesAsync(Filter.Eq("mentorId", personId), openOnly: true, ct)).ToList();
        foreach (var youth in await data.AllAsync<YouthReferral>(YouthReferral.Container, [Filter.Eq("personId", personId)], ct))
        {
            matches.AddRange(await data.MatchesAsync(Filter.Eq("youthId", youth.Id), openOnly: true, ct));
        }

        await EveryOne.TryEachAsync(matches, match => RefreshGateAsync(match.Id, ct));
    }

    /// <summary>Who may send in a match's conversation, as the records hold them now, and why the match stops its chat (null when it does not).</summary>
    private async Task<(SendGate Gate, string? Stop)> GateAsync(Match match, YouthReferral youth, CancellationToken ct)
    {
        var consents = await data.ConsentsAsync(Filter.Eq("matchId", match.Id), ct);
        var mentorConsents = await data.ConsentsAsync(Filter.Eq("subjectId", match.MentorId), ct);
        var stop = await MatchStopsChatAsync(match, youth, consents, ct, mentorConsents);
        var senders = new List<GateSender>();
        if (stop is null)
        {
            if (await MaySendAsAsync(match.MentorId, Roles.Mentor, ct))
            {
                senders.Add(new GateSender(match.MentorId, MentorRole));
            }

            if (youth.PersonId is { } youthPerson && await MaySendAsAsync(youthPerson, Roles.Youth, ct))
            {
                senders.Add(new GateSender(youthPerson, YouthRole));
            }
        }

        // Trusted no longer than the first of the match's consents, or the mentor's to mentoring, expires: an expiry
        // announces itself to nobody.
        var expiries = consents.Concat(mentorConsents.Where(data.IsConsentToMentor)).Where(c => c.IsCurrent(data.Now) && c.ExpiresAt is not null).Select(c => c.ExpiresAt!.Value);
        return (new SendGate(senders, data.Now, expiries.Append(data.Now + GateLifetime).Min()), stop);
    }

    /// <summary>Whether a person's record is active, with the role, and lets them use chat at all.</summary>
    private async Task<bool> MaySendAsAsync(string userId, string role, CancellationToken ct)
    {
        var principal = await principals.BuildAsync(userId, data.AgencyId, null, ct);
        return principal.HasClaim(ScClaims.Role, role) && (await authorization.AuthorizeAsync(principal, Policies.MatchParticipant)).Succeeded;
    }

    /// <summary>
    /// Why the caller cannot send now, in plain words; null when they can. Whether the caller is an active
    /// person with a chat role was checked for this very call by the hub filter.
    /// </summary>
    private async Task<string?> CannotSendReasonAsync(ChatAccess access, CancellationToken ct) =>
        access.Role is MatchRole.Mentor or MatchRole.Youth
            ? await MatchStopsChatAsync(access.Match, access.Youth, null, ct)
            : CaseManagersOnlyRead;

    private const string ConsentWithdrawn = "Consent for this chat has been withdrawn, so new messages can't be sent.";

    /// <summary>Why the match itself allows no messages now (state, consent, a supervisor's hold); null when it does.</summary>
    /// <param name="matchConsents">The match's consent records when already read; null to read them only if needed.</param>
    /// <param name="mentorConsents">The mentor's own consent records when already read; null to read them only if needed.</param>
    private async Task<string?> MatchStopsChatAsync(
        Match match, YouthReferral youth, IReadOnlyList<ConsentRecord>? matchConsents, CancellationToken ct, IReadOnlyList<ConsentRecord>? mentorConsents = null)
    {
        if (match.State != MatchState.Active)
        {
            return match.State == MatchState.Paused
                ? "This match is paused, so new messages can't be sent for now."
                : "This match has ended, so new messages can't be sent.";
        }

        // The youth's case manager put this mentor on the youth's do-not-match list (the youth said they are not safe,
        // say): the chat stops at once until the case manager closes or changes the match. Said as a consent withdrawn,
        // as the match shows it: a reason nothing else gives would tell the mentor the youth asked for it.
        if (youth.DoNotMatch.Contains(match.MentorId, StringComparer.Ordinal))
        {
            return ConsentWithdrawn;
        }

        var missing = matchConsents is null
            ? await consent.MissingAsync(match, youth, ct)
            : MatchConsentGuard.Missing(match, youth, await data.PolicyAsync(ct), matchConsents, data.Now);
        // A mentor who withdrew their consent to mentoring at all mentors nobody from then on, in this chat either.
        if (missing.Count > 0 || !(mentorConsents?.Any(data.IsConsentToMentor) ?? await data.ConsentsToMentoringAsync(match.MentorId, ct)))
        {
            return ConsentWithdrawn;
        }

        // Said the same to both parties: who placed a hold, and why, is between the mentor and their supervisor.
        return (await data.MentorAsync(match.MentorId, ct)).Hold is { StopsChat: true }
            ? "This chat is paused for now."
            : null;
    }

    /// <summary>Tells everyone in a match's chat whether messages can be sent now, and why not.</summary>
    public async Task BroadcastStatusAsync(string matchId, CancellationToken ct)
    {
        if (await Store.ReadAsync<Conversation>(Conversation.Container, Conversation.DocumentId, matchId, ct) is null)
        {
            return;
        }

        var match = await data.MatchAsync(matchId, ct);
        var reason = await MatchStopsChatAsync(match, await data.YouthAsync(match.YouthId, ct), null, ct);
        await LiveAsync(() => hub.Clients.Group(Group(matchId)).ConversationStatusChanged(new ConversationStatus(matchId, reason is null, reason)));
    }

    /// <summary>A case manager's decision on a flag: a held message released (delivered as if just sent) or rejected, or a delivered one's flag resolved.</summary>
    public async Task<FlagView> ReviewAsync(string flagId, FlagStatus decision, string? note, CancellationToken ct)
    {
        var flag = await data.FindAsync<SafetyFlag>(SafetyFlag.Container, flagId, ct) ?? throw new NotFoundException("flag");
        if (!data.IsCaseManagerOf(await data.YouthAsync(flag.YouthId, ct)))
        {
            throw new NotFoundException("flag");
        }

        if (flag.Status != FlagStatus.Open)
        {
            throw new ConflictException("This flag has already been reviewed.");
        }

        if (decision is FlagStatus.Released or FlagStatus.Rejected && !flag.Held)
        {
            throw new ConflictException("Only a held message can be released or rejected; this one was delivered. Resolve the flag with a note.");
        }

        if (flag.Held)
        {
            decision = await DecideHeldAsync(flag, decision, ct);
        }

        // The message is decided by now: the flag follows even if the case manager has gone.
        var reviewed = await Store.ReplaceAsync(SafetyFlag.Container, flag with
        {
            Status = decision,
            ResolvedBy = data.User.UserId,
            ResolvedAt = data.Now,
            ResolutionNote = note?.Trim(),
        }, flag.ETag!, CancellationToken.None);
        if (AskedAtReview(reviewed))
        {
            try
            {
                await PromptMentorAsync(await data.MatchAsync(reviewed.ConversationId, CancellationToken.None), reviewed, CancellationToken.None);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // The review stands; the mentor is asked at their next check-in as scheduled.
                LogPromptNotRaised(logger, reviewed.Id, ex);
            }
        }

        return FlagView.From(reviewed);
    }

    /// <summary>
    /// Words flagged but not in crisis, delivered as sent: the mentor is asked to check in once a case manager has reviewed
    /// them, not as they are sent. A mentor testing boundaries cannot learn from the moment they are asked which of their
    /// words the scan sees, nor that the youth's answer they just read ("ok, I won't tell anyone") went to the case manager,
    /// in time to tell the youth what to say next. A youth's held message asks when it is released, never when rejected.
    /// </summary>
    private static bool AskedAtReview(SafetyFlag flag) =>
        flag is { Urgent: false, NotSent: false } && (flag.SenderRole == MentorRole || !flag.Held);

    /// <summary>
    /// Releases or rejects a held message, and says what its flag closes as. A review whose flag was not written after
    /// the message was decided (the page closed, the store failed) is finished with the decision already made, so no
    /// flag stays open over a message that can no longer be decided.
    /// </summary>
    private async Task<FlagStatus> DecideHeldAsync(SafetyFlag flag, FlagStatus decision, CancellationToken ct)
    {
        var message = await Store.ReadAsync<ChatMessage>(Conversation.Container, ChatMessage.IdFor(flag.MessageSequence), flag.ConversationId, ct)
            ?? throw new NotFoundException("message");
        if (message.Status != MessageStatus.Held)
        {
            // Released before releases made a new message, a held message was marked delivered.
            var decided = message.Status == MessageStatus.Rejected ? FlagStatus.Rejected : FlagStatus.Released;
            if (decision != FlagStatus.Resolved && decision != decided)
            {
                throw new ConflictException(decided == FlagStatus.Released ? "This message was already delivered." : "This message was already kept back.");
            }

            // A release whose review was not written may not have asked the mentor either: asking again asks once.
            if (decided == FlagStatus.Released && flag.SenderRole == YouthRole)
            {
                await PromptMentorAsync(await data.MatchAsync(flag.ConversationId, ct), flag, CancellationToken.None);
            }

            return decided;
        }

        switch (decision)
        {
            case FlagStatus.Released:
                await ReleaseAsync(flag, ct);
                break;
            case FlagStatus.Rejected:
                var rejected = await Store.ReplaceAsync(Conversation.Container, message with { Status = MessageStatus.Rejected }, message.ETag!, ct);
                // Only the sender's own pages hear of it (each shows only its own conversation): the other party never
                // learns there was a message to keep back. A sender no longer in the chat (a youth's old sign-in, a
                // mentor it was taken from) hears nothing: their pages are reached by person, not by the chat's group.
                if (await SenderStillReadsAsync(flag.ConversationId, rejected, ct))
                {
                    await LiveAsync(() => hub.Clients.User(ChatUserIdProvider.PersonKey(Store.AgencyId, rejected.SenderId)).MessageReceived(ChatMessageView.From(flag.ConversationId, rejected)));
                }

                break;
            default:
                // Resolved, it would stay held for ever: never delivered, and never to be decided again.
                throw new ConflictException("This message is held: release it to deliver it, or reject it.");
        }

        return decision;
    }

    /// <summary>
    /// Delivers a held message as a new one at the end of the conversation, so everyone receives it as they receive any
    /// message, also whoever was away and has read past where it was held. It goes only while its sender could send it
    /// now: a release is not a way round a withdrawn consent, a pause, a chat-stopping hold or a deactivation. As with a
    /// send, the conversation is read before the records, so a change written meanwhile makes the write fail.
    /// </summary>
    private async Task ReleaseAsync(SafetyFlag flag, CancellationToken ct)
    {
        for (var attempt = 0; attempt < MaxSequenceAttempts; attempt++)
        {
            var conversation = await Store.ReadAsync<Conversation>(Conversation.Container, Conversation.DocumentId, flag.ConversationId, ct)
                ?? throw new NotFoundException("message");
            var held = await HeldMessageAsync(flag, ct);
            var match = await data.MatchAsync(flag.ConversationId, ct);
            var youth = await data.YouthAsync(match.YouthId, ct);
            var (gate, stop) = await GateAsync(match, youth, ct);
            if (stop is not null)
            {
                throw new ConflictException($"{stop} The held message can be released once the chat is open again, or rejected now.");
            }

            if (!gate.Senders.Any(s => s.UserId == held.SenderId))
            {
                throw new ConflictException("Its sender can no longer use this chat, so the held message can only be rejected.");
            }

            var delivered = held with
            {
                Id = ChatMessage.IdFor(conversation.Sequence + 1), Sequence = conversation.Sequence + 1, Status = MessageStatus.Delivered,
                SentAt = data.Now, ReleasedFrom = held.Sequence, ETag = null,
            };
            try
            {
                await Store.ExecuteBatchAsync(Conversation.Container, flag.ConversationId,
                [
                    new BatchOperation.Replace(conversation with { Sequence = delivered.Sequence }, conversation.ETag!),
                    new BatchOperation.Replace(held with { Status = MessageStatus.Released }, held.ETag!),
                    new BatchOperation.Create(delivered),
                ], ct);
            }
            catch (StoreException ex) when (ex.Kind == StoreErrorKind.BatchFailed)
            {
                // A send took the next number, or a change rewrote who may send: read it all again.
                copies.Forget(Store.AgencyId, flag.ConversationId);
                continue;
            }

            copies.Forget(Store.AgencyId, flag.ConversationId);
            // Its sender and the case managers are told which held message it delivers, so their pages show it once;
            // then everyone receives it as any new message: the other party never learns it was held.
            var released = ChatMessageView.From(flag.ConversationId, delivered).ForOthers();
            List<string> knewItHeld = [.. (await data.ActiveCaseManagersAsync(youth, ct)).Select(id => CaseManagerGroup(Store.AgencyId, id))];
            await LiveAsync(() => hub.Clients.Groups(knewItHeld).MessageReceived(released.WordsLeftOut()));
            await LiveAsync(() => hub.Clients.User(ChatUserIdProvider.PersonKey(Store.AgencyId, delivered.SenderId)).MessageReceived(released));
            await LiveAsync(() => hub.Clients.Group(Group(flag.ConversationId)).MessageReceived(released.ForOtherParty()));
            // Delivered, it is theirs to carry: asked for whatever became of the page that delivered it.
            if (flag.SenderRole == YouthRole)
            {
                await PromptMentorAsync(match, flag, CancellationToken.None);
            }

            return;
        }

        throw new ConflictException("The chat is very busy; please release the message again.");
    }

    private async Task<ChatMessage> HeldMessageAsync(SafetyFlag flag, CancellationToken ct) =>
        await Store.ReadAsync<ChatMessage>(Conversation.Container, ChatMessage.IdFor(flag.MessageSequence), flag.ConversationId, ct) is { Status: MessageStatus.Held } held
            ? held
            : throw new ConflictException("This message is no longer held.");

    public async Task<IReadOnlyList<FlagView>> FlagsAsync(FlagStatus? status, CancellationToken ct)
    {
        var names = (await data.CaseloadAsync(ct)).ToDictionary(y => y.Id, y => y.DisplayName, StringComparer.Ordinal);
        if (names.Count == 0)
        {
            return [];
        }

        List<Filter> filters = [Filter.In("youthId", [.. names.Keys])];
        if (status is { } s)
        {
            filters.Add(Filter.Eq("status", s));
        }

        var flags = await data.AllAsync<SafetyFlag>(SafetyFlag.Container, filters, ct);
        data.Listed.AddYouth(flags.Select(f => f.YouthId));
        return [.. flags.OrderByDescending(f => f.Urgent).ThenByDescending(f => f.RaisedAt).Select(f => FlagView.From(f, names.GetValueOrDefault(f.YouthId)))];
    }

    public sealed record ChatAccess(Match Match, YouthReferral Youth, MatchRole Role);

    private async Task<ChatAccess> AccessAsync(string conversationId, CancellationToken ct)
    {
        try
        {
            var (match, youth, role) = await data.MatchForCallerAsync(conversationId ?? "", ct);
            return role == MatchRole.Admin ? throw new NotFoundException("match") : new ChatAccess(match, youth, role);
        }
        catch (NotFoundException)
        {
            throw new ChatRefusedException(ChatErrorCodes.NotFound, "There is no such conversation.");
        }
    }

    /// <summary>
    /// A mentor reads what the youth shared only while the chat could go on: not once the match has ended, the youth
    /// withdrew their consent, the case manager put the mentor on the youth's do-not-match list or a hold paused their
    /// chats. A plain pause leaves the messages to read. The youth's own chat stays theirs to read.
    /// </summary>
    private async Task EnsureMentorMayReadAsync(ChatAccess access, CancellationToken ct)
    {
        if (!await MentorMayReadAsync(access, ct))
        {
            throw new ChatRefusedException(ChatErrorCodes.NotFound, NoLongerAvailable);
        }
    }

    /// <summary>
    /// Whether the sender of <paramref name="message"/> is still the party they wrote as, and may read the chat. The push
    /// it decides is a courtesy (their page finds it when it next catches up): a store that cannot say now is a no.
    /// </summary>
    private async Task<bool> SenderStillReadsAsync(string conversationId, ChatMessage message, CancellationToken ct)
    {
        try
        {
            var match = await data.MatchAsync(conversationId, ct);
            var youth = await data.YouthAsync(match.YouthId, ct);
            return message.SenderRole switch
            {
                YouthRole => youth.PersonId == message.SenderId,
                MentorRole => match.MentorId == message.SenderId && await MentorMayReadAsync(new ChatAccess(match, youth, MatchRole.Mentor), ct),
                _ => false,
            };
        }
        catch (StoreException ex) when (ex.Kind == StoreErrorKind.Unavailable)
        {
            return false;
        }
    }

    /// <summary>A pause leaves the mentor the chat to read; whatever else stops it (consent, do-not-match, closing) takes it away.</summary>
    private async Task<bool> MentorMayReadAsync(ChatAccess access, CancellationToken ct)
    {
        if (access.Role != MatchRole.Mentor)
        {
            return true;
        }

        var match = access.Match.State == MatchState.Paused ? access.Match with { State = MatchState.Active } : access.Match;
        return await MatchStopsChatAsync(match, access.Youth, null, ct) is null;
    }

    private async Task AuditCaseManagerReadAsync(ChatAccess access, string action, CancellationToken ct)
    {
        if (access.Role == MatchRole.CaseManager)
        {
            await audit.AppendAsync(new AuditEvent(action, "conversation", access.Match.Id, AuditOutcome.Succeeded, Basis: OversightBasis), data.User, ct);
        }
    }

    private IEnumerable<ChatMessageView> Visible(ChatAccess access, IEnumerable<ChatMessage> messages) =>
        messages
            .Where(m => m.Status != MessageStatus.Released && (access.Role == MatchRole.CaseManager || m.Status == MessageStatus.Delivered || m.SenderId == data.User.UserId))
            .Select(m => m.SenderId == data.User.UserId ? ChatMessageView.From(access.Match.Id, m)
                : ChatMessageView.From(access.Match.Id, m.SenderRole == SystemRole ? m with { Text = options.Value.OversightNotice } : m) is var theirs
                    && access.Role == MatchRole.CaseManager ? theirs.ForOthers() : theirs.ForOtherParty());

    /// <summary>
    /// A resend of a stored message answers as the first send did (held, crisis lines), and raises its flag now if the
    /// first send stored the message but died before the flag. Other words under a used id are refused, not answered
    /// with the first message as if they were sent; words of danger among them are raised as words not sent.
    /// </summary>
    private async Task<SendResult> ResentAsync(string conversationId, string me, string clientMessageId, string? text, long sequence, CancellationToken ct)
    {
        var message = await Store.ReadAsync<ChatMessage>(Conversation.Container, ChatMessage.IdFor(sequence), conversationId, ct)
            ?? throw new ChatRefusedException(ChatErrorCodes.Failed, "The message could not be found.");
        var cleaned = MessageText.Clean(text);
        if (cleaned.Problem is { } problem)
        {
            throw new ChatRefusedException(ChatErrorCodes.Invalid, problem);
        }

        var clean = cleaned.Text;
        if (!string.Equals(clean, message.Text, StringComparison.Ordinal))
        {
            // Their follow-up goes under an id of these words' own: the used id's names the stored message.
            throw await RefusedInDangerAsync(conversationId, me, $"re-{Digest.Of($"{clientMessageId}\n{clean}", 40)}", text,
                new ChatRefusedException(ChatErrorCodes.Invalid, ReusedIdMessage));
        }

        var urgent = false;
        if (message.FlagKinds.Count > 0)
        {
            urgent = scanner.Scan(message.Text).Urgent;
            var followUpId = ChatFlagFollowUp.IdFor(Store.AgencyId, conversationId, message.SenderId, message.ClientMessageId ?? "");
            if (await Store.ReadAsync<ChatFlagFollowUp>(SafetyFlag.Container, followUpId, ChatFlagFollowUp.Partition, ct) is not null)
            {
                await FinishFlagSafelyAsync(conversationId, message, urgent);
            }
        }

        var view = ChatMessageView.From(conversationId, message);
        if (message.Status == MessageStatus.Delivered)
        {
            // The first send may have died between storing and telling the others: they are told again (a page drops a
            // number it has already shown).
            await LiveAsync(() => OthersInConversation(conversationId).MessageReceived(view.ForOthers()));
        }

        return new SendResult(view, true, message.Status == MessageStatus.Held ? HeldNotice : null, urgent ? await crisisLines.ForMyAgencyAsync(ct) : null);
    }

    private async Task<(SafetyFlag Flag, bool RaisedNow)> CreateFlagAsync(SafetyFlag flag, CancellationToken ct)
    {
        try
        {
            return (await Store.CreateAsync(SafetyFlag.Container, flag, ct), true);
        }
        catch (StoreException ex) when (ex.Kind == StoreErrorKind.Conflict)
        {
            return (await Store.FindAsync<SafetyFlag>(SafetyFlag.Container, flag.Id, ct) ?? throw new StoreException(StoreErrorKind.Unavailable, "A raised flag could not be read."), false);
        }
    }

    /// <summary>
    /// The mentor's wellbeing prompt (a record of it when the message was theirs) and the check-in it asks for. Asked
    /// again on every run, as asking is idempotent (a check-in already asked for is not asked again), so a run that
    /// failed after the record was written still asks.
    /// </summary>
    private async Task PromptMentorAsync(Match match, SafetyFlag flag, CancellationToken ct)
    {
        if (flag.SenderRole == MentorRole)
        {
            // Asked once per flag: more words of danger under a flag still open (a stopped chat) are not another request.
            // The record is written after the ask, so a run that died between the two asks again (asking is idempotent
            // while a check-in is waiting).
            var promptId = "prompt~" + flag.Id;
            if (await Store.ReadAsync<WellbeingPrompt>(WellbeingPrompt.Container, promptId, Store.AgencyId, ct) is null)
            {
                await publisher.Publish(new WellbeingPromptRaised(flag.SenderId, "a message of theirs in a mentoring chat was flagged for review."), ct);
                try
                {
                    await Store.CreateAsync(WellbeingPrompt.Container, new WellbeingPrompt
                    {
                        Id = promptId,
                        MentorId = flag.SenderId,
                        Reason = "A message of yours in a mentoring chat was flagged for review.",
                        FlagId = flag.Id,
                        RaisedAt = flag.RaisedAt,
                    }, ct);
                }
                catch (StoreException ex) when (ex.Kind == StoreErrorKind.Conflict)
                {
                    // Written by another run at the same moment.
                }
            }

            // Crisis words of the mentor's own may mean the mentor is not safe: their supervisor hears at once, as of an
            // urgent check-in answer, not only at their next check-in (without one who can act, the admins do), and the
            // mentor is held from new matches until it is reviewed.
            if (flag.Urgent)
            {
                var mentor = await data.MentorAsync(match.MentorId, ct);
                // Told of each urgent flag: the supervisor cannot deal with the chat's flag, so no notice of theirs may stand for a later one.
                var key = $"chat-flag-supervisor~{flag.Id}";
                if (await data.HasActiveSupervisorAsync(mentor, ct))
                {
                    await notifier.SendOnceAsync(mentor.SupervisorId!, Notices.MentorChatUrgentToSupervisor, key, ct);
                }
                else
                {
                    await notifier.SendOnceToAdminsAsync(Notices.MentorChatUrgentWithoutSupervisor, key, ct, match.Id, except: [mentor.Id, .. await data.KeptFromYouthAsync(match.YouthId, ct)],
                        toExceptedAlone: (Notices.MentorChatUrgentWithoutSupervisor, key + "~alone"));
                }

                await publisher.Publish(new MentorChatWordsUrgent(flag.SenderId, flag.Id), ct);
            }
        }
        else
        {
            // What a mentee shares (a crisis, a danger) can be as hard on the mentor as anything they write themselves.
            await publisher.Publish(new WellbeingPromptRaised(match.MentorId, "something shared in one of their mentoring chats was flagged for review."), ct);
        }
    }

    private static string RoleName(MatchRole role) => role switch
    {
        MatchRole.Mentor => MentorRole,
        MatchRole.Youth => YouthRole,
        _ => CaseManagerRole,
    };

    /// <summary>
    /// Sends to a group through the backplane. What is sent is already stored: with the backplane down, clients
    /// catch up from the store when they reconnect, so the action that sent it still succeeds.
    /// </summary>
    private async Task LiveAsync(Func<Task> push)
    {
        try
        {
            await push();
        }
        catch (Exception ex) when (Backplane.Failed(ex))
        {
            LogNotLive(logger, ex);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "A chat update is stored but could not be sent live (the SignalR backplane is unreachable)")]
    private static partial void LogNotLive(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The flag of message {Sequence} in {ConversationId} is left to the follow-up worker")]
    private static partial void LogFlagLeftToWorker(ILogger logger, string conversationId, long sequence, Exception exception);

    [LoggerMessage(Level = LogLevel.Error, Message = "Words of danger not sent in {ConversationId} could not be recorded; the sender's page is asked to send them again")]
    private static partial void LogNotSentNotRecorded(ILogger logger, string conversationId, Exception exception);

    [LoggerMessage(Level = LogLevel.Error, Message = "The flag of words of danger not sent in {ConversationId} is left to the follow-up worker")]
    private static partial void LogNotSentFlagFailed(ILogger logger, string conversationId, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The mentor's check-in after the review of flag {FlagId} could not be asked for")]
    private static partial void LogPromptNotRaised(ILogger logger, string flagId, Exception exception);

    [LoggerMessage(Level = LogLevel.Information, Message = "Chat message stored in {ConversationId} as {Sequence} ({Action})")]
    private static partial void LogStored(ILogger logger, string conversationId, long sequence, SafetyAction action);
}

/// <summary>The <c>Chat</c> section.</summary>
public sealed class ChatOptions
{
    public const string SectionName = "Chat";

    /// <summary>
    /// The crisis lines of this deployment; the United States' when none is set. Not in appsettings.json: settings from
    /// the environment would overwrite a default list entry by entry, leaving one country's numbers under another's names.
    /// </summary>
    public List<CrisisResource> CrisisResources { get; set; } = [];

    /// <summary>The number for emergency services where this deployment's agencies are, first on the page of help.</summary>
    public string EmergencyNumber { get; set; } = "911";

    /// <summary>
    /// The first message of every chat. Chats show it as it reads now, not as it was stored, so a chat opened before
    /// the deployment's emergency number was set never shows another country's.
    /// </summary>
    public string OversightNotice =>
        "Welcome to your chat. Your case manager can read everything written here, to keep you both safe."
        + (EmergencyNumber is { Length: > 0 } emergency ? $" If you are ever in danger, call {emergency}." : "");

    public static IReadOnlyList<CrisisResource> UnitedStatesCrisisLines { get; } =
    [
        new("988 Suicide & Crisis Lifeline", "Free, private, any time. Call or text 988", Call: "988", Text: "988"),
        new("National Human Trafficking Hotline", "Call 1-888-373-7888 or text 233733", Call: "18883737888", Text: "233733"),
        new("National Runaway Safeline", "Call 1-800-786-2929", Call: "18007862929"),
    ];

    /// <summary>Browser origins allowed to open the chat; requests without an Origin (non-browser clients) are not affected.</summary>
    public List<string> AllowedOrigins { get; set; } = [];

    public int SendsPerSecond { get; set; } = 5;

    public int SendBurst { get; set; } = 10;

    /// <summary>Every other hub call (join, catch-up, history, read receipts) per user.</summary>
    public int CallsPerSecond { get; set; } = 20;

    public int CallBurst { get; set; } = 60;

    /// <summary>
    /// Chat connections one person may hold on an instance: more than anyone needs (a phone, a laptop, many tabs),
    /// since each is rechecked on every change that concerns them. More are closed.
    /// </summary>
    public int MaxConnectionsPerPerson { get; set; } = 20;

    /// <summary>
    /// How often each instance re-checks all its open connections against the records: a safety net for a
    /// change whose Redis message was lost. Changes themselves apply at once.
    /// </summary>
    public int RecheckSeconds { get; set; } = 60;

    /// <summary>A Redis connection string: when set, SignalR scales out through the Redis backplane.</summary>
    public string? Redis { get; set; }
}
