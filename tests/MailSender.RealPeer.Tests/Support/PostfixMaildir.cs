using System.Text;
using MimeKit;

namespace MailSender.RealPeer.Tests.Support;

/// <summary>
/// Reads what Postfix delivered: one file per recipient in <c>new/</c> (or <c>cur/</c>) of one shared Maildir.
/// Tests find their own files by a token unique to the test (in the Message-Id), so they can run in parallel.
/// </summary>
public sealed class PostfixMaildir(string path)
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(100);

    /// <summary>Gets the Maildir's folder.</summary>
    public string Path { get; } = path;

    /// <summary>
    /// Waits until <paramref name="count"/> delivered files contain <paramref name="token"/>, and returns them parsed,
    /// ordered by their <c>Delivered-To</c> header.
    /// </summary>
    /// <param name="token">Text unique to the test, e.g. the local part of the Message-Id.</param>
    /// <param name="count">How many deliveries (one per recipient) to wait for.</param>
    /// <param name="timeout">How long to wait; 30 s when <see langword="null"/>.</param>
    /// <exception cref="TimeoutException">Fewer than <paramref name="count"/> deliveries arrived in time.</exception>
    public async Task<IReadOnlyList<DeliveredMessage>> WaitForAsync(string token, int count = 1, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(30));
        while (true)
        {
            var found = Find(token);
            if (found.Count >= count)
            {
                // Postfix delivers each recipient separately; a moment later there might be more than expected.
                return found;
            }

            if (DateTime.UtcNow >= deadline)
            {
                throw new TimeoutException($"Expected {count} delivered message(s) containing '{token}' in {Path}, found {found.Count} after {timeout ?? TimeSpan.FromSeconds(30)}.");
            }

            await Task.Delay(PollInterval);
        }
    }

    /// <summary>Returns the delivered files that contain <paramref name="token"/> now, without waiting.</summary>
    public IReadOnlyList<DeliveredMessage> Find(string token)
    {
        var needle = Encoding.UTF8.GetBytes(token);
        var found = new List<DeliveredMessage>();
        foreach (var folder in new[] { "new", "cur" })
        {
            var directory = System.IO.Path.Combine(Path, folder);
            if (!Directory.Exists(directory))
            {
                continue;
            }

            foreach (var file in Directory.EnumerateFiles(directory))
            {
                byte[] bytes;
                try
                {
                    bytes = File.ReadAllBytes(file);
                }
                catch (FileNotFoundException)
                {
                    // Moved from new/ to cur/ by someone else meanwhile.
                    continue;
                }

                if (bytes.AsSpan().IndexOf(needle) >= 0)
                {
                    found.Add(new DeliveredMessage(file, bytes));
                }
            }
        }

        return found.OrderBy(m => m.DeliveredTo, StringComparer.Ordinal).ToList();
    }
}
