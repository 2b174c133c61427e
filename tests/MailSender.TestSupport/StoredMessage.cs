namespace MailSender.TestSupport;

/// <summary>One transaction an <see cref="InProcessSmtpServer"/> stored.</summary>
/// <param name="From">The envelope sender (<c>MAIL FROM</c>).</param>
/// <param name="To">The accepted envelope recipients (<c>RCPT TO</c>).</param>
/// <param name="Data">The message bytes, as the server hands them to its store (after un-dot-stuffing).</param>
/// <param name="Secure">Whether the session was encrypted (STARTTLS or implicit TLS) when the message arrived.</param>
public sealed record StoredMessage(string From, IReadOnlyList<string> To, byte[] Data, bool Secure)
{
    public MimeKit.MimeMessage Parse() => MimeKit.MimeMessage.Load(new MemoryStream(Data, writable: false));
}
