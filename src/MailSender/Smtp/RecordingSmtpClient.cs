using MailKit;
using MailKit.Net.Smtp;
using MimeKit;

namespace MailSender.Smtp;

/// <summary>
/// A MailKit client that records refused recipients instead of failing the whole message,
/// and tracks whether the end of DATA has been written (after which the server may have accepted the message).
/// </summary>
internal sealed class RecordingSmtpClient : SmtpClient
{
    private readonly DataPhaseTracker _tracker;

    public RecordingSmtpClient()
        : this(new DataPhaseTracker())
    {
    }

    private RecordingSmtpClient(DataPhaseTracker tracker)
        : base(tracker)
    {
        _tracker = tracker;
    }

    public List<RejectedRecipient> Rejected { get; } = [];

    /// <summary>Gets a value indicating whether the final "." of DATA was written to the server.</summary>
    public bool EndOfDataWritten => _tracker.EndOfDataWritten;

    /// <summary>Gets a value indicating whether the DATA command of the current transaction was written, so a failure belongs to the message transfer.</summary>
    public bool DataStarted => _tracker.DataStarted;

    /// <summary>Gets the bytes of message content written after the server's 354 (dot-stuffed, without the final "."), for the message-size metric.</summary>
    public long DataBytes => _tracker.EndOfDataWritten ? _tracker.DataBytes - 3 : _tracker.DataBytes;

    /// <summary>Gets or sets when the TCP connection was established: an implicit-TLS handshake starts then.</summary>
    public DateTimeOffset? TcpConnected { get; set; }

    /// <summary>Gets when the first server bytes (the greeting) arrived: an implicit-TLS handshake has ended by then.</summary>
    public DateTimeOffset? FirstServerReply => _tracker.FirstServerReply;

    /// <summary>Gets when the server accepted STARTTLS, so the handshake started.</summary>
    public DateTimeOffset? StartTlsStarted => _tracker.TlsStarted;

    /// <summary>Gets when the client first wrote over the STARTTLS-secured stream, so the handshake had ended.</summary>
    public DateTimeOffset? StartTlsEnded => _tracker.TlsEnded;

    /// <summary>Forgets the previous message's refused recipients and phase, before the next message on this connection.</summary>
    public void BeginMessage()
    {
        Rejected.Clear();
        _tracker.Reset();
    }

    /// <summary>Sends RSET, to reuse the connection after a refused transaction.</summary>
    public async Task ResetAsync(CancellationToken cancellationToken)
    {
        var response = await SendCommandAsync("RSET", cancellationToken).ConfigureAwait(false);
        if (response.StatusCode != SmtpStatusCode.Ok)
        {
            throw new SmtpCommandException(SmtpErrorCode.UnexpectedStatusCode, response.StatusCode, response.Response);
        }
    }

    protected override void OnRecipientNotAccepted(MimeMessage message, MailboxAddress mailbox, SmtpResponse response) =>
        Rejected.Add(new RejectedRecipient(mailbox.Address, (int)response.StatusCode, SmtpReply.EnhancedStatusCode(response.Response), response.Response));

    protected override void OnNoRecipientsAccepted(MimeMessage message) => throw new NoRecipientsAcceptedException();

    /// <summary>Thrown when every recipient was refused.</summary>
    /// <remarks>A command exception, so MailKit resets the session (RSET) instead of dropping the connection.</remarks>
    internal sealed class NoRecipientsAcceptedException : SmtpCommandException
    {
        public NoRecipientsAcceptedException()
            : base(SmtpErrorCode.RecipientNotAccepted, SmtpStatusCode.MailboxUnavailable, "No recipient was accepted.")
        {
        }
    }

    /// <summary>
    /// Watches the plaintext the client writes (above TLS) for the DATA command and the end-of-data sequence CRLF.CRLF,
    /// which cannot occur elsewhere: inside DATA a line starting with "." is dot-stuffed. Nothing is stored.
    /// </summary>
    private sealed class DataPhaseTracker : IProtocolLogger
    {
        private static readonly byte[] EndOfData = "\r\n.\r\n"u8.ToArray();
        private readonly byte[] _tail = new byte[5];
        private int _tailLength;
        private bool _inData;
        private bool _awaitingDataReply;
        private bool _startTlsSent;
        private bool _tlsRunning;

        public bool EndOfDataWritten { get; private set; }

        public long DataBytes { get; private set; }

        // Span timestamps use the real clock, as Activity does.
        public DateTimeOffset? FirstServerReply { get; private set; }

        public DateTimeOffset? TlsStarted { get; private set; }

        public DateTimeOffset? TlsEnded { get; private set; }

        public bool DataStarted { get; private set; }

        public IAuthenticationSecretDetector? AuthenticationSecretDetector { get; set; }

        public void Reset()
        {
            _tailLength = 0;
            _inData = false;
            _awaitingDataReply = false;
            EndOfDataWritten = false;
            DataStarted = false;
            DataBytes = 0;
        }

        public void LogConnect(Uri uri)
        {
        }

        public void LogClient(byte[] buffer, int offset, int count)
        {
            var span = buffer.AsSpan(offset, count);
            if (_tlsRunning)
            {
                // The first write after STARTTLS's 220 (EHLO) goes over the finished TLS session.
                _tlsRunning = false;
                TlsEnded = TimeProvider.System.GetUtcNow();
            }

            if (_inData && !_awaitingDataReply)
            {
                DataBytes += count;
            }

            if (!_inData)
            {
                _startTlsSent |= span.SequenceEqual("STARTTLS\r\n"u8);

                // Commands are only looked at between messages: message content may hold any text.
                // Not RSET: MailKit sends it after a refused message, and the failure still belongs to DATA.
                if (span.StartsWith("MAIL FROM:"u8))
                {
                    DataStarted = false;
                }

                if (span.EndsWith("DATA\r\n"u8) && (span.Length == 6 || span[^7] == '\n'))
                {
                    DataStarted = _inData = _awaitingDataReply = true;
                }
            }

            if (span.Length >= _tail.Length)
            {
                span[^_tail.Length..].CopyTo(_tail);
                _tailLength = _tail.Length;
            }
            else
            {
                var keep = Math.Min(_tailLength, _tail.Length - span.Length);
                _tail.AsSpan(_tailLength - keep, keep).CopyTo(_tail);
                span.CopyTo(_tail.AsSpan(keep));
                _tailLength = keep + span.Length;
            }

            EndOfDataWritten = _tailLength == _tail.Length && _tail.AsSpan().SequenceEqual(EndOfData);
            _inData &= !EndOfDataWritten;
        }

        public void LogServer(byte[] buffer, int offset, int count)
        {
            FirstServerReply ??= TimeProvider.System.GetUtcNow();
            if (_startTlsSent && count > 0)
            {
                _startTlsSent = false;
                _tlsRunning = buffer[offset] == '2';
                TlsStarted = _tlsRunning ? TimeProvider.System.GetUtcNow() : null;
            }

            if (_awaitingDataReply && count > 0)
            {
                // Anything but 354 refuses DATA: no message content follows.
                _awaitingDataReply = false;
                _inData = buffer[offset] == '3';
            }
        }

        public void Dispose()
        {
        }
    }
}
