using SurvivorConnect.Api.Features.Consent;

namespace SurvivorConnect.UnitTests.Consent;

public sealed class ConsentAuditTests
{
    [Fact]
    public void A_mentor_s_yes_to_a_match_is_logged_under_the_match_and_a_youth_s_under_the_youth()
    {
        static string? LoggedUnder(string grantor, string subject) =>
            new GrantConsent("c1", new ConsentRequest(subject, grantor, "mentoring-match", "match-1", null)).Audit.RecordId;

        Assert.Equal("match-1", LoggedUnder("Mentor", "mentor-1"));
        Assert.Equal("match-1", LoggedUnder("mentor", "mentor-1"));
        Assert.Equal("youth-1", LoggedUnder("Youth", "youth-1"));
        Assert.Equal("youth-1", LoggedUnder("Guardian", "youth-1"));
        Assert.Equal("mentor-1", new GrantConsent("c2", new ConsentRequest("mentor-1", "Mentor", "mentoring", null, null)).Audit.RecordId);
    }
}
