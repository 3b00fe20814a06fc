using System.Text.Json.Serialization;
using SurvivorConnect.Api.Features.Agencies;
using SurvivorConnect.Api.Infrastructure.Pipeline;
using SurvivorConnect.Storage;

namespace SurvivorConnect.Api.Features.Chat;

/// <summary>
/// A match's conversation. It lives in its own partition (the conversation id, which is the match id)
/// beside its messages, and holds the last sequence number so that a message and its number are written
/// in one transaction, and who may send now (<see cref="SendGate"/>), so that a send reads this one document.
/// </summary>
public sealed record Conversation : Document
{
    public const string DocumentId = "conversation";

    // No indexed fields: messages are found by id, whose number is zero-padded so ids sort as the sequence does.
    // Every index would be written for every message (and key), the chat's busiest write.
    public static readonly ContainerSpec Container = new("chat");

    public override string Type => "conversation";

    public required string MatchId { get; init; }

    public required long Sequence { get; init; }

    public required DateTimeOffset OpenedAt { get; init; }

    /// <summary>Null until first worked out: the next send then checks everything and writes it.</summary>
    public SendGate? Gate { get; init; }
}

/// <summary>
/// Who may send in a conversation now: the mentor and the youth, each while the match is active with current
/// consent and no chat-stopping hold, and while their own record is active with their role. It is worked out
/// from those records and written here by every change to them, before the change's request ends; a send that
/// raced the change fails on this document's ETag and reads it again. It is trusted until <see cref="ValidUntil"/>:
/// a short while after <see cref="CheckedAt"/> (in case a change's write was lost), and never past the moment a
/// consent it relies on expires.
/// </summary>
public sealed record SendGate(IReadOnlyList<GateSender> Senders, DateTimeOffset CheckedAt, DateTimeOffset ValidUntil);

/// <summary>A person who may send, as their part in the conversation (mentor or youth).</summary>
public sealed record GateSender(string UserId, string Role);

[JsonConverter(typeof(JsonStringEnumConverter<MessageStatus>))]
public enum MessageStatus
{
    Delivered,
    Held,
    Rejected,

    /// <summary>Held, then released: delivered as a new message (its <see cref="ChatMessage.ReleasedFrom"/> names this one), and shown no more.</summary>
    Released,
}

public sealed record ChatMessage : Document
{
    public override string Type => "chat-message";

    public required long Sequence { get; init; }

    public required string SenderId { get; init; }

    /// <summary>mentor, youth or system.</summary>
    public required string SenderRole { get; init; }

    public string? ClientMessageId { get; init; }

    public required string Text { get; init; }

    public required DateTimeOffset SentAt { get; init; }

    public required MessageStatus Status { get; init; }

    public IReadOnlyList<string> FlagKinds { get; init; } = [];

    /// <summary>The held message this one delivers, when a case manager released it.</summary>
    public long? ReleasedFrom { get; init; }

    /// <summary>Sorts as the sequence does, so a range of messages is a range of ids.</summary>
    public static string IdFor(long sequence) => $"m{sequence:D12}";
}

/// <summary>Marks a client message id as used by a sender, so a resend returns the first message.</summary>
public sealed record ClientMessageKey : Document
{
    public override string Type => "chat-key";

    public required long Sequence { get; init; }

    /// <summary>Neither a person's id nor a client message id holds a '.', so no two senders' keys can meet.</summary>
    public static string IdFor(string senderId, string clientMessageId) => $"k.{senderId}.{clientMessageId}";
}

[JsonConverter(typeof(JsonStringEnumConverter<FlagStatus>))]
public enum FlagStatus
{
    Open,
    Released,
    Rejected,
    Resolved,
}

/// <summary>A concern raised by the safety scan, for the case managers of the youth in the conversation.</summary>
public sealed record SafetyFlag : Document
{
    public static readonly ContainerSpec Container = new("flags", "conversationId", "status", "raisedAt", "youthId", "dueAt");

