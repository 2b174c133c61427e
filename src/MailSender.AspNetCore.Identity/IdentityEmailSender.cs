using System.Net;
using System.Text.Encodings.Web;
using MimeKit;

namespace MailSender.AspNetCore.Identity;

/// <summary>
/// ASP.NET Core Identity's two e-mail abstractions, implemented over one MailSender sender.
/// </summary>
internal sealed class IdentityEmailSender<TUser>(IEmailSenderFactory senders, string senderName) :
    Microsoft.AspNetCore.Identity.IEmailSender<TUser>,
    Microsoft.AspNetCore.Identity.UI.Services.IEmailSender
    where TUser : class
{
    private IEmailSender Sender => senders.GetSender(senderName);

    public Task SendConfirmationLinkAsync(TUser user, string email, string confirmationLink)
    {
        ArgumentNullException.ThrowIfNull(confirmationLink);
        var link = LinkParts(confirmationLink);
        return SendAsync(
            email,
            "Confirm your email",
            $"Please confirm your account by opening this link:\n{link.Text}\n",
            $"<p>Please confirm your account by <a href=\"{link.Html}\">clicking here</a>.</p>\n<p>If the link does not work, copy this address into your browser: {link.Html}</p>");
    }

    public Task SendPasswordResetLinkAsync(TUser user, string email, string resetLink)
    {
        ArgumentNullException.ThrowIfNull(resetLink);
        var link = LinkParts(resetLink);
        return SendAsync(
            email,
            "Reset your password",
            $"Please reset your password by opening this link:\n{link.Text}\n\nIf you did not ask for this, ignore this message.\n",
            $"<p>Please reset your password by <a href=\"{link.Html}\">clicking here</a>.</p>\n<p>If the link does not work, copy this address into your browser: {link.Html}</p>\n<p>If you did not ask for this, ignore this message.</p>");
    }

    public Task SendPasswordResetCodeAsync(TUser user, string email, string resetCode)
    {
        ArgumentNullException.ThrowIfNull(resetCode);
        var code = LinkParts(resetCode);
        return SendAsync(
            email,
            "Reset your password",
            $"Please reset your password using this code:\n{code.Text}\n\nIf you did not ask for this, ignore this message.\n",
            $"<p>Please reset your password using this code: <strong>{code.Html}</strong></p>\n<p>If you did not ask for this, ignore this message.</p>");
    }

    public Task SendEmailAsync(string email, string subject, string htmlMessage)
    {
        ArgumentNullException.ThrowIfNull(htmlMessage);
        return SendAsync(email, subject, text: null, htmlMessage);
    }

    /// <summary>
    /// Identity passes links already HTML-encoded and asks not to encode them again; other callers pass them raw.
    /// Decoding first makes both come out encoded exactly once.
    /// </summary>
    private static (string Text, string Html) LinkParts(string value)
    {
        var raw = WebUtility.HtmlDecode(value);
        return (raw, HtmlEncoder.Default.Encode(raw));
    }

    private async Task SendAsync(string email, string subject, string? text, string html)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(email);
        ArgumentNullException.ThrowIfNull(subject);

        var message = new MimeMessage { Subject = subject };   // From: the sender's DefaultFrom
        message.To.Add(ParseRecipient(email));
        message.Body = new BodyBuilder { TextBody = text, HtmlBody = html }.ToMessageBody();
        await Sender.SendAsync(message).ConfigureAwait(false);
    }

    /// <summary>One bare address: a user-supplied value must not become a display name or a list of recipients.</summary>
    private static MailboxAddress ParseRecipient(string email)
    {
        try
        {
            return new MailboxAddress(string.Empty, email.Trim());
        }
        catch (ParseException e)
        {
            throw new EmailSendException(EmailErrorKind.InvalidMessage, "The user's e-mail address is not a valid address.", e)
            {
                Hint = "Identity passed an address MimeKit cannot parse; check the e-mail validation of the registration form.",
            };
        }
    }
}
