using System.Net.Security;
using MailKit.Security;

namespace MailSender.Deliverability;

/// <summary>
/// An IMAP mailbox that receives bounces and complaints (the return path's mailbox), for
/// <see cref="BounceProcessor.ProcessImapAsync(ImapBounceMailbox, CancellationToken)"/>. To log in another way (OAuth,
/// a client you configure yourself), open the folder with MailKit's <c>ImapClient</c> and pass it to
/// <see cref="BounceProcessor.ProcessImapAsync(MailKit.IMailFolder, MailKit.IMailFolder?, CancellationToken)"/>.
/// Bound from configuration as <c>MailSender:Bounces:Imap</c> by <c>AddBounceProcessing</c>.
/// </summary>
public sealed class ImapBounceMailbox
{
    /// <summary>Gets or sets the IMAP server's host name (required).</summary>
    public string Host { get; set; } = string.Empty;

    /// <summary>Gets or sets the port; 0 (the default) means 993 for implicit TLS and 143 otherwise.</summary>
    public int Port { get; set; }

    /// <summary>
    /// Gets or sets how the connection is secured. <see langword="null"/> (the default) means implicit TLS on port 993 (or when no
    /// port is set) and required STARTTLS on any other port: the password never travels in plain text unless
    /// <see cref="SecureSocketOptions.None"/> (or <see cref="SecureSocketOptions.StartTlsWhenAvailable"/>) is chosen here.
    /// </summary>
    public SecureSocketOptions? Security { get; set; }

    /// <summary>Gets or sets the user name to log in with (required).</summary>
    public string UserName { get; set; } = string.Empty;

    /// <summary>Gets or sets the password (required). It never appears in logs or exception messages.</summary>
    public string Password { get; set; } = string.Empty;

    /// <summary>Gets or sets the folder to read; <c>INBOX</c> by default.</summary>
    public string Folder { get; set; } = "INBOX";

    /// <summary>
    /// Gets or sets the folder processed reports are moved to (created when missing), or <see langword="null"/> (the default) to
    /// leave them in <see cref="Folder"/> marked as seen.
    /// </summary>
    public string? ProcessedFolder { get; set; }

    /// <summary>Gets or sets how the server's certificate is checked, or <see langword="null"/> for the system's trust store (a test CA, a pinned certificate).</summary>
    public RemoteCertificateValidationCallback? ServerCertificateValidation { get; set; }

    /// <summary>Gets or sets the time allowed for each network operation; two minutes by default.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromMinutes(2);
}
