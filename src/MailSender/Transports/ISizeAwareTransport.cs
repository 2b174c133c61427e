using MimeKit;

namespace MailSender;

/// <summary>A transport that can use the size <see cref="IEmailSender"/> already measured, instead of serialising the message again.</summary>
internal interface ISizeAwareTransport
{
    Task<SendResult> SendAsync(MimeMessage message, MailEnvelope envelope, long size, CancellationToken cancellationToken);
}
