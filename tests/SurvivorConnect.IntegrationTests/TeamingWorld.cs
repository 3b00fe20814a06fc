using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using SurvivorConnect.Api.Features.Agencies;
using SurvivorConnect.Api.Features.People;
using SurvivorConnect.Api.Features.Teaming;
using SurvivorConnect.Api.Infrastructure.Auth;
using SurvivorConnect.Storage;

namespace SurvivorConnect.IntegrationTests;

/// <summary>A partner agency made for one test, so partnerships of one test never meet another's.</summary>
public sealed record PartnerAgency(string Id, string Name, string AdminId, HttpClient Admin, string ProfessionalId, HttpClient Professional, string OtherStaffId, HttpClient OtherStaff);

/// <summary>One youth of the demo agency whose team has a partner professional, and what the youth shares with that partner.</summary>
public sealed record SharedTeam(
    PartnerAgency Partner, string PartnershipId, string YouthId, HttpClient Youth, string YouthPersonId, string SeatId, string ConsentId);

/// <summary>Builds partnerships, teams and sharing through the API, as the two agencies' admins and case managers would.</summary>
public sealed class TeamingWorld(ApiFactory api)
{
    public MentoringWorld Mentoring { get; } = new(api);

    public HttpClient Admin => Mentoring.Admin;

    public HttpClient CaseManager => Mentoring.CaseManager;

    /// <summary>A new agency on the platform with an admin, a professional to offer and another case manager.</summary>
    public async Task<PartnerAgency> AgencyAsync()
    {
        var id = "t-" + Guid.NewGuid().ToString("N")[..12];
        var store = api.Services.GetRequiredService<IDocumentStore>();
        var now = DateTimeOffset.UtcNow;
        await store.CreateAsync(Agency.Container, new Agency { Id = id, PartitionKey = id, AgencyId = id, Name = $"Partner {id}", CreatedAt = now }, CancellationToken.None);
        async Task<(string, HttpClient)> PersonAsync(string suffix, params string[] roles)
        {
            var personId = $"{id}-{suffix}";
            await store.CreateAsync(Person.Container, new Person { Id = personId, PartitionKey = id, AgencyId = id, DisplayName = $"{suffix} of {id}", Roles = roles, CreatedAt = now }, CancellationToken.None);
            return (personId, api.AsSubject(personId, id));
        }

        var (adminId, admin) = await PersonAsync("admin", Roles.AgencyAdmin);
        // Both professional roles, so every route a case manager or a supervisor has is tried against the other agency.
        var (proId, pro) = await PersonAsync("pro", Roles.CaseManager, Roles.Supervisor);
        var (otherId, other) = await PersonAsync("other", Roles.CaseManager);
        return new PartnerAgency(id, $"Partner {id}", adminId, admin, proId, pro, otherId, other);
    }

    /// <summary>A partnership the demo agency proposed and the partner accepted, offering its professional.</summary>
    public async Task<string> PartnershipAsync(PartnerAgency partner, string[]? kinds = null, DateTimeOffset? expires = null)
    {
        var proposed = await MentoringWorld.Created<JsonElement>(await Admin.PostJson("/api/partnerships", new
        {
            partnerAgencyId = partner.Id,
            kinds = kinds ?? ["CasePlan", "SafetyPlan", "MdtNotes"],
            legalBasis = "Written information-sharing agreement of 2026 and the youth's consent",
            expiresAt = expires ?? DateTimeOffset.UtcNow.AddYears(1),
        }));
        var id = proposed.GetProperty("id").GetString()!;
        await MentoringWorld.Ok(await partner.Admin.PostJson($"/api/partnerships/{id}/accept", new
        {
            professionals = new[] { new { personId = partner.ProfessionalId, title = "Youth advocate" } },
        }));
        return id;
    }

    /// <summary>
    /// The partner's proposal to the demo agency, made at the same moment as <paramref name="proposalId"/>, before either
    /// was written (as two proposals that crossed leave them); returns its id.
    /// </summary>
    public async Task<string> CrossedProposalAsync(PartnerAgency partner, string proposalId)
    {
        var store = api.Services.GetRequiredService<IDocumentStore>();
        var crossedId = Guid.NewGuid().ToString("N");
        foreach (var agency in new[] { "demo", partner.Id })
        {
            var copy = (await store.ReadAsync<Partnership>(TeamingData.Container, proposalId, agency, default))!;
            await store.CreateAsync(TeamingData.Container, copy with
            {
                Id = crossedId, ProposingAgencyId = partner.Id, AcceptingAgencyId = "demo", ProposingAgencyName = copy.AcceptingAgencyName, AcceptingAgencyName = copy.ProposingAgencyName, ETag = null,
            }, default);
        }

        return crossedId;
    }

