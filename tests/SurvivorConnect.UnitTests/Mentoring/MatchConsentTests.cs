using SurvivorConnect.Api.Features.Agencies;
using SurvivorConnect.Api.Features.Consent;
using SurvivorConnect.Api.Features.Mentoring;

namespace SurvivorConnect.UnitTests.Mentoring;

/// <summary>Which consents a match still needs, and that the consent a youth gives by agreeing counts at once.</summary>
public sealed class MatchConsentTests
{
    private static readonly DateTimeOffset Now = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);
    private static readonly MatchConsentPolicy Policy = new(18, [ConsentGrantor.Guardian]);

    private static readonly Match Match = new()
    {
        Id = "match", YouthId = "y1", MentorId = "m1", CaseManagerId = "cm", State = MatchState.AwaitingYouth, ProposedAt = Now,
    };

    private static ConsentRecord Given(ConsentGrantor grantor, string subject, DateTimeOffset? revokedAt = null) => new()
    {
        Id = grantor.ToString(), SubjectId = subject, Grantor = grantor, Scope = MentoringScopes.MentoringMatch, MatchId = "match",
        GrantedAt = Now.AddDays(-1), RecordedBy = "cm", RevokedAt = revokedAt,
    };

    [Fact]
    public void A_minor_needs_the_mentor_the_youth_and_the_policys_guardian()
    {
        var missing = MatchConsentGuard.Missing(Match, Make.Youth(), Policy, [Given(ConsentGrantor.Mentor, "m1")], Now);

        Assert.Equal(["the youth's agreement", "guardian consent"], missing);
    }

    [Fact]
    public void The_youths_agreement_given_in_this_request_counts_before_it_is_stored()
    {
        var consents = new[] { Given(ConsentGrantor.Mentor, "m1"), Given(ConsentGrantor.Guardian, "y1") };

        Assert.Empty(MatchConsentGuard.Missing(Match, Make.Youth(), Policy, consents, Now, givenNow: ConsentGrantor.Youth));
        Assert.Equal(["the youth's agreement"], MatchConsentGuard.Missing(Match, Make.Youth(), Policy, consents, Now));
    }

    [Fact]
    public void A_revoked_consent_is_missing_again()
    {
        var consents = new[] { Given(ConsentGrantor.Mentor, "m1", revokedAt: Now.AddHours(-1)), Given(ConsentGrantor.Youth, "y1"), Given(ConsentGrantor.Guardian, "y1") };

        Assert.Equal(["the mentor's agreement"], MatchConsentGuard.Missing(Match, Make.Youth(), Policy, consents, Now));
    }
}
