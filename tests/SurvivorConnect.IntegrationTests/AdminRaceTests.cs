using System.Net;
using SurvivorConnect.Storage;

namespace SurvivorConnect.IntegrationTests;

/// <summary>An agency always keeps an admin, even when two admins take each other's powers away at the same moment.</summary>
public sealed class AdminRaceTests(CountingApiFactory api) : IClassFixture<CountingApiFactory>
{
    private readonly MentoringWorld _world = new(api);

    [Fact]
    public async Task Two_admins_deactivating_each_other_at_once_leave_one_of_them_an_admin()
    {
        var (first, firstClient) = await _world.PersonAsync("AgencyAdmin");
        var (second, secondClient) = await _world.PersonAsync("AgencyAdmin");

        var between = await api.InBetweenAsync(second, () => secondClient.PostAsync($"/api/people/{first}/deactivate", null), () => firstClient.PostAsync($"/api/people/{second}/deactivate", null));

        // The later one rewrote both records, so the earlier one finds the other's record changed, reads it again, and
        // finds its own admin gone: nothing of it is written.
        Assert.Equal(HttpStatusCode.OK, between.Later.StatusCode);
        Assert.Contains("no longer an active admin", (await HttpAssert.Problem(between.Earlier, 403)).GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.False((await PersonAsync(first)).Active);
        Assert.True((await PersonAsync(second)).Active);
    }

    [Fact]
    public async Task An_admin_made_while_telling_the_other_admins_failed_is_told_to_them_when_the_same_roles_are_sent_again()
    {
        var (watcher, watcherClient) = await _world.PersonAsync("AgencyAdmin");
        var (personId, _) = await _world.PersonAsync("Mentor");
        var granted = await api.NoticeIdAsync($"agency-admin-granted~{personId}", watcher);
        async Task<HttpResponseMessage> SetRolesAsync()
        {
            var person = await _world.Admin.GetAsync($"/api/people/{personId}");
            var request = new HttpRequestMessage(HttpMethod.Put, $"/api/people/{personId}/roles") { Content = System.Net.Http.Json.JsonContent.Create(new { roles = new[] { "Mentor", "AgencyAdmin" } }) };
            request.Headers.TryAddWithoutValidation("If-Match", person.Headers.ETag!.Tag);
            return await _world.Admin.SendAsync(request);
        }

        var first = await api.FailingWriteOnceAsync(d => d.Id == granted, SetRolesAsync);
        await HttpAssert.Problem(first, 503);
        Assert.DoesNotContain(await watcherClient.NoticesAsync(), n => n.Id == granted);

        await HttpAssert.Ok<System.Text.Json.JsonElement>(await SetRolesAsync());
        await HttpAssert.Ok<System.Text.Json.JsonElement>(await SetRolesAsync());

        Assert.Single(await watcherClient.NoticesAsync(), n => n.Id == granted);
    }

    [Fact]
    public async Task An_admin_added_while_telling_the_other_admins_failed_is_told_to_them_when_added_again_and_only_then()
    {
        var (watcher, watcherClient) = await _world.PersonAsync("AgencyAdmin");
        var personId = "admin-" + Guid.NewGuid().ToString("N")[..10];
        var granted = await api.NoticeIdAsync($"agency-admin-granted~{personId}", watcher);
        Task<HttpResponseMessage> AddAsync(HttpClient admin, string name = "Second account") =>
            admin.PostJson("/api/people", new { subjectId = personId, displayName = name, roles = new[] { "AgencyAdmin" } });

        await HttpAssert.Problem(await api.FailingWriteOnceAsync(d => d.Id == granted, () => AddAsync(_world.Admin)), 503);
        Assert.DoesNotContain(await watcherClient.NoticesAsync(), n => n.Id == granted);

        Assert.Equal(HttpStatusCode.Created, (await AddAsync(_world.Admin)).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await AddAsync(_world.Admin)).StatusCode);
        Assert.Single(await watcherClient.NoticesAsync(), n => n.Id == granted);

        // Another admin, or other words, is someone else's sign-in already here.
        await HttpAssert.Problem(await AddAsync(watcherClient), 409);
        await HttpAssert.Problem(await AddAsync(_world.Admin, "Other name"), 409);
    }

