using System.Globalization;

namespace MailSender.Benchmarks.Throughput;

/// <summary>A server as <c>HOST:PORT</c> (IPv6 in brackets: <c>[::1]:2525</c>).</summary>
internal sealed record SmtpServerAddress(string Host, int Port)
{
    public static SmtpServerAddress Parse(string text)
    {
        var colon = text.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(text.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port is < 1 or > 65535)
        {
            throw new FormatException($"--server expects HOST:PORT, not '{text}'.");
        }

        return new SmtpServerAddress(text[..colon].Trim('[', ']'), port);
    }

    public override string ToString() => Host.Contains(':', StringComparison.Ordinal) ? $"[{Host}]:{Port}" : $"{Host}:{Port}";
}
