using System.Collections.Concurrent;
using System.Text;
using System.Text.RegularExpressions;

namespace MailSender.Interop.Tests.Support;

/// <summary>One stored message file: a copy per recipient (Maildir) or per transaction (smtp-sink, aiosmtpd).</summary>
public sealed record StoredCopy(string File, byte[] Bytes, IReadOnlyList<string> Recipients);

/// <summary>
/// Reads back what a server stored, finding a test's messages by the token in their Message-Id
/// (<see cref="InteropMessages.MessageId"/>). One index per store folder remembers which file holds which token, so
/// the header of each file is read once however many tests poll the folder.
/// </summary>
public sealed partial class MessageStore
{
    private const int HeadBytes = 64 * 1024;
    private static readonly ConcurrentDictionary<string, MessageStore> Stores = new(StringComparer.Ordinal);
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(50);

    private readonly ServerProfile _profile;
    private readonly string[] _folders;
    private readonly Lock _lock = new();
    private readonly Dictionary<string, string> _tokenOfFile = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<string>> _filesOfToken = new(StringComparer.Ordinal);

    private MessageStore(InteropServer server)
    {
        _profile = server.Profile;
        _folders = server.Profile.Format == StoreFormat.Maildir
            ? [Path.Combine(server.Store, "new"), Path.Combine(server.Store, "cur")]
            : [server.Store];
    }

    public static MessageStore For(InteropServer server) => Stores.GetOrAdd(server.Store, _ => new MessageStore(server));

    /// <summary>
    /// Waits until the copies stored for <paramref name="token"/> name <paramref name="recipients"/> recipients in all
    /// (one copy each in a Maildir, one copy naming them all otherwise), and returns them; fails after <paramref name="timeout"/>.
    /// </summary>
    public async Task<IReadOnlyList<StoredCopy>> WaitForAsync(string token, int recipients, TimeSpan? timeout = null)
    {
        var limit = timeout ?? TimeSpan.FromSeconds(30);
        var deadline = DateTime.UtcNow + limit;
        while (true)
        {
            var found = Find(token);
            if (found.Sum(c => c.Recipients.Count) >= recipients)
            {
                return found;
            }

            if (DateTime.UtcNow >= deadline)
            {
                throw new TimeoutException($"{_profile.Name}: expected copies for {recipients} recipient(s) of message {token} in {string.Join(" or ", _folders)}, found {found.Count} copies for {found.Sum(c => c.Recipients.Count)} after {limit}.");
            }

            await Task.Delay(PollInterval);
        }
    }

    /// <summary>Returns the copies stored for <paramref name="token"/> now.</summary>
    public IReadOnlyList<StoredCopy> Find(string token)
    {
        List<string> files;
        lock (_lock)
        {
            Scan();
            files = _filesOfToken.TryGetValue(token, out var list) ? [.. list] : [];
        }

        var copies = new List<StoredCopy>(files.Count);
        foreach (var file in files)
        {
            if (TryRead(file) is { } bytes)
            {
                copies.Add(new StoredCopy(file, bytes, Recipients(bytes)));
            }
        }

        return copies;
    }

    /// <summary>Re-reads a copy (smtp-sink writes its dump while the transaction runs).</summary>
    public static StoredCopy Reread(StoredCopy copy) => TryRead(copy.File) is { } bytes ? copy with { Bytes = bytes } : copy;

    private static byte[]? TryRead(string file)
    {
        try
        {
            return File.ReadAllBytes(file);
        }
        catch (Exception error) when (error is FileNotFoundException or DirectoryNotFoundException)
        {
            // Moved from new/ to cur/ meanwhile; the next scan finds it there.
            return null;
        }
    }

    private void Scan()
    {
        foreach (var folder in _folders)
        {
            if (!Directory.Exists(folder))
            {
                continue;
            }

            foreach (var file in Directory.EnumerateFiles(folder))
            {
                if (_tokenOfFile.ContainsKey(file) || ReadToken(file) is not { } token)
                {
                    continue;
                }

                _tokenOfFile[file] = token;
                if (!_filesOfToken.TryGetValue(token, out var list))
                {
                    _filesOfToken[token] = list = [];
                }

                list.Add(file);
            }
        }
    }

    /// <summary>The token of a file's Message-Id, "" for a file of someone else, or null while its header is still being written.</summary>
    private static string? ReadToken(string file)
    {
        var head = new byte[HeadBytes];
        int length;
        try
        {
            using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            length = stream.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
        }
        catch (Exception error) when (error is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }

        var text = Encoding.Latin1.GetString(head, 0, length);
        var end = text.IndexOf("\n\n", StringComparison.Ordinal);
        var endCrLf = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        if (end < 0 && endCrLf < 0)
        {
            return length < HeadBytes ? null : string.Empty;
        }

        var header = text[..Math.Max(end, endCrLf)];
        return TokenPattern().Match(header) is { Success: true } match ? match.Groups[1].Value : string.Empty;
    }

    private List<string> Recipients(byte[] bytes)
    {
        var recipients = new List<string>();
        var text = Encoding.UTF8.GetString(bytes, 0, Math.Min(bytes.Length, HeadBytes));
        foreach (var line in text.Split('\n'))
        {
            var trimmed = line.TrimEnd('\r');
            if (trimmed.Length == 0)
            {
                break;
            }

            var colon = trimmed.IndexOf(':', StringComparison.Ordinal);
            if (colon > 0 && trimmed[..colon].Equals(_profile.RecipientHeader, StringComparison.OrdinalIgnoreCase))
            {
                var value = trimmed[(colon + 1)..].Trim();
                if (value.StartsWith('<'))
                {
                    value = value[1..value.IndexOf('>', StringComparison.Ordinal)];
                }

                recipients.Add(value);
            }
        }

        return recipients;
    }

    [GeneratedRegex("<interop-([0-9a-f]{32})@mailsender\\.test>")]
    private static partial Regex TokenPattern();
}
