using System.Security.Cryptography;
using System.Text;
using Ical.Net;
using Ical.Net.CalendarComponents;
using Ical.Net.DataTypes;
using Ical.Net.Serialization;
using Mediator;
using SurvivorConnect.Api.Features.Engagements.Rules;
using SurvivorConnect.Api.Features.People;
using SurvivorConnect.Api.Infrastructure.Errors;
using SurvivorConnect.Api.Infrastructure.Pipeline;
using SurvivorConnect.Storage;

namespace SurvivorConnect.Api.Features.Engagements;

/// <summary>
/// A person's calendar feed secret. Only its hash is kept: the link is shown once, when made, and making a new
/// one ends the old one at once.
/// </summary>
public sealed record CalendarFeedSecret : Document
{
    public override string Type => "calendar-feed";

    public required string PersonId { get; init; }

    public required string TokenHash { get; init; }

    public required DateTimeOffset CreatedAt { get; init; }

    /// <summary>When a calendar last read the feed (noted at most once an hour): the person can tell whether someone else still reads it.</summary>
    public DateTimeOffset? LastReadAt { get; init; }

    public static string IdFor(string personId) => "calendar~" + personId;

    public static string Hash(string token) => Digest.Of(token);

    /// <summary>Whether <paramref name="token"/> is this link's, compared in constant time.</summary>
    public bool Opens(string token) =>
        CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(TokenHash), Encoding.ASCII.GetBytes(Hash(token)));
}

public sealed record CalendarLinkView(bool Exists, string? Path, DateTimeOffset? CreatedAt, DateTimeOffset? LastReadAt = null);

public sealed record GetMyCalendarLink : IQuery<CalendarLinkView>;

/// <summary>Turns the calendar link off: it stops working at once, and no new one is made.</summary>
public sealed record TurnOffMyCalendarLink : ICommand<CalendarLinkView>, IAudited
{
    public AuditTarget Audit => new("engagement.turn-off-calendar-link", "calendar-feed");
}

/// <summary>Makes a new secret calendar link; the old one stops working at once.</summary>
public sealed record RotateMyCalendarLink : ICommand<CalendarLinkView>, IAudited
{
    public AuditTarget Audit => new("engagement.rotate-calendar-link", "calendar-feed");
}

/// <summary>The signed-in person's (the feed's owner, proven by the link) confirmed sessions as iCalendar text.</summary>
public sealed record GetCalendarFeed(string Token) : IQuery<string>;

