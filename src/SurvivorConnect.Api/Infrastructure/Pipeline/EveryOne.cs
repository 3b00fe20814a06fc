using System.Runtime.ExceptionServices;

namespace SurvivorConnect.Api.Infrastructure.Pipeline;

public static class EveryOne
{
    /// <summary>
    /// Does <paramref name="step"/> for every item, even when one of them fails: a change applied to some and not the
    /// others is a revocation half applied. The first failure is thrown once every item has been tried.
    /// </summary>
    public static async Task TryEachAsync<T>(IEnumerable<T> items, Func<T, Task> step)
    {
        ArgumentNullException.ThrowIfNull(items);
        ArgumentNullException.ThrowIfNull(step);
        ExceptionDispatchInfo? first = null;
        foreach (var item in items)
        {
            try
            {
                await step(item);
            }
            catch (Exception ex)
            {
                first ??= ExceptionDispatchInfo.Capture(ex);
            }
        }

        first?.Throw();
    }
}
