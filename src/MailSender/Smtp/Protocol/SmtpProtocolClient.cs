using MailKit;
using MailKit.Net.Smtp;

namespace MailSender.Smtp.Protocol;

/// <summary>
/// MailKit's SMTP client as MailSender drives it, over an <see cref="SmtpWireStream"/>: EHLO, AUTH (its SASL mechanisms),
/// NOOP and QUIT. Transactions (MAIL, RCPT, DATA, BDAT) are written by the <see cref="TransactionPipeline"/> instead,
/// because MailKit waits for every reply before the next step and never overlaps messages.
/// </summary>
internal sealed class SmtpProtocolClient : SmtpClient
{
    public SmtpProtocolClient()
        : base(new NullProtocolLogger())
    {
    }

    /// <summary>Every recipient was refused: the transaction's failure, mapped with its refused recipients.</summary>
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
