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

    /// <summary>Gets a value indicating whether the text this redactor was made from carried a password.</summary>
    /// <remarks>True even for a password too short to mask: it is still a secret on the command line.</remarks>
    public bool FoundPassword { get; private init; }

    /// <summary>
    /// Creates a redactor for the passwords in <paramref name="transport"/>, as written and percent-encoded or decoded:
    /// one URI, or each URI of <c>failover(A B)</c> and <c>roundrobin(A B)</c>.
    /// </summary>
    public static SecretRedactor ForTransport(string? transport)
    {
        if (transport is null)
        {
            return None;
        }

        var secrets = new List<string>();
        var separator = transport.IndexOf("://", StringComparison.Ordinal);
        while (separator >= 0)
        {
            var next = transport.IndexOf("://", separator + 3, StringComparison.Ordinal);

            // A composite lists URIs separated by spaces; the last one ends before the closing parenthesis.
            var end = next < 0 ? transport.Length : transport.LastIndexOfAny([' ', '\t', '\r', '\n'], next);
            var rest = transport[(separator + 3)..Math.Max(separator + 3, end)];
            if (rest.EndsWith(')'))
            {
                rest = rest[..^1];
            }

            AddPassword(rest, secrets);
            separator = next;
        }

        return secrets.Count == 0 ? None : new SecretRedactor(secrets) { FoundPassword = true };
    }

    /// <summary>Creates a redactor for a password given on its own (<c>--password</c>).</summary>
    public static SecretRedactor ForPassword(string? password) =>
        string.IsNullOrEmpty(password) ? None : new SecretRedactor([password, Uri.EscapeDataString(password)]) { FoundPassword = true };

    /// <summary>Returns a redactor that masks this one's secrets and <paramref name="other"/>'s (a transport and an outbox store).</summary>
    public SecretRedactor With(SecretRedactor other)
    {
        ArgumentNullException.ThrowIfNull(other);
        return !other.FoundPassword ? this
            : !FoundPassword ? other
            : new SecretRedactor(_secrets.Concat(other._secrets)) { FoundPassword = true };
    }

    private static void AddPassword(string rest, List<string> secrets)
    {
        var at = rest.LastIndexOf('@');
        var colon = at < 0 ? -1 : rest.IndexOf(':', 0, at);
        if (colon < 0)
        {
            return;
        }

        var password = rest[(colon + 1)..at];
        if (password.Length == 0)
        {
            return;
        }

        string decoded;
        try
        {
            decoded = Uri.UnescapeDataString(password);
        }
        catch (UriFormatException)
        {
            decoded = password;
        }

        secrets.AddRange([password, decoded, Uri.EscapeDataString(decoded)]);
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
