using System.Text.RegularExpressions;

namespace MailSender.Diagnostics;

/// <summary>Keeps e-mail addresses (personal data) out of the free-text reasons that log events carry.</summary>
internal static partial class Redaction
{
    /// <summary>What an address is replaced with.</summary>
    public const string Placeholder = "[address]";

    /// <summary>
    /// Replaces every e-mail address in <paramref name="text"/> (an exception message, a server reply echoing
    /// <c>&lt;bob@example.com&gt;</c>) with <see cref="Placeholder"/>. Transport names stay readable: their user part is
    /// percent-encoded (<c>smtp://me%40example.com@host</c>) and a <c>//user@host</c> is not an address.
    /// </summary>
    public static string Addresses(string text) => text.Contains('@', StringComparison.Ordinal) ? Address().Replace(text, Placeholder) : text;

    [GeneratedRegex(@"(?<![\w.%+/=-])[\w.!#$&*+=?^`{|}~-][\w.!#$&'*+=?^`{|}~-]*@(?:\[[^\]\s]+\]|[\w-]+(?:\.[\w-]+)*)", RegexOptions.CultureInvariant)]
    private static partial Regex Address();
}
