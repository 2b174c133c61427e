using MimeKit;

namespace MailSender;

/// <summary>
/// Conveniences over <see cref="IEmailSender"/> for the common cases.
/// </summary>
public static class EmailSenderExtensions
{
    /// <summary>
    /// Sends a simple message to one or more recipients.
    /// </summary>
    /// <param name="sender">The sender to use.</param>
    /// <param name="to">The recipient(s), e.g. <c>"Ann &lt;ann@example.com&gt;"</c>; several may be separated by commas.</param>
    /// <param name="subject">The subject line.</param>
    /// <param name="text">The plain-text body, or <see langword="null"/>.</param>
    /// <param name="html">The HTML body, or <see langword="null"/>. With <paramref name="text"/>, both are sent as alternatives.</param>
    /// <param name="cancellationToken">Cancels the send.</param>
    /// <returns>What the transport did with the message.</returns>
    /// <exception cref="EmailSendException">An address is malformed, or the message could not be sent.</exception>
    public static Task<SendResult> SendAsync(
        this IEmailSender sender,
        string to,
        string subject,
        string? text,
        string? html = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(sender);
        ArgumentNullException.ThrowIfNull(to);
        ArgumentNullException.ThrowIfNull(subject);

        var message = new MimeMessage();
        message.To.AddRange(Internal.AddressParser.ParseList(to, "to"));
        message.Subject = subject;
        var body = new BodyBuilder { TextBody = text, HtmlBody = html };
        message.Body = body.ToMessageBody();
        return sender.SendAsync(message, cancellationToken);
    }
}
