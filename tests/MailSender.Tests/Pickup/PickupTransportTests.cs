using System.Text;
using MailSender.Internal;
using MailSender.Pickup;
using Microsoft.Extensions.Time.Testing;
using MimeKit;
using MailSender.Sending;

namespace MailSender.Tests.Pickup;

public sealed class PickupTransportTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "mailsender-pickup-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_folder))
        {
            Directory.Delete(_folder, recursive: true);
        }
    }

    [Fact]
    public async Task SendAsync_MissingFolder_CreatesItAndWritesOneEml()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 26, 10, 30, 0, TimeSpan.Zero));
        var transport = new PickupTransport(_folder, writeEnvelope: true, time);
        var (message, envelope) = Prepared();

        var result = await transport.SendAsync(message, envelope);

        var file = Assert.Single(Directory.GetFiles(_folder));
        Assert.Equal(file, result.FilePath);
        Assert.EndsWith(".eml", file, StringComparison.Ordinal);
        Assert.StartsWith("20261126-103000-000-", Path.GetFileName(file), StringComparison.Ordinal);
        Assert.Equal(["to@example.com", "hidden@example.com"], result.AcceptedRecipients);
    }

    [Fact]
    public async Task SendAsync_WithEnvelope_WritesXSenderAndOneXReceiverPerRecipientBeforeHeaders()
    {
        var transport = new PickupTransport(_folder, writeEnvelope: true, TimeProvider.System);
        var (message, envelope) = Prepared();

        var result = await transport.SendAsync(message, envelope);

        var text = await File.ReadAllTextAsync(result.FilePath!);
        Assert.StartsWith("X-Sender: from@example.com\r\nX-Receiver: to@example.com\r\nX-Receiver: hidden@example.com\r\n", text, StringComparison.Ordinal);
        Assert.DoesNotContain("Bcc:", text, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotMatch("[^\r]\n", text);
        var parsed = await MimeMessage.LoadAsync(result.FilePath!);
        Assert.Equal("Hello", parsed.Subject);
        Assert.Equal("Line one\nLine two", parsed.TextBody?.ReplaceLineEndings("\n").TrimEnd());
    }

    [Fact]
    public async Task SendAsync_EnvelopeOff_FileStartsWithMessageHeaders()
    {
        var transport = new PickupTransport(_folder, writeEnvelope: false, TimeProvider.System);
        var (message, envelope) = Prepared();

        var result = await transport.SendAsync(message, envelope);

        var text = await File.ReadAllTextAsync(result.FilePath!);
        Assert.DoesNotContain("X-Receiver", text, StringComparison.Ordinal);
        Assert.DoesNotContain("hidden@example.com", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SendAsync_ManyConcurrentSends_WritesUniqueFiles()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UnixEpoch);
        var transport = new PickupTransport(_folder, writeEnvelope: true, time);

        await Task.WhenAll(Enumerable.Range(0, 50).Select(_ =>
        {
            var (message, envelope) = Prepared();
            return transport.SendAsync(message, envelope);
        }));

        Assert.Equal(50, Directory.GetFiles(_folder, "*.eml").Length);
        Assert.Empty(Directory.GetFiles(_folder, "*.tmp", SearchOption.AllDirectories));
    }

    [Fact]
    public async Task SendAsync_DiskFullMidWrite_FailsClearlyAndLeavesNoFile()
    {
        var transport = new PickupTransport(_folder, writeEnvelope: true, TimeProvider.System, path => new DiskFullStream(path, failAfter: 100));
        var (message, envelope) = Prepared();

        var ex = await Assert.ThrowsAsync<EmailSendException>(() => transport.SendAsync(message, envelope));

        Assert.Equal(EmailErrorKind.StorageFailed, ex.Kind);
        Assert.Contains("full", ex.Message, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFiles(_folder, "*", SearchOption.AllDirectories));
    }

    [Fact]
    public async Task SendAsync_FolderPathIsAFile_FailsAsConfiguration()
    {
        Directory.CreateDirectory(_folder);
        var file = Path.Combine(_folder, "not-a-folder");
        await File.WriteAllTextAsync(file, "x");
        var transport = new PickupTransport(Path.Combine(file, "outbox"), writeEnvelope: true, TimeProvider.System);
        var (message, envelope) = Prepared();

        var ex = await Assert.ThrowsAsync<EmailSendException>(() => transport.SendAsync(message, envelope));

        Assert.Equal(EmailErrorKind.Configuration, ex.Kind);
        Assert.Contains("not-a-folder", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SendAsync_Cancelled_WritesNothing()
    {
        var transport = new PickupTransport(_folder, writeEnvelope: true, TimeProvider.System);
        var (message, envelope) = Prepared();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => transport.SendAsync(message, envelope, new CancellationToken(canceled: true)));

        Assert.False(Directory.Exists(_folder) && Directory.EnumerateFileSystemEntries(_folder).Any());
    }

    [Fact]
    public void Factory_RelativePath_ResolvesAgainstCurrentDirectory()
    {
        var factory = new PickupTransportFactory(TimeProvider.System, MailSender.Diagnostics.MailSenderTelemetry.Shared);

        var transport = (PickupTransport)factory.Create(TransportUri.Parse("pickup:outbox?envelope=false"), new EmailTransportContext(string.Empty, new MailSenderOptions()));

        Assert.Equal(Path.Combine(Environment.CurrentDirectory, "outbox"), transport.Folder);
    }

    [Fact]
    public void Factory_UnknownOption_FailsNamingIt()
    {
        var factory = new PickupTransportFactory(TimeProvider.System, MailSender.Diagnostics.MailSenderTelemetry.Shared);

        var ex = Assert.Throws<EmailSendException>(() => factory.Create(TransportUri.Parse("pickup:outbox?envelop=false"), new EmailTransportContext(string.Empty, new MailSenderOptions())));

        Assert.Equal(EmailErrorKind.Configuration, ex.Kind);
        Assert.Contains("'envelop'", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task VerifyAsync_DiskFull_ReportsWhatASendWouldAndLeavesNoFile()
    {
        var transport = new PickupTransport(_folder, writeEnvelope: true, TimeProvider.System, path => new DiskFullStream(path, failAfter: 0));
        var (message, envelope) = Prepared();

        var verify = await Assert.ThrowsAsync<EmailSendException>(() => transport.VerifyAsync());
        var send = await Assert.ThrowsAsync<EmailSendException>(() => transport.SendAsync(message, envelope));

        Assert.Equal((send.Kind, send.IsTransient, send.Hint), (verify.Kind, verify.IsTransient, verify.Hint));
        Assert.Equal(EmailErrorKind.StorageFailed, verify.Kind);
        Assert.True(verify.IsTransient);
        Assert.Empty(Directory.GetFiles(_folder, "*", SearchOption.AllDirectories));
    }

    private static (MimeMessage Message, MailEnvelope Envelope) Prepared()
    {
        var message = new MimeMessage();
        message.From.Add(new MailboxAddress("Sender", "from@example.com"));
        message.To.Add(new MailboxAddress("", "to@example.com"));
        message.Bcc.Add(new MailboxAddress("", "hidden@example.com"));
        message.Subject = "Hello";
        message.Body = new TextPart("plain") { Text = "Line one\nLine two" };
        return (message, MessagePreparer.Prepare(message, null));
    }

    /// <summary>A real file that fails like a full disk (ENOSPC) after some bytes.</summary>
    private sealed class DiskFullStream(string path, int failAfter) : FileStream(path, FileMode.CreateNew, FileAccess.Write)
    {
        private long _written;

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            Check(buffer.Length);
            base.Write(buffer);
        }

        public override void Write(byte[] buffer, int offset, int count)
        {
            Check(count);
            base.Write(buffer, offset, count);
        }

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            Check(buffer.Length);
            return base.WriteAsync(buffer, cancellationToken);
        }

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        {
            Check(count);
            return base.WriteAsync(buffer, offset, count, cancellationToken);
        }

        private void Check(int count)
        {
            _written += count;
            if (_written > failAfter)
            {
                throw new IOException("No space left on device", 28);
            }
        }
    }
}