    /// <summary>The two agencies agree again, a week after their partnership <paramref name="endedId"/> ended (both copies' end moved back).</summary>
    public async Task<string> PartnershipAgainAsync(PartnerAgency partner, string endedId, string[]? kinds = null)
    {
        var store = api.Services.GetRequiredService<IDocumentStore>();
        foreach (var agency in new[] { "demo", partner.Id })
        {
            var copy = (await store.ReadAsync<Partnership>(Partnership.Container, endedId, agency, CancellationToken.None))!;
            await store.ReplaceAsync(Partnership.Container, copy with { EndedAt = DateTimeOffset.UtcNow.AddDays(-8) }, copy.ETag!, CancellationToken.None);
        }

        return await PartnershipAsync(partner, kinds);
    }

    /// <summary>A youth of the demo agency, their team with the partner's professional, a plan, and the youth's consent to share <paramref name="kinds"/>.</summary>
    public async Task<SharedTeam> SharedTeamAsync(string[]? kinds = null, string[]? partnershipKinds = null, int youthAge = 16)
    {
        var partner = await AgencyAsync();
        var partnershipId = await PartnershipAsync(partner, partnershipKinds);
        var (youthId, youth) = await Mentoring.YouthAsync(age: youthAge);
        var youthPerson = (await HttpAssert.Ok<MeDto>(await youth.GetAsync("/api/me"))).Id;
        await MentoringWorld.Created(await CaseManager.PostAsync($"/api/teams/{youthId}", null));
        await MentoringWorld.Ok(await CaseManager.PostJson($"/api/teams/{youthId}/members", new { role = "Professional", personId = partner.ProfessionalId, agencyId = partner.Id }));
        await MentoringWorld.Ok(await CaseManager.PostJson($"/api/teams/{youthId}/case-plan/items", new
        {
            kind = "Goal", text = "Stable housing by spring", owner = "Alex", due = "2027-03-01", youthWords = "I want my own room, near my sister",
        }));
        await MentoringWorld.Ok(await CaseManager.PutAsJsonAsync($"/api/teams/{youthId}/safety-plan", new
        {
            warningSigns = new[] { "Messages from unknown numbers" },
            copingSteps = new[] { "Call my sister" },
            safePeople = new[] { new { name = "My sister", contact = "555-0100" } },
            safePlaces = new[] { "The library" },
            numbers = new[] { new { name = "Case manager", contact = "555-0111" } },
            youthWords = "When I feel followed I go where there are people",
        }));
        var consent = await MentoringWorld.Created<JsonElement>(await CaseManager.PostJson("/api/consents", new
        {
            subjectId = youthId, grantor = "Youth", scope = "mdt-sharing", partnerAgencyId = partner.Id, kinds = kinds ?? ["CasePlan", "SafetyPlan", "MdtNotes"],
        }));
        var seats = await HttpAssert.Ok<List<JsonElement>>(await partner.Professional.GetAsync("/api/shared"));
        return new SharedTeam(partner, partnershipId, youthId, youth, youthPerson, seats.Single().GetProperty("seatId").GetString()!, consent.GetProperty("id").GetString()!);
    }

    /// <summary>The partner professional's read of the youth's shared records.</summary>
    public static Task<HttpResponseMessage> ReadAsync(SharedTeam team) => team.Partner.Professional.GetAsync($"/api/shared/{Uri.EscapeDataString(team.SeatId)}");

    public static async Task<List<JsonElement>> AuditAsync(HttpClient admin, string action)
    {
        var page = await HttpAssert.Ok<JsonElement>(await admin.GetAsync($"/api/audit?action={action}&pageSize=100"));
        return [.. page.GetProperty("items").EnumerateArray()];
    }

    public static async Task RefusedAsync(HttpResponseMessage response, HttpStatusCode status)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == status, $"Expected {(int)status}, got {(int)response.StatusCode}: {body}");
    }
}
