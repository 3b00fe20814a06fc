using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Time.Testing;
using Moq;
using SurvivorConnect.Api.Infrastructure.Hosting;
using SurvivorConnect.Storage;

namespace SurvivorConnect.UnitTests.Infrastructure;

public sealed class StorageHealthCheckTests
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 1, 9, 0, 0, TimeSpan.Zero));
    private readonly Mock<IDocumentStore> _store = new();

    [Fact]
    public async Task Probes_at_the_same_moment_and_for_a_few_seconds_after_a_healthy_answer_ask_the_store_once()
    {
        var answer = new TaskCompletionSource();
        _store.Setup(s => s.CheckHealthAsync(It.IsAny<CancellationToken>())).Returns(answer.Task);
        var check = new StorageHealthCheck(_store.Object, _time);

        var probes = Enumerable.Range(0, 20).Select(_ => check.CheckHealthAsync(new HealthCheckContext())).ToList();
        answer.SetResult();
        var results = await Task.WhenAll(probes);
        _time.Advance(StorageHealthCheck.HealthyHolds - TimeSpan.FromSeconds(1));
        var later = await check.CheckHealthAsync(new HealthCheckContext());

        Assert.All(results, r => Assert.Equal(HealthStatus.Healthy, r.Status));
        Assert.Equal(HealthStatus.Healthy, later.Status);
        _store.Verify(s => s.CheckHealthAsync(It.IsAny<CancellationToken>()), Times.Once);

        _time.Advance(TimeSpan.FromSeconds(1));
        await check.CheckHealthAsync(new HealthCheckContext());
        _store.Verify(s => s.CheckHealthAsync(It.IsAny<CancellationToken>()), Times.Exactly(2));
    }

    [Fact]
    public async Task Probes_while_an_ask_of_a_store_that_is_down_is_under_way_share_its_answer()
    {
        var answer = new TaskCompletionSource();
        _store.Setup(s => s.CheckHealthAsync(It.IsAny<CancellationToken>())).Returns(answer.Task);
        var check = new StorageHealthCheck(_store.Object, _time);

        var probes = Enumerable.Range(0, 20).Select(_ => check.CheckHealthAsync(new HealthCheckContext())).ToList();
        answer.SetException(StoreException.Unavailable("down", null));
        var results = await Task.WhenAll(probes);

        Assert.All(results, r => Assert.Equal(HealthStatus.Unhealthy, r.Status));
        _store.Verify(s => s.CheckHealthAsync(It.IsAny<CancellationToken>()), Times.Once);
    }

    [Fact]
    public async Task A_store_that_stops_answering_is_reported_once_the_healthy_answer_is_old_and_its_return_at_the_next_probe()
    {
        var check = new StorageHealthCheck(_store.Object, _time);
        await check.CheckHealthAsync(new HealthCheckContext());
        _store.Setup(s => s.CheckHealthAsync(It.IsAny<CancellationToken>())).ThrowsAsync(StoreException.Unavailable("down", null));
        _time.Advance(StorageHealthCheck.HealthyHolds);

        var down = await check.CheckHealthAsync(new HealthCheckContext());
        _store.Setup(s => s.CheckHealthAsync(It.IsAny<CancellationToken>())).Returns(Task.CompletedTask);
        var back = await check.CheckHealthAsync(new HealthCheckContext());

        Assert.Equal(HealthStatus.Unhealthy, down.Status);
        Assert.Equal(HealthStatus.Healthy, back.Status);
    }
}
