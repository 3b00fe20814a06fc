using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using SurvivorConnect.Api.Features.Notifications;
using SurvivorConnect.Api.Infrastructure.Auth;
using SurvivorConnect.Api.Infrastructure.Pipeline;

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

    [Fact]
    public async Task The_only_admin_who_is_also_the_chat_s_mentor_is_asked_to_act_on_a_flag_in_it_without_being_told_what_it_is()
    {
        var world = new MentoringWorld(api);
        var chat = await world.OpenChatAsync();
        var (onlyId, _) = await world.PersonAsync(Roles.CaseManager);
        await world.HandOverAsync(chat.YouthId, onlyId);
        await MentoringWorld.Ok(await world.Admin.PostAsync($"/api/people/{onlyId}/deactivate", null));
        await world.SetRolesAsync(chat.MentorId, Roles.Mentor, Roles.AgencyAdmin);
        await MentoringWorld.Ok(await chat.MentorHttp.PostAsync("/api/people/demo-admin/deactivate", null));

        await chat.Youth.SendAsync(chat.Id, "I want to die", "lone-admin-1");
        await chat.Mentor.SendAsync(chat.Id, "text me at 559-555-0199", "lone-admin-2");

        IReadOnlyList<NotificationDto> told = [];
        await Settle.UntilAsync(async () => (told = await chat.MentorHttp.NoticesAsync())
            .Any(n => n.Kind == "youth-needs-an-admin"));
        Assert.Contains(told, n => n.Kind == "youth-needs-an-admin" && n.MatchId is null);
        Assert.DoesNotContain(told, n => n.Kind.StartsWith("chat-", StringComparison.Ordinal) || n.MatchId == chat.Id && !n.Kind.StartsWith("match-", StringComparison.Ordinal));

        // Nor from the notices' ids: whatever key they guess (their chat's, their youth's), a plain hash of it is no id
        // they hold, since ids are keyed by the agency's secret.
        var keys = from role in new[] { "youth", "mentor" }
                   from kind in new[] { Notices.ChatFlagUrgent, Notices.ChatMessageHeld, Notices.ChatFlagged, Notices.ChatUrgentNotSentByYouth, Notices.ChatUrgentNotSentByMentor }
                   select $"chat-flags~{chat.Id}~{role}~{kind.Kind}";
        var guessable = keys.Concat(keys.Select(key => $"youth-needs-an-admin~{chat.YouthId}~{key}")).Select(key => $"{Digest.Of(key, 32)}~{chat.MentorId}");
        Assert.Empty(told.Select(n => n.Id).Intersect(guessable));
    }
}
