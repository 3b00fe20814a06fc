using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using SurvivorConnect.Api.Infrastructure.Auth;

namespace SurvivorConnect.IntegrationTests;

/// <summary>An agency whose only admin also mentors: notices about their own wellbeing still reach someone who can act.</summary>
public sealed class LoneAdminTests(ApiFactory api) : IClassFixture<ApiFactory>
{
    [Fact]
    public async Task The_only_admin_who_also_mentors_without_a_supervisor_is_still_told_their_urgent_answer_needs_one()
    {
        var north = api.As("north-admin");
        Assert.Equal(HttpStatusCode.Created, (await north.PostJson("/api/people", new { subjectId = "north-lone", displayName = "Lone admin", roles = new[] { Roles.AgencyAdmin, Roles.Mentor } })).StatusCode);
        var lone = api.AsSubject("north-lone", "demo-north");
        Assert.Equal(HttpStatusCode.OK, (await lone.PostAsync("/api/people/north-admin/deactivate", null)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await lone.PutAsJsonAsync("/api/mentors/me", new
        {
            displayName = "Lone admin",
            languages = new[] { "English" },
            gender = "female",
            location = new { latitude = 36.7378, longitude = -119.7871 },
            travelRadiusMiles = 25,
            interests = new[] { "art" },
            livedExperienceTags = new[] { "housing" },
            experiencedStages = new[] { "contemplation" },
            capacity = 1,
        })).StatusCode);

        await HttpAssert.Ok<JsonElement>(await SupervisionTests.CheckInAsync(lone, SupervisionTests.Answers(1, urgent: 3)));

        var told = (await HttpAssert.Ok<PageDto<NotificationDto>>(await lone.GetAsync("/api/notifications"))).Items;
        Assert.Contains(told, n => n.Kind == "mentor-needs-supervisor");
    }
}
