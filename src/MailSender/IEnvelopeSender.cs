using MimeKit;

namespace MailSender;

/// <summary>A sender that takes an explicit SMTP envelope (MailSender's own); what the envelope overload of <c>SendAsync</c> needs.</summary>
internal interface IEnvelopeSender
{
    /// <summary>Sends <paramref name="message"/> with <paramref name="envelope"/>, or the envelope its headers give when <see langword="null"/>.</summary>
    Task<SendResult> SendAsync(MimeMessage message, MailEnvelope? envelope, CancellationToken cancellationToken);
}
