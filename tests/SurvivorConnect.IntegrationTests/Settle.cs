namespace SurvivorConnect.IntegrationTests;

/// <summary>
/// Moving a test's clock also wakes each instance's own workers, which may be the ones doing the work and still be
/// writing when the test's own rounds return.
/// </summary>
public static class Settle
{
    /// <summary>Waits up to 5 s for <paramref name="shown"/> to hold.</summary>
    public static async Task UntilAsync(Func<Task<bool>> shown)
    {
        ArgumentNullException.ThrowIfNull(shown);
        for (var wait = 0; wait < 50 && !await shown(); wait++)
        {
            await Task.Delay(100);
        }
    }
}
