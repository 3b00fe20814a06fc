using SurvivorConnect.Api.Features.Chat;
using SurvivorConnect.Api.Features.Engagements;
using SurvivorConnect.Api.Features.Payouts;
using SurvivorConnect.Api.Infrastructure.Tenancy;
using SurvivorConnect.Storage;

namespace SurvivorConnect.UnitTests.Infrastructure;

/// <summary>
/// Ids built from others stay within what every store takes (255 characters) for the longest ids an agency may give
/// (agency and person, 128 each), so a crisis message's follow-up or a payout's send is never refused for its id.
/// </summary>
public sealed class LongIdsTests
{
    private static readonly string LongestAgency = new('a', 128);
    private static readonly string LongestPerson = new('p', 128);
    private static readonly string LongestClientMessageId = new('c', 64);

    [Fact]
    public void A_flagged_messages_follow_up_and_its_key_fit_the_store_for_the_longest_ids()
    {
        var conversation = AgencyStore.NewId();

        DocumentRules.ValidateId(ChatFlagFollowUp.IdFor(LongestAgency, conversation, LongestPerson, LongestClientMessageId));
        DocumentRules.ValidateId(ClientMessageKey.IdFor(LongestPerson, LongestClientMessageId));
        Assert.NotEqual(
            ChatFlagFollowUp.IdFor(LongestAgency, conversation, LongestPerson, "one"),
            ChatFlagFollowUp.IdFor(LongestAgency, conversation, LongestPerson, "two"));
    }

    [Fact]
    public void A_payouts_send_fits_the_store_for_the_longest_ids_and_each_attempt_is_its_own()
    {
        var payout = Payout.IdFor(CompensationClaim.IdFor(AgencyStore.NewId(), "s20", LongestPerson));

        DocumentRules.ValidateId(payout);
        DocumentRules.ValidateId(PayoutOutboxItem.IdFor(LongestAgency, payout, 99));
        Assert.NotEqual(PayoutOutboxItem.IdFor(LongestAgency, payout, 1), PayoutOutboxItem.IdFor(LongestAgency, payout, 2));
    }
}
