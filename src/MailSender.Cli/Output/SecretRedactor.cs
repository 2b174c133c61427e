namespace MailSender.Cli.Output;

/// <summary>Masks the password of a transport URI in text about to be printed.</summary>
/// <remarks>
/// Defence in depth: the library's messages leave the password out, but a password with an unencoded
/// <c>?</c> is split off as URI options, which an error message then quotes. Masking the raw text
/// between <c>user:</c> and the last <c>@</c> keeps it off the terminal whatever the parser made of it.
/// </remarks>
internal sealed class SecretRedactor
{
    private const string Mask = "***";

    // Shorter candidates would mask ordinary words in messages; the library itself never prints the password.
    private const int MinimumLength = 4;

    private readonly string[] _secrets;

    private SecretRedactor(IEnumerable<string> secrets)
    {
        _secrets = secrets.Where(s => s.Length >= MinimumLength).Distinct(StringComparer.Ordinal).OrderByDescending(s => s.Length).ToArray();
    }

    /// <summary>Gets a redactor that masks nothing.</summary>
    public static SecretRedactor None { get; } = new([]);

    /// <summary>Creates a redactor for the password in <paramref name="transport"/>, as written and percent-encoded or decoded.</summary>
    public static SecretRedactor ForTransport(string? transport)
    {
        var separator = transport?.IndexOf("://", StringComparison.Ordinal) ?? -1;
        if (transport is null || separator < 0)
        {
            return None;
        }

        var rest = transport[(separator + 3)..];
        var at = rest.LastIndexOf('@');
        var colon = at < 0 ? -1 : rest.IndexOf(':', 0, at);
        if (colon < 0)
        {
            return None;
        }

        var password = rest[(colon + 1)..at];
        string decoded;
        try
        {
            decoded = Uri.UnescapeDataString(password);
        }
        catch (UriFormatException)
        {
            decoded = password;
        }

        return new SecretRedactor([password, decoded, Uri.EscapeDataString(decoded)]);
    }

    /// <summary>Returns <paramref name="text"/> with every secret replaced by <c>***</c>.</summary>
    public string? Redact(string? text)
    {
        if (text is null)
        {
            return null;
        }

        foreach (var secret in _secrets)
        {
            text = text.Replace(secret, Mask, StringComparison.Ordinal);
        }

        return text;
    }
}
