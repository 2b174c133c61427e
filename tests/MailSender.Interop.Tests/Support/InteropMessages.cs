using System.Text;
using MimeKit;
using MimeKit.Text;

namespace MailSender.Interop.Tests.Support;

/// <summary>The messages the suite sends; each has Message-Id <c>&lt;interop-TOKEN@mailsender.test&gt;</c> so it can be found in a store.</summary>
public static class InteropMessages
{
    public const string Domain = "example.test";
    public const string RejectRecipient = "reject@example.test";
    public const string TempfailRecipient = "tempfail@example.test";

    public static string NewToken() => Guid.NewGuid().ToString("N");

    public static string MessageId(string token) => $"interop-{token}@mailsender.test";

    public static string Address(string localPart, string token) => $"{localPart}-{token}@{Domain}";

    /// <summary>A message with the given body, From sender@example.test and a subject naming the case.</summary>
    public static MimeMessage Create(string token, string subject, MimeEntity body, params string[] to)
    {
        var message = new MimeMessage { MessageId = MessageId(token), Subject = $"{subject} {token}" };
        message.From.Add(new MailboxAddress("Interop suite", "sender@" + Domain));
        foreach (var address in to)
        {
            message.To.Add(MailboxAddress.Parse(address));
        }

        message.Headers.Add("X-Interop-Token", token);
        message.Body = body;
        return message;
    }

    public static TextPart Text(string text, ContentEncoding encoding) =>
        new(TextFormat.Plain) { Text = text, ContentTransferEncoding = encoding };

    /// <summary>Plain ASCII text, 7bit.</summary>
    public static MimeEntity SevenBit(string token) =>
        Text($"Seven-bit text for {token}.\r\nSecond line.\r\n", ContentEncoding.SevenBit);

    /// <summary>UTF-8 text sent as 8bit (8BITMIME).</summary>
    public static MimeEntity EightBit(string token) =>
        Text($"Grüße aus Köln, ✓ 日本語, {token}.\r\nÇa va? Ünïcödé.\r\n", ContentEncoding.EightBit);

    /// <summary>
    /// A part with ContentEncoding.Binary: every byte value but NUL, CR and LF, in CRLF-terminated lines of 200 bytes
    /// (a server without BINARYMIME gets it in whatever encoding the library chooses; the test compares what was sent).
    /// </summary>
    public static MimeEntity Binary()
    {
        var content = new MemoryStream();
        var values = Enumerable.Range(1, 255).Where(b => b is not ('\r' or '\n')).Select(b => (byte)b).ToArray();
        for (var line = 0; line < 40; line++)
        {
            for (var i = 0; i < 200; i++)
            {
                content.WriteByte(values[((line * 7) + i) % values.Length]);
            }

            content.Write("\r\n"u8);
        }

        content.Position = 0;
        return new MimePart("application", "octet-stream")
        {
            Content = new MimeContent(content),
            ContentTransferEncoding = ContentEncoding.Binary,
            FileName = "binary.bin",
        };
    }

    /// <summary>Lines that need dot-stuffing: ".", ".x", "..", "...", and a last line "." without a line break.</summary>
    public static MimeEntity Dots() =>
        Text(".\r\n.leading dot\r\n..\r\n...\r\n.. two dots\r\nmiddle . dot\r\n.\r\n\r\n.", ContentEncoding.SevenBit);

    /// <summary>A body whose last line has no line break.</summary>
    public static MimeEntity NoFinalLineBreak() => Text("first line\r\nlast line without a line break", ContentEncoding.SevenBit);

    /// <summary>An empty body.</summary>
    public static MimeEntity Empty() => Text(string.Empty, ContentEncoding.SevenBit);

    /// <summary>About <paramref name="bytes"/> of 7bit text in 76-character lines, some starting with a dot.</summary>
    public static MimeEntity Large(int bytes)
    {
        var text = new StringBuilder(bytes + 100);
        var line = 0;
        while (text.Length < bytes)
        {
            // Every 10th line starts with a dot, so a large body is dot-stuffed too.
            text.Append(line % 10 == 0 ? '.' : 'L').Append(line.ToString("D9", System.Globalization.CultureInfo.InvariantCulture)).Append(' ', 66).Append("\r\n");
            line++;
        }

        return Text(text.ToString(), ContentEncoding.SevenBit);
    }
}
