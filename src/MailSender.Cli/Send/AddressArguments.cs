using MimeKit;

namespace MailSender.Cli.Send;

/// <summary>Parses the address arguments with MimeKit, with errors that name the option and the address.</summary>
/// <remarks>Only obvious mistakes are caught here; the library checks every address again (line breaks, domain syntax) before sending.</remarks>
internal static class AddressArguments
{
    /// <summary>Parses one <c>--to</c>/<c>--cc</c>/<c>--bcc</c> value: an address, <c>Name &lt;address&gt;</c>, or several separated by commas.</summary>
    public static InternetAddressList ParseList(string value, string option)
    {
        if (!InternetAddressList.TryParse(value, out var list) || list.Mailboxes.FirstOrDefault() is null)
        {
            throw Invalid(value, option);
        }

        foreach (var mailbox in list.Mailboxes)
        {
            Check(mailbox, value, option);
        }

        return list;
    }

    /// <summary>Parses exactly one mailbox, e.g. the <c>--from</c> value.</summary>
    public static MailboxAddress ParseMailbox(string value, string option)
    {
        if (!MailboxAddress.TryParse(value, out var mailbox))
        {
            throw Invalid(value, option);
        }

        Check(mailbox, value, option);
        return mailbox;
    }

    private static void Check(MailboxAddress mailbox, string value, string option)
    {
        var address = mailbox.Address;
        var at = address.LastIndexOf('@');

        // MimeKit accepts a bare local part ("ann"); a mail server would not.
        if (at <= 0 || at == address.Length - 1 || address.Any(c => char.IsWhiteSpace(c) || char.IsControl(c)))
        {
            throw Invalid(value, option);
        }
    }

    private static UsageException Invalid(string value, string option) =>
        new($"{option} '{Printable(value)}' is not a valid e-mail address.", "Write it as ann@example.com or \"Ann <ann@example.com>\".");

    private static string Printable(string text) =>
        text.Replace("\r", "\\r", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);
}
