using System.Buffers;
using MailKit.Net.Smtp;
using MailSender.Internal;
using MimeKit;

namespace MailSender.Smtp.Protocol;

/// <summary>
/// A message written once, for one server's extensions, into pooled memory: its exact size (for <c>SIZE=</c> and
/// <c>BDAT n</c>), the <c>BODY=</c> and <c>SMTPUTF8</c> parameters it needs, and where DATA must dot-stuff it.
/// </summary>
/// <remarks>
/// MailKit writes the message twice (once to measure it for SIZE, once to send it); this writes it once. As MailKit does,
/// the message is first prepared for the server (<see cref="MimeMessage.Prepare(EncodingConstraint, int)"/>: 8-bit or binary
/// parts re-encoded when the server lacks 8BITMIME or BINARYMIME), unless it is signed (DKIM, ARC), which would break the signature.
/// </remarks>
internal sealed class SmtpContent : IDisposable
{
    // A line of DATA content that starts with '.' gets one more (RFC 5321 section 4.5.2).
    private const byte Dot = (byte)'.';

    private byte[]? _buffer;

    private SmtpContent(byte[] buffer, int length, BodyType body, bool international, int[]? dots, bool endsWithLineBreak)
    {
        _buffer = buffer;
        Length = length;
        Body = body;
        International = international;
        DotPositions = dots;
        EndsWithLineBreak = endsWithLineBreak;
    }

    /// <summary>The <c>BODY=</c> a message needs.</summary>
    public enum BodyType
    {
        SevenBit,
        EightBitMime,
        BinaryMime,
    }

    public int Length { get; }

    public BodyType Body { get; }

    /// <summary>Gets a value indicating whether the envelope needs SMTPUTF8 (a non-ASCII address, and the server offers it).</summary>
    public bool International { get; }

    /// <summary>Gets the offsets of lines that start with a dot (DATA writes one more before each); null for BDAT content or when none does.</summary>
    public int[]? DotPositions { get; }

    public bool EndsWithLineBreak { get; }

    public ReadOnlyMemory<byte> Bytes => _buffer is { } buffer ? buffer.AsMemory(0, Length) : throw new ObjectDisposedException(nameof(SmtpContent));

    /// <summary>Writes the message for a server with <paramref name="capabilities"/>.</summary>
    /// <param name="message">The prepared message.</param>
    /// <param name="envelope">The envelope (its addresses decide SMTPUTF8).</param>
    /// <param name="capabilities">The server's extensions.</param>
    /// <param name="forData">Whether the content goes with DATA: then bare CR and LF are refused and dot-stuffing is planned.</param>
    /// <exception cref="EmailSendException">The content holds a CR or LF outside a CRLF pair, which DATA cannot carry safely.</exception>
    public static SmtpContent Create(MimeMessage message, MailEnvelope envelope, SmtpCapabilities capabilities, bool forData)
    {
        var constraint = (capabilities & SmtpCapabilities.BinaryMime) != 0 ? EncodingConstraint.None
            : (capabilities & SmtpCapabilities.EightBitMime) != 0 ? EncodingConstraint.EightBit
            : EncodingConstraint.SevenBit;
        if (!IsSigned(message))
        {
            message.Prepare(constraint, 998);
        }

        var body = FindBodyType(message, capabilities);
        var international = (capabilities & SmtpCapabilities.UTF8) != 0 && NeedsUtf8(envelope);
        var writer = new PooledWriteStream();
        try
        {
            message.WriteTo(WireFormat.Options, writer);
            var buffer = writer.Detach(out var length);
            int[]? dots = null;
            var endsWithLineBreak = length >= 2 && buffer[length - 2] == '\r' && buffer[length - 1] == '\n';
            if (forData && body != BodyType.BinaryMime)
            {
                try
                {
                    dots = PlanDotStuffing(buffer.AsSpan(0, length));
                }
                catch
                {
                    ArrayPool<byte>.Shared.Return(buffer);
                    throw;
                }
            }

            return new SmtpContent(buffer, length, body, international, dots, endsWithLineBreak);
        }
        finally
        {
            writer.Dispose();
        }
    }

