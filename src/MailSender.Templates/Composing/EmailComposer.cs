using MimeKit;

namespace MailSender.Templates.Composing;

/// <summary>Turns rendered <see cref="EmailContent"/> into a <see cref="MimeMessage"/>.</summary>
internal sealed class EmailComposer(EmailTemplateOptions options)
{
    public MimeMessage Compose(EmailContent content, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(content);
        cancellationToken.ThrowIfCancellationRequested();
        _ = options;
        var message = new MimeMessage { Subject = content.Subject };
        message.Body = new BodyBuilder { HtmlBody = content.Html, TextBody = content.Text }.ToMessageBody();
        return message;
    }
}
