namespace MailSender.TestSupport;

/// <summary>A command a <see cref="ScriptedSmtpServer"/> is about to answer, as seen by <see cref="SmtpScript.Intercept"/>.</summary>
/// <param name="Connection">The connection's number, from 1 in the order the server accepted them.</param>
/// <param name="Transaction">How many MAIL commands this connection has sent so far, this one included (0 before the first).</param>
/// <param name="Command">The command line as received, or <c>"."</c> for the end of a DATA section (the message is already recorded).</param>
public sealed record ScriptedExchange(int Connection, int Transaction, string Command)
{
    /// <summary>Gets the command's verb in upper case (<c>MAIL</c>, <c>RCPT</c>, <c>DATA</c>, <c>NOOP</c>, ..., or <c>"."</c>).</summary>
    public string Verb
    {
        get
        {
            var space = Command.IndexOf(' ', StringComparison.Ordinal);
            return (space < 0 ? Command : Command[..space]).ToUpperInvariant();
        }
    }
}
