using MimeKit;

namespace MailSender;

/// <summary>
/// The SMTP envelope of a message: who it is from (<c>MAIL FROM</c>) and who receives it (<c>RCPT TO</c>).
/// </summary>
/// <remarks>The recipients include Bcc addresses, which never appear in the visible headers.</remarks>
public sealed class MailEnvelope
{
    private readonly DeliveryStatusNotification? _deliveryStatus;

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

    /// <summary>
    /// Delivery status notifications wanted for this message (RFC 3461: NOTIFY, RET, ENVID and ORCPT), or
    /// <see langword="null"/> for the server's default. Sent only to servers that advertise DSN.
    /// </summary>
    /// <exception cref="ArgumentException">The request is not valid (NEVER with others, no NOTIFY, a bad ENVID); checked here so every envelope that carries one is valid.</exception>
    public DeliveryStatusNotification? DeliveryStatus
    {
        get => _deliveryStatus;
        init
        {
            value?.Validate();
            _deliveryStatus = value;
        }
    }

    /// <summary>
    /// Whether the message must travel over TLS all the way (RFC 8689 REQUIRETLS): it is sent only over a TLS
    /// connection to a server that advertises REQUIRETLS, and refused before anything is written otherwise.
    /// </summary>
    public bool RequireTls { get; init; }

    /// <summary>The same envelope for other recipients, keeping <see cref="DeliveryStatus"/> and <see cref="RequireTls"/>.</summary>
    internal MailEnvelope WithRecipients(IReadOnlyList<MailboxAddress> recipients) =>
        new(Sender, recipients) { DeliveryStatus = DeliveryStatus, RequireTls = RequireTls };
}
