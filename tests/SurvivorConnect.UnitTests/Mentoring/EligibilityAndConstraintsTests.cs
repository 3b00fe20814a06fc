using SurvivorConnect.Api.Features.Mentoring;
using SurvivorConnect.Api.Features.Mentoring.Rules;

namespace SurvivorConnect.UnitTests.Mentoring;

public sealed class EligibilityAndConstraintsTests
{
    [Fact]
    public void A_ready_consenting_mentor_with_room_can_be_matched()
    {
        Assert.Empty(MentorEligibility.Blockers(Make.ReadyMentor(), openMatches: 1, consentsToMentoring: true, supervisorActive: true));
    }

    public static TheoryData<MentorProfile, int, bool, bool, string> Blocked => new()
    {
        { Make.ReadyMentor() with { Screening = null }, 0, true, true, MentorEligibility.NoScreening },
        { Make.ReadyMentor() with { Training = null }, 0, true, true, MentorEligibility.NoTraining },
        { Make.ReadyMentor() with { SupervisorClearance = null }, 0, true, true, MentorEligibility.NoClearance },
        { Make.ReadyMentor() with { SupervisorId = null }, 0, true, true, MentorEligibility.NoSupervisor },
        { Make.ReadyMentor(), 0, true, false, MentorEligibility.NoSupervisor },
        { Make.ReadyMentor() with { Hold = new SupervisorHold(DateTimeOffset.UnixEpoch, "sup", null, false) }, 0, true, true, MentorEligibility.OnHold },
        { Make.ReadyMentor(), 2, true, true, MentorEligibility.AtCapacity },
        { Make.ReadyMentor(), 0, false, true, MentorEligibility.NoConsent },
    };

    [Theory]
    [MemberData(nameof(Blocked))]
    public void A_mentor_missing_any_gate_or_an_active_supervisor_on_hold_at_capacity_or_without_consent_is_blocked(
        MentorProfile mentor, int open, bool consent, bool supervisorActive, string blocker)
    {
        Assert.Equal([blocker], MentorEligibility.Blockers(mentor, open, consent, supervisorActive));
    }

    [Fact]
    public void A_mentor_on_the_youths_do_not_match_list_is_never_paired()
    {
        var youth = Make.Youth() with { DoNotMatch = ["m1"] };

        Assert.Contains(PairConstraints.DoNotMatch, PairConstraints.Violations(youth, Make.ReadyMentor()));
    }

    [Fact]
    public void A_mentor_who_is_also_the_youths_case_manager_is_never_paired_with_them()
    {
        var youth = Make.Youth() with { CaseManagerIds = ["cm1", "m1"] };

        Assert.Equal([PairConstraints.OwnCaseManager], PairConstraints.Violations(youth, Make.ReadyMentor()));
        Assert.Empty(PairConstraints.Violations(youth with { CaseManagerIds = ["cm1"] }, Make.ReadyMentor()));
    }

    [Fact]
    public void A_youth_who_also_mentors_is_never_paired_with_themselves()
    {
        var youth = Make.Youth() with { PersonId = "m1" };

        Assert.Equal([PairConstraints.TheYouthThemselves], PairConstraints.Violations(youth, Make.ReadyMentor()));
        Assert.Empty(PairConstraints.Violations(youth, Make.ReadyMentor("m2")));
    }

    [Fact]
    public void A_youth_is_never_paired_with_a_sign_in_of_theirs_from_before()
    {
        var youth = Make.Youth() with { PersonId = "y-new", FormerPersonIds = ["m1"] };

        Assert.Equal([PairConstraints.TheYouthThemselves], PairConstraints.Violations(youth, Make.ReadyMentor()));
    }

    [Fact]
    public void Stated_preferences_and_distance_are_hard_constraints()
    {
        var mentor = Make.ReadyMentor() with { Languages = ["English"], Gender = "male", LgbtqAffirming = false, Location = Make.LosAngeles };
        var youth = Make.Youth() with { Languages = ["Spanish"], Preferences = new MentorPreferences("female", LgbtqAffirming: true) };

        Assert.Equal(
            [PairConstraints.NoSharedLanguage, PairConstraints.GenderPreference, PairConstraints.NotAffirming, PairConstraints.OutsideRadius],
            PairConstraints.Violations(youth, mentor));
    }

    [Fact]
    public void Preferences_are_matched_without_regard_to_case()
    {
        var youth = Make.Youth() with { Languages = ["spanish"], Preferences = new MentorPreferences("Female", false) };

        Assert.Empty(PairConstraints.Violations(youth, Make.ReadyMentor()));
    }

    [Fact]
    public void Distance_between_Fresno_and_Clovis_is_about_seven_miles()
    {
        Assert.InRange(Geo.Miles(Make.Fresno, Make.Clovis)!.Value, 7, 8);
        Assert.Null(Geo.Miles(null, Make.Clovis));
    }
}