    /// <summary>Gets a value indicating whether the content needs BDAT (binary content, BODY=BINARYMIME).</summary>
    public bool NeedsBdat => Body == BodyType.BinaryMime;

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _buffer, null) is { } buffer)
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>
    /// Finds the lines that start with a dot and refuses a CR or LF outside a CRLF pair: in DATA, a bare LF followed by
    /// <c>.</c> could end the message early for some servers and smuggle commands (SMTP smuggling).
    /// </summary>
    internal static int[]? PlanDotStuffing(ReadOnlySpan<byte> content)
    {
        List<int>? dots = null;
        if (!content.IsEmpty && content[0] == Dot)
        {
            (dots ??= []).Add(0);
        }

        var offset = 0;
        while (true)
        {
            var next = content[offset..].IndexOfAny((byte)'\r', (byte)'\n');
            if (next < 0)
            {
                break;
            }

            var at = offset + next;
            if (content[at] == '\n' || at + 1 == content.Length || content[at + 1] != '\n')
            {
                throw new EmailSendException(EmailErrorKind.InvalidMessage, "The message holds a CR or LF that is not part of a CRLF line break; sent as is, it could smuggle SMTP commands.")
                {
                    Hint = "Use CRLF line breaks in content you encode yourself (preambles, epilogues, pre-encoded parts).",
                };
            }

            offset = at + 2;
            if (offset < content.Length && content[offset] == Dot)
            {
                (dots ??= []).Add(offset);
            }
        }

        return dots?.ToArray();
    }

    private static bool IsSigned(MimeMessage message) =>
        message.Headers.Contains(HeaderId.DkimSignature) || message.Headers.Contains(HeaderId.DomainKeySignature) || message.Headers.Contains(HeaderId.ArcSeal);

    private static BodyType FindBodyType(MimeMessage message, SmtpCapabilities capabilities)
    {
        var body = BodyType.SevenBit;
        foreach (var part in message.BodyParts)
        {
            if (part is not MimePart mime)
            {
                continue;
            }

            if (mime.ContentTransferEncoding == ContentEncoding.Binary && (capabilities & SmtpCapabilities.BinaryMime) != 0)
            {
                return BodyType.BinaryMime;
            }

            if (mime.ContentTransferEncoding == ContentEncoding.EightBit && (capabilities & SmtpCapabilities.EightBitMime) != 0)
            {
                body = BodyType.EightBitMime;
            }
        }

        return body;
    }

    private static bool NeedsUtf8(MailEnvelope envelope)
    {
        if (envelope.Sender.IsInternational)
        {
            return true;
        }

        foreach (var recipient in envelope.Recipients)
        {
            if (recipient.IsInternational)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>A write-only stream over one pooled array that grows by doubling.</summary>
    private sealed class PooledWriteStream : Stream
    {
        private byte[]? _buffer = ArrayPool<byte>.Shared.Rent(8 * 1024);
        private int _length;

        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => _length;

        public override long Position
        {
            get => _length;
            set => throw new NotSupportedException();
        }

        public byte[] Detach(out int length)
        {
            var buffer = _buffer ?? throw new ObjectDisposedException(nameof(PooledWriteStream));
            _buffer = null;
            length = _length;
            return buffer;
        }

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            var target = _buffer ?? throw new ObjectDisposedException(nameof(PooledWriteStream));
            if (_length + buffer.Length > target.Length)
            {
                var grown = ArrayPool<byte>.Shared.Rent((int)Math.Min(Array.MaxLength, Math.Max((long)target.Length * 2, (long)_length + buffer.Length)));
                target.AsSpan(0, _length).CopyTo(grown);
                ArrayPool<byte>.Shared.Return(target);
                _buffer = target = grown;
            }

            buffer.CopyTo(target.AsSpan(_length));
            _length += buffer.Length;
        }

        public override void WriteByte(byte value) => Write([value]);

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        {
            Write(buffer.AsSpan(offset, count));
            return System.Threading.Tasks.Task.CompletedTask;
        }

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            Write(buffer.Span);
            return ValueTask.CompletedTask;
        }

        public override void Flush()
        {
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (Interlocked.Exchange(ref _buffer, null) is { } buffer)
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }

            base.Dispose(disposing);
        }
    }
}
