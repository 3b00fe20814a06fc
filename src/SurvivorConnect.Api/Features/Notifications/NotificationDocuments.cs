using SurvivorConnect.Storage;

namespace SurvivorConnect.Api.Features.Notifications;

/// <summary>An in-app notice to one person, stored and pushed live to them while they are signed in.</summary>
public sealed record Notification : Document
{
    public static readonly ContainerSpec Container = new("notifications", "recipientId", "at", "readAt") { AllowsTimeToLive = true };

    /// <summary>
    /// How long a notice is kept once read. What it said (a flag raised, a match closed) is no one's to keep for good, and
    /// a person's list (a youth's, on a phone that may be watched) does not grow without end. Unread, it stays.
    /// </summary>
    public static readonly TimeSpan KeptAfterRead = TimeSpan.FromDays(90);

    public override string Type => "notification";

    public required string RecipientId { get; init; }

    public required string Kind { get; init; }

    public string? MatchId { get; init; }

    public required string Text { get; init; }

    public required DateTimeOffset At { get; init; }

    public DateTimeOffset? ReadAt { get; init; }

    /// <summary>Read at <paramref name="at"/>, and so gone <see cref="KeptAfterRead"/> later.</summary>
    public Notification MarkedRead(DateTimeOffset at) => this with { ReadAt = at, TimeToLive = (int)KeptAfterRead.TotalSeconds };

    /// <summary>For a notice that stands for many (<see cref="Notifier.SendStandingAsync"/>): the id of what it was last told anew for.</summary>
    public string? About { get; init; }
}

public sealed record NotificationView(string Id, string Kind, string? MatchId, string Text, DateTimeOffset At, DateTimeOffset? ReadAt)
{
    public static NotificationView From(Notification n) => new(n.Id, n.Kind, n.MatchId, n.Text, n.At, n.ReadAt);
}

/// <summary>One kind of notice and its words: a template of the catalogue (<see cref="Notices"/>).</summary>
public sealed record Notice(string Kind, string Text);

/// <summary>
/// The agency's secret for the ids of notices sent once (<see cref="NoticeIds"/>), made on first use and never changed:
/// a new one would send every such notice again. Kept beside the notices, a kind no notice list reads.
/// </summary>
public sealed record NoticeKey : Document
{
    public const string DocumentId = "notice-key";

    public override string Type => "notice-key";

    /// <summary>Base64 of 32 random bytes.</summary>
    public required string Key { get; init; }

    /// <summary>
    /// When it was made: notices sent before it have the ids of before (<see cref="NoticeIds.FormerOfAsync"/>). None on a
    /// key made before this was kept, when notices already had ids made with it.
    /// </summary>
    public DateTimeOffset? MadeAt { get; init; }
}
