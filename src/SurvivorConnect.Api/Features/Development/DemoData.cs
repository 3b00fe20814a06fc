using SurvivorConnect.Api.Features.Agencies;
using SurvivorConnect.Api.Features.Consent;
using SurvivorConnect.Api.Features.Mentoring;
using SurvivorConnect.Api.Features.People;
using SurvivorConnect.Api.Infrastructure.Auth;
using SurvivorConnect.Storage;

namespace SurvivorConnect.Api.Features.Development;

/// <summary>Fictional agencies and people for local development: one person per role, and a second agency to show isolation.</summary>
public static class DemoData
{
    public sealed record DemoAgency(string Id, string Name, IReadOnlyList<(string Id, string DisplayName, string Role)> People);

    public static IReadOnlyList<DemoAgency> Agencies { get; } =
    [
        new("demo", "Harbor Light Youth Services (demo)",
        [
            ("demo-youth", "Riley (demo youth)", Roles.Youth),
            ("demo-mentor", "Sam (demo mentor)", Roles.Mentor),
            ("demo-advisor", "Jordan (demo advisor)", Roles.Advisor),
            ("demo-casemanager", "Alex (demo case manager)", Roles.CaseManager),
            ("demo-supervisor", "Morgan (demo supervisor)", Roles.Supervisor),
            ("demo-partner-pro", "Kai (demo partner professional)", Roles.PartnerProfessional),
            ("demo-recruiter", "Jamie (demo recruiter)", Roles.Recruiter),
            ("demo-finance", "Casey (demo finance approver)", Roles.FinanceApprover),
            ("demo-finance2", "Robin (second demo finance approver)", Roles.FinanceApprover),
            ("demo-admin", "Taylor (demo agency admin)", Roles.AgencyAdmin),
            ("demo-analyst", "Harper (demo outcomes analyst)", Roles.Analyst),
        ]),
        new("demo-north", "Northstar Family Services (demo)",
        [
            ("north-youth", "Avery (northstar youth)", Roles.Youth),
            ("north-mentor", "Drew (northstar mentor)", Roles.Mentor),
            ("north-casemanager", "Quinn (northstar case manager)", Roles.CaseManager),
            ("north-admin", "Reese (northstar agency admin)", Roles.AgencyAdmin),
        ]),
    ];

    /// <summary>Writes the demo data once; a later start finds it and leaves it, with any changes made since.</summary>
    public static async Task SeedAsync(IDocumentStore store, TimeProvider time, CancellationToken ct)
    {
        foreach (var agency in Agencies)
        {
            if (await store.ReadAsync<Agency>(Agency.Container, agency.Id, agency.Id, ct) is not null)
            {
                continue;
            }

            foreach (var (id, name, role) in agency.People)
            {
                await store.UpsertAsync(Person.Container, new Person
                {
                    Id = id,
                    PartitionKey = agency.Id,
                    AgencyId = agency.Id,
                    DisplayName = name,
                    Roles = [role],
                    CreatedAt = time.GetUtcNow(),
                    CreatedBy = "seed",
                }, ct);
            }

            if (agency.Id == "demo")
            {
                await SeedMentoringAsync(store, agency.Id, time.GetUtcNow(), ct);
            }

            // The agency last, so a start interrupted half-way seeds again.
            await store.CreateAsync(Agency.Container, new Agency { Id = agency.Id, PartitionKey = agency.Id, AgencyId = agency.Id, Name = agency.Name, CreatedAt = time.GetUtcNow() }, ct);
        }
    }

    /// <summary>A ready, consenting mentor and a referred youth with a sign-in, so the match flow can be tried at once.</summary>
    private static async Task SeedMentoringAsync(IDocumentStore store, string agencyId, DateTimeOffset now, CancellationToken ct)
    {
        var day = DateOnly.FromDateTime(now.UtcDateTime);
        await store.UpsertAsync(MentorProfile.Container, new MentorProfile
        {
            Id = "demo-mentor",
            PartitionKey = agencyId,
            AgencyId = agencyId,
            DisplayName = "Sam (demo mentor)",
            Languages = ["English", "Spanish"],
            Gender = "female",
            Region = "Fresno County",
            Location = new GeoPoint(36.74, -119.79),
            TravelRadiusMiles = 30,
            Availability = ["weekday evenings", "saturdays"],
            Interests = ["art", "music", "cooking"],
            LivedExperienceTags = ["housing", "school"],
            ExperiencedStages = [StageOfChange.Precontemplation, StageOfChange.Contemplation],
            LgbtqAffirming = true,
            Capacity = 2,
            SupervisorId = "demo-supervisor",
            Screening = new ReadinessGate(day, "seed"),
            Training = new ReadinessGate(day, "seed"),
            SupervisorClearance = new ReadinessGate(day, "demo-supervisor"),
            UpdatedAt = now,
        }, ct);
        await store.UpsertAsync(ConsentRecord.Container, new ConsentRecord
        {
            Id = "demo-mentor-mentoring",
            PartitionKey = agencyId,
            AgencyId = agencyId,
            SubjectId = "demo-mentor",
            Grantor = ConsentGrantor.Mentor,
            Scope = MentoringScopes.Mentoring,
            GrantedAt = now,
            RecordedBy = "demo-mentor",
        }, ct);
        await store.UpsertAsync(YouthReferral.Container, new YouthReferral
        {
            Id = "demo-youth-referral",
            PartitionKey = agencyId,
            AgencyId = agencyId,
            DisplayName = "Riley (demo youth)",
            PersonId = "demo-youth",
            Age = 16,
            Languages = ["Spanish", "English"],
            Region = "Fresno County",
            Location = new GeoPoint(36.82, -119.70),
            Interests = ["music", "drawing"],
            Needs = ["housing"],
            CaseManagerIds = ["demo-casemanager"],
            Stage = StageOfChange.Contemplation,
            StageHistory = [new StageEvent("referral", StageOfChange.Contemplation, null, now, "demo-casemanager", null)],
            ReferredAt = now,
        }, ct);
        await store.UpsertAsync(YouthReferral.Container, new YouthPersonLink
        {
            Id = YouthPersonLink.IdFor("demo-youth"),
            PartitionKey = agencyId,
            AgencyId = agencyId,
            YouthId = "demo-youth-referral",
        }, ct);
    }
}
