using System.Text;
using System.Text.RegularExpressions;
using CsCheck;
using MailSender.TestSupport;
using MimeKit;

namespace MailSender.Tests.Smtp;

/// <summary>
/// SMTP smuggling: a body holding "." between bare CRs or LFs must never end DATA early, even at a receiver that
/// (wrongly) accepts such a line as the end of the message. The scripted server here is that lenient receiver, so a
/// smuggled MAIL FROM would show up as a second transaction. RFC 5321 (2.3.8) allows CR and LF only as CRLF.
/// </summary>
public partial class SmtpTransportSmugglingTests
{
    private const string Smuggled = "MAIL FROM:<evil@example.com>\r\nRCPT TO:<victim@example.com>\r\nDATA\r\nFrom: ceo@example.com\r\n\r\nSmuggled.\r\n";

    [Theory]
    [InlineData("\n.\n", false)]
    [InlineData("\r\n.\n", false)]
    [InlineData("\n.\r\n", false)]
    [InlineData("\r.\r", false)]
    [InlineData("\r\n.\r", false)]
    [InlineData("\r.\r\n", false)]
    [InlineData("\r", false)]
    [InlineData("\n", false)]
    [InlineData("\n.\n", true)]
    [InlineData("\r\n.\n", true)]
    [InlineData("\n.\r\n", true)]
    [InlineData("\r.\r", true)]
    [InlineData("\r\n.\r", true)]
    [InlineData("\r.\r\n", true)]
    [InlineData("\r", true)]
    [InlineData("\n", true)]
    public async Task SendAsync_BodyWithBareLineBreakAroundDot_ArrivesAsOneIntactMessage(string sequence, bool rawEightBit)
    {
        await using var server = ScriptedSmtpServer.Start(new SmtpScript { LenientEndOfData = true });
        var text = "Line one" + sequence + Smuggled;
        var message = rawEightBit
            ? TestMessages.RawBody(Encoding.UTF8.GetBytes(text), ContentEncoding.EightBit)
            : TestMessages.Text(text);

        await MailSenderHost.SendAsync(TestTransports.Smtp(server.Port, "security=none"), message);

        Assert.Single(server.CommandsStartingWith("MAIL"));
        Assert.Equal(["RCPT TO:<rcpt@example.com>"], server.CommandsStartingWith("RCPT"));
        var transaction = Assert.Single(server.Transactions);
        AssertCleanWire(transaction.RawData);
        Assert.Equal(Crlf(text), DecodedText(transaction));
    }

    [Fact]
    public async Task SendAsync_BareCarriageReturnInAttachment_IsBase64EncodedAndIntact()
    {
        await using var server = ScriptedSmtpServer.Start(new SmtpScript { LenientEndOfData = true });
        var bytes = Encoding.ASCII.GetBytes("data\r.\r" + Smuggled);
        var message = TestMessages.Text();
        var attachment = new MimePart("application", "x-custom")
        {
            Content = new MimeContent(new MemoryStream(bytes, writable: false), ContentEncoding.SevenBit),
            ContentTransferEncoding = ContentEncoding.SevenBit,
            FileName = "data.txt",
        };
        message.Body = new Multipart("mixed") { message.Body!, attachment };

        await MailSenderHost.SendAsync(TestTransports.Smtp(server.Port, "security=none"), message);

        var transaction = Assert.Single(server.Transactions);
        AssertCleanWire(transaction.RawData);
        var received = Assert.IsType<MimePart>(Assert.Single(transaction.Parse().Attachments));
        using var decoded = new MemoryStream();
        received.Content!.DecodeTo(decoded);
        Assert.Equal(bytes, decoded.ToArray());
    }

    [Fact]
    public async Task SendAsync_AnyBodyText_IsOneMessageWithOnlyCrLfOnTheWire()
    {
        await using var server = ScriptedSmtpServer.Start(new SmtpScript { LenientEndOfData = true });
        await using var host = MailSenderHost.Create(TestTransports.Smtp(server.Port, "security=none"));
        var sent = 0;

        await Gen.Char["a.\r\n "].Array[0, 24].Select(chars => new string(chars)).SampleAsync(
            async text =>
            {
                var body = text + "\n.\n" + Smuggled;
                await host.Sender.SendAsync(TestMessages.Text(body));
                sent++;
                var transaction = server.Transactions[^1];
                Assert.Equal(sent, server.Transactions.Count);
                Assert.Equal(sent, server.CommandsStartingWith("MAIL").Count);
                AssertCleanWire(transaction.RawData);
                Assert.Equal(Crlf(body), DecodedText(transaction));
            },
            iter: 60,
            threads: 1,
            print: text => text.Replace("\r", "\\r", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal));
    }

    /// <summary>Checks the DATA bytes hold CR and LF only as CRLF pairs, and no end-of-data sequence.</summary>
    private static void AssertCleanWire(byte[] raw)
    {
        for (var i = 0; i < raw.Length; i++)
        {
            var bare = raw[i] switch
            {
                (byte)'\r' => i + 1 == raw.Length || raw[i + 1] != '\n',
                (byte)'\n' => i == 0 || raw[i - 1] != '\r',
                _ => false,
            };
            Assert.False(bare, $"bare {(raw[i] == '\r' ? "CR" : "LF")} at byte {i}: ...{Printable(raw, i)}...");
        }

        Assert.DoesNotContain("\r\n.\r\n", Encoding.Latin1.GetString(raw), StringComparison.Ordinal);
    }

    private static string Printable(byte[] raw, int at)
    {
        var start = Math.Max(0, at - 20);
        var text = Encoding.Latin1.GetString(raw, start, Math.Min(40, raw.Length - start));
        return text.Replace("\r", "<CR>", StringComparison.Ordinal).Replace("\n", "<LF>", StringComparison.Ordinal);
    }

    /// <summary>
    /// The text as a MIME text part carries it: a bare LF becomes the canonical CRLF, every other character (a bare CR too) is kept.
    /// </summary>
    private static string Crlf(string text) => BareLf().Replace(text, "\r\n");

    /// <summary>Decodes the received text body's bytes (TextPart.Text would turn CRLF into LF and hide a lost CR).</summary>
    private static string DecodedText(ScriptedTransaction transaction)
    {
        var part = Assert.IsType<TextPart>(transaction.Parse().Body);
        using var decoded = new MemoryStream();
        part.Content!.DecodeTo(decoded);
        return Encoding.UTF8.GetString(decoded.ToArray());
    }

    [GeneratedRegex("(?<!\r)\n")]
    private static partial Regex BareLf();
}
