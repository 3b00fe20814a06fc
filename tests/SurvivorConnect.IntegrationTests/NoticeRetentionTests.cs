using Microsoft.Extensions.DependencyInjection;
using SurvivorConnect.Api.Features.Notifications;
using SurvivorConnect.Storage;

namespace SurvivorConnect.IntegrationTests;

/// <summary>A notice read is kept for a while, then goes; one never read stays until it is.</summary>
public sealed class NoticeRetentionTests(ClockedApiFactory api) : IClassFixture<ClockedApiFactory>
{
    [Fact]
    public async Task A_notice_read_goes_ninety_days_later_and_one_never_read_stays()
    {
        var (personId, _) = await new MentoringWorld(api).PersonAsync(SurvivorConnect.Api.Infrastructure.Auth.Roles.Advisor);
        var store = api.Services.GetRequiredService<IDocumentStore>();
        foreach (var name in new[] { "read", "unread" })
        {
            await store.CreateAsync(Notification.Container, new Notification
            {
                Id = $"{personId}-{name}", PartitionKey = "demo", AgencyId = "demo", RecipientId = personId, Kind = "engagement-invited",
                Text = "You are invited to paid work.", At = api.Time.GetUtcNow(),
            }, CancellationToken.None);
        }

        await HttpAssert.Ok<NotificationDto>(await api.As(personId).PostAsync($"/api/notifications/{personId}-read/read", null));
        api.Time.Advance(Notification.KeptAfterRead - TimeSpan.FromDays(1));
        Assert.Equal(2, (await ListAsync(personId)).Count);

        api.Time.Advance(TimeSpan.FromDays(2));

        var left = Assert.Single(await ListAsync(personId));
        Assert.Equal($"{personId}-unread", left.Id);
        Assert.Null(left.ReadAt);
    }

    private async Task<IReadOnlyList<NotificationDto>> ListAsync(string personId) =>
        (await HttpAssert.Ok<PageDto<NotificationDto>>(await api.As(personId).GetAsync("/api/notifications?pageSize=100"))).Items;
}
