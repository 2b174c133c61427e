using System.Text;
using MailSender.Internal;
using MimeKit;
using MailSender.Sending;
using MailSender.TestSupport;

namespace MailSender.Tests.Sending;

public class MessagePreparerTests
{
    private static readonly MailboxAddress DefaultFrom = new("App", "app@example.com");

    [Fact]
    public void Prepare_NoFrom_UsesDefaultFrom()
    {
        var message = TestMessages.Text();
        message.From.Clear();

        var envelope = MessagePreparer.Prepare(message, DefaultFrom);

        Assert.Equal("app@example.com", envelope.Sender.Address);
        Assert.Equal("app@example.com", message.From.Mailboxes.Single().Address);
    }

    [Fact]
    public void Prepare_NoFromAndNoDefault_FailsNamingTheSetting()
    {
        var message = TestMessages.Text();
        message.From.Clear();

        var ex = Assert.Throws<EmailSendException>(() => MessagePreparer.Prepare(message, null));

        Assert.Equal(EmailErrorKind.InvalidMessage, ex.Kind);
        Assert.Contains("DefaultFrom", ex.Hint, StringComparison.Ordinal);
    }

    [Fact]
    public void Prepare_NoRecipient_Fails()
    {
        var message = TestMessages.Text();
        message.To.Clear();

        var ex = Assert.Throws<EmailSendException>(() => MessagePreparer.Prepare(message, null));

        Assert.Equal(EmailErrorKind.InvalidMessage, ex.Kind);
        Assert.Contains("no recipient", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Prepare_ToCcBccWithDuplicates_EnvelopeHasEachOnceBccIncluded()
    {
        var message = TestMessages.Text();
        message.Cc.Add(new MailboxAddress("", "cc@example.com"));
        message.Bcc.Add(new MailboxAddress("", "hidden@example.com"));
        message.Bcc.Add(new MailboxAddress("", "RCPT@example.com"));

        var envelope = MessagePreparer.Prepare(message, null);

        Assert.Equal(["rcpt@example.com", "cc@example.com", "hidden@example.com"], envelope.Recipients.Select(r => r.Address));
    }

    [Fact]
    public void Prepare_GroupAddress_ExpandsMembers()
    {
        var message = TestMessages.Text();
        message.To.Clear();
        message.To.Add(new GroupAddress("Team", [new MailboxAddress("", "a@example.com"), new MailboxAddress("", "b@example.com")]));

        var envelope = MessagePreparer.Prepare(message, null);

        Assert.Equal(["a@example.com", "b@example.com"], envelope.Recipients.Select(r => r.Address));
    }

    [Theory]
    [InlineData("no-at-sign")]
    [InlineData("@example.com")]
    [InlineData("user@")]
    [InlineData("us er@example.com")]
    [InlineData("user@exa mple.com")]
    [InlineData("user@example..com")]
    [InlineData("user@example.com\r\nRCPT TO:<evil@example.com>")]
    [InlineData("user@example.com\nX")]
    [InlineData("user\0@example.com")]
    public void ParseList_MalformedAddress_FailsNamingTheField(string address)
    {
        // MimeKit's MailboxAddress constructor already refuses these; text parsed for users (CLI, SendAsync(to, ...)) is checked here.
        var ex = Assert.Throws<EmailSendException>(() => AddressParser.ParseList(address, "to").ToList());

        Assert.Equal(EmailErrorKind.InvalidMessage, ex.Kind);
        Assert.Contains("'to'", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Prepare_NonAsciiAddress_IsAccepted()
    {
        var message = TestMessages.Text();
        message.To.Clear();
        message.To.Add(new MailboxAddress("Jörg", "jörg@bücher.example"));

        var envelope = MessagePreparer.Prepare(message, null);

        Assert.Equal("jörg@bücher.example", envelope.Recipients.Single().Address);
    }

    [Fact]
    public void Prepare_CrLfInSubject_IsSentWithTheLineBreakDropped()
    {
        var message = TestMessages.Text();
        message.Subject = "Hello\r\nBcc: evil@example.com";

        // MimeKit drops CR and LF from an unstructured header value when it is set, so the preparer sees one line and accepts it.
        var envelope = MessagePreparer.Prepare(message, null);

        Assert.Equal(["rcpt@example.com"], envelope.Recipients.Select(r => r.Address));
        Assert.Equal("HelloBcc: evil@example.com", message.Subject);
        var wire = Wire(message);
        Assert.Contains("\r\nSubject: HelloBcc: evil@example.com\r\n", wire, StringComparison.Ordinal);
        Assert.DoesNotContain("\r\nBcc:", wire, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void Prepare_RawHeaderWithLineBreak_IsRejected()
    {
        var message = TestMessages.Text();
        message.Headers.Add(new Header(Encoding.UTF8, "X-Custom", "x"));
        message.Headers["X-Custom"] = "ok";
        var header = message.Headers.First(h => h.Field == "X-Custom");
        header.SetRawValue(Encoding.ASCII.GetBytes(" value\r\nBcc: evil@example.com\r\n"));

        var ex = Assert.Throws<EmailSendException>(() => MessagePreparer.Prepare(message, null));

        Assert.Equal(EmailErrorKind.InvalidMessage, ex.Kind);
        Assert.Contains("X-Custom", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Prepare_FoldedHeader_IsAcceptedAndSentFolded()
    {
        var message = TestMessages.Text();
        var subject = string.Join(' ', Enumerable.Repeat("long subject words", 20));
        message.Subject = subject;
        var raw = Encoding.ASCII.GetString(message.Headers.First(h => h.Id == HeaderId.Subject).RawValue);
        Assert.Contains("\n ", raw, StringComparison.Ordinal); // MimeKit folded it: a line break the check must not take for an injected header.

        var envelope = MessagePreparer.Prepare(message, null);

        Assert.Equal(["rcpt@example.com"], envelope.Recipients.Select(r => r.Address));
        var wire = Wire(message);
        Assert.Matches("\r\nSubject: long subject words[^\r\n]*\r\n words", wire);
        Assert.Equal(subject, MimeMessage.Load(new MemoryStream(Encoding.UTF8.GetBytes(wire))).Subject);
    }

    [Fact]
    public void Prepare_CrLfInDisplayName_IsRejectedNamingTheField()
    {
        var message = TestMessages.Text();
        message.To.Clear();
        message.To.Add(new MailboxAddress("Evil\r\nBcc: evil@example.com", "to@example.com"));

        // MimeKit would encode the name safely; the preparer refuses any line break in an address, whatever the encoding.
        var ex = Assert.Throws<EmailSendException>(() => MessagePreparer.Prepare(message, null));

        Assert.Equal(EmailErrorKind.InvalidMessage, ex.Kind);
        Assert.Contains("'to' address contains a line break", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Prepare_UnreadableAttachment_FailsNamingIt()
    {
        var message = TestMessages.Text();
        var builder = new BodyBuilder { TextBody = "see attached" };
        var attachment = new MimePart("application", "pdf")
        {
            FileName = "report.pdf",
            Content = new MimeContent(new FailingStream()),
        };
        builder.Attachments.Add(attachment);
        message.Body = builder.ToMessageBody();

        var ex = Assert.Throws<EmailSendException>(() => MessagePreparer.Prepare(message, null));

        Assert.Equal(EmailErrorKind.InvalidMessage, ex.Kind);
        Assert.Contains("report.pdf", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Prepare_MissingMessageId_GeneratesOne()
    {
        var message = TestMessages.Text();
        message.Headers.Remove(HeaderId.MessageId);

        MessagePreparer.Prepare(message, null);

        Assert.EndsWith("example.com", message.MessageId, StringComparison.Ordinal);
    }

    [Fact]
    public void Prepare_DefaultMessageIdWithMachineName_UsesSenderDomain()
    {
        var message = TestMessages.Text();

        MessagePreparer.Prepare(message, null);

        Assert.EndsWith("@example.com", message.MessageId, StringComparison.Ordinal);
    }

    [Fact]
    public void Prepare_MessageIdSetByCaller_IsKept()
    {
        var message = TestMessages.Text();
        message.MessageId = "order-42@shop.example";

        MessagePreparer.Prepare(message, null);

        Assert.Equal("order-42@shop.example", message.MessageId);
    }

    [Fact]
    public void WireFormat_HidesBccAndUsesCrLf()
    {
        var message = TestMessages.Text("Hi\nthere");
        message.Bcc.Add(new MailboxAddress("", "hidden@example.com"));
        MessagePreparer.Prepare(message, null);

        var wire = Wire(message);

        Assert.DoesNotContain("hidden@example.com", wire, StringComparison.Ordinal);
        Assert.DoesNotContain("Bcc", wire, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotMatch("[^\r]\n", wire);
    }

    private static string Wire(MimeMessage message)
    {
        using var stream = new MemoryStream();
        message.WriteTo(MailSender.Internal.WireFormat.Options, stream);
        return Encoding.UTF8.GetString(stream.ToArray());
    }

    private sealed class FailingStream : Stream
    {
        public override bool CanRead => true;

        public override bool CanSeek => true;

        public override bool CanWrite => false;

        public override long Length => 100;

        public override long Position { get; set; }

        public override void Flush()
        {
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new IOException("disk error");

        public override long Seek(long offset, SeekOrigin origin) => 0;

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
