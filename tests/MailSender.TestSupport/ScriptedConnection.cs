namespace MailSender.TestSupport;

/// <summary>A snapshot of one connection a <see cref="ScriptedSmtpServer"/> accepted.</summary>
/// <param name="Number">The connection's number, from 1 in the order the server accepted them.</param>
/// <param name="Commands">Every line received on it outside DATA, in order.</param>
/// <param name="Closed">Whether the session has ended and the socket is closed (by either side).</param>
public sealed record ScriptedConnection(int Number, IReadOnlyList<string> Commands, bool Closed)
{
    /// <summary>Gets a value indicating whether the client said QUIT on this connection.</summary>
    public bool QuitReceived => Commands.Any(c => c.Equals("QUIT", StringComparison.OrdinalIgnoreCase));

    /// <summary>Gets the verbs received on this connection (<c>EHLO</c>, <c>MAIL</c>, <c>RCPT</c>, ...), in order.</summary>
    public IReadOnlyList<string> Verbs => Commands.Select(c => (c.IndexOf(' ', StringComparison.Ordinal) is var space and >= 0 ? c[..space] : c).ToUpperInvariant()).ToArray();
}
