using MailSender.Internal;
using MimeKit;

namespace MailSender;

// The SendAsync overloads are told apart by their types; each keeps an optional token, as every SendAsync does.
#pragma warning disable RS0026

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

        return sender.SendAsync(CreateMessage(to, subject, text, html), cancellationToken);
    }

    /// <summary>
    /// Sends <paramref name="message"/> with an explicit SMTP envelope: its own sender and recipients (instead of those
    /// of the headers), and the envelope's requests, <see cref="MailEnvelope.DeliveryStatus"/> (DSN) and
    /// <see cref="MailEnvelope.RequireTls"/> (REQUIRETLS).
    /// </summary>
    /// <param name="sender">A sender made by <c>AddMailSender</c>.</param>
    /// <param name="message">The message.</param>
    /// <param name="envelope">The envelope.</param>
    /// <param name="cancellationToken">Cancels the send.</param>
    /// <returns>What the transport did with the message.</returns>
    /// <exception cref="NotSupportedException"><paramref name="sender"/> is not one of MailSender's senders (e.g. a test double).</exception>
    /// <exception cref="EmailSendException">The message could not be sent, or the server cannot honour REQUIRETLS or a required DSN.</exception>
    public static Task<SendResult> SendAsync(this IEmailSender sender, MimeMessage message, MailEnvelope envelope, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(sender);
        ArgumentNullException.ThrowIfNull(message);
        ArgumentNullException.ThrowIfNull(envelope);
        return sender is IEnvelopeSender envelopeSender
            ? envelopeSender.SendAsync(message, envelope, cancellationToken)
            : throw new NotSupportedException($"{sender.GetType().Name} does not take an explicit envelope; use a sender made by AddMailSender (IEmailSender or IEmailSenderFactory).");
    }

    /// <summary>The message the text shortcuts send (and the outbox's enqueue): recipients parsed, a text and/or HTML body.</summary>
    internal static MimeMessage CreateMessage(string to, string subject, string? text, string? html)
    {
        var message = new MimeMessage();
        message.To.AddRange(AddressParser.ParseList(to, "to"));
        message.Subject = subject;
        message.Body = new BodyBuilder { TextBody = text, HtmlBody = html }.ToMessageBody();
        return message;
    }

    /// <summary>
    /// Checks, without sending a message, that <paramref name="sender"/> could deliver now: SMTP connects (detecting the
    /// endpoint if needed), authenticates and quits; the pickup folder is checked for writing; the in-memory transport is ready.
    /// </summary>
    /// <param name="sender">A sender that implements <see cref="IVerifiableEmailSender"/>, such as those <c>AddMailSender</c> registers.</param>
    /// <param name="cancellationToken">Cancels the check.</param>
    /// <returns>A task that completes when the check passed.</returns>
    /// <exception cref="EmailSendException">The check failed; the exception says why, with a hint.</exception>
    /// <exception cref="NotSupportedException">The sender or its transport cannot be checked.</exception>
    public static Task VerifyAsync(this IEmailSender sender, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(sender);
        return sender is IVerifiableEmailSender verifiable
            ? verifiable.VerifyAsync(cancellationToken)
            : throw new NotSupportedException($"{sender.GetType().Name} cannot be verified: it does not implement IVerifiableEmailSender.");
    }
}
