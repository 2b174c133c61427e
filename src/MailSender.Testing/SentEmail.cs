using MimeKit;

namespace MailSender.Testing;

/// <summary>
/// A message recorded by <see cref="InMemoryEmailTransport"/>, with its envelope.
/// </summary>
public sealed class SentEmail
{
    internal SentEmail(MimeMessage message, MailEnvelope envelope, DateTimeOffset sentAt)
    {
        Message = message;
        Envelope = envelope;
        SentAt = sentAt;
    }

    /// <summary>Gets the message as it was handed to the transport.</summary>
    public MimeMessage Message { get; }

    /// <summary>Gets the envelope: sender and every recipient, Bcc included.</summary>
    public MailEnvelope Envelope { get; }

    /// <summary>Gets when the message was recorded, from the transport's <see cref="TimeProvider"/>.</summary>
    public DateTimeOffset SentAt { get; }

    /// <summary>Gets the subject.</summary>
    public string? Subject => Message.Subject;

    /// <summary>Gets the plain-text body, or <see langword="null"/>.</summary>
    public string? TextBody => Message.TextBody;

    /// <summary>Gets the HTML body, or <see langword="null"/>.</summary>
    public string? HtmlBody => Message.HtmlBody;

    /// <summary>Gets the envelope recipients' addresses, Bcc included.</summary>
    public IReadOnlyList<string> Recipients => Envelope.Recipients.Select(r => r.Address).ToArray();

    /// <summary>Gets the envelope sender's address.</summary>
    public string Sender => Envelope.Sender.Address;

    /// <summary>Gets the file names of the attachments.</summary>
    public IReadOnlyList<string> AttachmentNames => Message.Attachments.Select(a => a.ContentDisposition?.FileName ?? a.ContentType.Name ?? string.Empty).ToArray();

    /// <summary>Describes the message in one line, for assertion messages.</summary>
    /// <returns>The sender, recipients and subject.</returns>
    public override string ToString() => $"from {Sender} to {string.Join(", ", Recipients)}: \"{Subject}\"";
}
