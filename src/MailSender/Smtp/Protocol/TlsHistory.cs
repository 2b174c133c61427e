using System.Collections.Concurrent;

namespace MailSender.Smtp.Protocol;

/// <summary>
/// Remembers the endpoints (host:port) seen with TLS, by detection or a successful STARTTLS, so a later connection to
/// one of them that is not offered STARTTLS is treated as a downgrade (possible STARTTLS stripping), never as plain text.
/// One per service container; kept for the life of the process.
/// </summary>
internal sealed class TlsHistory
{
    private readonly ConcurrentDictionary<string, bool> _secure = new(StringComparer.OrdinalIgnoreCase);

    public void MarkSecure(string host, int port) => _secure.TryAdd(Key(host, port), true);

    public bool WasSecure(string host, int port) => _secure.ContainsKey(Key(host, port));

    private static string Key(string host, int port) => FormattableString.Invariant($"{host}:{port}");
}
