using System.Text;
using MimeKit;
using Xunit.Sdk;

namespace MailSender.Interop.Tests.Support;

/// <summary>
/// The bytes of a message as the library writes it (src/MailSender/Internal/WireFormat.cs: CRLF line endings, a final
/// line break ensured, Bcc hidden), and the check that a stored copy holds exactly these bytes after the server's headers.
/// </summary>
public static class SentBytes
{
    /// <summary>
    /// Serializes <paramref name="message"/> after it was sent (the send may have changed a part's transfer encoding for
    /// the server), with <c>International</c> when the message needed SMTPUTF8.
    /// </summary>
    public static byte[] Of(MimeMessage message, bool international = false)
    {
        var options = FormatOptions.Default.Clone();
        options.NewLineFormat = NewLineFormat.Dos;
        options.EnsureNewLine = true;
        options.HiddenHeaders.Add(HeaderId.Bcc);
        options.HiddenHeaders.Add(HeaderId.ResentBcc);
        options.International = international;
        using var stream = new MemoryStream();
        message.WriteTo(options, stream);
        return stream.ToArray();
    }

    /// <summary>What the store must end with: the sent bytes, with LF line endings in a Maildir or smtp-sink dump (plus the dump's empty line).</summary>
    public static byte[] AsStored(byte[] sent, StoreFormat format) => format switch
    {
        StoreFormat.Raw => sent,
        StoreFormat.Maildir => Lf(sent),
        _ => [.. Lf(sent), (byte)'\n'],
    };

    /// <summary>
    /// Asserts that <paramref name="copy"/> is some header lines the server added, followed by exactly <paramref name="expected"/>.
    /// </summary>
    public static void AssertStoredExactly(StoredCopy copy, byte[] expected, string what)
    {
        var bytes = copy.Bytes;
        if (bytes.Length >= expected.Length && bytes.AsSpan(bytes.Length - expected.Length).SequenceEqual(expected))
        {
            var prefix = Encoding.UTF8.GetString(bytes, 0, bytes.Length - expected.Length);
            if (prefix.Length == 0 || (prefix.EndsWith('\n') && prefix.TrimEnd('\n').Split('\n').All(IsHeaderLine)))
            {
                return;
            }

            throw new XunitException($"{what}: {copy.File} ends with the sent message, but what comes before is not only header lines:\n{prefix}");
        }

        throw new XunitException($"{what}: {copy.File} does not hold the sent bytes ({expected.Length} bytes expected after the server's headers, file has {bytes.Length}). {Difference(bytes, expected)}");
    }

    private static bool IsHeaderLine(string line)
    {
        line = line.TrimEnd('\r');
        if (line.Length > 0 && line[0] is ' ' or '\t')
        {
            return true;
        }

        var colon = line.IndexOf(':', StringComparison.Ordinal);
        return colon > 0 && line[..colon].All(c => c is > ' ' and < '\x7f');
    }

    /// <summary>Where the stored bytes first differ, lining the first line of the sent message up with the store.</summary>
    private static string Difference(byte[] stored, byte[] expected)
    {
        var firstLine = expected.AsSpan(0, Math.Max(1, expected.AsSpan().IndexOf((byte)'\n') + 1));
        var start = stored.AsSpan().IndexOf(firstLine);
        if (start < 0)
        {
            return $"Its first sent line was not found; the file starts with:\n{Show(stored, 0, 600)}";
        }

        var i = 0;
        while (start + i < stored.Length && i < expected.Length && stored[start + i] == expected[i])
        {
            i++;
        }

        return $"The sent message starts at offset {start} of the file and differs at byte {i} of the message.\nstored:   {Show(stored, start + Math.Max(0, i - 80), 200)}\nexpected: {Show(expected, Math.Max(0, i - 80), 200)}";
    }

    private static string Show(byte[] bytes, int from, int count)
    {
        from = Math.Min(from, bytes.Length);
        var text = Encoding.UTF8.GetString(bytes, from, Math.Min(count, bytes.Length - from));
        return text.Replace("\r", "\\r", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);
    }

    private static byte[] Lf(byte[] crlf)
    {
        var output = new byte[crlf.Length];
        var n = 0;
        for (var i = 0; i < crlf.Length; i++)
        {
            if (crlf[i] == '\r' && i + 1 < crlf.Length && crlf[i + 1] == '\n')
            {
                continue;
            }

            output[n++] = crlf[i];
        }

        return output[..n];
    }
}
