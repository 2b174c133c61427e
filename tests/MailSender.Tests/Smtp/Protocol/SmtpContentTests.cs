using System.Text;
using MailKit.Net.Smtp;
using MailSender.Internal;
using MailSender.Smtp.Protocol;
using MimeKit;

namespace MailSender.Tests.Smtp.Protocol;

/// <summary>How a message is written for one server: re-encoding for missing extensions, BODY=, SMTPUTF8, dot planning, memory.</summary>
public class SmtpContentTests
{
    private const SmtpCapabilities Plain = SmtpCapabilities.Pipelining;

    [Fact]
    public void Create_EightBitTextWithoutEightBitMime_IsReencodedAndSevenBit()
    {
        using var content = SmtpContent.Create(EightBitMessage(), Envelope(), Plain, forData: true);

        Assert.Equal(SmtpContent.BodyType.SevenBit, content.Body);
        Assert.DoesNotContain("Content-Transfer-Encoding: 8bit", Text(content), StringComparison.OrdinalIgnoreCase);
        Assert.True(content.Bytes.ToArray().All(b => b < 128));
    }

    [Fact]
    public void Create_EightBitTextWithEightBitMime_StaysEightBit()
    {
        using var content = SmtpContent.Create(EightBitMessage(), Envelope(), Plain | SmtpCapabilities.EightBitMime, forData: true);

        Assert.Equal(SmtpContent.BodyType.EightBitMime, content.Body);
        Assert.Contains("Content-Transfer-Encoding: 8bit", Text(content), StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void Create_BinaryPartWithBinaryMime_IsBinaryMimeAndNeedsBdat()
    {
        var message = EightBitMessage();
        ((MimePart)message.Body!).ContentTransferEncoding = ContentEncoding.Binary;

        using var content = SmtpContent.Create(message, Envelope(), Plain | SmtpCapabilities.Chunking | SmtpCapabilities.BinaryMime | SmtpCapabilities.EightBitMime, forData: true);

        Assert.Equal(SmtpContent.BodyType.BinaryMime, content.Body);
        Assert.True(content.NeedsBdat);
        Assert.Null(content.DotPositions);
    }

    [Fact]
    public void Create_BinaryPartWithoutBinaryMime_IsReencoded()
    {
        var message = EightBitMessage();
        ((MimePart)message.Body!).ContentTransferEncoding = ContentEncoding.Binary;

        using var content = SmtpContent.Create(message, Envelope(), Plain | SmtpCapabilities.EightBitMime, forData: true);

        Assert.NotEqual(SmtpContent.BodyType.BinaryMime, content.Body);
        Assert.False(content.NeedsBdat);
        Assert.DoesNotContain("Content-Transfer-Encoding: binary", Text(content), StringComparison.OrdinalIgnoreCase);
    }

    [Theory]
    [InlineData("DKIM-Signature")]
    [InlineData("ARC-Seal")]
    [InlineData("DomainKey-Signature")]
    public void Create_SignedMessage_IsNotReencodedEvenWithoutEightBitMime(string signature)
    {
        var message = EightBitMessage();
        message.Headers.Add(signature, "v=1; a=rsa-sha256; d=example.com; s=s; b=abc");

        using var content = SmtpContent.Create(message, Envelope(), Plain, forData: true);

        // Re-encoding would break the signature: the server gets the message as it was signed.
        Assert.Contains("Content-Transfer-Encoding: 8bit", Text(content), StringComparison.OrdinalIgnoreCase);
    }

    [Theory]
    [InlineData("josé@example.com", "rcpt@example.com", true, true)]
    [InlineData("sender@example.com", "josé@example.com", true, true)]
    [InlineData("sender@example.com", "rcpt@example.com", true, false)]
    [InlineData("josé@example.com", "rcpt@example.com", false, false)]
    public void Create_International_OnlyWithSmtpUtf8AndANonAsciiAddress(string sender, string recipient, bool smtpUtf8, bool expected)
    {
        var envelope = new MailEnvelope(MailboxAddress.Parse(sender), [MailboxAddress.Parse(recipient)]);

        using var content = SmtpContent.Create(TextMessage("hello"), envelope, smtpUtf8 ? Plain | SmtpCapabilities.UTF8 | SmtpCapabilities.EightBitMime : Plain, forData: true);

        Assert.Equal(expected, content.International);
    }

    [Fact]
    public void Create_ForData_PlansDotsAndKeepsTheLineBreakAtTheEnd()
    {
        var message = TextMessage(".\r\nline\r\n.dot");
        using var forData = SmtpContent.Create(message, Envelope(), Plain, forData: true);
        using var forBdat = SmtpContent.Create(message, Envelope(), Plain, forData: false);

        var bytes = forData.Bytes.ToArray();
        Assert.NotNull(forData.DotPositions);
        Assert.All(forData.DotPositions!, at => Assert.Equal((byte)'.', bytes[at]));
        Assert.Equal(2, forData.DotPositions!.Length);
        Assert.True(forData.EndsWithLineBreak);
        Assert.Null(forBdat.DotPositions);
        Assert.Equal(forData.Length, forBdat.Length);
    }

    [Fact]
    public void Create_LargerThanTheFirstBuffer_IsExactlyWhatMimeKitWrites()
    {
        var message = TextMessage(string.Concat(Enumerable.Repeat("a line of a long message, long enough to need more than one buffer\r\n", 5000)));

        using var content = SmtpContent.Create(message, Envelope(), Plain, forData: true);

        using var expected = new MemoryStream();
        message.WriteTo(WireFormat.Options, expected);
        Assert.True(content.Length > 300_000);
        Assert.True(expected.ToArray().AsSpan().SequenceEqual(content.Bytes.Span));
    }

    [Fact]
    public void Dispose_ReturnsTheMemory_TheBytesAreGone()
    {
        var content = SmtpContent.Create(TextMessage("hello"), Envelope(), Plain, forData: true);

        content.Dispose();
        content.Dispose();

        Assert.Throws<ObjectDisposedException>(() => content.Bytes);
    }

    [Fact]
    public void PlanDotStuffing_BareLineBreak_SaysWhyItIsRefused()
    {
        var error = Assert.Throws<EmailSendException>(() => SmtpContent.PlanDotStuffing("a\nb\r\n"u8.ToArray()));

        Assert.Contains("CR or LF that is not part of a CRLF", error.Message, StringComparison.Ordinal);
        Assert.Contains("CRLF", error.Hint, StringComparison.Ordinal);
    }

    private static MailEnvelope Envelope() => new(MailboxAddress.Parse("sender@example.com"), [MailboxAddress.Parse("rcpt@example.com")]);

    private static MimeMessage TextMessage(string text)
    {
        var message = new MimeMessage();
        message.From.Add(MailboxAddress.Parse("sender@example.com"));
        message.To.Add(MailboxAddress.Parse("rcpt@example.com"));
        message.Subject = "Content";
        message.Body = new TextPart("plain") { Text = text };
        return message;
    }

    private static MimeMessage EightBitMessage()
    {
        var message = TextMessage("Grüße aus Köln\r\n");
        ((MimePart)message.Body!).ContentTransferEncoding = ContentEncoding.EightBit;
        return message;
    }

    private static string Text(SmtpContent content) => Encoding.UTF8.GetString(content.Bytes.Span);
}
