using System.Text.Json.Serialization;
using SurvivorConnect.Api.Features.Consent;
using SurvivorConnect.Api.Infrastructure.Pipeline;

namespace SurvivorConnect.Api.Features.Teaming.Rules;

/// <summary>The kinds of a youth's record a partnership may share. Chat, check-ins and payouts are not kinds: they are never shared.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<RecordKind>))]
public enum RecordKind
{
    CasePlan,
    SafetyPlan,
    MdtNotes,
}

/// <summary>A member's part on a youth's team.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<TeamRole>))]
public enum TeamRole
{
    /// <summary>The youth: always a member, never only a subject.</summary>
    Youth,

    /// <summary>The youth's case manager, who leads the team and writes its plans.</summary>
    Lead,

    /// <summary>A professional of the youth's agency or of a partner agency.</summary>
    Professional,

    /// <summary>Someone the youth names as a support: a member of the team and its meetings, never a reader of its records.</summary>
    Support,
}

/// <summary>Who on a youth's team may read which of the youth's records. Pure: the callers bring the facts.</summary>
public static class SharingRules
{
    public const string SupportToPartner = "A support the youth named";

    /// <summary>
    /// A team member as a partner's professional reads them in shared meeting notes: by name only those of the reader's
    /// own agency; the youth's supports (family, friends) and other agencies' professionals by their part, since the
    /// youth agreed to share the notes with this agency, not who else stands by them.
    /// </summary>
    public static string NameToPartner(TeamMember member, string readerAgencyId, string youthAgencyId, string youthAgencyName)
    {
        ArgumentNullException.ThrowIfNull(member);
        return member.AgencyId == readerAgencyId && member.Role == TeamRole.Professional ? member.DisplayName
            : member.Role == TeamRole.Support ? SupportToPartner
            : member.AgencyId == youthAgencyId ? $"A professional of {youthAgencyName}"
            : "A professional of another partner agency";
    }

    public static IReadOnlyList<RecordKind> AllKinds { get; } = Enum.GetValues<RecordKind>();

    /// <summary>
    /// What a member may read. Within the youth's agency that is their role's reach; a partner agency's professional
    /// reaches only the kinds both the current partnership and the youth's current consent name, and nothing without both.
    /// </summary>
    public static IReadOnlySet<RecordKind> Readable(
        TeamRole role, bool fromPartnerAgency, IEnumerable<RecordKind>? partnershipKinds, IEnumerable<RecordKind>? consentedKinds)
    {
        if (fromPartnerAgency)
        {
            return role == TeamRole.Professional && partnershipKinds is not null && consentedKinds is not null
                ? partnershipKinds.Intersect(consentedKinds).ToHashSet()
                : new HashSet<RecordKind>();
        }

        return role is TeamRole.Youth or TeamRole.Lead or TeamRole.Professional ? AllKinds.ToHashSet() : new HashSet<RecordKind>();
    }

    /// <summary>
    /// Which of a youth's consents to share with one partner says what it reads: the newest given under the partnership
    /// in force (one given under an earlier partnership does not come back to life), current or not. The newest replaces
    /// the rest, so when it is revoked or runs out nothing is shared, though an older one a failed replacement left
    /// current is still there.
    /// </summary>
    /// <remarks>
    /// Two given in the same instant (a consent replaced, or taken back as recorded in error and recorded again, within
    /// one tick of the clock): the one that stands is the newer, not whichever id sorts last.
    /// </remarks>
    public static ConsentRecord? Governing(IEnumerable<ConsentRecord> consentsToPartner, DateTimeOffset? partnershipAcceptedAt) =>
        partnershipAcceptedAt is { } accepted
            ? consentsToPartner.Where(c => c.Grantor == ConsentGrantor.Youth && c.GrantedAt >= accepted).MaxBy(c => (c.GrantedAt, c.RevokedAt is null, c.Id))
            : null;

    /// <summary>
    /// The first meeting a partner's professional reads the notes of: one held once the youth agreed to share them, and
    /// once the professional was on the team. What was said before either was not said for them. A consent that renewed
    /// or widened one still standing carries on its agreement; one given after a stop (the youth's, or a lapse) starts anew.
    /// </summary>
    public static DateTimeOffset MeetingsFrom(IEnumerable<ConsentRecord> consentsToPartner, ConsentRecord governing, DateTimeOffset memberAddedAt)
    {
        ArgumentNullException.ThrowIfNull(consentsToPartner);
        ArgumentNullException.ThrowIfNull(governing);
        var from = governing.GrantedAt;
        var notes = nameof(RecordKind.MdtNotes);
        foreach (var earlier in consentsToPartner
                     .Where(c => c.Grantor == ConsentGrantor.Youth && c.Id != governing.Id && c.GrantedAt < from && c.Kinds.Contains(notes, StringComparer.OrdinalIgnoreCase))
                     .OrderByDescending(c => (c.GrantedAt, c.Id)))
        {
            var ended = earlier.RevokedAt is { } revoked && earlier.ExpiresAt is { } expires ? (revoked < expires ? revoked : expires) : earlier.RevokedAt ?? earlier.ExpiresAt;
            if (earlier.GrantedAt >= from || earlier.WithdrawnBySubject || ended < from)
            {
                break;
            }

            from = earlier.GrantedAt;
        }

        return from > memberAddedAt ? from : memberAddedAt;
    }

    /// <summary>A partnership shares only while it is accepted, not ended, and not past its expiry.</summary>
    public static bool IsCurrent(PartnershipState state, DateTimeOffset expiresAt, DateTimeOffset now) =>
        state == PartnershipState.Active && expiresAt > now;

    /// <summary>How a kind of record reads to a youth.</summary>
    public static string Words(RecordKind kind) => kind switch
    {
        RecordKind.CasePlan => "your plan",
        RecordKind.SafetyPlan => "your safety plan",
        _ => "your team's meeting notes from now on (your case manager can read them with you)",
    };

    /// <summary>How the kinds of record a consent shares read to a youth, together.</summary>
    public static string Words(IEnumerable<string> kinds) =>
        string.Join(" and ", kinds.Select(k => EnumNames.TryParse(k, out RecordKind kind) ? Words(kind) : k));
}

[JsonConverter(typeof(JsonStringEnumConverter<PartnershipState>))]
public enum PartnershipState
{
    Proposed,
    Active,
    Declined,
    Ended,
}
