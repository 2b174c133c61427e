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
        Assert.Contains("no From address and no default sender", ex.Message, StringComparison.Ordinal);
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
    public void Prepare_SenderHeader_IsTheEnvelopeSenderAndNamesTheMessageIdDomain()
    {
        var message = TestMessages.Text();
        message.Sender = new MailboxAddress("Bounces", "bounces@lists.example.org");

        var envelope = MessagePreparer.Prepare(message, DefaultFrom);

        Assert.Equal("bounces@lists.example.org", envelope.Sender.Address);
        Assert.EndsWith("@lists.example.org", message.MessageId, StringComparison.Ordinal);
        Assert.Equal(TestMessages.From, message.From.Mailboxes.Single().Address);
    }

    [Fact]
    public void Prepare_FromHoldsOnlyAnEmptyGroup_Fails()
    {
        var message = TestMessages.Text();
        message.From.Clear();
        message.From.Add(new GroupAddress("Undisclosed senders", []));

        var ex = Assert.Throws<EmailSendException>(() => MessagePreparer.Prepare(message, DefaultFrom));

        Assert.Equal(EmailErrorKind.InvalidMessage, ex.Kind);
        Assert.Contains("empty group", ex.Message, StringComparison.Ordinal);
    }

    public static TheoryData<string> OriginatorFields => new() { "sender", "second from", "reply-to" };

    [Theory]
    [MemberData(nameof(OriginatorFields))]
    public void Prepare_LineBreakInAnOriginatorAddress_IsRejectedAsFrom(string field)
    {
        var message = TestMessages.Text();
        var evil = new MailboxAddress("Evil\r\nBcc: evil@example.com", "evil@example.com");
        switch (field)
        {
            case "sender":
                message.Sender = evil;
                break;
            case "second from":
                message.From.Add(evil);
                break;
            default:
                message.ReplyTo.Add(evil);
                break;
        }

        var ex = Assert.Throws<EmailSendException>(() => MessagePreparer.Prepare(message, null));

        Assert.Equal(EmailErrorKind.InvalidMessage, ex.Kind);
        Assert.Contains("'from' address contains a line break", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Preamble with a bare\rCR", null)]
    [InlineData(null, "Epilogue with a bare\rCR")]
    public void Prepare_BareCarriageReturnInPreambleOrEpilogue_IsRejected(string? preamble, string? epilogue)
    {
        var message = TestMessages.Text();
        var multipart = new Multipart("mixed") { new TextPart("plain") { Text = "body" } };
        multipart.Preamble = preamble;
        multipart.Epilogue = epilogue;
        message.Body = multipart;

        var ex = Assert.Throws<EmailSendException>(() => MessagePreparer.Prepare(message, null));

        Assert.Equal(EmailErrorKind.InvalidMessage, ex.Kind);
        Assert.Contains("smuggle", ex.Message, StringComparison.Ordinal);
        Assert.Contains("Use CRLF line breaks", ex.Hint, StringComparison.Ordinal);
    }

    [Fact]
    public void Prepare_PreambleAndEpilogueWithCrLf_AreAccepted()
    {
        var message = TestMessages.Text();
        var multipart = new Multipart("mixed") { new TextPart("plain") { Text = "body" } };
        multipart.Preamble = "This is a multi-part message.\r\nSecond line.";
        multipart.Epilogue = "The end.\r\n";
        message.Body = multipart;

        var envelope = MessagePreparer.Prepare(message, null);

        Assert.Equal(["rcpt@example.com"], envelope.Recipients.Select(r => r.Address));
    }

    [Fact]
    public void Prepare_InjectedHeaderInABodyPart_IsRejectedNamingTheBody()
    {
        var message = TestMessages.Text();
        var part = new TextPart("plain") { Text = "body" };
        part.Headers.Add("X-Part", "ok");
        part.Headers.First(h => h.Field == "X-Part").SetRawValue(Encoding.ASCII.GetBytes(" value\r\nBcc: evil@example.com\r\n"));
        message.Body = new Multipart("mixed") { new TextPart("plain") { Text = "first" }, part };

        var ex = Assert.Throws<EmailSendException>(() => MessagePreparer.Prepare(message, null));

        Assert.Contains("X-Part header of the body", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(" value\rBcc: evil@example.com")] // bare CR
    [InlineData(" value\nBcc: evil@example.com")] // bare LF
    [InlineData(" value\r\n\r\nBody: evil")] // an empty line would end the headers
    public void Prepare_HeaderLineBreaksThatAreNotFolding_AreRejected(string raw)
    {
        var message = TestMessages.Text();
        message.Headers.Add("X-Custom", "ok");
        message.Headers.First(h => h.Field == "X-Custom").SetRawValue(Encoding.ASCII.GetBytes(raw + "\r\n"));

        var ex = Assert.Throws<EmailSendException>(() => MessagePreparer.Prepare(message, null));

        Assert.Contains("X-Custom header of the message", ex.Message, StringComparison.Ordinal);
        Assert.Contains("Remove CR and LF characters", ex.Hint, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(" first\r\n second")]
    [InlineData(" first\r\n\tsecond")]
    [InlineData(" first\n second")]
    [InlineData(" value\r\n\r\n")]
    [InlineData(" value")]
    [InlineData("")]
    public void Prepare_FoldedOrTrailingLineBreaksInRawHeader_AreAccepted(string raw)
    {
        var message = TestMessages.Text();
        message.Headers.Add("X-Custom", "ok");
        message.Headers.First(h => h.Field == "X-Custom").SetRawValue(Encoding.ASCII.GetBytes(raw + "\r\n"));

        var envelope = MessagePreparer.Prepare(message, null);

        Assert.Single(envelope.Recipients);
    }

    [Fact]
    public void Prepare_InjectedHeaderInAnAttachedMessage_IsRejected()
    {
        var inner = TestMessages.Text("inner body");
        inner.Headers.Add("X-Inner", "ok");
        inner.Headers.First(h => h.Field == "X-Inner").SetRawValue(Encoding.ASCII.GetBytes(" value\r\nBcc: evil@example.com\r\n"));
        var message = TestMessages.Text();
        message.Body = new Multipart("mixed") { new TextPart("plain") { Text = "see attached" }, new MessagePart { Message = inner } };

        var ex = Assert.Throws<EmailSendException>(() => MessagePreparer.Prepare(message, null));

        Assert.Contains("X-Inner header of the body", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Prepare_BareCarriageReturnInAnAttachedMessagesPreEncodedBody_IsRejected()
    {
        var inner = TestMessages.Text("inner body");
        var preEncoded = new MimePart("application", "octet-stream")
        {
            Content = new MimeContent(new MemoryStream(Encoding.ASCII.GetBytes("AAAA\rBBBB\r\n")), ContentEncoding.Base64),
            ContentTransferEncoding = ContentEncoding.Base64,
        };
        inner.Body = preEncoded;
        var message = TestMessages.Text();
        message.Body = new MessagePart { Message = inner };

        var ex = Assert.Throws<EmailSendException>(() => MessagePreparer.Prepare(message, null));

        Assert.Contains("smuggle", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Prepare_BareCarriageReturnInTextContent_IsReencodedAsQuotedPrintable()
    {
        var message = TestMessages.RawBody(Encoding.ASCII.GetBytes("line one\rline two\r\n"), ContentEncoding.EightBit);

        MessagePreparer.Prepare(message, null);

        var part = Assert.IsAssignableFrom<MimePart>(message.Body);
        Assert.Equal(ContentEncoding.QuotedPrintable, part.ContentTransferEncoding);
        Assert.DoesNotMatch("\r(?!\n)", Wire(message));
        Assert.StartsWith("line one\rline two", Assert.IsType<TextPart>(MimeMessage.Load(new MemoryStream(Encoding.UTF8.GetBytes(Wire(message)))).Body).Text, StringComparison.Ordinal);
    }

    [Fact]
    public void Prepare_BareLineFeedInBinaryContent_IsReencodedAsBase64()
    {
        var message = TestMessages.Text();
        var bytes = Encoding.ASCII.GetBytes("a\nb");
        message.Body = new MimePart("application", "octet-stream")
        {
            Content = new MimeContent(new MemoryStream(bytes)),
            ContentTransferEncoding = ContentEncoding.Binary,
        };

        MessagePreparer.Prepare(message, null);

        Assert.Equal(ContentEncoding.Base64, Assert.IsAssignableFrom<MimePart>(message.Body).ContentTransferEncoding);
    }

    [Fact]
    public void Prepare_CleanContent_KeepsItsEncoding()
    {
        var message = TestMessages.RawBody(Encoding.ASCII.GetBytes("line one\r\nline two\n"), ContentEncoding.EightBit);

        MessagePreparer.Prepare(message, null);

        Assert.Equal(ContentEncoding.EightBit, Assert.IsAssignableFrom<MimePart>(message.Body).ContentTransferEncoding);

        // The check reads the content; it must leave it at the start, or nothing would be sent.
        Assert.Contains("line one\r\nline two", Wire(message), StringComparison.Ordinal);
    }

    [Fact]
    public void Prepare_ContentDecodedToABareCarriageReturn_IsReencodedAsBase64()
    {
        // Base64 content sent as 7bit: MimeKit decodes it on the way out, so the check must look at what is written.
        var message = TestMessages.Text();
        message.Body = new MimePart("application", "octet-stream")
        {
            Content = new MimeContent(new MemoryStream(Encoding.ASCII.GetBytes(Convert.ToBase64String(Encoding.ASCII.GetBytes("a\rb")))), ContentEncoding.Base64),
            ContentTransferEncoding = ContentEncoding.SevenBit,
        };

        MessagePreparer.Prepare(message, null);

        Assert.Equal(ContentEncoding.Base64, Assert.IsAssignableFrom<MimePart>(message.Body).ContentTransferEncoding);
        Assert.DoesNotMatch("\r(?!\n)", Wire(message));
    }

    [Theory]
    [InlineData("cc")]
    [InlineData("bcc")]
    public void Prepare_LineBreakInACcOrBccAddress_NamesTheField(string field)
    {
        var message = TestMessages.Text();
        var evil = new MailboxAddress("Evil\r\nBcc: evil@example.com", "evil@example.com");
        (field == "cc" ? message.Cc : message.Bcc).Add(evil);

        var ex = Assert.Throws<EmailSendException>(() => MessagePreparer.Prepare(message, null));

        Assert.Contains($"'{field}' address contains a line break", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Prepare_ContentStreamThatCannotBeRead_FailsNamingThePart()
    {
        var message = TestMessages.Text();
        var stream = new MemoryStream([1, 2, 3]);
        var part = new MimePart("application", "pdf") { FileName = "closed.pdf", Content = new MimeContent(stream) };
        message.Body = new Multipart("mixed") { new TextPart("plain") { Text = "see attached" }, part };
        stream.Dispose();

        var ex = Assert.Throws<EmailSendException>(() => MessagePreparer.Prepare(message, null));

        Assert.Equal(EmailErrorKind.InvalidMessage, ex.Kind);
        Assert.Contains("closed.pdf", ex.Message, StringComparison.Ordinal);
        Assert.Contains("cannot be read", ex.Message, StringComparison.Ordinal);
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
