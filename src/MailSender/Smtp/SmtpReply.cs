using System.Text.RegularExpressions;

namespace MailSender.Smtp;

/// <summary>Reads the parts of an SMTP reply text.</summary>
internal static partial class SmtpReply
{
    /// <summary>Returns the enhanced status code (RFC 3463, e.g. <c>5.1.1</c>) at the start of a reply text, or <see langword="null"/>.</summary>
    public static string? EnhancedStatusCode(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return null;
        }

        var match = EnhancedCode().Match(text);
        return match.Success ? match.Groups[1].Value : null;
    }

    [GeneratedRegex(@"^\s*(?:[245]\d\d[ -])?([245]\.\d{1,3}\.\d{1,3})\b", RegexOptions.CultureInvariant)]
    private static partial Regex EnhancedCode();
}
