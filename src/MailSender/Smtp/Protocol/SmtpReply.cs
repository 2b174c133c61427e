using System.Globalization;
using System.Text.RegularExpressions;

namespace MailSender.Smtp.Protocol;

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

    /// <summary>
    /// Splits a leading reply code from a text such as <c>535: 5.7.8 Error: authentication failed</c> (how MailKit words a refused AUTH)
    /// or <c>550 5.1.1 No such user</c>; the code is <see langword="null"/> when the text does not start with one.
    /// </summary>
    public static (int? Code, string Text) SplitStatusCode(string text)
    {
        var match = StatusCodePrefix().Match(text);
        return match.Success
            ? (int.Parse(match.Groups[1].ValueSpan, NumberStyles.None, CultureInfo.InvariantCulture), text[match.Length..])
            : (null, text);
    }

    [GeneratedRegex(@"^\s*([245]\d\d)(?::\s*|[ -]|$)", RegexOptions.CultureInvariant)]
    private static partial Regex StatusCodePrefix();

    [GeneratedRegex(@"^\s*(?:[245]\d\d[ -])?([245]\.\d{1,3}\.\d{1,3})\b", RegexOptions.CultureInvariant)]
    private static partial Regex EnhancedCode();
}