    [Fact]
    public async Task An_admin_given_access_back_while_telling_the_other_admins_failed_is_told_to_them_when_pressed_again()
    {
        var (watcher, watcherClient) = await _world.PersonAsync("AgencyAdmin");
        var (personId, _) = await _world.PersonAsync("AgencyAdmin");
        await HttpAssert.Ok<System.Text.Json.JsonElement>(await _world.Admin.PostAsync($"/api/people/{personId}/deactivate", null));
        var granted = await api.NoticeIdAsync($"agency-admin-granted~{personId}", watcher);
        foreach (var notice in (await watcherClient.NoticesAsync()).Where(n => n.ReadAt is null))
        {
            await HttpAssert.Ok<NotificationDto>(await watcherClient.PostAsync($"/api/notifications/{notice.Id}/read", null));
        }

        // The notice of the first grant is there, read: telling anew rewrites it, and that write fails once.
        var failed = 0;
        api.Counter.BeforeReplace = (_, document) => document.Id == granted && Interlocked.Exchange(ref failed, 1) == 0
            ? throw new StoreException(StoreErrorKind.Unavailable, "The store went away.")
            : Task.CompletedTask;
        try
        {
            await HttpAssert.Problem(await _world.Admin.ReactivateAsync(personId), 503);
        }
        finally
        {
            api.Counter.BeforeReplace = null;
        }

        Assert.Equal(1, failed);
        await HttpAssert.Ok<System.Text.Json.JsonElement>(await _world.Admin.ReactivateAsync(personId));

        Assert.Single(await watcherClient.NoticesAsync(), n => n.Id == granted && n.ReadAt is null);
    }

    [Fact]
    public async Task An_admin_made_again_while_the_notice_of_the_first_time_is_unread_is_pushed_again()
    {
        var (watcher, _) = await _world.PersonAsync("AgencyAdmin");
        var (personId, _) = await _world.PersonAsync("Mentor");
        var (page, pushed) = await NoticeListener.ListenAsync(api, watcher);
        await using var _ = page;

        await _world.SetRolesAsync(personId, "Mentor", "AgencyAdmin");
        await _world.SetRolesAsync(personId, "Mentor");
        await _world.SetRolesAsync(personId, "Mentor", "AgencyAdmin");

        var granted = await api.NoticeIdAsync($"agency-admin-granted~{personId}", watcher);
        await ChatClient.EventuallyAsync(() => pushed.Count(n => n.Id == granted) == 2, "each admin grant pushed");
    }

    [Fact]
    public async Task An_admin_whose_powers_go_while_they_remove_another_admins_role_changes_nothing()
    {
        var (first, firstClient) = await _world.PersonAsync("AgencyAdmin");
        var (second, _) = await _world.PersonAsync("AgencyAdmin");
        var (_, thirdClient) = await _world.PersonAsync("AgencyAdmin");

        var between = await api.InBetweenAsync(second, () => thirdClient.PostAsync($"/api/people/{first}/deactivate", null), async () =>
        {
            var person = await firstClient.GetAsync($"/api/people/{second}");
            var request = new HttpRequestMessage(HttpMethod.Put, $"/api/people/{second}/roles") { Content = System.Net.Http.Json.JsonContent.Create(new { roles = new[] { "Mentor" } }) };
            request.Headers.TryAddWithoutValidation("If-Match", person.Headers.ETag!.Tag);
            return await firstClient.SendAsync(request);
        });

        Assert.Equal(HttpStatusCode.OK, between.Later.StatusCode);
        await HttpAssert.Problem(between.Earlier, 409);
        Assert.Contains("AgencyAdmin", (await PersonAsync(second)).Roles);
        Assert.False((await PersonAsync(first)).Active);
    }

    private async Task<PersonDto> PersonAsync(string id) => await HttpAssert.Ok<PersonDto>(await _world.Admin.GetAsync($"/api/people/{id}"));
}