    /// <summary>One flag per message: raising it again finds the first.</summary>
    public static string IdFor(string conversationId, long sequence) => $"{conversationId}-m{sequence}";

    /// <summary>One flag per message not sent (the sender's own id for it), so a resend of it into the stopped chat raises none again.</summary>
    public static string NotSentIdFor(string conversationId, string senderId, string clientMessageId) =>
        $"{conversationId}-u{Digest.Of($"{senderId}\n{clientMessageId}", 32)}";

    public override string Type => "flag";

    public required string ConversationId { get; init; }

    /// <summary>The flagged message; 0 when it was <see cref="NotSent"/>.</summary>
    public required long MessageSequence { get; init; }

    /// <summary>Words of danger written into a stopped chat: nothing of them is kept but that they were written.</summary>
    public bool NotSent { get; init; }

    /// <summary>
    /// For a flag of words not sent: which of the sender's words it stands for (<see cref="NotSentWordsOf"/>), so that
    /// words stored after all (a resend once the store answered) close it only when they were all it stood for.
    /// </summary>
    public IReadOnlyList<string> NotSentWords { get; init; } = [];

    /// <summary>
    /// The most words not sent one flag stands for, the latest kept: a shut-out sender flooding a stopped chat cannot grow
    /// the flag without end. Words let go of and stored after all leave the flag open, for a case manager to close.
    /// </summary>
    public const int MostNotSentWords = 50;

    /// <summary>Some words it stood for were let go of (<see cref="MostNotSentWords"/>): it never closes itself.</summary>
    public bool NotSentWordsLetGo { get; init; }

    public static string NotSentWordsOf(string senderId, string clientMessageId) => Digest.Of($"{senderId}\n{clientMessageId}", 16);

    public required string SenderId { get; init; }

    public required string SenderRole { get; init; }

    public required IReadOnlyList<string> Kinds { get; init; }

    public required bool Urgent { get; init; }

    public required bool Held { get; init; }

    public required FlagStatus Status { get; init; }

    /// <summary>The youth of the conversation: the flag is for whoever is their case manager now.</summary>
    public required string YouthId { get; init; }

    public required DateTimeOffset RaisedAt { get; init; }

    public string? ResolvedBy { get; init; }

    public DateTimeOffset? ResolvedAt { get; init; }

    public string? ResolutionNote { get; init; }
}

/// <summary>
/// A flagged message whose flag (with the case managers' notices and the mentor's prompt) may not have been raised, in
/// the one partition every agency shares ("chat-flag-followup"). It is written before the message is stored and
/// removed once the flag is raised, so a send that died part way (a youth leaving the page the moment they sent a
/// crisis message) is finished by <see cref="ChatFlagWorker"/> from <see cref="DueAt"/>. Words of danger written into a
/// stopped chat are no message: their record carries the kinds of danger found, so the worker raises their flag from it.
/// Ids, kinds and a time only.
/// </summary>
public sealed record ChatFlagFollowUp : Document
{
    public const string Partition = "chat-flag-followup";

    /// <summary>Long enough for the send that wrote it to have finished or failed (urgent words not stored by then are raised as not sent).</summary>
    public static readonly TimeSpan Grace = TimeSpan.FromMinutes(1);

    /// <summary>
    /// A record whose message never appeared goes this long after it fell due: its send is over by then, and a resend
    /// after it stores a message that raises its own flag.
    /// </summary>
    public static readonly TimeSpan GiveUpAfter = TimeSpan.FromHours(1);

    public override string Type => "chat-flag-follow-up";

    public required string ConversationId { get; init; }

    public required string SenderId { get; init; }

    public required string ClientMessageId { get; init; }

    public required DateTimeOffset DueAt { get; init; }

    /// <summary>For words not sent (a stopped chat): the kinds of danger found in them; empty for a stored message.</summary>
    public IReadOnlyList<string> NotSentKinds { get; init; } = [];

