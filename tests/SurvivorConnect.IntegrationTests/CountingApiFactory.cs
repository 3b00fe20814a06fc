using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Time.Testing;
using SurvivorConnect.Storage;

namespace SurvivorConnect.IntegrationTests;

/// <summary>An API whose store is counted, without its background workers, so only the requests count.</summary>
public class CountingApiFactory : ApiFactory
{
    public CountingStore Counter { get; private set; } = null!;

    /// <summary>A clock the test moves, or null for the real one.</summary>
    protected virtual TimeProvider? Clock => null;

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.ConfigureTestServices(services =>
        {
            if (Clock is { } clock)
            {
                services.AddSingleton(clock);
            }

            CountingStore.Decorate(services, store => Counter = store);
            foreach (var worker in services.Where(d => d.ServiceType == typeof(IHostedService) && d.ImplementationType?.Name != "StorageStartup").ToList())
            {
                services.Remove(worker);
            }
        });
    }

    /// <summary>
    /// Starts <paramref name="earlier"/>; just before it writes (its batch touches <paramref name="target"/>),
    /// <paramref name="later"/> runs to the end.
    /// </summary>
    public async Task<(HttpResponseMessage Earlier, HttpResponseMessage Later)> InBetweenAsync(
        string target, Func<Task<HttpResponseMessage>> later, Func<Task<HttpResponseMessage>> earlier)
    {
        HttpResponseMessage? between = null;
        Counter.BeforeBatch = async operations =>
        {
            if (operations.Any(o => o.Target.Id == target))
            {
                Counter.BeforeBatch = null;
                between = await later();
            }
        };
        try
        {
            var first = await earlier();
            Assert.NotNull(between);
            return (first, between);
        }
        finally
        {
            Counter.BeforeBatch = null;
        }
    }

    /// <summary>
    /// Runs <paramref name="act"/>; just before it first reads the document <paramref name="target"/> by id,
    /// <paramref name="meanwhile"/> runs to the end (asserted), as a change made while it was under way.
    /// </summary>
    public async Task<HttpResponseMessage> ReadAfterAsync(string target, Func<Task> meanwhile, Func<Task<HttpResponseMessage>> act)
    {
        var ran = false;
        Counter.BeforeRead = async id =>
        {
            if (id == target)
            {
                Counter.BeforeRead = null;
                await meanwhile();
                ran = true;
            }
        };
        try
        {
            var answer = await act();
            Assert.True(ran);
            return answer;
        }
        finally
        {
            Counter.BeforeRead = null;
        }
    }

    /// <inheritdoc cref="CountingStoreFailures.FailingWriteOnceAsync{T}"/>
    public Task<T> FailingWriteOnceAsync<T>(Func<Document, bool> which, Func<Task<T>> act, FailedWrite how = FailedWrite.Create) =>
        Counter.FailingWriteOnceAsync(which, act, how);

    public Task<bool> FailingWriteOnceAsync(Func<Document, bool> which, Func<Task> act, FailedWrite how = FailedWrite.Create) =>
        Counter.FailingWriteOnceAsync(which, act, how);
}

/// <summary>A counting store's writes failed once, as a blip of the store would fail them.</summary>
public static class CountingStoreFailures
{
    /// <summary>
    /// Runs <paramref name="act"/> while the first write of a document <paramref name="which"/> picks fails as a blip of
    /// the store would: a create before it is written (or, <see cref="FailedWrite.AnswerLost"/>, after), or an upsert.
    /// Asserts it did fail.
    /// </summary>
    public static async Task<T> FailingWriteOnceAsync<T>(this CountingStore store, Func<Document, bool> which, Func<Task<T>> act, FailedWrite how = FailedWrite.Create)
    {
        var failed = 0;
        void FailOnce(Document document)
        {
            if (which(document) && Interlocked.Exchange(ref failed, 1) == 0)
            {
                throw new StoreException(StoreErrorKind.Unavailable, how == FailedWrite.AnswerLost ? "The answer was lost." : "The store went away.");
            }
        }

        switch (how)
        {
            case FailedWrite.AnswerLost:
                store.AfterCreate = FailOnce;
                break;
            case FailedWrite.Upsert:
                store.BeforeUpsert = FailOnce;
                break;
            default:
                store.BeforeCreate = FailOnce;
                break;
        }

        try
        {
            return await act();
        }
        finally
        {
            (store.BeforeCreate, store.AfterCreate, store.BeforeUpsert) = (null, null, null);
            Assert.Equal(1, failed);
        }
    }

    public static Task<bool> FailingWriteOnceAsync(this CountingStore store, Func<Document, bool> which, Func<Task> act, FailedWrite how = FailedWrite.Create) =>
        store.FailingWriteOnceAsync(which, async () =>
        {
            await act();
            return true;
        }, how);
}

/// <summary>Which write <see cref="CountingStoreFailures.FailingWriteOnceAsync{T}"/> fails.</summary>
public enum FailedWrite
{
    Create,
    AnswerLost,
    Upsert,
}

/// <summary>A counted API on a clock that moves only when the test moves it.</summary>
public class ClockedCountingApiFactory : CountingApiFactory
{
    public FakeTimeProvider Time { get; } = new(DateTimeOffset.UtcNow);

    protected override TimeProvider? Clock => Time;
}
