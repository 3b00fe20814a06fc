using SurvivorConnect.Api.Features.Mentoring;

namespace SurvivorConnect.UnitTests.Mentoring;

internal static class Make
{
    public static readonly GeoPoint Fresno = new(36.7378, -119.7871);
    public static readonly GeoPoint Clovis = new(36.8252, -119.7029);
    public static readonly GeoPoint LosAngeles = new(34.0522, -118.2437);

    private static readonly DateOnly Day = new(2026, 1, 5);

    public static MentorProfile ReadyMentor(string id = "m1") => new()
    {
        Id = id,
        PartitionKey = "agency",
        AgencyId = "agency",
        DisplayName = "Mentor " + id,
        Languages = ["English", "Spanish"],
        Gender = "female",
        Location = Fresno,
        TravelRadiusMiles = 25,
        Interests = ["art", "music", "soccer"],
        LivedExperienceTags = ["housing", "court"],
        ExperiencedStages = [StageOfChange.Contemplation],
        LgbtqAffirming = true,
        Capacity = 2,
        Screening = new ReadinessGate(Day, "staff"),
        Training = new ReadinessGate(Day, "staff"),
        SupervisorClearance = new ReadinessGate(Day, "supervisor"),
        SupervisorId = "supervisor",
    };

    public static YouthReferral Youth(StageOfChange stage = StageOfChange.Contemplation) => new()
    {
        Id = "y1",
        PartitionKey = "agency",
        AgencyId = "agency",
        DisplayName = "Youth",
        Age = 16,
        Languages = ["Spanish", "English"],
        Location = Clovis,
        Interests = ["music", "art", "cooking"],
        Needs = ["housing"],
        CaseManagerIds = ["cm"],
        Stage = stage,
        ReferredAt = DateTimeOffset.UnixEpoch,
    };
}
