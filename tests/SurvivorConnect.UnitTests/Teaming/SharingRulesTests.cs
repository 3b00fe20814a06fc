using SurvivorConnect.Api.Features.Consent;
using SurvivorConnect.Api.Features.Teaming;
using SurvivorConnect.Api.Features.Teaming.Rules;

namespace SurvivorConnect.UnitTests.Teaming;

public sealed class SharingRulesTests
{
    private static readonly RecordKind[] All = [RecordKind.CasePlan, RecordKind.SafetyPlan, RecordKind.MdtNotes];

    private static readonly DateTimeOffset Day1 = new(2026, 3, 1, 9, 0, 0, TimeSpan.Zero);

    private static ConsentRecord Share(string id, int day, DateTimeOffset? revoked = null, bool byYouth = false, string[]? kinds = null) => new()
    {
        Id = id, PartitionKey = "a", AgencyId = "a", SubjectId = "y", Grantor = ConsentGrantor.Youth, Scope = "mdt-sharing", PartnerAgencyId = "b",
        Kinds = kinds ?? ["CasePlan", "MdtNotes"], GrantedAt = Day1.AddDays(day), RevokedAt = revoked, WithdrawnBySubject = byYouth, RecordedBy = "cm",
    };

    [Fact]
    public void Meeting_notes_are_read_from_the_start_of_an_unbroken_run_of_consents_naming_them_and_not_before_the_member_joined()
    {
        var first = Share("c1", 0, revoked: Day1.AddDays(10));
        var renewed = Share("c2", 10);

        Assert.Equal(Day1, SharingRules.MeetingsFrom([first, renewed], renewed, Day1.AddDays(-5)));
        Assert.Equal(Day1.AddDays(3), SharingRules.MeetingsFrom([first, renewed], renewed, Day1.AddDays(3)));

        // A stop by the youth, a gap, or an earlier consent without the notes: the notes start again with the new one.
        var stopped = Share("c1", 0, revoked: Day1.AddDays(10), byYouth: true);
        var lapsed = Share("c1", 0, revoked: Day1.AddDays(5));
        var planOnly = Share("c1", 0, revoked: Day1.AddDays(10), kinds: ["CasePlan"]);
        foreach (var before in new[] { stopped, lapsed, planOnly })
        {
            Assert.Equal(Day1.AddDays(10), SharingRules.MeetingsFrom([before, renewed], renewed, Day1.AddDays(-5)));
        }
    }

    [Theory]
    [InlineData("a-older", "z-newer")]
    [InlineData("z-older", "a-newer")]
    public void Of_two_consents_given_in_one_instant_the_one_standing_governs_whichever_id_sorts_last(string replacedId, string standingId)
    {
        var replaced = Share(replacedId, 1, revoked: Day1.AddDays(1));
        var standing = Share(standingId, 1);

        Assert.Equal(standingId, SharingRules.Governing([replaced, standing], Day1)?.Id);
    }

    [Fact]
    public void A_partner_professional_reads_only_what_both_the_partnership_and_the_consent_name()
    {
        var readable = SharingRules.Readable(TeamRole.Professional, fromPartnerAgency: true, [RecordKind.CasePlan, RecordKind.SafetyPlan], [RecordKind.SafetyPlan, RecordKind.MdtNotes]);

        Assert.Equal([RecordKind.SafetyPlan], readable);
    }

    [Theory]
    [InlineData(true, false)]
    [InlineData(false, true)]
    [InlineData(false, false)]
    public void Without_a_partnership_or_a_consent_a_partner_reads_nothing(bool partnership, bool consent)
    {
        Assert.Empty(SharingRules.Readable(TeamRole.Professional, fromPartnerAgency: true, partnership ? All : null, consent ? All : null));
    }

    [Theory]
    [InlineData(TeamRole.Support)]
    [InlineData(TeamRole.Youth)]
    [InlineData(TeamRole.Lead)]
    public void Only_a_professional_reads_anything_from_a_partner_agency(TeamRole role)
    {
        Assert.Empty(SharingRules.Readable(role, fromPartnerAgency: true, All, All));
    }

    [Theory]
    [InlineData(TeamRole.Youth, 3)]
    [InlineData(TeamRole.Lead, 3)]
    [InlineData(TeamRole.Professional, 3)]
    [InlineData(TeamRole.Support, 0)]
    public void Within_the_youths_agency_the_role_decides(TeamRole role, int kinds)
    {
        Assert.Equal(kinds, SharingRules.Readable(role, fromPartnerAgency: false, null, null).Count);
    }

    [Fact]
    public void A_partnership_shares_only_while_accepted_and_before_its_expiry()
    {
        var now = new DateTimeOffset(2026, 11, 30, 12, 0, 0, TimeSpan.Zero);

        Assert.True(SharingRules.IsCurrent(PartnershipState.Active, now.AddSeconds(1), now));
        Assert.False(SharingRules.IsCurrent(PartnershipState.Active, now, now));
        Assert.False(SharingRules.IsCurrent(PartnershipState.Proposed, now.AddDays(1), now));
        Assert.False(SharingRules.IsCurrent(PartnershipState.Ended, now.AddDays(1), now));
        Assert.False(SharingRules.IsCurrent(PartnershipState.Declined, now.AddDays(1), now));
    }

    [Fact]
    public void An_action_is_overdue_from_the_day_after_it_was_due_until_done()
    {
        var today = new DateOnly(2026, 11, 30);
        var action = new MeetingAction("a", "Call the school", "youth", today);

        Assert.False(MeetingRules.IsOverdue(action, today));
        Assert.True(MeetingRules.IsOverdue(action, today.AddDays(1)));
        Assert.False(MeetingRules.IsOverdue(action with { DoneAt = DateTimeOffset.UnixEpoch }, today.AddDays(1)));
    }
}
