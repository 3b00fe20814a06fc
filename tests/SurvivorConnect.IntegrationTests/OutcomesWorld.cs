using Microsoft.Extensions.DependencyInjection;
using SurvivorConnect.Api.Features.Agencies;
using SurvivorConnect.Api.Features.Mentoring;
using SurvivorConnect.Api.Features.People;
using SurvivorConnect.Api.Infrastructure.Auth;
using SurvivorConnect.Storage;

namespace SurvivorConnect.IntegrationTests;

/// <summary>
/// A fresh agency whose history is written straight to the store at chosen dates, so a report's months hold exactly
/// what a test says: an admin, an analyst and two case managers, each with a client.
/// </summary>
public sealed class OutcomesWorld
{
    private readonly IDocumentStore _store;
    private int _next;

    private OutcomesWorld(ApiFactory api, string id)
    {
        _store = api.Services.GetRequiredService<IDocumentStore>();
        AgencyId = id;
        Admin = api.AsSubject($"{id}-admin", id);
        Analyst = api.AsSubject($"{id}-analyst", id);
        CaseManager = api.AsSubject($"{id}-cm", id);
        OtherCaseManager = api.AsSubject($"{id}-cm2", id);
        AnalystCaseManager = api.AsSubject($"{id}-analyst-cm", id);
        AdminCaseManager = api.AsSubject($"{id}-admin-cm", id);
        AdminSupervisor = api.AsSubject($"{id}-admin-supervisor", id);
    }

    public string AgencyId { get; }

    public HttpClient Admin { get; }

    public HttpClient Analyst { get; }

    public HttpClient CaseManager { get; }

    public HttpClient OtherCaseManager { get; }

    /// <summary>Someone who is both an analyst and a case manager.</summary>
    public HttpClient AnalystCaseManager { get; }

    /// <summary>An agency admin who also manages cases (and has a client of their own).</summary>
    public HttpClient AdminCaseManager { get; }

    public string AdminCaseManagerId => $"{AgencyId}-admin-cm";

    /// <summary>An agency admin who also supervises mentors.</summary>
    public HttpClient AdminSupervisor { get; }

    public string CaseManagerId => $"{AgencyId}-cm";

    public string OtherCaseManagerId => $"{AgencyId}-cm2";

    public static async Task<OutcomesWorld> CreateAsync(ApiFactory api, string? timeZone = null)
    {
        var id = "o-" + Guid.NewGuid().ToString("N")[..12];
        var world = new OutcomesWorld(api, id);
        var now = DateTimeOffset.UtcNow;
        await world._store.CreateAsync(Agency.Container, new Agency { Id = id, PartitionKey = id, AgencyId = id, Name = $"Agency {id}", TimeZone = timeZone, CreatedAt = now }, CancellationToken.None);
        foreach (var (suffix, roles) in new[]
        {
            ("admin", new[] { Roles.AgencyAdmin }), ("analyst", [Roles.Analyst]), ("cm", [Roles.CaseManager]), ("cm2", [Roles.CaseManager]),
            ("analyst-cm", [Roles.Analyst, Roles.CaseManager]), ("admin-cm", [Roles.AgencyAdmin, Roles.CaseManager]),
            ("admin-supervisor", [Roles.AgencyAdmin, Roles.Supervisor]),
        })
        {
            await world._store.CreateAsync(Person.Container, new Person
            {
                Id = $"{id}-{suffix}", PartitionKey = id, AgencyId = id, DisplayName = $"{suffix} of {id}", Roles = roles, CreatedAt = now,
            }, CancellationToken.None);
        }

        return world;
    }

    /// <summary>A youth referred on <paramref name="referred"/>, with a private stage note, and one episode per start given (each two days long, in contact).</summary>
    public async Task<YouthReferral> YouthAsync(DateTimeOffset referred, string? caseManagerId = null, params IReadOnlyList<DateTimeOffset> episodes)
    {
        var id = $"{AgencyId}-y{Interlocked.Increment(ref _next)}";
        var youth = new YouthReferral
        {
            Id = id,
            PartitionKey = AgencyId,
            AgencyId = AgencyId,
            DisplayName = "Private name " + id,
            Age = 16,
            CaseManagerIds = [caseManagerId ?? CaseManagerId],
            Stage = StageOfChange.Contemplation,
            StageHistory = [new StageEvent("referral", StageOfChange.Contemplation, null, referred, CaseManagerId, "Private stage note")],
            MissingEpisodes = [.. episodes.Select((start, i) => new MissingEpisode($"{id}-e{i}", start, start.AddDays(2), true, ReturnRoute.WithTrustedAdult, start, CaseManagerId))],
            ReferredAt = referred,
        };
        return await _store.CreateAsync(YouthReferral.Container, youth, CancellationToken.None);
    }

    public static DateTimeOffset In(int year, int month, int day = 10) => new(year, month, day, 12, 0, 0, TimeSpan.Zero);
}
