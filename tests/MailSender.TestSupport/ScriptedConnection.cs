namespace MailSender.TestSupport;

/// <summary>A snapshot of one connection a <see cref="ScriptedSmtpServer"/> accepted.</summary>
/// <param name="Number">The connection's number, from 1 in the order the server accepted them.</param>
/// <param name="Commands">Every line received on it outside DATA, in order.</param>
/// <param name="Closed">Whether the session has ended and the socket is closed (by either side).</param>
public sealed record ScriptedConnection(int Number, IReadOnlyList<string> Commands, bool Closed)
{
    /// <summary>Gets a value indicating whether the client said QUIT on this connection.</summary>
    public bool QuitReceived => Commands.Any(c => c.Equals("QUIT", StringComparison.OrdinalIgnoreCase));

    /// <summary>
    /// Gets, for each of <see cref="Commands"/>, how many replies the server had sent when it read the command from the socket.
    /// Commands the client wrote together, without waiting for a reply in between, share a value: the number of distinct
    /// values in a transaction is the round trips it took.
    /// </summary>
    public IReadOnlyList<int> RepliesBefore { get; init; } = [];

    /// <summary>Gets how many round trips the commands from <paramref name="first"/> to <paramref name="last"/> (indexes in <see cref="Commands"/>) took.</summary>
    public int RoundTrips(int first, int last) => RepliesBefore.Skip(first).Take(last - first + 1).Distinct().Count();

    /// <summary>Gets the verbs received on this connection (<c>EHLO</c>, <c>MAIL</c>, <c>RCPT</c>, ...), in order.</summary>
    public IReadOnlyList<string> Verbs => Commands.Select(c => (c.IndexOf(' ', StringComparison.Ordinal) is var space and >= 0 ? c[..space] : c).ToUpperInvariant()).ToArray();
}