    /// <summary>
    /// For urgent words on their way to being stored: the kinds of danger found, so that if they never are (the send
    /// failed and the page is gone) their flag is raised as for words not sent rather than lost with them.
    /// </summary>
    public IReadOnlyList<string> UrgentKinds { get; init; } = [];

    /// <summary>
    /// A client message id is the sender's own, so with the conversation and the sender it names one message of one
    /// agency. Sender and message id are digested: spelled out, the longest ids an agency may give would pass the store's 255 characters, and a flagged
    /// or crisis message would fail for want of its follow-up.
    /// </summary>
    public static string IdFor(string agencyId, string conversationId, string senderId, string clientMessageId) =>
        $"{agencyId}~{conversationId}~{Digest.Of($"{senderId}\n{clientMessageId}", 40)}";
}

/// <summary>
/// An urgent flag not yet dealt with, in the one partition every agency shares ("chat-urgent-watch"). While the flag
/// is open, each time this falls due the youth's case managers are told again and the agency's admins are asked to
/// reach one, so a crisis message never rests on one notice nobody saw.
/// </summary>
public sealed record ChatUrgentWatch : Document
{
    public const string Partition = "chat-urgent-watch";

    /// <summary>The first reminder comes soon after the flag; later ones hourly, so a flag left overnight does not bury its readers in notices.</summary>
    public static readonly TimeSpan First = TimeSpan.FromMinutes(15);

    public static readonly TimeSpan Every = TimeSpan.FromHours(1);

    public override string Type => "chat-urgent-watch";

    public required string FlagId { get; init; }

    public required DateTimeOffset DueAt { get; init; }

    /// <summary>When its flag was last told of again (a round that found another flag of the chat told of since tells nothing).</summary>
    public DateTimeOffset? ToldAt { get; init; }

    public static string IdFor(string agencyId, string flagId) => $"{agencyId}~{flagId}";
}

/// <summary>A prompt for a mentor's next supervision check-in, raised when a message of theirs was flagged.</summary>
public sealed record WellbeingPrompt : Document
{
    public static readonly ContainerSpec Container = new("wellbeing", "mentorId");

    public override string Type => "wellbeing-prompt";

    public required string MentorId { get; init; }

    public required string Reason { get; init; }

    public required string FlagId { get; init; }

    public required DateTimeOffset RaisedAt { get; init; }
}

/// <summary>
/// Something flagged in a mentor's conversation may weigh on them (their own message, or what their mentee shared):
/// supervision follows up. <paramref name="Because"/> finishes the sentence "We are checking in because …".
/// </summary>
/// <param name="ForSupervisor">Why, for their supervisor only: the mentor is never told a message was flagged (one testing boundaries would learn what the scan sees, and a held message of the youth's is theirs).</param>
public sealed record WellbeingPromptRaised(string MentorId, string ForSupervisor) : Mediator.INotification;

/// <summary>
/// A mentor's own words in a chat may mean they are not safe (the chat's flag <paramref name="ChatFlagId"/>): held from
/// new matches until their supervisor reviews it, as for an urgent check-in answer. Published on every run of the flag's
/// follow-up; acting on it is idempotent.
/// </summary>
public sealed record MentorChatWordsUrgent(string MentorId, string ChatFlagId) : Mediator.INotification;

public sealed record ChatMessageView(string ConversationId, long Sequence, string? ClientMessageId, string SenderRole, string Text, DateTimeOffset SentAt, MessageStatus Status)
{
    /// <summary>The held message this one delivers: a page showing that one as held shows this instead.</summary>
    public long? ReleasedFrom { get; init; }

    public static ChatMessageView From(string conversationId, ChatMessage m) =>
        new(conversationId, m.Sequence, m.ClientMessageId, m.SenderRole, m.Text, m.SentAt, m.Status) { ReleasedFrom = m.ReleasedFrom };

