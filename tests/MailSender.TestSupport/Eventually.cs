namespace MailSender.TestSupport;

/// <summary>Waits for a condition another thread makes true (a server noticing a QUIT, a socket closing), failing with a clear message after a timeout.</summary>
public static class Eventually
{
    private static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(5);

    /// <summary>Polls <paramref name="condition"/> every few milliseconds until it holds; throws <see cref="TimeoutException"/> naming <paramref name="what"/> if it does not within <paramref name="timeout"/> (5 s by default).</summary>
    public static async Task TrueAsync(Func<bool> condition, string what, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? DefaultTimeout);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Timed out waiting for: {what}.");
            }

            await Task.Delay(5).ConfigureAwait(false);
        }
    }
}
