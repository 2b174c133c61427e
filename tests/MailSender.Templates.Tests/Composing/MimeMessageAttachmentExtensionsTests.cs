using MimeKit;

namespace MailSender.Templates.Tests.Composing;

public sealed class MimeMessageAttachmentExtensionsTests
{
    [Fact]
    public void Attach_SeekableStream_IsUsedWithoutACopyAndSentWholeEachTime()
    {
        var bytes = Enumerable.Range(0, 5000).Select(i => (byte)i).ToArray();
        var stream = new MemoryStream(bytes);
        var message = new MimeMessage { Body = new TextPart("plain") { Text = "See the invoice." } };

        var part = message.Attach("invoice.pdf", stream);

        Assert.Same(stream, part.Content!.Stream);
        var first = Write(message);
        var second = Write(message);
        Assert.Equal(first, second);
        var reloaded = MimeMessage.Load(new MemoryStream(first));
        var attachment = Assert.IsType<MimePart>(Assert.Single(reloaded.Attachments));
        Assert.Equal("invoice.pdf", attachment.FileName);
        Assert.Equal("application/pdf", attachment.ContentType.MimeType);
        Assert.Equal(ContentEncoding.Base64, attachment.ContentTransferEncoding);
        Assert.Equal(bytes, Decode(attachment));
    }

    [Fact]
    public void Attach_NonSeekableStream_IsCopiedOnce()
    {
        var bytes = "a,b\n1,2\n"u8.ToArray();
        var stream = new ForwardOnlyStream(bytes);
        var message = new MimeMessage { Body = new TextPart("plain") { Text = "x" } };

        var part = message.Attach("data.csv", stream, "text/csv; charset=utf-8");

        Assert.NotSame(stream, part.Content!.Stream);
        Assert.Equal("text/csv", part.ContentType.MimeType);
        Assert.Equal("utf-8", part.ContentType.Charset);
        Assert.Equal(Write(message), Write(message));
        Assert.Equal(bytes, Decode(part));
        Assert.True(stream.Disposed);
    }

    [Fact]
    public void Attach_DisposingTheMessage_DisposesTheStream()
    {
        var stream = new MemoryStream([1, 2, 3]);
        var message = new MimeMessage();
        message.Attach("a.bin", stream);

        message.Dispose();

        Assert.False(stream.CanRead);
    }

    [Fact]
    public void Attach_WrapsTheBodyInMixed_ThenAppendsToIt()
    {
        var alternative = new MultipartAlternative { new TextPart("plain") { Text = "t" }, new TextPart("html") { Text = "<p>t</p>" } };
        var message = new MimeMessage { Body = alternative };

        message.Attach("a.txt", new MemoryStream([1]));
        message.Attach("b.png", new MemoryStream([2]));

        var mixed = Assert.IsType<Multipart>(message.Body);
        Assert.Equal("multipart/mixed", mixed.ContentType.MimeType);
        Assert.Equal(3, mixed.Count);
        Assert.Same(alternative, mixed[0]);
        Assert.Equal("text/plain", mixed[1].ContentType.MimeType);
        Assert.Equal("image/png", mixed[2].ContentType.MimeType);
        Assert.Equal(ContentDisposition.Attachment, mixed[2].ContentDisposition!.Disposition);
    }

    [Fact]
    public void Attach_MessageWithoutBody_GetsAMixedBodyWithTheAttachment()
    {
        var message = new MimeMessage();

        message.Attach("a.bin", new MemoryStream([1]));

        var mixed = Assert.IsType<Multipart>(message.Body);
        Assert.Equal("multipart/mixed", mixed.ContentType.MimeType);
        Assert.Single(mixed);
    }

    [Theory]
    [InlineData("")]
    [InlineData("  ")]
    [InlineData("a.pdf\r\nBcc: x@example.com")]
    [InlineData("a\n.pdf")]
    [InlineData("a\0.pdf")]
    public void Attach_BadFileName_IsRefusedNamingTheParameter(string fileName)
    {
        var message = new MimeMessage();

        var exception = Assert.Throws<ArgumentException>(() => message.Attach(fileName, new MemoryStream([1])));

        Assert.Equal("fileName", exception.ParamName);
        Assert.Null(message.Body);
    }

    [Fact]
    public void Attach_BadContentType_IsRefusedNamingTheParameter()
    {
        var exception = Assert.Throws<ArgumentException>(() => new MimeMessage().Attach("a.pdf", new MemoryStream([1]), "not a type"));

        Assert.Equal("contentType", exception.ParamName);
    }

    private static byte[] Write(MimeMessage message)
    {
        using var stream = new MemoryStream();
        message.WriteTo(stream);
        return stream.ToArray();
    }

    private static byte[] Decode(MimePart part)
    {
        using var stream = new MemoryStream();
        part.Content!.DecodeTo(stream);
        return stream.ToArray();
    }

    private sealed class ForwardOnlyStream(byte[] bytes) : Stream
    {
        private readonly MemoryStream _inner = new(bytes);

        public bool Disposed { get; private set; }

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => _inner.Read(buffer, offset, count);

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            Disposed = true;
            base.Dispose(disposing);
        }
    }
}
