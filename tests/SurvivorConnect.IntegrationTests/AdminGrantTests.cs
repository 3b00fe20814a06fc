using System.Net.Http.Json;
using System.Text.Json;
using SurvivorConnect.Api.Infrastructure.Auth;

namespace SurvivorConnect.IntegrationTests;

/// <summary>An admin can change anyone's access: one admin making another is told to the agency's other admins.</summary>
public sealed class AdminGrantTests(ApiFactory api) : IClassFixture<ApiFactory>
{
    private readonly MentoringWorld _world = new(api);

    [Fact]
    public async Task An_admin_made_by_another_admin_is_told_to_the_agency_s_other_admins_but_not_to_the_one_who_made_them()
    {
        var otherAdmin = "admin-" + Guid.NewGuid().ToString("N")[..10];
        await MentoringWorld.Created(await _world.Admin.PostAsJsonAsync("/api/people", new { subjectId = otherAdmin, displayName = "Second admin", roles = new[] { Roles.AgencyAdmin } }));
        async Task<int> GrantsToldAsync(string adminId) =>
            (await HttpAssert.Ok<PageDto<NotificationDto>>(await api.As(adminId).GetAsync("/api/notifications?pageSize=100"))).Items.Count(n => n.Kind == "agency-admin-granted");
        Assert.Equal(0, await GrantsToldAsync(otherAdmin));
        var (mentorId, _) = await _world.PersonAsync(Roles.Mentor);

        await _world.SetRolesAsync(mentorId, Roles.Mentor, Roles.AgencyAdmin);

        Assert.Equal(1, await GrantsToldAsync(otherAdmin));
        Assert.Equal(0, await GrantsToldAsync("demo-admin"));
        Assert.Equal(0, await GrantsToldAsync(mentorId));

        // An admin given access back has an admin's powers again.
        await HttpAssert.Ok<JsonElement>(await _world.Admin.PostAsync($"/api/people/{mentorId}/deactivate", null));
        var person = await _world.Admin.GetAsync($"/api/people/{mentorId}");
        using var reactivate = new HttpRequestMessage(HttpMethod.Post, $"/api/people/{mentorId}/reactivate");
        reactivate.Headers.TryAddWithoutValidation("If-Match", person.Headers.ETag!.Tag);
        await HttpAssert.Ok<JsonElement>(await _world.Admin.SendAsync(reactivate));
        Assert.Equal(2, await GrantsToldAsync(otherAdmin));

        // A role other than admin given is no news to the admins.
        var (caseManagerId, _) = await _world.PersonAsync(Roles.Mentor);
        await _world.SetRolesAsync(caseManagerId, Roles.Mentor, Roles.CaseManager);
        Assert.Equal(2, await GrantsToldAsync(otherAdmin));
    }
}
