using MimeKit;

namespace MailSender.Internal;

/// <summary>Parses and checks e-mail addresses, with errors that name the field and the address.</summary>
internal static class AddressParser
{
    private static readonly System.Buffers.SearchValues<char> NotInLocalPart = System.Buffers.SearchValues.Create(" \t,;<>()[]\\");

    public static IEnumerable<MailboxAddress> ParseList(string text, string field)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            throw Invalid($"The '{field}' address is empty.");
        }

        CheckNoLineBreaks(text, field);
        if (!InternetAddressList.TryParse(ParserOptions.Default, text, out var list) || list.Count == 0)
        {
            throw Invalid($"The '{field}' address '{text}' is not a valid e-mail address.");
        }

        var mailboxes = list.Mailboxes.ToList();
        foreach (var mailbox in mailboxes)
        {
            Check(mailbox, field);
        }

        return mailboxes;
    }

    public static MailboxAddress ParseMailbox(string text, string field)
    {
        var mailboxes = ParseList(text, field).ToList();
        if (mailboxes.Count != 1)
        {
            throw Invalid($"The '{field}' setting '{text}' must be exactly one e-mail address.");
        }

        return mailboxes[0];
    }

    /// <summary>Checks an address before it is used in the SMTP envelope, where a line break would start a new command.</summary>
    public static void Check(MailboxAddress mailbox, string field)
    {
        var address = mailbox.Address;
        if (string.IsNullOrEmpty(address))
        {
            throw Invalid($"A '{field}' address is empty.");
        }

        foreach (var c in address)
        {
            if (char.IsControl(c))
            {
                throw Invalid($"The '{field}' address '{Printable(address)}' contains a control character (such as CR or LF), which could inject SMTP commands.");
            }
        }

        CheckNoLineBreaks(mailbox.Name ?? string.Empty, field);
        var at = address.LastIndexOf('@');
        if (at <= 0 || at == address.Length - 1)
        {
            throw Invalid($"The '{field}' address '{address}' is not a valid e-mail address (expected local-part@domain).");
        }

        var local = address.AsSpan(0, at);
        if (local[0] != '"' && local.ContainsAny(NotInLocalPart))
        {
            throw Invalid($"The '{field}' address '{address}' is not a valid e-mail address (invalid character in the part before '@').");
        }

        var domain = address.AsSpan(at + 1);
        if (domain[0] == '[' ? domain[^1] != ']' : !IsDomain(domain))
        {
            throw Invalid($"The '{field}' address '{address}' has an invalid domain.");
        }
    }

    public static bool IsAscii(string text)
    {
        foreach (var c in text)
        {
            if (c > 127)
            {
                return false;
            }
        }

        return true;
    }

    private static void CheckNoLineBreaks(string text, string field)
    {
        if (text.AsSpan().IndexOfAny('\r', '\n') >= 0)
        {
            throw Invalid($"The '{field}' address contains a line break (CR or LF), which could inject a header or a recipient.");
        }
    }

    private static bool IsDomain(ReadOnlySpan<char> domain)
    {
        if (domain.Length > 253 || domain[0] == '.' || domain[^1] == '.' || domain.Contains("..", StringComparison.Ordinal))
        {
            return false;
        }

        foreach (var c in domain)
        {
            if (!(char.IsLetterOrDigit(c) || c is '-' or '.' or '_'))
            {
                return false;
            }
        }

        return true;
    }

    private static string Printable(string text) => text.Replace("\r", "\\r", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);

    private static EmailSendException Invalid(string message) => new(EmailErrorKind.InvalidMessage, message);
}
