namespace MailSender.Smtp.Protocol;

/// <summary>
/// Remembers the endpoints (host:port) seen with TLS, by detection or a successful STARTTLS, so a later connection to
/// one of them that is not offered STARTTLS is treated as a downgrade (possible STARTTLS stripping), never as plain text.
/// One per service container; kept for the life of the process.
/// </summary>
internal sealed class TlsHistory
{
    private readonly EndpointSet _secure = new();

    public void MarkSecure(string host, int port) => _secure.Add(host, port);

    public bool WasSecure(string host, int port) => _secure.Contains(host, port);
}
