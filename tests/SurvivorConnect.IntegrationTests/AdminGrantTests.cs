using System.Net.Http.Json;
using System.Text.Json;
using SurvivorConnect.Api.Infrastructure.Auth;
using SurvivorConnect.Testing;

namespace SurvivorConnect.IntegrationTests;

/// <summary>
/// An admin can change anyone's access: one admin making another, taking one away, giving a role that reads records,
/// or changing the crisis lines or the time zone is told to the agency's other admins.
/// </summary>
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

        // An admin given access back has an admin's powers again: the notice of them, read or not, is news again.
        var granted = await NoticeAsync(otherAdmin, "agency-admin-granted");
        await HttpAssert.Ok<NotificationDto>(await api.As(otherAdmin).PostAsync($"/api/notifications/{granted.Id}/read", null));
        await HttpAssert.Ok<JsonElement>(await _world.Admin.PostAsync($"/api/people/{mentorId}/deactivate", null));
        var person = await _world.Admin.GetAsync($"/api/people/{mentorId}");
        using var reactivate = new HttpRequestMessage(HttpMethod.Post, $"/api/people/{mentorId}/reactivate");
        reactivate.Headers.TryAddWithoutValidation("If-Match", person.Headers.ETag!.Tag);
        await HttpAssert.Ok<JsonElement>(await _world.Admin.SendAsync(reactivate));
        Assert.Equal(1, await GrantsToldAsync(otherAdmin));
        Assert.Null((await NoticeAsync(otherAdmin, "agency-admin-granted")).ReadAt);

        // A role that reads no one's records is no news to the admins; one that reads youth's records is.
        var (caseManagerId, _) = await _world.PersonAsync(Roles.Mentor);
        await _world.SetRolesAsync(caseManagerId, Roles.Mentor, Roles.Recruiter);
        Assert.Equal(0, await ToldAsync(otherAdmin, "record-role-granted"));
        await _world.SetRolesAsync(caseManagerId, Roles.Mentor, Roles.Recruiter, Roles.CaseManager);
        Assert.Equal(1, await GrantsToldAsync(otherAdmin));
        Assert.Equal(1, await ToldAsync(otherAdmin, "record-role-granted"));
        Assert.Equal(0, await ToldAsync("demo-admin", "record-role-granted"));

        // Someone new made to read records too (a second account of the admin's own, say), and one given access back.
        var (supervisorId, _) = await _world.PersonAsync(Roles.Supervisor);
        Assert.Equal(2, await ToldAsync(otherAdmin, "record-role-granted"));
        await HttpAssert.Ok<JsonElement>(await _world.Admin.PostAsync($"/api/people/{supervisorId}/deactivate", null));
        using var back = new HttpRequestMessage(HttpMethod.Post, $"/api/people/{supervisorId}/reactivate");
        back.Headers.TryAddWithoutValidation("If-Match", (await _world.Admin.GetAsync($"/api/people/{supervisorId}")).Headers.ETag!.Tag);
        await HttpAssert.Ok<JsonElement>(await _world.Admin.SendAsync(back));
        Assert.Equal(2, await ToldAsync(otherAdmin, "record-role-granted"));
        Assert.Equal(1, await GrantsToldAsync(otherAdmin));
    }

    [Fact]
    public async Task A_role_given_and_taken_again_and_again_is_one_notice_brought_back_to_the_top_not_a_flood()
    {
        // A flood of notices would page the one that mattered (a second account of an admin's own made an admin) away.
        var witness = "admin-" + Guid.NewGuid().ToString("N")[..10];
        await MentoringWorld.Created(await _world.Admin.PostAsJsonAsync("/api/people", new { subjectId = witness, displayName = "Witness admin", roles = new[] { Roles.AgencyAdmin } }));
        var (throwaway, _) = await _world.PersonAsync(Roles.Mentor);
        await _world.SetRolesAsync(throwaway, Roles.Mentor, Roles.CaseManager);
        await _world.SetRolesAsync(throwaway, Roles.Mentor);
        var first = await NoticeAsync(witness, "record-role-granted");
        var (secondAccount, _) = await _world.PersonAsync(Roles.Mentor);
        await _world.SetRolesAsync(secondAccount, Roles.Mentor, Roles.AgencyAdmin);

        for (var i = 0; i < 5; i++)
        {
            await _world.SetRolesAsync(throwaway, Roles.Mentor, Roles.CaseManager);
            await _world.SetRolesAsync(throwaway, Roles.Mentor);
        }

        // One notice, brought back above the admin grant made since, unread.
        var notices = (await HttpAssert.Ok<PageDto<NotificationDto>>(await api.As(witness).GetAsync("/api/notifications?pageSize=100"))).Items;
        var standing = Assert.Single(notices, n => n.Kind == "record-role-granted");
        Assert.Single(notices, n => n.Kind == "agency-admin-granted");
        Assert.Equal("record-role-granted", notices[0].Kind);
        Assert.Equal(first.Id, standing.Id);
        Assert.True(standing.At > first.At);
        Assert.Null(standing.ReadAt);
    }

    [Fact]
    public async Task An_admin_signed_out_everywhere_by_another_is_told_to_the_other_admins_and_to_them()
    {
        var witness = "admin-" + Guid.NewGuid().ToString("N")[..10];
        await MentoringWorld.Created(await _world.Admin.PostAsJsonAsync("/api/people", new { subjectId = witness, displayName = "Witness admin", roles = new[] { Roles.AgencyAdmin } }));
        var (targetId, _) = await _world.PersonAsync(Roles.AgencyAdmin);
        var (mentorId, _) = await _world.PersonAsync(Roles.Mentor);

        for (var i = 0; i < 3; i++)
        {
            await HttpAssert.Ok<JsonElement>(await _world.Admin.PostAsync($"/api/people/{targetId}/end-sign-ins", null));
        }

        await HttpAssert.Ok<JsonElement>(await _world.Admin.PostAsync($"/api/people/{mentorId}/end-sign-ins", null));
        (await api.As(witness).PostAsync("/api/me/end-sign-ins", null)).EnsureSuccessStatusCode();

        Assert.Equal(1, await ToldAsync(witness, "agency-admin-signed-out"));
        Assert.Equal(1, await ToldAsync(targetId, "agency-admin-signed-out"));
        Assert.Equal(0, await ToldAsync("demo-admin", "agency-admin-signed-out"));
    }

    [Fact]
    public async Task An_admin_taken_away_by_another_is_told_to_the_other_admins_and_to_them()
    {
        var witness = "admin-" + Guid.NewGuid().ToString("N")[..10];
        await MentoringWorld.Created(await _world.Admin.PostAsJsonAsync("/api/people", new { subjectId = witness, displayName = "Witness admin", roles = new[] { Roles.AgencyAdmin } }));
        var (demotedId, _) = await _world.PersonAsync(Roles.AgencyAdmin);
        var (deactivatedId, _) = await _world.PersonAsync(Roles.AgencyAdmin);

        await _world.SetRolesAsync(demotedId, Roles.Mentor);
        await HttpAssert.Ok<JsonElement>(await _world.Admin.PostAsync($"/api/people/{deactivatedId}/deactivate", null));

        Assert.Equal(2, await ToldAsync(witness, "agency-admin-removed"));
        Assert.Equal(1, await ToldAsync(demotedId, "agency-admin-removed"));
        Assert.Equal(0, await ToldAsync("demo-admin", "agency-admin-removed"));

        // The one deactivated reads it on their return.
        using var back = new HttpRequestMessage(HttpMethod.Post, $"/api/people/{deactivatedId}/reactivate");
        back.Headers.TryAddWithoutValidation("If-Match", (await _world.Admin.GetAsync($"/api/people/{deactivatedId}")).Headers.ETag!.Tag);
        await HttpAssert.Ok<JsonElement>(await _world.Admin.SendAsync(back));
        Assert.NotEqual(0, await ToldAsync(deactivatedId, "agency-admin-removed"));
    }

    [Fact]
    public async Task Crisis_lines_or_the_time_zone_changed_by_one_admin_are_told_to_the_others_once()
    {
        var witness = "admin-" + Guid.NewGuid().ToString("N")[..10];
        await MentoringWorld.Created(await _world.Admin.PostAsJsonAsync("/api/people", new { subjectId = witness, displayName = "Witness admin", roles = new[] { Roles.AgencyAdmin } }));
        var line = new { name = "Eastside youth line", contact = "Call or text, any time", call = "+1 555 010 0200" };

        await HttpAssert.Ok<JsonElement>(await _world.Admin.PutAgencySetting("/api/agency/crisis-lines", new { lines = new[] { line } }));
        await HttpAssert.Ok<JsonElement>(await _world.Admin.PutAgencySetting("/api/agency/crisis-lines", new { lines = new[] { line } }));
        await HttpAssert.Ok<JsonElement>(await _world.Admin.PutAgencySetting("/api/agency/time-zone", new { timeZone = "America/Chicago" }));

        Assert.Equal(1, await ToldAsync(witness, "agency-crisis-lines-changed"));
        Assert.Equal(1, await ToldAsync(witness, "agency-time-zone-changed"));
        Assert.Equal(0, await ToldAsync("demo-admin", "agency-crisis-lines-changed"));
    }

    [Fact]
    public async Task An_admin_who_first_takes_the_only_other_admin_away_is_seen_by_them_on_their_return()
    {
        // demo-admin deactivates the other admin, then makes a second account of their own an admin and a finance
        // approver (each told), and lets payouts pass with one approval up to a higher amount.
        var other = "admin-" + Guid.NewGuid().ToString("N")[..10];
        await MentoringWorld.Created(await _world.Admin.PostAsJsonAsync("/api/people", new { subjectId = other, displayName = "Other admin", roles = new[] { Roles.AgencyAdmin } }));
        await HttpAssert.Ok<JsonElement>(await _world.Admin.PostAsync($"/api/people/{other}/deactivate", null));
        var financeToldBefore = await ToldAsync("demo-finance", "payout-policy-loosened");
        var (secondAccount, _) = await _world.PersonAsync(Roles.Mentor);

        await _world.SetRolesAsync(secondAccount, Roles.Mentor, Roles.AgencyAdmin, Roles.FinanceApprover);
        await HttpAssert.Ok<JsonElement>(await _world.Admin.PutSettingsAsync("/api/payouts/settings", new { twoApproverThreshold = 2000m }));
        await HttpAssert.Ok<JsonElement>(await _world.Admin.PutSettingsAsync("/api/payouts/settings", new { twoApproverThreshold = 500m }));

        using var back = new HttpRequestMessage(HttpMethod.Post, $"/api/people/{other}/reactivate");
        back.Headers.TryAddWithoutValidation("If-Match", (await _world.Admin.GetAsync($"/api/people/{other}")).Headers.ETag!.Tag);
        await HttpAssert.Ok<JsonElement>(await _world.Admin.SendAsync(back));
        Assert.Equal(1, await ToldAsync(other, "agency-admin-granted"));
        Assert.Equal(1, await ToldAsync(other, "finance-role-granted"));
        Assert.Equal(1, await ToldAsync(other, "payout-policy-loosened"));
        Assert.Equal(financeToldBefore + 1, await ToldAsync("demo-finance", "payout-policy-loosened"));
        Assert.Equal(0, await ToldAsync("demo-admin", "payout-policy-loosened"));

        // A finance approver made alone is told too: with one of their own, an admin passes payouts that need two. So is
        // one created as such.
        var (financeId, _) = await _world.PersonAsync(Roles.Mentor);
        await _world.SetRolesAsync(financeId, Roles.Mentor, Roles.FinanceApprover);
        Assert.Equal(2, await ToldAsync(other, "finance-role-granted"));
        await _world.PersonAsync(Roles.FinanceApprover);
        Assert.Equal(3, await ToldAsync(other, "finance-role-granted"));

        // Given beside a role that reads records, each is told: the ordinary-looking one is not all the admins hear.
        var recordRolesBefore = await ToldAsync(other, "record-role-granted");
        var (bothId, _) = await _world.PersonAsync(Roles.Mentor);
        await _world.SetRolesAsync(bothId, Roles.CaseManager, Roles.FinanceApprover);
        Assert.Equal(4, await ToldAsync(other, "finance-role-granted"));
        Assert.Equal(recordRolesBefore + 1, await ToldAsync(other, "record-role-granted"));
    }

    [Fact]
    public async Task Paid_work_held_to_less_is_told_to_the_other_admins_once_and_held_to_more_is_not()
    {
        var other = "admin-" + Guid.NewGuid().ToString("N")[..10];
        await MentoringWorld.Created(await _world.Admin.PostAsJsonAsync("/api/people", new { subjectId = other, displayName = "Other admin", roles = new[] { Roles.AgencyAdmin } }));
        object Settings(decimal focusGroupRate, int lateHours) => new
        {
            currency = "USD", lateCancellationPays = true, lateCancellationHours = lateHours,
            kinds = Api.Features.Engagements.EngagementSettings.DefaultKinds.Select(k => new { k.Key, k.Name, benchmarkHourlyRate = k.Key == "focus-group" ? focusGroupRate : k.BenchmarkHourlyRate }),
        };

        await HttpAssert.Ok<JsonElement>(await _world.Admin.PutSettingsAsync("/api/engagements/settings", Settings(45m, 24)));
        await HttpAssert.Ok<JsonElement>(await _world.Admin.PutSettingsAsync("/api/engagements/settings", Settings(50m, 48)));
        Assert.Equal(0, await ToldAsync(other, "engagement-pay-lowered"));

        await HttpAssert.Ok<JsonElement>(await _world.Admin.PutSettingsAsync("/api/engagements/settings", Settings(30m, 48)));
        await HttpAssert.Ok<JsonElement>(await _world.Admin.PutSettingsAsync("/api/engagements/settings", Settings(30m, 48)));
        Assert.Equal(1, await ToldAsync(other, "engagement-pay-lowered"));
        Assert.Equal(0, await ToldAsync("demo-admin", "engagement-pay-lowered"));
    }

    private async Task<NotificationDto> NoticeAsync(string personId, string kind) =>
        (await HttpAssert.Ok<PageDto<NotificationDto>>(await api.As(personId).GetAsync("/api/notifications?pageSize=100"))).Items.Single(n => n.Kind == kind);

    private async Task<int> ToldAsync(string personId, string kind) =>
        (await HttpAssert.Ok<PageDto<NotificationDto>>(await api.As(personId).GetAsync("/api/notifications?pageSize=100"))).Items.Count(n => n.Kind == kind);

    [Fact]
    public async Task Roles_saved_unchanged_after_a_reactivation_tell_the_other_admins_nothing_new()
    {
        var (otherAdmin, otherClient) = await _world.PersonAsync(Roles.AgencyAdmin);
        var (personId, _) = await _world.PersonAsync(Roles.Mentor);
        await _world.SetRolesAsync(personId, Roles.Mentor, Roles.AgencyAdmin);
        await HttpAssert.Ok<JsonElement>(await _world.Admin.PostAsync($"/api/people/{personId}/deactivate", null));
        await HttpAssert.Ok<JsonElement>(await _world.Admin.ReactivateAsync(personId));
        foreach (var notice in (await otherClient.NoticesAsync()).Where(n => n.ReadAt is null))
        {
            await HttpAssert.Ok<NotificationDto>(await otherClient.PostAsync($"/api/notifications/{notice.Id}/read", null));
        }

        await _world.SetRolesAsync(personId, Roles.Mentor, Roles.AgencyAdmin);

        Assert.DoesNotContain(await otherClient.NoticesAsync(), n => n.ReadAt is null);
    }
}
