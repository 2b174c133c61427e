using System.Buffers.Text;
using System.Text;

namespace MailSender.Smtp.Protocol;

/// <summary>
/// What a client revealed while authenticating (the SASL responses it wrote, base64 and decoded, and the credentials
/// configured), so that a server echoing any of it in a reply (<c>535 5.7.8 AHVzZXIAcGFzcw== rejected</c>) never gets it
/// into an exception, a log event or the CLI's output.
/// </summary>
internal sealed class AuthenticationSecrets
{
    /// <summary>What a secret is replaced with.</summary>
    public const string Placeholder = "***";

    // Shorter pieces (a SASL field name, a separator) would only mangle replies; no secret is that short.
    private const int MinimumLength = 3;

    private readonly object _gate = new();
    private readonly List<string> _secrets = [];

    /// <summary>Gets a value indicating whether anything is known to redact.</summary>
    public bool IsEmpty
    {
        get
        {
            lock (_gate)
            {
                return _secrets.Count == 0;
            }
        }
    }

    /// <summary>Adds a secret known beforehand (the password, an access token).</summary>
    public void Add(string? secret)
    {
        if (secret is null || secret.Length < MinimumLength)
        {
            return;
        }

        lock (_gate)
        {
            if (!_secrets.Contains(secret))
            {
                _secrets.Add(secret);

                // Longest first, so a secret is replaced whole before any part of it.
                _secrets.Sort(static (a, b) => b.Length.CompareTo(a.Length));
            }
        }
    }

    /// <summary>Keeps one SASL response line as written (base64), and what it decodes to, whole and in its fields.</summary>
    public void Capture(ReadOnlySpan<byte> response)
    {
        var text = Encoding.ASCII.GetString(response).Trim();
        if (text.Length == 0 || text == "=")
        {
            return;
        }

        Add(text);
        var decoded = new byte[Base64.GetMaxDecodedFromUtf8Length(response.Length)];
        if (Base64.DecodeFromUtf8(response.Trim(" \r\n"u8), decoded, out _, out var written) != System.Buffers.OperationStatus.Done)
        {
            return;
        }

        var plain = Encoding.UTF8.GetString(decoded, 0, written);
        Add(plain);

        // PLAIN is "authzid\0user\0password"; XOAUTH2 "user=U\x01auth=Bearer T\x01\x01"; SCRAM "n,,n=U,r=NONCE".
        foreach (var field in plain.Split(['\0', '\x01'], StringSplitOptions.RemoveEmptyEntries))
        {
            AddField(field);
            foreach (var part in field.Split(',', StringSplitOptions.RemoveEmptyEntries))
            {
                AddField(part);
            }
        }
    }

    /// <summary>Returns <paramref name="text"/> with every known secret replaced by <see cref="Placeholder"/>.</summary>
    public string Redact(string text)
    {
        lock (_gate)
        {
            foreach (var secret in _secrets)
            {
                if (text.Contains(secret, StringComparison.Ordinal))
                {
                    text = text.Replace(secret, Placeholder, StringComparison.Ordinal);
                }
            }

            return text;
        }
    }

    private void AddField(string field)
    {
        Add(field);
        var equals = field.IndexOf('=', StringComparison.Ordinal);
        var value = equals >= 0 ? field[(equals + 1)..] : field;
        Add(value);
        if (value.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            Add(value[7..]);
        }
    }

    /// <summary>Gets a value indicating whether <paramref name="text"/> holds a known secret.</summary>
    public bool Reveals(string? text)
    {
        if (text is null)
        {
            return false;
        }

        lock (_gate)
        {
            return _secrets.Exists(s => text.Contains(s, StringComparison.Ordinal));
        }
    }

    /// <summary>
    /// Returns <paramref name="exception"/> if nothing in its chain quotes a secret, else a stand-in that keeps the types and the
    /// redacted messages: an inner exception is printed by loggers and <c>ToString()</c>, so it must be as clean as the outer one.
    /// </summary>
    public Exception? Sanitize(Exception? exception)
    {
        if (exception is null)
        {
            return null;
        }

        for (var current = exception; current is not null; current = current.InnerException)
        {
            if (Reveals(current.Message))
            {
                return new RedactedException(exception.GetType().FullName ?? exception.GetType().Name, Redact(exception.Message), Sanitize(exception.InnerException));
            }
        }

        return exception;
    }
}

/// <summary>Stands in for an exception whose message quoted a secret (a server echoing a SASL response): same type name, redacted message.</summary>
internal sealed class RedactedException(string originalType, string message, Exception? innerException)
    : Exception($"{originalType}: {message}", innerException)
{
    /// <summary>Gets the full name of the exception this one replaces.</summary>
    public string OriginalType { get; } = originalType;
}