internal sealed class CalendarFeedHandlers(EngagementData data, PeopleRepository people)
    : IQueryHandler<GetMyCalendarLink, CalendarLinkView>,
      ICommandHandler<RotateMyCalendarLink, CalendarLinkView>,
      ICommandHandler<TurnOffMyCalendarLink, CalendarLinkView>,
      IQueryHandler<GetCalendarFeed, string>
{
    /// <summary>Neutral words only: a calendar is often seen by others, and must not say what the session is about.</summary>
    public const string Summary = "Paid session";

    public const string Details = "Where it is and how to join are in your portal.";

    private string Me => data.Store.User.UserId;

    /// <summary>How finely a feed's last read is kept: calendars poll every few hours, and each read need not be a write.</summary>
    private static readonly TimeSpan ReadKeptTo = TimeSpan.FromHours(1);

    public async ValueTask<CalendarLinkView> Handle(GetMyCalendarLink query, CancellationToken ct) =>
        await SecretAsync(ct) is { } secret ? new CalendarLinkView(true, null, secret.CreatedAt, secret.LastReadAt) : new CalendarLinkView(false, null, null);

    public async ValueTask<CalendarLinkView> Handle(TurnOffMyCalendarLink command, CancellationToken ct)
    {
        await data.Store.DeleteAsync(EngagementData.Container, CalendarFeedSecret.IdFor(Me), data.Store.AgencyId, null, ct);
        return new CalendarLinkView(false, null, null);
    }

    public async ValueTask<CalendarLinkView> Handle(RotateMyCalendarLink command, CancellationToken ct)
    {
        var token = Base64Url(RandomNumberGenerator.GetBytes(32));
        await data.Store.UpsertAsync(EngagementData.Container, new CalendarFeedSecret
        {
            Id = CalendarFeedSecret.IdFor(Me),
            PersonId = Me,
            TokenHash = CalendarFeedSecret.Hash(token),
            CreatedAt = data.Store.Now,
        }, ct);
        return new CalendarLinkView(true, CalendarPaths.For(data.Store.AgencyId, Me, token), data.Store.Now);
    }

    public async ValueTask<string> Handle(GetCalendarFeed query, CancellationToken ct)
    {
        var secret = await SecretAsync(ct);
        if (secret is null || !secret.Opens(query.Token))
        {
            throw new NotFoundException("calendar");
        }

        // A link made before the person's access was last taken away ended with it (the account may have been taken
        // over): given access back, they make a new one.
        if (await people.FindAsync(data.Store.AgencyId, Me, ct) is not { } person || person.SignInsValidFrom > secret.CreatedAt)
        {
            throw new NotFoundException("calendar");
        }

        // Nothing in the file names the service: a calendar app shows a feed's product and event ids to whoever looks.
        var calendar = new Calendar { ProductId = "-//Calendar//EN" };
        calendar.AddProperty("X-WR-CALNAME", Summary + "s");
        var places = await data.ParticipationsAsync(Filter.Eq("personId", Me), ct);
        var cancelledPlaces = (await data.CancelledPlacesAsync(Me, null, ct)).ToDictionary(c => c.Id, StringComparer.Ordinal);
        var zones = new HashSet<string>(StringComparer.Ordinal);
        foreach (var place in places.Where(p => p.State == ParticipationState.Confirmed))
        {
            if (await data.Store.FindAsync<Opportunity>(EngagementData.Container, place.OpportunityId, ct) is not { } opportunity || opportunity.State == OpportunityState.Draft)
            {
                continue;
            }

            foreach (var session in opportunity.Sessions)
            {
                if (zones.Add(session.TimeZone))
                {
                    calendar.AddTimeZone(session.TimeZone);
                }

                var cancelled = session.CancelledAt is not null || opportunity.State == OpportunityState.Cancelled
                    || ClaimRules.CancelsPlace(cancelledPlaces.GetValueOrDefault(CompensationClaim.IdFor(opportunity.Id, session.Id, Me)), place);

                // A calendar is seen by whoever sees the phone, and kept by its provider: where a group of survivors
                // meets, and how to join them, stay in the portal.
                calendar.Events.Add(new CalendarEvent
                {
                    Uid = $"{opportunity.Id}-{session.Id}",
                    DtStart = new CalDateTime(session.Start, session.TimeZone),
                    DtEnd = new CalDateTime(session.End, session.TimeZone),
                    Summary = Summary,
                    Description = Details,
                    Status = cancelled ? EventStatus.Cancelled : EventStatus.Confirmed,
                });
            }
        }

        var feed = new CalendarSerializer().SerializeToString(calendar) ?? "";
        await NoteReadAsync(secret, ct);
        return feed;
    }

    private async Task NoteReadAsync(CalendarFeedSecret secret, CancellationToken ct)
    {
        if (secret.LastReadAt is { } last && data.Store.Now - last < ReadKeptTo)
        {
            return;
        }

        try
        {
            await data.Store.ReplaceAsync(EngagementData.Container, secret with { LastReadAt = data.Store.Now }, secret.ETag!, ct);
        }
        catch (StoreException)
        {
            // Best effort: another read noted it, the link was changed meanwhile, or the store is busy. The calendar
            // still gets its sessions; a feed that failed for this could be dropped by the calendar app.
        }
    }

    private Task<CalendarFeedSecret?> SecretAsync(CancellationToken ct) =>
        data.Store.ReadAsync<CalendarFeedSecret>(EngagementData.Container, CalendarFeedSecret.IdFor(Me), data.Store.AgencyId, ct);

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}

/// <summary>
/// The feed's address: it names the agency and the person so the request can be answered as that person (a
/// calendar app cannot sign in), and carries the secret that proves the link is theirs.
/// </summary>
/// <summary>
/// Whether a calendar link opens, asked before anyone is known (the feed is read by calendar apps, signed in as
/// nobody): one read of the link the path names, in the agency it names, whoever that is.
/// </summary>
public sealed class CalendarLinks(IDocumentStore store)
{
    public async Task<bool> OpensAsync(string agencyId, string personId, string token, CancellationToken ct) =>
        PeopleRules.IsValidId(agencyId) && PeopleRules.IsValidId(personId) && token.Length <= 64
        && await store.ReadAsync<CalendarFeedSecret>(EngagementData.Container, CalendarFeedSecret.IdFor(personId), agencyId, ct) is { } secret
        && secret.AgencyId == agencyId && secret.Opens(token);
}

public static class CalendarPaths
{
    public const string Route = "/calendar/{agencyId}/{personId}/{token}.ics";

    public static string For(string agencyId, string personId, string token) =>
        $"/calendar/{Uri.EscapeDataString(agencyId)}/{Uri.EscapeDataString(personId)}/{token}.ics";
}
