using SurvivorConnect.Storage;

namespace SurvivorConnect.Api.Infrastructure.Tenancy;

/// <summary>
/// Writes a new document (or a batch of new ones) under ids fixed before the first try, through a short blip of the store:
/// tried again after a moment, a create whose answer was lost finds its document there (a conflict) and counts as
/// written, never twice.
/// </summary>
public static class CreateOnce
{
    private const int Tries = 3;

    public static async Task WriteAsync(Func<Task> create, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(create);
        for (var tries = 1; ; tries++)
        {
            try
            {
                await create();
                return;
            }
            catch (StoreException ex) when (ex.IsAlreadyThere && tries > 1)
            {
                return;
            }
            catch (StoreException ex) when (ex.Kind == StoreErrorKind.Unavailable && tries < Tries)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(200 * tries), time, CancellationToken.None);
            }
        }
    }
}
