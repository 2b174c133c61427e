using MimeKit;

namespace MailSender;

/// <summary>A transport that uses the upper bound of the message size <see cref="IEmailSender"/> computed, and serialises the message to measure it only when a server limit is near.</summary>
internal interface ISizeAwareTransport
{
    Task<SendResult> SendAsync(MimeMessage message, MailEnvelope envelope, long sizeBound, CancellationToken cancellationToken);
}
