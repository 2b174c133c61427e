using MimeKit;

namespace MailSender;

/// <summary>
/// The SMTP envelope of a message: who it is from (<c>MAIL FROM</c>) and who receives it (<c>RCPT TO</c>).
/// </summary>
/// <remarks>The recipients include Bcc addresses, which never appear in the visible headers.</remarks>
public sealed class MailEnvelope
{
    /// <summary>Initializes a new instance of the <see cref="MailEnvelope"/> class.</summary>
    /// <param name="sender">The envelope sender.</param>
    /// <param name="recipients">The envelope recipients; at least one.</param>
    /// <exception cref="ArgumentException"><paramref name="recipients"/> is empty.</exception>
    public MailEnvelope(MailboxAddress sender, IReadOnlyList<MailboxAddress> recipients)
    {
        ArgumentNullException.ThrowIfNull(sender);
        ArgumentNullException.ThrowIfNull(recipients);
        if (recipients.Count == 0)
        {
            throw new ArgumentException("An envelope needs at least one recipient.", nameof(recipients));
        }

        Sender = sender;
        Recipients = recipients;
    }

    /// <summary>Gets the envelope sender.</summary>
    public MailboxAddress Sender { get; }

    /// <summary>Gets the envelope recipients, Bcc included, without duplicates.</summary>
    public IReadOnlyList<MailboxAddress> Recipients { get; }
}
