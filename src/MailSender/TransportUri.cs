using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text;

namespace MailSender;

/// <summary>
/// A parsed transport URI such as <c>smtp://user@smtp.example.com:587?security=starttls</c> or <c>pickup:./outbox</c>.
/// </summary>
/// <remarks>
/// <para>The grammar (documented in <c>docs/configuration.md</c>):</para>
/// <list type="bullet">
/// <item><c>scheme://[user[:password]@]host[:port][?name=value&amp;...]</c> for network transports;
/// user and password are percent-decoded.</item>
/// <item><c>scheme:[path][?name=value&amp;...]</c> for the others (<c>pickup:PATH</c>, <c>memory:</c>).</item>
/// </list>
/// <para>Parse errors name the bad part and never include the password. <see cref="ToString"/> omits the password.</para>
/// </remarks>
public sealed class TransportUri
{
    private static readonly IReadOnlyDictionary<string, string> NoParameters =
        new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);

    private TransportUri(string scheme)
    {
        Scheme = scheme;
    }

    /// <summary>Gets the scheme in lower case, e.g. <c>smtp</c>.</summary>
    public string Scheme { get; }

    /// <summary>Gets the host name or address (IPv6 without brackets), or <see langword="null"/> when the URI has no authority.</summary>
    public string? Host { get; private init; }

    /// <summary>Gets the port, or <see langword="null"/> when none was given.</summary>
    public int? Port { get; private init; }

    /// <summary>Gets the percent-decoded user name, or <see langword="null"/>.</summary>
    public string? UserName { get; private init; }

    /// <summary>Gets the percent-decoded password, or <see langword="null"/>. Never printed by <see cref="ToString"/>.</summary>
    public string? Password { get; private init; }

    /// <summary>Gets the path of an opaque URI (e.g. the folder of <c>pickup:PATH</c>), or <see langword="null"/>.</summary>
    public string? Path { get; private init; }

    /// <summary>Gets the query parameters, percent-decoded, with case-insensitive names.</summary>
    public IReadOnlyDictionary<string, string> Parameters { get; private init; } = NoParameters;

    /// <summary>Parses a transport URI.</summary>
    /// <param name="value">The URI text.</param>
    /// <returns>The parsed URI.</returns>
    /// <exception cref="EmailSendException">The text is not a valid transport URI (<see cref="EmailErrorKind.Configuration"/>); the message names the bad part.</exception>
    public static TransportUri Parse(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        if (!TryParse(value, out var uri, out var error))
        {
            throw new EmailSendException(EmailErrorKind.Configuration, "Invalid transport URI: " + error)
            {
                Hint = "Examples: smtp://user@smtp.example.com:587, smtps://smtp.example.com, pickup:./outbox. See docs/configuration.md.",
            };
        }

        return uri;
    }

    /// <summary>Tries to parse a transport URI; <see cref="Parse"/> says what is wrong with an invalid one.</summary>
    /// <param name="value">The URI text.</param>
    /// <param name="result">The parsed URI, when the text is valid.</param>
    /// <returns><see langword="true"/> when <paramref name="value"/> is valid.</returns>
    public static bool TryParse([NotNullWhen(true)] string? value, [NotNullWhen(true)] out TransportUri? result) =>
        TryParse(value, out result, out _);

    /// <summary>Tries to parse a transport URI, saying what is wrong with an invalid one (never quoting the password).</summary>
    internal static bool TryParse(string? value, [NotNullWhen(true)] out TransportUri? uri, [NotNullWhen(false)] out string? error)
    {
        uri = null;
        var text = value?.Trim();
        if (string.IsNullOrEmpty(text))
        {
            error = "the transport URI is empty.";
            return false;
        }

        var colon = text.IndexOf(':', StringComparison.Ordinal);
        if (colon <= 0 || !IsScheme(text.AsSpan(0, colon)))
        {
            error = "expected a scheme such as 'smtp:', 'smtps:' or 'pickup:' at the start.";
            return false;
        }

        var scheme = text[..colon].ToLowerInvariant();
        var rest = text[(colon + 1)..];
        string? query = null;
        var questionMark = rest.IndexOf('?', StringComparison.Ordinal);
        if (questionMark >= 0)
        {
            query = rest[(questionMark + 1)..];
            rest = rest[..questionMark];
        }

        if (!TryParseQuery(query, out var parameters, out error))
        {
            return false;
        }

        if (rest.StartsWith("///", StringComparison.Ordinal))
        {
            // scheme:///absolute/path, as in file:/// URIs.
            rest = rest[2..];
        }

        if (!rest.StartsWith("//", StringComparison.Ordinal))
        {
            uri = new TransportUri(scheme) { Path = rest.Length == 0 ? null : rest, Parameters = parameters };
            return true;
        }

        if (query is not null && query.Contains('@', StringComparison.Ordinal) && !rest.Contains('@', StringComparison.Ordinal))
        {
            // Most likely a password with an unencoded '?': never treat its tail as options (they would be echoed).
            error = "'@' after '?': if the user name or password contains '?', '/' or '@', percent-encode them (%3F, %2F, %40).";
            return false;
        }

        var authority = rest[2..];
        var slash = authority.IndexOf('/', StringComparison.Ordinal);
        if (slash >= 0)
        {
            if (authority.AsSpan(slash).TrimEnd('/').Length != 0)
            {
                // Never echo the text: when an '@' follows the '/', the '/' is most likely in a password.
                error = authority.IndexOf('@', slash) > slash
                    ? "the user name or password holds a raw '/' (or the host is followed by a path): percent-encode it in the URI, '/' as %2F (a password p/ss is written p%2Fss; also '@' as %40, ':' %3A, '?' %3F, '#' %23, '%' %25; Uri.EscapeDataString does it), or leave the password out of the URI and set it separately: the MAILSENDER_PASSWORD environment variable, or Password in the MailSender configuration section."
                    : $"a '{scheme}://' URI has no path; put options after '?' (e.g. ?security=starttls).";
                return false;
            }

            authority = authority[..slash];
        }

        string? user = null, password = null;
        var at = authority.LastIndexOf('@');
        if (at >= 0)
        {
            var userInfo = authority[..at];
            authority = authority[(at + 1)..];
            var separator = userInfo.IndexOf(':', StringComparison.Ordinal);
            var rawUser = separator >= 0 ? userInfo[..separator] : userInfo;
            if (!TryDecode(rawUser, out user))
            {
                error = "the user name has an invalid percent-encoding.";
                return false;
            }

            if (separator >= 0 && !TryDecode(userInfo[(separator + 1)..], out password))
            {
                // Never echo the password, not even the broken part.
                error = "the password has an invalid percent-encoding (encode '%' as %25).";
                return false;
            }

            if (user.Length == 0)
            {
                error = "the user name before '@' is empty.";
                return false;
            }
        }

        if (!TryParseHostAndPort(authority, out var host, out var port, out error))
        {
            return false;
        }

        uri = new TransportUri(scheme)
        {
            Host = host,
            Port = port,
            UserName = user,
            Password = password,
            Parameters = parameters,
        };
        return true;
    }

    /// <summary>Returns the URI without its password, safe for logs and messages.</summary>
    /// <returns>The URI text with the password left out.</returns>
    public override string ToString()
    {
        var text = new StringBuilder(Scheme).Append(':');
        if (Host is not null)
        {
            text.Append("//");
            if (UserName is not null)
            {
                text.Append(Uri.EscapeDataString(UserName)).Append('@');
            }

            text.Append(FormatHost(Host));
            if (Port is { } port)
            {
                text.Append(':').Append(port.ToString(CultureInfo.InvariantCulture));
            }
        }
        else if (Path is not null)
        {
            text.Append(Path);
        }

        var separator = '?';
        foreach (var (name, value) in Parameters)
        {
            text.Append(separator).Append(Uri.EscapeDataString(name)).Append('=')
                .Append(IsSecretName(name) ? "***" : Uri.EscapeDataString(value));
            separator = '&';
        }

        return text.ToString();
    }

    /// <summary>Builds a network URI from its parts, e.g. the <c>smtp://</c> URI a <c>relay://</c> preset resolves to.</summary>
    internal static TransportUri ForHost(string scheme, string host, int? port, string? userName, string? password, IReadOnlyDictionary<string, string> parameters) =>
        new(scheme) { Host = host, Port = port, UserName = userName, Password = password, Parameters = parameters };

    /// <summary>Gets the scheme, host and port only: safe to quote in errors about the options, which could hold a mistyped secret.</summary>
    internal string Endpoint => Host is null ? Scheme + ":" + Path : $"{Scheme}://{FormatHost(Host)}{(Port is { } p ? ":" + p.ToString(CultureInfo.InvariantCulture) : string.Empty)}";

    /// <summary>Writes a host as it appears in a URI: an IPv6 address in brackets.</summary>
    internal static string FormatHost(string host) => host.Contains(':', StringComparison.Ordinal) ? $"[{host}]" : host;

    internal static bool IsSecretName(string name) =>
        name.Contains("password", StringComparison.OrdinalIgnoreCase) ||
        name.Contains("secret", StringComparison.OrdinalIgnoreCase) ||
        name.Contains("token", StringComparison.OrdinalIgnoreCase) ||
        name.Contains("key", StringComparison.OrdinalIgnoreCase);

    private static bool IsScheme(ReadOnlySpan<char> text)
    {
        if (!char.IsAsciiLetter(text[0]))
        {
            return false;
        }

        foreach (var c in text)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c is not ('+' or '-' or '.'))
            {
                return false;
            }
        }

        return true;
    }

    private static bool TryParseHostAndPort(string authority, out string? host, out int? port, [NotNullWhen(false)] out string? error)
    {
        host = null;
        port = null;
        string hostText;
        string? portText = null;
        if (authority.StartsWith('['))
        {
            var close = authority.IndexOf(']', StringComparison.Ordinal);
            if (close < 0)
            {
                error = "an IPv6 host is missing its closing ']'.";
                return false;
            }

            hostText = authority[1..close];
            var after = authority[(close + 1)..];
            if (after.Length > 0)
            {
                if (after[0] != ':')
                {
                    error = "expected ':PORT' after the IPv6 host.";
                    return false;
                }

                portText = after[1..];
            }

            if (!System.Net.IPAddress.TryParse(hostText, out var address) || address.AddressFamily != System.Net.Sockets.AddressFamily.InterNetworkV6)
            {
                error = "the host in brackets is not a valid IPv6 address.";
                return false;
            }
        }
        else
        {
            var colon = authority.LastIndexOf(':');
            hostText = colon >= 0 ? authority[..colon] : authority;
            portText = colon >= 0 ? authority[(colon + 1)..] : null;
            if (hostText.Length == 0)
            {
                error = "the host is missing (expected scheme://host[:port]).";
                return false;
            }

            if (!IsHostName(hostText))
            {
                // The text could be a mistyped password: do not echo it.
                error = "the host is not a valid host name or IP address (letters, digits, '-', '.'; IPv6 in brackets).";
                return false;
            }
        }

        if (portText is not null)
        {
            if (!int.TryParse(portText, NumberStyles.None, CultureInfo.InvariantCulture, out var number) || number is < 1 or > 65535)
            {
                error = $"the port of host '{hostText}' is not a number between 1 and 65535.";
                return false;
            }

            port = number;
        }

        host = hostText;
        error = null;
        return true;
    }

    private static bool IsHostName(string text)
    {
        if (text.Length > 253 || text.StartsWith('.') || text.StartsWith('-'))
        {
            return false;
        }

        foreach (var c in text)
        {
            // Non-ASCII letters are allowed for internationalized domain names.
            if (!(char.IsLetterOrDigit(c) || c is '-' or '.' or '_'))
            {
                return false;
            }
        }

        return true;
    }

    private static bool TryParseQuery(string? query, out IReadOnlyDictionary<string, string> parameters, [NotNullWhen(false)] out string? error)
    {
        parameters = NoParameters;
        error = null;
        if (string.IsNullOrEmpty(query))
        {
            return true;
        }

        var result = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var pair in query.Split('&'))
        {
            if (pair.Length == 0)
            {
                continue;
            }

            var equals = pair.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0)
            {
                error = "every option after '?' must be name=value.";
                return false;
            }

            if (!TryDecode(pair[..equals], out var name) || !TryDecode(pair[(equals + 1)..], out var value))
            {
                error = "an option after '?' has an invalid percent-encoding.";
                return false;
            }

            if (!result.TryAdd(name, value))
            {
                error = $"the option '{name}' is given twice.";
                return false;
            }
        }

        parameters = result;
        return true;
    }

    private static bool TryDecode(string text, out string decoded)
    {
        decoded = text;
        if (!text.Contains('%', StringComparison.Ordinal))
        {
            return true;
        }

        var bytes = new List<byte>(text.Length);
        Span<byte> utf8 = stackalloc byte[4];
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (c == '%')
            {
                if (i + 2 >= text.Length || !byte.TryParse(text.AsSpan(i + 1, 2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var b))
                {
                    return false;
                }

                bytes.Add(b);
                i += 2;
            }
            else
            {
                if (Rune.DecodeFromUtf16(text.AsSpan(i), out var rune, out var consumed) != System.Buffers.OperationStatus.Done)
                {
                    return false;
                }

                var count = rune.EncodeToUtf8(utf8);
                bytes.AddRange(utf8[..count]);
                i += consumed - 1;
            }
        }

        try
        {
            decoded = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(bytes.ToArray());
            return true;
        }
        catch (DecoderFallbackException)
        {
            return false;
        }
    }
}
