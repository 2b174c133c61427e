using System.Globalization;
using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using System.Text;

namespace MailSender.Internal;

/// <summary>Host names as SMTP writes them in <c>EHLO</c>: a domain or an address literal, never anything that could end the line.</summary>
internal static class HostNames
{
    private static readonly Lazy<string> MachineName = new(() => SafeHostName(IPGlobalProperties.GetIPGlobalProperties().HostName) ?? "localhost");

    /// <summary>
    /// Gets a value indicating whether <paramref name="name"/> may follow <c>EHLO</c>: a domain (letters, digits, <c>-</c>, <c>_</c>,
    /// dots between labels, at most 253 characters), an address literal (<c>[192.0.2.1]</c>, <c>[IPv6:2001:db8::1]</c>) or a bare IP
    /// address. A space, CR, LF or any other character would let a configured name inject SMTP commands.
    /// </summary>
    public static bool IsEhloName(string name)
    {
        if (name.Length == 0 || name.Length > 253)
        {
            return false;
        }

        if (name.StartsWith('[') && name.EndsWith(']'))
        {
            var literal = name[1..^1];
            return literal.StartsWith("IPv6:", StringComparison.OrdinalIgnoreCase)
                ? IPAddress.TryParse(literal[5..], out var v6) && v6.AddressFamily == AddressFamily.InterNetworkV6
                : IPAddress.TryParse(literal, out var v4) && v4.AddressFamily == AddressFamily.InterNetwork && literal.Count(c => c == '.') == 3;
        }

        if (IPAddress.TryParse(name, out _))
        {
            return true;
        }

        foreach (var label in name.TrimEnd('.').Split('.'))
        {
            if (label.Length is 0 or > 63 || label.StartsWith('-') || label.EndsWith('-') ||
                !label.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_'))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Returns what follows <c>EHLO</c>: the configured name (an IP address as an address literal), else the machine's host name.</summary>
    public static string EhloArgument(string? configured)
    {
        if (string.IsNullOrEmpty(configured))
        {
            return MachineName.Value;
        }

        if (IPAddress.TryParse(configured, out var ip))
        {
            if (ip.IsIPv4MappedToIPv6)
            {
                ip = ip.MapToIPv4();
            }

            return ip.AddressFamily == AddressFamily.InterNetworkV6 ? $"[IPv6:{ip}]" : $"[{ip}]";
        }

        return configured;
    }

    /// <summary>The machine's host name made safe for EHLO (as MailKit does): underscores become dashes, Unicode becomes punycode.</summary>
    private static string? SafeHostName(string? hostName)
    {
        if (string.IsNullOrEmpty(hostName))
        {
            return null;
        }

        hostName = hostName.Replace('_', '-');
        try
        {
            var ascii = new IdnMapping().GetAscii(hostName);
            return IsEhloName(ascii) ? ascii : null;
        }
        catch (ArgumentException)
        {
            var ascii = new StringBuilder();
            foreach (var c in hostName.Where(c => c <= 0x7F && (char.IsAsciiLetterOrDigit(c) || c is '-' or '.')))
            {
                ascii.Append(c);
            }

            return ascii.Length > 0 && IsEhloName(ascii.ToString()) ? ascii.ToString() : null;
        }
    }
}
