using SurvivorConnect.Api.Features.Agencies;
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
            ("demo-casemanager", "Alex (demo case manager)", Roles.CaseManager),
            ("demo-supervisor", "Morgan (demo supervisor)", Roles.Supervisor),
            ("demo-recruiter", "Jamie (demo recruiter)", Roles.Recruiter),
            ("demo-finance", "Casey (demo finance approver)", Roles.FinanceApprover),
            ("demo-admin", "Taylor (demo agency admin)", Roles.AgencyAdmin),
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

            // The agency last, so a start interrupted half-way seeds again.
            await store.CreateAsync(Agency.Container, new Agency { Id = agency.Id, PartitionKey = agency.Id, AgencyId = agency.Id, Name = agency.Name, CreatedAt = time.GetUtcNow() }, ct);
        }
    }
}