    /// <summary>
    /// The message as everyone but its sender receives it: without the id the sender's app chose, which nobody else
    /// needs, and which, unread by the case manager, could carry words (a handle, a number) past the chat's oversight.
    /// </summary>
    public ChatMessageView ForOthers() => this with { ClientMessageId = null };

    /// <summary>
    /// Which held message it delivers, without its words: for every page of the youth's case managers, of which only those
    /// showing the chat (joined to it, and so audited as reading it) receive the words, as any new message.
    /// </summary>
    public ChatMessageView WordsLeftOut() => ForOthers() with { Text = "" };

    /// <summary>As the other party receives it: nor which held message it delivers, as they are never told one was held.</summary>
    public ChatMessageView ForOtherParty() => ForOthers() with { ReleasedFrom = null };
}

/// <summary>What the sender is told once their message is stored.</summary>
public sealed record SendResult(ChatMessageView Message, bool Duplicate, string? Notice, IReadOnlyList<CrisisResource>? CrisisResources);

public sealed record JoinResult(string ConversationId, string Role, bool CanSend, string? CannotSendReason, string OversightNotice, long LastSequence);

/// <summary>One page of a catch-up: the messages the caller may see, the sequence read up to, and whether more follow.</summary>
public sealed record CatchUpPage(IReadOnlyList<ChatMessageView> Messages, long Through, bool More);

public sealed record ConversationStatus(string ConversationId, bool CanSend, string? Reason)
{
    /// <summary>False once the caller may no longer read the chat at all: a page showing it clears what it shows.</summary>
    public bool Readable { get; init; } = true;
}

/// <remarks><paramref name="YouthName"/> says whose chat it is, for the case managers the queue is for; <paramref name="Found"/> is the kinds in plain words.</remarks>
public sealed record FlagView(
    string Id, string ConversationId, long MessageSequence, string SenderRole, IReadOnlyList<string> Kinds, bool Urgent, bool Held, FlagStatus Status,
    DateTimeOffset RaisedAt, string? ResolutionNote, string? YouthName = null, IReadOnlyList<string>? Found = null)
{
    /// <summary>Written into a stopped chat: there is no message to read, deliver or keep back.</summary>
    public bool NotSent { get; init; }

    public static FlagView From(SafetyFlag f, string? youthName = null) =>
        new(f.Id, f.ConversationId, f.MessageSequence, f.SenderRole, f.Kinds, f.Urgent, f.Held, f.Status, f.RaisedAt, f.ResolutionNote, youthName, [.. f.Kinds.Select(FlagWords.Of)])
        {
            NotSent = f.NotSent,
        };
}

/// <summary>What the safety check found, as a case manager reads it.</summary>
public static class FlagWords
{
    public static string Of(string kind) => kind switch
    {
        "phone-number" => "a phone number",
        "email-address" => "an email address",
        "link" => "a link",
        "social-handle" => "a social media name",
        "payment-handle" => "a payment app name",
        "street-address" => "a street address",
        "meet-off-platform" => "meeting outside the chat",
        "money-gift-ride" => "money, gifts or a ride",
        "secrecy" => "asking to keep secrets",
        "pick-up-or-ride" => "offering to pick up or drive",
        "money-or-gift" => "offering money or gifts",
        "self-harm" => "self-harm",
        "in-danger" => "may be in danger",
        "being-forced" => "may be being forced",
        _ => kind,
    };
}

/// <summary>What the chat hub calls on its clients.</summary>
public interface IChatClient
{
    Task MessageReceived(ChatMessageView message);

    Task ConversationStatusChanged(ConversationStatus status);

    Task ReadUpTo(string conversationId, string role, long sequence);

    /// <summary>To case managers: a new safety flag (urgent ones at once).</summary>
    Task FlagRaised(FlagView flag);

    /// <summary>Why the server is closing this connection as it opens (see <see cref="Infrastructure.Hosting.LiveConnections"/>).</summary>
    Task ConnectionRefused(string reason);
}
