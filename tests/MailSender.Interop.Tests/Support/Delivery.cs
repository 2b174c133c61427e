using MimeKit;

namespace MailSender.Interop.Tests.Support;

/// <summary>Checks that a sent message arrived: the stored copies name exactly the accepted recipients, and each holds the sent bytes.</summary>
public static class Delivery
{
    /// <summary>
    /// Waits for the copies of <paramref name="message"/> in <paramref name="server"/>'s store and compares each, byte for
    /// byte after the server's own headers, with the message as the library wrote it.
    /// </summary>
    public static async Task AssertStoredAsync(InteropServer server, MimeMessage message, IReadOnlyCollection<string> accepted, bool international = false, TimeSpan? timeout = null)
    {
        var token = message.Headers["X-Interop-Token"] ?? throw new ArgumentException("not an interop message", nameof(message));
        var store = MessageStore.For(server);
        var copies = await store.WaitForAsync(token, accepted.Count, timeout);

        var stored = copies.SelectMany(c => c.Recipients).Order(StringComparer.OrdinalIgnoreCase).ToArray();
        Assert.Equal(accepted.Order(StringComparer.OrdinalIgnoreCase), stored, StringComparer.OrdinalIgnoreCase);

        var expected = SentBytes.AsStored(SentBytes.Of(message, international), server.Profile.Format);
        foreach (var copy in copies)
        {
            var current = copy;
            for (var attempt = 0; ; attempt++)
            {
                try
                {
                    SentBytes.AssertStoredExactly(current, expected, $"{server.Name}, message {token}");
                    break;
                }
                catch (Xunit.Sdk.XunitException) when (attempt < 10 && server.Profile.Format == StoreFormat.SmtpSinkDump)
                {
                    // smtp-sink may still be finishing the dump file.
                    await Task.Delay(100);
                    current = MessageStore.Reread(current);
                }
            }
        }
    }

    /// <summary>Asserts that nothing was stored for <paramref name="token"/> (after a short wait for late deliveries).</summary>
    public static async Task AssertNothingStoredAsync(InteropServer server, string token)
    {
        await Task.Delay(TimeSpan.FromMilliseconds(500));
        Assert.Empty(MessageStore.For(server).Find(token));
    }
}
