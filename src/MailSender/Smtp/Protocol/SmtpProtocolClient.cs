using MailKit;
using MailKit.Net.Smtp;
using MimeKit;

namespace MailSender.Smtp.Protocol;

/// <summary>
/// MailKit's SMTP client as MailSender drives it: over an <see cref="SmtpWireStream"/>, recording refused recipients
/// instead of failing the whole message, and refusing a message the server's SIZE limit would refuse before MAIL FROM.
/// </summary>
internal sealed class SmtpProtocolClient : SmtpClient
{
    private readonly AuthenticationSecrets _secrets;
    private readonly string _endpoint;

    public SmtpProtocolClient(AuthenticationSecrets secrets, string endpoint)
        : base(new NullProtocolLogger())
    {
        _secrets = secrets;
        _endpoint = endpoint;
    }

    /// <summary>Gets the recipients refused in the current transaction, with the server's (redacted) reply.</summary>
    public List<RejectedRecipient> Rejected { get; } = [];

    /// <summary>Gets or sets the transport name used in errors raised from inside MailKit's send.</summary>
    public string? TransportName { get; set; }

    /// <summary>Forgets the previous message's refused recipients, before the next message on this connection.</summary>
    public void BeginMessage() => Rejected.Clear();

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
        Rejected.Add(new RejectedRecipient(mailbox.Address, (int)response.StatusCode, SmtpReply.EnhancedStatusCode(response.Response), _secrets.Redact(response.Response)));

    protected override void OnNoRecipientsAccepted(MimeMessage message) => throw new NoRecipientsAcceptedException();

    /// <summary>
    /// MailKit measures the message for <c>MAIL FROM ... SIZE=</c> whenever the server advertises SIZE; this is where a
    /// message over the server's limit is refused, before anything of the transaction is written.
    /// </summary>
    protected override async Task<long> GetSizeAsync(FormatOptions options, MimeMessage message, CancellationToken cancellationToken)
    {
        var size = await base.GetSizeAsync(options, message, cancellationToken).ConfigureAwait(false);
        if (Capabilities.HasFlag(SmtpCapabilities.Size) && MaxSize > 0 && size > MaxSize)
        {
            throw new EmailSendException(EmailErrorKind.MessageTooLarge, $"The message is {size:N0} bytes, but {_endpoint} accepts at most {MaxSize:N0} bytes (SIZE).")
            {
                Transport = TransportName,
                Hint = SmtpHints.ForReply(552, null, null),
            };
        }

        return size;
    }

    /// <summary>Thrown when every recipient was refused.</summary>
    /// <remarks>A command exception, so MailKit resets the session (RSET) instead of dropping the connection.</remarks>
    internal sealed class NoRecipientsAcceptedException : SmtpCommandException
    {
        public NoRecipientsAcceptedException()
            : base(SmtpErrorCode.RecipientNotAccepted, SmtpStatusCode.MailboxUnavailable, "No recipient was accepted.")
        {
        }
    }

    /// <summary>MailKit wants a protocol logger; the wire stream below sees the same bytes, so this one stays silent.</summary>
    private sealed class NullProtocolLogger : IProtocolLogger
    {
        public IAuthenticationSecretDetector? AuthenticationSecretDetector { get; set; }

        public void LogConnect(Uri uri)
        {
        }

        public void LogClient(byte[] buffer, int offset, int count)
        {
        }

        public void LogServer(byte[] buffer, int offset, int count)
        {
        }

        public void Dispose()
        {
        }
    }
}
